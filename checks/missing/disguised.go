package missing

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks/rowhash"
)

// distinctCap bounds the exact distinct-value set kept per column for the
// frequency-outlier test. Past it the set is dropped and the column's
// distinct count is known only to exceed the cap.
const distinctCap = 10000

// numericPlaceholders are the numbers that look like a typed-in "missing".
// Zero is a candidate too, but only in a column without negative values
// (see disguised.zeros).
var numericPlaceholders = [...]float64{-1, -9, -99, -999, -9999, -99999, 9, 99, 999, 9999, 99999, 999999}

// numericPlaceholder returns v's index in numericPlaceholders, or -1.
func numericPlaceholder(v float64) int {
	switch v {
	case -1:
		return 0
	case -9:
		return 1
	case -99:
		return 2
	case -999:
		return 3
	case -9999:
		return 4
	case -99999:
		return 5
	case 9:
		return 6
	case 99:
		return 7
	case 999:
		return 8
	case 9999:
		return 9
	case 99999:
		return 10
	case 999999:
		return 11
	}
	return -1
}

// StringPlaceholders are the strings that, after trimming surrounding white
// space and folding case, look like a typed-in "missing". Those equal to a
// policy token are already counted as missing and never candidates; the
// case variants of the default tokens ("na", "NONE", "Null ") are.
var StringPlaceholders = []string{
	"unknown", "unk", "undefined", "missing", "not available", "not applicable", "no data",
	"not specified", "unspecified", "not set", "tbd", "tba", "xxx", "x", "blank", "empty", "default",
	"na", "n/a", "n.a.", "null", "none", "nil", "nan", "?", "-", "--",
	"0", "-1", "999", "-999",
}

var (
	placeholderIndex = map[string]int{}
	maxPlaceholder   int // the length in bytes of the longest placeholder
	// lengths holds, by first byte (either case), a bit for the length of
	// each placeholder starting with it: most values fail this test
	// before any trimming or lookup.
	lengths [256]uint64
)

func init() {
	for i, p := range StringPlaceholders {
		placeholderIndex[p] = i
		maxPlaceholder = max(maxPlaceholder, len(p))
		lengths[p[0]] |= 1 << len(p)
		if 'a' <= p[0] && p[0] <= 'z' {
			lengths[p[0]-'a'+'A'] |= 1 << len(p)
		}
	}
}

// stringPlaceholder returns v's index in StringPlaceholders, or -1.
func stringPlaceholder(v string) int {
	if n := len(v); n > 0 && asciiVisible(v[0]) && asciiVisible(v[n-1]) && (n > maxPlaceholder || lengths[v[0]]&(1<<n) == 0) {
		return -1
	}
	t := strings.TrimSpace(v)
	if len(t) > maxPlaceholder || t == "" {
		return -1
	}
	var buf [32]byte
	for i := range len(t) {
		b := t[i]
		if b >= 0x80 {
			// Unicode case folding (the Kelvin sign folds to k): rare,
			// so a linear scan is fine.
			for j, p := range StringPlaceholders {
				if strings.EqualFold(t, p) {
					return j
				}
			}
			return -1
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	if k, ok := placeholderIndex[string(buf[:len(t)])]; ok {
		return k
	}
	return -1
}

// disguised tracks, for one numeric or string column, how often each
// placeholder occurs among the column's non-missing values and the set of
// distinct non-missing values.
type disguised struct {
	numeric bool
	// counts are per placeholder: numericPlaceholders or
	// StringPlaceholders.
	counts []int64
	// zeros and negatives count non-missing zeros and values below zero:
	// zero is a candidate only when nothing is below it.
	zeros, negatives int64
	// others counts the non-missing values that are not placeholders, and
	// otherMin, otherMax their range: a placeholder far outside it is a
	// candidate at any frequency above the minimum.
	others             int64
	otherMin, otherMax float64
	// distinct is the exact set of fingerprints of the non-missing values,
	// nil once it has held more than distinctCap.
	distinct  map[rowhash.Fingerprint]struct{}
	saturated bool
	// recent is a direct-mapped cache of fingerprints known to be in
	// distinct, to skip most map lookups on low-cardinality columns. It is
	// a shortcut only; nothing reads it in Merge or Result.
	recent [256]rowhash.Fingerprint
}

// newDisguised returns a tracker for a column of type t, or nil when the
// column is neither numeric nor a string: booleans, times, decimals,
// binaries and nested values have no placeholders here.
func newDisguised(t arrow.DataType) *disguised {
	if d, ok := t.(*arrow.DictionaryType); ok {
		if !isString(d.ValueType) {
			return nil
		}
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: map[rowhash.Fingerprint]struct{}{}}
	}
	switch {
	case isString(t):
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: map[rowhash.Fingerprint]struct{}{}}
	case arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()):
		return &disguised{numeric: true, counts: make([]int64, len(numericPlaceholders)), distinct: map[rowhash.Fingerprint]struct{}{}}
	}
	return nil
}

func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// add puts fp in the distinct set.
func (d *disguised) add(fp rowhash.Fingerprint) {
	if d.saturated {
		return
	}
	slot := &d.recent[fp.Lo&255]
	if *slot == fp && fp != (rowhash.Fingerprint{}) {
		return
	}
	*slot = fp
	d.distinct[fp] = struct{}{}
	if len(d.distinct) > distinctCap {
		d.saturate()
	}
}

func (d *disguised) saturate() {
	d.saturated, d.distinct = true, nil
}

// number folds one non-missing numeric value in.
func (d *disguised) number(v float64, fp rowhash.Fingerprint) {
	switch {
	case v == 0:
		d.zeros++
	case v < 0:
		d.negatives++
		fallthrough
	default:
		if k := numericPlaceholder(v); k >= 0 {
			d.counts[k]++
			d.add(fp)
			return
		}
	}
	if d.others == 0 || v < d.otherMin {
		d.otherMin = v
	}
	if d.others == 0 || v > d.otherMax {
		d.otherMax = v
	}
	d.others++
	d.add(fp)
}

// apart reports whether the placeholder p lies far outside the range of the
// column's other values: negative where every other value is ≥ 0, or
// positive and more than 10 times the largest other value's magnitude.
func (d *disguised) apart(p float64) bool {
	if d.others == 0 {
		return false
	}
	if p < 0 {
		return d.otherMin >= 0
	}
	return p > 10*max(math.Abs(d.otherMin), math.Abs(d.otherMax))
}

// str folds one non-missing string value in.
func (d *disguised) str(v string) {
	if k := stringPlaceholder(v); k >= 0 {
		d.counts[k]++
	}
	d.add(rowhash.String(v))
}

func (d *disguised) merge(o *disguised) {
	for i, n := range o.counts {
		d.counts[i] += n
	}
	d.zeros += o.zeros
	d.negatives += o.negatives
	if o.others > 0 {
		if d.others == 0 || o.otherMin < d.otherMin {
			d.otherMin = o.otherMin
		}
		if d.others == 0 || o.otherMax > d.otherMax {
			d.otherMax = o.otherMax
		}
		d.others += o.others
	}
	if d.saturated {
		return
	}
	if o.saturated {
		d.saturate()
		return
	}
	for fp := range o.distinct {
		d.distinct[fp] = struct{}{}
	}
	if len(d.distinct) > distinctCap {
		d.saturate()
	}
}

// distinctValues is the number of distinct non-missing values, or
// distinctCap+1 (a lower bound) when the set overflowed.
func (d *disguised) distinctValues() int64 {
	if d.saturated {
		return distinctCap + 1
	}
	return int64(len(d.distinct))
}

// Candidate is one disguised-missing candidate of a column.
type Candidate struct {
	// Value is the placeholder: a number, or the lower-case form of a
	// string placeholder (any case variant counts towards it). It is
	// empty unless the audit ran with --show-values: it is a value read
	// from the data.
	Value string `json:"value,omitempty"`
	// Count is how many non-missing values equal it; Share is Count / rows.
	Count int64   `json:"count"`
	Share float64 `json:"share"`
	// Why is "frequency" (far more frequent than the column's average
	// value) or "out_of_range" (a number far outside the range of the
	// column's other values).
	Why string `json:"why"`
}

// ColumnDisguised is what the check reports about a column's
// disguised-missing candidates. It is encoded inside the column's entry of
// metrics.columns.
type ColumnDisguised struct {
	Candidates []Candidate `json:"disguised"`
	// DistinctValues counts the column's distinct non-missing values,
	// exactly up to 10000; DistinctCapped says there were more (and
	// DistinctValues is then 10001, a lower bound).
	DistinctValues int64 `json:"distinct_values"`
	DistinctCapped bool  `json:"distinct_capped"`
}

// candidates applies the frequency-outlier test to a column with nonMissing
// non-missing values out of rows. need is the count a value had to reach.
func (d *disguised) candidates(cfg *Config, nonMissing, rows int64) (out []Candidate, need float64) {
	distinct := d.distinctValues()
	if distinct == 0 || nonMissing == 0 {
		return nil, 0
	}
	need = max(float64(cfg.CandidateMinRows), cfg.CandidateFactor*float64(nonMissing)/float64(distinct))
	pick := func(value string, n int64, apart bool) {
		if n == 0 || n < cfg.CandidateMinRows {
			return
		}
		switch {
		case float64(n) >= need:
			out = append(out, Candidate{Value: value, Count: n, Share: rate(n, rows), Why: "frequency"})
		case apart:
			out = append(out, Candidate{Value: value, Count: n, Share: rate(n, rows), Why: "out_of_range"})
		}
	}
	for i, n := range d.counts {
		if d.numeric {
			pick(strconv.FormatFloat(numericPlaceholders[i], 'g', -1, 64), n, d.apart(numericPlaceholders[i]))
		} else {
			pick(StringPlaceholders[i], n, false)
		}
	}
	if d.numeric && d.negatives == 0 {
		pick("0", d.zeros, false)
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, need
}
