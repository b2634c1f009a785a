package balance

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// BenchmarkObserve measures the check's hot loop on one 64K-row batch of
// two string features, a float64 and an int64 feature, a 4-class string
// label and a timestamp: the shape of the fixture table. Each iteration
// uses a fresh state, so every row is a new distinct row, the costly case.
// "hash" fingerprints the batch every time, "memo" takes the fingerprints
// from a memo filled once, as the pipeline shares them between checks.
func BenchmarkObserve(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	tb := array.NewStringBuilder(mem)
	cb := array.NewStringBuilder(mem)
	fb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	lb := array.NewStringBuilder(mem)
	tsType := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	sb := array.NewTimestampBuilder(mem, tsType)
	words := []string{"refund please", "where is my parcel", "card charged twice", "hello"}
	classes := []string{"billing", "billing", "shipping", "returns", "fraud"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for range n {
		tb.Append(words[rng.IntN(len(words))])
		cb.Append(words[rng.IntN(len(words))][:4])
		fb.Append(rng.Float64())
		ib.Append(rng.Int64N(100))
		if rng.IntN(50) == 0 {
			lb.AppendNull()
		} else {
			lb.Append(classes[rng.IntN(len(classes))])
		}
		sb.Append(arrow.Timestamp(base + rng.Int64N(2*365*86400*1_000_000) - 365*86400*1_000_000))
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "category", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: tsType, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{tb.NewArray(), cb.NewArray(), fb.NewArray(), ib.NewArray(), lb.NewArray(), sb.NewArray()}, n)
	defer rec.Release()
	env := checks.Env{Schema: schema, StaleBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Roles: checks.Roles{Label: "label", Time: "ts", Features: []string{"text", "category", "amount", "age"}}}
	state := func() (checks.State, error) { return newState(defaultConfig(), env) }
	b.Run("hash", func(b *testing.B) { checktest.BenchObserve(b, rec, 1, state) })
	b.Run("memo", func(b *testing.B) { checktest.BenchObserveMemo(b, rec, state) })
}

// BenchmarkObserveRegression measures a float64 label: sketch and exact
// moments on top of the row bookkeeping.
func BenchmarkObserveRegression(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(3, 4))
	fb := array.NewFloat64Builder(mem)
	yb := array.NewFloat64Builder(mem)
	for range n {
		fb.Append(rng.Float64())
		yb.Append(rng.NormFloat64()*100 + 1000)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{fb.NewArray(), yb.NewArray()}, n)
	defer rec.Release()
	env := checks.Env{Schema: schema, Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
	checktest.BenchObserve(b, rec, 1, func() (checks.State, error) { return newState(defaultConfig(), env) })
}
