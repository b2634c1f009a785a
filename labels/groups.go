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
// The table also remembers where each row was — the first row of each
// group in (input, row) order, and every later row — so that
// [Groups.ConflictingRows] can list the rows of the conflicting groups (for
// findings.parquet).
//
// The table is an [fptable.Parts] on the audit's memory budget: partitioned
// by the feature fingerprint, spilled to disk partition by partition when
// over the budget, and read back one partition at a time by [Groups.Scan]
// (and by [Groups.ConflictingRows] before a Scan). Callers that look rows
// up by feature vector partition their own tables by [fptable.Part] of it,
// so the partition they need is the one open.
type Groups struct {
	t *fptable.Parts[entry]
	// later holds every row of a group but its first, by partition.
	later [fptable.Partitions][]Member
	// conflicts, once scanned, holds every row of the conflicting groups,
	// so that ConflictingRows need not read the table again.
	conflicts []Member
	scanned   bool
}

// entry is what the table keeps of one group, in 40 bytes: its rows, a
// non-null label seen with it (when labelled), whether another was
// (conflicting), and its first row in (input, row) order.
type entry struct {
	label       rowhash.Fingerprint
	rows        int64
	row         int64 // first.Row
	input       int32 // first.Input
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

func (a Pos) after(b Pos) bool { return b.before(a) }

// Member is one row of a group.
type Member struct {
	Features rowhash.Fingerprint
	Pos      Pos
}

// NewGroups returns an empty table on budget b (nil: unlimited).
func NewGroups(b *fptable.Budget) *Groups {
	g := &Groups{}
	g.t = fptable.NewParts(b, combine)
	g.t.OnRepeat(g.repeat)
	return g
}

// AddAt records the row at pos, with the given feature vector and label;
// labelled is false when the label is null.
func (g *Groups) AddAt(features, label rowhash.Fingerprint, labelled bool, pos Pos) {
	e := entry{rows: 1, label: label, labelled: labelled}
	e.setFirst(pos)
	g.scanned = false
	g.t.Add(fptable.Part(features), features, &e)
}

// ConflictingRows calls emit with every row of every conflicting group,
// partition by partition.
//
// After [Groups.Scan] it emits the rows Scan kept, without reading the
// table again.
func (g *Groups) ConflictingRows(emit func(Member)) error {
	if g.scanned {
		for _, m := range g.conflicts {
			emit(m)
		}
		return nil
	}
	return g.t.Visit(func(p int, t *fptable.Table[entry]) { g.conflictingRows(p, t, emit) })
}

// conflictingRows emits the rows of the conflicting groups of partition p,
// open as t.
func (g *Groups) conflictingRows(p int, t *fptable.Table[entry], emit func(Member)) {
	t.Each(func(fp rowhash.Fingerprint, e *entry) {
		if e.conflicting {
			emit(Member{Features: fp, Pos: e.first()})
		}
	})
	for _, m := range g.later[p] {
		if e := t.Get(m.Features); e != nil && e.conflicting {
			emit(m)
		}
	}
}

// repeat lists the later of the first rows of two
// aggregates of group k about to be combined.
func (g *Groups) repeat(k rowhash.Fingerprint, a, b *entry) {
	later := b.first()
	if first := a.first(); first.after(later) {
		later = first
	}
	p := fptable.Part(k)
	g.later[p] = append(g.later[p], Member{Features: k, Pos: later})
}

// combine folds b, the aggregate of other rows of group k, into a.
func combine(_ rowhash.Fingerprint, a, b *entry, isNew bool) {
	if isNew {
		*a = *b
		return
	}
	if first := b.first(); first.before(a.first()) {
		a.setFirst(first)
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
}

// Merge folds o into g; o must not be used afterwards.
func (g *Groups) Merge(o *Groups) error {
	g.scanned = false
	for p := range g.later {
		g.later[p] = append(g.later[p], o.later[p]...)
		o.later[p] = nil
	}
	return g.t.Merge(o.t)
}

// Part is one partition of a [Groups] table, whole, while it is open.
type Part struct{ t *fptable.Table[entry] }

// Conflicting reports whether the feature vector, which must belong to this
// partition ([fptable.Part]), is a conflicting group.
func (p Part) Conflicting(features rowhash.Fingerprint) bool {
	e := p.t.Get(features)
	return e != nil && e.conflicting
}

// Stats is what a [Groups] table counts.
type Stats struct {
	// Groups is the number of distinct feature vectors.
	Groups int64
	// ConflictingGroups and ConflictingRows count the conflicting groups
	// and the rows in them (including rows of those groups whose label is
	// null).
	ConflictingGroups, ConflictingRows int64
}

func (st *Stats) add(t *fptable.Table[entry]) {
	st.Groups += int64(t.Len())
	t.Each(func(_ rowhash.Fingerprint, e *entry) {
		if e.conflicting {
			st.ConflictingGroups++
			st.ConflictingRows += e.rows
		}
	})
}

// Scan reads every partition once: it counts the groups, calls f with each
// partition while it is open (f may open the same partition of tables
// partitioned alike), and keeps the rows of the conflicting groups for
// [Groups.ConflictingRows]. A table read back from disk costs a read per
// visit, so everything a reader needs of it is done in this one. f may be
// nil.
func (g *Groups) Scan(f func(p int, part Part) error) (Stats, error) {
	var st Stats
	var ferr error
	g.conflicts, g.scanned = g.conflicts[:0], false
	err := g.t.Visit(func(p int, t *fptable.Table[entry]) {
		st.add(t)
		g.conflictingRows(p, t, func(m Member) { g.conflicts = append(g.conflicts, m) })
		if f != nil && ferr == nil {
			ferr = f(p, Part{t})
		}
	})
	if err == nil {
		err = ferr
	}
	g.scanned = err == nil
	return st, err
}

// Err returns the first error spilling the table to disk or reading it
// back, if any.
func (g *Groups) Err() error { return g.t.Err() }
