package pipeline

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// TestPoolAllocator checks the contract arrow-go expects of an allocator
// (zeroed, 64-byte aligned buffers of the size asked; Reallocate keeps the
// bytes) and that freed buffers are handed out again, cleared.
func TestPoolAllocator(t *testing.T) {
	a := &poolAllocator{}
	for _, size := range []int{0, 1, 63, 64, 65, 4096, 5000, 1 << 20} {
		b := a.Allocate(size)
		if b == nil || len(b) != size || addr(b)%alignment != 0 && size > 0 {
			t.Fatalf("Allocate(%d): len %d, address %#x", size, len(b), addr(b))
		}
		if i := bytes.IndexFunc(b, func(r rune) bool { return r != 0 }); i >= 0 {
			t.Fatalf("Allocate(%d): byte %d not zero", size, i)
		}
		for i := range b {
			b[i] = byte(i) | 1
		}
		grown := a.Reallocate(2*size+1, b)
		if len(grown) != 2*size+1 || !bytes.Equal(grown[:size], b) {
			t.Fatalf("Reallocate(%d) from %d: lost the bytes", 2*size+1, size)
		}
		a.Free(grown)
	}

	// A freed buffer comes back cleared. sync.Pool may drop what it holds
	// at any time, so try a few times before failing.
	reused := false
	for range 10 {
		b := a.Allocate(3000)
		for i := range b {
			b[i] = 0xAB
		}
		p := addr(b)
		a.Free(b)
		c := a.Allocate(2500)
		if i := bytes.IndexByte(c, 0xAB); i >= 0 {
			t.Fatalf("a reused buffer holds an old byte at %d", i)
		}
		if addr(c) == p {
			reused = true
			break
		}
	}
	if !reused {
		t.Error("a freed buffer was never handed out again")
	}

	// Buffers the pool did not make are left alone.
	foreign := make([]byte, 100, 128)
	a.Free(foreign)
	a.Free(make([]byte, 4096)[1:])
}

func TestPoisonedPool(t *testing.T) {
	a := &poolAllocator{}
	a.poison.Store(true)
	b := a.Allocate(100)
	copy(b, "hello")
	s := unsafe.String(&b[0], 5) // what a check would wrongly keep
	a.Free(b)
	if s == "hello" {
		t.Fatal("a freed buffer still reads as before")
	}
	if c := a.Allocate(100); addr(c) == addr(b) {
		t.Fatal("a poisoned buffer was handed out again")
	}
}

// TestPoolGrowInPlace: a reused buffer's bytes past what was asked are
// not cleared by Allocate, so growing in place must clear them.
func TestPoolGrowInPlace(t *testing.T) {
	a := &poolAllocator{}
	for range 10 {
		b := a.Allocate(4000)
		for i := range b[:cap(b)] {
			b[:cap(b)][i] = 0xCD
		}
		a.Free(b)
		c := a.Allocate(3500)
		if addr(c) != addr(b) {
			continue // the pool dropped it; try again
		}
		for _, n := range []int{50, 3000, cap(c)} { // shrink, then grow twice
			c = a.Reallocate(n, c)
		}
		if i := bytes.IndexByte(c[50:], 0xCD); i >= 0 {
			t.Fatalf("grown in place: byte %d holds an old value", 50+i)
		}
		return
	}
	t.Error("a freed buffer was never handed out again")
}

// TestPoolReallocateMoves: a buffer grown into another, reused one keeps
// its bytes, and the rest of the new one is cleared (only the rest: the
// old bytes are copied over the start).
func TestPoolReallocateMoves(t *testing.T) {
	a := &poolAllocator{}
	for range 10 {
		old := a.Allocate(3000)
		for i := range old[:cap(old)] {
			old[:cap(old)][i] = 0xEF
		}
		a.Free(old)
		small := a.Allocate(1000)
		for i := range small {
			small[i] = byte(i) | 1
		}
		want := bytes.Clone(small)
		grown := a.Reallocate(3500, small)
		if addr(grown) != addr(old) {
			continue // the pool dropped it; try again
		}
		if !bytes.Equal(grown[:1000], want) {
			t.Fatal("moved: lost the bytes")
		}
		if i := bytes.IndexByte(grown[1000:], 0xEF); i >= 0 {
			t.Fatalf("moved: byte %d holds an old value", 1000+i)
		}
		return
	}
	t.Error("a freed buffer was never handed out again")
}

// TestPoolUncleared: through uncleared, the pool hands a freed buffer out
// again as it was, and grows one keeping its bytes; the size asked and the
// alignment are as for Allocate. Through a capped allocator too, which
// still refuses a buffer past its bound.
func TestPoolUncleared(t *testing.T) {
	a := &poolAllocator{}
	for _, mem := range []memory.Allocator{uncleared(a), uncleared(cappedAllocator{Allocator: a, max: 1 << 20})} {
		// sync.Pool may drop what it holds at any time: try a few times.
		reused := false
		for range 10 {
			b := mem.Allocate(3000)
			if len(b) != 3000 || addr(b)%alignment != 0 {
				t.Fatalf("Allocate(3000): len %d, address %#x", len(b), addr(b))
			}
			for i := range b {
				b[i] = 0xAB
			}
			p := addr(b)
			a.Free(b)
			c := mem.Allocate(2500)
			if addr(c) != p {
				a.Free(c)
				continue
			}
			reused = true
			if !bytes.Equal(c, bytes.Repeat([]byte{0xAB}, len(c))) {
				t.Fatal("an uncleared buffer was cleared")
			}
			grown := mem.Reallocate(6000, c)
			if len(grown) != 6000 || !bytes.Equal(grown[:2500], c) {
				t.Fatal("Reallocate lost the bytes")
			}
			a.Free(grown)
			break
		}
		if !reused {
			t.Error("a freed buffer was never handed out again")
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a capped allocator handed out an uncleared buffer past its bound")
			}
		}()
		uncleared(cappedAllocator{Allocator: a, max: 100}).Allocate(101)
	}()
	// An allocator that cannot hand out uncleared buffers is used as it is.
	if g := memory.NewGoAllocator(); uncleared(g) != memory.Allocator(g) {
		t.Error("uncleared wrapped an allocator that clears")
	}
}
