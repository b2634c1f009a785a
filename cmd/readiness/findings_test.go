package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// flaggedFile is findings.parquet read back with arrow-go — another
// library than the one that wrote it.
type flaggedFile struct {
	input, check, code, column []string
	row, group                 []int64
	groupNull                  []bool
}

func readFindings(t *testing.T, path string) flaggedFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var out flaggedFile
	str := func(name string) []string {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("findings.parquet has no column %q: %s", name, tbl.Schema())
		}
		var vals []string
		for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
			for i := range ch.Len() {
				if ch.IsNull(i) {
					vals = append(vals, "")
					continue
				}
				switch a := ch.(type) {
				case *array.String:
					vals = append(vals, a.Value(i))
				case *array.Dictionary:
					vals = append(vals, a.Dictionary().(*array.String).Value(a.GetValueIndex(i)))
				default:
					t.Fatalf("column %s is %T", name, ch)
				}
			}
		}
		return vals
	}
	ints := func(name string) ([]int64, []bool) {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) != 1 || tbl.Schema().Field(idx[0]).Type.ID() != arrow.INT64 {
			t.Fatalf("findings.parquet has no int64 column %q: %s", name, tbl.Schema())
		}
		var vals []int64
		var nulls []bool
		for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
			a := ch.(*array.Int64)
			for i := range a.Len() {
				vals = append(vals, a.Value(i))
				nulls = append(nulls, a.IsNull(i))
			}
		}
		return vals, nulls
	}
	out.input, out.check, out.code, out.column = str("input"), str("check"), str("code"), str("column")
	out.row, _ = ints("row")
	out.group, out.groupNull = ints("group")
	return out
}

// findings.parquet lists the rows behind the findings: as many per code as
// the fixture generator's truth counts, each naming an input of the report
// and a row inside it, in (input, row) order.
func TestFindingsParquet(t *testing.T) {
	tr := readTruth(t, "sample")
	for _, ext := range []string{"parquet", "csv"} {
		out := t.TempDir()
		in := filepath.Join(root(t), "fixtures", "sample", "train."+ext)
		if r := runCLI(t, "audit", "--out", out, "--as-of", "2026-01-01", in); r.code != 0 {
			t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
		}
		rep, _ := audit(t, in)
		ff := readFindings(t, filepath.Join(out, "findings.parquet"))
		byCode := map[string]int64{}
		for i := range ff.row {
			byCode[ff.code[i]]++
			if ff.input[i] != in || ff.row[i] < 0 || ff.row[i] >= tr.Rows {
				t.Fatalf("%s: row %d: input %q row %d is not a row of %s", ext, i, ff.input[i], ff.row[i], in)
			}
			if i > 0 && ff.row[i] < ff.row[i-1] {
				t.Fatalf("%s: rows not in order at %d", ext, i)
			}
		}
		want := map[string]int64{
			"DUP002": tr.ExactDuplicateRows, "DUP003": tr.DuplicateIDs, "LAB001": tr.ConflictingRows,
			"STA006": tr.StaleRows, "STA007": tr.FutureRows,
		}
		for code, n := range want {
			if byCode[code] != n {
				t.Errorf("%s: findings.parquet lists %d rows under %s, truth %d", ext, byCode[code], code, n)
			}
		}
		if len(byCode) != len(want) {
			t.Errorf("%s: codes %v, want %v", ext, byCode, want)
		}
		if rep.Flagged == nil || rep.Flagged.Rows != int64(len(ff.row)) || len(rep.Flagged.Truncated) != 0 {
			t.Errorf("%s: report's flagged_rows %+v, file has %d rows", ext, rep.Flagged, len(ff.row))
		}
		// Conflicting rows come in groups: each group id has at least two
		// rows, and the group's rows are the truth's conflicting rows.
		groups := map[int64]int{}
		for i := range ff.row {
			if ff.code[i] == "LAB001" {
				if ff.groupNull[i] || ff.column[i] != "label" {
					t.Fatalf("%s: conflicting row without a group or the label column", ext)
				}
				groups[ff.group[i]]++
			}
		}
		for g, n := range groups {
			if n < 2 {
				t.Errorf("%s: conflicting group %d has %d row", ext, g, n)
			}
		}
		if int64(len(groups)) != tr.ConflictingGroups {
			t.Errorf("%s: %d conflicting groups in findings.parquet, truth %d", ext, len(groups), tr.ConflictingGroups)
		}
	}
}

// On the partitioned sample the leaked rows are listed under DUP004, all in
// the test split's file.
func TestFindingsParquetLeakage(t *testing.T) {
	tr := readTruth(t, "sample-partitioned")
	out := t.TempDir()
	dir := filepath.Join(root(t), "fixtures", "sample-partitioned")
	test := filepath.Join(dir, "split=test", "part-0.parquet")
	train := filepath.Join(dir, "split=train", "part-0.parquet")
	if r := runCLI(t, "audit", "--out", out, "--as-of", "2026-01-01", train, test); r.code != 0 && r.code != 1 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	ff := readFindings(t, filepath.Join(out, "findings.parquet"))
	var leaked int64
	for i := range ff.row {
		if ff.code[i] == "DUP004" {
			leaked++
			if ff.input[i] != test || ff.check[i] != "duplicates" || ff.column[i] != "split" {
				t.Errorf("leaked row %d: input %s check %s column %s", ff.row[i], ff.input[i], ff.check[i], ff.column[i])
			}
		}
	}
	if leaked != tr.LeakedTestRows {
		t.Errorf("%d leaked rows listed, truth %d", leaked, tr.LeakedTestRows)
	}
}
