package privacy

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// BenchmarkObserve measures the scanners on one 64K-row batch of one
// string column of realistic mixed text: short product words and phrases,
// sentences with amounts, dates and ids, timestamps, and 2% of cells
// holding personal data. One column, so rows/s is cells/s.
func BenchmarkObserve(b *testing.B) {
	g := newGen(9)
	words := []string{"fee broken", "card twice broken", "paid, bank today", "size return order", "garden", "books",
		"north", "the parcel arrived damaged and late", "refund please"}
	benchObserve(b, func(rng *rand.Rand) string {
		switch x := rng.IntN(100); {
		case x < 60:
			return words[rng.IntN(len(words))]
		case x < 75:
			return "order " + g.digits(8) + " shipped on 2026-01-31, total $1,234.50"
		case x < 90:
			return "2025-11-06T19:20:15.093949Z"
		case x < 98:
			return "version 1.20.3 build " + g.digits(6)
		default:
			t := g.tok(1)
			return "contact " + t.s + " asap"
		}
	})
}

// BenchmarkObserveShort is the common case: short strings with neither an
// '@' nor a run of digits, which the prefilter rejects.
func BenchmarkObserveShort(b *testing.B) {
	words := []string{"billing", "garden", "books", "north", "south", "ann01", "fee broken", "size return order"}
	benchObserve(b, func(rng *rand.Rand) string { return words[rng.IntN(len(words))] })
}

func benchObserve(b *testing.B, cell func(*rand.Rand) string) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	sb := array.NewStringBuilder(mem)
	var bytes int64
	for range n {
		s := cell(rng)
		bytes += int64(len(s))
		sb.Append(s)
	}
	arr := sb.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, n)
	arr.Release()
	defer rec.Release()
	env := checks.Env{Schema: schema}
	b.ReportMetric(float64(bytes)/n, "bytes/cell")
	// A fresh state per iteration, so that flagged rows do not pile up.
	checktest.BenchObserve(b, rec, bytes/n, func() (checks.State, error) { return Check.New(defaultConfig(), env) })
}
