package checktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const testSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["rows"],
  "properties": {
    "rows": {"type": "integer", "minimum": 0},
    "as_of": {"type": "string", "format": "date-time"}
  }
}`

type testMetrics struct {
	Rows int64  `json:"rows"`
	AsOf string `json:"as_of"`
}

func writeSchema(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "metrics.schema.json")
	if err := os.WriteFile(path, []byte(testSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// errs counts Errorf calls; Fatalf stops the goroutine as recorder's does.
type errs struct {
	recorder
	errors int
}

func (e *errs) Errorf(string, ...any) { e.errors++ }

// run calls f with a fresh errs and reports its Errorf count and whether
// it failed fatally.
func run(f func(tb testing.TB)) (errors int, fatal bool) {
	e := &errs{}
	inGoroutine(func() { f(e) })
	return e.errors, e.failed
}

// TestMetrics: validation errors are reported and the test goes on;
// decoding errors stop it; strict decoding rejects unknown fields; formats
// are asserted only when asked; a nil schema skips validation.
func TestMetrics(t *testing.T) {
	path := writeSchema(t)
	lax, withFormat := SchemaFile(path, false), SchemaFile(path, true)
	s1, err := lax()
	if s1 == nil || err != nil {
		t.Fatalf("compile: %v", err)
	}
	if s2, _ := lax(); s2 != s1 {
		t.Errorf("a second call compiled the schema again")
	}
	type schemaFunc = func() (*jsonschema.Schema, error)
	for _, tc := range []struct {
		name    string
		sch     schemaFunc
		metrics string
		strict  bool
		errors  int
		fatal   bool
		want    testMetrics
	}{
		{"valid", lax, `{"rows": 3}`, true, 0, false, testMetrics{Rows: 3}},
		{"invalid", lax, `{"rows": -1}`, false, 1, false, testMetrics{Rows: -1}},
		{"missing required", lax, `{"as_of": "x"}`, false, 1, false, testMetrics{AsOf: "x"}},
		{"format not asserted", lax, `{"rows": 1, "as_of": "yesterday"}`, false, 0, false, testMetrics{Rows: 1, AsOf: "yesterday"}},
		{"format asserted", withFormat, `{"rows": 1, "as_of": "yesterday"}`, false, 1, false, testMetrics{Rows: 1, AsOf: "yesterday"}},
		{"no schema", nil, `{"rows": -1}`, false, 0, false, testMetrics{Rows: -1}},
		{"unknown field, lax", nil, `{"rows": 2, "extra": 1}`, false, 0, false, testMetrics{Rows: 2}},
		{"unknown field, strict", nil, `{"rows": 2, "extra": 1}`, true, 0, true, testMetrics{}},
		{"wrong type", nil, `{"rows": "2"}`, false, 0, true, testMetrics{}},
		{"not JSON", lax, `{`, false, 0, true, testMetrics{}},
		{"schema does not compile", SchemaFile(filepath.Join(t.TempDir(), "none.json"), false), `{"rows": 1}`, false, 0, true, testMetrics{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m testMetrics
			errors, fatal := run(func(tb testing.TB) {
				Metrics(tb, tc.sch, checks.Result{Metrics: json.RawMessage(tc.metrics)}, &m, tc.strict)
			})
			if errors != tc.errors || fatal != tc.fatal {
				t.Errorf("%d errors, fatal %v; want %d, %v", errors, fatal, tc.errors, tc.fatal)
			}
			if !tc.fatal && m != tc.want {
				t.Errorf("decoded %+v, want %+v", m, tc.want)
			}
		})
	}
}

func TestCodesAndFinding(t *testing.T) {
	r := checks.Result{Findings: []checks.Finding{{Code: "X1", Message: "first"}, {Code: "X2"}, {Code: "X1", Message: "second"}}}
	if got := Codes(r); !reflect.DeepEqual(got, []string{"X1", "X2", "X1"}) {
		t.Errorf("codes %v", got)
	}
	if Codes(checks.Result{}) != nil {
		t.Errorf("no findings: codes not nil")
	}
	f := Finding(r, "X1")
	if f == nil || f.Message != "first" {
		t.Fatalf("finding X1: %+v, want the first", f)
	}
	if f != &r.Findings[0] {
		t.Errorf("finding is a copy, not the result's own")
	}
	if Finding(r, "X3") != nil {
		t.Errorf("finding X3 found")
	}
}
