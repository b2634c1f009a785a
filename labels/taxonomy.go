package labels

import (
	"fmt"
	"sort"
)

// Taxonomy is a label vocabulary: canonical class names, each with the
// synonyms that mean it. Labels are matched under [Normalize], on both
// sides, so "Money back." matches the synonym "money back".
type Taxonomy struct {
	canonical map[string]string // Normalize(name) → canonical name
	synonym   map[string]string // Normalize(synonym) → canonical name
	names     []string          // canonical names, sorted
}

// NewTaxonomy builds a taxonomy from a map of canonical names to their
// synonyms (the policy's form). It is an error for two names or synonyms to
// normalise to the same text while meaning different canonical names, or
// for a name or synonym to normalise to the empty string: matching would
// then be ambiguous.
func NewTaxonomy(classes map[string][]string) (*Taxonomy, error) {
	t := &Taxonomy{canonical: map[string]string{}, synonym: map[string]string{}}
	for name := range classes {
		t.names = append(t.names, name)
	}
	sort.Strings(t.names)
	for _, name := range t.names {
		n := Normalize(name)
		if n == "" {
			return nil, fmt.Errorf("class %q is empty once normalised", name)
		}
		if other, ok := t.canonical[n]; ok {
			return nil, fmt.Errorf("classes %q and %q are the same once normalised (%q)", other, name, n)
		}
		t.canonical[n] = name
	}
	for _, name := range t.names {
		for _, syn := range classes[name] {
			n := Normalize(syn)
			if n == "" {
				return nil, fmt.Errorf("synonym %q of class %q is empty once normalised", syn, name)
			}
			if other, ok := t.canonical[n]; ok && other != name {
				return nil, fmt.Errorf("synonym %q of class %q is the class %q once normalised", syn, name, other)
			}
			if other, ok := t.synonym[n]; ok && other != name {
				return nil, fmt.Errorf("synonym %q is given for both %q and %q", syn, other, name)
			}
			if _, ok := t.canonical[n]; !ok {
				t.synonym[n] = name
			}
		}
	}
	return t, nil
}

// Match is how a label relates to a [Taxonomy].
type Match uint8

// The ways a label can match a taxonomy.
const (
	// Outside: the label matches neither a class name nor a synonym.
	Outside Match = iota
	// Canonical: the label is a class name (under Normalize).
	Canonical
	// Synonym: the label is a synonym of a class (under Normalize).
	Synonym
)

// Lookup returns the canonical class a label means and how it matched. The
// class is "" when the label is outside the taxonomy.
func (t *Taxonomy) Lookup(label string) (string, Match) {
	n := Normalize(label)
	if c, ok := t.canonical[n]; ok {
		return c, Canonical
	}
	if c, ok := t.synonym[n]; ok {
		return c, Synonym
	}
	return "", Outside
}

// Classes returns the canonical class names, sorted.
func (t *Taxonomy) Classes() []string { return append([]string(nil), t.names...) }

// Len returns the number of canonical classes.
func (t *Taxonomy) Len() int { return len(t.names) }
