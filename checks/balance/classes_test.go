package balance

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
)

// Two classes whose labels share a fingerprint cannot be told apart in the
// row entries: Result says so rather than count one class's rows as the
// other's, also when the two met in different states.
func TestLabelFingerprintClash(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	env := checks.Env{Schema: schema, Roles: checks.Roles{Label: "label"}}
	states := make([]*state, 2)
	for i := range states {
		st, err := newState(defaultConfig(), env)
		if err != nil {
			t.Fatal(err)
		}
		states[i] = st.(*state)
	}
	same := rowhash.String("a")
	for i, name := range []string{"a", "b"} {
		s := states[i]
		s.noteLabel(same, s.classOf(name))
		s.rows, s.labelled = 1, 1
		if s.clash != nil {
			t.Fatalf("state %d: clash %v with a single class", i, s.clash)
		}
	}
	if err := states[0].Merge(states[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := states[0].Result(); err == nil || !strings.Contains(err.Error(), "same 128-bit fingerprint") {
		t.Errorf("Result: error %v, want a label fingerprint clash", err)
	}
}

// The class cache is indexed by the label's fingerprint, but a class is its
// text: two texts with one fingerprint are two classes, in either order and
// again after the cache has met both.
func TestCachedClassOfText(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	st, err := newState(defaultConfig(), checks.Env{Schema: schema, Roles: checks.Roles{Label: "label"}})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*state)
	same := rowhash.String("a")
	var got []int32
	for _, text := range []string{"a", "b", "a", "", "b", ""} {
		got = append(got, s.cachedClassOf(same, text))
	}
	if want := []int32{0, 1, 0, 2, 1, 2}; !slices.Equal(got, want) || !slices.Equal(s.names, []string{"a", "b", ""}) {
		t.Errorf("classes %v, names %q; want %v and a, b, \"\"", got, s.names, want)
	}
}
