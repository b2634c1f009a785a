package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestNDJSONKeyUnionAndTypes(t *testing.T) {
	data := `{"id": 1, "name": "ann", "score": 2, "ok": true, "day": "2024-01-02"}` + "\n" +
		"\n" + // blank lines are skipped
		`{"id": 2, "score": 2.5, "extra": null, "at": "2024-01-02T03:04:05+02:00"}` + "\r\n" +
		`  {"name": "bob", "ok": false, "id": 3, "day": null, "at": "2024-01-02 00:00:00Z", "naive": "2024-01-02T03:04:05.5"}` + "\n" +
		"   \n"
	in := textFile(t, "u.ndjson", data)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "id:int64", "name:utf8", "score:float64", "ok:bool", "day:date32",
		"extra:utf8", "at:timestamp[us, tz=UTC]", "naive:timestamp[us]")
	textWantColumn(t, r, "id", int64(1), int64(2), int64(3))
	textWantColumn(t, r, "name", "ann", nil, "bob")
	textWantColumn(t, r, "score", 2.0, 2.5, nil)
	textWantColumn(t, r, "ok", true, nil, false)
	textWantColumn(t, r, "day", "2024-01-02", nil, nil)
	textWantColumn(t, r, "extra", nil, nil, nil)
	textWantColumn(t, r, "at", nil, "2024-01-02T01:04:05Z", "2024-01-02T00:00:00Z")
	textWantColumn(t, r, "naive", nil, nil, "2024-01-02T03:04:05.5")
}

func TestNDJSONNumbersAndStrings(t *testing.T) {
	data := `{"i": 1, "f": 1.0, "big": 9223372036854775808, "nan": NaN, "s": "42", "b": "true", "e": "caf\u00e9 \ud83d\ude00\n\"q\"\/"}` + "\n" +
		`{"i": -7, "f": 2, "big": 1, "nan": -Infinity, "s": "x", "b": "false", "e": "plain"}` + "\n" +
		`{"i": 0, "f": 1e2, "big": 2, "nan": Infinity, "s": null, "b": null, "e": ""}` + "\n"
	in := textFile(t, "n.jsonl", data)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 1.0 is a float as written; a JSON string is never a number or a bool.
	textWantSchema(t, r.schema, "i:int64", "f:float64", "big:float64", "nan:float64", "s:utf8", "b:utf8", "e:utf8")
	textWantColumn(t, r, "i", int64(1), int64(-7), int64(0))
	textWantColumn(t, r, "f", 1.0, 2.0, 100.0)
	textWantColumn(t, r, "big", 9223372036854775808.0, 1.0, 2.0)
	textWantColumn(t, r, "nan", math.NaN(), math.Inf(-1), math.Inf(1))
	textWantColumn(t, r, "s", "42", "x", nil)
	textWantColumn(t, r, "b", "true", "false", nil)
	textWantColumn(t, r, "e", "café 😀\n\"q\"/", "plain", "")
}

func TestNDJSONNestedAndMixed(t *testing.T) {
	data := `{"obj": {"a": 1, "b": [1, 2, {"c": "x y"}]}, "arr": [ 1 , "two" ], "mix": 5, "emptyo": {}, "lone": "\ud800x"}` + "\n" +
		`{"obj": null, "arr": [], "mix": "five", "emptyo": { }, "lone": "a"}` + "\n" +
		`{"obj": {"s": "a\"b"}, "arr": [[]], "mix": {"k": true}, "lone": "b"}` + "\n" +
		`{"mix": 1.50}` + "\n" +
		`{"mix": false}` + "\n"
	in := textFile(t, "x.ndjson", data)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.schema, "obj:utf8", "arr:utf8", "mix:utf8", "emptyo:utf8", "lone:utf8")
	textWantColumn(t, r, "obj", `{"a":1,"b":[1,2,{"c":"x y"}]}`, nil, `{"s":"a\"b"}`, nil, nil)
	textWantColumn(t, r, "arr", `[1,"two"]`, `[]`, `[[]]`, nil, nil)
	textWantColumn(t, r, "mix", "5", "five", `{"k":true}`, "1.50", "false")
	textWantColumn(t, r, "emptyo", `{}`, `{}`, nil, nil, nil)
	textWantColumn(t, r, "lone", "\ufffdx", "a", "b", nil, nil)
}

func TestNDJSONErrors(t *testing.T) {
	cases := []struct {
		name, data string
		opts       ReadOptions
		parts      []string
	}{
		{"array.json", "  \n [{\"a\": 1}, {\"a\": 2}]\n", ReadOptions{}, []string{"line 2", "JSON array", "NDJSON"}},
		{"pretty.json", "[\n  {\"a\": 1}\n]\n", ReadOptions{}, []string{"line 1", "JSON array"}},
		{"malformed.ndjson", "{\"a\": 1}\n\n{\"a\": 2\n{\"a\": 3}\n", ReadOptions{}, []string{"line 3", "invalid JSON"}},
		{"trailing.ndjson", "{\"a\": 1} {\"a\": 2}\n", ReadOptions{}, []string{"line 1", "one object per line"}},
		{"scalar.ndjson", "{\"a\": 1}\n42\n", ReadOptions{}, []string{"line 2", "expected a JSON object"}},
		{"inner-array.ndjson", "{\"a\": 1}\n[1]\n", ReadOptions{}, []string{"line 2", "found an array"}},
		{"dup.ndjson", "{\"a\": 1, \"a\": 2}\n", ReadOptions{}, []string{"line 1", `key "a" appears twice`}},
		{"badesc.ndjson", "{\"a\": \"x\\q\"}\n", ReadOptions{}, []string{"line 1", "bad escape"}},
		{"ctrl.ndjson", "{\"a\": \"x\ty\"}\n", ReadOptions{}, []string{"line 1", "control character"}},
		{"leading0.ndjson", "{\"a\": 01}\n", ReadOptions{}, []string{"line 1", "invalid JSON"}},
		{"late-value.ndjson", "{\"a\": 1}\n{\"a\": 2}\n{}\n{\"a\": 2.5}\n", ReadOptions{InferRows: 2},
			[]string{"line 4", `column "a"`, "a floating-point number", "int64", "--infer-rows"}},
		{"late-string.ndjson", "{\"a\": 1}\n{\"a\": \"2\"}\n", ReadOptions{InferRows: 1},
			[]string{"line 2", `column "a"`, "a text value"}},
		{"late-key.ndjson", "{\"a\": 1}\n\n{\"a\": 2, \"b\": 3}\n", ReadOptions{InferRows: 1},
			[]string{"line 3", `key "b"`, "--infer-rows"}},
		{"late-malformed.ndjson", strings.Repeat("{\"a\": 1}\n", 30) + "{\"a\": }\n", ReadOptions{InferRows: 5, BatchSize: 7},
			[]string{"line 31", "invalid JSON at byte 7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := textFile(t, c.name, c.data)
			_, err := textOpenRead(t, in, nil, nil, c.opts)
			textWantErr(t, in, err, c.parts...)
		})
	}
	in := textFile(t, "arr.json", "[]")
	_, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("array file: %v, want ErrUnsupported", err)
	}
}

func TestNDJSONCompressed(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, "{\"id\": %d, \"tag\": \"t%d\"}\n", i, i%3)
	}
	for _, name := range []string{"d.ndjson.gz", "d.ndjson.zst"} {
		t.Run(name, func(t *testing.T) {
			in := textFile(t, name, b.String())
			r, err := textOpenRead(t, in, []string{"id"}, nil, ReadOptions{BatchSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			textWantSchema(t, r.schema, "id:int64", "tag:utf8")
			if len(r.rows) != 2500 || fmt.Sprint(r.batches) != "[1000 1000 500]" {
				t.Fatalf("%d rows in batches %v", len(r.rows), r.batches)
			}
			var sum int64
			for _, row := range r.rows {
				sum += row[0].(int64)
			}
			if sum != 2500*2501/2 {
				t.Errorf("sum of ids %d", sum)
			}
			raw, err := os.ReadFile(in.Path)
			if err != nil {
				t.Fatal(err)
			}
			cut := textRawFile(t, "cut-"+name, raw[:len(raw)/2], in.Format, in.Compression)
			_, err = textOpenRead(t, cut, nil, nil, ReadOptions{InferRows: 10})
			textWantErr(t, cut, err, "cut-"+name, "truncated", "line ")
		})
	}
}

func TestNDJSONEmptyAndKeyless(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"empty.ndjson", ""},
		{"blank.ndjson", "\n  \n\r\n"},
		{"bom.ndjson", "\xef\xbb\xbf"},
		{"empty.ndjson.gz", ""},
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
	in := textRawFile(t, "zero.ndjson.gz", nil, NDJSON, Gzip)
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil || r.schema.NumFields() != 0 || len(r.rows) != 0 {
		t.Errorf("0-byte .gz: %v %v", r, err)
	}

	// Objects without keys are rows without columns: they still count.
	in = textFile(t, "keyless.ndjson", "\xef\xbb\xbf{}\n{ }\n\n{}\n")
	r, err = textOpenRead(t, in, nil, nil, ReadOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.schema.NumFields() != 0 || fmt.Sprint(r.batches) != "[2 1]" {
		t.Errorf("keyless: schema %v batches %v, want none and [2 1]", r.schema, r.batches)
	}
}

func TestNDJSONBatchProjectionAndTypes(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "{\"c\": %d.5, \"a\": %d, \"b\": \"s%d\", \"when\": \"2024-01-%02d\"}\n", i, i, i, i+1)
	}
	in := textFile(t, "p.ndjson", b.String())
	r, err := textOpenRead(t, in, []string{"a", "c"}, nil, ReadOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.batches) != "[3 3 3 1]" {
		t.Errorf("batches %v, want [3 3 3 1]", r.batches)
	}
	textWantSchema(t, r.read, "c:float64", "a:int64") // file order
	textWantColumn(t, r, "a", int64(0), int64(1), int64(2), int64(3), int64(4), int64(5), int64(6), int64(7), int64(8), int64(9))

	types := map[string]arrow.DataType{
		"a":    arrow.PrimitiveTypes.Float64,
		"c":    arrow.BinaryTypes.String,
		"when": &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"},
	}
	r, err = textOpenRead(t, in, []string{"a", "c", "when"}, types, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantSchema(t, r.read, "c:utf8", "a:float64", "when:timestamp[s, tz=UTC]")
	got := r.col(t, "a")
	if got[9] != 9.0 || got[0] != 0.0 {
		t.Errorf("a as float64: %v", got)
	}
	got = r.col(t, "c")
	if got[0] != "0.5" || got[9] != "9.5" {
		t.Errorf("c as string: %v", got)
	}
	got = r.col(t, "when")
	if got[0] != "2024-01-01T00:00:00Z" || got[9] != "2024-01-10T00:00:00Z" {
		t.Errorf("when as timestamp: %v", got)
	}

	// An int column read as string keeps each number as written.
	in = textFile(t, "s.ndjson", "{\"n\": 7}\n{\"n\": -12}\n{\"n\": null}\n")
	r, err = textOpenRead(t, in, nil, map[string]arrow.DataType{"n": arrow.BinaryTypes.String}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantColumn(t, r, "n", "7", "-12", nil)
}

func TestNDJSONLongLine(t *testing.T) {
	// Lines longer than the read buffer are read whole.
	long := strings.Repeat("x", 200<<10)
	in := textFile(t, "l.ndjson", fmt.Sprintf("{\"s\": \"%s\"}\n{\"s\": \"y\"}\n", long))
	r, err := textOpenRead(t, in, nil, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	textWantColumn(t, r, "s", long, "y")
}

// jsonOracle decodes line with encoding/json: the members of a top-level
// object, each as the text our scanner should give (decoded strings,
// numbers as written, compact nested JSON), last duplicate winning.
func jsonOracle(line []byte) (map[string]any, bool) {
	var members map[string]json.RawMessage
	if !json.Valid(line) || json.Unmarshal(line, &members) != nil || members == nil {
		return nil, false
	}
	out := map[string]any{}
	for k, raw := range members {
		raw = bytes.TrimSpace(raw)
		switch raw[0] {
		case '"':
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, false
			}
			out[k] = s
		case '{', '[':
			var c bytes.Buffer
			if json.Compact(&c, raw) != nil {
				return nil, false
			}
			out[k] = c.String()
		case 't', 'f':
			out[k] = raw[0] == 't'
		case 'n':
			out[k] = nil
		default:
			out[k] = string(raw)
		}
	}
	return out, true
}

func FuzzNDJSONLine(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { "a" : 1 } `, `{"a":[1,{"b":null}],"c":"x\"y\\z\u00e9\ud83d\ude00"}`, `{"a":-0.5e+3,"b":true,"c":false}`,
		`{"a":"\ud800"}`, `{"a":"\udc00\ud800x"}`, `{"a":01}`, `{"a":1,}`, `{"a" 1}`, `{"a":[1 2]}`, `{"a":"x`,
		`[1]`, `1`, `{"a":{"b":{"c":[[[]]]}}}`, `{"a":"\/\b\f\n\r\t"}`, `{"a":tru}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`,
		`{"a":1e}`, "{\"a\":\"\x01\"}", `{"a":1}x`, `{"":0}`, `{"a":"é"}`, `{"a":[]  ,"b":{ }}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\n") || strings.ToValidUTF8(string(line), "\ufffd") != string(line) {
			return // lines are split on \n; encoding/json rewrites invalid UTF-8
		}
		if bytes.Contains(line, []byte("NaN")) || bytes.Contains(line, []byte("Infinity")) {
			return // our extension, not JSON
		}
		want, valid := jsonOracle(line)
		got := map[string]any{}
		var p jsonLine
		err := p.object(line, func(key []byte, v jsonValue) error {
			switch v.kind {
			case jsonNull:
				got[string(key)] = nil
			case jsonBool:
				got[string(key)] = v.b
			default:
				got[string(key)] = string(v.text)
			}
			return nil
		})
		if (err == nil) != valid {
			t.Fatalf("%q: our error %v, encoding/json valid %v", line, err, valid)
		}
		if !valid {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%q: members %v, want %v", line, got, want)
		}
		for k, w := range want {
			if got[k] != w {
				t.Fatalf("%q: member %q = %#v, want %#v", line, k, got[k], w)
			}
		}
	})
}

func BenchmarkNDJSONRead(b *testing.B) {
	var s strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&s, `{"id": %d, "name": "name %d", "score": %d.25, "when": "2024-01-%02dT10:00:00Z", "flag": %v, "meta": {"k": [1, 2]}}`+"\n",
			i, i%100, i, i%28+1, i%2 == 0)
	}
	path := filepath.Join(b.TempDir(), "bench.ndjson")
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	in := &Input{Path: path, Format: NDJSON, Size: int64(s.Len())}
	src, err := openNDJSON(context.Background(), in, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"id", "name", "score", "when", "flag", "meta"}
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

// ndjsonUnitsText writes n rows of id (the row number), x, g and a nested
// value as NDJSON, with blank lines and CRLF line ends here and there,
// after a byte order mark. If bad >= 0, row bad's x is not a number; if
// array >= 0, row array is an array. It returns the text and the line
// row bad (or array) is on.
func ndjsonUnitsText(n, bad, array int) (string, int) {
	rng := rand.New(rand.NewPCG(13, 14))
	var b strings.Builder
	b.WriteString(utf8BOM)
	line := 0
	for i := range n {
		if rng.IntN(50) == 0 {
			b.WriteString(" \t\r\n") // a blank line: no row
		}
		if i == bad || i == array {
			line = strings.Count(b.String(), "\n") + 1
		}
		x := fmt.Sprint(rng.IntN(101) - 50)
		switch {
		case i == bad:
			x = `"oops"`
		case rng.IntN(8) == 0:
			x = "null"
		}
		g := []string{`"a"`, `"b"`, `"c, d"`, `"two\nlines"`, "null"}[rng.IntN(5)]
		end := "\n"
		if rng.IntN(4) == 0 {
			end = "\r\n"
		}
		if i == array {
			fmt.Fprintf(&b, "[%d]%s", i, end)
			continue
		}
		fmt.Fprintf(&b, `{"id":%d,"x":%s,"g":%s,"n":{"k":[%d]}}%s`, i, x, g, i%3, end)
	}
	return b.String(), line
}

// TestNDJSONUnits: a large NDJSON file is read in units that start at
// lines, every row reaches the checks with its own row number under 1, 2
// and 4 workers, the results are those of the file read as one unit, and
// an error in a later unit names the line it is on in the file.
func TestNDJSONUnits(t *testing.T) {
	const n = 3000
	text, _ := ndjsonUnitsText(n, -1, -1)
	dir := t.TempDir()
	path := filepath.Join(dir, "t.ndjson")
	writeTestFile(t, path, text)
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
	units := checkTextUnits(t, path, n, 4<<10, tasks) // about 40 units

	// A value that does not parse, and an array where an object belongs,
	// far into the file: errors name their lines, and the array, the
	// first row of its unit (the units before it start where they did),
	// is not taken for a file that is one JSON array.
	first := int(units[len(units)/2].Offset)
	for _, c := range []struct{ bad, array int }{{2500, -1}, {-1, first}} {
		badText, line := ndjsonUnitsText(n, c.bad, c.array)
		badPath := filepath.Join(dir, fmt.Sprint(c.bad), "t.ndjson")
		writeTestFile(t, badPath, badText)
		for _, w := range []int{1, 2} {
			err := textUnitsErr(t, badPath, 4<<10, w, tasks)
			want := fmt.Sprintf("line %d", line)
			if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "the file is a JSON array") ||
				(c.bad >= 0 && !strings.Contains(err.Error(), `"x"`)) {
				t.Errorf("%d workers: %v, want it to name %s (and column x for a bad value)", w, err, want)
			}
		}
	}
}
