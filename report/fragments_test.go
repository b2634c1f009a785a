package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite report.schema.json from the checks' metrics.schema.json fragments")

// Each check documents the shape of its metrics in its own package
// (checks/<name>/metrics.schema.json), where its tests validate against it.
// report.schema.json carries a copy of each, as $defs/<name>_metrics with
// the fragment's own $defs renamed <name>_<def>, applied to the check of
// that name. This test keeps the copies in step; `go test ./report -run
// TestCheckMetricsSchemas -update` rewrites them.
func TestCheckMetricsSchemas(t *testing.T) {
	frags, err := filepath.Glob(filepath.Join("..", "checks", "*", "metrics.schema.json"))
	if err != nil || len(frags) == 0 {
		t.Fatalf("no metrics schema fragments under checks/: %v", err)
	}
	var top map[string]any
	if err := json.Unmarshal(schema, &top); err != nil {
		t.Fatal(err)
	}
	defs := top["$defs"].(map[string]any)
	want := map[string]any{}
	var names []string
	for _, f := range frags {
		name := filepath.Base(filepath.Dir(f))
		names = append(names, name)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Rename the fragment's local references before decoding.
		data = bytes.ReplaceAll(data, []byte(`"#/$defs/`), []byte(`"#/$defs/`+name+`_`))
		var frag map[string]any
		if err := json.Unmarshal(data, &frag); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if inner, ok := frag["$defs"].(map[string]any); ok {
			for k, v := range inner {
				want[name+"_"+k] = v
			}
		}
		for _, k := range []string{"$schema", "$id", "$defs"} {
			delete(frag, k)
		}
		want[name+"_metrics"] = frag
	}
	sort.Strings(names)

	// The per-check rules: the score rule first, then one if/then per check.
	check := defs["check"].(map[string]any)
	allOf := check["allOf"].([]any)
	rules := []any{allOf[0]}
	for _, name := range names {
		rules = append(rules, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"name": map[string]any{"const": name}}},
			"then": map[string]any{"properties": map[string]any{"metrics": map[string]any{"$ref": "#/$defs/" + name + "_metrics"}}},
		})
	}

	stale := !reflect.DeepEqual(allOf, rules)
	for k, v := range want {
		if !reflect.DeepEqual(defs[k], v) {
			stale = true
		}
	}
	for k := range defs {
		if _, ok := want[k]; !ok && strings.Contains(k, "_") && isCheckDef(k, names) {
			stale = true // a def left from a fragment that changed or went away
			delete(defs, k)
		}
	}
	if !stale {
		return
	}
	if !*update {
		t.Fatalf("report.schema.json's check metrics differ from checks/*/metrics.schema.json: run go test ./report -run TestCheckMetricsSchemas -update")
	}
	for k, v := range want {
		defs[k] = v
	}
	check["allOf"] = rules
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("report.schema.json", b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote report.schema.json from %d fragments", len(names))
}

// isCheckDef reports whether a $defs key belongs to one of the checks'
// fragments (named <check>_<def>).
func isCheckDef(k string, names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(k, n+"_") {
			return true
		}
	}
	return false
}
