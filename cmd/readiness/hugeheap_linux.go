package main

import (
	"os"
	"runtime"
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
// huge pages are "always" (it stopped advising MADV_HUGEPAGE in Go 1.21.1);
// many systems run them in "madvise" mode, as that VM does, where only
// memory advised MADV_HUGEPAGE gets 2 MiB pages. The per-row tables'
// chunk arenas are advised already (checks/fptable, mem_unix.go). With the
// kernel set to "always", the 10M-row audit faulted 14,000–19,000 times
// instead of 100,000 and took 6.0–6.7 s instead of 7.3–8.2 s, at the same
// peak RSS (three alternating pairs, docs/performance.md, 2026-11-28 p).
//
// hugeHeap gets most of that for this process alone: it has the runtime
// map size bytes of heap in one piece — a slice that large, never written
// (memory fresh from the system needs no zeroing) and garbage at once —
// and advises those bytes MADV_HUGEPAGE. The runtime reuses them for what
// it allocates next, so the heap's first size bytes fault a huge page at a
// time, whatever goes there. Past them the heap keeps small pages: advising
// every mapping of the heap as it grew (a poll of /proc/self/maps) faulted
// less again at 10M rows but took no less time, and made a 203-column file,
// whose decoding churns through GBs of heap the scavenger keeps giving
// back, up to 15% slower (each page faulted back in is then 2 MiB to
// clear).
//
// GODEBUG=disablethp=1, the runtime's own switch against huge pages for
// the heap, turns this off, as does READINESS_HUGE_HEAP=0.
func hugeHeap(size int64) {
	if size < hugePage || os.Getenv("READINESS_HUGE_HEAP") == "0" || strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		return
	}
	heap := make([]byte, size)
	adviseHuge(heap)
	runtime.KeepAlive(heap)
}

// adviseHuge advises the whole 2 MiB pieces of b's memory MADV_HUGEPAGE.
// An error (a kernel without transparent huge pages) leaves the pages as
// they are.
func adviseHuge(b []byte) {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo, hi := (base+hugePage-1)&^(hugePage-1), (base+uintptr(len(b)))&^(hugePage-1)
	if lo < hi {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, syscall.MADV_HUGEPAGE)
	}
}

const hugePage = 2 << 20
