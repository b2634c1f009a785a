package representativeness

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

// BenchmarkObserve measures the check's hot loop on one 64K-row batch of a
// string, an int64 and a float64 feature, with a two-attribute slice.
func BenchmarkObserve(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	sb := array.NewStringBuilder(mem)
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	words := make([]string, 40)
	for i := range words {
		words[i] = fmt.Sprintf("category-%d", i)
	}
	for range n {
		if rng.IntN(50) == 0 {
			sb.AppendNull()
		} else {
			sb.Append(words[rng.IntN(len(words))])
		}
		ib.Append(rng.Int64N(90))
		fb.Append(rng.NormFloat64()*100 + 50)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{sb.NewArray(), ib.NewArray(), fb.NewArray()}, n)
	defer rec.Release()
	for _, bc := range []struct {
		name   string
		slices []string
	}{{"profile", nil}, {"profile+slices", []string{"s", "i"}}} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := defaultConfig().(*Config)
			cfg.Slices = bc.slices
			st, err := newState(cfg, checks.Env{Schema: schema, Roles: checks.Roles{Features: []string{"s", "i", "f"}}})
			if err != nil {
				b.Fatal(err)
			}
			checktest.BenchObserve(b, rec, 3, func() (checks.State, error) { return st, nil })
		})
	}
}

// BenchmarkObserveAudit measures Observe on one 64K-row batch shaped like
// the bench/data audits, profiling the same seven features: a free-text
// column (more than max_categories values), two low-cardinality string
// columns, floats with 2 and 4 decimals, an integer age and a flag.
func BenchmarkObserveAudit(b *testing.B) {
	rec := checktest.AuditBatch(64 * 1024)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	features := []string{"text", "category", "region", "amount", "age", "score", "flag"}
	st, err := newState(cfg, checks.Env{Schema: rec.Schema(), Roles: checks.Roles{Features: features}})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 80, func() (checks.State, error) { return st, nil })
}
