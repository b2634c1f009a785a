package fptable

import "unsafe"

// prefetchLine asks the processor to bring the cache line holding p into
// its caches (PREFETCHT0), without waiting for it. It never faults: an
// address not mapped is ignored.
//
// Go has no prefetch of its own outside the runtime, hence the assembly
// (Go's assembler knows no PREFETCHW; a line fetched for reading by the
// only core using it comes exclusive, and the store that follows needs no
// second trip).
//
//go:noescape
func prefetchLine(p unsafe.Pointer)
