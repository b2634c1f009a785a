package representativeness_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	rep "github.com/readiness/readiness/checks/representativeness"
)

// The test data is plain Go values; oracles count from those values with
// maps and loops, and the Arrow batches are built from the same values.

var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
var decType = &arrow.Decimal128Type{Precision: 12, Scale: 2}

// col is one column: nil is null; string for string/dict, bool, int64 for
// integer types, float64 for float64, float32 for float16 (exact), and
// int64 hundredths for the decimal type.
type col struct {
	name string
	typ  arrow.DataType
	vals []any
}

// columns is cols as checktest columns.
func columns(cols []col) []checktest.Column {
	out := make([]checktest.Column, len(cols))
	for i, c := range cols {
		out[i] = checktest.Column{Name: c.name, Type: c.typ, Vals: c.vals}
	}
	return out
}

func schemaOf(cols []col) *arrow.Schema { return checktest.Schema(columns(cols)) }

// batches cuts cols into record batches at the given row boundaries.
func batches(t testing.TB, mem memory.Allocator, cols []col, bounds ...int) []checks.Batch {
	t.Helper()
	return checktest.Table(t, mem, columns(cols), bounds...)
}

func defaults() *rep.Config { return rep.Check.DefaultConfig().(*rep.Config) }

func features(cols []col) checks.Roles {
	var r checks.Roles
	for _, c := range cols {
		r.Features = append(r.Features, c.name)
	}
	return r
}

func metricsOf(t *testing.T, r checks.Result) rep.Metrics {
	t.Helper()
	var m rep.Metrics
	checktest.Metrics(t, nil, r, &m, true)
	return m
}

// observed runs every batch through one fresh state and returns it, to be
// used as a reference.
// observed is the state of a reference run over bs (env.ReferenceRun set,
// as the pipeline sets it).
func observed(t *testing.T, cfg *rep.Config, env checks.Env, bs []checks.Batch) checks.State {
	t.Helper()
	env.ReferenceRun = true
	st := checktest.New(t, &rep.Check, cfg, env)
	for _, b := range bs {
		if err := st.Observe(b); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// ---- oracles ----

// shares returns value → share over non-null values.
func shares(vals []any) map[string]float64 {
	counts := map[string]float64{}
	n := 0.0
	for _, v := range vals {
		if v == nil {
			continue
		}
		counts[fmt.Sprint(v)]++
		n++
	}
	for k := range counts {
		counts[k] /= n
	}
	return counts
}

func psiOracle(a, b map[string]float64, eps float64) float64 {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sum := 0.0
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, y := a[k], b[k]
		if x == 0 {
			x = eps
		}
		if y == 0 {
			y = eps
		}
		sum += (x - y) * math.Log(x/y)
	}
	return sum
}

// jsOracle computes the JS distance from the definition, via entropies:
// JSD = H(m) − (H(a) + H(b))/2, in bits.
func jsOracle(a, b map[string]float64) float64 {
	h := func(p map[string]float64) float64 {
		s := 0.0
		for _, v := range p {
			if v > 0 {
				s -= v * math.Log2(v)
			}
		}
		return s
	}
	m := map[string]float64{}
	for k, v := range a {
		m[k] += v / 2
	}
	for k, v := range b {
		m[k] += v / 2
	}
	return math.Sqrt(math.Max(0, h(m)-(h(a)+h(b))/2))
}

// exactW1KS computes W1 and KS between two samples exactly, from their
// sorted values: W1 = ∫|F−G|, KS = max|F−G| over all sample points.
func exactW1KS(x, y []float64) (w1, ks float64) {
	x, y = slices.Clone(x), slices.Clone(y)
	sort.Float64s(x)
	sort.Float64s(y)
	all := slices.Concat(x, y)
	sort.Float64s(all)
	i, j := 0, 0
	for k, v := range all {
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		d := math.Abs(float64(i)/float64(len(x)) - float64(j)/float64(len(y)))
		ks = max(ks, d)
		if k+1 < len(all) {
			w1 += d * (all[k+1] - v)
		}
	}
	return w1, ks
}

// ---- tests ----

func TestIdenticalDataAgainstItself(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	cols := []col{
		{"cat", arrow.BinaryTypes.String, nil},
		{"num", arrow.PrimitiveTypes.Float64, nil},
		{"age", arrow.PrimitiveTypes.Int64, nil},
		{"big", arrow.PrimitiveTypes.Int64, nil},
	}
	for range n {
		cols[0].vals = append(cols[0].vals, []string{"a", "b", "c"}[rng.IntN(3)])
		cols[1].vals = append(cols[1].vals, rng.NormFloat64()*10-3)
		cols[2].vals = append(cols[2].vals, int64(18+rng.IntN(60)))
		cols[3].vals = append(cols[3].vals, rng.Int64N(1e9)-5e8)
	}
	cols[0].vals[5] = nil
	cols[1].vals[7] = nil
	bs := batches(t, mem, cols, 1000, 2000)
	defer checktest.Release(bs)
	cfg := defaults()
	env := checks.Env{Schema: schemaOf(cols), Roles: features(cols)}
	env.Reference = observed(t, cfg, env, bs)
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, bs, checktest.Options{Trials: 10})
	m := metricsOf(t, r)
	if r.Status != checks.Pass || r.Score == nil || *r.Score != 100 {
		t.Errorf("status %s score %v, want pass 100; findings %v", r.Status, r.Score, r.Findings)
	}
	for _, name := range []string{"cat", "age"} {
		c := m.Columns[name]
		if c.Kind != "categorical" || c.PSI == nil || *c.PSI != 0 || *c.JSDistance != 0 || len(c.MissingCategories) != 0 || len(c.UnderRepresented) != 0 {
			t.Errorf("%s: %+v, want categorical with psi = js = 0", name, c)
		}
	}
	for _, name := range []string{"num", "big"} {
		c := m.Columns[name]
		if c.Kind != "numeric" || c.KS == nil || *c.KS != 0 || *c.Wasserstein != 0 {
			t.Errorf("%s: %+v, want numeric with ks = w1 = 0", name, c)
		}
	}
	if !m.ReferencePresent || *m.ReferenceRows != int64(n) || m.Rows != int64(n) {
		t.Errorf("reference_present %v rows %d reference_rows %v", m.ReferencePresent, m.Rows, m.ReferenceRows)
	}
}

func TestKnownCategoricalShift(t *testing.T) {
	mem := checktest.Allocator(t)
	mk := func(a, b int) []any {
		var v []any
		for range a {
			v = append(v, "x")
		}
		for range b {
			v = append(v, "y")
		}
		return v
	}
	train := []col{{"c", arrow.BinaryTypes.String, mk(50, 50)}}
	ref := []col{{"c", dictType, mk(80, 20)}} // a different type for the same values
	tb, rb := batches(t, mem, train, 30), batches(t, mem, ref, 55)
	defer checktest.Release(tb)
	defer checktest.Release(rb)
	cfg := defaults()
	renv := checks.Env{Schema: schemaOf(ref), Roles: features(ref)}
	env := checks.Env{Schema: schemaOf(train), Roles: features(train), Reference: observed(t, cfg, renv, rb)}
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, tb, checktest.Options{})
	c := metricsOf(t, r).Columns["c"]
	a, b := map[string]float64{"x": 0.5, "y": 0.5}, map[string]float64{"x": 0.8, "y": 0.2}
	wantPSI := (0.5-0.8)*math.Log(0.5/0.8) + (0.5-0.2)*math.Log(0.5/0.2)
	if !near(wantPSI, psiOracle(a, b, 1e-4), 1e-12) {
		t.Fatal("oracles disagree")
	}
	if c.PSI == nil || !near(*c.PSI, wantPSI, 1e-9) {
		t.Errorf("psi %v, want %v", c.PSI, wantPSI)
	}
	if wantJS := jsOracle(a, b); c.JSDistance == nil || !near(*c.JSDistance, wantJS, 1e-9) {
		t.Errorf("js %v, want %v", c.JSDistance, wantJS)
	}
	// y: 0.5 vs 0.2 is over-, x: 0.5 vs 0.8 is not under 0.5 × 0.8.
	if len(c.UnderRepresented) != 0 || len(c.MissingCategories) != 0 {
		t.Errorf("under %v missing %v", c.UnderRepresented, c.MissingCategories)
	}
	// psi 0.416 > 0.25 fails; js 0.227 > 0.2 fails.
	if r.Status != checks.Fail || !reflect.DeepEqual(checktest.Codes(r), []string{"REP001", "REP001"}) {
		t.Errorf("status %s codes %v", r.Status, checktest.Codes(r))
	}
	wantScore := 100 * (1 - math.Min(1, wantPSI/0.25))
	if r.Score == nil || !near(*r.Score, math.Round(wantScore*100)/100, 1e-9) {
		t.Errorf("score %v, want %v", r.Score, wantScore)
	}
}

func TestMissingAndUnderRepresented(t *testing.T) {
	mem := checktest.Allocator(t)
	var tv, rv []any
	add := func(dst *[]any, v any, n int) {
		for range n {
			*dst = append(*dst, v)
		}
	}
	add(&tv, "a", 90)
	add(&tv, "b", 5)
	add(&tv, "extra", 5)
	add(&tv, nil, 7)
	add(&rv, "a", 40)
	add(&rv, "b", 30)
	add(&rv, "c", 20)
	add(&rv, "d", 10)
	train, ref := []col{{"c", arrow.BinaryTypes.LargeString, tv}}, []col{{"c", arrow.BinaryTypes.StringView, rv}}
	tb, rb := batches(t, mem, train), batches(t, mem, ref)
	defer checktest.Release(tb)
	defer checktest.Release(rb)
	cfg := defaults()
	env := checks.Env{Schema: schemaOf(train), Roles: features(train),
		Reference: observed(t, cfg, checks.Env{Schema: schemaOf(ref), Roles: features(ref)}, rb)}
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, tb, checktest.Options{})
	c := metricsOf(t, r).Columns["c"]
	ts, rs := shares(tv), shares(rv)
	var wantMissing []string
	var wantUnder []rep.UnderRepresented
	for _, k := range slices.Sorted(maps.Keys(rs)) {
		if ts[k] == 0 {
			wantMissing = append(wantMissing, k)
		} else if ts[k] < 0.5*rs[k] {
			wantUnder = append(wantUnder, rep.UnderRepresented{Value: k, TrainShare: ts[k], ReferenceShare: rs[k]})
		}
	}
	if !reflect.DeepEqual(c.MissingCategories, wantMissing) || !reflect.DeepEqual(c.UnderRepresented, wantUnder) {
		t.Errorf("missing %v under %+v; want %v %+v", c.MissingCategories, c.UnderRepresented, wantMissing, wantUnder)
	}
	if c.Nulls != 7 || c.Rows != 107 || *c.Distinct != 3 {
		t.Errorf("rows %d nulls %d distinct %v", c.Rows, c.Nulls, c.Distinct)
	}
	if w := psiOracle(ts, rs, cfg.Epsilon); !near(*c.PSI, w, 1e-9) {
		t.Errorf("psi %v want %v", *c.PSI, w)
	}
	if w := jsOracle(ts, rs); !near(*c.JSDistance, w, 1e-9) {
		t.Errorf("js %v want %v", *c.JSDistance, w)
	}
	got := checktest.Codes(r)
	for _, code := range []string{"REP001", "REP003", "REP004"} {
		if !slices.Contains(got, code) {
			t.Errorf("codes %v lack %s", got, code)
		}
	}
}

func TestKnownNumericShift(t *testing.T) {
	for _, tc := range []struct {
		name        string
		shift, sd   float64
		nTrain, nRf int
	}{
		{"mean shift 0.5", 0.5, 1, 4000, 3000},
		{"mean shift 3 around 100", 3, 10, 2500, 5000},
		{"tiny shift", 0.01, 1, 3000, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(7, 9))
			var x, y []float64
			var tv, rv []any
			for range tc.nTrain {
				v := 100*boolF(tc.sd == 10) + rng.NormFloat64()*tc.sd
				x = append(x, v)
				tv = append(tv, v)
			}
			for range tc.nRf {
				v := 100*boolF(tc.sd == 10) + tc.shift + rng.NormFloat64()*tc.sd
				y = append(y, v)
				rv = append(rv, v)
			}
			train, ref := []col{{"v", arrow.PrimitiveTypes.Float64, tv}}, []col{{"v", arrow.PrimitiveTypes.Float64, rv}}
			tb, rb := batches(t, mem, train, 1000), batches(t, mem, ref, 10)
			defer checktest.Release(tb)
			defer checktest.Release(rb)
			cfg := defaults()
			env := checks.Env{Schema: schemaOf(train), Roles: features(train),
				Reference: observed(t, cfg, checks.Env{Schema: schemaOf(ref), Roles: features(ref)}, rb)}
			r := checktest.SplitMerge(t, &rep.Check, cfg, env, tb, checktest.Options{Trials: 8})
			c := metricsOf(t, r).Columns["v"]
			w1, ks := exactW1KS(x, y)
			if c.Wasserstein == nil || math.Abs(*c.Wasserstein-w1) > *c.WassersteinErrorBound+1e-9 {
				t.Errorf("w1 %v ± %v, exact %v", *c.Wasserstein, *c.WassersteinErrorBound, w1)
			}
			if c.KS == nil || *c.KS > ks+1e-12 || ks > *c.KS+*c.KSErrorBound+1e-12 {
				t.Errorf("ks %v (+%v), exact %v", *c.KS, *c.KSErrorBound, ks)
			}
			t.Logf("w1 %.5f (exact %.5f, bound %.5f) ks %.5f (exact %.5f, bound %.5f)", *c.Wasserstein, w1, *c.WassersteinErrorBound, *c.KS, ks, *c.KSErrorBound)
			wantStatus := checks.Pass
			if *c.KS > cfg.KSFail {
				wantStatus = checks.Fail
			} else if *c.KS > cfg.KSWarn {
				wantStatus = checks.Warn
			}
			if r.Status != wantStatus {
				t.Errorf("status %s, want %s", r.Status, wantStatus)
			}
		})
	}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestTargetsAndRequired(t *testing.T) {
	mem := checktest.Allocator(t)
	var region, tier []any
	for i := range 200 {
		switch {
		case i%10 < 6:
			region = append(region, "eu")
		case i%10 < 9:
			region = append(region, "us")
		default:
			region = append(region, nil)
		}
		tier = append(tier, int64(i%7)) // 0..6
	}
	cols := []col{{"region", arrow.BinaryTypes.String, region}, {"tier", arrow.PrimitiveTypes.Int32, tier}}
	bs := batches(t, mem, cols, 33, 100)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.Targets = map[string]rep.Target{
		"region": {Shares: map[string]float64{"eu": 0.5, "us": 0.5, "apac": 0.1}, Tolerance: 0.05},
		"tier":   {Shares: map[string]float64{"0": 1.0 / 7, "6": 0.3}, Tolerance: 0.01},
	}
	cfg.Required = map[string]map[string]int64{"region": {"us": 60, "eu": 200}, "tier": {"3": 29, "6": 28}}
	env := checks.Env{Schema: schemaOf(cols)} // no features: only the configured columns
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, bs, checktest.Options{})
	m := metricsOf(t, r)

	// Oracle.
	count := func(c col, v string) (rows, nonNull int64) {
		for _, x := range c.vals {
			if x == nil {
				continue
			}
			nonNull++
			if fmt.Sprint(x) == v {
				rows++
			}
		}
		return
	}
	byName := map[string]col{"region": cols[0], "tier": cols[1]}
	var wantT []rep.TargetMetrics
	metT := 0
	for _, name := range slices.Sorted(maps.Keys(cfg.Targets)) {
		tg := cfg.Targets[name]
		for _, v := range slices.Sorted(maps.Keys(tg.Shares)) {
			rows, nn := count(byName[name], v)
			share := float64(rows) / float64(nn)
			ok := math.Abs(share-tg.Shares[v]) <= tg.Tolerance
			if ok {
				metT++
			}
			wantT = append(wantT, rep.TargetMetrics{Column: name, Value: v, TargetShare: tg.Shares[v], Tolerance: tg.Tolerance, TrainShare: share, Rows: rows, Met: ok})
		}
	}
	var wantR []rep.RequiredMetrics
	metR := 0
	for _, name := range slices.Sorted(maps.Keys(cfg.Required)) {
		for _, v := range slices.Sorted(maps.Keys(cfg.Required[name])) {
			rows, _ := count(byName[name], v)
			ok := rows >= cfg.Required[name][v]
			if ok {
				metR++
			}
			wantR = append(wantR, rep.RequiredMetrics{Column: name, Value: v, MinCount: cfg.Required[name][v], Rows: rows, Met: ok})
		}
	}
	if !reflect.DeepEqual(m.Targets, wantT) {
		t.Errorf("targets\n got %+v\nwant %+v", m.Targets, wantT)
	}
	if !reflect.DeepEqual(m.Required, wantR) {
		t.Errorf("required\n got %+v\nwant %+v", m.Required, wantR)
	}
	nMissT, nMissR := len(wantT)-metT, len(wantR)-metR
	if nMissT == 0 || nMissR == 0 || metT == 0 || metR == 0 {
		t.Fatalf("test data should both meet and miss: targets %d/%d required %d/%d", metT, len(wantT), metR, len(wantR))
	}
	var got5, got6 int
	for _, f := range r.Findings {
		switch f.Code {
		case "REP005":
			got5++
			if f.Value == nil || f.Threshold == nil || !strings.HasPrefix(f.Setting, "checks.representativeness.targets.") {
				t.Errorf("finding %+v", f)
			}
		case "REP006":
			got6++
			if f.Rows == nil || *f.Value >= *f.Threshold {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if got5 != nMissT || got6 != nMissR || r.Status != checks.Fail {
		t.Errorf("REP005 %d want %d, REP006 %d want %d, status %s", got5, nMissT, got6, nMissR, r.Status)
	}
	wantScore := 100 * (float64(metT)/float64(len(wantT)) + float64(metR)/float64(len(wantR))) / 2
	if r.Score == nil || !near(*r.Score, math.Round(wantScore*100)/100, 1e-9) {
		t.Errorf("score %v want %v", r.Score, wantScore)
	}
}

// TestDeclaredValuesSurviveOverflow: a column with more distinct values than
// max_categories is not listed, yet its declared values stay exact.
func TestDeclaredValuesSurviveOverflow(t *testing.T) {
	mem := checktest.Allocator(t)
	var s, n []any
	for i := range 500 {
		s = append(s, fmt.Sprintf("user-%d", i%50))
		n = append(n, int64(i%40))
	}
	cols := []col{{"s", arrow.BinaryTypes.String, s}, {"n", arrow.PrimitiveTypes.Int64, n}}
	bs := batches(t, mem, cols, 7, 250, 251)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.MaxCategories = 20
	cfg.Required = map[string]map[string]int64{"s": {"user-3": 10, "user-49": 11}, "n": {"39": 12, "0": 12}}
	env := checks.Env{Schema: schemaOf(cols), Roles: features(cols)}
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, bs, checktest.Options{})
	m := metricsOf(t, r)
	if m.Columns["s"].Kind != "skipped" || m.Columns["n"].Kind != "numeric" {
		t.Errorf("kinds %q %q, want skipped, numeric", m.Columns["s"].Kind, m.Columns["n"].Kind)
	}
	want := []rep.RequiredMetrics{
		{Column: "n", Value: "0", MinCount: 12, Rows: 13, Met: true},
		{Column: "n", Value: "39", MinCount: 12, Rows: 12, Met: true},
		{Column: "s", Value: "user-3", MinCount: 10, Rows: 10, Met: true},
		{Column: "s", Value: "user-49", MinCount: 11, Rows: 10, Met: false},
	}
	if !reflect.DeepEqual(m.Required, want) {
		t.Errorf("required %+v\nwant %+v", m.Required, want)
	}
	// No value of the skipped column may appear anywhere but in what the
	// policy declared.
	raw := string(checktest.JSON(t, r))
	for i := range 50 {
		v := fmt.Sprintf("user-%d\"", i)
		if i != 3 && i != 49 && strings.Contains(raw, v) {
			t.Errorf("result lists undeclared value %s", v)
		}
	}
}

func TestSlices(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var region, device, flag []any
	regions := []any{"eu", "us", "apac", nil}
	devices := []any{"ios", "android", "web"}
	for range 600 {
		r := regions[rng.IntN(4)]
		d := devices[rng.IntN(3)]
		if r == "apac" && d == "web" { // never: a zero-row combination
			d = "ios"
		}
		if r == nil && rng.IntN(3) > 0 {
			d = "android" // thin
		}
		region, device = append(region, r), append(device, d)
		flag = append(flag, rng.IntN(10) == 0)
	}
	cols := []col{{"region", dictType, region}, {"device", arrow.BinaryTypes.String, device}, {"flag", arrow.FixedWidthTypes.Boolean, flag}}
	bs := batches(t, mem, cols, 100, 101, 400)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.Slices = []string{"region", "device", "flag"}
	cfg.MinSliceRows = 20
	env := checks.Env{Schema: schemaOf(cols)}
	r := checktest.SplitMerge(t, &rep.Check, cfg, env, bs, checktest.Options{})
	sm := metricsOf(t, r).Slices

	// Oracle: values per attribute, cross product, counts.
	text := func(v any) string {
		if v == nil {
			return "(null)"
		}
		return fmt.Sprint(v)
	}
	per := make([]map[string]bool, 3)
	counts := map[string]int64{}
	for i := range region {
		vs := []string{text(region[i]), text(device[i]), text(flag[i])}
		for k, v := range vs {
			if per[k] == nil {
				per[k] = map[string]bool{}
			}
			per[k][v] = true
		}
		counts[strings.Join(vs, "|")]++
	}
	var want []rep.SliceCell
	total := int64(0)
	for _, a := range slices.Sorted(maps.Keys(per[0])) {
		for _, b := range slices.Sorted(maps.Keys(per[1])) {
			for _, c := range slices.Sorted(maps.Keys(per[2])) {
				total++
				if n := counts[a+"|"+b+"|"+c]; n < cfg.MinSliceRows {
					want = append(want, rep.SliceCell{Values: []string{a, b, c}, Rows: n})
				}
			}
		}
	}
	if sm == nil || !sm.Evaluated {
		t.Fatalf("slices %+v", sm)
	}
	if sm.CombinationsChecked != total || sm.CrossProduct != total || sm.UnderCoveredCount != int64(len(want)) || !reflect.DeepEqual(sm.UnderCovered, want) {
		t.Errorf("slices %+v\nwant checked %d under %+v", sm, total, want)
	}
	zero := 0
	for _, c := range want {
		if c.Rows == 0 {
			zero++
		}
	}
	if zero < 2 || len(want) == int(total) {
		t.Fatalf("test data should have zero-row and covered combinations: %d zero of %d", zero, len(want))
	}
	if r.Status != checks.Warn || !slices.Contains(checktest.Codes(r), "REP007") {
		t.Errorf("status %s codes %v", r.Status, checktest.Codes(r))
	}
	wantScore := 100 * (1 - float64(len(want))/float64(total))
	if !near(*r.Score, math.Round(wantScore*100)/100, 1e-9) {
		t.Errorf("score %v want %v", *r.Score, wantScore)
	}
}

func TestSlicesOverCap(t *testing.T) {
	mem := checktest.Allocator(t)
	var a, b []any
	for i := range 300 {
		a = append(a, int64(i%150))
		b = append(b, int64(i%101))
	}
	cols := []col{{"a", arrow.PrimitiveTypes.Int64, a}, {"b", arrow.PrimitiveTypes.Int64, b}}
	bs := batches(t, mem, cols, 50)
	defer checktest.Release(bs)
	cfg := defaults()
	cfg.Slices = []string{"a", "b"}
	cfg.MaxSliceCombinations = 1000 // 150 × 101 > 1000 though only 300 are observed
	r := checktest.SplitMerge(t, &rep.Check, cfg, checks.Env{Schema: schemaOf(cols)}, bs, checktest.Options{})
	sm := metricsOf(t, r).Slices
	if sm.Evaluated || r.Status != checks.NotApplicable || !slices.Contains(checktest.Codes(r), "REP008") {
		t.Errorf("slices %+v status %s codes %v", sm, r.Status, checktest.Codes(r))
	}
	cfg.MaxSliceCombinations = 200 // fewer than the 300 observed combinations
	r = checktest.SplitMerge(t, &rep.Check, cfg, checks.Env{Schema: schemaOf(cols)}, bs, checktest.Options{})
	if sm := metricsOf(t, r).Slices; sm.Evaluated || !strings.Contains(sm.Note, "observed") {
		t.Errorf("slices %+v", sm)
	}
}

func TestNotApplicable(t *testing.T) {
	mem := checktest.Allocator(t)
	cols := []col{{"c", arrow.BinaryTypes.String, []any{"a", "b", nil}}, {"allnull", arrow.PrimitiveTypes.Float64, []any{nil, nil, nil}}}
	bs := batches(t, mem, cols)
	defer checktest.Release(bs)
	env := checks.Env{Schema: schemaOf(cols), Roles: features(cols)}
	r := checktest.SplitMerge(t, &rep.Check, defaults(), env, bs, checktest.Options{})
	if r.Status != checks.NotApplicable || r.Score != nil || checktest.Codes(r)[0] != "REP000" {
		t.Errorf("no comparison: status %s score %v codes %v", r.Status, r.Score, checktest.Codes(r))
	}
	m := metricsOf(t, r)
	if m.Columns["allnull"].Nulls != 3 || m.Columns["c"].Nulls != 1 || m.ReferencePresent {
		t.Errorf("columns %+v", m.Columns)
	}

	// Zero rows, with a reference and required values.
	empty := batches(t, mem, []col{{"c", arrow.BinaryTypes.String, []any{}}, {"allnull", arrow.PrimitiveTypes.Float64, []any{}}})
	defer checktest.Release(empty)
	cfg := defaults()
	cfg.Required = map[string]map[string]int64{"c": {"a": 1}}
	env.Reference = observed(t, cfg, env, bs)
	r = checktest.SplitMerge(t, &rep.Check, cfg, env, empty, checktest.Options{})
	if r.Status != checks.NotApplicable || r.Score != nil || checktest.Codes(r)[0] != "REP000" {
		t.Errorf("zero rows: status %s score %v codes %v", r.Status, r.Score, checktest.Codes(r))
	}

	// An all-null column against a reference is not compared.
	env.Reference = observed(t, cfg, env, bs)
	r = checktest.SplitMerge(t, &rep.Check, defaults(), env, bs, checktest.Options{})
	m = metricsOf(t, r)
	if m.Columns["allnull"].Note == "" || m.Columns["allnull"].KS != nil || r.Status != checks.Pass {
		t.Errorf("all-null column: %+v, status %s", m.Columns["allnull"], r.Status)
	}
}

func TestForeignReference(t *testing.T) {
	env := checks.Env{Schema: arrow.NewSchema(nil, nil), Reference: checktest.Foreign{}}
	if _, err := rep.Check.New(defaults(), env); err == nil {
		t.Error("a foreign reference state was accepted")
	}
	if _, err := rep.Check.New(struct{}{}, checks.Env{Schema: arrow.NewSchema(nil, nil)}); err == nil {
		t.Error("a foreign config was accepted")
	}
}

func TestColumns(t *testing.T) {
	cfg := defaults()
	roles := checks.Roles{Label: "y", Features: []string{"f2", "f1"}}
	if got := rep.Check.Columns(cfg, checks.Env{Roles: roles}); !reflect.DeepEqual(got, []string{"f1", "f2"}) {
		t.Errorf("default columns %v", got)
	}
	cfg.Columns = []string{"z"}
	cfg.Targets = map[string]rep.Target{"t": {}}
	cfg.Required = map[string]map[string]int64{"r": {}}
	cfg.Slices = []string{"s", "z"}
	if got := rep.Check.Columns(cfg, checks.Env{Roles: roles}); !reflect.DeepEqual(got, []string{"r", "s", "t", "z"}) {
		t.Errorf("configured columns %v", got)
	}
	if got := rep.Check.Columns(defaults(), checks.Env{}); got == nil || len(got) != 0 {
		t.Errorf("no columns: %#v (nil would mean every column)", got)
	}
}

// randomCols has every type the readers produce, with nulls.
func randomCols(rng *rand.Rand, n int, shift float64) []col {
	cols := []col{
		{"s", arrow.BinaryTypes.String, nil},
		{"ls", arrow.BinaryTypes.LargeString, nil},
		{"sv", arrow.BinaryTypes.StringView, nil},
		{"d", dictType, nil},
		{"b", arrow.FixedWidthTypes.Boolean, nil},
		{"i8", arrow.PrimitiveTypes.Int8, nil},
		{"i32", arrow.PrimitiveTypes.Int32, nil},
		{"u64", arrow.PrimitiveTypes.Uint64, nil},
		{"f", arrow.PrimitiveTypes.Float64, nil},
		{"h", arrow.FixedWidthTypes.Float16, nil},
		{"dec", decType, nil},
		{"ts", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, nil},
		{"null", arrow.Null, nil},
	}
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	for range n {
		nul := func() bool { return rng.IntN(20) == 0 }
		pick := func() any {
			if nul() {
				return nil
			}
			k := int(math.Min(4, math.Abs(rng.NormFloat64()+shift)*1.5))
			return words[k]
		}
		cols[0].vals = append(cols[0].vals, pick())
		cols[1].vals = append(cols[1].vals, pick())
		cols[2].vals = append(cols[2].vals, pick())
		cols[3].vals = append(cols[3].vals, pick())
		cols[4].vals = append(cols[4].vals, rng.Float64() < 0.3+shift/10)
		cols[5].vals = append(cols[5].vals, int64(rng.IntN(5))-2)
		cols[6].vals = append(cols[6].vals, int64(rng.IntN(3000)))
		cols[7].vals = append(cols[7].vals, int64(rng.IntN(4)))
		f := any(rng.NormFloat64() + shift)
		switch rng.IntN(30) {
		case 0:
			f = nil
		case 1:
			f = math.NaN()
		case 2:
			f = math.Inf(1)
		case 3:
			f = 0.0
		}
		cols[8].vals = append(cols[8].vals, f)
		cols[9].vals = append(cols[9].vals, float32(rng.IntN(64))/4-8)
		cols[10].vals = append(cols[10].vals, int64(rng.IntN(100000))-20000)
		cols[11].vals = append(cols[11].vals, int64(rng.IntN(1e9)))
		cols[12].vals = append(cols[12].vals, nil)
	}
	return cols
}

func TestSplitMergeEveryType(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(seed, 11))
			train := randomCols(rng, 800+rng.IntN(800), 0)
			ref := randomCols(rng, 500+rng.IntN(800), 0.4)
			tb := batches(t, mem, train, 100, 333)
			rb := batches(t, mem, ref, 17)
			defer checktest.Release(tb)
			defer checktest.Release(rb)
			cfg := defaults()
			cfg.MaxCategories = 100 // i32 overflows to numeric
			cfg.Targets = map[string]rep.Target{"s": {Shares: map[string]float64{"alpha": 0.4, "beta": 0.3}, Tolerance: 0.05}}
			cfg.Required = map[string]map[string]int64{"d": {"epsilon": 30}, "i8": {"-2": 100}}
			cfg.Slices = []string{"b", "i8", "sv"}
			env := checks.Env{Schema: schemaOf(train), Roles: features(train)}
			// Without a reference.
			r := checktest.SplitMerge(t, &rep.Check, cfg, env, tb, checktest.Options{Seed: seed, Trials: 10})
			m := metricsOf(t, r)
			wantKinds := map[string]string{"s": "categorical", "ls": "categorical", "sv": "categorical", "d": "categorical", "b": "categorical",
				"i8": "categorical", "i32": "numeric", "u64": "categorical", "f": "numeric", "h": "numeric", "dec": "numeric", "ts": "skipped", "null": "categorical"}
			for name, k := range wantKinds {
				if m.Columns[name].Kind != k {
					t.Errorf("column %s kind %q, want %q", name, m.Columns[name].Kind, k)
				}
			}
			// Exact counts against the oracle.
			for _, c := range train {
				var nulls int64
				for _, v := range c.vals {
					if v == nil {
						nulls++
					}
				}
				if got := m.Columns[c.name]; got.Rows != int64(len(c.vals)) || (c.name != "ts" && got.Nulls != nulls) {
					t.Errorf("column %s rows %d nulls %d, want %d %d", c.name, got.Rows, got.Nulls, len(c.vals), nulls)
				}
			}
			var nonFinite int64
			for _, v := range train[8].vals {
				if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
					nonFinite++
				}
			}
			if m.Columns["f"].NonFinite != nonFinite {
				t.Errorf("non_finite %d want %d", m.Columns["f"].NonFinite, nonFinite)
			}
			// With a reference, merged from split states too.
			renv := checks.Env{Schema: schemaOf(ref), Roles: features(ref)}
			refState := observed(t, cfg, renv, rb[:1])
			rest := observed(t, cfg, renv, rb[1:])
			if err := refState.Merge(rest); err != nil {
				t.Fatal(err)
			}
			env.Reference = refState
			r = checktest.SplitMerge(t, &rep.Check, cfg, env, tb, checktest.Options{Seed: seed, Trials: 10})
			m = metricsOf(t, r)
			for name, c := range m.Columns {
				switch c.Kind {
				case "categorical":
					if c.PSI == nil && name != "null" {
						t.Errorf("column %s not compared: %+v", name, c)
					}
				case "numeric":
					if c.KS == nil {
						t.Errorf("column %s not compared: %+v", name, c)
					}
				}
			}
			if r.Status == checks.Pass || r.Score == nil {
				t.Errorf("shifted reference: status %s", r.Status)
			}
		})
	}
}
