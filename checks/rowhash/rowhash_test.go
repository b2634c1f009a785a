package rowhash_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/rowhash"
)

// cell is one value to build: a type and how to append it (nil: a null).
type cell struct {
	name string
	typ  arrow.DataType
	add  func(b array.Builder)
}

// build returns a one-value array holding c.
func build(t testing.TB, mem memory.Allocator, c cell) arrow.Array {
	t.Helper()
	if c.typ.ID() == arrow.NULL {
		return array.NewNull(1)
	}
	b := array.NewBuilder(mem, c.typ)
	defer b.Release()
	if c.add == nil {
		b.AppendNull()
	} else {
		c.add(b)
	}
	return b.NewArray()
}

// fp is the fingerprint of c, computed both with Value and Values, which
// must agree.
func fp(t testing.TB, mem memory.Allocator, c cell) rowhash.Fingerprint {
	t.Helper()
	a := build(t, mem, c)
	defer a.Release()
	v := rowhash.Value(a, 0)
	out := make([]rowhash.Fingerprint, 1)
	rowhash.Values(a, out)
	if out[0] != v {
		t.Fatalf("%s: Values %v, Value %v", c.name, out[0], v)
	}
	return v
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

func i64(name string, dt arrow.DataType, v int64) cell {
	return cell{name, dt, func(b array.Builder) {
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Int16Builder:
			b.Append(int16(v))
		case *array.Int32Builder:
			b.Append(int32(v))
		case *array.Int64Builder:
			b.Append(v)
		case *array.Uint8Builder:
			b.Append(uint8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v))
		case *array.Uint32Builder:
			b.Append(uint32(v))
		case *array.Uint64Builder:
			b.Append(uint64(v))
		default:
			panic(fmt.Sprintf("%T", b))
		}
	}}
}

func f64(name string, dt arrow.DataType, v float64) cell {
	return cell{name, dt, func(b array.Builder) {
		switch b := b.(type) {
		case *array.Float16Builder:
			b.Append(float16.New(float32(v)))
		case *array.Float32Builder:
			b.Append(float32(v))
		case *array.Float64Builder:
			b.Append(v)
		default:
			panic(fmt.Sprintf("%T", b))
		}
	}}
}

func str(name string, dt arrow.DataType, v string) cell {
	return cell{name, dt, func(b array.Builder) {
		switch b := b.(type) {
		case *array.StringBuilder:
			b.Append(v)
		case *array.LargeStringBuilder:
			b.Append(v)
		case *array.StringViewBuilder:
			b.Append(v)
		case *array.BinaryBuilder:
			b.Append([]byte(v))
		case *array.BinaryDictionaryBuilder:
			if err := b.AppendString(v); err != nil {
				panic(err)
			}
		default:
			panic(fmt.Sprintf("%T", b))
		}
	}}
}

func dec128(scale int32, unscaled int64) cell {
	return cell{fmt.Sprintf("decimal128(%d, scale %d)", unscaled, scale), &arrow.Decimal128Type{Precision: 20, Scale: scale}, func(b array.Builder) {
		b.(*array.Decimal128Builder).Append(decimal128.FromI64(unscaled))
	}}
}

func dec256(scale int32, unscaled int64) cell {
	return cell{fmt.Sprintf("decimal256(%d, scale %d)", unscaled, scale), &arrow.Decimal256Type{Precision: 40, Scale: scale}, func(b array.Builder) {
		b.(*array.Decimal256Builder).Append(decimal256.FromI64(unscaled))
	}}
}

func ts(unit arrow.TimeUnit, zone string, t time.Time) cell {
	return cell{fmt.Sprintf("timestamp[%s, %q]", unit, zone), &arrow.TimestampType{Unit: unit, TimeZone: zone}, func(b array.Builder) {
		v, err := arrow.TimestampFromTime(t, unit)
		if err != nil {
			panic(err)
		}
		b.(*array.TimestampBuilder).Append(v)
	}}
}

// sameAll asserts every cell has the same fingerprint as the first.
func sameAll(t *testing.T, mem memory.Allocator, cells ...cell) {
	t.Helper()
	want := fp(t, mem, cells[0])
	for _, c := range cells[1:] {
		if got := fp(t, mem, c); got != want {
			t.Errorf("%s and %s differ: %v, %v", cells[0].name, c.name, want, got)
		}
	}
}

// allDifferent asserts no two cells share a fingerprint.
func allDifferent(t *testing.T, mem memory.Allocator, cells ...cell) {
	t.Helper()
	seen := map[rowhash.Fingerprint]string{}
	for _, c := range cells {
		v := fp(t, mem, c)
		if other, ok := seen[v]; ok {
			t.Errorf("%s and %s share a fingerprint", other, c.name)
		}
		seen[v] = c.name
	}
}

func TestNumbersByValue(t *testing.T) {
	mem := checktest.Allocator(t)
	p := arrow.PrimitiveTypes
	one := []cell{
		i64("int8", p.Int8, 1), i64("int16", p.Int16, 1), i64("int32", p.Int32, 1), i64("int64", p.Int64, 1),
		i64("uint8", p.Uint8, 1), i64("uint16", p.Uint16, 1), i64("uint32", p.Uint32, 1), i64("uint64", p.Uint64, 1),
		f64("float16", arrow.FixedWidthTypes.Float16, 1), f64("float32", p.Float32, 1), f64("float64", p.Float64, 1),
		dec128(2, 100), dec128(0, 1), dec128(5, 100000), dec256(2, 100), dec256(0, 1),
	}
	sameAll(t, mem, one...)
	sameAll(t, mem, i64("int64", p.Int64, -7), f64("float64", p.Float64, -7), dec128(1, -70), dec256(3, -7000), i64("int8", p.Int8, -7))
	sameAll(t, mem, i64("int64", p.Int64, 100), dec128(-2, 1)) // 1E+2
	sameAll(t, mem, f64("float64", p.Float64, 1.5), f64("float32", p.Float32, 1.5), f64("float16", arrow.FixedWidthTypes.Float16, 1.5),
		dec128(2, 150), dec256(1, 15))
	// A decimal that is not an integer is the float64 nearest its value,
	// as a CSV reader would parse the same text.
	sameAll(t, mem, f64("float64 -498.96", p.Float64, -498.96), dec128(2, -49896), dec256(2, -49896))
	sameAll(t, mem, f64("float64 0.1", p.Float64, 0.1), dec128(1, 1), dec256(4, 1000))
	// float32(0.1) widens exactly, so it is not float64 0.1.
	allDifferent(t, mem, f64("float64 0.1", p.Float64, 0.1), f64("float32 0.1", p.Float32, 0.1))
	// A number is not a string, a bool, a time or null.
	allDifferent(t, mem,
		i64("int 1", p.Int64, 1), i64("int 0", p.Int64, 0), i64("int 2", p.Int64, 2), f64("1.5", p.Float64, 1.5),
		str("string 1", arrow.BinaryTypes.String, "1"), str("string empty", arrow.BinaryTypes.String, ""),
		cell{"bool true", arrow.FixedWidthTypes.Boolean, func(b array.Builder) { b.(*array.BooleanBuilder).Append(true) }},
		cell{"bool false", arrow.FixedWidthTypes.Boolean, func(b array.Builder) { b.(*array.BooleanBuilder).Append(false) }},
		ts(arrow.Second, "", time.Unix(1, 0)), ts(arrow.Second, "", time.Unix(0, 0)),
		cell{"date32 day 1", arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).Append(1) }},
		cell{"null", p.Int64, nil},
		i64("uint64 max", p.Uint64, -1), i64("int64 -1", p.Int64, -1),
		f64("NaN", p.Float64, math.NaN()), f64("+Inf", p.Float64, math.Inf(1)), f64("-Inf", p.Float64, math.Inf(-1)),
	)
}

func TestNaNAndZero(t *testing.T) {
	mem := checktest.Allocator(t)
	p := arrow.PrimitiveTypes
	nan2 := math.Float64frombits(0x7ff8000000000001)
	sameAll(t, mem, f64("NaN", p.Float64, math.NaN()), f64("-NaN", p.Float64, math.Copysign(math.NaN(), -1)),
		f64("NaN payload", p.Float64, nan2), f64("float32 NaN", p.Float32, math.NaN()),
		f64("float16 NaN", arrow.FixedWidthTypes.Float16, math.NaN()))
	negZero := math.Copysign(0, -1)
	sameAll(t, mem, f64("0", p.Float64, 0), f64("-0", p.Float64, negZero), f64("float32 -0", p.Float32, negZero),
		f64("float16 -0", arrow.FixedWidthTypes.Float16, negZero), i64("int 0", p.Int64, 0), dec128(3, 0))
}

func TestStringsAndDictionaries(t *testing.T) {
	mem := checktest.Allocator(t)
	b := arrow.BinaryTypes
	sameAll(t, mem, str("string", b.String, "héllo"), str("large_string", b.LargeString, "héllo"),
		str("string_view", b.StringView, "héllo"), str("dictionary<int32>", dictString, "héllo"),
		str("dictionary<int8>", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: b.String}, "héllo"),
		str("dictionary<uint16>", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint16, ValueType: b.String}, "héllo"),
		str("binary", b.Binary, "héllo"))
	allDifferent(t, mem, str("a", b.String, "a"), str("A", b.String, "A"), str("a ", b.String, "a "),
		str("empty", b.String, ""), cell{"null", b.String, nil})
}

// TestDictionaryBatch: a dictionary column with repeated, null and unused
// entries hashes value by value as the plain column does, also when sliced.
func TestDictionaryBatch(t *testing.T) {
	mem := checktest.Allocator(t)
	vals := []*string{ptr("b"), ptr("a"), nil, ptr("b"), ptr("c"), nil, ptr("a")}
	sb := array.NewStringBuilder(mem)
	db := array.NewDictionaryBuilder(mem, dictString).(*array.BinaryDictionaryBuilder)
	for _, v := range vals {
		if v == nil {
			sb.AppendNull()
			db.AppendNull()
			continue
		}
		sb.Append(*v)
		if err := db.AppendString(*v); err != nil {
			t.Fatal(err)
		}
	}
	plain, dict := sb.NewArray(), db.NewArray()
	sb.Release()
	db.Release()
	defer plain.Release()
	defer dict.Release()
	for lo := 0; lo < len(vals); lo++ {
		ps, ds := array.NewSlice(plain, int64(lo), int64(len(vals))), array.NewSlice(dict, int64(lo), int64(len(vals)))
		a, b := make([]rowhash.Fingerprint, ps.Len()), make([]rowhash.Fingerprint, ds.Len())
		rowhash.Values(ps, a)
		rowhash.Values(ds, b)
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("slice from %d, value %d: plain %v, dictionary %v", lo, i, a[i], b[i])
			}
			if vals[lo+i] == nil && a[i] != rowhash.Null() {
				t.Errorf("slice from %d, value %d: null hashes as %v", lo, i, a[i])
			}
		}
		ps.Release()
		ds.Release()
	}
}

func ptr[T any](v T) *T { return &v }

// TestTimestamps: the same instant in every unit and zone is one value;
// dates by their day.
func TestTimestamps(t *testing.T) {
	mem := checktest.Allocator(t)
	for _, instant := range []time.Time{
		time.Date(2025, 6, 1, 12, 34, 56, 0, time.UTC),
		time.Unix(0, 0),
		time.Unix(-2, 0),
		time.Date(1969, 12, 31, 23, 59, 58, 0, time.UTC),
	} {
		var cells []cell
		for _, u := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
			for _, z := range []string{"", "UTC", "Europe/Paris", "+05:30"} {
				cells = append(cells, ts(u, z, instant))
			}
		}
		sameAll(t, mem, cells...)
	}
	// Sub-second instants, also before the epoch, in the units that hold them.
	for _, instant := range []time.Time{time.Unix(1, 500_000_000), time.Unix(-2, 500_000_000), time.Unix(-1, 999_000_000)} {
		sameAll(t, mem, ts(arrow.Millisecond, "", instant), ts(arrow.Microsecond, "UTC", instant), ts(arrow.Nanosecond, "Asia/Tokyo", instant))
	}
	allDifferent(t, mem, ts(arrow.Millisecond, "", time.Unix(1, 500_000_000)), ts(arrow.Millisecond, "", time.Unix(1, 0)),
		ts(arrow.Millisecond, "", time.Unix(2, 0)), ts(arrow.Millisecond, "", time.Unix(-2, 500_000_000)),
		ts(arrow.Millisecond, "", time.Unix(-1, 500_000_000)))
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	sameAll(t, mem,
		cell{"date32", arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).Append(arrow.Date32FromTime(day)) }},
		cell{"date64", arrow.FixedWidthTypes.Date64, func(b array.Builder) { b.(*array.Date64Builder).Append(arrow.Date64FromTime(day)) }})
	before := time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	sameAll(t, mem,
		cell{"date32 1969", arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).Append(arrow.Date32FromTime(before)) }},
		cell{"date64 1969", arrow.FixedWidthTypes.Date64, func(b array.Builder) { b.(*array.Date64Builder).Append(arrow.Date64FromTime(before)) }})
}

// TestNulls: null is one value whatever the column type.
func TestNulls(t *testing.T) {
	mem := checktest.Allocator(t)
	var cells []cell
	for _, dt := range []arrow.DataType{arrow.Null, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Float16, arrow.BinaryTypes.String, arrow.BinaryTypes.StringView,
		arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Boolean, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		arrow.FixedWidthTypes.Date32, &arrow.Decimal128Type{Precision: 10, Scale: 2}, dictString,
		arrow.ListOf(arrow.PrimitiveTypes.Int64)} {
		cells = append(cells, cell{"null " + dt.String(), dt, nil})
	}
	sameAll(t, mem, cells...)
	if got := fp(t, mem, cells[0]); got != rowhash.Null() {
		t.Errorf("null type: %v, want Null()", got)
	}
	// A dictionary entry that is null is null too.
	db := array.NewStringBuilder(mem)
	db.AppendNull()
	db.Append("x")
	dictVals := db.NewArray()
	db.Release()
	defer dictVals.Release()
	ib := array.NewInt32Builder(mem)
	ib.AppendValues([]int32{0, 1}, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	d := array.NewDictionaryArray(dictString, idx, dictVals)
	defer d.Release()
	if got := rowhash.Value(d, 0); got != rowhash.Null() {
		t.Errorf("null dictionary entry: %v, want Null()", got)
	}
}

// TestNested: lists hash by value, without panicking.
func TestNested(t *testing.T) {
	mem := checktest.Allocator(t)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	vb := lb.ValueBuilder().(*array.Int64Builder)
	for _, l := range [][]int64{{1, 2}, {2, 1}, {1, 2}, {}} {
		lb.Append(true)
		vb.AppendValues(l, nil)
	}
	lb.AppendNull()
	a := lb.NewArray()
	lb.Release()
	defer a.Release()
	out := make([]rowhash.Fingerprint, a.Len())
	rowhash.Values(a, out)
	if out[0] != out[2] || out[0] == out[1] || out[0] == out[3] || out[4] != rowhash.Null() || out[3] == rowhash.Null() {
		t.Errorf("list fingerprints %v", out)
	}
}

// TestOrder: a row's fingerprint depends on the order of its values, and
// values do not run into each other.
func TestOrder(t *testing.T) {
	x, y := rowhash.Int(1), rowhash.String("1")
	s := rowhash.Seed()
	if rowhash.Fold(rowhash.Fold(s, x), y) == rowhash.Fold(rowhash.Fold(s, y), x) {
		t.Error("(x, y) and (y, x) fold alike")
	}
	if rowhash.Fold(s, x) == x || rowhash.Fold(s, x) == s {
		t.Error("Fold returns one of its inputs")
	}
	mem := checktest.Allocator(t)
	rec := record(t, mem, []string{"ab", "a", "x"}, []string{"c", "bc", "x"}, nil)
	defer rec.Release()
	out := make([]rowhash.Fingerprint, 3)
	rowhash.Rows(rec, []int{0, 1}, out, nil)
	if out[0] == out[1] {
		t.Error(`("ab", "c") and ("a", "bc") share a fingerprint`)
	}
	swapped := make([]rowhash.Fingerprint, 3)
	rowhash.Rows(rec, []int{1, 0}, swapped, nil)
	if out[0] == swapped[0] {
		t.Error("column order does not matter")
	}
	if out[2] != swapped[2] {
		t.Error(`("x", "x") depends on which column came first`)
	}
	empty := make([]rowhash.Fingerprint, 3)
	rowhash.Rows(rec, nil, empty, nil)
	if empty[0] != rowhash.Seed() || empty[2] != rowhash.Seed() {
		t.Error("a row over no columns is not Seed()")
	}
}

// record builds a batch of string columns s0, s1 and an int64 column n.
func record(t testing.TB, mem memory.Allocator, a, b []string, n []int64) arrow.RecordBatch {
	t.Helper()
	sa, sb, nb := array.NewStringBuilder(mem), array.NewStringBuilder(mem), array.NewInt64Builder(mem)
	defer sa.Release()
	defer sb.Release()
	defer nb.Release()
	sa.AppendValues(a, nil)
	sb.AppendValues(b, nil)
	if n == nil {
		n = make([]int64, len(a))
	}
	nb.AppendValues(n, nil)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s0", Type: arrow.BinaryTypes.String}, {Name: "s1", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cols := []arrow.Array{sa.NewArray(), sb.NewArray(), nb.NewArray()}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return array.NewRecordBatch(schema, cols, int64(len(a)))
}

// TestNoCollisions: a million distinct rows get a million fingerprints.
func TestNoCollisions(t *testing.T) {
	const n = 1_000_000
	mem := checktest.Allocator(t)
	a, b, c := make([]string, n), make([]string, n), make([]int64, n)
	for i := range n {
		// Rows differ in one column only, by one character, or by how the
		// text is split between the two string columns.
		a[i] = fmt.Sprint(i / 1000)
		b[i] = fmt.Sprint(i % 1000)
		c[i] = int64(i % 7)
	}
	rec := record(t, mem, a, b, c)
	defer rec.Release()
	out := make([]rowhash.Fingerprint, n)
	var scratch []rowhash.Fingerprint
	rowhash.Rows(rec, []int{0, 1, 2}, out, &scratch)
	seen := make(map[rowhash.Fingerprint]struct{}, n)
	for _, f := range out {
		seen[f] = struct{}{}
	}
	if len(seen) != n {
		t.Errorf("%d distinct fingerprints for %d distinct rows", len(seen), n)
	}
	// Single values: strings and floats.
	clear(seen)
	for i := range n {
		seen[rowhash.String(fmt.Sprint(i))] = struct{}{}
		seen[rowhash.Float(float64(i)+0.5)] = struct{}{}
	}
	if len(seen) != 2*n {
		t.Errorf("%d distinct fingerprints for %d distinct values", len(seen), 2*n)
	}
}

// TestRowsIsFoldedValues: Rows equals folding Value cell by cell, for
// every supported type, with nulls, on sliced batches too.
func TestRowsIsFoldedValues(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 300
	types := []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.FixedWidthTypes.Float16, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		&arrow.Decimal128Type{Precision: 12, Scale: 2}, &arrow.Decimal256Type{Precision: 40, Scale: 3},
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView, arrow.BinaryTypes.Binary,
		arrow.FixedWidthTypes.Boolean, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
		&arrow.TimestampType{Unit: arrow.Second}, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		arrow.FixedWidthTypes.Time32ms, arrow.FixedWidthTypes.Time64us, arrow.FixedWidthTypes.Duration_ms,
		dictString, arrow.Null, arrow.ListOf(arrow.PrimitiveTypes.Int32),
	}
	var fields []arrow.Field
	var cols []arrow.Array
	for i, dt := range types {
		fields = append(fields, arrow.Field{Name: fmt.Sprint("c", i), Type: dt, Nullable: true})
		cols = append(cols, randomArray(t, mem, rng, dt, n))
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	all := make([]int, len(types))
	for i := range all {
		all[i] = i
	}
	var scratch []rowhash.Fingerprint
	for _, r := range []struct{ lo, hi int64 }{{0, n}, {17, 200}, {n - 1, n}, {5, 5}} {
		sl := rec.NewSlice(r.lo, r.hi)
		for _, colSet := range [][]int{all, {3, 13, 25}, {25, 0}} {
			out := make([]rowhash.Fingerprint, sl.NumRows())
			rowhash.Rows(sl, colSet, out, &scratch)
			for i := range int(sl.NumRows()) {
				want := rowhash.Seed()
				for _, c := range colSet {
					want = rowhash.Fold(want, rowhash.Value(sl.Column(c), i))
				}
				if out[i] != want {
					t.Fatalf("rows %d–%d, columns %v, row %d: Rows %v, folded Value %v", r.lo, r.hi, colSet, i, out[i], want)
				}
			}
		}
		sl.Release()
	}
}

// randomArray builds n values of dt, a fifth of them null, from small
// pools so that values repeat.
func randomArray(t testing.TB, mem memory.Allocator, rng *rand.Rand, dt arrow.DataType, n int) arrow.Array {
	t.Helper()
	if dt.ID() == arrow.NULL {
		return array.NewNull(n)
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for range n {
		if rng.IntN(5) == 0 {
			b.AppendNull()
			continue
		}
		k := rng.IntN(4)
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(k - 2))
		case *array.Int16Builder:
			b.Append(int16(k))
		case *array.Int32Builder:
			b.Append(int32(k))
		case *array.Int64Builder:
			b.Append(int64(k) << 40)
		case *array.Uint8Builder:
			b.Append(uint8(k))
		case *array.Uint16Builder:
			b.Append(uint16(k))
		case *array.Uint32Builder:
			b.Append(uint32(k))
		case *array.Uint64Builder:
			b.Append(uint64(k) << 62)
		case *array.Float16Builder:
			b.Append(float16.New(float32(k) / 2))
		case *array.Float32Builder:
			b.Append([]float32{float32(math.NaN()), 0.1, -0.0, 3}[k])
		case *array.Float64Builder:
			b.Append([]float64{math.NaN(), 0.1, math.Copysign(0, -1), math.Inf(1)}[k])
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(int64(k*50 - 50)))
		case *array.Decimal256Builder:
			b.Append(decimal256.FromI64(int64(k*500 + 1)))
		case *array.StringBuilder:
			b.Append([]string{"", "a", "héllo", "1"}[k])
		case *array.LargeStringBuilder:
			b.Append([]string{"", "b", "x y", "1"}[k])
		case *array.StringViewBuilder:
			b.Append([]string{"", "a long string that is not inlined in the view", "c", "1"}[k])
		case *array.BinaryBuilder:
			b.Append([]byte{byte(k), 0})
		case *array.BooleanBuilder:
			b.Append(k%2 == 0)
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(int64(k-2) * 1_500_000_001))
		case *array.Date32Builder:
			b.Append(arrow.Date32(k - 2))
		case *array.Date64Builder:
			b.Append(arrow.Date64(int64(k-2) * 86_400_000))
		case *array.Time32Builder:
			b.Append(arrow.Time32(k * 1000))
		case *array.Time64Builder:
			b.Append(arrow.Time64(k * 1_000_000))
		case *array.DurationBuilder:
			b.Append(arrow.Duration(k * 1000))
		case *array.BinaryDictionaryBuilder:
			if err := b.AppendString([]string{"p", "q", "r", "p"}[k]); err != nil {
				t.Fatal(err)
			}
		case *array.ListBuilder:
			b.Append(true)
			b.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{int32(k), 1}[:k%3], nil)
		default:
			t.Fatalf("no random values for %T", b)
		}
	}
	return b.NewArray()
}

// BenchmarkRows measures Rows over a 64K-row batch of two strings and an
// int64.
func BenchmarkRows(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	a, s, c := make([]string, n), make([]string, n), make([]int64, n)
	for i := range n {
		a[i] = fmt.Sprint("customer ", i%5000)
		s[i] = fmt.Sprint("order ", i)
		c[i] = int64(i)
	}
	rec := record(b, mem, a, s, c)
	defer rec.Release()
	out := make([]rowhash.Fingerprint, n)
	var scratch []rowhash.Fingerprint
	b.SetBytes(n * 3)
	b.ReportAllocs()
	for b.Loop() {
		rowhash.Rows(rec, []int{0, 1, 2}, out, &scratch)
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "rows/s")
}

// Tagged values never take another kind's tag: a duration or an instant
// whose nanoseconds would flip a tag's low bits stays apart from nulls and
// integers.
func TestTagsStayApart(t *testing.T) {
	mem := checktest.Allocator(t)
	dur := &arrow.DurationType{Unit: arrow.Nanosecond}
	ts := &arrow.TimestampType{Unit: arrow.Nanosecond}
	fps := map[rowhash.Fingerprint]string{rowhash.Null(): "null", rowhash.Int(5): "int 5", rowhash.Int(0): "int 0"}
	for _, ns := range []int64{1, 2, 5, 9, 10, 11, 15, 5_000_000_009, 5_000_000_011} {
		for _, c := range []cell{
			{"duration", dur, func(b array.Builder) { b.(*array.DurationBuilder).Append(arrow.Duration(ns)) }},
			{"timestamp", ts, func(b array.Builder) { b.(*array.TimestampBuilder).Append(arrow.Timestamp(ns)) }},
		} {
			a := build(t, mem, c)
			fp := rowhash.Value(a, 0)
			a.Release()
			name := fmt.Sprintf("%s %dns", c.name, ns)
			if other, ok := fps[fp]; ok {
				t.Errorf("%s hashes like %s", name, other)
			}
			fps[fp] = name
		}
	}
}

// Values marks exactly the null values Null, whatever the density of
// nulls and wherever a slice starts within a byte of the validity bitmap:
// every value is compared with its own fingerprint (Int, String) or Null.
func TestValuesNulls(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, density := range []float64{0, 0.02, 0.5, 0.97, 1} {
		ib := array.NewInt64Builder(memory.DefaultAllocator)
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		const n = 300
		for i := range n {
			if rng.Float64() < density {
				ib.AppendNull()
				sb.AppendNull()
				continue
			}
			ib.Append(int64(i))
			sb.Append(fmt.Sprint("v", i))
		}
		ints, strs := ib.NewInt64Array(), sb.NewStringArray()
		ib.Release()
		sb.Release()
		for lo := range 17 {
			for _, hi := range []int{lo, lo + 1, lo + 7, lo + 8, lo + 9, n - 3, n} {
				is := array.NewSlice(ints, int64(lo), int64(hi)).(*array.Int64)
				ss := array.NewSlice(strs, int64(lo), int64(hi)).(*array.String)
				gi, gs := make([]rowhash.Fingerprint, is.Len()), make([]rowhash.Fingerprint, ss.Len())
				rowhash.Values(is, gi)
				rowhash.Values(ss, gs)
				for i := range gi {
					wi, ws := rowhash.Null(), rowhash.Null()
					if is.IsValid(i) {
						wi, ws = rowhash.Int(is.Value(i)), rowhash.String(ss.Value(i))
					}
					if gi[i] != wi || gs[i] != ws {
						t.Fatalf("density %g, slice [%d:%d], value %d (null %v): int %v want %v, string %v want %v",
							density, lo, hi, i, is.IsNull(i), gi[i], wi, gs[i], ws)
					}
				}
				is.Release()
				ss.Release()
			}
		}
		ints.Release()
		strs.Release()
	}
}

// BenchmarkValuesNulls measures Values over a 64K-value int64 column with
// 2% nulls, as in the benchmark dataset.
func BenchmarkValuesNulls(b *testing.B) {
	const n = 64 * 1024
	rng := rand.New(rand.NewPCG(1, 2))
	ib := array.NewInt64Builder(memory.NewGoAllocator())
	for i := range n {
		if rng.IntN(50) == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int64(i))
		}
	}
	a := ib.NewInt64Array()
	defer a.Release()
	out := make([]rowhash.Fingerprint, n)
	for b.Loop() {
		rowhash.Values(a, out)
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "values/s")
}
