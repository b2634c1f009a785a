package labels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/labels"
	lbl "github.com/readiness/readiness/labels"
)

// The test tables are written as plain Go values; the oracle counts from
// those values with maps, and the Arrow batches the check sees are built
// from the same values.

// col is one column: nil is null; string, float64, int64 or bool values.
type col struct {
	name string
	typ  arrow.DataType
	vals []any
}

var (
	tString = arrow.BinaryTypes.String
	tDict   = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	tFloat  = arrow.PrimitiveTypes.Float64
	tInt    = arrow.PrimitiveTypes.Int64
	tBool   = arrow.FixedWidthTypes.Boolean
)

// columns is cols as checktest columns.
func columns(cols []col) []checktest.Column {
	out := make([]checktest.Column, len(cols))
	for i, c := range cols {
		out[i] = checktest.Column{Name: c.name, Type: c.typ, Vals: c.vals}
	}
	return out
}

func schemaOf(cols []col) *arrow.Schema { return checktest.Schema(columns(cols)) }

// batches cuts the table at the given row numbers.
func batches(t *testing.T, mem memory.Allocator, cols []col, cuts ...int) []checks.Batch {
	t.Helper()
	return checktest.Table(t, mem, columns(cols), cuts...)
}

func defaults() *labels.Config { return labels.Check.DefaultConfig().(*labels.Config) }

// metricsSchema is the check's metrics schema, compiled once.
var metricsSchema = checktest.SchemaFile("metrics.schema.json", false)

// metricsOf decodes a result's metrics strictly, after validating them
// against metrics.schema.json.
func metricsOf(t *testing.T, r checks.Result) labels.Metrics {
	t.Helper()
	var m labels.Metrics
	checktest.Metrics(t, metricsSchema, r, &m, true)
	return m
}

// ---- the oracle ----

// canon writes a value as text under the check's logical-value equality:
// integer-valued floats are integers, every NaN is one value, -0 is 0.
func canon(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "s" + fmt.Sprintf("%q", v)
	case int64:
		return fmt.Sprintf("i%d", v)
	case float64:
		switch {
		case math.IsNaN(v):
			return "nan"
		case v == math.Trunc(v) && math.Abs(v) < 1<<62:
			return fmt.Sprintf("i%d", int64(v))
		}
		return fmt.Sprintf("f%b", v)
	case bool:
		return fmt.Sprintf("b%t", v)
	}
	panic(fmt.Sprintf("canon %T", v))
}

type oracle struct {
	rows, labelled, nulls int64
	groups, groupRows     int64
	classes               map[string]int64 // canonical label → rows
	annLabelled           map[string]int64 // canonical annotator → labelled rows
	annConflicting        map[string]int64
	annNull               int64
	conflictRows          []int64 // every row of a conflicting group, in order
}

func computeOracle(features []col, label col, ann *col) oracle {
	o := oracle{classes: map[string]int64{}, annLabelled: map[string]int64{}, annConflicting: map[string]int64{}}
	type group struct {
		rows   int64
		labels map[string]bool
	}
	gs := map[string]*group{}
	keys := make([]string, len(label.vals))
	for i, lv := range label.vals {
		var parts []string
		for _, f := range features {
			parts = append(parts, canon(f.vals[i]))
		}
		k := strings.Join(parts, "|")
		keys[i] = k
		g := gs[k]
		if g == nil {
			g = &group{labels: map[string]bool{}}
			gs[k] = g
		}
		g.rows++
		o.rows++
		if lv == nil {
			o.nulls++
			continue
		}
		o.labelled++
		g.labels[canon(lv)] = true
		o.classes[canon(lv)]++
	}
	for _, g := range gs {
		if len(features) > 0 && len(g.labels) >= 2 {
			o.groups++
			o.groupRows += g.rows
		}
	}
	for i, k := range keys {
		if len(features) > 0 && len(gs[k].labels) >= 2 {
			o.conflictRows = append(o.conflictRows, int64(i))
		}
	}
	if ann != nil {
		for i, lv := range label.vals {
			if lv == nil {
				continue
			}
			a := ann.vals[i]
			if a == nil {
				o.annNull++
				continue
			}
			o.annLabelled[canon(a)]++
			if len(features) > 0 && len(gs[keys[i]].labels) >= 2 {
				o.annConflicting[canon(a)]++
			}
		}
	}
	return o
}

func (o oracle) compare(t *testing.T, m labels.Metrics) {
	t.Helper()
	if m.Rows != o.rows || m.LabelledRows != o.labelled || m.NullLabels != o.nulls {
		t.Errorf("rows %d labelled %d null %d, oracle %d %d %d", m.Rows, m.LabelledRows, m.NullLabels, o.rows, o.labelled, o.nulls)
	}
	if m.ConflictingGroups != o.groups || m.ConflictingRows != o.groupRows {
		t.Errorf("conflicting groups %d rows %d, oracle %d %d", m.ConflictingGroups, m.ConflictingRows, o.groups, o.groupRows)
	}
	if m.DistinctLabels == nil || *m.DistinctLabels != int64(len(o.classes)) {
		t.Errorf("distinct_labels %v, oracle %d", m.DistinctLabels, len(o.classes))
	}
	if want := rate(o.groupRows, o.labelled); m.ConflictRate != want {
		t.Errorf("conflict_rate %v, oracle %v", m.ConflictRate, want)
	}
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// ---- random tables ----

var (
	wordPool  = []any{nil, "a", "b", "c", "a b", "A", "ünï"}
	floatPool = []any{nil, 1.0, 2.5, math.NaN(), math.Copysign(0, -1), 0.0, -3.25}
	intPool   = []any{nil, int64(0), int64(1), int64(2)}
	boolPool  = []any{nil, true, false}
	labelPool = []any{nil, "yes", "no", "Yes", "maybe", ">50K", ">50K."}
	annPool   = []any{nil, "ann1", "ann2", "ann3"}
)

func draw(rng *rand.Rand, pool []any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = pool[rng.IntN(len(pool))]
	}
	return out
}

// TestRandomAgainstOracle compares the check with the naive oracle on
// random tables: null and NaN features, null labels, dictionary, integer
// and float labels, several batches, split and merged at random.
func TestRandomAgainstOracle(t *testing.T) {
	labelKinds := []struct {
		name string
		typ  arrow.DataType
		pool []any
	}{
		{"string", tString, labelPool},
		{"dict", tDict, labelPool},
		{"int", tInt, intPool},
		{"float", tFloat, floatPool},
		{"bool", tBool, boolPool},
	}
	sawConflict, sawClean := false, false
	spilled := 0
	for seed := uint64(1); seed <= 4; seed++ {
		for _, lk := range labelKinds {
			t.Run(fmt.Sprintf("seed %d %s", seed, lk.name), func(t *testing.T) {
				mem := checktest.Allocator(t)
				rng := rand.New(rand.NewPCG(seed, 99))
				rows := 200 + rng.IntN(1200)
				// A small feature space gives many repeated vectors.
				feats := []col{
					{"f_word", tString, draw(rng, wordPool, rows)},
					{"f_num", tFloat, draw(rng, floatPool[:3+rng.IntN(len(floatPool)-2)], rows)},
					{"f_int", tInt, draw(rng, intPool, rows)},
				}
				if seed == 4 {
					feats = feats[:1] // tiny space: every group conflicting
				}
				label := col{"target", lk.typ, draw(rng, lk.pool, rows)}
				ann := col{"who", tString, draw(rng, annPool, rows)}
				cols := append(append([]col{}, feats...), ann, label)
				bs := batches(t, mem, cols, checktest.RandomBounds(rng, rows, 1, 200)...)
				defer checktest.Release(bs)
				env := checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: "target", Annotator: "who",
					Features: []string{"f_int", "f_num", "f_word", "target", "who", "absent"}}}
				r := checktest.SplitMerge(t, &labels.Check, defaults(), env, bs, checktest.Options{Seed: seed, Trials: 8})
				m := metricsOf(t, r)
				o := computeOracle(feats, label, &ann)
				o.compare(t, m)
				// The same under a budget so small that every table spills.
				spill := env
				spill.Memory = fptable.NewBudget(1, t.TempDir())
				defer spill.Memory.Close()
				o.compare(t, metricsOf(t, checktest.SplitMerge(t, &labels.Check, defaults(), spill, bs, checktest.Options{Seed: seed, Trials: 3})))
				if _, _, runs := spill.Memory.Stats(); runs > 0 {
					spilled++
				}
				// findings.parquet: every row of the conflicting groups,
				// one group id per feature vector.
				_, st := checktest.OnePass(t, &labels.Check, defaults(), env, bs)
				var flagged []int64
				for _, f := range checktest.Flagged(st) {
					if checktest.Finding(r, f.Code) == nil || f.Column != "target" {
						t.Errorf("flagged row %+v: code not in the result or wrong column", f)
					}
					flagged = append(flagged, f.Row)
				}
				if !slices.Equal(flagged, o.conflictRows) {
					t.Errorf("flagged %d rows, oracle %d conflicting rows", len(flagged), len(o.conflictRows))
				}
				_, spilt := checktest.OnePass(t, &labels.Check, defaults(), spill, bs)
				var spiltRows []int64
				for _, f := range checktest.Flagged(spilt) {
					spiltRows = append(spiltRows, f.Row)
				}
				if !slices.Equal(spiltRows, o.conflictRows) {
					t.Errorf("spilling: flagged %d rows, oracle %d conflicting rows", len(spiltRows), len(o.conflictRows))
				}
				if !slices.Equal(m.FeatureColumns, []string{"f_word", "f_num", "f_int"}[:len(feats)]) {
					t.Errorf("feature_columns %q, want the features in schema order without label and annotator", m.FeatureColumns)
				}
				if lk.typ == tString || lk.typ == tDict {
					// Variants: group the raw labels by normalised form.
					byNorm := map[string]map[string]int64{}
					for _, v := range label.vals {
						if v == nil {
							continue
						}
						n := lbl.Normalize(v.(string))
						if byNorm[n] == nil {
							byNorm[n] = map[string]int64{}
						}
						byNorm[n][v.(string)]++
					}
					var groups, minority int64
					for _, members := range byNorm {
						if len(members) < 2 {
							continue
						}
						groups++
						var total, top int64
						for _, c := range members {
							total += c
							top = max(top, c)
						}
						minority += total - top
					}
					if !m.VariantsEvaluated || m.VariantGroups != groups || m.VariantRows != minority {
						t.Errorf("variant groups %d rows %d, oracle %d %d", m.VariantGroups, m.VariantRows, groups, minority)
					}
				} else if m.VariantsEvaluated {
					t.Errorf("variants evaluated for a %s label", lk.name)
				}
				if m.ConflictingGroups > 0 {
					sawConflict = true
				}
				if m.ConflictingGroups < int64(m.FeatureGroups) {
					sawClean = true
				}
				// Annotators, by pseudonym: compare the multisets.
				if m.Annotators == nil || m.Annotators.RowsWithoutAnnotator != o.annNull || int(m.Annotators.Count) != len(o.annLabelled) {
					t.Fatalf("annotators %+v, oracle null %d count %d", m.Annotators, o.annNull, len(o.annLabelled))
				}
				var got, want []string
				for _, a := range m.Annotators.Annotators {
					got = append(got, fmt.Sprintf("%d/%d", a.LabelledRows, a.ConflictingRows))
				}
				for k, n := range o.annLabelled {
					want = append(want, fmt.Sprintf("%d/%d", n, o.annConflicting[k]))
				}
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("annotators labelled/conflicting %v, oracle %v", got, want)
				}
			})
		}
	}
	if spilled < 8 {
		t.Errorf("a 1-byte budget spilled in only %d of 20 tables", spilled)
	}
	if !sawConflict || !sawClean {
		t.Errorf("random tables: conflicts seen %v, clean groups seen %v; want both", sawConflict, sawClean)
	}
}

// ---- the fixture sample ----

type truth struct {
	FeatureColumns    []string         `json:"feature_columns"`
	ConflictingGroups int64            `json:"conflicting_groups"`
	ConflictingRows   int64            `json:"conflicting_rows"`
	Classes           map[string]int64 `json:"classes"`
	NullLabels        int64            `json:"null_labels"`
	Rows              int64            `json:"rows"`
}

// TestSample checks the fixture sample, read from Arrow IPC and from
// Parquet, against the generator's ground truth.
func TestSample(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures", "sample")
	var tr truth
	checktest.ReadJSON(t, filepath.Join(dir, "truth.json"), &tr)
	for name, read := range map[string]func(*testing.T, memory.Allocator, string) []checks.Batch{
		"train.arrow": func(t *testing.T, mem memory.Allocator, path string) []checks.Batch {
			return checktest.ReadIPC(t, mem, path)
		},
		"train.parquet": func(t *testing.T, mem memory.Allocator, path string) []checks.Batch {
			return checktest.ReadParquet(t, mem, path, 333)
		},
	} {
		t.Run(name, func(t *testing.T) {
			mem := checktest.Allocator(t)
			bs := read(t, mem, filepath.Join(dir, name))
			env := checks.Env{Schema: bs[0].Record.Schema(), Roles: checks.Roles{Label: "label", Annotator: "annotator", Features: tr.FeatureColumns}}
			r := checktest.SplitMerge(t, &labels.Check, defaults(), env, bs, checktest.Options{Trials: 5})
			m := metricsOf(t, r)
			if m.ConflictingGroups != tr.ConflictingGroups || m.ConflictingRows != tr.ConflictingRows {
				t.Errorf("conflicting groups %d rows %d, truth %d %d", m.ConflictingGroups, m.ConflictingRows, tr.ConflictingGroups, tr.ConflictingRows)
			}
			if m.Rows != tr.Rows || m.NullLabels != tr.NullLabels {
				t.Errorf("rows %d null_labels %d, truth %d %d", m.Rows, m.NullLabels, tr.Rows, tr.NullLabels)
			}
			if !reflect.DeepEqual(m.Classes, tr.Classes) || m.DistinctLabels == nil || *m.DistinctLabels != int64(len(tr.Classes)) {
				t.Errorf("classes %v (distinct %v), truth %v", m.Classes, m.DistinctLabels, tr.Classes)
			}
			// 99 of 1967 labelled rows conflict: 5.03%, just above the 5%
			// fail rate.
			want := rate(tr.ConflictingRows, tr.Rows-tr.NullLabels)
			wantStatus, wantCode := checks.Warn, "LAB002"
			if want > defaults().FailRate {
				wantStatus, wantCode = checks.Fail, "LAB001"
			}
			if m.ConflictRate != want || r.Status != wantStatus || checktest.Finding(r, wantCode) == nil {
				t.Errorf("conflict_rate %v status %s findings %v, want %v, %s, %s", m.ConflictRate, r.Status, checktest.Codes(r), want, wantStatus, wantCode)
			}
			if want := math.Round(100*(1-float64(tr.ConflictingRows)/float64(tr.Rows))*100) / 100; r.Score == nil || *r.Score != want {
				t.Errorf("score %v, want %v", r.Score, want)
			}
		})
	}
}

// ---- variants and taxonomy ----

func labelTable(labels []any) []col {
	feats := make([]any, len(labels))
	for i := range feats {
		feats[i] = int64(i) // every row its own feature vector
	}
	return []col{{"x", tInt, feats}, {"y", tString, labels}}
}

func labelEnv(cols []col) checks.Env {
	return checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
}

func TestVariants(t *testing.T) {
	mem := checktest.Allocator(t)
	var vals []any
	vals = append(vals, checktest.Repeat(">50K", 5)...)
	vals = append(vals, checktest.Repeat(">50K.", 2)...)
	vals = append(vals, checktest.Repeat(" >50k", 1)...)
	vals = append(vals, checktest.Repeat("<=50K", 6)...)
	vals = append(vals, checktest.Repeat("Refund", 3)...)
	vals = append(vals, checktest.Repeat("refund ", 3)...)
	vals = append(vals, checktest.Repeat("Money-back", 1)...)
	vals = append(vals, nil)
	cols := labelTable(vals)
	bs := batches(t, mem, cols, 4, 11)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &labels.Check, defaults(), labelEnv(cols), bs, checktest.Options{})
	m := metricsOf(t, r)
	want := []lbl.VariantGroup{
		{Normalized: ">50k", Members: []lbl.Variant{{Label: ">50K", Rows: 5}, {Label: ">50K.", Rows: 2}, {Label: " >50k", Rows: 1}}, Rows: 8, MinorityRows: 3},
		{Normalized: "refund", Members: []lbl.Variant{{Label: "Refund", Rows: 3}, {Label: "refund ", Rows: 3}}, Rows: 6, MinorityRows: 3},
	}
	if !reflect.DeepEqual(m.Variants, want) || m.VariantGroups != 2 || m.VariantRows != 6 || !m.VariantsEvaluated {
		t.Errorf("variants %+v (groups %d rows %d), want %+v", m.Variants, m.VariantGroups, m.VariantRows, want)
	}
	if r.Status != checks.Warn {
		t.Errorf("status %s, want warn", r.Status)
	}
	f := checktest.Finding(r, "LAB003")
	if f == nil || *f.Value != 2 || *f.Threshold != 0 || f.Setting != "checks.labels.max_variant_groups" || *f.Rows != 6 || f.Column != "y" {
		t.Errorf("LAB003 %+v", f)
	}
	// 22 rows, no conflicts, 6 penalised rows at weight 0.5.
	if want := math.Round((100-50*6.0/22)*100) / 100; r.Score == nil || *r.Score != want {
		t.Errorf("score %v, want %v", *r.Score, want)
	}
	if checktest.Finding(r, "LAB009") == nil {
		t.Errorf("findings %v, want LAB009 for the null label", checktest.Codes(r))
	}
	// Tolerating two groups passes.
	cfg := defaults()
	cfg.MaxVariantGroups = 2
	if r := checktest.Result(t, &labels.Check, cfg, labelEnv(cols), bs); r.Status != checks.Pass || checktest.Finding(r, "LAB003") != nil {
		t.Errorf("max_variant_groups 2: status %s findings %v, want pass without LAB003", r.Status, checktest.Codes(r))
	}
}

func TestTaxonomy(t *testing.T) {
	mem := checktest.Allocator(t)
	var vals []any
	vals = append(vals, checktest.Repeat("Refund", 4)...)
	vals = append(vals, checktest.Repeat("Refunds", 2)...)
	vals = append(vals, checktest.Repeat("money back.", 3)...)
	vals = append(vals, checktest.Repeat("billing", 5)...)
	vals = append(vals, checktest.Repeat("other", 1)...)
	vals = append(vals, checktest.Repeat("spam", 2)...)
	cols := labelTable(vals)
	bs := batches(t, mem, cols, 9)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.Taxonomy = map[string][]string{"refund": {"refunds", "Money Back"}, "billing": {}, "shipping": {"delivery"}}
	r := checktest.SplitMerge(t, &labels.Check, cfg, labelEnv(cols), bs, checktest.Options{})
	m := metricsOf(t, r)
	tm := m.Taxonomy
	if tm == nil || !tm.Evaluated || tm.Classes != 3 {
		t.Fatalf("taxonomy %+v", tm)
	}
	if want := []lbl.Variant{{Label: "spam", Rows: 2}, {Label: "other", Rows: 1}}; !reflect.DeepEqual(tm.OutsideTaxonomy, want) || tm.OutsideRows != 3 || tm.OutsideLabels != 2 {
		t.Errorf("outside %+v (%d rows), want %+v", tm.OutsideTaxonomy, tm.OutsideRows, want)
	}
	if want := []labels.SynonymUse{{"money back.", "refund", 3}, {"Refunds", "refund", 2}}; !reflect.DeepEqual(tm.SynonymsUsed, want) || tm.SynonymRows != 5 {
		t.Errorf("synonyms %+v, want %+v", tm.SynonymsUsed, want)
	}
	if !slices.Equal(tm.UnusedClasses, []string{"shipping"}) {
		t.Errorf("unused %q, want shipping", tm.UnusedClasses)
	}
	if tm.OutsideRate != 3.0/17 || r.Status != checks.Warn || m.PenalizedRows != 3 {
		t.Errorf("outside_rate %v status %s penalized %d", tm.OutsideRate, r.Status, m.PenalizedRows)
	}
	for _, c := range []string{"LAB004", "LAB005", "LAB010"} {
		if checktest.Finding(r, c) == nil {
			t.Errorf("findings %v, want %s", checktest.Codes(r), c)
		}
	}
	if f := checktest.Finding(r, "LAB004"); f != nil && (*f.Value != 3.0/17 || f.Setting != "checks.labels.max_outside_rate") {
		t.Errorf("LAB004 %+v", f)
	}
	cfg.MaxOutsideRate = 0.2
	if r := checktest.Result(t, &labels.Check, cfg, labelEnv(cols), bs); r.Status != checks.Pass {
		t.Errorf("max_outside_rate 0.2: status %s, want pass", r.Status)
	}
}

func TestNewErrors(t *testing.T) {
	sc := schemaOf([]col{{"y", tString, nil}})
	env := checks.Env{Schema: sc, Roles: checks.Roles{Label: "y"}}
	bad := map[string]func(*labels.Config){
		"warn above fail":   func(c *labels.Config) { c.WarnRate, c.FailRate = 0.5, 0.1 },
		"negative rate":     func(c *labels.Config) { c.WarnRate = -1 },
		"NaN rate":          func(c *labels.Config) { c.FailRate = math.NaN() },
		"max_labels 0":      func(c *labels.Config) { c.MaxLabels = 0 },
		"max_listed":        func(c *labels.Config) { c.MaxListed = -1 },
		"synonym ambiguous": func(c *labels.Config) { c.Taxonomy = map[string][]string{"a": {"x"}, "b": {"X."}} },
		"synonym is class":  func(c *labels.Config) { c.Taxonomy = map[string][]string{"a": {"B"}, "b": nil} },
		"classes collide":   func(c *labels.Config) { c.Taxonomy = map[string][]string{"Refund": nil, "refund.": nil} },
		"empty class":       func(c *labels.Config) { c.Taxonomy = map[string][]string{"...": nil} },
	}
	for name, mod := range bad {
		cfg := defaults()
		mod(cfg)
		if _, err := labels.Check.New(cfg, env); err == nil || !strings.Contains(err.Error(), "checks.labels.") {
			t.Errorf("%s: err %v, want one naming the setting", name, err)
		}
	}
	if _, err := labels.Check.New(labels.Config{}, env); err == nil {
		t.Error("config by value: want an error")
	}
}

// ---- edge cases ----

func TestNoLabelColumn(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"x", tInt, []any{int64(1), int64(1)}}, {"y", tString, []any{"a", "b"}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	for name, role := range map[string]string{"no role": "", "absent column": "label"} {
		env := checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: role, Features: []string{"x"}}}
		r := checktest.SplitMerge(t, &labels.Check, defaults(), env, bs, checktest.Options{Trials: 5})
		if r.Status != checks.NotApplicable || r.Score != nil || !slices.Equal(checktest.Codes(r), []string{"LAB000"}) {
			t.Errorf("%s: status %s score %v findings %v, want not_applicable, nil, LAB000", name, r.Status, r.Score, checktest.Codes(r))
		}
	}
}

func TestNoLabelledRows(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(n, " batches"), func(t *testing.T) {
			mem := checktest.Allocator(t)
			cols := []col{{"x", tInt, nil}, {"y", tString, nil}}
			var bs []checks.Batch
			for range n {
				bs = append(bs, batches(t, mem, cols)...)
			}
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &labels.Check, defaults(), labelEnv(cols), bs, checktest.Options{Trials: 5})
			if r.Status != checks.NotApplicable || r.Score != nil || checktest.Finding(r, "LAB011") == nil {
				t.Errorf("status %s score %v findings %v, want not_applicable, nil, LAB011", r.Status, r.Score, checktest.Codes(r))
			}
		})
	}
	t.Run("all null", func(t *testing.T) {
		mem := checktest.Allocator(t)
		cols := []col{{"x", tInt, []any{int64(1), int64(1), nil}}, {"y", tString, []any{nil, nil, nil}}}
		bs := batches(t, mem, cols, 1)
		defer checktest.Release(bs)
		r := checktest.SplitMerge(t, &labels.Check, defaults(), labelEnv(cols), bs, checktest.Options{Trials: 5})
		m := metricsOf(t, r)
		if r.Status != checks.NotApplicable || m.NullLabels != 3 || m.ConflictingGroups != 0 || !slices.Equal(checktest.Codes(r), []string{"LAB009", "LAB011"}) {
			t.Errorf("status %s metrics %+v findings %v", r.Status, m, checktest.Codes(r))
		}
	})
}

// TestNullTypeLabel: a label column of Arrow's null type is all null.
func TestNullTypeLabel(t *testing.T) {
	mem := checktest.Allocator(t)
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 1, 2}, nil)
	x := ib.NewArray()
	ib.Release()
	defer x.Release()
	y := array.NewNull(3)
	defer y.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: tInt}, {Name: "y", Type: arrow.Null, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{x, y}, 3)
	defer rec.Release()
	env := checks.Env{Schema: sc, Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
	r := checktest.SplitMerge(t, &labels.Check, defaults(), env, checktest.Batches(0, rec), checktest.Options{Trials: 5})
	if m := metricsOf(t, r); m.NullLabels != 3 || m.LabelledRows != 0 || r.Status != checks.NotApplicable {
		t.Errorf("null-type label: %+v status %s", m, r.Status)
	}
}

func TestNoFeatures(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"y", tString, []any{"a", "b", "a"}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	env := checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: "y", Features: []string{"gone"}}}
	r := checktest.SplitMerge(t, &labels.Check, defaults(), env, bs, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	if m.ConflictsMeasured || m.ConflictingGroups != 0 || r.Status != checks.Pass || checktest.Finding(r, "LAB008") == nil || *r.Score != 100 {
		t.Errorf("no features: %+v status %s findings %v", m, r.Status, checktest.Codes(r))
	}
}

// TestContinuousLabel: a float label's conflicts are counted; variants and
// the taxonomy are not evaluated.
func TestContinuousLabel(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{
		{"x", tString, []any{"a", "a", "b", "b", "c", "c", "c"}},
		{"y", tFloat, []any{1.0, 1.5, 2.0, 2.0, math.NaN(), math.NaN(), nil}},
	}
	bs := batches(t, mem, cols, 3)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.Taxonomy = map[string][]string{"x": nil}
	r := checktest.SplitMerge(t, &labels.Check, cfg, labelEnv(cols), bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.LabelKind != "continuous" || m.VariantsEvaluated || m.Classes != nil || m.Taxonomy == nil || m.Taxonomy.Evaluated {
		t.Errorf("continuous: %+v", m)
	}
	if m.ConflictingGroups != 1 || m.ConflictingRows != 2 || *m.DistinctLabels != 4 || checktest.Finding(r, "LAB007") == nil {
		t.Errorf("conflicts %d/%d distinct %v findings %v, want 1/2, 4, LAB007", m.ConflictingGroups, m.ConflictingRows, *m.DistinctLabels, checktest.Codes(r))
	}
	// 2 of 6 labelled rows conflict: fail.
	if r.Status != checks.Fail || checktest.Finding(r, "LAB001") == nil {
		t.Errorf("status %s findings %v, want fail with LAB001", r.Status, checktest.Codes(r))
	}
}

// TestMaxLabels: past max_labels distinct values the label is reported as
// free text, variants are not listed, and conflicts stay exact.
func TestMaxLabels(t *testing.T) {
	mem := checktest.Allocator(t)
	x := []any{"a", "a", "b", "b", "c", "d", "e", "f"}
	y := []any{"l1", "L1", "l2", "l2", "l3", "l4", "l5", "l3"}
	cols := []col{{"x", tString, x}, {"y", tString, y}}
	bs := batches(t, mem, cols, 2, 5)
	defer checktest.Release(bs)
	for _, max := range []int{4, 5, 6} {
		cfg := defaults()
		cfg.MaxLabels = max
		r := checktest.SplitMerge(t, &labels.Check, cfg, labelEnv(cols), bs, checktest.Options{Trials: 30})
		m := metricsOf(t, r)
		over := max < 6
		if m.DistinctLabelsOverMax != over || (m.DistinctLabels == nil) != over || m.VariantsEvaluated == over {
			t.Errorf("max %d: over %v distinct %v variants evaluated %v", max, m.DistinctLabelsOverMax, m.DistinctLabels, m.VariantsEvaluated)
		}
		if m.ConflictingGroups != 1 || m.ConflictingRows != 2 {
			t.Errorf("max %d: conflicts %d/%d, want 1/2", max, m.ConflictingGroups, m.ConflictingRows)
		}
		if (checktest.Finding(r, "LAB006") != nil) != over || r.Status != checks.Fail {
			t.Errorf("max %d: status %s findings %v", max, r.Status, checktest.Codes(r))
		}
	}
}

// TestStatusThresholds: a conflict rate equal to a threshold is not above it.
func TestStatusThresholds(t *testing.T) {
	cases := []struct {
		conflicting int // rows in conflicting pairs, of 100 labelled rows
		status      checks.Status
		code        string
	}{
		{0, checks.Pass, ""},
		{1, checks.Pass, "LAB012"}, // impossible alone; see below
		{2, checks.Warn, "LAB002"},
		{4, checks.Warn, "LAB002"},
		{6, checks.Fail, "LAB001"},
	}
	for _, tc := range cases {
		if tc.conflicting%2 == 1 {
			continue // a conflicting group has at least two rows
		}
		t.Run(fmt.Sprint(tc.conflicting), func(t *testing.T) {
			mem := checktest.Allocator(t)
			var x, y []any
			for i := range 100 {
				if i < tc.conflicting {
					x = append(x, int64(i/2))
					y = append(y, fmt.Sprint("c", i%2))
				} else {
					x = append(x, int64(1000+i))
					y = append(y, "c0")
				}
			}
			cols := []col{{"x", tInt, x}, {"y", tString, y}}
			bs := batches(t, mem, cols, 37)
			defer checktest.Release(bs)
			cfg := defaults()
			cfg.WarnRate, cfg.FailRate = 0.01, 0.05
			r := checktest.SplitMerge(t, &labels.Check, cfg, labelEnv(cols), bs, checktest.Options{Trials: 5})
			if r.Status != tc.status {
				t.Errorf("status %s, want %s", r.Status, tc.status)
			}
			if want := float64(100 - tc.conflicting); r.Score == nil || *r.Score != want {
				t.Errorf("score %v, want %v", r.Score, want)
			}
			if tc.code != "" {
				f := checktest.Finding(r, tc.code)
				if f == nil || *f.Value != float64(tc.conflicting)/100 || *f.Rows != int64(tc.conflicting) {
					t.Errorf("findings %v, want %s with value %v", checktest.Codes(r), tc.code, float64(tc.conflicting)/100)
				}
			} else if len(r.Findings) != 0 {
				t.Errorf("findings %v, want none", checktest.Codes(r))
			}
		})
	}
	// Exactly at the warning rate: 2 of 200.
	mem := checktest.Allocator(t)
	var x, y []any
	for i := range 200 {
		x = append(x, int64(i))
		y = append(y, "a")
	}
	x[1], y[1] = int64(0), "b"
	cols := []col{{"x", tInt, x}, {"y", tString, y}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	r := checktest.Result(t, &labels.Check, defaults(), labelEnv(cols), bs)
	if r.Status != checks.Pass || checktest.Finding(r, "LAB012") == nil {
		t.Errorf("rate equal to warn_rate: status %s findings %v, want pass with LAB012", r.Status, checktest.Codes(r))
	}
}

func TestAnnotatorNames(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{
		{"x", tInt, []any{int64(1), int64(1), int64(2), int64(2)}},
		{"who", tDict, []any{"alice", "bob", "alice", nil}},
		{"y", tString, []any{"a", "b", "a", "a"}},
	}
	bs := batches(t, mem, cols, 1)
	defer checktest.Release(bs)
	env := checks.Env{Schema: schemaOf(cols), Roles: checks.Roles{Label: "y", Annotator: "who", Features: []string{"x"}}}
	cfg := defaults()
	r := checktest.SplitMerge(t, &labels.Check, cfg, env, bs, checktest.Options{})
	if strings.Contains(string(r.Metrics), "alice") {
		t.Errorf("annotator names in metrics by default: %s", r.Metrics)
	}
	cfg.AnnotatorNames = true
	r = checktest.SplitMerge(t, &labels.Check, cfg, env, bs, checktest.Options{})
	am := metricsOf(t, r).Annotators
	want := []labels.AnnotatorStats{{"bob", 1, 1, 1}, {"alice", 2, 1, 0.5}}
	if am == nil || !reflect.DeepEqual(am.Annotators, want) || am.RowsWithoutAnnotator != 1 || checktest.Finding(r, "LAB013") == nil {
		t.Errorf("annotators %+v findings %v, want %+v", am, checktest.Codes(r), want)
	}
}

func TestColumns(t *testing.T) {
	sc := schemaOf([]col{{"a", tInt, nil}, {"b", tInt, nil}, {"y", tString, nil}, {"who", tString, nil}})
	env := checks.Env{Schema: sc, Roles: checks.Roles{Label: "y", Annotator: "who", Features: []string{"b", "a", "y", "zz"}}}
	if got := labels.Check.Columns(defaults(), env); !slices.Equal(got, []string{"b", "a", "y", "who"}) {
		t.Errorf("columns %q", got)
	}
	if got := labels.Check.Columns(defaults(), checks.Env{Schema: sc}); got == nil || len(got) != 0 {
		t.Errorf("no roles: columns %#v, want empty, not nil (nil means every column)", got)
	}
}

func TestMergeIncompatible(t *testing.T) {
	a := schemaOf([]col{{"x", tInt, nil}, {"y", tString, nil}})
	env := checks.Env{Schema: a, Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
	sa := checktest.New(t, &labels.Check, defaults(), env)
	other := env
	other.Roles.Features = nil
	if err := sa.Merge(checktest.New(t, &labels.Check, defaults(), other)); err == nil {
		t.Error("merge states over different features: want an error")
	}
	if err := sa.Merge(checktest.Foreign{}); err == nil {
		t.Error("merge another check's state: want an error")
	}
}

// TestTypes runs a label and a feature column of every type the readers
// produce: the feature is [v1 v1 v2 v2] and the label [v1 v2 v1 null], so
// the group v1 conflicts (2 rows) and the group v2 does not.
func TestTypes(t *testing.T) {
	ts := func(u arrow.TimeUnit, tz string) arrow.DataType { return &arrow.TimestampType{Unit: u, TimeZone: tz} }
	cases := []struct {
		typ        arrow.DataType
		v1, v2     string // JSON
		continuous bool
	}{
		{arrow.PrimitiveTypes.Int8, "1", "-2", false},
		{arrow.PrimitiveTypes.Int16, "1", "2", false},
		{arrow.PrimitiveTypes.Int32, "1", "2", false},
		{arrow.PrimitiveTypes.Int64, "1", "2", false},
		{arrow.PrimitiveTypes.Uint8, "1", "2", false},
		{arrow.PrimitiveTypes.Uint16, "1", "2", false},
		{arrow.PrimitiveTypes.Uint32, "1", "2", false},
		{arrow.PrimitiveTypes.Uint64, "1", "18446744073709551615", false},
		{arrow.FixedWidthTypes.Float16, "1.5", "2", true},
		{arrow.PrimitiveTypes.Float32, "1.5", "2", true},
		{arrow.PrimitiveTypes.Float64, "1.5", "2", true},
		{&arrow.Decimal128Type{Precision: 5, Scale: 2}, `"1.25"`, `"2.00"`, true},
		{&arrow.Decimal256Type{Precision: 5, Scale: 2}, `"1.25"`, `"2.00"`, true},
		{arrow.BinaryTypes.String, `"a"`, `"A"`, false},
		{arrow.BinaryTypes.LargeString, `"a"`, `"b"`, false},
		{arrow.BinaryTypes.StringView, `"a"`, `"b"`, false},
		{arrow.BinaryTypes.Binary, `"YQ=="`, `"Yg=="`, false},
		{arrow.FixedWidthTypes.Boolean, "true", "false", false},
		{ts(arrow.Second, ""), `"2024-01-01T00:00:00"`, `"2024-01-02T00:00:00"`, false},
		{ts(arrow.Millisecond, "UTC"), "1704067200001", "1704067200002", false},
		{ts(arrow.Microsecond, "Europe/Paris"), "1704067200000000", "-1", false},
		{ts(arrow.Nanosecond, "UTC"), "1", "2", false},
		{arrow.FixedWidthTypes.Date32, `"2024-01-01"`, `"2024-01-02"`, false},
		{arrow.FixedWidthTypes.Date64, `"2024-01-01"`, `"2024-01-02"`, false},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), "[1]", "[1, 2]", false},
		{arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), `{"a": 1}`, `{"a": 2}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.typ.String(), func(t *testing.T) {
			mem := checktest.Allocator(t)
			fromJSON := func(s string) arrow.Array {
				a, _, err := array.FromJSON(mem, tc.typ, strings.NewReader(s))
				if err != nil {
					t.Fatalf("%s: %v", s, err)
				}
				return a
			}
			x := fromJSON(fmt.Sprintf("[%s, %s, %s, %s]", tc.v1, tc.v1, tc.v2, tc.v2))
			defer x.Release()
			y := fromJSON(fmt.Sprintf("[%s, %s, %s, null]", tc.v1, tc.v2, tc.v1))
			defer y.Release()
			sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: tc.typ, Nullable: true}, {Name: "y", Type: tc.typ, Nullable: true}}, nil)
			rec := array.NewRecordBatch(sc, []arrow.Array{x, y}, 4)
			defer rec.Release()
			env := checks.Env{Schema: sc, Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
			r := checktest.SplitMerge(t, &labels.Check, defaults(), env, checktest.Batches(0, rec), checktest.Options{Trials: 10})
			m := metricsOf(t, r)
			if m.ConflictingGroups != 1 || m.ConflictingRows != 2 || m.NullLabels != 1 || m.DistinctLabels == nil || *m.DistinctLabels != 2 {
				t.Errorf("metrics %s, want 1 conflicting group of 2 rows, 1 null, 2 distinct", r.Metrics)
			}
			if (m.LabelKind == "continuous") != tc.continuous {
				t.Errorf("label_kind %q", m.LabelKind)
			}
			if !tc.continuous && len(m.Classes) != 2 {
				t.Errorf("classes %v, want 2", m.Classes)
			}
		})
	}
}

// TestNumericLabelsAreNotVariants: normalisation drops the minus sign, but
// -1 and 1 are different classes, not spellings of one.
func TestNumericLabelsAreNotVariants(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"x", tInt, []any{int64(1), int64(2), int64(3)}}, {"y", tInt, []any{int64(-1), int64(1), int64(1)}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	r := checktest.Result(t, &labels.Check, defaults(), labelEnv(cols), bs)
	m := metricsOf(t, r)
	if m.VariantsEvaluated || m.VariantGroups != 0 || r.Status != checks.Pass || !reflect.DeepEqual(m.Classes, map[string]int64{"-1": 1, "1": 2}) {
		t.Errorf("integer labels: %+v status %s", m, r.Status)
	}
}
