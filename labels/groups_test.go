package labels_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

type row struct {
	features int
	label    int // -1: null
}

// oracleConflicts counts, with plain maps of label sets, the feature
// vectors seen with two or more distinct non-null labels and their rows.
func oracleConflicts(rows []row) (groups, groupRows int64, distinct int, conflicting map[int]bool) {
	sets := map[int]map[int]bool{}
	count := map[int]int64{}
	for _, r := range rows {
		if sets[r.features] == nil {
			sets[r.features] = map[int]bool{}
		}
		count[r.features]++
		if r.label >= 0 {
			sets[r.features][r.label] = true
		}
	}
	conflicting = map[int]bool{}
	for f, s := range sets {
		if len(s) >= 2 {
			groups++
			groupRows += count[f]
			conflicting[f] = true
		}
	}
	return groups, groupRows, len(sets), conflicting
}

func fp(i int) rowhash.Fingerprint { return rowhash.Int(int64(i)) }

func add(g *labels.Groups, r row) {
	g.Add(fp(r.features), fp(r.label), r.label >= 0)
}

// TestGroupsOrderIndependent: adding rows in any order, to any number of
// tables merged in any order, gives the oracle's answer.
func TestGroupsOrderIndependent(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		n := rng.IntN(400)
		nf, nl := 1+rng.IntN(60), 1+rng.IntN(4)
		rows := make([]row, n)
		for i := range rows {
			rows[i] = row{features: rng.IntN(nf), label: rng.IntN(nl+1) - 1}
		}
		wantGroups, wantRows, wantLen, wantConflicting := oracleConflicts(rows)
		for trial := range 10 {
			perm := rng.Perm(n)
			tables := make([]*labels.Groups, 1+rng.IntN(5))
			for i := range tables {
				tables[i] = labels.NewGroups()
			}
			for _, i := range perm {
				add(tables[rng.IntN(len(tables))], rows[i])
			}
			for len(tables) > 1 {
				i, j := rng.IntN(len(tables)), rng.IntN(len(tables)-1)
				if j >= i {
					j++
				}
				tables[i].Merge(tables[j])
				tables = append(tables[:j], tables[j+1:]...)
			}
			g := tables[0]
			groups, groupRows := g.Conflicts()
			if groups != wantGroups || groupRows != wantRows || g.Len() != wantLen {
				t.Fatalf("seed %d trial %d: conflicts %d/%d len %d, oracle %d/%d len %d",
					seed, trial, groups, groupRows, g.Len(), wantGroups, wantRows, wantLen)
			}
			for f := range nf {
				if g.Conflicting(fp(f)) != wantConflicting[f] {
					t.Fatalf("seed %d trial %d: Conflicting(%d) = %v, oracle %v", seed, trial, f, g.Conflicting(fp(f)), wantConflicting[f])
				}
			}
		}
	}
}

// TestGroupsCases: the cases a merge can get wrong.
func TestGroupsCases(t *testing.T) {
	cases := []struct {
		name         string
		parts        [][]row
		groups, rows int64
	}{
		{"one label twice", [][]row{{{1, 0}}, {{1, 0}}}, 0, 0},
		{"labels split across tables", [][]row{{{1, 0}}, {{1, 1}}}, 1, 2},
		{"null labels only", [][]row{{{1, -1}, {1, -1}}}, 0, 0},
		{"null then two labels", [][]row{{{1, -1}}, {{1, 0}}, {{1, 1}}}, 1, 3},
		{"conflict merged into unlabelled", [][]row{{{1, -1}, {1, -1}}, {{1, 0}, {1, 1}}}, 1, 4},
		{"unlabelled merged into conflict", [][]row{{{1, 0}, {1, 1}}, {{1, -1}}}, 1, 3},
		{"three labels", [][]row{{{1, 0}, {1, 1}, {1, 2}}}, 1, 3},
		{"two groups", [][]row{{{1, 0}, {2, 0}}, {{1, 1}, {2, 0}, {3, 5}}}, 1, 2},
		{"empty", nil, 0, 0},
	}
	for _, tc := range cases {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprint(tc.name, " reverse ", reverse), func(t *testing.T) {
				g := labels.NewGroups()
				for k := range tc.parts {
					if reverse {
						k = len(tc.parts) - 1 - k
					}
					part := labels.NewGroups()
					for _, r := range tc.parts[k] {
						add(part, r)
					}
					g.Merge(part)
				}
				if groups, rows := g.Conflicts(); groups != tc.groups || rows != tc.rows {
					t.Errorf("conflicts %d/%d, want %d/%d", groups, rows, tc.groups, tc.rows)
				}
			})
		}
	}
	// Merging an empty table changes nothing, either way round.
	g := labels.NewGroups()
	add(g, row{1, 0})
	add(g, row{1, 1})
	g.Merge(labels.NewGroups())
	e := labels.NewGroups()
	e.Merge(g)
	for _, x := range []*labels.Groups{g, e} {
		if groups, rows := x.Conflicts(); groups != 1 || rows != 2 || x.Len() != 1 {
			t.Errorf("after merging an empty table: %d/%d len %d", groups, rows, x.Len())
		}
	}
}
