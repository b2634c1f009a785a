package balance

import (
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// rowTable maps a full-row fingerprint to its entry, in a compact
// open-addressing table (package fptable): key and entry in one 48-byte
// slot, so a lookup touches one cache line.
type rowTable struct {
	t *fptable.Table[rowEntry]
}

func newRowTable() *rowTable { return &rowTable{t: fptable.New[rowEntry](0)} }

// add counts copies more copies of the row key, whose entry is e if new.
func (t *rowTable) add(key rowhash.Fingerprint, e rowEntry, copies int64) {
	v, isNew := t.t.Upsert(key)
	if isNew {
		*v = e
		v.copies = copies
		return
	}
	v.copies += copies
}

// merge adds every entry of o, its class first passed through class. The
// table reserves room for both first: inserting another table's entries in
// slot order into a smaller one is quadratic (see fptable.Table.Reserve).
func (t *rowTable) merge(o *rowTable, class func(int32) int32) {
	t.t.Merge(o.t, func(_ rowhash.Fingerprint, dst, src *rowEntry, isNew bool) {
		if isNew {
			*dst = *src
			dst.class = class(src.class)
			return
		}
		dst.copies += src.copies
	})
}

// each calls f for every entry, in slot order.
func (t *rowTable) each(f func(key rowhash.Fingerprint, e *rowEntry)) { t.t.Each(f) }
