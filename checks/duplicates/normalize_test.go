package duplicates

import (
	"math/rand/v2"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

// TestNormalizeASCII: the allocation-free ASCII path agrees with
// labels.Normalize on every single ASCII character and on random ASCII
// strings, and declines non-ASCII text.
func TestNormalizeASCII(t *testing.T) {
	check := func(s string) {
		t.Helper()
		got, ok := normalizeASCII(nil, s)
		if !ok {
			t.Fatalf("normalizeASCII(%q) declined ASCII text", s)
		}
		if want := labels.Normalize(s); string(got) != want {
			t.Fatalf("normalizeASCII(%q) = %q, labels.Normalize %q", s, got, want)
		}
	}
	for c := range 128 {
		check(string(rune(c)))
		check("a" + string(rune(c)) + "b")
		check(" " + string(rune(c)) + " x")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "aZ09 \t\n\v\f\r.,!?-_'\"()[]{}<>=+$^`|~@#%&*/:;\\\x00\x1f\x7f"
	for range 200000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = byte(rng.IntN(128))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		check(string(b))
	}
	for _, s := range []string{"é", "a\u00a0b", "ﬁ", "\x80"} {
		if _, ok := normalizeASCII(nil, s); ok {
			t.Errorf("normalizeASCII(%q) accepted non-ASCII text", s)
		}
	}
	// The fingerprint does not depend on the path taken.
	s := &state{}
	if s.normalizedFP("Hello, World") != rowhash.String(labels.Normalize("Hello, World")) ||
		s.normalizedFP("Héllo, World") != rowhash.String(labels.Normalize("Héllo, World")) {
		t.Error("normalizedFP differs from the fingerprint of labels.Normalize")
	}
}
