package labels

import (
	"errors"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// Groups maps each distinct feature vector (by fingerprint) to what was seen
// with it: its rows, and whether two or more distinct non-null labels
// were. A group is conflicting exactly when some non-null label differs from
// the first one seen, so no set of labels is kept. Merging is associative
// and commutative: which label a group remembers depends on the order, but
// whether it is conflicting and which rows it has do not.
//
// The table also remembers where each row was — the first row of each
// group in (input, row) order, and every later row — so that
// [Groups.Scan] can list the rows of the conflicting groups (for
// findings.parquet). Those lists are also how a group's rows are counted.
//
// The table is an [fptable.Parts] on the audit's memory budget: partitioned
// by the feature fingerprint, spilled to disk partition by partition when
// over the budget, and read back one partition at a time by [Groups.Scan].
// Callers that look rows up by feature vector partition their own tables
// by [fptable.Part] of it, so the partition they need is the one open.
//
// The later rows of a partition are listed when the partition is first
// read (the table's repeat hook), and dropped once the first Scan has gone
// through it: they take memory outside the budget, one or two partitions'
// worth at a time (the next partition is read ahead). Until 2026-11-27
// they were all kept, and so were the rows a Scan found in conflicting
// groups: with three low-cardinality features (1,299 feature vectors over
// 10M rows, nearly every row a later row of a conflicting group) the audit
// peaked at 1,705 MiB, against about 850 MiB with every column a feature;
// now 902–963 MiB. What is left unbounded: a dataset whose rows nearly all
// share a handful of feature vectors puts them in a handful of partitions,
// and a partition's later rows (32 bytes each) are held at once.
type Groups struct {
	t *fptable.Parts[entry]
	// later holds every row of a group but its first, by partition,
	// until the first Scan has gone through the partition.
	later [fptable.Partitions][]Member
	// scanned: the first Scan is done, and stats is what it counted.
	scanned bool
	stats   Stats
	// open holds the conflicting feature vectors of the partition being
	// read, emptied and reused for each (see conflictingRows).
	open *fptable.Table[struct{}]
}

// entry is what the table keeps of one group, in 32 bytes (a 48-byte
// slot with its key): a non-null label seen with it (when labelled); in one
// word its first row in (input, row) order, as a [checks.Pos], with two
// flags above it: labelled, and whether another label was seen
// (conflicting); and who labelled that first row (see [Member.Annotator]).
// It does not count the group's rows: every row but the first is in later,
// so a group has 1 + its members there, and a count would add 8 bytes to
// the aggregate every row appends, to be written and, over the memory
// budget, spilled and read back. (The position and flags in fields of
// their own took 8 bytes more with padding.)
//
// The annotator rides with the first row, so that the rows a conflicting
// group lists say who labelled each. Until 2026-11-27 the labels check
// kept a table of its own for that, a 40-byte slot per labelled row keyed
// by (features, annotator); 8 bytes here instead write, spill and read
// back 32 bytes a row less, and a row is appended to one table, not two.
// Without an annotator column the word is 0 and costs 8 bytes a row.
type entry struct {
	label     rowhash.Fingerprint
	pos       uint64 // checks.Pos | entryLabelled | entryConflicting
	annotator uint64
}

const (
	entryLabelled    = 1 << 63
	entryConflicting = 1 << 62
	entryFlags       = entryLabelled | entryConflicting
)

// The flags must fit above a position.
var _ = [1]struct{}{}[entryFlags&^checks.PosFlags]

func (e *entry) first() checks.Pos { return checks.Pos(e.pos &^ entryFlags) }

func (e *entry) labelled() bool    { return e.pos&entryLabelled != 0 }
func (e *entry) conflicting() bool { return e.pos&entryConflicting != 0 }

// Member is one row of a group.
type Member struct {
	Features rowhash.Fingerprint
	Pos      checks.Pos
	// Annotator is the row's annotator as given to [Groups.AddAt]: a
	// caller's key for it, 0 when it has none or is not counted.
	Annotator uint64
}

// NewGroups returns an empty table on budget b (nil: unlimited).
func NewGroups(b *fptable.Budget) *Groups {
	g := &Groups{open: fptable.New[struct{}](0)}
	g.t = fptable.NewParts(b, combine)
	g.t.OnRepeat(g.repeat)
	return g
}

// AddAt records the row at pos, with the given feature vector, label and
// annotator; labelled is false when the label is null. The annotator is
// only carried to the row's [Member]: callers pass 0 for a row without
// one, or whose annotator they do not count. Rows are added before the
// first [Groups.Scan], never after: it panics then.
func (g *Groups) AddAt(features, label rowhash.Fingerprint, labelled bool, pos checks.Pos, annotator uint64) {
	if g.scanned {
		panic("labels: Groups.AddAt after Scan")
	}
	e := entry{label: label, pos: uint64(pos), annotator: annotator}
	if labelled {
		e.pos |= entryLabelled
	}
	g.t.Add(fptable.Part(features), features, &e)
}

// conflictingRows emits the rows of the conflicting groups of partition p,
// open as t (emit may be nil), and counts those groups and rows. It leaves
// their feature vectors in g.open, where the later rows, and [Part.Conflicting], look
// them up: a few thousand a partition at 10M rows, a table that stays in
// the processor's cache, where t has the partition's 150,000 groups, some
// megabytes, which a lookup of every pair and later row walks at random.
func (g *Groups) conflictingRows(p int, t *fptable.Table[entry], emit func(Member)) (groups, rows int64) {
	g.open.Reset()
	t.Each(func(fp rowhash.Fingerprint, e *entry) {
		if e.conflicting() {
			if emit != nil {
				emit(Member{Features: fp, Pos: e.first(), Annotator: e.annotator})
			}
			g.open.Upsert(fp)
			groups++
		}
	})
	rows = groups
	if groups == 0 {
		return 0, 0
	}
	// Most lookups miss, and a miss probes on to an empty slot: about 8
	// probes in a table 3/4 full, 1.3 in one 3/16 full.
	g.open.Reserve(4 * int(groups))
	for _, m := range g.later[p] {
		if g.open.Get(m.Features) != nil {
			if emit != nil {
				emit(m)
			}
			rows++
		}
	}
	return groups, rows
}

// repeat lists the later of the first rows of two aggregates of group k
// about to be combined, with its annotator.
func (g *Groups) repeat(k rowhash.Fingerprint, a, b *entry) {
	later := b
	if b.first() < a.first() {
		later = a
	}
	p := fptable.Part(k)
	g.later[p] = append(g.later[p], Member{Features: k, Pos: later.first(), Annotator: later.annotator})
}

// combine folds b, the aggregate of other rows of group k, into a.
func combine(_ rowhash.Fingerprint, a, b *entry, isNew bool) {
	if isNew {
		*a = *b
		return
	}
	if first := b.first(); first < a.first() {
		a.pos = a.pos&entryFlags | uint64(first)
		a.annotator = b.annotator
	}
	a.pos |= b.pos & entryConflicting
	if b.labelled() {
		switch {
		case !a.labelled():
			a.label = b.label
			a.pos |= entryLabelled
		case a.label != b.label:
			a.pos |= entryConflicting
		}
	}
}

// Merge folds o into g; o must not be used afterwards. Neither may have
// been scanned.
func (g *Groups) Merge(o *Groups) error {
	if g.scanned || o.scanned {
		return errors.New("labels: merging conflict groups after a Scan")
	}
	for p := range g.later {
		g.later[p] = append(g.later[p], o.later[p]...)
		o.later[p] = nil
	}
	return g.t.Merge(o.t)
}

// Part is one partition of a [Groups] table while it is open: its
// conflicting groups.
type Part struct{ conflicting *fptable.Table[struct{}] }

// Conflicting reports whether the feature vector, which must belong to this
// partition ([fptable.Part]), is a conflicting group.
func (p Part) Conflicting(features rowhash.Fingerprint) bool {
	return p.conflicting.Len() > 0 && p.conflicting.Get(features) != nil
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

// Scan reads every partition once: it counts the groups, calls f with each
// partition while it is open (f may open the same partition of tables
// partitioned alike), and calls rows with every row of every conflicting
// group. A table read back from disk costs a read per visit, so everything
// a reader needs of it is done in this one. f and rows may be nil.
//
// The first Scan lists the rows, and drops each partition's later rows
// once through it. Later Scans return the same counts and call f again,
// but list no rows.
func (g *Groups) Scan(f func(p int, part Part) error, rows func(Member)) (Stats, error) {
	first := !g.scanned
	if !first {
		rows = nil
	}
	var st Stats
	var ferr error
	err := g.t.Visit(func(p int, t *fptable.Table[entry]) {
		groups, n := g.conflictingRows(p, t, rows)
		if first {
			g.later[p] = nil
		}
		st.Groups += int64(t.Len())
		st.ConflictingGroups += groups
		st.ConflictingRows += n
		if f != nil && ferr == nil {
			ferr = f(p, Part{g.open})
		}
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return Stats{}, err
	}
	if first {
		g.stats, g.scanned = st, true
	}
	return g.stats, nil
}

// Err returns the first error spilling the table to disk or reading it
// back, if any.
func (g *Groups) Err() error { return g.t.Err() }
