package checktest

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
)

// cleaner is a testing.TB that keeps its cleanups, to run when the test
// says, and records Errorf calls.
type cleaner struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	errors   int
}

func (c *cleaner) Helper()               {}
func (c *cleaner) Cleanup(f func())      { c.cleanups = append(c.cleanups, f) }
func (c *cleaner) Errorf(string, ...any) { c.mu.Lock(); c.errors++; c.mu.Unlock() }
func (c *cleaner) runCleanups() {
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	c.cleanups = nil
}

// TestAllocator: the allocator's cleanup reports a leak, and only a leak.
func TestAllocator(t *testing.T) {
	c := &cleaner{}
	mem := Allocator(c)
	buf := mem.Allocate(64)
	if mem.CurrentAlloc() != 64 {
		t.Fatalf("current alloc %d, want 64", mem.CurrentAlloc())
	}
	mem.Free(buf)
	c.runCleanups()
	if c.errors != 0 {
		t.Errorf("released everything, yet %d errors", c.errors)
	}

	c = &cleaner{}
	mem = Allocator(c)
	_ = mem.Allocate(64) // leaked
	c.runCleanups()
	if c.errors == 0 {
		t.Errorf("a leaked buffer went unreported")
	}
}

var (
	tDict  = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	tTS    = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	tDec   = &arrow.Decimal128Type{Precision: 12, Scale: 2}
	moment = time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
)

// TestArray builds every type Array documents and reads the values back.
func TestArray(t *testing.T) {
	mem := Allocator(t)
	for _, tc := range []struct {
		typ  arrow.DataType
		vals []any
		want []any // what is read back; nil: vals
	}{
		{arrow.BinaryTypes.String, []any{"a", nil, ""}, nil},
		{arrow.BinaryTypes.LargeString, []any{nil, "b"}, nil},
		{arrow.BinaryTypes.StringView, []any{"a long string, not inlined", nil}, nil},
		{tDict, []any{"x", "y", nil, "x"}, nil},
		{arrow.PrimitiveTypes.Int64, []any{int64(-5), nil, int64(math.MaxInt64)}, nil},
		{arrow.PrimitiveTypes.Int32, []any{int64(-5), nil}, []any{int32(-5), nil}},
		{arrow.PrimitiveTypes.Int8, []any{int64(-128)}, []any{int8(-128)}},
		{arrow.PrimitiveTypes.Uint64, []any{int64(7), nil}, []any{uint64(7), nil}},
		{arrow.PrimitiveTypes.Uint8, []any{int64(255)}, []any{uint8(255)}},
		{arrow.PrimitiveTypes.Float64, []any{1.5, nil, math.Inf(-1)}, nil},
		{arrow.PrimitiveTypes.Float32, []any{float32(1.5), 2.25, nil}, []any{float32(1.5), float32(2.25), nil}},
		{arrow.FixedWidthTypes.Float16, []any{float32(0.5), nil}, nil},
		{arrow.FixedWidthTypes.Boolean, []any{true, nil, false}, nil},
		{tTS, []any{moment, int64(1000), nil}, []any{arrow.Timestamp(moment.UnixMilli()), arrow.Timestamp(1000), nil}},
		{arrow.FixedWidthTypes.Date32, []any{moment, nil}, []any{arrow.Date32FromTime(moment), nil}},
		// float64 is scaled and rounded half away from zero; int64 is
		// the unscaled value.
		{tDec, []any{0.125, -0.125, int64(1234), nil}, []any{"0.13", "-0.13", "12.34", nil}},
		{arrow.Null, []any{nil, nil}, []any{nil, nil}},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			a := Array(t, mem, tc.typ, tc.vals)
			defer a.Release()
			if !arrow.TypeEqual(a.DataType(), tc.typ) || a.Len() != len(tc.vals) {
				t.Fatalf("got %s × %d, want %s × %d", a.DataType(), a.Len(), tc.typ, len(tc.vals))
			}
			want := tc.want
			if want == nil {
				want = tc.vals
			}
			if got := values(t, a); !reflect.DeepEqual(got, want) {
				t.Errorf("values %#v, want %#v", got, want)
			}
		})
	}
}

// values reads an array back as Go values.
func values(t *testing.T, a arrow.Array) []any {
	t.Helper()
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) {
			continue
		}
		switch a := a.(type) {
		case *array.Null:
			// every value is null
		case *array.String:
			out[i] = a.Value(i)
		case *array.LargeString:
			out[i] = a.Value(i)
		case *array.StringView:
			out[i] = a.Value(i)
		case *array.Dictionary:
			out[i] = a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
		case *array.Int64:
			out[i] = a.Value(i)
		case *array.Int32:
			out[i] = a.Value(i)
		case *array.Int8:
			out[i] = a.Value(i)
		case *array.Uint64:
			out[i] = a.Value(i)
		case *array.Uint8:
			out[i] = a.Value(i)
		case *array.Float64:
			out[i] = a.Value(i)
		case *array.Float32:
			out[i] = a.Value(i)
		case *array.Float16:
			out[i] = a.Value(i).Float32()
		case *array.Boolean:
			out[i] = a.Value(i)
		case *array.Timestamp:
			out[i] = a.Value(i)
		case *array.Date32:
			out[i] = a.Value(i)
		case *array.Decimal128:
			out[i] = a.ValueStr(i)
		default:
			t.Fatalf("no reader for %T", a)
		}
	}
	return out
}

// TestArrayWrongValue: a value of the wrong Go type fails the test rather
// than building a wrong array, and nothing leaks.
func TestArrayWrongValue(t *testing.T) {
	mem := Allocator(t)
	for _, tc := range []struct {
		typ arrow.DataType
		v   any
	}{
		{arrow.BinaryTypes.String, int64(1)},
		{tDict, 1.5},
		{arrow.PrimitiveTypes.Int32, int32(1)},
		{arrow.PrimitiveTypes.Float64, float32(1)},
		{arrow.PrimitiveTypes.Float32, int64(1)},
		{arrow.FixedWidthTypes.Boolean, "true"},
		{tTS, "2025-01-01"},
		{tDec, "1.00"},
		{arrow.BinaryTypes.Binary, []byte("no case for binary")},
	} {
		failed, msg := fails(func(tb testing.TB) {
			Array(tb, mem, tc.typ, []any{nil, tc.v}).Release()
		})
		if !failed {
			t.Errorf("%s column with %T value: did not fail", tc.typ, tc.v)
		} else {
			t.Logf("%s: %s", tc.typ, msg)
		}
	}
}

// TestTable: bounds cut the rows into batches (empty ones included) of
// input 0 with running offsets, under one all-nullable schema.
func TestTable(t *testing.T) {
	mem := Allocator(t)
	cols := []Column{
		{Name: "s", Type: arrow.BinaryTypes.String, Vals: []any{"a", "b", nil, "d", "e"}},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Vals: []any{int64(1), nil, int64(3), int64(4), int64(5)}},
	}
	bs := Table(t, mem, cols, 2, 2)
	defer Release(bs)
	wantRows, wantOff := []int64{2, 0, 3}, []int64{0, 2, 2}
	if len(bs) != len(wantRows) {
		t.Fatalf("%d batches, want %d", len(bs), len(wantRows))
	}
	var s []any
	for i, b := range bs {
		if b.Input != 0 || b.Offset != wantOff[i] || b.Record.NumRows() != wantRows[i] {
			t.Errorf("batch %d: input %d offset %d rows %d, want 0 %d %d", i, b.Input, b.Offset, b.Record.NumRows(), wantOff[i], wantRows[i])
		}
		if !b.Record.Schema().Equal(Schema(cols)) {
			t.Errorf("batch %d: schema %s", i, b.Record.Schema())
		}
		s = append(s, values(t, b.Record.Column(0))...)
	}
	if !reflect.DeepEqual(s, cols[0].Vals) {
		t.Errorf("column s reads back as %v", s)
	}
	for _, f := range Schema(cols).Fields() {
		if !f.Nullable {
			t.Errorf("field %s is not nullable", f.Name)
		}
	}
	if bs := Table(t, mem, nil); len(bs) != 1 || bs[0].Record.NumRows() != 0 {
		t.Errorf("no columns: %d batches", len(bs))
	} else {
		Release(bs)
	}
}

var sample = filepath.Join("..", "..", "fixtures", "sample")

// TestReadFixtures reads the sample from Parquet and from Arrow IPC: the
// same rows and columns as truth.json says, batches of at most batchRows
// rows with running offsets, released when the (sub)test ends.
func TestReadFixtures(t *testing.T) {
	var tr struct {
		Rows int64 `json:"rows"`
	}
	ReadJSON(t, filepath.Join(sample, "truth.json"), &tr)
	if tr.Rows <= 0 {
		t.Fatalf("truth.json: rows %d", tr.Rows)
	}
	for _, tc := range []struct {
		name      string
		read      func(testing.TB, memory.Allocator) []checks.Batch
		batchRows int64
	}{
		{"parquet/97", func(t testing.TB, mem memory.Allocator) []checks.Batch {
			return ReadParquet(t, mem, filepath.Join(sample, "train.parquet"), 97)
		}, 97},
		{"parquet/1000", func(t testing.TB, mem memory.Allocator) []checks.Batch {
			return ReadParquet(t, mem, filepath.Join(sample, "train.parquet"), 1000)
		}, 1000},
		{"ipc", func(t testing.TB, mem memory.Allocator) []checks.Batch {
			return ReadIPC(t, mem, filepath.Join(sample, "train.arrow"))
		}, 0},
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var names []string
		t.Run(tc.name, func(t *testing.T) {
			bs := tc.read(t, mem)
			if mem.CurrentAlloc() == 0 {
				t.Errorf("nothing allocated from mem")
			}
			var off int64
			for i, b := range bs {
				n := b.Record.NumRows()
				if b.Input != 0 || b.Offset != off {
					t.Errorf("batch %d: input %d offset %d, want 0 %d", i, b.Input, b.Offset, off)
				}
				if tc.batchRows > 0 && (n > tc.batchRows || n < tc.batchRows && off+n != tr.Rows) {
					t.Errorf("batch %d: %d rows, want %d", i, n, tc.batchRows)
				}
				off += n
			}
			if off != tr.Rows {
				t.Errorf("%d rows, truth %d", off, tr.Rows)
			}
			for _, f := range bs[0].Record.Schema().Fields() {
				names = append(names, f.Name)
			}
		})
		mem.AssertSize(t, 0) // released at the subtest's cleanup
		if len(names) == 0 {
			t.Errorf("%s: no columns", tc.name)
		}
	}
}

// TestReadErrors: a missing file fails the test.
func TestReadErrors(t *testing.T) {
	mem := Allocator(t)
	missing := filepath.Join(t.TempDir(), "none")
	for name, f := range map[string]func(tb testing.TB){
		"parquet": func(tb testing.TB) { ReadParquet(tb, mem, missing, 10) },
		"ipc":     func(tb testing.TB) { ReadIPC(tb, mem, missing) },
		"json":    func(tb testing.TB) { var v any; ReadJSON(tb, missing, &v) },
	} {
		if failed, _ := fails(f); !failed {
			t.Errorf("%s: a missing file did not fail", name)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"rows": `), 0o644); err != nil {
		t.Fatal(err)
	}
	if failed, _ := fails(func(tb testing.TB) { var v any; ReadJSON(tb, bad, &v) }); !failed {
		t.Errorf("truncated JSON did not fail")
	}
}

func TestRepeat(t *testing.T) {
	if got := Repeat("a", 3); !reflect.DeepEqual(got, []any{"a", "a", "a"}) {
		t.Errorf("Repeat(a, 3) = %v", got)
	}
	if got := Repeat(nil, 2); !reflect.DeepEqual(got, []any{nil, nil}) {
		t.Errorf("Repeat(nil, 2) = %v", got)
	}
	if got := Repeat(int64(1), 0); len(got) != 0 {
		t.Errorf("Repeat(1, 0) = %v", got)
	}
}

// TestRandomBounds: bounds are non-decreasing, inside (0, rows), at least
// least apart, and the same for the same seed.
func TestRandomBounds(t *testing.T) {
	for _, tc := range []struct{ rows, least, n int }{{1000, 0, 200}, {1000, 1, 200}, {50, 0, 300}, {0, 0, 10}, {7, 1, 1}} {
		bounds := RandomBounds(rand.New(rand.NewPCG(1, 2)), tc.rows, tc.least, tc.n)
		again := RandomBounds(rand.New(rand.NewPCG(1, 2)), tc.rows, tc.least, tc.n)
		if !reflect.DeepEqual(bounds, again) {
			t.Errorf("%+v: not reproducible: %v then %v", tc, bounds, again)
		}
		prev := 0
		for _, b := range bounds {
			if b <= 0 || b >= tc.rows || b-prev < tc.least || b-prev >= tc.least+tc.n {
				t.Errorf("%+v: bound %d after %d in %v", tc, b, prev, bounds)
			}
			prev = b
		}
		if tc.least == 1 && tc.n == 1 && len(bounds) != tc.rows-1 {
			t.Errorf("%+v: %v, want every row its own batch", tc, bounds)
		}
	}
}

// TestForeign: Foreign is a state that does nothing.
func TestForeign(t *testing.T) {
	var st checks.State = Foreign{}
	if err := st.Observe(checks.Batch{}); err != nil {
		t.Error(err)
	}
	if err := st.Merge(Foreign{}); err != nil {
		t.Error(err)
	}
	if r, err := st.Result(); err != nil || !reflect.DeepEqual(r, checks.Result{}) {
		t.Errorf("result %+v, %v", r, err)
	}
}
