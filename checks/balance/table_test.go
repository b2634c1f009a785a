package balance

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// The row table's slot is a 16-byte key and a 40-byte entry (feature and
// label fingerprints, copies and flags): the entry must not grow
// unnoticed, it is per distinct row.
func TestRowEntrySize(t *testing.T) {
	type slot struct {
		key rowhash.Fingerprint
		val rowEntry
	}
	if s := unsafe.Sizeof(slot{}); s != 56 {
		t.Errorf("row table slot is %d bytes, want 56", s)
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
		s.entries.Add(0, rowhash.String("row"+name), &rowEntry{label: same, n: labelledBit + oneCopy})
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

// The conflicts of a partition are the feature vectors with two labelled
// entries of different labels; unlabelled entries never conflict.
func TestConflicts(t *testing.T) {
	fp := func(s string) rowhash.Fingerprint { return rowhash.String(s) }
	rows := fptable.New[rowEntry](0)
	add := func(row, feat, label string, labelled bool) {
		e, _ := rows.Upsert(fp(row))
		*e = rowEntry{feat: fp(feat), label: fp(label), n: rowFlags(labelled, false) + oneCopy}
	}
	add("r1", "f1", "x", true)
	add("r2", "f1", "y", true) // f1 conflicts
	add("r3", "f2", "x", true)
	add("r4", "f2", "x", true)
	add("r5", "f2", "y", false) // unlabelled: f2 does not conflict
	add("r6", "f3", "x", true)
	add("r7", "f3", "y", true)
	add("r8", "f3", "z", true) // f3 conflicts, once
	groups := fptable.New[group](0)
	*must(groups.Upsert(fp("stale"))) = group{label: fp("from another partition"), conflicting: true}
	conflicting := fptable.New[struct{}](0)
	must(conflicting.Upsert(fp("stale")))
	if !conflicts(rows, groups, conflicting) {
		t.Error("conflicts found none")
	}
	got := map[rowhash.Fingerprint]bool{}
	groups.Each(func(k rowhash.Fingerprint, g *group) { got[k] = g.conflicting })
	want := map[rowhash.Fingerprint]bool{fp("f1"): true, fp("f2"): false, fp("f3"): true}
	if !maps.Equal(got, want) {
		t.Errorf("conflicts %v, want %v", got, want)
	}
	gotSet := map[rowhash.Fingerprint]bool{}
	conflicting.Each(func(k rowhash.Fingerprint, _ *struct{}) { gotSet[k] = true })
	if wantSet := map[rowhash.Fingerprint]bool{fp("f1"): true, fp("f3"): true}; !maps.Equal(gotSet, wantSet) {
		t.Errorf("conflicting feature vectors %v, want %v", gotSet, wantSet)
	}
	rows = fptable.New[rowEntry](0)
	add("r1", "f1", "x", true)
	add("r2", "f2", "y", true)
	if conflicts(rows, groups, conflicting) || conflicting.Len() != 0 {
		t.Errorf("conflicts found one where there is none (%d)", conflicting.Len())
	}
}

// must returns v, dropping Upsert's isNew.
func must[V any](v *V, _ bool) *V { return v }
