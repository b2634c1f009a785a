package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"
)

// Helpers shared by csv_test.go and ndjson_test.go.

// textFile writes data (compressed as the name's extension says) to a
// temporary file and returns it as an input.
func textFile(t *testing.T, name string, data string) *Input {
	t.Helper()
	f, c, ok := DetectFormat(name)
	if !ok {
		t.Fatalf("%s: no format", name)
	}
	raw := []byte(data)
	switch c {
	case Gzip:
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(raw)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		raw = b.Bytes()
	case Zstd:
		var b bytes.Buffer
		w, err := zstd.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		raw = b.Bytes()
	}
	return textRawFile(t, name, raw, f, c)
}

func textRawFile(t *testing.T, name string, raw []byte, f Format, c Compression) *Input {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return &Input{Path: path, Format: f, Compression: c, Size: int64(len(raw))}
}

// textRead is what reading a text input produced.
type textRead struct {
	schema  *arrow.Schema // the file's inferred schema
	read    *arrow.Schema // the schema of the batches
	rows    [][]any
	batches []int
}

// col returns column name of the rows read.
func (r *textRead) col(t *testing.T, name string) []any {
	t.Helper()
	idx := r.read.FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %q in %v", name, r.read)
	}
	out := make([]any, len(r.rows))
	for i, row := range r.rows {
		out[i] = row[idx[0]]
	}
	return out
}

// textOpenRead opens in and reads the named columns (all when nil) as the
// given types, checking that the allocator is left empty.
func textOpenRead(t *testing.T, in *Input, columns []string, types map[string]arrow.DataType, opts ReadOptions) (*textRead, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Mem = mem
	open := openers[in.Format]
	src, err := open(context.Background(), in, opts)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if u := src.Units(); len(u) != 1 || u[0] != (Unit{Index: 0, Rows: -1, Offset: 0}) {
		t.Errorf("units %+v, want one whole-file unit", u)
	}
	if !src.Inferred() || src.Rows() != -1 {
		t.Errorf("Inferred %v Rows %d, want true -1", src.Inferred(), src.Rows())
	}
	res := &textRead{schema: src.Schema()}
	if columns == nil {
		for _, f := range src.Schema().Fields() {
			columns = append(columns, f.Name)
		}
	}
	rr, err := src.Read(context.Background(), src.Units()[0], columns, types, opts)
	if err != nil {
		return res, err
	}
	defer rr.Release()
	res.read = rr.Schema()
	for rr.Next() {
		rec := rr.RecordBatch()
		if !rec.Schema().Equal(rr.Schema()) {
			t.Errorf("batch schema %v, reader schema %v", rec.Schema(), rr.Schema())
		}
		res.batches = append(res.batches, int(rec.NumRows()))
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j, c := range rec.Columns() {
				row[j] = textValue(c, i)
			}
			res.rows = append(res.rows, row)
		}
	}
	return res, rr.Err()
}

// textValue is a plain Go value for comparisons: nil for null; binary
// values as strings; dates as YYYY-MM-DD and timestamps as RFC 3339 in
// UTC ("Z" appended only when the type has a zone).
func textValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.LargeBinary:
		return string(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Date64:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		s := a.Value(i).ToTime(tt.Unit).Format("2006-01-02T15:04:05.999999999")
		if tt.TimeZone != "" {
			s += "Z"
		}
		return s
	}
	return fmt.Sprintf("unhandled %s", a.DataType())
}

func textSameValue(a, b any) bool {
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok && math.IsNaN(fa) && math.IsNaN(fb) {
			return true
		}
	}
	return a == b
}

func textWantColumn(t *testing.T, r *textRead, name string, want ...any) {
	t.Helper()
	got := r.col(t, name)
	if len(got) != len(want) {
		t.Errorf("column %q: %d values %v, want %d %v", name, len(got), got, len(want), want)
		return
	}
	for i := range got {
		if !textSameValue(got[i], want[i]) {
			t.Errorf("column %q row %d: %#v, want %#v", name, i, got[i], want[i])
		}
	}
}

// textWantSchema checks the names and types of a schema, written as
// "name:type" pairs.
func textWantSchema(t *testing.T, sc *arrow.Schema, want ...string) {
	t.Helper()
	var got []string
	for _, f := range sc.Fields() {
		got = append(got, f.Name+":"+f.Type.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("schema\n got  %s\n want %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

// textWantErr checks err is an *InputError for in that mentions every part.
func textWantErr(t *testing.T, in *Input, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != in.Path {
		t.Errorf("error %v (%T) is not an InputError for %s", err, err, in.Path)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestInferClassify(t *testing.T) {
	cases := map[string]valueKind{
		"true": kindBool, "FALSE": kindBool, "True": kindBool, "yes": kindString, "t": kindString,
		"0": kindInt, "-12": kindInt, "+7": kindInt, "9223372036854775807": kindInt,
		"9223372036854775808": kindFloat,  // beyond int64
		"007":                 kindString, // leading zero: a code, not a number
		"1.5":                 kindFloat, "-0.25": kindFloat, ".5": kindFloat, "5.": kindFloat, "1e3": kindFloat, "2.5E-3": kindFloat,
		"NaN": kindFloat, "nan": kindFloat, "Inf": kindFloat, "-Inf": kindFloat, "+infinity": kindFloat,
		"-NaN": kindString, "1_000": kindString, "0x10": kindString, "1e": kindString, ".": kindString, "-": kindString,
		"1,5": kindString, " 1": kindString, "1 ": kindString, "  ": kindString, "": kindString, "00.5": kindString,
		"2024-01-02": kindDate, "2024-02-29": kindDate, "2023-02-29": kindString, "2024-13-01": kindString,
		"2024-1-02":                 kindString,
		"2024-01-02T03:04:05":       kindTimestamp,
		"2024-01-02 03:04:05.123":   kindTimestamp,
		"2024-01-02t03:04":          kindTimestamp,
		"2024-01-02T03:04:05Z":      kindTimestampTZ,
		"2024-01-02T03:04:05+02:00": kindTimestampTZ,
		"2024-01-02 03:04:05-0530":  kindTimestampTZ,
		"2024-01-02T03:04:05.1+01":  kindTimestampTZ,
		"2024-01-02T24:00:00":       kindString,
		"2024-01-02T03:04:05.":      kindString,
		"2024-01-02T03:04:05 Z":     kindString,
		"2024-01-02Z":               kindString,
		"2024-01-02T03:04:05+2":     kindString,
	}
	for s, want := range cases {
		if got := classifyText(s); got != want {
			t.Errorf("classifyText(%q) = %s, want %s", s, got.describe(), want.describe())
		}
	}
}

func TestInferKindSet(t *testing.T) {
	set := func(ks ...valueKind) kindSet {
		var s kindSet
		for _, k := range ks {
			s = s.add(k)
		}
		return s
	}
	cases := []struct {
		kinds []valueKind
		want  arrow.DataType
	}{
		{nil, arrow.BinaryTypes.String},
		{[]valueKind{kindNull, kindNull}, arrow.BinaryTypes.String},
		{[]valueKind{kindNull, kindInt}, arrow.PrimitiveTypes.Int64},
		{[]valueKind{kindInt, kindFloat}, arrow.PrimitiveTypes.Float64},
		{[]valueKind{kindFloat}, arrow.PrimitiveTypes.Float64},
		{[]valueKind{kindBool, kindNull}, arrow.FixedWidthTypes.Boolean},
		{[]valueKind{kindBool, kindInt}, arrow.BinaryTypes.String},
		{[]valueKind{kindDate}, arrow.FixedWidthTypes.Date32},
		{[]valueKind{kindDate, kindTimestamp}, arrow.BinaryTypes.String},
		{[]valueKind{kindTimestamp}, &arrow.TimestampType{Unit: arrow.Microsecond}},
		{[]valueKind{kindTimestampTZ}, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{[]valueKind{kindTimestamp, kindTimestampTZ}, arrow.BinaryTypes.String},
		{[]valueKind{kindNested}, arrow.BinaryTypes.String},
		{[]valueKind{kindInt, kindString}, arrow.BinaryTypes.String},
	}
	for _, c := range cases {
		if got := set(c.kinds...).dataType(); !arrow.TypeEqual(got, c.want) {
			t.Errorf("%v: %s, want %s", c.kinds, got, c.want)
		}
	}
}

func TestInferParseValues(t *testing.T) {
	// Oracles: the time package and literal numbers.
	utc := func(y int, m time.Month, d, hh, mm, ss, ns int) int64 {
		return time.Date(y, m, d, hh, mm, ss, ns, time.UTC).UnixNano()
	}
	ts := []struct {
		in    string
		nanos int64
		zoned bool
	}{
		{"2024-01-02T03:04:05Z", utc(2024, 1, 2, 3, 4, 5, 0), true},
		{"2024-01-02T03:04:05+02:00", utc(2024, 1, 2, 1, 4, 5, 0), true},
		{"2024-01-02T03:04:05-0130", utc(2024, 1, 2, 4, 34, 5, 0), true},
		{"2024-01-02 00:30:00+01", utc(2024, 1, 1, 23, 30, 0, 0), true},
		{"2024-01-02 03:04:05.5", utc(2024, 1, 2, 3, 4, 5, 500000000), false},
		{"2024-01-02T03:04:05.123456789z", utc(2024, 1, 2, 3, 4, 5, 123456789), true},
		{"1969-12-31T23:59:59.25", utc(1969, 12, 31, 23, 59, 59, 250000000), false},
		{"2024-01-02T03:04", utc(2024, 1, 2, 3, 4, 0, 0), false},
		{"2016-12-31T23:59:60Z", utc(2017, 1, 1, 0, 0, 0, 0), true},
	}
	for _, c := range ts {
		sec, nsec, zoned, ok := parseTimestampText(c.in)
		if !ok || sec*1e9+nsec != c.nanos || zoned != c.zoned {
			t.Errorf("parseTimestampText(%q) = %d %d %v %v, want %d %v", c.in, sec, nsec, zoned, ok, c.nanos, c.zoned)
		}
	}
	// Microseconds truncate toward the past, also before 1970.
	sec, nsec, _, _ := parseTimestampText("1969-12-31T23:59:59.9999999")
	if us, ok := timestampIn(sec, nsec, arrow.Microsecond); !ok || us != -1 {
		t.Errorf("1969-12-31T23:59:59.9999999 in us = %d, want -1", us)
	}
	sec, nsec, _, _ = parseTimestampText("2300-01-01T00:00:00")
	if _, ok := timestampIn(sec, nsec, arrow.Nanosecond); ok {
		t.Error("year 2300 fits in timestamp[ns]")
	}
	for _, d := range []string{"1970-01-01", "2000-02-29", "1900-03-01", "0001-01-01", "9999-12-31", "1600-02-29"} {
		want, _ := time.Parse("2006-01-02", d)
		got, ok := parseDateText(d)
		if !ok || int64(got) != want.Unix()/86400 {
			t.Errorf("parseDateText(%q) = %d %v, want %d", d, got, ok, want.Unix()/86400)
		}
	}
	for _, d := range []string{"1900-02-29", "2024-04-31", "2024-00-10", "2024-01-00", "20240102", "2024-01-02x"} {
		if _, ok := parseDateText(d); ok {
			t.Errorf("parseDateText(%q) accepted", d)
		}
	}
	floats := map[string]float64{"1.5": 1.5, "-2": -2, "1e3": 1000, ".25": 0.25, "Inf": math.Inf(1), "-infinity": math.Inf(-1), "1e400": math.Inf(1)}
	for s, want := range floats {
		if got, ok := parseFloatText(s); !ok || got != want {
			t.Errorf("parseFloatText(%q) = %v %v, want %v", s, got, ok, want)
		}
	}
	if got, ok := parseFloatText("NaN"); !ok || !math.IsNaN(got) {
		t.Errorf("parseFloatText(NaN) = %v %v", got, ok)
	}
}

func TestInferHeaderNames(t *testing.T) {
	got := csvColumnNames([]string{"a", "a", "b", "a_2", "", "a"}, true)
	want := []string{"a", "a_3", "b", "a_2", "col_5", "a_4"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("names %v, want %v", got, want)
	}
	got = csvColumnNames([]string{"x", "y"}, false)
	if strings.Join(got, ",") != "col_1,col_2" {
		t.Errorf("names %v, want col_1,col_2", got)
	}
}

func TestInferSniff(t *testing.T) {
	cases := []struct {
		text string
		want rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a\tb\n1\t2\n", '\t'},
		{"a;b\n1,5;2,5\n", ';'},
		{"a|b\n\"x|y\"|2\n", '|'},
		{"a,b\n1,2\n3,4,5\n6,7\n", ','},             // ragged: still the delimiter of most rows
		{"text\nhello, world\nbye\n", '\t'},         // one column whose text has commas
		{"name;note\nann;\"a;b\"\nbob;c\n", ';'},    // quotes respected
		{"only\n", ','},                             // one column: nothing splits, the default
		{"a,b;c\n1,2;3\n", ','},                     // both consistent: preference order
		{"\"a,b\";c\n\"1,2\";3\n\"4\n5\";6\n", ';'}, // a newline inside quotes
	}
	for _, c := range cases {
		if got := sniffDelimiter([]byte(c.text), true, 100); got != c.want {
			t.Errorf("sniff %q = %q, want %q", c.text, got, c.want)
		}
	}
}
