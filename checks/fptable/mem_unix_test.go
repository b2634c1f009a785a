//go:build unix

package fptable

import (
	"testing"
	"unsafe"

	"github.com/readiness/readiness/checks/rowhash"
)

// TestChunkBlocks: blocks never overlap, each arena starts on a huge page
// boundary, a freed block is the next one handed out, and pending
// chunks taken from reused blocks keep what was added to them.
func TestChunkBlocks(t *testing.T) {
	var p blockPool
	n := 2*arenaBytes/chunkBlock + 3 // three arenas
	seen := map[uintptr]bool{}
	var got [][]byte
	for i := range n {
		b := p.get()
		if len(b) != chunkBlock || cap(b) != chunkBlock {
			t.Fatalf("block of len %d cap %d, want %d", len(b), cap(b), chunkBlock)
		}
		a := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if a%chunkBlock != 0 {
			t.Fatalf("block at %#x not aligned to its size", a)
		}
		if i%(arenaBytes/chunkBlock) == 0 && a%hugeBytes != 0 {
			t.Fatalf("block %d, an arena's first, at %#x: not on a huge page boundary", i, a)
		}
		if seen[a] {
			t.Fatalf("block at %#x handed out twice", a)
		}
		seen[a] = true
		b[0], b[chunkBlock-1] = 1, 2 // writable end to end
		got = append(got, b)
	}
	p.put(got[5])
	p.put(got[7])
	for _, want := range []int{7, 5} {
		if b := p.get(); unsafe.SliceData(b) != unsafe.SliceData(got[want]) {
			t.Fatalf("get after put did not reuse block %d", want)
		}
	}

	// Pending chunks through the package pool: under a 4 MiB budget the
	// table spills, freeing chunks that later ones reuse, and a second
	// table reuses the blocks the first freed; every sum stays right.
	for round := range 2 {
		b := NewBudget(4<<20, t.TempDir())
		tb := NewParts[uint64](b, func(_ rowhash.Fingerprint, d, s *uint64, _ bool) { *d += *s })
		want := map[rowhash.Fingerprint]uint64{}
		for i := range 400000 {
			k := rowhash.Fingerprint{Hi: uint64(round), Lo: uint64(i % 300000)}
			v := uint64(i)
			tb.Add(tb.Part(k), k, &v)
			want[k] += v
		}
		if !tb.Spilled() {
			t.Fatal("the table did not spill")
		}
		got := map[rowhash.Fingerprint]uint64{}
		if err := tb.Visit(func(_ int, pt *Table[uint64]) {
			pt.Each(func(k rowhash.Fingerprint, v *uint64) { got[k] = *v })
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d keys, want %d", round, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("round %d: key %v = %d, want %d", round, k, got[k], v)
			}
		}
		tb.Free()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
