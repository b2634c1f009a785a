package balance

import (
	"math"
	"math/big"
	"math/bits"
)

// exactSum adds float64 values, or their squares, without rounding: a
// fixed-point accumulator wide enough for every float64 (or square of one),
// in 32-bit limbs held in int64 bins so that carries can wait. Because the
// sum is exact, adding values in any order, or merging partial sums in any
// order, gives the same bits, which a floating-point merge of moments (Chan
// et al.) cannot promise.
//
// bins[k] weighs 2^(32k − off).
type exactSum struct {
	bins []int64
	off  int
	adds int
}

const (
	// sumOff and sumBins cover x = m·2^e with m < 2^53, −1074 ≤ e ≤ 971,
	// plus two limbs of headroom for up to 2^63 additions.
	sumOff  = 1088
	sumBins = 72
	// sqOff and sqBins cover x² = m²·2^(2e), m² < 2^106.
	sqOff  = 2176
	sqBins = 136
	// normalizeEvery bounds how many additions a bin absorbs between
	// carries: each adds less than 2^32 to it, so 2^30 of them stay far
	// below 2^63.
	normalizeEvery = 1 << 30
)

func newExactSum(off, n int) exactSum { return exactSum{bins: make([]int64, n), off: off} }

// decompose returns |x| = m·2^e for a finite x.
func decompose(x float64) (m uint64, e int, neg bool) {
	b := math.Float64bits(x)
	neg = b>>63 != 0
	exp := int(b>>52) & 0x7ff
	m = b & (1<<52 - 1)
	if exp == 0 {
		return m, -1074, neg
	}
	return m | 1<<52, exp - 1075, neg
}

// addValue adds x, which must be finite.
func (s *exactSum) addValue(x float64) {
	m, e, neg := decompose(x)
	if m != 0 {
		s.add128(0, m, e, neg)
	}
}

// addSquare adds x², which must come from a finite x.
func (s *exactSum) addSquare(x float64) {
	m, e, _ := decompose(x)
	if m != 0 {
		hi, lo := bits.Mul64(m, m)
		s.add128(hi, lo, 2*e, false)
	}
}

// add128 adds or subtracts (hi·2^64 + lo)·2^exp.
func (s *exactSum) add128(hi, lo uint64, exp int, neg bool) {
	p := exp + s.off
	k, r := p>>5, uint(p&31)
	var c0, c1, top uint64
	c0 = lo << r
	c1 = hi << r
	if r > 0 {
		c1 |= lo >> (64 - r)
		top = hi >> (64 - r)
	}
	const mask = 1<<32 - 1
	chunks := [5]int64{int64(c0 & mask), int64(c0 >> 32), int64(c1 & mask), int64(c1 >> 32), int64(top)}
	for i, c := range chunks {
		if c == 0 {
			continue
		}
		if neg {
			s.bins[k+i] -= c
		} else {
			s.bins[k+i] += c
		}
	}
	if s.adds++; s.adds >= normalizeEvery {
		s.normalize()
	}
}

// normalize propagates carries: every bin but the top one ends in [0, 2^32).
func (s *exactSum) normalize() {
	for i := 0; i < len(s.bins)-1; i++ {
		c := s.bins[i] >> 32
		s.bins[i] -= c << 32
		s.bins[i+1] += c
	}
	s.adds = 0
}

// merge adds o into s without changing o.
func (s *exactSum) merge(o *exactSum) {
	s.normalize()
	for i, v := range o.bins {
		s.bins[i] += v
	}
	s.normalize()
}

// scaled returns the sum as an integer v, the sum being v·2^−off.
func (s *exactSum) scaled() *big.Int {
	c := exactSum{bins: append([]int64(nil), s.bins...), off: s.off}
	c.normalize()
	v := new(big.Int)
	for i := len(c.bins) - 1; i >= 0; i-- {
		v.Lsh(v, 32)
		v.Add(v, big.NewInt(c.bins[i]))
	}
	return v
}

// meanStd returns the mean and the population standard deviation (divided
// by n) of n values with sum s and sum of squares q, both exact, rounded
// once to float64 from 256-bit arithmetic on the exact numerator.
func meanStd(n int64, s, q *exactSum) (mean, std float64) {
	if n == 0 {
		return 0, 0
	}
	const prec = 256
	vs, vq := s.scaled(), q.scaled()
	nb := big.NewInt(n)
	mf := new(big.Float).SetPrec(prec).SetInt(vs)
	mf.Quo(mf, new(big.Float).SetPrec(prec).SetInt(nb))
	mf.SetMantExp(mf, -sumOff)
	mean, _ = mf.Float64()
	// n²·var = n·Σx² − (Σx)², with Σx = vs·2^−sumOff and Σx² = vq·2^−sqOff,
	// and sqOff = 2·sumOff: the numerator is the integer n·vq − vs².
	num := new(big.Int).Mul(nb, vq)
	num.Sub(num, new(big.Int).Mul(vs, vs))
	if num.Sign() <= 0 {
		return mean, 0
	}
	vf := new(big.Float).SetPrec(prec).SetInt(num)
	vf.Quo(vf, new(big.Float).SetPrec(prec).SetInt(new(big.Int).Mul(nb, nb)))
	vf.SetMantExp(vf, -sqOff)
	vf.Sqrt(vf)
	std, _ = vf.Float64()
	return mean, std
}
