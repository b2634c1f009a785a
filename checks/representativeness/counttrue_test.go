package representativeness

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// countTrue counts what a value-by-value loop counts: with and without
// nulls, at every offset of a slice (byte-aligned or not) and every length.
func TestCountTrue(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, nullRate := range []int{0, 5, 50, 100} {
		b := array.NewBooleanBuilder(memory.DefaultAllocator)
		for range 300 {
			if rng.IntN(100) < nullRate {
				b.AppendNull()
			} else {
				b.Append(rng.IntN(3) == 0)
			}
		}
		built := b.NewBooleanArray()
		// Value bits under nulls are undefined (the Arrow format): set
		// them all, where the builder leaves them clear.
		vals := make([]byte, len(built.Data().Buffers()[1].Bytes()))
		copy(vals, built.Data().Buffers()[1].Bytes())
		for i := range built.Len() {
			if built.IsNull(i) {
				vals[i/8] |= 1 << (i % 8)
			}
		}
		data := array.NewData(built.DataType(), built.Len(), []*memory.Buffer{built.Data().Buffers()[0], memory.NewBufferBytes(vals)}, nil, built.NullN(), 0)
		arr := array.NewBooleanData(data)
		data.Release()
		built.Release()
		for _, off := range []int{0, 1, 7, 8, 9, 16, 63} {
			for _, n := range []int{0, 1, 7, 8, 9, 64, 100, 300 - off} {
				if off+n > arr.Len() {
					continue
				}
				s := array.NewSlice(arr, int64(off), int64(off+n)).(*array.Boolean)
				var want int64
				for i := range s.Len() {
					if s.IsValid(i) && s.Value(i) {
						want++
					}
				}
				if got := countTrue(s); got != want {
					t.Fatalf("null rate %d%%, offset %d, %d values: %d true, want %d", nullRate, off, n, got, want)
				}
				s.Release()
			}
		}
		arr.Release()
	}
}
