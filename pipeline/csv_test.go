package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	csvI64   = arrow.PrimitiveTypes.Int64
	csvF64   = arrow.PrimitiveTypes.Float64
	csvStr   = arrow.BinaryTypes.String
	csvTS    = &arrow.TimestampType{Unit: arrow.Microsecond}
	csvTSUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

func TestCSVDelimiterSniffing(t *testing.T) {
	cases := []struct {
		name, data string
	}{
		{"comma.csv", "id,name,score\n1,ann,2.5\n2,\"bob, jr\",3\n"},
		{"tab.csv", "id\tname\tscore\n1\tann\t2.5\n2\tbob, jr\t3\n"},
		{"semicolon.csv", "id;name;score\n1;ann;2.5\n2;bob, jr;3\n"},
		{"pipe.csv", "id|name|score\n1|ann|2.5\n2|bob, jr|3\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := textFile(t, c.name, c.data)
			r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			textWantSchema(t, r.schema, "id:int64", "name:utf8", "score:float64")
			textWantColumn(t, r, "id", int64(1), int64(2))
			textWantColumn(t, r, "name", "ann", "bob, jr")
			textWantColumn(t, r, "score", 2.5, 3.0)
		})
	}
}

func TestCSVDelimiterOptions(t *testing.T) {
	// A .tsv file is tab-separated without sniffing, even where commas
	// would split every line the same way.
	in := textFile(t, "a.tsv", "a,b\tc\n1,2\t3\n")
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "a,b:utf8", "c:int64")
	textWantColumn(t, r, "a,b", "1,2")

	// An explicit delimiter wins over sniffing.
	in = textFile(t, "b.csv", "a;b,c\n1;2,3\n")
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{Delimiter: ';'}})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "a:int64", "b,c:utf8")
	textWantColumn(t, r, "b,c", "2,3")

	_, err = textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{Delimiter: '"'}})
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Errorf("delimiter '\"': %v, want a usage error", err)
	}
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{Header: "maybe"}})
	if !errors.As(err, &ue) {
		t.Errorf("header maybe: %v, want a usage error", err)
	}
}

func TestCSVHeaderDetection(t *testing.T) {
	cases := []struct {
		name, data, header string
		schema             []string
		first              string // column, first value
		firstWant          any
	}{
		{"ints under names", "name,age\nann,30\nbob,41\n", "", []string{"name:utf8", "age:int64"}, "age", int64(30)},
		{"all numbers", "1,2\n3,4\n", "", []string{"col_1:int64", "col_2:int64"}, "col_1", int64(1)},
		{"text with repeats below", "city,country\nParis,France\nLyon,France\n", "", []string{"city:utf8", "country:utf8"}, "city", "Paris"},
		{"first value repeats in its column", "ann,x\nann,y\nbob,z\n", "", []string{"col_1:utf8", "col_2:utf8"}, "col_1", "ann"},
		{"first row has an empty value", "a,\nb,c\n", "", []string{"col_1:utf8", "col_2:utf8"}, "col_1", "a"},
		{"repeated names over numbers", "a,a\n1,2\n", "", []string{"a:int64", "a_2:int64"}, "a_2", int64(2)},
		{"repeated words over words", "a,a\nb,c\n", "", []string{"col_1:utf8", "col_2:utf8"}, "col_2", "a"},
		{"dates under names", "day,n\n2024-01-01,1\n2024-01-02,2\n", "auto", []string{"day:date32", "n:int64"}, "day", "2024-01-01"},
		{"forced yes", "1,2\n3,4\n", "yes", []string{"1:int64", "2:int64"}, "1", int64(3)},
		{"forced no", "name,age\nann,30\n", "no", []string{"col_1:utf8", "col_2:utf8"}, "col_2", "age"},
		{"forced yes, duplicate names", "a,a,b,a\n1,2,3,4\n", "yes", []string{"a:int64", "a_2:int64", "b:int64", "a_3:int64"}, "a_3", int64(4)},
		{"forced yes, empty name", "a,,c\n1,2,3\n", "YES", []string{"a:int64", "col_2:int64", "c:int64"}, "col_2", int64(2)},
		{"pandas index column", ",a,b\n0,x,1.5\n1,y,2\n", "", []string{"col_1:int64", "a:utf8", "b:float64"}, "col_1", int64(0)},
		{"empty and text only", ",a\nx,y\n", "", []string{"col_1:utf8", "col_2:utf8"}, "col_2", "a"},
		{"all empty", ",\n1,2\n", "", []string{"col_1:int64", "col_2:int64"}, "col_1", nil},
		{"header-only", "id,label\n", "", []string{"id:utf8", "label:utf8"}, "", nil},
		{"one data row", "1,2.5,x\n", "", []string{"col_1:int64", "col_2:float64", "col_3:utf8"}, "col_3", "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := textFile(t, "h.csv", c.data)
			r, err := textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{Header: c.header}})
			if err != nil {
				t.Fatal(err)
			}
			textWantSchema(t, r.schema, c.schema...)
			if c.first == "" {
				if len(r.rows) != 0 || len(r.batches) != 0 {
					t.Errorf("rows %v batches %v, want none", r.rows, r.batches)
				}
				return
			}
			if got := r.col(t, c.first); len(got) == 0 || got[0] != c.firstWant {
				t.Errorf("column %s: %v, want first %v", c.first, got, c.firstWant)
			}
		})
	}
}

func TestCSVQuotingCRLFAndBOM(t *testing.T) {
	data := "\xef\xbb\xbfid,text,n\r\n" +
		"1,\"a, b\",10\r\n" +
		"2,\"she said \"\"hi\"\"\",20\r\n" +
		"3,\"two\r\nlines\",30\r\n" +
		"4,plain,40\r\n"
	in := textFile(t, "q.csv", data)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "id:int64", "text:utf8", "n:int64")
	textWantColumn(t, r, "text", "a, b", `she said "hi"`, "two\nlines", "plain")
	textWantColumn(t, r, "n", int64(10), int64(20), int64(30), int64(40))

	// Line numbers are physical: the quoted newline above counts.
	in = textFile(t, "q2.csv", strings.Replace(data, "4,plain,40", "4,plain,forty", 1))
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 2})
	textWantErr(t, in, err, "line 6", `column "n"`, "--infer-rows")

	in = textFile(t, "q3.csv", "a,b\n1,\"unclosed\n2,3\n")
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{})
	textWantErr(t, in, err, "line 2", "quote")

	in = textFile(t, "q4.csv", "a,b\n1,2\n3,x\"y\n")
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{})
	textWantErr(t, in, err, "line 3", "quote")
}

func TestCSVInferenceSample(t *testing.T) {
	// The first rows alone would say int64, and the first value is empty.
	in := textFile(t, "s.csv", "x,y,when\n,a,2024-01-01\n2,b,2024-01-02\n3,c,\n4.5,d,2024-01-04\n")
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "x:float64", "y:utf8", "when:date32")
	textWantColumn(t, r, "x", nil, 2.0, 3.0, 4.5)
	textWantColumn(t, r, "when", "2024-01-01", "2024-01-02", nil, "2024-01-04")

	// A value past the sample that does not fit is an error naming the
	// line and the column, never a silent null.
	in = textFile(t, "late.csv", "id,x\n1,10\n2,20\n3,30\n4,4.5\n5,50\n")
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 3})
	textWantErr(t, in, err, "line 5", `column "x"`, "a floating-point number", "int64", "first 3 rows", "--infer-rows")
	if strings.Contains(err.Error(), "4.5") {
		t.Errorf("error %q quotes the cell value", err)
	}
	if r.schema == nil || !arrow.TypeEqual(r.schema.Field(1).Type, csvI64) {
		t.Errorf("schema from 3 rows: %v", r.schema)
	}
	// With a larger sample the same file reads.
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	textWantColumn(t, r, "x", 10.0, 20.0, 30.0, 4.5, 50.0)

	in = textFile(t, "late2.csv", "d\n2024-01-01\n2024-01-02\nsoon\n")
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 2})
	textWantErr(t, in, err, "line 4", `column "d"`, "a text value", "date32")
}

func TestCSVNullsAndWhitespace(t *testing.T) {
	data := "n,s,t\n1,NA,  \n,x,\nNA,NaN,y\n"
	in := textFile(t, "n.csv", data)
	// Default: only the empty field is null; "NA" is a string, so column n
	// mixes ints and text.
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "n:utf8", "s:utf8", "t:utf8")
	textWantColumn(t, r, "n", "1", nil, "NA")
	textWantColumn(t, r, "s", "NA", "x", "NaN")
	textWantColumn(t, r, "t", "  ", nil, "y")

	r, err = textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{NullValues: []string{"NA", ""}}})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "n:int64", "s:utf8", "t:utf8")
	textWantColumn(t, r, "n", int64(1), nil, nil)
	textWantColumn(t, r, "s", nil, "x", "NaN")

	// No null tokens at all: the empty field is an empty string.
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{CSV: CSVOptions{NullValues: []string{}}})
	if err != nil {
		t.Fatal(err)
	}
	textWantColumn(t, r, "t", "  ", "", "y")
}

func TestCSVFloats(t *testing.T) {
	in := textFile(t, "f.csv", "f,label\n1.5,a\nNaN,b\n-Inf,c\n2e3,d\nInf,e\n7,f\n")
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "f:float64", "label:utf8")
	textWantColumn(t, r, "f", 1.5, math.NaN(), math.Inf(-1), 2000.0, math.Inf(1), 7.0)
}

func TestCSVTimestamps(t *testing.T) {
	data := "zoned,naive,spaced,day,mixed\n" +
		"2024-03-01T10:00:00Z,2024-03-01T10:00:00,2024-03-01 10:00:00.5,2024-03-01,2024-03-01\n" +
		"2024-03-01T10:00:00+02:00,2024-03-01T23:59:59.123456,2024-03-01 10:00,2024-02-29,2024-03-01T10:00:00\n" +
		"2024-03-01T01:30:00.25-05:30,,2024-03-01 10:00:00,,x\n"
	in := textFile(t, "t.csv", data)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "zoned:timestamp[us, tz=UTC]", "naive:timestamp[us]", "spaced:timestamp[us]", "day:date32", "mixed:utf8")
	textWantColumn(t, r, "zoned", "2024-03-01T10:00:00Z", "2024-03-01T08:00:00Z", "2024-03-01T07:00:00.25Z")
	textWantColumn(t, r, "naive", "2024-03-01T10:00:00", "2024-03-01T23:59:59.123456", nil)
	textWantColumn(t, r, "spaced", "2024-03-01T10:00:00.5", "2024-03-01T10:00:00", "2024-03-01T10:00:00")
	textWantColumn(t, r, "day", "2024-03-01", "2024-02-29", nil)

	// A zoned value after a zone-less sample does not fit.
	in = textFile(t, "t2.csv", "t\n2024-03-01T10:00:00\n2024-03-01T10:00:00Z\n")
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 1})
	textWantErr(t, in, err, "line 3", `column "t"`, "a timestamp with a zone offset")
}

func TestCSVRaggedRow(t *testing.T) {
	in := textFile(t, "r.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n")
	_, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	textWantErr(t, in, err, "line 3", "found 2 fields", "has 3")

	// Past the sample, at read time.
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	b.WriteString("1,2,3\n")
	in = textFile(t, "r2.csv", b.String())
	_, err = textOpenRead(t, in, nil, nil, ReadOptions{InferRows: 5, BatchSize: 4})
	textWantErr(t, in, err, "line 22", "found 3 fields")
}

func TestCSVCompressed(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&b, "%d,%d.5\n", i, i)
	}
	for _, name := range []string{"d.csv.gz", "d.csv.zst"} {
		t.Run(name, func(t *testing.T) {
			in := textFile(t, name, b.String())
			r, err := textOpenRead(t, in, nil, nil, ReadOptions{BatchSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			textWantSchema(t, r.schema, "id:int64", "v:float64")
			if len(r.rows) != 3000 || fmt.Sprint(r.batches) != "[1000 1000 1000]" {
				t.Fatalf("%d rows in batches %v", len(r.rows), r.batches)
			}
			var sum int64
			for _, row := range r.rows {
				sum += row[0].(int64)
			}
			if sum != 3000*3001/2 || r.rows[2999][1] != 3000.5 {
				t.Errorf("sum of ids %d, last v %v", sum, r.rows[2999][1])
			}

			// Truncated: an error naming the file, never a short read.
			raw, err := os.ReadFile(in.Path)
			if err != nil {
				t.Fatal(err)
			}
			cut := textRawFile(t, "cut-"+name, raw[:len(raw)*2/3], in.Format, in.Compression)
			_, err = textOpenRead(t, cut, nil, nil, ReadOptions{InferRows: 10})
			textWantErr(t, cut, err, "cut-"+name, "truncated", "line ")
		})
	}
}

func TestCSVTruncatedInsideSample(t *testing.T) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	fmt.Fprintf(w, "a,b\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "%d,x%d\n", i, i)
	}
	w.Close()
	in := textRawFile(t, "s.csv.gz", b.Bytes()[:b.Len()-10], CSV, Gzip)
	_, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	textWantErr(t, in, err, "s.csv.gz", "gzip", "truncated")
}

func TestCSVEmptyFiles(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"empty.csv", ""},
		{"bom.csv", "\xef\xbb\xbf"},
		{"blank.csv", "\n\n"},
		{"empty.csv.gz", ""},
	} {
		in := textFile(t, c.name, c.data)
		r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.schema.NumFields() != 0 || len(r.rows) != 0 {
			t.Errorf("%s: schema %v rows %v, want nothing", c.name, r.schema, r.rows)
		}
	}
	// A 0-byte file named .gz is empty too.
	in := textRawFile(t, "zero.csv.gz", nil, CSV, Gzip)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil || r.schema.NumFields() != 0 || len(r.rows) != 0 {
		t.Errorf("0-byte .gz: %v %v", r, err)
	}
}

func TestCSVBatchSizeAndProjection(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "%d,s%d,%d.25\n", i, i, i)
	}
	in := textFile(t, "b.csv", b.String())
	r, err := textOpenRead(t, in, []string{"c", "a"}, nil, ReadOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.batches) != "[3 3 3 1]" {
		t.Errorf("batches %v, want [3 3 3 1]", r.batches)
	}
	textWantSchema(t, r.read, "a:int64", "c:float64") // file order
	textWantColumn(t, r, "a", int64(0), int64(1), int64(2), int64(3), int64(4), int64(5), int64(6), int64(7), int64(8), int64(9))
	textWantColumn(t, r, "c", 0.25, 1.25, 2.25, 3.25, 4.25, 5.25, 6.25, 7.25, 8.25, 9.25)

	// No columns at all: batches of row counts only.
	r, err = textOpenRead(t, in, []string{}, nil, ReadOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.read.NumFields() != 0 || fmt.Sprint(r.batches) != "[4 4 2]" {
		t.Errorf("count-only read: %v batches %v", r.read, r.batches)
	}

	// The default batch size is not one row (arrow's CSV default).
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil || fmt.Sprint(r.batches) != "[10]" {
		t.Errorf("default batches %v, %v", r.batches, err)
	}
}

func TestCSVTypesOverride(t *testing.T) {
	in := textFile(t, "o.csv", "n,day,ts,z,flag\n1,2024-01-02,2024-01-02T03:04:05.123456,2024-01-02T03:04:05+01:00,true\n-2,,2024-01-03 00:00:00,2024-01-02T00:00:00Z,FALSE\n")
	types := map[string]arrow.DataType{
		"n":   csvF64,
		"day": &arrow.TimestampType{Unit: arrow.Millisecond},
		"ts":  &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
		"z":   &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"},
	}
	r, err := textOpenRead(t, in, nil, types, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "n:int64", "day:date32", "ts:timestamp[us]", "z:timestamp[us, tz=UTC]", "flag:bool")
	textWantSchema(t, r.read, "n:float64", "day:timestamp[ms]", "ts:timestamp[ns, tz=UTC]", "z:timestamp[s, tz=UTC]", "flag:bool")
	textWantColumn(t, r, "n", 1.0, -2.0)
	textWantColumn(t, r, "day", "2024-01-02T00:00:00", nil)
	textWantColumn(t, r, "ts", "2024-01-02T03:04:05.123456Z", "2024-01-03T00:00:00Z")
	textWantColumn(t, r, "z", "2024-01-02T02:04:05Z", "2024-01-02T00:00:00Z")
	textWantColumn(t, r, "flag", true, false)

	// As strings, every value is its text as written.
	all := map[string]arrow.DataType{"n": csvStr, "day": csvStr, "ts": arrow.BinaryTypes.LargeString, "z": csvStr, "flag": csvStr}
	r, err = textOpenRead(t, in, nil, all, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.read, "n:utf8", "day:utf8", "ts:large_utf8", "z:utf8", "flag:utf8")
	textWantColumn(t, r, "n", "1", "-2")
	textWantColumn(t, r, "day", "2024-01-02", nil)
	textWantColumn(t, r, "ts", "2024-01-02T03:04:05.123456", "2024-01-03 00:00:00")
	textWantColumn(t, r, "flag", "true", "FALSE")

	// A type the reader cannot parse into is read as inferred (the
	// pipeline casts it).
	r, err = textOpenRead(t, in, []string{"n"}, map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int32}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.read, "n:int64")
}

func TestCSVCounterAndCancel(t *testing.T) {
	data := "a,b\n1,2\n3,4\n"
	in := textFile(t, "c.csv.gz", data)
	var n atomic.Int64
	if _, err := textOpenRead(t, in, nil, nil, ReadOptions{Counter: &n}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != in.Size {
		t.Errorf("counted %d bytes, want the file's %d (read once)", n.Load(), in.Size)
	}

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src, err := openCSV(context.Background(), in, ReadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rr, err := src.Read(ctx, src.Units()[0], []string{"a"}, nil, ReadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if rr.Next() || !errors.Is(rr.Err(), context.Canceled) {
		t.Errorf("canceled read: Err %v", rr.Err())
	}
}

// TestCSVRoundTrip writes random tables with encoding/csv's writer (the
// oracle for quoting) and reads them back.
func TestCSVRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", " ", ",", ";", "\t", "|", "\"", "\n", "é", "NA", "1", "-", "."}
	for round := 0; round < 40; round++ {
		cols := 2 + rng.IntN(4)
		rows := 1 + rng.IntN(30)
		var buf bytes.Buffer
		if round%2 == 1 {
			buf.WriteString("\xef\xbb\xbf")
		}
		w := csv.NewWriter(&buf)
		w.UseCRLF = round%3 == 0
		want := make([][]string, rows)
		var header []string
		for j := 0; j < cols; j++ {
			header = append(header, fmt.Sprintf("c%d", j))
		}
		w.Write(header)
		for i := range want {
			for j := 0; j < cols; j++ {
				var s strings.Builder
				for k := rng.IntN(6); k > 0; k-- {
					s.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				want[i] = append(want[i], s.String())
			}
			w.Write(want[i])
		}
		w.Flush()
		in := textFile(t, "rt.csv", buf.String())
		types := map[string]arrow.DataType{}
		for _, h := range header {
			types[h] = csvStr
		}
		opts := ReadOptions{CSV: CSVOptions{Delimiter: ',', Header: "yes", NullValues: []string{}}, BatchSize: 7}
		r, err := textOpenRead(t, in, nil, types, opts)
		if err != nil {
			t.Fatalf("round %d: %v\n%q", round, err, buf.String())
		}
		if len(r.rows) != rows {
			t.Fatalf("round %d: %d rows, want %d", round, len(r.rows), rows)
		}
		for i, row := range r.rows {
			for j, v := range row {
				if v != want[i][j] {
					t.Fatalf("round %d row %d col %d: %q, want %q", round, i, j, v, want[i][j])
				}
			}
		}
	}
}

// TestCSVNumbersRoundTrip formats random numbers with strconv and checks
// inference and parsing give them back.
func TestCSVNumbersRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("i,f\n")
	var wantI []any
	var wantF []any
	for n := 0; n < 500; n++ {
		i := rng.Int64() >> rng.IntN(64)
		if rng.IntN(2) == 0 {
			i = -i
		}
		f := math.Float64frombits(rng.Uint64())
		if n%50 == 0 {
			f = math.Inf(1 - 2*(n/50%2))
		}
		fmt.Fprintf(&b, "%d,%s\n", i, strconv.FormatFloat(f, 'g', -1, 64))
		wantI = append(wantI, i)
		wantF = append(wantF, f)
	}
	in := textFile(t, "num.csv", b.String())
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "i:int64", "f:float64")
	textWantColumn(t, r, "i", wantI...)
	textWantColumn(t, r, "f", wantF...)
}

func BenchmarkCSVRead(b *testing.B) {
	var s strings.Builder
	s.WriteString("id,name,score,when,flag\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&s, "%d,name %d,%d.25,2024-01-%02dT10:00:00Z,%v\n", i, i%100, i, i%28+1, i%2 == 0)
	}
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	in := &Input{Path: path, Format: CSV, Size: int64(s.Len())}
	src, err := openCSV(context.Background(), in, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"id", "name", "score", "when", "flag"}
	b.SetBytes(int64(s.Len()))
	for b.Loop() {
		rr, err := src.Read(context.Background(), src.Units()[0], cols, nil, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for rr.Next() {
		}
		if rr.Err() != nil {
			b.Fatal(rr.Err())
		}
		rr.Release()
	}
}

// TestCSVPlanUnifies plans CSV and NDJSON files together and reads each as
// the unified schema says, as the run does.
func TestCSVPlanUnifies(t *testing.T) {
	a := textFile(t, "a.csv", "x,zip,when\n1,02134,2024-01-01\n2,10001,2024-01-02\n")
	b := textFile(t, "b.csv", "x,zip,when\n2.5,7,2024-01-03T10:00:00Z\n")
	c := textFile(t, "c.ndjson", `{"x": 3, "zip": 94105, "when": "2024-01-04", "extra": true}`+"\n"+`{"x": null}`+"\n")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts := ReadOptions{Mem: mem}
	d, err := Plan(context.Background(), []*Input{a, b, c}, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	// zip is text in a.csv (leading zero) and int64 elsewhere: inferred
	// both times, so string; a date and a zoned timestamp widen to a
	// zoned timestamp.
	textWantSchema(t, d.Schema, "x:float64", "zip:utf8", "when:timestamp[us, tz=UTC]", "extra:bool")
	types := map[string]arrow.DataType{}
	for _, f := range d.Schema.Fields() {
		types[f.Name] = f.Type
	}
	want := [][]any{
		{1.0, "02134", "2024-01-01T00:00:00Z", 2.0, "10001", "2024-01-02T00:00:00Z"},
		{2.5, "7", "2024-01-03T10:00:00Z"},
		{3.0, "94105", "2024-01-04T00:00:00Z", nil, nil, nil},
	}
	for i, src := range d.sources {
		rr, err := src.Read(context.Background(), src.Units()[0], []string{"x", "zip", "when"}, types, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for rr.Next() {
			rec := rr.RecordBatch()
			for r := 0; r < int(rec.NumRows()); r++ {
				for _, col := range rec.Columns() {
					got = append(got, textValue(col, r))
				}
			}
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("%s: %v, want %v", d.Inputs[i].Path, got, want[i])
		}
	}
}

// A column a file saw only as nulls takes the type the other files give it,
// in any order; seen only as nulls everywhere, it is a string.
func TestCSVNullOnlyColumnYields(t *testing.T) {
	empty := textFile(t, "empty.csv", "a,when\n1,\n2,\n")
	typed := textFile(t, "typed.csv", "a,when\n3,2024-01-01T00:00:00Z\n")
	nd := textFile(t, "empty.ndjson", `{"a": 4, "when": null}`+"\n")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, inputs := range [][]*Input{{empty, typed}, {typed, empty}, {nd, typed, empty}} {
		d, err := Plan(context.Background(), inputs, 2, ReadOptions{Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		textWantSchema(t, d.Schema, "a:int64", "when:timestamp[us, tz=UTC]")
	}
	d, err := Plan(context.Background(), []*Input{empty, nd}, 1, ReadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, d.Schema, "a:int64", "when:utf8")
}

// csvUnitsText writes n rows of id (the row number), x, g and f as CSV,
// with quoted values holding delimiters and newlines, CRLF line ends and
// empty lines here and there, after a byte order mark. If bad >= 0, row bad's x is not a number.
// It returns the text and the physical line row bad starts on.
func csvUnitsText(n int, bad ...int) (string, []int) {
	rng := rand.New(rand.NewPCG(9, 10))
	var b strings.Builder
	b.WriteString(utf8BOM + `"id",x,g,f` + "\n")
	var badLines []int
	for i := range n {
		if rng.IntN(50) == 0 {
			b.WriteString("\n") // an empty line: no row
		}
		isBad := slices.Contains(bad, i)
		if isBad {
			badLines = append(badLines, strings.Count(b.String(), "\n")+1)
		}
		x := strconv.Itoa(rng.IntN(101) - 50)
		switch {
		case isBad:
			x = "oops"
		case rng.IntN(8) == 0:
			x = ""
		}
		g := []string{"a", "b", `"c, d"`, "\"two\nlines\"", `"say ""hi"""`, ""}[rng.IntN(6)]
		end := "\n"
		if rng.IntN(4) == 0 {
			end = "\r\n"
		}
		fmt.Fprintf(&b, "%d,%s,%s,%g%s", i, x, g, rng.Float64(), end)
	}
	return b.String(), badLines
}

// TestCSVUnits: a large CSV file is read in units that start at records,
// every row reaches the checks with its own row number under 1, 2 and 4
// workers, the results are those of the file read as one unit, and an
// error in a later unit names the line it is on in the file.
func TestCSVUnits(t *testing.T) {
	const n = 3000
	text, _ := csvUnitsText(n)
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	writeTestFile(t, path, text)
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
	checkTextUnits(t, path, n, 2<<10, tasks) // about 40 units

	// A value that does not parse, far into the file.
	badText, lines := csvUnitsText(n, 2500)
	badPath := filepath.Join(dir, "bad", "t.csv")
	writeTestFile(t, badPath, badText)
	for _, w := range []int{1, 2} {
		err := textUnitsErr(t, badPath, 2<<10, w, tasks)
		if want := fmt.Sprintf("line %d", lines[0]); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("%d workers: %v, want it to name %s and column x", w, err, want)
		}
	}

	// Every row bad from the middle of a unit on: the units after it fail
	// on their first row, likely before the unit with the first bad row
	// reaches it, and the error must still be the first in the file.
	var bad []int
	for i := 1537; i < n; i++ {
		bad = append(bad, i)
	}
	manyText, lines := csvUnitsText(n, bad...)
	manyPath := filepath.Join(dir, "many", "t.csv")
	writeTestFile(t, manyPath, manyText)
	want := fmt.Sprintf("line %d:", lines[0])
	for _, w := range []int{2, 4} {
		for range 10 {
			if err := textUnitsErr(t, manyPath, 2<<10, w, tasks); !strings.Contains(err.Error(), want) {
				t.Fatalf("%d workers: %v, want the first bad line, %s", w, err, want)
			}
		}
	}
}
