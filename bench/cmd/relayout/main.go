// Command relayout rewrites a Parquet file the way most writers lay one
// out: arrow-go's writer with its defaults (as pyarrow's, Spark's and
// DuckDB's), every column but the booleans dictionary-encoded until its
// dictionary passes 1 MiB in a row group, then PLAIN; Snappy; the Arrow
// schema stored; the input's row groups (131,072 rows in the generator's
// files). With -categorical, the named string columns are stored as
// Arrow dictionaries of strings, as pyarrow stores pandas' category
// columns. The fixtures generator writes every column PLAIN
// (fixtures/write.go); `make bench` measures all three layouts
// (docs/performance.md). With -format ipc it writes an Arrow IPC file
// instead, a record batch a row group, uncompressed (as pyarrow's
// feather.write_feather with compression off, and arrow-go's defaults);
// with -format ipc-stream the same batches as an Arrow IPC stream.
//
//	relayout -in bench/data/10m/train.parquet -out bench/data/10m-dict/train.parquet
//	relayout -in bench/data/10m/train.parquet -out bench/data/10m-cat/train.parquet -categorical category,region,label,annotator
//	relayout -in bench/data/10m/train.parquet -out bench/data/10m-ipc/train.arrow -format ipc
//
// The output is written to a temporary file beside it and renamed into
// place once whole. Two runs give the same pages, but not always the same
// bytes: the footer lists a column chunk's page encoding stats in an
// order that changes from run to run (arrow-go v18.8.0's writer keeps them
// in maps, metadata.EncodingStats, and ranges over them).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func main() {
	in := flag.String("in", "", "the Parquet file to rewrite")
	out := flag.String("out", "", "the file to write")
	rows := flag.Int64("row-group-rows", 131072, "rows a row group")
	categorical := flag.String("categorical", "", "comma-separated string columns to store as Arrow dictionaries (pandas' category dtype, as pyarrow writes it)")
	format := flag.String("format", "parquet", "what to write: parquet, ipc (an Arrow IPC file) or ipc-stream")
	flag.Parse()
	if *in == "" || *out == "" || (*format != "parquet" && *format != "ipc" && *format != "ipc-stream") {
		flag.Usage()
		os.Exit(2)
	}
	var cats []string
	if *categorical != "" {
		cats = strings.Split(*categorical, ",")
	}
	if *format == "ipc" && len(cats) > 0 {
		// Each batch's categories make their own dictionary, which the
		// IPC file format cannot replace from batch to batch.
		fmt.Fprintln(os.Stderr, "relayout: -categorical writes Parquet only")
		os.Exit(2)
	}
	if err := relayout(*in, *out, *rows, cats, *format); err != nil {
		fmt.Fprintln(os.Stderr, "relayout:", err)
		os.Exit(1)
	}
}

// batchWriter is what relayout needs of pqarrow's and ipc's writers.
type batchWriter interface {
	Write(arrow.RecordBatch) error
	Close() error
}

func relayout(in, out string, rows int64, categorical []string, format string) error {
	pf, err := file.OpenParquetFile(in, false)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	defer pf.Close()
	rd, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: rows}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	rr, err := rd.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	defer rr.Release()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".relayout-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	defer f.Close()
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	schema := rr.Schema()
	fields := schema.Fields()
	for i, fld := range fields {
		if slices.Contains(categorical, fld.Name) {
			if fld.Type.ID() != arrow.STRING {
				return fmt.Errorf("-categorical %s: a %s column, not a string one", fld.Name, fld.Type)
			}
			fields[i].Type = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
		}
	}
	md := schema.Metadata()
	schema = arrow.NewSchema(fields, &md)
	var w batchWriter
	switch format {
	case "ipc":
		if w, err = ipc.NewFileWriter(f, ipc.WithSchema(schema)); err != nil {
			return err
		}
	case "ipc-stream":
		w = ipc.NewWriter(f, ipc.WithSchema(schema))
	default:
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(rows))
		pw, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return err
		}
		w = bufferedWriter{pw}
	}
	for rr.Next() {
		rec, err := categorize(rr.RecordBatch(), schema)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		err = w.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	return os.Rename(f.Name(), out)
}

// categorize returns rec under schema, each column schema makes a
// dictionary built from rec's strings.
func categorize(rec arrow.RecordBatch, schema *arrow.Schema) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		dt, ok := schema.Field(i).Type.(*arrow.DictionaryType)
		if !ok {
			cols[i] = rec.Column(i)
			cols[i].Retain()
			continue
		}
		b := array.NewDictionaryBuilder(memory.DefaultAllocator, dt).(*array.BinaryDictionaryBuilder)
		if err := b.AppendArray(rec.Column(i)); err != nil {
			b.Release()
			return nil, err
		}
		cols[i] = b.NewArray()
		b.Release()
	}
	out := array.NewRecordBatch(schema, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// bufferedWriter writes each batch into the open row group, so that row
// groups hold -row-group-rows rows whatever the batches.
type bufferedWriter struct{ w *pqarrow.FileWriter }

func (b bufferedWriter) Write(rec arrow.RecordBatch) error { return b.w.WriteBuffered(rec) }
func (b bufferedWriter) Close() error                      { return b.w.Close() }
