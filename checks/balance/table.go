package balance

import (
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// rowEntry is what the state keeps of one distinct full row, in the
// state's row table: an [fptable.Parts] keyed by the full-row fingerprint,
// on the audit's memory budget. Entries are spilled to disk and read back
// as raw bytes, and combined in any order, so an entry holds nothing that
// depends on one state (not a class index: each state numbers its classes
// as it meets them).
//
// The row table is also where the conflicting feature groups come from:
// every distinct full row of a feature vector is in the same partition
// (the table is partitioned by the feature fingerprint), and copies of one
// full row have one label, so a group conflicts exactly when two of its
// labelled entries have different labels. That takes the label's 128-bit
// fingerprint, the same one the labels check compares, for every kind of
// label: continuous and too-many-values labels have no classes but do
// conflict.
//
// The entry holds no class: a named class is recovered from the label
// fingerprint, through the state's map from the label fingerprints met in
// Observe to classes (a few entries per class, kept beside the names).
// So key and entry make a 56-byte slot, where a 64-bit class key beside
// the label fingerprint would make 64 bytes for every distinct row, to
// save a map of at most max_classes-odd entries. The two flags share a
// word with the number of copies.
type rowEntry struct {
	feat  rowhash.Fingerprint // the row's feature vector
	label rowhash.Fingerprint // the label's value fingerprint (any, when unlabelled)
	// n is copies<<2 | stale | labelled.
	n uint64
}

const (
	labelledBit = 1 << iota
	staleBit
	flagBits = labelledBit | staleBit
	oneCopy  = 1 << 2
)

func (e *rowEntry) copies() int64  { return int64(e.n >> 2) }
func (e *rowEntry) labelled() bool { return e.n&labelledBit != 0 }
func (e *rowEntry) stale() bool    { return e.n&staleBit != 0 }
func rowFlags(labelled, stale bool) uint64 {
	var f uint64
	if labelled {
		f |= labelledBit
	}
	if stale {
		f |= staleBit
	}
	return f
}

// combineRows folds src, an entry of some copies of row k, into dst, the
// entry of other copies of it. Copies of one row agree on everything but
// their number.
func combineRows(_ rowhash.Fingerprint, dst, src *rowEntry, isNew bool) {
	if isNew {
		*dst = *src
		return
	}
	dst.n += src.n &^ flagBits
}

func newRowTable(b *fptable.Budget) *fptable.Parts[rowEntry] {
	return fptable.NewParts(b, combineRows)
}

// group is what conflicts keeps of a feature vector in one partition: the
// first label seen with it, and whether another was.
type group struct {
	label       rowhash.Fingerprint
	conflicting bool
}

// conflicts folds the labelled rows of one partition of the row table into
// groups, and puts the feature vectors of the conflicting groups in
// conflicting; both are emptied first and reused from partition to
// partition (they keep the largest partition's slot arrays). It reports
// whether any group conflicts. usable then looks each row's feature vector
// up in conflicting, a few thousand vectors a partition at 10M rows, whose
// slots stay in the processor's cache, rather than in groups, with the
// partition's 150,000, some megabytes walked at random (the lookups took
// 1.1 s of CPU in a 10M-row audit's profile).
//
// groups is an [fptable.Table] rather than a Go map: with a partition's
// 150,000 feature vectors at 10M rows, a map's lookups of 16-byte keys
// took 1.7 s of CPU in a 10M-row audit's profile, and BenchmarkConflicts
// (64 partitions of 16K rows) takes 45 ms a pass with the table against
// 111 ms with a map, emptied and reused.
func conflicts(rows *fptable.Table[rowEntry], groups *fptable.Table[group], conflicting *fptable.Table[struct{}]) bool {
	groups.Reset()
	groups.Reserve(rows.Len())
	conflicting.Reset()
	rows.Each(func(_ rowhash.Fingerprint, e *rowEntry) {
		if !e.labelled() {
			return
		}
		g, isNew := groups.Upsert(e.feat)
		switch {
		case isNew:
			g.label = e.label
		case g.label != e.label && !g.conflicting:
			g.conflicting = true
			conflicting.Upsert(e.feat)
		}
	})
	// usable looks up every labelled row, and most are not in conflicting:
	// a lookup that misses probes on to an empty slot, which takes about 8
	// probes in a table 3/4 full and 1.3 in one 3/16 full.
	conflicting.Reserve(4 * conflicting.Len())
	return conflicting.Len() > 0
}
