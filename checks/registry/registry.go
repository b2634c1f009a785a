// Package registry is the one place that lists the checks a run knows, in
// the order they are documented. Adding a check means adding it here; there
// is no init-time registration.
package registry

import (
	"sort"
	"strings"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/checks/labels"
	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/checks/privacy"
	"github.com/readiness/readiness/checks/representativeness"
	"github.com/readiness/readiness/checks/staleness"
)

// All lists every check.
var All = []*checks.Check{
	&missing.Check,
	&duplicates.Check,
	&labels.Check,
	&balance.Check,
	&staleness.Check,
	&representativeness.Check,
	&privacy.Check,
}

// Lookup returns the check with the given name.
func Lookup(name string) (*checks.Check, bool) {
	for _, c := range All {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Names returns the checks' names, sorted.
func Names() []string {
	var out []string
	for _, c := range All {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// Explain returns the documentation of a finding code and the check that
// emits it. Codes compare case-insensitively.
func Explain(code string) (*checks.Check, checks.Code, bool) {
	for _, c := range All {
		for _, k := range c.Codes {
			if strings.EqualFold(k.Code, code) {
				return c, k, true
			}
		}
	}
	return nil, checks.Code{}, false
}
