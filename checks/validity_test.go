package checks

import "testing"

// TestStrSlot: slots are in range, and equal strings share one.
func TestStrSlot(t *testing.T) {
	for _, v := range []string{"", "a", "ab", "abc", "ann01", "ann11", "north", "south", "a longer text with spaces"} {
		for _, bits := range []uint{1, 8, 10} {
			s := StrSlot(v, bits)
			if s < 0 || s >= 1<<bits || s != StrSlot(string([]byte(v)), bits) {
				t.Errorf("StrSlot(%q, %d) = %d", v, bits, s)
			}
		}
	}
}
