package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"

	"github.com/readiness/readiness/pipeline"
)

// defaultMemoryLimit is --memory-limit's default, "auto": 256 MiB for the
// checks' per-row tables and 512 MiB for the pages of the row groups
// decoded at once, or an eighth and a quarter of the memory the process
// may use (the machine's RAM, or its cgroup's limit when lower) if that is
// less. A size given instead bounds both.
//
// The budget bounds only the checks' per-row tables (see fptable.Budget;
// their pending aggregates spill once they fill a quarter of it, the rest
// being for reading partitions back, see fptable.pendingShare);
// decoding, batches, the findings listed and the Go runtime come on top,
// about 250 MiB at 10M rows with the default batch size. Spilling costs
// some time: on the 10M-row benchmark file (2 cores) the merge took about
// 2.6–2.9 s under 512 MiB, writing and reading back 0.77 GB of spill
// files, against 2.0–2.3 s with no limit, at 1.64 GiB (docs/performance.md,
// 2026-11-27 g); the whole audit took 11.5–14 s.
// The default is small — the whole audit then stays under 1 GiB — rather
// than a large share of RAM that a CI runner or a laptop may need for
// other work.
//
// The tables' share was 512 MiB, the same as the pages', until 2026-11-28
// s. New memory is what costs on the VM of docs/performance.md (2.7 ms a
// MiB to fault in, against about a tenth of that to write a spill file
// through the page cache): under 256 MiB the 10M-row audit took 5.31–5.58
// s against 5.60–5.98 s (six alternating pairs, each faster), at 530–547
// MiB instead of 783–807 MiB; 30M and 100M rows took as long as before,
// in about 270 and 110 MiB less. The pages keep 512 MiB: two row groups of
// a 203-column file fit in it, and under 256 MiB its audit, reading one at
// a time, took 12.7–13.3 s against 8.4–9.3 s.
const defaultMemoryLimit = "auto"

// setHeapLimit gives the Go heap a soft limit to go with a --memory-limit
// of limit bytes (0: none), unless GOMEMLIMIT is set. The tables' budget
// does not cover the Go heap (the tables live outside it), and by default
// the collector lets the heap grow to twice what is live: at 10M rows the
// findings listed at the end (about 160 MB live) briefly made the process
// 1.25 GB under a 512 MiB budget. A third of the budget, and at least
// 256 MiB, keeps the heap near what is live without collecting all the
// time. The limit follows the live heap up when that needs more (see
// [heapGovernor]).
//
// The floor was 192 MiB until 2026-11-29 (10M rows under a 512 MiB
// budget: peak RSS 948 MiB with 192 MiB, 993 MiB with 256 MiB, in about
// the same time). Under today's 256 MiB budget the heap's total came near
// 192 MiB while the checks were merged, and the runtime gave free heap
// pages back to stay under it, some 1,000 small ranges a 10M-row audit,
// which split 43–45 huge pages; the pages were faulted in again a small
// page at a time soon after. With 256 MiB: 1–2
// splits, as many collections (14), 8.18 s of CPU against 8.59 s (medians
// of eight alternating runs each), 508–536 MiB peak RSS against 491–511
// MiB (docs/performance.md, 2026-11-29 y).
func setHeapLimit(limit int64) {
	if limit <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	governor.start(heapLimit(limit))
}

func heapLimit(limit int64) int64 { return max(256<<20, limit/3) }

// widenHeapLimit adds the tables' budget, or the pages' bound when that
// is larger, to the heap's soft limit, once the checks' states, and their
// tables, are let go: what the process may use stays about what it could
// use while reading (tables and pages up to their bounds, the heap up to
// its own limit), and the collector stops running almost without pause
// while findings.parquet is encoded. At 10M rows under the
// default budget, the findings' lists (69 MB) and the row groups being
// encoded kept the heap near 192 MiB: writing the file took 0.77–1.02 s,
// against 0.58–0.71 s with the wider limit (docs/performance.md,
// 2026-11-27 i), and the peak RSS, reached while reading, did not change.
func widenHeapLimit(l memoryLimits) {
	if l.tables <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	governor.start(heapLimit(l.tables) + max(l.tables, l.pages))
}

// governor is the audit's heapGovernor.
var governor heapGovernor

// heapGovernor keeps the Go heap's soft limit at a base, or a quarter
// above the heap live after the last collection when that is more: it
// looks after every collection.
//
// A soft limit below what is live cannot be kept; the collector then runs
// back to back, and the runtime gives freed memory to the system at once
// to get under it, only to fault it in again. Decoding a Parquet file
// holds a page or two per column being read: a table of 1M rows and 203
// columns written with 1 MiB pages had up to 1,323 MiB live in its two
// workers' readers, and under the fixed 192 MiB the audit collected 749 times (18%
// of its CPU), returned 6.1 GiB to the system and faulted 1.06M pages in
// (13 s of system time in 24 s); see docs/performance.md, 2026-11-27 m.
// The limit still bounds the garbage: the heap stays within a quarter of
// what is live, where the collector's default lets it double.
type heapGovernor struct {
	mu   sync.Mutex
	base int64 // bytes; 0 when stopped
	// armed: a sentinel is waiting for the next collection. At most one
	// is: a start after a stop, before the stopped sentinel's collection,
	// finds it still armed and lets it carry on, rather than arm another
	// (each would adjust the limit after every collection from then on).
	armed bool
}

// gcSentinel is an object whose finalizer runs after each collection
// (16 bytes: smaller pointer-free objects share blocks, and their
// finalizers may never run).
type gcSentinel struct{ _ [16]byte }

// start sets the base, following collections from then on.
func (g *heapGovernor) start(base int64) {
	g.mu.Lock()
	g.base = base
	if !g.armed {
		g.armed = true
		runtime.SetFinalizer(new(gcSentinel), g.collected)
	}
	g.mu.Unlock()
	g.adjust()
}

// stop stops following collections (after the next one) and leaves the
// limit as it is.
func (g *heapGovernor) stop() {
	g.mu.Lock()
	g.base = 0
	g.mu.Unlock()
}

// collected runs after a collection: it adjusts the limit and rearms, or
// disarms once stopped.
func (g *heapGovernor) collected(s *gcSentinel) {
	g.mu.Lock()
	stopped := g.base == 0
	if stopped {
		g.armed = false
	}
	g.mu.Unlock()
	if stopped {
		return
	}
	g.adjust()
	runtime.SetFinalizer(s, g.collected)
}

// liveHeap is the runtime metric adjust reads.
const liveHeap = "/gc/heap/live:bytes"

// adjust sets the limit to the base, or a quarter above the live heap.
func (g *heapGovernor) adjust() {
	sample := []metrics.Sample{{Name: liveHeap}}
	metrics.Read(sample)
	g.mu.Lock()
	want := g.base
	g.mu.Unlock()
	if want == 0 {
		return // stopped: the limit stays as it is
	}
	if sample[0].Value.Kind() == metrics.KindUint64 {
		live := int64(sample[0].Value.Uint64())
		want = max(want, live+live/4)
	}
	// Read back rather than remembered: whatever else set it last.
	if debug.SetMemoryLimit(-1) != want {
		debug.SetMemoryLimit(want)
	}
}

// spillCache is how much spill may go through the page cache before spill
// files turn to direct I/O (fptable.Budget.CacheSpills): 15% of the
// available memory, halfway between the kernel's default
// dirty_background_ratio (10%, past which it writes dirty pages back in the
// background) and dirty_ratio (20%): below that halfway mark
// balance_dirty_pages lets a writer run free. None when the memory is
// unknown.
//
// It was a tenth before 2026-11-27 m. A 30M-row audit spills 2.87 GB: with a
// tenth of 23.5 GiB, its last 0.5 GB went direct, and reading those runs
// back from the device made the merge take 12.0–12.3 s; with all of it
// buffered, 7.8–8.3 s, and the audit 24.8–25.4 s instead of 28.6–32.5 s
// (two alternating pairs, docs/performance.md, 2026-11-27 m). The pages
// written back in the background stay cached, clean, until memory is
// wanted; past the halfway mark the writer would be throttled instead.
func spillCache() int64 {
	total, err := pipeline.AvailableMemory()
	if err != nil {
		return 0
	}
	return total / 100 * 15
}

// memoryLimits is what --memory-limit stands for: the budget of the
// checks' per-row tables (fptable.Budget) and the page bytes of the row
// groups read at once (pipeline.RunOptions.PageMemory), 0 for none.
type memoryLimits struct{ tables, pages int64 }

// parseMemoryLimit reads a --memory-limit value: "auto" (see
// [defaultMemoryLimit]), or one limit for the tables and the pages alike
// (see [parseBytes]).
func parseMemoryLimit(s string) (memoryLimits, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		l := memoryLimits{tables: pipeline.DefaultTableMemory, pages: pipeline.DefaultPageMemory}
		if total, err := pipeline.AvailableMemory(); err == nil {
			l = memoryLimits{tables: min(l.tables, total/8), pages: min(l.pages, total/4)}
		}
		return l, nil
	}
	v, err := parseBytes(s)
	return memoryLimits{tables: v, pages: v}, err
}

// parseBytes reads a size: bytes with an optional unit (B, KiB, MiB, GiB,
// TiB; KB, MB, GB, TB are powers of ten), a percentage of the available
// memory, or 0 / "none" for no limit.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || strings.EqualFold(s, "none") {
		return 0, nil
	}
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || !(v > 0 && v <= 100) {
			return 0, fmt.Errorf("--memory-limit %q: a percentage must be above 0 and at most 100", s)
		}
		total, err := pipeline.AvailableMemory()
		if err != nil {
			return 0, fmt.Errorf("--memory-limit %q: %w; give a size such as 2GiB", s, err)
		}
		return int64(float64(total) * v / 100), nil
	}
	units := []struct {
		suffix string
		scale  float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	num, scale := s, 1.0
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, scale = strings.TrimSpace(n), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) || v*scale > math.MaxInt64/2 {
		return 0, fmt.Errorf("--memory-limit %q: want a size such as 512MiB or 2GiB, a share such as 25%%, or none", s)
	}
	return int64(v * scale), nil
}
