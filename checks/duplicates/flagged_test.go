package duplicates_test

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/fixtures"
)

// cellKey writes one optional Go value as text; -0 is 0 and every NaN is
// one value, as the check compares them.
func cellKey[T any](v *T) string {
	if v == nil {
		return "∅"
	}
	switch x := any(*v).(type) {
	case float64:
		if x == 0 {
			x = 0
		}
		if math.IsNaN(x) {
			return "NaN"
		}
		return fmt.Sprintf("%v", x)
	}
	return fmt.Sprintf("%v", *v)
}

// TestFlaggedRowsAgainstOracle lists the rows behind DUP001/DUP002 (exact
// repeats), DUP003 (reused ids) and DUP004 (leaked rows) and compares them
// with naive string keys over the generated Go values.
func TestFlaggedRowsAgainstOracle(t *testing.T) {
	t.Run("unlimited", func(t *testing.T) { testFlaggedRows(t, nil) })
	t.Run("spilling", func(t *testing.T) {
		b := fptable.NewBudget(1, t.TempDir())
		defer b.Close()
		testFlaggedRows(t, b)
		if _, _, runs := b.Stats(); runs == 0 {
			t.Error("a 1-byte budget spilled nothing")
		}
	})
}

func testFlaggedRows(t *testing.T, budget *fptable.Budget) {
	d := fixtures.DefaultDefects()
	d.ExactDuplicateRate, d.ConflictRate, d.DuplicateIDRate, d.NullIDRate = 0.25, 0.2, 0.1, 0.05
	cfg, err := fixtures.Config{Rows: 3000, Seed: 17, NaN: true, Defects: d, TestFraction: 0.4}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fixtures.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	splits := make([]string, len(rows))
	for i := range rows {
		splits[i] = fixtures.SplitOf(cfg.Seed, int64(i), cfg.TestFraction)
	}

	// The oracle: first occurrences by key, in row order.
	tr := fixtures.NewTruthBuilder(cfg).Truth()
	features := fixtureRoles(tr).Features
	want := map[string][]int64{}
	groupOf := map[string]map[int64]string{"exact": {}, "id": {}, "leak": {}}
	seenRow, seenID, trainFeat := map[string]bool{}, map[string]bool{}, map[string]bool{}
	featKey := func(r fixtures.Row) string {
		var b strings.Builder
		for _, f := range features {
			switch f {
			case "text":
				b.WriteString(cellKey(r.Text))
			case "category":
				b.WriteString(cellKey(r.Category))
			case "region":
				b.WriteString(cellKey(r.Region))
			case "amount":
				b.WriteString(cellKey(r.Amount))
			case "age":
				b.WriteString(cellKey(r.Age))
			case "score":
				b.WriteString(cellKey(r.Score))
			case "flag":
				b.WriteString(cellKey(r.Flag))
			default:
				t.Fatalf("feature %q unknown to the oracle", f)
			}
			b.WriteString("|")
		}
		return b.String()
	}
	for i, r := range rows {
		if splits[i] == "train" {
			trainFeat[featKey(r)] = true
		}
	}
	for i, r := range rows {
		row := strings.Join([]string{cellKey(r.ID), cellKey(r.TS), featKey(r), cellKey(r.Label), cellKey(r.Annotator), splits[i]}, "|")
		if seenRow[row] {
			want["exact"] = append(want["exact"], int64(i))
			groupOf["exact"][int64(i)] = row
		}
		seenRow[row] = true
		if r.ID != nil {
			id := cellKey(r.ID)
			if seenID[id] {
				want["id"] = append(want["id"], int64(i))
				groupOf["id"][int64(i)] = id
			}
			seenID[id] = true
		}
		if splits[i] != "train" && trainFeat[featKey(r)] {
			want["leak"] = append(want["leak"], int64(i))
			groupOf["leak"][int64(i)] = featKey(r)
		}
	}
	for k, v := range want {
		if len(v) < 50 {
			t.Fatalf("the generated table has only %d %s rows; raise the rates", len(v), k)
		}
	}

	mem := checktest.Allocator(t)
	recs := fixtureRecords(t, mem, rows, splits, true, 256)
	defer releaseRecs(recs)
	roles := fixtureRoles(tr)
	roles.Split = "split"
	env := checks.Env{Schema: recs[0].Schema(), Roles: roles, Memory: budget}
	bs := checktest.Batches(0, recs...)
	// SplitMerge checks the flagged rows do not depend on splits and merge
	// order; the one-pass state's rows are compared with the oracle here.
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), env, bs, checktest.Options{Trials: 5})
	_, st := checktest.OnePass(t, &duplicates.Check, defaults(), env, bs)
	got := map[string][]int64{}
	groups := map[string]map[uint64]string{"exact": {}, "id": {}, "leak": {}}
	kind := map[string]string{"DUP001": "exact", "DUP002": "exact", "DUP003": "id", "DUP004": "leak"}
	for _, f := range checktest.Flagged(st) {
		k, ok := kind[f.Code]
		if !ok {
			t.Fatalf("flagged row with code %s", f.Code)
		}
		if checktest.Finding(r, f.Code) == nil {
			t.Errorf("row flagged %s, a code the result does not report", f.Code)
		}
		got[k] = append(got[k], f.Row)
		// Rows of one oracle group share one group id, and no two
		// oracle groups share one.
		key := groupOf[k][f.Row]
		if prev, ok := groups[k][f.Group]; ok && prev != key {
			t.Errorf("%s: group %d holds two different keys", k, f.Group)
		}
		groups[k][f.Group] = key
	}
	for _, k := range []string{"exact", "id", "leak"} {
		slices.Sort(got[k])
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%s: %d rows flagged, oracle %d; first got %v, want %v", k, len(got[k]), len(want[k]), got[k][:min(10, len(got[k]))], want[k][:min(10, len(want[k]))])
		}
	}
}

// TestReleaseGivesBackTheBudget: once a state's result is read and its
// rows listed, Release gives every byte it held in the budget back — with
// a label column (the shared row table) and without, spilling and not —
// and may be called again.
func TestReleaseGivesBackTheBudget(t *testing.T) {
	tr := readTruth(t, "sample")
	for _, limit := range []int64{1, 0} {
		for _, label := range []bool{true, false} {
			t.Run(fmt.Sprintf("limit %d label %v", limit, label), func(t *testing.T) {
				mem := checktest.Allocator(t)
				bs := checktest.ReadParquet(t, mem, filepath.Join(fixturesDir, "sample", "train.parquet"), 97)
				roles := fixtureRoles(tr)
				if !label {
					roles.Label = ""
				}
				b := fptable.NewBudget(limit, t.TempDir())
				defer b.Close()
				env := checks.Env{Schema: bs[0].Record.Schema(), Roles: roles, Memory: b}
				_, st := checktest.OnePass(t, &duplicates.Check, defaults(), env, bs)
				if len(checktest.Flagged(st)) == 0 {
					t.Fatal("no row flagged: the sample has exact duplicates and reused ids")
				}
				if b.Used() == 0 {
					t.Fatal("the budget holds nothing before Release: nothing to test")
				}
				st.(checks.Releaser).Release()
				if n := b.Used(); n != 0 {
					t.Fatalf("after Release the budget holds %d bytes, want 0", n)
				}
				st.(checks.Releaser).Release()
			})
		}
	}
}
