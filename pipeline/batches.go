package pipeline

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
)

// DefaultBatchSize is the most rows in one record batch unless set.
const DefaultBatchSize = 64 * 1024

func allocator(opts ReadOptions) memory.Allocator {
	mem := opts.Mem
	if mem == nil {
		mem = defaultAllocator
	}
	return cappedAllocator{Allocator: mem, max: maxBuffer}
}

// cappedAllocator refuses, by panicking (the readers recover it into an
// error naming the file), one buffer larger than max bytes. arrow-go's IPC
// reader sizes a compressed buffer from the uncompressed length its first 8
// bytes declare, before decompressing: a corrupt or hostile file can ask
// for hundreds of GiB (FuzzIPCFile found one asking 288 GiB for a
// dictionary), and a failed allocation of that size ends the process with
// an out-of-memory error that no recover catches.
type cappedAllocator struct {
	memory.Allocator
	max int
}

func (a cappedAllocator) Allocate(size int) []byte {
	a.check(size)
	return a.Allocator.Allocate(size)
}

func (a cappedAllocator) Reallocate(size int, b []byte) []byte {
	a.check(size)
	return a.Allocator.Reallocate(size, b)
}

// allocateUncleared and reallocateUncleared pass an uncleared request on
// (see unclearedAllocator), checked like any other.
func (a cappedAllocator) allocateUncleared(size int) []byte {
	a.check(size)
	return uncleared(a.Allocator).Allocate(size)
}

func (a cappedAllocator) reallocateUncleared(size int, b []byte) []byte {
	a.check(size)
	return uncleared(a.Allocator).Reallocate(size, b)
}

func (a cappedAllocator) check(size int) {
	if size > a.max {
		panic(fmt.Sprintf("a buffer of %d bytes is declared, more than this machine can hold in one buffer (%d bytes)", size, a.max))
	}
}

// maxBuffer is the largest buffer a reader may allocate: half the memory
// the process may use (16 GiB where that is unknown).
var maxBuffer = func() int {
	if ram, err := AvailableMemory(); err == nil {
		return int(min(ram/2, int64(^uint(0)>>1)))
	}
	return int(min(16<<30, int64(^uint(0)>>1))) // 2 GiB − 1 on 32-bit platforms
}()

// maxBatchCells bounds a batch by its width: a batch of columns columns
// has at most maxBatchCells/columns rows, and never fewer than
// minBatchRows (or the batch size asked, if less). A batch is held whole
// while every check observes it, and the checks' memo (checks.Memo) keeps
// a 16-byte fingerprint per cell it hashes, so what a batch costs grows
// with rows × columns. The policy's 32,768 rows suit a table of a few
// dozen columns: on a 1M-row, 203-column file they made the audit peak
// at 1,443–1,462 MiB, and on a 200,000-row, 1,003-column one at
// 4,786–4,822 MiB, against 1,052–1,094 MiB and 3,109–3,134 MiB with
// batches of at most this many cells, no slower (docs/performance.md,
// 2026-11-28 o). Tables of up to 64 columns keep the full batch size.
const (
	maxBatchCells = 1 << 21
	minBatchRows  = 1024
)

// batchSize is the most rows in one batch of columns columns (0: no
// column is read, only rows counted).
func batchSize(opts ReadOptions, columns int) int {
	n := DefaultBatchSize
	if opts.BatchSize > 0 {
		n = opts.BatchSize
	}
	if columns > 0 {
		n = min(n, max(minBatchRows, maxBatchCells/columns))
	}
	return n
}

// recoverInto turns a panic raised while decoding into an error: a corrupt
// file must end the run with a message, never a crash.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = &decodePanic{what: what, value: r, stack: debug.Stack()}
	}
}

// decodePanic is a panic recovered from a decoder. Its message says the
// file is corrupt or unsupported; the stack is kept for --log-level debug.
type decodePanic struct {
	what  string
	value any
	stack []byte
}

func (p *decodePanic) Error() string {
	return fmt.Sprintf("corrupt or unsupported %s data (decoder panicked: %v)", p.what, p.value)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// closingReader closes the file under a RecordReader when it is released.
type closingReader struct {
	array.RecordReader
	close func() error
}

// StrCodes forwards to the reader under c (see codeReader).
func (c *closingReader) StrCodes(a arrow.Array) *checks.StrCodes {
	if cr, ok := c.RecordReader.(codeReader); ok {
		return cr.StrCodes(a)
	}
	return nil
}

// codeReader is a reader that can give, for a string column of its
// current batch, the codes of its values (checks.Memo.SetStrCodes).
type codeReader interface {
	StrCodes(a arrow.Array) *checks.StrCodes
}

func (c *closingReader) Release() {
	c.RecordReader.Release()
	if c.close != nil {
		c.close()
		c.close = nil
	}
}

// countReader yields batches with no columns, only row counts: what a
// projection that needs no column reads.
type countReader struct {
	left  int64
	size  int64
	cur   arrow.RecordBatch
	empty *arrow.Schema
}

func newCountReader(rows int64, size int) *countReader {
	return &countReader{left: rows, size: int64(size), empty: arrow.NewSchema(nil, nil)}
}

func (c *countReader) Retain()                        {}
func (c *countReader) Release()                       { c.cur = nil }
func (c *countReader) Schema() *arrow.Schema          { return c.empty }
func (c *countReader) Err() error                     { return nil }
func (c *countReader) RecordBatch() arrow.RecordBatch { return c.cur }
func (c *countReader) Record() arrow.RecordBatch      { return c.cur }
func (c *countReader) Next() bool {
	if c.left <= 0 {
		c.cur = nil
		return false
	}
	n := min(c.left, c.size)
	c.left -= n
	c.cur = array.NewRecordBatch(c.empty, nil, n)
	return true
}

// projectingReader keeps only the named columns of another reader's
// batches and slices batches longer than size, zero-copy.
type projectingReader struct {
	in     array.RecordReader
	idx    []int
	schema *arrow.Schema
	size   int64
	whole  arrow.RecordBatch // the input batch being sliced
	pos    int64
	cur    arrow.RecordBatch
}

// names, when not nil, renames in's columns (same count and order): the
// source's unique names for a file whose schema repeats a name.
func newProjectingReader(in array.RecordReader, names *arrow.Schema, columns []string, size int) *projectingReader {
	want := map[string]bool{}
	for _, c := range columns {
		want[c] = true
	}
	p := &projectingReader{in: in, size: int64(size)}
	if names == nil {
		names = in.Schema()
	}
	var fields []arrow.Field
	for i, f := range names.Fields() {
		if want[f.Name] {
			p.idx = append(p.idx, i)
			fields = append(fields, f)
			delete(want, f.Name)
		}
	}
	p.schema = arrow.NewSchema(fields, nil)
	return p
}

func (p *projectingReader) Retain()                        {}
func (p *projectingReader) Schema() *arrow.Schema          { return p.schema }
func (p *projectingReader) Err() error                     { return p.in.Err() }
func (p *projectingReader) RecordBatch() arrow.RecordBatch { return p.cur }
func (p *projectingReader) Record() arrow.RecordBatch      { return p.cur }

func (p *projectingReader) Next() bool {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	for p.whole == nil || p.pos >= p.whole.NumRows() {
		if p.whole != nil {
			p.whole.Release()
			p.whole = nil
		}
		if !p.in.Next() {
			return false
		}
		rec := p.in.RecordBatch()
		cols := make([]arrow.Array, len(p.idx))
		for i, j := range p.idx {
			cols[i] = rec.Column(j)
		}
		p.whole = array.NewRecordBatch(p.schema, cols, rec.NumRows())
		p.pos = 0
		if rec.NumRows() == 0 {
			continue
		}
	}
	end := min(p.pos+p.size, p.whole.NumRows())
	p.cur = p.whole.NewSlice(p.pos, end)
	p.pos = end
	return true
}

func (p *projectingReader) Release() {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.whole != nil {
		p.whole.Release()
		p.whole = nil
	}
	p.in.Release()
}
