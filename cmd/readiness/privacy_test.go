package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plantedValues are unique values planted into a copy of the sample: an
// e-mail address inside free text, a unique token, e-mail addresses as a
// category, a label and an annotator, a long id and a phone number as a
// region. None may reach any output without --show-values.
var plantedValues = []struct {
	row, col int
	value    string
	needle   string // what must not appear
}{
	{10, 2, "contact jane.unique.doe@example.org now", "jane.unique.doe@example.org"},
	{11, 2, "zq9plantedtoken77", "zq9plantedtoken77"},
	{12, 3, "bob.planted@example.net", "bob.planted@example.net"},
	{13, 0, "987654321987", "987654321987"},
	{14, 9, "carol.label@example.com", "carol.label@example.com"},
	{15, 10, "dave.annot@example.com", "dave.annot@example.com"},
	{16, 4, "555-867-5309", "867-5309"},
}

func plantSample(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root(t), "fixtures", "sample", "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plantedValues {
		rows[1+p.row][p.col] = p.value
	}
	path := filepath.Join(t.TempDir(), "train.csv")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// outputs runs a full audit — every output file, the terminal summary,
// debug logs, GitHub Actions annotations and step summary — and returns
// everything it wrote, by name.
func outputs(t *testing.T, extra ...string) map[string]string {
	t.Helper()
	in := plantSample(t)
	out := t.TempDir()
	summary := filepath.Join(out, "step-summary.md")
	args := append([]string{"audit", in, "--as-of", "2026-01-01", "--out", out, "--junit", filepath.Join(out, "junit.xml"),
		"--log-level", "debug", "--reference", in}, extra...)
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	r := runCLI(t, args...)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	got := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(data)
	}
	for _, want := range []string{"report.json", "report.md", "report.html", "findings.parquet", "junit.xml", "step-summary.md"} {
		if _, ok := got[want]; !ok {
			t.Fatalf("the audit wrote no %s (wrote %v)", want, entries)
		}
	}
	return got
}

func TestNoRawValueInAnyOutput(t *testing.T) {
	for name, text := range outputs(t) {
		for _, p := range plantedValues {
			if strings.Contains(text, p.needle) {
				t.Errorf("%s holds the planted value %q", name, p.needle)
			}
		}
	}
}

// With --show-values the values may appear: the privacy check names an
// example of what it found.
func TestShowValuesShowsThem(t *testing.T) {
	all := ""
	for _, text := range outputs(t, "--show-values") {
		all += text
	}
	for _, needle := range []string{"jane.unique.doe@example.org", "carol.label@example.com"} {
		if !strings.Contains(all, needle) {
			t.Errorf("with --show-values no output names %q", needle)
		}
	}
}

// Under configs/regulated.yaml personal data blocks training; under the
// default policy it is a warning (the planted sample has a handful of rows
// with it, under the 1% that fails).
func TestPersonalDataBlocksUnderRegulated(t *testing.T) {
	in := plantSample(t)
	rep, _ := audit(t, "--config", filepath.Join(root(t), "configs", "regulated.yaml"), in)
	if rep.Readiness.Verdict != "blocked" {
		t.Errorf("regulated: verdict %s, want blocked", rep.Readiness.Verdict)
	}
	found := false
	for _, r := range rep.Readiness.Reasons {
		if r.Code == "PRV001" {
			found = true
		}
	}
	if !found {
		t.Errorf("regulated: no reason names PRV001: %+v", rep.Readiness.Reasons)
	}
	rep, _ = audit(t, in)
	res, ok := rep.Check("privacy")
	if !ok || res.Status != "warn" || rep.Readiness.Verdict == "blocked" {
		t.Errorf("default: privacy %+v, verdict %s; want warn and not blocked", res, rep.Readiness.Verdict)
	}
}
