package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/readiness/readiness/checks"
)

// hybrid encodes indices at bit width w in the RLE/bit-packed hybrid
// encoding the naive way, a bit at a time: runs of repeated values where
// rep says so, groups of eight bit-packed otherwise (the last padded with
// zeros, or cut to the bytes its values take when cut is set). Only a
// page's last run may be padded: the padding is indices too.
type hybrid struct {
	w   int
	out []byte
}

func (h *hybrid) repeated(v uint32, n int) {
	h.out = binary.AppendUvarint(h.out, uint64(n)<<1)
	for i := range (h.w + 7) / 8 {
		h.out = append(h.out, byte(v>>(8*i)))
	}
}

func (h *hybrid) packed(vals []uint32, cut bool) {
	groups := (len(vals) + 7) / 8
	h.out = binary.AppendUvarint(h.out, uint64(groups)<<1|1)
	bits := make([]byte, groups*h.w)
	for i, v := range vals {
		for b := range h.w {
			if v>>b&1 == 1 {
				k := i*h.w + b
				bits[k/8] |= 1 << (k % 8)
			}
		}
	}
	if cut {
		bits = bits[:(len(vals)*h.w+7)/8]
	}
	h.out = append(h.out, bits...)
}

// next returns d's next index, below n, or says why it cannot, as the
// readers take them.
func (d *dictIndices) next(n int) (int, error) {
	if v := d.take(n); v >= 0 {
		return v, nil
	}
	return d.nextSlow(n)
}

// TestDictIndices decodes indices of every bit width from 0 to 32, in
// repeated and bit-packed runs of every length and a last group cut short,
// against what a naive encoder wrote: the same indices, in order, then an
// error once they are used up.
func TestDictIndices(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for w := 0; w <= 32; w++ {
		if w >= strconv.IntSize-1 {
			continue // no int holds the dictionary's size (32-bit platforms)
		}
		n := 1 << min(w, 31) // the dictionary's size: every index below it
		if w == 32 {
			n = int(uint64(n)<<1 - 1)
		}
		var want []uint32
		h := &hybrid{w: w}
		for run := range 40 {
			k := 1 + r.IntN(3000)
			if run == 39 {
				k = 1 + r.IntN(20)
			}
			if r.IntN(2) == 0 {
				v := uint32(r.Int64N(int64(n)))
				h.repeated(v, k)
				for range k {
					want = append(want, v)
				}
				continue
			}
			if run < 39 {
				k = (k + 7) / 8 * 8 // only a page's last run is padded
			}
			vals := make([]uint32, k)
			for i := range vals {
				vals[i] = uint32(r.Int64N(int64(n)))
			}
			want = append(want, vals...)
			h.packed(vals, run == 39)
		}
		var d dictIndices
		d.start(slices.Clip(h.out), byte(w)) // no room past the runs: reading past them fails
		for i, v := range want {
			got, err := d.next(n)
			if err != nil {
				t.Fatalf("width %d: index %d: %v", w, i, err)
			}
			if got != int(v) {
				t.Fatalf("width %d: index %d is %d, want %d", w, i, got, v)
			}
		}
		// The last run is cut short: nothing is left; or, padded, the
		// group's zeros.
		for {
			v, err := d.next(n)
			if err != nil {
				break
			}
			if v != 0 {
				t.Fatalf("width %d: %d after the last index", w, v)
			}
		}
	}
}

// TestDictIndicesErrors: an index beyond the dictionary, runs cut short
// and headers cut short are errors, not panics.
func TestDictIndicesErrors(t *testing.T) {
	h := &hybrid{w: 4}
	h.repeated(3, 5)
	h.packed([]uint32{1, 2, 9, 0}, false)
	var d dictIndices
	d.start(h.out, 4)
	for i := range 7 {
		if _, err := d.next(9); err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
	}
	if _, err := d.next(9); err == nil || !strings.Contains(err.Error(), "dictionary index 9") {
		t.Errorf("index 9 of a dictionary of 9: %v", err)
	}
	// An index past 2^31, which a 32-bit int would read as negative.
	h = &hybrid{w: 32}
	h.packed([]uint32{1, 1 << 31, 2}, false)
	d.start(h.out, 32)
	if v, err := d.next(9); v != 1 || err != nil {
		t.Errorf("first index: %d, %v", v, err)
	}
	if v, err := d.next(9); err == nil || !strings.Contains(err.Error(), "dictionary index 2147483648") {
		t.Errorf("index 2^31 of a dictionary of 9: %d, %v", v, err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "end before"},
		{"header cut", []byte{0x80}, "header"},
		{"repeated value cut", []byte{10, 1}, "inside a run"},
	} {
		d.start(c.data, 12)
		if _, err := d.next(1 << 12); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// TestDictCodesAgainstChecks: the codes a flat string column's reader
// works out from a dictionary's indices are the codes the checks would
// compute from the batch's strings (checks.Memo.StrCodes), batch by batch,
// under a dictionary layout, one whose writer gives up on its
// dictionaries, and row groups with more distinct values than a batch may
// have codes for; and the batches of a PLAIN layout get none.
func TestDictCodesAgainstChecks(t *testing.T) {
	f := genStrings(4, 3000)
	for _, l := range []struct {
		name     string
		rowGroup int64
		props    []parquet.WriterProperty
	}{
		// Snappy: uncompressed, arrow-go's writer keeps a dictionary
		// only where it takes less room than PLAIN values (never for
		// req's, one a row).
		{"dict", 700, []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithCompression(compress.Codecs.Snappy)}},
		{"dict-fallback", 700, []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDataPageSize(512), parquet.WithBatchSize(17), parquet.WithDictionaryPageSizeLimit(256)}},
		{"dict-large-groups", 3000, []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithCompression(compress.Codecs.Snappy)}},
		{"plain", 700, []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithCompression(compress.Codecs.Snappy)}},
	} {
		t.Run(l.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.parquet")
			rec := f.record(memory.DefaultAllocator)
			tbl := array.NewTableFromRecords(f.schema, []arrow.RecordBatch{rec})
			rec.Release()
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := pqarrow.WriteTable(tbl, out, l.rowGroup, parquet.NewWriterProperties(l.props...), pqarrow.DefaultWriterProps()); err != nil {
				t.Fatal(err)
			}
			out.Close()
			tbl.Release()
			src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			names := []string{"cat", "text", "req", "bin", "num", "sparse"}
			given, computed := map[string]int{}, map[string]int{}
			for _, u := range src.Units() {
				rr, err := src.Read(context.Background(), u, names, nil, ReadOptions{BatchSize: 2000})
				if err != nil {
					t.Fatal(err)
				}
				cr := rr.(codeReader)
				for rr.Next() {
					rec := rr.RecordBatch()
					memo := new(checks.Memo).Reset(rec)
					for c, fld := range rec.Schema().Fields() {
						got, want := cr.StrCodes(rec.Column(c)), memo.StrCodes(rec, c)
						if want != nil {
							computed[fld.Name]++
						}
						if got == nil {
							continue
						}
						given[fld.Name]++
						if want == nil || !slices.Equal(got.Codes, want.Codes) || !slices.Equal(got.Values, want.Values) {
							t.Fatalf("unit %s, column %s: the reader's codes differ from the checks' (%d values against %v)", u.Where, fld.Name, len(got.Values), want != nil)
						}
					}
				}
				if err := rr.Err(); err != nil {
					t.Fatal(err)
				}
				rr.Release()
			}
			switch l.name {
			case "plain":
				if len(given) > 0 {
					t.Errorf("codes from PLAIN pages: %v", given)
				}
			case "dict-large-groups":
				// req's 2,000 distinct values a batch are more than
				// MaxStrCodes; cat's five are not.
				if given["req"] > 1 || given["cat"] == 0 {
					t.Errorf("batches with codes %v, with computed codes %v", given, computed)
				}
			case "dict-fallback":
				// req's dictionary fills up in its row group's first
				// rows: every batch has rows from PLAIN pages.
				if given["req"] > 0 || given["cat"] == 0 {
					t.Errorf("batches with codes %v, with computed codes %v", given, computed)
				}
			default:
				if given["cat"] == 0 || given["req"] == 0 {
					t.Errorf("batches with codes %v, with computed codes %v", given, computed)
				}
			}
			if given["bin"] > 0 || given["num"] > 0 {
				t.Errorf("codes of a binary or an integer column: %v", given)
			}
			t.Logf("batches with codes %v, with computed codes %v", given, computed)
		})
	}
}

// TestBatchCodesTwoEqualValues: a dictionary that holds a value twice
// gives its batches no codes (two codes for one value would count it
// twice).
func TestBatchCodesTwoEqualValues(t *testing.T) {
	d := &pageDict{n: 3, spans: []span{{0, 1}, {1, 2}, {2, 3}}, vals: []byte("abaXXXXXXXXXXXXXXXX")}
	var bc batchCodes
	bc.reset(4, d)
	if bc.add(0, d) != 1 || bc.add(1, d) != 2 || !bc.ok {
		t.Fatalf("codes of a and b: ok %v", bc.ok)
	}
	if bc.add(2, d) != 0 || bc.ok || bc.strCodes() != nil {
		t.Errorf("a again: ok %v", bc.ok)
	}
	bc.reset(4, d)
	if bc.add(2, d) != 1 || bc.add(1, d) != 2 || !bc.ok || bc.strCodes().Values[0] != "a" {
		t.Errorf("after reset: ok %v", bc.ok)
	}
}

// fakePages is a file.PageReader over pages made in memory; the methods
// plainPages does not call are left to the nil interface.
type fakePages struct {
	file.PageReader
	pages []file.Page
	i     int
}

func (f *fakePages) Next() bool {
	if f.i < len(f.pages) {
		f.i++
		return true
	}
	return false
}
func (f *fakePages) Page() file.Page { return f.pages[f.i-1] }
func (f *fakePages) Err() error      { return nil }
func (f *fakePages) Close() error    { return nil }

// FuzzFlatPages reads a dictionary page and a data page of any bytes, as
// a string, 64-bit, 32-bit or boolean column, required or not, V1 or V2,
// PLAIN or dictionary-encoded, through the flat readers, in batches: an
// error or arrays that hold together, never a panic.
func FuzzFlatPages(f *testing.F) {
	levels := func(n int) []byte { // V1: n defined rows, one repeated run
		l := binary.AppendUvarint(nil, uint64(n)<<1)
		l = append(l, 1)
		return append(binary.LittleEndian.AppendUint32(nil, uint32(len(l))), l...)
	}
	dict := []byte{1, 0, 0, 0, 'a', 2, 0, 0, 0, 'b', 'b', 0, 0, 0, 0}
	h := &hybrid{w: 2}
	h.packed([]uint32{0, 1, 2, 1, 0, 2, 2, 1}, false)
	h.repeated(1, 4)
	idx := append([]byte{2}, h.out...)
	f.Add(dict, uint16(3), append(levels(12), idx...), uint16(12), uint8(1), false, true, uint8(0))
	f.Add(dict, uint16(3), idx, uint16(12), uint8(0), false, true, uint8(0))
	f.Add([]byte{}, uint16(0), append(levels(2), dict[:11]...), uint16(2), uint8(1), false, false, uint8(0))
	f.Add(make([]byte, 24), uint16(3), append(levels(12), idx...), uint16(12), uint8(2), false, true, uint8(0))
	f.Add(make([]byte, 12), uint16(3), idx, uint16(12), uint8(3), true, true, uint8(0))
	f.Add([]byte{}, uint16(0), append(levels(9), 0xA5, 0x01), uint16(9), uint8(4), false, false, uint8(0))
	f.Fuzz(func(t *testing.T, dictData []byte, ndict uint16, page []byte, rows uint16, kind uint8, v2, indexed bool, defLen uint8) {
		kinds := []struct {
			typ    arrow.DataType
			width  int
			maxDef int16
		}{
			{arrow.BinaryTypes.String, 0, 0},
			{arrow.BinaryTypes.String, 0, 1},
			{arrow.PrimitiveTypes.Int64, 8, 1},
			{arrow.PrimitiveTypes.Int32, 4, 0},
			{arrow.FixedWidthTypes.Boolean, boolWidth, 1},
		}
		k := kinds[int(kind)%len(kinds)]
		n := int(rows % 5000)
		enc := parquet.Encodings.Plain
		if indexed {
			enc = parquet.Encodings.RLEDict
		}
		var pages []file.Page
		if ndict > 0 || len(dictData) > 0 {
			pages = append(pages, file.NewDictionaryPage(memory.NewBufferBytes(dictData), int32(ndict), parquet.Encodings.Plain))
		}
		if v2 {
			dl := int32(0)
			if k.maxDef > 0 {
				dl = int32(min(int(defLen), len(page)))
			}
			pages = append(pages, file.NewDataPageV2(memory.NewBufferBytes(page), int32(n), 0, int32(n), enc, dl, 0, int32(len(page)), false))
		} else {
			pages = append(pages, file.NewDataPageV1(memory.NewBufferBytes(page), int32(n), enc, parquet.Encodings.RLE, parquet.Encodings.RLE, int32(len(page))))
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		// mem is the dictionary's allocator too: closing the column frees it.
		pp := &plainPages{name: "c", pr: &fakePages{pages: pages}, maxDef: k.maxDef, width: k.width, mem: mem}
		var col flatColumn
		if k.width == 0 {
			s := &flatStrings{name: "c", typ: k.typ, maxDef: k.maxDef, mem: mem, pages: pp}
			pp.codes = &s.codes
			col = s
		} else {
			col = &flatFixed{typ: k.typ, width: k.width, mem: mem, pages: pp}
		}
		for left := n; left > 0; {
			b := min(left, 700)
			a, err := col.next(b)
			if err != nil {
				break
			}
			if a.Len() != b {
				t.Fatalf("%d rows asked, %d read", b, a.Len())
			}
			// Offsets in order and within the bytes (Parquet strings
			// need not be UTF-8, which ValidateFull would ask).
			if s, ok := a.(*array.String); ok {
				offs := s.ValueOffsets()
				for i := 1; i < len(offs); i++ {
					if offs[i] < offs[i-1] || int(offs[i]) > len(s.ValueBytes()) {
						t.Fatalf("offset %d: %d after %d, in %d bytes", i, offs[i], offs[i-1], len(s.ValueBytes()))
					}
				}
			}
			if nulls := a.NullN(); nulls < 0 || nulls > b || k.maxDef == 0 && nulls > 0 {
				t.Fatalf("%d nulls in %d rows", nulls, b)
			}
			if s, ok := col.(*flatStrings); ok {
				if sc := s.codes.strCodes(); sc != nil {
					strs := a.(*array.String)
					for i, c := range sc.Codes {
						if (c < 0) != strs.IsNull(i) || c >= 0 && sc.Values[c] != strs.Value(i) {
							t.Fatalf("row %d: code %d against %q", i, c, strs.ValueStr(i))
						}
					}
				}
			}
			a.Release()
			left -= b
		}
		col.close()
		mem.AssertSize(t, 0)
	})
}

// A chunk with a second dictionary page is an error that names it, and
// closing the column still frees the first dictionary: a chunk has one
// (the Parquet format), and the reader neither replaces it, which would
// lose the first one's buffers, nor frees it under the batch read from it.
func TestSecondDictionaryPage(t *testing.T) {
	dict := []byte{1, 0, 0, 0, 'a', 2, 0, 0, 0, 'b', 'b'}
	h := &hybrid{w: 1}
	h.repeated(1, 4)
	idx := append([]byte{1}, h.out...)
	for _, second := range []int{0, 1} {
		var pages []file.Page
		pages = append(pages, file.NewDictionaryPage(memory.NewBufferBytes(dict), 2, parquet.Encodings.Plain))
		if second == 1 {
			pages = append(pages, file.NewDataPageV1(memory.NewBufferBytes(idx), 4, parquet.Encodings.RLEDict, parquet.Encodings.RLE, parquet.Encodings.RLE, int32(len(idx))))
		}
		pages = append(pages, file.NewDictionaryPage(memory.NewBufferBytes(dict), 2, parquet.Encodings.Plain),
			file.NewDataPageV1(memory.NewBufferBytes(idx), 4, parquet.Encodings.RLEDict, parquet.Encodings.RLE, parquet.Encodings.RLE, int32(len(idx))))
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		pp := &plainPages{name: "c", pr: &fakePages{pages: pages}, width: 0, mem: mem}
		s := &flatStrings{name: "c", typ: arrow.BinaryTypes.String, mem: mem, pages: pp}
		pp.codes = &s.codes
		var err error
		for range 3 {
			var a arrow.Array
			if a, err = s.next(4); err != nil {
				break
			}
			a.Release()
		}
		if err == nil || !strings.Contains(err.Error(), "second dictionary page") {
			t.Errorf("dictionary pages around %d data pages: error %v, want a second dictionary page", second, err)
		}
		s.close()
		mem.AssertSize(t, 0)
	}
}

// TestFixedDictIndices reads dictionary-encoded pages of 8- and 4-byte
// values through flatFixed, in batches of random sizes that cross the
// indices' decoded batches (indexBatch): every value is the dictionary's
// at its index, and an index beyond the dictionary, wherever it falls, is
// an error naming the column, the page and the index, with the values
// before it read.
func TestFixedDictIndices(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 60 {
		width := []int{8, 4}[round%2]
		ndict := 1 + r.IntN(300)
		dict := make([]byte, ndict*width)
		for i := range dict {
			dict[i] = byte(r.Uint32())
		}
		n := 1 + r.IntN(5000)
		idx := make([]uint32, n)
		for i := range idx {
			idx[i] = uint32(r.IntN(ndict))
		}
		bad := -1
		if round%3 > 0 {
			bad = r.IntN(n)
			idx[bad] = uint32(ndict + r.IntN(5))
		}
		bits := 1
		for 1<<bits <= ndict+5 {
			bits++
		}
		h := &hybrid{w: bits}
		// Runs of both kinds: a repeated run, then bit-packed ones.
		rep := 0
		for rep < n && idx[rep] == idx[0] {
			rep++
		}
		h.repeated(idx[0], rep)
		if rep < n {
			h.packed(idx[rep:], false)
		}
		data := append([]byte{byte(bits)}, h.out...)
		pages := []file.Page{
			file.NewDictionaryPage(memory.NewBufferBytes(dict), int32(ndict), parquet.Encodings.Plain),
			file.NewDataPageV1(memory.NewBufferBytes(data), int32(n), parquet.Encodings.RLEDict, parquet.Encodings.RLE, parquet.Encodings.RLE, int32(len(data))),
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		typ := arrow.DataType(arrow.PrimitiveTypes.Int64)
		if width == 4 {
			typ = arrow.PrimitiveTypes.Int32
		}
		col := &flatFixed{typ: typ, width: width, mem: mem, pages: &plainPages{name: "c", pr: &fakePages{pages: pages}, width: width, mem: mem}}
		row := 0
		var err error
		for row < n {
			b := min(n-row, 1+r.IntN(1500))
			var a arrow.Array
			if a, err = col.next(b); err != nil {
				break
			}
			vals := a.Data().Buffers()[1].Bytes()[a.Data().Offset()*width:]
			for i := range b {
				want := dict[int(idx[row+i])*width:][:width]
				if got := vals[i*width:][:width]; !bytes.Equal(got, want) {
					t.Fatalf("round %d: row %d is %x, want %x (index %d)", round, row+i, got, want, idx[row+i])
				}
			}
			a.Release()
			row += b
		}
		switch {
		case bad < 0 && err != nil:
			t.Errorf("round %d: %v", round, err)
		case bad >= 0 && err == nil:
			t.Errorf("round %d: index %d at row %d of %d read without an error", round, idx[bad], bad, n)
		case bad >= 0:
			want := fmt.Sprintf("column \"c\": page 2: dictionary index %d, beyond the dictionary's %d values", idx[bad], ndict)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("round %d: error %q, want %q", round, err, want)
			}
			if row > bad {
				t.Errorf("round %d: rows up to %d read, past the bad index at %d", round, row, bad)
			}
		}
		col.close()
		mem.AssertSize(t, 0)
	}
}
