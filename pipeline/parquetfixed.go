package pipeline

// Flat fixed-width columns of a Parquet file (64- and 32-bit integers,
// timestamps, floats, booleans) whose chunks hold only PLAIN or
// dictionary-encoded values (parquetdict.go; booleans PLAIN only) are
// turned into Arrow arrays here, from their pages, rather than by pqarrow,
// as the flat string columns are (parquetstrings.go). pqarrow's record
// reader decodes a page's definition levels into one int16 a row
// (utils.RleDecoder.GetBatchLevels), copies the values out a batch at a
// time and builds the validity bitmap from the levels; on the 10M-row
// benchmark that was 0.35 s of CPU beside the 0.29 s of decompressing the
// pages. Here a run of defined values is copied in one move, and the
// validity bits set a run at a time: the five numeric columns took 0.48 s
// of CPU, 0.36 s of it reading and decompressing the pages, against 0.63 s
// through pqarrow (two profiles each; docs/performance.md, 2026-11-29 z).
//
// Only a top-level field over one leaf with no repetition and at most one
// definition level takes this path, and only where the Arrow type holds
// the Parquet values as they are: INT64 as Int64 (no logical type, or a
// signed 64-bit integer) or as a Timestamp of the unit the Parquet
// timestamp has, DOUBLE as Float64, FLOAT as Float32, INT32 as Int32 (no
// logical type, or a signed 32-bit integer), and BOOLEAN as Boolean (a bit
// a value) when the chunk's page encoding stats say its data pages are
// PLAIN (plainDataPages). Anything that pqarrow converts (unsigned or
// narrower integers, dates, decimals, a timestamp read in another unit,
// INT96) stays with pqarrow.

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// ownFixedColumns turns the flat fixed-width path on; tests turn it off to
// compare it with pqarrow's.
var ownFixedColumns = true

// littleEndian: PLAIN values are little-endian, and are copied as they are
// into Arrow's buffers, which hold the machine's order.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// boolWidth is flatFixedWidth's width of a boolean column: its values are
// bits, packed in the page as in an Arrow bitmap.
const boolWidth = -1

// flatFixedWidth returns the byte width of field f's values (boolWidth
// for booleans) when f, read from leaf column leaf of row group rg, can be
// read as a flat fixed-width column, else 0.
func flatFixedWidth(meta *metadata.FileMetaData, rg, leaf int, f arrow.Field) int {
	if !ownFixedColumns || !littleEndian {
		return 0
	}
	if leaf < 0 || leaf >= meta.Schema.NumColumns() || rg < 0 || rg >= meta.NumRowGroups() {
		return 0
	}
	col := meta.Schema.Column(leaf)
	if col.MaxRepetitionLevel() != 0 || col.MaxDefinitionLevel() > 1 || meta.IsSetEncryptionAlgorithm() {
		return 0
	}
	width := 0
	lt := col.LogicalType()
	signedInt := func(bits int8) bool {
		if _, none := lt.(schema.NoLogicalType); none {
			return true
		}
		it, ok := lt.(schema.IntLogicalType)
		return ok && it.BitWidth() == bits && it.IsSigned()
	}
	switch col.PhysicalType() {
	case parquet.Types.Int64:
		switch t := f.Type.(type) {
		case *arrow.Int64Type:
			if signedInt(64) {
				width = 8
			}
		case *arrow.TimestampType:
			if ts, ok := lt.(schema.TimestampLogicalType); ok && timestampUnit(ts) == t.Unit {
				width = 8
			}
		}
	case parquet.Types.Double:
		if f.Type.ID() == arrow.FLOAT64 {
			width = 8
		}
	case parquet.Types.Float:
		if f.Type.ID() == arrow.FLOAT32 {
			width = 4
		}
	case parquet.Types.Int32:
		if f.Type.ID() == arrow.INT32 && signedInt(32) {
			width = 4
		}
	case parquet.Types.Boolean:
		if f.Type.ID() == arrow.BOOL {
			width = boolWidth
		}
	}
	if width == 0 {
		return 0
	}
	cc, err := meta.RowGroup(rg).ColumnChunk(leaf)
	if err != nil || cc.CryptoMetadata() != nil || !pageChunk(cc) {
		return 0
	}
	if width == boolWidth && !plainDataPages(cc) {
		return 0
	}
	return width
}

// plainDataPages reports whether a column chunk's page encoding stats say
// that every data page holds PLAIN values. A boolean chunk needs them:
// booleans may be RLE-encoded, and RLE is also the levels' encoding, so
// the chunk's list of encodings cannot tell (parquet-testing's
// rle_boolean_encoding.parquet and datapage_v2.snappy.parquet list PLAIN
// and RLE for RLE values). A chunk without the stats is left to pqarrow.
func plainDataPages(cc *metadata.ColumnChunkMetaData) bool {
	stats := cc.EncodingStats()
	data := 0
	for _, st := range stats {
		// The Thrift PageType's values (parquet.thrift): arrow-go's enum is
		// in an internal package.
		const dataPage, dataPageV2 = 0, 3
		switch int32(st.PageType) {
		case dataPage, dataPageV2:
			if st.Encoding != parquet.Encodings.Plain {
				return false
			}
			data++
		}
	}
	return data > 0
}

// timestampUnit is the Arrow unit of a Parquet timestamp's values, or -1.
func timestampUnit(ts schema.TimestampLogicalType) arrow.TimeUnit {
	switch ts.TimeUnit() {
	case schema.TimeUnitMillis:
		return arrow.Millisecond
	case schema.TimeUnitMicros:
		return arrow.Microsecond
	case schema.TimeUnitNanos:
		return arrow.Nanosecond
	}
	return -1
}

// flatFixed reads one flat fixed-width column chunk of PLAIN or
// dictionary-encoded pages as Arrow arrays, a batch of rows at a time.
type flatFixed struct {
	typ   arrow.DataType
	width int
	mem   memory.Allocator
	pages *plainPages
}

// newFlatFixed reads leaf column leaf of row group rg, whose values are
// width bytes each, or bits (boolWidth; see flatFixedWidth).
func newFlatFixed(name string, rg *file.RowGroupReader, leaf int, typ arrow.DataType, width int, mem memory.Allocator) (*flatFixed, error) {
	pr, err := rg.GetColumnPageReader(leaf)
	if err != nil {
		return nil, err
	}
	maxDef := rg.MetaData().Schema.Column(leaf).MaxDefinitionLevel()
	return &flatFixed{typ: typ, width: width, mem: mem, pages: &plainPages{name: name, pr: pr, maxDef: maxDef, width: width, mem: mem}}, nil
}

func (c *flatFixed) close() {
	c.pages.pr.Close()
	c.pages.release()
}

// next reads the column's next n rows.
func (c *flatFixed) next(n int) (arrow.Array, error) {
	// Every value's bytes are written by readFixed, a null's as zeros, so
	// the values' buffer is not cleared first; the validity bitmap is, as
	// readFixed only sets bits, and so are a boolean column's values.
	var values *memory.Buffer
	if c.width == boolWidth {
		values = memory.NewResizableBuffer(c.mem)
		values.Resize(int(bitutil.BytesForBits(int64(n))))
	} else {
		values = memory.NewResizableBuffer(uncleared(c.mem))
		values.Resize(n * c.width)
	}
	defer values.Release()
	var validity *memory.Buffer
	var bits []byte
	if c.pages.maxDef > 0 {
		validity = memory.NewResizableBuffer(c.mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		bits = validity.Bytes()
	}
	var nulls int
	var err error
	if c.width == boolWidth {
		nulls, err = c.pages.readBools(n, values.Bytes(), bits)
	} else {
		nulls, err = c.pages.readFixed(n, c.width, values.Bytes(), bits)
	}
	if err != nil {
		return nil, err
	}
	bufs := []*memory.Buffer{nil, values}
	if nulls > 0 {
		bufs[0] = validity
	}
	d := array.NewData(c.typ, n, bufs, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// readFixed reads n rows of width-byte values into out (n·width bytes,
// a null's as zeros) and the validity bitmap bits (zeroed; nil for a
// required column), and returns the nulls.
func (p *plainPages) readFixed(n, width int, out, bits []byte) (nulls int, err error) {
	err = p.runs(n, func(i, m int, defined bool) error {
		if !defined {
			clear(out[i*width : (i+m)*width])
			nulls += m
			return nil
		}
		var err error
		if p.indexed {
			err = p.copyIndexed(out[i*width:(i+m)*width], m, width)
		} else {
			err = p.copyValues(out[i*width:(i+m)*width], m, width)
		}
		if err != nil {
			return err
		}
		setBits(bits, i, m)
		return nil
	})
	return nulls, err
}

// runs walks the next n rows of the chunk, page after page, and calls f
// with each stretch of rows i..i+m that are all defined or all null: a
// repeated run of levels whole, a bit-packed run a row at a time, a page
// of a required column whole. f is called in row order.
func (p *plainPages) runs(n int, f func(i, m int, defined bool) error) error {
	for row := 0; row < n; {
		if p.rows == 0 {
			if err := p.nextPage(); err != nil {
				return fmt.Errorf("column %q: %w", p.name, err)
			}
			continue
		}
		k := min(n-row, p.rows)
		if p.maxDef == 0 {
			if err := f(row, k, true); err != nil {
				return err
			}
		} else {
			for i := row; i < row+k; {
				if p.lv.run == 0 {
					if err := p.lv.nextRun(); err != nil {
						return fmt.Errorf("column %q: page %d: %w", p.name, p.page, err)
					}
				}
				m := min(row+k-i, p.lv.run)
				if p.lv.packed {
					for j := i; j < i+m; j++ {
						if err := f(j, 1, p.lv.bits[p.lv.pos>>3]>>(p.lv.pos&7)&1 == 1); err != nil {
							return err
						}
						p.lv.pos++
					}
				} else if err := f(i, m, p.lv.value == 1); err != nil {
					return err
				}
				p.lv.run -= m
				i += m
			}
		}
		p.rows -= k
		row += k
	}
	return nil
}

// setBits sets bits i..i+m of bits (nil for a required column: none).
func setBits(bits []byte, i, m int) {
	switch {
	case bits == nil:
	case m == 1:
		bits[i>>3] |= 1 << (i & 7)
	default:
		bitutil.SetBitsTo(bits, int64(i), int64(m), true)
	}
}

// copyValues copies the current page's next k values of width bytes to
// dst, or says that the page holds fewer.
func (p *plainPages) copyValues(dst []byte, k, width int) error {
	if len(p.vals) < k*width {
		return fmt.Errorf("column %q: page %d: its values end before its levels (%d bytes left for %d values of %d)", p.name, p.page, len(p.vals), k, width)
	}
	p.vals = p.vals[copy(dst, p.vals[:k*width]):]
	return nil
}

// readBools reads n rows of a boolean column into out (a bitmap of n bits,
// zeroed; a null's bit stays clear) and the validity bitmap bits (zeroed;
// nil for a required column), and returns the nulls. A PLAIN page packs
// its defined values a bit each, the first in the lowest bit, as Arrow
// does: a run of defined values is copied as a run of bits.
func (p *plainPages) readBools(n int, out, bits []byte) (nulls int, err error) {
	err = p.runs(n, func(i, m int, defined bool) error {
		if !defined {
			nulls += m
			return nil
		}
		if err := p.copyBits(out, i, m); err != nil {
			return err
		}
		setBits(bits, i, m)
		return nil
	})
	return nulls, err
}

// copyBits copies the current page's next k boolean values to bits at..
// at+k of dst, or says that the page holds fewer.
func (p *plainPages) copyBits(dst []byte, at, k int) error {
	if p.vbit+k > 8*len(p.vals) {
		return fmt.Errorf("column %q: page %d: its values end before its levels (%d bits left for %d values)", p.name, p.page, 8*len(p.vals)-p.vbit, k)
	}
	if k == 1 {
		if p.vals[p.vbit>>3]>>(p.vbit&7)&1 == 1 {
			dst[at>>3] |= 1 << (at & 7)
		}
	} else {
		bitutil.CopyBitmap(p.vals, p.vbit, k, dst, at)
	}
	p.vbit += k
	return nil
}
