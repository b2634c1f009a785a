package missing

import (
	"encoding/binary"
	"math/bits"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/labels"
)

// classCap bounds the number of distinct non-null label classes tracked.
// A label with more classes is an identifier or a continuous value, not a
// class: the by-class comparison is then skipped, whatever the order the
// rows came in.
const classCap = 1000

// nullClass is the name under which rows with a null label are reported.
const nullClass = "(null)"

// byClass counts, per label class, the rows and, per column, the missing
// values. Class 0 is the null label; the others are numbered in the order
// this state met them (only names cross a Merge).
type byClass struct {
	label     int // the label column's index in the schema
	ids       map[string]int32
	names     []string  // by class id; names[0] is unused (null)
	rows      []int64   // by class id
	missing   [][]int64 // by column index, then class id
	saturated bool
	scratch   []int32 // the class of each row of the current batch
	dictIDs   []int32 // scratch: the class of each dictionary value
	codeIDs   []int32 // scratch: the class of each code (codes)
	// recent is a direct-mapped cache of class names, indexed by a cheap
	// function of the text: a label has few classes, and comparing two
	// short strings costs less than hashing one for the map.
	recent [64]struct {
		name string
		id   int32
	}
}

func newByClass(label, columns int) *byClass {
	b := &byClass{label: label, ids: map[string]int32{}, names: []string{""}, rows: []int64{0},
		missing: make([][]int64, columns)}
	for i := range b.missing {
		b.missing[i] = []int64{0}
	}
	return b
}

// id returns the class id of a non-null label, adding the class if it is
// new; -1 once there are too many classes.
func (b *byClass) id(name string) int32 {
	slot := 0
	if n := len(name); n > 0 {
		slot = (n*31 + int(name[0])*7 + int(name[n-1])) & 63
	}
	r := &b.recent[slot]
	if r.id > 0 && r.name == name {
		return r.id
	}
	if id, ok := b.ids[name]; ok {
		r.name, r.id = b.names[id], id
		return id
	}
	if len(b.names)-1 >= classCap {
		b.saturate()
		return -1
	}
	id := int32(len(b.names))
	name = strings.Clone(name) // the text may point into the batch
	b.ids[name] = id
	b.names = append(b.names, name)
	r.name, r.id = name, id
	b.rows = append(b.rows, 0)
	for i := range b.missing {
		b.missing[i] = append(b.missing[i], 0)
	}
	return id
}

func (b *byClass) saturate() {
	b.saturated = true
	b.ids, b.names, b.rows, b.missing, b.scratch, b.dictIDs, b.codeIDs = nil, nil, nil, nil, nil, nil, nil
}

// classify fills b.scratch with the class of each row of arr, the label
// column of a batch, and counts the rows per class. It returns false when
// the classes overflowed.
func (b *byClass) classify(arr arrow.Array, sc *checks.StrCodes) bool {
	n := arr.Len()
	if cap(b.scratch) < n {
		b.scratch = make([]int32, n)
	}
	ids := b.scratch[:n]
	clear(ids)
	if arr.DataType().ID() == arrow.NULL || arr.NullN() == n {
		b.rows[0] += int64(n)
		return true
	}
	valid := checks.ValidityOf(arr)
	switch a := arr.(type) {
	case *array.String, *array.LargeString, *array.StringView:
		if sc != nil {
			b.codes(sc, ids)
			break
		}
		strs, _ := checks.StringsOf(a)
		b.strings(valid, &strs, ids)
	case *array.Dictionary:
		dict := a.Dictionary()
		if cap(b.dictIDs) < dict.Len() {
			b.dictIDs = make([]int32, dict.Len())
		}
		dictIDs := b.dictIDs[:dict.Len()]
		for j := range dictIDs {
			dictIDs[j] = 0
			if text, ok := labels.Text(dict, j); ok {
				if dictIDs[j] = b.id(text); dictIDs[j] < 0 {
					return false
				}
			}
		}
		for i := range ids {
			if a.IsValid(i) {
				ids[i] = dictIDs[a.GetValueIndex(i)]
			}
		}
	default:
		for i := range ids {
			if text, ok := labels.Text(arr, i); ok {
				if ids[i] = b.id(text); ids[i] < 0 {
					return false
				}
			}
		}
	}
	if b.saturated {
		return false
	}
	for _, id := range ids {
		b.rows[id]++
	}
	return true
}

func (b *byClass) strings(valid checks.Validity, strs *checks.Strings, ids []int32) {
	for i := range ids {
		if valid.Null(i) {
			continue
		}
		if ids[i] = b.id(strs.At(i)); ids[i] < 0 {
			return
		}
	}
}

// codes does what strings does, from the label column's codes
// ([checks.Memo.StrCodes]): each distinct label's class is looked up once,
// in the order strings would first meet it.
func (b *byClass) codes(sc *checks.StrCodes, ids []int32) {
	if cap(b.codeIDs) < len(sc.Values) {
		b.codeIDs = make([]int32, len(sc.Values))
	}
	class := b.codeIDs[:len(sc.Values)]
	for k, v := range sc.Values {
		if class[k] = b.id(v); class[k] < 0 {
			return
		}
	}
	for i, k := range sc.Codes {
		if k >= 0 {
			ids[i] = class[k]
		}
	}
}

// count adds the missing values of column col, marked in miss, to their
// classes, and marks their rows in rows: one pass over the batch for both.
func (b *byClass) count(col int, miss, rows []bool) {
	m := b.missing[col]
	ids := b.scratch[:len(miss)]
	rows = rows[:len(miss)]
	words, marks := flagBytes(miss), flagBytes(rows)
	i := 0
	for ; i+8 <= len(miss); i += 8 {
		w := binary.LittleEndian.Uint64(words[i:])
		if w == 0 {
			continue // eight rows with none missing (flags.go)
		}
		// The rows' marks take these eight at once; the classes count
		// the missing ones, found by their bits rather than by a branch
		// a row.
		binary.LittleEndian.PutUint64(marks[i:], binary.LittleEndian.Uint64(marks[i:])|w)
		for set := packFlags(w); set != 0; set &= set - 1 {
			m[ids[i+bits.TrailingZeros8(set)]]++
		}
	}
	for ; i < len(miss); i++ {
		if miss[i] {
			m[ids[i]]++
			rows[i] = true
		}
	}
}

func (b *byClass) merge(o *byClass) {
	if b.saturated {
		return
	}
	if o.saturated {
		b.saturate()
		return
	}
	b.rows[0] += o.rows[0]
	for i := range b.missing {
		b.missing[i][0] += o.missing[i][0]
	}
	for oid := 1; oid < len(o.names); oid++ {
		id, ok := b.ids[o.names[oid]]
		if !ok {
			if len(b.names)-1 >= classCap {
				b.saturate()
				return
			}
			id = b.id(o.names[oid])
		}
		b.rows[id] += o.rows[oid]
		for i := range b.missing {
			b.missing[i][id] += o.missing[i][oid]
		}
	}
}

// ClassMissing is one label class's missing values in one column.
type ClassMissing struct {
	Rows    int64   `json:"rows"`
	Missing int64   `json:"missing"`
	Rate    float64 `json:"rate"`
}

// classFlag is one (column, class) whose missing rate stands out.
type classFlag struct {
	class            string
	rate, rest, need float64
	setting          string
	rows, missing    int64
}

// flags applies the by-class test to column col: the classes whose missing
// rate is at least ClassRateDiff above, and at least ClassRateRatio times,
// the rate over all other labelled rows.
func (b *byClass) flags(cfg *Config, col int) []classFlag {
	m := b.missing[col]
	var labelled, labelledMissing int64
	for id := 1; id < len(b.names); id++ {
		labelled += b.rows[id]
		labelledMissing += m[id]
	}
	var out []classFlag
	for id := 1; id < len(b.names); id++ {
		rows := b.rows[id]
		restRows := labelled - rows
		if rows < cfg.ClassMinRows || rows == 0 || restRows == 0 {
			continue
		}
		rc := rate(m[id], rows)
		rr := rate(labelledMissing-m[id], restRows)
		if rc-rr >= cfg.ClassRateDiff && rc >= cfg.ClassRateRatio*rr {
			f := classFlag{class: b.names[id], rate: rc, rest: rr, rows: rows, missing: m[id],
				need: rr + cfg.ClassRateDiff, setting: "checks.missing.class_rate_diff"}
			if r := cfg.ClassRateRatio * rr; r > f.need {
				f.need, f.setting = r, "checks.missing.class_rate_ratio"
			}
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].class < out[j].class })
	return out
}

// table returns every class's counts for column col, keyed by class name.
func (b *byClass) table(col int) map[string]ClassMissing {
	out := map[string]ClassMissing{}
	m := b.missing[col]
	for id := range b.names {
		name := b.names[id]
		if id == 0 {
			if b.rows[0] == 0 {
				continue
			}
			name = nullClass
		}
		out[name] = ClassMissing{Rows: b.rows[id], Missing: m[id], Rate: rate(m[id], b.rows[id])}
	}
	return out
}
