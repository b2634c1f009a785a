package fptable

import "sync/atomic"

// hugeOff turns off the huge-page advice of the large maps (see
// [SetHugePages]).
var hugeOff atomic.Bool

// SetHugePages sets whether the large slot arrays and the pending chunks'
// arenas are advised MADV_HUGEPAGE on Linux (adviseHuge): on by default.
// Huge pages cut the page faults of filling them 512-fold, which pays where
// a fault is dear; where it is cheap, clearing 2 MiB at a time costs more
// than it saves (cmd/readiness decides, see hugePages there). Maps made
// before a call keep the advice they had.
func SetHugePages(on bool) { hugeOff.Store(!on) }
