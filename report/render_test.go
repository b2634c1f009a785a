package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

// The reports the renderers are tested on, built by hand: every status, every
// verdict path the renderers treat differently, and a report without a
// readiness block (written before there was one).

func result(t *testing.T, name string, status checks.Status, score *float64, fs ...checks.Finding) checks.Result {
	t.Helper()
	res, err := checks.NewResult(name, status, score, map[string]any{}, fs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func baseReport() *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "readiness", Version: "v1.2.3"},
		AsOf:          "2026-01-01T00:00:00Z",
		Policy: Policy{Source: "configs/default.yaml", Name: "default", Version: 1, SHA256: "6cce7242e1479610c332308c70147b7a9530ace1c871febc0d2737a0ffde2992",
			Effective: []byte(`{"checks":{},"name":"default","version":1}`), EffectiveSHA256: "3517464446debe2ec17bdbe39ae6a38182e01180d3e90e8c7905c96543b602dd"},
		Inputs: []Input{
			{Path: "data/split=train/part-0.parquet", Format: "parquet", Rows: 1500, Bytes: 9000, ModTime: "2026-11-20T10:00:00Z",
				SHA256: "8ee94cc73607810481e090431be90a834508194bb284db88dd8590627d9db30e"},
			{Path: "data/split=test/part-0.parquet", Format: "parquet", Rows: 500, Bytes: 3000, ModTime: "2026-11-20T10:00:01Z",
				SHA256: "1e8d2343d968465d13ba854966f72870214bcf355870518bc08fd9a3613e6207"},
		},
		Provenance: Provenance{InputHash: "sha256", SchemaFingerprint: "1e8d2343d968465d13ba854966f72870214bcf355870518bc08fd9a3613e6207",
			Sampling: "none: every row of every input was read"},
		Dataset: Dataset{Rows: 12345, Columns: 11, Schema: []Column{{Name: "label", Type: "utf8"}}},
		Roles:   Roles{Roles: checks.Roles{Label: "label", Features: []string{"text"}}, Choices: []RoleChoice{{Role: "label", Column: "label", Source: "flag", Reason: "--label"}}},
		Run:     Run{Started: "2026-11-26T23:29:03.702275227+01:00", DurationMS: 31.4, Workers: 2},
	}
}

// mixedReport has a check of every status, a blocker, a failing check whose
// first finding is only a warning, messages with characters every format
// must escape, and a blocked verdict that fails the gate.
func mixedReport(t *testing.T) *Report {
	r := baseReport()
	f := checks.Float
	r.Checks = []checks.Result{
		result(t, "balance", checks.Pass, f(100),
			checks.Finding{Code: "BAL009", Severity: checks.Info, Message: "12 of 1967 labelled rows are not usable", Column: "label", Value: f(0.9939), Rows: checks.Int(12)}),
		result(t, "duplicates", checks.Fail, f(40),
			checks.Finding{Code: "DUP002", Severity: checks.Warning, Message: "66 of 2000 rows | 3.30% | repeat an earlier row", Value: f(0.033), Threshold: f(0.01), Setting: "checks.duplicates.warn_rate", Rows: checks.Int(66)},
			checks.Finding{Code: "DUP004", Severity: checks.Blocker, Message: "12 rows of split test also appear in split train", Value: f(12), Threshold: f(0), Setting: "checks.duplicates.max_leaked_rows", Rows: checks.Int(12)},
			checks.Finding{Code: "DUP005", Severity: checks.Info, Message: "110 rows repeat the feature vector of an earlier row"}),
		result(t, "labels", checks.Warn, f(88.5),
			checks.Finding{Code: "LAB002", Severity: checks.Warning, Message: "class `refund_*` <b>&</b>: 5% of rows,\nsecond line\r\nthird, with a: colon", Column: "label", Value: f(0.05), Threshold: f(0.02), Setting: "checks.labels.warn_rate"}),
		result(t, "missing", checks.Warn, f(97.1),
			checks.Finding{Code: "MIS002", Severity: checks.Warning, Message: "column \"region\" is 5.7% missing (114 of 2000 rows)\x00\x1b", Column: "region", Value: f(0.057), Threshold: f(0.05), Setting: "checks.missing.warn_rate", Rows: checks.Int(114)}),
		result(t, "representativeness", checks.NotApplicable, nil,
			checks.Finding{Code: "REP000", Severity: checks.Info, Message: "nothing to compare against: no reference dataset"}),
		result(t, "staleness", checks.Fail, f(50),
			checks.Finding{Code: "STA002", Severity: checks.Warning, Message: "4 calendar months have no rows", Value: f(4), Threshold: f(3), Setting: "checks.staleness.warn_empty_months"},
			checks.Finding{Code: "STA001", Severity: checks.Error, Message: "62.0% of timed rows are older than 2025-01-01", Column: "ts", Value: f(0.62), Threshold: f(0.5), Setting: "checks.staleness.fail_stale_rate"}),
	}
	w := func(name, status string, score *float64, contrib float64) readiness.Weight {
		return readiness.Weight{Check: name, Weight: 1, Status: status, Score: score, Contribution: contrib, Applicable: score != nil}
	}
	r.Readiness = &readiness.Assessment{
		Score: f(75.12), Verdict: readiness.Blocked, Required: readiness.Hybrid, FailOn: "error", Passed: false,
		Reasons: []readiness.Reason{
			{Effect: "blocks", Check: "duplicates", Code: "DUP004", Severity: "blocker", Message: "12 rows of split test also appear in split train", Value: f(12), Threshold: f(0), Setting: "checks.duplicates.max_leaked_rows"},
			{Effect: "rules_out_custom", Check: "staleness", Code: "STA001", Severity: "error", Message: "62.0% of timed rows are older than 2025-01-01", Value: f(0.62), Threshold: f(0.5), Setting: "checks.staleness.fail_stale_rate"},
			{Effect: "rules_out_custom", Message: "score 75.1 is below the custom minimum 80", Value: f(75.12), Threshold: f(80), Setting: "readiness.custom.min_score"},
		},
		Remediation: []readiness.Remedy{
			{Target: readiness.Pretrained, Check: "duplicates", Action: "remove 12 rows of split test that also appear in split train", Amount: f(12), Unit: "rows"},
			{Target: readiness.Hybrid, Check: "staleness", Action: "collect data newer than 2025-01", Unit: ""},
		},
		Weights: []readiness.Weight{
			w("balance", "pass", f(100), 20), w("duplicates", "fail", f(40), 8), w("labels", "warn", f(88.5), 17.7),
			w("missing", "warn", f(97.1), 19.42), {Check: "representativeness", Weight: 1, Status: "not_applicable"},
			w("staleness", "fail", f(50), 10),
		},
		NotApplicable: []string{"representativeness"},
	}
	return r
}

// allPassReport: every check passes, the verdict is custom and the gate
// passes.
func allPassReport(t *testing.T) *Report {
	r := baseReport()
	r.Inputs = r.Inputs[:1]
	f := checks.Float
	for _, n := range []string{"balance", "duplicates", "labels", "missing", "representativeness", "staleness"} {
		r.Checks = append(r.Checks, result(t, n, checks.Pass, f(100)))
	}
	r.Checks[1].Findings = []checks.Finding{{Code: "DUP009", Severity: checks.Info, Message: "no split column, so train/test leakage is not measured"}}
	r.Readiness = &readiness.Assessment{Score: f(100), Verdict: readiness.Custom, Required: readiness.Custom, FailOn: "error", Passed: true,
		Reasons: []readiness.Reason{}, Remediation: []readiness.Remedy{}, NotApplicable: []string{}}
	for _, c := range r.Checks {
		r.Readiness.Weights = append(r.Readiness.Weights, readiness.Weight{Check: c.Name, Weight: 1, Status: "pass", Score: f(100), Contribution: 100.0 / 6, Applicable: true})
	}
	return r
}

// failOnWarnReport: the verdict meets the requirement, but the policy fails
// the gate on warnings and two checks warned.
func failOnWarnReport(t *testing.T) *Report {
	r := allPassReport(t)
	r.Checks[0] = result(t, "balance", checks.Warn, checks.Float(75.7),
		checks.Finding{Code: "BAL009", Severity: checks.Info, Message: "238 of 1967 labelled rows are not usable"},
		checks.Finding{Code: "BAL006", Severity: checks.Warning, Message: "the largest class has 11.0 times the rows of the smallest", Value: checks.Float(10.99), Threshold: checks.Float(5), Setting: "checks.balance.warn_ratio"})
	r.Checks[1] = result(t, "duplicates", checks.Warn, checks.Float(96.7),
		checks.Finding{Code: "DUP002", Severity: checks.Warning, Message: "66 of 2000 rows (3.30%) repeat an earlier row exactly"})
	r.Checks[4] = result(t, "representativeness", checks.NotApplicable, nil)
	a := r.Readiness
	a.Score, a.Verdict, a.Required, a.FailOn, a.Passed = checks.Float(94.5), readiness.Custom, readiness.Hybrid, "warn", false
	a.Reasons = []readiness.Reason{{Effect: "fails_gate", Check: "balance", Code: "BAL006", Severity: "warning", Message: "the largest class has 11.0 times the rows of the smallest"}}
	a.NotApplicable = []string{"representativeness"}
	f := checks.Float
	a.Weights = []readiness.Weight{
		{Check: "balance", Weight: 1, Status: "warn", Score: f(75.7), Contribution: 15.14, Applicable: true},
		{Check: "duplicates", Weight: 1, Status: "warn", Score: f(96.7), Contribution: 19.34, Applicable: true},
		{Check: "labels", Weight: 1, Status: "pass", Score: f(100), Contribution: 20, Applicable: true},
		{Check: "missing", Weight: 1, Status: "pass", Score: f(100), Contribution: 20, Applicable: true},
		{Check: "representativeness", Weight: 1, Status: "not_applicable"},
		{Check: "staleness", Weight: 1, Status: "pass", Score: f(100), Contribution: 20, Applicable: true},
	}
	return r
}

// notApplicableReport: nothing could be evaluated; no score.
func notApplicableReport(t *testing.T) *Report {
	r := baseReport()
	r.Checks = []checks.Result{
		result(t, "representativeness", checks.NotApplicable, nil, checks.Finding{Code: "REP000", Severity: checks.Info, Message: "nothing to compare against"}),
		result(t, "staleness", checks.NotApplicable, nil),
	}
	r.Readiness = &readiness.Assessment{Score: nil, Verdict: readiness.Pretrained, Required: readiness.Hybrid, FailOn: "error", Passed: false,
		Reasons:     []readiness.Reason{{Effect: "rules_out_hybrid", Message: "no check could be evaluated"}},
		Remediation: []readiness.Remedy{}, NotApplicable: []string{"representativeness", "staleness"},
		Weights: []readiness.Weight{{Check: "representativeness", Weight: 1, Status: "not_applicable"}, {Check: "staleness", Weight: 1, Status: "not_applicable"}}}
	return r
}

// noReadinessReport is the mixed report as an older version wrote it.
func noReadinessReport(t *testing.T) *Report {
	r := mixedReport(t)
	r.Readiness = nil
	return r
}

var renderCases = []struct {
	name  string
	build func(*testing.T) *Report
}{
	{"mixed", mixedReport},
	{"allpass", allPassReport},
	{"failonwarn", failOnWarnReport},
	{"notapplicable", notApplicableReport},
	{"noreadiness", noReadinessReport},
	{"sample", sampleAuditReport},
	{"reference", referenceAuditReport},
}

// sampleAuditReport is the report.json `make audit` wrote for
// fixtures/sample: real findings and metrics.
func sampleAuditReport(t *testing.T) *Report {
	t.Helper()
	r, err := Read(filepath.Join("testdata", "sample-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// referenceAuditReport is the report.json of an audit of fixtures/sample
// against a reference dataset (the test split of
// fixtures/sample-partitioned), so that representativeness compared:
//
//	readiness audit fixtures/sample/train.parquet \
//	  --reference fixtures/sample-partitioned/split=test/part-0.parquet --as-of 2026-01-01
func referenceAuditReport(t *testing.T) *Report {
	t.Helper()
	r, err := Read(filepath.Join("testdata", "reference-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The hand-built reports are reports a real audit could write, but for the
// checks' metrics, which the renderers do not read (each check's metrics
// schema would need a full set): those are left out of the validation.
func TestRenderFixturesAreValidReports(t *testing.T) {
	for _, c := range renderCases {
		r := c.build(t)
		r.Checks = []checks.Result{}
		data, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(data); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it):\n--- got\n%s", path, got)
	}
}

func TestRenderGolden(t *testing.T) {
	writers := []struct {
		ext   string
		write func(*bytes.Buffer, *Report) error
	}{
		{"junit.xml", func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) }},
		{"md", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
		{"annotations.txt", func(b *bytes.Buffer, r *Report) error { return WriteAnnotations(b, r) }},
		{"html", func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) }},
	}
	for _, c := range renderCases {
		for _, w := range writers {
			t.Run(c.name+"."+w.ext, func(t *testing.T) {
				var b, again bytes.Buffer
				if err := w.write(&b, c.build(t)); err != nil {
					t.Fatal(err)
				}
				if err := w.write(&again, c.build(t)); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), again.Bytes()) {
					t.Fatal("two renderings of the same report differ")
				}
				golden(t, c.name+"."+w.ext, b.Bytes())
			})
		}
	}
}

// Every renderer is a function of report.json: rendering the report read
// back from its JSON gives the same bytes as rendering the value.
func TestRenderFromJSON(t *testing.T) {
	r := mixedReport(t)
	data, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*bytes.Buffer, *Report) error{
		"junit":       func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) },
		"markdown":    func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) },
		"annotations": func(b *bytes.Buffer, r *Report) error { return WriteAnnotations(b, r) },
		"html":        func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) },
	} {
		var a, b bytes.Buffer
		if err := write(&a, r); err != nil {
			t.Fatal(err)
		}
		if err := write(&b, back); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("%s: rendering the report read back from JSON differs", name)
		}
	}
}

// failingWriter fails after n bytes, to show errors are returned.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, os.ErrClosed
	}
	w.n -= len(p)
	return len(p), nil
}

func TestRenderWriteErrors(t *testing.T) {
	r := mixedReport(t)
	for _, n := range []int{0, 10, 200} {
		if err := WriteJUnit(&failingWriter{n}, r); err == nil {
			t.Errorf("WriteJUnit: no error from a writer failing after %d bytes", n)
		}
		if err := WriteMarkdown(&failingWriter{n}, r); err == nil {
			t.Errorf("WriteMarkdown: no error from a writer failing after %d bytes", n)
		}
		if err := WriteAnnotations(&failingWriter{n}, r); err == nil {
			t.Errorf("WriteAnnotations: no error from a writer failing after %d bytes", n)
		}
		if err := WriteHTML(&failingWriter{n}, r); err == nil {
			t.Errorf("WriteHTML: no error from a writer failing after %d bytes", n)
		}
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }
