package fptable

import (
	"cmp"
	"fmt"
	"math/bits"
	"os"
	"slices"
	"sync"
	"unsafe"

	"github.com/readiness/readiness/checks/rowhash"
)

// MinPartBits and MaxPartBits bound log2 of the number of partitions of a
// [Parts] table: 64 to 1,024. A table takes its count from its budget
// ([Budget.Expect]), and every table of a budget has the same, so that
// tables partitioned by the same fingerprint can be read in lockstep.
const (
	MinPartBits = 6
	MaxPartBits = 10
)

// part returns the partition of the partitioning fingerprint fp among
// 1<<pb. It mixes the fingerprint differently from a table's home slot,
// so the entries of one partition still spread over its table.
func part(fp rowhash.Fingerprint, pb uint8) int {
	return int(((fp.Hi ^ bits.RotateLeft64(fp.Lo, 17)) * 0xC2B2AE3D27D4EB4F) >> (64 - pb))
}

// Part returns the partition of the partitioning fingerprint fp, in
// [0, t.Partitions()).
//
// Callers partition every table whose entries they look up together by the
// same fingerprint: rows with equal feature vectors then fall in the same
// partition of the shared row table (checks/rowtable) and of duplicates'
// feature table, and one partition of each can be read back at a time.
func (t *Parts[V]) Part(fp rowhash.Fingerprint) int { return part(fp, t.bits) }

// Partitions returns the number of partitions of t.
func (t *Parts[V]) Partitions() int { return len(t.runs) }

// run is a sequence of entries written to a spill file.
type run struct {
	f   *os.File
	off int64 // byte offset in f
	n   int64 // entries
	// applied: folded once already (its repeats reported), so read again
	// without the repeat hook.
	applied bool
}

// Parts is a [Table] split into partitions (64 to 1,024, see
// [Budget.Expect]), built by appending: rows go in as aggregates
// ([Parts.Add]) without a lookup, and are combined a partition at a time
// when the partition is read ([Parts.Open], [Parts.Visit]). When the
// aggregates would take the tables of the audit past their [Budget], a
// partition's are written to disk ("spilled") as a run, and read back when
// the partition is opened. It stays exact: every aggregate is folded with
// the table's combine function — the same function that merges two
// workers' tables.
//
// This is the partitioned ("grace") hash aggregation of database engines:
// the partitioning pass appends, and the aggregation is done one partition
// at a time at the end, so the memory needed is one partition's worth
// (about 1/[Parts.Partitions] of the distinct keys) rather than all of them.
//
// Which partition an entry goes in is the caller's choice (see
// [Parts.Part]); the key need not be the partitioning fingerprint.
//
// combine(k, dst, src, isNew) folds src, an aggregate of some rows with key
// k, into dst, the aggregate of other rows (the zero value when isNew). It
// must be commutative and associative in effect, like a state merge: in
// which order spilled runs and pending aggregates are folded is not
// specified. It must have no side effect: a partition read more than once
// is folded again each time. A side effect of two aggregates of one key
// meeting (a row list the later row goes to) belongs in the repeat hook
// ([Parts.OnRepeat]), which is called exactly once per pair of aggregates
// folded, by the time the first [Parts.Visit] returns.
//
// The table a partition is read into is dropped by [Parts.Close]; the next
// Open reads the same runs and pending aggregates again, folding those
// already folded once first, and without the hook.
//
// Until 2026-11-27 a partition could also be built in place, with an
// upsert per row into an in-memory table that spilled whole when full;
// once every check appended instead (a random access per row became an
// append, and the table's entries were no longer folded twice), that mode
// was used by tests alone and was removed.
//
// Errors writing or reading spill files are sticky: [Parts.Err] reports
// them, and Merge and Visit return them. A table that cannot spill keeps
// growing in memory.
//
// A Parts is used by one goroutine at a time; tables sharing a Budget may
// be used concurrently.
type Parts[V any] struct {
	// bits is log2 of the number of partitions; the slices indexed by
	// partition have one element each.
	bits uint8
	runs [][]run
	// open is the table a partition was read into by Open, until Close;
	// openRuns how many of its runs it was read from (runs written
	// while it is open come after).
	open     []*Table[V]
	openRuns []int
	// empty is what Open returns for a partition with nothing in it.
	empty *Table[V]
	// pendApplied counts the chunks at the start of pend[p] already
	// folded once (their repeats reported; see run.applied).
	pendApplied []int
	// pend holds, per partition, the aggregates added with [Parts.Add]
	// and not yet folded, in chunks filled in order; pendN counts them.
	// heldPend is a partition's pend read back by Open, kept until Close.
	pend     [][]chunk[V]
	pendN    []int
	heldPend [][]chunk[V]
	budget   *Budget
	combine  func(k rowhash.Fingerprint, dst, src *V, isNew bool)
	repeat   func(k rowhash.Fingerprint, dst, src *V)
	f        *os.File // this table's spill file, made at its first spill
	direct   bool     // f has been turned to direct I/O (see spill.go)
	off      int64
	job      *spillJob[V] // the spill write under way (spillPend)
	// stage are blocks of the spill file: the first for writing, all for
	// reading (spill.go).
	stage blocks[V]
	// pre is a partition being read back in the background (Prefetch),
	// inflight how many are (at most one); stage2 are its staging blocks
	// and mu serializes the repeat hook between it and the caller.
	pre      []*prefetched[V]
	inflight int
	stage2   blocks[V]
	mu       sync.Mutex
	err      error
}

// NewParts returns an empty partitioned table accounted against b (nil:
// unlimited, never spilling), whose aggregates are folded by combine.
func NewParts[V any](b *Budget, combine func(k rowhash.Fingerprint, dst, src *V, isNew bool)) *Parts[V] {
	pb := b.partBits()
	n := 1 << pb
	return &Parts[V]{budget: b, combine: combine, bits: pb,
		runs: make([][]run, n), open: make([]*Table[V], n), openRuns: make([]int, n),
		pendApplied: make([]int, n), pend: make([][]chunk[V], n), pendN: make([]int, n),
		heldPend: make([][]chunk[V], n), pre: make([]*prefetched[V], n)}
}

// OnRepeat sets the hook called when two aggregates of one key are folded
// together (reading a partition), before
// combine, with the aggregate kept and the one folded into it. It is not
// called for a key's first aggregate, nor again when a partition is read
// back a second time.
func (t *Parts[V]) OnRepeat(f func(k rowhash.Fingerprint, dst, src *V)) { t.repeat = f }

// fold folds src into dst (see [Parts]); replay is true for aggregates
// folded before, whose repeats were reported then.
func (t *Parts[V]) fold(k rowhash.Fingerprint, dst, src *V, isNew, replay bool) {
	if !isNew && !replay && t.repeat != nil {
		t.mu.Lock()
		t.repeat(k, dst, src)
		t.mu.Unlock()
	}
	t.combine(k, dst, src, isNew)
}

// Add adds v, the aggregate of one or more rows with key k, to partition
// p without looking k up: it is appended to the partition's pending
// aggregates and folded with combine (and the repeat hook) when the
// partition is opened. A stream of rows then costs an append each rather
// than a random access into a hash table, and the pending aggregates are
// written to disk as they are once they fill the budget's pending share
// (pendingShare) — the partitioning pass of a hash aggregation, with the
// aggregation done a partition at a time at the end ([Parts.Open]), in a
// table the size of one partition.
// It suits keys that mostly occur once (rows, feature vectors): a pending
// aggregate takes the room of a table entry, and repeats of a key are not
// combined until the end.
//
// Each append asks for the cache lines of the partition's next slot
// (prefetchLine): rows go to the partitions at random, so the next append
// to this one comes a hundred or so rows later, and the line it writes
// is then in cache rather than in memory. Before, the store into a line
// not yet in cache was most of the row table's appends: 0.44 s of CPU of
// 0.64 s at 10M rows, against 0.18 s with the lines asked for
// (docs/performance.md, 2026-11-29 w).
func (t *Parts[V]) Add(p int, k rowhash.Fingerprint, v *V) {
	if t.inflight != 0 {
		t.settle()
	}
	cs := t.pend[p]
	if n := len(cs) - 1; n >= 0 && len(cs[n].s) < cap(cs[n].s) {
		c := &cs[n]
		c.s = append(c.s, slot[V]{key: k, val: *v})
		if l := len(c.s); l+1 < len(c.all) {
			// The next slot's lines (see below).
			prefetchLine(unsafe.Pointer(&c.all[l]))
			prefetchLine(unsafe.Pointer(&c.all[l+1]))
		}
		t.pendN[p]++
		return
	}
	t.addChunk(p)
	cs = t.pend[p]
	c := &cs[len(cs)-1]
	c.s = append(c.s, slot[V]{key: k, val: *v})
	t.pendN[p]++
}

// chunk is a slot array of pending aggregates, all: s is the part written
// (len) and the room left to write (cap; none once the chunk has been
// folded, see [Parts.Close]).
type chunk[V any] struct {
	s, all []slot[V]
	mem    *region
}

func (c chunk[V]) bytes() int64 { return int64(len(c.all)) * slotSize[V]() }

func (c chunk[V]) free() { c.mem.free() }

// Pending chunks start at minChunk slots and double up to heapChunkBytes,
// then take maxChunkBytes, mapped outside the Go heap (see mmapMin). A
// table has a chunk chain per partition, and an audit a few dozen tables
// of 64 partitions per worker: doubling on the Go heap all the way to the
// mapped size left about 120 MB of chunks there at 10M rows, which the
// collector, held to a soft limit of 192 MiB, marked over and over (200
// collections; the audit took 25 s without the limit, 30 s with it).
const (
	minChunk       = 16
	heapChunkBytes = 16 << 10
	maxChunkBytes  = 128 << 10
)

// addChunk gives partition p a new empty pending chunk; when the budget's
// pending share is full and the partition's pending chunks are large
// enough to spill, it
// first starts writing them to disk as a run (spillPend).
func (t *Parts[V]) addChunk(p int) {
	size := minChunk
	cs := t.pend[p]
	if n := len(cs); n > 0 {
		size = max(minChunk, min(2*len(cs[n-1].all), int(maxChunkBytes/slotSize[V]())))
		if int64(size)*slotSize[V]() > heapChunkBytes {
			size = int(maxChunkBytes / slotSize[V]())
		}
	}
	add := int64(size) * slotSize[V]()
	if !t.budget.reserve(add) {
		var held int64
		for _, c := range cs {
			held += c.bytes()
		}
		if t.budget.spills(t.pendN[p], held) {
			// The next chunk takes the place of the last one written,
			// at its size: doubling on would take a partition to the
			// largest chunks whatever the budget (a 1 MiB budget peaked
			// at 122 MB).
			if t.spillPend(p) == nil && len(cs) > 0 {
				size = len(cs[len(cs)-1].all)
				add = int64(size) * slotSize[V]()
			}
		}
		// The chunks being written are accounted for until they are
		// written: this one is over the budget for that long.
		t.budget.force(add)
	}
	s, mem := allocChunk[V](size)
	t.pend[p] = append(t.pend[p], chunk[V]{s: s[:0], all: s, mem: mem})
}

// spillJob is partition p's pending chunks being written to the spill
// file, on a goroutine of their own (see [Parts.spillPend]).
type spillJob[V any] struct {
	done chan struct{}
	p    int
	// parts are the chunks folded once already (written as a run read
	// again without the repeat hook), and the others.
	parts [2][]chunk[V]
	runs  []run // written, once done
	err   error
}

// spillPend starts writing partition p's pending aggregates to the spill
// file as a run, on another goroutine, and takes them out of the
// partition; the chunks are freed once written. One write is under way at
// a time: spillPend first waits for the last (finishWrite).
//
// Why on another goroutine: a spill write waits for the device, and an
// audit's reading workers are as many as its cores, so a worker waiting
// left its core idle. A 10M-row audit spills about 2 GB while it reads;
// now the worker adds rows to the other partitions and tables while the
// write is under way.
func (t *Parts[V]) spillPend(p int) error {
	t.finishWrite()
	if t.err != nil {
		return t.err
	}
	cs := t.pend[p]
	if len(cs) == 0 {
		return nil
	}
	if t.f == nil {
		f, err := t.budget.file()
		if err != nil {
			t.err = err
			return err
		}
		t.f = f
	}
	j := &spillJob[V]{done: make(chan struct{}), p: p, parts: [2][]chunk[V]{cs[:t.pendApplied[p]], cs[t.pendApplied[p]:]}}
	t.pend[p], t.pendN[p], t.pendApplied[p] = nil, 0, 0
	t.job = j
	go func() {
		defer close(j.done)
		for i, part := range j.parts {
			if len(part) == 0 {
				continue
			}
			r, err := t.writeChunks(part)
			if err != nil {
				j.err = err
				return
			}
			r.applied = i == 0
			j.runs = append(j.runs, r)
		}
		for _, part := range j.parts {
			t.freeChunks(part)
		}
	}()
	return nil
}

// finishWrite waits for the spill write under way, if any. Its runs join
// the partition's; if it failed, the error becomes t's, and the chunks go
// back to the partition, in front of those added since: nothing is lost.
//
// Every method that reads the runs, the pending chunks, the spill file or
// the staging blocks calls it first.
func (t *Parts[V]) finishWrite() {
	j := t.job
	if j == nil {
		return
	}
	<-j.done
	t.job = nil
	p := j.p
	if j.err == nil {
		t.runs[p] = append(t.runs[p], j.runs...)
		return
	}
	if t.err == nil {
		t.err = j.err
	}
	for _, part := range j.parts {
		for _, c := range part {
			t.pendN[p] += len(c.s)
		}
	}
	// A partition is not opened while a write of it is under way (Open
	// waits for it), so none of the chunks added since has been folded.
	t.pend[p] = slices.Concat(j.parts[0], j.parts[1], t.pend[p])
	t.pendApplied[p] = len(j.parts[0])
}

// freeChunks frees chunks and returns their bytes to the budget.
func (t *Parts[V]) freeChunks(cs []chunk[V]) {
	for _, c := range cs {
		t.budget.release(c.bytes())
		c.free()
	}
}

// Merge moves o's spilled runs and pending aggregates into t, partition
// by partition, and empties o; they are folded together when t's
// partitions are read. o must not be used afterwards. o must not have been
// read while spilled (its repeats were reported to o's hook): that is an
// error.
func (t *Parts[V]) Merge(o *Parts[V]) error {
	t.settle()
	o.settle()
	t.finishWrite()
	o.finishWrite()
	if o.err != nil && t.err == nil {
		t.err = o.err
	}
	if o.bits != t.bits {
		return fmt.Errorf("spill: merging a table of %d partitions into one of %d", 1<<o.bits, 1<<t.bits)
	}
	for p := range o.runs {
		if o.pendApplied[p] > 0 || o.open[p] != nil || slices.ContainsFunc(o.runs[p], func(r run) bool { return r.applied }) {
			return fmt.Errorf("spill: merging a table that was read back from disk")
		}
	}
	for p := range t.runs {
		t.runs[p] = append(t.runs[p], o.runs[p]...)
		o.runs[p] = nil
		t.pend[p] = append(t.pend[p], o.pend[p]...)
		t.pendN[p] += o.pendN[p]
		o.pend[p], o.pendN[p] = nil, 0
	}
	return t.err
}

// Visit calls f with each partition in turn, whole (see [Parts.Open]).
// f may read values (Get, Each) but must not change them or add keys.
// While f reads partition p, partition p+1 is read back in the background
// ([Parts.Prefetch]).
func (t *Parts[V]) Visit(f func(p int, tb *Table[V])) error {
	defer t.settle()
	for p := range t.runs {
		tb, err := t.Open(p)
		if err != nil {
			return err
		}
		t.Prefetch(p + 1)
		f(p, tb)
		if err := t.Close(p); err != nil {
			return err
		}
	}
	return nil
}

// Slot is an aggregate as [Parts.Drain] hands it out: its key ([Slot.Key])
// and its value ([Slot.Val]).
type Slot[V any] = slot[V]

// Key returns s's key.
func (s *slot[V]) Key() rowhash.Fingerprint { return s.key }

// Val returns a pointer to s's value.
func (s *slot[V]) Val() *V { return &s.val }

// Drain hands out partition p's aggregates in d, as they were added —
// its spilled runs read back, then its pending aggregates — and empties
// the partition. Nothing is folded, and the repeat hook is not called: the
// caller folds them as it sees fit. It is for a caller that reads each
// partition once and can spare most of the fold: checks/rowtable, whose
// rows are mostly alone in their feature vector and need no table to be
// counted. A partition read by Open, or being read ahead, cannot be
// drained (an error); a drained partition is empty, for Open as for Drain.
//
// Nothing is copied here: the runs are read from the spill file straight
// into d's memory (the kernel's copy out of the page cache, or, under
// direct I/O, none), and the pending chunks are handed over as they are,
// until d is drained into again or freed ([Drained.Free]). Until
// 2026-11-29 Drain read the runs into staging blocks and appended them and
// the chunks to one slice of slots: at 10M rows that copy was 0.38 s of
// CPU, most of the goroutine draining the next partition while the row
// table counted one, which then waited for it 0.17–0.24 s
// (docs/performance.md, 2026-11-29 w).
//
// Drain uses the table like any other method (one goroutine at a time),
// but not d: the caller may read one Drained on one goroutine while
// draining the next partition into another on a second, and drain or free
// a Drained while the table is used on another goroutine.
func (t *Parts[V]) Drain(p int, d *Drained[V]) error {
	d.release()
	t.settle()
	t.finishWrite()
	if t.err != nil {
		return t.err
	}
	if t.open[p] != nil || t.pendApplied[p] > 0 || slices.ContainsFunc(t.runs[p], func(r run) bool { return r.applied }) {
		return fmt.Errorf("spill: draining partition %d, which was read", p)
	}
	if err := d.readRuns(t.runs[p], t.budget); err != nil {
		t.err = err
		return err
	}
	for _, c := range t.pend[p] {
		d.segs = append(d.segs, c.s)
		d.n += len(c.s)
	}
	d.chunks, d.budget = t.pend[p], t.budget
	t.runs[p], t.pend[p], t.pendN[p] = nil, nil, 0
	return nil
}

// Drained is a partition's aggregates as [Parts.Drain] hands them out, in
// segments: the blocks of its spilled runs, read into memory d keeps from
// one Drain to the next (held on the table's budget), and its pending
// chunks (accounted for as before, until d is drained into again or
// freed). The zero value is ready to use.
type Drained[V any] struct {
	segs   [][]Slot[V]
	n      int
	raw    []byte // the memory runs are read into; mem is its part aligned to ioAlign
	mem    []byte
	held   int64 // len(raw), held on budget
	budget *Budget
	chunks []chunk[V]
}

// Segments returns the aggregates drained, a slice of them a block of a
// run or a pending chunk. They are valid until d is drained into again or
// freed.
func (d *Drained[V]) Segments() [][]Slot[V] { return d.segs }

// Len returns the number of aggregates drained.
func (d *Drained[V]) Len() int { return d.n }

// Free gives back all the memory d holds; d may be drained into again.
func (d *Drained[V]) Free() {
	d.release()
	d.budget.release(d.held)
	d.raw, d.mem, d.held, d.budget = nil, nil, 0, nil
}

// release gives the pending chunks handed over back, and empties d.
func (d *Drained[V]) release() {
	for _, c := range d.chunks {
		d.budget.release(c.bytes())
		c.free()
	}
	clear(d.segs)
	d.segs, d.n, d.chunks = d.segs[:0], 0, nil
}

// runBytes is the bytes run r takes in its spill file: whole blocks, the
// last one cut to a multiple of ioAlign.
func runBytes[V any](r run) int64 {
	per := int64(perBlock[V]())
	full := r.n / per
	return full*blockBytes + alignUp((r.n-full*per)*slotSize[V]())
}

// readRuns reads runs into d's memory, laid out as in their files, and
// adds their blocks to d's segments. Pieces of up to readPiece bytes are
// read readDepth at a time, so that the device gets several reads at once.
func (d *Drained[V]) readRuns(runs []run, b *Budget) error {
	var total int64
	for _, r := range runs {
		total += runBytes[V](r)
	}
	if total == 0 {
		return nil
	}
	if int64(len(d.mem)) < total {
		// A quarter more than asked: partitions are about the same size,
		// and the next one is often a little larger.
		size := total + total/4 + ioAlign
		if d.budget != b {
			d.budget.release(d.held)
			d.held = 0
		}
		d.raw = nil // the old memory can go before the new is made
		d.raw = make([]byte, size)
		off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(d.raw))) & (ioAlign - 1))
		d.mem = d.raw[off : int64(off)+total+total/4]
		b.force(size - d.held)
		d.held, d.budget = size, b
	}
	per := int64(perBlock[V]())
	var (
		sem   = make(chan struct{}, readDepth)
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	var base int64
	for _, r := range runs {
		for j := int64(0); j*per < r.n; j++ {
			k := min(per, r.n-j*per)
			seg := unsafe.Slice((*slot[V])(unsafe.Pointer(&d.mem[base+j*blockBytes])), k)
			d.segs = append(d.segs, seg)
			d.n += int(k)
		}
		size := runBytes[V](r)
		for at := int64(0); at < size; at += readPiece {
			piece := d.mem[base+at : base+min(size, at+readPiece)]
			off := r.off + at
			f := r.f
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if err := readAt(f, piece, off); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}()
		}
		base += size
	}
	wg.Wait()
	return first
}

// readPiece is the most readRuns reads at once: four blocks.
const readPiece = 4 * blockBytes

// Open returns partition p whole: its spilled runs and pending aggregates
// folded into a new table. The caller may read values (Get, Each) but must not change them or add keys,
// and must hand it back with [Parts.Close] before opening p again.
// Partitions of several tables partitioned alike may be open together.
func (t *Parts[V]) Open(p int) (*Table[V], error) {
	if t.pre[p] != nil {
		return t.take(p)
	}
	t.finishWrite()
	if t.err != nil {
		return nil, t.err
	}
	if len(t.runs[p]) == 0 && t.pendN[p] == 0 {
		if t.empty == nil {
			t.empty = New[V](0)
		}
		return t.empty, nil
	}
	tb, err := t.load(p, t.stage.make())
	if err != nil {
		t.err = err
		return nil, err
	}
	return tb, nil
}

// Close hands back partition p, opened by [Parts.Open], and drops the
// table it was read into: its memory goes back to be reused by the next
// partition read (mapped tables of one size are pooled, see mem_unix.go).
// What it was read from stays — runs on disk, pending aggregates in
// memory — and the next Open folds it again, without reporting repeats
// twice.
//
// Keeping tables read back would spare a second read, but the audit reads
// each partition once, and new memory costs more than reused memory: a
// fresh page is faulted in and zeroed by the kernel (on a virtual machine,
// often faulted in by the host too). Dropping them took a 10M-row audit
// from 38–39 s to 31–33 s (alternating runs) and its kernel time from 12 s
// to 8 s.
func (t *Parts[V]) Close(p int) error {
	t.finishWrite()
	tb := t.open[p]
	if tb == nil {
		return t.err
	}
	pend := t.heldPend[p]
	t.open[p], t.heldPend[p] = nil, nil
	if t.err != nil {
		// The table read back holds everything: keep it.
		t.runs[p] = nil
		t.freeChunks(pend)
		t.open[p] = tb
		return t.err
	}
	for i := range t.runs[p][:t.openRuns[p]] {
		t.runs[p][i].applied = true
	}
	// The pending aggregates stay, folded once, in front of any added
	// while the partition was open; their last chunk takes no more (rows
	// added later go in a new chunk, folded with the hook).
	n := t.pendN[p]
	for _, c := range pend {
		n += len(c.s)
	}
	if k := len(pend) - 1; k >= 0 {
		pend[k].s = pend[k].s[:len(pend[k].s):len(pend[k].s)]
	}
	t.pend[p], t.pendN[p], t.pendApplied[p] = append(pend, t.pend[p]...), n, len(pend)
	t.budget.release(tb.bytes())
	tb.free()
	return nil
}

// loadSize bounds the entries a partition's table read back is first sized
// for (it grows beyond as needed).
const loadSize = 1 << 22

// load reads partition p's runs back and folds them and its pending
// aggregates into a new table, open until Close.
func (t *Parts[V]) load(p int, bufs *blocks[V]) (*Table[V], error) {
	pend := t.pend[p]
	n := int64(t.pendN[p])
	for _, r := range t.runs[p] {
		n += r.n
	}
	// n counts every aggregate, and keys may repeat: a table sized for n
	// up to loadSize, left to grow beyond.
	tb := New[V](int(min(n, loadSize)))
	t.budget.force(tb.bytes())
	before := tb.bytes() // accounted for; the rest when tb is whole
	// Aggregates folded before (their repeats reported) go in first: the
	// hook is skipped when one of them is folded in, which is right only
	// if everything already in the table was folded with it before.
	for _, replay := range []bool{true, false} {
		var runs []run
		for _, r := range t.runs[p] {
			if r.applied == replay {
				runs = append(runs, r)
			}
		}
		err := t.read(runs, bufs, func(s []slot[V]) { t.foldSlots(tb, s, replay) })
		if err != nil {
			t.budget.release(before)
			tb.free()
			return nil, err
		}
		for j, c := range pend {
			if j < t.pendApplied[p] != replay {
				continue
			}
			t.foldSlots(tb, c.s, replay)
		}
	}
	t.budget.force(tb.bytes() - before)
	t.open[p], t.openRuns[p] = tb, len(t.runs[p])
	t.heldPend[p], t.pend[p], t.pendN[p], t.pendApplied[p] = pend, nil, 0, 0
	return tb, nil
}

// foldGroup is how many aggregates foldSlots looks up together; 1 turns
// the grouping off (BenchmarkFold compares). In BenchmarkFold (160k keys,
// 56-byte slots), groups of 4, 8 and 16 took 5–20% less CPU time than
// none, 16 the least; measured on a loaded machine, in alternating runs.
var foldGroup = 16

// foldSlots folds aggregates into tb, foldGroup at a time: the home slots
// of a group's keys are read first, then the group is folded. A partition's
// table is larger than the processor's caches, so nearly every fold starts
// with a cache miss; read one after another, each fold waits for its own,
// while the first reads of a group, independent of each other, wait for
// theirs together.
func (t *Parts[V]) foldSlots(tb *Table[V], s []slot[V], replay bool) {
	for len(s) > 0 {
		g := s[:min(foldGroup, len(s))]
		s = s[len(g):]
		if foldGroup > 1 {
			for i := range g {
				tb.touch(g[i].key)
			}
		}
		for i := range g {
			d, isNew := tb.Upsert(g[i].key)
			t.fold(g[i].key, d, &g[i].val, isNew, replay)
		}
	}
}

// Err returns the first error writing or reading a spill file, if any. It
// does not wait for a spill write under way: its error, if any, is
// reported by a later call, or by Merge, Open or Visit, which wait. (The
// checks call Err after every batch; waiting there blocked a 10M-row
// audit's readers for 4 s in all, in a trace.)
func (t *Parts[V]) Err() error {
	if t.job != nil {
		select {
		case <-t.job.done:
			t.finishWrite()
		default:
		}
	}
	return t.err
}

// Spilled reports whether any partition has entries on disk.
func (t *Parts[V]) Spilled() bool {
	t.finishWrite()
	for _, rs := range t.runs {
		if len(rs) > 0 {
			return true
		}
	}
	return false
}

func slotSize[V any]() int64 { return int64(unsafe.Sizeof(slot[V]{})) }

// Free releases every partition's memory and forgets its runs (their files
// go when the budget is closed); t must not be used afterwards. The pages
// of its pending chunks go back to the system (see [blockPool.trim]).
func (t *Parts[V]) Free() {
	t.settle()
	t.finishWrite()
	for p, tb := range t.open {
		if tb != nil {
			t.budget.release(tb.bytes())
			tb.free()
		}
		t.freeChunks(t.pend[p])
		t.freeChunks(t.heldPend[p])
		t.open[p], t.runs[p] = nil, nil
		t.pend[p], t.heldPend[p], t.pendN[p] = nil, nil, 0
	}
	trimChunks()
}
