package labels

import "github.com/readiness/readiness/checks/rowhash"

// Groups maps each distinct feature vector (by fingerprint) to what was seen
// with it: how many rows, and whether two or more distinct non-null labels
// were. A group is conflicting exactly when some non-null label differs from
// the first one seen, so no set of labels is kept. Merging is associative
// and commutative: which label a group remembers depends on the order, but
// whether it is conflicting and how many rows it has do not.
type Groups struct {
	m map[rowhash.Fingerprint]Group
}

// Group is what [Groups] keeps of one feature vector.
type Group struct {
	Rows int64
	// Label is a non-null label seen with the group, when Labelled.
	Label       rowhash.Fingerprint
	Labelled    bool
	Conflicting bool
}

// NewGroups returns an empty table.
func NewGroups() *Groups { return &Groups{m: map[rowhash.Fingerprint]Group{}} }

// Add records one row with the given feature vector and label; labelled is
// false when the label is null.
func (g *Groups) Add(features, label rowhash.Fingerprint, labelled bool) {
	e := g.m[features]
	e.Rows++
	if labelled {
		switch {
		case !e.Labelled:
			e.Label, e.Labelled = label, true
		case e.Label != label:
			e.Conflicting = true
		}
	}
	g.m[features] = e
}

// Merge folds o into g.
func (g *Groups) Merge(o *Groups) {
	for k, b := range o.m {
		a, ok := g.m[k]
		if !ok {
			g.m[k] = b
			continue
		}
		a.Rows += b.Rows
		a.Conflicting = a.Conflicting || b.Conflicting
		if b.Labelled {
			switch {
			case !a.Labelled:
				a.Label, a.Labelled = b.Label, true
			case a.Label != b.Label:
				a.Conflicting = true
			}
		}
		g.m[k] = a
	}
}

// Conflicting reports whether the feature vector is a conflicting group.
func (g *Groups) Conflicting(features rowhash.Fingerprint) bool {
	return g.m[features].Conflicting
}

// Conflicts returns the number of conflicting groups and of rows in them
// (including rows of those groups whose label is null).
func (g *Groups) Conflicts() (groups, rows int64) {
	for _, e := range g.m {
		if e.Conflicting {
			groups++
			rows += e.Rows
		}
	}
	return groups, rows
}

// Len returns the number of distinct feature vectors.
func (g *Groups) Len() int { return len(g.m) }
