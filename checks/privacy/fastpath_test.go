package privacy

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

// prefilterSlow is detect's prefilter as it was, a byte at a time
// through byteClass: the oracle for rejected.
func prefilterSlow(s string) (digits int, seen uint8) {
	for i := 0; i < len(s); i++ {
		c := byteClass[s[i]]
		seen |= c
		digits += int(c & cDigit)
	}
	return digits, seen
}

// randomText draws strings of every length up to 40 from bytes the
// prefilter tells apart, their neighbours ('/', ';', '?', '[', '`'), and
// bytes of 0x80 and above whose low seven bits are a digit, '@' or a
// capital.
func randomText(rng *rand.Rand) string {
	const alphabet = "0123456789@:.AZMaz /;?[`-+\x00\x7f\x80\xb0\xb9\xc0\xc1\xda\xba\xae\xff"
	b := make([]byte, rng.IntN(41))
	for i := range b {
		if rng.IntN(4) == 0 {
			b[i] = byte(rng.IntN(256))
		} else {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
	}
	return string(b)
}

// TestRejected: rejected agrees with the byte-at-a-time classes, on
// random strings read alone and from inside longer ones.
func TestRejected(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300000 {
		s := randomText(rng)
		// Read s from inside a larger string too, so that no load
		// reaches past its end unnoticed.
		pad := "9@:." + s + "A9@:"
		for _, v := range []string{s, pad[4 : 4+len(s)]} {
			d, seen := prefilterSlow(v)
			if want := d < 4 && seen&(cAt|cColon) == 0; rejected(v) != want {
				t.Fatalf("rejected(%q) = %v, want %v (%d digits, classes %05b)", v, !want, want, d, seen)
			}
			if cd, cseen := classes(v); cd != d || cseen != seen {
				t.Fatalf("classes(%q) = %d, %05b; want %d, %05b", v, cd, cseen, d, seen)
			}
		}
	}
}

func FuzzRejected(f *testing.F) {
	for _, s := range []string{"", "1", "12@", "1234", "a@b.c", "\xb0\xb1\xb2\xb3\xc0\xba", "GB82 WEST 1234 5698 7654 32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, seen := prefilterSlow(s)
		if want := d < 4 && seen&(cAt|cColon) == 0; rejected(s) != want {
			t.Fatalf("rejected(%q) = %v, want %v", s, !want, want)
		}
	})
}

// TestCandidateCache: a batch whose candidates repeat (the cache serves
// most) and then stop repeating (the cache is turned off mid-batch), read
// through an offset slice with nulls, gives per column the cells, rows and
// flagged rows of detect called on every value.
func TestCandidateCache(t *testing.T) {
	mem := checktest.Allocator(t)
	g := newGen(21)
	const n = 6000
	var vocab []string
	for range 40 {
		s, _, _ := g.cell(0.5)
		vocab = append(vocab, s)
	}
	// Two texts in one cache slot: same length, same sampled bytes.
	vocab = append(vocab, "call 555-123-4567 now", "call 555-923-4567 now", "@", ":")
	vals := make([]any, n)
	for i := range vals {
		switch {
		case g.r.IntN(15) == 0: // null
		case i < n/2:
			vals[i] = vocab[g.r.IntN(len(vocab))]
		default:
			s, _, _ := g.cell(0.3)
			vals[i] = s + " " + g.digits(6) // rarely repeated
		}
	}
	cols := []checktest.Column{{Name: "a", Type: arrow.BinaryTypes.String, Vals: vals},
		{Name: "b", Type: arrow.BinaryTypes.LargeString, Vals: vals}, {Name: "c", Type: arrow.BinaryTypes.StringView, Vals: vals}}
	batches := checktest.Table(t, mem, cols)
	defer checktest.Release(batches)
	const off = 37
	rec := batches[0].Record.NewSlice(off, n)
	defer rec.Release()
	env := checks.Env{Schema: checktest.Schema(cols)}
	st, err := Check.New(defaultConfig(), env)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Observe(checks.Batch{Record: rec, Offset: off}); err != nil {
		t.Fatal(err)
	}
	s := st.(*state)
	for _, e := range s.cache {
		if e.set {
			t.Fatal("the cache is not empty after Observe: it points into the batch")
		}
	}
	var want [numKinds]int64
	var flagged []checks.FlaggedRow
	var rowsWith int64
	for i := off; i < n; i++ {
		v, ok := vals[i].(string)
		if !ok {
			continue
		}
		m := detect(v, allKinds)
		if m != 0 {
			rowsWith++
		}
		for k := range numKinds {
			if m.has(k) {
				want[k]++
				for _, c := range []string{"a", "b", "c"} {
					flagged = append(flagged, checks.FlaggedRow{Row: int64(i), Code: "PRV001", Column: c, Group: uint64(k) + 1})
				}
			}
		}
	}
	for _, c := range s.cols {
		if c.cells != want {
			t.Errorf("column %s: cells %v, want %v", c.name, c.cells, want)
		}
	}
	if s.rowsWith != rowsWith || rowsWith == 0 {
		t.Errorf("rows with personal data %d, want %d (> 0)", s.rowsWith, rowsWith)
	}
	if got := checktest.Flagged(st); !reflect.DeepEqual(got, sortFlagged(flagged)) {
		t.Errorf("flagged rows: %d, want %d", len(got), len(flagged))
	}
}

// TestScanStringsNulls: the bitmap of a sliced array with nulls is read at
// its offset.
func TestScanStringsNulls(t *testing.T) {
	mem := checktest.Allocator(t)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range 100 {
		if i%3 == 0 {
			b.AppendNull()
		} else {
			b.Append("mail bob@example.com")
		}
	}
	a := b.NewStringArray()
	defer a.Release()
	for off := range 9 {
		sl := array.NewSlice(a, int64(off), 100).(*array.String)
		st := &state{enabled: allKinds}
		c := &column{}
		hit := make([]bool, sl.Len())
		scanStrings(st, c, sl, checks.Batch{}, hit)
		want := int64(0)
		for i := off; i < 100; i++ {
			if i%3 != 0 {
				want++
			}
		}
		if c.cells[kEmail] != want {
			t.Errorf("offset %d: %d emails, want %d", off, c.cells[kEmail], want)
		}
		sl.Release()
	}
}

// TestChunks: columns of words with a few personal data cells, digits split
// over neighbouring cells and nulls, in String and
// LargeString arrays sliced at every offset around a chunk, give per value
// what detect gives.
func TestChunks(t *testing.T) {
	mem := checktest.Allocator(t)
	g := newGen(31)
	const n = 2000
	plain := []string{"north", "garden books", "", "fee broken"}
	odd := []string{"12", "34", "a:", "ann01", "1", "@"}
	for _, rare := range []int{1000, 60, 4} { // one value in rare is odd
		vals := make([]string, n)
		for i := range vals {
			vals[i] = plain[g.r.IntN(len(plain))]
			switch {
			case g.r.IntN(rare) == 0:
				vals[i] = odd[g.r.IntN(len(odd))]
			case g.r.IntN(rare) == 0:
				vals[i], _, _ = g.cell(1)
			}
		}
		testChunks(t, mem, vals)
	}
}

func testChunks(t *testing.T, mem memory.Allocator, vals []string) {
	n := len(vals)
	for _, typ := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString} {
		bld := array.NewBuilder(mem, typ)
		for i, v := range vals {
			if i%17 == 0 {
				bld.AppendNull()
				continue
			}
			switch b := bld.(type) {
			case *array.StringBuilder:
				b.Append(v)
			case *array.LargeStringBuilder:
				b.Append(v)
			}
		}
		arr := bld.NewArray()
		bld.Release()
		for off := 0; off < 2*chunkValues+3; off++ {
			sl := array.NewSlice(arr, int64(off), int64(n))
			st := &state{enabled: allKinds}
			c := &column{}
			hit := make([]bool, sl.Len())
			st.observeColumn(c, sl, checks.Batch{}, hit)
			var want [numKinds]int64
			for i := off; i < n; i++ {
				if i%17 == 0 {
					continue
				}
				m := detect(vals[i], allKinds)
				for k := range numKinds {
					if m.has(k) {
						want[k]++
					}
				}
				if hit[i-off] != (m != 0) {
					t.Fatalf("%s offset %d: row %d (%q) hit %v, want %v", typ, off, i, vals[i], hit[i-off], m != 0)
				}
			}
			if c.cells != want {
				t.Fatalf("%s offset %d: cells %v, want %v", typ, off, c.cells, want)
			}
			sl.Release()
		}
		arr.Release()
	}
}

// TestRejectedVector: rejected with AVX-512 (where the processor has it)
// says what the byte-at-a-time classes say, on long strings of letters
// with a few digits, '@', ':' and high bytes at any place, 64-byte block
// edges included, read alone and from inside longer ones.
func TestRejectedVector(t *testing.T) {
	t.Logf("AVX-512: %v", hasAVX512)
	before := useAVX512
	defer func() { useAVX512 = before }()
	rng := rand.New(rand.NewPCG(5, 6))
	rare := "0123456789@:\x80\xb0\xb9\xc0\xba"
	check := func(s string) {
		t.Helper()
		pad := "9@:." + s + "A9@:"
		for _, v := range []string{s, pad[4 : 4+len(s)]} {
			d, seen := prefilterSlow(v)
			want := d < 4 && seen&(cAt|cColon) == 0
			for _, vector := range []bool{true, false} {
				useAVX512 = vector && hasAVX512
				if got := rejected(v); got != want {
					t.Fatalf("vector %v: rejected(%q) = %v, want %v (%d digits, classes %05b)", vector, v, got, want, d, seen)
				}
				if got := rejected([]byte(v)); got != want {
					t.Fatalf("vector %v: rejected([]byte(%q)) = %v, want %v", vector, v, got, want)
				}
			}
		}
	}
	for range 50000 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = "abc XYZ.-"[rng.IntN(9)]
		}
		for range rng.IntN(6) {
			if len(b) > 0 {
				b[rng.IntN(len(b))] = rare[rng.IntN(len(rare))]
			}
		}
		check(string(b))
	}
	for _, n := range []int{31, 32, 63, 64, 65, 127, 128, 129} {
		for _, at := range []int{0, n / 2, n - 1, 63, 64} {
			for _, c := range []byte{'@', ':', '5'} {
				b := []byte(strings.Repeat("a", n))
				if at < n {
					b[at] = c
				}
				check(string(b))
				if c == '5' { // four digits, across blocks
					for k := 0; k < 4 && at+k*20 < n; k++ {
						b[at+k*20] = '5'
					}
					check(string(b))
				}
			}
		}
	}
}
