package fptable

import (
	"fmt"
	"io"
	"math/bits"
	"os"
	"unsafe"

	"github.com/readiness/readiness/checks/rowhash"
)

// PartBits is log2 of the number of partitions of a [Parts] table.
const PartBits = 6

// Partitions is the number of partitions of a [Parts] table.
const Partitions = 1 << PartBits

// chunk is how many entries a spill writes or reads at a time.
const chunk = 4096

// Part returns the partition of the partitioning fingerprint fp, in
// [0, Partitions). It mixes the fingerprint differently from a table's home
// slot, so the entries of one partition still spread over its table.
//
// Callers partition every table whose entries they look up together by the
// same fingerprint: rows with equal feature vectors then fall in the same
// partition of the row table, the feature table and the conflict table,
// and one partition of each can be read back at a time.
func Part(fp rowhash.Fingerprint) int {
	return int(((fp.Hi ^ bits.RotateLeft64(fp.Lo, 17)) * 0xC2B2AE3D27D4EB4F) >> (64 - PartBits))
}

// run is a sequence of entries written to a spill file.
type run struct {
	f   *os.File
	off int64 // byte offset in f
	n   int64 // entries
}

// Parts is a [Table] split into [Partitions] partitions, any of which is
// written to disk ("spilled") when growing it would take the tables of
// the audit past their [Budget]. It stays exact: entries spilled are read
// back, one partition at a time, and folded together with the table's
// combine function — the same function that merges two workers' tables —
// when the partition is visited ([Parts.Visit]).
//
// This is the partitioned ("grace") hash aggregation of database engines:
// while reading, each partition aggregates what fits in memory and writes
// out partial aggregates when it no longer fits; at the end, each
// partition's partial aggregates are combined, a partition at a time, so
// the memory needed is one partition's worth (about 1/[Partitions] of the
// distinct keys) rather than all of them.
//
// Which partition an entry goes in is the caller's choice (see [Part]); the
// key need not be the partitioning fingerprint.
//
// combine(k, dst, src, isNew) folds src, an aggregate of some rows with key
// k, into dst, the aggregate of other rows (the zero value when isNew). It
// must be commutative and associative in effect, like a state merge: in
// which order spilled runs and tables are folded is not specified. It must
// have no side effect: a partition read back more than once is folded
// again each time. A side effect of two aggregates of one key meeting (a
// row list the later row goes to) belongs in the repeat hook
// ([Parts.OnRepeat]), which is called exactly once per pair of aggregates
// folded, by the time the first [Parts.Visit] returns.
//
// A partition read back stays in memory after [Parts.Close] if the budget
// allows; otherwise it is dropped and read back again by the next Open,
// from the same runs (plus its in-memory entries, written as one more run
// at Close), folding the runs already folded once without the hook.
//
// Errors writing or reading spill files are sticky: [Parts.Err] reports
// them, and Merge and Visit return them. A table that cannot spill keeps
// growing in memory.
//
// A Parts is used by one goroutine at a time; tables sharing a Budget may
// be used concurrently.
type Parts[V any] struct {
	parts  [Partitions]*Table[V]
	runs   [Partitions][]run
	loaded [Partitions]bool // read back by Open, not yet closed
	// held is the in-memory table of a partition read back, kept until
	// Close; applied counts the runs at the start of runs[p] already
	// folded once (their repeats reported).
	held    [Partitions]*Table[V]
	applied [Partitions]int
	budget  *Budget
	combine func(k rowhash.Fingerprint, dst, src *V, isNew bool)
	repeat  func(k rowhash.Fingerprint, dst, src *V)
	f       *os.File // this table's spill file, made at its first spill
	off     int64
	err     error
}

// NewParts returns an empty partitioned table accounted against b (nil:
// unlimited, never spilling), whose aggregates are folded by combine.
func NewParts[V any](b *Budget, combine func(k rowhash.Fingerprint, dst, src *V, isNew bool)) *Parts[V] {
	t := &Parts[V]{budget: b, combine: combine}
	for p := range t.parts {
		t.parts[p] = New[V](0)
		b.force(t.parts[p].bytes())
	}
	return t
}

// OnRepeat sets the hook called when two aggregates of one key are folded
// together (merging tables, reading back a spilled partition), before
// combine, with the aggregate kept and the one folded into it. It is not
// called for a key's first aggregate, nor again when a partition is read
// back a second time.
func (t *Parts[V]) OnRepeat(f func(k rowhash.Fingerprint, dst, src *V)) { t.repeat = f }

// fold folds src into dst (see [Parts]); replay is true for aggregates
// folded before, whose repeats were reported then.
func (t *Parts[V]) fold(k rowhash.Fingerprint, dst, src *V, isNew, replay bool) {
	if !isNew && !replay && t.repeat != nil {
		t.repeat(k, dst, src)
	}
	t.combine(k, dst, src, isNew)
}

func (t *Parts[V]) foldNew(k rowhash.Fingerprint, dst, src *V, isNew bool) {
	t.fold(k, dst, src, isNew, false)
}

// Upsert returns a pointer to k's value in partition p, adding k with the
// zero value if the partition's in-memory table does not hold it; isNew
// says whether it did not. A key whose earlier aggregate was spilled is new
// again: the two aggregates are combined when the partition is visited.
// The pointer is valid until the next Upsert.
func (t *Parts[V]) Upsert(p int, k rowhash.Fingerprint) (v *V, isNew bool) {
	tb := t.parts[p]
	if tb.full() {
		t.grow(p)
	}
	return tb.Upsert(k)
}

// grow makes room in partition p for one more entry: it doubles the
// partition's table if the budget allows, or else spills the partition
// and empties it.
func (t *Parts[V]) grow(p int) {
	tb := t.parts[p]
	add := tb.bytes() // doubling adds as much again
	if !t.budget.reserve(add) {
		if t.budget.spills(tb.Len(), tb.bytes()) && t.spill(p, tb) == nil {
			tb.clear()
			return
		}
		t.budget.force(add)
	}
	tb.resize(2 * len(tb.slots))
}

// spill writes tb, partition p's table, to the spill file as one more run
// of p. tb is not changed.
func (t *Parts[V]) spill(p int, tb *Table[V]) error {
	if t.err != nil {
		return t.err
	}
	r, err := t.write(tb)
	if err != nil {
		t.err = err
		return err
	}
	t.runs[p] = append(t.runs[p], r)
	return nil
}

// write appends tb's entries to the spill file and returns their run.
func (t *Parts[V]) write(tb *Table[V]) (run, error) {
	if t.f == nil {
		f, err := t.budget.file()
		if err != nil {
			return run{}, err
		}
		t.f = f
	}
	r := run{f: t.f, off: t.off}
	buf := make([]slot[V], 0, min(chunk, tb.Len()+1))
	var werr error
	flush := func() {
		if werr != nil || len(buf) == 0 {
			return
		}
		b := slotBytes(buf)
		n, err := t.f.WriteAt(b, t.off)
		t.off += int64(n)
		if err != nil {
			werr = fmt.Errorf("spill: writing %s: %w", t.f.Name(), err)
		}
		buf = buf[:0]
	}
	tb.Each(func(k rowhash.Fingerprint, v *V) {
		buf = append(buf, slot[V]{key: k, val: *v})
		if len(buf) == cap(buf) {
			flush()
		}
	})
	flush()
	if werr != nil {
		return run{}, werr
	}
	r.n = int64(tb.Len())
	if t.budget != nil {
		t.budget.spilled.Add(t.off - r.off)
		t.budget.runs.Add(1)
	}
	return r, nil
}

// Merge folds o into t, partition by partition, and empties o: o's spilled
// runs become t's, and o's in-memory entries are combined into t's tables,
// or spilled as runs of t when the budget has no room for them. o must not
// be used afterwards. o must not have been visited while spilled (its
// repeats were reported to o's hook): that is an error.
func (t *Parts[V]) Merge(o *Parts[V]) error {
	if o.err != nil && t.err == nil {
		t.err = o.err
	}
	for p := range o.parts {
		if o.applied[p] > 0 || o.loaded[p] {
			return fmt.Errorf("spill: merging a table that was read back from disk")
		}
	}
	for p := range t.parts {
		t.runs[p] = append(t.runs[p], o.runs[p]...)
		o.runs[p] = nil
		ob, tb := o.parts[p], t.parts[p]
		if ob.Len() > 0 {
			want := max(tb.Len()+ob.Len(), 3*len(ob.slots)/4)
			need := int64(sizeFor(want))*slotSize[V]() - tb.bytes()
			merged := false
			if need <= 0 || t.budget.reserve(need) {
				merged = true
			} else if t.budget.spills(ob.Len(), ob.bytes()) {
				if r, err := t.write(ob); err == nil {
					t.runs[p] = append(t.runs[p], r)
				} else {
					if t.err == nil {
						t.err = err
					}
					merged = true
					t.budget.force(need)
				}
			} else {
				merged = true
				t.budget.force(need)
			}
			if merged {
				tb.Reserve(want)
				tb.Merge(ob, t.foldNew)
			}
		}
		t.budget.release(ob.bytes())
		ob.free()
		o.parts[p] = nil
	}
	return t.err
}

// Visit calls f with each partition in turn, whole (see [Parts.Open]).
// f may read values (Get, Each) but must not change them or add keys.
func (t *Parts[V]) Visit(f func(p int, tb *Table[V])) error {
	for p := range t.parts {
		tb, err := t.Open(p)
		if err != nil {
			return err
		}
		f(p, tb)
		if err := t.Close(p); err != nil {
			return err
		}
	}
	return nil
}

// Open returns partition p whole: if it has spilled runs, they are read
// back and combined with its in-memory entries into a new table. The
// caller may read values (Get, Each) but must not change them or add keys,
// and must hand it back with [Parts.Close] before opening p again.
// Partitions of several tables partitioned alike may be open together.
func (t *Parts[V]) Open(p int) (*Table[V], error) {
	if t.err != nil {
		return nil, t.err
	}
	if len(t.runs[p]) == 0 {
		return t.parts[p], nil
	}
	tb, err := t.load(p)
	if err != nil {
		t.err = err
		return nil, err
	}
	t.parts[p] = tb
	return tb, nil
}

// Close hands back partition p, opened by [Parts.Open]. A partition that
// was read back stays in memory if the budget allows (its runs are then no
// longer needed). Otherwise it is dropped: its in-memory entries are
// written as one more run, and the next Open reads the runs again, without
// reporting repeats twice. Only the partitions open at once are in memory
// beyond the budget.
func (t *Parts[V]) Close(p int) error {
	if !t.loaded[p] {
		return t.err
	}
	t.loaded[p] = false
	tb, mem := t.parts[p], t.held[p]
	t.held[p] = nil
	if t.err == nil && t.budget.within() {
		t.runs[p], t.applied[p] = nil, 0
		t.budget.release(mem.bytes())
		mem.free()
		return nil
	}
	if t.err == nil && mem.Len() > 0 {
		r, err := t.write(mem)
		if err != nil {
			t.err = err
		} else {
			t.runs[p] = append(t.runs[p], r)
		}
	}
	if t.err != nil {
		// The table read back holds everything: keep it.
		t.runs[p], t.applied[p] = nil, 0
		t.budget.release(mem.bytes())
		mem.free()
		return t.err
	}
	t.applied[p] = len(t.runs[p])
	t.budget.release(tb.bytes())
	tb.free()
	mem.clear()
	t.parts[p] = mem
	return nil
}

// load reads partition p's runs back and combines them with its in-memory
// table into a new table; the caller puts it in the in-memory table's
// place, and keeps that in held[p] until Close.
func (t *Parts[V]) load(p int) (*Table[V], error) {
	mem := t.parts[p]
	n := int64(mem.Len())
	for _, r := range t.runs[p] {
		n += r.n
	}
	tb := New[V](int(n))
	t.budget.force(tb.bytes())
	longest := int64(1)
	for _, r := range t.runs[p] {
		longest = max(longest, r.n)
	}
	buf := make([]slot[V], min(chunk, longest))
	for i, r := range t.runs[p] {
		replay := i < t.applied[p]
		for done := int64(0); done < r.n; {
			m := int(min(int64(len(buf)), r.n-done))
			b := slotBytes(buf[:m])
			off := r.off + done*slotSize[V]()
			if _, err := r.f.ReadAt(b, off); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				t.budget.release(tb.bytes())
				tb.free()
				return nil, fmt.Errorf("spill: reading %s at byte %d: %w", r.f.Name(), off, err)
			}
			for i := range buf[:m] {
				s := &buf[i]
				d, isNew := tb.Upsert(s.key)
				t.fold(s.key, d, &s.val, isNew, replay)
			}
			done += int64(m)
		}
	}
	// Merge sizes tb for mem's slot array too (see [Table.Reserve]), which
	// may be larger than the entries need when mem was itself read back.
	before := tb.bytes()
	tb.Merge(mem, t.foldNew)
	t.budget.force(tb.bytes() - before)
	t.loaded[p] = true
	t.held[p] = mem
	return tb, nil
}

// Err returns the first error writing or reading a spill file, if any.
func (t *Parts[V]) Err() error { return t.err }

// Spilled reports whether any partition has entries on disk.
func (t *Parts[V]) Spilled() bool {
	for _, rs := range t.runs {
		if len(rs) > 0 {
			return true
		}
	}
	return false
}

func slotSize[V any]() int64 { return int64(unsafe.Sizeof(slot[V]{})) }

// slotBytes is s's memory as bytes: slots hold no pointers (see [New]).
func slotBytes[V any](s []slot[V]) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(slotSize[V]()))
}

// Free releases every partition's memory and forgets its runs (their files
// go when the budget is closed); t must not be used afterwards.
func (t *Parts[V]) Free() {
	for p, tb := range t.parts {
		for _, x := range []*Table[V]{tb, t.held[p]} {
			if x != nil {
				t.budget.release(x.bytes())
				x.free()
			}
		}
		t.parts[p], t.held[p], t.runs[p], t.loaded[p] = nil, nil, nil, false
	}
}
