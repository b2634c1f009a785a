package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks/registry"
)

// docs/checks.md is the output of `readiness checks --markdown`; regenerate
// it with `make docs` when a check's documentation changes.
func TestChecksDocUpToDate(t *testing.T) {
	r := runCLI(t, "checks", "--markdown")
	if r.code != 0 {
		t.Fatalf("checks --markdown: exit %d: %s", r.code, r.stderr)
	}
	want, err := os.ReadFile(filepath.Join(root(t), "docs", "checks.md"))
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if string(want) != r.stdout {
		t.Errorf("docs/checks.md is out of date: run make docs")
	}
}

// Every code of every check is explained, and `explain` of an unknown code
// is a usage error.
func TestExplainEveryCode(t *testing.T) {
	r := runCLI(t, "checks")
	if r.code != 0 || r.stdout == "" {
		t.Fatalf("checks: exit %d, stdout %q", r.code, r.stdout)
	}
	seen := map[string]string{}
	for _, c := range registry.All {
		if c.Doc == "" || c.Summary == "" {
			t.Errorf("check %s: no summary or doc", c.Name)
		}
		for _, k := range c.Codes {
			if other, dup := seen[k.Code]; dup {
				t.Errorf("code %s used by %s and %s", k.Code, other, c.Name)
			}
			seen[k.Code] = c.Name
			r := runCLI(t, "explain", strings.ToLower(k.Code))
			if r.code != 0 || !strings.Contains(r.stdout, k.Title) || !strings.Contains(r.stdout, k.Doc) {
				t.Errorf("explain %s: exit %d, output %q", k.Code, r.code, r.stdout)
			}
		}
	}
	if r := runCLI(t, "explain", "NOPE999"); r.code != 2 {
		t.Errorf("explain NOPE999: exit %d, want 2", r.code)
	}
}
