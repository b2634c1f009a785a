package checktest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
)

// BenchObserve measures observing rec: each iteration asks state for a
// state (a fresh one, whose making is then timed too, or the same one
// every time) and has it observe rec as one batch. It sets bytes per
// iteration to bytesPerRow × the rows, reports allocations and a rows/s
// metric.
func BenchObserve(b *testing.B, rec arrow.RecordBatch, bytesPerRow int64, state func() (checks.State, error)) {
	b.Helper()
	n := rec.NumRows()
	b.SetBytes(n * bytesPerRow)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := state()
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Observe(checks.Batch{Record: rec}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchObserveMemo is [BenchObserve] with the batch's fingerprints in a
// memo ([checks.Memo]), filled by a first Observe before the timing starts:
// in an audit the memo hashes each batch once for every check, so what a
// check costs is the rest.
func BenchObserveMemo(b *testing.B, rec arrow.RecordBatch, state func() (checks.State, error)) {
	b.Helper()
	memo := new(checks.Memo).Reset(rec)
	observe := func() {
		st, err := state()
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Observe(checks.Batch{Record: rec, Memo: memo}); err != nil {
			b.Fatal(err)
		}
	}
	observe()
	b.ReportAllocs()
	for b.Loop() {
		observe()
	}
	b.ReportMetric(float64(b.N)*float64(rec.NumRows())/b.Elapsed().Seconds(), "rows/s")
}
