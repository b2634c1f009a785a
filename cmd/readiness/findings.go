package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"

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

// flaggedRows collects the rows every check's merged state lists, sorted
// by input, row, check, code, column and group, and the summary for
// report.json.
func flaggedRows(ds *pipeline.Dataset, tasks []pipeline.Task, out *pipeline.Outcome) ([]findingRow, *report.Flagged, error) {
	var rows []findingRow
	// The optional fields are pointers: one string per column name, and
	// the groups in shared slabs, rather than two allocations per row (a
	// run can flag millions of rows).
	columns := map[string]*string{}
	var groups []int64
	sum := &report.Flagged{File: "findings.parquet", ByCode: map[string]int64{}, LimitPerCode: checks.MaxFlaggedRows, Truncated: []string{}}
	for i, t := range tasks {
		rl, ok := out.States[i].(checks.RowLister)
		if !ok {
			continue
		}
		res := resultOf(out.Results, t.Check.Name)
		err := rl.FlaggedRows(res, func(f checks.FlaggedRow) {
			r := findingRow{Input: ds.Inputs[f.Input].Path, Row: f.Row, Check: t.Check.Name, Code: f.Code}
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
			sum.ByCode[f.Code]++
		})
		if err != nil {
			return nil, nil, &pipeline.CheckError{Check: t.Check.Name, Err: err}
		}
	}
	slices.SortFunc(rows, func(a, b findingRow) int {
		return cmp.Or(cmp.Compare(a.Input, b.Input), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.Code, b.Code), cmp.Compare(deref(a.Column), deref(b.Column)), cmp.Compare(derefInt(a.Group), derefInt(b.Group)))
	})
	sum.Rows = int64(len(rows))
	for code, n := range sum.ByCode {
		if n >= checks.MaxFlaggedRows {
			sum.Truncated = append(sum.Truncated, code)
		}
	}
	sort.Strings(sum.Truncated)
	return rows, sum, nil
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

// writeFindings writes rows as findings.parquet (snappy, row groups of 1M
// rows; strings dictionary-encoded).
func writeFindings(w io.Writer, rows []findingRow) error {
	pw := parquet.NewGenericWriter[findingRow](w,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(1<<20),
		parquet.CreatedBy("readiness", version, commit),
	)
	for lo := 0; lo < len(rows); lo += 8192 {
		if _, err := pw.Write(rows[lo:min(lo+8192, len(rows))]); err != nil {
			return fmt.Errorf("findings.parquet: %w", err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("findings.parquet: %w", err)
	}
	return nil
}
