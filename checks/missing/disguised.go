package missing

import (
	"cmp"
	"math"
	"math/bits"
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
	distinct  *fpSet
	saturated bool
}

// newDisguised returns a tracker for a column of type t, or nil when the
// column is neither numeric nor a string: booleans, times, decimals,
// binaries and nested values have no placeholders here.
func newDisguised(t arrow.DataType) *disguised {
	if d, ok := t.(*arrow.DictionaryType); ok {
		if !isString(d.ValueType) {
			return nil
		}
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: newFPSet()}
	}
	switch {
	case isString(t):
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: newFPSet()}
	case arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()):
		return &disguised{numeric: true, counts: make([]int64, len(numericPlaceholders)), distinct: newFPSet()}
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
	if d.distinct.add(fp) && d.distinct.len() > distinctCap {
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

// distinctStr puts v, a non-missing string value, in the distinct set and
// returns its index in StringPlaceholders, or -1; the caller counts the
// rows with it in counts (column.countRow). Once the distinct set is
// dropped the value is not hashed.
func (d *disguised) distinctStr(v string) int {
	if !d.saturated {
		d.add(rowhash.String(v))
	}
	return stringPlaceholder(v)
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
	o.distinct.each(func(fp rowhash.Fingerprint) { d.distinct.add(fp) })
	if d.distinct.len() > distinctCap {
		d.saturate()
	}
}

// distinctValues is the number of distinct non-missing values, or
// distinctCap+1 (a lower bound) when the set overflowed.
func (d *disguised) distinctValues() int64 {
	if d.saturated {
		return distinctCap + 1
	}
	return int64(d.distinct.len())
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

// fpSet is a set of fingerprints, for the distinct values of a column: a
// table of fingerprints with linear probing, at most 3/4 full. It takes
// the place of a map because a column of a few thousand values (a score
// with four decimals) adds every row to it: a probe here costs a multiply
// and a compare or two, a map assignment several times that.
type fpSet struct {
	slots []rowhash.Fingerprint // power-of-two length; the zero fingerprint marks a free slot
	shift uint                  // 64 − log2(len(slots)): the hash's top bits pick the slot
	n     int                   // slots in use
	zero  bool                  // the zero fingerprint, which cannot be stored in slots, is in the set
}

func newFPSet() *fpSet { return &fpSet{slots: make([]rowhash.Fingerprint, 64), shift: 64 - 6} }

func (s *fpSet) len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

// add puts fp in the set and reports whether it was new.
func (s *fpSet) add(fp rowhash.Fingerprint) bool {
	if fp == (rowhash.Fingerprint{}) {
		added := !s.zero
		s.zero = true
		return added
	}
	mask := len(s.slots) - 1
	for i := s.home(fp); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case fp:
			return false
		case rowhash.Fingerprint{}:
			if 4*(s.n+1) > 3*len(s.slots) {
				s.grow()
				s.insert(fp)
			} else {
				s.slots[i] = fp
			}
			s.n++
			return true
		}
	}
}

// home is fp's first slot. Fingerprints of numbers keep the number in Lo
// and a type tag in Hi, so both halves are mixed.
func (s *fpSet) home(fp rowhash.Fingerprint) int {
	return int(((fp.Lo ^ bits.RotateLeft64(fp.Hi, 32)) * 0x9e3779b97f4a7c15) >> s.shift)
}

// insert stores fp, known not to be in the set, in a free slot.
func (s *fpSet) insert(fp rowhash.Fingerprint) {
	mask := len(s.slots) - 1
	i := s.home(fp)
	for s.slots[i] != (rowhash.Fingerprint{}) {
		i = (i + 1) & mask
	}
	s.slots[i] = fp
}

func (s *fpSet) grow() {
	old := s.slots
	s.slots, s.shift = make([]rowhash.Fingerprint, 2*len(old)), s.shift-1
	for _, fp := range old {
		if fp != (rowhash.Fingerprint{}) {
			s.insert(fp)
		}
	}
}

// each calls f with every fingerprint in the set.
func (s *fpSet) each(f func(rowhash.Fingerprint)) {
	if s.zero {
		f(rowhash.Fingerprint{})
	}
	for _, fp := range s.slots {
		if fp != (rowhash.Fingerprint{}) {
			f(fp)
		}
	}
}
