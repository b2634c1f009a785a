package main

import (
	"context"
	"encoding/json"
	"io"
	"runtime/debug"
	"time"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/pipeline"
)

// The dedup floor: the least an exact count of duplicate rows costs done
// the audit's way — the decode floor, plus every row's fingerprint over
// all its columns (the audit's columnar hashing, checks.Memo), plus one
// partitioned fingerprint table (fptable.Parts) under the audit's default
// budget (256 MiB; 512 MiB until 2026-11-28 s) and partition count, spilling past it, read back a
// partition at a time to count the rows that repeat an earlier one. The
// audit does this and much more (feature vectors, ids, labels, missing
// values, staleness, the findings), so its time is above this floor
// whatever the other checks cost; the floor's ratio to the decode floor
// bounds from below the audit/decode ratio any audit built this way can
// reach.

// dedupResult is what the dedup child prints.
type dedupResult struct {
	Rows          int64   `json:"rows"`
	DuplicateRows int64   `json:"duplicate_rows"`
	Seconds       float64 `json:"seconds"`
}

// dedupLimit and dedupPages are the tables' budget and the pages' bound
// of the audit's default --memory-limit on a machine with more than 2 GiB.
const (
	dedupLimit = pipeline.DefaultTableMemory
	dedupPages = pipeline.DefaultPageMemory
)

type dedupState struct {
	cols      []int
	fp, vals  []rowhash.Fingerprint
	rows      *fptable.Parts[int64]
	duplicate *int64 // set by Result, on the merged state
}

func newDedup(env checks.Env, duplicate *int64) *dedupState {
	cols := make([]int, len(env.Schema.Fields()))
	for i := range cols {
		cols[i] = i
	}
	return &dedupState{cols: cols, duplicate: duplicate, rows: fptable.NewParts[int64](env.Memory, func(_ rowhash.Fingerprint, d, s *int64, _ bool) { *d += *s })}
}

func (s *dedupState) Observe(b checks.Batch) error {
	fps := b.Memo.Rows(b.Record, s.cols, &s.fp, &s.vals)
	one := int64(1)
	for _, fp := range fps {
		s.rows.Add(s.rows.Part(fp), fp, &one)
	}
	return s.rows.Err()
}

func (s *dedupState) Merge(o checks.State) error { return s.rows.Merge(o.(*dedupState).rows) }

func (s *dedupState) Result() (checks.Result, error) {
	err := s.rows.Visit(func(_ int, t *fptable.Table[int64]) {
		t.Each(func(_ rowhash.Fingerprint, n *int64) { *s.duplicate += *n - 1 })
	})
	return checks.Result{}, err
}

// runDedup reads file as runDecode does and counts its duplicate rows.
func runDedup(file string, workers int, w io.Writer) error {
	start := time.Now()
	ctx := context.Background()
	// The audit's heap limit under its default budget (setHeapLimit). The
	// audit raises it to a quarter above the live heap when that needs
	// more (cmd/readiness's heapGovernor); the floor's live heap stays
	// below this on the benchmark files, so the floor keeps it fixed.
	debug.SetMemoryLimit(max(192<<20, dedupLimit/3))
	ds, ropts, err := plan(ctx, file, workers)
	if err != nil {
		return err
	}
	budget := fptable.NewBudget(dedupLimit, "")
	defer budget.Close()
	// As the audit does, the partitions sized by the rows.
	budget.Expect(ds.ExpectedRows(), workers)
	var duplicate int64
	check := &checks.Check{
		Name:          "dedup",
		Summary:       "counts the rows that repeat an earlier row exactly",
		DefaultConfig: func() any { return nil },
		New: func(_ any, env checks.Env) (checks.State, error) {
			return newDedup(env, &duplicate), nil
		},
	}
	out, err := ds.Run(ctx, []pipeline.Task{{Check: check}}, pipeline.RunOptions{ReadOptions: ropts, Workers: workers, Memory: budget, PageMemory: dedupPages})
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(dedupResult{Rows: out.Rows, DuplicateRows: duplicate, Seconds: time.Since(start).Seconds()})
}
