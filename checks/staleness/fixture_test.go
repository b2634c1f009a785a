package staleness_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/staleness"
)

var sampleDir = filepath.Join("..", "..", "fixtures", "sample")

// truth is the part of fixtures/sample/truth.json this test reads.
type truth struct {
	Rows        int64      `json:"rows"`
	AsOf        time.Time  `json:"as_of"`
	StaleBefore time.Time  `json:"stale_before"`
	StaleRows   int64      `json:"stale_rows"`
	FutureRows  int64      `json:"future_rows"`
	MinTime     *time.Time `json:"min_time"`
	MaxTime     *time.Time `json:"max_time"`
	Config      struct {
		MaxAgeDays int `json:"max_age_days"`
	} `json:"config"`
}

// TestSampleFixture: the 2000-row sample read from Parquet, against the
// generator's truth.
func TestSampleFixture(t *testing.T) {
	var tr truth
	checktest.ReadJSON(t, filepath.Join(sampleDir, "truth.json"), &tr)
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := defaults()
	cfg.MaxAgeDays = tr.Config.MaxAgeDays
	staleBefore := staleness.Cutoff(cfg, asOf)
	if !tr.AsOf.Equal(asOf) || !staleBefore.Equal(tr.StaleBefore) || !staleBefore.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("as_of %s stale_before %s; truth %s %s", asOf, staleBefore, tr.AsOf, tr.StaleBefore)
	}
	mem := checktest.Allocator(t)
	bs := checktest.ReadParquet(t, mem, filepath.Join(sampleDir, "train.parquet"), 97)
	env := checks.Env{Schema: bs[0].Record.Schema(), AsOf: asOf, StaleBefore: staleBefore,
		Roles: checks.Roles{Label: "label", Time: "ts", ID: "id"}, ShowValues: true}
	r := checktest.SplitMerge(t, &staleness.Check, cfg, env, bs, checktest.Options{Trials: 10})
	m := metricsOf(t, r)
	if m.Rows != tr.Rows || m.StaleRows != tr.StaleRows || m.FutureRows != tr.FutureRows {
		t.Errorf("rows %d stale %d future %d; truth %d %d %d", m.Rows, m.StaleRows, m.FutureRows, tr.Rows, tr.StaleRows, tr.FutureRows)
	}
	if tr.MinTime == nil || tr.MaxTime == nil {
		t.Fatal("truth has no min_time/max_time")
	}
	if !parseStamp(t, m.MinTime).Equal(*tr.MinTime) || !parseStamp(t, m.MaxTime).Equal(*tr.MaxTime) {
		t.Errorf("min %s max %s; truth %s %s", m.MinTime, m.MaxTime, tr.MinTime, tr.MaxTime)
	}
	if r.Status == checks.NotApplicable || r.Score == nil {
		t.Errorf("status %s score %s", r.Status, fmtScore(r.Score))
	}
	if tr.FutureRows > 0 && checktest.Finding(r, "STA007") == nil {
		t.Errorf("findings %v, want STA007 for %d future rows", checktest.Codes(r), tr.FutureRows)
	}

	// Without --show-values the first and last times are the truth's days,
	// and no exact instant of the data appears anywhere in the result.
	env.ShowValues = false
	r = checktest.SplitMerge(t, &staleness.Check, cfg, env, bs, checktest.Options{Trials: 2})
	m = metricsOf(t, r)
	if m.MinTime != tr.MinTime.UTC().Format(time.DateOnly) || m.MaxTime != tr.MaxTime.UTC().Format(time.DateOnly) {
		t.Errorf("hidden: min %s max %s; truth's days %s %s", m.MinTime, m.MaxTime, tr.MinTime.UTC().Format(time.DateOnly), tr.MaxTime.UTC().Format(time.DateOnly))
	}
	all, _ := json.Marshal(r)
	for _, exact := range []time.Time{*tr.MinTime, *tr.MaxTime} {
		if s := exact.UTC().Format("15:04:05"); strings.Contains(string(all), "T"+s) {
			t.Errorf("hidden: the result holds the exact time %s: %s", exact, all)
		}
	}
}
