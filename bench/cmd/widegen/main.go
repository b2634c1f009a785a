// Command widegen writes a wide Parquet file for the scale envelope of
// docs/performance.md: an id, a timestamp, a label of four classes and k
// feature columns cycling through float64, int64, a string of six values,
// a three-word text and a bool, 1% of each feature null, 3% of the rows
// repeating the previous row's features (their labels drawn afresh, so
// most of those groups conflict). Written with arrow-go's pqarrow: PLAIN
// encoding (no dictionary), snappy, row groups of 131,072 rows, and its
// default 1 MiB data pages. Deterministic for given flags.
//
//	go run ./cmd/widegen -rows 1000000 -features 200 -out data/wide/train.parquet
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func main() {
	rows := flag.Int("rows", 1000000, "rows")
	k := flag.Int("features", 200, "feature columns")
	out := flag.String("out", "wide.parquet", "output")
	flag.Parse()
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	for j := range *k {
		var t arrow.DataType
		switch j % 5 {
		case 0:
			t = arrow.PrimitiveTypes.Float64
		case 1:
			t = arrow.PrimitiveTypes.Int64
		case 2, 3:
			t = arrow.BinaryTypes.String
		case 4:
			t = arrow.FixedWidthTypes.Boolean
		}
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("f%03d", j), Type: t, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		panic(err)
	}
	f, err := os.Create(*out)
	if err != nil {
		panic(err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(false), parquet.WithMaxRowGroupLength(131072))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(7, 9))
	labels := []string{"a", "b", "c", "d"}
	cats := []string{"north", "south", "east", "west", "central", "n/a"}
	words := []string{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Data", "model"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	mem := memory.DefaultAllocator
	const batch = 131072
	for start := 0; start < *rows; start += batch {
		n := min(batch, *rows-start)
		b := array.NewRecordBuilder(mem, schema)
		for i := range n {
			r := start + i
			dup := r > 0 && rng.IntN(100) < 3 // 3% rows repeat the previous row's features
			b.Field(0).(*array.Int64Builder).Append(int64(r))
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(base + rng.Int64N(400*86400e6)))
			b.Field(2).(*array.StringBuilder).Append(labels[rng.IntN(4)])
			seed := uint64(r)
			if dup {
				seed = uint64(r - 1)
			}
			vr := rand.New(rand.NewPCG(seed, 1))
			for j := range *k {
				fb := b.Field(3 + j)
				if vr.IntN(100) == 0 {
					fb.AppendNull()
					continue
				}
				switch j % 5 {
				case 0:
					fb.(*array.Float64Builder).Append(vr.NormFloat64() * 100)
				case 1:
					fb.(*array.Int64Builder).Append(vr.Int64N(1000))
				case 2:
					fb.(*array.StringBuilder).Append(cats[vr.IntN(len(cats))])
				case 3:
					fb.(*array.StringBuilder).Append(words[vr.IntN(10)] + " " + words[vr.IntN(10)] + " " + words[vr.IntN(10)] + fmt.Sprint(vr.IntN(1000)))
				case 4:
					fb.(*array.BooleanBuilder).Append(vr.IntN(2) == 0)
				}
			}
		}
		rec := b.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			panic(err)
		}
		rec.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
}
