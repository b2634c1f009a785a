//go:build linux

package fptable

import "syscall"

// adviseHuge asks for transparent huge pages on a mapped slot array: a hash
// table touches its pages at random, and 2 MiB pages cut the page faults
// and TLB misses of filling it. Only a hint; errors are ignored. Nothing is
// advised after SetHugePages(false).
func adviseHuge(mem []byte) {
	if hugeOff.Load() {
		return
	}
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE)
}

// releasePages gives mem's pages back to the system; mem stays mapped, and
// reads as zeros until written again.
func releasePages(mem []byte) { _ = syscall.Madvise(mem, syscall.MADV_DONTNEED) }
