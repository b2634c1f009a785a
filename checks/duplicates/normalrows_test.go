package duplicates

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// normalRows says of every row what isNormalASCIIBytes says of its text
// ("" for a null): random text mostly of the plain bytes, long and short,
// with every other byte now and then, the exhaustive short strings, and
// spaces doubled, leading or trailing where the vector path's 64-byte
// blocks meet and end; in arrays sliced from an offset too. Without
// AVX-512 it returns nil, and isNormalASCII decides row by row.
func TestNormalRows(t *testing.T) {
	t.Logf("AVX-512: %v", hasAVX512)
	rng := rand.New(rand.NewPCG(7, 8))
	var texts []string
	plain := "ab z09 "
	for i := range 20000 {
		n := rng.IntN(41)
		if i%2 == 1 {
			n = rng.IntN(200)
		}
		var b []byte
		for range n {
			switch rng.IntN(40 + n) {
			case 0:
				b = append(b, byte(rng.IntN(256)))
			case 1:
				b = append(b, "AZ@[`{/:\x7f\x80,\"\t"[rng.IntN(13)])
			default:
				b = append(b, plain[rng.IntN(len(plain))])
			}
		}
		texts = append(texts, string(b))
	}
	for a := range 128 {
		texts = append(texts, string(rune(a)))
		for b := range 128 {
			texts = append(texts, string([]byte{byte(a), byte(b)}))
		}
	}
	for _, n := range []int{1, 2, 63, 64, 65, 127, 128, 129, 200} {
		for i := range n {
			for _, at := range []int{i, i + 1} {
				b := []byte(strings.Repeat("a", n))
				b[i] = ' '
				if at < n {
					b[at] = ' '
				}
				texts = append(texts, string(b))
			}
		}
	}
	texts = append(texts, adversarial...)

	bld := array.NewStringBuilder(memory.DefaultAllocator)
	var nulls []bool
	for _, s := range texts {
		null := rng.IntN(20) == 0
		nulls = append(nulls, null)
		if null {
			bld.AppendNull()
		} else {
			bld.Append(s)
		}
	}
	arr := bld.NewStringArray()
	defer arr.Release()
	for _, from := range []int{0, 1, 77} {
		sliced := array.NewSlice(arr, int64(from), int64(arr.Len())).(*array.String)
		s := &state{}
		got := s.normalRows(sliced)
		if !hasAVX512 {
			if got != nil {
				t.Fatal("normalRows without AVX-512 returned flags")
			}
			sliced.Release()
			return
		}
		for i := range sliced.Len() {
			text := texts[from+i]
			if nulls[from+i] {
				text = ""
			}
			if want := isNormalASCIIBytes(text); got[i] != want {
				t.Fatalf("from %d, row %d: normalRows says %v of %q, isNormalASCIIBytes %v", from, i, got[i], text, want)
			}
		}
		sliced.Release()
	}
}
