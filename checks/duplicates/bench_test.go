package duplicates

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/fixtures"
)

// BenchmarkObserve measures the check's hot loop on one 64K-row batch of an
// id, a text feature (mixed case and punctuation, so normalised), a
// dictionary feature, a float64 and an int64 feature, a label and a split
// column, about 10% of rows repeating an earlier one.
func BenchmarkObserve(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	fb := array.NewFloat64Builder(mem)
	nb := array.NewInt64Builder(mem)
	lb := array.NewStringBuilder(mem)
	pb := array.NewStringBuilder(mem)
	words := []string{"Refund", "my order", "never arrived.", "Where is", "the parcel?", "card charged twice", "thanks!"}
	for i := range n {
		r := i
		if rng.IntN(10) == 0 && i > 0 {
			r = rng.IntN(i) // repeat an earlier row's values
		}
		rr := rand.New(rand.NewPCG(uint64(r), 7))
		ib.Append(int64(r))
		sb.Append(fmt.Sprintf("%s %s %d", words[rr.IntN(len(words))], words[rr.IntN(len(words))], rr.IntN(1000)))
		if err := db.AppendString(words[rr.IntN(len(words))]); err != nil {
			b.Fatal(err)
		}
		fb.Append(rr.Float64())
		nb.Append(rr.Int64N(100))
		lb.Append([]string{"billing", "shipping"}[rr.IntN(2)])
		pb.Append([]string{"train", "train", "train", "test"}[rr.IntN(4)])
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "category", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "split", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{ib.NewArray(), sb.NewArray(), db.NewArray(), fb.NewArray(), nb.NewArray(), lb.NewArray(), pb.NewArray()}, n)
	defer rec.Release()
	env := checks.Env{Schema: schema, Roles: checks.Roles{ID: "id", Label: "label", Split: "split", Features: []string{"text", "category", "amount", "age"}}}
	st, err := newState(defaultConfig(), env)
	if err != nil {
		b.Fatal(err)
	}
	// The same state every time: after the first pass every row is a
	// repeat, so this measures hashing and lookups, not map growth.
	checktest.BenchObserve(b, rec, 7, func() (checks.State, error) { return st, nil })
}

// BenchmarkNormalizedRows measures the normalised feature vectors alone,
// as Observe computes them with the pipeline's memo (the values hashed
// already): one 64K-row batch of the fixture generator's feature columns,
// whose text is mostly lower-case words in normal form, with punctuation,
// planted sentinels ("N/A", " NA ") and white space here and there.
func BenchmarkNormalizedRows(b *testing.B) {
	const n = 64 * 1024
	cfg, err := fixtures.Config{Rows: n, Seed: 3}.WithDefaults()
	if err != nil {
		b.Fatal(err)
	}
	rows, err := fixtures.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	schema := fixtures.ArrowSchema()
	var cols []checktest.Column
	for _, name := range fixtures.FeatureColumns {
		f, _ := schema.FieldsByName(name)
		vals := make([]any, n)
		for i, r := range rows {
			switch name {
			case "text":
				vals[i] = deref(r.Text)
			case "category":
				vals[i] = deref(r.Category)
			case "region":
				vals[i] = deref(r.Region)
			case "amount":
				vals[i] = deref(r.Amount)
			case "age":
				vals[i] = deref(r.Age)
			case "score":
				vals[i] = deref(r.Score)
			case "flag":
				vals[i] = deref(r.Flag)
			}
		}
		cols = append(cols, checktest.Column{Name: name, Type: f[0].Type, Vals: vals})
	}
	batches := checktest.Table(b, memory.NewGoAllocator(), cols)
	defer checktest.Release(batches)
	rec := batches[0].Record
	env := checks.Env{Schema: rec.Schema(), Roles: checks.Roles{Features: fixtures.FeatureColumns}}
	st, err := newState(defaultConfig(), env)
	if err != nil {
		b.Fatal(err)
	}
	s := st.(*state)
	memo := new(checks.Memo).Reset(rec)
	featFP := memo.Rows(rec, s.featIdx, &s.featFP, &s.vals)
	b.SetBytes(n * 30)
	b.ReportAllocs()
	for b.Loop() {
		s.normalizedRows(rec, memo, featFP)
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "rows/s")
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// BenchmarkIsNormalASCII compares the word-at-a-time test with the byte
// loop on the fixture generator's text values, most in normal form.
func BenchmarkIsNormalASCII(b *testing.B) {
	cfg, err := fixtures.Config{Rows: 4096, Seed: 3}.WithDefaults()
	if err != nil {
		b.Fatal(err)
	}
	rows, err := fixtures.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	size := 0
	for _, r := range rows {
		if r.Text != nil {
			texts = append(texts, *r.Text)
			size += len(*r.Text)
		}
	}
	for _, bc := range []struct {
		name string
		f    func(string) bool
	}{{"words", isNormalASCII}, {"bytes", isNormalASCIIBytes}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			normal := 0
			for b.Loop() {
				for _, s := range texts {
					if bc.f(s) {
						normal++
					}
				}
			}
			b.ReportMetric(float64(normal)/float64(b.N*len(texts)), "normal")
		})
	}
}
