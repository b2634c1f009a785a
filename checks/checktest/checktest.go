// Package checktest runs a check's states the way the pipeline does, for
// the tests of every check.
//
// [SplitMerge] is the property every check must have: observing all batches
// in one state gives the same Result as cutting the batches at random
// points, dealing the pieces in a random order to several states and
// merging those states in a random order. It compares the results' JSON
// bytes, so a difference anywhere — a metric, a finding, their order — is
// caught.
//
// The helpers take the batches as [checks.Batch] values (see [Batches]) and
// never release them; the caller owns them. Slices the helpers make are
// released before they return, so a test can assert a checked allocator is
// back at zero afterwards.
//
// The package also holds what the check tests build their data with: a
// checked [Allocator], tables of Go values cut into batches ([Table],
// [Array]), the fixture readers [ReadParquet], [ReadIPC] and [ReadJSON]
// (their batches are released when the test ends), metrics decoding and
// schema validation ([SchemaFile], [Metrics]) and [BenchObserve].
package checktest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
)

// Batches wraps records read, in order, from input number input: each
// batch's Offset is the number of rows before it.
func Batches(input int, recs ...arrow.RecordBatch) []checks.Batch {
	out := make([]checks.Batch, 0, len(recs))
	var off int64
	for _, r := range recs {
		out = append(out, checks.Batch{Record: r, Input: input, Offset: off})
		off += r.NumRows()
	}
	return out
}

// New returns a fresh state of c, failing the test if c.New does.
func New(t testing.TB, c *checks.Check, cfg any, env checks.Env) checks.State {
	t.Helper()
	st, err := c.New(cfg, env)
	if err != nil {
		t.Fatalf("%s: New: %v", c.Name, err)
	}
	return st
}

// Result observes every batch, in order, with one fresh state and returns
// the state's result. It also checks that Result does not change the
// state: asking twice gives the same JSON.
func Result(t testing.TB, c *checks.Check, cfg any, env checks.Env, batches []checks.Batch) checks.Result {
	t.Helper()
	r, _ := resultAndState(t, c, cfg, env, batches)
	return r
}

// OnePass is [Result] that also returns the state, e.g. for [Flagged].
func OnePass(t testing.TB, c *checks.Check, cfg any, env checks.Env, batches []checks.Batch) (checks.Result, checks.State) {
	t.Helper()
	return resultAndState(t, c, cfg, env, batches)
}

func resultAndState(t testing.TB, c *checks.Check, cfg any, env checks.Env, batches []checks.Batch) (checks.Result, checks.State) {
	t.Helper()
	st := New(t, c, cfg, env)
	for i, b := range batches {
		if err := st.Observe(b); err != nil {
			t.Fatalf("%s: Observe batch %d: %v", c.Name, i, err)
		}
	}
	r := result(t, c, st)
	if again := result(t, c, st); !bytes.Equal(JSON(t, r), JSON(t, again)) {
		t.Fatalf("%s: Result changed the state:\nfirst:  %s\nsecond: %s", c.Name, JSON(t, r), JSON(t, again))
	}
	return r, st
}

// Flagged returns the rows a state lists for findings.parquet (nil if it
// is not a [checks.RowLister]), sorted by input, row, code, column, group.
func Flagged(st checks.State) []checks.FlaggedRow {
	rl, ok := st.(checks.RowLister)
	if !ok {
		return nil
	}
	res, err := st.Result()
	if err != nil {
		return nil
	}
	streams, err := rl.FlaggedRows(res)
	if err != nil {
		return nil
	}
	out := checks.Flagged(streams)
	slices.SortFunc(out, func(a, b checks.FlaggedRow) int {
		return cmp.Or(cmp.Compare(a.Input, b.Input), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Group, b.Group))
	})
	return out
}

func result(t testing.TB, c *checks.Check, st checks.State) checks.Result {
	t.Helper()
	r, err := st.Result()
	if err != nil {
		t.Fatalf("%s: Result: %v", c.Name, err)
	}
	return r
}

// JSON encodes a result as the report would.
func JSON(t testing.TB, r checks.Result) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("encode result: %v", err)
	}
	return b
}

// Options tunes [SplitMerge]. Zero values take the defaults.
type Options struct {
	// Seed seeds the random cuts, deals and merge orders (default 1), so a
	// failure is reproducible.
	Seed uint64
	// Trials is how many random splits to try (default 25).
	Trials int
	// MaxStates bounds the number of states per trial (default 6). Some
	// states may receive no piece: merging an empty state must change
	// nothing.
	MaxStates int
	// MaxCuts bounds the extra cut points per batch (default 4). Cuts may
	// coincide, giving zero-row pieces.
	MaxCuts int
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Trials <= 0 {
		o.Trials = 25
	}
	if o.MaxStates <= 0 {
		o.MaxStates = 6
	}
	if o.MaxCuts <= 0 {
		o.MaxCuts = 4
	}
	return o
}

// piece is a row range of one batch.
type piece struct {
	batch      int
	start, end int64
}

// SplitMerge checks that c's result does not depend on where batches are
// cut, on which state observes which piece, on the order the pieces are
// observed in, or on the order states are merged in. It returns the
// one-pass result, for the caller's own assertions.
//
// Each trial cuts every batch at random points (pieces keep their input
// and row offset), shuffles the pieces, deals them to a random number of
// fresh states, then merges random pairs of states, in a random direction,
// until one is left, and compares its result's JSON with the one-pass
// result's.
func SplitMerge(t testing.TB, c *checks.Check, cfg any, env checks.Env, batches []checks.Batch, opts Options) checks.Result {
	t.Helper()
	opts = opts.withDefaults()
	want, one := resultAndState(t, c, cfg, env, batches)
	wantJSON := JSON(t, want)
	wantFlagged := Flagged(one)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x636865636b74))
	for trial := range opts.Trials {
		pieces := cut(rng, batches, opts.MaxCuts)
		rng.Shuffle(len(pieces), func(i, j int) { pieces[i], pieces[j] = pieces[j], pieces[i] })
		states := make([]checks.State, 1+rng.IntN(opts.MaxStates))
		for i := range states {
			states[i] = New(t, c, cfg, env)
		}
		for _, p := range pieces {
			b := batches[p.batch]
			slice := b.Record.NewSlice(p.start, p.end)
			err := states[rng.IntN(len(states))].Observe(checks.Batch{Record: slice, Input: b.Input, Offset: b.Offset + p.start})
			slice.Release()
			if err != nil {
				t.Fatalf("%s: trial %d: Observe rows %d–%d of batch %d: %v", c.Name, trial, p.start, p.end, p.batch, err)
			}
		}
		for len(states) > 1 {
			i := rng.IntN(len(states))
			j := rng.IntN(len(states) - 1)
			if j >= i {
				j++
			}
			if err := states[i].Merge(states[j]); err != nil {
				t.Fatalf("%s: trial %d: Merge: %v", c.Name, trial, err)
			}
			states = append(states[:j], states[j+1:]...)
		}
		got := JSON(t, result(t, c, states[0]))
		if !bytes.Equal(got, wantJSON) {
			t.Fatalf("%s: trial %d (seed %d): split and merged result differs from one pass\none pass: %s\nsplit:    %s",
				c.Name, trial, opts.Seed, wantJSON, got)
		}
		if got := Flagged(states[0]); !slices.Equal(got, wantFlagged) {
			t.Fatalf("%s: trial %d (seed %d): split and merged flagged rows differ from one pass: %d vs %d rows\none pass: %v\nsplit:    %v",
				c.Name, trial, opts.Seed, len(wantFlagged), len(got), head(wantFlagged), head(got))
		}
	}
	return want
}

func head(f []checks.FlaggedRow) []checks.FlaggedRow { return f[:min(len(f), 10)] }

// cut splits every batch at up to maxCuts random points.
func cut(rng *rand.Rand, batches []checks.Batch, maxCuts int) []piece {
	var out []piece
	for i, b := range batches {
		n := b.Record.NumRows()
		points := []int64{0, n}
		for range rng.IntN(maxCuts + 1) {
			points = append(points, rng.Int64N(n+1))
		}
		sort.Slice(points, func(a, b int) bool { return points[a] < points[b] })
		for k := 0; k+1 < len(points); k++ {
			out = append(out, piece{batch: i, start: points[k], end: points[k+1]})
		}
	}
	return out
}
