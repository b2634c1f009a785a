package rowhash

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestValidity compares reading the validity bitmap by bit and byte with
// IsNull, on arrays sliced at every offset within a few bytes, with and
// without nulls.
func TestValidity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	b := array.NewInt64Builder(mem)
	for range 300 {
		if rng.IntN(3) == 0 || rng.IntN(40) == 0 {
			b.AppendNull()
		} else {
			b.Append(1)
		}
	}
	whole := b.NewArray()
	defer whole.Release()
	for range 20 {
		b.Append(2)
	}
	none := b.NewArray() // no nulls: the zero Validity
	b.Release()
	defer none.Release()
	if v := ValidityOf(none); len(v.bits) != 0 {
		t.Errorf("array without nulls: %+v, want the zero Validity", v)
	}
	flags := make([]bool, none.Len())
	ValidityOf(none).MarkNulls(flags)
	for i := range none.Len() {
		if ValidityOf(none).Null(i) || flags[i] {
			t.Fatalf("array without nulls: value %d null", i)
		}
	}
	for off := 0; off < 20; off++ {
		for _, end := range []int{off, off + 1, off + 7, off + 8, off + 9, off + 63, off + 64, off + 65, 300} {
			if end > 300 {
				continue
			}
			a := array.NewSlice(whole, int64(off), int64(end))
			valid := ValidityOf(a)
			flags := make([]bool, a.Len())
			if len(flags) > 2 {
				flags[2] = true
			}
			valid.MarkNulls(flags)
			for i := range a.Len() {
				if valid.Null(i) != a.IsNull(i) {
					t.Fatalf("slice %d:%d: null(%d) = %v, IsNull %v", off, end, i, valid.Null(i), a.IsNull(i))
				}
				if want := a.IsNull(i) || i == 2; flags[i] != want {
					t.Fatalf("slice %d:%d: flag %d = %v, want %v", off, end, i, flags[i], want)
				}
			}
			a.Release()
		}
	}
}
