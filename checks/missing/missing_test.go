package missing_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/missing"
)

// The test data is written as plain Go values first; the oracle below counts
// from those values with simple loops, and the Arrow batches the check sees
// are built from the same values.

type kind int

const (
	kString kind = iota
	kLargeString
	kStringView
	kDict // dictionary<int32, utf8>
	kFloat64
	kFloat32
	kFloat16
	kInt64
	kInt32
	kUint8
	kBool
)

var kindType = map[kind]arrow.DataType{
	kString:      arrow.BinaryTypes.String,
	kLargeString: arrow.BinaryTypes.LargeString,
	kStringView:  arrow.BinaryTypes.StringView,
	kDict:        &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
	kFloat64:     arrow.PrimitiveTypes.Float64,
	kFloat32:     arrow.PrimitiveTypes.Float32,
	kFloat16:     arrow.FixedWidthTypes.Float16,
	kInt64:       arrow.PrimitiveTypes.Int64,
	kInt32:       arrow.PrimitiveTypes.Int32,
	kUint8:       arrow.PrimitiveTypes.Uint8,
	kBool:        arrow.FixedWidthTypes.Boolean,
}

// col is one column as Go values: nil is null; strings for the string
// kinds, float64 / float32 for floats (float32 also for float16, holding a
// value float16 represents exactly), int64 for every integer kind, bool.
type col struct {
	name string
	kind kind
	vals []any
}

// columns is cols as checktest columns.
func columns(cols []col) []checktest.Column {
	out := make([]checktest.Column, len(cols))
	for i, c := range cols {
		out[i] = checktest.Column{Name: c.name, Type: kindType[c.kind], Vals: c.vals}
	}
	return out
}

func schemaOf(cols []col) *arrow.Schema { return checktest.Schema(columns(cols)) }

// batches cuts cols into record batches at the given row boundaries.
func batches(t *testing.T, mem memory.Allocator, cols []col, bounds ...int) []checks.Batch {
	t.Helper()
	return checktest.Table(t, mem, columns(cols), bounds...)
}

// ---- the oracle ----

// unicodeWhiteSpace is the Unicode White_Space property, written out from
// PropList.txt rather than taken from package unicode.
var unicodeWhiteSpace = []rune{
	'\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680,
	0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
	0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
}

func isWhite(r rune) bool { return slices.Contains(unicodeWhiteSpace, r) }

func trimWhite(s string) string {
	rs := []rune(s)
	for len(rs) > 0 && isWhite(rs[0]) {
		rs = rs[1:]
	}
	for len(rs) > 0 && isWhite(rs[len(rs)-1]) {
		rs = rs[:len(rs)-1]
	}
	return string(rs)
}

type category int

const (
	value category = iota
	null
	nan
	empty
	sentinel
)

// classify is the naive reading of the missing check's documentation.
func classify(c col, v any, cfg *missing.Config) category {
	if v == nil {
		return null
	}
	sentinels := append(append([]float64{}, cfg.NumericSentinels...), cfg.ColumnSentinels[c.name]...)
	switch v := v.(type) {
	case string:
		t := trimWhite(v)
		if t == "" {
			return empty
		}
		for _, tok := range cfg.Tokens {
			if t == tok {
				return sentinel
			}
		}
	case float64:
		if v != v {
			return nan
		}
		for _, s := range sentinels {
			if v == s {
				return sentinel
			}
		}
	case float32:
		if v != v {
			return nan
		}
		for _, s := range sentinels {
			// A sentinel is compared in the column's own type: 0.1 in
			// the policy means the float32 (or float16) nearest 0.1.
			as := float32(s)
			if c.kind == kFloat16 {
				as = float16.New(float32(s)).Float32()
			}
			if v == as {
				return sentinel
			}
		}
	case int64:
		for _, s := range sentinels {
			if s == math.Trunc(s) && math.Abs(s) < 1<<62 && int64(s) == v {
				return sentinel
			}
		}
	}
	return value
}

func oracle(cols []col, cfg *missing.Config) missing.Metrics {
	n := 0
	if len(cols) > 0 {
		n = len(cols[0].vals)
	}
	m := missing.Metrics{Rows: int64(n), Columns: map[string]missing.ColumnMetrics{}}
	rowMissing := make([]bool, n)
	for _, c := range cols {
		var cm missing.ColumnMetrics
		for i, v := range c.vals {
			switch classify(c, v, cfg) {
			case null:
				cm.Nulls++
			case nan:
				cm.NaN++
			case empty:
				cm.Empty++
			case sentinel:
				cm.Sentinel++
			default:
				continue
			}
			cm.Missing++
			rowMissing[i] = true
		}
		if n > 0 {
			cm.MissingRate = float64(cm.Missing) / float64(n)
		}
		m.Columns[c.name] = cm
	}
	for _, r := range rowMissing {
		if r {
			m.RowsWithMissing++
		}
	}
	if n > 0 {
		m.RowsWithMissingRate = float64(m.RowsWithMissing) / float64(n)
	}
	return m
}

// findingKey is what a finding is compared on.
type findingKey struct {
	Code, Column string
	Rows         int64
}

// expect derives status, score and findings from the oracle's metrics, as
// the package documentation states them.
func expect(cols []col, m missing.Metrics, cfg *missing.Config) (checks.Status, *float64, []findingKey) {
	if m.Rows == 0 {
		return checks.NotApplicable, nil, []findingKey{{Code: "MIS000"}}
	}
	status := checks.Pass
	var fail, warn, sent []findingKey
	sum := 0.0
	for _, c := range cols {
		cm := m.Columns[c.name]
		sum += cm.MissingRate
		if cm.MissingRate > cfg.FailRate {
			status = checks.Fail
			fail = append(fail, findingKey{"MIS001", c.name, cm.Missing})
		} else if cm.MissingRate > cfg.WarnRate {
			if status == checks.Pass {
				status = checks.Warn
			}
			warn = append(warn, findingKey{"MIS002", c.name, cm.Missing})
		}
		if cm.Sentinel > 0 {
			sent = append(sent, findingKey{"MIS003", c.name, cm.Sentinel})
		}
	}
	all := append(append(fail, warn...), sent...)
	if m.RowsWithMissing > 0 {
		all = append(all, findingKey{"MIS004", "", m.RowsWithMissing})
	}
	score := 100.0
	if len(cols) > 0 {
		score = math.Round(100*(1-sum/float64(len(cols)))*100) / 100
	}
	return status, &score, all
}

func keys(fs []checks.Finding) []findingKey {
	var out []findingKey
	for _, f := range fs {
		k := findingKey{Code: f.Code, Column: f.Column}
		if f.Rows != nil {
			k.Rows = *f.Rows
		}
		out = append(out, k)
	}
	return out
}

func metricsOf(t *testing.T, r checks.Result) missing.Metrics {
	t.Helper()
	var m missing.Metrics
	checktest.Metrics(t, nil, r, &m, false)
	return m
}

// compare checks a result against the oracle.
func compare(t *testing.T, cols []col, cfg *missing.Config, r checks.Result) {
	t.Helper()
	want := oracle(cols, cfg)
	got := metricsOf(t, r)
	for _, c := range cols {
		if g, w := got.Columns[c.name], want.Columns[c.name]; g != w {
			t.Errorf("column %q (%s): got %+v, want %+v", c.name, kindType[c.kind], g, w)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics:\n got %+v\nwant %+v", got, want)
	}
	status, score, findings := expect(cols, want, cfg)
	if r.Status != status {
		t.Errorf("status %s, want %s", r.Status, status)
	}
	if (r.Score == nil) != (score == nil) || (score != nil && *r.Score != *score) {
		t.Errorf("score %v, want %v", fmtScore(r.Score), fmtScore(score))
	}
	if g := keys(r.Findings); !reflect.DeepEqual(g, findings) {
		t.Errorf("findings:\n got %v\nwant %v", g, findings)
	}
	if r.Name != "missing" {
		t.Errorf("name %q", r.Name)
	}
}

func fmtScore(s *float64) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprint(*s)
}

func defaults() *missing.Config { return missing.Check.DefaultConfig().(*missing.Config) }

// env lets the check name values (--show-values), which the candidate
// tests compare; TestDisguisedValuesHidden checks the default.
func env(cols []col) checks.Env { return checks.Env{Schema: schemaOf(cols), ShowValues: true} }

// ---- hand-written cases ----

// TestCategories pins each category on small hand-counted columns.
func TestCategories(t *testing.T) {
	nan64, nan32 := math.NaN(), float32(math.NaN())
	type counts struct{ nulls, nan, empty, sentinel int64 }
	withSentinels := func(global []float64, perCol map[string][]float64) func(*missing.Config) {
		return func(c *missing.Config) { c.NumericSentinels, c.ColumnSentinels = global, perCol }
	}
	cases := []struct {
		name string
		kind kind
		vals []any
		cfg  func(*missing.Config)
		want counts
	}{
		{"nulls in a string column", kString, []any{nil, "a", nil}, nil, counts{nulls: 2}},
		{"nulls in an int column", kInt64, []any{nil, int64(1)}, nil, counts{nulls: 1}},
		{"nulls in a bool column", kBool, []any{nil, true, false}, nil, counts{nulls: 1}},
		{"all null", kFloat64, []any{nil, nil}, nil, counts{nulls: 2}},
		{"NaN float64", kFloat64, []any{nan64, 1.0, nil, math.Inf(1)}, nil, counts{nulls: 1, nan: 1}},
		{"NaN float32", kFloat32, []any{nan32, float32(1), nan32}, nil, counts{nan: 2}},
		{"NaN float16", kFloat16, []any{nan32, float32(0.5)}, nil, counts{nan: 1}},
		{"empty and whitespace", kString, []any{"", " ", "\t", "\n\r", "\u00a0", "\u2003", "\u3000", " \u2028 ", "x", " x "}, nil, counts{empty: 8}},
		{"zero-width space and BOM are not whitespace", kString, []any{"\u200b", "\ufeff"}, nil, counts{}},
		{"sentinel tokens with surrounding whitespace", kString, []any{"NA", " NA ", "\tNA\n", "NA\u00a0", "\u3000N/A", "?", " - ", "NA NA", "NAx"}, nil, counts{sentinel: 7}},
		{"tokens are case-sensitive", kString, []any{"na", "Na", "nA", "NA", "n/a", "N/a", "NULL", "NuLL"}, nil, counts{sentinel: 3}},
		{"custom tokens replace the defaults", kString, []any{"NA", "missing", " missing "}, func(c *missing.Config) { c.Tokens = []string{"missing"} }, counts{sentinel: 2}},
		{"no tokens", kString, []any{"NA", "?", ""}, func(c *missing.Config) { c.Tokens = nil }, counts{empty: 1}},
		{"large string", kLargeString, []any{nil, "", " NA ", "x", "null"}, nil, counts{nulls: 1, empty: 1, sentinel: 2}},
		{"string view", kStringView, []any{nil, "\t", "None", "a value longer than twelve bytes", " -1.#IND "}, nil, counts{nulls: 1, empty: 1, sentinel: 2}},
		{"dictionary", kDict, []any{"NA", "NA", "x", nil, " ", "x", "#N/A"}, nil, counts{nulls: 1, empty: 1, sentinel: 3}},
		{"numbers are not string tokens", kFloat64, []any{-999.0, 0.0}, nil, counts{}},
		{"global sentinel on int64", kInt64, []any{int64(-999), int64(999), int64(0), nil}, withSentinels([]float64{-999}, nil), counts{nulls: 1, sentinel: 1}},
		{"global sentinel on int32", kInt32, []any{int64(-999), int64(-999), int64(1)}, withSentinels([]float64{-999}, nil), counts{sentinel: 2}},
		{"global sentinel on float64", kFloat64, []any{-999.0, -999.5, nan64}, withSentinels([]float64{-999}, nil), counts{nan: 1, sentinel: 1}},
		{"fractional sentinel never matches an int", kInt64, []any{int64(-999), int64(-1000)}, withSentinels([]float64{-999.5}, nil), counts{}},
		{"negative zero equals zero", kFloat64, []any{math.Copysign(0, -1), 0.0}, withSentinels([]float64{0}, nil), counts{sentinel: 2}},
		{"per-column sentinel", kUint8, []any{int64(255), int64(254), nil}, withSentinels(nil, map[string][]float64{"c": {255}}), counts{nulls: 1, sentinel: 1}},
		{"per-column sentinel for another column", kUint8, []any{int64(255)}, withSentinels(nil, map[string][]float64{"other": {255}}), counts{}},
		{"global and per-column sentinels add up", kInt32, []any{int64(-1), int64(-999), int64(3)}, withSentinels([]float64{-999}, map[string][]float64{"c": {-1}}), counts{sentinel: 2}},
		{"float32 sentinel not exact in binary", kFloat32, []any{float32(-999.9), float32(-999.9), float32(-999)}, withSentinels(nil, map[string][]float64{"c": {-999.9}}), counts{sentinel: 2}},
		{"float16 sentinel not exact in binary", kFloat16, []any{float16.New(0.1).Float32(), float32(0.5)}, withSentinels([]float64{0.1}, nil), counts{sentinel: 1}},
		{"NaN is NaN, not a sentinel", kFloat64, []any{nan64}, withSentinels([]float64{math.NaN()}, nil), counts{nan: 1}},
		{"null slots are not read as values", kFloat32, []any{nil, nil, float32(-999)}, withSentinels([]float64{-999}, nil), counts{nulls: 2, sentinel: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := checktest.Allocator(t)
			cfg := defaults()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			cols := []col{{name: "c", kind: tc.kind, vals: tc.vals}}
			if tc.name == "per-column sentinel for another column" {
				cols = append(cols, col{name: "other", kind: kInt64, vals: []any{int64(1)}})
			}
			bs := batches(t, mem, cols)
			defer checktest.Release(bs)
			r := checktest.Result(t, &missing.Check, cfg, env(cols), bs)
			got := metricsOf(t, r).Columns["c"]
			want := counts{nulls: got.Nulls, nan: got.NaN, empty: got.Empty, sentinel: got.Sentinel}
			if want != tc.want {
				t.Errorf("got %+v, want %+v", want, tc.want)
			}
			if got.Missing != tc.want.nulls+tc.want.nan+tc.want.empty+tc.want.sentinel {
				t.Errorf("missing %d is not the sum of the categories %+v", got.Missing, tc.want)
			}
			compare(t, cols, cfg, r)
		})
	}
}

// TestDictionaryNullValue covers a dictionary whose values hold a null and
// placeholders no row points at: a row pointing at the null value is null,
// an unused placeholder counts nothing.
func TestDictionaryNullValue(t *testing.T) {
	mem := checktest.Allocator(t)
	db := array.NewStringBuilder(mem)
	db.AppendValues([]string{"x", "", "NA", "unused", "?"}, []bool{true, false, true, true, true})
	dict := db.NewArray()
	db.Release()
	defer dict.Release()
	ib := array.NewInt8Builder(mem)
	// rows: x, null value, NA, null index, x, NA
	ib.AppendValues([]int8{0, 1, 2, 0, 0, 2}, []bool{true, true, true, false, true, true})
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	arr := array.NewDictionaryArray(dt, idx, dict)
	defer arr.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 6)
	defer rec.Release()

	r := checktest.SplitMerge(t, &missing.Check, defaults(), checks.Env{Schema: sc}, checktest.Batches(0, rec), checktest.Options{})
	got := metricsOf(t, r)
	want := missing.ColumnMetrics{Nulls: 2, Sentinel: 2, Missing: 4, MissingRate: 4.0 / 6}
	if got.Columns["d"] != want {
		t.Errorf("got %+v, want %+v", got.Columns["d"], want)
	}
	if got.RowsWithMissing != 4 {
		t.Errorf("rows_with_missing %d, want 4", got.RowsWithMissing)
	}
}

// TestNullTypeColumn: a column of Arrow's null type (an all-null Parquet
// column, an NDJSON key never given a value) is all nulls. Such an array
// has no validity bitmap, so its IsNull reports false.
func TestNullTypeColumn(t *testing.T) {
	mem := checktest.Allocator(t)
	nulls := array.NewNull(5)
	defer nulls.Release()
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3, 4, 5}, nil)
	ints := ib.NewArray()
	ib.Release()
	defer ints.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.Null, Nullable: true}, {Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{nulls, ints}, 5)
	defer rec.Release()
	r := checktest.SplitMerge(t, &missing.Check, defaults(), checks.Env{Schema: sc}, checktest.Batches(0, rec), checktest.Options{})
	m := metricsOf(t, r)
	if m.Columns["n"].Nulls != 5 || m.RowsWithMissing != 5 || r.Status != checks.Fail {
		t.Errorf("null-type column: %+v, rows_with_missing %d, status %s; want 5 nulls, 5 rows, fail", m.Columns["n"], m.RowsWithMissing, r.Status)
	}
}

// TestRowsWithMissing counts a row once however many of its columns are
// missing.
func TestRowsWithMissing(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{
		{"a", kString, []any{nil, "x", "NA", "x", ""}},
		{"b", kFloat64, []any{math.NaN(), 1.0, nil, 2.0, 3.0}},
		{"c", kInt64, []any{nil, int64(1), int64(2), int64(3), nil}},
	}
	bs := batches(t, mem, cols, 2)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &missing.Check, defaults(), env(cols), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.RowsWithMissing != 3 || m.RowsWithMissingRate != 0.6 || m.Rows != 5 {
		t.Errorf("rows %d, rows_with_missing %d (rate %v), want 5, 3 (0.6)", m.Rows, m.RowsWithMissing, m.RowsWithMissingRate)
	}
	compare(t, cols, defaults(), r)
}

// TestRowsWithMissingCoded: a string column of few values (read through
// its codes, see checks.StrCodes) whose empty values and sentinels are the
// only missing values of their rows: each such row is counted.
func TestRowsWithMissingCoded(t *testing.T) {
	mem := checktest.Allocator(t)
	vocab := []any{"x", "", "NA", nil, "y", " ", "z"}
	var a, b []any
	for i := range 300 {
		a = append(a, vocab[(i*i+i/7)%len(vocab)])
		b = append(b, int64(i))
	}
	cols := []col{{"a", kString, a}, {"b", kInt64, b}}
	bs := batches(t, mem, cols, 70, 150, 151)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &missing.Check, defaults(), env(cols), bs, checktest.Options{})
	if m := metricsOf(t, r); m.RowsWithMissing == 0 || m.RowsWithMissing == m.Rows {
		t.Fatalf("rows_with_missing %d of %d: the column should make some rows missing, not all", m.RowsWithMissing, m.Rows)
	}
	compare(t, cols, defaults(), r)
}

// TestStatusThresholds: a rate exactly equal to a threshold is not above it.
func TestStatusThresholds(t *testing.T) {
	cases := []struct {
		missing int // of 20 rows; warn_rate 0.05 (1 row), fail_rate 0.5 (10 rows)
		status  checks.Status
		code    string
		score   float64
	}{
		{0, checks.Pass, "", 100},
		{1, checks.Pass, "", 95},
		{2, checks.Warn, "MIS002", 90},
		{10, checks.Warn, "MIS002", 50},
		{11, checks.Fail, "MIS001", 45},
		{20, checks.Fail, "MIS001", 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.missing), func(t *testing.T) {
			mem := checktest.Allocator(t)
			vals := make([]any, 20)
			for i := range vals {
				vals[i] = "v"
				if i < tc.missing {
					vals[i] = nil
				}
			}
			cols := []col{{"a", kString, vals}}
			bs := batches(t, mem, cols, 7)
			defer checktest.Release(bs)
			cfg := defaults()
			r := checktest.Result(t, &missing.Check, cfg, env(cols), bs)
			if r.Status != tc.status {
				t.Errorf("status %s, want %s", r.Status, tc.status)
			}
			if r.Score == nil || *r.Score != tc.score {
				t.Errorf("score %s, want %v", fmtScore(r.Score), tc.score)
			}
			var codes []string
			for _, f := range r.Findings {
				codes = append(codes, f.Code)
				switch f.Code {
				case "MIS001":
					checkThreshold(t, f, float64(tc.missing)/20, cfg.FailRate, "checks.missing.fail_rate")
				case "MIS002":
					checkThreshold(t, f, float64(tc.missing)/20, cfg.WarnRate, "checks.missing.warn_rate")
				}
			}
			if tc.code != "" && !slices.Contains(codes, tc.code) || tc.code == "" && (slices.Contains(codes, "MIS001") || slices.Contains(codes, "MIS002")) {
				t.Errorf("findings %v, want %q", codes, tc.code)
			}
			compare(t, cols, cfg, r)
		})
	}
}

func checkThreshold(t *testing.T, f checks.Finding, value, threshold float64, setting string) {
	t.Helper()
	if f.Value == nil || *f.Value != value || f.Threshold == nil || *f.Threshold != threshold || f.Setting != setting || f.Column != "a" {
		t.Errorf("finding %s: value %v threshold %v setting %q column %q; want %v, %v, %q, \"a\"",
			f.Code, f.Value, f.Threshold, f.Setting, f.Column, value, threshold, setting)
	}
}

// TestWorstColumnDecides: one failing column fails the check even when the
// others are clean, and a warning does not hide a failure.
func TestWorstColumnDecides(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{
		{"warn", kString, []any{nil, "x", "x", "x"}},
		{"fail", kString, []any{nil, nil, nil, "x"}},
		{"clean", kInt64, []any{int64(1), int64(2), int64(3), int64(4)}},
	}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	r := checktest.Result(t, &missing.Check, defaults(), env(cols), bs)
	if r.Status != checks.Fail {
		t.Errorf("status %s, want fail", r.Status)
	}
	// mean rate (0.25 + 0.75 + 0) / 3 = 1/3
	if r.Score == nil || *r.Score != 66.67 {
		t.Errorf("score %s, want 66.67", fmtScore(r.Score))
	}
	compare(t, cols, defaults(), r)
}

// TestNoRows: a dataset without rows is not applicable, never a pass.
func TestNoRows(t *testing.T) {
	for _, n := range []int{0, 1, 3} { // no batch at all, or zero-row batches
		t.Run(fmt.Sprint(n, " batches"), func(t *testing.T) {
			mem := checktest.Allocator(t)
			cols := []col{{"a", kString, nil}, {"b", kFloat64, nil}}
			var bs []checks.Batch
			for range n {
				bs = append(bs, batches(t, mem, cols)...)
			}
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &missing.Check, defaults(), env(cols), bs, checktest.Options{Trials: 5})
			if r.Status != checks.NotApplicable || r.Score != nil {
				t.Errorf("status %s score %s, want not_applicable, null", r.Status, fmtScore(r.Score))
			}
			if len(r.Findings) != 1 || r.Findings[0].Code != "MIS000" {
				t.Errorf("findings %v, want one MIS000", keys(r.Findings))
			}
			compare(t, cols, defaults(), r)
		})
	}
}

// TestNoColumns: rows without columns cannot miss anything.
func TestNoColumns(t *testing.T) {
	sc := arrow.NewSchema(nil, nil)
	rec := array.NewRecordBatch(sc, nil, 4)
	defer rec.Release()
	r := checktest.Result(t, &missing.Check, defaults(), checks.Env{Schema: sc}, checktest.Batches(0, rec))
	if r.Status != checks.Pass || r.Score == nil || *r.Score != 100 {
		t.Errorf("status %s score %s, want pass 100", r.Status, fmtScore(r.Score))
	}
}

// TestSentinelFinding: placeholder values are reported per column with the
// setting to change.
func TestSentinelFinding(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"a", kString, []any{"NA", "x", "?", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x"}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	r := checktest.Result(t, &missing.Check, defaults(), env(cols), bs)
	var found bool
	for _, f := range r.Findings {
		if f.Code == "MIS003" {
			found = true
			if f.Column != "a" || f.Rows == nil || *f.Rows != 2 || f.Severity != checks.Info || f.Setting != "checks.missing.tokens" {
				t.Errorf("MIS003: %+v", f)
			}
		}
	}
	if !found || r.Status != checks.Pass {
		t.Errorf("status %s findings %v, want pass with MIS003", r.Status, keys(r.Findings))
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := defaults()
	if !slices.Equal(cfg.Tokens, missing.DefaultTokens) {
		t.Errorf("default tokens %q, want DefaultTokens", cfg.Tokens)
	}
	cfg.Tokens[0] = "changed"
	if missing.DefaultTokens[0] == "changed" {
		t.Error("DefaultConfig shares its token slice with DefaultTokens")
	}
	if cfg.WarnRate >= cfg.FailRate {
		t.Errorf("warn_rate %v not below fail_rate %v", cfg.WarnRate, cfg.FailRate)
	}
	if slices.Contains(missing.DefaultTokens, "na") || !slices.Contains(missing.DefaultTokens, "NA") {
		t.Error(`default tokens: want "NA" and not "na"`)
	}
}

func TestNewErrors(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cfg := defaults()
	cfg.ColumnSentinels = map[string][]float64{"ag": {-1}}
	if _, err := missing.Check.New(cfg, checks.Env{Schema: sc}); err == nil || !strings.Contains(err.Error(), `"ag"`) {
		t.Errorf("column_sentinels for an absent column: err %v, want one naming it", err)
	}
	if _, err := missing.Check.New(missing.Config{}, checks.Env{Schema: sc}); err == nil {
		t.Error("config by value: want an error")
	}
}

func TestMergeIncompatible(t *testing.T) {
	a := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ab := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	sa := checktest.New(t, &missing.Check, defaults(), checks.Env{Schema: a})
	for name, other := range map[string]checks.State{
		"other column":  checktest.New(t, &missing.Check, defaults(), checks.Env{Schema: b}),
		"more columns":  checktest.New(t, &missing.Check, defaults(), checks.Env{Schema: ab}),
		"another check": checktest.Foreign{},
	} {
		if err := sa.Merge(other); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// ---- random data ----

var (
	stringPool = []string{"", " ", "\t", "\n", "\u00a0", "\u2003", "\u3000", " \u2028 ", "\u1680",
		"NA", " NA ", "\tNA\n", "NA\u00a0", "na", "Na", "N/A", "n/a", "NULL", "null", "None", "none",
		"?", "-", "--", "#N/A", "#N/A N/A", "<NA>", "-1.#IND", "1.#QNAN", "nan", "NaN", "-nan",
		"\u200b", "\ufeff", "x", "hello", "a b", "0", "-999", "NA NA", "missing", "ünïcödé"}
	float64Pool = []float64{math.NaN(), -999, -999.9, 0, math.Copysign(0, -1), 1.5, math.Inf(1), math.Inf(-1), 42, 1e10, 0.1}
	int64Pool   = []int64{-999, -1, 0, 1, 7, 42, 1 << 40}
	uint8Pool   = []int64{0, 1, 7, 200, 255}
)

var (
	cleanStrings = []string{"x", "hello", "a b", "ünïcödé", "0"}
	cleanFloats  = []float64{1.5, 42, 1e10}
	cleanInts    = []int64{1, 7, 42}
)

// randomValue draws a value of kind k: null with probability dirt, from
// the pools above (placeholders and values mixed) with probability dirt,
// else a clean value.
func randomValue(rng *rand.Rand, k kind, dirt float64) any {
	if rng.Float64() < dirt {
		return nil
	}
	pick := rng.Float64() < dirt
	switch k {
	case kString, kLargeString, kStringView, kDict:
		if pick {
			return stringPool[rng.IntN(len(stringPool))]
		}
		return cleanStrings[rng.IntN(len(cleanStrings))]
	case kFloat64, kFloat32, kFloat16:
		v := cleanFloats[rng.IntN(len(cleanFloats))]
		if pick {
			v = float64Pool[rng.IntN(len(float64Pool))]
		}
		switch k {
		case kFloat32:
			return float32(v)
		case kFloat16:
			return float16.New(float32(v)).Float32()
		}
		return v
	case kInt64, kInt32:
		if pick {
			return int64Pool[rng.IntN(len(int64Pool)-1)] // int32 range
		}
		return cleanInts[rng.IntN(len(cleanInts))]
	case kUint8:
		if pick {
			return uint8Pool[rng.IntN(len(uint8Pool))]
		}
		return cleanInts[rng.IntN(len(cleanInts))]
	case kBool:
		return rng.IntN(2) == 0
	}
	panic("unknown kind")
}

func randomColumns(rng *rand.Rand, rows int) []col {
	names := map[kind]string{kString: "s", kLargeString: "ls", kStringView: "sv", kDict: "dict",
		kFloat64: "f64", kFloat32: "f32", kFloat16: "f16", kInt64: "i64", kInt32: "i32", kUint8: "u8", kBool: "b"}
	// Columns range from almost clean to mostly missing, so pass, warn
	// and fail all occur, and rows_with_missing stays below rows.
	dirt := []float64{0, 0.002, 0.01, 0.04, 0.2, 0.6}
	dirt = dirt[:2+rng.IntN(len(dirt)-1)]
	var cols []col
	for k := kString; k <= kBool; k++ {
		c := col{name: names[k], kind: k, vals: make([]any, rows)}
		d := dirt[rng.IntN(len(dirt))]
		for i := range c.vals {
			c.vals[i] = randomValue(rng, k, d)
		}
		cols = append(cols, c)
	}
	return cols
}

// TestRandomAgainstOracle compares the check with the oracle on random
// data under several configurations, one pass and split-and-merged.
func TestRandomAgainstOracle(t *testing.T) {
	configs := map[string]func(*missing.Config){
		"default": nil,
		"sentinels": func(c *missing.Config) {
			c.NumericSentinels = []float64{-999, 0}
			c.ColumnSentinels = map[string][]float64{"f32": {-999.9}, "f16": {0.1}, "u8": {255}, "i32": {-1}, "s": {1}}
		},
		"tokens and tight thresholds": func(c *missing.Config) {
			c.Tokens = []string{"missing", "-", "na"}
			c.WarnRate, c.FailRate = 0.01, 0.2
		},
	}
	statuses := map[checks.Status]int{}
	partial := 0 // runs where some but not all rows miss a value
	for seed := uint64(1); seed <= 6; seed++ {
		for name, mod := range configs {
			t.Run(fmt.Sprintf("seed %d %s", seed, name), func(t *testing.T) {
				mem := checktest.Allocator(t)
				rng := rand.New(rand.NewPCG(seed, 7))
				rows := 500 + rng.IntN(1500)
				cols := randomColumns(rng, rows)
				cfg := defaults()
				// The base oracle knows nothing of disguised-missing
				// candidates and by-class rates: extra_test.go's oracle
				// covers those.
				cfg.CandidateMinRows, cfg.ClassMinRows = math.MaxInt64, math.MaxInt64
				if mod != nil {
					mod(cfg)
				}
				bs := batches(t, mem, cols, checktest.RandomBounds(rng, rows, 0, 300)...)
				defer checktest.Release(bs)
				r := checktest.SplitMerge(t, &missing.Check, cfg, env(cols), bs, checktest.Options{Seed: seed, Trials: 10})
				compare(t, cols, cfg, r)
				statuses[r.Status]++
				if m := metricsOf(t, r); m.RowsWithMissing > 0 && m.RowsWithMissing < m.Rows {
					partial++
				}
			})
		}
	}
	// The generator must exercise what it is meant to.
	if statuses[checks.Pass] == 0 || statuses[checks.Warn] == 0 || statuses[checks.Fail] == 0 || partial == 0 {
		t.Errorf("random runs reached statuses %v and %d runs with some rows missing; want every status and some", statuses, partial)
	}
}
