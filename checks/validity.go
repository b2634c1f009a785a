package checks

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks/rowhash"
)

// Validity is an Arrow array's validity bitmap, read by bit
// ([rowhash.Validity], where it is defined so that rowhash reads nulls the
// same way): the checks' per-value loops test it instead of calling
// IsNull.
type Validity = rowhash.Validity

// ValidityOf returns a's validity bitmap (see [rowhash.ValidityOf]).
func ValidityOf(a arrow.Array) Validity { return rowhash.ValidityOf(a) }

// StrSlot picks a string's slot in a direct-mapped cache of 1<<bits slots
// from its length and four of its bytes: cheap next to hashing it, and
// apart for the short codes and names (ann01, ann11, north, south) that
// repeat in a column. A cache keyed so compares the string itself.
func StrSlot(v string, bits uint) int {
	n := len(v)
	if n == 0 {
		return 0
	}
	h := uint64(n)<<32 | uint64(v[0])<<24 | uint64(v[n/2])<<16 | uint64(v[max(n-2, 0)])<<8 | uint64(v[n-1])
	return int((h * 0x9e3779b97f4a7c15) >> (64 - bits))
}
