package rowtable_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/rowtable"
)

// A test row, as plain values: nil is null.
type row struct {
	f     any // int64 feature
	g     any // string feature
	label any // string or float64
	ann   any // string
	when  any // string time: old, new, not a time, or null
}

var staleBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	oldTime = "2020-05-01T00:00:00Z" // before staleBefore: stale
	newTime = "2026-06-01T00:00:00Z"
	noTime  = "not a time" // not parsed: not stale, counted unparsed
	// At staleBefore a row is not stale; a microsecond before it is.
	atEdge     = "2026-01-01T00:00:00Z"
	justBefore = "2025-12-31T23:59:59.999999Z"
)

func stale(when any) bool { return when == oldTime || when == justBefore }

// genRows makes n rows: feature vectors from a small pool (so groups have
// several rows, some with different labels), a label mostly fixed by the
// vector, now and then another or none, exact copies of earlier rows, and
// times of every kind.
func genRows(rng *rand.Rand, n int) []row {
	return genLabelled(rng, n, []any{"cat", "dog", "bird"})
}

// genLabelled is genRows with labels from the pool given, all strings or
// all float64s.
func genLabelled(rng *rand.Rand, n int, labels []any) []row {
	anns := []any{"ann", "bob", "cy", nil}
	times := []any{oldTime, newTime, newTime, noTime, nil, atEdge, justBefore}
	rows := make([]row, 0, n)
	for len(rows) < n {
		if len(rows) > 0 && rng.IntN(6) == 0 {
			rows = append(rows, rows[rng.IntN(len(rows))]) // an exact copy
			continue
		}
		v := rng.IntN(n / 4)
		r := row{f: int64(v % 97), g: fmt.Sprintf("g%d", v), ann: anns[rng.IntN(len(anns))], when: times[rng.IntN(len(times))]}
		if v%11 == 0 {
			r.f = nil
		}
		switch k := rng.IntN(20); {
		case k == 0:
			r.label = nil
		case k < 3:
			r.label = labels[rng.IntN(len(labels))]
		default:
			r.label = labels[v%len(labels)]
		}
		rows = append(rows, r)
	}
	return rows
}

// oracle is what a table's summary must say of rows, counted with maps of
// plain values; group maps each conflicting group's feature vector to the
// rows (positions in rows) it has, and copies each repeated full row to
// its copies but the first.
type oracle struct {
	sum    rowtable.Summary
	group  map[string][]int
	copies map[string][]int
}

func featKey(r row) string { return fmt.Sprintf("%v|%v", r.f, r.g) }
func fullKey(r row) string {
	return fmt.Sprintf("%v|%v|%v|%v|%v", r.f, r.g, labelValue(r.label), r.ann, r.when)
}

// labelValue is a label as rowhash tells labels apart: every NaN is one
// value, and -0 is 0.
func labelValue(v any) any {
	if f, ok := v.(float64); ok {
		switch {
		case f != f:
			return "NaN"
		case f == 0:
			return 0.0
		}
	}
	return v
}

// labelFP is a label's fingerprint, for the usable rows by label.
func labelFP(v any) rowhash.Fingerprint {
	if f, ok := v.(float64); ok {
		return rowhash.Float(f)
	}
	return rowhash.String(v.(string))
}

func newOracle(rows []row) oracle {
	o := oracle{group: map[string][]int{}, copies: map[string][]int{}}
	labelSets := map[string]map[any]bool{}
	vectorRows := map[string]int{}
	for _, r := range rows {
		k := featKey(r)
		if vectorRows[k]++; vectorRows[k] == 2 {
			o.sum.RepeatedVectors++
		}
		if labelSets[k] == nil {
			labelSets[k] = map[any]bool{}
		}
		if r.label != nil {
			labelSets[k][labelValue(r.label)] = true
		}
	}
	s := &o.sum
	s.FeatureVectors = int64(len(labelSets))
	s.AnnotatorConflicting = map[uint64]int64{}
	s.UsableByLabel = map[rowhash.Fingerprint]int64{}
	for _, set := range labelSets {
		if len(set) >= 2 {
			s.ConflictingGroups++
		}
	}
	seen := map[string]bool{}
	for i, r := range rows {
		conflicting := len(labelSets[featKey(r)]) >= 2
		if conflicting {
			s.ConflictingRows++
			o.group[featKey(r)] = append(o.group[featKey(r)], i)
			if r.label != nil && r.ann != nil {
				s.AnnotatorConflicting[rowtable.AnnotatorKey(rowhash.String(r.ann.(string)))]++
			}
		}
		if r.when == noTime {
			s.Unparsed++
		}
		first := !seen[fullKey(r)]
		seen[fullKey(r)] = true
		if first {
			s.Distinct++
		} else {
			if len(o.copies[fullKey(r)]) == 0 {
				s.Repeated++
			}
			o.copies[fullKey(r)] = append(o.copies[fullKey(r)], i)
		}
		switch {
		case r.label == nil:
			s.MissingLabel++
		case conflicting:
			s.Conflicting++
		case stale(r.when):
			s.Stale++
		case !first:
			s.Duplicate++
		default:
			s.Usable++
			s.UsableByLabel[labelFP(r.label)]++
		}
	}
	return o
}

// columns returns rows as test columns: f, g, label (a float64 column when
// a label is a float64), ann, when.
func columns(rows []row) []checktest.Column {
	var labelType arrow.DataType = arrow.BinaryTypes.String
	for _, r := range rows {
		if _, ok := r.label.(float64); ok {
			labelType = arrow.PrimitiveTypes.Float64
		}
	}
	cols := []checktest.Column{
		{Name: "f", Type: arrow.PrimitiveTypes.Int64},
		{Name: "g", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: labelType},
		{Name: "ann", Type: arrow.BinaryTypes.String},
		{Name: "when", Type: arrow.BinaryTypes.String},
	}
	for _, r := range rows {
		for i, v := range []any{r.f, r.g, r.label, r.ann, r.when} {
			cols[i].Vals = append(cols[i].Vals, v)
		}
	}
	return cols
}

func env(b *fptable.Budget, schema *arrow.Schema) checks.Env {
	return checks.Env{Schema: schema, Memory: b, StaleBefore: staleBefore,
		Roles: checks.Roles{Label: "label", Annotator: "ann", Time: "when", Features: []string{"f", "g"}}}
}

func newTable(t *testing.T, e checks.Env) *rowtable.Table {
	t.Helper()
	cfg, ok := rowtable.NewConfig(e)
	if !ok {
		t.Fatal("NewConfig: no label")
	}
	tb, err := rowtable.For(e, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb.CountLabels(10)
	tb.CountAnnotators(10)
	return tb
}

// budgets are the budgets every test runs on: none, and one byte, which
// spills every partition of more than a few entries.
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

// check compares a summary with the oracle's, and the rows it lists
// (conflicting rows, later copies) with the oracle's groups.
func check(t *testing.T, got *rowtable.Summary, o oracle) {
	t.Helper()
	w := o.sum
	counts := func(s *rowtable.Summary) []int64 {
		return []int64{s.FeatureVectors, s.RepeatedVectors, s.ConflictingGroups, s.ConflictingRows, s.MissingLabel, s.Conflicting,
			s.Stale, s.Duplicate, s.Usable, s.Unparsed, s.Distinct, s.Repeated}
	}
	if g, want := counts(got), counts(&w); !slices.Equal(g, want) {
		t.Errorf("counts (vectors, repeated vectors, groups, rows, missing, conflicting, stale, duplicate, usable, unparsed, distinct, repeated) %v, oracle %v", g, want)
	}
	if !maps.Equal(got.AnnotatorConflicting, w.AnnotatorConflicting) {
		t.Errorf("annotators' conflicting rows %v, oracle %v", got.AnnotatorConflicting, w.AnnotatorConflicting)
	}
	if !maps.Equal(got.UsableByLabel, w.UsableByLabel) {
		t.Errorf("usable rows by label %v, oracle %v", got.UsableByLabel, w.UsableByLabel)
	}
	sameGroups(t, "conflicting", &got.ConflictRows, o.group)
	sameGroups(t, "copies", &got.Copies, o.copies)
}

// sameGroups checks that l lists the rows of groups and no other, each
// once, the rows of one group (and only they) sharing one id.
func sameGroups(t *testing.T, what string, l *checks.RowList, groups map[string][]int) {
	t.Helper()
	listed, unlisted := l.Rows()
	if unlisted != 0 {
		t.Fatalf("%s: %d rows not listed", what, unlisted)
	}
	idOf := map[int64]uint64{}
	for _, r := range listed {
		if r.Pos.Input() != 0 {
			t.Fatalf("listed row %+v: input %d", r, r.Pos.Input())
		}
		row := r.Pos.Row()
		if _, dup := idOf[row]; dup {
			t.Fatalf("%s: row %d listed twice", what, row)
		}
		idOf[row] = r.Group
	}
	n := 0
	for _, members := range groups {
		n += len(members)
	}
	if len(listed) != n {
		t.Fatalf("%s: %d rows listed, oracle %d", what, len(listed), n)
	}
	ids := map[uint64]string{}
	for k, members := range groups {
		id, ok := idOf[int64(members[0])]
		if !ok {
			t.Fatalf("%s: group %s: row %d not listed", what, k, members[0])
		}
		if other, taken := ids[id]; taken {
			t.Fatalf("%s: groups %s and %s share the id %x", what, k, other, id)
		}
		ids[id] = k
		for _, i := range members {
			if got, ok := idOf[int64(i)]; !ok || got != id {
				t.Fatalf("%s: group %s: row %d listed %v with id %x, want %x", what, k, i, ok, got, id)
			}
		}
	}
}

// Rows observed in batches of any size, by tables merged in any order,
// under no budget and under one that spills everything, add up to the
// oracle's counts; the conflicting rows listed are the oracle's, grouped
// as the oracle groups them.
func TestSummaryMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	matchOracle(t, rng, genRows(rng, 6000))
}

// With four cores the count has four counters, whose summaries add up to
// the same.
func TestSummaryMatchesOracleFourCounters(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(13, 14))
	matchOracle(t, rng, genRows(rng, 6000))
}

// Labels of a float column are told apart by their logical value. rowhash
// gives them the fingerprint (kind, value bits), so 0 and NaN have the
// same low half (0), and so do 2.5 and the integer-valued float with
// 2.5's bits (0x4004000000000000): a group with two of them conflicts.
// -0 is 0.
func TestFloatLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pool := []any{0.0, math.NaN(), 2.5, float64(math.Float64bits(2.5)), math.Copysign(0, -1), 1.0}
	matchOracle(t, rng, genLabelled(rng, 6000, pool))
}

// matchOracle observes rows into tables, in batches of random sizes and
// merged in random order, under each budget, and checks the summary
// against the oracle's: with no marks, and with every mark on every row,
// which share an entry's word with the annotator's key and must change
// none of the counts checked.
func matchOracle(t *testing.T, rng *rand.Rand, rows []row) {
	t.Helper()
	o := newOracle(rows)
	if o.sum.ConflictingGroups == 0 || o.sum.Stale == 0 || o.sum.Duplicate == 0 || o.sum.MissingLabel == 0 || o.sum.Unparsed == 0 {
		t.Fatalf("the rows lack a case: %+v", o.sum)
	}
	mem := checktest.Allocator(t)
	batches := checktest.Table(t, mem, columns(rows), checktest.RandomBounds(rng, len(rows), 1, 12)...)
	defer checktest.Release(batches)
	for _, c := range []struct {
		name   string
		budget int
		marks  rowtable.Mark
	}{{budgets[0].name, 0, 0}, {budgets[1].name, 1, 0}, {budgets[1].name + ", marked", 1, rowtable.MarkPlain | rowtable.MarkTrain | rowtable.MarkOther}} {
		t.Run(c.name, func(t *testing.T) {
			b := budgets[c.budget].make(t)
			e := env(b, batches[0].Record.Schema())
			shards := make([]*rowtable.Table, 4)
			// hooked: the partitions each table's plain hook was called
			// with, in turn.
			hooked := make([][]int, len(shards))
			for i := range shards {
				shards[i] = newTable(t, e) // no Env.Shared: a table each
				if c.marks != 0 {
					shards[i].Mark(func(_ checks.Batch, marks []rowtable.Mark) {
						for j := range marks {
							marks[j] = c.marks
						}
					}, func(p int, _ []rowhash.Fingerprint) error {
						hooked[i] = append(hooked[i], p)
						return nil
					})
				}
			}
			for i, bt := range batches {
				if err := shards[i%len(shards)].Observe(bt); err != nil {
					t.Fatal(err)
				}
			}
			for len(shards) > 1 {
				j := rng.IntN(len(shards) - 1)
				if err := shards[j].Merge(shards[j+1]); err != nil {
					t.Fatal(err)
				}
				shards = slices.Delete(shards, j+1, j+2)
			}
			if _, spilled, _ := b.Stats(); (b != nil) != (spilled > 0) {
				t.Fatalf("budget %v: %d bytes spilled", b != nil, spilled)
			}
			sum, err := shards[0].Result()
			if err != nil {
				t.Fatal(err)
			}
			check(t, sum, o)
			if c.marks != 0 {
				// The counters count partitions in any order; the hook
				// gets each once, in order, on the table read.
				ps := slices.Concat(hooked...)
				if len(ps) < 64 || len(ps)&(len(ps)-1) != 0 {
					t.Errorf("plain hook called for %d partitions", len(ps))
				}
				for k, p := range ps {
					if p != k {
						t.Fatalf("plain hook's call %d was for partition %d", k, p)
					}
				}
			}
			again, err := shards[0].Result()
			if err != nil || again != sum {
				t.Errorf("second Result: %p, %v; want the first summary", again, err)
			}
		})
	}
}

// Checks sharing a worker's table (Env.Shared) each observe every batch
// and merge every other worker's table, from goroutines of their own: each
// batch and each table is counted once.
func TestSharedOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rows := genRows(rng, 2000)
	o := newOracle(rows)
	mem := checktest.Allocator(t)
	batches := checktest.Table(t, mem, columns(rows), checktest.RandomBounds(rng, len(rows), 1, 8)...)
	defer checktest.Release(batches)
	const workers, users = 3, 2
	var tables [workers][users]*rowtable.Table
	for w := range workers {
		e := env(nil, batches[0].Record.Schema())
		e.Shared = &checks.Shared{}
		for u := range users {
			tables[w][u] = newTable(t, e)
		}
		if tables[w][0] != tables[w][1] {
			t.Fatal("two states of one worker got different tables")
		}
	}
	for i, bt := range batches {
		for u := range users {
			if err := tables[i%workers][u].Observe(bt); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan error, users)
	for u := range users {
		go func() {
			for w := 1; w < workers; w++ {
				if err := tables[0][u].Merge(tables[w][u]); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range users {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	sums := make(chan *rowtable.Summary, users)
	for u := range users {
		go func() {
			s, err := tables[0][u].Result()
			if err != nil {
				t.Error(err)
			}
			sums <- s
		}()
	}
	a, b := <-sums, <-sums
	if a != b {
		t.Error("two states of one worker read two summaries")
	}
	check(t, a, o)
	if err := tables[0][0].Merge(newTable(t, env(nil, batches[0].Record.Schema()))); err == nil {
		t.Error("merging into a table that was read: no error")
	}
	if err := tables[0][0].Observe(batches[0]); err == nil {
		t.Error("observing a batch into a table that was read: no error")
	}
}

// The per-label and per-annotator counts stop at the bound the checks ask
// for: past it the summary has none, rather than a part of them.
func TestCountBounds(t *testing.T) {
	rows := genRows(rand.New(rand.NewPCG(1, 2)), 1000)
	mem := checktest.Allocator(t)
	batches := checktest.Table(t, mem, columns(rows))
	defer checktest.Release(batches)
	e := env(nil, batches[0].Record.Schema())
	for _, c := range []struct {
		labels, anns  int
		byLabel, byAn bool
	}{{0, 0, false, false}, {2, 2, false, false}, {3, 3, true, true}} {
		cfg, _ := rowtable.NewConfig(e)
		tb := rowtable.New(nil, cfg)
		tb.CountLabels(c.labels)
		tb.CountAnnotators(c.anns)
		if err := tb.Observe(batches[0]); err != nil {
			t.Fatal(err)
		}
		s, err := tb.Result()
		if err != nil {
			t.Fatal(err)
		}
		if (s.UsableByLabel != nil) != c.byLabel || (s.AnnotatorConflicting != nil) != c.byAn {
			t.Errorf("bounds %d/%d: per label %v, per annotator %v; want %v, %v", c.labels, c.anns,
				s.UsableByLabel, s.AnnotatorConflicting, c.byLabel, c.byAn)
		}
	}
}

// Without feature columns nothing conflicts, and rows are still told apart
// by their full row; the checks sharing a table must agree on its columns.
func TestNoFeaturesAndConfigs(t *testing.T) {
	rows := genRows(rand.New(rand.NewPCG(9, 9)), 1500)
	mem := checktest.Allocator(t)
	batches := checktest.Table(t, mem, columns(rows), 500)
	defer checktest.Release(batches)
	e := env(nil, batches[0].Record.Schema())
	e.Roles.Features = nil
	tb := newTable(t, e)
	for _, b := range batches {
		if err := tb.Observe(b); err != nil {
			t.Fatal(err)
		}
	}
	s, err := tb.Result()
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(rows)
	w := o.sum
	if s.FeatureVectors != 0 || s.ConflictingRows != 0 || s.Conflicting != 0 || s.ConflictRows.Len() != 0 {
		t.Errorf("no features: %d vectors, %d conflicting rows", s.FeatureVectors, s.ConflictingRows)
	}
	// The oracle's conflicting rows are usable, stale or copies here.
	if s.MissingLabel != w.MissingLabel || s.Usable+s.Stale+s.Duplicate != w.Usable+w.Stale+w.Duplicate+w.Conflicting {
		t.Errorf("no features: missing %d usable+stale+duplicate %d; oracle %d, %d", s.MissingLabel,
			s.Usable+s.Stale+s.Duplicate, w.MissingLabel, w.Usable+w.Stale+w.Duplicate+w.Conflicting)
	}

	shared := env(nil, batches[0].Record.Schema())
	shared.Shared = &checks.Shared{}
	newTable(t, shared)
	other := shared
	other.Roles.Annotator = ""
	cfg, _ := rowtable.NewConfig(other)
	if _, err := rowtable.For(other, cfg); err == nil || !strings.Contains(err.Error(), "different columns") {
		t.Errorf("a shared table asked for other columns: error %v", err)
	}
	noLabel := e
	noLabel.Roles.Label = ""
	if _, ok := rowtable.NewConfig(noLabel); ok {
		t.Error("NewConfig without a label column: ok")
	}
}
