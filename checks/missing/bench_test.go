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
	rec := auditBatch(64 * 1024)
	defer rec.Release()
	cfg := defaultConfig().(*Config)
	st, err := newState(cfg, checks.Env{Schema: rec.Schema(), Roles: checks.Roles{Label: "label"}})
	if err != nil {
		b.Fatal(err)
	}
	checktest.BenchObserve(b, rec, 80, func() (checks.State, error) { return st, nil })
}

// auditBatch builds n rows shaped like bench/data/*/train.parquet.
func auditBatch(n int) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"bank", "fee", "card", "paid", "refund", "late", "item", "box", "twice", "again", "size", "login", "broken", "today"}
	dirty := func(vals []string) string {
		switch rng.IntN(50) {
		case 0:
			return ""
		case 1:
			return "  "
		case 2:
			return "NA"
		case 3:
			return " N/A "
		case 4:
			return "\tnull"
		}
		return vals[rng.IntN(len(vals))]
	}
	category := []string{"electronics", "garden", "sports", "books", "toys", "home", "food", "beauty"}
	region := []string{"north", "south", "east", "west", "central"}
	annotator := make([]string, 12)
	for i := range annotator {
		annotator[i] = fmt.Sprintf("ann%02d", i)
	}
	classes := []string{"returns", "billing", "shipping", "fraud"}
	text := array.NewStringBuilder(mem)
	cat := array.NewStringBuilder(mem)
	reg := array.NewStringBuilder(mem)
	ann := array.NewStringBuilder(mem)
	lab := array.NewStringBuilder(mem)
	amount := array.NewFloat64Builder(mem)
	score := array.NewFloat64Builder(mem)
	age := array.NewInt64Builder(mem)
	id := array.NewInt64Builder(mem)
	flag := array.NewBooleanBuilder(mem)
	null := func() bool { return rng.IntN(50) == 0 }
	for i := range n {
		if null() {
			text.AppendNull()
		} else {
			k := 2 + rng.IntN(4)
			t := words[rng.IntN(len(words))]
			for range k - 1 {
				t += " " + words[rng.IntN(len(words))]
			}
			text.Append(dirty([]string{t}))
		}
		for _, c := range []struct {
			b    *array.StringBuilder
			vals []string
		}{{cat, category}, {reg, region}, {ann, annotator}} {
			if null() {
				c.b.AppendNull()
			} else {
				c.b.Append(dirty(c.vals))
			}
		}
		if null() {
			lab.AppendNull()
		} else {
			lab.Append(classes[rng.IntN(len(classes))])
		}
		if null() {
			amount.AppendNull()
		} else {
			amount.Append(math.Round(rng.ExpFloat64()*10000) / 100)
		}
		if null() {
			score.AppendNull()
		} else {
			score.Append(math.Round(rng.Float64()*10000) / 10000)
		}
		switch {
		case null():
			age.AppendNull()
		case rng.IntN(50) == 0:
			age.Append(-999)
		default:
			age.Append(18 + rng.Int64N(70))
		}
		if rng.IntN(500) == 0 {
			id.AppendNull()
		} else {
			id.Append(int64(i))
		}
		if null() {
			flag.AppendNull()
		} else {
			flag.Append(rng.IntN(2) == 0)
		}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "category", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "annotator", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{id.NewArray(), text.NewArray(), cat.NewArray(), reg.NewArray(),
		amount.NewArray(), age.NewArray(), score.NewArray(), flag.NewArray(), lab.NewArray(), ann.NewArray()}, int64(n))
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
