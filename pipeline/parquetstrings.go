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
// So for a flat string column the pages are still decoded by arrow-go's
// column chunk reader (file.ByteArrayColumnChunkReader.ReadBatchInPage:
// its levels, encodings, dictionaries and page checks stay arrow-go's), and
// each page's values are copied into one data buffer, with their offsets
// and validity bits written in the same loop. ReadBatchInPage's values
// alias the page (a streaming page's value buffer is valid until the next
// Decode), so they are copied before the next call.
//
// Only a top-level field whose Arrow type is String or Binary, over one
// BYTE_ARRAY leaf with no repetition and at most one definition level,
// takes this path; every other column is still read by pqarrow's record
// reader, and the two are zipped into one batch of the same rows.

import (
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
// arrays, a batch of rows at a time.
type flatStrings struct {
	name   string
	cr     *file.ByteArrayColumnChunkReader
	typ    arrow.DataType
	maxDef int16
	mem    memory.Allocator
	vals   []parquet.ByteArray
	defs   []int16
	// hint is the byte size of the last batch's values: the next batch
	// reserves that much at once.
	hint int
}

func newFlatStrings(name string, cr file.ColumnChunkReader, typ arrow.DataType, mem memory.Allocator) (*flatStrings, error) {
	br, ok := cr.(*file.ByteArrayColumnChunkReader)
	if !ok {
		return nil, fmt.Errorf("column %q: a %T where a BYTE_ARRAY reader was expected", name, cr)
	}
	return &flatStrings{name: name, cr: br, typ: typ, maxDef: br.Descriptor().MaxDefinitionLevel(), mem: mem}, nil
}

// next reads the column's next n rows.
func (c *flatStrings) next(n int) (arr arrow.Array, err error) {
	if cap(c.vals) < n {
		c.vals, c.defs = make([]parquet.ByteArray, n), make([]int16, n)
	}
	offsets := memory.NewResizableBuffer(c.mem)
	defer offsets.Release()
	offsets.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	data := memory.NewResizableBuffer(c.mem)
	defer data.Release()
	data.Reserve(c.hint)
	var validity *memory.Buffer
	var bits []byte
	if c.maxDef > 0 {
		validity = memory.NewResizableBuffer(c.mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(n)))) // zeroed: every row null until set
		bits = validity.Bytes()
	}
	size, row, nulls := 0, 0, 0
	for row < n {
		want := n - row
		total, read, err := c.cr.ReadBatchInPage(int64(want), c.vals[:want], c.defs[:want], nil)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c.name, err)
		}
		if total == 0 {
			break
		}
		if total > int64(want) || read > int(total) {
			return nil, fmt.Errorf("column %q: the reader returned %d rows and %d values for %d rows asked", c.name, total, read, want)
		}
		vals := c.vals[:read]
		need := size
		for _, v := range vals {
			need += len(v)
		}
		if need > math.MaxInt32 {
			return nil, fmt.Errorf("column %q: more than 2 GiB of values in %d rows, beyond a %s array's 32-bit offsets", c.name, n, c.typ)
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
					return nil, fmt.Errorf("column %q: definition level %d outside 0..%d", c.name, d, c.maxDef)
				}
				offs[row+i+1] = int32(size)
			}
			if v != read {
				return nil, fmt.Errorf("column %q: %d values for %d defined levels", c.name, read, v)
			}
		}
		row += int(total)
	}
	if row < n {
		return nil, fmt.Errorf("column %q: the column chunk ended after %d of %d rows", c.name, row, n)
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

// parquetBatches zips the batches pqarrow reads for some columns of a row
// group with the flat string columns read beside them, in the field order
// of schema.
type parquetBatches struct {
	schema *arrow.Schema
	// pq reads the other columns; nil when every column is a flat string.
	pq array.RecordReader
	// from is, per column of schema, its index in pq's batches, or -1 for
	// the flat string column strs[i].
	from []int
	strs []*flatStrings
	left int64 // rows of the row group not read yet
	size int64
	cur  arrow.RecordBatch
	err  error
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
	for i, c := range p.strs {
		if c != nil {
			c.cr.Close() // frees its page buffers; nothing was written
			p.strs[i] = nil
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
		a, err := p.strs[i].next(int(k))
		if err != nil {
			p.err = err
			return false
		}
		own = append(own, a)
		cols[i] = a
	}
	p.cur = array.NewRecordBatch(p.schema, cols, k)
	return true
}
