package balance_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var staleBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// randomTable builds a table with duplicates (and copies of copies),
// rows repeating features with another label, null and stale times, null
// labels, and a non-feature column so that equal features and label do not
// make equal rows. labelType is the label's type; timeType the time's.
func randomTable(rng *rand.Rand, n int, labelType, timeType arrow.DataType) []col {
	classes := []string{"billing", "shipping", "returns", "fraud", "Billing"}
	weights := []int{50, 25, 12, 8, 5}
	cols := []col{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: labelType},
		{Name: "ts", Type: timeType},
		{Name: "note", Type: arrow.BinaryTypes.String},
	}
	label := func() any {
		if rng.IntN(25) == 0 {
			return nil
		}
		r, i := rng.IntN(100), 0
		for r >= weights[i] {
			r -= weights[i]
			i++
		}
		switch labelType.ID() {
		case arrow.INT64, arrow.INT32:
			return int64(i * 7)
		case arrow.BOOL:
			return i%2 == 0
		}
		return classes[i]
	}
	ts := func() any {
		if rng.IntN(20) == 0 {
			return nil
		}
		t := staleBefore.Add(time.Duration(rng.IntN(800)-100) * 24 * time.Hour).Add(time.Duration(rng.IntN(86400)) * time.Second)
		if timeType.ID() == arrow.DATE32 {
			t = t.Truncate(24 * time.Hour)
		}
		if timeType.ID() == arrow.STRING {
			if rng.IntN(30) == 0 {
				return "not a time"
			}
			return t.Format(time.RFC3339)
		}
		return t
	}
	rows := make([][]any, 0, n)
	for len(rows) < n {
		switch r := rng.IntN(100); {
		case r < 10 && len(rows) > 0: // exact copy (maybe of a copy)
			rows = append(rows, slices.Clone(rows[rng.IntN(len(rows))]))
		case r < 16 && len(rows) > 0: // same features, new label, time, note
			row := slices.Clone(rows[rng.IntN(len(rows))])
			row[3], row[4], row[5] = label(), ts(), strconv.Itoa(rng.IntN(3))
			rows = append(rows, row)
		default:
			var text any = []string{"refund please", "where is it", "card charged", "hello"}[rng.IntN(4)]
			if rng.IntN(30) == 0 {
				text = nil
			}
			rows = append(rows, []any{text, int64(rng.IntN(400)), float64(rng.IntN(5)) + 0.5, label(), ts(), strconv.Itoa(rng.IntN(3))})
		}
	}
	for i := range cols {
		for _, r := range rows {
			cols[i].Vals = append(cols[i].Vals, r[i])
		}
	}
	return cols
}

func envOf(cols []col) checks.Env {
	return checks.Env{Schema: checktest.Schema(cols), StaleBefore: staleBefore, AsOf: staleBefore.AddDate(1, 0, 0),
		Roles: checks.Roles{Label: "label", Time: "ts", Features: []string{"text", "n", "x"}}}
}

func TestAgainstOracle(t *testing.T) {
	cases := []struct {
		name             string
		label, timeType  arrow.DataType
		n                int
		bounds           []int
		minRows, batches int
	}{
		{"string label, µs timestamps", arrow.BinaryTypes.String, tsMicroUTC, 3000, []int{1, 700, 700, 2100}, 0, 0},
		{"dictionary label, ns timestamps", dictString, tsNano, 2000, []int{999, 1500}, 0, 0},
		{"large string label, string times", arrow.BinaryTypes.LargeString, arrow.BinaryTypes.String, 1500, []int{10, 20, 1000}, 0, 0},
		{"int64 label, dates", arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Date32, 2000, []int{500}, 0, 0},
		{"int32 label", arrow.PrimitiveTypes.Int32, tsMicroUTC, 800, []int{400}, 0, 0},
		{"bool label", arrow.FixedWidthTypes.Boolean, tsMicroUTC, 800, nil, 0, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			budgets(t, func(t *testing.T, budget *fptable.Budget) {
				mem := checktest.Allocator(t)
				rng := rand.New(rand.NewPCG(uint64(i), 7))
				cols := randomTable(rng, c.n, c.label, c.timeType)
				bs := checktest.Table(t, mem, cols, c.bounds...)
				defer checktest.Release(bs)
				env := envOf(cols)
				env.Memory = budget
				opts := checktest.Options{Seed: uint64(i + 1)}
				if budget != nil {
					opts.Trials = 6 // every partition spills: slow
				}
				r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, opts)
				m := metricsOf(t, r)
				o := oracle(rowsOf(cols), 3, 4, []int{0, 1, 2}, staleBefore)
				compare(t, m, o)
				if o.excluded.Conflicting == 0 || o.excluded.Stale == 0 || o.excluded.Duplicate == 0 || o.excluded.MissingLabel == 0 {
					t.Errorf("the table lacks a defect: %+v", o.excluded)
				}
				if m.LabelKind != "classes" || m.NumClasses != len(o.classes) {
					t.Errorf("label kind %q, %d classes", m.LabelKind, m.NumClasses)
				}
				checkDerived(t, r, m, defaultCfg())
				var unparsed int64
				for _, v := range cols[4].Vals {
					if s, ok := v.(string); ok {
						if _, ok := timeOf(s); !ok {
							unparsed++
						}
					}
				}
				if m.UnparsedTimes != unparsed || hasCode(r, "BAL010") != (unparsed > 0) {
					t.Errorf("unparsed_times %d, want %d; findings %v", m.UnparsedTimes, unparsed, checktest.Codes(r))
				}
			})
		})
	}
}

func TestSchemaRejectsUnknownMetrics(t *testing.T) {
	sch, err := metricsSchema()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"rows": 1, "extra": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("the schema accepts metrics it should reject")
	}
}

// checkDerived recomputes the imbalance ratio, entropy, classes below the
// minimum, status and score from the class counts, as the doc defines them.
func checkDerived(t *testing.T, r checks.Result, m balance.Metrics, cfg *balance.Config) {
	t.Helper()
	largest, smallest := int64(0), int64(math.MaxInt64)
	h := 0.0
	meeting := 0
	var below []string
	for name, c := range m.Classes {
		largest, smallest = max(largest, c.Count), min(smallest, c.Count)
		p := float64(c.Count) / float64(m.LabelledRows)
		h -= p * math.Log(p)
		if c.Usable >= cfg.MinClassRows {
			meeting++
		} else {
			below = append(below, name)
		}
	}
	k := len(m.Classes)
	ratio := float64(largest) / float64(smallest)
	if m.ImbalanceRatio == nil || math.Abs(*m.ImbalanceRatio-ratio) > 1e-12 {
		t.Errorf("imbalance_ratio %v, want %v", m.ImbalanceRatio, ratio)
	}
	wantH := 0.0
	if k >= 2 {
		wantH = h / math.Log(float64(k))
	}
	if m.NormalizedEntropy == nil || math.Abs(*m.NormalizedEntropy-wantH) > 1e-12 {
		t.Errorf("normalized_entropy %v, want %v", m.NormalizedEntropy, wantH)
	}
	slices.Sort(below)
	var gotBelow []string
	for _, b := range m.ClassesBelowMin {
		gotBelow = append(gotBelow, b.Class)
		if b.Shortfall != cfg.MinClassRows-m.Classes[b.Class].Usable {
			t.Errorf("class %q shortfall %d", b.Class, b.Shortfall)
		}
	}
	if !slices.Equal(below, gotBelow) {
		t.Errorf("classes_below_min %v, want %v", gotBelow, below)
	}
	want := checks.Pass
	switch {
	case k == 1 || len(below) > 0 || ratio > cfg.FailRatio:
		want = checks.Fail
	case ratio > cfg.WarnRatio:
		want = checks.Warn
	}
	if r.Status != want {
		t.Errorf("status %s, want %s (findings %v)", r.Status, want, checktest.Codes(r))
	}
	score := math.Round(100*wantH*float64(meeting)/float64(k)*100) / 100
	if r.Score == nil || math.Abs(*r.Score-score) > 0.011 {
		t.Errorf("score %v, want %v", r.Score, score)
	}
	for _, f := range r.Findings {
		if f.Code == "BAL004" && (f.Setting != "checks.balance.min_class_rows" || f.Threshold == nil || f.Value == nil) {
			t.Errorf("BAL004 finding lacks its setting, threshold or value: %+v", f)
		}
	}
}

// With a small minimum and generous ratios, the same data passes; with a
// large minimum every class fails it.
func TestThresholds(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 3))
	cols := randomTable(rng, 2000, arrow.BinaryTypes.String, tsMicroUTC)
	bs := checktest.Table(t, mem, cols, 1000)
	defer checktest.Release(bs)
	env := envOf(cols)

	loose := &balance.Config{MinClassRows: 1, WarnRatio: 100, FailRatio: 200, MaxClasses: 1000}
	r := checktest.Result(t, &balance.Check, loose, env, bs)
	if r.Status != checks.Pass || len(checktest.Codes(r)) != 1 || !hasCode(r, "BAL009") {
		t.Errorf("loose policy: status %s, findings %v", r.Status, checktest.Codes(r))
	}
	checkDerived(t, r, metricsOf(t, r), loose)

	warn := &balance.Config{MinClassRows: 1, WarnRatio: 2, FailRatio: 200, MaxClasses: 1000}
	r = checktest.Result(t, &balance.Check, warn, env, bs)
	if r.Status != checks.Warn || !hasCode(r, "BAL006") {
		t.Errorf("warn policy: status %s, findings %v", r.Status, checktest.Codes(r))
	}

	strict := &balance.Config{MinClassRows: 100000, WarnRatio: 2, FailRatio: 3, MaxClasses: 1000}
	r = checktest.Result(t, &balance.Check, strict, env, bs)
	m := metricsOf(t, r)
	if r.Status != checks.Fail || !hasCode(r, "BAL005") || len(m.ClassesBelowMin) != len(m.Classes) {
		t.Errorf("strict policy: status %s, findings %v, below %v", r.Status, checktest.Codes(r), m.ClassesBelowMin)
	}
	checkDerived(t, r, m, strict)
	if *r.Score != 0 {
		t.Errorf("score %v with no class meeting the minimum", *r.Score)
	}
}

func TestBadConfig(t *testing.T) {
	env := checks.Env{Schema: arrow.NewSchema(nil, nil)}
	for _, cfg := range []*balance.Config{
		{MinClassRows: -1, WarnRatio: 5, FailRatio: 20, MaxClasses: 10},
		{MinClassRows: 1, WarnRatio: 0.5, FailRatio: 20, MaxClasses: 10},
		{MinClassRows: 1, WarnRatio: 5, FailRatio: 4, MaxClasses: 10},
		{MinClassRows: 1, WarnRatio: 5, FailRatio: 20, MaxClasses: 0},
	} {
		if _, err := balance.Check.New(cfg, env); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	if _, err := balance.Check.New(&struct{}{}, env); err == nil {
		t.Error("config of the wrong type accepted")
	}
}

func TestEdgeCases(t *testing.T) {
	mem := checktest.Allocator(t)
	str := arrow.BinaryTypes.String

	t.Run("no label column", func(t *testing.T) {
		cols := []col{{Name: "a", Type: str, Vals: []any{"x", "y"}}}
		bs := checktest.Table(t, mem, cols)
		defer checktest.Release(bs)
		for _, roles := range []checks.Roles{{}, {Label: "label"}} {
			r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), checks.Env{Schema: checktest.Schema(cols), Roles: roles}, bs, checktest.Options{})
			if r.Status != checks.NotApplicable || r.Score != nil || !slices.Equal(checktest.Codes(r), []string{"BAL000"}) {
				t.Errorf("roles %+v: status %s, findings %v", roles, r.Status, checktest.Codes(r))
			}
		}
	})
	t.Run("zero rows", func(t *testing.T) {
		cols := []col{{Name: "label", Type: str}, {Name: "f", Type: str}}
		bs := checktest.Table(t, mem, cols)
		defer checktest.Release(bs)
		r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "label", Features: []string{"f"}}}, bs, checktest.Options{})
		if r.Status != checks.NotApplicable || r.Score != nil || !slices.Equal(checktest.Codes(r), []string{"BAL001"}) {
			t.Errorf("status %s, findings %v", r.Status, checktest.Codes(r))
		}
		if m := metricsOf(t, r); m.Rows != 0 || m.UsableRows != 0 {
			t.Errorf("metrics %+v", m)
		}
	})
	for _, typ := range []arrow.DataType{str, dictString, arrow.Null, arrow.PrimitiveTypes.Float64} {
		t.Run("all-null label "+typ.String(), func(t *testing.T) {
			cols := []col{{Name: "label", Type: typ, Vals: []any{nil, nil, nil}}, {Name: "f", Type: str, Vals: []any{"a", "b", "a"}}}
			bs := checktest.Table(t, mem, cols, 1)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "label", Features: []string{"f"}}}, bs, checktest.Options{})
			m := metricsOf(t, r)
			if r.Status != checks.Fail || r.Score == nil || *r.Score != 0 || !hasCode(r, "BAL002") {
				t.Errorf("status %s, score %v, findings %v", r.Status, r.Score, checktest.Codes(r))
			}
			compare(t, m, oracle(rowsOf(cols), 0, -1, []int{1}, time.Time{}))
		})
	}
	t.Run("one class", func(t *testing.T) {
		cols := []col{{Name: "label", Type: str, Vals: []any{"a", "a", nil, "a"}}, {Name: "f", Type: str, Vals: []any{"x", "y", "z", "x"}}}
		bs := checktest.Table(t, mem, cols, 2)
		defer checktest.Release(bs)
		r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "label", Features: []string{"f"}}}, bs, checktest.Options{})
		m := metricsOf(t, r)
		if r.Status != checks.Fail || *r.Score != 0 || !hasCode(r, "BAL003") || *m.NormalizedEntropy != 0 || *m.ImbalanceRatio != 1 {
			t.Errorf("status %s, score %v, findings %v, metrics %+v", r.Status, *r.Score, checktest.Codes(r), m)
		}
		compare(t, m, oracle(rowsOf(cols), 0, -1, []int{1}, time.Time{}))
		if m.UsableRows != 2 || m.Excluded.Duplicate != 1 {
			t.Errorf("usable %d, duplicate %d", m.UsableRows, m.Excluded.Duplicate)
		}
	})
	t.Run("no time and no feature columns", func(t *testing.T) {
		cols := []col{{Name: "label", Type: str, Vals: []any{"a", "b", "a", "b", "a"}}, {Name: "f", Type: str, Vals: []any{"x", "x", "x", "y", "x"}}}
		bs := checktest.Table(t, mem, cols, 3)
		defer checktest.Release(bs)
		env := checks.Env{Schema: checktest.Schema(cols), StaleBefore: staleBefore, Roles: checks.Roles{Label: "label", Time: "missing"}}
		r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{})
		m := metricsOf(t, r)
		compare(t, m, oracle(rowsOf(cols), 0, -1, nil, time.Time{}))
		if m.Excluded.Conflicting != 0 || m.Excluded.Stale != 0 || m.UsableRows != 3 || m.TimeColumn != "" || m.FeatureColumns != 0 {
			t.Errorf("metrics %+v", m)
		}
		// With f as the feature, x is a conflicting group.
		env.Roles.Features = []string{"f"}
		m = metricsOf(t, checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{}))
		compare(t, m, oracle(rowsOf(cols), 0, -1, []int{1}, time.Time{}))
		if m.Excluded.Conflicting != 4 {
			t.Errorf("conflicting %d, want 4", m.Excluded.Conflicting)
		}
	})
	t.Run("opaque and odd columns", func(t *testing.T) {
		// A null-type column and a float16-free schema with a decimal
		// feature: no panic, and the counts still agree with the oracle.
		cols := []col{
			{Name: "label", Type: str, Vals: []any{"a", "b", "a", "a"}},
			{Name: "nothing", Type: arrow.Null, Vals: []any{nil, nil, nil, nil}},
			{Name: "d", Type: dec, Vals: []any{1.5, 1.5, nil, 1.5}},
		}
		bs := checktest.Table(t, mem, cols, 2)
		defer checktest.Release(bs)
		env := checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "label", Features: []string{"nothing", "d"}}}
		m := metricsOf(t, checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{}))
		compare(t, m, oracle(rowsOf(cols), 0, -1, []int{1, 2}, time.Time{}))
	})
}

// A label with more distinct values than max_classes is not treated as
// classes, whichever state first sees too many; an integer one is
// summarised as a distribution.
func TestTooManyValues(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(9, 9))
	const n = 600
	ints := make([]any, n)
	strs := make([]any, n)
	feats := make([]any, n)
	for i := range n {
		v := int64(rng.IntN(40)) - 5
		ints[i], strs[i], feats[i] = v, "class "+strconv.FormatInt(v, 10), strconv.Itoa(rng.IntN(50))
		if i%37 == 0 {
			ints[i], strs[i] = nil, nil
		}
	}
	cfg := &balance.Config{MinClassRows: 1, WarnRatio: 5, FailRatio: 20, MaxClasses: 25}
	for _, c := range []col{{Name: "label", Type: arrow.PrimitiveTypes.Int64, Vals: ints}, {Name: "label", Type: arrow.BinaryTypes.String, Vals: strs}} {
		t.Run(c.Type.String(), func(t *testing.T) {
			budgets(t, func(t *testing.T, budget *fptable.Budget) {
				cols := []col{c, {Name: "f", Type: arrow.BinaryTypes.String, Vals: feats}}
				bs := checktest.Table(t, mem, cols, 100, 250, 251)
				defer checktest.Release(bs)
				env := checks.Env{Schema: checktest.Schema(cols), Memory: budget, Roles: checks.Roles{Label: "label", Features: []string{"f"}}}
				r := checktest.SplitMerge(t, &balance.Check, cfg, env, bs, checktest.Options{Trials: 40, MaxStates: 12})
				m := metricsOf(t, r)
				if r.Status != checks.NotApplicable || !hasCode(r, "BAL007") || m.LabelKind != "too_many_values" || len(m.Classes) != 0 {
					t.Errorf("status %s, findings %v, kind %q, %d classes", r.Status, checktest.Codes(r), m.LabelKind, len(m.Classes))
				}
				o := oracle(rowsOf(cols), 0, -1, []int{1}, time.Time{})
				if m.UsableRows != o.usable || m.Excluded != o.excluded || m.LabelledRows != o.labelled {
					t.Errorf("usable %d excluded %+v, oracle %d %+v", m.UsableRows, m.Excluded, o.usable, o.excluded)
				}
				if isInt := c.Type.ID() == arrow.INT64; isInt != (m.Distribution != nil) {
					t.Fatalf("distribution %+v for %s", m.Distribution, c.Type)
				}
				if m.Distribution != nil {
					var vals []float64
					for _, v := range ints {
						if v != nil {
							vals = append(vals, float64(v.(int64)))
						}
					}
					checkDistribution(t, m.Distribution, vals, int64(n-len(vals)), 0)
				}
				// With room for every value, the same label is classes.
				r = checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{})
				if m := metricsOf(t, r); m.LabelKind != "classes" || len(m.Classes) != 40 {
					t.Errorf("with max_classes 1000: kind %q, %d classes", m.LabelKind, len(m.Classes))
				}
			})
		})
	}
}
