package labels

import (
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

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
	t       *fptable.Table[entry]
	tracked bool
	// later holds every row of a group but its first, when tracked.
	later []Member
}

// entry is what the table keeps of one group: [Group] packed into 40 bytes.
type entry struct {
	label       rowhash.Fingerprint
	rows        int64
	row         int64 // first.Row, when tracked
	input       int32 // first.Input, when tracked
	labelled    bool
	conflicting bool
}

func (e *entry) first() Pos { return Pos{Input: e.input, Row: e.row} }

func (e *entry) setFirst(p Pos) { e.input, e.row = p.Input, p.Row }

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
func NewGroups() *Groups { return &Groups{t: fptable.New[entry](0)} }

// NewTrackedGroups returns an empty table that remembers rows' positions.
func NewTrackedGroups() *Groups {
	return &Groups{t: fptable.New[entry](0), tracked: true}
}

// AddAt is [Groups.Add] for the row at pos, remembered when the table is
// tracked.
func (g *Groups) AddAt(features, label rowhash.Fingerprint, labelled bool, pos Pos) {
	e, isNew := g.t.Upsert(features)
	if g.tracked {
		if isNew {
			e.setFirst(pos)
		} else {
			if first := e.first(); pos.before(first) {
				e.setFirst(pos)
				pos = first
			}
			g.later = append(g.later, Member{Features: features, Pos: pos})
		}
	}
	e.add(label, labelled)
}

// ConflictingRows calls emit with every row of every conflicting group
// (tracked tables only; an untracked one emits nothing).
func (g *Groups) ConflictingRows(emit func(Member)) {
	if !g.tracked {
		return
	}
	g.t.Each(func(fp rowhash.Fingerprint, e *entry) {
		if e.conflicting {
			emit(Member{Features: fp, Pos: e.first()})
		}
	})
	for _, m := range g.later {
		if g.Conflicting(m.Features) {
			emit(m)
		}
	}
}

// Add records one row with the given feature vector and label; labelled is
// false when the label is null.
func (g *Groups) Add(features, label rowhash.Fingerprint, labelled bool) {
	e, _ := g.t.Upsert(features)
	e.add(label, labelled)
}

func (e *entry) add(label rowhash.Fingerprint, labelled bool) {
	e.rows++
	if labelled {
		switch {
		case !e.labelled:
			e.label, e.labelled = label, true
		case e.label != label:
			e.conflicting = true
		}
	}
}

// Merge folds o into g.
func (g *Groups) Merge(o *Groups) {
	if g.tracked {
		g.later = append(g.later, o.later...)
	}
	g.t.Merge(o.t, func(k rowhash.Fingerprint, a, b *entry, isNew bool) {
		if isNew {
			*a = *b
			return
		}
		if g.tracked {
			later := b.first()
			if first := a.first(); later.before(first) {
				later = first
				a.setFirst(b.first())
			}
			g.later = append(g.later, Member{Features: k, Pos: later})
		}
		a.rows += b.rows
		a.conflicting = a.conflicting || b.conflicting
		if b.labelled {
			switch {
			case !a.labelled:
				a.label, a.labelled = b.label, true
			case a.label != b.label:
				a.conflicting = true
			}
		}
	})
}

// Conflicting reports whether the feature vector is a conflicting group.
func (g *Groups) Conflicting(features rowhash.Fingerprint) bool {
	e := g.t.Get(features)
	return e != nil && e.conflicting
}

// Conflicts returns the number of conflicting groups and of rows in them
// (including rows of those groups whose label is null).
func (g *Groups) Conflicts() (groups, rows int64) {
	g.t.Each(func(_ rowhash.Fingerprint, e *entry) {
		if e.conflicting {
			groups++
			rows += e.rows
		}
	})
	return groups, rows
}

// Len returns the number of distinct feature vectors.
func (g *Groups) Len() int { return g.t.Len() }
