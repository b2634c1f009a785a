package checks

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// ref is a flagged row as the tests' oracle keeps it: its input, row and
// group apart, ordered by refCompare, field by field.
type ref struct {
	input int32
	row   int64
	group uint64
}

func refCompare(a, b ref) int {
	if a.input != b.input {
		return cmp.Compare(a.input, b.input)
	}
	if a.row != b.row {
		return cmp.Compare(a.row, b.row)
	}
	return cmp.Compare(a.group, b.group)
}

// refs turns a list's rows into the oracle's.
func refs(rows []RowRef) []ref {
	out := make([]ref, len(rows))
	for i, r := range rows {
		out[i] = ref{int32(r.Pos.Input()), r.Pos.Row(), r.Group}
	}
	return out
}

// TestRowListBoundIsSplitIndependent adds more rows than the bound to
// states in random splits and merge orders and checks that the kept rows
// are always the first MaxFlaggedRows in (input, row) order.
func TestRowListBoundIsSplitIndependent(t *testing.T) {
	if testing.Short() {
		t.Skip("adds several million rows")
	}
	n := MaxFlaggedRows + MaxFlaggedRows/2
	all := make([]ref, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range all {
		all[i] = ref{int32(r.IntN(3)), int64(r.IntN(1 << 30)), uint64(i)}
	}
	want := append([]ref(nil), all...)
	slices.SortFunc(want, refCompare)
	want = want[:MaxFlaggedRows]

	for trial := range 4 {
		parts := make([]RowList, 2+trial%2*3)
		rows := all
		if trial >= 2 { // each part's rows in order: lists merged in one pass
			rows = append([]ref(nil), all...)
			slices.SortFunc(rows, refCompare)
		}
		for _, row := range rows {
			parts[r.IntN(len(parts))].Add(int(row.input), row.row, row.group)
		}
		order := r.Perm(len(parts))
		var merged RowList
		for _, k := range order {
			merged.Merge(&parts[k])
		}
		rowsKept, unlisted := merged.Rows()
		got := refs(rowsKept)
		if unlisted != int64(n-MaxFlaggedRows) || merged.Len() != int64(n) {
			t.Fatalf("trial %d: unlisted %d, len %d; want %d, %d", trial, unlisted, merged.Len(), n-MaxFlaggedRows, n)
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: kept %d rows, want %d", trial, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d: row %d = %+v, want %+v", trial, i, got[i], want[i])
			}
		}
	}
}

// TestRowListMostlyInOrder adds rows the way a check that flags most rows
// meets them — in order within blocks that alternate between two states,
// some rows twice (equal to the cut once the list is full) — and checks
// the merged list against the sorted, truncated list of every row added.
func TestRowListMostlyInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("adds several million rows")
	}
	var all []ref
	var parts [2]RowList
	for row := range int64(2*MaxFlaggedRows + 12345) {
		copies := 1 + int(row%7/6) // every seventh row twice
		for range copies {
			r := ref{int32(row % 3 / 2), row, uint64(row % 5)}
			all = append(all, r)
			parts[row/65536%2].Add(int(r.input), r.row, r.group)
		}
	}
	slices.SortFunc(all, refCompare)
	var merged RowList
	merged.Merge(&parts[1])
	merged.Merge(&parts[0])
	rowsKept, unlisted := merged.Rows()
	got := refs(rowsKept)
	if merged.Len() != int64(len(all)) || unlisted != int64(len(all)-MaxFlaggedRows) {
		t.Fatalf("len %d, unlisted %d; want %d, %d", merged.Len(), unlisted, len(all), len(all)-MaxFlaggedRows)
	}
	if len(got) != MaxFlaggedRows {
		t.Fatalf("kept %d rows, want %d", len(got), MaxFlaggedRows)
	}
	for i, r := range got {
		if r != all[i] {
			t.Fatalf("row %d = %+v, want %+v", i, r, all[i])
		}
	}
	// Each state kept at most half as many rows again as the bound.
	for i := range parts {
		if n := cap(parts[i].rows); n > 2*MaxFlaggedRows {
			t.Errorf("state %d: capacity %d rows", i, n)
		}
	}
}

// TestRowListMergeUnderBound merges lists that stay under the bound, in
// order and out of it, and checks the result against every row added,
// sorted; the merged list still takes rows, and those too are listed.
func TestRowListMergeUnderBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var all []ref
	parts := make([]RowList, 5)
	for k := range parts {
		n := r.IntN(3000)
		if k == 3 {
			n = 0 // an empty list
		}
		row := int64(r.IntN(100))
		for range n {
			if k == 4 {
				row = int64(r.IntN(1 << 20)) // out of order
			} else {
				row += int64(r.IntN(3)) // in order, some rows twice
			}
			f := ref{int32(k % 2), row, uint64(r.IntN(2))}
			all = append(all, f)
			parts[k].Add(int(f.input), f.row, f.group)
		}
	}
	var merged RowList
	for _, k := range r.Perm(len(parts)) {
		merged.Merge(&parts[k])
	}
	merged.Add(2, 5, 0)
	all = append(all, ref{2, 5, 0})
	slices.SortFunc(all, refCompare)
	rowsKept, unlisted := merged.Rows()
	got := refs(rowsKept)
	if unlisted != 0 || merged.Len() != int64(len(all)) || !slices.Equal(got, all) {
		t.Fatalf("%d rows listed, %d unlisted, len %d; want the %d rows added", len(got), unlisted, merged.Len(), len(all))
	}
}

func TestRowListStream(t *testing.T) {
	var l RowList
	l.Add(1, 5, 9)
	l.Add(0, 7, 0)
	got := Flagged([]RowStream{l.Stream("X001", "email")})
	want := []FlaggedRow{{Input: 0, Row: 7, Code: "X001", Column: "email"}, {Input: 1, Row: 5, Code: "X001", Column: "email", Group: 9}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// BenchmarkRowListInOrder flags four times the bound in order, as
// staleness does on a dataset of old rows.
func BenchmarkRowListInOrder(b *testing.B) {
	for b.Loop() {
		var l RowList
		for row := range int64(4 * MaxFlaggedRows) {
			l.Add(0, row, 0)
		}
		l.Rows()
	}
}

// selectNth puts at n the row sorting puts there, none after it before it
// and none before it after, for slices of every length up to a few hundred
// with many equal rows, and for rows in order, in reverse and all equal.
func TestSelectNth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	check := func(name string, a []RowRef, n int) {
		t.Helper()
		want := slices.Clone(a)
		slices.SortFunc(want, RowRef.compare)
		got := slices.Clone(a)
		selectNth(got, n)
		if got[n] != want[n] {
			t.Fatalf("%s, len %d, n %d: a[n] = %+v, want %+v", name, len(a), n, got[n], want[n])
		}
		for i, x := range got {
			if (i < n && got[n].less(x)) || (i > n && x.less(got[n])) {
				t.Fatalf("%s, len %d, n %d: row %d %+v on the wrong side of %+v", name, len(a), n, i, x, got[n])
			}
		}
		slices.SortFunc(got, RowRef.compare)
		if !slices.Equal(got, want) {
			t.Fatalf("%s, len %d, n %d: not a permutation", name, len(a), n)
		}
	}
	for size := 1; size < 300; size++ {
		a := make([]RowRef, size)
		for i := range a {
			a[i] = RowRef{Pos: PosOf(r.IntN(2), int64(r.IntN(1+size/4))), Group: uint64(r.IntN(2))}
		}
		check("random", a, r.IntN(size))
		sorted := slices.Clone(a)
		slices.SortFunc(sorted, RowRef.compare)
		check("in order", sorted, r.IntN(size))
		slices.Reverse(sorted)
		check("reversed", sorted, r.IntN(size))
		check("all equal", make([]RowRef, size), r.IntN(size))
	}
}

// BenchmarkRowListOutOfOrder flags four times the bound in no order, as
// the labels check lists conflicting rows partition by partition when most
// rows conflict.
func BenchmarkRowListOutOfOrder(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([]int64, 4*MaxFlaggedRows)
	for i := range rows {
		rows[i] = r.Int64N(1 << 40)
	}
	for b.Loop() {
		var l RowList
		for _, row := range rows {
			l.Add(0, row, 0)
		}
		l.Rows()
	}
}

// BenchmarkRowListMerge merges two workers' full lists, each of rows in
// order, interleaved by batch as two workers read them (staleness flags
// most rows of an old dataset), after filling them.
func BenchmarkRowListMerge(b *testing.B) {
	for b.Loop() {
		var l [2]RowList
		for row := range int64(4 * MaxFlaggedRows) {
			l[row/32768%2].Add(0, row, 0)
		}
		l[0].Merge(&l[1])
		l[0].Rows()
	}
}

// SortRuns sorts a slice made of k sorted runs, for k on either side of
// maxRuns, as slices.SortFunc does.
func TestSortRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, runs := range []int{0, 1, 2, 3, 5, maxRuns, maxRuns + 1, 100} {
		var rows []RowRef
		for range runs {
			run := make([]RowRef, rng.IntN(50)+1)
			for i := range run {
				run[i] = RowRef{Pos: PosOf(rng.IntN(3), rng.Int64N(40)), Group: uint64(rng.IntN(3))}
			}
			slices.SortFunc(run, RowRef.compare)
			rows = append(rows, run...)
		}
		want := slices.Clone(rows)
		slices.SortFunc(want, RowRef.compare)
		if got := SortRuns(rows, RowRef.compare); !slices.Equal(got, want) {
			t.Errorf("%d runs of %d rows: not sorted as slices.SortFunc sorts them", runs, len(rows))
		}
	}
}

// BenchmarkSortRuns sorts 1.3M flagged rows in four sorted runs, as a
// list merged from workers' lists holds them, with SortRuns and with
// slices.SortFunc.
func BenchmarkSortRuns(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	var rows []RowRef
	for range 4 {
		run := make([]RowRef, 325_000)
		for i := range run {
			run[i] = RowRef{Pos: PosOf(0, rng.Int64N(10_000_000)), Group: rng.Uint64()}
		}
		slices.SortFunc(run, RowRef.compare)
		rows = append(rows, run...)
	}
	benchSorts(b, rows, sorter{"runs", func(s []RowRef) { SortRuns(s, RowRef.compare) }})
}

// sorter is a way to sort rows, by name.
type sorter struct {
	name string
	sort func([]RowRef)
}

// benchSorts times each sorter, and slices.SortFunc, on a copy of rows.
func benchSorts(b *testing.B, rows []RowRef, sorters ...sorter) {
	work := make([]RowRef, len(rows))
	for _, s := range append(sorters, sorter{"pdqsort", func(s []RowRef) { slices.SortFunc(s, RowRef.compare) }}) {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				copy(work, rows)
				s.sort(work)
			}
		})
	}
}

// TestSortRefs: sortRefs orders rows as slices.SortFunc with
// RowRef.compare does — by input, row and group — for lists in no order:
// rows of several inputs, repeated positions with different groups, every
// position one, positions apart only in their input, and short lists.
func TestSortRefs(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	cases := map[string]func(i int) RowRef{
		"inputs and rows": func(int) RowRef {
			return RowRef{Pos: PosOf(rng.IntN(3), rng.Int64N(1<<30)), Group: rng.Uint64()}
		},
		"repeated positions": func(int) RowRef {
			return RowRef{Pos: PosOf(0, rng.Int64N(300)), Group: rng.Uint64N(5)}
		},
		"one position": func(int) RowRef { return RowRef{Pos: PosOf(2, 7), Group: rng.Uint64()} },
		"inputs only":  func(int) RowRef { return RowRef{Pos: PosOf(rng.IntN(MaxInputs), 0), Group: rng.Uint64N(3)} },
		"in order":     func(i int) RowRef { return RowRef{Pos: PosOf(0, int64(i))} },
	}
	for name, gen := range cases {
		for _, n := range []int{0, 1, 255, 256, 5000} {
			s := make([]RowRef, n)
			for i := range s {
				s[i] = gen(i)
			}
			want := slices.Clone(s)
			slices.SortFunc(want, RowRef.compare)
			if got := sortRefs(s); !slices.Equal(got, want) {
				t.Errorf("%s, %d rows: not in (input, row, group) order", name, n)
			}
		}
	}
}

// BenchmarkSortRefs sorts the rows a 10M-row audit's row table lists for
// conflicting labels (417k, in hash order), by radix and with
// slices.SortFunc.
func BenchmarkSortRefs(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 7))
	rows := make([]RowRef, 416_889)
	for i := range rows {
		rows[i] = RowRef{Pos: PosOf(0, rng.Int64N(10_000_000)), Group: rng.Uint64()}
	}
	benchSorts(b, rows, sorter{"radix", func(s []RowRef) { sortRefs(s) }})
}

// mergeFirst returns, in a's memory, the first m rows mergeRuns writes to
// a new slice, for lists of every length up to a few dozen with many equal
// rows, and every m they allow.
func TestMergeFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	list := func(n int) []RowRef {
		s := make([]RowRef, n)
		for i := range s {
			s[i] = RowRef{Pos: PosOf(r.IntN(2), int64(r.IntN(12))), Group: uint64(r.IntN(3))}
		}
		slices.SortFunc(s, RowRef.compare)
		return s
	}
	for la := range 30 {
		for lb := range 30 {
			a, b := list(la), list(lb)
			for m := 1; m <= la+lb; m++ {
				want := make([]RowRef, m)
				mergeRuns(want, a, b, RowRef.compare)
				got := mergeFirst(append(make([]RowRef, 0, max(m, la)), a...), slices.Clone(b), m)
				if !slices.Equal(got, want) {
					t.Fatalf("%d and %d rows, first %d: got %v, want %v", la, lb, m, got, want)
				}
			}
		}
	}
}
