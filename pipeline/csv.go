package pipeline

// CSV and TSV are read by our own reader: records are split as
// encoding/csv splits them (RFC 4180 quoting, embedded delimiters, doubled
// quotes, newlines inside quotes, CRLF) by csvReader (csvread.go), which
// gives the same records and errors without copying a line that has no
// quote, and the values are parsed by infer.go's parsers straight into
// Arrow builders, BatchSize rows at a time. A large local file is
// read in units that start at records, each by its own reader
// (textsplit.go, csvsplit.go).
//
// We read arrow-go v18.8.0's arrow/csv and measured it before deciding not
// to use it:
//   - NewInferringReader infers each column from the first row alone: a
//     column of ints with a float on row 2 becomes int64 and row 2 a null;
//   - a value that does not parse is appended as null and the batch is
//     returned anyway; the error (strconv's, naming neither line nor
//     column) surfaces in Err only after the next call to Next, so a
//     caller that stops early sees a silent null;
//   - a timestamp column reads any integer string as a raw count of its
//     unit ("20240101" is 20 seconds after the epoch) and "(null)"
//     (array.NullValueStr) as null;
//   - bools are strconv.ParseBool ("1", "t", "F" are booleans) and floats
//     strconv.ParseFloat ("1_000" is 1000), a wider language than inference
//     accepts, so a column could read differently from how it was typed;
//   - without WithNullReader an empty field is a parse error in numeric
//     columns; with it the null tokens are "", "NULL" and "null";
//   - the reader defaults to one row per batch (WithChunk).
// Its timestamp parser itself (arrow.TimestampFromStringInLocation) accepts
// what ours does — 'T' or ' ', fractions, Z or ±HH[:MM] converted to UTC —
// but the reader reaches it only through AppendValueFromString, with the
// integer and "(null)" quirks above, so ours is a small parser of the
// same language.
// Owning the loop gives each error its physical line (csvReader.FieldPos)
// and column, and no arrow-go code runs on the data except the builders.
//
// Header names are kept as written (no trimming). A duplicated name gets
// the suffix _2, _3, … in order of appearance, skipping names the header
// already uses ("a,a,a_2" reads as a, a_3, a_2); an empty name is col_N,
// N its 1-based position. Without a header the columns are col_1, col_2, ….
//
// Header detection (--header auto) follows the rule in csvLooksLikeHeader,
// with one widening of the plain rule "all first values non-empty": an
// empty name is accepted when another name shows it is a header, so the
// unnamed index column pandas writes does not turn the header into data.
//
// Quotes are strict (encoding/csv without LazyQuotes): a stray quote is an
// error naming the line, never a field that silently swallows the rest of
// the file.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// csvSniffBytes is how much of a CSV file delimiter sniffing looks at.
const csvSniffBytes = 1 << 20

// csvDelimiters are the delimiters sniffed, in order of preference.
var csvDelimiters = []rune{',', '\t', ';', '|'}

type csvSource struct {
	in     *Input
	schema *arrow.Schema
	comma  rune
	header bool
	fields int
	nulls  []string
	// sampled is how many rows inference looked at, for error messages.
	sampled int
	// textParts is a large file's units (textsplit.go).
	textParts
}

func openCSV(ctx context.Context, in *Input, opts ReadOptions) (src source, err error) {
	defer recoverInto(&err, "CSV")
	header := strings.ToLower(strings.TrimSpace(opts.CSV.Header))
	switch header {
	case "", "auto", "yes", "no":
	default:
		return nil, usageErr("--header %q: want auto, yes or no", opts.CSV.Header)
	}
	if d := opts.CSV.Delimiter; d != 0 && (d == '"' || d == '\r' || d == '\n' || d < 0 || d > unicode.MaxRune ||
		unicode.Is(unicode.Cs, d) || d == unicode.ReplacementChar) {
		return nil, usageErr("--delimiter %q cannot separate CSV fields", d)
	}
	s := &csvSource{in: in, nulls: csvNulls(opts), sampled: inferRows(opts)}
	rc, err := openText(ctx, in, nil)
	if err != nil {
		if in.Compression == Gzip && errors.Is(err, io.EOF) {
			s.schema = arrow.NewSchema(nil, nil) // a 0-byte file
			return s, nil
		}
		return nil, textStreamErr(in, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, csvSniffBytes)
	skipBOM(br)

	s.comma = opts.CSV.Delimiter
	if s.comma == 0 {
		s.comma = ','
		if in.Format == TSV {
			s.comma = '\t'
		} else if peek, err := br.Peek(csvSniffBytes); len(peek) > 0 {
			s.comma = sniffDelimiter(peek, err != nil, s.sampled)
		}
	}

	rows := newCSVRows(in, br, s.comma)
	limit := s.sampled
	if header != "no" {
		limit++ // the header, maybe
	}
	var (
		first   []string
		kinds   []valueKind // row-major, rows × fields
		repeats []bool      // a first-row value seen again in its column
	)
	for n := 0; n < limit; n++ {
		rec, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = append([]string(nil), rec...)
			repeats = make([]bool, len(rec))
		} else {
			for j, v := range rec {
				repeats[j] = repeats[j] || v == first[j]
			}
		}
		for _, v := range rec {
			k := kindNull
			if !s.isNull(v) {
				k = classifyText(v)
			}
			kinds = append(kinds, k)
		}
	}
	if first == nil {
		s.schema = arrow.NewSchema(nil, nil) // empty file
		return s, nil
	}
	s.fields = len(first)
	data := kinds
	switch header {
	case "yes":
		s.header = true
	case "no":
	default:
		s.header = csvLooksLikeHeader(first, kinds[:s.fields], kinds[s.fields:], repeats, s.isNull)
	}
	if s.header {
		data = kinds[s.fields:]
	} else if len(data) > s.sampled*s.fields {
		data = data[:s.sampled*s.fields]
	}
	sets := columnKinds(data, s.fields)
	fields := make([]arrow.Field, s.fields)
	names := csvColumnNames(first, s.header)
	for j := range fields {
		fields[j] = sets[j].field(names[j])
	}
	s.schema = arrow.NewSchema(fields, nil)
	if s.comma < 0x80 { // a delimiter of one byte
		header := int64(0)
		if s.header {
			header = 1
		}
		scan := func(r io.Reader) ([]textChunk, int64, bool) { return csvSplit(r, byte(s.comma), textUnitBytes) }
		if err := s.split(ctx, in, header, scan); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func csvNulls(opts ReadOptions) []string {
	if opts.CSV.NullValues == nil {
		return []string{""}
	}
	return opts.CSV.NullValues
}

func (s *csvSource) isNull(v string) bool {
	for _, n := range s.nulls {
		if v == n {
			return true
		}
	}
	return false
}

// columnKinds folds a row-major matrix of kinds into one set per column.
func columnKinds(kinds []valueKind, fields int) []kindSet {
	sets := make([]kindSet, fields)
	for i, k := range kinds {
		sets[i%fields] = sets[i%fields].add(k)
	}
	return sets
}

// csvLooksLikeHeader decides whether the first record names the columns:
// its non-empty values are distinct strings, and either some column's
// other values have a type its first value does not fit ("age" above
// ints), or every column is text, no first value is empty and none repeats
// in its column. Empty names are allowed only with the type evidence: it
// is what pandas writes above an unnamed index column (",a,b").
func csvLooksLikeHeader(first []string, firstKinds, rest []valueKind, repeats []bool, isNull func(string) bool) bool {
	seen := make(map[string]bool, len(first))
	empty, repeated := false, false
	for j, v := range first {
		if v == "" || isNull(v) {
			empty = true
			continue
		}
		if firstKinds[j] != kindString {
			return false
		}
		// A repeated name ("a,a,b") still reads as a header when the
		// types below disagree with it; without that evidence it is
		// taken as data.
		repeated = repeated || seen[v]
		seen[v] = true
	}
	if len(seen) == 0 {
		return false
	}
	allText := true
	for j, set := range columnKinds(rest, len(first)) {
		if t := set.dataType(); t.ID() != arrow.STRING {
			allText = false
			if first[j] != "" && !isNull(first[j]) && !kindFits(t, firstKinds[j]) {
				return true
			}
		}
	}
	if !allText || empty || repeated {
		return false
	}
	for _, r := range repeats {
		if r {
			return false
		}
	}
	return true
}

// csvColumnNames names the columns from the header, or col_1, col_2, ….
func csvColumnNames(first []string, header bool) []string {
	names := make([]string, len(first))
	if !header {
		for j := range names {
			names[j] = fmt.Sprintf("col_%d", j+1)
		}
		return names
	}
	for j, v := range first {
		if v == "" {
			v = fmt.Sprintf("col_%d", j+1)
		}
		names[j] = v
	}
	return uniqueNames(names)
}

// sniffDelimiter picks the delimiter that splits the first records of text
// into one consistent number of fields greater than one, in order of
// preference. Failing that, the one whose records most often have the
// first record's field count (more than one), so that a ragged row is
// reported against the right delimiter; failing that, one that never
// splits (a one-column file whose text has commas in it); else ','.
// complete says text is the whole file; if not its last line may be cut.
func sniffDelimiter(text []byte, complete bool, maxRecords int) rune {
	if !complete {
		if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1]
		}
	}
	type score struct {
		comma      rune
		first      int
		consistent bool
		fraction   float64
	}
	var scores []score
	for _, d := range csvDelimiters {
		r := csv.NewReader(bytes.NewReader(text))
		r.Comma, r.FieldsPerRecord, r.ReuseRecord = d, -1, true
		sc := score{comma: d, consistent: true}
		n, same := 0, 0
		for n < maxRecords {
			rec, err := r.Read()
			if err != nil {
				break // the end, a cut last line, or a quote this delimiter cannot explain
			}
			if n == 0 {
				sc.first = len(rec)
			}
			if len(rec) == sc.first {
				same++
			} else {
				sc.consistent = false
			}
			n++
		}
		if n == 0 {
			continue
		}
		sc.fraction = float64(same) / float64(n)
		scores = append(scores, sc)
	}
	for _, sc := range scores {
		if sc.consistent && sc.first > 1 {
			return sc.comma
		}
	}
	best := score{}
	for _, sc := range scores {
		if sc.first > 1 && sc.fraction > best.fraction {
			best = sc
		}
	}
	if best.comma != 0 {
		return best.comma
	}
	for _, sc := range scores {
		if sc.consistent {
			return sc.comma
		}
	}
	return ','
}

// skipBOM drops a UTF-8 byte order mark at the start of br.
func skipBOM(br *bufio.Reader) {
	if b, _ := br.Peek(len(utf8BOM)); string(b) == utf8BOM {
		br.Discard(len(utf8BOM))
	}
}

// csvRows reads records and turns encoding/csv's errors into input errors
// that name the line.
type csvRows struct {
	in     *Input
	r      *csvReader
	fields int    // expected per record; 0 until the first record
	first  string // what set fields, in messages: "first record" or "header"
	line   int    // physical line where the last record started
	base   int    // physical lines before the reader's first byte
}

func newCSVRows(in *Input, r io.Reader, comma rune) *csvRows {
	return &csvRows{in: in, r: newCSVReader(r, comma), first: "first record"}
}

// next returns the next record, io.EOF at the end.
func (c *csvRows) next() ([]string, error) {
	rec, err := c.nextBytes()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rec))
	for i, v := range rec {
		out[i] = string(v)
	}
	return out, nil
}

// nextBytes is next with the fields as bytes, valid until the next call.
func (c *csvRows) nextBytes() ([][]byte, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			msg := fmt.Errorf("malformed CSV at column %d: %w", pe.Column, pe.Err)
			if pe.Line != pe.StartLine {
				msg = fmt.Errorf("malformed CSV: the record starting on this line breaks on line %d, column %d: %w (is a closing quote missing?)",
					c.base+pe.Line, pe.Column, pe.Err)
			}
			return nil, inputErr(c.in.Path, msg, fmt.Sprintf("line %d", c.base+pe.StartLine))
		}
		line := c.line + 1
		if len(rec) > 0 {
			line = c.fieldLine(0, line)
		}
		return nil, inputErr(c.in.Path, textStreamErr(c.in, err), fmt.Sprintf("line %d", line))
	}
	c.line = c.fieldLine(0, c.line+1)
	if c.fields == 0 {
		c.fields = len(rec)
	} else if len(rec) != c.fields {
		return nil, inputErr(c.in.Path, fmt.Errorf("found %d fields, but the %s has %d", len(rec), c.first, c.fields),
			fmt.Sprintf("line %d", c.line))
	}
	return rec, nil
}

// fieldLine is the physical line where field j of the last record starts.
func (c *csvRows) fieldLine(j, fallback int) (line int) {
	defer func() {
		if recover() != nil {
			line = fallback
		}
	}()
	line, _ = c.r.FieldPos(j)
	return c.base + line
}

func (s *csvSource) stream(ctx context.Context, opts ReadOptions, send func(Unit) bool) (bool, error) {
	if !streamed(s.in) || s.comma >= 0x80 || s.fields == 0 {
		return false, nil
	}
	var header int64
	if s.header {
		header = 1
	}
	return true, streamText(ctx, s.in, opts, newCSVScan(byte(s.comma), textUnitBytes), header, send)
}

func (s *csvSource) Schema() *arrow.Schema { return s.schema }
func (s *csvSource) Inferred() bool        { return true }
func (s *csvSource) Close() error          { return nil }

func (s *csvSource) Read(ctx context.Context, u Unit, columns []string, types map[string]arrow.DataType, opts ReadOptions) (rr array.RecordReader, err error) {
	defer recoverInto(&err, "CSV")
	mem := allocator(opts)
	cols, sc := projectText(mem, s.schema, columns, types)
	if s.fields == 0 {
		none := func(int) (int, error) { return 0, io.EOF }
		return newTextReader(ctx, sc, cols, batchSize(opts, len(cols)), "CSV", none, nil), nil
	}
	br, rc, pre, err := s.open(ctx, s.in, u, opts, cols)
	if err != nil {
		return nil, err
	}
	rows := newCSVRows(s.in, br, s.comma)
	rows.fields = s.fields
	rows.base, rows.line = int(pre.lines), int(pre.lines)
	if s.header {
		rows.first = "header"
	}
	header := s.header && pre.off == 0
	fill := func(max int) (int, error) {
		if header {
			header = false
			if _, err := rows.nextBytes(); err != nil {
				return 0, err
			}
		}
		for n := 0; n < max; n++ {
			rec, err := rows.nextBytes()
			if err != nil {
				return n, err
			}
			for _, c := range cols {
				// No string of the field outlives this iteration: put
				// parses it or copies it into its builder.
				v := unsafeString(rec[c.index])
				if s.isNull(v) {
					c.b.AppendNull()
					continue
				}
				if !c.put(v) {
					line := rows.fieldLine(c.index, rows.line)
					return n, inputErr(s.in.Path, c.mismatch(classifyText(v), s.sampled),
						fmt.Sprintf("line %d", line), fmt.Sprintf("column %q", c.name))
				}
			}
		}
		return max, nil
	}
	return newTextReader(ctx, sc, cols, batchSize(opts, len(cols)), "CSV", fill, rc.Close), nil
}
