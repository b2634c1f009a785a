package configs_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/configs"
)

func TestDefaultLoads(t *testing.T) {
	p, err := configs.Default()
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != configs.Version || p.Name != "default" || p.Source != configs.DefaultName {
		t.Errorf("version %d name %q source %q", p.Version, p.Name, p.Source)
	}
	if len(p.SHA256) != 64 {
		t.Errorf("sha256 %q", p.SHA256)
	}
	if p.Read.BatchSize <= 0 || p.Read.InferRows <= 0 || !slices.Equal(p.Read.NullValues, []string{""}) {
		t.Errorf("read section %+v", p.Read)
	}
	if p.Roles.Label != "" || p.Roles.Time != "" || p.Roles.ID != "" || p.Roles.Split != "" || len(p.Roles.Features) != 0 {
		t.Errorf("default roles should all be detected: %+v", p.Roles)
	}
	// The embedded bytes are the file on disk.
	disk, err := os.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(disk) != string(configs.DefaultBytes()) {
		t.Error("embedded default differs from default.yaml")
	}
}

// TestDefaultMissingSection: the default policy's checks.missing section
// decodes strictly, and its tokens are missing.DefaultTokens, so the two
// lists cannot drift apart.
func TestDefaultMissingSection(t *testing.T) {
	p, err := configs.Default()
	if err != nil {
		t.Fatal(err)
	}
	node, ok := p.Checks["missing"]
	if !ok {
		t.Fatal("default policy has no checks.missing section")
	}
	var cfg missing.Config
	if err := configs.DecodeStrict(&node, "checks.missing", &cfg); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Tokens, missing.DefaultTokens) {
		t.Errorf("policy tokens\n%q\ndiffer from missing.DefaultTokens\n%q", cfg.Tokens, missing.DefaultTokens)
	}
	// Every setting in the section equals the check's own default, so a
	// run without a policy file and one with default.yaml agree.
	def := missing.Check.DefaultConfig().(*missing.Config)
	if cfg.WarnRate != def.WarnRate || cfg.FailRate != def.FailRate || len(cfg.NumericSentinels) != 0 || len(cfg.ColumnSentinels) != 0 {
		t.Errorf("policy section %+v differs from DefaultConfig %+v", cfg, *def)
	}
}

// TestEveryPolicyLoads covers every policy in this folder, including ones
// added later: each parses, and each check section decodes strictly into
// its check's configuration.
func TestEveryPolicyLoads(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("*.yml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no policy files found")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			p, err := configs.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			for name, node := range p.Checks {
				c, ok := registry.Lookup(name)
				if !ok {
					t.Errorf("checks.%s: no such check", name)
					continue
				}
				if err := configs.DecodeStrict(&node, "checks."+name, c.DefaultConfig()); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

const minimal = "version: 1\nname: t\n"

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		// want are substrings of the error message.
		want []string
	}{
		{"unknown top-level key", minimal + "rolez: {}\n", []string{"line 3", "rolez", "unknown key"}},
		{"unknown nested key", minimal + "read:\n  batch_size: 10\n  infer_rowz: 5\n", []string{"line 5", "read.infer_rowz", "unknown key"}},
		{"unknown key in a list item's parent", minimal + "roles:\n  label: y\n  featurez: [a]\n", []string{"line 5", "roles.featurez"}},
		{"wrong type", minimal + "read:\n  batch_size: many\n", []string{"line 4", "many"}},
		{"wrong type for a list", minimal + "read:\n  null_values: {a: 1}\n", []string{"line 4"}},
		{"unsupported version", "version: 2\n", []string{"version", "2", "not supported"}},
		{"missing version", "name: t\n", []string{"version", "0", "not supported"}},
		{"negative batch size", minimal + "read:\n  batch_size: -1\n", []string{"read", "negative"}},
		{"empty", "", []string{"empty policy"}},
		{"not YAML", "version: [1\n", []string{"t.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := configs.Parse([]byte(tc.yaml), "t.yaml")
			if err == nil {
				t.Fatal("want an error")
			}
			var pe *configs.Error
			if !errors.As(err, &pe) {
				t.Errorf("error %T, want *configs.Error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "policy t.yaml") {
				t.Errorf("message %q does not name the file", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestMergeKeysRejected(t *testing.T) {
	_, err := configs.Parse([]byte(minimal+"read:\n  <<: {batch_size: 1}\n"), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "merge keys") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("err %v, want a merge-key error on line 4", err)
	}
}

// TestCheckSectionStrict: a typo inside a check's section fails with the
// full dotted path and the line of the key in the policy file.
func TestCheckSectionStrict(t *testing.T) {
	src := minimal + "checks:\n  missing:\n    warn_rate: 0.1\n    tokns: [NA]\n"
	p, err := configs.Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatalf("checks sections are decoded by the caller, Parse must accept them: %v", err)
	}
	node := p.Checks["missing"]
	err = configs.DecodeStrict(&node, "checks.missing", &missing.Config{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{"line 6", "checks.missing.tokns", "unknown key"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}

	// Nested inside a map value.
	src = minimal + "checks:\n  missing:\n    column_sentinels:\n      age: {x: 1}\n"
	p, err = configs.Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	node = p.Checks["missing"]
	if err := configs.DecodeStrict(&node, "checks.missing", &missing.Config{}); err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("a map where a list belongs: err %v, want one on line 6", err)
	}

	// Wrong type inside a check section.
	src = minimal + "checks:\n  missing:\n    fail_rate: half\n"
	p, err = configs.Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	node = p.Checks["missing"]
	err = configs.DecodeStrict(&node, "checks.missing", &missing.Config{})
	if err == nil || !strings.Contains(err.Error(), "line 5") || !strings.Contains(err.Error(), "half") || !strings.Contains(err.Error(), "checks.missing") {
		t.Errorf("err %v, want a type error naming checks.missing, line 5 and the value", err)
	}
}

func TestDecodeStrictKeepsDefaults(t *testing.T) {
	src := minimal + "checks:\n  missing:\n    warn_rate: 0.2\n"
	p, err := configs.Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := missing.Check.DefaultConfig().(*missing.Config)
	node := p.Checks["missing"]
	if err := configs.DecodeStrict(&node, "checks.missing", cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.WarnRate != 0.2 || cfg.FailRate != 0.5 || !slices.Equal(cfg.Tokens, missing.DefaultTokens) {
		t.Errorf("got %+v: a section overrides only the keys it sets", cfg)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(minimal+"roles:\n  label: intent\n  features: [a, b]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := configs.Roles{Label: "intent", Features: []string{"a", "b"}}
	if !reflect.DeepEqual(p.Roles, want) || p.Source != path {
		t.Errorf("roles %+v source %q", p.Roles, p.Source)
	}
	_, err = configs.Load(filepath.Join(dir, "absent.yaml"))
	var pe *configs.Error
	if !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("absent file: err %v", err)
	}
}

// TestSHA256 changes with the bytes, so a report names the exact policy.
func TestSHA256(t *testing.T) {
	a, err := configs.Parse([]byte(minimal), "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := configs.Parse([]byte(minimal+"# comment\n"), "b")
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 == b.SHA256 {
		t.Error("different bytes, same hash")
	}
}
