package rowhash_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
	"github.com/zeebo/xxh3"
)

// foldOracle is Fold as it was first written: xxh3.Hash128 of the two
// fingerprints' 32 bytes, little-endian.
func foldOracle(row, v rowhash.Fingerprint) rowhash.Fingerprint {
	var buf [32]byte
	binary.LittleEndian.PutUint64(buf[0:], row.Hi)
	binary.LittleEndian.PutUint64(buf[8:], row.Lo)
	binary.LittleEndian.PutUint64(buf[16:], v.Hi)
	binary.LittleEndian.PutUint64(buf[24:], v.Lo)
	h := xxh3.Hash128(buf[:])
	return rowhash.Fingerprint{Hi: h.Hi, Lo: h.Lo}
}

// TestFoldIsXXH3: Fold, written out for 32 bytes, is xxh3.Hash128 of the
// bytes, on edge words and a million random pairs: every fingerprint the
// checks keep, and findings.parquet's group ids, are folds.
func TestFoldIsXXH3(t *testing.T) {
	words := []uint64{0, 1, math.MaxUint64, 1 << 63, 0xbe4ba423396cfeb8, 0x1cad21f72c81017c}
	var fps []rowhash.Fingerprint
	for _, hi := range words {
		for _, lo := range words {
			fps = append(fps, rowhash.Fingerprint{Hi: hi, Lo: lo})
		}
	}
	fps = append(fps, rowhash.Seed(), rowhash.Null(), rowhash.String("x"), rowhash.Int(7))
	for _, a := range fps {
		for _, b := range fps {
			if got, want := rowhash.Fold(a, b), foldOracle(a, b); got != want {
				t.Fatalf("Fold(%x, %x) = %x, xxh3 %x", a, b, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 1_000_000 {
		a := rowhash.Fingerprint{Hi: r.Uint64(), Lo: r.Uint64()}
		b := rowhash.Fingerprint{Hi: r.Uint64(), Lo: r.Uint64()}
		if got, want := rowhash.Fold(a, b), foldOracle(a, b); got != want {
			t.Fatalf("Fold(%x, %x) = %x, xxh3 %x", a, b, got, want)
		}
	}
}

// BenchmarkFold folds 64K values into a row fingerprint, as Memo.Rows
// does a column at a time; BenchmarkFoldXXH3 the same through
// xxh3.Hash128 of the bytes, as Fold did before.
func BenchmarkFold(b *testing.B)     { benchFold(b, rowhash.Fold) }
func BenchmarkFoldXXH3(b *testing.B) { benchFold(b, foldOracle) }

func benchFold(b *testing.B, fold func(row, v rowhash.Fingerprint) rowhash.Fingerprint) {
	out, vals := foldInputs()
	for b.Loop() {
		for i, v := range vals {
			out[i] = fold(out[i], v)
		}
	}
}

// foldInputs returns 64K rows' fingerprints (zero) and 64K random values
// to fold into them.
func foldInputs() (out, vals []rowhash.Fingerprint) {
	r := rand.New(rand.NewPCG(9, 10))
	vals = make([]rowhash.Fingerprint, 1<<16)
	for i := range vals {
		vals[i] = rowhash.Fingerprint{Hi: r.Uint64(), Lo: r.Uint64()}
	}
	return make([]rowhash.Fingerprint, len(vals)), vals
}

// TestFoldAll: FoldAll is Fold at every index, with the vector path and
// without, for every length up to 40 (the vector path's tail included)
// and on edge words. (Without AVX-512 both runs take the scalar path.)
func TestFoldAll(t *testing.T) {
	t.Logf("AVX-512: %v", rowhash.HasAVX512())
	words := []uint64{0, 1, math.MaxUint64, 1 << 63, 1<<32 - 1, 1 << 32, 0xbe4ba423396cfeb8, 0xdb979083e96dd4de}
	r := rand.New(rand.NewPCG(11, 12))
	pick := func() uint64 {
		if r.IntN(4) == 0 {
			return words[r.IntN(len(words))]
		}
		return r.Uint64()
	}
	for _, vector := range []bool{true, false} {
		before := rowhash.SetAVX512(vector)
		for n := range 41 {
			for range 200 {
				out := make([]rowhash.Fingerprint, n)
				vals := make([]rowhash.Fingerprint, n+r.IntN(3))
				for i := range out {
					out[i] = rowhash.Fingerprint{Hi: pick(), Lo: pick()}
				}
				for i := range vals {
					vals[i] = rowhash.Fingerprint{Hi: pick(), Lo: pick()}
				}
				want := make([]rowhash.Fingerprint, n)
				for i := range want {
					want[i] = foldOracle(out[i], vals[i])
				}
				rowhash.FoldAll(out, vals)
				for i := range out {
					if out[i] != want[i] {
						t.Fatalf("vector %v, n %d: FoldAll's [%d] = %x, want %x", vector, n, i, out[i], want[i])
					}
				}
			}
		}
		rowhash.SetAVX512(before)
	}
}

// BenchmarkFoldAll is BenchmarkFold through FoldAll, with the vector path
// (where there is one) and without.
func BenchmarkFoldAll(b *testing.B) {
	for _, vector := range []bool{true, false} {
		b.Run(fmt.Sprintf("avx512=%v", vector && rowhash.HasAVX512()), func(b *testing.B) {
			before := rowhash.SetAVX512(vector)
			defer rowhash.SetAVX512(before)
			out, vals := foldInputs()
			for b.Loop() {
				rowhash.FoldAll(out, vals)
			}
		})
	}
}
