package missing

import (
	"math/rand/v2"
	"testing"
)

// TestCountFlags counts set flags a word at a time, against a plain loop,
// on slices of every length up to 70 starting at every offset up to 8 of
// a larger one (so words start unaligned), from empty to all set.
func TestCountFlags(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	all := make([]bool, 80)
	for _, density := range []int{0, 1, 10, 50, 100} {
		for i := range all {
			all[i] = rng.IntN(100) < density
		}
		for off := range 9 {
			for n := 0; off+n <= 70; n++ {
				flags := all[off : off+n]
				var want int64
				for _, f := range flags {
					if f {
						want++
					}
				}
				if got := countFlags(flags); got != want {
					t.Fatalf("density %d%%, flags[%d:%d]: %d set, want %d", density, off, off+n, got, want)
				}
			}
		}
	}
}

// TestByClassCount adds marked values to their classes a word at a time,
// against a plain loop, on batches of every length up to 40 with marks at
// several densities.
func TestByClassCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, density := range []int{0, 3, 30, 100} {
		for n := range 41 {
			b := &byClass{missing: [][]int64{make([]int64, 4)}, scratch: make([]int32, n)}
			miss, rows := make([]bool, n), make([]bool, n)
			want, wantRows := make([]int64, 4), make([]bool, n)
			for i := range n {
				b.scratch[i] = int32(rng.IntN(4))
				miss[i] = rng.IntN(100) < density
				rows[i] = rng.IntN(10) == 0
				wantRows[i] = rows[i] || miss[i]
				if miss[i] {
					want[b.scratch[i]]++
				}
			}
			b.count(0, miss, rows)
			for c := range want {
				if b.missing[0][c] != want[c] {
					t.Fatalf("density %d%%, %d rows: class %d has %d missing, want %d", density, n, c, b.missing[0][c], want[c])
				}
			}
			for i := range rows {
				if rows[i] != wantRows[i] {
					t.Fatalf("density %d%%, %d rows: row %d marked %v, want %v", density, n, i, rows[i], wantRows[i])
				}
			}
		}
	}
}

// packFlags puts flag i of a word of eight in bit i, for every word.
func TestPackFlags(t *testing.T) {
	for want := range 256 {
		var w uint64
		for i := range 8 {
			if want>>i&1 == 1 {
				w |= 1 << (8 * i)
			}
		}
		if got := packFlags(w); int(got) != want {
			t.Fatalf("flags %08b packed as %08b", want, got)
		}
	}
}
