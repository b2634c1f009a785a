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
	// Group ties rows flagged as one set (a duplicate group, a
	// conflicting-label group); null when the flag stands alone. It is
	// derived from a fingerprint of the values, never a value.
	Group *int64 `parquet:"group,optional"`
}

// flagged is the rows every check's merged state lists: one list per
// check, each sorted by input, row, code, column and group.
// findings.parquet merges them as it writes them. A row is held as a
// pointer-free flagRow (32 bytes; the collector need not scan them) and
// becomes a findingRow only as it is written: at 10M rows there are over a
// million.
type flagged struct {
	lists []*flagList
	n     int
	paths []string // input paths, by input index
}

// flagList is one check's flagged rows, their codes and columns interned.
type flagList struct {
	check   string
	rows    []flagRow
	strs    []string // codes and columns; strs[0] is ""
	index   map[string]uint16
	overlap bool // two interned strings share an index: never (at most 65,535 codes and columns)
}

// flagRow is one flagged row: rank is its input's place among the inputs
// sorted by path; code and column index flagList.strs.
type flagRow struct {
	rank, input  int32
	code, column uint16
	row          int64
	group        uint64
}

func (l *flagList) intern(s string) uint16 {
	if i, ok := l.index[s]; ok {
		return i
	}
	if len(l.strs) > 0xffff {
		l.overlap = true
		return 0
	}
	i := uint16(len(l.strs))
	l.strs = append(l.strs, s)
	l.index[s] = i
	return i
}

// compare orders rows of one list by input, row, code, column and group.
func (l *flagList) compare(a, b *flagRow) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.row, b.row), cmp.Compare(l.strs[a.code], l.strs[b.code]),
		cmp.Compare(l.strs[a.column], l.strs[b.column]), cmp.Compare(a.group, b.group))
}

// each calls f with every row, and its list, in (input, row, check, code,
// column, group) order, merging the lists.
func (fl *flagged) each(f func(*flagList, *flagRow) error) error {
	heads := make([]int, len(fl.lists))
	for {
		best := -1
		for i, l := range fl.lists {
			if heads[i] == len(l.rows) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			a, b := &l.rows[heads[i]], &fl.lists[best].rows[heads[best]]
			if c := cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.row, b.row), cmp.Compare(l.check, fl.lists[best].check)); c < 0 {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		l := fl.lists[best]
		if err := f(l, &l.rows[heads[best]]); err != nil {
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
	fl := &flagged{}
	rank := make([]int32, len(ds.Inputs))
	byPath := make([]int, len(ds.Inputs))
	for i := range byPath {
		byPath[i] = i
		fl.paths = append(fl.paths, ds.Inputs[i].Path)
	}
	sort.SliceStable(byPath, func(a, b int) bool { return fl.paths[byPath[a]] < fl.paths[byPath[b]] })
	for r, i := range byPath {
		rank[i] = int32(r)
	}
	lists := make([]*flagList, len(tasks))
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
			lists[i], errs[i] = listRows(rank, t.Check.Name, rl, resultOf(out.Results, t.Check.Name))
		}()
	}
	wg.Wait()
	sum := &report.Flagged{File: "findings.parquet", ByCode: map[string]int64{}, LimitPerCode: checks.MaxFlaggedRows, Truncated: []string{}}
	for i, err := range errs {
		if err == nil && lists[i] != nil && lists[i].overlap {
			err = fmt.Errorf("more than 65,535 distinct finding codes and columns")
		}
		if err != nil {
			return nil, nil, &pipeline.CheckError{Check: tasks[i].Check.Name, Err: err}
		}
		l := lists[i]
		if l == nil || len(l.rows) == 0 {
			continue
		}
		fl.lists = append(fl.lists, l)
		fl.n += len(l.rows)
		for j := range l.rows {
			sum.ByCode[l.strs[l.rows[j].code]]++
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

// listRows collects and sorts the rows one check's state lists.
func listRows(rank []int32, check string, rl checks.RowLister, res checks.Result) (*flagList, error) {
	l := &flagList{check: check, strs: []string{""}, index: map[string]uint16{"": 0}}
	// The findings' row counts bound what each lists, give or take the
	// rows a finding counts but does not list: room for them up front
	// spares growing a list of millions of rows by copying (0.4 s of CPU
	// at 10M rows).
	var hint int64
	for _, f := range res.Findings {
		if f.Rows != nil {
			hint += min(max(*f.Rows, 0), checks.MaxFlaggedRows)
		}
	}
	l.rows = make([]flagRow, 0, min(hint, 8*checks.MaxFlaggedRows))
	err := rl.FlaggedRows(res, func(f checks.FlaggedRow) {
		l.rows = append(l.rows, flagRow{rank: rank[f.Input], input: int32(f.Input), code: l.intern(f.Code),
			column: l.intern(f.Column), row: f.Row, group: f.Group})
	})
	slices.SortFunc(l.rows, func(a, b flagRow) int { return l.compare(&a, &b) })
	return l, err
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

// writeFindings writes the rows as findings.parquet (snappy, row groups
// of 1M rows; strings dictionary-encoded), sorted by input, row, check,
// code, column and group.
func writeFindings(w io.Writer, rows *flagged) error {
	pw := parquet.NewGenericWriter[findingRow](w,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(1<<20),
		parquet.CreatedBy("readiness", version, commit),
	)
	// The optional fields are pointers: into the lists' interned strings,
	// and into a chunk of groups the writer has copied by the time the
	// chunk is reused.
	const chunk = 8192
	buf := make([]findingRow, 0, chunk)
	groups := make([]int64, chunk)
	flush := func() error {
		if _, err := pw.Write(buf); err != nil {
			return fmt.Errorf("findings.parquet: %w", err)
		}
		buf = buf[:0]
		return nil
	}
	err := rows.each(func(l *flagList, r *flagRow) error {
		fr := findingRow{Input: rows.paths[r.input], Row: r.row, Check: l.check, Code: l.strs[r.code]}
		if r.column != 0 {
			fr.Column = &l.strs[r.column]
		}
		if r.group != 0 {
			groups[len(buf)] = int64(r.group)
			fr.Group = &groups[len(buf)]
		}
		buf = append(buf, fr)
		if len(buf) == chunk {
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
