package labels

import (
	"testing"
	"unsafe"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
)

// Every row appends a group aggregate, key and entry, to the table: 48
// bytes, the entry counting no rows (the row lists do), packing its
// position and flags in a word and its annotator in another. It must not
// grow unnoticed.
func TestEntrySize(t *testing.T) {
	type slot struct {
		key rowhash.Fingerprint
		val entry
	}
	if s := unsafe.Sizeof(slot{}); s != 48 {
		t.Errorf("groups slot is %d bytes, want 48", s)
	}
}

// The first Scan lists the rows of the conflicting groups and drops every
// partition's later rows, which are held outside the memory budget; a
// later Scan counts the same without them.
func TestScanDropsLaterRows(t *testing.T) {
	g := NewGroups(nil)
	for i := range 1000 {
		f := rowhash.Int(int64(i % 10))
		g.AddAt(f, rowhash.Int(int64(i%3)), true, checks.PosOf(0, int64(i)), 0)
	}
	var listed int64
	st, err := g.Scan(nil, func(Member) { listed++ })
	if err != nil {
		t.Fatal(err)
	}
	if st.ConflictingGroups != 10 || st.ConflictingRows != 1000 || listed != 1000 {
		t.Fatalf("conflicts %d/%d, %d listed; want 10/1000, 1000 listed", st.ConflictingGroups, st.ConflictingRows, listed)
	}
	for p, l := range g.later {
		if l != nil {
			t.Errorf("partition %d keeps %d later rows after the Scan", p, len(l))
		}
	}
	if again, err := g.Scan(nil, func(Member) { t.Error("a second Scan lists a row") }); err != nil || again != st {
		t.Errorf("second Scan: %+v, %v; want %+v", again, err, st)
	}
}
