// Package privacy is the personal-data check.
//
// It scans every string column (string, large_string, string_view and
// dictionary-encoded strings; the features and the role columns alike) for
// six types of personal data — email addresses, phone numbers, payment card
// numbers, IBANs, national ID numbers (US SSN, UK National Insurance
// number) and IP addresses — inside free text too, with hand-written
// scanners behind a one-pass byte prefilter. It counts, exactly, the cells
// of each column holding each type and the rows holding any, and lists the
// rows for findings.parquet. It reports no matched value unless the user
// passes --show-values.
//
// Status: not_applicable without string columns or rows; pass when no cell
// matched; warn when some did, up to max_row_share of the rows; fail above
// it. Score: 100 × (1 − rows_with_personal_data / rows).
//
// Observe is written for columns where nearly no value is a candidate.
// Every kind needs four digits, an '@' or a ':', so the prefilter reads
// eight bytes at a time, and first over the bytes of 32 values at once:
// when they hold fewer than four digits and no '@' or ':' in all, none of
// them can match and the chunk is skipped (a column of words or categories
// is read in one pass over its bytes, nothing done per value); a column
// where chunks seldom pass stops trying for the batch. Nulls are read from
// the validity bitmap. A candidate is classified again a byte at a time,
// as before, and what the scanners found is kept for the batch in a small
// cache by text, so a repeated candidate is scanned once; a column whose
// candidates rarely repeat stops using it. Every shortcut only skips work
// whose result it already knows, so results do not depend on them.
package privacy

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
)

// Config is the policy section `checks.privacy`.
type Config struct {
	// Types are the types of personal data to look for: email, phone,
	// payment_card, iban, national_id, ip_address (default all six).
	Types []string `yaml:"types"`
	// IgnoreColumns are string columns not to scan (e.g. a column of
	// synthetic test addresses you have checked).
	IgnoreColumns []string `yaml:"ignore_columns"`
	// MaxRowShare is the share of rows holding personal data above which
	// the check fails; at or below it, any match warns. 0 (the default)
	// fails on any match.
	MaxRowShare float64 `yaml:"max_row_share"`
}

func defaultConfig() any {
	return &Config{Types: slices.Clone(kindNames[:]), IgnoreColumns: []string{}, MaxRowShare: 0.01}
}

// Check is the personal-data check.
var Check = checks.Check{
	Name:          "privacy",
	Summary:       "email addresses, phone numbers, card numbers, IBANs, national IDs and IP addresses in string columns",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	Columns:       columns,
	New:           newState,
}

const packageDoc = `The privacy check scans every string column — string, large_string,
string_view and dictionary-encoded strings; features and role columns (id,
label, annotator, split, …) alike, minus checks.privacy.ignore_columns — for
personal data, inside free text too. Other column types (numbers, binary,
nested) are not scanned: a phone number stored as an integer is not found.
Dictionary values are scanned once per batch (when first used) and counted
through the indices. Without --show-values it never reports a matched
value: findings name the column, the type and counts; findings.parquet
names the rows by input and row number. With --show-values each PRV001
message also quotes one example cell (its first 200 bytes): the first
matched cell of that column and type in (input, row) order.

Types (checks.privacy.types; default all six). Matching is on ASCII bytes;
any other byte (accented letters, invalid UTF-8) counts as a word boundary.

  email         local@domain.tld: the local part an RFC 5322 dot-atom of at most
                64 bytes (letters, digits, ! # $ % & ' * + / = ? ^ _ ` + "`" + ` { | } ~ -
                and inner single dots); the domain two or more labels of
                letters, digits and inner hyphens (1–63 bytes each), the last
                (TLD) two or more letters. Quoted local parts and IP-literal
                domains are not covered.
  phone         E.164: '+' then 8–15 digits, the first not 0, separated by
                spaces, dots, hyphens or one pair of parentheses
                ("+44 20 7946 0958", "+1 (555) 123-4567"). Or a national number
                of 10–11 digits written with separators: North American
                [1] AAA BBB CCCC with area code 2–9 ("(555) 123-4567",
                "555-123-4567", "555.123.4567"), or a number starting with the
                trunk prefix 0 in 2–5 groups of 2+ digits (first 2–5) joined by
                one kind of separator ("020 7946 0958", "01 23 45 67 89"; not
                four dot-separated groups of 2–3 digits, an IP-like shape). A
                bare run of digits is never a phone number (it is an id).
                Not covered: 9-digit national numbers, numbers without
                separators or a '+', vanity numbers.
  payment_card  13–19 digits, as one run or grouped by spaces or by hyphens
                (groups of 4, the last 1–4; or 4-6-5 / 4-6-4), with a known
                issuer prefix and length (Visa 4: 13/16/19; Mastercard 51–55,
                2221–2720: 16; Amex 34/37: 15; Discover 6011/644–649/65,
                JCB 3528–3589, UnionPay 62: 16–19; Diners 300–305/36/38/39:
                14–19; Maestro 50/56–58/6304/6759: 13–19) and passing the
                Luhn check.
  iban          two capital letters, two check digits and the BBAN, compact or
                in groups of four separated by single spaces, exactly as long
                as the IBAN registry says for the country (all ~70 countries of
                the registry at the time of writing, DE 22, FR 27, GB 22,
                ES 24, IT 27, NL 18, BE 16, CH 21, AT 20, PL 28, SE 24, IE 22,
                PT 25, …) and passing the ISO 7064 MOD 97-10 check. Lower-case
                IBANs are not covered. The digits of an IBAN-shaped string
                (right country and length) are never read as a phone or
                card number, whether its check digits pass or not.
  national_id   US Social Security number AAA-GG-SSSS with hyphens (area not
                000, 666 or 900–999; group not 00; serial not 0000), and UK
                National Insurance number AB123456C or AB 12 34 56 C (first
                letter not D F I Q U V, second not D F I O Q U V, prefix not BG
                GB KN NK NT TN ZZ, suffix A–D; capitals only). Other countries'
                ids, SSNs without hyphens and NI numbers without the suffix
                are not covered.
  ip_address    IPv4 dotted quad (octets 0–255, no leading zeros) and IPv6
                (net/netip syntax, at least two colons, not "::"). Loopback,
                private, link-local and documentation ranges count: in logs
                they still identify hosts and people. A version string of four
                numbers like 1.2.3.4 is a valid IPv4 address and counts;
                v1.2.3.4 (glued to a letter) and 1.2.3.4.5 do not.

Candidates must not touch a letter or digit on either side. Numbers are
judged as maximal runs of digits, spaces and - . ( ) +; when a run is none
of the types as a whole, each space-free piece of it is judged again.

A cell counts once per type however many matches it holds. Metrics (all
exact): rows; rows_with_personal_data (rows with a match in any scanned
column); row_share = rows_with_personal_data / rows; types.<type> = matched
cells over all columns (every enabled type, zeros included);
columns.<column>.<type> = matched cells (only non-zero entries);
columns_scanned; detectors (the enabled types); unlisted_rows (flagged rows
past the findings.parquet bound, when non-zero).

PRV001 is reported for every (column, type) with matches: Rows = matched
cells, Value = matched cells / rows, Threshold = checks.privacy.max_row_share.
Status: not_applicable (PRV000) when there is no string column to scan or no
row; pass when nothing matched; warn when row_share ≤ checks.privacy.max_row_share;
fail when above it (default 0: any match fails). A policy can also make
PRV001 blocking (readiness.blocking_codes). Score: 100 × (1 − row_share),
to two decimals.

findings.parquet lists every matched cell's row under PRV001 with the
column, its group the type's number (1 email, 2 phone, 3 payment_card,
4 iban, 5 national_id, 6 ip_address), up to the bound per column and type.

Act on it: drop or pseudonymise the columns, or scrub the values (replace
with placeholders or keyed hashes) before training; if a column holds
synthetic or published test values, add it to checks.privacy.ignore_columns.
Run with --show-values only on a machine allowed to see the data.`

var codes = []checks.Code{
	{Code: "PRV000", Severity: checks.Info, Title: "nothing to scan for personal data",
		Doc: "The dataset has no string column (after checks.privacy.ignore_columns) or no row, so the check is not applicable."},
	{Code: "PRV001", Severity: checks.Warning, Title: "column holds personal data",
		Doc: "Cells of the column hold personal data of the type named (email, phone, payment_card, iban, national_id, ip_address). " +
			"A model trained on them can memorise and reveal them. Drop or pseudonymise the column, or scrub the values, before training; " +
			"findings.parquet lists the rows. Regulated policies list PRV001 in readiness.blocking_codes."},
}

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	Rows                 int64   `json:"rows"`
	RowsWithPersonalData int64   `json:"rows_with_personal_data"`
	RowShare             float64 `json:"row_share"`
	// Types counts matched cells per type, every enabled type listed.
	Types map[string]int64 `json:"types"`
	// Columns counts matched cells per column and type, non-zero only.
	Columns        map[string]map[string]int64 `json:"columns"`
	ColumnsScanned int                         `json:"columns_scanned"`
	Detectors      []string                    `json:"detectors"`
	// UnlistedRows counts matched cells whose rows were not listed for
	// findings.parquet (past checks.MaxFlaggedRows per column and type).
	UnlistedRows int64 `json:"unlisted_rows,omitempty"`
}

// scanned returns the names of the string columns of schema not ignored.
func scanned(cfg *Config, schema *arrow.Schema) []string {
	if schema == nil {
		return nil
	}
	var out []string
	for _, f := range schema.Fields() {
		if checks.IsString(f.Type) && !slices.Contains(cfg.IgnoreColumns, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

func columns(c any, env checks.Env) []string {
	cfg, ok := c.(*Config)
	if !ok {
		return nil
	}
	cols := scanned(cfg, env.Schema)
	if cols == nil {
		// nil means every column: ask for none instead.
		cols = []string{}
	}
	return cols
}

type column struct {
	name  string
	idx   int
	cells [numKinds]int64
	rows  [numKinds]checks.RowList
	// ex is, with --show-values only, the first matched cell of each
	// kind in (input, row) order: the same whatever the batch cuts.
	ex   [numKinds]example
	show bool
}

// example is one matched cell, kept to be shown with --show-values.
type example struct {
	ok    bool
	input int
	row   int64
	value string
	cut   bool // value is the first maxExample bytes of the cell
}

func (e *example) before(o *example) bool {
	return !o.ok || e.ok && (e.input < o.input || e.input == o.input && e.row < o.row)
}

// maxExample bounds the bytes of an example shown.
const maxExample = 200

// example keeps v as the example of the kinds in m, if it comes first.
func (c *column) example(m mask, b checks.Batch, i int, v string) {
	e := example{ok: true, input: b.Input, row: b.Offset + int64(i)}
	for k := range numKinds {
		if m.has(k) && e.before(&c.ex[k]) {
			if e.value == "" {
				// A copy: the batch is not ours to keep.
				e.value, e.cut = strings.Clone(v[:min(len(v), maxExample)]), len(v) > maxExample
			}
			c.ex[k] = e
		}
	}
}

type state struct {
	cfg     *Config
	enabled mask
	show    bool // --show-values
	cols    []*column
	rows    int64
	// rowsWith counts rows with a match in any column.
	rowsWith int64
	hit      []bool // scratch: per row of the current batch, any match
	dictMask []mask // scratch: per dictionary value, its kinds
	// cache is batchScan's candidate cache, allocated on first use and
	// empty between batches.
	cache *[cacheSize]cacheEntry
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("privacy: config is %T, want *privacy.Config", c)
	}
	enabled, err := parseTypes(cfg.Types)
	if err != nil {
		return nil, err
	}
	if !(cfg.MaxRowShare >= 0 && cfg.MaxRowShare <= 1) {
		return nil, fmt.Errorf("checks.privacy.max_row_share: %v is not between 0 and 1", cfg.MaxRowShare)
	}
	s := &state{cfg: cfg, enabled: enabled, show: env.ShowValues}
	if env.Schema == nil {
		return s, nil
	}
	for _, name := range scanned(cfg, env.Schema) {
		s.cols = append(s.cols, &column{name: name, idx: env.Schema.FieldIndices(name)[0], show: env.ShowValues})
	}
	return s, nil
}

func parseTypes(types []string) (mask, error) {
	if len(types) == 0 {
		return 0, fmt.Errorf("checks.privacy.types: no type enabled; list some of %v", kindNames)
	}
	var m mask
	for _, t := range types {
		k := slices.Index(kindNames[:], t)
		if k < 0 {
			return 0, fmt.Errorf("checks.privacy.types: unknown type %q; the types are %v", t, kindNames)
		}
		m |= 1 << k
	}
	return m, nil
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	s.rows += int64(n)
	if len(s.cols) == 0 || n == 0 {
		return nil
	}
	if cap(s.hit) < n {
		s.hit = make([]bool, n)
	}
	hit := s.hit[:n]
	clear(hit)
	for _, c := range s.cols {
		if c.idx >= int(rec.NumCols()) {
			return fmt.Errorf("privacy: batch has %d columns, column %q is number %d", rec.NumCols(), c.name, c.idx)
		}
		if sc := b.Memo.StrCodes(rec, c.idx); sc != nil {
			s.observeCodes(c, sc, b, hit)
			continue
		}
		s.observeColumn(c, rec.Column(c.idx), b, hit)
	}
	for _, h := range hit {
		if h {
			s.rowsWith++
		}
	}
	return nil
}

// observeCodes scans a column with codes (the checks' memo works them
// out for a column of few values a batch, see checks.StrCodes): each of
// the batch's values once, and its rows only when a value holds personal
// data. A category column is then read as its few values, not as the
// bytes of every row.
func (s *state) observeCodes(c *column, sc *checks.StrCodes, b checks.Batch, hit []bool) {
	if cap(s.dictMask) < len(sc.Values) {
		s.dictMask = make([]mask, len(sc.Values))
	}
	dm := s.dictMask[:len(sc.Values)]
	some := false
	for k, v := range sc.Values {
		dm[k] = detect(v, s.enabled)
		some = some || dm[k] != 0
	}
	if !some {
		return
	}
	for i, k := range sc.Codes[:len(hit)] {
		if k >= 0 && dm[k] != 0 {
			c.record(dm[k], b, i, hit, sc.Values[k])
		}
	}
}

// record counts a cell's matches; v is the cell.
func (c *column) record(m mask, b checks.Batch, i int, hit []bool, v string) {
	if c.show {
		c.example(m, b, i, v)
	}
	for k := range numKinds {
		if m.has(k) {
			c.cells[k]++
			c.rows[k].Add(b.Input, b.Offset+int64(i), uint64(k)+1)
		}
	}
	hit[i] = true
}

// unscanned marks a dictionary value not scanned yet: no set of kinds.
const unscanned mask = 0xff

type stringArray interface {
	arrow.Array
	Value(int) string
}

// cacheSize is the number of slots of the candidate cache.
const (
	// cacheBits is log2 of cacheSize.
	cacheBits = 10
	cacheSize = 1 << cacheBits
)

// cacheEntry is the kinds found in one candidate of the current batch.
type cacheEntry struct {
	v   string // points into the batch: the cache is cleared after it
	set bool
	m   mask
}

// cacheSlot picks a candidate's slot from a hash of all of it: candidates
// often differ in a few digits in the middle ("order 81234567 shipped
// …"), and hashing is cheap next to scanning. The seed only spreads
// strings over slots; results do not depend on it.
func cacheSlot(v string) int {
	return int(maphash.String(cacheSeed, v) >> (64 - cacheBits))
}

var cacheSeed = maphash.MakeSeed()

// batchScan judges the string values of one column of one batch. Every
// value goes through the prefilter, which rejects most; a candidate (a
// value the scanners must read) is looked up in a per-batch cache first,
// so a text repeated in the batch — a product code, a template with a
// number — is scanned once. A column whose candidates rarely repeat stops
// using the cache for the rest of the batch once misses clearly outnumber
// hits. The cache holds only what scanning again would give.
type batchScan struct {
	s            *state
	off          bool // the cache is not used for the rest of the batch
	used         bool // the cache holds entries
	hits, misses int
}

// newBatchScan starts a column's scan; done must be called after it.
func (s *state) newBatchScan() batchScan { return batchScan{s: s} }

// done empties the cache, if it was used: its strings point into the
// batch.
func (bs *batchScan) done() {
	if bs.used {
		clear(bs.s.cache[:])
	}
}

// kinds returns the kinds found in v, as detect does.
func (bs *batchScan) kinds(v string) mask {
	if rejected(v) {
		return 0
	}
	return bs.candidate(v)
}

func (bs *batchScan) candidate(v string) mask {
	enabled := bs.s.enabled
	if bs.off {
		digits, seen := classes(v)
		return scan(v, enabled, digits, seen)
	}
	if bs.s.cache == nil {
		bs.s.cache = new([cacheSize]cacheEntry)
	}
	e := &bs.s.cache[cacheSlot(v)]
	if e.set && e.v == v {
		bs.hits++
		return e.m
	}
	digits, seen := classes(v)
	m := scan(v, enabled, digits, seen)
	*e = cacheEntry{v: v, set: true, m: m}
	bs.used = true
	if bs.misses++; bs.misses > 256 && bs.misses > 4*bs.hits {
		bs.off = true
	}
	return m
}

// chunkValues is how many consecutive values of a string column the
// prefilter first judges together.
const chunkValues = 32

// chunks judges the values of a string column a chunk at a time: when the
// bytes of values lo to hi taken together have fewer than four digits and
// no '@' or ':', each value has fewer than four too, so every value alone
// would be rejected. Null values' bytes are read as well, which can only
// make a chunk fail the test. Most columns (words, names, categories) hold
// no digit, '@' or ':' at all: their values are read once, in one pass
// over their bytes, with no work per value. A column where chunks seldom
// pass (numbers, codes with digits) stops trying for the rest of the batch.
type chunks struct {
	tried, passed int
}

// chunkRejected reports whether values lo to hi, whose offsets and value
// bytes (from the first value's) are given, can all be skipped.
func chunkRejected[O int32 | int64](c *chunks, offs []O, data []byte, lo, hi int) bool {
	if c.tried >= 16 && c.passed < c.tried/4 {
		return false
	}
	c.tried++
	base := offs[0]
	if rejected(data[offs[lo]-base : offs[hi]-base]) {
		c.passed++
		return true
	}
	return false
}

// scanStrings scans the non-null values of a string view column; for
// *array.String and *array.LargeString, observeColumn has the loop written
// out, reading the prefilter a chunk of values at a time and so that
// Value inlines (a generic method call through a pointer type does not).
func scanStrings[A stringArray](s *state, c *column, a A, b checks.Batch, hit []bool) {
	bs := s.newBatchScan()
	defer bs.done()
	valid := checks.ValidityOf(a)
	for i := range a.Len() {
		if valid.Null(i) {
			continue
		}
		if m := bs.kinds(a.Value(i)); m != 0 {
			c.record(m, b, i, hit, a.Value(i))
		}
	}
}

func (s *state) observeColumn(c *column, arr arrow.Array, b checks.Batch, hit []bool) {
	switch a := arr.(type) {
	case *array.String:
		bs := s.newBatchScan()
		defer bs.done()
		valid := checks.ValidityOf(a)
		offs, data := a.ValueOffsets(), a.ValueBytes()
		var ch chunks
		for lo := 0; lo < a.Len(); lo += chunkValues {
			hi := min(lo+chunkValues, a.Len())
			if chunkRejected(&ch, offs, data, lo, hi) {
				continue
			}
			for i := lo; i < hi; i++ {
				if valid.Null(i) {
					continue
				}
				if m := bs.kinds(a.Value(i)); m != 0 {
					c.record(m, b, i, hit, a.Value(i))
				}
			}
		}
	case *array.LargeString:
		bs := s.newBatchScan()
		defer bs.done()
		valid := checks.ValidityOf(a)
		offs, data := a.ValueOffsets(), a.ValueBytes()
		var ch chunks
		for lo := 0; lo < a.Len(); lo += chunkValues {
			hi := min(lo+chunkValues, a.Len())
			if chunkRejected(&ch, offs, data, lo, hi) {
				continue
			}
			for i := lo; i < hi; i++ {
				if valid.Null(i) {
					continue
				}
				if m := bs.kinds(a.Value(i)); m != 0 {
					c.record(m, b, i, hit, a.Value(i))
				}
			}
		}
	case *array.StringView:
		scanStrings(s, c, a, b, hit)
	case *array.Dictionary:
		dict, ok := a.Dictionary().(stringArray)
		if !ok {
			return
		}
		nd := dict.Len()
		if cap(s.dictMask) < nd {
			s.dictMask = make([]mask, nd)
		}
		// Each distinct value is scanned once, when first used: a large
		// dictionary shared by small batches costs only what they use.
		dm := s.dictMask[:nd]
		for j := range dm {
			dm[j] = unscanned
		}
		valid := checks.ValidityOf(a)
		for i := range a.Len() {
			if valid.Null(i) {
				continue
			}
			j := a.GetValueIndex(i)
			m := dm[j]
			if m == unscanned {
				m = 0
				if dict.IsValid(j) {
					m = detect(dict.Value(j), s.enabled)
				}
				dm[j] = m
			}
			if m != 0 {
				c.record(m, b, i, hit, dict.Value(j))
			}
		}
	}
	// Any other type (a schema that changed under us) is not scanned.
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into privacy state", o)
	}
	if other.enabled != s.enabled || other.show != s.show {
		return fmt.Errorf("merge privacy states with different types")
	}
	if len(other.cols) != len(s.cols) {
		return fmt.Errorf("merge privacy states over %d and %d columns", len(s.cols), len(other.cols))
	}
	for i, c := range s.cols {
		if other.cols[i].name != c.name {
			return fmt.Errorf("merge privacy states over different columns %q and %q", c.name, other.cols[i].name)
		}
	}
	for i, c := range s.cols {
		oc := other.cols[i]
		for k := range numKinds {
			c.cells[k] += oc.cells[k]
			c.rows[k].Merge(&oc.rows[k])
			if oc.ex[k].before(&c.ex[k]) {
				c.ex[k] = oc.ex[k]
			}
		}
	}
	s.rows += other.rows
	s.rowsWith += other.rowsWith
	return nil
}

func share(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (s *state) Result() (checks.Result, error) {
	m := Metrics{Rows: s.rows, RowsWithPersonalData: s.rowsWith, RowShare: share(s.rowsWith, s.rows),
		Types: map[string]int64{}, Columns: map[string]map[string]int64{}, ColumnsScanned: len(s.cols)}
	for k := range numKinds {
		if s.enabled.has(k) {
			m.Detectors = append(m.Detectors, kindNames[k])
			m.Types[kindNames[k]] = 0
		}
	}
	if len(s.cols) == 0 || s.rows == 0 {
		msg := "no string column to scan for personal data"
		if len(s.cols) > 0 {
			msg = "the dataset has no rows to scan for personal data"
		}
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m,
			[]checks.Finding{{Code: "PRV000", Severity: checks.Info, Message: msg}})
	}
	var findings []checks.Finding
	for _, c := range s.cols {
		for k := range numKinds {
			n := c.cells[k]
			if n == 0 {
				continue
			}
			m.Types[kindNames[k]] += n
			if m.Columns[c.name] == nil {
				m.Columns[c.name] = map[string]int64{}
			}
			m.Columns[c.name][kindNames[k]] = n
			_, unlisted := c.rows[k].Rows()
			m.UnlistedRows += unlisted
			v := share(n, s.rows)
			msg := fmt.Sprintf("column %q: %d of %d rows (%.2f%%) hold %s; values not shown, rows listed in findings.parquet",
				c.name, n, s.rows, 100*v, kindNouns[k])
			if e := c.ex[k]; s.show && e.ok {
				cut := ""
				if e.cut {
					cut = " (cut)"
				}
				msg = fmt.Sprintf("column %q: %d of %d rows (%.2f%%) hold %s, e.g. input %d row %d: %q%s; rows listed in findings.parquet",
					c.name, n, s.rows, 100*v, kindNouns[k], e.input, e.row, e.value, cut)
			}
			findings = append(findings, checks.Finding{Code: "PRV001", Severity: checks.Warning, Column: c.name,
				Message: msg,
				Value:   checks.Float(v), Threshold: checks.Float(s.cfg.MaxRowShare), Setting: "checks.privacy.max_row_share",
				Rows: checks.Int(n)})
		}
	}
	status := checks.Pass
	switch {
	case m.RowShare > s.cfg.MaxRowShare:
		status = checks.Fail
	case s.rowsWith > 0:
		status = checks.Warn
	}
	score := math.Round(100*(1-m.RowShare)*100) / 100
	return checks.NewResult(Check.Name, status, &score, m, findings)
}

// FlaggedRows lists, for findings.parquet, the row of every matched cell
// under PRV001 with its column; the group is the type's number (1 email …
// 6 ip_address, the order of the types in the doc).
func (s *state) FlaggedRows(_ checks.Result) ([]checks.RowStream, error) {
	var out []checks.RowStream
	for _, c := range s.cols {
		for k := range numKinds {
			if c.cells[k] > 0 {
				out = append(out, c.rows[k].Stream("PRV001", c.name))
			}
		}
	}
	return out, nil
}
