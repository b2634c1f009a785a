package checktest

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
)

// TestBenchObserve: every iteration asks for a state and has it observe
// the whole record; bytes and the rows/s metric follow the record's rows;
// an error from the state or from Observe fails the benchmark.
func TestBenchObserve(t *testing.T) {
	if testing.Short() {
		t.Skip("runs benchmarks")
	}
	mem := Allocator(t)
	bs := Table(t, mem, []Column{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Vals: []any{int64(1), int64(2), int64(3)}}})
	defer Release(bs)
	rec := bs[0].Record

	var asked int
	var st *counter
	res := testing.Benchmark(func(b *testing.B) {
		asked, st = 0, &counter{first: -1}
		BenchObserve(b, rec, 5, func() (checks.State, error) { asked++; return st, nil })
	})
	if res.N == 0 || asked != res.N || st.rows != 3*int64(res.N) || st.batches != int64(res.N) {
		t.Errorf("N %d: asked %d times, observed %d rows in %d batches", res.N, asked, st.rows, st.batches)
	}
	if res.Bytes != 15 {
		t.Errorf("bytes per iteration %d, want 3 rows × 5", res.Bytes)
	}
	if res.Extra["rows/s"] <= 0 {
		t.Errorf("rows/s %v", res.Extra["rows/s"])
	}

	if res := testing.Benchmark(func(b *testing.B) {
		BenchObserve(b, rec, 1, func() (checks.State, error) { return nil, errors.New("no state") })
	}); res.N != 0 {
		t.Errorf("a state that cannot be made: N %d, want a failed benchmark", res.N)
	}
	if res := testing.Benchmark(func(b *testing.B) {
		BenchObserve(b, rec, 1, func() (checks.State, error) { return failing{}, nil })
	}); res.N != 0 {
		t.Errorf("Observe failing: N %d, want a failed benchmark", res.N)
	}
}

type failing struct{ checks.State }

func (failing) Observe(checks.Batch) error { return errors.New("observe fails") }
