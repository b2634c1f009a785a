package representativeness_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	rep "github.com/readiness/readiness/checks/representativeness"
)

// truth is the part of fixtures/sample/truth.json this test reads.
type truth struct {
	Rows    int64 `json:"rows"`
	Columns map[string]struct {
		Nulls int64 `json:"nulls"`
		NaN   int64 `json:"nan"`
	} `json:"columns"`
	Classes        map[string]int64 `json:"classes"`
	NullLabels     int64            `json:"null_labels"`
	FeatureColumns []string         `json:"feature_columns"`
}

// TestFixtureSample profiles the 2000-row sample and compares counts with
// the generator's ground truth.
func TestFixtureSample(t *testing.T) {
	raw, err := os.ReadFile("../../fixtures/sample/truth.json")
	if err != nil {
		t.Skip(err)
	}
	var tr truth
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	mem := checktest.Allocator(t)
	bs := checktest.ReadIPC(t, mem, "../../fixtures/sample/train.arrow")

	cfg := defaults()
	cfg.Required = map[string]map[string]int64{"label": {}}
	cfg.Targets = map[string]rep.Target{"label": {Shares: map[string]float64{}, Tolerance: 0.02}}
	labelled := tr.Rows - tr.NullLabels
	for c, n := range tr.Classes {
		cfg.Required["label"][c] = n + 1 // one short of every class: all missed
		cfg.Targets["label"].Shares[c] = float64(n) / float64(labelled)
	}
	env := checks.Env{Schema: bs[0].Record.Schema(), Roles: checks.Roles{Label: "label", Features: tr.FeatureColumns}}
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, bs, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	for _, c := range append(tr.FeatureColumns, "label") {
		got, want := m.Columns[c], tr.Columns[c]
		if got.Rows != tr.Rows || got.Nulls != want.Nulls {
			t.Errorf("column %s: rows %d nulls %d, want %d %d", c, got.Rows, got.Nulls, tr.Rows, want.Nulls)
		}
		if got.NonFinite != want.NaN {
			t.Errorf("column %s: non_finite %d, want %d NaN", c, got.NonFinite, want.NaN)
		}
	}
	for _, rq := range m.Required {
		if rq.Rows != tr.Classes[rq.Value] || rq.Met {
			t.Errorf("required %+v, want %d rows, not met", rq, tr.Classes[rq.Value])
		}
	}
	for _, tg := range m.Targets {
		if tg.Rows != tr.Classes[tg.Value] || !tg.Met {
			t.Errorf("target %+v, want %d rows, met", tg, tr.Classes[tg.Value])
		}
	}
	if len(m.Required) != len(tr.Classes) || len(m.Targets) != len(tr.Classes) {
		t.Errorf("%d required and %d targets, want %d", len(m.Required), len(m.Targets), len(tr.Classes))
	}
	// The sample against itself: no shift.
	env.Reference = observed(t, defaults(), env, bs)
	r = checktest.Result(t, &rep.Check, defaults(), env, bs)
	if r.Status != checks.Pass || *r.Score != 100 {
		t.Errorf("sample against itself: %s %v %v", r.Status, *r.Score, r.Findings)
	}
}
