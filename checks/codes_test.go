package checks

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks/rowhash"
)

// naiveCodes is the oracle: a map from value to code, codes in the order
// of first rows.
func naiveCodes(vals []string, valid []bool) ([]int32, []string) {
	index := map[string]int32{}
	var codes []int32
	var distinct []string
	for i, v := range vals {
		if !valid[i] {
			codes = append(codes, -1)
			continue
		}
		k, ok := index[v]
		if !ok {
			k = int32(len(distinct))
			index[v] = k
			distinct = append(distinct, v)
		}
		codes = append(codes, k)
	}
	return codes, distinct
}

// StrCodes agrees with a map on columns of 1 to MaxStrCodes distinct
// values (many sharing a length and their outer bytes, so they collide in
// the table), with nulls and empty strings, for each string type and for
// slices; a column one value past the bound, and a non-string one, get
// none. Through a memo the codes are computed once a batch, and the
// column's value fingerprints (Memo.Values) are rowhash's either way.
func TestStrCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	mem := memory.NewGoAllocator()
	for _, distinct := range []int{1, 2, 7, 300, MaxStrCodes, MaxStrCodes + 1} {
		n := 4 * distinct
		vals, valid := make([]string, n), make([]bool, n)
		for i := range vals {
			k := i % distinct // every value at least once
			if i >= distinct {
				k = rng.IntN(distinct)
			}
			vals[i] = fmt.Sprintf("v%06dx", k) // same length, first and last bytes
			if k == 0 {
				vals[i] = ""
			}
			valid[i] = rng.IntN(10) > 0 || i < distinct
		}
		for name, b := range map[string]array.Builder{
			"string": array.NewStringBuilder(mem), "large": array.NewLargeStringBuilder(mem),
			"string_view": array.NewStringViewBuilder(mem),
		} {
			b.(interface{ AppendValues([]string, []bool) }).AppendValues(vals, valid)
			arr := b.NewArray()
			for _, lo := range []int{0, 3} {
				a := array.NewSlice(arr, int64(lo), int64(n))
				rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len()))
				wantCodes, wantValues := naiveCodes(vals[lo:], valid[lo:])
				var memo Memo
				for _, m := range []*Memo{nil, memo.Reset(rec)} {
					sc := m.StrCodes(rec, 0)
					if len(wantValues) > MaxStrCodes {
						if sc != nil {
							t.Fatalf("%s, %d distinct: codes, want none", name, len(wantValues))
						}
						continue
					}
					if sc == nil {
						t.Fatalf("%s, %d distinct from %d: no codes", name, len(wantValues), lo)
					}
					if fmt.Sprint(sc.Codes) != fmt.Sprint(wantCodes) || fmt.Sprint(sc.Values) != fmt.Sprint(wantValues) {
						t.Fatalf("%s, %d distinct from %d: codes differ from the map's", name, len(wantValues), lo)
					}
				}
				if len(wantValues) <= MaxStrCodes && memo.StrCodes(rec, 0) != memo.StrCodes(rec, 0) {
					t.Fatalf("%s: the memo computed the codes twice", name)
				}
				// A memo's value fingerprints, from the codes or without
				// (too many values), asked before the codes or after, are
				// rowhash's.
				want := make([]rowhash.Fingerprint, a.Len())
				rowhash.Values(a, want)
				var buf []rowhash.Fingerprint
				for _, codesFirst := range []bool{false, true} {
					m := new(Memo).Reset(rec)
					if codesFirst {
						m.StrCodes(rec, 0)
					}
					if got := m.Values(rec, 0, &buf); !slices.Equal(got, want) {
						t.Fatalf("%s, %d distinct from %d, codes first %v: Values differs from rowhash.Values", name, len(wantValues), lo, codesFirst)
					}
				}
				rec.Release()
				a.Release()
			}
			arr.Release()
		}
	}
	// Values longer than 16 bytes that differ only inside share their
	// words (strWords): a few are told apart by their text, one chain in
	// the table; past maxProbes of them the column gets no codes.
	for _, distinct := range []int{10, maxProbes + 2} {
		var vals []string
		for i := range 4 * distinct {
			vals = append(vals, fmt.Sprintf("same start %04d same end", i%distinct))
		}
		b := array.NewStringBuilder(mem)
		b.AppendValues(vals, nil)
		a := b.NewArray()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType()}}, nil), []arrow.Array{a}, int64(len(vals)))
		sc := new(Memo).Reset(rec).StrCodes(rec, 0)
		all := make([]bool, len(vals))
		for i := range all {
			all[i] = true
		}
		wantCodes, wantValues := naiveCodes(vals, all)
		switch {
		case distinct > maxProbes:
			if sc != nil {
				t.Fatalf("%d values in one chain: codes, want none", distinct)
			}
		case sc == nil:
			t.Fatalf("%d values in one chain: no codes", distinct)
		case fmt.Sprint(sc.Codes, sc.Values) != fmt.Sprint(wantCodes, wantValues):
			t.Fatalf("%d values in one chain: codes differ from the map's", distinct)
		}
	}
	// A memo reset for another batch gives that batch's codes.
	var memo Memo
	for _, vals := range [][]string{{"a", "b", "a"}, {"c", "c", "d"}} {
		b := array.NewStringBuilder(mem)
		b.AppendValues(vals, nil)
		a := b.NewArray()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType()}}, nil), []arrow.Array{a}, 3)
		sc := memo.Reset(rec).StrCodes(rec, 0)
		wantCodes, wantValues := naiveCodes(vals, []bool{true, true, true})
		if got, want := fmt.Sprint(sc.Codes, sc.Values), fmt.Sprint(wantCodes, wantValues); got != want {
			t.Fatalf("batch %v: codes %s, want %s", vals, got, want)
		}
	}
	// A column that had too many values for codes in one batch goes
	// skipBatches batches without, then is tried again.
	batch := func(distinct int) arrow.RecordBatch {
		b := array.NewStringBuilder(mem)
		for i := range 2 * MaxStrCodes {
			b.Append(fmt.Sprint("value ", i%distinct))
		}
		a := b.NewArray()
		return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType()}}, nil), []arrow.Array{a}, int64(a.Len()))
	}
	many, few := batch(2*MaxStrCodes), batch(3)
	var m2 Memo
	if m2.Reset(many).StrCodes(many, 0) != nil {
		t.Fatal("codes for a column of too many values")
	}
	for i := range skipBatches + 1 {
		sc := m2.Reset(few).StrCodes(few, 0)
		if (sc != nil) != (i == skipBatches) {
			t.Fatalf("batch %d after one of too many values: codes %v", i+1, sc != nil)
		}
	}
	ints := array.NewInt64Builder(mem)
	ints.AppendValues([]int64{1, 2}, nil)
	a := ints.NewArray()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "i", Type: a.DataType()}}, nil), []arrow.Array{a}, 2)
	if new(Memo).Reset(rec).StrCodes(rec, 0) != nil {
		t.Fatal("codes for an int64 column")
	}
}

// BenchmarkStrCodes computes the codes of 32,768-row string columns like
// the benchmark file's: a label of 4 values, an annotator of 20, free text
// (which has too many distinct values: the codes are given up).
func BenchmarkStrCodes(b *testing.B) {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 32768
	for _, bc := range []struct {
		name string
		val  func() string
	}{
		{"label", func() string { return []string{"billing", "fraud", "returns", "shipping"}[rng.IntN(4)] }},
		{"annotator", func() string { return fmt.Sprintf("ann%02d", rng.IntN(20)) }},
		// the benchmark file's category column: values of 4 to 11 bytes,
		// and a few placeholders and empty values (fixtures/generator.go)
		{"category", func() string {
			if rng.IntN(25) == 0 {
				return []string{"", "?", "NA", "N/A", "null", "None", "-", " books"}[rng.IntN(8)]
			}
			return []string{"books", "electronics", "garden", "grocery", "home", "sports", "toys", "travel"}[rng.IntN(8)]
		}},
		{"text", func() string { return fmt.Sprintf("some free text number %d about a thing", rng.IntN(1<<30)) }},
	} {
		sb := array.NewStringBuilder(mem)
		for i := range n {
			if i%10 == 0 {
				sb.AppendNull()
				continue
			}
			sb.Append(bc.val())
		}
		a := sb.NewArray()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, n)
		var (
			out StrCodes
			tab []codeSlot
		)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(n)
			for b.Loop() {
				// computeCodes itself: a memo would skip the text
				// column's batches after the first (skipBatches).
				computeCodes(rec.Column(0), &out, &tab)
			}
		})
	}
}

// Two values of at most 16 bytes that differ in any one byte have
// different words (strWords): their length and words tell them apart.
func TestStrWordsShort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := 1; n <= 16; n++ {
		for range 2000 {
			a := make([]byte, n)
			for i := range a {
				a[i] = byte(rng.IntN(256))
			}
			b := append([]byte(nil), a...)
			b[rng.IntN(n)] ^= byte(1 + rng.IntN(255))
			a0, a1 := strWords(string(a))
			b0, b1 := strWords(string(b))
			if a0 == b0 && a1 == b1 {
				t.Fatalf("%q and %q: the same words", a, b)
			}
		}
	}
}

// CodeCounts counts each value's rows as a map of the values does, with a
// memo (twice, and again for the next batch) and without; a column
// without codes has none.
func TestCodeCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batch := func(n, distinct int) arrow.RecordBatch {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for range n {
			if rng.IntN(8) == 0 {
				b.AppendNull()
			} else {
				b.Append(fmt.Sprint("v", rng.IntN(distinct)))
			}
		}
		a := b.NewArray()
		defer a.Release()
		return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []arrow.Array{a}, int64(n))
	}
	want := func(rec arrow.RecordBatch, sc *StrCodes) []int64 {
		a := rec.Column(0).(*array.String)
		byValue := map[string]int64{}
		for i := range a.Len() {
			if a.IsValid(i) {
				byValue[a.Value(i)]++
			}
		}
		out := make([]int64, len(sc.Values))
		for k, v := range sc.Values {
			out[k] = byValue[v]
		}
		return out
	}
	var m Memo
	for round, distinct := range []int{5, 300, 40} {
		rec := batch(3000, distinct)
		m.Reset(rec)
		sc := m.StrCodes(rec, 0)
		if sc == nil {
			t.Fatalf("round %d: no codes", round)
		}
		w := want(rec, sc)
		for range 2 {
			if got := m.CodeCounts(rec, 0); !slices.Equal(got, w) {
				t.Fatalf("round %d: counts %v, want %v", round, got, w)
			}
		}
		var nilMemo *Memo
		if got := nilMemo.CodeCounts(rec, 0); !slices.Equal(got, w) {
			t.Fatalf("round %d, without a memo: counts %v, want %v", round, got, w)
		}
		rec.Release()
	}
	rec := batch(3000, 2*MaxStrCodes)
	defer rec.Release()
	if got := m.Reset(rec).CodeCounts(rec, 0); got != nil {
		t.Errorf("a column of %d values: counts %v, want none", 2*MaxStrCodes, got[:3])
	}
}
