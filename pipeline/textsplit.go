package pipeline

// A large CSV or NDJSON file is read in units of consecutive records, so
// that every worker parses one, as with a Parquet file's row groups. A unit
// must start where a record starts, and its first row number and first
// physical line must be known before any unit is read: row numbers go into
// the findings, line numbers into the errors. So when the file is opened
// it is scanned once for where its records start (csvSplit in csvsplit.go,
// ndjsonSplit below), and a unit begins at the first record start past
// every textUnitBytes. Compressed files cannot be entered in the middle,
// and in an object store the scan would fetch the file twice: both are
// instead cut into units while the run reads them (textstream.go). A local
// file under twice textUnitBytes is one unit.
//
// The scan is serial and reads the whole file before any unit is read:
// 0.5 s of CPU for a 1 GB CSV file of the benchmark's rows, against 7 s
// for its audit (docs/performance.md, section zb).

import (
	"bufio"
	"bytes"
	"context"
	"io"
)

// textUnitBytes is the least bytes of a unit of a text file. A variable so
// that tests can make small units.
var textUnitBytes int64 = 4 << 20

// textScanBlock is the size of the blocks a scan reads; a variable so that
// tests can cut a file into blocks of a few bytes.
var textScanBlock = 1 << 20

// textChunk is where a unit of a text file starts: its byte offset, the
// records before it (a header included) and the physical lines before it.
type textChunk struct {
	off, records, lines int64
}

// splittable says whether in is worth scanning for units.
func splittable(in *Input) bool {
	return in.Compression == NoCompression && !in.Remote() && in.Size >= 2*textUnitBytes
}

// textParts is what a text source found of its units when it opened its
// input: the units, and where each starts. Without units the input is one
// unit, read front to back.
type textParts struct {
	unitList
	chunks []textChunk
}

// split scans in with scan, if it is worth it (splittable), and keeps the
// units found unless there are fewer than two; header is the records
// before the first row. A scan that refuses the input leaves it one unit.
func (t *textParts) split(ctx context.Context, in *Input, header int64, scan func(io.Reader) (chunks []textChunk, records int64, ok bool)) error {
	if !splittable(in) {
		return nil
	}
	f, err := openFile(ctx, in, nil)
	if err != nil {
		return err
	}
	defer f.Close()
	chunks, records, ok := scan(f)
	if !ok || len(chunks) < 2 {
		return nil
	}
	t.chunks, t.unitList = chunks, textUnits(chunks, records, header)
	return nil
}

// open opens unit u: the whole input without units (openTextColumns),
// else the bytes from its chunk to the next, with a byte order mark
// skipped at the file's start. It returns what comes before the unit too,
// for row and line numbers.
func (t *textParts) open(ctx context.Context, in *Input, u Unit, opts ReadOptions, cols []*textColumn) (*bufio.Reader, io.Closer, textChunk, error) {
	if u.stream != nil {
		return u.stream.reader(), u.stream, u.stream.chunk, nil
	}
	if len(t.unitList) == 0 {
		br, rc, err := openTextColumns(ctx, in, opts, cols)
		return br, rc, textChunk{}, err
	}
	c := t.chunks[u.Index]
	end := in.Size
	if u.Index+1 < len(t.chunks) {
		end = t.chunks[u.Index+1].off
	}
	f, err := openFile(ctx, in, opts.Counter)
	if err != nil {
		for _, c := range cols {
			c.b.Release()
		}
		return nil, nil, c, textStreamErr(in, err)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(f, c.off, end-c.off), 64<<10)
	if c.off == 0 {
		skipBOM(br)
	}
	return br, f, c, nil
}

// textUnits makes the units that start at chunks, of a file of records
// records, the first header of which are no rows.
func textUnits(chunks []textChunk, records, header int64) []Unit {
	units := make([]Unit, len(chunks))
	for k, c := range chunks {
		end := records
		if k+1 < len(chunks) {
			end = chunks[k+1].records
		}
		units[k] = textUnit(k, c, end, header)
	}
	return units
}

// textUnit is unit k of a text file, starting at c and ending before
// record end (-1: unknown), the first header records of the file no rows.
// Where stays empty: errors name the line.
func textUnit(k int, c textChunk, end, header int64) Unit {
	u := Unit{Index: k, Rows: -1, Offset: c.records - header}
	if end >= 0 {
		u.Rows = end - c.records
	}
	if k == 0 {
		u.Offset = 0
		if end >= 0 {
			u.Rows -= header
		}
	}
	return u
}

// textScanner finds where the units of a text file start, fed the file
// block by block (csvScan, ndjsonScan).
type textScanner interface {
	// skip passes over n bytes the reader skips: a byte order mark.
	skip(n int64)
	// scan scans the next block.
	scan(b []byte)
	// found is the unit starts found so far, the first at offset 0.
	found() []textChunk
	// refused says the file cannot be split past what was found.
	refused() bool
	// end returns, at the end of the file, its records and whether the
	// scan accepts it whole.
	end() (records int64, ok bool)
}

// splitText scans r with sc and returns the units' starts and the
// records; ok is false if sc refused r or a read failed.
func splitText(r io.Reader, sc textScanner) (chunks []textChunk, records int64, ok bool) {
	// The reader skips a byte order mark before the first record.
	head := make([]byte, len(utf8BOM))
	n, err := readBlock(r, head)
	if string(head[:n]) == utf8BOM {
		sc.skip(int64(n))
	} else {
		sc.scan(head[:n])
	}
	buf := make([]byte, textScanBlock)
	for err == nil && !sc.refused() {
		n, err = readBlock(r, buf)
		sc.scan(buf[:n])
	}
	if sc.refused() || err != io.EOF {
		return nil, 0, false
	}
	records, ok = sc.end()
	if !ok {
		return nil, 0, false
	}
	return sc.found(), records, true
}

// ndjsonSplit scans the NDJSON file r for the starts of its units, about
// least bytes apart, the first at offset 0, and returns them with its
// number of records: lines that are not blank, as lineReader and
// blankLine read them (a line ends at '\n'; JSON whitespace alone is a
// blank line). A unit may start at a blank line. ok is false on a read
// error.
func ndjsonSplit(r io.Reader, least int64) (chunks []textChunk, records int64, ok bool) {
	return splitText(r, newNDJSONScan(least))
}

// ndjsonScan is ndjsonSplit's textScanner.
type ndjsonScan struct {
	least, next, pos int64
	lines, records   int64
	start            bool // at a line's start
	content          bool // the line so far has more than whitespace
	chunks           []textChunk
}

func newNDJSONScan(least int64) *ndjsonScan {
	return &ndjsonScan{least: least, next: least, start: true, chunks: []textChunk{{}}}
}

func (s *ndjsonScan) skip(n int64)       { s.pos += n }
func (s *ndjsonScan) found() []textChunk { return s.chunks }
func (s *ndjsonScan) refused() bool      { return false }

func (s *ndjsonScan) end() (int64, bool) {
	if !s.start && s.content {
		return s.records + 1, true // a last line without a newline
	}
	return s.records, true
}

func (s *ndjsonScan) scan(b []byte) {
	for len(b) > 0 {
		if s.start {
			if s.pos >= s.next {
				s.chunks = append(s.chunks, textChunk{off: s.pos, records: s.records, lines: s.lines})
				s.next = s.pos + s.least
			}
			s.start, s.content = false, false
		}
		j := bytes.IndexByte(b, '\n')
		line := b
		if j >= 0 {
			line = b[:j]
		}
		s.content = s.content || !blankLine(line)
		if j < 0 {
			s.pos += int64(len(b))
			return
		}
		if s.content {
			s.records++
		}
		s.lines++
		s.start = true
		s.pos += int64(j + 1)
		b = b[j+1:]
	}
}
