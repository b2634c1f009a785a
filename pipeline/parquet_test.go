package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/readiness/readiness/checks/missing"
)

type parquetOpts struct {
	// rowGroup is the most rows per row group.
	rowGroup int64
	// storeSchema stores the Arrow schema in the file, so dictionary
	// columns read back as dictionaries.
	storeSchema bool
	// uncompressed writes without Snappy.
	uncompressed bool
}

// writeParquet writes f with pqarrow.WriteTable.
func writeParquet(t testing.TB, path string, f frame, o parquetOpts) {
	t.Helper()
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	recs := f.records(t, mem, 97)
	tbl := array.NewTableFromRecords(f.schema, recs)
	for _, r := range recs {
		r.Release()
	}
	defer tbl.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	codec := compress.Codecs.Snappy
	if o.uncompressed {
		codec = compress.Codecs.Uncompressed
	}
	props := parquet.NewWriterProperties(parquet.WithAllocator(mem), parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(o.rowGroup))
	var aopts []pqarrow.WriterOption
	if o.storeSchema {
		aopts = append(aopts, pqarrow.WithStoreSchema())
	}
	if err := pqarrow.WriteTable(tbl, out, o.rowGroup, props, pqarrow.NewArrowWriterProperties(aopts...)); err != nil {
		t.Fatal(err)
	}
	// WriteTable closes the file.
}

// TestParquetTotals: several row groups, a file with zero rows, one with
// nulls and one with a dictionary column; totals are right with 1 and 4
// workers and any batch size.
func TestParquetTotals(t *testing.T) {
	dir := t.TempDir()
	nulls := genFrame(1, 1000, 0, arrow.PrimitiveTypes.Int64, false, true)
	empty := genFrame(2, 0, 0, arrow.PrimitiveTypes.Int64, false, true)
	dict := genFrame(3, 777, 1000, arrow.PrimitiveTypes.Int64, true, false)
	writeParquet(t, filepath.Join(dir, "nulls.parquet"), nulls, parquetOpts{rowGroup: 128})
	writeParquet(t, filepath.Join(dir, "empty.parquet"), empty, parquetOpts{rowGroup: 128})
	writeParquet(t, filepath.Join(dir, "dict.parquet"), dict, parquetOpts{rowGroup: 100, storeSchema: true})
	want := expectTotals("x", "g", nulls, empty, dict)

	ds, _, err := audit(t, []string{dir}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by path: dict, empty, nulls.
	for i, n := range []int64{777, 0, 1000} {
		if ds.Rows(i) != n {
			t.Errorf("input %d (%s): footer rows %d, want %d", i, ds.Inputs[i].Path, ds.Rows(i), n)
		}
	}
	if len(ds.sources[0].Units()) != 8 || len(ds.sources[2].Units()) != 8 {
		t.Errorf("row groups %d and %d, want 8 and 8", len(ds.sources[0].Units()), len(ds.sources[2].Units()))
	}
	g, _ := fieldByName(ds.Schema, "g")
	if g.Type.ID() != arrow.STRING {
		t.Errorf("g unified to %s, want utf8 (dictionary read as its values)", g.Type)
	}

	for _, batch := range []int{1, 9, 128, 4096, 0} {
		for _, w := range []int{1, 4} {
			_, out := mustAudit(t, []string{dir}, w, batch, probeTask(probeConfig{Sum: "x", Group: "g"}))
			got := probeOf(t, out)
			checkTotals(t, got, want)
			size := int64(batch)
			if size == 0 {
				size = DefaultBatchSize
			}
			if got.MaxBatch > size || got.MaxBatch > 128 {
				t.Errorf("batch size %d: a batch of %d rows (row groups hold at most 128)", batch, got.MaxBatch)
			}
			if out.Rows != 1777 {
				t.Errorf("outcome rows %d, want 1777", out.Rows)
			}
		}
	}
}

// TestParquetDictionaryRead: a file whose stored schema says dictionary
// yields dictionary batches, which the pipeline hands to checks as plain
// strings.
func TestParquetDictionaryRead(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(3, 300, 0, arrow.PrimitiveTypes.Int64, true, true)
	path := filepath.Join(dir, "d.parquet")
	writeParquet(t, path, f, parquetOpts{rowGroup: 100, storeSchema: true})
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := fieldByName(src.Schema(), "g")
	if g.Type.ID() != arrow.DICTIONARY {
		t.Fatalf("pqarrow read g as %s, want a dictionary (the stored schema says so)", g.Type)
	}
	_, out := sameAcrossWorkers(t, []string{path}, 33, missingTask(), probeTask(probeConfig{Group: "g", Sum: "x"}))
	checkTotals(t, probeOf(t, out), expectTotals("x", "g", f))
}

// TestParquetCorrupt: a truncated file and one with bytes flipped in the
// middle end with an *InputError naming the file, never a panic.
func TestParquetCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeParquet(t, good, genFrame(1, 2000, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 500})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	mangle := map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"no footer": func(b []byte) []byte { return b[:len(b)-8] },
		"tiny":      func(b []byte) []byte { return b[:3] },
		"empty":     func(b []byte) []byte { return nil },
		"flipped": func(b []byte) []byte {
			// The footer stays intact; the column chunks are garbage.
			for i := 4; i < len(b)/2; i++ {
				b[i] ^= 0x5a
			}
			return b
		},
		"flipped middle": func(b []byte) []byte {
			mid := len(b) / 3
			for i := mid; i < mid+64; i++ {
				b[i] = ^b[i]
			}
			return b
		},
		"footer garbage": func(b []byte) []byte {
			for i := len(b) - 40; i < len(b)-8; i++ {
				b[i] ^= 0xff
			}
			return b
		},
	}
	for name, m := range mangle {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.parquet")
			if err := os.WriteFile(path, m(append([]byte{}, data...)), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{1, 4} {
				_, _, err := audit(t, []string{path}, w, 100, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
				if err == nil {
					t.Fatalf("%d workers: no error", w)
				}
				var ie *InputError
				if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), path) {
					t.Errorf("%d workers: err %q (%T), want an *InputError naming %s", w, err, err, path)
				}
			}
		})
	}
}

// TestParquetCorruptAmongGood: one bad file among good ones fails the run
// and is the file named.
func TestParquetCorruptAmongGood(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b", "d"} {
		writeParquet(t, filepath.Join(dir, n+".parquet"), genFrame(1, 300, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 100})
	}
	data, err := os.ReadFile(filepath.Join(dir, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "c.parquet")
	if err := os.WriteFile(bad, data[:len(data)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = audit(t, []string{dir}, 4, 64, missingTask())
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != bad {
		t.Errorf("err %v, want an *InputError for %s", err, bad)
	}
}

// TestParquetRowGroupInErrors: an error while reading a row group names it.
func TestParquetRowGroupInErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.parquet")
	writeParquet(t, path, genFrame(1, 400, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 100, uncompressed: true})
	found, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	opts := ReadOptions{Mem: mem, BatchSize: 50}
	ds, err := Plan(context.Background(), found.Inputs, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Damage the file after planning: the footer read at plan time is
	// reused, the column chunks are read now.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4; i < len(data)*3/4; i++ {
		data[i] = 0xff
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ds.Run(context.Background(), []Task{missingTask()}, RunOptions{ReadOptions: opts, Workers: 1})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), "row group") {
		t.Errorf("err %v, want an *InputError naming %s and a row group", err, path)
	}
}

// TestParquetNullColumn: a column of the null type (all values null) in one
// file and int64 in another unifies to int64; alone it stays the null type,
// and either way every value counts as missing.
func TestParquetNullColumn(t *testing.T) {
	dir := t.TempDir()
	nullCol := frame{schema: arrow.NewSchema([]arrow.Field{field("id", arrow.PrimitiveTypes.Int64), field("n", arrow.Null)}, nil)}
	intCol := frame{schema: arrow.NewSchema([]arrow.Field{field("id", arrow.PrimitiveTypes.Int64), field("n", arrow.PrimitiveTypes.Int64)}, nil)}
	for i := range 30 {
		nullCol.rows = append(nullCol.rows, []any{int64(i), nil})
		intCol.rows = append(intCol.rows, []any{int64(i), int64(i)})
	}
	writeParquet(t, filepath.Join(dir, "mixed", "a.parquet"), nullCol, parquetOpts{rowGroup: 10})
	writeParquet(t, filepath.Join(dir, "mixed", "b.parquet"), intCol, parquetOpts{rowGroup: 10})
	writeParquet(t, filepath.Join(dir, "alone", "a.parquet"), nullCol, parquetOpts{rowGroup: 10})
	for sub, wantType := range map[string]arrow.Type{"mixed": arrow.INT64, "alone": arrow.NULL} {
		ds, out := sameAcrossWorkers(t, []string{filepath.Join(dir, sub)}, 7, missingTask(), probeTask(probeConfig{Sum: "n"}))
		if n, _ := fieldByName(ds.Schema, "n"); n.Type.ID() != wantType {
			t.Errorf("%s: n is %s, want %s", sub, n.Type, wantType)
		}
		var m missing.Metrics
		if err := json.Unmarshal(out.Results[0].Metrics, &m); err != nil {
			t.Fatal(err)
		}
		if m.Columns["n"].Nulls != 30 {
			t.Errorf("%s: n has %d nulls, want 30", sub, m.Columns["n"].Nulls)
		}
		if p := probeOf(t, out); p.Nulls != 30 {
			t.Errorf("%s: probe counted %d nulls in n, want 30", sub, p.Nulls)
		}
	}
}

// ARROW-17100.parquet (pyarrow 2.0, data page V2, snappy) says its pages are
// not compressed though they are; it reads through the patched headers
// (pagefix.go) with the values pyarrow wrote: 1..5, "a".."e", 1.0..5.0 and
// a categorical column a, a, a, b, b.
func TestOldParquetCppDataPageV2(t *testing.T) {
	path := CorpusFile(t, "arrow-testing", "data", "parquet", "ARROW-17100.parquet")
	found, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := openSource(context.Background(), found.Inputs[0], ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if ps := src.(*parquetSource); len(ps.patches) == 0 {
		t.Fatal("no page header was patched")
	}
	sample, err := Discover([]string{filepath.Join("..", "fixtures", "sample", "train.parquet")}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := openSource(context.Background(), sample.Inputs[0], ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if ps := other.(*parquetSource); ps.patches != nil {
		t.Errorf("a file written by parquet-go was patched: %v", ps.patches)
	}
	rr, err := src.Read(context.Background(), src.Units()[0], []string{"col1", "col2", "col3", "col4"}, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var got []string
	for rr.Next() {
		rec := rr.RecordBatch()
		for c := range rec.NumCols() {
			for i := range rec.NumRows() {
				// A string value points into the batch's buffers, which
				// the next Next frees: keep a copy.
				got = append(got, strings.Clone(rec.Column(int(c)).ValueStr(int(i))))
			}
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	want := "1 2 3 4 5 a b c d e 1 2 3 4 5 a a a b b"
	if strings.Join(got, " ") != want {
		t.Errorf("values %q, want %q", strings.Join(got, " "), want)
	}
}

// The page header walk reads what arrow-go's writer writes: a new file is
// never patched, and a truncated header is an error, not a panic.
func TestPageHeaderWalk(t *testing.T) {
	// PageHeader{type=DATA_PAGE_V2(3), uncompressed=10, compressed=7,
	// data_page_header_v2{num_values=1, num_nulls=0, num_rows=1,
	// encoding=0, def_len=0, rep_len=0, is_compressed=false}}.
	hdr := []byte{0x15, 0x06, 0x15, 0x14, 0x15, 0x0e, 0x5c, 0x15, 0x02, 0x15, 0x00, 0x15, 0x02, 0x15, 0x00, 0x15, 0x00, 0x15, 0x00, 0x12, 0x00, 0x00}
	h, err := readPageHeader(bytes.NewReader(hdr), 0, int64(len(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	if h.length != int64(len(hdr)) || h.compressedSize != 7 || h.isCompressedAt != 19 {
		t.Fatalf("header %+v: want length %d, compressed 7, is_compressed at 19", h, len(hdr))
	}
	for n := range len(hdr) - 1 {
		if _, err := readPageHeader(bytes.NewReader(hdr[:n]), 0, int64(n)); err == nil {
			t.Errorf("header cut to %d bytes: no error", n)
		}
	}
}

// FuzzPageHeader: any bytes give a header or an error, never a panic or a
// read past the limit.
func FuzzPageHeader(f *testing.F) {
	f.Add([]byte{0x15, 0x06, 0x15, 0x14, 0x15, 0x0e, 0x5c, 0x15, 0x02, 0x15, 0x00, 0x15, 0x02, 0x15, 0x00, 0x15, 0x00, 0x15, 0x00, 0x12, 0x00, 0x00})
	f.Add([]byte{0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readPageHeader(bytes.NewReader(data), 0, int64(len(data)))
		if err == nil && (h.length > int64(len(data)) || h.isCompressedAt >= h.length) {
			t.Fatalf("header %+v from %d bytes", h, len(data))
		}
	})
}
