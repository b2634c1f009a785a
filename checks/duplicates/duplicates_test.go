package duplicates_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/labels"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The test data is written as plain Go values first; the oracle counts from
// those values with string keys and maps, and the Arrow batches the check
// sees are built from the same values.

type kind int

const (
	kString kind = iota
	kLargeString
	kStringView
	kDict // dictionary<int32, utf8>
	kFloat64
	kFloat32
	kInt64
	kInt32
	kUint8
	kBool
	kNull // the null type: every value nil
)

var kindType = map[kind]arrow.DataType{
	kString:      arrow.BinaryTypes.String,
	kLargeString: arrow.BinaryTypes.LargeString,
	kStringView:  arrow.BinaryTypes.StringView,
	kDict:        &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
	kFloat64:     arrow.PrimitiveTypes.Float64,
	kFloat32:     arrow.PrimitiveTypes.Float32,
	kInt64:       arrow.PrimitiveTypes.Int64,
	kInt32:       arrow.PrimitiveTypes.Int32,
	kUint8:       arrow.PrimitiveTypes.Uint8,
	kBool:        arrow.FixedWidthTypes.Boolean,
	kNull:        arrow.Null,
}

func isText(k kind) bool { return k <= kDict }

// col is one column as Go values: nil is null; string for the string
// kinds, float64 / float32, int64 for every integer kind, bool.
type col struct {
	name string
	kind kind
	vals []any
}

type table struct {
	cols  []col
	roles checks.Roles
}

func (t table) rows() int {
	if len(t.cols) == 0 {
		return 0
	}
	return len(t.cols[0].vals)
}

// columns is the table's columns as checktest columns.
func (t table) columns() []checktest.Column {
	out := make([]checktest.Column, len(t.cols))
	for i, c := range t.cols {
		out[i] = checktest.Column{Name: c.name, Type: kindType[c.kind], Vals: c.vals}
	}
	return out
}

func (t table) schema() *arrow.Schema { return checktest.Schema(t.columns()) }

func (t table) env() checks.Env { return checks.Env{Schema: t.schema(), Roles: t.roles} }

// batches cuts the table into record batches at the given row boundaries.
func (t table) batches(tb testing.TB, mem memory.Allocator, bounds ...int) []checks.Batch {
	tb.Helper()
	return checktest.Table(tb, mem, t.columns(), bounds...)
}

func defaults() *duplicates.Config { return duplicates.Check.DefaultConfig().(*duplicates.Config) }

// metricsSchema is the check's metrics schema, compiled once.
var metricsSchema = checktest.SchemaFile("metrics.schema.json", false)

// metricsOf validates a result's metrics against metrics.schema.json and
// decodes them strictly.
func metricsOf(t *testing.T, r checks.Result) duplicates.Metrics {
	t.Helper()
	var m duplicates.Metrics
	checktest.Metrics(t, metricsSchema, r, &m, true)
	return m
}

// ---- the oracle ----

// key is a cell's canonical text: equal logical values, and only those,
// give equal text. Every column holds one Go type, so values of different
// columns never need comparing.
func key(v any, normalize bool) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if normalize {
			v = labels.Normalize(v)
		}
		return strconv.Quote(v)
	case float32:
		return key(float64(v), false)
	case float64:
		if v == 0 {
			v = 0 // -0 is 0
		}
		return "f" + strconv.FormatFloat(v, 'g', -1, 64) // every NaN is "NaN"
	case int64:
		return "i" + strconv.FormatInt(v, 10)
	case bool:
		return "b" + strconv.FormatBool(v)
	}
	panic(fmt.Sprintf("key of %T", v))
}

// oracle is the naive reading of the check's documentation.
type oracle struct {
	rows, exactDup, groups, featDup, featGroups, normDup int64
	dupIDs                                               *int64
	splitRows                                            map[string]int64
	cross                                                *int64
	textCols                                             []string
}

func compute(tb table, trainValues []string) oracle {
	var o oracle
	n := tb.rows()
	o.rows = int64(n)
	isFeature := map[string]bool{}
	for _, f := range tb.roles.Features {
		isFeature[f] = true
	}
	exact, feats, norm, ids := map[string]int{}, map[string]int{}, map[string]bool{}, map[string]bool{}
	rowKeys := make([]string, n)
	splitOf := make([]string, n) // "" none (null), "train", "other"
	var idCol, splitCol *col
	hasFeatures := false
	for i := range tb.cols {
		c := &tb.cols[i]
		if c.name == tb.roles.ID {
			idCol = c
		}
		if c.name == tb.roles.Split {
			splitCol = c
		}
		if isFeature[c.name] {
			hasFeatures = true
			if isText(c.kind) {
				o.textCols = append(o.textCols, c.name)
			}
		}
	}
	if idCol != nil {
		o.dupIDs = new(int64)
	}
	anyTrain := false
	if splitCol != nil {
		o.splitRows = map[string]int64{}
		for i, v := range splitCol.vals {
			if v == nil {
				o.splitRows["(null)"]++
				continue
			}
			s := v.(string)
			o.splitRows[s]++
			splitOf[i] = "other"
			for _, t := range trainValues {
				if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(t)) {
					splitOf[i] = "train"
					anyTrain = true
				}
			}
		}
	}
	train := map[string]bool{}
	for i := range n {
		var all, feat, nf strings.Builder
		for _, c := range tb.cols {
			all.WriteString(key(c.vals[i], false) + ",")
			if isFeature[c.name] {
				feat.WriteString(key(c.vals[i], false) + ",")
				nf.WriteString(key(c.vals[i], isText(c.kind)) + ",")
			}
		}
		exact[all.String()]++
		feats[feat.String()]++
		norm[nf.String()] = true
		rowKeys[i] = feat.String()
		if splitOf[i] == "train" {
			train[feat.String()] = true
		}
		if idCol != nil && idCol.vals[i] != nil {
			k := key(idCol.vals[i], false)
			if ids[k] {
				*o.dupIDs++
			}
			ids[k] = true
		}
	}
	o.exactDup = int64(n - len(exact))
	for _, c := range exact {
		if c > 1 {
			o.groups++
		}
	}
	if hasFeatures {
		o.featDup = int64(n - len(feats))
		o.normDup = int64(n - len(norm))
		for _, c := range feats {
			if c > 1 {
				o.featGroups++
			}
		}
	}
	if splitCol != nil && anyTrain && hasFeatures {
		o.cross = new(int64)
		for i := range n {
			if splitOf[i] == "other" && train[rowKeys[i]] {
				*o.cross++
			}
		}
	}
	return o
}

func eqPtr(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func show(p *int64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatInt(*p, 10)
}

// compare checks every metric against the oracle.
func compare(t *testing.T, tb table, cfg *duplicates.Config, r checks.Result) oracle {
	t.Helper()
	o := compute(tb, cfg.TrainValues)
	m := metricsOf(t, r)
	check := func(name string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	check("rows", m.Rows, o.rows)
	check("exact_duplicate_rows", m.ExactDuplicateRows, o.exactDup)
	check("duplicate_groups", m.DuplicateGroups, o.groups)
	check("duplicate_feature_rows", m.DuplicateFeatureRows, o.featDup)
	check("duplicate_feature_groups", m.DuplicateFeatureGroups, o.featGroups)
	check("normalized_text_duplicates", m.NormalizedTextDuplicates, o.normDup)
	if !eqPtr(m.DuplicateIDs, o.dupIDs) {
		t.Errorf("duplicate_ids = %s, want %s", show(m.DuplicateIDs), show(o.dupIDs))
	}
	if !eqPtr(m.CrossSplitRows, o.cross) {
		t.Errorf("cross_split_rows = %s, want %s", show(m.CrossSplitRows), show(o.cross))
	}
	if !maps.Equal(m.SplitRows, o.splitRows) || (m.SplitRows == nil) != (o.splitRows == nil) {
		t.Errorf("split_rows = %v, want %v", m.SplitRows, o.splitRows)
	}
	if !slices.Equal(m.NormalizedTextColumns, o.textCols) {
		t.Errorf("normalized_text_columns = %v, want %v", m.NormalizedTextColumns, o.textCols)
	}
	if o.rows > 0 {
		if want := float64(o.exactDup) / float64(o.rows); m.ExactDuplicateRate != want {
			t.Errorf("exact_duplicate_rate = %v, want %v", m.ExactDuplicateRate, want)
		}
	}
	return o
}

// ---- random data ----

var (
	// textPool holds variants that differ only in case, punctuation, white
	// space or Unicode form, so normalised duplicates outnumber exact ones.
	textPool = []string{"hello world", "Hello, World!", "HELLO  world", " hello world ", "hello\tworld.",
		"héllo world", "HÉLLO WORLD", "ｈｅｌｌｏ ｗｏｒｌｄ", "hello-world", "helloworld", "refund", "Refund.",
		"", " ", "?", "a b", "a  b", "a.b", "A B", "ﬁne", "fine", "1", "1.0"}
	floatPool = []float64{math.NaN(), math.Copysign(math.NaN(), -1), 0, math.Copysign(0, -1), 1, 1.5, -2.25, math.Inf(1)}
	intPool   = []int64{0, 1, -1, 42, 1 << 40}
	splitPool = []string{"train", "Train ", "TRAINING", "test", "valid", " test", "trainx"}
)

func randomValue(rng *rand.Rand, k kind, nullRate float64, distinct int) any {
	if k == kNull || rng.Float64() < nullRate {
		return nil
	}
	switch k {
	case kString, kLargeString, kStringView, kDict:
		return textPool[rng.IntN(min(distinct, len(textPool)))]
	case kFloat64:
		return floatPool[rng.IntN(min(distinct, len(floatPool)))]
	case kFloat32:
		return float32(floatPool[rng.IntN(min(distinct, len(floatPool)))])
	case kInt64:
		return intPool[rng.IntN(min(distinct, len(intPool)))]
	case kInt32:
		return intPool[rng.IntN(min(distinct, len(intPool)-1))]
	case kUint8:
		return int64(rng.IntN(min(distinct, 256)))
	case kBool:
		return rng.IntN(2) == 0
	}
	panic("unknown kind")
}

// randomTable builds a table whose rows are often copies (whole or
// partial) of earlier rows, so every metric is non-trivial.
func randomTable(rng *rand.Rand, rows int, withSplit, withID bool, splitKind kind) table {
	kinds := []kind{kString, kLargeString, kStringView, kDict, kFloat64, kFloat32, kInt64, kInt32, kUint8, kBool, kNull}
	var tb table
	for _, k := range kinds {
		tb.cols = append(tb.cols, col{name: fmt.Sprintf("c%d", k), kind: k, vals: make([]any, rows)})
	}
	// Features: a random non-empty subset, always with some text.
	for _, c := range tb.cols {
		if isText(c.kind) && rng.IntN(3) > 0 || rng.IntN(2) == 0 {
			tb.roles.Features = append(tb.roles.Features, c.name)
		}
	}
	slices.Reverse(tb.roles.Features) // the check must take schema order, not role order
	tb.cols = append(tb.cols, col{name: "label", kind: kString, vals: make([]any, rows)})
	tb.roles.Label = "label"
	if withID {
		tb.cols = append(tb.cols, col{name: "id", kind: kInt64, vals: make([]any, rows)})
		tb.roles.ID = "id"
	}
	if withSplit {
		tb.cols = append(tb.cols, col{name: "split", kind: splitKind, vals: make([]any, rows)})
		tb.roles.Split = "split"
	}
	distinct := 2 + rng.IntN(6)
	for i := range rows {
		if i > 0 && rng.IntN(4) == 0 { // copy an earlier row, maybe changing a few cells
			j := rng.IntN(i)
			for _, c := range tb.cols {
				c.vals[i] = c.vals[j]
			}
			for _, c := range tb.cols {
				if rng.IntN(6) == 0 {
					c.vals[i] = randomCell(rng, c, distinct)
				}
			}
			continue
		}
		for _, c := range tb.cols {
			c.vals[i] = randomCell(rng, c, distinct)
		}
	}
	return tb
}

func randomCell(rng *rand.Rand, c col, distinct int) any {
	switch c.name {
	case "label":
		return []any{"a", "b", nil}[rng.IntN(3)]
	case "id":
		if rng.IntN(20) == 0 {
			return nil
		}
		return int64(rng.IntN(1 + rng.IntN(400)))
	case "split":
		if rng.IntN(15) == 0 {
			return nil
		}
		return splitPool[rng.IntN(len(splitPool))]
	}
	return randomValue(rng, c.kind, 0.1, distinct)
}

// TestRandomAgainstOracle compares every metric with the oracle on random
// tables, one pass and split-and-merged, counted each of the check's ways.
func TestRandomAgainstOracle(t *testing.T) {
	var sawNear, sawCross, sawIDs bool
	spilled := 0
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(seed, 99))
			rows := 200 + rng.IntN(1200)
			splitKind := kString
			if seed%2 == 0 {
				splitKind = kDict
			}
			tb := randomTable(rng, rows, seed%4 != 3, seed%3 != 2, splitKind)
			// Each way of counting: rows and feature vectors in the row
			// table, marked (the features are the table's); the rows there
			// and the vectors in the check's own table (the label is a
			// feature too); both in the check's own tables (no label).
			switch seed % 3 {
			case 1:
				tb.roles.Features = append(tb.roles.Features, "label")
			case 2:
				tb.roles.Label = ""
			}
			cfg := defaults()
			if seed%5 == 0 {
				cfg.TrainValues = []string{" Train", "trainx"}
			}
			bs := tb.batches(t, mem, checktest.RandomBounds(rng, rows, 0, 200)...)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &duplicates.Check, cfg, tb.env(), bs, checktest.Options{Seed: seed, Trials: 8})
			o := compare(t, tb, cfg, r)
			// The same under a budget so small that every table spills.
			env := tb.env()
			env.Memory = fptable.NewBudget(1, t.TempDir())
			defer env.Memory.Close()
			compare(t, tb, cfg, checktest.SplitMerge(t, &duplicates.Check, cfg, env, bs, checktest.Options{Seed: seed, Trials: 3}))
			if _, _, runs := env.Memory.Stats(); runs > 0 {
				spilled++
			}
			sawNear = sawNear || o.normDup > o.featDup
			sawCross = sawCross || o.cross != nil && *o.cross > 0
			sawIDs = sawIDs || o.dupIDs != nil && *o.dupIDs > 0
		})
	}
	if spilled < 6 {
		t.Errorf("a 1-byte budget spilled in only %d of 12 tables", spilled)
	}
	if !sawNear || !sawCross || !sawIDs {
		t.Errorf("random tables never exercised near duplicates (%v), leakage (%v) or duplicate ids (%v)", sawNear, sawCross, sawIDs)
	}
}

// TestLogicalEquality: NaNs are one value, -0 is 0, null equals null, the
// dictionary encoding does not matter, and a string is not a number.
func TestLogicalEquality(t *testing.T) {
	mem := checktest.Allocator(t)
	nan, negNaN, negZero := math.NaN(), math.Copysign(math.NaN(), -1), math.Copysign(0, -1)
	tb := table{cols: []col{
		{"f", kFloat64, []any{nan, negNaN, 0.0, negZero, nil, nil, 1.0}},
		{"s", kDict, []any{"x", "x", "y", "y", nil, nil, "1"}},
		{"n", kNull, []any{nil, nil, nil, nil, nil, nil, nil}},
	}, roles: checks.Roles{Features: []string{"f", "s"}}}
	bs := tb.batches(t, mem, 1, 3, 5)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.ExactDuplicateRows != 3 || m.DuplicateGroups != 3 {
		t.Errorf("exact_duplicate_rows %d groups %d, want 3 and 3", m.ExactDuplicateRows, m.DuplicateGroups)
	}
	compare(t, tb, defaults(), r)
}

// TestNormalizedText: rows that differ only in case, punctuation, white
// space or Unicode form count as normalised duplicates, not as duplicates.
func TestNormalizedText(t *testing.T) {
	for _, k := range []kind{kString, kLargeString, kStringView, kDict} {
		t.Run(fmt.Sprint(kindType[k]), func(t *testing.T) {
			mem := checktest.Allocator(t)
			tb := table{cols: []col{
				{"text", k, []any{"Hello, World!", "hello world", "HELLO   WORLD.", "ｈｅｌｌｏ ｗｏｒｌｄ", "hello world", nil, nil, "Bye"}},
				{"n", kInt64, []any{int64(1), int64(1), int64(1), int64(1), int64(2), nil, nil, int64(1)}},
			}, roles: checks.Roles{Features: []string{"n", "text"}}}
			bs := tb.batches(t, mem, 3)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
			m := metricsOf(t, r)
			// distinct normalised vectors: (1,hello world) (2,hello world) (null,null) (1,bye)
			if m.NormalizedTextDuplicates != 4 || m.DuplicateFeatureRows != 1 || !slices.Equal(m.NormalizedTextColumns, []string{"text"}) {
				t.Errorf("normalized_text_duplicates %d duplicate_feature_rows %d columns %v; want 4, 1, [text]",
					m.NormalizedTextDuplicates, m.DuplicateFeatureRows, m.NormalizedTextColumns)
			}
			if !hasCode(r, "DUP006", 3) {
				t.Errorf("findings %v, want DUP006 with 3 rows", checktest.Codes(r))
			}
			compare(t, tb, defaults(), r)
		})
	}
}

// TestNoStringFeatures: without string features the normalised count is
// the feature duplicate count.
func TestNoStringFeatures(t *testing.T) {
	mem := checktest.Allocator(t)
	tb := table{cols: []col{
		{"text", kString, []any{"A", "a", "a", "A"}},
		{"n", kInt64, []any{int64(1), int64(1), int64(1), int64(2)}},
	}, roles: checks.Roles{Features: []string{"n"}}}
	bs := tb.batches(t, mem)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.NormalizedTextDuplicates != m.DuplicateFeatureRows || m.DuplicateFeatureRows != 2 || len(m.NormalizedTextColumns) != 0 {
		t.Errorf("normalized %d feature %d columns %v; want 2, 2, []", m.NormalizedTextDuplicates, m.DuplicateFeatureRows, m.NormalizedTextColumns)
	}
	compare(t, tb, defaults(), r)
}

func hasCode(r checks.Result, code string, rows int64) bool {
	for _, f := range r.Findings {
		if f.Code == code && (rows < 0 || f.Rows != nil && *f.Rows == rows) {
			return true
		}
	}
	return false
}

// TestLeakage: any test row whose features occur in train fails the check
// with an error finding, and caps the score at 50.
func TestLeakage(t *testing.T) {
	mem := checktest.Allocator(t)
	tb := table{cols: []col{
		{"x", kInt64, []any{int64(1), int64(2), int64(3), int64(1), int64(1), int64(4), int64(2), int64(5)}},
		{"label", kString, []any{"a", "b", "a", "b", "a", "a", "a", "a"}},
		{"split", kString, []any{" Train", "train", "training", "test", "valid", "test", nil, "test"}},
	}, roles: checks.Roles{Features: []string{"x"}, Split: "split", Label: "label"}}
	bs := tb.batches(t, mem, 4)
	defer checktest.Release(bs)
	cfg := defaults()
	r := checktest.SplitMerge(t, &duplicates.Check, cfg, tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	// rows 3 (test) and 4 (valid) repeat train features; row 6 has a null split.
	if m.CrossSplitRows == nil || *m.CrossSplitRows != 2 {
		t.Fatalf("cross_split_rows %s, want 2", show(m.CrossSplitRows))
	}
	if want := []string{" Train", "train", "training"}; !slices.Equal(m.TrainSplits, want) {
		t.Errorf("train_splits %q, want %q", m.TrainSplits, want)
	}
	if r.Status != checks.Fail || r.Score == nil || *r.Score != 50 {
		t.Errorf("status %s score %v, want fail 50", r.Status, r.Score)
	}
	var f *checks.Finding
	for i := range r.Findings {
		if r.Findings[i].Code == "DUP004" {
			f = &r.Findings[i]
		}
	}
	if f == nil || f.Severity != checks.Error || f.Setting != "checks.duplicates.max_cross_split_rows" ||
		*f.Value != 2 || *f.Threshold != 0 || *f.Rows != 2 || f.Column != "split" {
		t.Errorf("DUP004 finding %+v", f)
	}
	compare(t, tb, cfg, r)

	cfg.MaxCrossSplitRows = 2
	if r := checktest.Result(t, &duplicates.Check, cfg, tb.env(), bs); r.Status != checks.Pass || hasCode(r, "DUP004", -1) {
		t.Errorf("with max_cross_split_rows 2: status %s findings %v, want pass without DUP004", r.Status, checktest.Codes(r))
	}
}

// TestSplitWithoutTrain: a split column with no train value warns and
// leaves leakage unmeasured.
func TestSplitWithoutTrain(t *testing.T) {
	mem := checktest.Allocator(t)
	tb := table{cols: []col{
		{"x", kInt64, []any{int64(1), int64(1), int64(2)}},
		{"split", kDict, []any{"trn", "tst", nil}},
	}, roles: checks.Roles{Features: []string{"x"}, Split: "split"}}
	bs := tb.batches(t, mem)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.CrossSplitRows != nil || r.Status != checks.Warn || !hasCode(r, "DUP010", 3) {
		t.Errorf("cross_split_rows %s status %s findings %v; want null, warn, DUP010", show(m.CrossSplitRows), r.Status, checktest.Codes(r))
	}
	if want := map[string]int64{"trn": 1, "tst": 1, "(null)": 1}; !maps.Equal(m.SplitRows, want) {
		t.Errorf("split_rows %v, want %v", m.SplitRows, want)
	}
	compare(t, tb, defaults(), r)
}

// TestNoRoles: without features, id or split the check still counts exact
// duplicates, and says what it did not measure.
func TestNoRoles(t *testing.T) {
	mem := checktest.Allocator(t)
	tb := table{cols: []col{
		{"x", kInt64, []any{int64(1), int64(1), int64(2), int64(3)}},
		{"split", kString, []any{"train", "test", "test", "train"}},
	}, roles: checks.Roles{Features: []string{"absent"}, ID: "absent", Split: "absent"}}
	bs := tb.batches(t, mem)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.ExactDuplicateRows != 0 || m.DuplicateFeatureRows != 0 || m.NormalizedTextDuplicates != 0 ||
		m.DuplicateIDs != nil || m.CrossSplitRows != nil || m.SplitRows != nil || len(m.FeatureColumns) != 0 {
		t.Errorf("metrics %s", r.Metrics)
	}
	for _, c := range []string{"DUP007", "DUP008", "DUP009"} {
		if !hasCode(r, c, -1) {
			t.Errorf("findings %v, want %s", checktest.Codes(r), c)
		}
	}
	if r.Status != checks.Pass || r.Score == nil || *r.Score != 100 {
		t.Errorf("status %s score %v, want pass 100", r.Status, r.Score)
	}
	tb.roles = checks.Roles{}
	compare(t, tb, defaults(), r)
}

// TestAllNull: all-null columns of every type, the null type included,
// make every row the same row.
func TestAllNull(t *testing.T) {
	mem := checktest.Allocator(t)
	var tb table
	for k := kString; k <= kNull; k++ {
		tb.cols = append(tb.cols, col{name: fmt.Sprint("c", int(k)), kind: k, vals: make([]any, 10)})
		tb.roles.Features = append(tb.roles.Features, fmt.Sprint("c", int(k)))
	}
	tb.cols = append(tb.cols, col{name: "id", kind: kInt64, vals: make([]any, 10)}, col{name: "split", kind: kString, vals: make([]any, 10)})
	tb.roles.ID, tb.roles.Split = "id", "split"
	bs := tb.batches(t, mem, 3, 3, 7)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.ExactDuplicateRows != 9 || m.DuplicateGroups != 1 || *m.DuplicateIDs != 0 || m.SplitRows["(null)"] != 10 {
		t.Errorf("metrics %s", r.Metrics)
	}
	if r.Status != checks.Fail || *r.Score != 10 {
		t.Errorf("status %s score %v, want fail 10", r.Status, *r.Score)
	}
	compare(t, tb, defaults(), r)
}

// TestNoRows: a dataset without rows is not applicable, never a pass.
func TestNoRows(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(n, " batches"), func(t *testing.T) {
			mem := checktest.Allocator(t)
			tb := table{cols: []col{{"x", kString, nil}, {"split", kString, nil}}, roles: checks.Roles{Features: []string{"x"}, Split: "split", ID: "x"}}
			var bs []checks.Batch
			for range n {
				bs = append(bs, tb.batches(t, mem)...)
			}
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &duplicates.Check, defaults(), tb.env(), bs, checktest.Options{Trials: 5})
			if r.Status != checks.NotApplicable || r.Score != nil || len(r.Findings) != 1 || r.Findings[0].Code != "DUP000" {
				t.Errorf("status %s score %v findings %v, want not_applicable, null, [DUP000]", r.Status, r.Score, checktest.Codes(r))
			}
			compare(t, tb, defaults(), r)
		})
	}
}

// TestNoColumns: rows without columns are all the same empty row.
func TestNoColumns(t *testing.T) {
	sc := arrow.NewSchema(nil, nil)
	rec := array.NewRecordBatch(sc, nil, 4)
	defer rec.Release()
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), checks.Env{Schema: sc}, checktest.Batches(0, rec), checktest.Options{})
	if m := metricsOf(t, r); m.Rows != 4 || m.ExactDuplicateRows != 3 {
		t.Errorf("metrics %s, want 4 rows, 3 duplicates", r.Metrics)
	}
}

// TestStatusThresholds: rates exactly at a threshold are not above it.
func TestStatusThresholds(t *testing.T) {
	cases := []struct {
		dups   int // of 100 rows; warn_rate 0.01, fail_rate 0.10
		status checks.Status
		code   string
	}{
		{0, checks.Pass, ""},
		{1, checks.Pass, ""},
		{2, checks.Warn, "DUP002"},
		{10, checks.Warn, "DUP002"},
		{11, checks.Fail, "DUP001"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.dups), func(t *testing.T) {
			mem := checktest.Allocator(t)
			vals := make([]any, 100)
			for i := range vals {
				vals[i] = int64(i)
				if i < tc.dups {
					vals[i] = int64(-1)
				}
			}
			if tc.dups > 0 {
				vals[99] = int64(-1) // the first copy; the tc.dups rows repeat it
			}
			tb := table{cols: []col{{"x", kInt64, vals}}, roles: checks.Roles{Features: []string{"x"}}}
			bs := tb.batches(t, mem, 50)
			defer checktest.Release(bs)
			cfg := defaults()
			r := checktest.Result(t, &duplicates.Check, cfg, tb.env(), bs)
			if r.Status != tc.status {
				t.Errorf("status %s, want %s", r.Status, tc.status)
			}
			if want := 100 - float64(tc.dups); r.Score == nil || *r.Score != want {
				t.Errorf("score %v, want %v", r.Score, want)
			}
			for _, f := range r.Findings {
				switch f.Code {
				case "DUP001":
					checkFinding(t, f, float64(tc.dups)/100, cfg.FailRate, "checks.duplicates.fail_rate", int64(tc.dups))
				case "DUP002":
					checkFinding(t, f, float64(tc.dups)/100, cfg.WarnRate, "checks.duplicates.warn_rate", int64(tc.dups))
				}
			}
			if tc.code != "" && !hasCode(r, tc.code, int64(tc.dups)) || tc.code == "" && (hasCode(r, "DUP001", -1) || hasCode(r, "DUP002", -1)) {
				t.Errorf("findings %v, want %q", checktest.Codes(r), tc.code)
			}
			compare(t, tb, cfg, r)
		})
	}
}

func checkFinding(t *testing.T, f checks.Finding, value, threshold float64, setting string, rows int64) {
	t.Helper()
	if f.Value == nil || *f.Value != value || f.Threshold == nil || *f.Threshold != threshold || f.Setting != setting || f.Rows == nil || *f.Rows != rows {
		t.Errorf("finding %s: value %v threshold %v setting %q rows %v; want %v, %v, %q, %d",
			f.Code, f.Value, f.Threshold, f.Setting, f.Rows, value, threshold, setting, rows)
	}
}

// TestDuplicateIDs: repeated ids warn with the id column named.
func TestDuplicateIDs(t *testing.T) {
	mem := checktest.Allocator(t)
	tb := table{cols: []col{
		{"id", kInt64, []any{int64(1), int64(2), int64(1), nil, nil, int64(1), int64(3)}},
		{"x", kString, []any{"a", "b", "c", "d", "e", "f", "g"}},
	}, roles: checks.Roles{Features: []string{"x"}, ID: "id"}}
	bs := tb.batches(t, mem, 2)
	defer checktest.Release(bs)
	cfg := defaults()
	r := checktest.SplitMerge(t, &duplicates.Check, cfg, tb.env(), bs, checktest.Options{})
	if m := metricsOf(t, r); m.DuplicateIDs == nil || *m.DuplicateIDs != 2 || m.IDColumn != "id" {
		t.Errorf("duplicate_ids %s id_column %q, want 2, id", show(m.DuplicateIDs), m.IDColumn)
	}
	if r.Status != checks.Warn || !hasCode(r, "DUP003", 2) {
		t.Errorf("status %s findings %v, want warn with DUP003", r.Status, checktest.Codes(r))
	}
	compare(t, tb, cfg, r)
	cfg.MaxDuplicateIDRate = 0.5
	if r := checktest.Result(t, &duplicates.Check, cfg, tb.env(), bs); r.Status != checks.Pass {
		t.Errorf("with max_duplicate_id_rate 0.5: status %s, want pass", r.Status)
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := defaults()
	if !slices.Equal(cfg.TrainValues, duplicates.DefaultTrainValues) || cfg.WarnRate != 0.01 || cfg.FailRate != 0.10 || cfg.MaxCrossSplitRows != 0 {
		t.Errorf("defaults %+v", cfg)
	}
	cfg.TrainValues[0] = "changed"
	if duplicates.DefaultTrainValues[0] == "changed" {
		t.Error("DefaultConfig shares its slice with DefaultTrainValues")
	}
	for _, c := range duplicates.Check.Codes {
		if !strings.HasPrefix(c.Code, "DUP0") || c.Doc == "" || c.Title == "" {
			t.Errorf("code %+v", c)
		}
	}
}

func TestNewErrors(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	for name, mod := range map[string]func(*duplicates.Config){
		"warn above fail":  func(c *duplicates.Config) { c.WarnRate = 0.5 },
		"negative rate":    func(c *duplicates.Config) { c.MaxDuplicateIDRate = -1 },
		"NaN rate":         func(c *duplicates.Config) { c.FailRate = math.NaN() },
		"negative leakage": func(c *duplicates.Config) { c.MaxCrossSplitRows = -1 },
		"no train values":  func(c *duplicates.Config) { c.TrainValues = nil },
	} {
		cfg := defaults()
		mod(cfg)
		if _, err := duplicates.Check.New(cfg, checks.Env{Schema: sc}); err == nil || !strings.Contains(err.Error(), "checks.duplicates.") {
			t.Errorf("%s: err %v, want one naming the setting", name, err)
		}
	}
	if _, err := duplicates.Check.New(duplicates.Config{}, checks.Env{Schema: sc}); err == nil {
		t.Error("config by value: want an error")
	}
}

func TestMergeIncompatible(t *testing.T) {
	a := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	sa := checktest.New(t, &duplicates.Check, defaults(), checks.Env{Schema: a})
	for name, other := range map[string]checks.State{
		"other column":   checktest.New(t, &duplicates.Check, defaults(), checks.Env{Schema: b}),
		"other features": checktest.New(t, &duplicates.Check, defaults(), checks.Env{Schema: a, Roles: checks.Roles{Features: []string{"a"}}}),
		"another check":  checktest.Foreign{},
	} {
		if err := sa.Merge(other); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// TestMetricsSchemaStrict: the schema the metrics are validated against
// does reject what it should.
func TestMetricsSchemaStrict(t *testing.T) {
	sch, err := metricsSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{`{"rows": 1, "extra": true}`, `{}`} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(v) == nil {
			t.Errorf("%s: schema accepts it", doc)
		}
	}
}
