package pipeline

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	utf8enc "unicode/utf8" // utf8 is a test file's name for the type
	"unsafe"
)

// csvReader reads CSV records exactly as encoding/csv's Reader does with
// FieldsPerRecord -1 and the other options left as they are (strict
// quotes, no comments, no trimming): the same records, the same errors
// (*csv.ParseError with the same lines and columns) and the same FieldPos.
// It differs in what it hands out: a record's fields as byte slices, valid
// until the next call, rather than strings.
//
// encoding/csv copies every record into a buffer and then into a string
// of its own, which the columns' builders copy a third time; on the 10M-row
// benchmark CSV (1 GB) its Read was 2.7 s of the audit's 13 s of CPU,
// 0.6 s of it converting records to strings. Here a line without a quote
// (nearly every line of most files) is split where it lies in the bufio
// buffer, with one IndexByte for a quote and one per field for the
// delimiter; a line with a quote goes through encoding/csv's own parsing
// loop, ported below as it is, which copies its fields into a buffer as
// encoding/csv does. TestCSVReaderMatches and FuzzCSVReader compare the
// two readers on the same inputs.
//
// readLine and parseRecord are ported from Go 1.26's encoding/csv/reader.go
// (Copyright 2011 The Go Authors; BSD-style license, https://go.dev/LICENSE).
type csvReader struct {
	r     *bufio.Reader
	comma rune
	// badComma is a delimiter encoding/csv refuses, told on every Read.
	badComma bool
	// numLine is the physical line read last.
	numLine int
	// rawBuffer holds a line longer than the bufio buffer.
	rawBuffer []byte
	// recordBuffer holds the fields of a record that needed copying,
	// unquoted; fieldIndexes their ends in it.
	recordBuffer []byte
	fieldIndexes []int
	// fieldPositions is where each field of the last record starts.
	fieldPositions []csvPosition
	fields         [][]byte
}

type csvPosition struct{ line, col int }

func newCSVReader(r io.Reader, comma rune) *csvReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &csvReader{r: br, comma: comma, badComma: !validCSVDelim(comma)}
}

// errInvalidDelim is encoding/csv's error for such a delimiter.
var errInvalidDelim = errors.New("csv: invalid field or comment delimiter")

// FieldPos returns the line and column (1-based, in bytes) where field
// of the last record read starts, as csv.Reader.FieldPos does; it panics
// for a field out of range.
func (r *csvReader) FieldPos(field int) (line, column int) {
	if field < 0 || field >= len(r.fieldPositions) {
		panic("out of range index passed to FieldPos")
	}
	p := &r.fieldPositions[field]
	return p.line, p.col
}

// readLine is encoding/csv's: the next line, "\r\n" at its end made "\n",
// a "\r" before the end of the input dropped.
func (r *csvReader) readLine() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.rawBuffer = append(r.rawBuffer[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.r.ReadSlice('\n')
			r.rawBuffer = append(r.rawBuffer, line...)
		}
		line = r.rawBuffer
	}
	readSize := len(line)
	if readSize > 0 && err == io.EOF {
		err = nil
		if line[readSize-1] == '\r' {
			line = line[:readSize-1]
		}
	}
	r.numLine++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// csvLengthNL reports the number of bytes for the trailing \n.
func csvLengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// csvNextRune returns the next rune in b or utf8enc.RuneError.
func csvNextRune(b []byte) rune {
	r, _ := utf8enc.DecodeRune(b)
	return r
}

func validCSVDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8enc.ValidRune(r) && r != utf8enc.RuneError
}

// Read returns the next record, as csv.Reader.Read does: on an error the
// fields read so far may come with it; io.EOF at the end.
func (r *csvReader) Read() ([][]byte, error) {
	if r.badComma {
		return nil, errInvalidDelim
	}
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = r.readLine()
		if errRead == nil && len(line) == csvLengthNL(line) {
			line = nil
			continue // skip empty lines
		}
		break
	}
	if errRead == io.EOF {
		return nil, errRead
	}
	r.fields = r.fields[:0]
	r.fieldPositions = r.fieldPositions[:0]
	if r.comma < utf8enc.RuneSelf && bytes.IndexByte(line, '"') < 0 {
		// No quote: the record is this line, its fields where they lie,
		// as encoding/csv's loop for unquoted fields splits them.
		comma := byte(r.comma)
		col := 1
		for {
			i := bytes.IndexByte(line, comma)
			r.fieldPositions = append(r.fieldPositions, csvPosition{r.numLine, col})
			if i < 0 {
				r.fields = append(r.fields, line[:len(line)-csvLengthNL(line)])
				break
			}
			r.fields = append(r.fields, line[:i:i])
			line = line[i+1:]
			col += i + 1
		}
		return r.fields, errRead
	}
	err := r.parseRecord(line, errRead)
	var prev int
	for _, idx := range r.fieldIndexes {
		r.fields = append(r.fields, r.recordBuffer[prev:idx:idx])
		prev = idx
	}
	return r.fields, err
}

// parseRecord is encoding/csv's readRecord from its "Parse each field in
// the record" on (Go 1.26), without the options csvReader leaves off: the
// fields of the record starting with line, unquoted, into recordBuffer.
func (r *csvReader) parseRecord(line []byte, errRead error) error {
	var err error
	const quoteLen = len(`"`)
	commaLen := utf8enc.RuneLen(r.comma)
	recLine := r.numLine // starting line for record
	r.recordBuffer = r.recordBuffer[:0]
	r.fieldIndexes = r.fieldIndexes[:0]
	pos := csvPosition{line: r.numLine, col: 1}
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			// Non-quoted string field
			i := bytes.IndexRune(line, r.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-csvLengthNL(field)]
			}
			// Check to make sure a quote does not appear in field.
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				col := pos.col + j
				err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: col, Err: csv.ErrBareQuote}
				break parseField
			}
			r.recordBuffer = append(r.recordBuffer, field...)
			r.fieldIndexes = append(r.fieldIndexes, len(r.recordBuffer))
			r.fieldPositions = append(r.fieldPositions, pos)
			if i >= 0 {
				line = line[i+commaLen:]
				pos.col += i + commaLen
				continue parseField
			}
			break parseField
		} else {
			// Quoted string field
			fieldPos := pos
			line = line[quoteLen:]
			pos.col += quoteLen
			for {
				i := bytes.IndexByte(line, '"')
				if i >= 0 {
					// Hit next quote.
					r.recordBuffer = append(r.recordBuffer, line[:i]...)
					line = line[i+quoteLen:]
					pos.col += i + quoteLen
					switch rn := csvNextRune(line); {
					case rn == '"':
						// `""` sequence (append quote).
						r.recordBuffer = append(r.recordBuffer, '"')
						line = line[quoteLen:]
						pos.col += quoteLen
					case rn == r.comma:
						// `",` sequence (end of field).
						line = line[commaLen:]
						pos.col += commaLen
						r.fieldIndexes = append(r.fieldIndexes, len(r.recordBuffer))
						r.fieldPositions = append(r.fieldPositions, fieldPos)
						continue parseField
					case csvLengthNL(line) == len(line):
						// `"\n` sequence (end of line).
						r.fieldIndexes = append(r.fieldIndexes, len(r.recordBuffer))
						r.fieldPositions = append(r.fieldPositions, fieldPos)
						break parseField
					default:
						// `"*` sequence (invalid non-escaped quote).
						err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: pos.col - quoteLen, Err: csv.ErrQuote}
						break parseField
					}
				} else if len(line) > 0 {
					// Hit end of line (copy all data so far).
					r.recordBuffer = append(r.recordBuffer, line...)
					if errRead != nil {
						break parseField
					}
					pos.col += len(line)
					line, errRead = r.readLine()
					if len(line) > 0 {
						pos.line++
						pos.col = 1
					}
					if errRead == io.EOF {
						errRead = nil
					}
				} else {
					// Abrupt end of file (EOF or error).
					if errRead == nil {
						err = &csv.ParseError{StartLine: recLine, Line: pos.line, Column: pos.col, Err: csv.ErrQuote}
						break parseField
					}
					r.fieldIndexes = append(r.fieldIndexes, len(r.recordBuffer))
					r.fieldPositions = append(r.fieldPositions, fieldPos)
					break parseField
				}
			}
		}
	}
	if err == nil {
		err = errRead
	}
	return err
}

// unsafeString is b as a string without a copy: for a string that is
// dropped before b's bytes change.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
