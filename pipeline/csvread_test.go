package pipeline

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// checkCSVReader reads data with csvReader, through a bufio buffer of size
// bytes, and with encoding/csv, the oracle: the same records, the same
// field positions, and the same error where they stop.
func checkCSVReader(t *testing.T, data []byte, comma rune, size int) {
	t.Helper()
	want := csv.NewReader(bytes.NewReader(data))
	want.Comma, want.FieldsPerRecord, want.ReuseRecord = comma, -1, true
	got := newCSVReader(bufio.NewReaderSize(bytes.NewReader(data), size), comma)
	for n := 1; ; n++ {
		wrec, werr := want.Read()
		grec, gerr := got.Read()
		if len(grec) != len(wrec) {
			t.Fatalf("%q (comma %q, buffer %d), record %d: %d fields %q, want %d %q", data, comma, size, n, len(grec), grec, len(wrec), wrec)
		}
		for i := range wrec {
			if string(grec[i]) != wrec[i] {
				t.Fatalf("%q (comma %q, buffer %d), record %d field %d: %q, want %q", data, comma, size, n, i, grec[i], wrec[i])
			}
			wl, wc := want.FieldPos(i)
			gl, gc := got.FieldPos(i)
			if gl != wl || gc != wc {
				t.Fatalf("%q (comma %q, buffer %d), record %d field %d at %d:%d, want %d:%d", data, comma, size, n, i, gl, gc, wl, wc)
			}
		}
		var wpe, gpe *csv.ParseError
		switch {
		case werr == nil && gerr == nil:
			continue
		case errors.As(werr, &wpe) && errors.As(gerr, &gpe):
			if !reflect.DeepEqual(*gpe, *wpe) {
				t.Fatalf("%q (comma %q, buffer %d), record %d: %+v, want %+v", data, comma, size, n, *gpe, *wpe)
			}
		case errors.Is(werr, io.EOF) && errors.Is(gerr, io.EOF):
		case werr != nil && gerr != nil && gerr.Error() == werr.Error(): // the delimiter's
		default:
			t.Fatalf("%q (comma %q, buffer %d), record %d: error %v, want %v", data, comma, size, n, gerr, werr)
		}
		return
	}
}

// TestCSVReaderMatches compares csvReader with encoding/csv on random CSV
// text, good and bad, under one-byte and multi-byte delimiters, with
// bufio buffers small enough for lines not to fit.
func TestCSVReaderMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range 3000 {
		comma := []rune{',', '\t', ';', '€'}[i%4]
		b := byte(comma)
		if comma >= 0x80 {
			b = ','
		}
		data := randomCSV(rng, 1+rng.IntN(60), b, i%4 == 3)
		if comma >= 0x80 {
			data = bytes.ReplaceAll(data, []byte{','}, []byte(string(comma)))
		}
		checkCSVReader(t, data, comma, []int{16, 64, 4096}[rng.IntN(3)])
	}
	for _, s := range []string{
		"", "\n", "\r\n", "\r", "a", "a\r", "a,b\r", "a,\r\n", ",", ",,\n,", "\"\"", "\"\"\r", "\"a\"\r\"",
		"a\"b\n", "\"a\"b\n", "\"open\n", "\"a\"\r\r\n", "a,\"b\nc\"\r\n,d", "\xff,\xfe\n\"\xff\"",
		strings.Repeat("x", 100) + "," + strings.Repeat("y", 50) + "\n" + strings.Repeat("\"z\"\"", 40) + "\"\n",
	} {
		for _, size := range []int{16, 4096} {
			checkCSVReader(t, []byte(s), ',', size)
		}
	}
	// Delimiters encoding/csv refuses.
	for _, comma := range []rune{0, '"', '\n', '\r', 0xFFFD, -1} {
		checkCSVReader(t, []byte("a,b\n"), comma, 16)
	}
}

func FuzzCSVReader(f *testing.F) {
	rng := rand.New(rand.NewPCG(23, 24))
	for i := range 20 {
		f.Add(randomCSV(rng, 20, ',', i%2 == 1), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		comma := []rune{',', '\t', '€', 'a'}[pick%4]
		checkCSVReader(t, data, comma, []int{16, 37, 4096}[int(pick/4)%3])
	})
}
