package checktest

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	pqfile "github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/readiness/readiness/checks"
)

// Allocator returns a checked allocator and asserts, when the test and its
// cleanups registered after this call are done, that every byte it
// allocated was released.
func Allocator(t testing.TB) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// Release releases every batch's record.
func Release(bs []checks.Batch) {
	for _, b := range bs {
		b.Record.Release()
	}
}

// Column is one column of a test table as plain Go values: nil is null.
// [Array] says which Go values each Arrow type takes.
type Column struct {
	Name string
	Type arrow.DataType
	Vals []any
}

// Schema is the schema of cols, every field nullable.
func Schema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Table cuts cols into record batches at the given row boundaries (so n
// bounds give n+1 batches, some possibly empty), wrapped by [Batches] as
// input 0. The caller owns the batches (see [Release]).
func Table(t testing.TB, mem memory.Allocator, cols []Column, bounds ...int) []checks.Batch {
	t.Helper()
	n := 0
	if len(cols) > 0 {
		n = len(cols[0].Vals)
	}
	schema := Schema(cols)
	var recs []arrow.RecordBatch
	lo := 0
	for _, hi := range append(bounds, n) {
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			arrs[i] = Array(t, mem, c.Type, c.Vals[lo:hi])
		}
		recs = append(recs, array.NewRecordBatch(schema, arrs, int64(hi-lo)))
		for _, a := range arrs {
			a.Release()
		}
		lo = hi
	}
	return Batches(0, recs...)
}

// Array builds an array of type typ from vals; nil is null. The Go values
// each type takes:
//
//   - string, large_string, string_view, dictionary<_, utf8>: string
//   - int64, int32, int8, uint64, uint8: int64
//   - float64: float64; float32: float32 or float64; float16: float32
//     (a value float16 represents exactly)
//   - bool: bool
//   - timestamp: time.Time, or int64 in the type's unit
//   - date32: time.Time
//   - decimal128: int64 unscaled, or float64 (scaled and rounded half away
//     from zero)
//   - null: any (every value is null)
//
// Any other type or value fails the test.
func Array(t testing.TB, mem memory.Allocator, typ arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	if typ.ID() == arrow.NULL {
		return array.NewNull(len(vals))
	}
	var b array.Builder
	if d, ok := typ.(*arrow.DictionaryType); ok {
		b = array.NewDictionaryBuilder(mem, d)
	} else {
		b = array.NewBuilder(mem, typ)
	}
	defer b.Release()
	for i, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		ok := true
		switch b := b.(type) {
		case *array.StringBuilder:
			s, k := v.(string)
			b.Append(s)
			ok = k
		case *array.LargeStringBuilder:
			s, k := v.(string)
			b.Append(s)
			ok = k
		case *array.StringViewBuilder:
			s, k := v.(string)
			b.Append(s)
			ok = k
		case *array.BinaryDictionaryBuilder:
			s, k := v.(string)
			if k {
				if err := b.AppendString(s); err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
			}
			ok = k
		case *array.Int64Builder:
			n, k := v.(int64)
			b.Append(n)
			ok = k
		case *array.Int32Builder:
			n, k := v.(int64)
			b.Append(int32(n))
			ok = k
		case *array.Int8Builder:
			n, k := v.(int64)
			b.Append(int8(n))
			ok = k
		case *array.Uint64Builder:
			n, k := v.(int64)
			b.Append(uint64(n))
			ok = k
		case *array.Uint8Builder:
			n, k := v.(int64)
			b.Append(uint8(n))
			ok = k
		case *array.Float64Builder:
			f, k := v.(float64)
			b.Append(f)
			ok = k
		case *array.Float32Builder:
			switch f := v.(type) {
			case float32:
				b.Append(f)
			case float64:
				b.Append(float32(f))
			default:
				ok = false
			}
		case *array.Float16Builder:
			f, k := v.(float32)
			b.Append(float16.New(f))
			ok = k
		case *array.BooleanBuilder:
			x, k := v.(bool)
			b.Append(x)
			ok = k
		case *array.TimestampBuilder:
			switch x := v.(type) {
			case time.Time:
				ts, err := arrow.TimestampFromTime(x, typ.(*arrow.TimestampType).Unit)
				if err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
				b.Append(ts)
			case int64:
				b.Append(arrow.Timestamp(x))
			default:
				ok = false
			}
		case *array.Date32Builder:
			x, k := v.(time.Time)
			b.Append(arrow.Date32FromTime(x))
			ok = k
		case *array.Decimal128Builder:
			switch x := v.(type) {
			case int64:
				b.Append(decimal128.FromI64(x))
			case float64:
				scaled := x * math.Pow10(int(typ.(*arrow.Decimal128Type).Scale))
				b.Append(decimal128.FromI64(int64(math.Round(scaled))))
			default:
				ok = false
			}
		default:
			t.Fatalf("no builder case for %T", b)
		}
		if !ok {
			t.Fatalf("value %d: %T %v is not a value for a %s column", i, v, v, typ)
		}
	}
	return b.NewArray()
}

// ReadParquet reads a Parquet file with pqarrow, batchRows rows a batch,
// into batches of input 0. They are released when the test ends, so
// allocate mem (for example with [Allocator]) before calling ReadParquet.
func ReadParquet(t testing.TB, mem memory.Allocator, path string, batchRows int64) []checks.Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer f.Close()
	props := parquet.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true
	pr, err := pqfile.NewParquetReader(f, pqfile.WithReadProps(props))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: batchRows}, mem)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer rr.Release()
	var recs []arrow.RecordBatch
	t.Cleanup(func() { releaseRecords(recs) })
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rr.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return Batches(0, recs...)
}

// ReadIPC reads an Arrow IPC file into batches of input 0, one a record
// batch of the file. They are released when the test ends, so allocate mem
// (for example with [Allocator]) before calling ReadIPC.
func ReadIPC(t testing.TB, mem memory.Allocator, path string) []checks.Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer r.Close()
	var recs []arrow.RecordBatch
	t.Cleanup(func() { releaseRecords(recs) })
	for i := range r.NumRecords() {
		rec, err := r.RecordBatchAt(i) // the caller owns it
		if err != nil {
			t.Fatalf("%s: batch %d: %v", path, i, err)
		}
		recs = append(recs, rec)
	}
	return Batches(0, recs...)
}

func releaseRecords(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// ReadJSON decodes the JSON file at path (a fixture's truth.json, say)
// into v, failing the test if it cannot.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Repeat returns n copies of v, for a column's values.
func Repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// RandomBounds returns row boundaries for [Table] that cut rows rows at
// random: each batch has least + rng.IntN(n) rows (the last one fewer), so
// with least 0 some batches are empty.
func RandomBounds(rng *rand.Rand, rows, least, n int) []int {
	var bounds []int
	for i := 0; i < rows; {
		i += least + rng.IntN(n)
		if i < rows {
			bounds = append(bounds, i)
		}
	}
	return bounds
}

// Foreign is a state of no check, for testing that a check's Merge (or
// anything else taking a state) rejects another check's state. Its methods
// do nothing.
type Foreign struct{}

func (Foreign) Observe(checks.Batch) error     { return nil }
func (Foreign) Merge(checks.State) error       { return nil }
func (Foreign) Result() (checks.Result, error) { return checks.Result{}, nil }
