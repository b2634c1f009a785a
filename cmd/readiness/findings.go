package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
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

// each calls f with every row, and its list's index, in (input, row,
// check, code, column, group) order, merging the lists.
func (fl *flagged) each(f func(list int, r *flagRow)) {
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
			return
		}
		f(best, &fl.lists[best].rows[heads[best]])
		heads[best]++
	}
}

// flaggedRows collects the rows every check's merged state lists, and the
// summary for report.json. The checks list and sort their rows in
// parallel, at most workers at a time (a check may read its spilled tables
// back to list them). A state that has listed its rows is done with its
// tables, and gives their memory back then (checks.Releaser) rather than
// hold it while the other checks list theirs.
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
			release(out.States[i : i+1])
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
	// A check lists its rows one finding code at a time, each code's rows
	// in (input, row) order: they are most often a few sorted runs.
	l.rows = checks.SortRuns(l.rows, func(a, b flagRow) int { return l.compare(&a, &b) })
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

// findingsGroupRows is the number of rows in each of findings.parquet's
// row groups but the last, for a file of n rows: an eighth of them, at
// least 65,536 and at most 1,048,576. The row groups are encoded on all
// cores (writeFindings), so a file of a single group used one: 1M rows of
// the benchmark flag about 216,000, which took 0.16 s of CPU to encode as
// one row group, on one core of two, after the rest of the audit was done
// (docs/performance.md, 2026-11-28 r). Eighths keep the larger files
// balanced too: 2.16M rows (10M) made two groups of 1,048,576 and one of
// 63,000. It depends on n alone, so the file does not change with
// --workers.
func findingsGroupRows(n int) int { return min(1<<20, max(1<<16, (n+7)/8)) }

// writeFindings writes the rows as findings.parquet (snappy, row groups
// of groupRows rows; strings dictionary-encoded), sorted by input, row,
// check, code, column and group.
//
// Encoding is most of the cost (0.7 s of CPU for 2.2M rows at 10M), so
// up to workers row groups are encoded at once. The merge that orders the
// rows is cheap and stays on one goroutine: it hands each row group's
// rows, as references into the lists, to an encoder and goes on with the
// next group. Each encoder writes its group with a GenericWriter of its
// own, as a one-row-group file in memory; the groups are then added to
// the output in order with WriteRowGroup, which copies a row group of a
// file written with the same settings verbatim (parquet-go's
// writer_copy.go) instead of decoding and encoding it again. The file is
// the one a single GenericWriter would write.
//
// The check, code and column columns get no min and max (page bounds,
// column index, the column chunk's statistics). parquet-go works out a
// dictionary page's bounds by comparing the text of every value
// (byteArrayDictionary.Bounds), and that was 45% of the encoding's CPU
// on the 1M-row benchmark's findings (0.22 of 0.49 s in three profiles);
// the rows are sorted by input and row, so a page mixes these columns'
// few values and their bounds let a reader skip nothing. The sorted
// columns (input, row) and group keep theirs.
//
// parquet-go's ConcurrentRowGroupWriter, the obvious tool, takes rows as
// parquet.Values only: through it the encoders used 1.3 s of CPU for the
// 2.2M rows, against 0.7 s with GenericWriter's typed rows, and the
// findings took as long to write on two cores as before on one.
func writeFindings(w io.Writer, rows *flagged, workers, groupRows int) error {
	options := []parquet.WriterOption{
		parquet.Compression(&fastSnappy{}),
		parquet.MaxRowsPerRowGroup(int64(groupRows)),
		parquet.CreatedBy("readiness", version, commit),
		parquet.SkipPageBounds("check"), parquet.SkipPageBounds("code"), parquet.SkipPageBounds("column"),
	}
	pw := parquet.NewGenericWriter[findingRow](w, options...)
	var (
		sem  = make(chan struct{}, max(1, workers))
		prev = make(chan error, 1) // the previous group's commit
		wg   sync.WaitGroup
		refs []flagRef
	)
	prev <- nil
	start := func() {
		sem <- struct{}{}
		group, wait := refs, prev
		done := make(chan error, 1)
		prev, refs = done, nil
		wg.Add(1)
		go func() {
			defer func() { wg.Done(); <-sem }()
			rg, err := encodeFindings(rows, group, options)
			// Commit in order, after the groups before this one; an error
			// of any of them is passed on to the end of the chain.
			if perr := <-wait; perr != nil {
				err = perr
			}
			if err == nil {
				_, err = pw.WriteRowGroup(rg)
			}
			done <- err
		}()
	}
	rows.each(func(list int, r *flagRow) {
		if refs == nil {
			refs = make([]flagRef, 0, min(groupRows, rows.n))
		}
		refs = append(refs, flagRef{list, r})
		if len(refs) == groupRows {
			start()
		}
	})
	if len(refs) > 0 {
		start()
	}
	wg.Wait()
	if err := <-prev; err != nil {
		return fmt.Errorf("findings.parquet: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("findings.parquet: %w", err)
	}
	return nil
}

// fastSnappy is parquet-go's Snappy codec with the standard Snappy block
// encoder (s2.EncodeSnappy) in place of the "better" one its codec calls
// (klauspost/compress/snappy.Encode is s2.EncodeSnappyBetter), which
// allocates about 0.5 MB of match tables for every page it compresses.
// Both write the Snappy block format; any reader decodes either.
type fastSnappy struct{ snappy.Codec }

func (*fastSnappy) Encode(dst, src []byte) ([]byte, error) { return s2.EncodeSnappy(dst, src), nil }

// flagRef is one row to write: a row of one check's list, and the list's
// index in flagged.lists.
type flagRef struct {
	list int
	row  *flagRow
}

// encodeFindings writes the rows as a Parquet file in memory, with one
// row group, and returns that row group.
func encodeFindings(rows *flagged, refs []flagRef, options []parquet.WriterOption) (parquet.RowGroup, error) {
	// About 6.6 bytes a row at 10M rows (2.16M rows, 14.3 MB): room for 8
	// up front spares growing the buffer by doubling, each step a new,
	// zeroed slice and a copy.
	var b bytes.Buffer
	b.Grow(8 * len(refs))
	pw := parquet.NewGenericWriter[findingRow](&b, options...)
	// The optional fields are pointers: into the lists' interned strings,
	// and into a chunk of groups the writer has copied by the time the
	// chunk is reused.
	const chunk = 8192
	buf := make([]findingRow, 0, chunk)
	groups := make([]int64, chunk)
	for len(refs) > 0 {
		n := min(chunk, len(refs))
		buf = buf[:0]
		for i, ref := range refs[:n] {
			l, r := rows.lists[ref.list], ref.row
			fr := findingRow{Input: rows.paths[r.input], Row: r.row, Check: l.check, Code: l.strs[r.code]}
			if r.column != 0 {
				fr.Column = &l.strs[r.column]
			}
			if r.group != 0 {
				groups[i] = int64(r.group)
				fr.Group = &groups[i]
			}
			buf = append(buf, fr)
		}
		if _, err := pw.Write(buf); err != nil {
			return nil, err
		}
		refs = refs[n:]
	}
	if err := pw.Close(); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return nil, err
	}
	if len(f.RowGroups()) != 1 {
		return nil, fmt.Errorf("%d rows encoded as %d row groups, want 1", f.NumRows(), len(f.RowGroups()))
	}
	return f.RowGroups()[0], nil
}
