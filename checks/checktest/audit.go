package checktest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AuditBatch builds n rows shaped like bench/data/*/train.parquet, for
// the checks' benchmarks: a unique id, a free-text column, three
// low-cardinality string columns with missing-value tokens, blanks and
// nulls, floats with 2 and 4 decimals, an age with -999 placeholders, a
// flag, the label and the annotator. The caller releases it.
func AuditBatch(n int) arrow.RecordBatch {
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
