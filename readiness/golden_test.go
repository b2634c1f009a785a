package readiness

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/readiness/readiness/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestSampleGolden evaluates the check results of `make audit` (the
// fixtures/sample dataset, default policy, --as-of 2026-01-01), copied to
// testdata/sample_checks.json, under the default readiness policy and
// under a stricter one, and compares with reviewed golden files.
func TestSampleGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sample_checks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var results []checks.Result
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	strict := DefaultConfig()
	strict.Require = Custom
	strict.FailOn = FailOnWarn
	strict.BlockingCodes = []string{"LAB001"}
	for _, tc := range []struct {
		name string
		cfg  *Config
	}{
		{"sample_default", DefaultConfig()},
		{"sample_strict", strict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Evaluate(tc.cfg, results, "", "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./readiness -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", path, got)
			}
		})
	}
}
