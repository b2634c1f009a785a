package balance_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
)

var quantileNames = []struct {
	name string
	q    float64
}{{"p01", 0.01}, {"p05", 0.05}, {"p25", 0.25}, {"p50", 0.50}, {"p75", 0.75}, {"p95", 0.95}, {"p99", 0.99}}

// checkDistribution compares a distribution with exact answers from the
// finite values themselves: counts exactly, mean and std to 1e-9 relative,
// min and max exactly, quantiles within 1% of the value at rank
// ⌊q·(n−1)⌋ or ⌈q·(n−1)⌉ of the sorted values.
func checkDistribution(t *testing.T, d *balance.Distribution, vals []float64, missing, nonFinite int64) {
	t.Helper()
	if d.Count != int64(len(vals)) || d.Missing != missing || d.NonFinite != nonFinite {
		t.Errorf("count/missing/non_finite = %d/%d/%d, want %d/%d/%d", d.Count, d.Missing, d.NonFinite, len(vals), missing, nonFinite)
	}
	if !strings.Contains(d.Method, "DDSketch") || !strings.Contains(d.Method, "1%") {
		t.Errorf("method %q does not state the sketch and its bound", d.Method)
	}
	if len(vals) == 0 {
		if d.Mean != nil || d.Quantiles != nil {
			t.Errorf("empty distribution has values: %+v", d)
		}
		return
	}
	// Mean and population std the slow way: two passes in 4096-bit
	// floating point, where these sums do not round.
	const prec = 4096
	n := new(big.Float).SetPrec(prec).SetInt64(int64(len(vals)))
	sum := new(big.Float).SetPrec(prec)
	for _, v := range vals {
		sum.Add(sum, big.NewFloat(v))
	}
	meanB := new(big.Float).SetPrec(prec).Quo(sum, n)
	ss := new(big.Float).SetPrec(prec)
	for _, v := range vals {
		d := new(big.Float).SetPrec(prec).Sub(big.NewFloat(v), meanB)
		ss.Add(ss, d.Mul(d, d))
	}
	mean, _ := meanB.Float64()
	variance, _ := ss.Quo(ss, n).Float64()
	std := math.Sqrt(variance)
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*max(1, math.Abs(want)) }
	if !near(*d.Mean, mean) || !near(*d.Std, std) {
		t.Errorf("mean %v std %v, want %v %v", *d.Mean, *d.Std, mean, std)
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	if *d.Min != sorted[0] || *d.Max != sorted[len(sorted)-1] {
		t.Errorf("min %v max %v, want %v %v", *d.Min, *d.Max, sorted[0], sorted[len(sorted)-1])
	}
	for _, q := range quantileNames {
		got := d.Quantiles[q.name]
		if got == nil {
			t.Errorf("%s missing", q.name)
			continue
		}
		rank := q.q * float64(len(sorted)-1)
		lo, hi := sorted[int(math.Floor(rank))], sorted[int(math.Ceil(rank))]
		within := func(x float64) bool { return math.Abs(*got-x) <= 0.01*math.Abs(x)+1e-12 }
		if !within(lo) && !within(hi) && !(lo <= *got && *got <= hi) {
			t.Errorf("%s = %v, exact %v..%v, beyond the 1%% bound", q.name, *got, lo, hi)
		}
	}
}

func TestRegressionLabel(t *testing.T) {
	cases := []struct {
		name string
		typ  arrow.DataType
		gen  func(rng *rand.Rand) float64
	}{
		{"float64 wide", arrow.PrimitiveTypes.Float64, func(rng *rand.Rand) float64 { return rng.NormFloat64()*1e3 + 1e6 }},
		{"float64 signed", arrow.PrimitiveTypes.Float64, func(rng *rand.Rand) float64 { return rng.NormFloat64() * math.Exp(rng.Float64()*10) }},
		{"float32", arrow.PrimitiveTypes.Float32, func(rng *rand.Rand) float64 { return float64(float32(rng.ExpFloat64() * 50)) }},
		{"decimal", dec, func(rng *rand.Rand) float64 { return float64(rng.IntN(200000)-50000) / 100 }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			const n = 5000
			var labelVals, feat []any
			var finite []float64
			var missing, nonFinite int64
			for j := range n {
				feat = append(feat, int64(rng.IntN(100)))
				switch {
				case j%53 == 0:
					labelVals = append(labelVals, nil)
					missing++
				case c.typ.ID() == arrow.FLOAT64 && j%101 == 0:
					labelVals = append(labelVals, []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[j%3])
					nonFinite++
				default:
					v := c.gen(rng)
					if j%7 == 0 && len(finite) > 0 {
						v = finite[rng.IntN(len(finite))] // repeats
					}
					labelVals = append(labelVals, v)
					finite = append(finite, v)
				}
			}
			cols := []col{{Name: "y", Type: c.typ, Vals: labelVals}, {Name: "f", Type: arrow.PrimitiveTypes.Int64, Vals: feat}}
			bs := checktest.Table(t, mem, cols, 1000, 1001, 3333)
			defer checktest.Release(bs)
			env := checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "y", Features: []string{"f"}}}
			r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{})
			m := metricsOf(t, r)
			if r.Status != checks.NotApplicable || r.Score != nil || !hasCode(r, "BAL008") || m.LabelKind != "continuous" || len(m.Classes) != 0 {
				t.Errorf("status %s, findings %v, kind %q", r.Status, checktest.Codes(r), m.LabelKind)
			}
			if m.Distribution == nil {
				t.Fatal("no distribution")
			}
			checkDistribution(t, m.Distribution, finite, missing, nonFinite)
			if m.LabelledRows != int64(n)-missing || m.MissingLabels != missing {
				t.Errorf("labelled %d missing %d", m.LabelledRows, m.MissingLabels)
			}
			ex := m.Excluded
			if m.UsableRows+ex.MissingLabel+ex.Conflicting+ex.Stale+ex.Duplicate != m.Rows {
				t.Errorf("usable_rows + excluded != rows: %+v", m)
			}
		})
	}
}

// Mean and std stay exact where a naive float sum cancels: a huge offset
// with small spread, in many batches.
func TestMomentsCancellation(t *testing.T) {
	mem := checktest.Allocator(t)
	var vals []any
	var finite []float64
	for i := range 1000 {
		v := 1e15 + float64(i%10)
		vals = append(vals, v)
		finite = append(finite, v)
	}
	cols := []col{{Name: "y", Type: arrow.PrimitiveTypes.Float64, Vals: vals}}
	bs := checktest.Table(t, mem, cols, 100, 200, 300, 777)
	defer checktest.Release(bs)
	env := checks.Env{Schema: checktest.Schema(cols), Roles: checks.Roles{Label: "y"}}
	m := metricsOf(t, checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{}))
	// Values 0..9 repeated evenly: mean 4.5 and variance 8.25 above 1e15.
	if *m.Distribution.Mean != 1e15+4.5 || math.Abs(*m.Distribution.Std-math.Sqrt(8.25)) > 1e-12 {
		t.Errorf("mean %v std %v", *m.Distribution.Mean, *m.Distribution.Std)
	}
	checkDistribution(t, m.Distribution, finite, 0, 0)
}

// A continuous label has no classes, yet its feature groups conflict like
// any others: two distinct non-null values (NaN one value, -0 equal to 0)
// exclude the group's rows, as the oracle says, spilled or not.
func TestContinuousConflicts(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(21, 22))
	const n = 6000
	var labelVals, feat, note []any
	for i := range n {
		g := rng.IntN(300)
		var v any
		switch {
		case i%41 == 0:
			v = nil
		case g%3 == 0: // one value per group: g, 0 spelled 0 or -0, or NaN
			v = []float64{float64(g), math.Copysign(0, float64(2*rng.IntN(2)-1)), math.NaN()}[g%9/3]
		default:
			v = float64(rng.IntN(3)) / 4
		}
		labelVals, feat = append(labelVals, v), append(feat, int64(g))
		note = append(note, int64(rng.IntN(4))) // some copies of full rows
	}
	cols := []col{{Name: "y", Type: arrow.PrimitiveTypes.Float64, Vals: labelVals}, {Name: "f", Type: arrow.PrimitiveTypes.Int64, Vals: feat},
		{Name: "note", Type: arrow.PrimitiveTypes.Int64, Vals: note}}
	o := oracle(rowsOf(cols), 0, -1, []int{1}, time.Time{})
	if o.excluded.Conflicting == 0 || o.usable == 0 || o.excluded.Duplicate == 0 {
		t.Fatalf("the table lacks a defect: usable %d, %+v", o.usable, o.excluded)
	}
	bs := checktest.Table(t, mem, cols, 500, 2500, 2501)
	defer checktest.Release(bs)
	budgets(t, func(t *testing.T, budget *fptable.Budget) {
		env := checks.Env{Schema: checktest.Schema(cols), Memory: budget, Roles: checks.Roles{Label: "y", Features: []string{"f"}}}
		m := metricsOf(t, checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{Trials: 8, MaxStates: 4}))
		if m.LabelKind != "continuous" || m.UsableRows != o.usable || m.Excluded != o.excluded || m.LabelledRows != o.labelled {
			t.Errorf("kind %q usable %d excluded %+v labelled %d, oracle %d %+v %d", m.LabelKind, m.UsableRows, m.Excluded, m.LabelledRows, o.usable, o.excluded, o.labelled)
		}
	})
}
