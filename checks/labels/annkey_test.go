package labels

import (
	"strings"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/rowtable"
)

// Two annotators whose fingerprints share the low half, the key their rows
// carry into the rows' table, cannot have their conflicting rows told apart:
// the clash is caught when the second is noted, in Observe or in Merge,
// and so is an annotator whose key would read as "none". Distinct keys
// are no clash.
func TestAnnotatorKeyClash(t *testing.T) {
	a := rowhash.Fingerprint{Hi: 1, Lo: 42}
	b := rowhash.Fingerprint{Hi: 2, Lo: 42}
	c := rowhash.Fingerprint{Hi: 1, Lo: 43}
	fresh := func() *state {
		return &state{cfg: &Config{MaxLabels: 10}, annotators: map[rowhash.Fingerprint]*annotator{}, annKeys: map[uint64]rowhash.Fingerprint{}}
	}
	s := fresh()
	s.noteKey(a)
	s.noteKey(c)
	s.noteKey(a)
	if s.annClash != nil {
		t.Fatalf("distinct keys: %v", s.annClash)
	}
	s.noteKey(b)
	if s.annClash == nil || !strings.Contains(s.annClash.Error(), "000000000000002a") {
		t.Errorf("keys shared: clash %v, want one naming key 2a", s.annClash)
	}
	// The key is the low half's low 61 bits (the rows' table keeps the
	// row's marks above them): a low half apart in the top 3 bits alone
	// is a clash too.
	h := fresh()
	h.noteKey(a)
	h.noteKey(rowhash.Fingerprint{Hi: 1, Lo: 42 | 1<<62})
	if h.annClash == nil {
		t.Error("low halves apart only in their top 3 bits: no clash")
	}
	z := fresh()
	z.noteKey(rowhash.Fingerprint{Hi: 5})
	if z.annClash == nil {
		t.Error("key 0, which means no annotator: no clash")
	}

	// Merge notes the other state's annotators new to this one.
	s1, s2 := fresh(), fresh()
	s1.annotators[a], s2.annotators[b] = &annotator{labelled: 1}, &annotator{labelled: 1}
	s1.noteKey(a)
	s2.noteKey(b)
	if err := s1.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if s1.annClash == nil {
		t.Error("merged states with a shared key: no clash")
	}
	s1.sum = &rowtable.Summary{AnnotatorConflicting: map[uint64]int64{}}
	if _, _, err := s1.annotatorMetrics(); err == nil {
		t.Error("annotator metrics with a clash: no error")
	}
}
