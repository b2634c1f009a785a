package missing_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/fixtures"
)

// ---- oracles for the disguised-missing candidates and the by-class test ----

// oracleNumericPlaceholders is the documented numeric list, written out
// again here.
var oracleNumericPlaceholders = []float64{-1, -9, -99, -999, -9999, -99999, 9, 99, 999, 9999, 99999, 999999}

func isNumericKind(k kind) bool {
	switch k {
	case kFloat64, kFloat32, kFloat16, kInt64, kInt32, kUint8:
		return true
	}
	return false
}

func isStringKind(k kind) bool {
	switch k {
	case kString, kLargeString, kStringView, kDict:
		return true
	}
	return false
}

func asFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int64:
		return float64(v)
	}
	panic(fmt.Sprintf("not a number: %T", v))
}

// oracleCandidates computes a column's candidates naively: count every
// non-missing value by its logical value, then apply the documented test.
func oracleCandidates(c col, cfg *missing.Config, rows int) []missing.Candidate {
	if !isNumericKind(c.kind) && !isStringKind(c.kind) {
		return nil
	}
	counts := map[any]int64{}
	var nonMissing int64
	negatives := false
	for _, v := range c.vals {
		if classify(c, v, cfg) != value {
			continue
		}
		nonMissing++
		if isNumericKind(c.kind) {
			f := asFloat(v)
			counts[f+0]++ // -0 and 0 are one key
			negatives = negatives || f < 0
		} else {
			counts[v.(string)]++
		}
	}
	if nonMissing == 0 {
		return nil
	}
	distinct := int64(len(counts))
	if distinct > 10000 {
		distinct = 10001
	}
	need := cfg.CandidateFactor * float64(nonMissing) / float64(distinct)
	// The values that are not placeholders: a placeholder far outside
	// their range is a candidate at any count above the minimum.
	var others []float64
	if isNumericKind(c.kind) {
		for v := range counts {
			if !slices.Contains(oracleNumericPlaceholders, v.(float64)) {
				others = append(others, v.(float64))
			}
		}
	}
	apart := func(p float64) bool {
		if len(others) == 0 {
			return false
		}
		lo, hi := slices.Min(others), slices.Max(others)
		if p < 0 {
			return lo >= 0
		}
		return p > 10*max(math.Abs(lo), math.Abs(hi))
	}
	var out []missing.Candidate
	add := func(name string, n int64, far bool) {
		if n == 0 || n < cfg.CandidateMinRows {
			return
		}
		if float64(n) >= need {
			out = append(out, missing.Candidate{Value: name, Count: n, Share: float64(n) / float64(rows), Why: "frequency"})
		} else if far {
			out = append(out, missing.Candidate{Value: name, Count: n, Share: float64(n) / float64(rows), Why: "out_of_range"})
		}
	}
	if isNumericKind(c.kind) {
		for _, p := range oracleNumericPlaceholders {
			add(strconv.FormatFloat(p, 'f', -1, 64), counts[p], apart(p))
		}
		if !negatives {
			add("0", counts[0.0], false)
		}
	} else {
		for _, p := range missing.StringPlaceholders {
			var n int64
			for v, k := range counts {
				if strings.EqualFold(trimWhite(v.(string)), p) {
					n += k
				}
			}
			add(p, n, false)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}

type classKey struct{ column, class string }

// oracleByClass returns the flagged (column, class) pairs and, for each
// flagged column, every class's counts.
func oracleByClass(cols []col, label string, cfg *missing.Config) (map[classKey]float64, map[string]map[string]missing.ClassMissing) {
	var lab col
	for _, c := range cols {
		if c.name == label {
			lab = c
		}
	}
	className := func(v any) string {
		switch v := v.(type) {
		case nil:
			return "(null)"
		case string:
			return v
		case int64:
			return strconv.FormatInt(v, 10)
		}
		panic("label type")
	}
	flags := map[classKey]float64{}
	tables := map[string]map[string]missing.ClassMissing{}
	for _, c := range cols {
		if c.name == label {
			continue
		}
		rows, miss := map[string]int64{}, map[string]int64{}
		var labelled, labelledMiss int64
		for i, v := range c.vals {
			cl := className(lab.vals[i])
			m := classify(c, v, cfg) != value
			rows[cl]++
			if m {
				miss[cl]++
			}
			if lab.vals[i] != nil {
				labelled++
				if m {
					labelledMiss++
				}
			}
		}
		flagged := false
		for cl, n := range rows {
			if cl == "(null)" || n < cfg.ClassMinRows || labelled == n {
				continue
			}
			rc := float64(miss[cl]) / float64(n)
			rr := float64(labelledMiss-miss[cl]) / float64(labelled-n)
			if rc-rr >= cfg.ClassRateDiff && rc >= cfg.ClassRateRatio*rr {
				flags[classKey{c.name, cl}] = rc
				flagged = true
			}
		}
		if flagged {
			t := map[string]missing.ClassMissing{}
			for cl, n := range rows {
				t[cl] = missing.ClassMissing{Rows: n, Missing: miss[cl], Rate: float64(miss[cl]) / float64(n)}
			}
			tables[c.name] = t
		}
	}
	return flags, tables
}

// compareExtra checks the candidates, the by-class flags, their findings
// and the status against the oracles; the older metrics are compared by
// compareBase.
func compareExtra(t *testing.T, cols []col, label string, cfg *missing.Config, r checks.Result) {
	t.Helper()
	got := metricsOf(t, r)
	rows := 0
	if len(cols) > 0 {
		rows = len(cols[0].vals)
	}
	byCol := map[string]checks.Finding{}
	classFlags := map[classKey]float64{}
	for _, f := range r.Findings {
		switch f.Code {
		case "MIS005":
			byCol[f.Column] = f
		case "MIS006":
			// The class is named in the message, quoted.
			i := strings.Index(f.Message, "labelled ")
			cl, err := strconv.QuotedPrefix(f.Message[i+len("labelled "):])
			if err != nil {
				t.Fatalf("MIS006 message %q names no class: %v", f.Message, err)
			}
			cl, _ = strconv.Unquote(cl)
			classFlags[classKey{f.Column, cl}] = *f.Value
			if f.Threshold == nil || *f.Value < *f.Threshold || f.Severity != checks.Warning {
				t.Errorf("MIS006 %+v: value below threshold or wrong severity", f)
			}
		}
	}
	extra := false
	for _, c := range cols {
		want := oracleCandidates(c, cfg, rows)
		var have []missing.Candidate
		if d, ok := got.Disguised[c.name]; ok {
			have = d.Candidates
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("column %q (%s): candidates %+v, want %+v", c.name, kindType[c.kind], have, want)
		}
		f, ok := byCol[c.name]
		if ok != (len(want) > 0) {
			t.Errorf("column %q: MIS005 present %v, want %v", c.name, ok, len(want) > 0)
		}
		if ok && len(want) > 0 {
			extra = true
			var sum int64
			for _, x := range want {
				sum += x.Count
				if !strings.Contains(f.Message, strconv.Quote(x.Value)) {
					t.Errorf("MIS005 message %q does not name %q", f.Message, x.Value)
				}
			}
			if *f.Rows != sum || *f.Value != float64(want[0].Count) || *f.Value < *f.Threshold || f.Severity != checks.Warning {
				t.Errorf("MIS005 %+v: want rows %d, value %d above its threshold", f, sum, want[0].Count)
			}
			setting := "checks.missing.tokens"
			if isNumericKind(c.kind) {
				setting = "checks.missing.column_sentinels." + c.name
			}
			if !strings.Contains(f.Message, setting) {
				t.Errorf("MIS005 message %q does not say to use %s", f.Message, setting)
			}
		}
	}
	wantFlags, wantTables := map[classKey]float64{}, map[string]map[string]missing.ClassMissing{}
	if label != "" {
		wantFlags, wantTables = oracleByClass(cols, label, cfg)
	}
	if !reflect.DeepEqual(classFlags, wantFlags) {
		t.Errorf("MIS006 flags %v, want %v", classFlags, wantFlags)
	}
	if len(wantFlags) > 0 {
		extra = true
	}
	if len(wantTables) == 0 {
		wantTables = nil
	}
	if !reflect.DeepEqual(got.MissingByClass, wantTables) {
		t.Errorf("missing_by_class %v, want %v", got.MissingByClass, wantTables)
	}
	if extra && r.Status == checks.Pass {
		t.Errorf("status pass with MIS005/MIS006 findings, want warn")
	}
}

// compareBase compares the metrics and findings that predate the
// candidates with the base oracle.
func compareBase(t *testing.T, cols []col, cfg *missing.Config, r checks.Result) {
	t.Helper()
	want := oracle(cols, cfg)
	got := metricsOf(t, r)
	got.Disguised, got.MissingByClass, got.ClassesCapped = nil, nil, false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics:\n got %+v\nwant %+v", got, want)
	}
	_, _, findings := expect(cols, want, cfg)
	var base []checks.Finding
	for _, f := range r.Findings {
		if f.Code <= "MIS004" {
			base = append(base, f)
		}
	}
	if g := keys(base); !reflect.DeepEqual(g, findings) {
		t.Errorf("findings:\n got %v\nwant %v", g, findings)
	}
}

func labelEnv(cols []col, label string) checks.Env {
	return checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: label}, ShowValues: true}
}

// ---- hand-built cases ----

// TestDisguisedHand pins the candidates on columns with hand-counted
// placeholders.
func TestDisguisedHand(t *testing.T) {
	// 100 distinct ages 1..100 once each, plus 50 × -999 and 3 × 99 extra:
	// non-missing 153, distinct 100, average 1.53, need max(5, 15.3).
	var ages []any
	for i := 1; i <= 100; i++ {
		ages = append(ages, int64(i))
	}
	ages = append(ages, checktest.Repeat(int64(-999), 50)...)
	ages = append(ages, checktest.Repeat(int64(99), 3)...)
	n := len(ages)
	// strings: 100 distinct names; "Unknown" ×20 and " UNKNOWN " ×10 (one
	// candidate, 30), "NA" ×23 (a default token: missing, not a
	// candidate), "n/a" ×25 (not a default token in this case).
	var names []any
	for i := range 100 {
		names = append(names, fmt.Sprintf("name-%03d", i))
	}
	names = append(names, checktest.Repeat("Unknown", 20)...)
	names = append(names, checktest.Repeat(" UNKNOWN ", 10)...)
	names = append(names, checktest.Repeat("NA", 23)...)
	names = names[:n]
	names[0] = "n/a"
	// zeros: 0 × 40 with positives only is a candidate; with one negative
	// value it is not.
	var pos, withNeg []any
	for i := range n {
		v := int64(i%50 + 1)
		if i < 40 {
			v = 0
		}
		pos = append(pos, float64(v))
		withNeg = append(withNeg, float64(v))
	}
	withNeg[n-1] = -5.0
	cols := []col{
		{"age", kInt64, ages},
		{"name", kString, names},
		{"pos", kFloat64, pos},
		{"neg", kFloat32, func() []any {
			out := make([]any, n)
			for i, v := range withNeg {
				out[i] = float32(v.(float64))
			}
			return out
		}()},
		{"dict", kDict, names},
	}
	mem := checktest.Allocator(t)
	bs := batches(t, mem, cols, 7, 60, 61)
	defer checktest.Release(bs)
	cfg := defaults()
	r := checktest.SplitMerge(t, &missing.Check, cfg, env(cols), bs, checktest.Options{})
	m := metricsOf(t, r)
	want := map[string][]missing.Candidate{
		"age":  {{Value: "-999", Count: 50, Share: 50.0 / 153, Why: "frequency"}},
		"name": {{Value: "unknown", Count: 30, Share: 30.0 / 153, Why: "frequency"}},
		"dict": {{Value: "unknown", Count: 30, Share: 30.0 / 153, Why: "frequency"}},
		"pos":  {{Value: "0", Count: 40, Share: 40.0 / 153, Why: "frequency"}},
	}
	for name, w := range want {
		if got := m.Disguised[name].Candidates; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: candidates %+v, want %+v", name, got, w)
		}
	}
	if _, ok := m.Disguised["neg"]; ok {
		t.Errorf("neg: zero is a candidate although the column has a negative value")
	}
	if d := m.Disguised["age"]; d.DistinctValues != 101 || d.DistinctCapped {
		t.Errorf("age: distinct %d capped %v, want 101 false", d.DistinctValues, d.DistinctCapped)
	}
	compareBase(t, cols, cfg, r)
	compareExtra(t, cols, "", cfg, r)

	// Without --show-values the same candidates are counted, but their
	// values appear nowhere in the result.
	hidden := env(cols)
	hidden.ShowValues = false
	rh := checktest.SplitMerge(t, &missing.Check, cfg, hidden, bs, checktest.Options{Trials: 2})
	mh := metricsOf(t, rh)
	for name, w := range want {
		got := mh.Disguised[name].Candidates
		if len(got) != len(w) || got[0].Value != "" || got[0].Count != w[0].Count || got[0].Why != w[0].Why {
			t.Errorf("%s hidden: candidates %+v, want %+v without the value", name, got, w)
		}
	}
	all, err := json.Marshal(rh)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"-999", "unknown", `\"0\"`} {
		if strings.Contains(string(all), v) {
			t.Errorf("without --show-values the result names the value %s:\n%s", v, all)
		}
	}
	if !strings.Contains(string(all), "--show-values") {
		t.Errorf("MIS005 does not say how to see the values: %s", all)
	}

	// Declared as a sentinel, -999 is missing and no longer a candidate;
	// a token "Unknown" leaves " UNKNOWN " (10 rows, below 10 × 133/102).
	cfg = defaults()
	cfg.ColumnSentinels = map[string][]float64{"age": {-999}}
	cfg.Tokens = append(cfg.Tokens, "Unknown")
	r = checktest.SplitMerge(t, &missing.Check, cfg, env(cols), bs, checktest.Options{Trials: 5})
	m = metricsOf(t, r)
	if _, ok := m.Disguised["age"]; ok {
		t.Errorf("age: -999 declared a sentinel is still a candidate: %+v", m.Disguised["age"])
	}
	if _, ok := m.Disguised["name"]; ok {
		t.Errorf("name: candidates %+v, want none", m.Disguised["name"])
	}
	compareBase(t, cols, cfg, r)
	compareExtra(t, cols, "", cfg, r)
}

// TestDisguisedMinRows: a placeholder in a column with few distinct values
// must still occur CandidateMinRows times.
func TestDisguisedMinRows(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"s", kString, []any{"unknown", "unknown", "unknown", "unknown", "a", "b"}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.CandidateFactor = 0.1
	r := checktest.Result(t, &missing.Check, cfg, env(cols), bs)
	if m := metricsOf(t, r); len(m.Disguised) != 0 {
		t.Errorf("4 rows below candidate_min_rows 5: %+v", m.Disguised)
	}
	cfg.CandidateMinRows = 4
	r = checktest.Result(t, &missing.Check, cfg, env(cols), bs)
	compareExtra(t, cols, "", cfg, r)
	var f *checks.Finding
	for i := range r.Findings {
		if r.Findings[i].Code == "MIS005" {
			f = &r.Findings[i]
		}
	}
	if f == nil || f.Setting != "checks.missing.candidate_min_rows" || *f.Threshold != 4 || r.Status != checks.Warn {
		t.Errorf("finding %+v status %s, want MIS005 at candidate_min_rows 4, warn", f, r.Status)
	}
}

// TestDistinctCap: past 10000 distinct values the set is dropped and the
// count reported as a lower bound, the same however the data is split.
func TestDistinctCap(t *testing.T) {
	mem := checktest.Allocator(t)
	const n = 12000
	vals := make([]any, n)
	for i := range vals {
		vals[i] = float64(i) + 0.5
		if i%100 == 0 {
			vals[i] = -1.0
		}
	}
	cols := []col{{"f", kFloat64, vals}}
	bs := batches(t, mem, cols, 3000, 9000)
	defer checktest.Release(bs)
	cfg := defaults()
	r := checktest.SplitMerge(t, &missing.Check, cfg, env(cols), bs, checktest.Options{Trials: 8})
	d := metricsOf(t, r).Disguised["f"]
	if !d.DistinctCapped || d.DistinctValues != 10001 || len(d.Candidates) != 1 || d.Candidates[0].Count != 120 {
		t.Errorf("got %+v, want capped at 10001 with -1 × 120", d)
	}
	compareExtra(t, cols, "", cfg, r)
}

// TestByClassHand: a column missing in half the rows of class "b" and in a
// tenth of the others is flagged for "b" only.
func TestByClassHand(t *testing.T) {
	var lab, x, y []any
	add := func(class any, rows, missX, missY int) {
		for i := range rows {
			lab = append(lab, class)
			x = append(x, any(float64(i)))
			if i < missX {
				x[len(x)-1] = nil
			}
			y = append(y, "v")
			if i < missY {
				y[len(y)-1] = "NA"
			}
		}
	}
	add("a", 100, 10, 5)
	add("b", 40, 20, 2)  // x: 50% vs 10/100 = 10% rest: flagged
	add("c", 20, 20, 0)  // x: 100% but only 20 rows: below class_min_rows
	add(nil, 50, 50, 50) // null labels: counted, never tested
	cols := []col{{"label", kString, lab}, {"x", kFloat64, x}, {"y", kString, y}}
	mem := checktest.Allocator(t)
	bs := batches(t, mem, cols, 33, 150)
	defer checktest.Release(bs)
	cfg := defaults()
	r := checktest.SplitMerge(t, &missing.Check, cfg, labelEnv(cols, "label"), bs, checktest.Options{})
	m := metricsOf(t, r)
	want := map[string]map[string]missing.ClassMissing{"x": {
		"a":      {Rows: 100, Missing: 10, Rate: 0.1},
		"b":      {Rows: 40, Missing: 20, Rate: 0.5},
		"c":      {Rows: 20, Missing: 20, Rate: 1},
		"(null)": {Rows: 50, Missing: 50, Rate: 1},
	}}
	if !reflect.DeepEqual(m.MissingByClass, want) {
		t.Errorf("missing_by_class %v, want %v", m.MissingByClass, want)
	}
	var got []checks.Finding
	for _, f := range r.Findings {
		if f.Code == "MIS006" {
			got = append(got, f)
		}
	}
	// rest of "b": a and c, 30 of 120 = 0.25; need max(0.35, 0.5) = 0.5.
	if len(got) != 1 || got[0].Column != "x" || *got[0].Value != 0.5 || *got[0].Threshold != 0.5 ||
		got[0].Setting != "checks.missing.class_rate_ratio" || *got[0].Rows != 20 || !strings.Contains(got[0].Message, `"b"`) {
		t.Errorf("MIS006 findings %+v, want one for x, class b, value 0.5, threshold 0.5", got)
	}
	compareBase(t, cols, cfg, r)
	compareExtra(t, cols, "label", cfg, r)
}

// TestByClassNotApplicable: no label role, a label absent from the
// schema, a float label, or one with more than 1000 classes: no by-class
// comparison.
func TestByClassNotApplicable(t *testing.T) {
	n := 2100
	strLabel, floatLabel, x := make([]any, n), make([]any, n), make([]any, n)
	for i := range n {
		strLabel[i] = fmt.Sprint("c", i%1001)
		floatLabel[i] = float64(i % 2)
		x[i] = "v"
		if i%2 == 0 {
			x[i] = nil
		}
	}
	cols := []col{{"many", kString, strLabel}, {"f", kFloat64, floatLabel}, {"x", kString, x}}
	mem := checktest.Allocator(t)
	bs := batches(t, mem, cols, 500, 1700)
	defer checktest.Release(bs)
	for _, label := range []string{"", "absent", "f", "many"} {
		r := checktest.SplitMerge(t, &missing.Check, defaults(), labelEnv(cols, label), bs, checktest.Options{Trials: 5})
		m := metricsOf(t, r)
		if m.MissingByClass != nil || m.ClassesCapped != (label == "many") {
			t.Errorf("label %q: missing_by_class %v classes_capped %v", label, m.MissingByClass, m.ClassesCapped)
		}
		compareBase(t, cols, defaults(), r)
	}
}

// TestNoRowsWithLabel: zero rows with a label role.
func TestNoRowsWithLabel(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"label", kString, nil}, {"a", kInt64, nil}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &missing.Check, defaults(), labelEnv(cols, "label"), bs, checktest.Options{Trials: 5})
	if r.Status != checks.NotApplicable || len(r.Findings) != 1 {
		t.Errorf("status %s findings %v", r.Status, keys(r.Findings))
	}
}

// TestAllNullColumnsWithLabel: all-null columns and an all-null label.
func TestAllNullColumnsWithLabel(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"label", kString, checktest.Repeat(nil, 50)}, {"a", kInt64, checktest.Repeat(nil, 50)}, {"s", kString, checktest.Repeat(nil, 50)}}
	bs := batches(t, mem, cols, 20)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &missing.Check, defaults(), labelEnv(cols, "label"), bs, checktest.Options{Trials: 5})
	compareBase(t, cols, defaults(), r)
	compareExtra(t, cols, "label", defaults(), r)
}

// ---- random tables ----

var (
	randomLabels       = []any{"a", "b", "c", "d", nil}
	placeholderStrings = []string{"unknown", "Unknown", " UNK ", "n/a", "none", "x", "-1", "999", "tbd", "NA", "?"}
	placeholderNumbers = []float64{-1, -9, -999, 9, 99, 999, 9999, 0}
)

// randomTable draws columns in which some placeholders are frequent, and
// whose missing rate depends on the label for some columns and classes.
func randomTable(rng *rand.Rand, rows int) []col {
	lab := col{name: "label", kind: kString, vals: make([]any, rows)}
	weights := []int{rng.IntN(5) + 1, rng.IntN(5) + 1, rng.IntN(3) + 1, 1, 1}
	total := 0
	for _, w := range weights {
		total += w
	}
	for i := range lab.vals {
		k := rng.IntN(total)
		j := 0
		for k >= weights[j] {
			k -= weights[j]
			j++
		}
		lab.vals[i] = randomLabels[j]
	}
	cols := []col{lab}
	kinds := []kind{kString, kDict, kStringView, kFloat64, kFloat32, kInt64, kInt32, kUint8, kBool}
	for ci, k := range kinds {
		c := col{name: fmt.Sprintf("c%d", ci), kind: k, vals: make([]any, rows)}
		distinct := 1 + rng.IntN(300)
		phRate := []float64{0, 0.01, 0.05, 0.2}[rng.IntN(4)]
		missRate := map[any]float64{}
		for _, l := range randomLabels {
			missRate[l] = []float64{0, 0.02, 0.1, 0.4}[rng.IntN(4)]
		}
		negatives := rng.IntN(2) == 0
		for i := range c.vals {
			if rng.Float64() < missRate[lab.vals[i]] {
				continue // null
			}
			ph := rng.Float64() < phRate
			d := rng.IntN(distinct)
			switch k {
			case kString, kDict, kStringView:
				if ph {
					c.vals[i] = placeholderStrings[rng.IntN(len(placeholderStrings))]
				} else {
					c.vals[i] = fmt.Sprint("v", d)
				}
			case kBool:
				c.vals[i] = d%2 == 0
			default:
				v := float64(d) + 1
				if negatives && d%7 == 0 {
					v = -v
				}
				if ph {
					v = placeholderNumbers[rng.IntN(len(placeholderNumbers))]
				}
				switch k {
				case kFloat64:
					c.vals[i] = v + 0.25*float64(d%2)
				case kFloat32:
					c.vals[i] = float32(v)
				case kUint8:
					c.vals[i] = int64(math.Abs(v)) % 256
				default:
					c.vals[i] = int64(v)
				}
			}
		}
		cols = append(cols, c)
	}
	return cols
}

// TestRandomExtraAgainstOracle compares candidates and by-class flags with
// the naive oracles on random tables, one pass and split-and-merged.
func TestRandomExtraAgainstOracle(t *testing.T) {
	var cands, flags int
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(seed, 11))
			rows := 300 + rng.IntN(2500)
			cols := randomTable(rng, rows)
			cfg := defaults()
			if seed%3 == 0 {
				cfg.CandidateFactor, cfg.ClassMinRows, cfg.ClassRateDiff = 3, 10, 0.05
			}
			if seed%4 == 0 {
				cfg.NumericSentinels = []float64{-999}
			}
			bs := batches(t, mem, cols, checktest.RandomBounds(rng, rows, 0, 300)...)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &missing.Check, cfg, labelEnv(cols, "label"), bs, checktest.Options{Seed: seed, Trials: 8})
			compareBase(t, cols, cfg, r)
			compareExtra(t, cols, "label", cfg, r)
			for _, f := range r.Findings {
				switch f.Code {
				case "MIS005":
					cands++
				case "MIS006":
					flags++
				}
			}
		})
	}
	if cands == 0 || flags == 0 {
		t.Errorf("random tables gave %d MIS005 and %d MIS006 findings; want some of each", cands, flags)
	}
}

// TestSampleTruth: in the 2000-row sample, the -999 planted in age is a
// candidate (with candidate_factor 1) counted exactly as the generator's
// truth says, and is not one once declared a sentinel.
func TestSampleTruth(t *testing.T) {
	data, err := os.ReadFile("../../fixtures/sample/truth.json")
	if err != nil {
		t.Skip(err)
	}
	var tr fixtures.Truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	mem := checktest.Allocator(t)
	bs := checktest.ReadIPC(t, mem, "../../fixtures/sample/train.arrow")
	cfg := defaults()
	cfg.CandidateFactor = 1
	e := checks.Env{Schema: bs[0].Record.Schema(), Roles: checks.Roles{Label: "label"}, ShowValues: true}
	r := checktest.SplitMerge(t, &missing.Check, cfg, e, bs, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	want := tr.Columns["age"].NumericSentinel
	i := slices.IndexFunc(m.Disguised["age"].Candidates, func(c missing.Candidate) bool { return c.Value == "-999" })
	if want == 0 || i < 0 || m.Disguised["age"].Candidates[i].Count != want {
		t.Errorf("age: candidates %+v, want -999 × %d (truth)", m.Disguised["age"], want)
	}
	if m.Rows != tr.Rows {
		t.Errorf("rows %d, truth %d", m.Rows, tr.Rows)
	}
	cfg.NumericSentinels = []float64{fixtures.NumericSentinel}
	r = checktest.Result(t, &missing.Check, cfg, e, bs)
	m = metricsOf(t, r)
	if slices.ContainsFunc(m.Disguised["age"].Candidates, func(c missing.Candidate) bool { return c.Value == "-999" }) {
		t.Errorf("age: -999 declared a sentinel is still a candidate")
	}
	if got := m.Columns["age"].Sentinel; got != want {
		t.Errorf("age: sentinel %d, truth %d", got, want)
	}
}

// TestMetricsJSONRoundTrip: the candidates travel inside columns and come
// back out; a column without them has no extra fields.
func TestMetricsJSONRoundTrip(t *testing.T) {
	m := missing.Metrics{Rows: 10, Columns: map[string]missing.ColumnMetrics{"a": {Nulls: 1, Missing: 1, MissingRate: 0.1}, "b": {}},
		Disguised:      map[string]missing.ColumnDisguised{"a": {Candidates: []missing.Candidate{{Value: "-1", Count: 5, Share: 0.5, Why: "frequency"}}, DistinctValues: 3}},
		MissingByClass: map[string]map[string]missing.ClassMissing{"a": {"x": {Rows: 2, Missing: 1, Rate: 0.5}}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct{ Columns map[string]json.RawMessage }
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw.Columns["a"]), `"disguised":[{"value":"-1","count":5,"share":0.5,"why":"frequency"}]`) ||
		strings.Contains(string(raw.Columns["b"]), "disguised") {
		t.Errorf("encoded %s", b)
	}
	var back missing.Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, m)
	}
}

// TestConfigErrors: negative thresholds are refused.
func TestConfigErrors(t *testing.T) {
	cfg := defaults()
	cfg.CandidateFactor = -1
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := missing.Check.New(cfg, checks.Env{Schema: sc}); err == nil {
		t.Error("negative candidate_factor: want an error")
	}
}

// TestOpaqueTypes: types without placeholders, and a label of another
// type, never panic.
func TestOpaqueTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).Append(1)
	lb.AppendNull()
	list := lb.NewArray()
	lb.Release()
	defer list.Release()
	bb := array.NewBooleanBuilder(mem)
	bb.AppendValues([]bool{true, false}, nil)
	bools := bb.NewArray()
	bb.Release()
	defer bools.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "l", Type: list.DataType(), Nullable: true}, {Name: "b", Type: arrow.FixedWidthTypes.Boolean}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{list, bools}, 2)
	defer rec.Release()
	for _, label := range []string{"l", "b"} {
		r := checktest.SplitMerge(t, &missing.Check, defaults(), checks.Env{Schema: sc, Roles: checks.Roles{Label: label}}, checktest.Batches(0, rec), checktest.Options{Trials: 3})
		if m := metricsOf(t, r); m.Columns["l"].Nulls != 1 {
			t.Errorf("label %s: list nulls %d, want 1", label, m.Columns["l"].Nulls)
		}
	}
}
