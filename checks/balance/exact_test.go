package balance

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// randomFloat draws finite floats over the whole exponent range, with
// subnormals, zeros and both signs.
func randomFloat(rng *rand.Rand) float64 {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return math.Float64frombits(rng.Uint64N(1<<52)) * float64(1-2*rng.IntN(2)) // subnormal
	case 2:
		return math.MaxFloat64 * rng.Float64() * float64(1-2*rng.IntN(2))
	}
	return math.Ldexp(rng.Float64()+0.5, rng.IntN(2000)-1000) * float64(1-2*rng.IntN(2))
}

// The accumulators hold the exact sums: compared with big.Float sums at a
// precision where no addition rounds, and independent of the order values
// are added and partial sums merged in.
func TestExactSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const prec = 8000
	for trial := range 20 {
		n := 1 + rng.IntN(300)
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = randomFloat(rng)
		}
		wantS := new(big.Float).SetPrec(prec)
		wantQ := new(big.Float).SetPrec(prec)
		for _, v := range vals {
			wantS.Add(wantS, big.NewFloat(v))
			b := big.NewFloat(v).SetPrec(prec)
			wantQ.Add(wantQ, b.Mul(b, b))
		}
		// Add in shuffled pieces, merged into one.
		rng.Shuffle(n, func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		s, q := newExactSum(sumOff, sumBins), newExactSum(sqOff, sqBins)
		for lo := 0; lo < n; {
			hi := min(n, lo+1+rng.IntN(50))
			ps, pq := newExactSum(sumOff, sumBins), newExactSum(sqOff, sqBins)
			for _, v := range vals[lo:hi] {
				ps.addValue(v)
				pq.addSquare(v)
			}
			s.merge(&ps)
			q.merge(&pq)
			lo = hi
		}
		gotS := new(big.Float).SetPrec(prec).SetInt(s.scaled())
		gotS.SetMantExp(gotS, -sumOff)
		gotQ := new(big.Float).SetPrec(prec).SetInt(q.scaled())
		gotQ.SetMantExp(gotQ, -sqOff)
		if gotS.Cmp(wantS) != 0 || gotQ.Cmp(wantQ) != 0 {
			t.Fatalf("trial %d: sums %v %v, want %v %v", trial, gotS, gotQ, wantS, wantQ)
		}
	}
}

func TestMeanStdSmall(t *testing.T) {
	s, q := newExactSum(sumOff, sumBins), newExactSum(sqOff, sqBins)
	for _, v := range []float64{2, 4, 4, 4, 5, 5, 7, 9} {
		s.addValue(v)
		q.addSquare(v)
	}
	if mean, std := meanStd(8, &s, &q); mean != 5 || std != 2 {
		t.Errorf("mean %v std %v, want 5 2", mean, std)
	}
	s, q = newExactSum(sumOff, sumBins), newExactSum(sqOff, sqBins)
	s.addValue(-3)
	q.addSquare(-3)
	if mean, std := meanStd(1, &s, &q); mean != -3 || std != 0 {
		t.Errorf("mean %v std %v, want -3 0", mean, std)
	}
}
