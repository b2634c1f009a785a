package checks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/checks/labels"
	"github.com/readiness/readiness/checks/rowhash"
)

const sample = "../fixtures/sample/train.parquet"

// TestMemoMatchesRowhash: what a memo returns is what rowhash computes
// directly, for every column and for several column sets, asked in any
// order and more than once — sets that continue one or more sets asked
// before ({0} then {0, 1}; the features, then features first and the rest,
// past a shorter prefix too) — and a nil memo and a memo for another batch
// compute into the caller's buffer.
func TestMemoMatchesRowhash(t *testing.T) {
	mem := checktest.Allocator(t)
	bs := checktest.ReadParquet(t, mem, sample, 333)
	var memo checks.Memo
	sets := [][]int{nil, {0}, {2, 3, 4, 5, 6, 7, 8}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {8, 2}, {2, 3, 4, 5, 6, 7, 8},
		{0, 1}, {2, 3, 4, 5, 6, 7, 8, 0}, checks.RowColumns([]int{2, 3, 4, 5, 6, 7, 8}, 11), {8, 2, 1}, {2, 3}}
	var buf, scratch []rowhash.Fingerprint
	for k, b := range bs {
		rec := b.Record
		n := int(rec.NumRows())
		m := memo.Reset(rec)
		for _, cols := range sets {
			want := make([]rowhash.Fingerprint, n)
			rowhash.Rows(rec, cols, want, nil)
			for _, mm := range []*checks.Memo{m, nil} {
				if got := mm.Rows(rec, cols, &buf, &scratch); !slices.Equal(got, want) {
					t.Fatalf("batch %d, cols %v, memo %v: Rows differs from rowhash.Rows", k, cols, mm != nil)
				}
			}
			if k > 0 { // a memo for another batch must not answer for this one
				if got := bs[k-1].Memo.Rows(rec, cols, &buf, &scratch); !slices.Equal(got, want) {
					t.Fatalf("batch %d: stale memo", k)
				}
				other := new(checks.Memo).Reset(bs[k-1].Record)
				if got := other.Rows(rec, cols, &buf, &scratch); !slices.Equal(got, want) {
					t.Fatalf("batch %d: memo of another batch answered", k)
				}
			}
		}
		// FeatureRows answers as Rows, for every split of the columns, on a
		// fresh memo and on none; the memo then holds the first part too.
		feat := []int{2, 3, 4, 5, 6, 7, 8}
		want := make([]rowhash.Fingerprint, n)
		rowhash.Rows(rec, feat, want, nil)
		for plain := range len(feat) + 1 {
			wantPlain := make([]rowhash.Fingerprint, n)
			rowhash.Rows(rec, feat[:plain], wantPlain, nil)
			for _, mm := range []*checks.Memo{new(checks.Memo).Reset(rec), nil} {
				if got := mm.FeatureRows(rec, feat, plain, &buf, &scratch); !slices.Equal(got, want) {
					t.Fatalf("batch %d, %d plain, memo %v: FeatureRows differs from rowhash.Rows", k, plain, mm != nil)
				}
				if got := mm.Rows(rec, feat[:plain], &buf, &scratch); !slices.Equal(got, wantPlain) {
					t.Fatalf("batch %d, %d plain, memo %v: the plain features' rows differ", k, plain, mm != nil)
				}
			}
		}
		for c := range int(rec.NumCols()) {
			want := make([]rowhash.Fingerprint, n)
			rowhash.Values(rec.Column(c), want)
			for _, mm := range []*checks.Memo{m, nil} {
				if got := mm.Values(rec, c, &buf); !slices.Equal(got, want) {
					t.Fatalf("batch %d, column %d: Values differs", k, c)
				}
			}
		}
	}
}

// RowColumns lists every column once, the features first in their order.
func TestRowColumns(t *testing.T) {
	for _, c := range []struct {
		feat []int
		n    int
		want []int
	}{
		{nil, 3, []int{0, 1, 2}},
		{[]int{1}, 3, []int{1, 0, 2}},
		{[]int{2, 4}, 5, []int{2, 4, 0, 1, 3}},
		{[]int{0, 1, 2}, 3, []int{0, 1, 2}},
		{nil, 0, []int{}},
	} {
		if got := checks.RowColumns(c.feat, c.n); !slices.Equal(got, c.want) {
			t.Errorf("RowColumns(%v, %d) = %v, want %v", c.feat, c.n, got, c.want)
		}
	}
}

// FeatureOrder puts the string columns (dictionaries of strings among
// them) after the others, each in the order given.
func TestFeatureOrder(t *testing.T) {
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String}, {Name: "i", Type: arrow.PrimitiveTypes.Int64},
		{Name: "d", Type: dict}, {Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l", Type: arrow.BinaryTypes.LargeString}, {Name: "b", Type: arrow.BinaryTypes.Binary},
	}, nil)
	for _, c := range []struct{ feat, want []int }{
		{[]int{0, 1, 2, 3, 4, 5}, []int{1, 3, 5, 0, 2, 4}},
		{[]int{4, 3, 0}, []int{3, 4, 0}},
		{[]int{0, 2}, []int{0, 2}},
		{nil, []int{}},
	} {
		if got := checks.FeatureOrder(schema, c.feat); !slices.Equal(got, c.want) {
			t.Errorf("FeatureOrder(%v) = %v, want %v", c.feat, got, c.want)
		}
	}
}

// TestChecksWithMemo: the duplicates, labels and balance checks give the
// same results and flagged rows whether they hash for themselves or share
// one memo per batch (in either order), over uneven batches.
func TestChecksWithMemo(t *testing.T) {
	mem := checktest.Allocator(t)
	bs := checktest.ReadParquet(t, mem, sample, 257)
	env := checks.Env{Schema: bs[0].Record.Schema(),
		Roles: checks.Roles{Label: "label", Time: "ts", ID: "id", Annotator: "annotator",
			Features: []string{"text", "category", "region", "amount", "age", "score", "flag"}},
		AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), StaleBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	all := []*checks.Check{&duplicates.Check, &labels.Check, &balance.Check}
	run := func(order []int, useMemo bool) []string {
		states := make([]checks.State, len(all))
		for i, c := range all {
			st, err := c.New(c.DefaultConfig(), env)
			if err != nil {
				t.Fatal(err)
			}
			states[i] = st
		}
		var memo checks.Memo
		for _, b := range bs {
			if useMemo {
				b.Memo = memo.Reset(b.Record)
			}
			for _, i := range order {
				if err := states[i].Observe(b); err != nil {
					t.Fatal(err)
				}
			}
		}
		out := make([]string, len(all))
		for i, st := range states {
			r, err := st.Result()
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(r)
			var rows []string
			if l, ok := st.(checks.RowLister); ok {
				streams, err := l.FlaggedRows(r)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range checks.Flagged(streams) {
					rows = append(rows, fmt.Sprint(f))
				}
			}
			slices.Sort(rows)
			out[i] = string(js) + fmt.Sprint(rows)
		}
		return out
	}
	want := run([]int{0, 1, 2}, false)
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 0, 2}} {
		got := run(order, true)
		for i := range all {
			if got[i] != want[i] {
				t.Errorf("%s with a memo (order %v) differs from without:\n%s\n%s", all[i].Name, order, got[i], want[i])
			}
		}
	}
}
