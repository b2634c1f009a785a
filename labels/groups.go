package labels

import "github.com/readiness/readiness/checks/rowhash"

// Groups maps each distinct feature vector (by fingerprint) to what was seen
// with it: how many rows, and whether two or more distinct non-null labels
// were. A group is conflicting exactly when some non-null label differs from
// the first one seen, so no set of labels is kept. Merging is associative
// and commutative: which label a group remembers depends on the order, but
// whether it is conflicting and how many rows it has do not.
//
// A table made by [NewTrackedGroups] also remembers where each row was —
// the first row of each group in (input, row) order, and every later row —
// so that [Groups.ConflictingRows] can list the rows of the conflicting
// groups (for findings.parquet).
type Groups struct {
	m       map[rowhash.Fingerprint]Group
	tracked bool
	// later holds every row of a group but its first, when tracked.
	later []Member
}

// Pos is a row's position: its input and its row number within it.
type Pos struct {
	Input int32
	Row   int64
}

func (a Pos) before(b Pos) bool { return a.Input < b.Input || a.Input == b.Input && a.Row < b.Row }

// Member is one row of a group.
type Member struct {
	Features rowhash.Fingerprint
	Pos      Pos
}

// Group is what [Groups] keeps of one feature vector.
type Group struct {
	Rows int64
	// Label is a non-null label seen with the group, when Labelled.
	Label       rowhash.Fingerprint
	Labelled    bool
	Conflicting bool
	// First is the group's first row in (input, row) order, when the
	// table is tracked.
	First Pos
}

// NewGroups returns an empty table.
func NewGroups() *Groups { return &Groups{m: map[rowhash.Fingerprint]Group{}} }

// NewTrackedGroups returns an empty table that remembers rows' positions.
func NewTrackedGroups() *Groups {
	return &Groups{m: map[rowhash.Fingerprint]Group{}, tracked: true}
}

// AddAt is [Groups.Add] for the row at pos, remembered when the table is
// tracked.
func (g *Groups) AddAt(features, label rowhash.Fingerprint, labelled bool, pos Pos) {
	if g.tracked {
		if e, ok := g.m[features]; ok {
			if pos.before(e.First) {
				pos, e.First = e.First, pos
				g.m[features] = e
			}
			g.later = append(g.later, Member{Features: features, Pos: pos})
		} else {
			g.m[features] = Group{First: pos}
		}
	}
	g.Add(features, label, labelled)
}

// ConflictingRows calls emit with every row of every conflicting group
// (tracked tables only; an untracked one emits nothing).
func (g *Groups) ConflictingRows(emit func(Member)) {
	if !g.tracked {
		return
	}
	for fp, e := range g.m {
		if e.Conflicting {
			emit(Member{Features: fp, Pos: e.First})
		}
	}
	for _, m := range g.later {
		if g.m[m.Features].Conflicting {
			emit(m)
		}
	}
}

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
	if g.tracked {
		g.later = append(g.later, o.later...)
	}
	for k, b := range o.m {
		a, ok := g.m[k]
		if !ok {
			g.m[k] = b
			continue
		}
		if g.tracked {
			later := b.First
			if b.First.before(a.First) {
				later, a.First = a.First, b.First
			}
			g.later = append(g.later, Member{Features: k, Pos: later})
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
