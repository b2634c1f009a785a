package configs

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzPolicy feeds arbitrary bytes to Parse: it must never panic, must
// fail with a *Error naming the source, and a policy it accepts has the
// version this build reads.
func FuzzPolicy(f *testing.F) {
	f.Add(DefaultBytes())
	for _, s := range []string{
		"", "version: 1\n", "version: 2\n", "version: 1\nname: x\nbogus: 1\n",
		"version: 1\nread:\n  batch_size: -1\n", "version: 1\nread: [1, 2]\n",
		"version: 1\nroles:\n  features: {a: 1}\n", "version: 1\nchecks:\n  missing: [\n",
		"base: &b {version: 1}\n<<: *b\n", "version: 1\nchecks: {missing: {tokens: [\"?\"]}}\n",
		"- 1\n- 2\n", "version: !!str 1\n", "\t", "version: 1\nroles: ~\n",
	} {
		f.Add([]byte(s))
	}
	def := DefaultBytes()
	f.Add(def[:len(def)/2])
	f.Add(bytes.Replace(def, []byte("  warn_rate"), []byte("  warn_rat"), 1))
	f.Add(bytes.Replace(def, []byte("version: 1"), []byte("version: one"), 1))
	f.Add(bytes.Replace(def, []byte("  null_values"), []byte("\tnull_values"), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			t.Skip("input too large")
		}
		p, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Source != "fuzz.yaml" {
				t.Fatalf("error %T does not name the source: %v", err, err)
			}
			return
		}
		if p.Version != Version {
			t.Fatalf("accepted version %d, want %d", p.Version, Version)
		}
		if p.Source != "fuzz.yaml" || p.SHA256 == "" {
			t.Fatalf("source %q, sha256 %q", p.Source, p.SHA256)
		}
	})
}
