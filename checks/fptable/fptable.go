// Package fptable is a compact hash table keyed by 128-bit row
// fingerprints ([rowhash.Fingerprint]), for the checks that count distinct
// rows, feature vectors and ids.
//
// It is open addressing with linear probing: key and value sit together in
// one slot of a flat slice, so an insert or lookup usually touches one cache
// line, and the table holds no pointers the garbage collector must scan
// (when V holds none). The home slot is taken from a multiplicative mix of
// the fingerprint (its top bits), so keys that are not well mixed — the
// fingerprint of the integer n is (tag, n) — still spread evenly. The load
// stays at or below 3/4; the table doubles when it would pass it.
//
// Empty slots: a slot is empty when its key is the zero fingerprint. The
// zero fingerprint is a possible key like any other, so the entry for it, if
// any, is kept outside the slice, in a side slot with its own presence flag.
// No fingerprint value is assumed impossible. (An occupancy byte in every
// slot was measured too, BenchmarkUpsert/occupancy-byte: it makes a
// 16-byte-key, 16-byte-value slot 40 bytes instead of 32, and 1M upserts
// took a median 194 ms against 159 ms on a loaded 2-core machine.)
//
// Memory: a large slot array (64 KiB or more) is an anonymous memory map on
// Unix, outside the Go heap: the collector neither scans it nor counts it
// towards its heap goal, and an array a resize replaces goes back to the
// system at once rather than staying as garbage until the next collection
// (with the default GOGC the heap may reach twice its live size, so these
// arrays cost up to three times their size in peak RSS on the Go heap). The
// map is released when the table is garbage (runtime.AddCleanup). On Linux
// it asks for transparent huge pages (fewer page faults while filling it),
// unless [SetHugePages] turned that off.
// So V must
// hold no Go pointers — New panics otherwise — and a pointer returned by
// Upsert or Get must not outlive the table.
//
// Iteration ([Table.Each]) is in slot order, which depends on the insertion
// history; callers that emit results must not depend on it.
//
// The checks use [Parts], a Table split into partitions under a memory
// [Budget] (--memory-limit), which spills partitions to disk rather than
// exceed it and reads them back one at a time: the audit's per-row tables
// then need memory for the budget, not for every distinct row.
package fptable

import (
	"math/bits"
	"reflect"
	"runtime"

	"github.com/readiness/readiness/checks/rowhash"
)

// minSize is the number of slots of a new table.
const minSize = 16

type slot[V any] struct {
	key rowhash.Fingerprint
	val V
}

// Table maps fingerprints to values of type V. The zero Table is not
// usable; call [New].
type Table[V any] struct {
	slots []slot[V]
	mem   *region // not nil when slots is mapped outside the Go heap
	shift uint8   // 64 − log2(len(slots))
	n     int     // entries in slots (not counting the zero key)
	// the entry of the zero fingerprint, which cannot live in slots
	hasZero bool
	zero    V
	sink    uint64 // see touch
}

// New returns an empty table with room for about n entries before it
// grows.
func New[V any](n int) *Table[V] {
	if hasPointers(reflect.TypeFor[V]()) {
		panic("fptable: value type " + reflect.TypeFor[V]().String() + " holds pointers")
	}
	t := &Table[V]{}
	t.alloc(sizeFor(n))
	return t
}

// sizeFor is the smallest power of two ≥ minSize that holds n entries at a
// load of at most 3/4.
func sizeFor(n int) int {
	size := minSize
	for 4*n > 3*size {
		size *= 2
	}
	return size
}

func (t *Table[V]) alloc(size int) {
	t.slots, t.mem = allocSlots[V](size)
	t.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	t.n = 0
}

// home is the home slot of k: the top bits of a multiplicative mix of both
// words.
func (t *Table[V]) home(k rowhash.Fingerprint) uint64 {
	return ((k.Lo ^ bits.RotateLeft64(k.Hi, 29)) * 0x9E3779B97F4A7C15) >> t.shift
}

// Len returns the number of entries.
func (t *Table[V]) Len() int {
	if t.hasZero {
		return t.n + 1
	}
	return t.n
}

// Upsert returns a pointer to k's value, adding k with the zero value if it
// is absent; isNew says whether it was. The pointer is valid until the next
// Upsert or Reserve.
func (t *Table[V]) Upsert(k rowhash.Fingerprint) (v *V, isNew bool) {
	if k == (rowhash.Fingerprint{}) {
		isNew = !t.hasZero
		t.hasZero = true
		return &t.zero, isNew
	}
	if 4*(t.n+1) > 3*len(t.slots) {
		t.resize(2 * len(t.slots))
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return &s.val, false
		}
		if s.key == (rowhash.Fingerprint{}) {
			s.key = k
			t.n++
			return &s.val, true
		}
	}
}

// Get returns a pointer to k's value, or nil if k is absent. The pointer is
// valid until the next Upsert or Reserve.
func (t *Table[V]) Get(k rowhash.Fingerprint) *V {
	if k == (rowhash.Fingerprint{}) {
		if t.hasZero {
			return &t.zero
		}
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return &s.val
		}
		if s.key == (rowhash.Fingerprint{}) {
			return nil
		}
	}
}

// Reserve grows the table, once, to hold n entries without growing again.
//
// Call it before inserting another table's entries: those come in slot
// order, that is sorted by their home slot, and inserting them in that order
// into a smaller table (or one that doubles on the way) piles them into one
// long probe run — quadratic. Into a table at least as large as the source,
// each lands at or just after its home slot. [Table.Merge] does this.
func (t *Table[V]) Reserve(n int) {
	if size := sizeFor(n); size > len(t.slots) {
		t.resize(size)
	}
}

func (t *Table[V]) resize(size int) {
	old, oldMem := t.slots, t.mem
	t.alloc(size)
	mask := uint64(size - 1)
	for j := range old {
		s := &old[j]
		if s.key == (rowhash.Fingerprint{}) {
			continue
		}
		i := t.home(s.key)
		for t.slots[i].key != (rowhash.Fingerprint{}) {
			i = (i + 1) & mask
		}
		t.slots[i] = *s
		t.n++
	}
	oldMem.free()
}

// Each calls f for every entry, in slot order (the zero key first). f may
// change the value through the pointer but must not insert into t.
func (t *Table[V]) Each(f func(k rowhash.Fingerprint, v *V)) {
	if t.hasZero {
		f(rowhash.Fingerprint{}, &t.zero)
	}
	for i := range t.slots {
		if s := &t.slots[i]; s.key != (rowhash.Fingerprint{}) {
			f(s.key, &s.val)
		}
	}
	runtime.KeepAlive(t) // the slots may be mapped memory that t's cleanup unmaps
}

// Merge folds o into t: for every entry of o, combine is called with its
// key, a pointer to t's value for the key (the zero value when isNew) and
// o's value. It reserves room first (see [Table.Reserve]). o is not changed.
func (t *Table[V]) Merge(o *Table[V], combine func(k rowhash.Fingerprint, dst, src *V, isNew bool)) {
	t.Reserve(max(t.Len()+o.Len(), 3*len(o.slots)/4))
	o.Each(func(k rowhash.Fingerprint, src *V) {
		dst, isNew := t.Upsert(k)
		combine(k, dst, src, isNew)
	})
	runtime.KeepAlive(o)
}

// hasPointers reports whether values of type t hold Go pointers.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// touch reads k's home slot, so that an Upsert of k soon after finds it
// in the cache (see [Parts.foldSlots]); sink keeps the read from being
// optimised away.
func (t *Table[V]) touch(k rowhash.Fingerprint) {
	t.sink ^= t.slots[t.home(k)].key.Lo
}

// Reset empties the table, keeping its slot array for reuse.
func (t *Table[V]) Reset() {
	clear(t.slots)
	t.n, t.hasZero = 0, false
	var zero V
	t.zero = zero
}

// bytes is the size of the slot array.
func (t *Table[V]) bytes() int64 { return int64(len(t.slots)) * slotSize[V]() }

// Bytes is the memory t's slots take, for a caller that holds it on a
// [Budget] ([Budget.Hold]).
func (t *Table[V]) Bytes() int64 { return t.bytes() }

// free releases the slot array now; t must not be used afterwards.
func (t *Table[V]) free() {
	t.mem.free()
	t.slots, t.mem, t.n, t.hasZero = nil, nil, 0, false
}
