package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/report"
	"gopkg.in/yaml.v3"
)

// derivedThresholds are finding codes whose threshold is computed from
// the setting they name rather than copied from it (STA013: the larger of
// js_warn and twice the sampling-noise floor).
var derivedThresholds = map[string]bool{"STA013": true}

// TestEveryPolicyAuditsTheSample runs every policy in configs/ over the
// sample through the binary. The audit completes (exit 0, or 1 once a
// gate fails), the report names the policy, every check ran, and every
// threshold a finding quotes is the value written in that policy file,
// read here with a plain YAML decoder.
func TestEveryPolicyAuditsTheSample(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root(t), "configs", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("policies %v, err %v: want default, regulated and text at least", files, err)
	}
	sample := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := configs.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			written := policyChecks(t, file)
			// Every check is written out, as in default.yaml.
			for _, c := range registry.All {
				if _, ok := written[c.Name]; !ok {
					t.Errorf("no section for check %s", c.Name)
				}
			}

			out := t.TempDir()
			r := runCLI(t, "audit", "--config", file, "--out", out, "--as-of", "2026-01-01", sample)
			if r.code != 0 && r.code != 1 {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			data, err := os.ReadFile(filepath.Join(out, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := report.Validate(data); err != nil {
				t.Fatal(err)
			}
			rep, err := readReport(filepath.Join(out, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Policy.Name != p.Name || rep.Policy.Source != file || rep.Policy.SHA256 != p.SHA256 {
				t.Errorf("report policy %+v, loaded %s %s", rep.Policy, p.Name, p.SHA256)
			}
			if len(rep.Checks) != len(registry.All) {
				t.Errorf("%d check results, %d checks", len(rep.Checks), len(registry.All))
			}
			quoted := 0
			for _, res := range rep.Checks {
				for _, f := range res.Findings {
					if f.Threshold == nil || derivedThresholds[f.Code] {
						continue
					}
					check, key, ok := strings.Cut(strings.TrimPrefix(f.Setting, "checks."), ".")
					if !ok {
						continue
					}
					v, ok := written[check][key]
					var want float64
					switch n := v.(type) {
					case int:
						want = float64(n)
					case float64:
						want = n
					default:
						ok = false
					}
					if !ok {
						continue
					}
					quoted++
					if *f.Threshold != want {
						t.Errorf("%s quotes %s = %v, the policy says %v", f.Code, f.Setting, *f.Threshold, want)
					}
				}
			}
			if quoted == 0 {
				t.Error("no finding quoted a threshold of the policy")
			}
		})
	}
}

// policyChecks reads a policy's check sections as plain values.
func policyChecks(t *testing.T, file string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Checks map[string]map[string]any `yaml:"checks"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Checks
}

// TestPoliciesWriteEveryKey: like default.yaml, every policy spells out
// every setting of every check, so a reader sees each threshold in force.
func TestPoliciesWriteEveryKey(t *testing.T) {
	for _, name := range []string{"regulated.yaml", "text.yaml"} {
		written := policyChecks(t, filepath.Join(root(t), "configs", name))
		for _, c := range registry.All {
			var fields map[string]any
			raw, _ := yaml.Marshal(c.DefaultConfig())
			if err := yaml.Unmarshal(raw, &fields); err != nil {
				t.Fatal(err)
			}
			for k := range fields {
				if _, ok := written[c.Name][k]; !ok {
					t.Errorf("%s: checks.%s.%s is not written out", name, c.Name, k)
				}
			}
		}
	}
}

// TestRegulatedIsStricter: no threshold of regulated.yaml is looser than
// default.yaml's. For a rate or ratio allowed, stricter is lower; for a
// minimum of rows, or the under-representation ratio, stricter is higher.
func TestRegulatedIsStricter(t *testing.T) {
	def := policyChecks(t, filepath.Join(root(t), "configs", "default.yaml"))
	reg := policyChecks(t, filepath.Join(root(t), "configs", "regulated.yaml"))
	lower := map[string][]string{
		"missing":            {"warn_rate", "fail_rate", "candidate_min_rows", "class_min_rows", "class_rate_diff", "class_rate_ratio"},
		"duplicates":         {"warn_rate", "fail_rate", "max_duplicate_id_rate", "max_cross_split_rows"},
		"labels":             {"warn_rate", "fail_rate", "max_variant_groups", "max_outside_rate"},
		"balance":            {"warn_ratio", "fail_ratio"},
		"staleness":          {"max_age_days", "warn_stale_rate", "fail_stale_rate", "max_future_rows", "max_unreadable_rate", "js_warn", "js_fail", "warn_empty_months"},
		"representativeness": {"psi_warn", "psi_fail", "js_warn", "js_fail", "ks_warn", "ks_fail"},
	}
	higher := map[string][]string{
		"labels":             {"penalty_weight"},
		"balance":            {"min_class_rows"},
		"representativeness": {"under_represented_ratio", "min_slice_rows"},
	}
	num := func(check, key string, m map[string]map[string]any) float64 {
		switch v := m[check][key].(type) {
		case int:
			return float64(v)
		case float64:
			return v
		}
		t.Fatalf("checks.%s.%s is not a number: %v", check, key, m[check][key])
		return 0
	}
	stricter := 0
	for check, keys := range lower {
		for _, k := range keys {
			r, d := num(check, k, reg), num(check, k, def)
			if r > d {
				t.Errorf("regulated checks.%s.%s = %v is looser than the default %v", check, k, r, d)
			}
			if r < d {
				stricter++
			}
		}
	}
	for check, keys := range higher {
		for _, k := range keys {
			r, d := num(check, k, reg), num(check, k, def)
			if r < d {
				t.Errorf("regulated checks.%s.%s = %v is looser than the default %v", check, k, r, d)
			}
			if r > d {
				stricter++
			}
		}
	}
	if stricter < 20 {
		t.Errorf("only %d thresholds are stricter than the default", stricter)
	}
}
