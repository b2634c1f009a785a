package balance

import "github.com/readiness/readiness/checks/rowhash"

// rowTable maps a full-row fingerprint to its entry: open addressing with
// linear probing, the fingerprint's low word as the hash (it is already a
// well-mixed xxh3 output, so no second hash is needed) and key and entry in
// one slot, so a lookup touches one cache line. A slot is empty when its
// copies is 0.
type rowTable struct {
	slots []rowSlot
	n     int
}

type rowSlot struct {
	key rowhash.Fingerprint
	e   rowEntry
}

func newRowTable() *rowTable { return &rowTable{slots: make([]rowSlot, 64)} }

// add counts copies more copies of the row key, whose entry is e if new.
func (t *rowTable) add(key rowhash.Fingerprint, e rowEntry, copies int64) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := key.Lo & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.e.copies == 0 {
			s.key, s.e = key, e
			s.e.copies = copies
			t.n++
			return
		}
		if s.key == key {
			s.e.copies += copies
			return
		}
	}
}

// reserve grows the table, once, to hold n entries. Merge calls it before
// inserting another table's entries: those arrive in slot order, that is
// sorted by their home slot, and inserting them in that order into a
// smaller table (or one that doubles on the way) piles them into one long
// probe run — quadratic. Into a table at least as large, each lands at or
// just after its home slot.
func (t *rowTable) reserve(n int) {
	size := len(t.slots)
	for 4*n > 3*size {
		size *= 2
	}
	if size > len(t.slots) {
		t.resize(size)
	}
}

func (t *rowTable) grow() { t.resize(2 * len(t.slots)) }

func (t *rowTable) resize(size int) {
	old := t.slots
	t.slots = make([]rowSlot, size)
	t.n = 0
	for i := range old {
		if s := &old[i]; s.e.copies > 0 {
			t.add(s.key, s.e, s.e.copies)
		}
	}
}

// each calls f for every entry, in slot order.
func (t *rowTable) each(f func(key rowhash.Fingerprint, e *rowEntry)) {
	for i := range t.slots {
		if s := &t.slots[i]; s.e.copies > 0 {
			f(s.key, &s.e)
		}
	}
}
