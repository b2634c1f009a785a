package labels_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
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
	g.AddAt(fp(r.features), fp(r.label), r.label >= 0, 0, 0)
}

// budgets are the budgets every test runs on: none, and a tiny one that
// spills every partition from a few thousand groups.
var budgets = []struct {
	name string
	make func(t *testing.T) *fptable.Budget
}{
	{"nil budget", func(*testing.T) *fptable.Budget { return nil }},
	{"tiny budget", func(t *testing.T) *fptable.Budget {
		b := fptable.NewBudget(1, t.TempDir())
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
		})
		return b
	}},
}

func stats(t *testing.T, g *labels.Groups) labels.Stats {
	t.Helper()
	st, err := g.Scan(nil, nil)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return st
}

func merge(t *testing.T, g, o *labels.Groups) {
	t.Helper()
	if err := g.Merge(o); err != nil {
		t.Fatalf("Merge: %v", err)
	}
}

// conflicting reports Conflicting for every feature vector in fs, from a
// Scan, the counts that Scan returns, and the rows it lists.
func conflicting(t *testing.T, g *labels.Groups, fs []int) (map[int]bool, labels.Stats, []labels.Member) {
	t.Helper()
	got := map[int]bool{}
	var members []labels.Member
	st, err := g.Scan(func(p int, part labels.Part) error {
		for _, f := range fs {
			if fptable.Part(fp(f)) == p {
				got[f] = part.Conflicting(fp(f))
			}
		}
		return nil
	}, func(m labels.Member) { members = append(members, m) })
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return got, st, members
}

// TestGroupsOrderIndependent: adding rows in any order, to any number of
// tables merged in any order, gives the oracle's answer.
func TestGroupsOrderIndependent(t *testing.T) {
	for _, bud := range budgets {
		t.Run(bud.name, func(t *testing.T) {
			b := bud.make(t)
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
						tables[i] = labels.NewGroups(b)
					}
					for _, i := range perm {
						add(tables[rng.IntN(len(tables))], rows[i])
					}
					for len(tables) > 1 {
						i, j := rng.IntN(len(tables)), rng.IntN(len(tables)-1)
						if j >= i {
							j++
						}
						merge(t, tables[i], tables[j])
						tables = append(tables[:j], tables[j+1:]...)
					}
					g := tables[0]
					st := stats(t, g)
					if st.ConflictingGroups != wantGroups || st.ConflictingRows != wantRows || st.Groups != int64(wantLen) {
						t.Fatalf("seed %d trial %d: conflicts %d/%d len %d, oracle %d/%d len %d",
							seed, trial, st.ConflictingGroups, st.ConflictingRows, st.Groups, wantGroups, wantRows, wantLen)
					}
					fs := make([]int, nf)
					for f := range fs {
						fs[f] = f
					}
					got, _, _ := conflicting(t, g, fs)
					for _, f := range fs {
						if got[f] != wantConflicting[f] {
							t.Fatalf("seed %d trial %d: Conflicting(%d) = %v, oracle %v", seed, trial, f, got[f], wantConflicting[f])
						}
					}
				}
			}
		})
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
	for _, bud := range budgets {
		t.Run(bud.name, func(t *testing.T) {
			b := bud.make(t)
			for _, tc := range cases {
				for _, reverse := range []bool{false, true} {
					t.Run(fmt.Sprint(tc.name, " reverse ", reverse), func(t *testing.T) {
						g := labels.NewGroups(b)
						for k := range tc.parts {
							if reverse {
								k = len(tc.parts) - 1 - k
							}
							part := labels.NewGroups(b)
							for _, r := range tc.parts[k] {
								add(part, r)
							}
							merge(t, g, part)
						}
						if st := stats(t, g); st.ConflictingGroups != tc.groups || st.ConflictingRows != tc.rows {
							t.Errorf("conflicts %d/%d, want %d/%d", st.ConflictingGroups, st.ConflictingRows, tc.groups, tc.rows)
						}
					})
				}
			}
			// Merging an empty table changes nothing, either way round. (A
			// table merged into another is spent: each way needs its own.)
			conflict := func() *labels.Groups {
				g := labels.NewGroups(b)
				add(g, row{1, 0})
				add(g, row{1, 1})
				return g
			}
			g := conflict()
			merge(t, g, labels.NewGroups(b))
			e := labels.NewGroups(b)
			merge(t, e, conflict())
			for _, x := range []*labels.Groups{g, e} {
				if st := stats(t, x); st.ConflictingGroups != 1 || st.ConflictingRows != 2 || st.Groups != 1 {
					t.Errorf("after merging an empty table: %d/%d len %d", st.ConflictingGroups, st.ConflictingRows, st.Groups)
				}
			}
		})
	}
}

// TestGroupsSpilled: enough groups, most of them in two partitions, that a
// tiny budget spills while rows are added and while shards are merged; the
// counts, Conflicting and the rows the first Scan lists (each with its
// position and annotator) match the oracle, later Scans give the same
// counts and list no rows, and a scanned table refuses a merge.
func TestGroupsSpilled(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 5))
	var features []int
	for i := 0; len(features) < 30_000; i++ {
		if p := fptable.Part(fp(i)); p == 0 || p == 9 || rng.IntN(40) == 0 {
			features = append(features, i)
		}
	}
	rows := make([]row, 120_000)
	for i := range rows {
		f := features[rng.IntN(len(features))]
		label := f % 3
		switch rng.IntN(20) {
		case 0:
			label = rng.IntN(3)
		case 1:
			label = -1
		}
		rows[i] = row{f, label}
	}
	wantGroups, wantRows, wantLen, wantConflicting := oracleConflicts(rows)
	pos := func(i int) checks.Pos { return checks.PosOf(i%3, int64(i)) }
	// Each row carries an annotator key, 0 (none) for one row in seven,
	// which each member must give back with its position.
	ann := func(i int) uint64 { return uint64(i*2654435761) % 7 * 0x9E3779B97F4A7C15 }
	var wantMembers []labels.Member
	for i, r := range rows {
		if wantConflicting[r.features] {
			wantMembers = append(wantMembers, labels.Member{Features: fp(r.features), Pos: pos(i), Annotator: ann(i)})
		}
	}
	sortMembers(wantMembers)

	for _, bud := range budgets {
		t.Run(bud.name, func(t *testing.T) {
			b := bud.make(t)
			shards := make([]*labels.Groups, 4)
			for i := range shards {
				shards[i] = labels.NewGroups(b)
			}
			for i, r := range rows {
				shards[i*len(shards)/len(rows)].AddAt(fp(r.features), fp(r.label), r.label >= 0, pos(i), ann(i))
			}
			for len(shards) > 1 {
				j := rng.IntN(len(shards) - 1)
				merge(t, shards[j], shards[j+1])
				shards = slices.Delete(shards, j+1, j+2)
			}
			g := shards[0]
			if _, spilled, _ := b.Stats(); (b != nil) != (spilled > 0) {
				t.Fatalf("budget %v: %d bytes spilled", b != nil, spilled)
			}
			for again := range 3 {
				// The first Scan lists the conflicting rows; later ones
				// give the same counts and Conflicting, and list none (the
				// later rows were dropped as each partition was scanned).
				got, st, members := conflicting(t, g, features)
				sortMembers(members)
				if again > 0 && len(members) > 0 {
					t.Fatalf("read %d: Scan lists %d rows again", again, len(members))
				}
				if again == 0 && !slices.Equal(members, wantMembers) {
					t.Fatalf("Scan lists %d rows, oracle %d (or the same number, different rows)", len(members), len(wantMembers))
				}
				if st.ConflictingGroups != wantGroups || st.ConflictingRows != wantRows || st.Groups != int64(wantLen) {
					t.Fatalf("read %d: conflicts %d/%d len %d, oracle %d/%d len %d",
						again, st.ConflictingGroups, st.ConflictingRows, st.Groups, wantGroups, wantRows, wantLen)
				}
				for _, f := range features {
					if got[f] != wantConflicting[f] {
						t.Fatalf("read %d: Conflicting(%d) = %v, oracle %v", again, f, got[f], wantConflicting[f])
					}
				}
			}
			if err := g.Merge(labels.NewGroups(nil)); err == nil {
				t.Error("Merge after a Scan: no error")
			}
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func sortMembers(ms []labels.Member) {
	slices.SortFunc(ms, func(a, b labels.Member) int {
		return cmp.Or(cmp.Compare(a.Pos.Row(), b.Pos.Row()), cmp.Compare(a.Pos.Input(), b.Pos.Input()),
			cmp.Compare(a.Features.Hi, b.Features.Hi), cmp.Compare(a.Features.Lo, b.Features.Lo))
	})
}
