package readiness

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/readiness/readiness/configs"
)

// TestProposedPolicies decodes the readiness sections proposed for
// configs/ (testdata/policies) strictly, as the CLI decodes a policy's
// section over DefaultConfig, and validates them. The default one must be
// DefaultConfig itself, so the embedded default and the documented file
// agree.
func TestProposedPolicies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "policies", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no policies: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Readiness yaml.Node `yaml:"readiness"`
			}
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig()
			if err := configs.DecodeStrict(&doc.Readiness, "readiness", cfg); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if filepath.Base(f) == "default.yaml" && !reflect.DeepEqual(cfg, DefaultConfig()) {
				t.Errorf("default.yaml decodes to %+v, not DefaultConfig() %+v", cfg, DefaultConfig())
			}
		})
	}
}
