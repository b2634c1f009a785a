package pipeline

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
)

// TestUnitGate: units go ahead while their bytes fit in the limit; one
// larger than the limit takes all of it and goes alone; one always goes
// when nothing else is held; no limit never waits; a wait ends, holding
// nothing, when the run is cancelled.
func TestUnitGate(t *testing.T) {
	ctx := context.Background()
	take := func(g *unitGate, n int64) int64 { // -1: failed
		got, err := g.take(ctx, n)
		if err != nil {
			return -1
		}
		return got
	}
	g := newUnitGate(100)
	a := take(g, 60)
	if a != 60 || take(g, 0) != 0 {
		t.Fatalf("took %d, want 60", a)
	}
	done := make(chan int64)
	go func() { done <- take(g, 60) }() // 120 > 100: waits for a
	select {
	case n := <-done:
		t.Fatalf("took %d while 60 of 100 were held", n)
	case <-time.After(20 * time.Millisecond):
	}
	g.give(a)
	b := <-done
	if b != 60 {
		t.Fatalf("took %d, want 60", b)
	}
	g.give(b)
	if c := take(g, 500); c != 100 { // larger than the limit: all of it, at once
		t.Fatalf("took %d of 500, want the limit 100", c)
	}
	cancelled, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if n, err := g.take(cancelled, 1); n != 0 || err == nil { // all 100 held: waits until cancelled
		t.Fatalf("a cancelled wait took %d (%v), want 0 and an error", n, err)
	}
	g.give(100)
	if d := take(g, 100); d != 100 { // the cancelled wait held nothing
		t.Fatalf("took %d after a cancelled wait, want 100", d)
	}
	g.give(100)
	free := newUnitGate(0)
	if take(free, 1<<40) != 0 || take(free, 1<<40) != 0 {
		t.Fatal("a gate without a limit held bytes")
	}
}

// overlap counts the batches being observed at once, across workers.
type overlap struct {
	now, most *atomic.Int64
}

func (o overlap) Observe(checks.Batch) error {
	n := o.now.Add(1)
	for m := o.most.Load(); n > m && !o.most.CompareAndSwap(m, n); m = o.most.Load() {
	}
	time.Sleep(2 * time.Millisecond) // room for another worker to overlap
	o.now.Add(-1)
	return nil
}
func (overlap) Merge(checks.State) error       { return nil }
func (overlap) Result() (checks.Result, error) { return checks.Result{}, nil }

// TestRunReadsLargeRowGroupsOneAtATime: a Parquet file's units carry their
// row groups' page sizes (each column chunk's uncompressed size, up to
// 1 MiB) from the footer, and under a memory budget
// smaller than one row group, four workers read the row groups one at a
// time (no two batches are observed at once) and still read every row;
// with a budget that holds them all, they overlap. A bound of the pages
// of their own (RunOptions.PageMemory) takes the budget's place.
func TestRunReadsLargeRowGroupsOneAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.parquet")
	f := genFrame(5, 4000, 0, arrow.PrimitiveTypes.Int64, false, false)
	writeParquet(t, path, f, parquetOpts{rowGroup: 500})

	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for i := range pf.NumRowGroups() {
		rg := pf.MetaData().RowGroup(i)
		var n int64
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			n += min(cc.TotalUncompressedSize(), 1<<20) // a page of at most 1 MiB

		}
		sizes = append(sizes, n)
	}
	pf.Close()

	found, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := ReadOptions{BatchSize: 100}
	ds, err := Plan(context.Background(), found.Inputs, 4, opts)
	if err != nil {
		t.Fatal(err)
	}
	units := ds.sources[0].Units()
	if len(units) != 8 {
		t.Fatalf("%d units, want 8 row groups", len(units))
	}
	for i, u := range units {
		if u.Bytes != sizes[i] || u.Bytes <= 0 {
			t.Errorf("row group %d: unit bytes %d, want the column chunks' pages %d", i, u.Bytes, sizes[i])
		}
	}

	// PageMemory, when set, bounds the pages in place of the budget.
	for _, c := range []struct {
		limit, pages int64
		alone        bool
		describe     string
	}{
		{sizes[0] / 2, 0, true, "half a row group"}, {1 << 30, 0, false, "1 GiB"},
		{1 << 30, sizes[0] / 2, true, "1 GiB, pages half a row group"},
		{sizes[0] / 2, 1 << 30, false, "half a row group, pages 1 GiB"},
	} {
		var now, most atomic.Int64
		check := &checks.Check{Name: "overlap", DefaultConfig: func() any { return nil },
			New: func(any, checks.Env) (checks.State, error) { return overlap{&now, &most}, nil }}
		budget := fptable.NewBudget(c.limit, t.TempDir())
		out, err := ds.Run(context.Background(), []Task{{Check: check}, probeTask(probeConfig{})},
			RunOptions{ReadOptions: opts, Workers: 4, Memory: budget, PageMemory: c.pages})
		budget.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.Rows != 4000 {
			t.Errorf("budget %s: %d rows, want 4000", c.describe, out.Rows)
		}
		if got := most.Load(); (got == 1) != c.alone {
			t.Errorf("budget %s: up to %d batches observed at once; one at a time: %v", c.describe, got, c.alone)
		}
	}
}

// TestPageBytesCapsChunks: a column chunk larger than a page counts as one
// page of 1 MiB, so a row group of many pages a column is not taken for
// one that holds them all.
func TestPageBytesCapsChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.parquet")
	f := genFrame(6, 300000, 0, arrow.PrimitiveTypes.Int64, false, false)
	writeParquet(t, path, f, parquetOpts{rowGroup: 300000, uncompressed: true})
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	rg := pf.MetaData().RowGroup(0)
	var want int64
	capped := 0
	for c := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(c)
		if err != nil {
			t.Fatal(err)
		}
		if n := cc.TotalUncompressedSize(); n > 1<<20 {
			want += 1 << 20
			capped++
		} else {
			want += n
		}
	}
	if capped < 2 {
		t.Fatalf("%d column chunks over 1 MiB, want at least 2 (id and x hold 2.4 MB each)", capped)
	}
	if got := pageBytes(rg); got != want || got >= rg.TotalByteSize() {
		t.Errorf("pageBytes %d, want %d (row group %d bytes uncompressed)", got, want, rg.TotalByteSize())
	}
}
