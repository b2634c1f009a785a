package balance

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
)

// The row table's slot is a 16-byte key and a 32-byte entry: the entry
// must not grow unnoticed, it is per distinct row.
func TestRowEntrySize(t *testing.T) {
	type slot struct {
		key rowhash.Fingerprint
		val rowEntry
	}
	if s := unsafe.Sizeof(slot{}); s != 48 {
		t.Errorf("row table slot is %d bytes, want 48", s)
	}
}

func TestRowEntryFlags(t *testing.T) {
	for _, labelled := range []bool{false, true} {
		for _, stale := range []bool{false, true} {
			e := rowEntry{n: rowFlags(labelled, stale) + 3*oneCopy}
			o := rowEntry{n: rowFlags(labelled, stale) + 5*oneCopy}
			combineRows(rowhash.Fingerprint{}, &e, &o, false)
			if e.labelled() != labelled || e.stale() != stale || e.copies() != 8 {
				t.Errorf("labelled %v stale %v: got %v %v %d copies", labelled, stale, e.labelled(), e.stale(), e.copies())
			}
		}
	}
}

// Two class names with the same key cannot be told apart in the row
// entries: Result says so rather than count one class's rows as the
// other's.
func TestClassKeyCollision(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	st, err := newState(defaultConfig(), checks.Env{Schema: schema, Roles: checks.Roles{Label: "label"}})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*state)
	for _, name := range []string{"a", "b"} {
		s.classOf(name)
	}
	s.keys[1] = s.keys[0]
	s.rows, s.labelled = 1, 1
	e, _ := s.entries.Upsert(0, rowhash.String("row"))
	e.class, e.n = s.keys[0], labelledBit+oneCopy
	if _, err := s.Result(); err == nil || !strings.Contains(err.Error(), "same 64-bit key") {
		t.Errorf("Result: error %v, want a class key collision", err)
	}
}
