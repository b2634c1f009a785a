package pipeline

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	i8, i16, i32, i64 = arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64
	u8, u16, u32, u64 = arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64
	f16, f32, f64     = arrow.FixedWidthTypes.Float16, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64
	utf8, largeUTF8   = arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString
	bin, largeBin     = arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary
	boolean, null     = arrow.FixedWidthTypes.Boolean, arrow.Null
	date32, date64    = arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64
)

func tsOf(u arrow.TimeUnit, zone string) arrow.DataType {
	return &arrow.TimestampType{Unit: u, TimeZone: zone}
}

func dictOf(index, value arrow.DataType) arrow.DataType {
	return &arrow.DictionaryType{IndexType: index, ValueType: value}
}

// widenCases is the table of the package doc's widening rules.
var widenCases = []struct {
	a, b arrow.DataType
	want arrow.DataType // nil: incompatible
}{
	// same type
	{i32, i32, i32},
	{utf8, utf8, utf8},
	{boolean, boolean, boolean},
	// integers, same signedness: the wider
	{i8, i16, i16},
	{i32, i64, i64},
	{u8, u32, u32},
	{u16, u64, u64},
	// mixed signedness: a signed type wide enough for both
	{u8, i8, i16},
	{u8, i16, i16},
	{u16, i8, i32},
	{u16, i32, i32},
	{u32, i8, i64},
	{u32, i64, i64},
	{u64, i8, f64},
	{u64, i64, f64},
	// integers with floats, floats with floats
	{i64, f64, f64},
	{i8, f32, f64},
	{u64, f32, f64},
	{f32, f64, f64},
	{f16, f32, f64},
	{f32, f32, f32},
	// string flavours
	{utf8, largeUTF8, largeUTF8},
	{utf8, arrow.BinaryTypes.StringView, utf8},
	{largeUTF8, arrow.BinaryTypes.StringView, largeUTF8},
	{dictOf(i32, utf8), utf8, utf8},
	{dictOf(i8, utf8), dictOf(i64, utf8), utf8},
	{dictOf(i32, largeUTF8), utf8, largeUTF8},
	{dictOf(i32, i64), i32, i64},
	// binary
	{bin, largeBin, largeBin},
	{bin, arrow.BinaryTypes.BinaryView, bin},
	{bin, bin, bin},
	// time: the finest unit; differing zones become UTC
	{date32, date64, date64},
	{date32, tsOf(arrow.Second, ""), tsOf(arrow.Second, "")},
	{date64, tsOf(arrow.Second, ""), tsOf(arrow.Millisecond, "")},
	{date32, tsOf(arrow.Microsecond, "Europe/Paris"), tsOf(arrow.Microsecond, "Europe/Paris")},
	{tsOf(arrow.Millisecond, ""), tsOf(arrow.Nanosecond, ""), tsOf(arrow.Nanosecond, "")},
	{tsOf(arrow.Second, "UTC"), tsOf(arrow.Millisecond, "UTC"), tsOf(arrow.Millisecond, "UTC")},
	{tsOf(arrow.Second, "Europe/Paris"), tsOf(arrow.Second, "America/New_York"), tsOf(arrow.Second, "UTC")},
	{tsOf(arrow.Second, ""), tsOf(arrow.Second, "Asia/Tokyo"), tsOf(arrow.Second, "UTC")},
	// null widens to anything
	{null, i32, i32},
	{null, utf8, utf8},
	{null, dictOf(i32, utf8), utf8},
	{null, null, null},
	// incompatible
	{i64, utf8, nil},
	{f64, utf8, nil},
	{boolean, i8, nil},
	{boolean, utf8, nil},
	{utf8, bin, nil},
	{date32, utf8, nil},
	{tsOf(arrow.Second, ""), i64, nil},
	{arrow.ListOf(i32), arrow.ListOf(i64), nil},
	{&arrow.Decimal128Type{Precision: 10, Scale: 2}, f64, nil},
	{arrow.FixedWidthTypes.Time32ms, tsOf(arrow.Millisecond, ""), nil},
}

// TestWiden tries each pair of widenCases both ways round: widening is
// symmetric.
func TestWiden(t *testing.T) {
	cases := widenCases
	for _, tc := range cases {
		for _, pair := range [][2]arrow.DataType{{tc.a, tc.b}, {tc.b, tc.a}} {
			got, ok := widen(pair[0], pair[1])
			switch {
			case tc.want == nil && ok:
				t.Errorf("widen(%s, %s) = %s, want incompatible", pair[0], pair[1], got)
			case tc.want != nil && !ok:
				t.Errorf("widen(%s, %s): incompatible, want %s", pair[0], pair[1], tc.want)
			case tc.want != nil && !arrow.TypeEqual(got, tc.want):
				t.Errorf("widen(%s, %s) = %s, want %s", pair[0], pair[1], got, tc.want)
			}
		}
	}
}

// TestWidenOrderFree: folding many types gives one answer whatever their
// order, so the unified schema does not depend on the order of the files.
func TestWidenOrderFree(t *testing.T) {
	groups := [][]arrow.DataType{
		{i8, u8, i16, u16, u32},
		{i8, u8, f32, i64},
		{utf8, largeUTF8, dictOf(i16, utf8), arrow.BinaryTypes.StringView, null},
		{date32, tsOf(arrow.Millisecond, "Europe/Paris"), date64, tsOf(arrow.Second, "Europe/Paris")},
		{tsOf(arrow.Second, "A/B"), date32, tsOf(arrow.Second, "C/D"), tsOf(arrow.Nanosecond, "")},
	}
	for _, g := range groups {
		var want arrow.DataType
		permute(len(g), func(p []int) {
			acc := arrow.DataType(null)
			for _, i := range p {
				w, ok := widen(acc, g[i])
				if !ok {
					t.Fatalf("%v: %s and %s incompatible", g, acc, g[i])
				}
				acc = w
			}
			if want == nil {
				want = acc
			} else if !arrow.TypeEqual(acc, want) {
				t.Errorf("%v folded in order %v: %s, in another order: %s", g, p, acc, want)
			}
		})
	}
}

// permute calls f with every permutation of 0..n-1.
func permute(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

func TestUnifier(t *testing.T) {
	u := newUnifier()
	steps := []struct {
		path     string
		sc       *arrow.Schema
		inferred bool
	}{
		{"a.parquet", schemaOf(field("id", i32), field("name", dictOf(i32, utf8))), false},
		{"b.parquet", schemaOf(field("id", i64), field("score", f32)), false},
		{"c.arrow", schemaOf(field("score", i64), field("name", largeUTF8), field("when", date32)), false},
	}
	for _, s := range steps {
		if err := u.add(s.path, s.sc, s.inferred); err != nil {
			t.Fatalf("%s: %v", s.path, err)
		}
	}
	want := schemaOf(field("id", i64), field("name", largeUTF8), field("score", f64), field("when", date32))
	if got := u.schema(); !got.Equal(want) {
		t.Errorf("schema\n%s\nwant\n%s", got, want)
	}
	for _, f := range u.schema().Fields() {
		if !f.Nullable {
			t.Errorf("%s is not nullable: a file without it reads nulls", f.Name)
		}
	}
}

// TestUnifierIncompatible: the error names the column and both files, the
// one that set the column's type and the one that disagrees.
func TestUnifierIncompatible(t *testing.T) {
	u := newUnifier()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(u.add("a.parquet", schemaOf(field("age", i32), field("city", utf8)), false))
	must(u.add("b.parquet", schemaOf(field("age", i64)), false))
	err := u.add("c.parquet", schemaOf(field("city", utf8), field("age", utf8)), false)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{`"age"`, "b.parquet", "c.parquet", "int64", "utf8"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}

	// Both guesses from text: read as strings instead.
	u = newUnifier()
	must(u.add("a.csv", schemaOf(field("zip", i64)), true))
	must(u.add("b.csv", schemaOf(field("zip", utf8)), true))
	must(u.add("c.csv", schemaOf(field("zip", i64)), true))
	if f := u.schema().Field(0); f.Type.ID() != arrow.STRING {
		t.Errorf("inferred int64 and utf8: %s, want utf8", f.Type)
	}
	// A declared type does not yield to a guess.
	u = newUnifier()
	must(u.add("a.parquet", schemaOf(field("zip", i64)), false))
	if err := u.add("b.csv", schemaOf(field("zip", utf8)), true); err == nil || !strings.Contains(err.Error(), "a.parquet") || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("declared int64, inferred utf8: err %v, want one naming both files", err)
	}

	// A column twice in one file.
	u = newUnifier()
	err = u.add("d.parquet", schemaOf(field("x", i32), field("x", i32)), false)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != "d.parquet" || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("duplicate column: err %v, want an *InputError naming d.parquet and x", err)
	}
}

func TestNormalType(t *testing.T) {
	for _, tc := range []struct{ in, want arrow.DataType }{
		{dictOf(i8, utf8), utf8},
		{dictOf(i32, largeUTF8), largeUTF8},
		{arrow.BinaryTypes.StringView, utf8},
		{arrow.BinaryTypes.BinaryView, bin},
		{i32, i32},
	} {
		if got := normalType(tc.in); !arrow.TypeEqual(got, tc.want) {
			t.Errorf("normalType(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// sampleJSON is one value and a null of type t, for array.FromJSON.
func sampleJSON(t arrow.DataType) string {
	switch t.ID() {
	case arrow.DICTIONARY:
		return sampleJSON(t.(*arrow.DictionaryType).ValueType)
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return `["a", null]`
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return `["YQ==", null]`
	case arrow.DATE32, arrow.DATE64:
		return `["2020-01-02", null]`
	case arrow.TIMESTAMP:
		return `[1577934245, null]`
	case arrow.BOOL:
		return `[true, null]`
	case arrow.NULL:
		return `[null, null]`
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return `[1.5, null]`
	}
	return `[7, null]`
}

func sampleArray(t *testing.T, mem memory.Allocator, typ arrow.DataType) arrow.Array {
	t.Helper()
	if dt, ok := typ.(*arrow.DictionaryType); ok {
		// The dictionary builder does not take every value type.
		values := sampleArray(t, mem, dt.ValueType)
		defer values.Release()
		idx, _, err := array.FromJSON(mem, dt.IndexType, strings.NewReader(`[0, null]`))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Release()
		return array.NewDictionaryArray(dt, idx, values)
	}
	arr, _, err := array.FromJSON(mem, typ, strings.NewReader(sampleJSON(typ)))
	if err != nil {
		t.Fatalf("sample of %s: %v", typ, err)
	}
	return arr
}

// TestConformCasts: for every compatible pair of widenCases, a batch of
// either type conforms to the widened type — what Plan decides, Run can
// read.
func TestConformCasts(t *testing.T) {
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	for _, tc := range widenCases {
		if tc.want == nil {
			continue
		}
		target := schemaOf(field("c", tc.want))
		for _, src := range []arrow.DataType{tc.a, tc.b} {
			arr := sampleArray(t, mem, src)
			file := schemaOf(field("c", src))
			rec := array.NewRecordBatch(file, []arrow.Array{arr}, 2)
			arr.Release()
			out, err := newConformer(context.Background(), target, file, nil, mem).apply(rec)
			rec.Release()
			if err != nil {
				t.Errorf("conform %s to %s: %v", src, tc.want, err)
				continue
			}
			c := out.Column(0)
			wantNulls := 1
			if src.ID() == arrow.NULL {
				wantNulls = 2 // and IsNull is false: a null-type array has no bitmap
			}
			if !arrow.TypeEqual(c.DataType(), tc.want) || c.Len() != 2 || c.NullN() != wantNulls || (wantNulls == 1 && (!c.IsNull(1) || !c.IsValid(0))) {
				t.Errorf("conform %s to %s: got %s %v", src, tc.want, c.DataType(), c)
			}
			out.Release()
		}
	}
}

// TestConformMissingAndPartition: a column the file lacks is all nulls; a
// partition column holds the folder's value; a file column wins over a
// partition of the same name.
func TestConformMissingAndPartition(t *testing.T) {
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	arr, _, err := array.FromJSON(mem, i32, strings.NewReader(`[1, 2, 3]`))
	if err != nil {
		t.Fatal(err)
	}
	cityArr, _, err := array.FromJSON(mem, utf8, strings.NewReader(`["x", "y", null]`))
	if err != nil {
		t.Fatal(err)
	}
	file := schemaOf(field("a", i32), field("city", utf8))
	rec := array.NewRecordBatch(file, []arrow.Array{arr, cityArr}, 3)
	arr.Release()
	cityArr.Release()
	defer rec.Release()
	target := schemaOf(field("a", i64), field("gone", f64), field("year", utf8), field("city", utf8))
	parts := []Partition{{"year", "2024"}, {"city", "folder"}}
	out, err := newConformer(context.Background(), target, file, parts, mem).apply(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if !out.Schema().Equal(target) || out.NumRows() != 3 {
		t.Fatalf("schema %s rows %d", out.Schema(), out.NumRows())
	}
	if got := out.Column(1).NullN(); got != 3 {
		t.Errorf("absent column: %d nulls, want 3", got)
	}
	year := out.Column(2).(*array.String)
	city := out.Column(3).(*array.String)
	for i := range 3 {
		if year.Value(i) != "2024" {
			t.Errorf("year[%d] = %q", i, year.Value(i))
		}
	}
	if city.Value(0) != "x" || !city.IsNull(2) {
		t.Errorf("city %v, want the file's values", city)
	}
}

func TestUniqueNames(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a", "a", "a"}, []string{"a", "a_2", "a_3"}},
		{[]string{"a", "a", "a_2"}, []string{"a", "a_3", "a_2"}},
		{[]string{"x", "y", "x", "y"}, []string{"x", "y", "x_2", "y_2"}},
	} {
		if got := uniqueNames(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("uniqueNames(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestConformDictionaryWithPool casts a dictionary column (pandas'
// category dtype, as pyarrow stores it) to its values with the readers'
// own allocator, in batches whose values are longer than the dictionary's
// average, as a skewed category column's are: arrow-go's take kernel,
// which the cast runs, sizes its output by the average and then grows it,
// and took the pool's spare capacity for room it could write into (see
// conformer). It panicked in a goroutine of arrow-go's, which ended the
// process. A dictionary of strings is now gathered by dictStrings; one of
// large strings still goes through the cast.
func TestConformDictionaryWithPool(t *testing.T) {
	for _, vt := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString} {
		dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: vt}
		file := schemaOf(field("c", dt))
		target := schemaOf(field("c", vt))
		long := strings.Repeat("x", 100)
		vb := array.NewBuilder(memory.DefaultAllocator, vt)
		for _, v := range []string{"a", "b", "c", "d", long} {
			vb.(interface{ Append(string) }).Append(v)
		}
		values := vb.NewArray()
		vb.Release()
		const n = 32768
		ib := array.NewInt32Builder(memory.DefaultAllocator)
		ib.AppendValues([]int32{0, 1, 2, 3, 4}, nil)
		for i := range n - 5 {
			if i%7 == 0 {
				ib.AppendNull()
			} else {
				ib.Append(4)
			}
		}
		indices := ib.NewArray()
		ib.Release()
		arr := array.NewDictionaryArray(dt, indices, values)
		indices.Release()
		values.Release()
		rec := array.NewRecordBatch(file, []arrow.Array{arr}, n)
		arr.Release()
		for range 3 {
			out, err := newConformer(context.Background(), target, file, nil, defaultAllocator).apply(rec)
			if err != nil {
				t.Fatal(err)
			}
			c := out.Column(0).(interface {
				arrow.Array
				Value(int) string
			})
			if !arrow.TypeEqual(c.DataType(), vt) {
				t.Fatalf("read as %s, want %s", c.DataType(), vt)
			}
			for i := range n {
				want := long
				switch {
				case i < 4:
					want = string(rune('a' + i))
				case i > 4 && (i-5)%7 == 0:
					want = "<null>"
				}
				got := "<null>"
				if c.IsValid(i) {
					got = c.Value(i)
				}
				if got != want {
					t.Fatalf("%s: row %d: %q, want %q", vt, i, got, want)
				}
			}
			out.Release()
		}
		rec.Release()
	}
}

// TestDictStringsAgainstCast: dictStrings gives what arrow-go's cast
// gives, for dictionaries of strings and binaries under every index type,
// with nulls among the indices and among the dictionary's values, the
// dictionary and the column sliced; and an index past the dictionary is
// an error naming its row.
func TestDictStringsAgainstCast(t *testing.T) {
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	ctx := compute.WithAllocator(context.Background(), memory.DefaultAllocator)
	r := rand.New(rand.NewPCG(8, 8))
	indexTypes := []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64}
	for _, vt := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.Binary} {
		for _, it := range indexTypes {
			vb := array.NewBuilder(memory.DefaultAllocator, vt)
			for k := range 40 {
				if k == 7 {
					vb.AppendNull()
					continue
				}
				vb.(interface{ AppendString(string) }).AppendString(strings.Repeat(string(rune('a'+k%26)), r.IntN(30)))
			}
			full := vb.NewArray()
			vb.Release()
			dict := array.NewSlice(full, 3, 40) // 37 values, from offset 3
			full.Release()
			ib := array.NewInt64Builder(memory.DefaultAllocator)
			for range 1000 {
				if r.IntN(9) == 0 {
					ib.AppendNull()
				} else {
					ib.Append(r.Int64N(37))
				}
			}
			idx64 := ib.NewArray()
			ib.Release()
			idx, err := compute.CastArray(ctx, idx64, compute.SafeCastOptions(it))
			idx64.Release()
			if err != nil {
				t.Fatal(err)
			}
			dt := &arrow.DictionaryType{IndexType: it, ValueType: vt}
			whole := array.NewDictionaryArray(dt, idx, dict)
			idx.Release()
			dict.Release()
			col := array.NewSlice(whole, 5, 995)
			whole.Release()
			got, ok, err := dictStrings(mem, col, vt)
			if !ok || err != nil {
				t.Fatalf("%s of %s: ok %v, %v", it, vt, ok, err)
			}
			want, err := compute.CastArray(ctx, col, compute.SafeCastOptions(vt))
			if err != nil {
				t.Fatal(err)
			}
			if !array.Equal(got, want) {
				t.Errorf("%s of %s: %v, want %v", it, vt, got, want)
			}
			got.Release()
			want.Release()
			col.Release()
		}
	}
	// An index past the dictionary.
	vb := array.NewStringBuilder(memory.DefaultAllocator)
	vb.AppendValues([]string{"a", "b"}, nil)
	dict := vb.NewArray()
	vb.Release()
	ib := array.NewInt8Builder(memory.DefaultAllocator)
	ib.AppendValues([]int8{0, 1, -1}, nil)
	idx := ib.NewArray()
	ib.Release()
	col := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, idx, dict)
	idx.Release()
	dict.Release()
	defer col.Release()
	if _, ok, err := dictStrings(mem, col, arrow.BinaryTypes.String); !ok || err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("index -1: ok %v, %v", ok, err)
	}
}
