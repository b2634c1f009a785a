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
// Status: fail when some column's missing_rate is above fail_rate, warn
// when above warn_rate, else pass; not_applicable when the dataset has no
// rows. Score: 100 × (1 − the mean of the columns' missing rates).
package missing

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/readiness/readiness/checks"
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
}

// DefaultTokens are the default string sentinels: pandas' default NA
// values, plus "?" and "-".
var DefaultTokens = []string{"?", "-", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "Null",
	"None", "none", "#N/A", "#N/A N/A", "#NA", "<NA>", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"}

func defaultConfig() any {
	return &Config{Tokens: append([]string{}, DefaultTokens...), WarnRate: 0.05, FailRate: 0.5}
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

Status: fail when a column's missing_rate is above checks.missing.fail_rate,
warn when above checks.missing.warn_rate, else pass; not_applicable with no
rows. Score: 100 × (1 − mean missing_rate over columns).

Act on it: impute or drop columns with high rates, fix the export that wrote
placeholders, and declare real placeholders in the policy so they are counted.`

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
}

type column struct {
	name string
	idx  int
	// sentinels are the numeric placeholders for this column: a few at
	// most, so a linear scan beats a map lookup per value.
	sentinels []float64
	nulls     int64
	nan       int64
	empty     int64
	sentinel  int64
}

type state struct {
	cfg             *Config
	tokens          map[string]bool
	maxToken        int // the length in bytes of the longest token
	cols            []*column
	rows            int64
	rowsWithMissing int64
	flags           []bool // scratch: per row of the current batch, any missing
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("missing: config is %T, want *missing.Config", c)
	}
	for name := range cfg.ColumnSentinels {
		if !env.Schema.HasField(name) {
			return nil, fmt.Errorf("checks.missing.column_sentinels: column %q is not in the dataset", name)
		}
	}
	s := &state{cfg: cfg, tokens: map[string]bool{}}
	for _, t := range cfg.Tokens {
		t = strings.TrimSpace(t)
		s.tokens[t] = true
		s.maxToken = max(s.maxToken, len(t))
	}
	for i, f := range env.Schema.Fields() {
		col := &column{name: f.Name, idx: i}
		for _, v := range append(append([]float64{}, cfg.NumericSentinels...), cfg.ColumnSentinels[f.Name]...) {
			if v = inColumnType(v, f.Type); !slices.Contains(col.sentinels, v) {
				col.sentinels = append(col.sentinels, v)
			}
		}
		s.cols = append(s.cols, col)
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
	for _, c := range s.cols {
		s.observeColumn(c, rec.Column(c.idx), flags)
	}
	for _, f := range flags {
		if f {
			s.rowsWithMissing++
		}
	}
	s.rows += int64(n)
	return nil
}

func (s *state) observeColumn(c *column, arr arrow.Array, flags []bool) {
	n := arr.Len()
	if nulls := arr.NullN(); nulls == n {
		// Every value is null. Decided from the count because an array
		// of the null type has no validity bitmap: its IsNull is false.
		c.nulls += int64(n)
		for i := range flags {
			flags[i] = true
		}
		return
	} else if nulls > 0 {
		for i := range n {
			if arr.IsNull(i) {
				c.nulls++
				flags[i] = true
			}
		}
	}
	switch a := arr.(type) {
	case *array.String:
		s.observeStrings(c, a, flags)
	case *array.LargeString:
		s.observeStrings(c, a, flags)
	case *array.StringView:
		s.observeStrings(c, a, flags)
	case *array.Float64:
		observeFloats(c, a.Float64Values(), a, flags)
	case *array.Float32:
		observeFloats(c, a.Float32Values(), a, flags)
	case *array.Float16:
		for i := range n {
			if a.IsValid(i) {
				v := float64(a.Value(i).Float32())
				if math.IsNaN(v) {
					c.nan++
					flags[i] = true
				} else if c.isSentinel(v) {
					c.sentinel++
					flags[i] = true
				}
			}
		}
	case *array.Int64:
		observeInts(c, a.Int64Values(), a, flags)
	case *array.Int32:
		observeInts(c, a.Int32Values(), a, flags)
	case *array.Int16:
		observeInts(c, a.Int16Values(), a, flags)
	case *array.Int8:
		observeInts(c, a.Int8Values(), a, flags)
	case *array.Uint64:
		observeInts(c, a.Uint64Values(), a, flags)
	case *array.Uint32:
		observeInts(c, a.Uint32Values(), a, flags)
	case *array.Uint16:
		observeInts(c, a.Uint16Values(), a, flags)
	case *array.Uint8:
		observeInts(c, a.Uint8Values(), a, flags)
	case *array.Dictionary:
		s.observeDictionary(c, a, flags)
	}
}

type stringArray interface {
	arrow.Array
	Value(int) string
}

func (s *state) observeStrings(c *column, a stringArray, flags []bool) {
	hasNulls := a.NullN() > 0
	for i := range a.Len() {
		if hasNulls && a.IsNull(i) {
			continue
		}
		switch s.classify(a.Value(i)) {
		case kindEmpty:
			c.empty++
			flags[i] = true
		case kindSentinel:
			c.sentinel++
			flags[i] = true
		}
	}
}

type kind uint8

const (
	kindValue kind = iota
	kindEmpty
	kindSentinel
)

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

// observeDictionary classifies each dictionary value once.
func (s *state) observeDictionary(c *column, a *array.Dictionary, flags []bool) {
	dict, ok := a.Dictionary().(stringArray)
	if !ok {
		return
	}
	kinds := make([]kind, dict.Len())
	for i := range kinds {
		if dict.IsValid(i) {
			kinds[i] = s.classify(dict.Value(i))
		}
	}
	for i := range a.Len() {
		if a.IsNull(i) {
			continue
		}
		j := a.GetValueIndex(i)
		if dict.IsNull(j) {
			c.nulls++
			flags[i] = true
			continue
		}
		switch kinds[j] {
		case kindEmpty:
			c.empty++
			flags[i] = true
		case kindSentinel:
			c.sentinel++
			flags[i] = true
		}
	}
}

func observeFloats[T float32 | float64](c *column, vals []T, a arrow.Array, flags []bool) {
	hasNulls := a.NullN() > 0
	checkSentinels := len(c.sentinels) > 0
	for i, v := range vals {
		if v == v && !checkSentinels {
			continue
		}
		if hasNulls && a.IsNull(i) {
			continue
		}
		if v != v {
			c.nan++
			flags[i] = true
		} else if c.isSentinel(float64(v)) {
			c.sentinel++
			flags[i] = true
		}
	}
}

func observeInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](c *column, vals []T, a arrow.Array, flags []bool) {
	if len(c.sentinels) == 0 {
		return
	}
	hasNulls := a.NullN() > 0
	for i, v := range vals {
		if hasNulls && a.IsNull(i) {
			continue
		}
		if c.isSentinel(float64(v)) {
			c.sentinel++
			flags[i] = true
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
	for i, c := range s.cols {
		oc := other.cols[i]
		if oc.name != c.name {
			return fmt.Errorf("merge states over different columns %q and %q", c.name, oc.name)
		}
		c.nulls += oc.nulls
		c.nan += oc.nan
		c.empty += oc.empty
		c.sentinel += oc.sentinel
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
	}
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
