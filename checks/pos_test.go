package checks

import (
	"math/rand/v2"
	"testing"
)

// TestPos packs positions at the edges of their ranges and at random, and
// checks that they unpack and that they order as (input, row) pairs do.
func TestPos(t *testing.T) {
	type pair struct {
		input int
		row   int64
	}
	ps := []pair{{0, 0}, {0, 1}, {1, 0}, {0, MaxInputRows - 1}, {MaxInputs - 1, 0}, {MaxInputs - 1, MaxInputRows - 1}}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		ps = append(ps, pair{r.IntN(MaxInputs), r.Int64N(MaxInputRows)})
	}
	for _, a := range ps {
		p := PosOf(a.input, a.row)
		if p.Input() != a.input || p.Row() != a.row {
			t.Fatalf("PosOf(%d, %d) unpacks to (%d, %d)", a.input, a.row, p.Input(), p.Row())
		}
		if uint64(p)&PosFlags != 0 {
			t.Fatalf("PosOf(%d, %d) = %#x uses a flag bit", a.input, a.row, uint64(p))
		}
		for _, b := range ps[:20] {
			less := a.input < b.input || a.input == b.input && a.row < b.row
			if q := PosOf(b.input, b.row); (p < q) != less {
				t.Fatalf("(%d, %d) < (%d, %d) is %v packed", a.input, a.row, b.input, b.row, p < q)
			}
		}
	}
}
