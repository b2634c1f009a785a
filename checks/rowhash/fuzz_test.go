package rowhash_test

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks/rowhash"
)

// FuzzRowHash checks the logical-value rules on arbitrary values: an
// integer equals the same number as a float when the float holds it
// exactly; a string equals itself as large_string and dictionary-encoded;
// an instant equals itself in seconds and in nanoseconds; and a row's
// fingerprint is its values' fingerprints folded in order.
func FuzzRowHash(f *testing.F) {
	f.Add(int64(0), 0.0, "")
	f.Add(int64(-999), -999.0, "NA")
	f.Add(int64(1)<<53+1, math.NaN(), "\xff\xfe")
	f.Add(int64(math.MinInt64), math.Inf(-1), "a,b\n\"c\"")
	f.Fuzz(func(t *testing.T, n int64, x float64, s string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)

		ib := array.NewInt64Builder(mem)
		ib.AppendValues([]int64{n}, nil)
		ints := ib.NewArray()
		ib.Release()
		defer ints.Release()
		fb := array.NewFloat64Builder(mem)
		fb.AppendValues([]float64{float64(n), x}, nil)
		floats := fb.NewArray()
		fb.Release()
		defer floats.Release()
		if float64(n) >= -(1<<63) && float64(n) < 1<<63 && int64(float64(n)) == n {
			if rowhash.Value(ints, 0) != rowhash.Value(floats, 0) {
				t.Errorf("%d as int64 and as float64 hash differently", n)
			}
		} else if rowhash.Value(ints, 0) == rowhash.Value(floats, 0) {
			t.Errorf("%d and the float %v it rounds to hash alike", n, float64(n))
		}
		if (x != x) != (rowhash.Value(floats, 1) == rowhash.Float(math.NaN())) {
			t.Errorf("NaN-ness of %v not kept", x)
		}

		sb := array.NewStringBuilder(mem)
		sb.Append(s)
		strs := sb.NewArray()
		sb.Release()
		defer strs.Release()
		lb := array.NewLargeStringBuilder(mem)
		lb.Append(s)
		large := lb.NewArray()
		lb.Release()
		defer large.Release()
		db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String})
		if err := db.(*array.BinaryDictionaryBuilder).AppendString(s); err != nil {
			t.Fatal(err)
		}
		dict := db.NewArray()
		db.Release()
		defer dict.Release()
		want := rowhash.String(s)
		for _, a := range []arrow.Array{strs, large, dict} {
			if got := rowhash.Value(a, 0); got != want {
				t.Errorf("%q as %s hashes differently", s, a.DataType())
			}
		}

		// The same instant in seconds and in nanoseconds, when it fits.
		sec := n % (math.MaxInt64 / 1_000_000_000)
		tsb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Second})
		tsb.Append(arrow.Timestamp(sec))
		secs := tsb.NewArray()
		tsb.Release()
		defer secs.Release()
		nsb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"})
		nsb.Append(arrow.Timestamp(sec * 1_000_000_000))
		nanos := nsb.NewArray()
		nsb.Release()
		defer nanos.Release()
		if rowhash.Value(secs, 0) != rowhash.Value(nanos, 0) {
			t.Errorf("instant %d s hashes differently in ns", sec)
		}

		// A row is its values folded in column order.
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{
			{Name: "i", Type: ints.DataType(), Nullable: true},
			{Name: "s", Type: strs.DataType(), Nullable: true},
			{Name: "t", Type: secs.DataType(), Nullable: true},
		}, nil), []arrow.Array{ints, strs, secs}, 1)
		defer rec.Release()
		out := make([]rowhash.Fingerprint, 1)
		rowhash.Rows(rec, []int{0, 1, 2}, out, nil)
		fold := rowhash.Seed()
		for _, a := range []arrow.Array{ints, strs, secs} {
			fold = rowhash.Fold(fold, rowhash.Value(a, 0))
		}
		if out[0] != fold {
			t.Errorf("Rows differs from folding Value")
		}
	})
}
