package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
)

func sampleReport(t *testing.T) *Report {
	t.Helper()
	score := 97.5
	res, err := checks.NewResult("missing", checks.Warn, &score, map[string]any{
		"rows": 10, "rows_with_missing": 2, "rows_with_missing_rate": 0.2,
		"columns": map[string]any{"age": map[string]any{"nulls": 1, "nan": 0, "empty": 0, "sentinel": 1, "missing": 2, "missing_rate": 0.2}},
	}, []checks.Finding{{Code: "MIS002", Severity: checks.Warning, Message: "m", Column: "age", Value: checks.Float(0.2), Threshold: checks.Float(0.05)}})
	if err != nil {
		t.Fatal(err)
	}
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "readiness", Version: "test"},
		AsOf:          "2026-01-01T00:00:00Z",
		Policy: Policy{Source: "p.yaml", Name: "default", Version: 1, SHA256: strings.Repeat("a", 64),
			Effective: []byte(`{"version":1}`), EffectiveSHA256: strings.Repeat("b", 64)},
		Inputs:     []Input{{Path: "a.parquet", Format: "parquet", Rows: 10, Bytes: 100, SHA256: strings.Repeat("c", 64)}},
		Provenance: Provenance{InputHash: "sha256", SchemaFingerprint: strings.Repeat("d", 64), Sampling: "none"},
		Dataset:    Dataset{Rows: 10, Columns: 1, Schema: []Column{{Name: "age", Type: "int64"}}},
		Roles:      Roles{Roles: checks.Roles{Features: []string{"age"}}, Choices: []RoleChoice{{Role: "label", Source: "detected", Reason: "none"}}},
		Checks:     []checks.Result{res},
		Run:        Run{Started: "2026-01-01T00:00:00Z", DurationMS: 1, Workers: 1},
	}
}

func TestValidateAcceptsWellFormedReport(t *testing.T) {
	data, err := Marshal(sampleReport(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(data); err != nil {
		t.Fatalf("valid report rejected: %v", err)
	}
}

// Each mutation breaks one rule of the schema; each must be rejected, so the
// schema is known to constrain what it claims to.
func TestValidateRejects(t *testing.T) {
	cases := map[string]func(m map[string]any){
		"no schema_version": func(m map[string]any) { delete(m, "schema_version") },
		"unknown top key":   func(m map[string]any) { m["extra"] = 1 },
		"bad status": func(m map[string]any) {
			m["checks"].([]any)[0].(map[string]any)["status"] = "ok"
		},
		"score above 100": func(m map[string]any) {
			m["checks"].([]any)[0].(map[string]any)["score"] = 101
		},
		"not_applicable with a score": func(m map[string]any) {
			m["checks"].([]any)[0].(map[string]any)["status"] = "not_applicable"
		},
		"missing metrics lacks a count": func(m map[string]any) {
			cols := m["checks"].([]any)[0].(map[string]any)["metrics"].(map[string]any)["columns"].(map[string]any)
			delete(cols["age"].(map[string]any), "sentinel")
		},
		"bad finding code": func(m map[string]any) {
			m["checks"].([]any)[0].(map[string]any)["findings"].([]any)[0].(map[string]any)["code"] = "X1"
		},
		"negative rows": func(m map[string]any) { m["dataset"].(map[string]any)["rows"] = -1 },
	}
	base, err := Marshal(sampleReport(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(base, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			data, _ := json.Marshal(m)
			if err := Validate(data); err == nil {
				t.Fatal("broken report accepted")
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	r := sampleReport(t)
	data, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Fatalf("report changed on a round trip:\n%s\n%s", data, again)
	}
}

func TestWriteFileLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	for _, content := range []string{"first", "second"} {
		if err := WriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if string(got) != "second" {
		t.Fatalf("content %q, want second", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only report.json", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "missing-dir", "r.json"), nil); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
}

func TestSummaryNamesChecksAndTopColumns(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"10 rows x 1 columns", "missing", "warn", "MIS002", "age", "2 missing (20.0%)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
