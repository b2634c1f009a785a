//go:build unix

package fptable

import (
	"runtime"
	"syscall"
	"unsafe"
)

// mmapMin is the size from which slot arrays are mapped outside the Go
// heap.
const mmapMin = 1 << 20

// region is a slot array mapped outside the Go heap. It is unmapped by
// free, or by a cleanup when the table holding it is garbage.
type region struct {
	cleanup runtime.Cleanup
}

// allocSlots returns size zeroed slots. Large arrays are anonymous memory
// maps: the garbage collector neither scans nor counts them (slots hold no
// Go pointers, see [New]), so they do not raise the heap goal, and resize
// returns the old array to the system at once instead of leaving it as
// garbage until the next collection.
func allocSlots[V any](size int) ([]slot[V], *region) {
	bytes := size * int(unsafe.Sizeof(slot[V]{}))
	if bytes < mmapMin {
		return make([]slot[V], size), nil
	}
	mem, err := syscall.Mmap(-1, 0, bytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]slot[V], size), nil
	}
	adviseHuge(mem)
	r := &region{}
	r.cleanup = runtime.AddCleanup(r, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	return unsafe.Slice((*slot[V])(unsafe.Pointer(unsafe.SliceData(mem))), size), r
}

// freeSlots unmaps s now, if it is mapped (r not nil). s must not be used
// afterwards.
func freeSlots[V any](s []slot[V], r *region) {
	if r == nil {
		return
	}
	r.cleanup.Stop()
	bytes := len(s) * int(unsafe.Sizeof(slot[V]{}))
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), bytes))
}
