package main

import (
	"bytes"
	"cmp"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/readiness/readiness/checks"
)

// syntheticFlagged is about n flagged rows spread over three checks,
// each check's rows in a stream a code and column (a check may list a
// code and column in two streams, as privacy does, one a kind of value),
// and the rows as findings.parquet must hold them: sorted by input path,
// row, check, code, column and group with the standard library,
// independently of flagged.each's merge. The inputs' order is not their
// paths'.
func syntheticFlagged(n int, seed uint64) (*flagged, []findingTuple) {
	rng := rand.New(rand.NewPCG(seed, 1))
	paths := []string{"b/part-1.parquet", "a/part-0.parquet", "c.csv"}
	fl := &flagged{paths: paths, rank: []int32{1, 0, 2}} // the paths' places in sorted order
	var want []findingTuple
	for _, check := range []string{"staleness", "duplicates", "labels"} {
		lists := map[[2]string]*checks.RowList{}
		var keys [][2]string
		for range n / 3 {
			in := rng.IntN(len(paths))
			row := rng.Int64N(int64(n))
			key := [2]string{[]string{"X001", "X002", "Y003"}[rng.IntN(3)], ""}
			if rng.IntN(2) == 0 {
				key[1] = []string{"label", "text"}[rng.IntN(2)]
			}
			var group uint64
			if rng.IntN(3) > 0 {
				group = rng.Uint64()
			}
			if rng.IntN(4) == 0 {
				key[0] += "+" // a second stream of the code and column
			}
			l := lists[key]
			if l == nil {
				l = &checks.RowList{}
				lists[key] = l
				keys = append(keys, key)
			}
			l.Add(in, row, group)
			want = append(want, findingTuple{paths[in], row, check, strings.TrimSuffix(key[0], "+"), key[1], int64(group), group == 0})
		}
		for _, k := range keys {
			s := lists[k].Stream(strings.TrimSuffix(k[0], "+"), k[1])
			fl.streams = append(fl.streams, flagStream{check: check, RowStream: s})
			fl.n += len(s.Rows)
		}
	}
	fl.order()
	slices.SortFunc(want, func(a, b findingTuple) int {
		return cmp.Or(cmp.Compare(a.input, b.input), cmp.Compare(a.row, b.row), cmp.Compare(a.check, b.check),
			cmp.Compare(a.code, b.code), cmp.Compare(a.column, b.column), cmp.Compare(uint64(a.group), uint64(b.group)))
	})
	return fl, want
}

type findingTuple struct {
	input       string
	row         int64
	check, code string
	column      string
	group       int64
	groupIsNull bool
}

// The row groups encoded at once are committed in order: with one worker
// or four, the file is the same, its row groups hold groupRows rows but
// the last, and its rows, read back with arrow-go, are every flagged row
// in order.
func TestWriteFindingsRowGroups(t *testing.T) {
	const groupRows = 1000
	fl, want := syntheticFlagged(6100, 7)
	n := len(want) // 6099: seven row groups, the last of 99 rows
	var files [][]byte
	for _, workers := range []int{1, 4} {
		var b bytes.Buffer
		if err := writeFindings(&b, fl, workers, groupRows); err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		files = append(files, b.Bytes())
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatalf("one worker and four wrote different files (%d and %d bytes)", len(files[0]), len(files[1]))
	}
	path := filepath.Join(t.TempDir(), "findings.parquet")
	if err := os.WriteFile(path, files[1], 0o644); err != nil {
		t.Fatal(err)
	}
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if got, want := pr.NumRowGroups(), (n+groupRows-1)/groupRows; got != want {
		t.Fatalf("%d row groups, want %d", got, want)
	}
	for i := range pr.NumRowGroups() {
		rg := pr.MetaData().RowGroup(i)
		want := int64(min(groupRows, n-i*groupRows))
		if got := rg.NumRows(); got != want {
			t.Errorf("row group %d has %d rows, want %d", i, got, want)
		}
		// Bounds where the rows are sorted (input, row), none where
		// they are not (see writeFindings).
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			name := cc.PathInSchema().String()
			stats, err := cc.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			hasBounds := stats != nil && stats.HasMinMax()
			want := name == "input" || name == "row" || name == "group"
			if hasBounds != want {
				t.Errorf("row group %d, column %s: min and max %v, want %v", i, name, hasBounds, want)
			}
			// The data pages' headers too.
			pages, err := pr.RowGroup(i).GetColumnPageReader(c)
			if err != nil {
				t.Fatal(err)
			}
			for pages.Next() {
				if dp, ok := pages.Page().(file.DataPage); ok {
					if st := dp.Statistics(); (st.HasMin && st.HasMax) != want {
						t.Errorf("row group %d, column %s: a data page's header has min and max %v, want %v", i, name, st.HasMin && st.HasMax, want)
					}
				}
			}
			if err := pages.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	ff := readFindings(t, path)
	if len(ff.row) != len(want) {
		t.Fatalf("%d rows read back, want %d", len(ff.row), len(want))
	}
	for i, w := range want {
		got := findingTuple{ff.input[i], ff.row[i], ff.check[i], ff.code[i], ff.column[i], ff.group[i], ff.groupNull[i]}
		if got.groupIsNull {
			got.group = 0 // what a null's slot holds is not defined
		}
		if got != w {
			t.Fatalf("row %d: %+v, want %+v", i, got, w)
		}
	}
}

// A file's row groups are an eighth of its rows, within [65,536,
// 1,048,576]: a 1M-row audit's findings (about 216,000) make four groups.
func TestFindingsGroupRows(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{0, 65536}, {1000, 65536}, {216_000, 65536}, {524_288, 65536}, {524_289, 65537},
		{2_160_324, 270_041}, {8 << 20, 1 << 20}, {50_000_000, 1 << 20},
	} {
		if got := findingsGroupRows(c.n); got != c.want {
			t.Errorf("findingsGroupRows(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// No flagged rows is a valid file with no rows.
func TestWriteFindingsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "findings.parquet")
	var b bytes.Buffer
	if err := writeFindings(&b, &flagged{}, 2, 1000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if ff := readFindings(t, path); len(ff.row) != 0 {
		t.Fatalf("%d rows, want none", len(ff.row))
	}
}

// failingWriter fails every write after the first max bytes.
type failingWriter struct{ left int }

var errFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errFull
	}
	w.left -= len(p)
	return len(p), nil
}

// A write error in any row group's commit is returned, whichever group
// it hits, and no encoder is left waiting.
func TestWriteFindingsError(t *testing.T) {
	fl, _ := syntheticFlagged(6000, 8)
	var whole bytes.Buffer
	if err := writeFindings(&whole, fl, 1, 1000); err != nil {
		t.Fatal(err)
	}
	for _, left := range []int{0, 10, whole.Len() / 3, whole.Len() * 2 / 3, whole.Len() - 10} {
		err := writeFindings(&failingWriter{left: left}, fl, 3, 1000)
		if !errors.Is(err, errFull) {
			t.Errorf("failing after %d of %d bytes: %v, want %v", left, whole.Len(), err, errFull)
		}
	}
}

// BenchmarkWriteFindings encodes 2.16M flagged rows, what a 10M-row audit
// of the benchmark lists (DUP002, DUP003, LAB002 and the first 1M rows
// under STA004, one input), with one worker and with two.
func BenchmarkWriteFindings(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 1))
	fl := &flagged{paths: []string{"train.parquet"}, rank: []int32{0}}
	for _, s := range []struct {
		check, code, column string
		n                   int
		groups              bool
	}{
		{"duplicates", "DUP002", "", 299_278, true}, {"duplicates", "DUP003", "id", 395_581, true},
		{"labels", "LAB002", "label", 416_889, true}, {"staleness", "STA004", "ts", checks.MaxFlaggedRows, false},
	} {
		var l checks.RowList
		for range s.n {
			var g uint64
			if s.groups {
				g = rng.Uint64()
			}
			l.Add(0, rng.Int64N(10_000_000), g)
		}
		fl.streams = append(fl.streams, flagStream{check: s.check, RowStream: l.Stream(s.code, s.column)})
		fl.n += s.n
	}
	fl.order()
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[workers], func(b *testing.B) {
			for b.Loop() {
				if err := writeFindings(discard{}, fl, workers, findingsGroupRows(fl.n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
