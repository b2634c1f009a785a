package checks

import "sort"

// RowRef names one row by input and row number, with the group it was
// flagged in (see [FlaggedRow]).
type RowRef struct {
	Input int32
	Row   int64
	Group uint64
}

func (a RowRef) less(b RowRef) bool {
	if a.Input != b.Input {
		return a.Input < b.Input
	}
	if a.Row != b.Row {
		return a.Row < b.Row
	}
	return a.Group < b.Group
}

// RowList collects the rows one finding code flags, bounded by
// [MaxFlaggedRows]: past the bound it keeps the rows first in (input, row)
// order, so what it lists does not depend on how batches were split among
// workers or in which order states were merged. The zero value is empty
// and ready to use.
type RowList struct {
	rows []RowRef
	// dropped counts rows added beyond the bound and not kept.
	dropped int64
}

// Add records one row.
func (l *RowList) Add(input int, row int64, group uint64) {
	l.rows = append(l.rows, RowRef{Input: int32(input), Row: row, Group: group})
	if len(l.rows) >= 2*MaxFlaggedRows {
		l.compact()
	}
}

// Merge adds every row of other.
func (l *RowList) Merge(other *RowList) {
	l.rows = append(l.rows, other.rows...)
	l.dropped += other.dropped
	if len(l.rows) >= 2*MaxFlaggedRows {
		l.compact()
	}
}

// compact sorts the rows and drops those past the bound.
func (l *RowList) compact() {
	sort.Slice(l.rows, func(i, j int) bool { return l.rows[i].less(l.rows[j]) })
	if len(l.rows) > MaxFlaggedRows {
		l.dropped += int64(len(l.rows) - MaxFlaggedRows)
		l.rows = l.rows[:MaxFlaggedRows:MaxFlaggedRows]
	}
}

// Rows returns the kept rows in (input, row) order, and how many flagged
// rows were not kept. It sorts the list in place but changes nothing it
// reports.
func (l *RowList) Rows() (rows []RowRef, unlisted int64) {
	l.compact()
	return l.rows, l.dropped
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
