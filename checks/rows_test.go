package checks

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// TestRowListBoundIsSplitIndependent adds more rows than the bound to
// states in random splits and merge orders and checks that the kept rows
// are always the first MaxFlaggedRows in (input, row) order.
func TestRowListBoundIsSplitIndependent(t *testing.T) {
	if testing.Short() {
		t.Skip("adds several million rows")
	}
	n := MaxFlaggedRows + MaxFlaggedRows/2
	all := make([]RowRef, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range all {
		all[i] = RowRef{Input: int32(r.IntN(3)), Row: int64(r.IntN(1 << 30)), Group: uint64(i)}
	}
	want := append([]RowRef(nil), all...)
	sort.Slice(want, func(i, j int) bool { return want[i].less(want[j]) })
	want = want[:MaxFlaggedRows]

	for trial := range 2 {
		parts := make([]RowList, 2+trial*3)
		for _, row := range all {
			parts[r.IntN(len(parts))].Add(int(row.Input), row.Row, row.Group)
		}
		order := r.Perm(len(parts))
		var merged RowList
		for _, k := range order {
			merged.Merge(&parts[k])
		}
		got, unlisted := merged.Rows()
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

func TestRowListEmit(t *testing.T) {
	var l RowList
	l.Add(1, 5, 9)
	l.Add(0, 7, 0)
	var got []FlaggedRow
	l.Emit("X001", "email", func(f FlaggedRow) { got = append(got, f) })
	want := []FlaggedRow{{Input: 0, Row: 7, Code: "X001", Column: "email"}, {Input: 1, Row: 5, Code: "X001", Column: "email", Group: 9}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
