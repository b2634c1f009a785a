package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestExpectedRows: the row count that sizes the tables' partitions is
// the footer's for Parquet, and for the formats that do not tell it an
// estimate at least the true count (it errs high), within a few times it:
// the sample's 2000 rows in Arrow IPC, CSV, NDJSON and gzipped CSV.
func TestExpectedRows(t *testing.T) {
	sample := filepath.Join("..", "fixtures", "sample")
	var truth struct{ Rows int64 }
	raw, err := os.ReadFile(filepath.Join(sample, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &truth); err != nil || truth.Rows != 2000 {
		t.Fatalf("truth.json: rows %d (%v), want 2000", truth.Rows, err)
	}
	csv, err := os.ReadFile(filepath.Join(sample, "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(csv)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gzPath := filepath.Join(t.TempDir(), "train.csv.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(sample, "train.parquet"), filepath.Join(sample, "train.arrow"),
		filepath.Join(sample, "train.csv"), filepath.Join(sample, "train.ndjson"), gzPath,
	} {
		found, err := Discover([]string{path}, DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := Plan(context.Background(), found.Inputs, 1, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := ds.ExpectedRows()
		exact := filepath.Ext(path) == ".parquet"
		if exact && got != truth.Rows || !exact && (got < truth.Rows || got > 4*truth.Rows) {
			t.Errorf("%s: ExpectedRows %d for %d rows", filepath.Base(path), got, truth.Rows)
		}
	}
}
