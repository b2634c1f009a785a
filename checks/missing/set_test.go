package missing

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks/rowhash"
)

// TestFPSet compares the fingerprint set with a map, on fingerprints that
// share halves (as number fingerprints do), the zero fingerprint included,
// through several growths and a merge.
func TestFPSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 20 {
		s, want := newFPSet(), map[rowhash.Fingerprint]bool{}
		n := rng.IntN(20000)
		for range n {
			var fp rowhash.Fingerprint
			switch rng.IntN(4) {
			case 0:
				fp = rowhash.Int(rng.Int64N(3000) - 100)
			case 1:
				fp = rowhash.Fingerprint{Hi: uint64(rng.IntN(3)), Lo: uint64(rng.IntN(3))}
			case 2:
				fp = rowhash.Float(float64(rng.IntN(5000)) / 100)
			default:
				fp = rowhash.Fingerprint{Hi: rng.Uint64(), Lo: rng.Uint64()}
			}
			if got := s.add(fp); got == want[fp] {
				t.Fatalf("round %d: add(%v) = %v, but present before: %v", round, fp, got, want[fp])
			}
			want[fp] = true
			if s.len() != len(want) {
				t.Fatalf("round %d: len %d, want %d", round, s.len(), len(want))
			}
		}
		seen := map[rowhash.Fingerprint]bool{}
		s.each(func(fp rowhash.Fingerprint) {
			if !want[fp] || seen[fp] {
				t.Fatalf("round %d: each gave %v: in the set %v, seen before %v", round, fp, want[fp], seen[fp])
			}
			seen[fp] = true
		})
		if len(seen) != len(want) {
			t.Fatalf("round %d: each gave %d fingerprints, want %d", round, len(seen), len(want))
		}
	}
}

// TestBitmap compares reading the validity bitmap by bit and byte with
// IsNull, on arrays sliced at every offset within a few bytes.
func TestBitmap(t *testing.T) {
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
	b.Release()
	defer whole.Release()
	for off := 0; off < 20; off++ {
		for _, end := range []int{off, off + 1, off + 7, off + 8, off + 9, off + 63, off + 64, off + 65, 300} {
			if end > 300 {
				continue
			}
			a := array.NewSlice(whole, int64(off), int64(end))
			valid := bitmap{bits: a.NullBitmapBytes(), off: a.Data().Offset()}
			flags := make([]bool, a.Len())
			if len(flags) > 2 {
				flags[2] = true
			}
			valid.markNulls(flags)
			for i := range a.Len() {
				if valid.null(i) != a.IsNull(i) {
					t.Fatalf("slice %d:%d: null(%d) = %v, IsNull %v", off, end, i, valid.null(i), a.IsNull(i))
				}
				if want := a.IsNull(i) || i == 2; flags[i] != want {
					t.Fatalf("slice %d:%d: flag %d = %v, want %v", off, end, i, flags[i], want)
				}
			}
			a.Release()
		}
	}
}
