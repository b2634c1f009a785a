package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/configs"
	"gopkg.in/yaml.v3"
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

// The embedded default policy spells out every check's defaults: decoding
// its section changes nothing, and every registered check has a section, so
// the file a user copies shows every threshold that applies.
func TestDefaultPolicyMatchesCodeDefaults(t *testing.T) {
	p, err := configs.Default()
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := checkTasks(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if _, ok := p.Checks[task.Check.Name]; !ok {
			t.Errorf("configs/default.yaml has no section for check %s", task.Check.Name)
		}
		node := p.Checks[task.Check.Name]
		var written map[string]any
		if err := node.Decode(&written); err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		raw, _ := yaml.Marshal(task.Check.DefaultConfig())
		if err := yaml.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		for k := range fields {
			if _, ok := written[k]; !ok {
				t.Errorf("configs/default.yaml: checks.%s.%s is not written out", task.Check.Name, k)
			}
		}
		if want := task.Check.DefaultConfig(); !reflect.DeepEqual(generic(t, task.Config), generic(t, want)) {
			t.Errorf("check %s: configs/default.yaml gives %+v, the code's defaults are %+v", task.Check.Name, task.Config, want)
		}
	}
}

// generic turns a configuration into plain JSON values, an empty list or
// map being the same as none.
func generic(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	var drop func(any) any
	drop = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 {
				return nil
			}
			for k, x := range v {
				v[k] = drop(x)
			}
		case []any:
			if len(v) == 0 {
				return nil
			}
			for i, x := range v {
				v[i] = drop(x)
			}
		}
		return v
	}
	return drop(g)
}
