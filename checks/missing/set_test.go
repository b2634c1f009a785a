package missing

import (
	"math/rand/v2"
	"testing"

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
