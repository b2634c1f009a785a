package pipeline

// Arrow IPC is read with arrow-go's ipc package. The file format's footer
// gives the schema and block offsets but not the row count of each batch,
// so a file is one unit read front to back (row numbers stay exact without
// an extra pass); the stream format can only be read that way. Batches
// larger than the batch size are sliced, zero-copy.

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
	schema *arrow.Schema
}

func openIPCFile(ctx context.Context, in *Input, opts ReadOptions) (source, error) {
	return openIPC(in, opts, false)
}

func openIPCStream(ctx context.Context, in *Input, opts ReadOptions) (source, error) {
	return openIPC(in, opts, true)
}

func openIPC(in *Input, opts ReadOptions, stream bool) (src source, err error) {
	f, err := openFile(in.Path, nil)
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
	if stream {
		r, err := ipc.NewReader(f, ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true))
		if err != nil {
			return nil, ipcErr(err)
		}
		s.schema = r.Schema()
		r.Release()
	} else {
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true))
		if err != nil {
			return nil, ipcErr(err)
		}
		s.schema = r.Schema()
		r.Close()
	}
	return s, nil
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
func (s *ipcSource) Units() []Unit         { return []Unit{{Index: 0, Rows: -1, Offset: 0}} }
func (s *ipcSource) Rows() int64           { return -1 }
func (s *ipcSource) Close() error          { return nil }

func (s *ipcSource) Read(ctx context.Context, u Unit, columns []string, _ map[string]arrow.DataType, opts ReadOptions) (rr array.RecordReader, err error) {
	f, err := openFile(s.in.Path, opts.Counter)
	if err != nil {
		return nil, err
	}
	defer recoverInto(&err, "arrow ipc")
	iopts := []ipc.Option{ipc.WithAllocator(allocator(opts)), ipc.WithEnsureNativeEndian(true)}
	var inner array.RecordReader
	if s.stream {
		r, err := ipc.NewReader(f, iopts...)
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
		inner = &ipcFileBatches{r: r}
	}
	proj := newProjectingReader(inner, columns, batchSize(opts))
	return &closingReader{RecordReader: proj, close: f.Close}, nil
}

// ipcFileBatches walks an IPC file's batches in order as a RecordReader.
type ipcFileBatches struct {
	r    *ipc.FileReader
	i    int
	cur  arrow.RecordBatch
	err  error
}

func (b *ipcFileBatches) Retain()               {}
func (b *ipcFileBatches) Schema() *arrow.Schema { return b.r.Schema() }
func (b *ipcFileBatches) Err() error            { return b.err }
func (b *ipcFileBatches) RecordBatch() arrow.RecordBatch {
	return b.cur
}
func (b *ipcFileBatches) Record() arrow.RecordBatch { return b.cur }

func (b *ipcFileBatches) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	if b.err != nil || b.i >= b.r.NumRecords() {
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

func (b *ipcFileBatches) Release() {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	b.r.Close()
}
