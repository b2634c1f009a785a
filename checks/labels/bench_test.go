package labels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// BenchmarkObserve measures the check's hot loop on one 64K-row batch: a
// string, a float64 and an int64 feature, a string label with 20 classes
// and a few percent nulls, and a dictionary-encoded annotator. Each
// iteration observes the batch into a fresh state, as a worker sees new
// rows (observing the same rows again would only hit the tables);
// "annotator+result" then folds and scans them, as Result does. The
// "/memo" variants take the fingerprints from a memo filled once, as the
// pipeline shares them between checks, so they time the check's own work.
func BenchmarkObserve(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	sb := array.NewStringBuilder(mem)
	fb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	lb := array.NewStringBuilder(mem)
	ab := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
	for range n {
		sb.Append(words[rng.IntN(len(words))])
		fb.Append(float64(rng.IntN(1000)) / 8)
		ib.Append(rng.Int64N(100))
		if rng.IntN(40) == 0 {
			lb.AppendNull()
		} else {
			lb.Append(fmt.Sprint("class-", rng.IntN(20)))
		}
		_ = ab.AppendString(fmt.Sprint("ann", rng.IntN(8)))
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "who", Type: ab.Type(), Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{sb.NewArray(), fb.NewArray(), ib.NewArray(), lb.NewArray(), ab.NewArray()}, n)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	env := checks.Env{Schema: schema, Roles: checks.Roles{Label: "label", Annotator: "who", Features: []string{"s", "f", "i"}}}
	for _, bc := range []struct {
		name string
		env  checks.Env
	}{{"annotator", env}, {"no annotator", checks.Env{Schema: schema, Roles: checks.Roles{Label: "label", Features: env.Roles.Features}}}} {
		b.Run(bc.name, func(b *testing.B) {
			checktest.BenchObserve(b, rec, 1, func() (checks.State, error) { return newState(cfg, bc.env) })
		})
		b.Run(bc.name+"/memo", func(b *testing.B) {
			checktest.BenchObserveMemo(b, rec, func() (checks.State, error) { return newState(cfg, bc.env) })
		})
	}
	// The rows appended by Observe are folded by Result, which scans the
	// groups and the annotator pairs: that end phase is timed too.
	b.Run("annotator+result", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st, err := newState(cfg, env)
			if err != nil {
				b.Fatal(err)
			}
			if err := st.Observe(checks.Batch{Record: rec}); err != nil {
				b.Fatal(err)
			}
			if _, err := st.Result(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "rows/s")
	})
}
