package pipeline

// A compressed text file, or one in an object store, cannot be entered in
// the middle, so it cannot be split the way textsplit.go splits a local
// one. It is instead read front to back by the run's feed, once, while
// the workers parse: the feed decompresses it, scans it block by block
// with the same textScanner, and at every unit start found hands the bytes
// since the last one to a worker as a unit of its own, with its first row
// number and line. Decompression (gzip: 4.6 s for the benchmark's 1 GB of
// CSV) then runs beside the parsing and the checks instead of before them,
// and the parsing on every core.
//
// A unit's bytes are held in memory until a worker has read it: the
// run's unit gate bounds them, and the feed waits for a worker before it
// scans further. When the scanner refuses the file (quoting encoding/csv
// refuses), the rest of it, from the last unit start, is handed out as
// one last unit still being read from the file, so that its reader meets
// the fault on its line, as it would reading the file whole. A read error
// (a damaged gzip member) ends the last unit's bytes, and its reader
// reports it on the line it broke, as it would too.

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"sync"
)

// textStream is a streamed unit's bytes: data, then rest if any (the
// file still being read, after a refusal; the unit closes it), then err if
// any.
type textStream struct {
	chunk textChunk
	data  []byte
	rest  io.ReadCloser
	err   error
	once  sync.Once
	// release gives data's buffer back for a later unit, once read.
	release func()
}

func (t *textStream) reader() *bufio.Reader {
	rs := []io.Reader{bytes.NewReader(t.data)}
	if t.rest != nil {
		rs = append(rs, t.rest)
	}
	if t.err != nil {
		rs = append(rs, errReader{t.err})
	}
	br := bufio.NewReaderSize(io.MultiReader(rs...), 64<<10)
	if t.chunk.off == 0 {
		skipBOM(br)
	}
	return br
}

// Close closes the file a last unit is still reading; once, as both its
// reader and the run close it.
func (t *textStream) Close() error {
	var err error
	t.once.Do(func() {
		if t.rest != nil {
			err = t.rest.Close()
		}
		if t.release != nil {
			t.release()
		}
	})
	return err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// streamTextUnits is off in tests that read a file whole, front to back,
// as the oracle of its streamed units.
var streamTextUnits = true

// streamed says whether in is read as a stream of units: a text file that
// textsplit.go cannot split for being compressed or remote.
func streamed(in *Input) bool {
	return streamTextUnits && (in.Compression != NoCompression || in.Remote())
}

// streamText reads in front to back, scans it with sc, and hands each unit
// to send in order; header is the records before the first row. It stops
// when send returns false. It returns an error only when in cannot be
// opened: read errors end the last unit, for its reader to report.
func streamText(ctx context.Context, in *Input, opts ReadOptions, sc textScanner, header int64, send func(Unit) bool) error {
	rc, err := openText(ctx, in, opts.Counter)
	if err != nil {
		return textStreamErr(in, err)
	}
	closeFile := rc.Close
	defer func() {
		if closeFile != nil {
			closeFile()
		}
	}()
	// The first block holds a byte order mark whole, whatever the tests
	// make textScanBlock.
	block := max(textScanBlock, len(utf8BOM))
	// Units' buffers are used again once read: new memory is dear on this
	// machine (one audit of the 10M-row gzip CSV without it, and with
	// compress/gzip, took 2.55 s of system time against 1.66 s).
	free := make(chan []byte, 8)
	buffer := func() []byte {
		select {
		case b := <-free:
			return b[:0]
		default:
			return make([]byte, 0, textUnitBytes+int64(2*block))
		}
	}
	// pending holds the bytes from the current unit's start on.
	pending := buffer()
	k := 0 // the current unit
	// unit is the current unit, of data, ending before record end (-1:
	// unknown).
	unit := func(data []byte, end int64) Unit {
		c := sc.found()[k]
		buf := data[:cap(data)]
		u := textUnit(k, c, end, header)
		u.Bytes = int64(len(data))
		u.stream = &textStream{chunk: c, data: data, release: func() {
			select {
			case free <- buf:
			default:
			}
		}}
		return u
	}
	first := true
	for {
		if cap(pending)-len(pending) < block {
			// Grown only for a unit longer than textUnitBytes: a record
			// that long.
			pending = append(pending, make([]byte, block)...)[:len(pending)]
		}
		n, rerr := readBlock(rc, pending[len(pending):len(pending)+block])
		read := pending[len(pending) : len(pending)+n]
		pending = pending[:len(pending)+n]
		if first {
			first = false
			if bytes.HasPrefix(read, []byte(utf8BOM)) {
				sc.skip(int64(len(utf8BOM)))
				read = read[len(utf8BOM):]
			}
		}
		sc.scan(read)
		// Every unit start found ends the unit before it.
		for chunks := sc.found(); k+1 < len(chunks); chunks = sc.found() {
			size := chunks[k+1].off - chunks[k].off
			u := unit(pending[:size], chunks[k+1].records)
			pending = append(buffer(), pending[size:]...)
			if !send(u) {
				return nil
			}
			k++
		}
		switch {
		case sc.refused():
			// The rest of the file, from this unit's start, is read as
			// one unit: its reader finds the fault.
			u := unit(pending, -1)
			u.stream.rest = rc
			closeFile = nil // the unit closes it
			send(u)
			return nil
		case rerr == io.EOF:
			end := int64(-1)
			if records, ok := sc.end(); ok {
				end = records
			}
			send(unit(pending, end))
			return nil
		case rerr != nil:
			u := unit(pending, -1)
			u.stream.err = rerr
			send(u)
			return nil
		}
	}
}

// readBlock fills b from r, short only at the end of r (io.EOF) or at an
// error. Unlike io.ReadFull it passes io.ErrUnexpectedEOF on as the error
// it is: a gzip or zstd stream cut short ends with it.
func readBlock(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
