package main

import (
	"encoding/xml"
	"github.com/readiness/readiness/checks/registry"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/fixtures"
	"github.com/readiness/readiness/readiness"
)

// defaultReadiness is the embedded default policy's readiness section.
func defaultReadiness(t *testing.T) *readiness.Config {
	t.Helper()
	p, err := configs.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := readinessConfig(p, auditFlags{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// generated writes a table of the given size and class weights, with no
// planted defects unless defects is set, and returns its Parquet file.
func generated(t *testing.T, rows int, weights []float64, defects *fixtures.Defects) string {
	t.Helper()
	if defects == nil {
		defects = &fixtures.Defects{}
	}
	dir := t.TempDir()
	cfg := fixtures.Config{Rows: rows, Seed: 11, ClassWeights: weights, Defects: defects, Truth: fixtures.TruthCounts}
	if _, err := fixtures.Write(cfg, fixtures.Output{Dir: dir, Formats: []fixtures.Format{fixtures.Parquet}}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "train.parquet")
}

// auditGate runs an audit that may fail the gate, and returns the exit code
// and the report.
func auditGate(t *testing.T, args ...string) (int, *reportView) {
	t.Helper()
	out := t.TempDir()
	r := runCLI(t, append([]string{"audit", "-q", "--out", out, "--as-of", "2026-01-01"}, args...)...)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("audit %v: exit %d\n%s", args, r.code, r.stderr)
	}
	rep, err := readReport(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Readiness == nil {
		t.Fatalf("no readiness block")
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), rep.Readiness.Verdict) {
		t.Errorf("report.md missing or without the verdict: %v", err)
	}
	return r.code, &reportView{rep.Readiness, r.stderr}
}

type reportView struct {
	*readiness.Assessment
	stderr string
}

// Datasets built to be custom-ready, hybrid, pretrained and blocked get
// exactly those verdicts under the shipped policies.
func TestVerdictsEndToEnd(t *testing.T) {
	cfg := defaultReadiness(t)
	even := []float64{0.25, 0.25, 0.25, 0.25}
	custom := int(cfg.Custom.MinUsablePerClass)
	hybrid := int(cfg.Hybrid.MinUsablePerClass)
	cases := []struct {
		name, want string
		path       string
		args       []string
	}{
		// Every class comfortably above the custom minimum, nothing planted.
		{"custom", readiness.Custom, generated(t, 4*custom*13/10, even, nil), nil},
		// Between the hybrid and the custom minimums per class.
		{"hybrid", readiness.Hybrid, generated(t, 4*(hybrid+custom)/2, even, nil), nil},
		// Below the hybrid minimum per class.
		{"pretrained", readiness.Pretrained, generated(t, 4*hybrid/2, even, nil), nil},
		// Train/test leakage blocks under the regulated policy.
		{"blocked", readiness.Blocked, filepath.Join(root(t), "fixtures", "sample-partitioned", "*", "*.parquet"),
			[]string{"--config", filepath.Join(root(t), "configs", "regulated.yaml")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, a := auditGate(t, append(tc.args, "--require", "pretrained", tc.path)...)
			if a.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s; reasons %+v", a.Verdict, tc.want, a.Reasons)
			}
			wantCode := 0
			if tc.want == readiness.Blocked {
				wantCode = 1
			}
			if code != wantCode {
				t.Errorf("--require pretrained: exit %d, want %d", code, wantCode)
			}
			if tc.want != readiness.Custom && len(a.Remediation) == 0 {
				t.Errorf("verdict %s without remediation", a.Verdict)
			}
			if tc.want != readiness.Custom && len(a.Reasons) == 0 {
				t.Errorf("verdict %s without reasons", a.Verdict)
			}
		})
	}
}

// --require decides exit 0 or 1 by the verdict's rank; --fail-on warn makes
// any warning fail the gate; bad values are usage errors.
func TestGateExitCodes(t *testing.T) {
	sample := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	_, a := auditGate(t, "--require", "pretrained", sample)
	verdict := a.Verdict
	for _, req := range []string{readiness.Pretrained, readiness.Hybrid, readiness.Custom} {
		code, _ := auditGate(t, "--require", req, sample)
		want := 1
		if readiness.Rank(verdict) >= readiness.Rank(req) {
			want = 0
		}
		if code != want {
			t.Errorf("verdict %s, --require %s: exit %d, want %d", verdict, req, code, want)
		}
	}
	// The sample has warnings, so --fail-on warn fails even the lowest bar.
	code, a := auditGate(t, "--require", "pretrained", "--fail-on", "warn", sample)
	if code != 1 || a.Passed || !strings.Contains(a.stderr, "gate failed") {
		t.Errorf("--fail-on warn on a sample with warnings: exit %d, passed %v, stderr %q", code, a.Passed, a.stderr)
	}
	for _, bad := range [][]string{{"--require", "blocked"}, {"--require", "perfect"}, {"--fail-on", "info"}} {
		if r := runCLI(t, append([]string{"audit", "-q", sample}, bad...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, r.code)
		}
	}
}

// --junit writes one test case per check and one for the verdict.
func TestJUnitFile(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	sample := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	auditGate(t, "--junit", junit, "--require", "custom", sample)
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if n := len(registry.All) + 1; len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != n || doc.Suites[0].Tests != n {
		t.Errorf("junit: want one suite with every check and the verdict:\n%s", data)
	}
	// Valid against the JUnit schema CI systems read (the Ant/Jenkins XSD).
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("READINESS_REQUIRE_XMLLINT") != "" {
			t.Fatalf("READINESS_REQUIRE_XMLLINT is set but xmllint is not installed: %v", err)
		}
		t.Skip("xmllint not installed (libxml2-utils)")
	}
	xsd := filepath.Join(root(t), "report", "testdata", "junit", "JUnit.xsd")
	if out, err := exec.Command(bin, "--noout", "--schema", xsd, junit).CombinedOutput(); err != nil {
		t.Errorf("xmllint: %v\n%s", err, out)
	}
}

// In GitHub Actions the Markdown summary is appended to the step summary
// and findings become workflow annotations.
func TestGitHubActions(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	r := runCLI(t, "audit", "-q", "--as-of", "2026-01-01", "--require", "pretrained",
		filepath.Join(root(t), "fixtures", "sample", "train.parquet"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(data), "earlier step\n") || !strings.Contains(string(data), "Verdict") {
		t.Errorf("step summary not appended:\n%s", data)
	}
	if !strings.Contains(r.stdout, "::error") || !strings.Contains(r.stdout, "::warning") {
		t.Errorf("no workflow annotations on stdout:\n%s", r.stdout)
	}
}
