package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestWidenOffsets conforms string and binary columns to their large
// types through the conformer, which widens their offsets itself
// (widenOffsets), and reads every row back against the source array, row
// by row: sliced arrays (an offset, into a values buffer that starts
// before their first value), nulls, empty values, a column of empty values
// only (no value bytes), and no rows. Under GOARCH=386 arrow-go's own cast
// panics on each of these (see widenOffsets); .ci/run runs this package's
// tests there.
func TestWidenOffsets(t *testing.T) {
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(6, 6))
	for _, kind := range [][2]arrow.DataType{{utf8, largeUTF8}, {bin, largeBin}} {
		for _, tc := range []struct {
			name         string
			n, from, to  int
			nulls, empty int // one row in nulls (0: none) is null, one in empty is ""
		}{
			{"whole", 1000, 0, 1000, 7, 5},
			{"sliced", 1000, 333, 901, 3, 0},
			{"no nulls", 100, 0, 100, 0, 4},
			{"empty values only", 50, 10, 40, 4, 1},
			{"no rows", 10, 4, 4, 2, 0},
		} {
			t.Run(fmt.Sprintf("%s/%s", kind[0], tc.name), func(t *testing.T) {
				b := array.NewBuilder(mem, kind[0])
				for i := range tc.n {
					switch {
					case tc.nulls > 0 && i%tc.nulls == 0:
						b.AppendNull()
					case tc.empty == 1 || tc.empty > 0 && i%tc.empty == 0:
						b.AppendEmptyValue()
					default:
						v := make([]byte, 1+r.IntN(20))
						for k := range v {
							v[k] = byte('a' + r.IntN(26))
						}
						switch b := b.(type) {
						case *array.StringBuilder:
							b.Append(string(v))
						case *array.BinaryBuilder:
							b.Append(v)
						}
					}
				}
				whole := b.NewArray()
				b.Release()
				src := array.NewSlice(whole, int64(tc.from), int64(tc.to))
				whole.Release()
				file, target := schemaOf(field("c", kind[0])), schemaOf(field("c", kind[1]))
				rec := array.NewRecordBatch(file, []arrow.Array{src}, int64(src.Len()))
				src.Release() // rec holds it
				defer rec.Release()
				out, err := newConformer(context.Background(), target, file, nil, mem).apply(rec)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Release()
				got := out.Column(0)
				if !arrow.TypeEqual(got.DataType(), kind[1]) || got.Len() != src.Len() || got.NullN() != src.NullN() {
					t.Fatalf("got %s of %d rows, %d null; want %s of %d rows, %d null",
						got.DataType(), got.Len(), got.NullN(), kind[1], src.Len(), src.NullN())
				}
				for i := range src.Len() {
					if w, g := textValue(src, i), textValue(got, i); w != g {
						t.Fatalf("row %d: %v, want %v", i, g, w)
					}
				}
				if v, ok := got.(interface{ ValidateFull() error }); ok {
					if err := v.ValidateFull(); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}
