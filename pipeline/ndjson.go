package pipeline

// NDJSON (JSON Lines) is read by our own reader: one JSON object per
// physical line, parsed by a small validating scanner, the values going
// through infer.go's parsers straight into Arrow builders, BatchSize rows
// at a time. A large local file is read in units that start at lines, each
// by its own reader (textsplit.go).
//
// We read arrow-go v18.8.0's array.NewJSONReader (and the builders'
// UnmarshalOne it drives) and measured it before deciding not to use it:
//   - it decodes a token stream, not lines: two objects on one line are two
//     rows, and its errors carry a byte offset at best, never a line;
//   - a malformed line ({"f":2 followed by the next line) panics inside
//     RecordBuilder.unmarshalOne (a json.Delim asserted to be a string);
//   - a string column rejects JSON numbers and booleans, so a column that
//     unifies to string across files (ints here, text there) cannot be
//     read as string;
//   - an int64 column takes 1.0 and "7"; a timestamp column reads any
//     integer string as a raw count of its unit ("20240101");
//   - the bare NaN and Infinity that Python's json module writes are a
//     syntax error (only the strings "NaN" and "Inf" parse as floats);
//   - keys missing from the schema are dropped without a word, and it
//     defaults to one row per batch (WithChunk).
// A JSON array file is rejected by it with "record should start with '{',
// not [", which we say more helpfully.
//
// Decisions:
//   - the schema is the union of the sample's keys in first-seen order; a
//     key absent from a line is null there; a key first seen after the
//     sample is an error (its values would otherwise be dropped) that says
//     to raise --infer-rows;
//   - numbers: int64 when every sample value is an integer literal (no
//     fraction, no exponent: 1.0 is a float, as its writer said) that
//     fits, else float64; the bare NaN, Infinity and -Infinity tokens that
//     Python's json module writes are accepted as floats;
//   - strings become date32 or timestamp when every non-null sample string
//     parses as one (same rules as CSV, see infer.go), else string; JSON
//     strings are never read as numbers or booleans;
//   - nested objects and arrays are kept as their JSON text, compacted
//     (whitespace outside strings removed, key order kept), in a string
//     column. The checks work on flat columns; struct and list types
//     inferred from a sample would not unify across files (the unifier
//     widens none of them), would turn one new nested key into an error,
//     and would not hash like the same text read from CSV;
//   - a column that mixes kinds (numbers and strings, objects and numbers)
//     is string: each value is its JSON text (numbers as written, true and
//     false, compact objects), strings their decoded value;
//   - a key repeated within one object is an error, not last-one-wins.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ndjsonMaxLine bounds one line, so a file that is not NDJSON (a huge
// single-line document, binary data) cannot take all memory.
const ndjsonMaxLine = 256 << 20

// ndjsonMaxDepth bounds the nesting of objects and arrays in a value.
const ndjsonMaxDepth = 1000

type ndjsonSource struct {
	in     *Input
	schema *arrow.Schema
	// empty is set for a 0-byte compressed file, which has no stream.
	empty   bool
	sampled int
	// textParts is a large file's units (textsplit.go).
	textParts
}

func openNDJSON(ctx context.Context, in *Input, opts ReadOptions) (src source, err error) {
	defer recoverInto(&err, "NDJSON")
	s := &ndjsonSource{in: in, sampled: inferRows(opts), schema: arrow.NewSchema(nil, nil)}
	rc, err := openText(ctx, in, nil)
	if err != nil {
		if in.Compression == Gzip && errors.Is(err, io.EOF) {
			s.empty = true
			return s, nil
		}
		return nil, textStreamErr(in, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	skipBOM(br)
	lines := &lineReader{r: br}
	var (
		names []string
		sets  []kindSet
		index = map[string]int{}
		seen  []int // the row that last set each key
		p     jsonLine
		rows  int
	)
	for rows < s.sampled {
		line, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, inputErr(in.Path, textStreamErr(in, err), fmt.Sprintf("line %d", lines.n))
		}
		if blankLine(line) {
			continue
		}
		rows++
		err = p.object(line, func(key []byte, v jsonValue) error {
			i, ok := index[string(key)]
			if !ok {
				i = len(names)
				index[string(key)] = i
				names = append(names, string(key))
				sets = append(sets, 0)
				seen = append(seen, 0)
			}
			if seen[i] == rows {
				return fmt.Errorf("key %q appears twice in the object", key)
			}
			seen[i] = rows
			sets[i] = sets[i].add(v.valueKind())
			return nil
		})
		if err != nil {
			return nil, s.lineErr(err, lines.n, rows == 1)
		}
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = sets[i].field(n)
	}
	s.schema = arrow.NewSchema(fields, nil)
	scan := func(r io.Reader) ([]textChunk, int64, bool) { return ndjsonSplit(r, textUnitBytes) }
	if err := s.split(ctx, in, 0, scan); err != nil {
		return nil, err
	}
	return s, nil
}

// errJSONArray marks a line holding an array where an object belongs.
var errJSONArray = errors.New("expected a JSON object, found an array")

func (s *ndjsonSource) lineErr(err error, line int, first bool) error {
	if first && errors.Is(err, errJSONArray) {
		err = unsupported("the file is a JSON array; write one JSON object per line (NDJSON), e.g. with jq -c '.[]'")
	}
	return inputErr(s.in.Path, err, fmt.Sprintf("line %d", line))
}

func (s *ndjsonSource) Schema() *arrow.Schema { return s.schema }
func (s *ndjsonSource) Inferred() bool        { return true }
func (s *ndjsonSource) Close() error          { return nil }

func (s *ndjsonSource) stream(ctx context.Context, opts ReadOptions, send func(Unit) bool) (bool, error) {
	if !streamed(s.in) || s.empty {
		return false, nil
	}
	return true, streamText(ctx, s.in, opts, newNDJSONScan(textUnitBytes), 0, send)
}

func (s *ndjsonSource) Read(ctx context.Context, u Unit, columns []string, types map[string]arrow.DataType, opts ReadOptions) (rr array.RecordReader, err error) {
	defer recoverInto(&err, "NDJSON")
	mem := allocator(opts)
	cols, sc := projectText(mem, s.schema, columns, types)
	if s.empty {
		none := func(int) (int, error) { return 0, io.EOF }
		return newTextReader(ctx, sc, cols, batchSize(opts, len(cols)), "NDJSON", none, nil), nil
	}
	br, rc, pre, err := s.open(ctx, s.in, u, opts, cols)
	if err != nil {
		return nil, err
	}
	lines := &lineReader{r: br, n: int(pre.lines)}

	index := make(map[string]int, s.schema.NumFields())
	slot := make([]int, s.schema.NumFields()) // schema field → position in cols, or -1
	for i, f := range s.schema.Fields() {
		index[f.Name] = i
		slot[i] = -1
	}
	for j, c := range cols {
		slot[c.index] = j
	}
	names := make([]string, s.schema.NumFields())
	for i, f := range s.schema.Fields() {
		names[i] = f.Name
	}
	// order[k] is the field of the previous line's k-th key: lines nearly
	// always list their keys in one order, and a key compared with the
	// one expected there costs less than a map lookup (2.0 s of CPU at
	// 10M rows of 11 keys).
	var order []int
	seen := make([]int, s.schema.NumFields())
	vals := make([]jsonValue, len(cols))
	set := make([]int, len(cols))
	var p jsonLine
	rows := 0
	fill := func(max int) (int, error) {
		for n := 0; n < max; {
			line, err := lines.next()
			if errors.Is(err, io.EOF) {
				return n, io.EOF
			}
			if err != nil {
				return n, inputErr(s.in.Path, textStreamErr(s.in, err), fmt.Sprintf("line %d", lines.n))
			}
			if blankLine(line) {
				continue
			}
			rows++
			k := 0
			err = p.object(line, func(key []byte, v jsonValue) error {
				var i int
				if k < len(order) && names[order[k]] == string(key) {
					i = order[k]
				} else {
					var ok bool
					if i, ok = index[string(key)]; !ok {
						return fmt.Errorf("key %q is not in the schema inferred from the first %d rows; raise --infer-rows", key, s.sampled)
					}
					if k < len(order) {
						order[k] = i
					} else {
						order = append(order, i)
					}
				}
				k++
				if seen[i] == rows {
					return fmt.Errorf("key %q appears twice in the object", key)
				}
				seen[i] = rows
				if j := slot[i]; j >= 0 {
					vals[j], set[j] = v, rows
				}
				return nil
			})
			if err != nil {
				return n, s.lineErr(err, lines.n, rows == 1 && pre.records == 0)
			}
			for j, c := range cols {
				if set[j] != rows {
					c.b.AppendNull()
					continue
				}
				if err := s.appendJSON(c, vals[j]); err != nil {
					return n, inputErr(s.in.Path, err, fmt.Sprintf("line %d", lines.n), fmt.Sprintf("column %q", c.name))
				}
			}
			n++
		}
		return max, nil
	}
	return newTextReader(ctx, sc, cols, batchSize(opts, len(cols)), "NDJSON", fill, rc.Close), nil
}

// appendJSON appends one value to a column, or explains why it does not fit.
func (s *ndjsonSource) appendJSON(c *textColumn, v jsonValue) error {
	if v.kind == jsonNull {
		c.b.AppendNull()
		return nil
	}
	if c.str != nil {
		switch {
		case v.kind == jsonBool && v.b:
			c.str.AppendString("true")
		case v.kind == jsonBool:
			c.str.AppendString("false")
		default:
			c.str.Append(v.text)
		}
		return nil
	}
	ok := false
	switch c.typ.ID() {
	case arrow.BOOL:
		if v.kind == jsonBool {
			c.b.(*array.BooleanBuilder).Append(v.b)
			ok = true
		}
	case arrow.INT64, arrow.FLOAT64:
		// put parses the text and keeps no string of it.
		ok = v.kind == jsonNumber && c.put(unsafeString(v.text))
	default: // dates and timestamps
		ok = v.kind == jsonString && c.put(unsafeString(v.text))
	}
	if !ok {
		return c.mismatch(v.valueKind(), s.sampled)
	}
	return nil
}

// lineReader reads physical lines, without their \n or \r\n.
type lineReader struct {
	r   *bufio.Reader
	buf []byte
	n   int // the line number of the last line returned (1-based)
}

// next returns the next line, valid until the following call; io.EOF at
// the end.
func (l *lineReader) next() ([]byte, error) {
	line, err := l.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		l.buf = append(l.buf[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(l.buf) > ndjsonMaxLine {
				l.n++
				return nil, fmt.Errorf("line longer than %d MiB: not NDJSON?", ndjsonMaxLine>>20)
			}
			line, err = l.r.ReadSlice('\n')
			l.buf = append(l.buf, line...)
		}
		line = l.buf
	}
	if len(line) == 0 && err != nil {
		if !errors.Is(err, io.EOF) {
			l.n++
		}
		return nil, err
	}
	l.n++
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func blankLine(b []byte) bool {
	for _, c := range b {
		if !isJSONSpace(c) {
			return false
		}
	}
	return true
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonNested
)

// jsonValue is one member's value. text is the number as written, the
// decoded string, or the compact JSON text of an object or array; it is
// valid until the next line is parsed.
type jsonValue struct {
	kind jsonKind
	b    bool
	text []byte
}

// valueKind is the kind inference sees: JSON strings count only as dates
// and timestamps, never as numbers or booleans.
func (v jsonValue) valueKind() valueKind {
	switch v.kind {
	case jsonNull:
		return kindNull
	case jsonBool:
		return kindBool
	case jsonNumber:
		if _, ok := parseIntText(string(v.text)); ok {
			return kindInt
		}
		return kindFloat
	case jsonNested:
		return kindNested
	}
	if len(v.text) >= 10 && isDigit(v.text[0]) {
		switch k := classifyText(string(v.text)); k {
		case kindDate, kindTimestamp, kindTimestampTZ:
			return k
		}
	}
	return kindString
}

// jsonLine parses one line as a JSON object. It validates the whole line
// (RFC 8259, plus the NaN, Infinity and -Infinity tokens) and reports each
// top-level member; decoded strings and compacted nested values live in
// scratch, reused from line to line.
type jsonLine struct {
	buf     []byte
	pos     int
	depth   int
	scratch []byte
}

func (p *jsonLine) fail(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *jsonLine) skipSpace() {
	for p.pos < len(p.buf) && isJSONSpace(p.buf[p.pos]) {
		p.pos++
	}
}

func (p *jsonLine) peek() byte {
	if p.pos < len(p.buf) {
		return p.buf[p.pos]
	}
	return 0
}

// unexpected reports what is at pos where want was expected (or, when
// want is empty, anything but what is there).
func (p *jsonLine) unexpected(want string) error {
	found := "the end of the line (NDJSON needs one whole object per line)"
	if p.pos < len(p.buf) {
		if c := p.buf[p.pos]; c < 0x20 || c >= 0x7f {
			found = fmt.Sprintf("byte 0x%02x", c)
		} else {
			found = fmt.Sprintf("%q", c)
		}
	}
	if want == "" {
		return p.fail("unexpected %s", found)
	}
	return p.fail("expected %s, found %s", want, found)
}

// object parses line, calling member for each top-level key and value.
func (p *jsonLine) object(line []byte, member func(key []byte, v jsonValue) error) error {
	p.buf, p.pos, p.depth, p.scratch = line, 0, 0, p.scratch[:0]
	p.skipSpace()
	switch p.peek() {
	case '{':
	case '[':
		return errJSONArray
	default:
		return p.unexpected("a JSON object")
	}
	p.pos++
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			if p.peek() != '"' {
				return p.unexpected("a key")
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			p.skipSpace()
			if p.peek() != ':' {
				return p.unexpected("':'")
			}
			p.pos++
			p.skipSpace()
			v, err := p.value()
			if err != nil {
				return err
			}
			if err := member(key, v); err != nil {
				return err
			}
			p.skipSpace()
			if c := p.peek(); c == ',' {
				p.pos++
				continue
			} else if c == '}' {
				p.pos++
				break
			}
			return p.unexpected("',' or '}'")
		}
	}
	p.skipSpace()
	if p.pos != len(p.buf) {
		return p.unexpected("the end of the line after the object (NDJSON holds one object per line)")
	}
	return nil
}

// value parses one top-level member's value.
func (p *jsonLine) value() (jsonValue, error) {
	switch c := p.peek(); {
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '{' || c == '[':
		start := len(p.scratch)
		if err := p.nested(); err != nil {
			return jsonValue{}, err
		}
		return jsonValue{kind: jsonNested, text: p.scratch[start:len(p.scratch):len(p.scratch)]}, nil
	case c == 't':
		return jsonValue{kind: jsonBool, b: true}, p.literal("true")
	case c == 'f':
		return jsonValue{kind: jsonBool}, p.literal("false")
	case c == 'n':
		return jsonValue{kind: jsonNull}, p.literal("null")
	default:
		start := p.pos
		if err := p.number(); err != nil {
			return jsonValue{}, err
		}
		return jsonValue{kind: jsonNumber, text: p.buf[start:p.pos]}, nil
	}
}

func (p *jsonLine) literal(word string) error {
	if len(p.buf)-p.pos < len(word) || string(p.buf[p.pos:p.pos+len(word)]) != word {
		return p.unexpected("a value")
	}
	p.pos += len(word)
	return nil
}

// number checks a number's syntax and moves past it.
func (p *jsonLine) number() error {
	neg := p.peek() == '-'
	if neg {
		p.pos++
	}
	switch c := p.peek(); {
	case c == 'I':
		return p.literal("Infinity")
	case c == 'N' && !neg:
		return p.literal("NaN")
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		p.digits()
	case neg:
		return p.unexpected("a digit")
	default:
		return p.unexpected("a value")
	}
	if p.peek() == '.' {
		p.pos++
		if !isDigit(p.peek()) {
			return p.unexpected("a digit")
		}
		p.digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !isDigit(p.peek()) {
			return p.unexpected("a digit")
		}
		p.digits()
	}
	return nil
}

func (p *jsonLine) digits() {
	for p.pos < len(p.buf) && isDigit(p.buf[p.pos]) {
		p.pos++
	}
}

// str decodes the string at pos. Without escapes the result aliases the
// line; with them it is decoded into scratch.
func (p *jsonLine) str() ([]byte, error) {
	p.pos++ // the opening quote
	start := p.pos
	for p.pos < len(p.buf) {
		switch c := p.buf[p.pos]; {
		case c == '"':
			p.pos++
			return p.buf[start : p.pos-1 : p.pos-1], nil
		case c == '\\':
			return p.escapedStr(start)
		case c < 0x20:
			return nil, p.fail("control character 0x%02x in a string", c)
		default:
			p.pos++
		}
	}
	return nil, p.fail("unterminated string")
}

func (p *jsonLine) escapedStr(start int) ([]byte, error) {
	out := len(p.scratch)
	p.scratch = append(p.scratch, p.buf[start:p.pos]...)
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.scratch[out:len(p.scratch):len(p.scratch)], nil
		case c < 0x20:
			return nil, p.fail("control character 0x%02x in a string", c)
		case c != '\\':
			p.scratch = append(p.scratch, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.buf) {
			return nil, p.fail("unterminated string")
		}
		e := p.buf[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			p.scratch = append(p.scratch, e)
		case 'b':
			p.scratch = append(p.scratch, '\b')
		case 'f':
			p.scratch = append(p.scratch, '\f')
		case 'n':
			p.scratch = append(p.scratch, '\n')
		case 'r':
			p.scratch = append(p.scratch, '\r')
		case 't':
			p.scratch = append(p.scratch, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, p.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair is two escapes; a lone half is U+FFFD, as encoding/json does.
				r2 := rune(-1)
				if p.pos+1 < len(p.buf) && p.buf[p.pos] == '\\' && p.buf[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, ok = p.hex4(); !ok {
						return nil, p.fail("bad \\u escape")
					}
					if utf16.DecodeRune(r, r2) == unicode.ReplacementChar {
						p.pos, r2 = save, -1
					}
				}
				if r2 < 0 {
					r = unicode.ReplacementChar
				} else {
					r = utf16.DecodeRune(r, r2)
				}
			}
			p.scratch = append(p.scratch, string(r)...)
		default:
			p.pos -= 2
			return nil, p.fail("bad escape")
		}
	}
	return nil, p.fail("unterminated string")
}

func (p *jsonLine) hex4() (rune, bool) {
	if p.pos+4 > len(p.buf) {
		return 0, false
	}
	var r rune
	for _, c := range p.buf[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// nested validates the object or array at pos and appends its compact
// text (strings copied as written, whitespace between tokens dropped) to
// scratch.
func (p *jsonLine) nested() error {
	p.depth++
	if p.depth > ndjsonMaxDepth {
		return p.fail("nested deeper than %d levels", ndjsonMaxDepth)
	}
	open := p.buf[p.pos]
	closing := byte('}')
	if open == '[' {
		closing = ']'
	}
	p.scratch = append(p.scratch, open)
	p.pos++
	p.skipSpace()
	if p.peek() == closing {
		p.scratch = append(p.scratch, closing)
		p.pos++
		p.depth--
		return nil
	}
	for {
		p.skipSpace()
		if open == '{' {
			if p.peek() != '"' {
				return p.unexpected("a key")
			}
			if err := p.rawStr(); err != nil {
				return err
			}
			p.skipSpace()
			if p.peek() != ':' {
				return p.unexpected("':'")
			}
			p.scratch = append(p.scratch, ':')
			p.pos++
			p.skipSpace()
		}
		if err := p.nestedValue(); err != nil {
			return err
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.scratch = append(p.scratch, ',')
			p.pos++
			continue
		case closing:
			p.scratch = append(p.scratch, closing)
			p.pos++
			p.depth--
			return nil
		}
		return p.unexpected(fmt.Sprintf("',' or '%c'", closing))
	}
}

func (p *jsonLine) nestedValue() error {
	start := p.pos
	var err error
	switch c := p.peek(); {
	case c == '"':
		return p.rawStr()
	case c == '{' || c == '[':
		return p.nested()
	case c == 't':
		err = p.literal("true")
	case c == 'f':
		err = p.literal("false")
	case c == 'n':
		err = p.literal("null")
	default:
		err = p.number()
	}
	if err == nil {
		p.scratch = append(p.scratch, p.buf[start:p.pos]...)
	}
	return err
}

// rawStr validates the string at pos and appends it, quotes and escapes
// as written, to scratch.
func (p *jsonLine) rawStr() error {
	start := p.pos
	mark := len(p.scratch)
	if _, err := p.str(); err != nil {
		return err
	}
	p.scratch = append(p.scratch[:mark], p.buf[start:p.pos]...) // drop any decoded copy
	return nil
}
