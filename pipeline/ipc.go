package pipeline

// Arrow IPC is read with arrow-go's ipc package. A file, and a large local
// stream, is read in units of consecutive record batches, each with its
// own reader, once its batches' row counts are known from their message
// headers (ipcunits.go); a stream in an object store, and anything whose
// headers cannot be read, is one unit read front to back. Batches larger
// than the batch size are sliced, zero-copy.
//
// arrow-go sizes the slices of a schema from the counts a file declares,
// unchecked, and bounds neither message bodies nor nesting depth: a few
// corrupt bytes could end the process with "out of memory". Schemas are
// checked first (ipcguard.go) and message bodies bounded by the file size
// (newIPCStreamReader).

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

type ipcSource struct {
	in     *Input
	stream bool
	// schema is the file's schema with repeated names made unique;
	// renamed says whether that changed anything.
	schema  *arrow.Schema
	renamed bool
	// unitList is the input's units (none: one unit read front to back),
	// first[u.Index] the index of unit u's first record batch and
	// first[len(unitList)] the number of batches.
	unitList
	first []int
	// msgs are a split stream's messages and batchMsg the index in msgs
	// of each record batch: a unit of a stream is read as its schema, the
	// dictionary batches before it, and its own messages.
	msgs     []ipcStreamMsg
	batchMsg []int
}

func openIPCFile(ctx context.Context, in *Input, opts ReadOptions) (source, error) {
	return openIPC(in, opts, false)
}

func openIPCStream(ctx context.Context, in *Input, opts ReadOptions) (source, error) {
	return openIPC(in, opts, true)
}

func openIPC(in *Input, opts ReadOptions, stream bool) (src source, err error) {
	f, err := openFile(context.Background(), in, nil)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer recoverInto(&err, "arrow ipc")
	if !stream && !hasIPCFileMagic(f) {
		// A .arrow or .feather file may hold the stream format.
		stream = true
	}
	s := &ipcSource{in: in, stream: stream}
	check := checkIPCFileSchema
	if stream {
		check = checkIPCStreamSchema
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(f, st.Size()); err != nil {
		return nil, err
	}
	if stream {
		r, err := newIPCStreamReader(f, f, ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true))
		if err != nil {
			return nil, ipcErr(err)
		}
		s.schema, s.renamed = uniqueSchema(r.Schema())
		r.Release()
		s.splitStream(f, st.Size())
	} else {
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true))
		if err != nil {
			return nil, ipcErr(err)
		}
		s.schema, s.renamed = uniqueSchema(r.Schema())
		n := r.NumRecords()
		r.Close()
		if batches, dict, ok := ipcFileBatches(f, st.Size()); ok && len(batches) == n {
			s.unitList, s.first = ipcUnits(batches, dict)
		}
	}
	return s, nil
}

// splitStream reads the message headers of a large local stream of size
// bytes and makes units of its record batches (ipcunits.go); a stream
// whose headers cannot be read stays one unit. A stream in an object store
// stays one unit too: its headers would be a request each, one after the
// other.
func (s *ipcSource) splitStream(f io.ReaderAt, size int64) {
	if s.in.Remote() || size < 2*ipcUnitBytes {
		return
	}
	msgs, ok := ipcStreamMessages(f, size)
	if !ok {
		return
	}
	var batches []ipcBatch
	var dict int64
	var at []int
	for i, m := range msgs {
		switch m.kind {
		case messageHeaderRecordBatch:
			batches = append(batches, ipcBatch{rows: m.rows, body: m.end - m.off})
			at = append(at, i)
		case messageHeaderDictionaryBatch:
			dict += m.end - m.off
		}
	}
	if len(batches) == 0 {
		return
	}
	if s.unitList, s.first = ipcUnits(batches, dict); len(s.unitList) > 0 {
		s.msgs, s.batchMsg = msgs, at
	}
}

// streamUnit is unit u of a split stream as a stream of its own: the
// schema message, every dictionary batch before the unit's first record
// batch (in order, so that replacements and deltas apply as they did),
// and the unit's messages.
func (s *ipcSource) streamUnit(f io.ReaderAt, u Unit) io.Reader {
	from, to := s.batchMsg[s.first[u.Index]], s.batchMsg[s.first[u.Index+1]-1]
	section := func(off, end int64) io.Reader { return io.NewSectionReader(f, off, end-off) }
	parts := []io.Reader{section(s.msgs[0].off, s.msgs[0].end)}
	for _, m := range s.msgs[1:from] {
		if m.kind == messageHeaderDictionaryBatch {
			parts = append(parts, section(m.off, m.end))
		}
	}
	parts = append(parts, section(s.msgs[from].off, s.msgs[to].end))
	return io.MultiReader(parts...)
}

// newIPCStreamReader is ipc.NewReader with message bodies bounded by the
// file's size. ipc.NewReader ignores WithBodySizeLimit and allocates the
// body length a message header declares before reading it, so a corrupt
// header of a few bytes could ask for terabytes and end the process with an
// out-of-memory error that no recover catches.
// It reads src, which is f or a part of it (streamUnit).
func newIPCStreamReader(src io.Reader, f *trackedFile, opts ...ipc.Option) (*ipc.Reader, error) {
	limit := int64(1)
	if st, err := f.Stat(); err == nil {
		limit = max(st.Size(), 1)
	}
	opts = append(opts, ipc.WithBodySizeLimit(limit))
	return ipc.NewReaderFromMessageReader(ipc.NewMessageReader(src, opts...), opts...)
}

func hasIPCFileMagic(f io.ReaderAt) bool {
	var head [6]byte
	n, _ := f.ReadAt(head[:], 0)
	return n == 6 && string(head[:]) == "ARROW1"
}

func ipcErr(err error) error {
	if err != nil && (containsFold(err.Error(), "endian")) {
		return fmt.Errorf("%w: big-endian Arrow IPC: %v", ErrUnsupported, err)
	}
	return err
}

func (s *ipcSource) Schema() *arrow.Schema { return s.schema }
func (s *ipcSource) Inferred() bool        { return false }
func (s *ipcSource) Close() error          { return nil }

func (s *ipcSource) Read(ctx context.Context, u Unit, columns []string, _ map[string]arrow.DataType, opts ReadOptions) (rr array.RecordReader, err error) {
	f, err := openFile(ctx, s.in, opts.Counter)
	if err != nil {
		return nil, err
	}
	defer recoverInto(&err, "arrow ipc")
	iopts := []ipc.Option{ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true)}
	var inner array.RecordReader
	if s.stream {
		var src io.Reader = f
		if len(s.unitList) > 0 {
			src = s.streamUnit(f, u)
		}
		r, err := newIPCStreamReader(src, f, iopts...)
		if err != nil {
			f.Close()
			return nil, ipcErr(err)
		}
		inner = r
	} else {
		r, err := ipc.NewFileReader(f, iopts...)
		if err != nil {
			f.Close()
			return nil, ipcErr(err)
		}
		b := &ipcBatches{r: r, end: r.NumRecords()}
		if len(s.unitList) > 0 {
			b.i, b.end = s.first[u.Index], s.first[u.Index+1]
			if b.end > r.NumRecords() {
				r.Close()
				f.Close()
				return nil, fmt.Errorf("%d record batches, %d when the file was opened: did it change?", r.NumRecords(), s.first[len(s.unitList)])
			}
		}
		inner = b
	}
	var names *arrow.Schema
	if s.renamed {
		names = s.schema
	}
	proj := newProjectingReader(inner, names, columns, batchSize(opts, len(columns)))
	return &closingReader{RecordReader: &validatingReader{RecordReader: proj}, close: f.Close}, nil
}

// validatingReader checks every batch before a check reads it. The ipc
// package trusts the offsets and lengths in a message and IPC bodies carry
// no checksum, so a damaged file would otherwise reach the checks as arrays
// whose offsets point outside their buffers, and crash a check (reported as
// the check's fault, not the file's).
type validatingReader struct {
	array.RecordReader
	err error
}

func (v *validatingReader) Next() bool {
	if v.err != nil || !v.RecordReader.Next() {
		return false
	}
	rec := v.RecordReader.RecordBatch()
	for i, col := range rec.Columns() {
		if err := validateArray(col); err != nil {
			v.err = fmt.Errorf("column %q: corrupt data: %w", rec.ColumnName(i), err)
			return false
		}
	}
	return true
}

func (v *validatingReader) Err() error {
	if v.err != nil {
		return v.err
	}
	return v.RecordReader.Err()
}

// validateArray checks that a's buffers hold its values: the validity
// bitmap and fixed-width values are long enough, offsets stay inside the
// data and never decrease, dictionary indexes point into the dictionary.
// Invalid UTF-8 is not an error here.
func validateArray(a arrow.Array) error {
	d := a.Data()
	end := d.Offset() + d.Len()
	bufs := d.Buffers()
	size := func(i int) int {
		if i < len(bufs) && bufs[i] != nil {
			return bufs[i].Len()
		}
		return 0
	}
	if size(0) > 0 && size(0)*8 < end {
		return fmt.Errorf("validity bitmap of %d bytes for %d values", size(0), end)
	}
	if ft, ok := a.DataType().(arrow.FixedWidthDataType); ok && len(bufs) > 1 {
		if need := (end*ft.BitWidth() + 7) / 8; size(1) < need {
			return fmt.Errorf("%d bytes of values, want %d", size(1), need)
		}
	}
	if d.Len() == 0 {
		return nil
	}
	switch a := a.(type) {
	case *array.Dictionary:
		if err := validateArray(a.Dictionary()); err != nil {
			return fmt.Errorf("dictionary: %w", err)
		}
		n := a.Dictionary().Len()
		for i := range a.Len() {
			if a.IsValid(i) {
				if j := a.GetValueIndex(i); j < 0 || j >= n {
					return fmt.Errorf("dictionary index %d out of range [0, %d)", j, n)
				}
			}
		}
		return nil
	case *array.String:
		return validateOffsets(a.Validate, a.ValueOffsets, size(2))
	case *array.LargeString:
		return validateOffsets(a.Validate, a.ValueOffsets, size(2))
	case *array.Binary:
		return validateOffsets(a.Validate, a.ValueOffsets, size(2))
	case *array.LargeBinary:
		return validateOffsets(a.Validate, a.ValueOffsets, size(2))
	}
	if v, ok := a.(interface{ ValidateFull() error }); ok {
		if err := v.ValidateFull(); err != nil {
			return err
		}
	}
	for _, c := range d.Children() {
		child := array.MakeFromData(c)
		err := validateArray(child)
		child.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func validateOffsets[T int32 | int64](validate func() error, offsets func() []T, dataLen int) error {
	if err := validate(); err != nil {
		return err
	}
	offs := offsets()
	for i, o := range offs {
		if o < 0 || int64(o) > int64(dataLen) || (i > 0 && o < offs[i-1]) {
			return fmt.Errorf("value offset %d at index %d outside [previous offset, %d]", o, i, dataLen)
		}
	}
	return nil
}

// ipcBatches walks an IPC file's batches i to end-1 in order as a
// RecordReader.
type ipcBatches struct {
	r      *ipc.FileReader
	i, end int
	cur    arrow.RecordBatch
	err    error
}

func (b *ipcBatches) Retain()               {}
func (b *ipcBatches) Schema() *arrow.Schema { return b.r.Schema() }
func (b *ipcBatches) Err() error            { return b.err }
func (b *ipcBatches) RecordBatch() arrow.RecordBatch {
	return b.cur
}
func (b *ipcBatches) Record() arrow.RecordBatch { return b.cur }

func (b *ipcBatches) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	if b.err != nil || b.i >= b.end {
		return false
	}
	rec, err := b.r.RecordBatchAt(b.i)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		b.err = fmt.Errorf("record batch %d: %w", b.i, ipcErr(err))
		return false
	}
	b.i++
	b.cur = rec
	return true
}

func (b *ipcBatches) Release() {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	b.r.Close()
}
