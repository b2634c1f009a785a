package timecol_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/timecol"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// micros is the oracle's conversion: the standard library's whole
// microseconds since the epoch (rounded towards the past).
func micros(t time.Time) int64 { return t.UnixMicro() }

// TestParseLayouts parses one value in every layout, with and without zone
// offsets; every result is the UTC instant written.
func TestParseLayouts(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-10T12:34:56Z", utc(2024, 3, 10, 12, 34, 56, 0)},
		{"2024-03-10T12:34:56.123456789Z", utc(2024, 3, 10, 12, 34, 56, 123456000)},
		{"2024-03-10T12:34:56.5+05:30", utc(2024, 3, 10, 7, 4, 56, 500000000)},
		{"2024-03-10T01:00:00-08:00", utc(2024, 3, 10, 9, 0, 0, 0)},
		{"2024-03-10T12:34:56", utc(2024, 3, 10, 12, 34, 56, 0)},
		{"2024-03-10T12:34:56.000001", utc(2024, 3, 10, 12, 34, 56, 1000)},
		{"2024-03-10 12:34:56Z", utc(2024, 3, 10, 12, 34, 56, 0)},
		{"2024-03-10 12:34:56+02:00", utc(2024, 3, 10, 10, 34, 56, 0)},
		{"2024-03-10 12:34:56.25", utc(2024, 3, 10, 12, 34, 56, 250000000)},
		{"2024-03-10 12:34:56", utc(2024, 3, 10, 12, 34, 56, 0)},
		{"2024-03-10 12:34:56 -0700", utc(2024, 3, 10, 19, 34, 56, 0)},
		{"2024-03-10 23:34:56 +0100", utc(2024, 3, 10, 22, 34, 56, 0)},
		{"2024-03-10T12:34:56+0200", utc(2024, 3, 10, 10, 34, 56, 0)},
		{"2024-03-10T00:30:00.75-0130", utc(2024, 3, 10, 2, 0, 0, 750000000)},
		{"2024-03-10 12:34", utc(2024, 3, 10, 12, 34, 0, 0)},
		{"2024-03-10", utc(2024, 3, 10, 0, 0, 0, 0)},
		{"2024/03/10 12:34:56", utc(2024, 3, 10, 12, 34, 56, 0)},
		{"2024/03/10", utc(2024, 3, 10, 0, 0, 0, 0)},
		{"2024-03", utc(2024, 3, 1, 0, 0, 0, 0)},
		// Across a date line: the UTC day differs from the written day.
		{"2024-01-01T02:00:00+14:00", utc(2023, 12, 31, 12, 0, 0, 0)},
		{"1900-01-01", utc(1900, 1, 1, 0, 0, 0, 0)},
		{"2500-12-31T23:59:59.999999Z", utc(2500, 12, 31, 23, 59, 59, 999999000)},
		{"9999-12-31", utc(9999, 12, 31, 0, 0, 0, 0)},
		{"0001-01-01", utc(1, 1, 1, 0, 0, 0, 0)},
		{"1969-12-31T23:59:59.9999995Z", utc(1969, 12, 31, 23, 59, 59, 999999000)}, // floor, not round
	}
	for _, c := range cases {
		got, ok := timecol.Parse(c.in)
		if !ok || got != micros(c.want) {
			t.Errorf("Parse(%q) = %d, %v; want %d (%s)", c.in, got, ok, micros(c.want), c.want.Format(time.RFC3339Nano))
		}
		if ok && !timecol.ToTime(got).Equal(c.want.Truncate(time.Microsecond)) {
			t.Errorf("ToTime(Parse(%q)) = %s, want %s", c.in, timecol.ToTime(got), c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "2024", "abc", "yesterday", "2024-13-01", "2024-02-30", "2024-1-5",
		"20240310", "10/03/2024", "03/10/2024", " 2024-03-10", "2024-03-10 ", "2024-03-10T25:00:00Z",
		"2024-03-10T12:34:56ZZ", "-2024-03-10", "+2024-03-10", "2024-03-10T12:34:56+2", "１２３４-01-01"} {
		if v, ok := timecol.Parse(s); ok {
			t.Errorf("Parse(%q) = %d, true; want not a time", s, v)
		}
	}
}

func TestToTimeFromTime(t *testing.T) {
	for _, tm := range []time.Time{
		utc(1970, 1, 1, 0, 0, 0, 0), utc(1969, 12, 31, 23, 59, 59, 999999000), utc(1900, 1, 1, 0, 0, 0, 1000),
		utc(2262, 4, 12, 0, 0, 0, 0), utc(2500, 6, 1, 12, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59, 999999000),
		utc(1, 1, 1, 0, 0, 0, 0), utc(-5000, 3, 1, 0, 0, 0, 0), utc(200000, 1, 1, 0, 0, 0, 0),
		time.Date(2024, 3, 10, 12, 0, 0, 0, time.FixedZone("x", -7*3600)),
	} {
		us := timecol.FromTime(tm)
		if us != micros(tm) {
			t.Errorf("FromTime(%s) = %d, want %d", tm, us, micros(tm))
		}
		back := timecol.ToTime(us)
		if !back.Equal(tm) || back.Location() != time.UTC {
			t.Errorf("ToTime(FromTime(%s)) = %s, want the same instant in UTC", tm, back)
		}
	}
	// Sub-microsecond parts are dropped towards the past, also before 1970.
	if got := timecol.FromTime(time.Unix(-1, 999_999_999)); got != -1 {
		t.Errorf("FromTime(-1ns) = %d, want -1", got)
	}
}

func TestSupported(t *testing.T) {
	yes := []arrow.DataType{
		arrow.FixedWidthTypes.Timestamp_s, arrow.FixedWidthTypes.Timestamp_ms, arrow.FixedWidthTypes.Timestamp_us,
		arrow.FixedWidthTypes.Timestamp_ns, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Paris"},
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
	}
	no := []arrow.DataType{
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.Binary,
		arrow.Null, arrow.FixedWidthTypes.Time32s, arrow.FixedWidthTypes.Duration_s, arrow.ListOf(arrow.BinaryTypes.String),
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.PrimitiveTypes.Int64},
		&arrow.Decimal128Type{Precision: 10, Scale: 2},
	}
	for _, dt := range yes {
		if !timecol.Supported(dt) {
			t.Errorf("Supported(%s) = false", dt)
		}
	}
	for _, dt := range no {
		if timecol.Supported(dt) {
			t.Errorf("Supported(%s) = true", dt)
		}
	}
}

type want struct {
	us int64
	ok bool
}

func check(t *testing.T, name string, a arrow.Array, wants []want, wantUnparsed int64) {
	t.Helper()
	out := make([]int64, a.Len())
	ok := make([]bool, a.Len())
	unparsed := timecol.Micros(a, out, ok)
	if unparsed != wantUnparsed {
		t.Errorf("%s: unparsed %d, want %d", name, unparsed, wantUnparsed)
	}
	for i, w := range wants {
		if ok[i] != w.ok || (w.ok && out[i] != w.us) {
			t.Errorf("%s[%d]: %d, %v; want %d, %v", name, i, out[i], ok[i], w.us, w.ok)
		}
	}
}

// TestMicrosTimestampUnits: every unit, with and without a zone, before
// 1970, and beyond the nanosecond range (2262) for the coarser units.
func TestMicrosTimestampUnits(t *testing.T) {
	mem := checktest.Allocator(t)
	times := []time.Time{utc(2024, 3, 10, 12, 34, 56, 0), utc(1900, 1, 1, 0, 0, 0, 0), utc(1969, 12, 31, 23, 59, 59, 0),
		utc(2500, 7, 4, 1, 2, 3, 0), utc(9999, 12, 31, 23, 59, 59, 0), utc(1, 1, 1, 0, 0, 0, 0)}
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		for _, zone := range []string{"", "UTC", "Asia/Kolkata"} {
			dt := &arrow.TimestampType{Unit: unit, TimeZone: zone}
			b := array.NewTimestampBuilder(mem, dt)
			var wants []want
			for _, tm := range times {
				if unit == arrow.Nanosecond && (tm.Year() > 2262 || tm.Year() < 1678) {
					continue
				}
				v, err := arrow.TimestampFromTime(tm, unit)
				if err != nil {
					t.Fatal(err)
				}
				b.Append(v)
				wants = append(wants, want{micros(tm), true})
			}
			b.AppendNull()
			wants = append(wants, want{0, false})
			a := b.NewArray()
			b.Release()
			check(t, fmt.Sprintf("timestamp[%s, %q]", unit, zone), a, wants, 0)
			a.Release()
		}
	}
}

// TestMicrosSubMicrosecond: nanosecond values are floored to the
// microsecond, before 1970 too.
func TestMicrosSubMicrosecond(t *testing.T) {
	mem := checktest.Allocator(t)
	b := array.NewTimestampBuilder(mem, arrow.FixedWidthTypes.Timestamp_ns.(*arrow.TimestampType))
	defer b.Release()
	for _, v := range []int64{0, 999, 1000, 1999, -1, -999, -1000, -1001, math.MaxInt64, math.MinInt64} {
		b.Append(arrow.Timestamp(v))
	}
	a := b.NewArray()
	defer a.Release()
	check(t, "ns", a, []want{{0, true}, {0, true}, {1, true}, {1, true}, {-1, true}, {-1, true}, {-1, true}, {-2, true},
		{math.MaxInt64 / 1000, true}, {math.MinInt64/1000 - 1, true}}, 0)
}

// TestMicrosOutOfRange: seconds and milliseconds beyond the microsecond
// range are not times, and are not counted as unparsed strings.
func TestMicrosOutOfRange(t *testing.T) {
	mem := checktest.Allocator(t)
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond} {
		b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: unit})
		b.AppendValues([]arrow.Timestamp{math.MaxInt64, math.MinInt64, 1}, nil)
		a := b.NewArray()
		b.Release()
		per := int64(1_000_000)
		if unit == arrow.Millisecond {
			per = 1000
		}
		check(t, unit.String(), a, []want{{0, false}, {0, false}, {per, true}}, 0)
		a.Release()
	}
	// A year of 200000 fits microseconds when given in seconds.
	tm := utc(200000, 1, 1, 0, 0, 0, 0)
	b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Second})
	b.Append(arrow.Timestamp(tm.Unix()))
	a := b.NewArray()
	b.Release()
	check(t, "year 200000", a, []want{{micros(tm), true}}, 0)
	a.Release()
}

func TestMicrosDates(t *testing.T) {
	mem := checktest.Allocator(t)
	days := []int32{0, 1, -1, 19792, -25567 /* 1900-01-01 */, 2932896 /* 9999-12-31 */, 106751991, -106751991,
		106751992, -106751992, math.MaxInt32, math.MinInt32}
	d32 := array.NewDate32Builder(mem)
	d64 := array.NewDate64Builder(mem)
	var wants []want
	for _, d := range days {
		d32.Append(arrow.Date32(d))
		// Date64 holds milliseconds; the oracle uses the calendar.
		tm := time.Unix(0, 0).UTC().AddDate(0, 0, int(d))
		in := d >= -106751991 && d <= 106751991
		if in {
			d64.Append(arrow.Date64(tm.UnixMilli()))
		} else {
			d64.Append(arrow.Date64(int64(d) * 86_400_000))
		}
		wants = append(wants, want{int64(d) * 86_400_000_000, in})
	}
	d32.AppendNull()
	d64.AppendNull()
	wants = append(wants, want{0, false})
	a32, a64 := d32.NewArray(), d64.NewArray()
	d32.Release()
	d64.Release()
	defer a32.Release()
	defer a64.Release()
	check(t, "date32", a32, wants, 0)
	// Milliseconds of ±106751992 days still fit int64; their microseconds
	// do not.
	check(t, "date64", a64, wants, 0)
	for i, d := range days[:6] {
		if got := timecol.ToTime(int64(d) * 86_400_000_000); !got.Equal(time.Unix(0, 0).UTC().AddDate(0, 0, int(d))) {
			t.Errorf("day %d (%d): %s", i, d, got)
		}
	}
}

// TestMicrosStrings: string, large string, string view and dictionary
// columns, with nulls and unparsable values; slices keep their offsets.
func TestMicrosStrings(t *testing.T) {
	mem := checktest.Allocator(t)
	vals := []any{"2024-03-10T12:34:56+05:30", nil, "not a time", "2024-03-10", "", "1900-01-01 00:00:00", "2500-01-01T00:00:00Z", "03/10/2024"}
	var wants []want
	var unparsed int64
	for _, v := range vals {
		if v == nil {
			wants = append(wants, want{0, false})
			continue
		}
		us, ok := timecol.Parse(v.(string))
		if !ok {
			unparsed++
		}
		wants = append(wants, want{us, ok})
	}
	if unparsed != 3 || wants[0].us != micros(utc(2024, 3, 10, 7, 4, 56, 0)) {
		t.Fatalf("test data: %d unparsable, first %d", unparsed, wants[0].us)
	}
	builders := map[string]array.Builder{
		"string":       array.NewStringBuilder(mem),
		"large_string": array.NewLargeStringBuilder(mem),
		"string_view":  array.NewStringViewBuilder(mem),
	}
	for name, b := range builders {
		for _, v := range vals {
			if v == nil {
				b.AppendNull()
			} else {
				b.(interface{ Append(string) }).Append(v.(string))
			}
		}
		a := b.NewArray()
		b.Release()
		check(t, name, a, wants, unparsed)
		s := array.NewSlice(a, 2, 7)
		check(t, name+" slice", s, wants[2:7], 2)
		s.Release()
		a.Release()
	}
}

func TestMicrosDictionary(t *testing.T) {
	mem := checktest.Allocator(t)
	// Dictionary entries: a time, an unparsable string, a null entry.
	db := array.NewStringBuilder(mem)
	db.Append("2024-03-10T00:00:00-01:00")
	db.Append("soon")
	db.AppendNull()
	db.Append("2500-01-01")
	dict := db.NewArray()
	db.Release()
	defer dict.Release()
	ib := array.NewInt16Builder(mem)
	ib.AppendValues([]int16{0, 1, 2, 3, 1, 0, 0}, []bool{true, true, true, true, true, false, true})
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	a := array.NewDictionaryArray(dt, idx, dict)
	defer a.Release()
	t0 := micros(utc(2024, 3, 10, 1, 0, 0, 0))
	t1 := micros(utc(2500, 1, 1, 0, 0, 0, 0))
	// A row pointing at the unparsable entry is unparsed once per row; a
	// null index and a null entry are null.
	check(t, "dictionary", a, []want{{t0, true}, {0, false}, {0, false}, {t1, true}, {0, false}, {0, false}, {t0, true}}, 2)
	s := array.NewSlice(a, 3, 7)
	defer s.Release()
	check(t, "dictionary slice", s, []want{{t1, true}, {0, false}, {0, false}, {t0, true}}, 1)

	// A dictionary of timestamps reads its values; one of integers holds
	// no times and no unparsed strings.
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Millisecond})
	tb.AppendValues([]arrow.Timestamp{1000, -1}, nil)
	tdict := tb.NewArray()
	tb.Release()
	defer tdict.Release()
	ib2 := array.NewInt16Builder(mem)
	ib2.AppendValues([]int16{0, 1, 1, 0}, nil)
	idx2 := ib2.NewArray()
	ib2.Release()
	defer idx2.Release()
	ta2 := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: tdict.DataType()}, idx2, tdict)
	defer ta2.Release()
	check(t, "timestamp dictionary", ta2, []want{{1_000_000, true}, {-1000, true}, {-1000, true}, {1_000_000, true}}, 0)

	nb := array.NewInt64Builder(mem)
	nb.AppendValues([]int64{5, 6}, nil)
	ndict := nb.NewArray()
	nb.Release()
	defer ndict.Release()
	na := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: ndict.DataType()}, idx2, ndict)
	defer na.Release()
	check(t, "int64 dictionary", na, []want{{0, false}, {0, false}, {0, false}, {0, false}}, 0)
}

// TestMicrosOtherTypes: a column that cannot hold times gives no times and
// no unparsed strings, and never panics.
func TestMicrosOtherTypes(t *testing.T) {
	mem := checktest.Allocator(t)
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2}, []bool{true, false})
	ia := ib.NewArray()
	ib.Release()
	defer ia.Release()
	check(t, "int64", ia, []want{{0, false}, {0, false}}, 0)
	na := array.NewNull(3)
	defer na.Release()
	check(t, "null", na, []want{{0, false}, {0, false}, {0, false}}, 0)
	bb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bb.Append([]byte("2024-01-01"))
	ba := bb.NewArray()
	bb.Release()
	defer ba.Release()
	check(t, "binary", ba, []want{{0, false}}, 0)
}

// layouts are format layouts an exporter might use, each with the zone it
// writes in; Parse must read all of them.
var layouts = []struct {
	layout string
	zone   *time.Location
}{
	{time.RFC3339Nano, time.UTC},
	{time.RFC3339Nano, time.FixedZone("", 5*3600+30*60)},
	{time.RFC3339, time.FixedZone("", -8*3600)},
	{"2006-01-02T15:04:05.000000", time.UTC},
	{"2006-01-02 15:04:05Z07:00", time.FixedZone("", 14*3600)},
	{"2006-01-02 15:04:05.000", time.UTC},
	{"2006-01-02 15:04:05 -0700", time.FixedZone("", -3*3600-30*60)},
	{"2006-01-02T15:04:05.999999-0700", time.FixedZone("", 9*3600)},
	{"2006-01-02 15:04", time.UTC},
	{"2006-01-02", time.UTC},
	{"2006/01/02 15:04:05", time.UTC},
	{"2006/01/02", time.UTC},
	{"2006-01", time.UTC},
}

// TestMicrosParseAgree: random instants from 1900 to 2500 written in every
// layout: Micros over a string column agrees with Parse value by value,
// and both with the instant the string was written from, at the layout's
// precision.
func TestMicrosParseAgree(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 4))
	lo, hi := utc(1900, 1, 1, 0, 0, 0, 0).UnixMicro(), utc(2500, 12, 31, 0, 0, 0, 0).UnixMicro()
	b := array.NewStringBuilder(mem)
	var wants []want
	for range 5000 {
		tm := time.UnixMicro(lo + rng.Int64N(hi-lo))
		l := layouts[rng.IntN(len(layouts))]
		s := tm.In(l.zone).Format(l.layout)
		// What was written, read back with the layout it was written in.
		back, err := time.Parse(l.layout, s)
		if err != nil {
			t.Fatal(err)
		}
		if l.zone != time.UTC {
			back, err = time.ParseInLocation(l.layout, s, l.zone)
			if err != nil {
				t.Fatal(err)
			}
		}
		b.Append(s)
		wants = append(wants, want{back.UnixMicro(), true})
		if got, ok := timecol.Parse(s); !ok || got != back.UnixMicro() {
			t.Fatalf("Parse(%q) = %d, %v; want %d", s, got, ok, back.UnixMicro())
		}
	}
	a := b.NewArray()
	b.Release()
	defer a.Release()
	check(t, "random", a, wants, 0)
}
