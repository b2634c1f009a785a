package missing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// BenchmarkObserve measures the check's hot loop on one 64K-row batch of a
// string, a float64 and an int64 column with a few percent missing.
func BenchmarkObserve(b *testing.B) { benchObserve(b, "") }

// BenchmarkObserveByClass is BenchmarkObserve with the string column as the
// label, so missing values are also counted per class.
func BenchmarkObserveByClass(b *testing.B) { benchObserve(b, "s") }

func benchObserve(b *testing.B, label string) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	sb := array.NewStringBuilder(mem)
	fb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	words := []string{"alpha", "beta", "gamma", " NA ", "  ", "delta"}
	for range n {
		if rng.IntN(50) == 0 {
			sb.AppendNull()
		} else {
			sb.Append(words[rng.IntN(len(words))])
		}
		switch rng.IntN(40) {
		case 0:
			fb.AppendNull()
		case 1:
			fb.Append(math.NaN())
		default:
			fb.Append(rng.Float64())
		}
		if rng.IntN(30) == 0 {
			ib.Append(-999)
		} else {
			ib.Append(rng.Int64N(100))
		}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{sb.NewArray(), fb.NewArray(), ib.NewArray()}, n)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	cfg.NumericSentinels = []float64{-999}
	st, err := newState(cfg, checks.Env{Schema: schema, Roles: checks.Roles{Label: label}})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 3, func() (checks.State, error) { return st, nil })
}

// BenchmarkObserveAudit measures Observe on one 64K-row batch shaped like
// the bench/data audits: a free-text column, three low-cardinality string
// columns with tokens, blanks and nulls, floats with 2 and 4 decimals, an
// age with -999 placeholders, a unique id, a flag and the label.
func BenchmarkObserveAudit(b *testing.B) {
	rec := checktest.AuditBatch(64 * 1024)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	st, err := newState(cfg, checks.Env{Schema: rec.Schema(), Roles: checks.Roles{Label: "label"}})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 80, func() (checks.State, error) { return st, nil })
}

// BenchmarkObserveDictionary measures Observe on one 64K-row batch of a
// dictionary-encoded string column: 20 values, tokens and blanks among
// them, and nulls both as indices and as a dictionary value.
func BenchmarkObserveDictionary(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(5, 6))
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	values := []string{"north", "south", "east", "west", "central", "NA", " ", "unknown", "Unknown", "x"}
	for i := range 10 {
		values = append(values, fmt.Sprintf("region-%d", i))
	}
	for range n {
		if rng.IntN(50) == 0 {
			db.AppendNull()
		} else if err := db.AppendString(values[rng.IntN(len(values))]); err != nil {
			b.Fatal(err)
		}
	}
	arr := db.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, n)
	arr.Release()
	defer rec.Release()
	st, err := newState(defaultConfig().(*Config), checks.Env{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 4, func() (checks.State, error) { return st, nil })
}

// BenchmarkObserveNumbers measures Observe on the numeric columns of
// BenchmarkObserveAudit's batch alone (amount, score, age and id, 2%
// null): the loop every number goes through (floatsOf, intsOf).
func BenchmarkObserveNumbers(b *testing.B) {
	full := checktest.AuditBatch(64 * 1024)
	defer full.Release()
	var fields []arrow.Field
	var cols []arrow.Array
	for _, name := range []string{"amount", "score", "age", "id"} {
		idx := full.Schema().FieldIndices(name)
		if len(idx) != 1 {
			b.Fatalf("no column %q in the audit batch", name)
		}
		fields = append(fields, full.Schema().Field(idx[0]))
		cols = append(cols, full.Column(idx[0]))
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, full.NumRows())
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	st, err := newState(cfg, checks.Env{Schema: rec.Schema()})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 32, func() (checks.State, error) { return st, nil })
}
