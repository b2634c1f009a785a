package duplicates

import (
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

// The fingerprint of a normalised value is that of labels.Normalize, on the
// ASCII path and off it (labels tests the two paths against each other).
func TestNormalizedFingerprint(t *testing.T) {
	// The fingerprint does not depend on the path taken.
	s := &state{}
	if s.normalizedFP("Hello, World") != rowhash.String(labels.Normalize("Hello, World")) ||
		s.normalizedFP("Héllo, World") != rowhash.String(labels.Normalize("Héllo, World")) {
		t.Error("normalizedFP differs from the fingerprint of labels.Normalize")
	}
}
