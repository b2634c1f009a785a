package checktest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
)

// The helpers are only worth having if they catch a check that is not
// mergeable. These tests run SplitMerge on checks with planted faults,
// through a recorder in place of *testing.T.

// recorder is a testing.TB whose Fatalf stops the calling goroutine, as
// testing.T's does, and records that it was called.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// fails reports whether f calls Fatalf on the recorder.
func fails(f func(tb testing.TB)) (bool, string) {
	r := &recorder{}
	inGoroutine(func() { f(r) })
	return r.failed, r.msg
}

// inGoroutine runs f in a goroutine of its own, so that a Fatalf stopping
// it does not stop the test, and waits for it.
func inGoroutine(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// fault plants one kind of bug in the counting check below.
type fault int

const (
	none            fault = iota
	countsBatches         // the result depends on where batches are cut
	keepsFirstInput       // keeps the first value seen: depends on order
	forgetsOnMerge        // Merge drops other's rows
	resultMutates         // Result changes the state
	ignoresOffset         // records batch offsets without the piece's own
)

type counter struct {
	fault   fault
	rows    int64
	batches int64
	first   int64 // the least first value of a batch, -1 if none
	maxEnd  int64 // the largest Offset+rows seen
	calls   int64
}

func newCounter(f fault) *checks.Check {
	return &checks.Check{
		Name:          "counter",
		DefaultConfig: func() any { return nil },
		New: func(any, checks.Env) (checks.State, error) {
			return &counter{fault: f, first: -1}, nil
		},
	}
}

func (c *counter) Observe(b checks.Batch) error {
	n := b.Record.NumRows()
	c.rows += n
	if n > 0 {
		c.batches++
		v := b.Record.Column(0).(*array.Int64).Value(0)
		if c.first < 0 || (c.fault != keepsFirstInput && v < c.first) {
			c.first = v
		}
	}
	end := b.Offset + n
	if c.fault == ignoresOffset {
		end = n
	}
	c.maxEnd = max(c.maxEnd, end)
	return nil
}

func (c *counter) Merge(o checks.State) error {
	other := o.(*counter)
	if c.fault != forgetsOnMerge {
		c.rows += other.rows
	}
	c.batches += other.batches
	c.maxEnd = max(c.maxEnd, other.maxEnd)
	if c.first < 0 || (c.fault != keepsFirstInput && other.first >= 0 && other.first < c.first) {
		c.first = other.first
	}
	return nil
}

func (c *counter) Result() (checks.Result, error) {
	m := map[string]int64{"rows": c.rows, "max_end": c.maxEnd}
	switch c.fault {
	case countsBatches:
		m["batches"] = c.batches
	case resultMutates:
		c.calls++
		m["calls"] = c.calls
	}
	// Without the fault, first is the smallest value any piece starts
	// with: order-free. With it, it is the first value seen.
	m["first"] = c.first
	return checks.NewResult("counter", checks.Pass, nil, m, nil)
}

func batches(t *testing.T, mem memory.Allocator) []checks.Batch {
	sc := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var recs []arrow.RecordBatch
	next := int64(0)
	for _, n := range []int{50, 1, 0, 120, 33} {
		b := array.NewInt64Builder(mem)
		for range n {
			b.Append(next)
			next++
		}
		arr := b.NewArray()
		b.Release()
		recs = append(recs, array.NewRecordBatch(sc, []arrow.Array{arr}, int64(n)))
		arr.Release()
	}
	return Batches(0, recs...)
}

func TestSplitMergeCatchesFaults(t *testing.T) {
	for _, tc := range []struct {
		fault fault
		name  string
	}{
		{countsBatches, "result depends on the cuts"},
		{keepsFirstInput, "result depends on observe order"},
		{forgetsOnMerge, "merge loses rows"},
		{resultMutates, "Result changes the state"},
		{ignoresOffset, "offsets not carried into pieces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			bs := batches(t, mem)
			defer func() {
				for _, b := range bs {
					b.Record.Release()
				}
			}()
			failed, msg := fails(func(tb testing.TB) {
				SplitMerge(tb, newCounter(tc.fault), nil, checks.Env{}, bs, Options{Seed: 3})
			})
			if !failed {
				t.Error("SplitMerge passed a faulty check")
			}
			t.Log(msg)
		})
	}
}

func TestSplitMergePassesCorrectCheck(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bs := batches(t, mem)
	defer func() {
		for _, b := range bs {
			b.Record.Release()
		}
	}()
	r := SplitMerge(t, newCounter(none), nil, checks.Env{}, bs, Options{Trials: 50})
	if string(r.Metrics) != `{"first":0,"max_end":204,"rows":204}` {
		t.Errorf("metrics %s", r.Metrics)
	}
}

func TestBatchesOffsets(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bs := batches(t, mem)
	want := []int64{0, 50, 51, 51, 171}
	for i, b := range bs {
		if b.Offset != want[i] || b.Input != 0 {
			t.Errorf("batch %d: input %d offset %d, want 0, %d", i, b.Input, b.Offset, want[i])
		}
		b.Record.Release()
	}
}
