package rowhash

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// instants, a loop a unit, gives what split gives in any unit: random
// counts on both sides of the epoch, and the extremes.
func TestInstants(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	vals := []arrow.Timestamp{0, 1, -1, 999, -999, 1000, -1000, 999_999, -1_000_001, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for range 10000 {
		vals = append(vals, arrow.Timestamp(rng.Int64()), arrow.Timestamp(rng.Int64N(1<<40)-1<<39))
	}
	out := make([]Fingerprint, len(vals))
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		instants(out, vals, unit)
		for i, v := range vals {
			if want := Instant(split(int64(v), unit)); out[i] != want {
				t.Fatalf("%s: instant of %d is %x, split gives %x", unit, v, out[i], want)
			}
		}
	}
}
