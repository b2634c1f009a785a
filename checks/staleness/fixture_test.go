package staleness_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	apq "github.com/apache/arrow-go/v18/parquet"
	pqfile "github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
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

// readParquet reads a Parquet file with pqarrow in batches of 97 rows.
func readParquet(t *testing.T, path string, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := apq.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true
	pr, err := pqfile.NewParquetReader(f, pqfile.WithReadProps(props))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 97}, mem)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var recs []arrow.RecordBatch
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestSampleFixture: the 2000-row sample read from Parquet, against the
// generator's truth.
func TestSampleFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sampleDir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := defaults()
	cfg.MaxAgeDays = tr.Config.MaxAgeDays
	staleBefore := staleness.Cutoff(cfg, asOf)
	if !tr.AsOf.Equal(asOf) || !staleBefore.Equal(tr.StaleBefore) || !staleBefore.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("as_of %s stale_before %s; truth %s %s", asOf, staleBefore, tr.AsOf, tr.StaleBefore)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := readParquet(t, filepath.Join(sampleDir, "train.parquet"), mem)
	bs := checktest.Batches(0, recs...)
	defer release(bs)
	env := checks.Env{Schema: recs[0].Schema(), AsOf: asOf, StaleBefore: staleBefore,
		Roles: checks.Roles{Label: "label", Time: "ts", ID: "id"}}
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
	if tr.FutureRows > 0 && finding(r, "STA007") == nil {
		t.Errorf("findings %v, want STA007 for %d future rows", codesOf(r), tr.FutureRows)
	}
}
