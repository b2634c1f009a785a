package pipeline

// Flat string columns of a Parquet file are turned into Arrow arrays here
// rather than by pqarrow. What we found in arrow-go v18.8.0's source:
// pqarrow's byteArrayRecordReader (parquet/file/record_reader.go,
// ReadValuesSpaced) decodes a page's values into parquet.ByteArray slices,
// then appends them to an array.BinaryBuilder one at a time, each with a
// capacity check, an offset written through a closure and a validity bit.
// On the 10M-row benchmark the appends were 0.90 s of the 2.84 s of CPU
// spent decoding (docs/performance.md, section j), and reserving room once
// a batch did not help: the builder's public API has no way to write the
// offsets and bytes straight into their buffers.
//
// So a flat string column is built here, offsets, bytes and validity
// written straight into their buffers, in one of two ways:
//   - a column chunk whose metadata lists only PLAIN or dictionary-encoded
//     values and RLE levels (what most writers write: a dictionary, then
//     PLAIN once it grows too large) is read from its pages (plainPages):
//     each row's level, then its value's length and bytes, or its index
//     into the dictionary (parquetdict.go), go from the page to the array
//     in one loop. The pages come from arrow-go's page reader
//     (decompression, checksums, decryption);
//   - any other chunk (DELTA encodings) is decoded by arrow-go's column
//     chunk reader (file.ByteArrayColumnChunkReader.ReadBatchInPage), and
//     each page's values are copied out before the next call: they alias
//     the page.
//
// On the 10M-row benchmark the decode floor took 2.5-3.0 s of CPU against
// 3.6-4.1 s through pqarrow, and 2.9-3.3 s with every chunk through the
// column chunk reader (docs/performance.md, section k).
//
// Only a top-level field whose Arrow type is String or Binary, over one
// BYTE_ARRAY leaf with no repetition and at most one definition level,
// takes this path; every other column is still read by pqarrow's record
// reader, and the two are zipped into one batch of the same rows.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/readiness/readiness/checks"
)

// ownStringColumns turns the flat-string path on; tests turn it off to
// compare it with pqarrow's.
var ownStringColumns = true

// flatStringLeaf reports whether field f, read from leaf column leaf of row
// group rg, can be read as a flat string column.
func flatStringLeaf(meta *metadata.FileMetaData, rg, leaf int, f arrow.Field) bool {
	if !ownStringColumns {
		return false
	}
	if !arrow.TypeEqual(f.Type, arrow.BinaryTypes.String) && !arrow.TypeEqual(f.Type, arrow.BinaryTypes.Binary) {
		return false
	}
	if leaf < 0 || leaf >= meta.Schema.NumColumns() || rg < 0 || rg >= meta.NumRowGroups() {
		return false
	}
	col := meta.Schema.Column(leaf)
	if col.PhysicalType() != parquet.Types.ByteArray || col.MaxRepetitionLevel() != 0 || col.MaxDefinitionLevel() > 1 {
		return false
	}
	// Encrypted columns are left to pqarrow, which says so.
	if meta.IsSetEncryptionAlgorithm() {
		return false
	}
	cc, err := meta.RowGroup(rg).ColumnChunk(leaf)
	return err == nil && cc.CryptoMetadata() == nil
}

// flatStrings reads one flat BYTE_ARRAY column chunk as String or Binary
// arrays, a batch of rows at a time. A chunk whose metadata lists only
// PLAIN or dictionary-encoded values and RLE levels (pageChunk) is read
// straight from its pages (plainPages): each value's bytes go from the
// page, or the dictionary, to the array in one loop, with no
// parquet.ByteArray in between. Any other chunk goes through the column
// chunk reader.
type flatStrings struct {
	name   string
	typ    arrow.DataType
	maxDef int16
	mem    memory.Allocator
	// cr reads the chunk when pages is nil (readChunk, with vals and defs
	// for a page's values and levels).
	cr   *file.ByteArrayColumnChunkReader
	vals []parquet.ByteArray
	defs []int16
	// pages reads a pageChunk.
	pages *plainPages
	// codes are the last batch's codes when its rows all came from
	// dictionary-encoded pages (parquetdict.go).
	codes batchCodes
	// hint is the byte size of the last batch's values: the next batch
	// reserves that much at once, or perRow bytes a row if that is more.
	hint int
	// perRow is the chunk's uncompressed bytes per row, from its
	// metadata: for PLAIN pages more than their values take (the pages
	// also hold each value's 4-byte length, the levels and the headers).
	perRow float64
}

// maxReserve bounds what a batch reserves up front from the chunk's
// metadata, which comes from the file and may overstate: no more than a
// batch of 32,768 values of 512 bytes takes. A batch needing more grows.
const maxReserve = 16 << 20

// reserve is the byte size a batch of n rows reserves for its values.
//
// Without the metadata's estimate, the first batch of every chunk started
// from nothing and doubled its buffer, copying, some 14 times, and a batch
// a little larger than the one before doubled it again: at 10M rows 6,007
// copies of 269 MB, on a table of 1M rows and 80 string columns (of 203)
// 10,823 copies of 749 MB, 2.6 s of CPU in its profile, most of it page
// faults into new buffers (docs/performance.md, 2026-11-27 m).
//
// A dictionary-encoded chunk's metadata counts its indices, which take far
// less room than their values: its batches reserve as much as n values
// of the dictionary's average length.
func (c *flatStrings) reserve(n int) int {
	perRow := c.perRow
	if p := c.pages; p != nil && p.indexed && p.dict.n > 0 {
		perRow = max(perRow, float64(p.dict.size)/float64(p.dict.n))
	}
	return max(c.hint, int(min(perRow*float64(n), maxReserve)))
}

// newFlatStrings reads leaf column leaf of row group rg.
func newFlatStrings(name string, rg *file.RowGroupReader, leaf int, typ arrow.DataType, mem memory.Allocator) (*flatStrings, error) {
	c := &flatStrings{name: name, typ: typ, maxDef: rg.MetaData().Schema.Column(leaf).MaxDefinitionLevel(), mem: mem}
	cc, err := rg.MetaData().ColumnChunk(leaf)
	if rows := rg.NumRows(); err == nil && rows > 0 && cc.TotalUncompressedSize() > 0 {
		c.perRow = float64(cc.TotalUncompressedSize()) / float64(rows)
	}
	if err == nil && pageChunk(cc) {
		pr, err := rg.GetColumnPageReader(leaf)
		if err != nil {
			return nil, err
		}
		c.pages = &plainPages{name: name, pr: pr, maxDef: c.maxDef, codes: &c.codes, mem: mem}
		return c, nil
	}
	cr, err := rg.Column(leaf)
	if err != nil {
		return nil, err
	}
	br, ok := cr.(*file.ByteArrayColumnChunkReader)
	if !ok {
		cr.Close()
		return nil, fmt.Errorf("column %q: a %T where a BYTE_ARRAY reader was expected", name, cr)
	}
	c.cr = br
	return c, nil
}

// pageChunk reports whether a column chunk's metadata lists only the
// encodings plainPages reads: PLAIN or dictionary-encoded values (with
// their dictionary page) and RLE levels.
func pageChunk(cc *metadata.ColumnChunkMetaData) bool {
	if len(cc.Encodings()) == 0 {
		return false
	}
	for _, e := range cc.Encodings() {
		switch e {
		case parquet.Encodings.Plain, parquet.Encodings.RLE, parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		default:
			return false
		}
	}
	return true
}

func (c *flatStrings) close() {
	c.codes.release()
	if c.pages != nil {
		c.pages.pr.Close()
		c.pages.release()
	}
	if c.cr != nil {
		c.cr.Close()
	}
}

// next reads the column's next n rows.
func (c *flatStrings) next(n int) (arrow.Array, error) {
	// The offsets and the value bytes are written whole by read before
	// they are read (offs[0] here, the rest there), so their buffers are
	// not cleared first; the validity bitmap is, as read only sets bits.
	raw := uncleared(c.mem)
	offsets := memory.NewResizableBuffer(raw)
	defer offsets.Release()
	offsets.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	offs[0] = 0
	if p := c.pages; p != nil && p.dataPages == 0 {
		// The chunk's first pages, read now for reserve to see whether
		// they are dictionary-encoded.
		if err := p.nextPage(); err != nil {
			return nil, fmt.Errorf("column %q: %w", c.name, err)
		}
	}
	var dict *pageDict
	if c.pages != nil && c.typ.ID() == arrow.STRING {
		dict = c.pages.dict // Binary columns have no codes (checks.StrCodes)
	}
	c.codes.reset(n, dict)
	data := memory.NewResizableBuffer(raw)
	defer data.Release()
	data.Reserve(c.reserve(n))
	var validity *memory.Buffer
	var bits []byte
	if c.maxDef > 0 {
		validity = memory.NewResizableBuffer(c.mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(n)))) // zeroed: every row null until set
		bits = validity.Bytes()
	}
	read := c.readChunk
	if c.pages != nil {
		read = c.pages.read
	}
	size, nulls, err := read(n, offs, bits, data)
	if err != nil {
		return nil, err
	}
	data.ResizeNoShrink(size)
	c.hint = size
	bufs := []*memory.Buffer{nil, offsets, data}
	if nulls > 0 {
		bufs[0] = validity
	}
	d := array.NewData(c.typ, n, bufs, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// readChunk is plainPages.read for a chunk read by the column chunk
// reader: n rows into offs, bits and data, each page's values copied out
// before the next page is read.
func (c *flatStrings) readChunk(n int, offs []int32, bits []byte, data *memory.Buffer) (size, nulls int, err error) {
	if cap(c.vals) < n {
		c.vals, c.defs = make([]parquet.ByteArray, n), make([]int16, n)
	}
	row := 0
	for row < n {
		want := n - row
		total, read, err := c.cr.ReadBatchInPage(int64(want), c.vals[:want], c.defs[:want], nil)
		if err != nil {
			return 0, 0, fmt.Errorf("column %q: %w", c.name, err)
		}
		if total == 0 {
			break
		}
		if total > int64(want) || read > int(total) {
			return 0, 0, fmt.Errorf("column %q: the reader returned %d rows and %d values for %d rows asked", c.name, total, read, want)
		}
		vals := c.vals[:read]
		need := size
		for _, v := range vals {
			need += len(v)
		}
		if need > math.MaxInt32 {
			return 0, 0, fmt.Errorf("column %q: more than 2 GiB of values in %d rows, beyond a %s array's 32-bit offsets", c.name, n, c.typ)
		}
		if need > data.Cap() {
			data.Reserve(max(need, 2*data.Cap()))
		}
		buf := data.Buf()
		if c.maxDef == 0 {
			for i, v := range vals {
				size += copy(buf[size:], v)
				offs[row+i+1] = int32(size)
			}
		} else {
			v := 0
			for i, d := range c.defs[:total] {
				switch {
				case d == c.maxDef:
					size += copy(buf[size:], vals[v])
					v++
					bits[(row+i)>>3] |= 1 << ((row + i) & 7)
				case d >= 0 && d < c.maxDef:
					nulls++
				default:
					return 0, 0, fmt.Errorf("column %q: definition level %d outside 0..%d", c.name, d, c.maxDef)
				}
				offs[row+i+1] = int32(size)
			}
			if v != read {
				return 0, 0, fmt.Errorf("column %q: %d values for %d defined levels", c.name, read, v)
			}
		}
		row += int(total)
	}
	if row < n {
		return 0, 0, fmt.Errorf("column %q: the column chunk ended after %d of %d rows", c.name, row, n)
	}
	return size, nulls, nil
}

// flatColumn is a column read beside pqarrow: flatStrings or flatFixed.
type flatColumn interface {
	next(n int) (arrow.Array, error)
	close()
}

// newFlatColumn reads leaf column leaf of row group rg as a flatFixed
// when width is flatFixedWidth's (not 0), else as a flatStrings. On an
// error the column is nil, not a nil pointer in the interface, which
// parquetBatches.Release would close.
func newFlatColumn(name string, rg *file.RowGroupReader, leaf int, typ arrow.DataType, width int, mem memory.Allocator) (flatColumn, error) {
	if width != 0 {
		c, err := newFlatFixed(name, rg, leaf, typ, width, mem)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	c, err := newFlatStrings(name, rg, leaf, typ, mem)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// parquetBatches zips the batches pqarrow reads for some columns of a row
// group with the flat string and fixed-width columns read beside them, in
// the field order of schema.
type parquetBatches struct {
	schema *arrow.Schema
	// pq reads the other columns; nil when every column is read beside it.
	pq array.RecordReader
	// from is, per column of schema, its index in pq's batches, or -1 for
	// the flat column flat[i].
	from []int
	flat []flatColumn
	// codes are, per column of cur, the codes its reader worked out
	// (a flat string column's, from a dictionary's indices), or nil.
	codes []*checks.StrCodes
	left  int64 // rows of the row group not read yet
	size  int64
	cur   arrow.RecordBatch
	err   error
}

func (p *parquetBatches) Retain()                        {}
func (p *parquetBatches) Schema() *arrow.Schema          { return p.schema }
func (p *parquetBatches) RecordBatch() arrow.RecordBatch { return p.cur }
func (p *parquetBatches) Record() arrow.RecordBatch      { return p.cur }

func (p *parquetBatches) Err() error {
	if p.err == nil && p.pq != nil {
		return p.pq.Err()
	}
	return p.err
}

func (p *parquetBatches) Release() {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.pq != nil {
		p.pq.Release()
		p.pq = nil
	}
	for i, c := range p.flat {
		if c != nil {
			c.close()
			p.flat[i] = nil
		}
	}
}

func (p *parquetBatches) Next() bool {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.err != nil {
		return false
	}
	var rec arrow.RecordBatch
	var k int64
	if p.pq != nil {
		if !p.pq.Next() {
			if p.pq.Err() == nil && p.left > 0 {
				p.err = fmt.Errorf("the columns read ended %d rows before the row group's end", p.left)
			}
			return false
		}
		rec = p.pq.RecordBatch()
		k = rec.NumRows()
	} else {
		if p.left <= 0 {
			return false
		}
		k = min(p.size, p.left)
	}
	if k > p.left {
		p.err = errors.New("the columns read hold more rows than the row group")
		return false
	}
	p.left -= k
	cols := make([]arrow.Array, len(p.from))
	var own []arrow.Array
	defer func() {
		for _, a := range own {
			a.Release()
		}
	}()
	for i, j := range p.from {
		if j >= 0 {
			cols[i] = rec.Column(j)
			continue
		}
		a, err := p.flat[i].next(int(k))
		if err != nil {
			p.err = err
			return false
		}
		own = append(own, a)
		cols[i] = a
		if s, ok := p.flat[i].(*flatStrings); ok {
			if p.codes == nil {
				p.codes = make([]*checks.StrCodes, len(p.from))
			}
			p.codes[i] = s.codes.strCodes()
		}
	}
	p.cur = array.NewRecordBatch(p.schema, cols, k)
	return true
}

// StrCodes returns the codes of column a of the current batch as its
// reader worked them out (see checks.Memo.SetStrCodes), or nil.
func (p *parquetBatches) StrCodes(a arrow.Array) *checks.StrCodes {
	if p.cur == nil || p.codes == nil {
		return nil
	}
	for i, sc := range p.codes {
		if sc != nil && p.cur.Column(i) == a {
			return sc
		}
	}
	return nil
}

// plainPages reads the values of a flat column chunk from its pages, as
// the Parquet format lays them out: a data page (V1: its definition
// levels after a 4-byte length; V2: its repetition and definition levels
// first, their lengths in the header) holds a run of levels in the
// RLE/bit-packed hybrid encoding, bit width 1, one a row, then each
// defined value: PLAIN, a 4-byte little-endian length and the bytes of a
// byte array, or the bytes of a fixed-width value (parquetfixed.go); or
// dictionary-encoded, indices into the values of the chunk's dictionary
// page (parquetdict.go). The page reader (decompression, checksums,
// decryption) is arrow-go's; a page's bytes are valid until its next page
// is read.
type plainPages struct {
	name   string
	pr     file.PageReader
	maxDef int16
	// width is the values' byte width: 0 for byte arrays, boolWidth for
	// booleans.
	width     int
	page      int    // pages read
	dataPages int    // data pages read
	vals      []byte // the current page's values not read yet
	vbit      int    // a boolean column's next value: its bit in vals
	rows      int    // the current page's rows not read yet
	lv        levels
	// dict is the chunk's dictionary, once its page is read; indexed says
	// that the current page's values are indices into it, which ix
	// decodes (parquetdict.go).
	dict    *pageDict
	indexed bool
	ix      dictIndices
	// codes works out a string column's codes from its indices
	// (flatStrings'; nil for other columns).
	codes *batchCodes
	// mem is the allocator dict's buffers come from (nil: the Go heap).
	mem memory.Allocator
}

// levels decodes a page's definition levels: the RLE/bit-packed hybrid
// encoding at bit width 1.
type levels struct {
	data   []byte // the runs not started
	run    int    // levels left in the current run
	packed bool   // the current run is bit-packed (else repeated)
	value  byte   // a repeated run's level
	bits   []byte // a bit-packed run's bytes
	pos    int    // the next bit of bits
}

// nextRun starts the next run of levels.
func (l *levels) nextRun() error {
	for l.run == 0 {
		h, k := binary.Uvarint(l.data)
		if k <= 0 {
			return errors.New("definition levels end before the page's values")
		}
		l.data = l.data[k:]
		if h&1 == 0 {
			if len(l.data) < 1 {
				return errors.New("definition levels end inside a run")
			}
			if l.value = l.data[0]; l.value > 1 {
				return fmt.Errorf("definition level %d above the column's maximum 1", l.value)
			}
			l.data = l.data[1:]
			l.run, l.packed = int(min(h>>1, math.MaxInt32)), false
		} else {
			groups := h >> 1
			if groups > uint64(len(l.data)) {
				return errors.New("definition levels end inside a bit-packed run")
			}
			l.bits, l.data = l.data[:groups], l.data[groups:]
			l.run, l.packed, l.pos = int(groups)*8, true, 0
		}
	}
	return nil
}

// nextPage moves to the next data page of the chunk.
func (p *plainPages) nextPage() error {
	for {
		if !p.pr.Next() {
			if err := p.pr.Err(); err != nil {
				return err
			}
			return errors.New("the column chunk ended before the row group's last row")
		}
		p.page++
		page := p.pr.Page()
		var data, lv []byte
		switch pg := page.(type) {
		case *file.DataPageV1:
			data = pg.Data()
			if p.maxDef > 0 {
				if e := pg.DefinitionLevelEncoding(); e != parquet.Encodings.RLE {
					return fmt.Errorf("page %d: %s definition levels in a chunk whose metadata lists only RLE", p.page, e)
				}
				if len(data) < 4 {
					return fmt.Errorf("page %d: no room for its definition levels' length", p.page)
				}
				n := binary.LittleEndian.Uint32(data)
				if uint64(n) > uint64(len(data)-4) {
					return fmt.Errorf("page %d: definition levels of %d bytes in a page of %d", p.page, n, len(data))
				}
				lv, data = data[4:4+n], data[4+n:]
			}
		case *file.DataPageV2:
			data = pg.Data()
			r, d := int64(pg.RepetitionLevelByteLen()), int64(pg.DefinitionLevelByteLen())
			if r < 0 || d < 0 || r+d > int64(len(data)) {
				return fmt.Errorf("page %d: levels of %d and %d bytes in a page of %d", p.page, r, d, len(data))
			}
			lv, data = data[r:r+d], data[r+d:]
		case *file.DictionaryPage:
			if err := p.readDict(pg); err != nil {
				return err
			}
			continue
		default:
			continue // an index page
		}
		p.dataPages++
		if page.NumValues() < 0 {
			return fmt.Errorf("page %d: %d values", p.page, page.NumValues())
		}
		p.vals, p.vbit, p.rows, p.lv = data, 0, int(page.NumValues()), levels{data: lv}
		switch e := parquet.Encoding(page.Encoding()); {
		case e == parquet.Encodings.Plain:
			p.indexed = false
		case (e == parquet.Encodings.RLEDict || e == parquet.Encodings.PlainDict) && p.width != boolWidth:
			if err := p.startIndices(data); err != nil {
				return fmt.Errorf("page %d: %w", p.page, err)
			}
			p.vals, p.indexed = nil, true
		default:
			return fmt.Errorf("page %d: %s values in a chunk whose metadata lists only PLAIN and dictionary encodings", p.page, e)
		}
		return nil
	}
}

// read reads n rows into offs (n+1 offsets, the first 0), the validity
// bitmap bits (zeroed; nil for a required column) and data, growing data
// as it needs; it returns the bytes written to data and the nulls.
func (p *plainPages) read(n int, offs []int32, bits []byte, data *memory.Buffer) (size, nulls int, err error) {
	buf := data.Buf()
	for row := 0; row < n; {
		if p.rows == 0 {
			if err := p.nextPage(); err != nil {
				return 0, 0, fmt.Errorf("column %q: %w", p.name, err)
			}
			continue
		}
		k := min(n-row, p.rows)
		if !p.indexed && p.codes != nil {
			p.codes.ok = false
		}
		if p.indexed {
			if size, nulls, err = p.readIndexed(row, k, n, offs, bits, data, &buf, size, nulls); err != nil {
				return 0, 0, fmt.Errorf("column %q: page %d: %w", p.name, p.page, err)
			}
		} else if p.maxDef == 0 {
			for i := row; i < row+k; i++ {
				if l := p.fits(size, len(buf)); l >= 0 {
					moveValue(buf[size:], p.vals[4:], l)
					size += l
					p.vals = p.vals[4+l:]
				} else if size, err = p.valueSlow(n, size, data, &buf); err != nil {
					return 0, 0, fmt.Errorf("column %q: %w", p.name, err)
				}
				offs[i+1] = int32(size)
			}
		} else {
			for i := row; i < row+k; {
				if p.lv.run == 0 {
					if err := p.lv.nextRun(); err != nil {
						return 0, 0, fmt.Errorf("column %q: page %d: %w", p.name, p.page, err)
					}
				}
				m := min(row+k-i, p.lv.run)
				for j := i; j < i+m; j++ {
					var defined bool
					if p.lv.packed {
						defined = p.lv.bits[p.lv.pos>>3]>>(p.lv.pos&7)&1 == 1
						p.lv.pos++
					} else {
						defined = p.lv.value == 1
					}
					if defined {
						if l := p.fits(size, len(buf)); l >= 0 {
							moveValue(buf[size:], p.vals[4:], l)
							size += l
							p.vals = p.vals[4+l:]
						} else if size, err = p.valueSlow(n, size, data, &buf); err != nil {
							return 0, 0, fmt.Errorf("column %q: %w", p.name, err)
						}
						bits[j>>3] |= 1 << (j & 7)
					} else {
						nulls++
					}
					offs[j+1] = int32(size)
				}
				p.lv.run -= m
				i += m
			}
		}
		p.rows -= k
		row += k
	}
	return size, nulls, nil
}

// fits returns the length of the current page's next value when it is
// whole in the page and fits in a buffer of room bytes after size, else
// -1 (then valueSlow reads it, or says why it cannot). read copies the
// value itself when it fits: fits is inlined, and read's size and buffer
// stay in registers. A closure over them, called once a value, was not
// inlined and took 0.28–0.39 s of CPU at 10M rows; the decode floor took
// 1.53–1.64 s of user CPU against 1.57–1.70 s, and 0.950–0.983 s against
// 0.967–1.030 s, in five alternating pairs (docs/performance.md, 2026-11-28 s).
func (p *plainPages) fits(size, room int) int {
	if len(p.vals) < 4 {
		return -1
	}
	if l := int(binary.LittleEndian.Uint32(p.vals)); l <= len(p.vals)-4 && size+l <= room {
		return l
	}
	return -1
}

// moveValue copies a value of l bytes, the first l of src, to dst (l
// fits in both). A short value (a label, a category) is moved as 16 bytes,
// without a call to memmove, when both have 16 bytes: the bytes past it in
// dst are overwritten by the next value or left past the data's end. The
// 10M-row audit's string columns took 0.65 s of CPU against 0.86 s (three
// profiles each; BenchmarkParquetFlatRead 67–75 ns a row against 73–87;
// docs/performance.md, 2026-11-29 z). Inlined into read.
func moveValue(dst, src []byte, l int) {
	if l <= 16 && len(src) >= 16 && len(dst) >= 16 {
		*(*[16]byte)(dst) = *(*[16]byte)(src)
		return
	}
	copy(dst, src[:l])
}

// valueSlow appends the current page's next value to buf, size bytes of
// it in use, growing data and buf to hold it, and returns the size after
// it; or says why the value cannot be read. Out of line: read's way when
// fits says no.
func (p *plainPages) valueSlow(n, size int, data *memory.Buffer, buf *[]byte) (int, error) {
	if err := p.grow(n, size, data, buf); err != nil {
		return size, err
	}
	l := int(binary.LittleEndian.Uint32(p.vals))
	size += copy((*buf)[size:], p.vals[4:4+l])
	p.vals = p.vals[4+l:]
	return size, nil
}

// grow makes room in data for the current page's next value, or says why
// the value cannot be read; buf is data's bytes, size of them in use.
// valueSlow calls it when fits says no.
func (p *plainPages) grow(n, size int, data *memory.Buffer, buf *[]byte) error {
	if len(p.vals) < 4 {
		return fmt.Errorf("page %d: its values end before its levels", p.page)
	}
	l := int(binary.LittleEndian.Uint32(p.vals))
	if l > len(p.vals)-4 {
		return fmt.Errorf("page %d: a value of %d bytes past the page's end", p.page, l)
	}
	if size+l > math.MaxInt32 {
		return fmt.Errorf("more than 2 GiB of values in %d rows, beyond 32-bit offsets", n)
	}
	if size+l > len(*buf) {
		data.Reserve(max(size+l, 2*len(*buf)))
		*buf = data.Buf()
	}
	return nil
}
