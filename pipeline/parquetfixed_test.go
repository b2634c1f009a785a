package pipeline

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// fixedTable is a table of fixed-width columns, some read by flatFixed
// (fixedOwn) and some left to pqarrow, with nulls in runs and alone, a
// required column, a column almost all null, and floats' odd values.
func fixedTable(mem memory.Allocator, n int) (arrow.Table, map[string]bool) {
	r := rand.New(rand.NewPCG(3, 11))
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "req", Type: arrow.PrimitiveTypes.Int64},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: ts, Nullable: true},
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "sparse", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		// One value, five, and more as a row group goes on: a
		// dictionary of 32 values (256 bytes) takes the values up to
		// about row 256 of a row group of 700, several pages of a
		// dictionary's indices, and the writer of dict-v2-fallback then
		// writes the rest PLAIN.
		{Name: "one", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "five", Type: arrow.PrimitiveTypes.Float64},
		{Name: "grows", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "reqflag", Type: arrow.FixedWidthTypes.Boolean},
		// pqarrow's: converted from their Parquet values.
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	own := map[string]bool{"i64": true, "req": true, "f64": true, "ts": true, "ms": true, "i32": true, "f32": true, "sparse": true, "one": true, "five": true, "grows": true, "flag": true, "reqflag": true}
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	odd := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	nullRun := 0
	for i := range n {
		// Runs of nulls as well as single ones, so that the levels come
		// both repeated and bit-packed.
		if nullRun == 0 && r.IntN(200) == 0 {
			nullRun = 1 + r.IntN(40)
		}
		null := nullRun > 0 || r.IntN(9) == 0
		if nullRun > 0 {
			nullRun--
		}
		for c := range sc.NumFields() {
			fb := b.Field(c)
			if sc.Field(c).Nullable && (null || (sc.Field(c).Name == "sparse" && r.IntN(50) != 0)) {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				switch sc.Field(c).Name {
				case "one":
					fb.Append(7)
				case "grows":
					fb.Append(int64(r.IntN(1 + i%700/8)))
				default:
					fb.Append(int64(r.Uint64()))
				}
			case *array.BooleanBuilder:
				fb.Append(r.IntN(3) == 0)
			case *array.Float64Builder:
				if sc.Field(c).Name == "five" {
					fb.Append(float64(r.IntN(5)) / 4)
				} else if r.IntN(20) == 0 {
					fb.Append(odd[r.IntN(len(odd))])
				} else {
					fb.Append(r.NormFloat64() * 1e6)
				}
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(1_600_000_000_000_000 + r.Int64N(1e14)))
			case *array.Int32Builder:
				fb.Append(int32(r.Uint32()))
			case *array.Float32Builder:
				fb.Append(float32(r.NormFloat64()))
			case *array.Uint32Builder:
				fb.Append(r.Uint32())
			case *array.Int16Builder:
				fb.Append(int16(r.Uint32()))
			case *array.Date32Builder:
				fb.Append(arrow.Date32(r.IntN(30000)))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewTableFromRecords(sc, []arrow.RecordBatch{rec}), own
}

// TestFlatFixedAgainstWritten writes fixed-width and boolean columns with pqarrow under
// every layout that changes how their pages are read (plain or dictionary
// encoding, data page V1 or V2, pages of a few values, Snappy or none) and
// reads them back, the flat paths on and off, in batches that cross page
// and row-group boundaries: every value and null comes back as written,
// and the columns pqarrow converts are left to it.
func TestFlatFixedAgainstWritten(t *testing.T) {
	// The own columns' chunks are read from their pages in every layout:
	// PLAIN values, a dictionary's indices, or (the small dictionary
	// pages) a dictionary's indices and then PLAIN values once the writer
	// gives up on the dictionary.
	layouts := []struct {
		name  string
		props []parquet.WriterProperty
	}{
		{"plain-v1", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageVersion(parquet.DataPageV1)}},
		{"plain-v2", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageVersion(parquet.DataPageV2)}},
		{"dict-v1", []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithDataPageVersion(parquet.DataPageV1)}},
		{"dict-v2-fallback", []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(64), parquet.WithBatchSize(17), parquet.WithDictionaryPageSizeLimit(256), parquet.WithCompression(compress.Codecs.Snappy)}},
		{"plain-small-pages-snappy", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(300), parquet.WithBatchSize(17), parquet.WithCompression(compress.Codecs.Snappy)}},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.parquet")
			mem := newChecked(t)
			tbl, own := fixedTable(mem, 3000)
			// The values as written, read off the table itself.
			want := map[string][]string{}
			for c, fld := range tbl.Schema().Fields() {
				for _, a := range tbl.Column(c).Data().Chunks() {
					for i := range a.Len() {
						v := "<null>"
						if a.IsValid(i) {
							v = a.ValueStr(i)
						}
						want[fld.Name] = append(want[fld.Name], v)
					}
				}
			}
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithAllocator(mem)}, l.props...)...)
			if err := pqarrow.WriteTable(tbl, out, 700, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem), pqarrow.WithStoreSchema())); err != nil {
				t.Fatal(err)
			}
			out.Close()
			tbl.Release()
			mem.AssertSize(t, 0)
			src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ps := src.(*parquetSource)
			for rg := range ps.meta.NumRowGroups() {
				for _, fld := range ps.schema.Fields() {
					if got := flatFixedWidth(ps.meta, rg, ps.leaves[fld.Name][0], fld) != 0; got != own[fld.Name] {
						t.Errorf("row group %d, column %s (%s): read from its pages %v, want %v", rg, fld.Name, fld.Type, got, own[fld.Name])
					}
				}
				// A timestamp read in another unit than the file's is
				// converted, by pqarrow.
				for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Nanosecond} {
					fld := arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: unit, TimeZone: "UTC"}, Nullable: true}
					if flatFixedWidth(ps.meta, rg, ps.leaves["ts"][0], fld) != 0 {
						t.Errorf("row group %d: microseconds read as %s take the flat path", rg, fld.Type)
					}
				}
			}
			dict, fallback := dictChunks(t, path, own)
			if strings.HasPrefix(l.name, "dict") && !dict || l.name == "dict-v2-fallback" && !fallback {
				t.Errorf("dictionary pages %v, PLAIN pages after a dictionary's %v", dict, fallback)
			}
			src.Close()
			readBack(t, path, func(batch int, flat bool, got map[string][]string) {
				for name, w := range want {
					vals := got[name]
					if len(vals) != len(w) {
						t.Fatalf("batch %d, flat %v: column %s has %d values, want %d", batch, flat, name, len(vals), len(w))
					}
					for i := range w {
						if vals[i] != w[i] {
							t.Fatalf("batch %d, flat %v: column %s row %d is %s, want %s", batch, flat, name, i, vals[i], w[i])
						}
					}
				}
			})
		})
	}
}

// dictChunks reports whether a chunk of the columns own of the file at
// path has a dictionary page, and whether one has PLAIN data pages after
// its dictionary-encoded ones (its writer gave up on the dictionary). It
// reads the pages' headers: the chunk's encoding stats, as arrow-go's
// writer fills them, leave out the PLAIN pages after a dictionary's.
func dictChunks(t *testing.T, path string, own map[string]bool) (dict, fallback bool) {
	t.Helper()
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for rg := range r.NumRowGroups() {
		g := r.RowGroup(rg)
		for c := range r.MetaData().Schema.NumColumns() {
			if !own[r.MetaData().Schema.Column(c).Name()] {
				continue
			}
			pr, err := g.GetColumnPageReader(c)
			if err != nil {
				t.Fatal(err)
			}
			indexed := false
			for pr.Next() {
				switch e := parquet.Encoding(pr.Page().Encoding()); {
				case pr.Page().Type() == file.PageTypeDictionaryPage:
					dict = true
				case e == parquet.Encodings.RLEDict:
					indexed = true
				case e == parquet.Encodings.Plain && indexed:
					fallback = true
				}
			}
			if err := pr.Err(); err != nil {
				t.Fatal(err)
			}
			pr.Close()
		}
	}
	return dict, fallback
}

// BenchmarkParquetFlatRead reads every column of a 200,000-row file like
// the benchmark's (short labels, text, integers, floats, timestamps and
// booleans, a few nulls) through the audit's reader, in batches of 32,768
// rows: the decode work that the flat paths do. plain is the file with
// every chunk PLAIN, dict with arrow-go's writer defaults (dictionaries,
// PLAIN once one passes 1 MiB), as bench/cmd/relayout writes it.
func BenchmarkParquetFlatRead(b *testing.B) {
	const n = 200_000
	r := rand.New(rand.NewPCG(5, 5))
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	mem := memory.NewGoAllocator()
	bld := array.NewRecordBuilder(mem, sc)
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}
	for range n {
		for c := range sc.NumFields() {
			fb := bld.Field(c)
			if r.IntN(200) == 0 {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(r.Int64())
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(1_700_000_000_000_000 + r.Int64N(1e13)))
			case *array.Float64Builder:
				fb.Append(r.Float64() * 1000)
			case *array.BooleanBuilder:
				fb.Append(r.IntN(2) == 0)
			case *array.StringBuilder:
				if sc.Field(c).Name == "text" {
					t := ""
					for range 2 + r.IntN(6) {
						t += words[r.IntN(len(words))] + " "
					}
					fb.Append(t)
				} else {
					fb.Append(words[r.IntN(4)])
				}
			}
		}
	}
	rec := bld.NewRecordBatch()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	opts := ReadOptions{BatchSize: 32_768}
	for _, dict := range []bool{false, true} {
		path := filepath.Join(b.TempDir(), "bench.parquet")
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(dict), parquet.WithCompression(compress.Codecs.Snappy))
		if err := pqarrow.WriteTable(tbl, out, 65_536, props, pqarrow.DefaultWriterProps()); err != nil {
			b.Fatal(err)
		}
		out.Close()
		layout := map[bool]string{false: "plain", true: "dict"}[dict]
		benchFlatRead(b, layout, path, names, opts, n)
	}
}

// benchFlatRead reads the file at path (n rows) with the flat paths
// (flat) and through pqarrow's record reader alone (pqarrow).
func benchFlatRead(b *testing.B, layout, path string, names []string, opts ReadOptions, n int) {
	for _, flat := range []bool{true, false} {
		b.Run(layout+"/"+map[bool]string{true: "flat", false: "pqarrow"}[flat], func(b *testing.B) {
			prevS, prevF := ownStringColumns, ownFixedColumns
			ownStringColumns, ownFixedColumns = flat, flat
			defer func() { ownStringColumns, ownFixedColumns = prevS, prevF }()
			for b.Loop() {
				src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, opts)
				if err != nil {
					b.Fatal(err)
				}
				rows := 0
				for _, u := range src.Units() {
					rr, err := src.Read(context.Background(), u, names, nil, opts)
					if err != nil {
						b.Fatal(err)
					}
					for rr.Next() {
						rows += int(rr.RecordBatch().NumRows())
					}
					if err := rr.Err(); err != nil {
						b.Fatal(err)
					}
					rr.Release()
				}
				src.Close()
				if rows != n {
					b.Fatalf("%d rows, want %d", rows, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
