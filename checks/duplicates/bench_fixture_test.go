package duplicates_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/fixtures"
)

// fixtureBatches generates rows of the fixture generator with its default
// defects (its text: lower-case words, some punctuation, planted sentinels
// and white space, a share of exact and feature repeats), in a train and a
// test split, as batches of batchRows rows.
func fixtureBatches(b *testing.B, rows, batchRows int) ([]arrow.RecordBatch, checks.Env) {
	cfg, err := fixtures.Config{Rows: rows, Seed: 3}.WithDefaults()
	if err != nil {
		b.Fatal(err)
	}
	gen, err := fixtures.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	splits := make([]string, len(gen))
	for i := range gen {
		splits[i] = fixtures.SplitOf(cfg.Seed, int64(i), cfg.TestFraction)
	}
	recs := fixtureRecords(b, memory.NewGoAllocator(), gen, splits, true, batchRows)
	roles := checks.Roles{Label: "label", Time: "ts", ID: "id", Annotator: "annotator", Split: "split",
		Features: fixtures.FeatureColumns}
	return recs, checks.Env{Schema: recs[0].Schema(), Roles: roles}
}

// BenchmarkObserveFixture is BenchmarkObserve on the fixture generator's
// table (11 columns and a split, 7 features of which 3 are strings): one
// 64K-row batch, observed again and again by the same state.
func BenchmarkObserveFixture(b *testing.B) {
	recs, env := fixtureBatches(b, 64*1024, 64*1024)
	defer releaseRecs(recs)
	st, err := duplicates.Check.New(defaults(), env)
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, recs[0], 60, func() (checks.State, error) { return st, nil })
}

// BenchmarkObserveResultFixture measures a whole state's life on 256K rows
// of the fixture table: a fresh state observes them in 64K-row batches,
// then Result folds its tables.
func BenchmarkObserveResultFixture(b *testing.B) {
	const rows = 256 * 1024
	recs, env := fixtureBatches(b, rows, 64*1024)
	defer releaseRecs(recs)
	b.SetBytes(rows * 60)
	b.ReportAllocs()
	for b.Loop() {
		st, err := duplicates.Check.New(defaults(), env)
		if err != nil {
			b.Fatal(err)
		}
		var off int64
		for _, rec := range recs {
			if err := st.Observe(checks.Batch{Record: rec, Offset: off}); err != nil {
				b.Fatal(err)
			}
			off += rec.NumRows()
		}
		if _, err := st.Result(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*rows/b.Elapsed().Seconds(), "rows/s")
}
