package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// copySample copies the sample Parquet file into a fresh folder, so a test
// may change it.
func copySample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), "fixtures", "sample", "train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "train.parquet")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The provenance block identifies the bytes: sha256, size and modification
// time as the file system reports them, computed here independently.
func TestProvenanceIdentifiesTheInput(t *testing.T) {
	p := copySample(t)
	rep, _ := audit(t, p)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	in := rep.Inputs[0]
	if in.SHA256 != hex.EncodeToString(sum[:]) || in.Bytes != int64(len(data)) {
		t.Errorf("input %+v: want sha256 %x, %d bytes", in, sum, len(data))
	}
	if mt, err := time.Parse(time.RFC3339Nano, in.ModTime); err != nil || !mt.Equal(info.ModTime()) {
		t.Errorf("mod_time %q, file says %s", in.ModTime, info.ModTime())
	}
	pv := rep.Provenance
	if pv.InputHash != "sha256" || pv.Sampled || pv.ShowValues || len(pv.SchemaFingerprint) != 64 {
		t.Errorf("provenance %+v", pv)
	}
	if rep.Tool.GoVersion == "" || rep.Run.Host == "" || rep.Run.Platform == "" {
		t.Errorf("tool %+v run %+v: go version, host and platform must be recorded", rep.Tool, rep.Run)
	}

	// The effective policy is the embedded default with every key filled:
	// the default file's own values, read here with a YAML decoder, must
	// be in it, and its hash is the sha256 of its bytes.
	var eff map[string]any
	if err := json.Unmarshal(rep.Policy.Effective, &eff); err != nil {
		t.Fatal(err)
	}
	// report.json indents it; the hash is of the compact form, keys in
	// the order written (sorted).
	var compact bytes.Buffer
	if err := json.Compact(&compact, rep.Policy.Effective); err != nil {
		t.Fatal(err)
	}
	got := sha256.Sum256(compact.Bytes())
	if hex.EncodeToString(got[:]) != rep.Policy.EffectiveSHA256 {
		t.Errorf("effective_sha256 %s is not the hash of the effective policy", rep.Policy.EffectiveSHA256)
	}
	raw, err := os.ReadFile(filepath.Join(root(t), "configs", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		Checks    map[string]map[string]any `yaml:"checks"`
		Readiness map[string]any            `yaml:"readiness"`
	}
	if err := yaml.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	checksEff := eff["checks"].(map[string]any)
	for name, sec := range def.Checks {
		for key, want := range sec {
			gotV, ok := checksEff[name].(map[string]any)[key]
			if !ok || jsonOf(t, gotV) != jsonOf(t, want) {
				t.Errorf("effective checks.%s.%s = %s, default.yaml says %s", name, key, jsonOf(t, gotV), jsonOf(t, want))
			}
		}
	}
	if r := eff["readiness"].(map[string]any); r["require"] != def.Readiness["require"] {
		t.Errorf("effective readiness.require %v, default.yaml %v", r["require"], def.Readiness["require"])
	}

	// A flag that overrides the policy shows in the effective policy.
	rep2, _ := audit(t, "--require", "custom", p)
	if rep2.Policy.EffectiveSHA256 == rep.Policy.EffectiveSHA256 || !strings.Contains(string(rep2.Policy.Effective), `"require": "custom"`) {
		t.Errorf("--require custom is not in the effective policy: %s", rep2.Policy.Effective)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerify(t *testing.T) {
	p := copySample(t)
	out := t.TempDir()
	if r := runCLI(t, "audit", "--out", out, "--as-of", "2026-01-01", p); r.code != 0 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	rj := filepath.Join(out, "report.json")
	if r := runCLI(t, "verify", rj); r.code != 0 || !strings.Contains(r.stdout, "all 1 inputs match") {
		t.Fatalf("verify of untouched input: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// One byte changed, same size, same modification time: only the hash
	// can tell.
	info, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "verify", rj)
	if r.code != 1 || !strings.Contains(r.stdout, "changed  "+p) || !strings.Contains(r.stdout, "sha256") {
		t.Errorf("verify after a one-byte change: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	os.Remove(p)
	if r := runCLI(t, "verify", rj); r.code != 1 || !strings.Contains(r.stdout, "missing  "+p) {
		t.Errorf("verify of a deleted input: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "verify", filepath.Join(out, "absent.json")); r.code != 2 {
		t.Errorf("verify of a missing report: exit %d, want 2", r.code)
	}
}

// With --no-hash the report says so, records no hash, and verify falls back
// to size and modification time.
func TestVerifyNoHash(t *testing.T) {
	p := copySample(t)
	out := t.TempDir()
	if r := runCLI(t, "audit", "--no-hash", "--out", out, "--as-of", "2026-01-01", p); r.code != 0 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	rj := filepath.Join(out, "report.json")
	data, _ := os.ReadFile(rj)
	if !strings.Contains(string(data), `"input_hash": "none"`) || strings.Contains(string(data), `"sha256": "8ee`) {
		t.Fatalf("--no-hash report:\n%s", data)
	}
	if r := runCLI(t, "verify", rj); r.code != 0 || !strings.Contains(r.stdout, "--no-hash") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "verify", rj); r.code != 1 || !strings.Contains(r.stdout, "modified") {
		t.Errorf("verify after touching the input: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// render rebuilds from report.json alone exactly the files the audit wrote.
func TestRenderRebuildsTheAuditsFiles(t *testing.T) {
	out := t.TempDir()
	junit := filepath.Join(out, "junit.xml")
	sample := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	if r := runCLI(t, "audit", "--out", out, "--junit", junit, "--as-of", "2026-01-01", sample); r.code != 0 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	again := t.TempDir()
	if r := runCLI(t, "render", filepath.Join(out, "report.json"), "--out", again); r.code != 0 {
		t.Fatalf("render: exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"report.md", "junit.xml", "report.html"} {
		a, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(again, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Errorf("%s rendered from report.json differs from the audit's", name)
		}
	}
	if r := runCLI(t, "render", filepath.Join(out, "report.json"), "--format", "pdf", "--out", again); r.code != 2 {
		t.Errorf("render --format pdf: exit %d, want 2", r.code)
	}
	bad := filepath.Join(again, "bad.json")
	os.WriteFile(bad, []byte(`{"schema_version":"1.2.0"}`), 0o644)
	if r := runCLI(t, "render", bad, "--out", again); r.code != 2 || !strings.Contains(r.stderr, "not a valid report.json") {
		t.Errorf("render of an invalid report: exit %d\n%s", r.code, r.stderr)
	}
}

// Determinism: the same inputs, policy and --as-of give byte-identical
// report.json (apart from the run block) and findings.parquet, whatever
// the worker count, the batch size, the order the inputs are named in, and
// whether the per-row tables spill to disk (a 1-byte --memory-limit spills
// every partition that grows).
func TestOutputsAreDeterministic(t *testing.T) {
	spillDir := t.TempDir()
	dir := filepath.Join(root(t), "fixtures", "sample-partitioned")
	a := filepath.Join(dir, "split=train", "part-0.parquet")
	b := filepath.Join(dir, "split=test", "part-0.csv")
	c := filepath.Join(dir, "split=test", "part-0.parquet")
	runs := [][]string{
		{"--workers", "1", a, b, c},
		{"--workers", "4", "--batch-size", "97", c, b, a},
		{"--workers", "3", "--batch-size", "1000", b, a, c},
		{"--workers", "2", "--batch-size", "300", "--memory-limit", "1B", "--spill-dir", spillDir, c, a, b},
	}
	var firstJSON, firstFindings []byte
	for i, args := range runs {
		out := t.TempDir()
		r := runCLI(t, append([]string{"audit", "--out", out, "--as-of", "2026-01-01"}, args...)...)
		if r.code != 0 && r.code != 1 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		js, err := os.ReadFile(filepath.Join(out, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		fp, err := os.ReadFile(filepath.Join(out, "findings.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			var rep struct {
				Run struct {
					Memory *struct {
						LimitBytes   int64 `json:"limit_bytes"`
						SpilledBytes int64 `json:"spilled_bytes"`
						SpillRuns    int64 `json:"spill_runs"`
					} `json:"memory"`
				} `json:"run"`
			}
			if err := json.Unmarshal(js, &rep); err != nil {
				t.Fatal(err)
			}
			if m := rep.Run.Memory; m == nil || m.LimitBytes != 1 || m.SpillRuns == 0 || m.SpilledBytes == 0 {
				t.Errorf("run %d: run.memory %+v, want a 1-byte limit and spills", i, m)
			}
			if left, _ := os.ReadDir(spillDir); len(left) != 0 {
				t.Errorf("run %d: the spill folder still holds %d entries after the audit", i, len(left))
			}
		}
		js = stripRun(t, js)
		if i == 0 {
			firstJSON, firstFindings = js, fp
			continue
		}
		if !bytes.Equal(js, firstJSON) {
			t.Errorf("run %d (%v): report.json differs from run 0", i, args)
		}
		if !bytes.Equal(fp, firstFindings) {
			t.Errorf("run %d (%v): findings.parquet differs from run 0", i, args)
		}
	}
}
