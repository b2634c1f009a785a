// Package missing is the missing-values check.
//
// For every column it counts, exactly, the values that are missing, each
// value in exactly one category, tried in this order:
//
//	nulls     the value is null (Arrow validity bitmap)
//	nan       a floating-point NaN
//	empty     a string that is empty or only whitespace (Unicode White_Space)
//	sentinel  a string equal, after trimming surrounding whitespace, to one
//	          of the policy's tokens (case-sensitive: "NA" and "na" are
//	          different tokens); or a number equal to one of the policy's
//	          numeric sentinels, global or for that column
//
// missing is their sum and missing_rate = missing / rows. rows_with_missing
// counts rows with at least one missing value in any column.
//
// It also reports two things it does not count as missing: values that look
// like placeholders and are far more frequent than a column's other values
// (disguised-missing candidates, MIS005), and columns whose missing rate in
// one label class stands out against the other labelled rows (MIS006). The
// package-level Doc states both tests precisely.
//
// Status: fail when some column's missing_rate is above fail_rate, warn
// when above warn_rate or when there is a MIS005 or MIS006 finding, else
// pass; not_applicable when the dataset has no rows. Score: 100 × (1 − the
// mean of the columns' missing rates).
//
// Observe is written for columns that repeat a few values. It reads
// validity bitmaps by bit (and marks null rows a byte at a time) instead of
// calling IsNull per value; a string column keeps, for one batch, what it
// worked out about each text it met (missing kind, placeholder), so a
// repeated value costs a string comparison, and puts each text's
// fingerprint in the distinct set once per batch; a dictionary column
// counts rows per dictionary value first and classifies each value once.
// The cache only holds what working it out again would give, so results do
// not depend on it; a column whose values rarely repeat stops using it for
// the rest of the batch. The distinct set is a small open-addressing table
// rather than a map: columns of a few thousand values add every row to it.
package missing

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.missing`.
type Config struct {
	// Tokens are the string sentinels, compared after trimming whitespace.
	Tokens []string `yaml:"tokens"`
	// NumericSentinels apply to every numeric column.
	NumericSentinels []float64 `yaml:"numeric_sentinels"`
	// ColumnSentinels apply to the named numeric columns only.
	ColumnSentinels map[string][]float64 `yaml:"column_sentinels"`
	// WarnRate and FailRate are the per-column missing rates above which
	// the check warns and fails.
	WarnRate float64 `yaml:"warn_rate"`
	FailRate float64 `yaml:"fail_rate"`
	// CandidateMinRows and CandidateFactor make a placeholder-looking
	// value a disguised-missing candidate: it must occur at least
	// CandidateMinRows times and at least CandidateFactor times as often
	// as the column's average value (non-missing values / distinct values).
	CandidateMinRows int64   `yaml:"candidate_min_rows"`
	CandidateFactor  float64 `yaml:"candidate_factor"`
	// ClassMinRows, ClassRateDiff and ClassRateRatio flag a column whose
	// missing rate in one label class (of at least ClassMinRows rows) is
	// at least ClassRateDiff above, and at least ClassRateRatio times, its
	// rate over the other labelled rows.
	ClassMinRows   int64   `yaml:"class_min_rows"`
	ClassRateDiff  float64 `yaml:"class_rate_diff"`
	ClassRateRatio float64 `yaml:"class_rate_ratio"`
}

// DefaultTokens are the default string sentinels: pandas' default NA
// values, plus "?" and "-".
var DefaultTokens = []string{"?", "-", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "Null",
	"None", "none", "#N/A", "#N/A N/A", "#NA", "<NA>", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"}

func defaultConfig() any {
	return &Config{Tokens: append([]string{}, DefaultTokens...), WarnRate: 0.05, FailRate: 0.5,
		CandidateMinRows: 5, CandidateFactor: 10, ClassMinRows: 30, ClassRateDiff: 0.10, ClassRateRatio: 2}
}

// Check is the missing-values check.
var Check = checks.Check{
	Name:          "missing",
	Summary:       "nulls, NaN, empty strings and sentinel values per column, and rows with any missing value",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	Columns:       func(any, checks.Env) []string { return nil },
	New:           newState,
}

const packageDoc = `The missing-values check counts, for every column, the values that are missing,
each value in exactly one category, tried in this order:

  nulls     the value is null
  nan       a floating-point NaN
  empty     a string that is empty or only whitespace
  sentinel  a string equal, after trimming surrounding whitespace, to one of the
            policy's tokens (checks.missing.tokens, case-sensitive), or a number
            equal to one of checks.missing.numeric_sentinels or
            checks.missing.column_sentinels.<column>

missing = nulls + nan + empty + sentinel and missing_rate = missing / rows.
rows_with_missing counts rows with at least one missing value in any column.
All counts are exact.

Disguised-missing candidates (MIS005; not counted as missing). In numeric
columns (integers, floats) the placeholders are -1, -9, -99, -999, -9999,
-99999, 9, 99, 999, 9999, 99999 and 999999, and 0 when no non-missing value
of the column is below 0. In string columns (also dictionary-encoded) they
are, compared after trimming surrounding white space and folding case:
unknown, unk, undefined, missing, not available, not applicable, no data,
not specified, unspecified, not set, tbd, tba, xxx, x, blank, empty,
default, na, n/a, n.a., null, none, nil, nan, ?, -, --, 0, -1, 999, -999.
Only non-missing values count: a value already counted as missing (null,
NaN, empty, a token or a declared sentinel) is never a candidate. A
placeholder is a candidate when count ≥ checks.missing.candidate_min_rows
and either
  count ≥ checks.missing.candidate_factor × non-missing / distinct
(why = "frequency"), or the placeholder is a number far outside the range of
the column's other (non-placeholder) values: negative where all of them are
≥ 0, or positive and more than 10 times the largest of their magnitudes
(why = "out_of_range": -999 in an age column), where non-missing = rows − missing and distinct counts the column's distinct
non-missing values by logical value (rowhash fingerprints: exact up to a
collision chance below 10^-20). The distinct set is exact up to 10000
values; past that it is dropped, distinct_capped is true and distinct is
taken as 10001, a lower bound, so the bound the count must reach is never
lower than the exact one would be. metrics.columns.<col>.disguised lists the
candidates (value, count, share = count / rows, why), largest first, with
distinct_values and distinct_capped; string candidates are reported in lower
case and count every case variant. A candidate is counted as missing only
when the policy says so: add a number to
checks.missing.column_sentinels.<column>, a string (each spelling used, as
tokens are case-sensitive) to checks.missing.tokens.

Missingness by class (MIS006). With a label column (--label; not a float or
decimal one, which is a regression target), rows are grouped by label
class (the label as text); rows with a null label form the class "(null)",
counted but never tested. For every other column and every class c with at
least checks.missing.class_min_rows rows, rate_c = missing in c / rows in c
and rate_rest = missing / rows over all other non-null-labelled rows. The
column is flagged for c when
  rate_c − rate_rest ≥ checks.missing.class_rate_diff and
  rate_c ≥ checks.missing.class_rate_ratio × rate_rest.
The finding's value is rate_c and its threshold the rate c had to reach,
max(rate_rest + class_rate_diff, class_rate_ratio × rate_rest).
metrics.missing_by_class.<col>.<class> = {rows, missing, rate} is reported
for every class of the flagged columns only. A label with more than 1000
distinct classes is not compared (classes_capped is true). All these
counts are exact.

Status: fail when a column's missing_rate is above checks.missing.fail_rate,
warn when above checks.missing.warn_rate or when there is a MIS005 or MIS006
finding, else pass; not_applicable with no rows. Score: 100 × (1 − mean
missing_rate over columns); candidates and class differences do not change
it.

Act on it: impute or drop columns with high rates, fix the export that wrote
placeholders, and declare real placeholders in the policy so they are counted.
When missingness depends on the label, the fact that a value is missing
predicts the label: find out why (a form field shown to one class only, a
join that fails for one source) before imputing.`

var codes = []checks.Code{
	{Code: "MIS000", Severity: checks.Info, Title: "no rows to check",
		Doc: "The dataset has no rows, so nothing can be missing and the check is not applicable."},
	{Code: "MIS001", Severity: checks.Error, Title: "column mostly missing",
		Doc: "The column's missing_rate is above checks.missing.fail_rate. Drop the column, or fix how it is collected; imputing most of a column invents data."},
	{Code: "MIS002", Severity: checks.Warning, Title: "column has missing values above the warning rate",
		Doc: "The column's missing_rate is above checks.missing.warn_rate. Impute, or check whether values are missing for a reason that correlates with the label."},
	{Code: "MIS003", Severity: checks.Info, Title: "placeholder values counted as missing",
		Doc: "The column holds sentinel tokens or numeric sentinels (e.g. \"NA\", \"?\", -999) that look like values but mean missing. They are counted as missing; convert them to nulls upstream."},
	{Code: "MIS004", Severity: checks.Info, Title: "rows with any missing value",
		Doc: "rows_with_missing rows have at least one missing value. A model that cannot take missing inputs would lose them."},
	{Code: "MIS005", Severity: checks.Warning, Title: "values that look like disguised missing values",
		Doc: "The column holds a placeholder-looking value (-999, 99, 0 in a positive column, \"unknown\", \"n/a\", …) that is at least checks.missing.candidate_factor times as frequent as its average value and occurs at least checks.missing.candidate_min_rows times. It is not counted as missing. If it means missing, add it to checks.missing.column_sentinels.<column> (numbers) or checks.missing.tokens (strings, each spelling) so it is counted; if it is a real value, ignore the finding."},
	{Code: "MIS006", Severity: checks.Warning, Title: "missing rate differs by label class",
		Doc: "In one label class (at least checks.missing.class_min_rows rows) the column is missing at a rate at least checks.missing.class_rate_diff above, and checks.missing.class_rate_ratio times, its rate in the other labelled rows. Missingness then predicts the label: a model can learn it, and imputation hides it. Find the cause (a field collected for one class only, a failing join) before training; metrics.missing_by_class has every class's counts."},
}

// ColumnMetrics are one column's counts.
type ColumnMetrics struct {
	Nulls       int64   `json:"nulls"`
	NaN         int64   `json:"nan"`
	Empty       int64   `json:"empty"`
	Sentinel    int64   `json:"sentinel"`
	Missing     int64   `json:"missing"`
	MissingRate float64 `json:"missing_rate"`
}

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	Rows                int64                    `json:"rows"`
	Columns             map[string]ColumnMetrics `json:"columns"`
	RowsWithMissing     int64                    `json:"rows_with_missing"`
	RowsWithMissingRate float64                  `json:"rows_with_missing_rate"`
	// Disguised holds the disguised-missing candidates of the columns that
	// have some. It is encoded inside each column's entry of "columns"
	// (fields "disguised", "distinct_values", "distinct_capped") and kept
	// apart here so that ColumnMetrics stays a comparable value.
	Disguised map[string]ColumnDisguised `json:"-"`
	// MissingByClass is, for each column flagged by MIS006, every label
	// class's rows, missing values and rate; rows with a null label are
	// the class "(null)".
	MissingByClass map[string]map[string]ClassMissing `json:"missing_by_class,omitempty"`
	// ClassesCapped says the label has more than 1000 classes, so missing
	// values were not compared by class.
	ClassesCapped bool `json:"classes_capped,omitempty"`
}

// columnJSON is a column's entry in the encoded metrics.
type columnJSON struct {
	ColumnMetrics
	*ColumnDisguised
}

// MarshalJSON encodes m, placing each column's disguised-missing candidates
// inside its entry of "columns".
func (m Metrics) MarshalJSON() ([]byte, error) {
	type plain Metrics
	cols := make(map[string]columnJSON, len(m.Columns))
	for name, c := range m.Columns {
		cj := columnJSON{ColumnMetrics: c}
		if d, ok := m.Disguised[name]; ok {
			cj.ColumnDisguised = &d
		}
		cols[name] = cj
	}
	if m.Columns == nil {
		cols = nil
	}
	return json.Marshal(struct {
		plain
		Columns map[string]columnJSON `json:"columns"`
	}{plain(m), cols})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	type plain Metrics
	var aux struct {
		plain
		Columns map[string]columnJSON `json:"columns"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*m = Metrics(aux.plain)
	m.Columns, m.Disguised = nil, nil
	if aux.Columns != nil {
		m.Columns = make(map[string]ColumnMetrics, len(aux.Columns))
	}
	for name, c := range aux.Columns {
		m.Columns[name] = c.ColumnMetrics
		if c.ColumnDisguised != nil {
			if m.Disguised == nil {
				m.Disguised = map[string]ColumnDisguised{}
			}
			m.Disguised[name] = *c.ColumnDisguised
		}
	}
	return nil
}

type column struct {
	name string
	idx  int
	// sentinels are the numeric placeholders for this column: a few at
	// most, so a linear scan beats a map lookup per value.
	sentinels []float64
	// dis tracks placeholder-looking values; nil for columns that are
	// neither numeric nor strings.
	dis *disguised
	// cache is the string cache of observeStrings, allocated on first
	// use and empty between batches.
	cache *[strCacheSize]strEntry
	// dictRows, dictMissing and dictIdx are observeDictionary's scratch:
	// rows and missingness per dictionary value, the batch's indices.
	dictRows    []int64
	dictMissing []bool
	dictIdx     []int
	nulls       int64
	nan         int64
	empty       int64
	sentinel    int64
}

type state struct {
	cfg             *Config
	tokens          map[string]bool
	maxToken        int // the length in bytes of the longest token
	cols            []*column
	rows            int64
	rowsWithMissing int64
	flags           []bool // scratch: per row of the current batch, any missing
	// byClass counts missing values per label class; nil without a
	// (categorical) label column.
	byClass  *byClass
	colFlags []bool // scratch: per row, missing in the current column
	// codeMissing: per code of the current string column, whether its
	// value is missing (observeCodes).
	codeMissing []bool
	// showValues is --show-values: only then are the disguised-missing
	// candidates' values named.
	showValues bool
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("missing: config is %T, want *missing.Config", c)
	}
	if cfg.CandidateMinRows < 0 || cfg.CandidateFactor < 0 || cfg.ClassMinRows < 0 || cfg.ClassRateDiff < 0 || cfg.ClassRateRatio < 0 {
		return nil, fmt.Errorf("checks.missing: candidate_min_rows, candidate_factor, class_min_rows, class_rate_diff and class_rate_ratio must not be negative")
	}
	for name := range cfg.ColumnSentinels {
		if !env.Schema.HasField(name) {
			return nil, fmt.Errorf("checks.missing.column_sentinels: column %q is not in the dataset", name)
		}
	}
	s := &state{cfg: cfg, tokens: map[string]bool{}, showValues: env.ShowValues}
	for _, t := range cfg.Tokens {
		t = strings.TrimSpace(t)
		s.tokens[t] = true
		s.maxToken = max(s.maxToken, len(t))
	}
	for i, f := range env.Schema.Fields() {
		col := &column{name: f.Name, idx: i, dis: newDisguised(f.Type)}
		for _, v := range append(append([]float64{}, cfg.NumericSentinels...), cfg.ColumnSentinels[f.Name]...) {
			if v = inColumnType(v, f.Type); !slices.Contains(col.sentinels, v) {
				col.sentinels = append(col.sentinels, v)
			}
		}
		s.cols = append(s.cols, col)
	}
	if label := env.Roles.Label; label != "" {
		if idx := env.Schema.FieldIndices(label); len(idx) > 0 && !labels.IsContinuous(env.Schema.Field(idx[0]).Type) {
			s.byClass = newByClass(idx[0], len(s.cols))
		}
	}
	return s, nil
}

// inColumnType rounds a sentinel to the column's float type, so that -999.9
// in the policy matches the float32 nearest -999.9 (compared as float64 they
// differ). A sentinel too large for the type is left as is rather than
// becoming an infinity.
func inColumnType(v float64, t arrow.DataType) float64 {
	var r float64
	switch t.ID() {
	case arrow.FLOAT32:
		r = float64(float32(v))
	case arrow.FLOAT16:
		r = float64(float16.New(float32(v)).Float32())
	default:
		return v
	}
	if math.IsInf(r, 0) && !math.IsInf(v, 0) {
		return v
	}
	return r
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	if cap(s.flags) < n {
		s.flags = make([]bool, n)
	}
	flags := s.flags[:n]
	clear(flags)
	bc := s.byClass
	if bc != nil && (bc.saturated || !bc.classify(rec.Column(bc.label), b.Memo.StrCodes(rec, bc.label))) {
		bc = nil
	}
	if bc == nil {
		for _, c := range s.cols {
			s.observeColumn(c, b.Memo, rec, flags)
		}
	} else {
		// Each column's missing values are marked apart, to be counted
		// per class, then folded into the row flags.
		if cap(s.colFlags) < n {
			s.colFlags = make([]bool, n)
		}
		cf := s.colFlags[:n]
		for _, c := range s.cols {
			clear(cf)
			before := c.missing()
			s.observeColumn(c, b.Memo, rec, cf)
			if c.missing() == before {
				continue
			}
			bc.count(c.idx, cf, flags)
		}
	}
	s.rowsWithMissing += countFlags(flags)
	s.rows += int64(n)
	return nil
}

func (c *column) missing() int64 { return c.nulls + c.nan + c.empty + c.sentinel }

func (s *state) observeColumn(c *column, memo *checks.Memo, rec arrow.RecordBatch, flags []bool) {
	arr := rec.Column(c.idx)
	n := arr.Len()
	// valid is the validity bitmap (the zero Validity when no value is
	// null).
	var valid checks.Validity
	if nulls := arr.NullN(); nulls == n {
		// Every value is null. Decided from the count because an array
		// of the null type has no validity bitmap: its IsNull is false.
		c.nulls += int64(n)
		for i := range flags {
			flags[i] = true
		}
		return
	} else if bm := arr.NullBitmapBytes(); nulls > 0 && len(bm) > 0 {
		c.nulls += int64(nulls)
		valid = checks.ValidityOf(arr)
		valid.MarkNulls(flags)
	} else if nulls > 0 {
		// No bitmap to read: whatever IsNull says.
		for i := range n {
			if arr.IsNull(i) {
				c.nulls++
				flags[i] = true
			}
		}
	}
	switch a := arr.(type) {
	case *array.String, *array.LargeString, *array.StringView:
		if sc := memo.StrCodes(rec, c.idx); sc != nil {
			s.observeCodes(c, sc, memo.CodeCounts(rec, c.idx), flags)
			break
		}
		strs, _ := checks.StringsOf(a)
		s.observeStrings(c, valid, flags, &strs)
	case *array.Float64:
		observeFloats(c, a.Float64Values(), valid, flags)
	case *array.Float32:
		observeFloats(c, a.Float32Values(), valid, flags)
	case *array.Float16:
		for i, h := range a.Values() {
			if valid.Null(i) {
				continue
			}
			v := float64(h.Float32())
			if math.IsNaN(v) {
				c.nan++
				flags[i] = true
			} else if c.isSentinel(v) {
				c.sentinel++
				flags[i] = true
			} else if c.dis != nil {
				c.dis.number(v, floatKey(v))
			}
		}
	case *array.Int64:
		observeInts(c, a.Int64Values(), valid, flags)
	case *array.Int32:
		observeInts(c, a.Int32Values(), valid, flags)
	case *array.Int16:
		observeInts(c, a.Int16Values(), valid, flags)
	case *array.Int8:
		observeInts(c, a.Int8Values(), valid, flags)
	case *array.Uint64:
		observeInts(c, a.Uint64Values(), valid, flags)
	case *array.Uint32:
		observeInts(c, a.Uint32Values(), valid, flags)
	case *array.Uint16:
		observeInts(c, a.Uint16Values(), valid, flags)
	case *array.Uint8:
		observeInts(c, a.Uint8Values(), valid, flags)
	case *array.Dictionary:
		s.observeDictionary(c, a, valid, flags)
	}
}

// strCacheSize is the number of slots of a column's string cache.
const (
	strCacheBits = 10
	strCacheSize = 1 << strCacheBits
)

// strEntry is what is known of one string value of the current batch.
type strEntry struct {
	v           string // points into the batch: the cache is cleared after it
	set         bool
	kind        kind
	placeholder int8 // index in StringPlaceholders, or -1
}

// observeStrings classifies a string column's values. Most columns repeat a
// few values, so the first time a batch shows a value its kind and
// placeholder are worked out and its fingerprint put in the distinct set,
// and later rows with the same text only compare strings: no trimming,
// token lookup, hashing or set insertion. A column whose values rarely
// repeat (free text) stops using the cache for the rest of the batch once
// misses clearly outnumber hits.
func (s *state) observeStrings(c *column, valid checks.Validity, flags []bool, strs *checks.Strings) {
	if c.cache == nil {
		c.cache = new([strCacheSize]strEntry)
	}
	cache := c.cache
	defer clear(cache[:])
	hits, misses := 0, 0
	i := 0
	for ; i < len(flags); i++ {
		if valid.Null(i) {
			continue
		}
		v := strs.At(i)
		e := &cache[checks.StrSlot(v, strCacheBits)]
		if e.set && e.v == v {
			hits++
			c.countRow(e, i, flags)
			continue
		}
		k, p := s.observeString(c, v, i, flags)
		*e = strEntry{v: v, set: true, kind: k, placeholder: int8(p)}
		if misses++; misses > 256 && misses > 4*hits {
			i++
			break
		}
	}
	// Past the cache, a value longer than every token and placeholder
	// that starts and ends with a visible ASCII character is a value, and
	// is counted nowhere once the column's distinct set is full: most rows
	// of free text. On the 10M-row benchmark's text column this loop took
	// 0.12 s of CPU through observeString.
	if d := c.dis; d == nil || d.saturated {
		long := s.maxToken
		if d != nil {
			long = max(long, maxPlaceholder)
		}
		for ; i < len(flags); i++ {
			if valid.Null(i) {
				continue
			}
			if v := strs.At(i); len(v) <= long || !asciiVisible(v[0]) || !asciiVisible(v[len(v)-1]) {
				s.observeString(c, v, i, flags)
			}
		}
		return
	}
	for ; i < len(flags); i++ {
		if !valid.Null(i) {
			s.observeString(c, strs.At(i), i, flags)
		}
	}
}

// observeCodes classifies a string column's values from their codes
// ([checks.Memo.StrCodes]): each distinct value once, as the first row of
// it in observeStrings, counted with its rows ([checks.Memo.CodeCounts],
// which the memo shares with the representativeness check). The rows are
// read only to flag those of an empty value or a sentinel.
func (s *state) observeCodes(c *column, sc *checks.StrCodes, counts []int64, flags []bool) {
	if cap(s.codeMissing) < len(sc.Values) {
		s.codeMissing = make([]bool, len(sc.Values))
	}
	missing := s.codeMissing[:len(sc.Values)]
	some := false
	for k, v := range sc.Values {
		e := s.classifyValue(c, v)
		missing[k] = c.count(&e, counts[k])
		some = some || missing[k]
	}
	if !some {
		return
	}
	for i, k := range sc.Codes {
		if k >= 0 && missing[k] {
			flags[i] = true
		}
	}
}

// countRow counts row i, whose value has already been classified: it is
// of kind e.kind, with placeholder e.placeholder.
func (c *column) countRow(e *strEntry, i int, flags []bool) {
	if c.count(e, 1) {
		flags[i] = true
	}
}

// count counts n rows of a value classified as e, and reports whether
// they are missing (an empty value or a sentinel).
func (c *column) count(e *strEntry, n int64) bool {
	switch e.kind {
	case kindEmpty:
		c.empty += n
		return true
	case kindSentinel:
		c.sentinel += n
		return true
	}
	if e.placeholder >= 0 {
		c.dis.counts[e.placeholder] += n
	}
	return false
}

// observeString classifies value v of row i. It returns v's kind and, for
// a value counted by the disguised-missing tracker, its placeholder index
// (else -1).
func (s *state) observeString(c *column, v string, i int, flags []bool) (kind, int) {
	e := s.classifyValue(c, v)
	c.countRow(&e, i, flags)
	return e.kind, int(e.placeholder)
}

// classifyValue works out the kind of a string value of column c and its
// placeholder index (-1 when none, or when c has no disguised-missing
// tracker), and puts it in the tracker's distinct set; it counts no row
// (countRow does).
func (s *state) classifyValue(c *column, v string) strEntry {
	e := strEntry{kind: s.classify(v), placeholder: -1}
	if e.kind == kindValue && c.dis != nil {
		e.placeholder = int8(c.dis.distinctStr(v))
	}
	return e
}

type kind uint8

const (
	kindValue kind = iota
	kindEmpty
	kindSentinel
)

type stringArray interface {
	arrow.Array
	Value(int) string
}

func (s *state) classify(v string) kind {
	// Most values start and end with a visible ASCII character and are
	// longer than every token: no trimming, no lookup.
	if n := len(v); n > s.maxToken && asciiVisible(v[0]) && asciiVisible(v[n-1]) {
		return kindValue
	}
	t := strings.TrimSpace(v)
	if t == "" {
		return kindEmpty
	}
	if s.tokens[t] {
		return kindSentinel
	}
	return kindValue
}

func (c *column) isSentinel(v float64) bool {
	for _, s := range c.sentinels {
		if v == s {
			return true
		}
	}
	return false
}

func asciiVisible(b byte) bool { return b > ' ' && b < 0x7f }

// observeDictionary counts the rows of each dictionary value first, then
// classifies each value that has rows once and counts it with its rows: a
// dictionary value's fingerprint goes into the distinct set once per batch,
// not once per row. A second pass marks the rows whose value is missing.
func (s *state) observeDictionary(c *column, a *array.Dictionary, valid checks.Validity, flags []bool) {
	dict, ok := a.Dictionary().(stringArray)
	if !ok {
		return
	}
	nd := dict.Len()
	if cap(c.dictRows) < nd {
		c.dictRows, c.dictMissing = make([]int64, nd), make([]bool, nd)
	}
	rows, miss := c.dictRows[:nd], c.dictMissing[:nd]
	clear(rows)
	idx := c.dictIdx[:0]
	switch x := a.Indices().(type) {
	case *array.Int8:
		idx = appendIndices(idx, x.Int8Values())
	case *array.Int16:
		idx = appendIndices(idx, x.Int16Values())
	case *array.Int32:
		idx = appendIndices(idx, x.Int32Values())
	case *array.Int64:
		idx = appendIndices(idx, x.Int64Values())
	case *array.Uint8:
		idx = appendIndices(idx, x.Uint8Values())
	case *array.Uint16:
		idx = appendIndices(idx, x.Uint16Values())
	case *array.Uint32:
		idx = appendIndices(idx, x.Uint32Values())
	case *array.Uint64:
		idx = appendIndices(idx, x.Uint64Values())
	default:
		for i := range a.Len() {
			j := 0
			if !valid.Null(i) {
				j = a.GetValueIndex(i)
			}
			idx = append(idx, j)
		}
	}
	c.dictIdx = idx
	// The index of a null row may be anything: it is never read.
	for i, j := range idx {
		if !valid.Null(i) {
			rows[j]++
		}
	}
	anyMissing := false
	for j, r := range rows {
		miss[j] = false
		if r == 0 {
			continue
		}
		if dict.IsNull(j) {
			c.nulls += r
			miss[j] = true
			anyMissing = true
			continue
		}
		v := dict.Value(j)
		switch s.classify(v) {
		case kindEmpty:
			c.empty += r
			miss[j] = true
			anyMissing = true
		case kindSentinel:
			c.sentinel += r
			miss[j] = true
			anyMissing = true
		default:
			if d := c.dis; d != nil {
				if k := stringPlaceholder(v); k >= 0 {
					d.counts[k] += r
				}
				if !d.saturated {
					d.add(rowhash.String(v))
				}
			}
		}
	}
	if !anyMissing {
		return
	}
	for i, j := range idx {
		if !valid.Null(i) && miss[j] {
			flags[i] = true
		}
	}
}

// appendIndices appends a dictionary array's indices as ints.
func appendIndices[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](dst []int, idx []T) []int {
	for _, j := range idx {
		dst = append(dst, int(j))
	}
	return dst
}

func observeFloats[T float32 | float64](c *column, vals []T, valid checks.Validity, flags []bool) {
	checkSentinels := len(c.sentinels) > 0
	d := c.dis
	if d != nil && !checkSentinels {
		c.nan += floatsOf(d, vals, valid, flags)
		return
	}
	for i, v := range vals {
		if valid.Null(i) {
			continue
		}
		if v != v {
			c.nan++
			flags[i] = true
		} else if checkSentinels && c.isSentinel(float64(v)) {
			c.sentinel++
			flags[i] = true
		} else if d != nil {
			d.number(float64(v), floatKey(float64(v)))
		}
	}
}

func observeInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](c *column, vals []T, valid checks.Validity, flags []bool) {
	checkSentinels := len(c.sentinels) > 0
	d := c.dis
	if d != nil && !checkSentinels {
		intsOf(d, vals, valid)
		return
	}
	for i, v := range vals {
		if valid.Null(i) {
			continue
		}
		if checkSentinels && c.isSentinel(float64(v)) {
			c.sentinel++
			flags[i] = true
		} else if d != nil {
			d.number(float64(v), intKey(v))
		}
	}
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into missing state", o)
	}
	if len(other.cols) != len(s.cols) {
		return fmt.Errorf("merge states over %d and %d columns", len(s.cols), len(other.cols))
	}
	if (s.byClass == nil) != (other.byClass == nil) || s.byClass != nil && s.byClass.label != other.byClass.label {
		return fmt.Errorf("merge states with different label columns")
	}
	for i, c := range s.cols {
		oc := other.cols[i]
		if oc.name != c.name || (c.dis == nil) != (oc.dis == nil) {
			return fmt.Errorf("merge states over different columns %q and %q", c.name, oc.name)
		}
		c.nulls += oc.nulls
		c.nan += oc.nan
		c.empty += oc.empty
		c.sentinel += oc.sentinel
		if c.dis != nil {
			c.dis.merge(oc.dis)
		}
	}
	if s.byClass != nil {
		s.byClass.merge(other.byClass)
	}
	s.rows += other.rows
	s.rowsWithMissing += other.rowsWithMissing
	return nil
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (s *state) Result() (checks.Result, error) {
	m := Metrics{Rows: s.rows, Columns: map[string]ColumnMetrics{}, RowsWithMissing: s.rowsWithMissing,
		RowsWithMissingRate: rate(s.rowsWithMissing, s.rows)}
	var findings []checks.Finding
	status := checks.Pass
	worst := func(st checks.Status) {
		if st == checks.Fail || (st == checks.Warn && status == checks.Pass) {
			status = st
		}
	}
	sumRates := 0.0
	for _, c := range s.cols {
		miss := c.nulls + c.nan + c.empty + c.sentinel
		cm := ColumnMetrics{Nulls: c.nulls, NaN: c.nan, Empty: c.empty, Sentinel: c.sentinel, Missing: miss, MissingRate: rate(miss, s.rows)}
		m.Columns[c.name] = cm
		sumRates += cm.MissingRate
		switch {
		case cm.MissingRate > s.cfg.FailRate:
			worst(checks.Fail)
			findings = append(findings, checks.Finding{Code: "MIS001", Severity: checks.Error, Column: c.name,
				Message: fmt.Sprintf("column %q is %.1f%% missing (%d of %d rows), above the fail rate %.1f%%", c.name, 100*cm.MissingRate, miss, s.rows, 100*s.cfg.FailRate),
				Value:   checks.Float(cm.MissingRate), Threshold: checks.Float(s.cfg.FailRate), Setting: "checks.missing.fail_rate", Rows: checks.Int(miss)})
		case cm.MissingRate > s.cfg.WarnRate:
			worst(checks.Warn)
			findings = append(findings, checks.Finding{Code: "MIS002", Severity: checks.Warning, Column: c.name,
				Message: fmt.Sprintf("column %q is %.1f%% missing (%d of %d rows), above the warning rate %.1f%%", c.name, 100*cm.MissingRate, miss, s.rows, 100*s.cfg.WarnRate),
				Value:   checks.Float(cm.MissingRate), Threshold: checks.Float(s.cfg.WarnRate), Setting: "checks.missing.warn_rate", Rows: checks.Int(miss)})
		}
		if c.sentinel > 0 {
			findings = append(findings, checks.Finding{Code: "MIS003", Severity: checks.Info, Column: c.name,
				Message: fmt.Sprintf("column %q holds %d placeholder values (sentinel tokens or numbers), counted as missing", c.name, c.sentinel),
				Value:   checks.Float(float64(c.sentinel)), Setting: "checks.missing.tokens", Rows: checks.Int(c.sentinel)})
		}
		if c.dis != nil {
			if f, d, ok := s.disguisedFinding(c, miss); ok {
				worst(checks.Warn)
				findings = append(findings, f)
				if m.Disguised == nil {
					m.Disguised = map[string]ColumnDisguised{}
				}
				m.Disguised[c.name] = d
			}
		}
		if bc := s.byClass; bc != nil && !bc.saturated && c.idx != bc.label {
			flags := bc.flags(s.cfg, c.idx)
			for _, f := range flags {
				worst(checks.Warn)
				findings = append(findings, checks.Finding{Code: "MIS006", Severity: checks.Warning, Column: c.name,
					Message: fmt.Sprintf("column %q is missing in %.1f%% of the rows labelled %q (%d of %d) but in %.1f%% of the other labelled rows: "+
						"missingness that depends on the label leaks it, and imputing it hides that", c.name, 100*f.rate, f.class, f.missing, f.rows, 100*f.rest),
					Value: checks.Float(f.rate), Threshold: checks.Float(f.need), Setting: f.setting, Rows: checks.Int(f.missing)})
			}
			if len(flags) > 0 {
				if m.MissingByClass == nil {
					m.MissingByClass = map[string]map[string]ClassMissing{}
				}
				m.MissingByClass[c.name] = bc.table(c.idx)
			}
		}
	}
	m.ClassesCapped = s.byClass != nil && s.byClass.saturated
	if s.rowsWithMissing > 0 {
		findings = append(findings, checks.Finding{Code: "MIS004", Severity: checks.Info,
			Message: fmt.Sprintf("%d of %d rows (%.1f%%) have at least one missing value", s.rowsWithMissing, s.rows, 100*m.RowsWithMissingRate),
			Value:   checks.Float(m.RowsWithMissingRate), Rows: checks.Int(s.rowsWithMissing)})
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Code < findings[j].Code })
	if s.rows == 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, []checks.Finding{{Code: "MIS000", Severity: checks.Info, Message: "the dataset has no rows"}})
	}
	score := 100.0
	if len(s.cols) > 0 {
		score = round2(100 * (1 - sumRates/float64(len(s.cols))))
	}
	return checks.NewResult(Check.Name, status, &score, m, findings)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// disguisedFinding reports column c's disguised-missing candidates, if it
// has any; miss is its count of missing values.
func (s *state) disguisedFinding(c *column, miss int64) (checks.Finding, ColumnDisguised, bool) {
	cands, need := c.dis.candidates(s.cfg, s.rows-miss, s.rows)
	if len(cands) == 0 {
		return checks.Finding{}, ColumnDisguised{}, false
	}
	var rows int64
	var list []string
	for i, x := range cands {
		rows += x.Count
		if s.showValues {
			list = append(list, fmt.Sprintf("%q (%d rows, %.1f%%)", x.Value, x.Count, 100*x.Share))
		} else {
			// The values came from the data: without --show-values they
			// are neither quoted nor kept in the metrics.
			list = append(list, fmt.Sprintf("one in %d rows (%.1f%%)", x.Count, 100*x.Share))
			cands[i].Value = ""
		}
	}
	how := fmt.Sprintf("to count them as missing, add them to checks.missing.column_sentinels.%s", c.name)
	if !c.dis.numeric {
		how = "to count them as missing, add each spelling the column uses (matched case-sensitively, after trimming) to checks.missing.tokens"
	}
	if !s.showValues {
		how += "; run with --show-values to see the values"
	}
	// The bar the candidates cleared: the frequency bound, unless one of
	// them qualified by lying out of range, which needs only the minimum.
	setting := "checks.missing.candidate_factor"
	if float64(s.cfg.CandidateMinRows) >= need {
		setting = "checks.missing.candidate_min_rows"
	}
	for _, x := range cands {
		if x.Why == "out_of_range" {
			need, setting = float64(s.cfg.CandidateMinRows), "checks.missing.candidate_min_rows"
		}
	}
	f := checks.Finding{Code: "MIS005", Severity: checks.Warning, Column: c.name,
		Message: fmt.Sprintf("column %q has values that look like placeholders for missing, far more frequent than its average value or far outside the range of its other values: %s; "+
			"they are not counted as missing; %s", c.name, strings.Join(list, ", "), how),
		Value: checks.Float(float64(cands[0].Count)), Threshold: checks.Float(need), Setting: setting, Rows: checks.Int(rows)}
	return f, ColumnDisguised{Candidates: cands, DistinctValues: c.dis.distinctValues(), DistinctCapped: c.dis.saturated}, true
}
