package pipeline

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Data page V2 from parquet-cpp before 2.0 (pyarrow < 3.0), ARROW-17100:
// those writers compressed the values of a V2 page but wrote is_compressed
// = false in its header. Arrow C++ reads such files by treating every page
// of an old parquet-cpp file as compressed; arrow-go has no such path and
// reads the compressed bytes as if they were plain. We route around it
// without touching arrow-go: when the footer names such a writer, the
// page headers of every compressed column chunk are walked once (Thrift
// compact protocol) and each V2 header's is_compressed = false is patched,
// in the bytes handed to arrow-go, to true. In the compact protocol a
// boolean field carries its value in the field header's type nibble
// (1 true, 2 false), so the patch changes one byte and no length or
// offset.

// fixedCppVersion is the first parquet-cpp that wrote is_compressed
// truthfully (Arrow C++'s PARQUET_CPP_10353_FIXED_VERSION).
var fixedCppVersion = metadata.NewAppVersionExplicit("parquet-cpp", 2, 0, 0)

// bytePatch replaces the byte at off.
type bytePatch struct {
	off int64
	b   byte
}

// v2CompressionPatches returns the patches that make arrow-go read the
// V2 pages of an old parquet-cpp file as compressed; nil for any other
// file.
func v2CompressionPatches(r io.ReaderAt, size int64, md *metadata.FileMetaData) ([]bytePatch, error) {
	if !md.WriterVersion().LessThan(fixedCppVersion) {
		return nil, nil
	}
	var patches []bytePatch
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				return nil, err
			}
			if cc.Compression() == compress.Codecs.Uncompressed {
				continue
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < start {
				start = cc.DictionaryPageOffset()
			}
			end := start + cc.TotalCompressedSize()
			if start < 0 || end > size || end < start {
				return nil, fmt.Errorf("row group %d column %d: chunk [%d, %d) outside the file", g, c, start, end)
			}
			for off := start; off < end; {
				h, err := readPageHeader(r, off, end)
				if err != nil {
					return nil, fmt.Errorf("row group %d column %d: page header at %d: %w", g, c, off, err)
				}
				if h.isCompressedAt >= 0 {
					patches = append(patches, bytePatch{off: h.isCompressedAt, b: h.isCompressedByte&0xf0 | compactTrue})
				}
				next := off + h.length + h.compressedSize
				if h.compressedSize < 0 || next <= off {
					return nil, fmt.Errorf("row group %d column %d: page at %d has size %d", g, c, off, h.compressedSize)
				}
				off = next
			}
		}
	}
	return patches, nil
}

// patchedReaderAt applies byte patches to what it reads.
type patchedReaderAt struct {
	r       io.ReaderAt
	patches []bytePatch
}

func (p *patchedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	for _, pt := range p.patches {
		if pt.off >= off && pt.off < off+int64(n) {
			b[pt.off-off] = pt.b
		}
	}
	return n, err
}

// patchedFile is a file read through patches.
type patchedFile struct {
	patchedReaderAt
	io.Seeker
	io.Closer
}

// The compact protocol's type codes.
const (
	compactTrue   = 1
	compactFalse  = 2
	compactByte   = 3
	compactI16    = 4
	compactI32    = 5
	compactI64    = 6
	compactDouble = 7
	compactBinary = 8
	compactList   = 9
	compactSet    = 10
	compactMap    = 11
	compactStruct = 12
)

// pageHeader is what the walk needs of a PageHeader.
type pageHeader struct {
	length         int64 // bytes of the header itself
	compressedSize int64
	// isCompressedAt is the offset of DataPageHeaderV2.is_compressed's
	// field header when it says false, else -1.
	isCompressedAt   int64
	isCompressedByte byte
}

// compactReader reads Thrift compact protocol from an io.ReaderAt, in
// small buffered steps, never past limit.
type compactReader struct {
	r          io.ReaderAt
	off, limit int64
	buf        []byte
	bufOff     int64
	depth      int
}

var errHeader = errors.New("malformed Thrift page header")

func (c *compactReader) byte() (byte, error) {
	if c.off >= c.limit {
		return 0, errHeader
	}
	if c.off < c.bufOff || c.off >= c.bufOff+int64(len(c.buf)) {
		n := min(int64(4096), c.limit-c.off)
		c.buf = make([]byte, n)
		m, err := c.r.ReadAt(c.buf, c.off)
		if int64(m) < n && err != nil {
			return 0, err
		}
		c.buf, c.bufOff = c.buf[:m], c.off
		if m == 0 {
			return 0, io.ErrUnexpectedEOF
		}
	}
	b := c.buf[c.off-c.bufOff]
	c.off++
	return b, nil
}

func (c *compactReader) varint() (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		b, err := c.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, errHeader
}

func (c *compactReader) zigzag() (int64, error) {
	v, err := c.varint()
	return int64(v>>1) ^ -int64(v&1), err
}

func (c *compactReader) skipN(n uint64) error {
	if n > uint64(c.limit-c.off) {
		return errHeader
	}
	c.off += int64(n)
	return nil
}

// skip skips one value of type t.
func (c *compactReader) skip(t byte) error {
	if c.depth++; c.depth > 32 {
		return errHeader // nested collections, as fields nest structs
	}
	defer func() { c.depth-- }()
	switch t {
	case compactTrue, compactFalse:
		return nil
	case compactByte:
		_, err := c.byte()
		return err
	case compactI16, compactI32, compactI64:
		_, err := c.varint()
		return err
	case compactDouble:
		return c.skipN(8)
	case compactBinary:
		n, err := c.varint()
		if err != nil {
			return err
		}
		return c.skipN(n)
	case compactList, compactSet:
		h, err := c.byte()
		if err != nil {
			return err
		}
		n, et := uint64(h>>4), inCollection(h&0x0f)
		if n == 15 {
			if n, err = c.varint(); err != nil {
				return err
			}
		}
		if n > uint64(c.limit-c.off) {
			return errHeader // every element takes a byte or more
		}
		for range n {
			if err := c.skip(et); err != nil {
				return err
			}
		}
		return nil
	case compactMap:
		n, err := c.varint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := c.byte()
		if err != nil {
			return err
		}
		kt, vt := inCollection(kv>>4), inCollection(kv&0x0f)
		if n > uint64(c.limit-c.off)/2 {
			return errHeader // every key and value takes a byte or more
		}
		for range n {
			if err := c.skip(kt); err != nil {
				return err
			}
			if err := c.skip(vt); err != nil {
				return err
			}
		}
		return nil
	case compactStruct:
		return c.fields(func(id int16, t byte, at int64, hdr byte) (bool, error) { return false, nil })
	}
	return errHeader
}

// inCollection is the type of an element of type t in a list, set or map:
// a boolean there takes a byte (as a field, its value is in the field
// header). Skipping map entries of booleans as fields once read no byte,
// and a map header claiming 2^63 of them was an endless loop
// (FuzzPageHeader).
func inCollection(t byte) byte {
	if t == compactTrue || t == compactFalse {
		return compactByte
	}
	return t
}

// fields walks a struct's fields, calling f with each field's id, type,
// header offset and header byte; f reports whether it consumed the value.
func (c *compactReader) fields(f func(id int16, t byte, at int64, hdr byte) (bool, error)) error {
	if c.depth++; c.depth > 32 {
		return errHeader
	}
	defer func() { c.depth-- }()
	var last int16
	for {
		at := c.off
		h, err := c.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		t := h & 0x0f
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := c.zigzag()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		done, err := f(id, t, at, h)
		if err != nil {
			return err
		}
		if !done {
			if err := c.skip(t); err != nil {
				return err
			}
		}
	}
}

// readPageHeader parses the PageHeader at off.
func readPageHeader(r io.ReaderAt, off, limit int64) (pageHeader, error) {
	c := &compactReader{r: r, off: off, limit: limit}
	h := pageHeader{isCompressedAt: -1, compressedSize: -1}
	err := c.fields(func(id int16, t byte, _ int64, _ byte) (bool, error) {
		switch {
		case id == 3 && t == compactI32: // compressed_page_size
			v, err := c.zigzag()
			h.compressedSize = v
			return true, err
		case id == 8 && t == compactStruct: // data_page_header_v2
			return true, c.fields(func(id int16, t byte, at int64, hdr byte) (bool, error) {
				if id == 7 && t == compactFalse { // is_compressed = false
					h.isCompressedAt, h.isCompressedByte = at, hdr
				}
				return false, nil
			})
		}
		return false, nil
	})
	h.length = c.off - off
	return h, err
}
