package checks

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks/rowhash"
)

// Memo caches, for one record batch, the fingerprints several checks
// compute from it: the value fingerprints of a column ([rowhash.Values])
// and the row fingerprints of a set of columns ([rowhash.Rows]); and a
// string column's values as codes ([Memo.StrCodes]). The
// duplicates, labels and balance checks all hash the feature columns and
// the whole row; with a memo each batch is hashed once.
//
// The pipeline gives each batch a memo reset for it ([Batch.Memo]); its
// buffers are reused from batch to batch. A check reads through the memo's
// methods, which work on a nil memo too (they then compute into the
// caller's buffer), so a check never needs to know whether it has one.
//
// Slices a memo returns belong to it: read them, never write them, and
// do not keep them past the call to Observe.
type Memo struct {
	rec  arrow.RecordBatch
	n    int
	cols []memoCol
	rows []memoRows
	// used is the number of entries of rows in use for rec.
	used int
	// codeTab is the table StrCodes finds a column's codes in; codeFP
	// holds the fingerprints of a column's coded values (Values).
	codeTab []codeSlot
	codeFP  []rowhash.Fingerprint
}

type memoCol struct {
	ok bool
	fp []rowhash.Fingerprint
	// codes tells whether sc holds the column's codes (StrCodes); skip
	// is the number of batches still to go without trying (a column with
	// too many values in one batch most often has as many in the next).
	codes codeState
	skip  uint8
	sc    StrCodes
	// given are codes the reader worked out (SetStrCodes), or nil.
	given *StrCodes
	// counts are the rows of each code (CodeCounts), when countsOK.
	counts   []int64
	countsOK bool
}

type memoRows struct {
	cols []int
	fp   []rowhash.Fingerprint
}

// Reset empties the memo for the batch rec, keeping its buffers, and
// returns it.
func (m *Memo) Reset(rec arrow.RecordBatch) *Memo {
	m.rec, m.n, m.used = rec, int(rec.NumRows()), 0
	if nc := int(rec.NumCols()); len(m.cols) < nc {
		m.cols = append(m.cols, make([]memoCol, nc-len(m.cols))...)
	}
	for i := range m.cols {
		e := &m.cols[i]
		e.ok, e.codes, e.given, e.countsOK = false, codesUnknown, nil, false
		e.sc.Values = dropValues(e.sc.Values) // they point into the last batch
	}
	return m
}

func growFP(p *[]rowhash.Fingerprint, n int) []rowhash.Fingerprint {
	if cap(*p) < n {
		*p = make([]rowhash.Fingerprint, n)
	}
	return (*p)[:n]
}

// valid reports whether the memo holds rec's fingerprints.
func (m *Memo) valid(rec arrow.RecordBatch) bool { return m != nil && m.rec == rec && m.rec != nil }

// Values returns the value fingerprints of column c of rec (see
// [rowhash.Values]). Without a memo for rec they are computed into *buf.
//
// A string column with codes ([Memo.StrCodes]) has each distinct value
// hashed once: the checks ask for the codes of every string column they
// count, so most often they are there already, and a label, an annotator
// or a category read as text costs a lookup a row rather than a hash.
func (m *Memo) Values(rec arrow.RecordBatch, c int, buf *[]rowhash.Fingerprint) []rowhash.Fingerprint {
	if !m.valid(rec) {
		out := growFP(buf, int(rec.NumRows()))
		rowhash.Values(rec.Column(c), out)
		return out
	}
	e := &m.cols[c]
	if !e.ok {
		out := growFP(&e.fp, m.n)
		if sc := m.StrCodes(rec, c); sc != nil {
			codeValues(sc, out, &m.codeFP)
		} else {
			rowhash.Values(rec.Column(c), out)
		}
		e.ok = true
	}
	return e.fp[:m.n]
}

// codeValues fills out with the value fingerprints of the column sc codes,
// hashing each distinct value once (into *fps).
func codeValues(sc *StrCodes, out []rowhash.Fingerprint, fps *[]rowhash.Fingerprint) {
	vals := growFP(fps, len(sc.Values))
	for k, v := range sc.Values {
		vals[k] = rowhash.String(v)
	}
	null := rowhash.Null()
	for i, k := range sc.Codes[:len(out)] {
		if k < 0 {
			out[i] = null
		} else {
			out[i] = vals[k]
		}
	}
}

// Rows returns the row fingerprints of rec over the columns cols, in that
// order (see [rowhash.Rows]). Without a memo for rec they are computed
// into *buf, with *scratch for the column values.
//
// A row's fingerprint folds its columns' value fingerprints one after the
// other, so the fingerprints over cols continue those over any prefix of
// cols: when the memo holds some, Rows starts from the longest and folds
// the columns after it only. Checks that fingerprint both the feature
// vector and the full row list the full row's columns features first
// ([RowColumns]) and ask for the features first; the full row then costs a
// fold per column that is not a feature (at 10M rows of 11 columns, 7 of
// them features, 70M folds less).
func (m *Memo) Rows(rec arrow.RecordBatch, cols []int, buf, scratch *[]rowhash.Fingerprint) []rowhash.Fingerprint {
	if !m.valid(rec) {
		out := growFP(buf, int(rec.NumRows()))
		rowhash.Rows(rec, cols, out, scratch)
		return out
	}
	from := -1 // the entry of the longest prefix of cols held
	for i := range m.used {
		e := &m.rows[i]
		if slices.Equal(e.cols, cols) {
			return e.fp[:m.n]
		}
		if k := len(e.cols); k < len(cols) && slices.Equal(e.cols, cols[:k]) && (from < 0 || k > len(m.rows[from].cols)) {
			from = i
		}
	}
	if m.used == len(m.rows) {
		m.rows = append(m.rows, memoRows{})
	}
	e := &m.rows[m.used]
	m.used++
	e.cols = append(e.cols[:0], cols...)
	out := growFP(&e.fp, m.n)
	rest := cols
	if from >= 0 {
		copy(out, m.rows[from].fp[:m.n])
		rest = cols[len(m.rows[from].cols):]
	} else {
		seed := rowhash.Seed()
		for i := range out {
			out[i] = seed
		}
	}
	for _, c := range rest {
		rowhash.FoldAll(out, m.Values(rec, c, nil))
	}
	return out
}

// FeatureOrder returns the feature columns feat (indexes into schema) in
// the order checks fold them into a feature vector's fingerprint: columns
// of other types first, then the string columns, each in the order given.
// Which order does not matter to what the fingerprints tell apart (see
// [RowColumns]); this one puts last the only values that normalising text
// changes. The duplicates check fingerprints each row's feature vector
// with its text normalised as well, and a row whose text normalisation
// changes is folded again from the vector's first string column rather
// than its first column: on a 1M-row, 203-column file with 40 text
// columns, where almost every row has some text to normalise, the folds
// again took 1.1 s of CPU (docs/performance.md, 2026-11-28 q). Every check
// that fingerprints feature vectors uses this order, so that they share
// the fingerprints and their partitions.
func FeatureOrder(schema *arrow.Schema, feat []int) []int {
	out := make([]int, 0, len(feat))
	for _, text := range []bool{false, true} {
		for _, c := range feat {
			if IsString(schema.Field(c).Type) == text {
				out = append(out, c)
			}
		}
	}
	return out
}

// PlainFeatures returns how many of the feature columns feat, in the
// order of FeatureOrder, come before the first string column.
func PlainFeatures(schema *arrow.Schema, feat []int) int {
	for k, c := range feat {
		if IsString(schema.Field(c).Type) {
			return k
		}
	}
	return len(feat)
}

// FeatureRows returns the row fingerprints of rec over the feature columns
// feat (in the order of FeatureOrder, the first plain of them not strings,
// see PlainFeatures), as Rows does; with a memo for rec, it first has the
// memo hold those over feat[:plain], so that the feature vectors continue
// them and the duplicates check folds its normalised text onto them,
// whichever check asks first.
func (m *Memo) FeatureRows(rec arrow.RecordBatch, feat []int, plain int, buf, scratch *[]rowhash.Fingerprint) []rowhash.Fingerprint {
	if m.valid(rec) && 0 < plain && plain < len(feat) {
		m.Rows(rec, feat[:plain], nil, scratch)
	}
	return m.Rows(rec, feat, buf, scratch)
}

// IsString reports whether t holds text: a string type, or a dictionary of
// one.
func IsString(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// RowColumns returns the columns of a full row of n columns in the order
// checks fingerprint it: the feature columns feat (in their order) first,
// then the others in schema order. The full row's fingerprints then
// continue the feature vector's, which [Memo.Rows] takes up rather than
// folding the features again. Which order is used does not matter to what
// the fingerprints tell apart (two rows share one exactly when all their
// values match, up to a 128-bit collision); checks that share a memo use
// this one so that they share the full row's fingerprints too.
func RowColumns(feat []int, n int) []int {
	out := append(make([]int, 0, n), feat...)
	for i := range n {
		if !slices.Contains(feat, i) {
			out = append(out, i)
		}
	}
	return out
}
