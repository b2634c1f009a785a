package pipeline

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// trackedFile is an input opened read-only; the bytes read through it are
// added to a shared counter that drives the progress bar.
type trackedFile struct {
	*os.File
	n *atomic.Int64
}

// openFile opens path read-only (inputs are never modified). When counter is
// not nil, bytes read are added to it.
func openFile(path string, counter *atomic.Int64) (*trackedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &trackedFile{File: f, n: counter}, nil
}

func (f *trackedFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	if f.n != nil {
		f.n.Add(int64(n))
	}
	return n, err
}

func (f *trackedFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	if f.n != nil {
		f.n.Add(int64(n))
	}
	return n, err
}

// openText opens a text input and undoes its whole-file compression. Closing
// the result closes the file too.
func openText(in *Input, counter *atomic.Int64) (io.ReadCloser, error) {
	f, err := openFile(in.Path, counter)
	if err != nil {
		return nil, err
	}
	switch in.Compression {
	case NoCompression:
		return f, nil
	case Gzip:
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return &stackedCloser{Reader: zr, closers: []io.Closer{zr, f}}, nil
	case Zstd:
		zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &stackedCloser{Reader: zr, closers: []io.Closer{zstdCloser{zr}, f}}, nil
	}
	f.Close()
	return nil, fmt.Errorf("unknown compression %q", in.Compression)
}

type stackedCloser struct {
	io.Reader
	closers []io.Closer
}

func (s *stackedCloser) Close() error {
	var first error
	for _, c := range s.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }
