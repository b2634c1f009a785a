package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/fixtures"
	"github.com/readiness/readiness/report"
)

func readTruth(t *testing.T, dir string) *fixtures.Truth {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), "fixtures", dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr fixtures.Truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	return &tr
}

func missingMetrics(t *testing.T, r *report.Report) missing.Metrics {
	t.Helper()
	res, ok := r.Check("missing")
	if !ok {
		t.Fatal("report has no missing check")
	}
	var m missing.Metrics
	if err := json.Unmarshal(res.Metrics, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// compareWithTruth checks the missing-value metrics against the counts the
// fixture generator wrote, computed by its own naive code.
func compareWithTruth(t *testing.T, label string, m missing.Metrics, tr *fixtures.Truth, numericSentinels bool) {
	t.Helper()
	if m.Rows != tr.Rows {
		t.Errorf("%s: rows %d, truth %d", label, m.Rows, tr.Rows)
	}
	wantRows := tr.RowsWithMissing
	if numericSentinels {
		wantRows = tr.RowsWithMissingOrNumericSentinel
	}
	if m.RowsWithMissing != wantRows {
		t.Errorf("%s: rows_with_missing %d, truth %d", label, m.RowsWithMissing, wantRows)
	}
	for name, want := range tr.Columns {
		got, ok := m.Columns[name]
		if !ok {
			t.Errorf("%s: no metrics for column %q", label, name)
			continue
		}
		sentinel := want.Sentinel
		if numericSentinels {
			sentinel += want.NumericSentinel
		}
		if got.Nulls != want.Nulls || got.NaN != want.NaN || got.Empty != want.Empty || got.Sentinel != sentinel ||
			got.Missing != want.Nulls+want.NaN+want.Empty+sentinel {
			t.Errorf("%s: column %q: got %+v, truth nulls=%d nan=%d empty=%d sentinel=%d", label, name, got, want.Nulls, want.NaN, want.Empty, sentinel)
		}
		if rate := float64(got.Missing) / float64(tr.Rows); got.MissingRate != rate {
			t.Errorf("%s: column %q: missing_rate %v, want %v", label, name, got.MissingRate, rate)
		}
	}
}

// The same rows in four formats give the same missing-value metrics, and
// those are the generator's truth.
func TestFormatsAgreeWithTruth(t *testing.T) {
	tr := readTruth(t, "sample")
	var first []byte
	for _, ext := range []string{"parquet", "arrow", "csv", "ndjson"} {
		rep, _ := audit(t, filepath.Join(root(t), "fixtures", "sample", "train."+ext))
		m := missingMetrics(t, rep)
		compareWithTruth(t, ext, m, tr, false)
		if rep.Inputs[0].Rows != tr.Rows || rep.Dataset.Rows != tr.Rows {
			t.Errorf("%s: input rows %d, dataset rows %d, truth %d", ext, rep.Inputs[0].Rows, rep.Dataset.Rows, tr.Rows)
		}
		if rep.Roles.Label != "label" || rep.Roles.Time != "ts" || rep.Roles.ID != "id" {
			t.Errorf("%s: detected roles %+v, want label, ts, id", ext, rep.Roles.Roles)
		}
		res, _ := rep.Check("missing")
		if first == nil {
			first = res.Metrics
		} else if !bytes.Equal(first, res.Metrics) {
			t.Errorf("%s: missing metrics differ from parquet's:\n%s\n%s", ext, res.Metrics, first)
		}
	}
}

func TestNumericSentinelsFromPolicy(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("version: 1\nname: sentinels\nchecks:\n  missing:\n    column_sentinels:\n      age: [-999]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := readTruth(t, "sample")
	for _, ext := range []string{"parquet", "csv"} {
		rep, _ := audit(t, "--config", policy, filepath.Join(root(t), "fixtures", "sample", "train."+ext))
		compareWithTruth(t, ext, missingMetrics(t, rep), tr, true)
		if rep.Policy.Name != "sentinels" {
			t.Errorf("policy name %q", rep.Policy.Name)
		}
	}
}

func TestNaNSample(t *testing.T) {
	tr := readTruth(t, "sample-nan")
	nan := int64(0)
	for _, c := range tr.Columns {
		nan += c.NaN
	}
	if nan == 0 {
		t.Fatal("the NaN sample plants no NaN")
	}
	for _, ext := range []string{"parquet", "arrow", "csv"} {
		rep, _ := audit(t, filepath.Join(root(t), "fixtures", "sample-nan", "train."+ext))
		compareWithTruth(t, ext, missingMetrics(t, rep), tr, false)
	}
}

func TestCompressedText(t *testing.T) {
	tr := readTruth(t, "sample")
	dir := t.TempDir()
	for _, ext := range []string{"csv", "ndjson"} {
		raw, err := os.ReadFile(filepath.Join(root(t), "fixtures", "sample", "train."+ext))
		if err != nil {
			t.Fatal(err)
		}
		gz := gzipped(raw)
		enc, _ := zstd.NewWriter(nil)
		zst := enc.EncodeAll(raw, nil)
		enc.Close()
		for suffix, data := range map[string][]byte{".gz": gz, ".zst": zst} {
			p := filepath.Join(dir, "train."+ext+suffix)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, _ := audit(t, p)
			compareWithTruth(t, ext+suffix, missingMetrics(t, rep), tr, false)
		}
		// A truncated archive is an input error naming the file.
		cut := filepath.Join(dir, "cut."+ext+".gz")
		os.WriteFile(cut, gz[:len(gz)/2], 0o644)
		r := runCLI(t, "audit", cut)
		if r.code != 3 || !strings.Contains(r.stderr, "cut."+ext+".gz") {
			t.Errorf("truncated %s.gz: exit %d, stderr %s", ext, r.code, r.stderr)
		}
	}
}

func TestPartitionedFolders(t *testing.T) {
	tr := readTruth(t, "sample-partitioned")
	glob := filepath.Join(root(t), "fixtures", "sample-partitioned", "*", "*.parquet")
	rep, _ := audit(t, glob)
	compareWithTruth(t, "partitioned", missingMetrics(t, rep), tr, false)
	if rep.Roles.Split != "split" {
		t.Errorf("split role %q, want the split= folder column", rep.Roles.Split)
	}
	got := map[string]int64{}
	for _, in := range rep.Inputs {
		got[in.Partitions["split"]] += in.Rows
	}
	for split, n := range tr.SplitRows {
		if got[split] != n {
			t.Errorf("split %s: %d rows, truth %d", split, got[split], n)
		}
	}
}

// stripRun removes the run block, the one part of a report that may differ
// between two audits of the same data.
func stripRun(t *testing.T, data []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "run")
	out, _ := json.Marshal(m)
	return out
}

func TestWorkersAndOrderDoNotChangeTheReport(t *testing.T) {
	dir := filepath.Join(root(t), "fixtures", "sample-partitioned")
	a := filepath.Join(dir, "split=train", "part-0.parquet")
	b := filepath.Join(dir, "split=test", "part-0.parquet")
	_, one := audit(t, "--workers", "1", "--batch-size", "100", a, b)
	_, four := audit(t, "--workers", "4", "--batch-size", "100", b, a)
	_, big := audit(t, "--workers", "3", a, b)
	if !bytes.Equal(stripRun(t, one), stripRun(t, four)) {
		t.Errorf("--workers 1 and --workers 4 (inputs reversed) differ:\n%s\n%s", one, four)
	}
	if !bytes.Equal(stripRun(t, one), stripRun(t, big)) {
		t.Errorf("batch size changed the report")
	}
}

func TestBadInputsExit3(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(root(t), "fixtures", "sample", "train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, src[:len(src)*2/3], 0o644)
	// Damage the middle of the file, keeping the footer: the error must
	// come from decoding a row group.
	damaged := filepath.Join(dir, "damaged.parquet")
	bad := bytes.Clone(src)
	for i := len(bad) / 4; i < len(bad)/4+2000; i++ {
		bad[i] ^= 0x5a
	}
	os.WriteFile(damaged, bad, 0o644)
	csvBad := filepath.Join(dir, "bad.csv")
	os.WriteFile(csvBad, []byte("a,b\n1,2\n3,4,5\n"), 0o644)
	ndBad := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(ndBad, []byte("{\"a\":1}\n{\"a\":\n"), 0o644)
	for _, c := range []struct {
		path string
		want []string
	}{
		{truncated, []string{"truncated.parquet"}},
		{damaged, []string{"damaged.parquet"}},
		{csvBad, []string{"bad.csv", "line 3"}},
		{ndBad, []string{"bad.ndjson", "line 2"}},
	} {
		r := runCLI(t, "audit", "--out", filepath.Join(dir, "out"), c.path)
		if r.code != 3 {
			t.Errorf("%s: exit %d, want 3; stderr %s", c.path, r.code, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q: %s", c.path, w, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("%s: panic trace on stderr", c.path)
		}
		if _, err := os.Stat(filepath.Join(dir, "out", "report.json")); err == nil {
			t.Errorf("%s: a failed audit wrote report.json", c.path)
		}
	}
}

func TestSummaryOnStdoutLogsOnStderr(t *testing.T) {
	r := runCLI(t, "audit", "--log-level", "info", "--as-of", "2026-01-01", filepath.Join(root(t), "fixtures", "sample", "train.csv"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "2000 rows") || !strings.Contains(r.stdout, "missing") {
		t.Errorf("summary: %s", r.stdout)
	}
	// stderr is not a terminal here: logs are JSON lines, no progress bar.
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}

// Hive's null partition folder reads as null; escaped folder values are
// unescaped.
func TestHiveNullAndEscapedPartitions(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root(t), "fixtures", "sample", "train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, folder := range []string{"batch=__HIVE_DEFAULT_PARTITION__", "batch=b%2F1"} {
		os.MkdirAll(filepath.Join(dir, folder), 0o755)
		if err := os.WriteFile(filepath.Join(dir, folder, "train.parquet"), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, _ := audit(t, dir)
	m := missingMetrics(t, rep)
	rows := readTruth(t, "sample").Rows
	if got := m.Columns["batch"].Nulls; got != rows {
		t.Errorf("batch nulls %d, want %d (the null partition's rows)", got, rows)
	}
	values := map[string]bool{}
	for _, in := range rep.Inputs {
		values[in.Partitions["batch"]] = true
	}
	if !values["b/1"] || !values["__HIVE_DEFAULT_PARTITION__"] {
		t.Errorf("partition values %v", values)
	}
}

// gzipped returns raw compressed with gzip.
func gzipped(raw []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(raw)
	w.Close()
	return b.Bytes()
}
