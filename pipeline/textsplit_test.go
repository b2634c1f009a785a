package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
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
