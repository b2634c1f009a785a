package pipeline

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is the readers' default Arrow allocator: it keeps the
// buffers the readers free and hands them out again. arrow-go's
// GoAllocator makes every buffer anew, so each batch's column buffers,
// page buffers and decompression buffers came from the Go heap and were
// cleared there: on the 10M-row benchmark, clearing them took 0.6 s of CPU,
// and collecting them more (docs/performance.md, 2026-11-27 h). Readers
// free a batch's buffers when the batch is released, after every check
// observed it, so the next batch of the same shape finds them in the pool.
//
// A buffer is rounded up to a power of two of at least 64 bytes and
// kept in a sync.Pool per size (the garbage collector empties those pools,
// so what is kept is bounded by what was in use since the last two
// collections). Like GoAllocator it hands out zeroed memory aligned to 64
// bytes (but through uncleared, see unclearedAllocator), and Reallocate
// grows a buffer in place when its capacity allows (clearing what it
// adds); unlike it, Reallocate frees the old buffer when it moves it, as
// arrow-go's C allocator does, and Free takes the buffer back. A buffer's
// capacity is its size class, not the size asked: Free needs it to find
// the class.
//
// The contract this places on the checks: no byte of a batch may be kept
// past Observe. A string read from an Arrow array points into the batch's
// buffers; keeping it (as a map key, in a list) needs strings.Clone. Go's
// map assignment m[k] = v also replaces the stored key with k when k is
// already present, so updating an existing string key with a string read
// from a batch keeps the batch's bytes too. [PoisonFreedBuffers] makes
// breaking the contract visible in tests.
type poolAllocator struct {
	pools  [maxPooledBits + 1]sync.Pool
	poison atomic.Bool // set by PoisonFreedBuffers
}

const (
	minPooledBits = 6 // 64 B
	// maxPooledBits: larger buffers are made and dropped as GoAllocator
	// does; 1 GiB is far beyond any buffer a batch needs.
	maxPooledBits = 30
	alignment     = 64
)

var defaultAllocator = &poolAllocator{}

// PoisonFreedBuffers is for tests: from the call on, every buffer the
// readers free is overwritten with 0xEE bytes and never handed out again,
// so a check that keeps a string or slice of a batch past Observe reads
// garbage and a test comparing its result sees it.
func PoisonFreedBuffers() { defaultAllocator.poison.Store(true) }

func sizeClass(n int) int {
	if n <= 1<<minPooledBits {
		return minPooledBits
	}
	return bits.Len(uint(n - 1))
}

func (a *poolAllocator) Allocate(size int) []byte { return a.get(size, 0) }

// get returns a buffer of length size, pooled or new, zeroed from byte
// from on: the caller writes the bytes before from itself. (Past size a
// buffer is cleared when Reallocate hands it out.)
func (a *poolAllocator) get(size, from int) []byte {
	if size <= 0 {
		return aligned(0, 0)
	}
	c := sizeClass(size)
	if c > maxPooledBits {
		return aligned(size, size)
	}
	if p, _ := a.pools[c].Get().(*[]byte); p != nil {
		b := (*p)[:size]
		clear(b[min(from, size):])
		return b
	}
	return aligned(size, 1<<c)
}

// aligned makes a zeroed buffer of length size and capacity n starting on
// a 64-byte boundary.
func aligned(size, n int) []byte {
	buf := make([]byte, n+alignment)
	shift := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & (alignment - 1))
	return buf[shift : shift+size : shift+n]
}

func (a *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	nb := a.get(size, len(b)) // its first len(b) bytes are b's, copied next
	copy(nb, b)
	a.Free(b)
	return nb
}

// unclearedAllocator is an allocator that can also hand out buffers
// without clearing them, for a buffer its user writes whole before any of
// it is read: a flat string column's offsets and value bytes
// (flatStrings.next), a flat fixed-width column's values (flatFixed.next,
// which writes a null's as zeros). Clearing the strings' buffers only to
// write every byte again cost the 10M-row decode floor 0.035 s of its
// 1.69 s of CPU (medians of eight alternating runs; docs/performance.md,
// 2026-11-29 y).
type unclearedAllocator interface {
	allocateUncleared(size int) []byte
	reallocateUncleared(size int, b []byte) []byte
}

func (a *poolAllocator) allocateUncleared(size int) []byte { return a.get(size, size) }

func (a *poolAllocator) reallocateUncleared(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := a.get(size, size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// uncleared returns mem, handing out its buffers without clearing them if
// it can (see unclearedAllocator); other allocators are returned as they
// are, and clear.
func uncleared(mem memory.Allocator) memory.Allocator {
	if u, ok := mem.(unclearedAllocator); ok {
		return unclearedMem{mem, u}
	}
	return mem
}

type unclearedMem struct {
	memory.Allocator
	u unclearedAllocator
}

func (a unclearedMem) Allocate(size int) []byte             { return a.u.allocateUncleared(size) }
func (a unclearedMem) Reallocate(size int, b []byte) []byte { return a.u.reallocateUncleared(size, b) }

// Free takes b back if it is one of the pool's sizes and alignment (a
// buffer this allocator made); any other buffer is left to the garbage
// collector.
func (a *poolAllocator) Free(b []byte) {
	n := cap(b)
	if n < 1<<minPooledBits || n > 1<<maxPooledBits || n&(n-1) != 0 {
		return
	}
	b = b[:n]
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))&(alignment-1) != 0 {
		return
	}
	if a.poison.Load() {
		for i := range b {
			b[i] = 0xEE
		}
		return
	}
	a.pools[bits.Len(uint(n))-1].Put(&b)
}
