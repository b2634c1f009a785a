package missing

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
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

// numericPlaceholder returns v's index in numericPlaceholders, or -1. It
// runs for nearly every non-missing number of every numeric column, so the
// placeholders are found by a perfect hash of the integer v (a multiply, a
// shift and one compare; placeholderSlots) rather than by comparing v with
// each: a column of small integers (an age) went through most of a switch's
// branches for every row, mispredicting its way down.
func numericPlaceholder(v float64) int {
	i := int64(v)
	if float64(i) != v {
		return -1
	}
	e := &placeholderSlots[uint64(i)*placeholderMul>>(64-placeholderBits)]
	if e.v != i {
		return -1
	}
	return e.index
}

// placeholderSlots holds each of numericPlaceholders, as an integer, in the
// slot its hash picks, and its index there; other slots hold index -1.
// placeholderMul is the first odd multiplier from a fixed start that gives
// every placeholder a slot of its own (TestNumericPlaceholder).
const placeholderBits = 5

type placeholderSlot struct {
	v     int64
	index int
}

var placeholderSlots, placeholderMul = func() ([1 << placeholderBits]placeholderSlot, uint64) {
	for m := uint64(0x9e3779b97f4a7c15); ; m += 2 {
		var slots [1 << placeholderBits]placeholderSlot
		for i := range slots {
			slots[i].index = -1
		}
		ok := true
		for i, p := range numericPlaceholders {
			s := &slots[uint64(int64(p))*m>>(64-placeholderBits)]
			if s.index >= 0 {
				ok = false
				break
			}
			*s = placeholderSlot{v: int64(p), index: i}
		}
		if ok {
			return slots, m
		}
	}
}()

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
	// distinct is the exact set of the non-missing values of a string
	// column (their fingerprints), nums of a numeric one (their keys);
	// both nil once the set has held more than distinctCap.
	distinct  *fpSet
	nums      *numSet
	saturated bool
	// seen is a direct-mapped cache in front of nums: a key found in its
	// slot (by the key's hash) is in nums already. A column of a few
	// values (an age) then costs a load and a compare a row, not a probe
	// of nums.
	seen *[256]uint64
}

// newDisguised returns a tracker for a column of type t, or nil when the
// column is neither numeric nor a string: booleans, times, decimals,
// binaries and nested values have no placeholders here.
func newDisguised(t arrow.DataType) *disguised {
	if d, ok := t.(*arrow.DictionaryType); ok {
		if !isString(d.ValueType) {
			return nil
		}
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: newSet[rowhash.Fingerprint]()}
	}
	switch {
	case isString(t):
		return &disguised{counts: make([]int64, len(StringPlaceholders)), distinct: newSet[rowhash.Fingerprint]()}
	case arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()):
		return &disguised{numeric: true, counts: make([]int64, len(numericPlaceholders)), nums: newSet[uint64](), seen: new([256]uint64)}
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

// add puts fp, a string value's fingerprint, in the distinct set.
func (d *disguised) add(fp rowhash.Fingerprint) {
	if d.saturated {
		return
	}
	if d.distinct.add(fp) && d.distinct.len() > distinctCap {
		d.saturate()
	}
}

// addNum puts k, a number's key (intKey, floatKey), in the distinct set.
func (d *disguised) addNum(k uint64) {
	if d.saturated {
		return
	}
	if d.fresh(k) {
		d.putNum(k)
	}
}

// fresh reports whether k is not in its slot of the seen cache, and puts it
// there. (The zero key is never taken as seen: free slots hold it.)
func (d *disguised) fresh(k uint64) bool {
	h := &d.seen[(k*0x9e3779b97f4a7c15)>>56]
	old := *h
	*h = k
	return old != k || k == 0
}

// putNum puts k in nums, past the seen cache (the loops over a column's
// numbers test the cache themselves, inline).
func (d *disguised) putNum(k uint64) {
	if d.nums.add(k) && d.nums.len() > distinctCap {
		d.saturate()
	}
}

func (d *disguised) saturate() {
	d.saturated, d.distinct, d.nums, d.seen = true, nil, nil, nil
}

// number folds one non-missing numeric value in; k is its key in the
// distinct set.
func (d *disguised) number(v float64, k uint64) {
	switch {
	case v == 0:
		d.zeros++
	case v < 0:
		d.negatives++
		fallthrough
	default:
		if p := numericPlaceholder(v); p >= 0 {
			d.counts[p]++
			d.addNum(k)
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
	d.addNum(k)
}

// floatsOf folds the non-null values of a float column without sentinels
// into d, as [disguised.number] does one at a time, flags its NaNs and
// returns how many there are. Every row of every float column goes through
// it, so the counts and the range are kept in locals for the batch and
// the distinct set's cache is tested inline: at 10M rows of the benchmark (two float columns) the loop through
// number took 0.22 s of CPU.
func floatsOf[T float32 | float64](d *disguised, vals []T, valid checks.Validity, flags []bool) (nan int64) {
	zeros, negatives, others := d.zeros, d.negatives, d.others
	lo, hi := d.otherMin, d.otherMax
	if others == 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
	}
	for i, x := range vals {
		if valid.Null(i) {
			continue
		}
		v := float64(x)
		if v != v {
			nan++
			flags[i] = true
			continue
		}
		k := math.Float64bits(v)
		if v == 0 {
			zeros++
			k = 0 // floatKey: -0 is 0
		} else {
			if v < 0 {
				negatives++
			}
			if p := numericPlaceholder(v); p >= 0 {
				d.counts[p]++
				if !d.saturated && d.fresh(k) {
					d.putNum(k)
				}
				continue
			}
		}
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		others++
		if !d.saturated && d.fresh(k) {
			d.putNum(k)
		}
	}
	d.zeros, d.negatives = zeros, negatives
	if others > d.others {
		d.others, d.otherMin, d.otherMax = others, lo, hi
	}
	return nan
}

// intsOf folds the non-null values of an integer column without
// sentinels into d, as [disguised.number] does one at a time (see
// floatsOf). One generic loop for both, the key picked by a type switch
// on the value, made BenchmarkObserveNumbers 1.36–1.43 ms against
// 1.14–1.18 ms.
func intsOf[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](d *disguised, vals []T, valid checks.Validity) {
	zeros, negatives, others := d.zeros, d.negatives, d.others
	lo, hi := d.otherMin, d.otherMax
	if others == 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
	}
	for i, x := range vals {
		if valid.Null(i) {
			continue
		}
		v := float64(x)
		if x == 0 {
			zeros++
		} else {
			if v < 0 {
				negatives++
			}
			if p := numericPlaceholder(v); p >= 0 {
				d.counts[p]++
				if k := intKey(x); !d.saturated && d.fresh(k) {
					d.putNum(k)
				}
				continue
			}
		}
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		others++
		if k := intKey(x); !d.saturated && d.fresh(k) {
			d.putNum(k)
		}
	}
	d.zeros, d.negatives = zeros, negatives
	if others > d.others {
		d.others, d.otherMin, d.otherMax = others, lo, hi
	}
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
	if d.numeric {
		o.nums.each(func(k uint64) { d.nums.add(k) })
	} else {
		o.distinct.each(func(fp rowhash.Fingerprint) { d.distinct.add(fp) })
	}
	if d.distinctValues() > distinctCap {
		d.saturate()
	}
}

// distinctValues is the number of distinct non-missing values, or
// distinctCap+1 (a lower bound) when the set overflowed.
func (d *disguised) distinctValues() int64 {
	if d.saturated {
		return distinctCap + 1
	}
	if d.numeric {
		return int64(d.nums.len())
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

// set is an exact set of a column's distinct values: a table with linear
// probing, at most 3/4 full. It takes the place of a map because a column
// of a few thousand values (a score with four decimals) adds every row to
// it: a probe here costs a multiply and a compare or two, a map assignment
// several times that. A string column keys it by the values' fingerprints;
// a numeric column by the value's own 8 bytes ([intKey], [floatKey]), in
// half the room: the 10M-row bench's score column (9,998 values) probed
// a table of 256 KiB for every row, now 128 KiB.
type set[K uint64 | rowhash.Fingerprint] struct {
	slots []K  // power-of-two length; the zero key marks a free slot
	shift uint // 64 − log2(len(slots)): the hash's top bits pick the slot
	n     int  // slots in use
	zero  bool // the zero key, which cannot be stored in slots, is in the set
}

// fpSet holds the fingerprints of a string column's values, numSet the
// keys of a numeric column's.
type (
	fpSet  = set[rowhash.Fingerprint]
	numSet = set[uint64]
)

func newSet[K uint64 | rowhash.Fingerprint]() *set[K] {
	return &set[K]{slots: make([]K, 64), shift: 64 - 6}
}

// intKey is an integer's key in a numSet: a uint64 above MaxInt64 wraps to
// a negative int64, a key no other value of its column can have.
func intKey[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](v T) uint64 {
	return uint64(int64(v))
}

// floatKey is a float's key in a numSet: its bits, -0 those of 0 (NaN is
// never put in the set). Two floats have one key exactly when they are
// equal, as with rowhash.Float.
func floatKey(v float64) uint64 {
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

func (s *set[K]) len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

// add puts k in the set and reports whether it was new.
func (s *set[K]) add(k K) bool {
	var free K
	if k == free {
		added := !s.zero
		s.zero = true
		return added
	}
	mask := len(s.slots) - 1
	for i := s.home(k); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return false
		case free:
			if 4*(s.n+1) > 3*len(s.slots) {
				s.grow()
				s.insert(k)
			} else {
				s.slots[i] = k
			}
			s.n++
			return true
		}
	}
}

// home is k's first slot: a multiplicative hash of a numeric key, or of
// both halves of a fingerprint mixed (fingerprints of numbers keep the
// number in Lo and a type tag in Hi). The type switch is resolved at run
// time through the instantiation's dictionary: a load and a compare a call.
func (s *set[K]) home(k K) int {
	var h uint64
	switch k := any(k).(type) {
	case uint64:
		h = k
	case rowhash.Fingerprint:
		h = k.Lo ^ bits.RotateLeft64(k.Hi, 32)
	}
	return int((h * 0x9e3779b97f4a7c15) >> s.shift)
}

// insert stores k, known not to be in the set, in a free slot.
func (s *set[K]) insert(k K) {
	var free K
	mask := len(s.slots) - 1
	i := s.home(k)
	for s.slots[i] != free {
		i = (i + 1) & mask
	}
	s.slots[i] = k
}

func (s *set[K]) grow() {
	var free K
	old := s.slots
	s.slots, s.shift = make([]K, 2*len(old)), s.shift-1
	for _, k := range old {
		if k != free {
			s.insert(k)
		}
	}
}

// each calls f with every key in the set.
func (s *set[K]) each(f func(K)) {
	var free K
	if s.zero {
		f(free)
	}
	for _, k := range s.slots {
		if k != free {
			f(k)
		}
	}
}
