package pipeline

// Shared by the CSV and NDJSON readers: type inference over a sample of text
// values, the parsers that turn text into Arrow values while reading, and
// the record reader both formats stream through.
//
// The parsers are ours rather than arrow-go's because arrow-go's accept a
// different language from the one inference accepts (see the top of csv.go
// and ndjson.go for what we found), and a value that inference would type
// one way must read the same way. One set of parsers serves both: the
// classifier that infers a column's type and the converter that reads it
// are built from the same functions, so they cannot drift apart.
//
// The value language, narrowest first:
//
//	bool       true or false, any case
//	int64      [+-]digits, no leading zero ("007" stays a string: codes and
//	           identifiers lose information as numbers), fits in int64
//	float64    decimal with optional fraction and exponent (same rule on
//	           leading zeros), or NaN, Inf, Infinity with an optional sign
//	           on the infinities, any case (strconv's spelling)
//	date32     YYYY-MM-DD, a real calendar date
//	timestamp  YYYY-MM-DD, then 'T', 't' or ' ', then HH:MM[:SS[.f…]] with
//	           up to 9 fraction digits; with Z or ±HH[:MM] it is
//	           timestamp[us, tz=UTC], converted to UTC, without it
//	           timestamp[us] with no zone. Digits beyond microseconds are
//	           truncated (floor).
//
// A column is the narrowest type that holds every non-null value of its
// sample; ints mixed with floats are float64, any other mix is string (a
// date column with one timestamp in it too), and a column with no value at
// all is string. Values equal to a null token never count.
//
// While reading, a value must fit the type the column is read as (the
// unified type the pipeline passes, when this reader can parse into it,
// else the inferred one, which the pipeline then casts). A value that does
// not is an error naming the line and column and suggesting --infer-rows;
// messages name the kind of value found, never the value itself.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// defaultInferRows is how many rows of a text file type inference looks at
// unless set.
const defaultInferRows = 10000

func inferRows(opts ReadOptions) int {
	if opts.InferRows > 0 {
		return opts.InferRows
	}
	return defaultInferRows
}

// The types inferred for timestamps.
var (
	textTimestamp   arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}
	textTimestampTZ arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// valueKind is what one text value looks like, narrowest first.
type valueKind uint8

const (
	kindNull valueKind = iota
	kindBool
	kindInt
	kindFloat
	kindDate
	kindTimestamp   // date and time without zone
	kindTimestampTZ // date and time with Z or an offset
	kindString
	kindNested // a JSON object or array
)

// describe names a kind in error messages, which never quote the value
// itself (no raw cell value in any output).
func (k valueKind) describe() string {
	switch k {
	case kindNull:
		return "a null"
	case kindBool:
		return "a boolean"
	case kindInt:
		return "an integer"
	case kindFloat:
		return "a floating-point number"
	case kindDate:
		return "a date"
	case kindTimestamp:
		return "a timestamp without zone"
	case kindTimestampTZ:
		return "a timestamp with a zone offset"
	case kindNested:
		return "a JSON object or array"
	}
	return "a text value"
}

// kindSet is the set of kinds seen in one column of a sample.
type kindSet uint16

func (s kindSet) add(k valueKind) kindSet {
	if k == kindNull {
		return s
	}
	return s | 1<<k
}

// nullOnlyKey marks, in an inferred schema, a column whose sampled values
// were all null. The file reads it as string, but when schemas are unified
// it yields to the other files' type for the column (see unifier.add).
const nullOnlyKey = "readiness.null_only"

// field is the inferred field for a column whose sampled kinds are s.
func (s kindSet) field(name string) arrow.Field {
	f := arrow.Field{Name: name, Type: s.dataType(), Nullable: true}
	if s == 0 {
		f.Metadata = arrow.NewMetadata([]string{nullOnlyKey}, []string{"true"})
	}
	return f
}

// dataType is the narrowest type holding every kind in s.
func (s kindSet) dataType() arrow.DataType {
	switch s {
	case 1 << kindBool:
		return arrow.FixedWidthTypes.Boolean
	case 1 << kindInt:
		return arrow.PrimitiveTypes.Int64
	case 1 << kindFloat, 1<<kindInt | 1<<kindFloat:
		return arrow.PrimitiveTypes.Float64
	case 1 << kindDate:
		return arrow.FixedWidthTypes.Date32
	case 1 << kindTimestamp:
		return textTimestamp
	case 1 << kindTimestampTZ:
		return textTimestampTZ
	}
	return arrow.BinaryTypes.String // none, strings, nested values, or a mix
}

// kindFits says whether a value of kind k fits an inferred type t.
func kindFits(t arrow.DataType, k valueKind) bool {
	if k == kindNull {
		return true
	}
	switch {
	case arrow.TypeEqual(t, arrow.FixedWidthTypes.Boolean):
		return k == kindBool
	case arrow.TypeEqual(t, arrow.PrimitiveTypes.Int64):
		return k == kindInt
	case arrow.TypeEqual(t, arrow.PrimitiveTypes.Float64):
		return k == kindInt || k == kindFloat
	case arrow.TypeEqual(t, arrow.FixedWidthTypes.Date32):
		return k == kindDate
	case arrow.TypeEqual(t, textTimestamp):
		return k == kindTimestamp
	case arrow.TypeEqual(t, textTimestampTZ):
		return k == kindTimestampTZ
	}
	return true // a string holds anything
}

// classifyText tells the kind of one text value (null tokens are the
// caller's business: here "" is an empty string).
func classifyText(s string) valueKind {
	if s == "" {
		return kindString
	}
	c := s[0]
	if isDigit(c) || c == '-' || c == '+' || c == '.' {
		if _, ok := parseIntText(s); ok {
			return kindInt
		}
		if _, ok := parseFloatText(s); ok {
			return kindFloat
		}
		if isDigit(c) && len(s) >= 10 && s[4] == '-' {
			if _, ok := parseDateText(s); ok {
				return kindDate
			}
			if _, _, zoned, ok := parseTimestampText(s); ok {
				if zoned {
					return kindTimestampTZ
				}
				return kindTimestamp
			}
		}
		return kindString
	}
	if _, ok := parseBoolText(s); ok {
		return kindBool
	}
	if _, ok := parseFloatText(s); ok { // NaN, Inf, Infinity
		return kindFloat
	}
	return kindString
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func parseBoolText(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// scanDigits returns the index after the run of digits starting at i.
func scanDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// scanUnsigned checks the integer part of a number at i: "0", or a digit
// run not starting with 0. It returns the index after it, or -1.
func scanUnsigned(s string, i int) int {
	if i < len(s) && s[i] == '0' {
		if i+1 < len(s) && isDigit(s[i+1]) {
			return -1 // leading zero
		}
		return i + 1
	}
	return scanDigits(s, i)
}

func parseIntText(s string) (int64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := scanUnsigned(s, i)
	if j <= i || j != len(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func parseFloatText(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && !isDigit(s[i]) && s[i] != '.' {
		rest := s[i:]
		switch {
		case strings.EqualFold(rest, "nan") && i == 0,
			strings.EqualFold(rest, "inf"), strings.EqualFold(rest, "infinity"):
			v, err := strconv.ParseFloat(s, 64)
			return v, err == nil
		}
		return 0, false
	}
	j := scanUnsigned(s, i)
	if j < 0 {
		return 0, false
	}
	digits := j - i
	if j < len(s) && s[j] == '.' {
		k := scanDigits(s, j+1)
		digits += k - j - 1
		j = k
	}
	if digits == 0 {
		return 0, false
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := scanDigits(s, j)
		if k == j {
			return 0, false
		}
		j = k
	}
	if j != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true // out of range is ±Inf, as IEEE 754 says
}

// atoiFixed reads s[i:i+n] as an unsigned decimal of exactly n digits.
func atoiFixed(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseDatePart reads YYYY-MM-DD at the start of s as days since the epoch.
func parseDatePart(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := atoiFixed(s, 0, 4)
	m, ok2 := atoiFixed(s, 5, 2)
	d, ok3 := atoiFixed(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func parseDateText(s string) (int32, bool) {
	if len(s) != 10 {
		return 0, false
	}
	d, ok := parseDatePart(s)
	return int32(d), ok
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseTimestampText reads an ISO-8601 / RFC 3339 date and time as seconds
// and nanoseconds since the epoch, in UTC when zoned.
func parseTimestampText(s string) (sec int64, nsec int64, zoned bool, ok bool) {
	days, ok := parseDatePart(s)
	if !ok || len(s) < 16 {
		return 0, 0, false, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, 0, false, false
	}
	hh, ok1 := atoiFixed(s, 11, 2)
	mm, ok2 := atoiFixed(s, 14, 2)
	if !ok1 || !ok2 || s[13] != ':' || hh > 23 || mm > 59 {
		return 0, 0, false, false
	}
	i, ss := 16, 0
	if i < len(s) && s[i] == ':' {
		var ok bool
		if ss, ok = atoiFixed(s, 17, 2); !ok || ss > 60 { // 60: a leap second, rolled over
			return 0, 0, false, false
		}
		i = 19
		if i < len(s) && s[i] == '.' {
			j := scanDigits(s, i+1)
			n := j - i - 1
			if n < 1 || n > 9 {
				return 0, 0, false, false
			}
			frac, _ := atoiFixed(s, i+1, n)
			for ; n < 9; n++ {
				frac *= 10
			}
			nsec = int64(frac)
			i = j
		}
	}
	offset := 0
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			oh, ok := atoiFixed(s, i+1, 2)
			if !ok || oh > 23 {
				return 0, 0, false, false
			}
			om := 0
			j := i + 3
			switch {
			case j < len(s) && s[j] == ':':
				if om, ok = atoiFixed(s, j+1, 2); !ok {
					return 0, 0, false, false
				}
				j += 3
			case j < len(s):
				if om, ok = atoiFixed(s, j, 2); !ok {
					return 0, 0, false, false
				}
				j += 2
			}
			if om > 59 {
				return 0, 0, false, false
			}
			offset = oh*3600 + om*60
			if s[i] == '-' {
				offset = -offset
			}
			i = j
		default:
			return 0, 0, false, false
		}
		if i != len(s) {
			return 0, 0, false, false
		}
		zoned = true
	}
	sec = days*86400 + int64(hh*3600+mm*60+ss) - int64(offset)
	return sec, nsec, zoned, true
}

// timestampIn converts seconds and nanoseconds to a count of unit, false
// when it does not fit in int64 (nanoseconds hold years 1678 to 2261).
func timestampIn(sec, nsec int64, unit arrow.TimeUnit) (int64, bool) {
	var mul, div int64
	switch unit {
	case arrow.Second:
		return sec, true
	case arrow.Millisecond:
		mul, div = 1e3, 1e6
	case arrow.Microsecond:
		mul, div = 1e6, 1e3
	default:
		mul, div = 1e9, 1
	}
	if sec > math.MaxInt64/mul-1 || sec < math.MinInt64/mul+1 {
		return 0, false
	}
	return sec*mul + nsec/div, true
}

// textColumn builds one column of a batch from text values.
type textColumn struct {
	name string
	// index is the column's position in the file's schema (the field
	// number in a CSV record).
	index int
	// typ is the type built: the requested one when this reader can parse
	// text into it, else the inferred one, which the pipeline then casts.
	typ      arrow.DataType
	inferred arrow.DataType
	b        array.Builder
	// put appends the value s parses to, or returns false when s does not
	// fit typ (nothing is appended then).
	put func(s string) bool
	// str is the builder of a string column.
	str *array.BinaryBuilder
}

// textReadable says whether a text reader parses straight into t.
func textReadable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BOOL, arrow.INT64, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

func newTextColumn(mem memory.Allocator, name string, index int, want, inferred arrow.DataType) *textColumn {
	c := &textColumn{name: name, index: index, typ: inferred, inferred: inferred}
	if want != nil && textReadable(want) {
		c.typ = want
	}
	c.b = array.NewBuilder(mem, c.typ)
	switch b := c.b.(type) {
	case *array.StringBuilder:
		c.str = b.BinaryBuilder
		c.put = func(s string) bool { b.Append(s); return true }
	case *array.LargeStringBuilder:
		c.str = b.BinaryBuilder
		c.put = func(s string) bool { b.Append(s); return true }
	case *array.BooleanBuilder:
		c.put = func(s string) bool {
			v, ok := parseBoolText(s)
			if ok {
				b.Append(v)
			}
			return ok
		}
	case *array.Int64Builder:
		c.put = func(s string) bool {
			v, ok := parseIntText(s)
			if ok {
				b.Append(v)
			}
			return ok
		}
	case *array.Float64Builder:
		c.put = func(s string) bool {
			v, ok := parseFloatText(s)
			if ok {
				b.Append(v)
			}
			return ok
		}
	case *array.Date32Builder:
		c.put = func(s string) bool {
			v, ok := parseDateText(s)
			if ok {
				b.Append(arrow.Date32(v))
			}
			return ok
		}
	case *array.Date64Builder:
		c.put = func(s string) bool {
			v, ok := parseDateText(s)
			if ok {
				b.Append(arrow.Date64(int64(v) * 86400000))
			}
			return ok
		}
	case *array.TimestampBuilder:
		c.put = timestampPut(b, c.typ.(*arrow.TimestampType), inferred)
	default:
		panic(fmt.Sprintf("pipeline: no text parser for %s", c.typ)) // textReadable lied
	}
	return c
}

// timestampPut parses text into timestamps of type t. Values without zone
// are read as UTC when t has one: that happens when this file's column was
// zone-less (or dates) and another input's was zoned. Dates are midnight,
// accepted only where the file's own column was dates.
func timestampPut(b *array.TimestampBuilder, t *arrow.TimestampType, inferred arrow.DataType) func(string) bool {
	dates := inferred.ID() == arrow.DATE32 || inferred.ID() == arrow.DATE64
	naive := t.TimeZone == "" || dates || arrow.TypeEqual(inferred, textTimestamp)
	zoned := t.TimeZone != ""
	return func(s string) bool {
		var sec, nsec int64
		if len(s) == 10 {
			d, ok := parseDateText(s)
			if !ok || !dates {
				return false
			}
			sec = int64(d) * 86400
		} else {
			var z, ok bool
			sec, nsec, z, ok = parseTimestampText(s)
			if !ok || (z && !zoned) || (!z && !naive) {
				return false
			}
		}
		v, ok := timestampIn(sec, nsec, t.Unit)
		if ok {
			b.Append(arrow.Timestamp(v))
		}
		return ok
	}
}

// mismatch explains a value of kind k that does not fit the column.
func (c *textColumn) mismatch(k valueKind, sampled int) error {
	if arrow.TypeEqual(c.typ, c.inferred) {
		return fmt.Errorf("%s does not fit the column's type %s, inferred from the first %d rows; raise --infer-rows or fix the value",
			k.describe(), c.typ, sampled)
	}
	return fmt.Errorf("%s does not fit the column's type %s (unified across inputs; this file's first %d rows looked like %s); raise --infer-rows or fix the value",
		k.describe(), c.typ, sampled, c.inferred)
}

// projectText lists the columns of sc to read, in file order, each built
// as types[name] when given.
func projectText(mem memory.Allocator, sc *arrow.Schema, columns []string, types map[string]arrow.DataType) ([]*textColumn, *arrow.Schema) {
	want := make(map[string]bool, len(columns))
	for _, c := range columns {
		want[c] = true
	}
	var cols []*textColumn
	var fields []arrow.Field
	for i, f := range sc.Fields() {
		if !want[f.Name] {
			continue
		}
		c := newTextColumn(mem, f.Name, i, types[f.Name], f.Type)
		cols = append(cols, c)
		fields = append(fields, arrow.Field{Name: f.Name, Type: c.typ, Nullable: true})
	}
	return cols, arrow.NewSchema(fields, nil)
}

// textReader streams record batches of at most size rows, each filled by
// a format's fill function appending to the column builders.
type textReader struct {
	refs   atomic.Int64
	ctx    context.Context
	schema *arrow.Schema
	cols   []*textColumn
	size   int
	// fill appends up to n rows to the columns and returns how many it
	// appended; io.EOF (with or without rows) means the input ended.
	fill  func(n int) (int, error)
	close func() error
	what  string
	cur   arrow.RecordBatch
	err   error
	done  bool
}

func newTextReader(ctx context.Context, sc *arrow.Schema, cols []*textColumn, size int, what string,
	fill func(int) (int, error), close func() error) *textReader {
	r := &textReader{ctx: ctx, schema: sc, cols: cols, size: size, fill: fill, close: close, what: what}
	r.refs.Add(1)
	return r
}

func (r *textReader) Retain()                        { r.refs.Add(1) }
func (r *textReader) Schema() *arrow.Schema          { return r.schema }
func (r *textReader) Err() error                     { return r.err }
func (r *textReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch; this satisfies array.RecordReader.
func (r *textReader) Record() arrow.RecordBatch { return r.cur }

func (r *textReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.finish(err)
		return false
	}
	n, err := r.fillSafe()
	switch {
	case errors.Is(err, io.EOF):
		r.finish(nil)
	case err != nil:
		r.finish(err)
		return false
	}
	if n == 0 {
		return false
	}
	arrs := make([]arrow.Array, len(r.cols))
	for i, c := range r.cols {
		arrs[i] = c.b.NewArray()
	}
	r.cur = array.NewRecordBatch(r.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return true
}

func (r *textReader) fillSafe() (n int, err error) {
	defer recoverInto(&err, r.what)
	return r.fill(r.size)
}

// finish ends the stream: the file is closed at once rather than when the
// reader is released, and a partial batch is dropped on error.
func (r *textReader) finish(err error) {
	r.done, r.err = true, err
	if err != nil {
		for _, c := range r.cols {
			c.b.NewArray().Release()
		}
	}
	if r.close != nil {
		r.close()
		r.close = nil
	}
}

func (r *textReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for _, c := range r.cols {
		c.b.Release()
	}
	r.cols = nil
	if r.close != nil {
		r.close()
		r.close = nil
	}
}

// textStreamErr describes an error reading the (decompressed) text of in:
// for compressed inputs, an unexpected end is a truncated file.
func textStreamErr(in *Input, err error) error {
	if in.Compression == NoCompression {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: the file is truncated or corrupt: %w", in.Compression, err)
	}
	return fmt.Errorf("%s: %w", in.Compression, err)
}

// utf8BOM is stripped from the start of text inputs.
const utf8BOM = "\xef\xbb\xbf"

// openTextColumns opens a text input to be read into cols, positioned past
// any byte-order mark. On error it releases the columns' builders.
func openTextColumns(ctx context.Context, in *Input, opts ReadOptions, cols []*textColumn) (*bufio.Reader, io.Closer, error) {
	rc, err := openText(ctx, in, opts.Counter)
	if err != nil {
		for _, c := range cols {
			c.b.Release()
		}
		return nil, nil, textStreamErr(in, err)
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	skipBOM(br)
	return br, rc, nil
}
