package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/report"
)

// binary is the readiness CLI built once for the end-to-end tests, which run
// it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "readiness-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "readiness")
	// The binary under test, and this process, poison the buffers a reader
	// frees: a check keeping bytes of a batch past Observe then reads
	// garbage, and the tests comparing outputs see it (pipeline/pool.go).
	pipeline.PoisonFreedBuffers()
	build := exec.Command("go", "build", "-tags", "readiness_poison", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build readiness: " + err.Error())
	}
	// The binary annotates and appends a step summary inside GitHub
	// Actions; the tests must behave the same there, so they start outside
	// it (TestGitHubActions sets these itself).
	os.Unsetenv("GITHUB_ACTIONS")
	os.Unsetenv("GITHUB_STEP_SUMMARY")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// root is the repository root, for paths to fixtures/.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// audit runs `readiness audit` into a fresh folder and returns the report,
// after validating it against the checked-in JSON Schema.
func audit(t *testing.T, args ...string) (*report.Report, []byte) {
	t.Helper()
	out := t.TempDir()
	r := runCLI(t, append([]string{"audit", "--out", out, "--as-of", "2026-01-01"}, args...)...)
	// Exit 1 is a completed audit whose gate failed; the report says so.
	if r.code != 0 && r.code != 1 {
		t.Fatalf("audit %v: exit %d\nstderr: %s", args, r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Validate(data); err != nil {
		t.Fatalf("report.json does not match report.schema.json: %v", err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Readiness == nil || rep.Readiness.Passed != (r.code == 0) {
		t.Fatalf("audit %v: exit %d, but the report's readiness is %+v", args, r.code, rep.Readiness)
	}
	return &rep, data
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badKey := write("bad-key.yaml", "version: 1\nname: x\nchecks:\n  missing:\n    warn_rate: 0.1\n    tokns: [NA]\n")
	badCheck := write("bad-check.yaml", "version: 1\nchecks:\n  nosuch: {}\n")
	notParquet := write("corrupt.parquet", "this is not a parquet file at all, but long enough to have a footer PAR1")
	unknownExt := write("data.xyz", "a,b\n1,2\n")
	cases := []struct {
		name string
		args []string
		code int
		want []string // each must appear in stderr
	}{
		{"no arguments", []string{"audit"}, 2, []string{"requires at least 1 arg"}},
		{"unknown flag", []string{"audit", "--nosuch", "x"}, 2, []string{"unknown flag"}},
		{"unknown command", []string{"nosuch"}, 2, []string{"unknown command"}},
		{"missing file", []string{"audit", filepath.Join(dir, "absent.parquet")}, 2, []string{"absent.parquet"}},
		{"unknown extension", []string{"audit", unknownExt}, 2, []string{"data.xyz", "--format"}},
		{"bad format flag", []string{"audit", "--format", "xls", unknownExt}, 2, []string{"unknown format"}},
		{"unknown policy key", []string{"audit", "--config", badKey, notParquet}, 2, []string{"checks.missing.tokns", "unknown key", "line 6"}},
		{"unknown check in policy", []string{"audit", "--config", badCheck, notParquet}, 2, []string{"checks.nosuch", "unknown check"}},
		{"missing policy file", []string{"audit", "--config", filepath.Join(dir, "absent.yaml"), notParquet}, 2, []string{"absent.yaml"}},
		{"bad as-of", []string{"audit", "--as-of", "yesterday", notParquet}, 2, []string{"--as-of"}},
		{"corrupt parquet", []string{"audit", notParquet}, 3, []string{"corrupt.parquet"}},
		{"unknown code", []string{"explain", "ZZZ999"}, 2, []string{"ZZZ999"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
				t.Errorf("stderr holds a panic trace:\n%s", r.stderr)
			}
		})
	}
}

func readReport(path string) (*report.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}
