package rowhash

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
)

// Validity is an Arrow array's validity bitmap, read by bit: per-value
// loops test it instead of calling IsNull, an interface call per value
// (0.1–0.3 s of CPU a check in a 10M-row audit's profile). The zero
// Validity stands for an array without nulls. It lives here, below the
// checks (checks.Validity is this type), so that Values reads nulls the
// same way.
type Validity struct {
	bits []byte
	off  int // the bit of the array's first value
}

// ValidityOf returns a's validity bitmap: the zero Validity when no value
// is null. Like IsNull, it holds every value of an array with nulls but no
// bitmap (the null type) not null.
func ValidityOf(a arrow.Array) Validity {
	if a.NullN() == 0 {
		return Validity{}
	}
	return Validity{bits: a.NullBitmapBytes(), off: a.Data().Offset()}
}

// Null reports whether value i is null, as IsNull does.
func (v Validity) Null(i int) bool {
	if len(v.bits) == 0 {
		return false
	}
	j := v.off + i
	return v.bits[j>>3]&(1<<(j&7)) == 0
}

// EachNull calls f with every null value's index among the first n,
// in order, skipping whole bytes of valid values: nulls are rare.
func (v Validity) EachNull(n int, f func(i int)) {
	if len(v.bits) == 0 {
		return
	}
	i := 0
	for ; i < n && (v.off+i)&7 != 0; i++ {
		if v.Null(i) {
			f(i)
		}
	}
	for ; i+8 <= n; i += 8 {
		for m := ^v.bits[(v.off+i)>>3]; m != 0; m &= m - 1 {
			f(i + bits.TrailingZeros8(m))
		}
	}
	for ; i < n; i++ {
		if v.Null(i) {
			f(i)
		}
	}
}

// MarkNulls sets flags[i] for every null value i (flags holds one per
// value).
func (v Validity) MarkNulls(flags []bool) {
	v.EachNull(len(flags), func(i int) { flags[i] = true })
}
