package privacy

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// BenchmarkObserve measures the scanners on one 64K-row batch of one
// string column of realistic mixed text: short product words and phrases,
// sentences with amounts, dates and ids, timestamps, and 2% of cells
// holding personal data. One column, so rows/s is cells/s.
func BenchmarkObserve(b *testing.B) {
	g := newGen(9)
	words := []string{"fee broken", "card twice broken", "paid, bank today", "size return order", "garden", "books",
		"north", "the parcel arrived damaged and late", "refund please"}
	benchObserve(b, func(rng *rand.Rand) string {
		switch x := rng.IntN(100); {
		case x < 60:
			return words[rng.IntN(len(words))]
		case x < 75:
			return "order " + g.digits(8) + " shipped on 2026-01-31, total $1,234.50"
		case x < 90:
			return "2025-11-06T19:20:15.093949Z"
		case x < 98:
			return "version 1.20.3 build " + g.digits(6)
		default:
			t := g.tok(1)
			return "contact " + t.s + " asap"
		}
	})
}

// BenchmarkObserveShort is the common case: short strings with neither an
// '@' nor a run of digits, which the prefilter rejects.
func BenchmarkObserveShort(b *testing.B) {
	words := []string{"billing", "garden", "books", "north", "south", "ann01", "fee broken", "size return order"}
	benchObserve(b, func(rng *rand.Rand) string { return words[rng.IntN(len(words))] })
}

// nullCell is what a cell function returns for a null.
const nullCell = "\x00null\x00"

func benchObserve(b *testing.B, cell func(*rand.Rand) string) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	sb := array.NewStringBuilder(mem)
	var bytes int64
	for range n {
		s := cell(rng)
		if s == nullCell {
			sb.AppendNull()
			continue
		}
		bytes += int64(len(s))
		sb.Append(s)
	}
	arr := sb.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, n)
	arr.Release()
	defer rec.Release()
	env := checks.Env{Schema: schema}
	b.ReportMetric(float64(bytes)/n, "bytes/cell")
	// A fresh state per iteration, so that flagged rows do not pile up.
	checktest.BenchObserve(b, rec, bytes/n, func() (checks.State, error) { return Check.New(defaultConfig(), env) })
}

// BenchmarkObserveAudit is four of the string columns of the benchmark
// dataset (fixtures.Generator) in one: sentences of 2–4 words of a 20-word
// vocabulary, and category, region and label words, 5% null. No byte is a
// digit, '@' or ':': this measures the prefilter and the null reading.
func BenchmarkObserveAudit(b *testing.B) {
	words := []string{"order", "refund", "card", "box", "late", "paid", "twice", "wrong", "item", "help",
		"login", "lost", "fee", "size", "bank", "label", "again", "today", "broken", "return"}
	short := []string{"books", "electronics", "garden", "grocery", "north", "south", "central", "billing",
		"shipping", "fraud"}
	benchObserveNulls(b, 20, func(rng *rand.Rand) string {
		if rng.IntN(5) > 0 {
			return short[rng.IntN(len(short))]
		}
		s := words[rng.IntN(len(words))]
		for range 1 + rng.IntN(3) {
			s += " " + words[rng.IntN(len(words))]
		}
		return s
	})
}

// BenchmarkObserveCodes is the benchmark dataset's annotator column: six
// codes with two digits each (ann01 … ann06), 5% null. Every chunk of
// values holds more than four digits, so each value is judged alone.
func BenchmarkObserveCodes(b *testing.B) {
	codes := []string{"ann01", "ann02", "ann03", "ann04", "ann05", "ann06"}
	benchObserveNulls(b, 20, func(rng *rand.Rand) string { return codes[rng.IntN(len(codes))] })
}

// BenchmarkObserveRepeated: a column of a few hundred distinct texts with
// numbers (order lines, templated messages, 1% personal data): every cell
// is a candidate, and most repeat within the batch.
func BenchmarkObserveRepeated(b *testing.B) {
	g := newGen(9)
	var vocab []string
	for range 300 {
		vocab = append(vocab, "order "+g.digits(8)+" shipped on 2026-01-31, total $1,234.50")
	}
	for range 3 {
		vocab = append(vocab, "contact "+g.tok(1).s+" asap")
	}
	benchObserve(b, func(rng *rand.Rand) string { return vocab[rng.IntN(len(vocab))] })
}

// BenchmarkPrefilter measures the prefilter alone on strings of 3 to 40
// bytes.
func BenchmarkPrefilter(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := make([]string, 1024)
	var bytes int64
	for i := range texts {
		t := make([]byte, 3+rng.IntN(38))
		for j := range t {
			t[j] = "abcdefghij klmnopqrst0123.@"[rng.IntN(27)]
		}
		texts[i] = string(t)
		bytes += int64(len(t))
	}
	b.SetBytes(bytes / int64(len(texts)))
	var sink int
	i := 0
	for b.Loop() {
		d := 0
		if rejected(texts[i&1023]) {
			d = 1
		}
		sink += d
		i++
	}
	_ = sink
}

// benchObserveNulls is benchObserve with one null in every nullEvery cells.
func benchObserveNulls(b *testing.B, nullEvery int, cell func(*rand.Rand) string) {
	benchObserve(b, func(rng *rand.Rand) string {
		if rng.IntN(nullEvery) == 0 {
			return nullCell
		}
		return cell(rng)
	})
}
