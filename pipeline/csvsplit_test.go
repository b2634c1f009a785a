package pipeline

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// csvRecord is a record as encoding/csv reads it, with the physical line
// it starts on.
type csvRecord struct {
	fields []string
	line   int
}

// readAllCSV reads data with encoding/csv as the CSV reader configures
// it, and returns its records, or the error it stops on.
func readAllCSV(data []byte, comma byte) ([]csvRecord, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, r.FieldsPerRecord = rune(comma), -1
	var out []csvRecord
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		line, _ := r.FieldPos(0)
		out = append(out, csvRecord{fields: rec, line: line})
	}
}

// checkCSVSplit checks csvSplit's answer for data against encoding/csv
// reading the whole of data, and each unit on its own: the units hold the
// whole file's records in order, each unit's records and lines before it
// are those the whole read counts, and the split refuses exactly the
// files encoding/csv stops on a quote in.
// Blocks of 1 to 4 bytes give the same answer as blocks of 1 MiB.
func checkCSVSplit(t *testing.T, data []byte, comma byte, least int64) {
	t.Helper()
	chunks, records, ok := csvSplit(bytes.NewReader(data), comma, least)
	defer func(n int) { textScanBlock = n }(textScanBlock)
	for textScanBlock = 1; textScanBlock <= 4; textScanBlock++ {
		c, r, k := csvSplit(bytes.NewReader(data), comma, least)
		if !slices.Equal(c, chunks) || r != records || k != ok {
			t.Fatalf("%q in blocks of %d bytes: %v %d %v; in one block: %v %d %v", data, textScanBlock, c, r, k, chunks, records, ok)
		}
	}
	whole, err := readAllCSV(data, comma)
	if err != nil {
		if !errors.Is(err, csv.ErrBareQuote) && !errors.Is(err, csv.ErrQuote) {
			t.Fatalf("encoding/csv: %v", err)
		}
		if ok {
			t.Fatalf("split %q into %d units; encoding/csv stops on it: %v", data, len(chunks), err)
		}
		return
	}
	if !ok {
		t.Fatalf("split refused %q, which encoding/csv reads", data)
	}
	if records != int64(len(whole)) {
		t.Fatalf("%d records, encoding/csv reads %d in %q", records, len(whole), data)
	}
	if len(chunks) == 0 || chunks[0] != (textChunk{}) {
		t.Fatalf("units %v: the first must start at 0", chunks)
	}
	var got []csvRecord
	for k, c := range chunks {
		end := int64(len(data))
		if k+1 < len(chunks) {
			end = chunks[k+1].off
		}
		if (c.off >= end && len(data) > 0) || (k > 0 && c.off-chunks[k-1].off < least) {
			t.Fatalf("unit %d of %v: starts at %d, ends at %d, least %d", k, chunks, c.off, end, least)
		}
		if c.records != int64(len(got)) {
			t.Fatalf("unit %d of %v: %d records before it, encoding/csv read %d", k, chunks, c.records, len(got))
		}
		if c.lines != int64(bytes.Count(data[:c.off], []byte{'\n'})) {
			t.Fatalf("unit %d at %d: %d lines before it", k, c.off, c.lines)
		}
		part, err := readAllCSV(data[c.off:end], comma)
		if err != nil {
			t.Fatalf("unit %d (%q): %v", k, data[c.off:end], err)
		}
		if k > 0 && len(part) == 0 {
			t.Fatalf("unit %d (%q) holds no record", k, data[c.off:end])
		}
		for _, r := range part {
			r.line += int(c.lines)
			got = append(got, r)
		}
	}
	if len(got) != len(whole) {
		t.Fatalf("units hold %d records, the file %d", len(got), len(whole))
	}
	for i := range got {
		if !slices.Equal(got[i].fields, whole[i].fields) || got[i].line != whole[i].line {
			t.Fatalf("record %d: %q on line %d in its unit, %q on line %d in the file", i, got[i].fields, got[i].line, whole[i].fields, whole[i].line)
		}
	}
}

// randomCSV writes rows of random fields: plain, empty, quoted with
// delimiters, doubled quotes and newlines inside, and now and then an
// empty line, a CRLF, a '\r' inside a field, or quoting encoding/csv
// refuses (when bad).
func randomCSV(rng *rand.Rand, rows int, comma byte, bad bool) []byte {
	var b bytes.Buffer
	if rng.IntN(4) == 0 {
		b.WriteString(utf8BOM)
	}
	pieces := []string{"a", "bc", "12", " ", "x\ry", string(comma)}
	for range rows {
		if rng.IntN(10) == 0 {
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		}
		nf := 1 + rng.IntN(4)
		for f := range nf {
			if f > 0 {
				b.WriteByte(comma)
			}
			switch rng.IntN(6) {
			case 0: // empty
			case 1, 2:
				b.WriteByte('"')
				for range rng.IntN(4) {
					b.WriteString([]string{"q", `""`, "\n", "\r\n", string(comma), "\n\n"}[rng.IntN(6)])
				}
				b.WriteByte('"')
			default:
				for range 1 + rng.IntN(3) {
					p := pieces[rng.IntN(len(pieces))]
					if p != string(comma) {
						b.WriteString(p)
					}
				}
			}
			if bad && rng.IntN(200) == 0 {
				b.WriteString([]string{`"`, `"x"y`, "\"z\"\r"}[rng.IntN(3)])
			}
		}
		if rng.IntN(20) > 0 || bad {
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		}
	}
	return b.Bytes()
}

// TestCSVSplitRandom checks the split of random CSV text, good and bad,
// under delimiters ',' and '\t', with units of a few bytes to a few
// hundred.
func TestCSVSplitRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		comma := []byte{',', '\t', ';'}[i%3]
		data := randomCSV(rng, 1+rng.IntN(60), comma, i%4 == 3)
		checkCSVSplit(t, data, comma, int64(1+rng.IntN(300)))
	}
}

// TestCSVSplitCases: the edges of quoting and empty lines, each split
// after every byte.
func TestCSVSplitCases(t *testing.T) {
	for _, s := range []string{
		"", "\n", "\r\n", "\r", "a", "a\n", "a\r", "a\r\n\r\n", "\n\na\n\n", "\r\na\r\n\r",
		"a,b\n1,2\n", "\"a\nb\",c\n1,2\n", `"a""b",c` + "\n", "\"a\"\r\nb\n", "\"a\"\r",
		"\ra\n", "\r\"a\"\n", "a\n\r", "a\n\r\n", "a\r\r\n", "x\r\n\ry\n", "a,\"\"\n\"\"\n", utf8BOM + "\"h\",i\n1,2\n",
		// Refused by encoding/csv: the split must refuse them too.
		"a\"b\n", "\"a\"b\n", "\"a\"\rb\n", "\"open\n", "a,b\n1,\"2\n", "\"a\"\r\r\n",
	} {
		for least := int64(1); least <= int64(len(s))+1; least++ {
			checkCSVSplit(t, []byte(s), ',', least)
		}
	}
}

// TestCSVSplitQuick: a file the quick way takes whole (no quote, no
// empty line) is split at record starts about least bytes apart, and
// its blocks are counted as the byte-at-a-time scan counts them.
func TestCSVSplitQuick(t *testing.T) {
	var b strings.Builder
	for i := range 300000 {
		b.WriteString("12345,abc,")
		b.WriteString(strings.Repeat("x", i%7))
		if i%3 == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	data := []byte(b.String()) // 4.3 MB: five blocks of up to 1 MiB
	s := &csvScan{comma: ',', least: 1 << 20, next: 1 << 20, chunks: []textChunk{{}}}
	if !s.fast(data[:1<<20]) {
		t.Fatal("the quick way refused a block without quotes or empty lines")
	}
	checkCSVSplit(t, data, ',', 1<<20)
	checkCSVSplit(t, data, ',', 1000)
	// The byte-at-a-time scan gives the same units.
	quick, n, _ := csvSplit(bytes.NewReader(data), ',', 777)
	slow := &csvScan{comma: ',', least: 777, next: 777, chunks: []textChunk{{}}}
	slow.slow(data)
	if !slices.Equal(quick, slow.chunks) || n != slow.records {
		t.Errorf("quick: %d units, %d records; slow: %d units, %d records", len(quick), n, len(slow.chunks), slow.records)
	}
}

func FuzzCSVSplit(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 20 {
		f.Add(randomCSV(rng, 20, ',', i%2 == 1), uint16(1+rng.IntN(100)))
	}
	f.Fuzz(func(t *testing.T, data []byte, least uint16) {
		checkCSVSplit(t, data, ',', int64(least)+1)
	})
}

// BenchmarkCSVSplit scans CSV text with a quoted field in most rows (as
// the fixtures' text column has), and the same text without quotes.
func BenchmarkCSVSplit(b *testing.B) {
	text, _ := csvUnitsText(300000)
	for _, c := range []struct{ name, text string }{
		{"quoted", text},
		{"unquoted", strings.NewReplacer(`"`, "", "\n\n", "\n").Replace(text)},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := []byte(c.text)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, ok := csvSplit(bytes.NewReader(data), ',', 1<<20); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}

// TestMayHaveEmptyLine checks the word-at-a-time test against a byte loop
// on random strings of newlines, '\r', 0x0B, 0x0C and letters: it finds
// every "\n\n" and "\n\r", and answers true without one only where a 0x0B
// or 0x0C follows a newline.
func TestMayHaveEmptyLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	alphabet := []byte{'\n', '\r', 0x0b, 0x0c, 'a', ','}
	for range 200000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		want := bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\n\r"))
		got := mayHaveEmptyLine(b)
		if want && !got {
			t.Fatalf("%q: missed an empty line", b)
		}
		if got && !want && !bytes.Contains(b, []byte("\n\x0b")) && !bytes.Contains(b, []byte("\n\x0c")) {
			t.Fatalf("%q: an empty line where there is none", b)
		}
	}
}
