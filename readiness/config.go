package readiness

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/readiness/readiness/checks/registry"
)

// Gate modes (readiness.fail_on, --fail-on).
const (
	FailOnError = "error"
	FailOnWarn  = "warn"
)

// DefaultConfig returns the general-purpose readiness policy, the values
// configs/default.yaml documents. A policy file's readiness section is
// decoded over it, so a key the file leaves out keeps its default.
func DefaultConfig() *Config {
	return &Config{
		// The default policy audits; it does not gate. It fails only data
		// that is blocked or could not be assessed; a CI job raises the bar
		// with --require.
		Require: Pretrained,
		FailOn:  FailOnError,
		Weights: map[string]float64{},
		Custom: Level{
			// Every check about 80 or better: at most a fifth of the rows
			// touched by any one defect.
			MinScore: 80,
			// 500 usable examples per class put a per-class recall's 95%
			// interval within ±4.4 points.
			MinUsablePerClass: 500,
			// Twice the per-class minimum: the size of a two-class task.
			MinUsableRows: 1000,
			// A model trained from scratch learns every defect.
			MaxFailedChecks: 0,
		},
		Hybrid: Level{
			// A pre-trained model tolerates noisier data, not bad data.
			MinScore: 60,
			// The balance check's own minimum: ±14 points of per-class
			// recall, about 10 examples per fold of a 5-fold split.
			MinUsablePerClass: 50,
			MinUsableRows:     100,
			// The pre-trained model's prior absorbs one failing dimension.
			MaxFailedChecks: 1,
		},
		BlockingCodes: []string{},
	}
}

// Validate reports every problem with the configuration, naming each
// setting by its key in the policy file.
func (c *Config) Validate() error {
	if c == nil {
		return errors.New("readiness: no configuration")
	}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("readiness.%s: "+format, append([]any{key}, args...)...))
	}
	if err := checkRequired(c.Require); err != nil {
		bad("require", "%v", err)
	}
	if err := checkFailOn(c.FailOn); err != nil {
		bad("fail_on", "%v", err)
	}
	names := make([]string, 0, len(c.Weights))
	for name := range c.Weights {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w := c.Weights[name]
		if _, ok := registry.Lookup(name); !ok {
			bad("weights."+name, "unknown check (known: %v)", registry.Names())
		}
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			bad("weights."+name, "must be a finite number ≥ 0, got %v", w)
		}
	}
	for _, l := range []struct {
		key   string
		level Level
	}{{"custom", c.Custom}, {"hybrid", c.Hybrid}} {
		if math.IsNaN(l.level.MinScore) || l.level.MinScore < 0 || l.level.MinScore > 100 {
			bad(l.key+".min_score", "must be between 0 and 100, got %v", l.level.MinScore)
		}
		if l.level.MinUsablePerClass < 0 {
			bad(l.key+".min_usable_per_class", "must be ≥ 0, got %d", l.level.MinUsablePerClass)
		}
		if l.level.MinUsableRows < 0 {
			bad(l.key+".min_usable_rows", "must be ≥ 0, got %d", l.level.MinUsableRows)
		}
		if l.level.MaxFailedChecks < 0 {
			bad(l.key+".max_failed_checks", "must be ≥ 0, got %d", l.level.MaxFailedChecks)
		}
	}
	// The levels form a ladder: data good enough for custom must be good
	// enough for hybrid, or the verdict would depend on which level is
	// tried first.
	if c.Custom.MinScore < c.Hybrid.MinScore {
		bad("custom.min_score", "%v is below readiness.hybrid.min_score %v", c.Custom.MinScore, c.Hybrid.MinScore)
	}
	if c.Custom.MinUsablePerClass < c.Hybrid.MinUsablePerClass {
		bad("custom.min_usable_per_class", "%d is below readiness.hybrid.min_usable_per_class %d", c.Custom.MinUsablePerClass, c.Hybrid.MinUsablePerClass)
	}
	if c.Custom.MinUsableRows < c.Hybrid.MinUsableRows {
		bad("custom.min_usable_rows", "%d is below readiness.hybrid.min_usable_rows %d", c.Custom.MinUsableRows, c.Hybrid.MinUsableRows)
	}
	if c.Custom.MaxFailedChecks > c.Hybrid.MaxFailedChecks {
		bad("custom.max_failed_checks", "%d is above readiness.hybrid.max_failed_checks %d", c.Custom.MaxFailedChecks, c.Hybrid.MaxFailedChecks)
	}
	for i, code := range c.BlockingCodes {
		if _, _, ok := registry.Explain(code); !ok {
			bad(fmt.Sprintf("blocking_codes[%d]", i), "unknown finding code %q", code)
		}
	}
	return errors.Join(errs...)
}

func checkRequired(v string) error {
	switch v {
	case Custom, Hybrid, Pretrained:
		return nil
	}
	return fmt.Errorf("must be custom, hybrid or pretrained, got %q", v)
}

func checkFailOn(v string) error {
	switch v {
	case FailOnError, FailOnWarn:
		return nil
	}
	return fmt.Errorf("must be error or warn, got %q", v)
}

// weight is the check's weight in the score: 1 unless the policy says
// otherwise.
func (c *Config) weight(check string) float64 {
	if w, ok := c.Weights[check]; ok {
		return w
	}
	return 1
}
