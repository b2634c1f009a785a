package labels

import (
	"math/rand/v2"
	"testing"
)

// TestNormalizeASCII: the allocation-free ASCII path agrees with the
// general path on every single ASCII character and on random ASCII
// strings, and declines non-ASCII text; appending keeps what dst held.
func TestNormalizeASCII(t *testing.T) {
	check := func(s string) {
		t.Helper()
		got, ok := appendASCII(nil, s)
		if !ok {
			t.Fatalf("appendASCII(%q) declined ASCII text", s)
		}
		if want := string(appendGeneral(nil, s)); string(got) != want {
			t.Fatalf("appendASCII(%q) = %q, the general path %q", s, got, want)
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
		if _, ok := appendASCII(nil, s); ok {
			t.Errorf("appendASCII(%q) accepted non-ASCII text", s)
		}
	}
	if got := string(AppendNormalized([]byte("kept|"), "Hello,  World")); got != "kept|hello world" {
		t.Errorf("AppendNormalized after a prefix = %q", got)
	}
	if got := string(AppendNormalized([]byte("kept|"), "  Héllo,  World")); got != "kept|héllo world" {
		t.Errorf("AppendNormalized (non-ASCII) after a prefix = %q", got)
	}
}
