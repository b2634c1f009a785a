package fptable

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"
)

// The spill file of a [Parts] table is a sequence of runs, each a sequence
// of blocks of blockBytes (the last one shorter), each block holding whole
// slots — as many as fit, the rest of the block unused — written and read
// whole. Every block ends on a multiple of ioAlign (so runs start on one),
// so that every read and write is aligned: on Linux the file is opened for
// direct I/O where its file system allows (see directIO).
//
// Why direct I/O: a spill file is written once and read back once, soon
// after, and a large spill gains nothing from the page cache, while
// filling it costs: perf showed a 10M-row audit spending 14% of its CPU
// time in copy_folio_from_iter_atomic, copying 3.3 GB of runs into new
// page-cache pages (on the 2-core VM, buffered writes ran at 323 MB/s and
// direct ones at 843 MB/s, `dd bs=1M`). Direct writes and reads go from the
// table's staging block to the device without a copy, and do not grow the
// page cache by the size of the spill. A small spill is another matter:
// the cache still holds it when it is read back (see
// [Budget.CacheSpills]), so a table's runs are written buffered until the
// budget's spill files hold that much, and from its next run on to a file
// of its own opened for direct I/O; the runs in the buffered file are read
// back through the page cache.
const (
	blockBytes = 256 << 10
	ioAlign    = 4096
)

// perBlock is how many slots of V a block holds.
func perBlock[V any]() int { return blockBytes / int(slotSize[V]()) }

// alignUp rounds n up to a multiple of ioAlign.
func alignUp(n int64) int64 { return (n + ioAlign - 1) &^ (ioAlign - 1) }

// slotBytes is s's memory as bytes: slots hold no pointers (see [New]).
func slotBytes[V any](s []slot[V]) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(slotSize[V]()))
}

// readDepth is how many blocks a read of runs has in flight, the one being
// folded included (see [Parts.read]).
const readDepth = 4

// blocks are the staging blocks of a read (see [Parts.read]); the first
// is also the one runs are written through.
type blocks[V any] [readDepth][]slot[V]

// make makes b's blocks at the first use.
func (b *blocks[V]) make() *blocks[V] {
	for i := range b {
		if b[i] == nil {
			b[i] = newStage[V]()
		}
	}
	return b
}

// newStage returns a staging block: perBlock slots in blockBytes of memory
// aligned to ioAlign.
func newStage[V any]() []slot[V] {
	mem := make([]byte, blockBytes+ioAlign)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(mem))) & (ioAlign - 1))
	return unsafe.Slice((*slot[V])(unsafe.Pointer(&mem[off])), perBlock[V]())
}

// runWriter appends one run to a table's spill file, a block at a time.
type runWriter[V any] struct {
	t   *Parts[V]
	r   run
	buf []slot[V] // the staging block
	n   int       // slots in buf
	err error
}

// beginRun starts a run at the end of the table's spill file.
func (t *Parts[V]) beginRun() *runWriter[V] {
	if t.stage[0] == nil {
		t.stage[0] = newStage[V]()
	}
	if b := t.budget; b != nil && b.direct && !t.direct && b.spilled.Load() >= b.cached {
		// From here on, runs go to a new file opened for direct I/O. The
		// runs written so far stay in a buffered file: read back through
		// the page cache, which holds them. (Turned direct, the same file
		// was read direct, the cached runs too: at 100M rows the merge read
		// the whole 7.9 GB spill back from the device, docs/performance.md,
		// 2026-11-30 zk.) If no new file can be made, this one goes direct.
		if t.off > 0 {
			if f, err := b.file(); err == nil {
				t.f, t.off = f, 0
			}
		}
		directIO(t.f)
		t.direct = true
	}
	w := &runWriter[V]{t: t, buf: t.stage[0]}
	w.r = run{f: t.f, off: t.off}
	return w
}

// add appends slots to the run.
func (w *runWriter[V]) add(s []slot[V]) {
	for len(s) > 0 && w.err == nil {
		c := copy(w.buf[w.n:], s)
		w.n += c
		s = s[c:]
		if w.n == len(w.buf) {
			w.flush()
		}
	}
}

// flush writes the staging block's slots as the run's next block.
func (w *runWriter[V]) flush() {
	if w.n == 0 || w.err != nil {
		return
	}
	t := w.t
	b := slotBytes(w.buf[:w.n])
	size := alignUp(int64(len(b)))
	b = unsafe.Slice(unsafe.SliceData(b), size) // the block's unused tail goes too
	_, err := t.f.WriteAt(b, t.off)
	if err != nil && buffered(t.f, err) {
		_, err = t.f.WriteAt(b, t.off)
	}
	if err != nil {
		w.err = fmt.Errorf("spill: writing %s: %w", t.f.Name(), err)
		return
	}
	t.off += size
	w.r.n += int64(w.n)
	w.n = 0
}

// end writes what is left and returns the run, accounted for in the
// budget.
func (w *runWriter[V]) end() (run, error) {
	w.flush()
	if w.err != nil {
		return run{}, w.err
	}
	t := w.t
	if t.budget != nil {
		t.budget.spilled.Add(w.r.n * slotSize[V]())
		t.budget.runs.Add(1)
	}
	return w.r, nil
}

// writeChunks appends the pending aggregates of cs to the spill file as
// they are, and returns their run.
func (t *Parts[V]) writeChunks(cs []chunk[V]) (run, error) {
	w := t.beginRun()
	for _, c := range cs {
		w.add(c.s)
	}
	return w.end()
}

// read calls f with the slots of runs, in order, a block at a time. The
// blocks are read into the staging blocks of bufs in turn, up to
// readDepth−1 of them ahead while f folds one: reading a partition back is
// then paced by the slower of the device and the fold rather than by both,
// one after the other, and the device gets several reads at once.
//
// Measured: read one block after another, the reads of a 10M-row audit
// waited 18 s in all, summed over the goroutines reading (on a loaded
// machine, two checks reading back at once); with one block ahead, the
// audit's end phase read its 2 GB of runs at 270 MB/s, its two cores 150%
// busy, where the device reads 0.9–1.2 GB/s (dd, direct, 256 KiB–1 MiB).
func (t *Parts[V]) read(runs []run, bufs *blocks[V], f func([]slot[V])) error {
	per := int64(len(bufs[0]))
	type block struct {
		r run
		j int64 // the block's index in its run
		n int64 // slots in it
	}
	var todo []block
	for _, r := range runs {
		for j := int64(0); j*per < r.n; j++ {
			todo = append(todo, block{r, j, min(per, r.n-j*per)})
		}
	}
	var done [readDepth]chan error
	fetch := func(i int) {
		b, k := todo[i], i%readDepth
		if done[k] == nil {
			done[k] = make(chan error, 1)
		}
		buf := bufs[k][:b.n]
		go func() { done[k] <- readBlock(b.r, b.j, buf) }()
	}
	for i := range min(readDepth, len(todo)) {
		fetch(i)
	}
	for i, b := range todo {
		k := i % readDepth
		if err := <-done[k]; err != nil {
			// Wait for the reads under way: they write into bufs.
			for j := i + 1; j < min(i+readDepth, len(todo)); j++ {
				<-done[j%readDepth]
			}
			return err
		}
		f(bufs[k][:b.n])
		if i+readDepth < len(todo) {
			fetch(i + readDepth)
		}
	}
	return nil
}

// readBlock reads block j of run r into buf, whose length is the block's
// slots.
func readBlock[V any](r run, j int64, buf []slot[V]) error {
	b := slotBytes(buf)
	return readAt(r.f, unsafe.Slice(unsafe.SliceData(b), alignUp(int64(len(b)))), r.off+j*blockBytes)
}

// readAt reads len(b) bytes of f at off, both aligned for direct I/O.
func readAt(f *os.File, b []byte, off int64) error {
	n, err := f.ReadAt(b, off)
	if n == 0 && err != nil && buffered(f, err) {
		n, err = f.ReadAt(b, off)
	}
	if n < len(b) {
		// A short read is a file cut short; direct I/O may end it with
		// an error of its own, reading on from an unaligned offset.
		if err == nil || errors.Is(err, io.EOF) || n > 0 {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("spill: reading %s at byte %d: %w", f.Name(), off, err)
	}
	return nil
}
