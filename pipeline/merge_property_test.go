package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/pipeline"
)

// collector is a check whose state keeps every batch it sees, so a test can
// replay the batches the pipeline produced into other checks. It keeps the
// record, retained, and not the worker's memo: that is reset for the next
// batch, and the codes a reader gave it point into the reader's dictionary,
// which is freed once the row group is read (pipeline/parquetdict.go). With
// the memo kept, the last batch's replay read its codes from freed memory.
type collector struct{ batches *[]checks.Batch }

func (c collector) Observe(b checks.Batch) error {
	b.Record.Retain()
	b.Memo = nil
	*c.batches = append(*c.batches, b)
	return nil
}
func (c collector) Merge(checks.State) error       { return nil }
func (c collector) Result() (checks.Result, error) { return checks.Result{}, nil }

// readBatches reads paths through the pipeline (one worker, so in order)
// and returns the conformed batches, the unified schema's roles and the
// dataset.
func readBatches(t *testing.T, paths []string, format pipeline.Format) ([]checks.Batch, checks.Env, error) {
	t.Helper()
	found, err := pipeline.Discover(paths, pipeline.DiscoverOptions{Format: format})
	if err != nil {
		return nil, checks.Env{}, err
	}
	ctx := context.Background()
	opts := pipeline.ReadOptions{BatchSize: 512, InferRows: 1000}
	ds, err := pipeline.Plan(ctx, found.Inputs, 1, opts)
	if err != nil {
		return nil, checks.Env{}, err
	}
	roles, _, err := pipeline.ResolveRoles(ds.Schema, pipeline.RoleRequest{})
	if err != nil {
		return nil, checks.Env{}, err
	}
	var batches []checks.Batch
	t.Cleanup(func() {
		for _, b := range batches {
			b.Record.Release()
		}
	})
	coll := &checks.Check{Name: "collect", New: func(any, checks.Env) (checks.State, error) {
		return collector{&batches}, nil
	}}
	if _, err := ds.Run(ctx, []pipeline.Task{{Check: coll}}, pipeline.RunOptions{ReadOptions: opts, Workers: 1, Roles: roles}); err != nil {
		return nil, checks.Env{}, err
	}
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return batches, checks.Env{Schema: ds.Schema, Roles: roles, AsOf: asOf, StaleBefore: asOf.AddDate(-1, 0, 0)}, nil
}

// splitMergeAll runs the split-and-merge property for every registered
// check over the batches.
func splitMergeAll(t *testing.T, name string, batches []checks.Batch, env checks.Env, trials int) {
	for _, c := range registry.All {
		cfg := c.DefaultConfig()
		env := env
		if c.UsesReference {
			// Compare the data with itself: the reference path runs too.
			ref := checktest.New(t, c, cfg, env)
			for _, b := range batches {
				if err := ref.Observe(b); err != nil {
					t.Fatalf("%s: %s: reference: %v", name, c.Name, err)
				}
			}
			env.Reference = ref
		}
		checktest.SplitMerge(t, c, cfg, env, batches, checktest.Options{Trials: trials, Seed: seedOf(name)})
	}
}

func seedOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64() | 1
}

// Every check's merge is associative and commutative over the samples: the
// property tested on real batches, as the pipeline produces them.
func TestEveryCheckSplitMergeOnSamples(t *testing.T) {
	for _, p := range [][]string{
		{"../fixtures/sample/train.parquet"},
		{"../fixtures/sample/train.csv"},
		{"../fixtures/sample-partitioned/*/*.parquet"},
	} {
		batches, env, err := readBatches(t, p, "")
		if err != nil {
			t.Fatal(err)
		}
		splitMergeAll(t, p[0], batches, env, 8)
	}
}

// The same property over a deterministic sample of the Apache corpus's
// valid files: odd types, nulls, nesting and empty files.
func TestEveryCheckSplitMergeOnCorpus(t *testing.T) {
	manifest := pipeline.CorpusFile(t, "MANIFEST.tsv")
	corpus := filepath.Dir(manifest)
	f, err := os.Open(manifest)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	formats := map[string]pipeline.Format{"parquet": "parquet", "arrow-ipc-file": "arrow", "arrow-ipc-stream": "arrows", "csv": "csv"}
	type entry struct {
		path   string
		format pipeline.Format
		key    uint64
	}
	var valid []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 6 || !strings.HasPrefix(cols[4], "valid") {
			continue
		}
		format, ok := formats[cols[3]]
		if !ok || len(cols[1]) > 6 { // under 1 MB keeps the test quick
			continue
		}
		valid = append(valid, entry{cols[0], format, seedOf(cols[0])})
	}
	// A fixed pseudo-random sample: the same files every run.
	sort.Slice(valid, func(i, j int) bool { return valid[i].key < valid[j].key })
	tried := 0
	for _, e := range valid {
		if tried == 40 {
			break
		}
		batches, env, err := readBatches(t, []string{filepath.Join(corpus, e.path)}, e.format)
		if err != nil {
			continue // files we cannot read are the corpus test's business
		}
		tried++
		t.Run(e.path, func(t *testing.T) {
			splitMergeAll(t, e.path, batches, env, 3)
		})
	}
	if tried < 20 {
		t.Fatalf("only %d corpus files sampled", tried)
	}
}

// The duplicates, labels and balance checks share a per-row table in a
// run (one per worker, checks.Shared): with several workers, and under a
// budget that spills it, each reports what it reports with a table of its
// own, and lists the same rows.
func TestSharedRowTableMatchesOwn(t *testing.T) {
	path := "../fixtures/sample/train.parquet"
	batches, env, err := readBatches(t, []string{path}, "")
	if err != nil {
		t.Fatal(err)
	}
	var tasks []pipeline.Task
	want := map[string][]byte{}
	wantRows := map[string][]checks.FlaggedRow{}
	for _, name := range []string{"duplicates", "labels", "balance"} {
		c, _ := registry.Lookup(name)
		tasks = append(tasks, pipeline.Task{Check: c, Config: c.DefaultConfig()})
		r, st := checktest.OnePass(t, c, c.DefaultConfig(), env, batches)
		r.Name = name
		want[name], wantRows[name] = checktest.JSON(t, r), checktest.Flagged(st)
	}
	if !strings.Contains(string(want["labels"]), `"conflicting_groups":`) || strings.Contains(string(want["labels"]), `"conflicting_groups":0`) {
		t.Fatalf("the sample has no conflicting groups: %s", want["labels"])
	}
	for _, tiny := range []bool{false, true} {
		var b *fptable.Budget
		if tiny {
			b = fptable.NewBudget(1, t.TempDir())
		}
		found, err := pipeline.Discover([]string{path}, pipeline.DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts := pipeline.ReadOptions{BatchSize: 97, InferRows: 1000}
		ds, err := pipeline.Plan(context.Background(), found.Inputs, 3, opts)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ds.Run(context.Background(), tasks, pipeline.RunOptions{ReadOptions: opts, Workers: 3,
			Roles: env.Roles, AsOf: env.AsOf, StaleBefore: env.StaleBefore, Memory: b})
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			if _, spilled, _ := b.Stats(); spilled == 0 {
				t.Error("tiny budget: nothing spilled")
			}
		}
		for _, r := range out.Results {
			if got := checktest.JSON(t, r); !bytes.Equal(got, want[r.Name]) {
				t.Errorf("tiny budget %v: %s shared:\n%s\nown:\n%s", tiny, r.Name, got, want[r.Name])
			}
			st := out.States[slices.IndexFunc(tasks, func(tk pipeline.Task) bool { return tk.Check.Name == r.Name })]
			if got := checktest.Flagged(st); !slices.Equal(got, wantRows[r.Name]) {
				t.Errorf("tiny budget %v: %s lists %d rows shared, %d own", tiny, r.Name, len(got), len(wantRows[r.Name]))
			}
		}
		if b != nil {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
		}
	}
}
