package fptable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
)

// defaultPart and defaultParts are the partitioning of a table made on a
// budget without [Budget.Expect] (or none).
func defaultPart(fp rowhash.Fingerprint) int { return part(fp, MinPartBits) }

const defaultParts = 1 << MinPartBits

// agg is the aggregate the tests keep per key: how many rows, and the
// first (smallest) position among them.
type agg struct{ count, min int64 }

// counter is a Parts table whose combine sums counts, keeps the smallest
// position and records the other one in a side list, like the duplicates
// check's first-row logic: in the end the side list holds every row but
// the first of each key.
type counter struct {
	t    *Parts[agg]
	side []int64
}

func newCounter(b *Budget) *counter {
	c := &counter{}
	c.t = NewParts(b, combineAgg)
	c.t.OnRepeat(func(_ rowhash.Fingerprint, dst, src *agg) { c.side = append(c.side, max(dst.min, src.min)) })
	return c
}

func combineAgg(_ rowhash.Fingerprint, dst, src *agg, isNew bool) {
	if isNew {
		*dst = *src
		return
	}
	dst.min = min(dst.min, src.min)
	dst.count += src.count
}

func (c *counter) add(k rowhash.Fingerprint, pos int64) {
	c.t.Add(c.t.Part(k), k, &agg{count: 1, min: pos})
}

// merge folds o into c, side list included; o must not be used afterwards.
//
// Merge first: it waits for a partition of c read ahead, whose repeat hook
// may be appending to c.side.
func (c *counter) merge(o *counter) error {
	err := c.t.Merge(o.t)
	c.side = append(c.side, o.side...)
	o.side = nil
	return err
}

// oracle is the naive answer: plain maps.
type oracle struct {
	count map[rowhash.Fingerprint]int64
	min   map[rowhash.Fingerprint]int64
	later []int64 // every position but the first of its key
}

func newOracle() *oracle {
	return &oracle{count: map[rowhash.Fingerprint]int64{}, min: map[rowhash.Fingerprint]int64{}}
}

func (o *oracle) add(k rowhash.Fingerprint, pos int64) {
	m, ok := o.min[k]
	switch {
	case !ok:
		o.min[k] = pos
	case pos < m:
		o.min[k] = pos
		o.later = append(o.later, m)
	default:
		o.later = append(o.later, pos)
	}
	o.count[k]++
}

// entries reads the whole table with Visit, checking that every key sits
// in its partition and appears once.
func entries(t testing.TB, c *counter) map[rowhash.Fingerprint]agg {
	t.Helper()
	got := map[rowhash.Fingerprint]agg{}
	var bad string
	err := c.t.Visit(func(p int, tb *Table[agg]) {
		tb.Each(func(k rowhash.Fingerprint, v *agg) {
			if _, dup := got[k]; dup && bad == "" {
				bad = fmt.Sprintf("key %v visited twice", k)
			}
			if c.t.Part(k) != p && bad == "" {
				bad = fmt.Sprintf("key %v visited in partition %d, belongs in %d", k, p, c.t.Part(k))
			}
			got[k] = *v
		})
	})
	if err != nil {
		t.Fatalf("Visit: %v", err)
	}
	if bad != "" {
		t.Fatal(bad)
	}
	return got
}

// verify compares c, read with Visit, and its side list with the oracle.
func verify(t testing.TB, c *counter, o *oracle) {
	t.Helper()
	got := entries(t, c)
	if len(got) != len(o.count) {
		t.Fatalf("Visit yields %d keys, oracle %d", len(got), len(o.count))
	}
	for k, n := range o.count {
		if g, ok := got[k]; !ok || g.count != n || g.min != o.min[k] {
			t.Fatalf("key %v: got %+v (present %v), oracle count %d min %d", k, g, ok, n, o.min[k])
		}
	}
	side, want := slices.Sorted(slices.Values(c.side)), slices.Sorted(slices.Values(o.later))
	if !slices.Equal(side, want) {
		t.Fatalf("side list: %d positions, oracle %d (or same length, different positions)", len(side), len(want))
	}
}

// held is the bytes of the slot arrays the tables hold now: what their
// budget should account for.
func held[V any](tables ...*Parts[V]) int64 {
	var n int64
	for _, t := range tables {
		for p, tb := range t.open {
			if tb != nil {
				n += tb.bytes()
			}
			for _, c := range slices.Concat(t.pend[p], t.heldPend[p]) {
				n += c.bytes()
			}
		}
	}
	return n
}

func checkUsed[V any](t testing.TB, b *Budget, tables ...*Parts[V]) {
	t.Helper()
	// Chunks being written are accounted for until written and freed.
	for _, x := range tables {
		x.finishWrite()
	}
	if used, want := b.used.Load(), held(tables...); used != want {
		t.Fatalf("budget accounts for %d bytes, tables hold %d", used, want)
	}
	if peak, _, _ := b.Stats(); peak < b.used.Load() {
		t.Fatalf("peak %d below used %d", peak, b.used.Load())
	}
}

// spilledCounter returns a counter filled with rows on a 1-byte budget,
// closed when the test ends, and fails the test if nothing spilled.
func spilledCounter(t *testing.T, rows []rowhash.Fingerprint) (*Budget, *counter) {
	t.Helper()
	b := NewBudget(1, t.TempDir())
	t.Cleanup(func() { b.Close() })
	c := newCounter(b)
	fill(c, rows, 0)
	if !c.t.Spilled() {
		t.Fatal("nothing spilled")
	}
	return b, c
}

// hot are the partitions most test keys fall in, so that some partitions
// spill large runs, several times, even on a budget that lets only tables
// of some size spill (see [Budget.spills]). Partition 0 holds the zero
// fingerprint.
var hot = []int{0, defaultPart(rowhash.Fingerprint{}), 17, 63}

// testKeys returns n distinct keys, the zero fingerprint first, then
// rowhash.Int(i) and random keys mixed, about 3/4 of them in the hot
// partitions and the rest anywhere.
func testKeys(r *rand.Rand, n int) []rowhash.Fingerprint {
	keys := []rowhash.Fingerprint{{}}
	seen := map[rowhash.Fingerprint]bool{{}: true}
	for i := 0; len(keys) < n; i++ {
		k := rowhash.Int(int64(i / 2))
		if i%2 == 1 {
			k = rowhash.Fingerprint{Hi: r.Uint64(), Lo: r.Uint64()}
		}
		if seen[k] || !slices.Contains(hot, defaultPart(k)) && r.IntN(60) != 0 {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys
}

// testRows returns the keys of n rows over the given keys, with many
// repeats: a quarter of the rows come from the first 500 keys.
func testRows(r *rand.Rand, keys []rowhash.Fingerprint, n int) []rowhash.Fingerprint {
	rows := make([]rowhash.Fingerprint, n)
	for i := range rows {
		if r.IntN(4) == 0 {
			rows[i] = keys[r.IntN(min(500, len(keys)))]
		} else {
			rows[i] = keys[r.IntN(len(keys))]
		}
	}
	return rows
}

func oracleOf(rows []rowhash.Fingerprint) *oracle {
	o := newOracle()
	for i, k := range rows {
		o.add(k, int64(i))
	}
	return o
}

func fill(c *counter, rows []rowhash.Fingerprint, first int) {
	for i, k := range rows {
		c.add(k, int64(first+i))
	}
}

// TestPartsAgainstMap: one table with no budget, one with an unlimited
// budget, one with a tiny budget (spilling a lot), and shards on one
// shared tiny budget merged in random order, all give the oracle's keys,
// counts, first positions and side list.
func TestPartsAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 6))
	keys := testKeys(r, 50_000)
	rows := testRows(r, keys, 200_000)
	o := oracleOf(rows)

	t.Run("nil budget", func(t *testing.T) {
		c := newCounter(nil)
		fill(c, rows, 0)
		verify(t, c, o)
		if c.t.Spilled() || c.t.Err() != nil {
			t.Fatalf("Spilled %v, Err %v", c.t.Spilled(), c.t.Err())
		}
	})
	t.Run("unlimited budget", func(t *testing.T) {
		b := NewBudget(0, t.TempDir())
		defer b.Close()
		c := newCounter(b)
		fill(c, rows, 0)
		verify(t, c, o)
		checkUsed(t, b, c.t)
		if peak, spilled, runs := b.Stats(); peak <= 0 || spilled != 0 || runs != 0 || c.t.Spilled() {
			t.Fatalf("Stats = %d, %d, %d, Spilled %v; want a peak and no spill", peak, spilled, runs, c.t.Spilled())
		}
	})
	t.Run("tiny budget", func(t *testing.T) {
		b, c := spilledCounter(t, rows)
		for _, p := range hot {
			if len(c.t.runs[p]) < 2 {
				t.Errorf("hot partition %d spilled %d runs, want 2 or more", p, len(c.t.runs[p]))
			}
		}
		checkUsed(t, b, c.t)
		verify(t, c, o)
		checkUsed(t, b, c.t)
		if _, spilled, runs := b.Stats(); spilled <= 0 || runs <= 0 {
			t.Fatalf("Stats: %d bytes in %d runs spilled, want some", spilled, runs)
		}
	})
	t.Run("shards on a shared tiny budget", func(t *testing.T) {
		for trial := range 3 {
			b := NewBudget(1, t.TempDir())
			shards := make([]*counter, 2+r.IntN(5))
			cuts := []int{0, len(rows)}
			for range len(shards) - 1 {
				cuts = append(cuts, r.IntN(len(rows)+1))
			}
			slices.Sort(cuts)
			var wg sync.WaitGroup
			for i := range shards {
				shards[i] = newCounter(b)
				wg.Go(func() { fill(shards[i], rows[cuts[i]:cuts[i+1]], cuts[i]) })
			}
			wg.Wait()
			all := make([]*Parts[agg], len(shards))
			for i, s := range shards {
				all[i] = s.t
			}
			checkUsed(t, b, all...)
			for len(shards) > 1 {
				i, j := r.IntN(len(shards)), r.IntN(len(shards)-1)
				if j >= i {
					j++
				}
				if err := shards[i].merge(shards[j]); err != nil {
					t.Fatalf("trial %d: Merge: %v", trial, err)
				}
				checkUsed(t, b, all...)
				shards = slices.Delete(shards, j, j+1)
			}
			verify(t, shards[0], o)
			checkUsed(t, b, all...)
			if _, spilled, runs := b.Stats(); spilled <= 0 || runs <= 0 {
				t.Fatalf("trial %d: Stats: %d bytes in %d runs spilled, want some", trial, spilled, runs)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestPartsVisitTwice: reading a table again, whole or a partition at a
// time, gives the same entries and does not combine anything twice (the
// side list stays as it is); rows added after a visit count too.
func TestPartsVisitTwice(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 6))
	keys := testKeys(r, 40_000)
	rows := testRows(r, keys, 160_000)
	for _, limit := range []int64{1, 0} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			b := NewBudget(limit, t.TempDir())
			defer b.Close()
			c := newCounter(b)
			half := len(rows) / 2
			fill(c, rows[:half], 0)
			o := oracleOf(rows[:half])
			before := b.used.Load()
			verify(t, c, o)
			if limit == 1 && b.used.Load() > before {
				// Partitions read back over the budget were written back.
				t.Fatalf("Visit left %d bytes in memory, %d before", b.used.Load(), before)
			}
			side := len(c.side)
			verify(t, c, o)
			if len(c.side) != side {
				t.Fatalf("second Visit grew the side list from %d to %d", side, len(c.side))
			}
			for _, p := range slices.Concat(hot, []int{5}) {
				var first, again map[rowhash.Fingerprint]agg
				for _, m := range []*map[rowhash.Fingerprint]agg{&first, &again} {
					tb, err := c.t.Open(p)
					if err != nil {
						t.Fatal(err)
					}
					*m = map[rowhash.Fingerprint]agg{}
					tb.Each(func(k rowhash.Fingerprint, v *agg) { (*m)[k] = *v })
					if err := c.t.Close(p); err != nil {
						t.Fatal(err)
					}
				}
				if len(first) == 0 || !mapsEqual(first, again) {
					t.Fatalf("partition %d: %d entries, then %d different ones", p, len(first), len(again))
				}
				if len(c.side) != side {
					t.Fatalf("reopening partition %d grew the side list from %d to %d", p, side, len(c.side))
				}
			}
			checkUsed(t, b, c.t)
			// Rows added after a visit are folded in with the rest.
			fill(c, rows[half:], half)
			verify(t, c, oracleOf(rows))
			checkUsed(t, b, c.t)
		})
	}
}

// TestPartsDirectIO: spill files written and read with direct I/O (where
// the test's temporary file system allows it) give the oracle's answer,
// read once or twice, with runs of many blocks and of a few slots.
func TestPartsDirectIO(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 6))
	keys := testKeys(r, 60_000)
	rows := testRows(r, keys, 300_000)
	for _, tc := range []struct {
		limit int64
		rows  []rowhash.Fingerprint
	}{{1, rows[:10_000]}, {8 << 20, rows}} { // a few slots a run; many blocks a run (a pending share of 2 MiB)
		limit, rows := tc.limit, tc.rows
		o := oracleOf(rows)
		b := NewBudget(limit, t.TempDir())
		b.direct = true
		c := newCounter(b)
		fill(c, rows, 0)
		if !c.t.Spilled() {
			t.Fatalf("limit %d: nothing spilled", limit)
		}
		if limit > 1 && !slices.ContainsFunc(c.t.runs[hot[0]], func(r run) bool { return r.n > int64(perBlock[agg]()) }) {
			t.Fatalf("limit %d: no run of partition %d is longer than a block", limit, hot[0])
		}
		verify(t, c, o)
		checkUsed(t, b, c.t)
		verify(t, c, o)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPartsPrefetch: a partition read back in the background is the one
// Open would have read; adding rows, merging, opening another partition
// meanwhile (the repeat hook then runs on both goroutines) and freeing
// wait for it or run beside it safely (go test -race), and the answer
// stays the oracle's.
func TestPartsPrefetch(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 6))
	keys := testKeys(r, 40_000)
	rows := testRows(r, keys, 160_000)
	third := len(rows) / 3
	for _, limit := range []int64{1, 64 << 20} {
		b := NewBudget(limit, t.TempDir())
		c := newCounter(b)
		fill(c, rows[:third], 0)
		o := oracleOf(rows[:third])
		// Prefetched, then opened: the oracle's entries of that partition.
		for _, p := range []int{hot[2], 40} {
			c.t.Prefetch(p)
			tb, err := c.t.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for k, want := range o.count {
				if defaultPart(k) != p {
					continue
				}
				n++
				if v := tb.Get(k); v == nil || v.count != want || v.min != o.min[k] {
					t.Fatalf("limit %d: prefetched partition %d, key %v: %+v, oracle %d", limit, p, k, v, want)
				}
			}
			if tb.Len() != n {
				t.Fatalf("limit %d: prefetched partition %d holds %d keys, oracle %d", limit, p, tb.Len(), n)
			}
			if err := c.t.Close(p); err != nil {
				t.Fatal(err)
			}
		}
		// Another partition opened while one is read ahead.
		c.t.Prefetch(hot[3])
		if _, err := c.t.Open(hot[0]); err != nil {
			t.Fatal(err)
		}
		if err := c.t.Close(hot[0]); err != nil {
			t.Fatal(err)
		}
		verify(t, c, o)
		// Rows added, and a table merged, while a partition is read ahead
		// (of the table merged into: one read ahead cannot be merged).
		c.t.Prefetch(hot[1])
		fill(c, rows[third:2*third], third)
		c.t.Prefetch(hot[2])
		x := newCounter(b)
		fill(x, rows[2*third:], 2*third)
		if err := c.merge(x); err != nil {
			t.Fatal(err)
		}
		verify(t, c, oracleOf(rows))
		checkUsed(t, b, c.t, x.t)
		// Freed while a partition is read ahead.
		c.t.Prefetch(hot[0])
		c.t.Free()
		x.t.Free()
		if used := b.used.Load(); used != 0 {
			t.Fatalf("limit %d: %d bytes accounted for after Free", limit, used)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func mapsEqual[K, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestPartsLockstep: the same partition of two tables partitioned alike
// open at once, as a check joining its row table with its feature table
// does; and every partition of one table open at once.
func TestPartsLockstep(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 6))
	keys := testKeys(r, 40_000)
	rowsA, rowsB := testRows(r, keys, 120_000), testRows(r, keys[:30_000], 90_000)
	oa, ob := oracleOf(rowsA), oracleOf(rowsB)
	b := NewBudget(1, t.TempDir())
	defer b.Close()
	a, c := newCounter(b), newCounter(b)
	fill(a, rowsA, 0)
	fill(c, rowsB, 0)
	if !a.t.Spilled() || !c.t.Spilled() {
		t.Fatal("a table did not spill")
	}
	for pass := range 2 {
		for p := range defaultParts {
			ta, err := a.t.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			tc, err := c.t.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if defaultPart(k) != p {
					continue
				}
				for _, x := range []struct {
					tb *Table[agg]
					o  *oracle
				}{{ta, oa}, {tc, ob}} {
					v := x.tb.Get(k)
					n, ok := x.o.count[k]
					if (v != nil) != ok || ok && (v.count != n || v.min != x.o.min[k]) {
						t.Fatalf("pass %d partition %d key %v: %+v, oracle count %d (present %v)", pass, p, k, v, n, ok)
					}
				}
			}
			if err := a.t.Close(p); err != nil {
				t.Fatal(err)
			}
			if err := c.t.Close(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkUsed(t, b, a.t, c.t)

	// Every partition of a open together.
	got := map[rowhash.Fingerprint]agg{}
	for p := range defaultParts {
		tb, err := a.t.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		tb.Each(func(k rowhash.Fingerprint, v *agg) { got[k] = *v })
	}
	for p := range defaultParts {
		if err := a.t.Close(p); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(oa.count) {
		t.Fatalf("all partitions open: %d keys, oracle %d", len(got), len(oa.count))
	}
	verify(t, a, oa)
	verify(t, c, ob)
	checkUsed(t, b, a.t, c.t)
}

// TestPartsAddWhileOpen: rows added to a partition while it is open are
// kept by Close and folded, with their repeats reported, by the next read —
// on a budget that spills everything and on one that spills nothing.
func TestPartsAddWhileOpen(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	keys := testKeys(r, 5_000)
	rows := testRows(r, keys, 40_000)
	for _, limit := range []int64{1, 1 << 30} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			b := NewBudget(limit, t.TempDir())
			defer b.Close()
			c := newCounter(b)
			third := len(rows) / 3
			fill(c, rows[:third], 0)
			// Twice: the second time, the partition holds aggregates
			// folded once and others not.
			for _, added := range [][2]int{{third, 2 * third}, {2 * third, len(rows)}} {
				for p := range defaultParts {
					if _, err := c.t.Open(p); err != nil {
						t.Fatal(err)
					}
					for i := added[0]; i < added[1]; i++ {
						if defaultPart(rows[i]) == p {
							c.add(rows[i], int64(i))
						}
					}
					if err := c.t.Close(p); err != nil {
						t.Fatal(err)
					}
				}
			}
			verify(t, c, oracleOf(rows))
			checkUsed(t, b, c.t)
		})
	}
}

// TestPartsSmallBudgetPeak: under a small budget, a partition that spills
// goes on with chunks the size of the last one written, so the memory
// accounted stays near the budget — not 64 partitions of the largest
// chunks, which doubling after every spill would reach.
func TestPartsSmallBudgetPeak(t *testing.T) {
	const limit = 64 << 10
	b := NewBudget(limit, t.TempDir())
	defer b.Close()
	c := newCounter(b)
	r := rand.New(rand.NewPCG(8, 8))
	rows := testRows(r, testKeys(r, 50_000), 400_000)
	fill(c, rows, 0)
	// While adding: the budget, and a small chunk per partition more
	// (the one a spill write under way leaves it).
	peak, spilled, _ := b.Stats()
	if want := int64(limit + defaultParts*4<<10); peak > want || spilled == 0 {
		t.Errorf("peak %d bytes accounted (spilled %d), want at most %d", peak, spilled, want)
	}
	verify(t, c, oracleOf(rows))
}

// TestBudgetCloseRemovesSpill: Close removes the spill directory and its
// files, and is harmless twice and on a nil budget.
func TestBudgetCloseRemovesSpill(t *testing.T) {
	dir := t.TempDir()
	b := NewBudget(1, dir)
	c := newCounter(b)
	r := rand.New(rand.NewPCG(4, 6))
	fill(c, testRows(r, testKeys(r, 30_000), 60_000), 0)
	spill, _ := filepath.Glob(filepath.Join(dir, "readiness-spill-*"))
	if len(spill) != 1 {
		t.Fatalf("spill directories under %s: %v, want one", dir, spill)
	}
	if files, _ := os.ReadDir(spill[0]); len(files) == 0 {
		t.Fatalf("no spill file in %s", spill[0])
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left in %s after Close: %v", dir, left)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := (*Budget)(nil).Close(); err != nil {
		t.Fatalf("nil Close: %v", err)
	}
	// A budget that never spilled makes no directory.
	b = NewBudget(1, dir)
	fill(newCounter(b), []rowhash.Fingerprint{{Lo: 1}, {Lo: 2}}, 0)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left in %s: %v", dir, left)
	}
}

// inMemory folds a table's pending aggregates, bypassing its sticky error:
// after a failed spill, nothing may be lost.
func inMemory(c *counter) map[rowhash.Fingerprint]agg {
	got := map[rowhash.Fingerprint]agg{}
	for p := range c.t.pend {
		for _, ch := range c.t.pend[p] {
			for _, e := range ch.s {
				g, ok := got[e.key]
				combineAgg(e.key, &g, &e.val, !ok)
				got[e.key] = g
			}
		}
	}
	return got
}

// TestSpillErrors: spill directories that cannot be made, spill files that
// cannot be written or read back: the error is sticky, names the file or
// directory, is returned by Merge, Visit, Open and Close, nothing panics,
// and the entries that could not be spilled stay in memory.
func TestSpillErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	keys := testKeys(r, 30_000)
	rows := testRows(r, keys, 100_000)
	o := oracleOf(rows)

	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := t.TempDir()
	if err := os.Chmod(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(readOnly, 0o700) })
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"under a regular file", filepath.Join(notDir, "spill"), notDir},
		{"read-only directory", readOnly, readOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dir == readOnly && os.Geteuid() == 0 {
				t.Skip("root can write to a read-only directory")
			}
			b := NewBudget(1, tc.dir)
			defer b.Close()
			x, y := newCounter(b), newCounter(b)
			fill(x, rows[:len(rows)/2], 0)
			fill(y, rows[len(rows)/2:], len(rows)/2)
			err := x.t.Err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err() = %v, want an error naming %s", err, tc.want)
			}
			if x.t.Spilled() || y.t.Spilled() {
				t.Fatal("Spilled after every spill failed")
			}
			if err := x.merge(y); err == nil {
				t.Fatal("Merge: no error")
			}
			checkUsed(t, b, x.t, y.t)
			if err := x.t.Visit(func(int, *Table[agg]) {}); err == nil {
				t.Fatal("Visit: no error")
			}
			if _, err := x.t.Open(3); err == nil {
				t.Fatal("Open: no error")
			}
			got := inMemory(x)
			if len(got) != len(o.count) {
				t.Fatalf("in memory: %d keys, oracle %d", len(got), len(o.count))
			}
			for k, n := range o.count {
				if g := got[k]; g.count != n || g.min != o.min[k] {
					t.Fatalf("key %v: %+v, oracle count %d min %d", k, g, n, o.min[k])
				}
			}
		})
	}

	t.Run("error in one merged table", func(t *testing.T) {
		bad := NewBudget(1, filepath.Join(notDir, "spill"))
		defer bad.Close()
		x := newCounter(bad)
		fill(x, rows, 0)
		good := newCounter(NewBudget(1, t.TempDir()))
		if good.merge(x) == nil || good.t.Err() == nil {
			t.Fatal("merging a failed table: no error")
		}
	})

	t.Run("write fails after a first spill", func(t *testing.T) {
		b := NewBudget(1, t.TempDir())
		defer b.Close()
		c := newCounter(b)
		i := 0
		for ; !c.t.Spilled(); i++ {
			c.add(rows[i], int64(i))
		}
		// Later writes go to a handle the file cannot be written through.
		ro, err := os.Open(c.t.f.Name())
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		rw := c.t.f
		c.t.f = ro
		fill(c, rows[i:], i)
		err = c.t.Err()
		if err == nil || !strings.Contains(err.Error(), ro.Name()) {
			t.Fatalf("Err() = %v, want an error naming %s", err, ro.Name())
		}
		if err := c.t.Visit(func(int, *Table[agg]) {}); !errors.Is(err, c.t.Err()) {
			t.Fatalf("Visit: %v, want the sticky error", err)
		}
		// Nothing was lost: the runs written before and the memory hold
		// every row.
		c.t.f, c.t.err = rw, nil
		verify(t, c, o)
	})

	t.Run("spill file cut short", func(t *testing.T) {
		b, c := spilledCounter(t, rows)
		if err := os.Truncate(c.t.f.Name(), 100); err != nil {
			t.Fatal(err)
		}
		err := c.t.Visit(func(int, *Table[agg]) {})
		if err == nil || !strings.Contains(err.Error(), c.t.f.Name()) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Visit = %v, want an unexpected EOF naming %s", err, c.t.f.Name())
		}
		if err := c.t.Err(); err == nil {
			t.Fatal("read error not sticky")
		}
		if err := c.t.Close(0); err == nil {
			t.Fatal("Close: no error")
		}
		if err := c.merge(newCounter(b)); err == nil {
			t.Fatal("Merge: no error")
		}
	})

	t.Run("spill file cut in the middle of a run", func(t *testing.T) {
		// Blocks are read ahead (Parts.read): an error after some blocks
		// were folded still ends the read, with nothing left reading.
		_, c := spilledCounter(t, rows)
		st, err := c.t.f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(c.t.f.Name(), st.Size()/2); err != nil {
			t.Fatal(err)
		}
		err = c.t.Visit(func(int, *Table[agg]) {})
		if err == nil || !strings.Contains(err.Error(), c.t.f.Name()) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Visit = %v, want an unexpected EOF naming %s", err, c.t.f.Name())
		}
	})

	t.Run("spill file cut short, drained", func(t *testing.T) {
		_, c := spilledCounter(t, rows)
		if err := os.Truncate(c.t.f.Name(), 100); err != nil {
			t.Fatal(err)
		}
		var err error
		var d Drained[agg]
		defer d.Free()
		for p := 0; p < c.t.Partitions() && err == nil; p++ {
			err = c.t.Drain(p, &d)
		}
		if err == nil || !strings.Contains(err.Error(), c.t.f.Name()) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Drain = %v, want an unexpected EOF naming %s", err, c.t.f.Name())
		}
		if err := c.t.Drain(0, &d); !errors.Is(err, c.t.Err()) || err == nil {
			t.Fatalf("Drain after a read error: %v, want the sticky error", err)
		}
	})
}

// TestPartsAccounting: the budget accounts for exactly the slot arrays the
// tables hold, through growing, spilling, merging, visiting and reading
// partitions back, on budgets from tiny to large enough to hold them.
func TestPartsAccounting(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	keys := testKeys(r, 40_000)
	rows := testRows(r, keys, 150_000)
	o := oracleOf(rows)
	for _, limit := range []int64{1, 1 << 20, 4 << 20, 64 << 20} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			b := NewBudget(limit, t.TempDir())
			defer b.Close()
			shards := make([]*counter, 4)
			all := make([]*Parts[agg], len(shards))
			for i := range shards {
				shards[i] = newCounter(b)
				all[i] = shards[i].t
				fill(shards[i], rows[i*len(rows)/4:(i+1)*len(rows)/4], i*len(rows)/4)
				checkUsed(t, b, all[:i+1]...)
			}
			for i := 1; i < len(shards); i++ {
				if err := shards[0].merge(shards[i]); err != nil {
					t.Fatal(err)
				}
				checkUsed(t, b, all...)
			}
			verify(t, shards[0], o)
			checkUsed(t, b, all...)
			verify(t, shards[0], o)
			checkUsed(t, b, all...)
		})
	}
}

// spillNow writes partition p's pending aggregates to c's spill file as a
// run, as the budget running out would.
func spillNow(t *testing.T, c *counter, p int) {
	t.Helper()
	if err := c.t.spillPend(p); err != nil {
		t.Fatal(err)
	}
}

// TestPartsAccountingSparseReload: a partition read back from runs that
// repeat keys is sparse (sized for the entries of all its runs); when runs
// merged in later are read back with the runs already folded once, the
// table they are combined into must still be accounted for.
func TestPartsAccountingSparseReload(t *testing.T) {
	b := NewBudget(1<<30, t.TempDir())
	defer b.Close()
	o := newOracle()
	var keys []rowhash.Fingerprint
	for i := int64(0); len(keys) < 12_000; i++ {
		if k := rowhash.Int(i); defaultPart(k) == 0 {
			keys = append(keys, k)
		}
	}
	pos := int64(0)
	a := newCounter(b)
	for range 2 { // every key in two runs
		for _, k := range keys[:10_000] {
			a.add(k, pos)
			o.add(k, pos)
			pos++
		}
		spillNow(t, a, 0)
	}
	verify(t, a, o) // partition 0 read back: 10k entries in 32k slots
	checkUsed(t, b, a.t)
	x := newCounter(b)
	for _, k := range keys[10_000:] {
		x.add(k, pos)
		o.add(k, pos)
		pos++
	}
	spillNow(t, x, 0)
	if err := a.merge(x); err != nil {
		t.Fatal(err)
	}
	checkUsed(t, b, a.t, x.t)
	verify(t, a, o)
	checkUsed(t, b, a.t, x.t)
}

// FuzzParts drives random upserts or adds, merges and visits on tables on a small
// budget and checks them against a map. Keys come from a small pool, most
// of it in one partition, so that a few thousand rows spill.
func FuzzParts(f *testing.F) {
	f.Add([]byte{1, 200, 3, 2, 150, 3, 0, 7, 9, 3})
	f.Add([]byte{1, 255, 1, 255, 4, 3, 2, 40, 3})
	f.Add([]byte{0, 0, 0, 0, 1, 1, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 || len(ops) > 64 {
			return
		}
		pool := fuzzPool()
		// A tiny budget spills whatever it can; larger ones keep partitions
		// read back in memory, or some partitions but not others.
		limit := []int64{1, 1, 300 << 10, 1 << 20, 4 << 20}[int(ops[0])%5]
		b := NewBudget(limit, t.TempDir())
		defer b.Close()
		c, o := newCounter(b), newOracle()
		var pos int64
		next := func(i *int) byte {
			if *i >= len(ops) {
				return 0
			}
			*i++
			return ops[*i-1]
		}
		rows := 0
		for i := 0; i < len(ops) && rows < 20_000; {
			switch op := next(&i) % 5; op {
			case 0: // one row of a key from the pool
				k := pool[int(next(&i))<<4%len(pool)]
				c.add(k, pos)
				o.add(k, pos)
				pos++
				rows++
			case 1, 2: // many rows, into c or into a new table merged into c
				n := 40 * int(next(&i))
				r := rand.New(rand.NewPCG(uint64(next(&i)), uint64(pos)))
				dst := c
				if op == 2 {
					dst = newCounter(b)
				}
				for range n {
					k := pool[r.IntN(len(pool))]
					dst.add(k, pos)
					o.add(k, pos)
					pos++
				}
				rows += n
				if op == 2 {
					if err := c.merge(dst); err != nil {
						t.Fatal(err)
					}
				}
			case 3:
				verify(t, c, o)
			case 4: // open and close one partition
				p := int(next(&i)) % defaultParts
				if _, err := c.t.Open(p); err != nil {
					t.Fatal(err)
				}
				if err := c.t.Close(p); err != nil {
					t.Fatal(err)
				}
			}
			checkUsed(t, b, c.t)
		}
		verify(t, c, o)
		checkUsed(t, b, c.t)
	})
}

var fuzzPool = sync.OnceValue(func() []rowhash.Fingerprint {
	// 12k keys of partition 0 (the zero fingerprint among them), 500
	// anywhere.
	keys := []rowhash.Fingerprint{{}}
	var buf [8]byte
	for i := uint64(1); len(keys) < 12_500; i++ {
		binary.LittleEndian.PutUint64(buf[:], i)
		k := rowhash.Bytes(buf[:])
		if defaultPart(k) == 0 || len(keys) < 500 {
			keys = append(keys, k)
		}
	}
	return keys
})

// TestPartBitsFor: the partition counts [Budget.Expect] gives, worked out
// by hand from its rule (a partition of the row table at most 1/32 of the
// budget, at 108 bytes a row; at most a partition per MiB of budget and
// worker; 64 to 1,024 partitions).
func TestPartBitsFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		rows, limit int64
		workers     int
		want        int
	}{
		{0, 512 * mib, 2, 6},
		{1_000_000, 512 * mib, 2, 6},       // 108 MB / 64 = 1.7 MB ≤ 16 MiB
		{10_000_000, 512 * mib, 2, 7},      // 1.08 GB / 64 = 16.9 MB > 16.8 MB; / 128 fits
		{30_000_000, 512 * mib, 2, 8},      // 3.24 GB / 128 = 25 MB; / 256 = 12.7 MB
		{100_000_000, 512 * mib, 2, 8},     // 10.8 GB / 256 = 42 MB, but 512 > 512 MiB / 2 MiB
		{30_000_000, 512 * mib, 4, 7},      // 256 > 512 MiB / 4 MiB
		{30_000_000, 512 * mib, 8, 6},      // 128 > 512 MiB / 8 MiB
		{30_000_000, 512 * mib, 0, 8},      // workers not known: one
		{100_000_000, 1024 * mib, 2, 9},    // 10.8 GB / 512 = 21 MB ≤ 32 MiB
		{1_000_000_000, 4096 * mib, 2, 10}, // no more than 1,024
		{10_000_000, 64 * mib, 2, 6},       // 128 > 64 MiB / 2 MiB
		{1_000_000_000, 1, 2, 6},
	} {
		if got := partBitsFor(c.rows, c.limit, c.workers); got != c.want {
			t.Errorf("partBitsFor(%d, %d, %d) = %d, want %d", c.rows, c.limit, c.workers, got, c.want)
		}
	}

	b := NewBudget(512*mib, t.TempDir())
	defer b.Close()
	b.Expect(30_000_000, 2)
	tb := NewParts(b, combineAgg)
	if tb.Partitions() != 256 || b.Partitions() != 256 {
		t.Fatalf("after Expect(30M): a table of %d partitions, budget %d; want 256", tb.Partitions(), b.Partitions())
	}
	b.Expect(100_000_000, 2) // a table exists: too late
	if n := NewParts(b, combineAgg).Partitions(); n != 256 {
		t.Fatalf("Expect after the first table changed the partitions: %d, want 256", n)
	}
	unlimited := NewBudget(0, t.TempDir())
	defer unlimited.Close()
	unlimited.Expect(100_000_000, 2)
	if n := NewParts(unlimited, combineAgg).Partitions(); n != defaultParts {
		t.Fatalf("unlimited budget: %d partitions, want %d", n, defaultParts)
	}
	if err := NewParts(unlimited, combineAgg).Merge(tb); err == nil {
		t.Fatal("merging tables of 256 and 64 partitions: no error")
	}
}

// TestPartsManyPartitions: with the most partitions, on a budget that
// spills everything, a table still gives the oracle's keys, counts, first
// positions and side list, every key in its partition — alone, and with
// shards merged.
func TestPartsManyPartitions(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 6))
	keys := testKeys(r, 30_000)
	rows := testRows(r, keys, 120_000)
	o := oracleOf(rows)
	b := NewBudget(1, t.TempDir())
	defer b.Close()
	b.bits.Store(MaxPartBits) // what Expect gives a large dataset on a large budget
	whole, x, y := newCounter(b), newCounter(b), newCounter(b)
	if whole.t.Partitions() != 1<<MaxPartBits {
		t.Fatalf("%d partitions, want %d", whole.t.Partitions(), 1<<MaxPartBits)
	}
	fill(whole, rows, 0)
	fill(x, rows[:50_000], 0)
	fill(y, rows[50_000:], 50_000)
	if !whole.t.Spilled() || !y.t.Spilled() {
		t.Fatal("nothing spilled")
	}
	verify(t, whole, o)
	if err := x.merge(y); err != nil {
		t.Fatal(err)
	}
	verify(t, x, o)
	checkUsed(t, b, whole.t, x.t)
}

// TestSpillShareShrinksWithWorkers: a partition's pending aggregates spill
// past 1/32 of the budget's share of a partition with two workers, and
// past less with more (each worker has a chain per partition), so sixteen
// workers' tables stay near the budget; the counts stay exact.
func TestSpillShareShrinksWithWorkers(t *testing.T) {
	b := NewBudget(512<<20, t.TempDir())
	defer b.Close()
	// 512 MiB over 64 partitions: 8 MiB each; 1/32 of that is 256 KiB with
	// two workers, and an eighth of it, 32 KiB, with sixteen.
	for _, c := range []struct {
		workers     int
		below, from int64
	}{{0, 256<<10 - 1, 256 << 10}, {2, 256<<10 - 1, 256 << 10}, {16, 32<<10 - 1, 32 << 10}} {
		if c.workers > 0 {
			b.Expect(-1, c.workers)
		}
		if b.spills(1, c.below) || !b.spills(1, c.from) || b.spills(0, 1<<30) {
			t.Errorf("%d workers: spills at %d bytes and not at %d, want %d and not %d", c.workers, c.from, c.below, c.from, c.below)
		}
	}

	// Sixteen workers of four tables each: 64 chains a partition. With the
	// two-worker share their pending chunks alone could hold twice the
	// budget before any spilled.
	peak := func(workers int) int64 {
		const limit = 8 << 20
		b := NewBudget(limit, t.TempDir())
		defer b.Close()
		b.Expect(-1, workers)
		b.bits.Store(1) // two partitions: a share of 128 KiB with two workers, 16 KiB with sixteen
		r := rand.New(rand.NewPCG(4, 16))
		const tables, rowsEach = 64, 15_000
		cs := make([]*counter, tables)
		os := make([]*oracle, tables)
		rows := make([][]rowhash.Fingerprint, tables)
		for w := range cs {
			cs[w] = newCounter(b)
			for range rowsEach {
				rows[w] = append(rows[w], rowhash.Fingerprint{Hi: r.Uint64(), Lo: r.Uint64()})
			}
			os[w] = oracleOf(rows[w])
		}
		for i := range rowsEach { // the tables are added to in turn, as workers do at once
			for w, c := range cs {
				c.add(rows[w][i], int64(i))
			}
		}
		for w, c := range cs {
			verify(t, c, os[w])
		}
		p, spilled, _ := b.Stats()
		if spilled == 0 {
			t.Fatalf("%d workers: nothing spilled", workers)
		}
		return p
	}
	two, sixteen := peak(2), peak(16)
	t.Logf("tables' peak under 8 MiB, 64 tables: %d bytes with a two-worker share, %d with a sixteen-worker share", two, sixteen)
	if sixteen > 14<<20 || sixteen >= two {
		t.Errorf("sixteen workers' tables peaked at %d bytes (with a two-worker share: %d), want at most 14 MiB and less", sixteen, two)
	}
}

// TestPartsDrain: draining every partition of shards merged under a tiny
// budget (most rows spilled) and under none gives back every row added, in
// the partition Part puts its key in, unfolded and without the repeat
// hook; the budget gets the pending chunks' memory back, and a drained
// partition is empty. A partition opened cannot be drained.
func TestPartsDrain(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	keys := testKeys(r, 20_000)
	rows := testRows(r, keys, 80_000)
	for _, limit := range []int64{1, 0} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			b := NewBudget(limit, t.TempDir())
			defer b.Close()
			shards := make([]*counter, 3)
			for i := range shards {
				shards[i] = newCounter(b)
				fill(shards[i], rows[i*len(rows)/3:(i+1)*len(rows)/3], i*len(rows)/3)
			}
			for _, s := range shards[1:] {
				if err := shards[0].merge(s); err != nil {
					t.Fatal(err)
				}
			}
			c := shards[0]
			if _, spilled, _ := b.Stats(); (limit == 1) != (spilled > 0) {
				t.Fatalf("limit %d: %d bytes spilled", limit, spilled)
			}
			got := make([]bool, len(rows))
			var dr, again Drained[agg]
			for p := range c.t.Partitions() {
				if err := c.t.Drain(p, &dr); err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, seg := range dr.Segments() {
					for i := range seg {
						k, v := seg[i].Key(), seg[i].Val()
						pos := v.min
						if v.count != 1 || pos < 0 || pos >= int64(len(rows)) || rows[pos] != k || got[pos] || c.t.Part(k) != p {
							t.Fatalf("partition %d: drained %x %+v, not a row added there once", p, k, *v)
						}
						got[pos] = true
						n++
					}
				}
				if n != dr.Len() {
					t.Fatalf("partition %d: %d rows in the segments, Len %d", p, n, dr.Len())
				}
				if err := c.t.Drain(p, &again); err != nil || again.Len() != 0 || len(again.Segments()) != 0 {
					t.Fatalf("partition %d drained again: %d rows, %v", p, again.Len(), err)
				}
			}
			if i := slices.Index(got, false); i >= 0 {
				t.Fatalf("row %d not drained", i)
			}
			if len(c.side) != 0 {
				t.Fatalf("the repeat hook was called %d times", len(c.side))
			}
			// The last partition's pending chunks and the runs' memory
			// are held until the Drained are freed.
			if limit == 1 && b.Used() == 0 {
				t.Fatal("nothing held on the budget by the Drained before Free")
			}
			dr.Free()
			again.Free()
			checkUsed(t, b, c.t)
			if tb, err := c.t.Open(0); err != nil || tb.Len() != 0 {
				t.Fatalf("a drained partition opened: %v, %v", tb, err)
			}
			d := newCounter(b)
			fill(d, rows[:100], 0)
			if _, err := d.t.Open(d.t.Part(rows[0])); err != nil {
				t.Fatal(err)
			}
			if err := d.t.Drain(d.t.Part(rows[0]), &dr); err == nil {
				t.Fatal("an open partition drained")
			}
		})
	}
}

// TestDrainRuns: a partition's runs of every shape — one slot, a block
// less one, a block, a block and one, and more than readRuns reads at once
// — written buffered and by direct I/O, come back from Drain in the order
// they were added, then the pending rows, each once; a second partition
// drained into the same Drained (its memory reused) too. The slot is 40
// bytes, so a block ends in bytes no slot fills.
func TestDrainRuns(t *testing.T) {
	type row struct{ pos, twice, pad int64 }
	if blockBytes%slotSize[row]() == 0 {
		t.Fatal("a block of whole slots: the test would not see a block's unused tail")
	}
	per := perBlock[row]()
	sizes := []int{1, per - 1, per, per + 1, (readPiece/blockBytes+1)*per + 7}
	for _, cached := range []int64{1 << 40, 0} {
		t.Run(fmt.Sprint("cached ", cached), func(t *testing.T) {
			b := NewBudget(directMin, t.TempDir())
			defer b.Close()
			b.CacheSpills(cached)
			c := NewParts(b, func(rowhash.Fingerprint, *row, *row, bool) {})
			defer c.Free()
			var want [2][]int64 // positions added, by partition, in order
			pos := int64(0)
			add := func(p, n int) {
				for range n {
					c.Add(p, rowhash.Int(pos), &row{pos: pos, twice: 2 * pos})
					want[p] = append(want[p], pos)
					pos++
				}
			}
			for _, n := range sizes {
				for p := range want {
					add(p, n)
					if err := c.spillPend(p); err != nil {
						t.Fatal(err)
					}
				}
			}
			add(0, 100)
			add(1, 3*per)
			c.finishWrite()
			var d Drained[row]
			defer d.Free()
			for p := range want {
				if err := c.Drain(p, &d); err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, seg := range d.Segments() {
					for i := range seg {
						k, v := seg[i].Key(), seg[i].Val()
						if k != rowhash.Int(v.pos) || v.twice != 2*v.pos || v.pad != 0 {
							t.Fatalf("partition %d: slot %x %+v, not a row added", p, k, *v)
						}
						got = append(got, v.pos)
					}
				}
				if !slices.Equal(got, want[p]) || d.Len() != len(got) {
					t.Fatalf("partition %d: drained %d rows (Len %d), want the %d added in order", p, len(got), d.Len(), len(want[p]))
				}
			}
		})
	}
}
