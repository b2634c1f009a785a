package checks

import (
	"cmp"
	"slices"
)

// RowRef names one row by input and row number, with the group it was
// flagged in (see [FlaggedRow]).
type RowRef struct {
	Input int32
	Row   int64
	Group uint64
}

func (a RowRef) compare(b RowRef) int {
	if c := cmp.Compare(a.Input, b.Input); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Row, b.Row); c != 0 {
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
	l.add(RowRef{Input: int32(input), Row: row, Group: group})
}

func (l *RowList) add(r RowRef) {
	if l.full && !r.less(l.cut) {
		l.dropped++
		return
	}
	l.rows = append(l.rows, r)
	if len(l.rows) >= l.compactAt() {
		l.compact()
	}
}

// Merge adds every row of other.
func (l *RowList) Merge(other *RowList) {
	l.dropped += other.dropped
	for _, r := range other.rows {
		l.add(r)
	}
}

// compact sorts the rows and drops those past the bound.
func (l *RowList) compact() {
	slices.SortFunc(l.rows, RowRef.compare) // sort.Slice's swaps through reflection took twice as long
	if len(l.rows) > MaxFlaggedRows {
		l.dropped += int64(len(l.rows) - MaxFlaggedRows)
		l.rows = l.rows[:MaxFlaggedRows]
	}
	if len(l.rows) == MaxFlaggedRows {
		l.full, l.cut = true, l.rows[MaxFlaggedRows-1]
	}
}

// Rows returns the kept rows in (input, row) order, and how many flagged
// rows were not kept. It sorts the list in place but changes nothing it
// reports.
func (l *RowList) Rows() (rows []RowRef, unlisted int64) {
	l.compact()
	return l.rows[:len(l.rows):len(l.rows)], l.dropped
}

// Len is the number of rows added, kept or not.
func (l *RowList) Len() int64 { return int64(len(l.rows)) + l.dropped }

// Emit calls emit with each kept row as a [FlaggedRow] of the given code
// and column.
func (l *RowList) Emit(code, column string, emit func(FlaggedRow)) {
	rows, _ := l.Rows()
	for _, r := range rows {
		emit(FlaggedRow{Input: int(r.Input), Row: r.Row, Code: code, Column: column, Group: r.Group})
	}
}
