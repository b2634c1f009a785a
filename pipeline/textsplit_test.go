package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// ndjsonRecord is a line the NDJSON reader takes as a row, with its line
// number.
type ndjsonRecord struct {
	text string
	line int
}

// readAllNDJSON reads data's lines as the NDJSON reader does (lineReader,
// blankLine), a byte order mark skipped if bom, and returns the rows.
func readAllNDJSON(data []byte, bom bool) []ndjsonRecord {
	br := bufio.NewReader(bytes.NewReader(data))
	if bom {
		skipBOM(br)
	}
	lr := &lineReader{r: br}
	var out []ndjsonRecord
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if !blankLine(line) {
			out = append(out, ndjsonRecord{string(line), lr.n})
		}
	}
}

// checkNDJSONSplit checks ndjsonSplit's answer for data against the
// reader's way of reading the whole of data, and each unit on its own,
// in blocks of 1 to 4 bytes and of 1 MiB.
func checkNDJSONSplit(t *testing.T, data []byte, least int64) {
	t.Helper()
	chunks, records, ok := ndjsonSplit(bytes.NewReader(data), least)
	if !ok {
		t.Fatalf("split refused %q", data)
	}
	defer func(n int) { textScanBlock = n }(textScanBlock)
	for textScanBlock = 1; textScanBlock <= 4; textScanBlock++ {
		c, r, _ := ndjsonSplit(bytes.NewReader(data), least)
		if !slices.Equal(c, chunks) || r != records {
			t.Fatalf("%q in blocks of %d bytes: %v %d; in one block: %v %d", data, textScanBlock, c, r, chunks, records)
		}
	}
	whole := readAllNDJSON(data, true)
	if records != int64(len(whole)) {
		t.Fatalf("%d records, the reader reads %d in %q", records, len(whole), data)
	}
	if len(chunks) == 0 || chunks[0] != (textChunk{}) {
		t.Fatalf("units %v: the first must start at 0", chunks)
	}
	var got []ndjsonRecord
	for k, c := range chunks {
		end := int64(len(data))
		if k+1 < len(chunks) {
			end = chunks[k+1].off
		}
		afterBOM := c.off == int64(len(utf8BOM)) && bytes.HasPrefix(data, []byte(utf8BOM))
		if k > 0 && (c.off >= end || c.off-chunks[k-1].off < least || (data[c.off-1] != '\n' && !afterBOM)) {
			t.Fatalf("unit %d of %v: starts at %d, ends at %d, least %d: not at a line's start", k, chunks, c.off, end, least)
		}
		if c.records != int64(len(got)) || c.lines != int64(bytes.Count(data[:c.off], []byte{'\n'})) {
			t.Fatalf("unit %d of %v: %d records and %d lines before it, want %d and %d", k, chunks, c.records, c.lines,
				len(got), bytes.Count(data[:c.off], []byte{'\n'}))
		}
		for _, r := range readAllNDJSON(data[c.off:end], k == 0) {
			r.line += int(c.lines)
			got = append(got, r)
		}
	}
	if !slices.Equal(got, whole) {
		t.Fatalf("units read %v, the file %v", got, whole)
	}
}

// TestNDJSONSplitRandom checks the split of random lines: objects, blank
// lines of spaces, tabs and '\r', CRLF, a byte order mark, no last
// newline.
func TestNDJSONSplitRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pieces := []string{`{"a":1}`, `{"b":"x y"}`, " ", "\t", "\r", `{"c":{"d":[1,2]}}`, " {}", "\n", "\r\n", "\n", "\n"}
	for range 3000 {
		var b bytes.Buffer
		if rng.IntN(4) == 0 {
			b.WriteString(utf8BOM)
		}
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkNDJSONSplit(t, b.Bytes(), int64(1+rng.IntN(60)))
	}
	for _, s := range []string{"", "\n", utf8BOM, utf8BOM + "{}", "{}", "\r", " \n\t\r\n{}\n\n"} {
		for least := int64(1); least <= int64(len(s))+1; least++ {
			checkNDJSONSplit(t, []byte(s), least)
		}
	}
}

func FuzzNDJSONSplit(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\n \r\n{}"), uint16(3))
	f.Add([]byte(utf8BOM+"{}\n"), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, least uint16) {
		checkNDJSONSplit(t, data, int64(least)+1)
	})
}

// checkTextUnits reads the text file at path, whose n rows each hold
// their row number as id, as one unit and in units of least bytes (at
// least 20 of them), each under 1, 2 and 4 workers with tasks (the missing
// check, then an IDIsRow probe): every row reaches the checks with its own
// row number, the units tile the rows, and the missing check's result and
// the probe's totals are the same both ways. It returns the units.
func checkTextUnits(t *testing.T, path string, n int64, least int64, tasks []Task) []Unit {
	t.Helper()
	defer func(b int64) { textUnitBytes = b }(textUnitBytes)
	textUnitBytes = 1 << 40
	one, want := sameAcrossWorkers(t, []string{path}, 100, tasks...)
	if u := one.sources[0].Units(); len(u) != 1 || one.Rows(0) != -1 {
		t.Fatalf("one unit: units %+v, rows %d", u, one.Rows(0))
	}
	textUnitBytes = least
	ds, out := sameAcrossWorkers(t, []string{path}, 100, tasks...)
	units := ds.sources[0].Units()
	if len(units) < 20 || ds.Rows(0) != n {
		t.Errorf("%d units, %d rows; want at least 20 units, %d rows", len(units), ds.Rows(0), n)
	}
	var off int64
	for _, u := range units {
		if u.Offset != off || u.Rows <= 0 {
			t.Errorf("unit %+v after %d rows", u, off)
		}
		off += u.Rows
	}
	got := probeOf(t, out)
	if got.Rows != n || got.Misnumbered != 0 || !got.OffsetsOK {
		t.Errorf("rows %d, misnumbered %d, offsets ok %v", got.Rows, got.Misnumbered, got.OffsetsOK)
	}
	if w := probeOf(t, want); !reflect.DeepEqual(got.totals, w.totals) {
		t.Errorf("totals in units %+v, as one %+v", got.totals, w.totals)
	}
	// The missing check's result; the probe's differs in its batches.
	if a, b := resultsJSON(t, &Outcome{Results: out.Results[:1]}), resultsJSON(t, &Outcome{Results: want.Results[:1]}); !bytes.Equal(a, b) {
		t.Errorf("in units:\n%s\nas one:\n%s", a, b)
	}
	return units
}

// textUnitsErr runs tasks over the text file at path in units of least
// bytes with w workers, inferring its types from its first 500 rows, and
// returns the run's error; it fails the test if the run found fewer than
// 20 units or no error.
func textUnitsErr(t *testing.T, path string, least int64, w int, tasks []Task) error {
	t.Helper()
	defer func(b int64) { textUnitBytes = b }(textUnitBytes)
	textUnitBytes = least
	ds, err := runText(t, path, w, tasks)
	if err == nil || ds == nil || len(ds.sources[0].Units()) < 20 {
		t.Fatalf("%d workers: err %v, want an error in one of at least 20 units", w, err)
	}
	return err
}

// runText audits the text file at path with w workers, inferring its
// types from its first 500 rows, and returns the dataset (nil if it could
// not be planned) and the error.
func runText(t *testing.T, path string, w int, tasks []Task) (*Dataset, error) {
	t.Helper()
	found, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := ReadOptions{BatchSize: 100, InferRows: 500, Mem: newChecked(t)}
	ds, err := Plan(context.Background(), found.Inputs, w, opts)
	if err != nil {
		return nil, err
	}
	_, err = ds.Run(context.Background(), tasks, RunOptions{ReadOptions: opts, Workers: w})
	return ds, err
}
