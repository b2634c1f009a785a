package balance_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
)

// tinyBudget is a memory budget of one byte, closed with the test: every
// partition of more than a few thousand entries spills.
func tinyBudget(t testing.TB) *fptable.Budget {
	b := fptable.NewBudget(1, t.TempDir())
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close budget: %v", err)
		}
	})
	return b
}

// budgets runs f without a memory budget and with a tiny one.
func budgets(t *testing.T, f func(t *testing.T, b *fptable.Budget)) {
	t.Run("unlimited", func(t *testing.T) { f(t, nil) })
	t.Run("tiny budget", func(t *testing.T) { f(t, tinyBudget(t)) })
}

// hotTable builds n rows whose feature vectors (text, n) are mostly three
// hot ones, so that the row entries crowd into a few partitions and spill
// under a tiny budget: one hot vector always has label "a" (usable,
// duplicated, stale rows), one has every class (conflicting), one has "b"
// or a null label. The rest have features from a few thousand vectors and
// random labels, so that some of those conflict too. A tenth of the rows
// copy an earlier row.
func hotTable(rng *rand.Rand, n int) []col {
	cols := []col{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: tsMicroUTC},
		{Name: "note", Type: arrow.PrimitiveTypes.Int64},
	}
	classes := []string{"a", "b", "c", "d"}
	ts := func() any {
		if rng.IntN(20) == 0 {
			return nil
		}
		return staleBefore.Add(time.Duration(rng.IntN(400)-100) * 24 * time.Hour)
	}
	rows := make([][]any, 0, n)
	for len(rows) < n {
		note := int64(rng.IntN(1 << 30))
		switch r := rng.IntN(100); {
		case r < 10 && len(rows) > 0:
			rows = append(rows, slices.Clone(rows[rng.IntN(len(rows))]))
		case r < 50:
			rows = append(rows, []any{"hot", int64(0), "a", ts(), note})
		case r < 65:
			rows = append(rows, []any{"hot", int64(1), classes[rng.IntN(len(classes))], ts(), note})
		case r < 75:
			var label any = "b"
			if rng.IntN(3) == 0 {
				label = nil
			}
			rows = append(rows, []any{"hot", int64(2), label, ts(), note})
		default:
			var label any = classes[rng.IntN(len(classes))]
			if rng.IntN(10) == 0 {
				label = nil
			}
			rows = append(rows, []any{strconv.Itoa(rng.IntN(4)), int64(rng.IntN(1000)), label, ts(), note})
		}
	}
	for i := range cols {
		for _, r := range rows {
			cols[i].Vals = append(cols[i].Vals, r[i])
		}
	}
	return cols
}

// A tiny memory budget spills the row entries to disk and reads them back:
// the result must be the very one computed in memory, and agree with the
// oracle, in one pass and split and merged. With feature columns the
// entries are partitioned by feature vector, so the hot vectors' rows
// crowd into a few partitions; without, they spread by full row.
func TestTinyBudgetSpills(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(11, 13))
	cols := hotTable(rng, 30000)
	bs := checktest.Table(t, mem, cols, 3000, 10000, 10001, 21000)
	defer checktest.Release(bs)
	for _, c := range []struct {
		name     string
		features []string
		idx      []int
	}{{"features", []string{"text", "n"}, []int{0, 1}}, {"no features", nil, nil}} {
		t.Run(c.name, func(t *testing.T) {
			env := checks.Env{Schema: checktest.Schema(cols), StaleBefore: staleBefore,
				Roles: checks.Roles{Label: "label", Time: "ts", Features: c.features}}
			o := oracle(rowsOf(cols), 2, 3, c.idx, staleBefore)
			if (c.idx != nil && o.excluded.Conflicting == 0) || o.excluded.Stale == 0 || o.excluded.Duplicate == 0 || o.excluded.MissingLabel == 0 {
				t.Fatalf("the table lacks a defect: %+v", o.excluded)
			}
			want := checktest.Result(t, &balance.Check, defaultCfg(), env, bs)
			compare(t, metricsOf(t, want), o)
			wantJSON := checktest.JSON(t, want)

			tiny := tinyBudget(t)
			env.Memory = tiny
			st := checktest.New(t, &balance.Check, defaultCfg(), env)
			for _, b := range bs {
				if err := st.Observe(b); err != nil {
					t.Fatal(err)
				}
			}
			peak, spilled, runs := tiny.Stats()
			t.Logf("tiny budget: peak %d bytes, %d bytes spilled in %d runs", peak, spilled, runs)
			// Without features, whether a partition of ~500 rows spills is
			// fptable's choice; with them, the hot partitions are big.
			if c.idx != nil && (spilled == 0 || runs == 0) {
				t.Fatalf("nothing spilled under a 1-byte budget (%d bytes, %d runs)", spilled, runs)
			}
			// Twice: reading the spilled partitions back must not change them.
			for i := range 2 {
				got, err := st.Result()
				if err != nil {
					t.Fatal(err)
				}
				if gotJSON := checktest.JSON(t, got); !bytes.Equal(gotJSON, wantJSON) {
					t.Fatalf("result %d with a tiny budget differs from the unlimited one\nunlimited: %s\ntiny:      %s", i, wantJSON, gotJSON)
				}
			}

			r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{Trials: 4, MaxStates: 3})
			if gotJSON := checktest.JSON(t, r); !bytes.Equal(gotJSON, wantJSON) {
				t.Fatalf("split and merged with a tiny budget, the result differs from the unlimited one\nunlimited: %s\ntiny:      %s", wantJSON, gotJSON)
			}
			if _, _, after := tiny.Stats(); c.idx != nil && after == runs {
				t.Error("split and merged, nothing spilled")
			}
		})
	}
}

// An error writing a spill file is the check's error, not a panic: Observe
// reports it, and so do Merge and Result.
func TestSpillError(t *testing.T) {
	mem := checktest.Allocator(t)
	n := 8000
	cols := []col{{Name: "label", Type: arrow.BinaryTypes.String}, {Name: "f", Type: arrow.BinaryTypes.String}, {Name: "note", Type: arrow.PrimitiveTypes.Int64}}
	for i := range n {
		cols[0].Vals = append(cols[0].Vals, []string{"a", "b"}[i%2])
		cols[1].Vals = append(cols[1].Vals, "same") // one partition
		cols[2].Vals = append(cols[2].Vals, int64(i))
	}
	bs := checktest.Table(t, mem, cols)
	defer checktest.Release(bs)
	// The spill directory cannot be made: its parent is a file.
	parent := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(parent, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b := fptable.NewBudget(1, parent)
	defer b.Close()
	env := checks.Env{Schema: checktest.Schema(cols), Memory: b, Roles: checks.Roles{Label: "label", Features: []string{"f"}}}
	st := checktest.New(t, &balance.Check, defaultCfg(), env)
	err := st.Observe(bs[0])
	if err == nil || !strings.Contains(err.Error(), "spill") {
		t.Fatalf("Observe: error %v, want a spill error", err)
	}
	if _, err := st.Result(); err == nil {
		t.Error("Result: no error after a failed spill")
	}
	into := checktest.New(t, &balance.Check, defaultCfg(), env)
	if err := into.Merge(st); err == nil {
		t.Error("Merge: no error merging a state whose spill failed")
	}
}
