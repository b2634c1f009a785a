package checks

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
)

// StrCodes is a string column of one batch as small codes: Codes[i] is row
// i's index into Values, or -1 when the row is null; Values are the
// column's distinct values in the batch, in the order of their first rows.
// The values point into the batch, like [Strings.At]'s.
//
// Several checks turn each row of a string column into something of their
// own — the missing check a kind of value, representativeness a count per
// value, staleness, balance and the missing check's per-class counts a
// class. Each used to do it with a cache of its own, a string comparison
// a row; with the codes, the batch's distinct values are worked out once
// and each check looks up its own answer per code: a label column is read
// as text once a batch rather than by each of four checks: at 10M rows the
// four checks took about 0.7 s of CPU less (docs/performance.md,
// 2026-11-28 r).
type StrCodes struct {
	Codes  []int32
	Values []string
}

// MaxStrCodes bounds the distinct values a column's codes may have in a
// batch: a column with more (free text, ids) gets none, and the checks
// read it as text (an exact table of every value would cost a probe per
// row and save nothing).
const MaxStrCodes = 1024

// codeSlots is the size of the open-addressing table codes are found in:
// at most half full. maxProbes bounds a lookup's probes: past it the
// column's values collide too much (see strWords) and it gets no codes.
const (
	codeSlots = 2 * MaxStrCodes
	maxProbes = 32
)

// codeSlot is a value's place in the table; the zero slot is free, so
// that clearing the table after use empties it for the next column. It
// holds no string (the value is out.Values[code1-1]), so that the table
// is 48 KiB of plain words, not 80 KiB with pointers.
type codeSlot struct {
	w0, w1 uint64 // strWords
	code1  int32  // the value's code + 1; 0: free
	n      uint32 // the value's length, or 17 for any longer (compared whole anyway): shortLen
}

// shortLen is a value's length as its slot keeps it: exact up to 16 bytes,
// which the words tell apart with it, and 17 for any longer value.
func shortLen(v string) uint32 { return uint32(min(len(v), 17)) }

// codeState is what a memo knows of one column's codes for its batch.
type codeState uint8

const (
	codesUnknown codeState = iota
	codesOK
	codesNone
)

// strWords returns two words of v's bytes that, with its length, tell
// apart any two values of at most 16 bytes: its first and last 8 bytes
// (overlapping below 16), its first and last 4 (below 8), or its bytes
// (below 4). Longer values with the same words are compared whole. A
// table keyed by them costs a multiply to hash and two compares to
// match, where hashing the text (maphash) and comparing it through
// memequal took 10–13 ns a row (BenchmarkStrCodes).
func strWords(v string) (w0, w1 uint64) {
	switch n := len(v); {
	case n >= 8:
		return Load64(v, 0), Load64(v, n-8)
	case n >= 4:
		return uint64(load32(v, 0)) | uint64(load32(v, n-4))<<32, 0
	case n > 0:
		return uint64(v[0]) | uint64(v[n/2])<<8 | uint64(v[n-1])<<16, 0
	}
	return 0, 0
}

// dropValues empties vals, clearing the strings it held: they point into
// the batch, whose buffers they would keep from being reused.
func dropValues(vals []string) []string {
	clear(vals)
	return vals[:0]
}

// Load64 reads s[i:i+8] as a little-endian word (one load once
// compiled): the checks read text eight bytes at a time with it.
func Load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

func load32(s string, i int) uint32 {
	_ = s[i+3]
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

// StrCodes returns the codes of string column c of rec (String,
// LargeString or StringView; nil for other types, a dictionary among them,
// and for a column with more than [MaxStrCodes] distinct values in rec).
// Without a memo for rec they are computed anew. The result belongs to the
// memo, like [Memo.Values]'s.
func (m *Memo) StrCodes(rec arrow.RecordBatch, c int) *StrCodes {
	if !m.valid(rec) {
		var tab []codeSlot
		out := new(StrCodes)
		if !computeCodes(rec.Column(c), out, &tab) {
			return nil
		}
		return out
	}
	e := &m.cols[c]
	if e.given != nil {
		return e.given
	}
	switch e.codes {
	case codesOK:
		return &e.sc
	case codesNone:
		return nil
	}
	e.codes = codesNone
	if e.skip > 0 {
		e.skip--
		return nil
	}
	if computeCodes(rec.Column(c), &e.sc, &m.codeTab) {
		e.codes = codesOK
		return &e.sc
	}
	e.skip = skipBatches
	return nil
}

// CodeCounts returns how many rows of rec have each code of column c's
// codes ([Memo.StrCodes]; counts[k] is code k's, every code has one row
// or more), or nil when the column has none. A memo counts them once a
// batch for every check that reads a column's values with their counts:
// the missing and representativeness checks both read the category
// columns so.
func (m *Memo) CodeCounts(rec arrow.RecordBatch, c int) []int64 {
	sc := m.StrCodes(rec, c)
	if sc == nil {
		return nil
	}
	if !m.valid(rec) {
		return countCodes(sc, nil)
	}
	e := &m.cols[c]
	if !e.countsOK {
		e.counts, e.countsOK = countCodes(sc, e.counts), true
	}
	return e.counts
}

// countCodes counts the rows of each of sc's codes into buf's memory.
func countCodes(sc *StrCodes, buf []int64) []int64 {
	if cap(buf) < len(sc.Values) {
		buf = make([]int64, len(sc.Values))
	}
	counts := buf[:len(sc.Values)]
	clear(counts)
	for _, k := range sc.Codes {
		if k >= 0 {
			counts[k]++
		}
	}
	return counts
}

// SetStrCodes gives the memo the codes of string column c of its batch
// as the reader worked them out (a dictionary-encoded Parquet column's,
// from its indices: pipeline/parquetdict.go), which StrCodes then returns
// rather than computing them. sc must be what StrCodes would compute
// (Values the distinct values, in the order of their first rows, at most
// MaxStrCodes of them; Codes a row each), and stay as it is until the
// memo is Reset.
func (m *Memo) SetStrCodes(c int, sc *StrCodes) {
	if m != nil && c >= 0 && c < len(m.cols) && m.rec != nil {
		m.cols[c].given = sc
	}
}

// skipBatches is how many batches a column that had too many distinct
// values for codes goes without trying again: the work spent finding that
// out (up to MaxStrCodes values hashed) is then done for one batch in 16.
// On the 203-column benchmark file, whose 40 text columns never get codes,
// trying every batch took 0.38–0.60 s of CPU (docs/performance.md,
// 2026-11-28 r).
const skipBatches = 15

// computeCodes fills out with arr's codes, in *tab (made on first use,
// empty between calls); false when arr is not a flat string array or has
// too many distinct values.
func computeCodes(arr arrow.Array, out *StrCodes, tab *[]codeSlot) bool {
	strs, ok := StringsOf(arr)
	if !ok {
		return false
	}
	n := strs.Len()
	if cap(out.Codes) < n {
		out.Codes = make([]int32, n)
	}
	codes := out.Codes[:n]
	out.Codes, out.Values = codes, out.Values[:0]
	if *tab == nil {
		*tab = make([]codeSlot, codeSlots)
	}
	t := *tab
	defer clear(t) // free every slot
	valid := ValidityOf(arr)
	const shift = 64 - 11 // log2(codeSlots)
	for i := range n {
		if valid.Null(i) {
			codes[i] = -1
			continue
		}
		v := strs.At(i)
		w0, w1 := strWords(v)
		vn := shortLen(v)
		j := int(((w0 ^ bits.RotateLeft64(w1, 29) ^ uint64(len(v))) * 0x9E3779B97F4A7C15) >> shift)
		for probe := 0; ; probe++ {
			s := &t[j]
			if s.code1 == 0 {
				if len(out.Values) == MaxStrCodes {
					out.Values = dropValues(out.Values)
					return false
				}
				out.Values = append(out.Values, v)
				*s = codeSlot{w0: w0, w1: w1, code1: int32(len(out.Values)), n: vn}
				codes[i] = s.code1 - 1
				break
			}
			if s.w0 == w0 && s.w1 == w1 && s.n == vn && (vn <= 16 || out.Values[s.code1-1] == v) {
				codes[i] = s.code1 - 1
				break
			}
			if probe == maxProbes {
				out.Values = dropValues(out.Values)
				return false
			}
			j = (j + 1) & (codeSlots - 1)
		}
	}
	return true
}
