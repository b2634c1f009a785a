package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
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
	// Column is the column the flag is about, null when none ("": an
	// optional field that is not a pointer is null at its zero value).
	Column string `parquet:"column,dict,optional"`
	// Group ties rows flagged as one set (a duplicate group, a
	// conflicting-label group); null when the flag stands alone (0). It is
	// derived from a fingerprint of the values, never a value.
	//
	// Column and Group were pointers until 2026-11-29, null when nil; the
	// file is the same byte for byte, and BenchmarkWriteFindings (one
	// worker) took 365–384 ms with pointers against 317–378 ms without
	// (docs/performance.md, 2026-11-29 x).
	Group int64 `parquet:"group,optional"`
}

// flagged is the rows every check's merged state lists, as the states
// keep them: streams of one finding code and column each, every stream
// sorted by input, row and group (checks.RowStream). findings.parquet
// merges them as it writes them (each), without a copy: 2.16M rows at 10M
// rows of the benchmark, which listed into a 32-byte row a check and
// sorted took 0.5 s of CPU and 140 MB of new memory.
type flagged struct {
	streams []flagStream
	n       int
	paths   []string // input paths, by input index
	rank    []int32  // each input's place among the inputs sorted by path
}

// flagStream is one check's stream of rows; ord is its place among the
// streams sorted by check, code and column (streams alike share it).
type flagStream struct {
	check string
	ord   int32
	checks.RowStream
}

// order sorts the streams by check, code and column, and numbers them in
// that order.
func (fl *flagged) order() {
	compare := func(a, b flagStream) int {
		return cmp.Or(cmp.Compare(a.check, b.check), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Column, b.Column))
	}
	slices.SortStableFunc(fl.streams, compare)
	for i := 1; i < len(fl.streams); i++ {
		fl.streams[i].ord = fl.streams[i-1].ord
		if compare(fl.streams[i-1], fl.streams[i]) != 0 {
			fl.streams[i].ord++
		}
	}
}

// cursor is the next row of one stream's rows from one input: the rows
// left, head first, and the head's sort key (the input's rank, the row,
// the stream's ord, the group).
type cursor struct {
	rank, ord int32
	stream    int32
	row       int64
	group     uint64
	rows      []checks.RowRef
}

func (a *cursor) less(b *cursor) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.row != b.row {
		return a.row < b.row
	}
	if a.ord != b.ord {
		return a.ord < b.ord
	}
	return a.group < b.group
}

// each calls f with every row, and its stream, in (input path, row,
// check, code, column, group) order: it merges the streams, each cut
// where its input changes (a stream is in input order, and the inputs'
// order need not be their paths'), through a binary heap of cursors.
func (fl *flagged) each(f func(s *flagStream, r *checks.RowRef)) {
	var h []cursor
	for k := range fl.streams {
		rows := fl.streams[k].Rows
		for len(rows) > 0 {
			in := rows[0].Pos.Input()
			n := sort.Search(len(rows), func(j int) bool { return rows[j].Pos.Input() > in })
			h = append(h, cursor{rank: fl.rank[in], ord: fl.streams[k].ord, stream: int32(k), row: rows[0].Pos.Row(), group: rows[0].Group, rows: rows[:n]})
			rows = rows[n:]
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(h, i)
	}
	for len(h) > 0 {
		c := &h[0]
		f(&fl.streams[c.stream], &c.rows[0])
		if c.rows = c.rows[1:]; len(c.rows) > 0 {
			c.row, c.group = c.rows[0].Pos.Row(), c.rows[0].Group
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(h, 0)
	}
}

// down moves h[i] down the heap h until neither child is less.
func down(h []cursor, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(&h[l]) {
			m = r
		}
		if !h[m].less(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// flaggedRows collects the rows every check's merged state lists, and the
// summary for report.json. The checks list their rows in parallel, at most
// workers at a time (a check may read its spilled tables back, or sort
// its workers' lists, to list them). A state that has listed its rows is
// done with its tables, and gives their memory back then
// (checks.Releaser) rather than hold it while the other checks list
// theirs; the lists it returned stay with the streams.
func flaggedRows(ds *pipeline.Dataset, tasks []pipeline.Task, out *pipeline.Outcome, workers int) (*flagged, *report.Flagged, error) {
	fl := &flagged{rank: make([]int32, len(ds.Inputs))}
	byPath := make([]int, len(ds.Inputs))
	for i := range byPath {
		byPath[i] = i
		fl.paths = append(fl.paths, ds.Inputs[i].Path)
	}
	sort.SliceStable(byPath, func(a, b int) bool { return fl.paths[byPath[a]] < fl.paths[byPath[b]] })
	for r, i := range byPath {
		fl.rank[i] = int32(r)
	}
	lists := make([][]checks.RowStream, len(tasks))
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
			lists[i], errs[i] = rl.FlaggedRows(resultOf(out.Results, t.Check.Name))
			release(out.States[i : i+1])
		}()
	}
	wg.Wait()
	sum := &report.Flagged{File: "findings.parquet", ByCode: map[string]int64{}, LimitPerCode: checks.MaxFlaggedRows, Truncated: []string{}}
	for i, err := range errs {
		if err != nil {
			return nil, nil, &pipeline.CheckError{Check: tasks[i].Check.Name, Err: err}
		}
		for _, s := range lists[i] {
			if len(s.Rows) == 0 {
				continue
			}
			fl.streams = append(fl.streams, flagStream{check: tasks[i].Check.Name, RowStream: s})
			fl.n += len(s.Rows)
			sum.ByCode[s.Code] += int64(len(s.Rows))
		}
	}
	fl.order()
	sum.Rows = int64(fl.n)
	for code, n := range sum.ByCode {
		if n >= checks.MaxFlaggedRows {
			sum.Truncated = append(sum.Truncated, code)
		}
	}
	sort.Strings(sum.Truncated)
	return fl, sum, nil
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
// rows, as references into the streams, to an encoder and goes on with the
// next group. Each encoder writes its group with a GenericWriter of its
// own, as a one-row-group file in memory; the groups are then added to
// the output in order with WriteRowGroup, which copies a row group of a
// file written with the same settings verbatim (parquet-go's
// writer_copy.go) instead of decoding and encoding it again. The file is
// the one a single GenericWriter would write.
//
// The check, code and column columns get no min and max (page bounds,
// column index, the column chunk's statistics), nor statistics in their
// data pages' headers. parquet-go works out a dictionary page's bounds by
// comparing the text of every value (byteArrayDictionary.Bounds), and that
// was 45% of the encoding's CPU on the 1M-row benchmark's findings (0.22
// of 0.49 s in three profiles); the rows are sorted by input and row, so
// a page mixes these columns' few values and their bounds let a reader
// skip nothing. SkipPageBounds leaves the page headers' statistics, which
// work the bounds out again: skipping those too took BenchmarkWriteFindings
// (one worker) from 477–575 ms to 345–400 ms (docs/performance.md,
// 2026-11-29 x). The sorted columns (input, row) and group keep theirs.
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
	}
	for _, c := range []string{"check", "code", "column"} {
		options = append(options, parquet.SkipPageBounds(c), parquet.SkipPageStatistics(c))
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
	rows.each(func(s *flagStream, r *checks.RowRef) {
		if refs == nil {
			refs = make([]flagRef, 0, min(groupRows, rows.n))
		}
		refs = append(refs, flagRef{s, r})
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

// flagRef is one row to write: a row of one check's stream, and the
// stream.
type flagRef struct {
	stream *flagStream
	row    *checks.RowRef
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
	const chunk = 8192
	buf := make([]findingRow, 0, chunk)
	for len(refs) > 0 {
		n := min(chunk, len(refs))
		buf = buf[:0]
		for _, ref := range refs[:n] {
			s, r := ref.stream, ref.row
			buf = append(buf, findingRow{Input: rows.paths[r.Pos.Input()], Row: r.Pos.Row(), Check: s.check, Code: s.Code,
				Column: s.Column, Group: int64(r.Group)})
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
