package duplicates

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

// The fingerprint of a normalised value is that of labels.Normalize, on the
// ASCII path and off it (labels tests the two paths against each other).
func TestNormalizedFingerprint(t *testing.T) {
	// The fingerprint does not depend on the path taken.
	s := &state{}
	if s.normalizedFP("Hello, World") != rowhash.String(labels.Normalize("Hello, World")) ||
		s.normalizedFP("Héllo, World") != rowhash.String(labels.Normalize("Héllo, World")) {
		t.Error("normalizedFP differs from the fingerprint of labels.Normalize")
	}
}

// adversarial are strings on and off the ASCII fast path: case, white
// space of every kind and place, punctuation, compatibility forms,
// combining marks, special case mappings and invalid UTF-8.
var adversarial = []string{
	"", " ", "  ", "\t", "a", "A", "a b", "a  b", " a", "a ", " a b ", "a\tb", "a\nb", "a\r\nb",
	"a\vb", "a\fb", "hello world", "Hello World", "hello, world", "x<=y", "50k", ">50K.", "a-b",
	"\x00", "a\x00b", "\x1f", "\x7f", "~", "`", "^", "|", "$", "+", "=", "_", "\"quoted\"",
	"héllo", "HÉLLO", "he\u0301llo", "ﬁne", "Ａ", "ｈｅｌｌｏ", "a\u00a0b", "a\u2003b", "a\u3000b",
	"\u00a0", "ß", "ẞ", "İstanbul", "ǅ", "Σ", "ς", "①", "™", "\xff", "a\xffb", "\xc3", "\xc3\xa9",
	"\xed\xa0\x80", "日本語", "日本 語", "🙂", "a\u200bb",
}

// An ASCII string is on the fast path exactly when labels.Normalize leaves
// it as it is, and never otherwise: every ASCII string of up to two bytes
// and every three-byte string over the bytes that matter, then the
// adversarial strings and random mixes of them.
func TestIsNormalASCII(t *testing.T) {
	check := func(s string) {
		t.Helper()
		normal := labels.Normalize(s) == s
		ascii := true
		for i := range len(s) {
			ascii = ascii && s[i] < 0x80
		}
		if got := isNormalASCII(s); got != (normal && ascii) {
			t.Errorf("isNormalASCII(%q) = %v, labels.Normalize gives %q", s, got, labels.Normalize(s))
		}
	}
	check("")
	for a := range 128 {
		check(string(rune(a)))
		for b := range 128 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	some := []byte(" \t\n\v\f\r\x00\x1f\x7faAzZ09,.!?-_'\"<=>+$^`|~")
	for _, a := range some {
		for _, b := range some {
			for _, c := range some {
				check(string([]byte{a, b, c}))
			}
		}
	}
	for _, s := range adversarial {
		check(s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(randomText(rng))
	}
}

// Long strings, mostly of the bytes isNormalASCII reads eight at a time
// (lower-case letters, digits, spaces), with spaces at every offset of a
// word, at the ends and doubled, and now and then any other byte: against
// labels.Normalize, and against the byte-at-a-time loop.
func TestIsNormalASCIIWords(t *testing.T) {
	// The word test takes these bytes as kept by labels.Normalize.
	for _, b := range []byte("abcdefghijklmnopqrstuvwxyz0123456789 ") {
		if !asciiKept[b] {
			t.Fatalf("asciiKept[%q] is false", b)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	plain := "ab z09 "
	var buf []byte
	for range 200000 {
		buf = buf[:0]
		for range rng.IntN(41) {
			switch rng.IntN(40) {
			case 0:
				buf = append(buf, byte(rng.IntN(256))) // any byte
			case 1:
				buf = append(buf, "AZ@[`{/:\x7f\x80"[rng.IntN(10)]) // just outside a range
			default:
				buf = append(buf, plain[rng.IntN(len(plain))])
			}
		}
		s := string(buf)
		want := labels.Normalize(s) == s
		for i := range len(s) {
			want = want && s[i] < 0x80
		}
		if got := isNormalASCII(s); got != want || got != isNormalASCIIBytes(s) {
			t.Fatalf("isNormalASCII(%q) = %v, byte loop %v, labels.Normalize gives %q", s, got, isNormalASCIIBytes(s), labels.Normalize(s))
		}
	}
}

// randomText joins a few adversarial strings, sometimes with a space.
func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(4) {
		if rng.IntN(3) == 0 {
			b.WriteByte(' ')
		}
		b.WriteString(adversarial[rng.IntN(len(adversarial))])
	}
	return b.String()
}

// The fingerprints of the normalised feature vectors (normalizedRows, with
// its fast paths: text already in normal form, rows no folding changes)
// equal the slow path's: every string feature value, of every string type,
// folded with labels.Normalize and hashed, every row folded again; with
// and without a memo.
func TestNormalizedRowsAgainstSlowPath(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	types := []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
		arrow.PrimitiveTypes.Int64}
	var cols []checktest.Column
	for k, typ := range types {
		vals := make([]any, n)
		for i := range vals {
			switch {
			case rng.IntN(10) == 0:
				vals[i] = nil
			case typ.ID() == arrow.INT64:
				vals[i] = int64(rng.IntN(5))
			case k == 0 && rng.IntN(2) == 0:
				// mostly normal text, as in real data
				vals[i] = []string{"refund", "my order never arrived", "card charged twice", "a", ""}[rng.IntN(5)]
			case k == 1 && rng.IntN(2) == 0:
				// a value a row, folding changes it: past checks.MaxStrCodes
				// in a batch of 2,500 rows, the column has no codes there
				vals[i] = fmt.Sprintf("%s Row %d", randomText(rng), i)
			default:
				vals[i] = randomText(rng)
			}
		}
		cols = append(cols, checktest.Column{Name: fmt.Sprint("c", k), Type: typ, Vals: vals})
	}
	// The rows of the feature vectors in an order unlike the schema's, a
	// non-feature column among them.
	features := []string{"c3", "c0", "c4", "c2", "c1"}
	cols = append(cols, checktest.Column{Name: "label", Type: arrow.BinaryTypes.String, Vals: checktest.Repeat("X", n)})
	schema := checktest.Schema(cols)
	env := checks.Env{Schema: schema, Roles: checks.Roles{Features: features}}
	batches := checktest.Table(t, mem, cols, 1000, 1001, 2500)
	defer checktest.Release(batches)

	for _, withMemo := range []bool{false, true} {
		st, err := newState(defaultConfig(), env)
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*state)
		row := 0
		for _, b := range batches {
			var memo *checks.Memo
			if withMemo {
				memo = new(checks.Memo).Reset(b.Record)
			}
			featFP := memo.Rows(b.Record, s.featIdx, &s.featFP, &s.vals)
			got := s.normalizedRows(b.Record, memo, featFP)
			for i := range int(b.Record.NumRows()) {
				want := rowhash.Seed()
				for _, c := range s.featIdx {
					v := cols[c].Vals[row+i]
					switch {
					case v == nil:
						want = rowhash.Fold(want, rowhash.Null())
					case s.isText[c]:
						want = rowhash.Fold(want, rowhash.String(labels.Normalize(v.(string))))
					default:
						want = rowhash.Fold(want, rowhash.Int(v.(int64)))
					}
				}
				if got[i] != want {
					t.Fatalf("memo %v: row %d: normalised fingerprint %v, slow path %v", withMemo, row+i, got[i], want)
				}
			}
			// The memo's value fingerprints, which the other checks
			// share, are left as they were.
			if memo != nil {
				for _, c := range s.featIdx {
					want := make([]rowhash.Fingerprint, b.Record.NumRows())
					rowhash.Values(b.Record.Column(c), want)
					if got := memo.Values(b.Record, c, nil); !slices.Equal(got, want) {
						t.Fatalf("column %d: the memo's value fingerprints were changed", c)
					}
				}
			}
			row += int(b.Record.NumRows())
		}
	}
}
