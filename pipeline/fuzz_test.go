package pipeline

// Fuzz targets for the CSV, NDJSON and Arrow IPC readers, run end to end:
// the input is written to a file, planned and run through the probe check
// (run_test.go). What they assert holds for every input, well-formed or
// not: nothing panics past the pipeline, every error names the file, the
// rows a check sees are the rows the outcome reports, no Arrow buffer
// leaks, and nothing hangs. Inputs that crashed a target once are kept
// under testdata/fuzz/<Target>/ and run as tests by plain go test.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const (
	// fuzzMaxInput bounds an input, so one execution stays fast.
	fuzzMaxInput = 64 << 10
	// fuzzMaxSeeds bounds the seeds taken from the fixtures and corpus.
	fuzzMaxSeeds = 40
	// fuzzTimeout is how long one input may take before it counts as a
	// hang; it is far above what any accepted input needs.
	fuzzTimeout = 10 * time.Second
)

// arrowRecovered are how arrow-go's ipc readers begin the error for a
// panic they recovered (utils.FormatRecoveredError).
var arrowRecovered = []string{
	"arrow/ipc: unknown error while reading",
	"arrow/ipc: error reading record batch",
	"arrow/ipc: invalid message metadata: ", // messageReader.Message
}

func arrowPanicked(err error) bool {
	for _, s := range arrowRecovered {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"", "\n", "a\n", "a,b\n1,2\n", "a,b\r\n1,x\r\n2,\r\n",
		"\xef\xbb\xbfid;score\n1;2.5\n2;NaN\n",
		"a\tb\n1\t2\n", "a,b\n1\n", `a,b` + "\n\"1,2\n",
		"t\n2024-01-01\n2024-01-02T03:04:05Z\nlater\n",
		"x\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n1.5\n",
		",a,b\n0,x,1\n1,y,2\n",
	} {
		f.Add([]byte(s))
	}
	addHead(f, "../fixtures/sample/train.csv", 50)
	addGlobs(f, "../../shared/corpus/*/data/csv/*.csv", "../../shared/corpus/*/data/*.csv")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.csv", false) })
}

func FuzzNDJSON(f *testing.F) {
	for _, s := range []string{
		"", "\n", "{}\n", `{"a":1,"b":"x"}` + "\n" + `{"a":2.5,"c":null}` + "\n",
		`{"a":1}` + "\n" + `{"a":"s"}` + "\n", `{"a":{"b":[1,2,{"c":true}]}}`,
		`[{"a":1}]`, `{"a":1,"a":2}`, `{"a":NaN,"b":-Infinity}`,
		`{"t":"2024-01-01T00:00:00Z"}` + "\n" + `{"t":"no"}`,
		`{"a":"\ud83d\ude00\u0000"}`, `{"a":1` + "\n" + `}`,
	} {
		f.Add([]byte(s))
	}
	addHead(f, "../fixtures/sample/train.ndjson", 50)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.ndjson", false) })
}

func FuzzIPCFile(f *testing.F) {
	file, stream := ipcSeeds(f)
	for _, b := range append(file, stream...) {
		f.Add(b)
	}
	f.Add([]byte("ARROW1"))
	f.Add([]byte("ARROW1\x00\x00ARROW1"))
	addGlobs(f,
		"../../shared/corpus/arrow-testing/data/arrow-ipc-file/*",
		"../../shared/corpus/arrow-testing/data/arrow-ipc-stream/integration/*/*.arrow_file")
	// A unit a record batch: the inputs are small, and the units' row
	// numbers come from the headers the fuzzer damages.
	defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
	ipcUnitBytes = 1
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.arrow", true) })
}

func FuzzIPCStream(f *testing.F) {
	_, stream := ipcSeeds(f)
	for _, b := range stream {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	addGlobs(f,
		"../../shared/corpus/arrow-testing/data/arrow-ipc-stream/*",
		"../../shared/corpus/arrow-testing/data/arrow-ipc-stream/integration/*/*.stream")
	// A unit a record batch, as in FuzzIPCFile.
	defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
	ipcUnitBytes = 1
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.arrows", true) })
}

// fuzzRead writes data to a file called name and reads it through Plan and
// Run, checking the properties every input must have. binary says the
// format is decoded by arrow-go, whose panics the pipeline recovers into
// errors; a panic in our own text readers is a bug even when recovered.
func fuzzRead(t *testing.T, data []byte, name string, binary bool) {
	if len(data) > fuzzMaxInput {
		t.Skip("input too large")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	format, _, ok := DetectFormat(name)
	if !ok {
		t.Fatalf("no format for %s", name)
	}
	in := &Input{Path: path, Format: format, Size: int64(len(data))}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	opts := RunOptions{
		ReadOptions: ReadOptions{BatchSize: 7, Mem: mem, InferRows: 20},
		Workers:     2,
	}

	type result struct {
		out   *Outcome
		err   error
		panic any
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), fuzzTimeout)
	defer cancel()
	go func() {
		var r result
		defer func() {
			// A panic here escaped the pipeline; report it with the
			// input rather than take the fuzzer down from a goroutine.
			if p := recover(); p != nil {
				r.panic = p
			}
			done <- r
		}()
		d, err := Plan(ctx, []*Input{in}, opts.Workers, opts.ReadOptions)
		if err != nil {
			r.err = err
			return
		}
		r.out, r.err = d.Run(ctx, []Task{probeTask(probeConfig{})}, opts)
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(fuzzTimeout + 5*time.Second):
		t.Fatalf("Plan and Run did not return within %v of their deadline: a hang", 5*time.Second)
	}
	if r.panic != nil {
		t.Fatalf("panic escaped the pipeline: %v", r.panic)
	}
	if errors.Is(r.err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("reading %d bytes took longer than %v: %v", len(data), fuzzTimeout, r.err)
	}
	var dp *decodePanic
	if binary && r.err != nil && (errors.As(r.err, &dp) || arrowPanicked(r.err)) {
		// arrow-go recovers its own panics into errors, but buffers the
		// half-decoded batch had retained stay retained, and an
		// allocation that panicked (a corrupt length) was already counted
		// by the checked allocator: artefacts of arrow-go on corrupt
		// input (the Go allocator's GC reclaims what is real), not leaks
		// in the pipeline, which released the reader.
		if n := mem.CurrentAlloc(); n != 0 {
			t.Logf("%d bytes still allocated after a recovered decoder panic: %v", n, r.err)
		}
	} else if n := mem.CurrentAlloc(); n != 0 {
		mem.AssertSize(t, 0)
		t.Fatalf("%d bytes leaked; Run returned %v", n, r.err)
	}
	if r.err != nil {
		var ie *InputError
		var ue *UsageError
		switch {
		case errors.As(r.err, &ie):
			if !strings.Contains(r.err.Error(), path) {
				t.Fatalf("error does not name the file %s: %v", path, r.err)
			}
		case errors.As(r.err, &ue):
		default:
			t.Fatalf("error is %T, want *InputError or *UsageError: %v", r.err, r.err)
		}
		if !binary && errors.As(r.err, &dp) {
			t.Fatalf("our own reader panicked: %v\n%s", r.err, dp.stack)
		}
		return
	}
	if got := probeOf(t, r.out).Rows; got != r.out.Rows {
		t.Fatalf("the check saw %d rows, the outcome says %d", got, r.out.Rows)
	}
	if r.out.InputRows[0] != r.out.Rows {
		t.Fatalf("input rows %d, total %d", r.out.InputRows[0], r.out.Rows)
	}
}

// addHead adds the first n lines of a text fixture as a seed.
func addHead(f *testing.F, path string, n int) {
	fh, err := os.Open(path)
	if err != nil {
		f.Logf("seed %s: %v", path, err)
		return
	}
	defer fh.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, fuzzMaxInput)
	for i := 0; i < n && sc.Scan(); i++ {
		b.Write(sc.Bytes())
		b.WriteByte('\n')
	}
	if b.Len() <= fuzzMaxInput {
		f.Add(b.Bytes())
	}
}

// addGlobs adds up to fuzzMaxSeeds small files matching the patterns, in
// pattern then name order; a missing corpus adds nothing.
func addGlobs(f *testing.F, patterns ...string) {
	added := 0
	for _, p := range patterns {
		matches, _ := filepath.Glob(p)
		sort.Strings(matches)
		for _, m := range matches {
			if added >= fuzzMaxSeeds {
				return
			}
			if filepath.Ext(m) == ".md" {
				continue
			}
			info, err := os.Stat(m)
			if err != nil || !info.Mode().IsRegular() || info.Size() > fuzzMaxInput {
				continue
			}
			b, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			f.Add(b)
			added++
		}
	}
}

// ipcSeeds returns small IPC files and streams: the first 50 rows of the
// sample fixture (itself larger than a fuzz input should be), and a batch
// with a dictionary, a string and a list column.
func ipcSeeds(f *testing.F) (file, stream [][]byte) {
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if fh, err := os.Open("../fixtures/sample/train.arrow"); err == nil {
		defer fh.Close()
		if r, err := ipc.NewFileReader(fh); err == nil {
			if r.NumRecords() > 0 {
				if rec, err := r.RecordBatchAt(0); err == nil {
					recs = append(recs, rec.NewSlice(0, min(50, rec.NumRows())))
					rec.Release()
				}
			}
			r.Close()
		}
	}
	mem := memory.NewGoAllocator()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: dt, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
	}, nil))
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "", "ccc"}, []bool{true, false, true})
	db := b.Field(2).(*array.BinaryDictionaryBuilder)
	db.AppendString("x")
	db.AppendNull()
	db.AppendString("x")
	lb := b.Field(3).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{1, 2}, nil)
	lb.AppendNull()
	lb.Append(true)
	recs = append(recs, b.NewRecordBatch())
	b.Release()

	for _, rec := range recs {
		var fb, sb bytes.Buffer
		fw, err := ipc.NewFileWriter(&fb, ipc.WithSchema(rec.Schema()))
		if err != nil {
			f.Fatal(err)
		}
		sw := ipc.NewWriter(&sb, ipc.WithSchema(rec.Schema()))
		for _, w := range []interface {
			Write(arrow.RecordBatch) error
			Close() error
		}{fw, sw} {
			if err := w.Write(rec); err != nil {
				f.Fatal(err)
			}
			if err := w.Close(); err != nil {
				f.Fatal(err)
			}
		}
		file = append(file, fb.Bytes())
		stream = append(stream, sb.Bytes())
	}
	return file, stream
}
