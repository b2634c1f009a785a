package pipeline

// Dictionary-encoded pages of the flat columns (parquetstrings.go,
// parquetfixed.go) are read here. Most writers (pyarrow, Spark, DuckDB,
// arrow-go) dictionary-encode every column by default: a chunk starts with
// a dictionary page of PLAIN values, and its data pages hold indices into
// it (RLE_DICTIONARY, or PLAIN_DICTIONARY from older writers), until the
// dictionary outgrows the writer's limit and the rest of the chunk's pages
// fall back to PLAIN. pqarrow reads such a chunk a page at a time through
// its column chunk reader: each index looked up into a parquet.ByteArray,
// then appended to a builder, or each fixed-width value gathered into a
// buffer it then copies. Here each defined row's index goes straight to
// its value's bytes in the array, as a PLAIN page's value does.
//
// A page's indices are one byte of bit width (0 to 32) and then runs in
// the RLE/bit-packed hybrid encoding, as many indices as the page has
// defined values; they are decoded a batch at a time (dictIndices.fill)
// and each is checked against the dictionary's size where it is used: the
// last bit-packed group of a page is padded, and what a writer pads with
// need not be an index.
//
// Whether a chunk was dictionary-encoded throughout cannot be read off its
// metadata: arrow-go v18.8.0's writer leaves the PLAIN pages it writes
// after giving up on a dictionary out of the chunk's page encoding stats
// (they list the dictionary page and RLE_DICTIONARY data pages only; the
// chunk's list of encodings has PLAIN twice). So each data page says for
// itself which way its values are read.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/readiness/readiness/checks"
)

// pageDict is a column chunk's dictionary, copied out of its page (which
// the page reader reuses) into buffers of the reader's allocator, which
// the chunk's reader frees when it is closed (plainPages.release), after
// the row group's last batch: the pool hands them to the next row group's
// dictionary. Made on the Go heap, they were a third of all an audit of
// the dictionary-encoded 10M-row benchmark file allocated (293 MB: a
// timestamp and an id column whose dictionaries hold most of their
// values), and the heap they grew was new memory, faulted in and cleared
// (docs/performance.md, 2026-11-29 ze). The checks keep no byte of a
// batch past Observe (see poolAllocator), the codes' strings included
// (batchCodes.add).
type pageDict struct {
	n int // values
	// spans are a byte-array dictionary's values: value i is
	// vals[spans[i].from:spans[i].to]; nil for fixed-width values, value
	// i of which is vals[i·width:(i+1)·width].
	spans []span
	// vals are the page's bytes (a byte array's values each after its
	// length), followed for byte arrays by 16 bytes of padding, so that
	// moveValue may move any short value as 16 bytes.
	vals []byte
	// size is a byte-array dictionary's bytes of values, lengths left out.
	size int
	// spanMem is the allocator's buffer that spans are in.
	spanMem []byte
}

type span struct{ from, to int32 }

// readDict copies the values of dictionary page pg, p.width bytes each (0:
// byte arrays, each a 4-byte length and its bytes), into p.dict.
func (p *plainPages) readDict(pg *file.DictionaryPage) error {
	if p.dict != nil {
		return fmt.Errorf("page %d: a second dictionary page", p.page)
	}
	if p.dataPages > 0 {
		return fmt.Errorf("page %d: a dictionary page after %d data pages", p.page, p.dataPages)
	}
	if e := parquet.Encoding(pg.Encoding()); e != parquet.Encodings.Plain && e != parquet.Encodings.PlainDict {
		return fmt.Errorf("page %d: a dictionary page of %s values", p.page, e)
	}
	n, data := int(pg.NumValues()), pg.Data()
	d := &pageDict{n: n}
	// Set at once, so that release frees what is allocated below even if
	// the page turns out bad.
	p.dict = d
	switch {
	case p.width == boolWidth:
		return fmt.Errorf("page %d: a dictionary page in a boolean column", p.page)
	case p.width > 0:
		if n < 0 || n > len(data)/p.width {
			return fmt.Errorf("page %d: a dictionary of %d values of %d bytes in %d bytes", p.page, n, p.width, len(data))
		}
		d.vals = p.alloc(n * p.width)
		copy(d.vals, data)
	default:
		if n < 0 || n > len(data)/4 {
			return fmt.Errorf("page %d: a dictionary of %d values in %d bytes", p.page, n, len(data))
		}
		// One copy of the page, and the padding.
		d.vals = p.alloc(len(data) + 16)
		clear(d.vals[copy(d.vals, data):])
		d.spanMem = p.alloc(n * int(unsafe.Sizeof(span{})))
		d.spans = unsafe.Slice((*span)(unsafe.Pointer(unsafe.SliceData(d.spanMem))), n)
		at := 0
		for i := range d.spans {
			if len(data)-at < 4 {
				return fmt.Errorf("page %d: the dictionary ends at its value %d of %d", p.page, i, n)
			}
			l := binary.LittleEndian.Uint32(data[at:])
			if uint64(l) > uint64(len(data)-at-4) {
				return fmt.Errorf("page %d: dictionary value %d of %d bytes past the page's end", p.page, i, l)
			}
			d.spans[i] = span{int32(at + 4), int32(at + 4 + int(l))}
			at += 4 + int(l)
		}
		d.size = at - 4*n
	}
	return nil
}

// alloc returns n bytes of the reader's allocator, not cleared.
func (p *plainPages) alloc(n int) []byte {
	if p.mem == nil {
		return make([]byte, n)
	}
	return uncleared(p.mem).Allocate(n)
}

// release frees the chunk's dictionary (see pageDict): its reader is
// closed, and no batch it read is in use.
func (p *plainPages) release() {
	if d := p.dict; d != nil && p.mem != nil {
		p.mem.Free(d.vals)
		if d.spanMem != nil {
			p.mem.Free(d.spanMem)
		}
	}
	p.dict = nil
}

// startIndices starts a dictionary-encoded data page whose values section
// is data.
func (p *plainPages) startIndices(data []byte) error {
	if p.dict == nil {
		return errors.New("dictionary-encoded values and no dictionary page before them")
	}
	if len(data) < 1 {
		return errors.New("no room for its indices' bit width")
	}
	if data[0] > 32 {
		return fmt.Errorf("indices of %d bits, above 32", data[0])
	}
	p.ix.start(data[1:], data[0])
	return nil
}

// dictIndices decodes a dictionary-encoded page's indices, a batch at a
// time: the RLE/bit-packed hybrid encoding at a bit width of 0 to 32.
type dictIndices struct {
	data   []byte // the runs not started
	width  int    // bits an index
	run    int    // indices left in the current run
	packed bool   // the current run is bit-packed (else repeated)
	value  uint32 // a repeated run's index
	bits   []byte // a bit-packed run's bytes
	pos    int    // the bit-packed run's next index
	buf    []uint32
	at     int // buf's next index
}

// indexBatch is how many indices dictIndices decodes at once.
const indexBatch = 1024

func (d *dictIndices) start(data []byte, width byte) {
	buf := d.buf
	if buf == nil {
		buf = make([]uint32, 0, indexBatch)
	}
	*d = dictIndices{data: data, width: int(width), buf: buf[:0]}
}

// take returns the page's next index when buf holds it and it is below n,
// else -1 (then nextSlow decodes it, or says why it cannot). Inlined
// where the values are read, with nextSlow out of line.
func (d *dictIndices) take(n int) int {
	if d.at < len(d.buf) {
		if v := d.buf[d.at]; uint(v) < uint(n) { // unsigned: see gather
			d.at++
			return int(v)
		}
	}
	return -1
}

// nextSlow is next when take says no.
func (d *dictIndices) nextSlow(n int) (int, error) {
	if d.at == len(d.buf) {
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
	v := d.buf[d.at]
	d.at++
	if uint(v) >= uint(n) {
		return 0, fmt.Errorf("dictionary index %d, beyond the dictionary's %d values", v, n)
	}
	return int(v), nil
}

// fill decodes the next batch of indices into buf: up to indexBatch, fewer
// where the page's runs end; none is an error.
func (d *dictIndices) fill() error {
	d.buf, d.at = d.buf[:0], 0
	for len(d.buf) < cap(d.buf) {
		if d.run == 0 {
			if len(d.data) == 0 {
				break
			}
			if err := d.nextRun(); err != nil {
				return err
			}
			continue
		}
		m := min(d.run, cap(d.buf)-len(d.buf))
		if d.packed {
			d.unpack(m)
		} else {
			for range m {
				d.buf = append(d.buf, d.value)
			}
		}
		d.run -= m
	}
	if len(d.buf) == 0 {
		return errors.New("its values end before its levels")
	}
	return nil
}

// nextRun starts the next run.
func (d *dictIndices) nextRun() error {
	h, k := binary.Uvarint(d.data)
	if k <= 0 {
		return errors.New("a dictionary index run's header is cut short")
	}
	d.data = d.data[k:]
	if h&1 == 0 {
		size := (d.width + 7) / 8
		if len(d.data) < size {
			return errors.New("dictionary indices end inside a run")
		}
		var v uint32
		for i := range size {
			v |= uint32(d.data[i]) << (8 * i)
		}
		d.data = d.data[size:]
		d.run, d.packed, d.value = int(min(h>>1, math.MaxInt32)), false, v
		return nil
	}
	// A page's last bit-packed run may be cut short, to the bytes its
	// indices take (parquet-testing's datapage_v2.snappy.parquet): it
	// then holds the indices those bytes do, as arrow-go reads it.
	groups := min(h>>1, math.MaxInt32/8)
	d.run, d.packed, d.pos = int(groups)*8, true, 0
	if size := uint64(d.width) * groups; size > uint64(len(d.data)) {
		d.run = len(d.data) * 8 / d.width
		d.bits, d.data = d.data, nil
	} else {
		d.bits, d.data = d.data[:size], d.data[size:]
	}
	return nil
}

// unpack appends the bit-packed run's next m indices to buf (which has
// room for them).
func (d *dictIndices) unpack(m int) {
	w := d.width
	mask := uint64(1)<<w - 1
	// A whole group of eight indices of at most 8 bits is one word.
	for ; m >= 8 && w <= 8 && d.pos&7 == 0; m -= 8 {
		b := d.pos / 8 * w
		if b+8 > len(d.bits) {
			break
		}
		word := binary.LittleEndian.Uint64(d.bits[b:])
		l := len(d.buf)
		d.buf = d.buf[:l+8]
		g := (*[8]uint32)(d.buf[l:])
		for k := range g {
			g[k] = uint32(word >> (k * w) & mask)
		}
		d.pos += 8
	}
	for range m {
		bit := d.pos * w
		b := bit >> 3
		var word uint64
		if b+8 <= len(d.bits) {
			word = binary.LittleEndian.Uint64(d.bits[b:])
		} else {
			for i := b; i < len(d.bits); i++ {
				word |= uint64(d.bits[i]) << (8 * (i - b))
			}
		}
		d.buf = append(d.buf, uint32(word>>(bit&7)&mask))
		d.pos++
	}
}

// readIndexed is read for rows row..row+k of a dictionary-encoded page
// (all of them in the page): each defined row's value is copied from the
// dictionary into data (buf its bytes, size of them in use), growing it
// as it needs, and its code worked out in p.codes while that is ok; it
// returns the bytes in use after them and the nulls counted.
func (p *plainPages) readIndexed(row, k, n int, offs []int32, bits []byte, data *memory.Buffer, buf *[]byte, size, nulls int) (int, int, error) {
	d, b, bc := p.dict, *buf, p.codes
	defer func() { *buf = b }()
	for i := row; i < row+k; {
		m, rep, defined := 1, false, true
		if p.maxDef > 0 {
			if p.lv.run == 0 {
				if err := p.lv.nextRun(); err != nil {
					return 0, 0, err
				}
			}
			m = min(row+k-i, p.lv.run)
			rep, defined = !p.lv.packed, p.lv.value == 1
		} else {
			m = row + k - i
		}
		for j := i; j < i+m; j++ {
			if p.maxDef > 0 && !rep {
				defined = p.lv.bits[p.lv.pos>>3]>>(p.lv.pos&7)&1 == 1
				p.lv.pos++
			}
			if defined {
				v := p.ix.take(d.n)
				if v < 0 {
					var err error
					if v, err = p.ix.nextSlow(d.n); err != nil {
						return 0, 0, err
					}
				}
				sp := d.spans[v]
				from, l := int(sp.from), int(sp.to-sp.from)
				if size+l > len(b) {
					if size+l > math.MaxInt32 {
						return 0, 0, fmt.Errorf("more than 2 GiB of values in %d rows, beyond 32-bit offsets", n)
					}
					data.Reserve(max(size+l, 2*len(b)))
					b = data.Buf()
				}
				moveValue(b[size:], d.vals[from:], l)
				size += l
				if bits != nil {
					bits[j>>3] |= 1 << (j & 7)
				}
				if bc.ok {
					code := bc.remap[v]
					if code == 0 {
						code = bc.add(v, d)
					}
					bc.codes[j] = code - 1
				}
			} else {
				nulls++
				if bc.ok {
					bc.codes[j] = -1
				}
			}
			offs[j+1] = int32(size)
		}
		if p.maxDef > 0 {
			p.lv.run -= m
		}
		i += m
	}
	return size, nulls, nil
}

// copyIndexed copies the current dictionary-encoded page's next k values,
// width bytes each (8 or 4, see flatFixedWidth), from the dictionary to
// dst. The indices are taken a decoded batch at a time (dictIndices.fill),
// each checked against the dictionary's size, and the values gathered in
// a loop of their width, where a loop over the values took each index
// through take and picked the width's copy a value.
func (p *plainPages) copyIndexed(dst []byte, k, width int) error {
	d, ix := p.dict, &p.ix
	for j := 0; j < k; {
		if ix.at == len(ix.buf) {
			if err := ix.fill(); err != nil {
				return fmt.Errorf("column %q: page %d: %w", p.name, p.page, err)
			}
		}
		idx := ix.buf[ix.at:min(len(ix.buf), ix.at+k-j)]
		var bad int
		switch width {
		case 8:
			bad = gather[[8]byte](dst[j*8:], d.vals, idx, d.n)
		case 4:
			bad = gather[[4]byte](dst[j*4:], d.vals, idx, d.n)
		default:
			return fmt.Errorf("column %q: page %d: %d-byte values read from a dictionary", p.name, p.page, width)
		}
		if bad >= 0 {
			ix.at += bad
			_, err := ix.nextSlow(d.n) // says which index, and why
			return fmt.Errorf("column %q: page %d: %w", p.name, p.page, err)
		}
		ix.at += len(idx)
		j += len(idx)
	}
	return nil
}

// gather copies value idx[i] of vals, a W each, to dst[i·size of W:] for
// each i, and returns -1; or, at the first index not below n, its place
// in idx, having copied those before it.
func gather[W [8]byte | [4]byte](dst, vals []byte, idx []uint32, n int) int {
	var w W
	size := int(unsafe.Sizeof(w))
	to := unsafe.Slice((*W)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst)/size)[:len(idx)]
	from := unsafe.Slice((*W)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)/size)[:n]
	for i, v := range idx {
		if uint(v) >= uint(n) { // not int(v): on 32-bit platforms an index past 2^31 would be negative
			return i
		}
		to[i] = from[v]
	}
	return -1
}

// batchCodes works out a string column's codes for a batch
// (checks.StrCodes: a row's code is the order of its value's first row in
// the batch, -1 for a null) from its dictionary's indices, as it is read:
// a lookup a row, where the checks would hash every row's value to find
// them (checks.computeCodes). The batch gets none (ok false) when a row of
// it comes from a PLAIN page, when it has more than checks.MaxStrCodes
// distinct values, or when two of them are equal (a dictionary need not
// hold each value once).
type batchCodes struct {
	ok     bool
	codes  []int32
	values []string
	// from is each code's dictionary index; remap each dictionary index's
	// code + 1 in the batch (0: none yet), reset through from.
	from  []int32
	remap []int32
	seen  map[string]struct{}
}

// reset starts a batch of n rows read with dictionary d (nil: the batch
// gets no codes).
func (bc *batchCodes) reset(n int, d *pageDict) {
	for _, v := range bc.from {
		bc.remap[v] = 0
	}
	clear(bc.values) // they point into a dictionary
	bc.values, bc.from = bc.values[:0], bc.from[:0]
	clear(bc.seen)
	if bc.ok = d != nil; !bc.ok {
		return
	}
	if cap(bc.codes) < n {
		bc.release()
		bc.codes = getInt32s(n)
	}
	bc.codes = bc.codes[:n]
	if len(bc.remap) != d.n {
		putInt32s(bc.remap)
		bc.remap = getInt32s(d.n)
		clear(bc.remap)
	}
}

// release gives bc's buffers back (flatStrings.close): a reader reads a
// chunk a row group, and each would otherwise make its own.
func (bc *batchCodes) release() {
	putInt32s(bc.codes)
	putInt32s(bc.remap)
	bc.codes, bc.remap, bc.from = nil, nil, bc.from[:0]
}

// int32s keeps the code and remap buffers of closed readers.
var int32s sync.Pool

func getInt32s(n int) []int32 {
	if p, _ := int32s.Get().(*[]int32); p != nil && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]int32, n)
}

func putInt32s(b []int32) {
	if cap(b) > 0 {
		int32s.Put(&b)
	}
}

// add gives dictionary value v of d the batch's next code, and returns it
// + 1; or 0, with ok cleared, when the batch can have no codes.
func (bc *batchCodes) add(v int, d *pageDict) int32 {
	if len(bc.values) == checks.MaxStrCodes {
		bc.ok = false
		return 0
	}
	sp := d.spans[v]
	s := ""
	if sp.to > sp.from {
		// d.vals is never written after readDict.
		s = unsafe.String(&d.vals[sp.from], int(sp.to-sp.from))
	}
	if bc.seen == nil {
		bc.seen = map[string]struct{}{}
	}
	if _, dup := bc.seen[s]; dup {
		bc.ok = false
		return 0
	}
	bc.seen[s] = struct{}{}
	bc.values = append(bc.values, s)
	bc.from = append(bc.from, int32(v))
	bc.remap[v] = int32(len(bc.values))
	return int32(len(bc.values))
}

// strCodes returns the batch's codes, or nil.
func (bc *batchCodes) strCodes() *checks.StrCodes {
	if !bc.ok {
		return nil
	}
	return &checks.StrCodes{Codes: bc.codes, Values: bc.values}
}
