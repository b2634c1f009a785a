package main

import (
	"cmp"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"unsafe"
)

// Huge pages for the Go heap.
//
// On the 2-core VM of docs/performance.md a process's first write to a
// 4 KiB page of new memory costs about 12 µs (the host backs guest memory
// on demand), and the audit writes to a few hundred MB of new Go heap: at
// 10M rows about 100,000 such page faults, over a second of CPU. The Go
// runtime maps its heap with 4 KiB pages unless the kernel's transparent
// huge pages are "always"; many systems run them in "madvise" mode, as that
// VM does, where only memory advised MADV_HUGEPAGE gets 2 MiB pages. The
// runtime advised its heap in Go 1.21.0 and stopped by 1.21.4
// (golang/go#61718, #64342): under the kernel's default "defrag" setting a
// fault in advised memory may compact memory first, and a long-running
// server on a fragmented machine saw unbounded stalls. Here the advice is
// bounded (the heap's first size bytes, on top of the per-row tables'
// arenas, advised since 2026-11-27 l) and the audit is a batch job; on such
// a machine, turn it off (below). The per-row tables'
// chunk arenas are advised already (checks/fptable, mem_unix.go). With the
// kernel set to "always", the 10M-row audit faulted 14,000–19,000 times
// instead of 100,000 and took 6.0–6.7 s instead of 7.3–8.2 s, at the same
// peak RSS (three alternating pairs, docs/performance.md, 2026-11-28 p).
//
// hugeHeap gets most of that for this process alone: it has the runtime
// map size bytes of heap — slices that large in all, never written and
// garbage at once — and advises those bytes MADV_HUGEPAGE. The runtime
// reuses them for what it allocates next, so the heap's first size bytes
// fault a huge page at a time, whatever goes there. The slices are pieces
// of hugePiece bytes, not one: the runtime clears a new object whole if any
// of its pages was used before (memory fresh from the system is known to
// be zero and is not written), and by the time the audit starts its heap
// has freed some. One 192 MiB slice was cleared, 49,000 small pages
// faulted in before the advice, 0.65 s of the 10M-row audit's CPU; of the
// pieces only those over pages used before are cleared. Pieces next to
// each other are advised as one range, so that the 2 MiB pages can straddle
// them. The 10M-row audit then faulted 43,500–50,200 times and took
// 6.06–6.37 s, against 96,500–100,500 and 6.48–7.45 s without (three
// alternating pairs), peaking a few MiB higher.
//
// Past size the heap keeps small pages: advising every mapping of the heap
// as it grew (a poll of /proc/self/maps) faulted less again at 10M rows
// but took no less time, and made a 203-column file, whose decoding churns
// through GBs of heap the scavenger keeps giving back, slower: 11.35–13.51 s
// against 10.37–11.44 s in five pairs (each page faulted back in is then
// 2 MiB to clear).
//
// The collector is off while the pieces are allocated, and the audit
// calls hugeHeap before it gives the heap its soft limit. Growing the
// heap from a few MB to size bytes started seven collections, each marking
// the start-up heap for nothing; worse, the pieces then took in part the
// spans those collections freed, pages used before, and the advice covered
// less: the 1M-row audit faulted 9,400–12,900 times in five of eight runs
// (4,750–5,020 in the others), against 4,870–5,330 in every run with the
// collector off; the 10M-row audit 6,580–12,270 times against 5,850–7,340
// (four pairs). The eight pairs at 1M rows: 0.77 s and 1.30 s of CPU on
// average, against 0.83 s and 1.42 s (docs/performance.md, 2026-11-28 t).
//
// The audit calls it only where huge pages pay (hugePages, in
// hugepages_linux.go: not on the VM of docs/performance.md section zf).
// GODEBUG=disablethp=1, the runtime's own switch against huge pages for
// the heap, turns this off, as does READINESS_HUGE_HEAP=0.
func hugeHeap(size int64) {
	if size < hugePage || os.Getenv("READINESS_HUGE_HEAP") == "0" || strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		return
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	pieces := make([][]byte, 0, (size+hugePiece-1)/hugePiece)
	for n := int64(0); n < size; n += hugePiece {
		pieces = append(pieces, make([]byte, hugePiece))
	}
	adviseHuge(pieces)
	runtime.KeepAlive(pieces)
}

// hugePiece is the size of hugeHeap's slices: at least one whole 2 MiB
// page inside, wherever the runtime puts it.
const hugePiece = 4 << 20

// adviseHuge advises the whole 2 MiB pages of the memory of pieces
// MADV_HUGEPAGE, pieces that are next to each other as one range. An
// error (a kernel without transparent huge pages) leaves the pages as they
// are.
func adviseHuge(pieces [][]byte) {
	type span struct{ lo, hi uintptr }
	spans := make([]span, 0, len(pieces))
	for _, b := range pieces {
		if len(b) > 0 {
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
			spans = append(spans, span{lo, lo + uintptr(len(b))})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	for i := 0; i < len(spans); {
		run := spans[i]
		for i++; i < len(spans) && spans[i].lo == run.hi; i++ {
			run.hi = spans[i].hi
		}
		lo, hi := (run.lo+hugePage-1)&^(hugePage-1), run.hi&^(hugePage-1)
		if lo < hi {
			_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, syscall.MADV_HUGEPAGE)
		}
	}
}

const hugePage = 2 << 20
