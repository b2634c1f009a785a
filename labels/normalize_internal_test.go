package labels

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// TestNormalizeASCIIVector: appendASCII with AVX-512 (where the processor
// has it) writes what it writes without, and what the general path
// writes, on random strings of up to 100 bytes (past the vector path's
// 64) mostly of spaces, punctuation and upper case, on spaces and
// punctuation at the ends of a 64-byte string, and declines a non-ASCII
// byte at any place; after a prefix in dst too.
func TestNormalizeASCIIVector(t *testing.T) {
	t.Logf("AVX-512: %v", hasAVX512)
	both := func(prefix, s string) (vec, scalar []byte, vok, sok bool) {
		before := useAVX512
		defer func() { useAVX512 = before }()
		useAVX512 = hasAVX512
		vec, vok = appendASCII([]byte(prefix), s)
		useAVX512 = false
		scalar, sok = appendASCII([]byte(prefix), s)
		return
	}
	check := func(s string) {
		t.Helper()
		for _, prefix := range []string{"", "kept|"} {
			vec, scalar, vok, sok := both(prefix, s)
			if !vok || !sok {
				t.Fatalf("appendASCII(%q) declined ASCII text: vector %v, scalar %v", s, vok, sok)
			}
			if string(vec) != string(scalar) || string(vec) != prefix+string(appendGeneral(nil, s)) {
				t.Fatalf("appendASCII(%q) after %q: vector %q, scalar %q, general %q", s, prefix, vec, scalar, appendGeneral(nil, s))
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := "aZ0 \t\n .,!\"-_'<=>|~\x00\x7f"
	for range 100000 {
		b := make([]byte, rng.IntN(101))
		for i := range b {
			if rng.IntN(8) == 0 {
				b[i] = byte(rng.IntN(128))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		check(string(b))
	}
	for _, n := range []int{1, 2, 63, 64, 65} {
		for _, ends := range []string{"  ", " ,", ", ", "\t.", ".\n"} {
			body := strings.Repeat("Ab", n)[:n]
			check(ends + body[min(2, n):])
			check(body[:max(0, n-2)] + ends)
			check(ends[:1] + body[:max(0, n-1)])
		}
	}
	for n := 1; n <= 70; n++ {
		for at := 0; at < n; at++ {
			b := []byte(strings.Repeat("a ", n)[:n])
			b[at] = 0x80 | byte(at)
			vec, _, vok, _ := both("kept|", string(b))
			if vok || string(vec[:5]) != "kept|" {
				t.Fatalf("non-ASCII byte at %d of %d: ok %v, dst %q", at, n, vok, vec)
			}
		}
	}
}

// BenchmarkAppendASCII normalises short texts like the benchmark's (two to
// four words, some capitalised or with a comma or quotes), with AVX-512
// where there is one and without.
func BenchmarkAppendASCII(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	words := []string{"refund", "Order", "late", "delivery", "\"great\"", "price,", "support", "Item", "broken"}
	texts := make([]string, 4096)
	size := 0
	for i := range texts {
		var parts []string
		for range 2 + rng.IntN(3) {
			parts = append(parts, words[rng.IntN(len(words))])
		}
		texts[i] = strings.Join(parts, " ")
		size += len(texts[i])
	}
	for _, vector := range []bool{true, false} {
		b.Run(fmt.Sprintf("avx512=%v", vector && hasAVX512), func(b *testing.B) {
			before := useAVX512
			useAVX512 = vector && hasAVX512
			defer func() { useAVX512 = before }()
			b.SetBytes(int64(size))
			var dst []byte
			for b.Loop() {
				for _, s := range texts {
					dst, _ = appendASCII(dst[:0], s)
				}
			}
		})
	}
}
