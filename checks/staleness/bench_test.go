package staleness

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

// BenchmarkObserve measures the check's hot loop on one 64K-row batch: a
// microsecond timestamp column spread over three years with a few nulls,
// and a string label of 8 classes.
func BenchmarkObserve(b *testing.B) { benchObserve(b, 3*365, false) }

// BenchmarkObserveRecent is BenchmarkObserve with every time in the year
// before as_of: no row is stale or in the future, so no row is listed for
// findings.parquet and what is measured is the per-row work — reading the
// time, finding its day's counts, reading and counting the label.
func BenchmarkObserveRecent(b *testing.B) { benchObserve(b, 364, false) }

// BenchmarkObserveMemo is BenchmarkObserve with the label's codes worked
// out once in the batch's memo, as the audit's reader or memo gives them
// to every check (checktest.BenchObserveMemo): what is left is the
// per-row work on times and counts.
func BenchmarkObserveMemo(b *testing.B) { benchObserve(b, 3*365, true) }

func benchObserve(b *testing.B, spanDays int64, memo bool) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	lb := array.NewStringBuilder(mem)
	classes := []string{"billing", "shipping", "returns", "fraud", "account", "other", "refund", "login"}
	for range n {
		if rng.IntN(50) == 0 {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(asOf.UnixMicro() - rng.Int64N(spanDays*dayUS)))
		}
		lb.Append(classes[rng.IntN(len(classes))])
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: tb.Type(), Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{tb.NewArray(), lb.NewArray()}, n)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	st, err := newState(cfg, checks.Env{Schema: schema, AsOf: asOf, StaleBefore: Cutoff(cfg, asOf),
		Roles: checks.Roles{Time: "ts", Label: benchLabel}})
	if err != nil {
		b.Fatal(err)
	}
	if memo {
		checktest.BenchObserveMemo(b, rec, func() (checks.State, error) { return st, nil })
		return
	}
	checktest.BenchObserve(b, rec, 8, func() (checks.State, error) { return st, nil })
}

var benchLabel = "label"
