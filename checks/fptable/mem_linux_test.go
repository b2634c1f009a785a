package fptable

import (
	"bytes"
	"os"
	"slices"
	"testing"
	"unsafe"

	"github.com/readiness/readiness/internal/smaps"
)

// TestChunkBlocksTrim: trim gives back the pages of the huge pages whose
// blocks are all free — a private anonymous page given back reads as
// zeros — one call a run of adjacent huge pages, and never part of one:
// a freed block in a huge page another block still holds keeps its pages
// and stays dirty, until that block is freed too. get hands out dirty
// blocks before the trimmed ones, which are still usable.
func TestChunkBlocksTrim(t *testing.T) {
	const perHuge = hugeBytes / chunkBlock
	var released [][2]uintptr // start, length
	p := blockPool{release: func(b []byte) {
		released = append(released, [2]uintptr{blockAddr(b), uintptr(len(b))})
		releasePages(b)
	}}
	var bs [][]byte
	for range 3 * perHuge {
		b := p.get()
		for i := range b {
			b[i] = 0xAB
		}
		bs = append(bs, b)
	}
	page := func(i int) uintptr { return blockAddr(bs[0]) + uintptr(i)*hugeBytes }
	// Huge page 0 freed whole, page 1 but for one block, page 2 two blocks.
	held := perHuge + 4
	var freed []int
	for i := range 2 * perHuge {
		if i != held {
			freed = append(freed, i)
		}
	}
	freed = append(freed, 2*perHuge+1, 2*perHuge+8)
	for _, i := range freed {
		p.put(bs[i])
	}
	p.trim()
	if want := [][2]uintptr{{page(0), hugeBytes}}; !slices.Equal(released, want) {
		t.Fatalf("trim released %#x, want only the first huge page %#x", released, want)
	}
	zero, full := make([]byte, chunkBlock), bytes.Repeat([]byte{0xAB}, chunkBlock)
	for i, b := range bs {
		want := full
		if i < perHuge {
			want = zero
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("block %d after trim: not %#x throughout", i, want[0])
		}
	}
	if len(p.dirty) != len(freed)-perHuge || len(p.clean) != perHuge {
		t.Fatalf("after trim: %d dirty and %d clean blocks, want %d and %d", len(p.dirty), len(p.clean), len(freed)-perHuge, perHuge)
	}

	// The last block of page 1 freed: page 1 goes, and page 0 is not given
	// back again.
	released = nil
	p.put(bs[held])
	p.trim()
	if want := [][2]uintptr{{page(1), hugeBytes}}; !slices.Equal(released, want) {
		t.Fatalf("second trim released %#x, want only the second huge page %#x", released, want)
	}
	for i := perHuge; i < 2*perHuge; i++ {
		if !bytes.Equal(bs[i], zero) {
			t.Fatalf("block %d after the second trim: not zero throughout", i)
		}
	}

	for range 2 {
		b := p.get()
		if a := blockAddr(b); a < page(2) || a >= page(3) {
			t.Fatalf("get handed out block at %#x before the dirty ones of the third huge page", a)
		}
	}
	b := p.get()
	if !slices.ContainsFunc(bs[:2*perHuge], func(c []byte) bool { return blockAddr(c) == blockAddr(b) }) {
		t.Fatal("get did not hand out a trimmed block next")
	}
	b[0], b[chunkBlock-1] = 1, 2 // a trimmed block is still writable
}

// TestSetHugePages: a large slot array and a chunk arena are advised huge
// pages by default, and not after SetHugePages(false).
func TestSetHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("kernel without transparent huge pages: %v", err)
	}
	defer SetHugePages(true)
	for _, on := range []bool{true, false, true} {
		SetHugePages(on)
		pool.trim() // a kept map would keep its advice
		slots, r := allocSlots[uint64](hugeMin/int(unsafe.Sizeof(slot[uint64]{})) + 1)
		var arena blockPool
		block := arena.get()
		for what, addr := range map[string]uintptr{
			"slot array":  uintptr(unsafe.Pointer(unsafe.SliceData(slots))),
			"chunk arena": blockAddr(block),
		} {
			huge, err := smaps.Huge(addr)
			if err != nil {
				t.Fatal(err)
			}
			if huge != on {
				t.Errorf("SetHugePages(%v): %s advised huge pages: %v", on, what, huge)
			}
		}
		r.free()
		arena.put(block)
	}
}
