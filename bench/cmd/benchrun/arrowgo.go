package main

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/readiness/readiness/configs"
)

// runArrowGo decodes every column of the file at path with arrow-go alone, as issue 6
// measured its floor ("arrow-go alone decodes every column … parallel
// row-group reads"): pqarrow's record reader with arrow-go's default
// reader properties and allocator, the default policy's batch size, and
// the row groups handed out in turn to workers goroutines, each with a
// reader of its own. No readiness code reads anything: the decode floor
// (runDecode) reads through the audit's pipeline instead, which builds
// flat string columns from their pages itself and reads through small
// buffers, and so is faster than this one (docs/performance.md, 2026-11-28 p).
func runArrowGo(path string, workers int, w io.Writer) error {
	start := time.Now()
	policy, err := configs.Default()
	if err != nil {
		return err
	}
	first, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	groups := first.NumRowGroups()
	columns := first.MetaData().Schema.Root().NumFields()
	var names []string
	for i := range columns {
		names = append(names, first.MetaData().Schema.Root().Field(i).Name())
	}
	first.Close()

	var next, rows atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = arrowGoWorker(path, policy.Read.BatchSize, groups, &next, &rows)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return json.NewEncoder(w).Encode(decodeResult{Rows: rows.Load(), Columns: names, Seconds: time.Since(start).Seconds()})
}

// arrowGoWorker reads row groups, taking the next one from next until
// none is left, and adds their rows to rows.
func arrowGoWorker(path string, batch, groups int, next, rows *atomic.Int64) error {
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: int64(batch)}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	for {
		g := int(next.Add(1) - 1)
		if g >= groups {
			return nil
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, []int{g})
		if err != nil {
			return err
		}
		for rr.Next() {
			rows.Add(rr.RecordBatch().NumRows())
		}
		err = rr.Err()
		rr.Release()
		if err != nil {
			return err
		}
	}
}
