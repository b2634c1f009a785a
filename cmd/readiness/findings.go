package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/report"
)

// findingRow is one row of findings.parquet: a row of the dataset that a
// finding concerns, named by input and row number — never by its values —
// so that an engineer can filter the dataset with any Parquet tool (e.g.
// DuckDB: an anti-join on input and row number drops the exact
// duplicates).
type findingRow struct {
	// Input is the input's path as report.json records it; Row its 0-based
	// row number within that input.
	Input string `parquet:"input,dict"`
	Row   int64  `parquet:"row"`
	Check string `parquet:"check,dict"`
	Code  string `parquet:"code,dict"`
	// Column is the column the flag is about, null when none.
	Column *string `parquet:"column,dict,optional"`
	// rank is the input's place among the inputs sorted by path, to sort
	// rows without comparing paths.
	rank int32 `parquet:"-"`
	// Group ties rows flagged as one set (a duplicate group, a
	// conflicting-label group); null when the flag stands alone. It is
	// derived from a fingerprint of the values, never a value.
	Group *int64 `parquet:"group,optional"`
}

// flagged is the rows every check's merged state lists: one list per
// check, each sorted by [compareRows]. findings.parquet merges them as it
// writes them, so the rows are never copied into one list (at 10M rows they
// are about 100 MB).
type flagged struct {
	lists [][]findingRow
	n     int
}

// compareRows orders rows by input, row, check, code, column and group.
func compareRows(a, b *findingRow) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Check, b.Check),
		cmp.Compare(a.Code, b.Code), cmp.Compare(deref(a.Column), deref(b.Column)), cmp.Compare(derefInt(a.Group), derefInt(b.Group)))
}

// each calls f with every row in [compareRows] order, merging the lists.
func (fl *flagged) each(f func(*findingRow) error) error {
	heads := make([]int, len(fl.lists))
	for {
		best := -1
		for i, l := range fl.lists {
			if heads[i] < len(l) && (best < 0 || compareRows(&l[heads[i]], &fl.lists[best][heads[best]]) < 0) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		if err := f(&fl.lists[best][heads[best]]); err != nil {
			return err
		}
		heads[best]++
	}
}

// flaggedRows collects the rows every check's merged state lists, and the
// summary for report.json. The checks list and sort their rows in
// parallel, at most workers at a time (a check may read its spilled tables
// back to list them).
func flaggedRows(ds *pipeline.Dataset, tasks []pipeline.Task, out *pipeline.Outcome, workers int) (*flagged, *report.Flagged, error) {
	rank := make([]int32, len(ds.Inputs))
	byPath := make([]int, len(ds.Inputs))
	for i := range byPath {
		byPath[i] = i
	}
	sort.SliceStable(byPath, func(a, b int) bool { return ds.Inputs[byPath[a]].Path < ds.Inputs[byPath[b]].Path })
	for r, i := range byPath {
		rank[i] = int32(r)
	}
	lists := make([][]findingRow, len(tasks))
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, max(1, workers))
	var wg sync.WaitGroup
	for i, t := range tasks {
		rl, ok := out.States[i].(checks.RowLister)
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rows, err := listRows(ds, rank, t.Check.Name, rl, resultOf(out.Results, t.Check.Name))
			slices.SortFunc(rows, func(a, b findingRow) int { return compareRows(&a, &b) })
			lists[i], errs[i] = rows, err
		}()
	}
	wg.Wait()
	fl := &flagged{}
	sum := &report.Flagged{File: "findings.parquet", ByCode: map[string]int64{}, LimitPerCode: checks.MaxFlaggedRows, Truncated: []string{}}
	for i, err := range errs {
		if err != nil {
			return nil, nil, &pipeline.CheckError{Check: tasks[i].Check.Name, Err: err}
		}
		if len(lists[i]) > 0 {
			fl.lists = append(fl.lists, lists[i])
			fl.n += len(lists[i])
		}
		for j := range lists[i] {
			sum.ByCode[lists[i][j].Code]++
		}
	}
	sum.Rows = int64(fl.n)
	for code, n := range sum.ByCode {
		if n >= checks.MaxFlaggedRows {
			sum.Truncated = append(sum.Truncated, code)
		}
	}
	sort.Strings(sum.Truncated)
	return fl, sum, nil
}

// listRows collects the rows one check's state lists. The optional fields
// are pointers: one string per column name, and the groups in shared
// slabs, rather than two allocations per row (a run can flag millions of
// rows).
func listRows(ds *pipeline.Dataset, rank []int32, check string, rl checks.RowLister, res checks.Result) ([]findingRow, error) {
	var rows []findingRow
	columns := map[string]*string{}
	var groups []int64
	err := rl.FlaggedRows(res, func(f checks.FlaggedRow) {
		r := findingRow{Input: ds.Inputs[f.Input].Path, rank: rank[f.Input], Row: f.Row, Check: check, Code: f.Code}
		if f.Column != "" {
			c := columns[f.Column]
			if c == nil {
				c = &f.Column
				columns[f.Column] = c
			}
			r.Column = c
		}
		if f.Group != 0 {
			if len(groups) == cap(groups) {
				groups = make([]int64, 0, 1<<16)
			}
			groups = append(groups, int64(f.Group))
			r.Group = &groups[len(groups)-1]
		}
		rows = append(rows, r)
	})
	return rows, err
}

// resultOf returns the result of the named check.
func resultOf(results []checks.Result, name string) checks.Result {
	for _, r := range results {
		if r.Name == name {
			return r
		}
	}
	return checks.Result{Name: name}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// writeFindings writes the rows as findings.parquet (snappy, row groups
// of 1M rows; strings dictionary-encoded), in [compareRows] order.
func writeFindings(w io.Writer, rows *flagged) error {
	pw := parquet.NewGenericWriter[findingRow](w,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(1<<20),
		parquet.CreatedBy("readiness", version, commit),
	)
	buf := make([]findingRow, 0, 8192)
	flush := func() error {
		if _, err := pw.Write(buf); err != nil {
			return fmt.Errorf("findings.parquet: %w", err)
		}
		buf = buf[:0]
		return nil
	}
	err := rows.each(func(r *findingRow) error {
		buf = append(buf, *r)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	})
	if err == nil && len(buf) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("findings.parquet: %w", err)
	}
	return nil
}
