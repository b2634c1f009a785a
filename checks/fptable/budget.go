package fptable

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Budget is the memory the partitioned tables ([Parts]) of one audit may
// hold between them, and the place they spill to when they would hold
// more. One Budget is shared by every table of every worker; it is safe
// for concurrent use. A nil *Budget is unlimited and never spills.
//
// Only the tables' slot arrays are counted, and what checks hold in it
// ([Budget.Hold]): they are what grows with the number of distinct rows.
// The rest of an audit (decoded batches, the checks' small per-column
// summaries, the row lists kept for findings.parquet) is outside the
// budget.
type Budget struct {
	limit   int64
	used    atomic.Int64
	peak    atomic.Int64
	spilled atomic.Int64 // bytes written to spill files
	runs    atomic.Int64 // runs written

	dir    string // where the spill directory is made
	direct bool   // spill files may use direct I/O (see directMin)
	cached int64  // spill bytes written through the page cache first (see CacheSpills)
	// bits is log2 of its tables' partitions (see Expect); made is set
	// when the first table takes it, from when it no longer changes.
	bits atomic.Int32
	made atomic.Bool
	// workers is the number of workers adding to its tables, from Expect
	// (0: not said, taken as two; see spills).
	workers atomic.Int32
	mu      sync.Mutex
	tmp     string // the spill directory, made at the first spill
	files   []*os.File
	closed  bool
}

// NewBudget returns a budget of limit bytes (0 or less: unlimited) whose
// spill files go in a new directory under dir (the system's temporary
// directory when dir is empty), made at the first spill and removed by
// [Budget.Close].
func NewBudget(limit int64, dir string) *Budget {
	if dir == "" {
		dir = os.TempDir()
	}
	b := &Budget{limit: limit, dir: dir, direct: limit >= directMin}
	b.bits.Store(MinPartBits)
	return b
}

// Expect sizes the partitions of the budget's tables for about rows rows
// added by the given number of workers: from 64 partitions up to 1,024,
// so that the partition of the largest table read back from disk stays
// near 1/32 of the budget, but no more than a partition per MiB of budget
// and worker. It must be called before the first table is made on b
// ([NewParts]); it does nothing after, nor for an unlimited budget
// (nothing spills); rows below 0 (not known) leave 64 partitions.
//
// Why: a partition read back is held whole, with the next one read ahead
// (see [Parts.Prefetch]), past the budget. With a fixed 64 partitions, a
// partition of the shared row table (a 72-byte slot per distinct row) took
// 72 MiB at 30M rows; the 30M-row audit's tables peaked at 746 MB against
// a budget of 512 MiB, and the 100M-row audit's at 964 MB. But every
// partition also holds a pending chunk of up to 128 KiB per table and
// worker once the budget is full. With two workers at 100M rows, 1,024
// partitions took the tables to 1,390 MB; 128, 256 and 512 to 749, 644
// and 721 MB. With eight workers at 30M rows, 256 partitions took them to
// 1,210 MB, and 64 to 746 MB. About four tables a worker, a partition per
// MiB of budget and worker keeps those chunks within half the budget.
// Small datasets keep 64 partitions: with 256, a 1M-row audit peaked at
// 445–446 MiB against 355–383 MiB (docs/performance.md, 2026-11-28 n).
//
// The workers also size the pending aggregates a partition may hold before
// it spills (see [Budget.spills]), with rows known or not.
func (b *Budget) Expect(rows int64, workers int) {
	if b == nil || b.limit <= 0 || b.made.Load() {
		return
	}
	b.workers.Store(int32(max(1, workers)))
	if rows >= 0 {
		b.bits.Store(int32(partBitsFor(rows, b.limit, workers)))
	}
}

// expectRowBytes is what a row takes in the largest table's partition
// read back: a 72-byte slot of the shared row table (checks/rowtable) in
// a table at most 3/4 full, and a half more for the slack of its
// power-of-two size.
const expectRowBytes = 108

// partBitsFor returns log2 of the partitions for rows rows added by
// workers workers under a budget of limit bytes: the fewest, from
// MinPartBits, for which a partition of the largest table takes at most
// limit/32, but no more than a partition per MiB of the budget and worker
// (see [Budget.Expect]), and at most MaxPartBits.
func partBitsFor(rows, limit int64, workers int) int {
	most := limit / (int64(max(1, workers)) << 20)
	b := MinPartBits
	for b < MaxPartBits && rows*expectRowBytes>>b > limit/32 && 1<<(b+1) <= most {
		b++
	}
	return b
}

// Partitions returns the number of partitions of the tables made on b.
func (b *Budget) Partitions() int {
	if b == nil {
		return 1 << MinPartBits
	}
	return 1 << b.bits.Load()
}

// partBits returns log2 of the partitions of a table made on b now, and
// fixes it.
func (b *Budget) partBits() uint8 {
	if b == nil {
		return MinPartBits
	}
	b.made.Store(true)
	return uint8(b.bits.Load())
}

// directMin is the smallest budget whose spill files use direct I/O (see
// spill.go). A run is at least 1/2048 of the budget with two workers (see
// [Budget.spills]; less with more), 32 KiB from this budget up. Below it
// runs can be a few slots, and a direct write is dear when small: each one
// that extends the file waits for the file system's metadata (a test's
// 1-byte budget took 60 s of mostly kernel time instead of 6 s).
const directMin = 64 << 20

// CacheSpills lets the first n bytes of spill go through the page cache:
// runs are written buffered until the spill files hold n bytes, and with
// direct I/O after (see spill.go). Without a call, every run is direct.
//
// A run is read back once, soon after it was written; while the spill is
// small next to the machine's memory the page cache still holds it then,
// and reading it back is a copy, not a wait for the device. On the 2-core
// VM, a 10M-row audit spilling 0.77 GB took 9.8–10.5 s buffered against
// 11.3–15.6 s direct, its merge 1.5–1.8 s against 2.5–3.7 s, with no more
// kernel time (docs/performance.md, 2026-11-27 h). Direct I/O was made for
// spills of several GB, where buffered writes cost 15 s more kernel time in
// a 10M-row audit that spilled 3.3 GB: past the kernel's dirty-page
// thresholds (by default 10% and 20% of memory) it writes pages back and
// throttles the writer.
func (b *Budget) CacheSpills(n int64) {
	if b != nil {
		b.cached = n
	}
}

// Workers returns the number of workers adding to the budget's tables, as
// Expect was told (two when it was not).
func (b *Budget) Workers() int {
	if b == nil || b.workers.Load() == 0 {
		return 2
	}
	return int(b.workers.Load())
}

// Limit returns the budget in bytes (0: unlimited).
func (b *Budget) Limit() int64 {
	if b == nil || b.limit <= 0 {
		return 0
	}
	return b.limit
}

// pendingShare is the share of the budget pending chunks may fill
// ([Parts.Add]) before the partitions' chunks are written out as runs as
// soon as they are large enough ([Budget.spills]): a quarter. The rest is
// for the tables that fold the partitions at the end.
//
// Pending aggregates are written once and read back once, so holding them
// in memory saves only the copies into and out of the page cache, about
// 0.2 s of CPU for 0.57 GB at 10M rows; while memory new to the process
// costs more on the 2-core VM, where the kernel zeroing it was 14% of a
// 10M-row audit's CPU (perf). Until 2026-11-29 the chunks filled the
// whole budget before the first spill. With a quarter, the 10M-row audit
// spills 0.72 GB instead of 0.57, its tables peak at 139 MB instead of
// 299, the process at 326–342 MiB instead of 478–504 MiB, and it took
// 3.22 s against 3.41 s (faster in 7 of 8 alternating pairs); on a slow
// stretch, with no share at all (the same peak and spill: the partitions'
// last chunks are the floor), 3.76 s against 4.14 s, in 10 pairs of 10.
// The 1M-row audit, which spilled nothing, spills 43 MB and took 0.52 s
// against 0.55 s (docs/performance.md, 2026-11-29 zd).
const pendingShare = 4

// reserve accounts for n more bytes of pending chunks if they fit in the
// budget's pending share, and reports whether they did.
func (b *Budget) reserve(n int64) bool {
	if b == nil {
		return true
	}
	for {
		used := b.used.Load()
		if b.limit > 0 && used+n > b.limit/pendingShare {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			b.notePeak(used + n)
			return true
		}
	}
}

// force accounts for n more bytes whether or not they fit: memory a table
// cannot do without (a chunk for the next aggregate when spilling is no
// use, or the one partition being read back).
func (b *Budget) force(n int64) {
	if b == nil {
		return
	}
	b.notePeak(b.used.Add(n))
}

func (b *Budget) notePeak(used int64) {
	for {
		p := b.peak.Load()
		if used <= p || b.peak.CompareAndSwap(p, used) {
			return
		}
	}
}

// Hold accounts for n bytes a check keeps outside its tables but counts
// in the budget (duplicates' id bitmaps), whether or not they fit: the
// tables spill sooner to make room. The check bounds what it holds.
func (b *Budget) Hold(n int64) { b.force(n) }

// Release returns n bytes held with [Budget.Hold].
func (b *Budget) Release(n int64) { b.release(n) }

// spills reports whether a partition's pending aggregates, of the given
// count and size, are spilled when the budget's pending share is full
// (pendingShare), rather than take another chunk past it: less than 1/32
// of the budget shared by the partitions of a table, with two workers
// (1/2048 with 64 partitions, at most 1 MiB), grows instead, so that a
// full share does not turn every new row into a tiny run. A worker has a chain of pending chunks per
// table and partition, so the share shrinks as the workers grow past two:
// with a fixed share, sixteen workers took the 10M-row audit's tables to
// 938 MB under the default 512 MiB (docs/performance.md, 2026-11-28 o).
// With a few tables a worker, those small partitions together stay within
// about half the budget. A test's budget of a few bytes spills any
// non-empty partition.
func (b *Budget) spills(entries int, bytes int64) bool {
	if b == nil || entries <= 0 {
		return false
	}
	w := int64(max(2, b.workers.Load()))
	return bytes >= min(b.limit/(16<<b.bits.Load())/w, 1<<20)
}

// release returns n bytes to the budget.
func (b *Budget) release(n int64) {
	if b != nil {
		b.used.Add(-n)
	}
}

// Used returns the table memory accounted for now.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Stats returns the most table memory held at once, and the bytes and
// runs written to spill files so far.
func (b *Budget) Stats() (peak, spilledBytes, runs int64) {
	if b == nil {
		return 0, 0, 0
	}
	return b.peak.Load(), b.spilled.Load(), b.runs.Load()
}

// file returns a new spill file, making the spill directory first if
// needed.
func (b *Budget) file() (*os.File, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, fmt.Errorf("spill: budget already closed")
	}
	if b.tmp == "" {
		d, err := os.MkdirTemp(b.dir, "readiness-spill-")
		if err != nil {
			return nil, fmt.Errorf("spill: %w (set --spill-dir to a writable directory)", err)
		}
		b.tmp = d
	}
	f, err := os.CreateTemp(b.tmp, "run-")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	b.files = append(b.files, f)
	return f, nil
}

// Close closes and removes every spill file and the spill directory. The
// tables using the budget must not be used afterwards.
func (b *Budget) Close() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	var first error
	for _, f := range b.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	b.files = nil
	if b.tmp != "" {
		if err := os.RemoveAll(b.tmp); err != nil && first == nil {
			first = err
		}
		b.tmp = ""
	}
	return first
}
