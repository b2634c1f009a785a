package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

const (
	// TailSize is how much of a file's end the first read near it fetches
	// at once: Parquet reads an 8-byte trailer and then the footer, Arrow
	// IPC its magic and footer; one request serves them all.
	TailSize = 64 << 10
	// firstChunk and maxChunk bound the ranged requests of a sequential
	// read: they start small (a CSV sample needs little) and double.
	firstChunk = 1 << 20
	maxChunk   = 16 << 20
	// maxDiscard is how far into a body a server that ignores Range may
	// make us skip before the read fails instead.
	maxDiscard = 64 << 20
)

// File reads one remote object in place: ReadAt issues exact ranged
// requests (the tail is fetched once and cached); Read streams the object
// in ranged chunks of growing size, prefetching the next chunk while the
// current one is consumed. ReadAt is safe for concurrent use; Read and
// Seek are not (like *os.File's offset).
type File struct {
	c   *Client
	b   backend
	o   *Object
	ctx context.Context

	// sequential state
	pos      int64
	cur      []byte
	curOff   int64
	chunk    int64
	pre      chan chunkResult
	preOff   int64
	cancel   context.CancelFunc
	closed   bool
	prefetch sync.WaitGroup
}

type chunkResult struct {
	buf []byte
	err error
}

// Open returns a File reading o. ctx bounds every request the file makes.
func (c *Client) Open(ctx context.Context, o *Object) (*File, error) {
	b, err := c.backend(ctx, o.loc.Scheme)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.URL, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &File{c: c, b: b, o: o, ctx: ctx, cancel: cancel, chunk: firstChunk}, nil
}

// Size is the object's size.
func (f *File) Size() int64 { return f.o.Size }

// Object is what the file reads.
func (f *File) Object() *Object { return f.o }

// ReadAt reads len(p) bytes at off, as io.ReaderAt.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset", f.o.URL)
	}
	size := f.o.Size
	if off >= size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > size {
		n = size - off
	}
	q := p[:n]
	tailStart := max(size-TailSize, 0)
	if off+n > tailStart {
		if err := f.loadTail(); err != nil {
			return 0, err
		}
		from := max(off, tailStart)
		copy(q[from-off:], f.o.tail.buf[from-tailStart:off+n-tailStart])
		q = q[:from-off]
	}
	if len(q) > 0 {
		if err := f.c.fetch(f.ctx, f.b, f.o, off, q); err != nil {
			return 0, err
		}
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// loadTail fetches the object's last TailSize bytes once per object (not
// per File: every row group's reader shares them).
func (f *File) loadTail() error {
	t := &f.o.tail
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buf != nil {
		return nil
	}
	start := max(f.o.Size-TailSize, 0)
	buf := make([]byte, f.o.Size-start)
	if err := f.c.fetch(f.ctx, f.b, f.o, start, buf); err != nil {
		return err
	}
	t.buf = buf
	return nil
}

// Read reads sequentially from the current offset.
func (f *File) Read(p []byte) (int, error) {
	if f.closed {
		return 0, errors.New("read of closed file")
	}
	if len(p) == 0 {
		return 0, nil
	}
	if f.pos >= f.o.Size {
		return 0, io.EOF
	}
	if f.pos < f.curOff || f.pos >= f.curOff+int64(len(f.cur)) {
		if err := f.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.cur[f.pos-f.curOff:])
	f.pos += int64(n)
	return n, nil
}

// next makes cur hold the chunk at pos, from the prefetch when it is the
// one wanted, and starts prefetching the chunk after it.
func (f *File) next() error {
	var buf []byte
	if f.pre != nil && f.preOff == f.pos {
		r := <-f.pre
		f.pre = nil
		if r.err != nil {
			return r.err
		}
		buf = r.buf
	} else {
		f.dropPrefetch()
		n := min(f.chunk, f.o.Size-f.pos)
		buf = make([]byte, n)
		if err := f.c.fetch(f.ctx, f.b, f.o, f.pos, buf); err != nil {
			return err
		}
	}
	f.cur, f.curOff = buf, f.pos
	f.chunk = min(f.chunk*2, maxChunk)
	if end := f.curOff + int64(len(f.cur)); end < f.o.Size {
		n := min(f.chunk, f.o.Size-end)
		ch := make(chan chunkResult, 1)
		f.pre, f.preOff = ch, end
		f.prefetch.Add(1)
		go func() {
			defer f.prefetch.Done()
			buf := make([]byte, n)
			err := f.c.fetch(f.ctx, f.b, f.o, end, buf)
			ch <- chunkResult{buf, err}
		}()
	}
	return nil
}

// dropPrefetch abandons a prefetch that a Seek made useless; its result
// is left in the buffered channel for the garbage collector.
func (f *File) dropPrefetch() { f.pre = nil }

// Seek sets the offset of the next Read.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.o.Size
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	f.pos = offset
	return offset, nil
}

// Close cancels any prefetch and waits for it.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	f.cancel()
	f.prefetch.Wait()
	f.cur, f.pre = nil, nil
	return nil
}

// fetch fills buf with the bytes at off, retrying transient failures.
func (c *Client) fetch(ctx context.Context, b backend, o *Object, off int64, buf []byte) error {
	err := c.retry(ctx, func() error { return c.fetchOnce(ctx, b, o, off, buf) })
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) || ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%s: bytes %d-%d: %w", o.URL, off, off+int64(len(buf))-1, err)
	}
	return nil
}

func (c *Client) fetchOnce(ctx context.Context, b backend, o *Object, off int64, buf []byte) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	c.requests.Add(1)
	body, start, err := b.get(ctx, o, off, int64(len(buf)))
	if err != nil {
		return err
	}
	defer body.Close()
	r := &countingReader{r: body, n: &c.bytes}
	if start > off {
		return fmt.Errorf("server answered from byte %d, asked for %d", start, off)
	}
	if skip := off - start; skip > 0 {
		if skip > maxDiscard {
			return fmt.Errorf("the server ignores Range requests and the object is too large to read past %d bytes in place; download it first", maxDiscard)
		}
		if k, err := io.CopyN(io.Discard, r, skip); err != nil {
			return fmt.Errorf("%w after %d of %d bytes skipped: %w", errShort, k, skip, err)
		}
	}
	if k, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: %d of %d bytes", errShort, k, len(buf))
		}
		return err
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n interface{ Add(int64) int64 }
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
