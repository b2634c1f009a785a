package labels

import (
	"testing"
	"unsafe"

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
