package labels

import (
	"testing"
	"unsafe"

	"github.com/readiness/readiness/checks/rowhash"
)

// Every labelled row with an annotator appends a pair aggregate, key and
// value, to annPairs: 40 bytes, the features being in the key. It must not
// grow unnoticed.
func TestPairSlotSize(t *testing.T) {
	type slot struct {
		key rowhash.Fingerprint
		val pairRows
	}
	if s := unsafe.Sizeof(slot{}); s != 40 {
		t.Errorf("annotator pair slot is %d bytes, want 40", s)
	}
}

// A pair's key and its annotator give its features back, and pairs
// differing in either fingerprint have different keys.
func TestPairKey(t *testing.T) {
	features := []rowhash.Fingerprint{rowhash.Seed(), rowhash.Fold(rowhash.Seed(), rowhash.String("x")), rowhash.Null()}
	annotators := []rowhash.Fingerprint{rowhash.String("alice"), rowhash.String("bob"), rowhash.Int(7)}
	seen := map[rowhash.Fingerprint]bool{}
	for _, f := range features {
		for _, a := range annotators {
			k := pairKey(f, a)
			if got := pairKey(k, a); got != f {
				t.Errorf("pairKey(pairKey(%v, %v), annotator) = %v, want the features", f, a, got)
			}
			if seen[k] {
				t.Errorf("pair (%v, %v): key %v already used", f, a, k)
			}
			seen[k] = true
		}
	}
}
