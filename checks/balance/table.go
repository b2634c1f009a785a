package balance

import (
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// rowEntry is what the state keeps of one distinct full row, in the
// state's row table: an [fptable.Parts] keyed by the full-row fingerprint,
// on the audit's memory budget. Entries are spilled to disk and read back
// as raw bytes, and combined in any order, so an entry holds nothing that
// depends on one state: not a class index (each state numbers its classes
// as it meets them), but a key of the class's name.
//
// Key and entry make a 48-byte slot, as when the entry held an int32 class
// index and a bool: the class key is 64 bits, not a 128-bit fingerprint,
// and the two flags share a word with the number of copies.
type rowEntry struct {
	feat rowhash.Fingerprint // the row's feature vector
	// class is the classKey of the label's text, for a labelled row while
	// the label has classes; 0 otherwise.
	class uint64
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

// classKey is the key of the class named name in row entries: 64 bits of
// its fingerprint. Result maps keys back to classes, and fails if two class
// names share a key (a chance below k²/2^65 for k classes).
func classKey(name string) uint64 { return rowhash.String(name).Lo }
