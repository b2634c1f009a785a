package fptable

import (
	"bytes"
	"slices"
	"testing"
	"unsafe"
)

// TestChunkBlocksTrim: trim gives back the pages of the blocks freed since
// the last trim — a private anonymous page given back reads as zeros —
// and leaves the blocks in use alone; get then hands out a block freed
// after the trim before the trimmed ones, which are still usable.
func TestChunkBlocksTrim(t *testing.T) {
	var p blockPool
	var bs [][]byte
	for range 10 {
		b := p.get()
		for i := range b {
			b[i] = 0xAB
		}
		bs = append(bs, b)
	}
	freed := []int{4, 0, 2, 1, 5} // two runs of adjacent blocks, 0–2 and 4–5
	for _, i := range freed {
		p.put(bs[i])
	}
	p.trim()
	zero, full := make([]byte, chunkBlock), bytes.Repeat([]byte{0xAB}, chunkBlock)
	for i, b := range bs {
		want := full
		if slices.Contains(freed, i) {
			want = zero
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("block %d (freed: %v) after trim: not %#x throughout", i, slices.Contains(freed, i), want[0])
		}
	}
	if len(p.dirty) != 0 || len(p.clean) != len(freed) {
		t.Fatalf("after trim: %d dirty and %d clean blocks, want 0 and %d", len(p.dirty), len(p.clean), len(freed))
	}

	p.put(bs[3])
	if b := p.get(); unsafe.SliceData(b) != unsafe.SliceData(bs[3]) {
		t.Fatal("get did not hand out the block freed since the trim first")
	}
	b := p.get()
	if !slices.ContainsFunc(freed, func(i int) bool { return unsafe.SliceData(bs[i]) == unsafe.SliceData(b) }) {
		t.Fatal("get did not hand out a trimmed block next")
	}
	b[0], b[chunkBlock-1] = 1, 2 // a trimmed block is still writable
}
