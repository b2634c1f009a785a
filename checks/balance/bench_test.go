package balance

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// BenchmarkObserve measures the check's hot loop on one 64K-row batch of
// two string features, a float64 and an int64 feature, a 4-class string
// label and a timestamp: the shape of the fixture table. Each iteration
// uses a fresh state, so every row is a new distinct row, the costly case.
// "hash" fingerprints the batch every time, "memo" takes the fingerprints
// from a memo filled once, as the pipeline shares them between checks.
func BenchmarkObserve(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	tb := array.NewStringBuilder(mem)
	cb := array.NewStringBuilder(mem)
	fb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	lb := array.NewStringBuilder(mem)
	tsType := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	sb := array.NewTimestampBuilder(mem, tsType)
	words := []string{"refund please", "where is my parcel", "card charged twice", "hello"}
	classes := []string{"billing", "billing", "shipping", "returns", "fraud"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for range n {
		tb.Append(words[rng.IntN(len(words))])
		cb.Append(words[rng.IntN(len(words))][:4])
		fb.Append(rng.Float64())
		ib.Append(rng.Int64N(100))
		if rng.IntN(50) == 0 {
			lb.AppendNull()
		} else {
			lb.Append(classes[rng.IntN(len(classes))])
		}
		sb.Append(arrow.Timestamp(base + rng.Int64N(2*365*86400*1_000_000) - 365*86400*1_000_000))
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "category", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: tsType, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{tb.NewArray(), cb.NewArray(), fb.NewArray(), ib.NewArray(), lb.NewArray(), sb.NewArray()}, n)
	defer rec.Release()
	env := checks.Env{Schema: schema, StaleBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Roles: checks.Roles{Label: "label", Time: "ts", Features: []string{"text", "category", "amount", "age"}}}
	state := func() (checks.State, error) { return newState(defaultConfig(), env) }
	b.Run("hash", func(b *testing.B) { checktest.BenchObserve(b, rec, 1, state) })
	b.Run("memo", func(b *testing.B) { checktest.BenchObserveMemo(b, rec, state) })
}

// BenchmarkObserveRegression measures a float64 label: sketch and exact
// moments on top of the row bookkeeping.
func BenchmarkObserveRegression(b *testing.B) {
	const n = 64 * 1024
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(3, 4))
	fb := array.NewFloat64Builder(mem)
	yb := array.NewFloat64Builder(mem)
	for range n {
		fb.Append(rng.Float64())
		yb.Append(rng.NormFloat64()*100 + 1000)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{fb.NewArray(), yb.NewArray()}, n)
	defer rec.Release()
	env := checks.Env{Schema: schema, Roles: checks.Roles{Label: "y", Features: []string{"x"}}}
	checktest.BenchObserve(b, rec, 1, func() (checks.State, error) { return newState(defaultConfig(), env) })
}

// BenchmarkConflicts measures finding the conflicting feature groups of
// the row table's partitions (64 of 16K distinct rows, a 1M-row table,
// most feature vectors with one row, some with a few, four classes): with
// the fptable.Tables usable uses, emptied and reused for each partition,
// and with a Go map, the alternative.
func BenchmarkConflicts(b *testing.B) {
	const parts, per = fptable.Partitions, 16 << 10
	rng := rand.New(rand.NewPCG(5, 6))
	tables := make([]*fptable.Table[rowEntry], parts)
	for p := range tables {
		tables[p] = fptable.New[rowEntry](per)
		for i := range per {
			g := rng.IntN(per * 9 / 10) // feature vector
			e, _ := tables[p].Upsert(rowhash.Fingerprint{Hi: uint64(p), Lo: uint64(i)})
			*e = rowEntry{feat: rowhash.Fingerprint{Hi: uint64(p) + 1<<40, Lo: uint64(g)},
				label: rowhash.Fingerprint{Hi: 1, Lo: uint64(rng.IntN(4))}, n: rowFlags(rng.IntN(50) > 0, false) + oneCopy}
		}
	}
	b.Run("table", func(b *testing.B) {
		groups, conflicting := fptable.New[group](0), fptable.New[struct{}](0)
		for b.Loop() {
			for _, tb := range tables {
				conflicts(tb, groups, conflicting)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		first := map[rowhash.Fingerprint]rowhash.Fingerprint{}
		for b.Loop() {
			for _, tb := range tables {
				conflictsMap(tb, first)
			}
		}
	})
}

// conflictsMap is [conflicts] with a Go map, emptied and reused, from the
// feature vector to its first label, and a set of the conflicting ones.
func conflictsMap(rows *fptable.Table[rowEntry], first map[rowhash.Fingerprint]rowhash.Fingerprint) map[rowhash.Fingerprint]struct{} {
	clear(first)
	var out map[rowhash.Fingerprint]struct{}
	rows.Each(func(_ rowhash.Fingerprint, e *rowEntry) {
		if !e.labelled() {
			return
		}
		label, ok := first[e.feat]
		if !ok {
			first[e.feat] = e.label
			return
		}
		if label != e.label {
			if out == nil {
				out = map[rowhash.Fingerprint]struct{}{}
			}
			out[e.feat] = struct{}{}
		}
	})
	return out
}

// BenchmarkUsable measures Result's pass over the row table: 4M distinct
// rows (a partition's groups well past the L2 cache, as at 10M rows), 96%
// of them with a feature vector of their own, the others sharing 80,000
// (about 1% of the groups conflict, 2% at 10M rows), four classes, 2%
// unlabelled. Each pass folds the pending rows again, finds each
// partition's conflicting groups and looks every row's feature vector up
// in them.
func BenchmarkUsable(b *testing.B) {
	const n = 4 << 20
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	st, err := newState(defaultConfig(), checks.Env{Schema: schema, Roles: checks.Roles{Label: "label", Features: []string{"f"}}})
	if err != nil {
		b.Fatal(err)
	}
	s := st.(*state)
	var labels []rowhash.Fingerprint
	for _, name := range []string{"billing", "shipping", "returns", "fraud"} {
		fp := rowhash.String(name)
		s.noteLabel(fp, s.classOf(name))
		labels = append(labels, fp)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range n {
		g := int64(i)
		if rng.IntN(25) == 0 {
			g = n + rng.Int64N(n/50)
		}
		feat := rowhash.Fold(rowhash.Seed(), rowhash.Int(g))
		e := rowEntry{feat: feat, label: labels[rng.IntN(len(labels))], n: rowFlags(rng.IntN(50) > 0, false) + oneCopy}
		s.entries.Add(fptable.Part(feat), rowhash.Int(int64(i)), &e)
	}
	b.ResetTimer()
	for b.Loop() {
		var m Metrics
		if _, err := s.usable(&m); err != nil {
			b.Fatal(err)
		}
	}
}
