package duplicates

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// idBatch is one batch of an id column: its fingerprints, from row offset
// of input.
type idBatch struct {
	input  int
	offset int64
	vals   []rowhash.Fingerprint
}

// idCase generates an id column: n rows in batches, each id drawn by gen
// (nil for a null).
type idCase struct {
	name string
	gen  func(rng *rand.Rand, row int) *rowhash.Fingerprint
	// fast: whether the states should end on the bitmaps (true) or the
	// table (false); spill: whether the budget of the case must spill.
	fast, spill bool
	budget      int64 // 0: unlimited
	workers     int   // 0: three
	expect      int   // workers the budget is told of (Budget.Expect); 0: none
}

func intID(v int64) *rowhash.Fingerprint { fp := rowhash.Int(v); return &fp }

// repeatOr returns an earlier row's id with probability p, else next's.
func repeatOr(p float64, next func(rng *rand.Rand, row int) int64) func(*rand.Rand, int) *rowhash.Fingerprint {
	var ids []int64
	return func(rng *rand.Rand, row int) *rowhash.Fingerprint {
		if row == 0 {
			ids = ids[:0]
		}
		if rng.IntN(50) == 0 {
			return nil
		}
		v := next(rng, row)
		if len(ids) > 0 && rng.Float64() < p {
			v = ids[rng.IntN(len(ids))]
		}
		ids = append(ids, v)
		return intID(v)
	}
}

var idCases = []idCase{
	{name: "dense", fast: true, gen: repeatOr(0.05, func(_ *rand.Rand, row int) int64 { return int64(row) })},
	{name: "dense negative, across zero", fast: true, gen: repeatOr(0.05, func(_ *rand.Rand, row int) int64 { return int64(row) - 70000 })},
	{name: "dense near the top", fast: true, gen: repeatOr(0.05, func(_ *rand.Rand, row int) int64 { return math.MaxInt64 - int64(row) })},
	// Most ids repeat: a worker past idRepeatMin ids turns to the table
	// (two workers: one of them sees at least 75,000 ids).
	{name: "few values", fast: false, workers: 2, gen: repeatOr(0, func(rng *rand.Rand, _ int) int64 { return int64(rng.IntN(300)) })},
	// A tenth of the ids repeat an earlier one: under idRepeatShare.
	{name: "some repeats", fast: true, gen: repeatOr(0.1, func(_ *rand.Rand, row int) int64 { return int64(row) })},
	{name: "no repeat", fast: true, gen: repeatOr(0, func(_ *rand.Rand, row int) int64 { return 3 * int64(row) })},
	{name: "sparse", fast: false, gen: repeatOr(0.05, func(rng *rand.Rand, _ int) int64 { return rng.Int64() })},
	{name: "strings", fast: false, gen: func(_ *rand.Rand, row int) *rowhash.Fingerprint {
		// A few rows in one place: the worker that reads them falls
		// back, the others do not until they are merged with it.
		if row >= 100000 && row < 100004 {
			fp := rowhash.String(fmt.Sprint(row % 2))
			return &fp
		}
		return intID(int64(row % 140000)) // the last 10,000 rows repeat
	}},
	{name: "1-byte budget", fast: false, budget: 1, spill: true, gen: repeatOr(0.05, func(_ *rand.Rand, row int) int64 { return int64(row) })},
	// 1 MiB: each of two workers' bitmaps may take 128 KiB (a quarter of
	// the budget between them), more than the four blocks of 2^17 ids,
	// and the log of 150,000 ids (1.3 MB) spills.
	{name: "log spilled", fast: true, budget: 1 << 20, spill: true, gen: repeatOr(0.05, func(_ *rand.Rand, row int) int64 { return int64(row % (1 << 17)) })},
	// Ids six apart span 14 blocks: 112 KiB a worker, within its 128 KiB
	// of a 1 MiB budget (a 32nd of it, as before 2026-11-30, was 32 KiB);
	// fourteen apart, 32 blocks, past it; and told of eight workers, the
	// budget gives each 32 KiB, fewer than 14 blocks.
	{name: "within the budget's share", fast: true, budget: 1 << 20, spill: true, gen: repeatOr(0, func(_ *rand.Rand, row int) int64 { return 6 * int64(row) })},
	{name: "past the budget's share", fast: false, budget: 1 << 20, spill: true, gen: repeatOr(0, func(_ *rand.Rand, row int) int64 { return 14 * int64(row) })},
	{name: "past a share of eight workers", fast: false, budget: 1 << 20, spill: true, expect: 8, gen: repeatOr(0, func(_ *rand.Rand, row int) int64 { return 6 * int64(row) })},
}

// TestIDsAgainstOracle splits generated id columns over workers, merges
// the workers' states in random order, and compares the distinct ids and
// the rows listed as reusing an earlier row's id with a map of first
// positions.
func TestIDsAgainstOracle(t *testing.T) {
	for _, c := range idCases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				rng := rand.New(rand.NewPCG(seed, 7))
				n := 150000
				var batches []idBatch
				for input := range 2 {
					for off := 0; off < n/2; {
						size := 1 + rng.IntN(9000)
						b := idBatch{input: input, offset: int64(off)}
						for i := 0; i < size && off < n/2; i, off = i+1, off+1 {
							fp := c.gen(rng, input*n/2+off)
							if fp == nil {
								b.vals = append(b.vals, rowhash.Null())
							} else {
								b.vals = append(b.vals, *fp)
							}
						}
						batches = append(batches, b)
					}
				}
				var budget *fptable.Budget
				if c.budget > 0 {
					budget = fptable.NewBudget(c.budget, t.TempDir())
					if c.expect > 0 {
						budget.Expect(-1, c.expect)
					}
				}
				checkIDs(t, rng, c, budget, batches)
				if c.budget > 0 {
					if _, _, runs := budget.Stats(); (runs > 0) != c.spill {
						t.Errorf("seed %d: %d runs spilled, want spilling %v", seed, runs, c.spill)
					}
					budget.Close()
				}
			}
		})
	}
}

func checkIDs(t *testing.T, rng *rand.Rand, c idCase, budget *fptable.Budget, batches []idBatch) {
	t.Helper()
	// The oracle: each id's first position; every later row is listed.
	firstOf := map[rowhash.Fingerprint]checks.Pos{}
	var rows int64
	for _, b := range batches {
		for i, v := range b.vals {
			if v == rowhash.Null() {
				continue
			}
			rows++
			p := checks.PosOf(b.input, b.offset+int64(i))
			if f, ok := firstOf[v]; !ok || p < f {
				firstOf[v] = p
			}
		}
	}
	var want []checks.RowRef
	for _, b := range batches {
		for i, v := range b.vals {
			if v != rowhash.Null() && firstOf[v] != checks.PosOf(b.input, b.offset+int64(i)) {
				want = append(want, checks.RowRef{Pos: checks.PosOf(b.input, b.offset+int64(i)), Group: group(v)})
			}
		}
	}
	slices.SortFunc(want, compareRef)

	// Three workers (or the case's) take the batches in random order;
	// their states are merged in random order.
	states := make([]*ids, cmp.Or(c.workers, 3))
	for i := range states {
		states[i] = newIDs(budget)
	}
	for _, j := range rng.Perm(len(batches)) {
		b := batches[j]
		states[rng.IntN(len(states))].observe(b.input, b.offset, b.vals)
	}
	for len(states) > 1 {
		i, j := rng.IntN(len(states)), rng.IntN(len(states)-1)
		if j >= i {
			j++
		}
		if err := states[i].merge(states[j]); err != nil {
			t.Fatal(err)
		}
		states = slices.Delete(states, j, j+1)
	}
	s := states[0]
	if fast := s.seen != nil; fast != c.fast {
		t.Errorf("on the bitmaps: %v, want %v", fast, c.fast)
	}
	for range 2 { // the result is read twice, the same
		distinct, err := s.result()
		if err != nil {
			t.Fatal(err)
		}
		if s.rows != rows || distinct != int64(len(firstOf)) {
			t.Errorf("%d ids, %d distinct; want %d, %d", s.rows, distinct, rows, len(firstOf))
		}
		got, unlisted := s.repeats.Rows()
		if unlisted != 0 || !slices.Equal(got, want) {
			t.Fatalf("%d rows listed (%d unlisted), want %d; first difference at %d",
				len(got), unlisted, len(want), firstDiff(got, want))
		}
	}
	if c.fast && len(want) > 0 && s.table == nil {
		t.Error("repeated ids, but no table was made of their rows")
	}
}

func compareRef(a, b checks.RowRef) int {
	if a.Pos.Input() != b.Pos.Input() {
		return a.Pos.Input() - b.Pos.Input()
	}
	return int(a.Pos.Row() - b.Pos.Row())
}

func firstDiff(a, b []checks.RowRef) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkIDs counts 1M ids, 3% of them an earlier row's, in batches of
// 32,768 rows dealt to two workers' states, then merges them and reads
// the result: on the bitmaps, and on the table of first positions every
// id went into before (a state made with the table only).
func BenchmarkIDs(b *testing.B) {
	const n, batch = 1 << 20, 32768
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]rowhash.Fingerprint, n)
	for i := range vals {
		v := int64(i)
		if i > 0 && rng.IntN(33) == 0 {
			v = int64(rng.IntN(i))
		}
		vals[i] = rowhash.Int(v)
	}
	for _, mode := range []string{"bitmaps", "table"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				var w [2]*ids
				for k := range w {
					if w[k] = newIDs(nil); mode == "table" {
						w[k].freeLog()
						w[k].table = firsts(nil, &w[k].repeats)
					}
				}
				for off := 0; off < n; off += batch {
					w[off/batch%2].observe(0, int64(off), vals[off:off+batch])
				}
				if err := w[0].merge(w[1]); err != nil {
					b.Fatal(err)
				}
				if _, err := w[0].result(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "ids/s")
		})
	}
}
