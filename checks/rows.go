package checks

import (
	"cmp"
	"slices"
	"sort"
)

// RowRef names one row by its position (input and row number, [Pos]),
// with the group it was flagged in (see [FlaggedRow]): 16 bytes. With the
// input and row apart it took 24; at 10M rows staleness alone keeps two
// workers' lists of up to 1.5M rows (the compaction bound).
type RowRef struct {
	Pos   Pos
	Group uint64
}

// compare orders rows by input, row and group: a Pos orders by input,
// then row.
func (a RowRef) compare(b RowRef) int {
	if c := cmp.Compare(a.Pos, b.Pos); c != 0 {
		return c
	}
	return cmp.Compare(a.Group, b.Group)
}

func (a RowRef) less(b RowRef) bool { return a.compare(b) < 0 }

// RowList collects the rows one finding code flags, bounded by
// [MaxFlaggedRows]: past the bound it keeps the rows first in (input, row)
// order, so what it lists does not depend on how batches were split among
// workers or in which order states were merged. The zero value is empty
// and ready to use.
//
// Once it has held the bound, a row after the last one kept (cut) cannot
// be among the first MaxFlaggedRows, and is counted without being kept:
// a check that flags most rows (staleness at 10M rows flags 8.8M) then
// appends about MaxFlaggedRows of them and drops the rest in a compare,
// where growing, sorting and truncating a list of 2×MaxFlaggedRows again
// and again took 2.6 s of CPU and 1.4 GB of allocations at 10M rows, and
// kept the Go heap at its soft limit (650 collections).
type RowList struct {
	rows []RowRef
	// dropped counts rows added beyond the bound and not kept.
	dropped int64
	// full: rows held MaxFlaggedRows rows at their last compaction, the
	// last of them cut, so no row from cut on can be kept.
	full bool
	cut  RowRef
}

// compactAt is the length at which a list compacts: when it first
// reaches the bound, and afterwards when half as many rows again came
// before its cut.
func (l *RowList) compactAt() int {
	if l.full {
		return MaxFlaggedRows + MaxFlaggedRows/2
	}
	return MaxFlaggedRows
}

// Add records one row.
func (l *RowList) Add(input int, row int64, group uint64) {
	l.add(RowRef{Pos: PosOf(input, row), Group: group})
}

func (l *RowList) add(r RowRef) {
	if l.full && !r.less(l.cut) {
		l.dropped++
		return
	}
	if len(l.rows) == cap(l.rows) {
		l.grow()
	}
	l.rows = append(l.rows, r)
	if len(l.rows) >= l.compactAt() {
		l.compact()
	}
}

// grow doubles the list's room, up to jumpRows rows; past that it makes
// room for the length at which the list compacts at once. It never goes
// past that length (a list compacts on reaching it). A list that fills up
// is allocated about log2(jumpRows) times, and ends with room for 1.5
// bounds, where append's steps of a quarter past a few hundred rows
// allocated, zeroed and copied 138 MB to fill one list of MaxFlaggedRows
// (BenchmarkRowListInOrder, 39 large allocations), and merging two
// workers' full lists 354 MB.
//
// Doubling all the way to the bound still allocated and copied as much
// again as the list held: filling one list of MaxFlaggedRows allocated
// 36.8 MB, against 18.9 MB with the jump (BenchmarkRowListInOrder), and
// at 10M rows staleness fills one on each worker, in new memory the VM of
// docs/performance.md faults in at about 1.6 ms a MiB (2026-11-29 x). The
// room is made without clearing it (make with a length, then copy):
// memory the runtime knows is zero is not touched, so a list that stops
// short of the bound faults in only the pages it fills.
func (l *RowList) grow() {
	// Called at len == cap < compactAt (a list compacts on reaching it),
	// so n is more than len.
	n := max(64, 2*cap(l.rows))
	if n > jumpRows {
		n = l.compactAt()
	}
	n = min(n, l.compactAt())
	rows := make([]RowRef, len(l.rows), n)
	copy(rows, l.rows)
	l.rows = rows
}

// jumpRows is the room past which a list's next step is to the bound.
const jumpRows = 1 << 16

// Merge adds every row of other.
//
// Two lists in order — each worker's list of a check that flags most
// rows, added in order — are merged in one pass, and cut at the bound.
// Adding the rows one at a time, to append past the bound and select the
// first MaxFlaggedRows, took 78 ms at 10M rows (staleness, two full lists;
// up to 0.26 s on a loaded machine), the longest merge of the audit; 31–39
// ms merged. Below the bound, appending them grew the list by doubling:
// 0.31 s of CPU on a 1M-row, 203-column file whose rows are all stale.
func (l *RowList) Merge(other *RowList) {
	l.dropped += other.dropped
	if len(other.rows) == 0 {
		return
	}
	if slices.IsSortedFunc(l.rows, RowRef.compare) && slices.IsSortedFunc(other.rows, RowRef.compare) {
		l.mergeSorted(other.rows)
		return
	}
	for _, r := range other.rows {
		l.add(r)
	}
}

// mergeSorted merges rows, in order, into the list, in order too, and
// keeps the first MaxFlaggedRows. Every row either list dropped comes
// after the MaxFlaggedRows it kept before it, so the first MaxFlaggedRows
// of the two lists are the first of every row added to either.
//
// The list's own room takes the result when it can (mergeFirst): two
// workers' full lists of staleness's at 10M rows then merge into the
// first one's memory rather than 16 MB of new memory.
func (l *RowList) mergeSorted(rows []RowRef) {
	n := len(l.rows) + len(rows)
	m := min(n, MaxFlaggedRows)
	if cap(l.rows) >= m {
		l.rows = mergeFirst(l.rows, rows, m)
	} else {
		out := make([]RowRef, m)
		mergeRuns(out, l.rows, rows, RowRef.compare)
		l.rows = out
	}
	l.dropped += int64(n - m)
	if n >= MaxFlaggedRows {
		l.full, l.cut = true, l.rows[m-1]
	}
}

// mergeFirst merges the sorted a and b, a's rows first among equal ones,
// and returns the first m of them in a's memory (cap(a) >= m): what
// mergeRuns writes to a new slice of m. It finds how many of the m come
// from a (a binary search: a row of b is among them when it is less than
// a's next row), then merges from the last of them down, each row written
// past every row of a not yet moved.
func mergeFirst(a, b []RowRef, m int) []RowRef {
	lo, hi := max(0, m-len(b)), min(m, len(a))
	// ka is the smallest count of a's rows from which b's last one taken,
	// b[m-ka-1], comes before a's next one, a[ka].
	ka := lo + sort.Search(hi-lo, func(i int) bool {
		ka := lo + i
		kb := m - ka
		return kb == 0 || ka == len(a) || b[kb-1].less(a[ka])
	})
	out := a[:m]
	i, j := ka-1, m-ka-1
	for k := m - 1; j >= 0; k-- {
		if i >= 0 && b[j].less(a[i]) {
			out[k] = a[i]
			i--
		} else {
			out[k] = b[j]
			j--
		}
	}
	return out
}

// compact drops the rows past the bound: it selects the first
// MaxFlaggedRows in (input, row) order, unsorted, the last of them the cut.
//
// It selects rather than sorts: rows met out of order — the labels check
// lists its conflicting rows partition by partition, in no order of
// position — made a list compact every half bound of rows, and sorting 1.5M
// rows each time took 1.85 s of CPU at 10M conflicting rows; selecting
// takes a few passes over them. [RowList.Rows] sorts once at the end.
func (l *RowList) compact() {
	if len(l.rows) < MaxFlaggedRows {
		return
	}
	if !slices.IsSortedFunc(l.rows, RowRef.compare) { // rows added in order need no selecting
		selectNth(l.rows, MaxFlaggedRows-1)
	}
	l.dropped += int64(len(l.rows) - MaxFlaggedRows)
	l.rows = l.rows[:MaxFlaggedRows]
	l.full, l.cut = true, l.rows[MaxFlaggedRows-1]
}

// selectNth reorders a so that a[n] is the row that sorting would put
// there, with no row after it before it in order and none before it
// after: a quickselect, partitioning three ways (runs of equal rows cost a
// pass) around the median of three rows picked at random. (The median of
// the first, middle and last rows made a sorted list quadratic: its first
// partition leaves the upper part rotated by one, where that median is the
// second-smallest row every time — 3.2 s for 1M rows in order.)
func selectNth(a []RowRef, n int) {
	rng := uint64(len(a))*0x9e3779b97f4a7c15 | 1
	pick := func(lo, hi int) RowRef {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return a[lo+int(rng%uint64(hi-lo))]
	}
	lo, hi := 0, len(a)
	for hi-lo > 12 {
		x, y, z := pick(lo, hi), pick(lo, hi), pick(lo, hi)
		if y.less(x) {
			x, y = y, x
		}
		if z.less(y) {
			y = z
			if y.less(x) {
				y = x
			}
		}
		p := y // the median of the three
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch c := a[i].compare(p); {
			case c < 0:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case c > 0:
				gt--
				a[i], a[gt] = a[gt], a[i]
			default:
				i++
			}
		}
		switch {
		case n < lt:
			hi = lt
		case n >= gt:
			lo = gt
		default:
			return // a[lt:gt] are all equal to p, a[n] among them
		}
	}
	slices.SortFunc(a[lo:hi], RowRef.compare)
}

// Rows returns the kept rows in (input, row) order, and how many flagged
// rows were not kept. It sorts the list in place but changes nothing it
// reports.
func (l *RowList) Rows() (rows []RowRef, unlisted int64) {
	l.compact()
	// Workers add rows in order and the merge appends their lists: most
	// often a few sorted runs. A list in no order (the shared row table's,
	// filled a partition at a time) is radix sorted.
	l.rows = sortRuns(l.rows, RowRef.compare, sortRefs)
	return l.rows[:len(l.rows):len(l.rows)], l.dropped
}

// sortRefs returns s sorted by position and group: s itself, or a new
// slice with its elements. It is a least-significant-digit radix sort on
// the bytes of the positions that are not the same in every row (three at
// 10M rows of one input), then a sort of each run of equal positions by
// group. The row table's lists come in the order of its partitions, a
// hash order: at 10M rows, 417k and 299k rows, which slices.SortFunc took
// 0.14 s of CPU to sort, on the audit's path from the checks to
// findings.parquet (BenchmarkSortRefs: see docs/performance.md,
// 2026-11-29 w).
func sortRefs(s []RowRef) []RowRef {
	if len(s) < 256 {
		slices.SortFunc(s, RowRef.compare)
		return s
	}
	var or, and uint64 = 0, ^uint64(0)
	for _, r := range s {
		or |= uint64(r.Pos)
		and &= uint64(r.Pos)
	}
	src, dst := s, []RowRef(nil)
	for shift := uint(0); shift < 64; shift += 8 {
		if (or^and)>>shift&0xff == 0 {
			continue // the same byte in every position
		}
		if dst == nil {
			dst = make([]RowRef, len(s))
		}
		var at [256]int
		for _, r := range src {
			at[uint64(r.Pos)>>shift&0xff]++
		}
		sum := 0
		for b, n := range at {
			at[b], sum = sum, sum+n
		}
		for _, r := range src {
			b := uint64(r.Pos) >> shift & 0xff
			dst[at[b]] = r
			at[b]++
		}
		src, dst = dst, src
	}
	for i := 0; i < len(src); {
		j := i + 1
		for j < len(src) && src[j].Pos == src[i].Pos {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(src[i:j], RowRef.compare)
		}
		i = j
	}
	return src
}

// maxRuns is the most sorted runs SortRuns merges; past it, it sorts.
const maxRuns = 32

// SortRuns returns s sorted by compare: s itself, or a new slice with
// its elements. An s that is a few sorted runs — a list appended to in
// order by each of a few workers — is merged run by run, pairwise: 1.3M
// flagged rows in four runs took 0.12–0.14 s, against 0.94–1.18 s with
// slices.SortFunc, when the CLI sorted rows of 32 bytes; 55 ms against
// 142 ms as RowRefs (BenchmarkSortRuns). An s in more than maxRuns runs
// is sorted in place with slices.SortFunc (sort.Slice's swaps through
// reflection took twice as long).
func SortRuns[T any](s []T, compare func(a, b T) int) []T {
	return sortRuns(s, compare, func(s []T) []T {
		slices.SortFunc(s, compare)
		return s
	})
}

// sortRuns is SortRuns, with sort for an s in more than maxRuns runs.
func sortRuns[T any](s []T, compare func(a, b T) int, sort func([]T) []T) []T {
	var bounds []int // the runs are s[bounds[i]:bounds[i+1]]
	for i := range s {
		if i == 0 || compare(s[i-1], s[i]) > 0 {
			if len(bounds) == maxRuns {
				return sort(s)
			}
			bounds = append(bounds, i)
		}
	}
	if len(bounds) <= 1 {
		return s
	}
	bounds = append(bounds, len(s))
	src, dst := s, make([]T, len(s))
	for len(bounds) > 2 {
		next := bounds[:1]
		for i := 0; i+1 < len(bounds); i += 2 {
			lo, mid, hi := bounds[i], bounds[i+1], len(s)
			if i+2 < len(bounds) {
				hi = bounds[i+2]
			}
			mergeRuns(dst[lo:hi], src[lo:mid], src[mid:hi], compare)
			next = append(next, hi)
		}
		bounds = next
		src, dst = dst, src
	}
	return src
}

// mergeRuns merges the sorted a and b into out, a's elements first among
// equal ones, until out is full: the first len(out) of them.
func mergeRuns[T any](out, a, b []T, compare func(a, b T) int) {
	k := 0
	for k < len(out) && len(a) > 0 && len(b) > 0 {
		if compare(b[0], a[0]) < 0 {
			out[k], b = b[0], b[1:]
		} else {
			out[k], a = a[0], a[1:]
		}
		k++
	}
	k += copy(out[k:], a)
	copy(out[k:], b)
}

// Len is the number of rows added, kept or not.
func (l *RowList) Len() int64 { return int64(len(l.rows)) + l.dropped }

// Stream returns the kept rows, sorted, as the [RowStream] of the given
// code and column.
func (l *RowList) Stream(code, column string) RowStream {
	rows, _ := l.Rows()
	return RowStream{Code: code, Column: column, Rows: rows}
}
