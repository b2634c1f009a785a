package missing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
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
		pool := []int{3, 300, 9000, int(min(1<<40, uint64(math.MaxInt)))}[round%4]
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

// TestNumbersOfAgainstNumber compares the batch loops floatsOf and intsOf
// with disguised.number fed one value at a time, the oracle: the same
// counts, range, distinct set, NaN flags and saturation, on columns with
// nulls, NaNs, both zeros, infinities, placeholders, values beyond int64,
// and few or many distinct values (past distinctCap the set saturates,
// mid-batch in some rounds).
func TestNumbersOfAgainstNumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	specials := []float64{0, math.Copysign(0, -1), -1, -9, -99, -999, 9, 99, 999999, -99999, 1e300, -1e19, 2e19,
		math.Inf(1), math.Inf(-1), 0.5, -0.5, 1000000, 1e-300}
	pick := func(pool int) float64 {
		switch r := rng.IntN(10); {
		case r < 3:
			return specials[rng.IntN(len(specials))]
		case r == 3 && pool > 0:
			return math.NaN()
		}
		return float64(rng.IntN(2*pool+1)-pool) / 4
	}
	for round := range 200 {
		pool := []int{2, 50, 3000, 40000}[round%4]
		n := 1 + rng.IntN(3000)
		if round%7 == 0 {
			n = 1 + rng.IntN(3) // a batch of a value or two
		}
		nullRate := []int{0, 2, 50}[round%3]
		off := rng.IntN(8)
		fb := array.NewFloat64Builder(memory.DefaultAllocator)
		for range off + n {
			if nullRate > 0 && rng.IntN(100) < nullRate {
				fb.AppendNull()
			} else {
				v := pick(pool)
				if round%5 == 4 { // every value ≤ 0: the range's initial bounds must not show
					v = -math.Abs(v)
				}
				fb.Append(v)
			}
		}
		whole := fb.NewFloat64Array()
		arr := array.NewSlice(whole, int64(off), int64(off+n)).(*array.Float64)
		whole.Release()
		vals, valid := arr.Float64Values(), checks.ValidityOf(arr)
		ints := make([]int64, n)
		for i, v := range vals {
			ints[i] = int64(math.Round(v * 3)) // most whole, some placeholders
			if rng.IntN(50) == 0 && round%5 != 4 {
				ints[i] = []int64{math.MinInt64, math.MaxInt64, -999, 0, 99}[rng.IntN(5)]
			}
		}
		// The same state before the batch: some rounds start from values
		// already seen, some saturated.
		prior := rng.IntN(3) * distinctCap / 2
		fast, slow := newDisguised(arrow.PrimitiveTypes.Float64), newDisguised(arrow.PrimitiveTypes.Float64)
		ifast, islow := newDisguised(arrow.PrimitiveTypes.Int64), newDisguised(arrow.PrimitiveTypes.Int64)
		for i := range prior {
			v := float64(i) * 1.5
			fast.number(v, floatKey(v))
			slow.number(v, floatKey(v))
			ifast.number(float64(i), intKey(int64(i)))
			islow.number(float64(i), intKey(int64(i)))
		}
		flags, wantFlags := make([]bool, n), make([]bool, n)
		nan := floatsOf(fast, vals, valid, flags)
		var wantNaN int64
		for i, v := range vals {
			if valid.Null(i) {
				continue
			}
			if v != v {
				wantNaN++
				wantFlags[i] = true
				continue
			}
			slow.number(v, floatKey(v))
		}
		if nan != wantNaN || !slices.Equal(flags, wantFlags) {
			t.Fatalf("round %d: %d NaNs flagged, want %d", round, nan, wantNaN)
		}
		sameDisguised(t, fmt.Sprintf("round %d floats", round), fast, slow)
		intsOf(ifast, ints, valid)
		for i, v := range ints {
			if !valid.Null(i) {
				islow.number(float64(v), intKey(v))
			}
		}
		sameDisguised(t, fmt.Sprintf("round %d ints", round), ifast, islow)
		arr.Release()
	}
}

// sameDisguised fails unless got and want hold the same counts, range and
// distinct set.
func sameDisguised(t *testing.T, what string, got, want *disguised) {
	t.Helper()
	if got.zeros != want.zeros || got.negatives != want.negatives || got.others != want.others ||
		!slices.Equal(got.counts, want.counts) {
		t.Fatalf("%s: zeros %d negatives %d others %d counts %v, want %d %d %d %v", what,
			got.zeros, got.negatives, got.others, got.counts, want.zeros, want.negatives, want.others, want.counts)
	}
	if want.others > 0 && (math.Float64bits(got.otherMin) != math.Float64bits(want.otherMin) ||
		math.Float64bits(got.otherMax) != math.Float64bits(want.otherMax)) {
		t.Fatalf("%s: range [%v, %v], want [%v, %v]", what, got.otherMin, got.otherMax, want.otherMin, want.otherMax)
	}
	if got.saturated != want.saturated {
		t.Fatalf("%s: saturated %v, want %v", what, got.saturated, want.saturated)
	}
	if !want.saturated {
		if got.nums.len() != want.nums.len() {
			t.Fatalf("%s: %d distinct, want %d", what, got.nums.len(), want.nums.len())
		}
		keys := map[uint64]bool{}
		got.nums.each(func(k uint64) { keys[k] = true })
		want.nums.each(func(k uint64) {
			if !keys[k] {
				t.Fatalf("%s: key %#x missing from the distinct set", what, k)
			}
		})
	}
}
