package missing

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks/rowhash"
)

// TestFPSet compares the fingerprint set with a map, on fingerprints that
// share halves (as number fingerprints do), the zero fingerprint included,
// through several growths and a merge.
func TestFPSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 20 {
		s, want := newSet[rowhash.Fingerprint](), map[rowhash.Fingerprint]bool{}
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

// TestNumSet puts numbers in a numeric column's set by their keys and
// checks that it counts as many distinct values as rowhash's fingerprints
// tell apart (the equality the string set and the report use): -0 and 0,
// integer-valued floats, floats past 2^63, zeros of both kinds, and
// uint64s past MaxInt64.
func TestNumSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e300, -1e300, math.Inf(1), math.Inf(-1), 1 << 63, -(1 << 63), 9.5e18, math.SmallestNonzeroFloat64}
	for round := range 20 {
		fs, fwant := newSet[uint64](), map[rowhash.Fingerprint]bool{}
		is, iwant := newSet[uint64](), map[rowhash.Fingerprint]bool{}
		for range rng.IntN(20000) {
			var f float64
			switch rng.IntN(3) {
			case 0:
				f = floats[rng.IntN(len(floats))]
			case 1:
				f = float64(rng.IntN(5000)-2500) / 100
			default:
				f = math.Float64frombits(rng.Uint64())
				if f != f {
					continue
				}
			}
			fs.add(floatKey(f))
			fwant[rowhash.Float(f)] = true
			u := rng.Uint64() >> (rng.IntN(64))
			is.add(intKey(u))
			iwant[rowhash.Fingerprint{Lo: u}] = true
		}
		if fs.len() != len(fwant) {
			t.Errorf("round %d: %d distinct floats, want %d", round, fs.len(), len(fwant))
		}
		if is.len() != len(iwant) {
			t.Errorf("round %d: %d distinct uint64s, want %d", round, is.len(), len(iwant))
		}
		n := 0
		fs.each(func(uint64) { n++ })
		if n != fs.len() {
			t.Errorf("round %d: each gave %d keys, len %d", round, n, fs.len())
		}
	}
}

// TestNumericPlaceholder compares numericPlaceholder's perfect hash with a
// scan of numericPlaceholders, on every integer near a placeholder, on
// fractions, on floats past the int64 range and on random bit patterns.
func TestNumericPlaceholder(t *testing.T) {
	scan := func(v float64) int {
		for i, p := range numericPlaceholders {
			if v == p {
				return i
			}
		}
		return -1
	}
	var vs []float64
	for _, p := range numericPlaceholders {
		for d := -3.0; d <= 3; d++ {
			vs = append(vs, p+d, -(p + d), p+d/4, (p+d)*1e6)
		}
	}
	vs = append(vs, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1<<63, -(1 << 63), 1<<64, 9.5e18, -9.5e18, 1e300)
	rng := rand.New(rand.NewPCG(9, 10))
	for range 100000 {
		vs = append(vs, float64(rng.Int64N(3_000_000)-1_500_000), math.Float64frombits(rng.Uint64()))
	}
	for _, v := range vs {
		if v != v {
			continue
		}
		if got, want := numericPlaceholder(v), scan(v); got != want {
			t.Fatalf("numericPlaceholder(%v) = %d, want %d", v, got, want)
		}
	}
}

// TestAddNum feeds numeric trackers keys from pools of a few values, of
// a few thousand and of distinct ones, at random (the larger pools overwrite the cache's slots), and checks
// the distinct count and the saturation against a map: the cache in front
// of the set must neither lose a key nor count one twice.
func TestAddNum(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for round := range 30 {
		d := newDisguised(arrow.PrimitiveTypes.Int64)
		want := map[uint64]bool{}
		pool := []int{3, 300, 9000, 1 << 40}[round%4]
		for range rng.IntN(40000) {
			k := uint64(rng.IntN(pool))
			if rng.IntN(3) == 0 {
				k = uint64(int64(-rng.IntN(pool))) // negative keys and 0
			}
			d.addNum(k)
			want[k] = true
		}
		if sat := len(want) > distinctCap; d.saturated != sat {
			t.Fatalf("round %d: saturated %v with %d distinct keys", round, d.saturated, len(want))
		}
		if !d.saturated && d.nums.len() != len(want) {
			t.Fatalf("round %d: %d distinct keys, want %d", round, d.nums.len(), len(want))
		}
	}
}
