package main

// Edge cases run through the built binary: empty and degenerate inputs,
// extreme values, repeated names and type surprises. Every expectation is
// computed here from how the test data was written, not read back from an
// earlier run.

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/report"
)

// writeEdgeParquet writes one Parquet file of the given schema with pqarrow,
// filling the columns with fill (nil: no rows).
func writeEdgeParquet(t *testing.T, path string, sc *arrow.Schema, fill func(b *array.RecordBuilder)) {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	if fill != nil {
		fill(b)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// WriteTable closes f.
	if err := pqarrow.WriteTable(tbl, f, 1024, nil, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func writeEdgeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// edgeNoPanic fails the test when stderr holds a Go panic trace.
func edgeNoPanic(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Errorf("stderr holds a panic trace:\n%s", r.stderr)
	}
}

// edgeWantExit3 runs an audit that must fail as an input error: exit 3, a
// single-line message holding every string of want, no report written.
func edgeWantExit3(t *testing.T, want []string, args ...string) {
	t.Helper()
	out := t.TempDir()
	r := runCLI(t, append([]string{"audit", "--out", out}, args...)...)
	edgeNoPanic(t, r)
	if r.code != 3 {
		t.Fatalf("audit %v: exit %d, want 3\nstderr: %s", args, r.code, r.stderr)
	}
	msg := strings.TrimSpace(r.stderr)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr lacks %q:\n%s", w, msg)
		}
	}
	if n := strings.Count(msg, "\n"); n > 2 {
		t.Errorf("error spans %d lines, want one clear line:\n%s", n+1, msg)
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
		t.Error("a failed audit wrote report.json")
	}
}

// edgeCol returns one column's missing metrics, failing when it is absent.
func edgeCol(t *testing.T, m missing.Metrics, name string) missing.ColumnMetrics {
	t.Helper()
	c, ok := m.Columns[name]
	if !ok {
		t.Fatalf("no missing metrics for column %q; have %v", name, m.Columns)
	}
	return c
}

// edgeWantCol compares one column's counts with the hand-computed ones.
func edgeWantCol(t *testing.T, m missing.Metrics, name string, nulls, nan, empty, sentinel int64) {
	t.Helper()
	got := edgeCol(t, m, name)
	miss := nulls + nan + empty + sentinel
	want := missing.ColumnMetrics{Nulls: nulls, NaN: nan, Empty: empty, Sentinel: sentinel, Missing: miss,
		MissingRate: float64(miss) / float64(m.Rows)}
	if got != want {
		t.Errorf("column %q: got %+v, want %+v", name, got, want)
	}
}

func edgeSchemaType(t *testing.T, rep *report.Report, name string) string {
	t.Helper()
	for _, c := range rep.Dataset.Schema {
		if c.Name == name {
			return c.Type
		}
	}
	t.Fatalf("dataset schema has no column %q: %+v", name, rep.Dataset.Schema)
	return ""
}

// edgeScoreText shows a score for messages: its value, or null.
func edgeScoreText(s *float64) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprint(*s)
}

// edgeWantNotApplicable checks the missing check's verdict on a dataset
// without rows: not_applicable, a null score, and the MIS000 finding.
func edgeWantNotApplicable(t *testing.T, rep *report.Report) {
	t.Helper()
	res, ok := rep.Check("missing")
	if !ok {
		t.Fatal("no missing check")
	}
	if res.Status != checks.NotApplicable || res.Score != nil {
		t.Errorf("missing: status %s score %s, want not_applicable and null", res.Status, edgeScoreText(res.Score))
	}
	if !edgeHasFinding(res, "MIS000", "") {
		t.Errorf("missing: no MIS000 finding: %+v", res.Findings)
	}
	// Nothing could be evaluated: never a pass.
	if a := rep.Readiness; a.Passed || a.Score != nil || a.Verdict != "pretrained" {
		t.Errorf("readiness %+v: want no score, verdict pretrained, gate failed", a)
	}
}

func edgeHasFinding(res *checks.Result, code, column string) bool {
	for _, f := range res.Findings {
		if f.Code == code && f.Column == column {
			return true
		}
	}
	return false
}

func TestEdgeZeroRows(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "empty.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), nil)
	csvPath := filepath.Join(dir, "header-only.csv")
	writeEdgeFile(t, csvPath, "x,s\n")
	nd := filepath.Join(dir, "empty.ndjson")
	writeEdgeFile(t, nd, "")
	for _, c := range []struct {
		path string
		args []string
		cols int
	}{
		{pq, nil, 2},
		// --header auto: a lone line of names is a header with no rows.
		{csvPath, nil, 2},
		{nd, nil, 0},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			rep, _ := audit(t, append(c.args, c.path)...)
			if rep.Dataset.Rows != 0 || rep.Inputs[0].Rows != 0 {
				t.Errorf("dataset rows %d, input rows %d, want 0", rep.Dataset.Rows, rep.Inputs[0].Rows)
			}
			if rep.Dataset.Columns != c.cols {
				t.Errorf("dataset columns %d, want %d: %+v", rep.Dataset.Columns, c.cols, rep.Dataset.Schema)
			}
			edgeWantNotApplicable(t, rep)
		})
	}
}

// A file without columns still has rows to count (Parquet) or is simply
// empty (CSV); either way the audit completes: there is nothing wrong to
// report about a file, only nothing to check.
func TestEdgeZeroColumns(t *testing.T) {
	dir := t.TempDir()
	t.Run("empty.csv", func(t *testing.T) {
		p := filepath.Join(dir, "empty.csv")
		writeEdgeFile(t, p, "")
		rep, _ := audit(t, p)
		if rep.Dataset.Rows != 0 || rep.Dataset.Columns != 0 {
			t.Errorf("dataset %d rows %d columns, want 0 and 0", rep.Dataset.Rows, rep.Dataset.Columns)
		}
		edgeWantNotApplicable(t, rep)
	})
	t.Run("empty-objects.ndjson", func(t *testing.T) {
		// Rows without columns: the rows are counted, and with no column
		// nothing is missing.
		p := filepath.Join(dir, "empty-objects.ndjson")
		writeEdgeFile(t, p, "{}\n{}\n{}\n")
		rep, _ := audit(t, p)
		if rep.Dataset.Rows != 3 || rep.Inputs[0].Rows != 3 || rep.Dataset.Columns != 0 {
			t.Errorf("dataset %d rows %d columns, input %d rows, want 3, 0, 3", rep.Dataset.Rows, rep.Dataset.Columns, rep.Inputs[0].Rows)
		}
		m := missingMetrics(t, rep)
		res, _ := rep.Check("missing")
		if m.Rows != 3 || len(m.Columns) != 0 || res.Status != checks.Pass || res.Score == nil || *res.Score != 100 {
			t.Errorf("missing: %s score %s metrics %+v, want pass, 100, 3 rows and no columns", res.Status, edgeScoreText(res.Score), m)
		}
	})
	t.Run("no-columns.parquet", func(t *testing.T) {
		// pqarrow writes a schema with no fields, but its row groups then
		// record 0 rows even when handed a batch of 5 rows without
		// columns, so a Parquet file of rows without columns cannot be
		// written with arrow-go; this one has none of either.
		p := filepath.Join(dir, "no-columns.parquet")
		writeEdgeParquet(t, p, arrow.NewSchema(nil, nil), nil)
		rep, _ := audit(t, p)
		if rep.Dataset.Rows != 0 || rep.Dataset.Columns != 0 {
			t.Errorf("dataset %d rows %d columns, want 0 and 0", rep.Dataset.Rows, rep.Dataset.Columns)
		}
		edgeWantNotApplicable(t, rep)
	})
}

func TestEdgeAllNullColumn(t *testing.T) {
	const rows = 50
	dir := t.TempDir()
	pq := filepath.Join(dir, "nulls.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "gone", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i := range rows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).AppendNull()
		}
	})
	var sb strings.Builder
	sb.WriteString("x,gone\n")
	for i := range rows {
		fmt.Fprintf(&sb, "%d,\n", i)
	}
	csvPath := filepath.Join(dir, "nulls.csv")
	writeEdgeFile(t, csvPath, sb.String())
	for _, p := range []string{pq, csvPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			rep, _ := audit(t, p)
			m := missingMetrics(t, rep)
			if m.Rows != rows {
				t.Fatalf("rows %d, want %d", m.Rows, rows)
			}
			// CSV's empty field is the null token, so the column is nulls in
			// both formats.
			edgeWantCol(t, m, "gone", rows, 0, 0, 0)
			edgeWantCol(t, m, "x", 0, 0, 0, 0)
			if m.RowsWithMissing != rows {
				t.Errorf("rows_with_missing %d, want %d", m.RowsWithMissing, rows)
			}
			res, _ := rep.Check("missing")
			if res.Status != checks.Fail || !edgeHasFinding(res, "MIS001", "gone") {
				t.Errorf("status %s findings %+v, want fail with MIS001 on gone", res.Status, res.Findings)
			}
			if edgeHasFinding(res, "MIS001", "x") {
				t.Error("MIS001 on the full column x")
			}
			// One column fully missing, one not: 100 × (1 − 1/2).
			if res.Score == nil || *res.Score != 50 {
				t.Errorf("score %s, want 50", edgeScoreText(res.Score))
			}
		})
	}
}

func TestEdgeSingleClassLabel(t *testing.T) {
	const rows = 30
	dir := t.TempDir()
	pq := filepath.Join(dir, "one-class.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i := range rows {
			b.Field(0).(*array.Float64Builder).Append(float64(i) / 3)
			b.Field(1).(*array.StringBuilder).Append("spam")
		}
	})
	rep, _ := audit(t, pq)
	if rep.Roles.Label != "label" {
		t.Errorf("label role %q, want label; choices %+v", rep.Roles.Label, rep.Roles.Choices)
	}
	m := missingMetrics(t, rep)
	if m.Rows != rows {
		t.Errorf("rows %d, want %d", m.Rows, rows)
	}
	edgeWantCol(t, m, "label", 0, 0, 0, 0)
	if res, _ := rep.Check("missing"); res.Status != checks.Pass {
		t.Errorf("missing status %s, want pass", res.Status)
	}
}

func TestEdgeLabelAbsentFromOneFile(t *testing.T) {
	const withRows, withoutRows = 40, 25
	dir := t.TempDir()
	a := filepath.Join(dir, "a.parquet")
	writeEdgeParquet(t, a, arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i := range withRows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append([]string{"cat", "dog"}[i%2])
		}
	})
	bPath := filepath.Join(dir, "b.parquet")
	writeEdgeParquet(t, bPath, arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i := range withoutRows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
	})
	for _, workers := range []string{"1", "3"} {
		rep, _ := audit(t, "--workers", workers, a, bPath)
		if rep.Dataset.Rows != withRows+withoutRows {
			t.Errorf("workers %s: dataset rows %d, want %d", workers, rep.Dataset.Rows, withRows+withoutRows)
		}
		if typ := edgeSchemaType(t, rep, "label"); typ != "utf8" {
			t.Errorf("workers %s: label type %s, want utf8", workers, typ)
		}
		if rep.Roles.Label != "label" {
			t.Errorf("workers %s: label role %q", workers, rep.Roles.Label)
		}
		m := missingMetrics(t, rep)
		edgeWantCol(t, m, "label", withoutRows, 0, 0, 0)
		edgeWantCol(t, m, "x", 0, 0, 0, 0)
		if m.RowsWithMissing != withoutRows {
			t.Errorf("workers %s: rows_with_missing %d, want %d", workers, m.RowsWithMissing, withoutRows)
		}
	}
}

// Invalid UTF-8 is not this tool's business to reject: the bytes are a
// value, not a missing one, and the audit completes without a crash.
func TestEdgeInvalidUTF8(t *testing.T) {
	const rows = 20
	bad := []string{"\xff\xfe", "ab\xc3", "\xed\xa0\x80", " \x80 "}
	dir := t.TempDir()
	pq := filepath.Join(dir, "bytes.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i := range rows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(bad[i%len(bad)])
		}
	})
	var sb strings.Builder
	sb.WriteString("id,s\n")
	for i := range rows {
		fmt.Fprintf(&sb, "%d,%s\n", i, bad[i%len(bad)])
	}
	csvPath := filepath.Join(dir, "bytes.csv")
	writeEdgeFile(t, csvPath, sb.String())
	for _, p := range []string{pq, csvPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			rep, _ := audit(t, p)
			m := missingMetrics(t, rep)
			if m.Rows != rows {
				t.Errorf("rows %d, want %d", m.Rows, rows)
			}
			edgeWantCol(t, m, "s", 0, 0, 0, 0)
			if typ := edgeSchemaType(t, rep, "s"); typ != "utf8" {
				t.Errorf("s read as %s, want utf8", typ)
			}
		})
	}
}

func TestEdgeVeryLongString(t *testing.T) {
	const size = 5 << 20
	long := strings.Repeat("x", size-1) + "y"
	dir := t.TempDir()
	pq := filepath.Join(dir, "long.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4}, nil)
		sb := b.Field(1).(*array.StringBuilder)
		sb.Append("short")
		sb.Append(long)
		sb.Append("")
		sb.AppendNull()
	})
	csvPath := filepath.Join(dir, "long.csv")
	writeEdgeFile(t, csvPath, "id,text\n1,short\n2,"+long+"\n3,\" \"\n4,\n")
	for _, c := range []struct {
		path               string
		nulls, empty, rows int64
	}{
		// Parquet: "" is empty, the null is a null.
		{pq, 1, 1, 4},
		// CSV: a quoted blank is a value that is only whitespace (empty);
		// the unquoted empty field is the null token.
		{csvPath, 1, 1, 4},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			rep, _ := audit(t, c.path)
			m := missingMetrics(t, rep)
			if m.Rows != c.rows {
				t.Fatalf("rows %d, want %d", m.Rows, c.rows)
			}
			edgeWantCol(t, m, "text", c.nulls, 0, c.empty, 0)
			edgeWantCol(t, m, "id", 0, 0, 0, 0)
		})
	}
}

func TestEdgeNaNAndInfinity(t *testing.T) {
	vals := []float64{1.5, math.NaN(), math.Inf(1), math.Inf(-1), 0, math.NaN(), -2}
	wantNaN := int64(2)
	dir := t.TempDir()
	pq := filepath.Join(dir, "floats.parquet")
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for _, v := range vals {
			b.Field(0).(*array.Float64Builder).Append(v)
			b.Field(1).(*array.Float32Builder).Append(float32(v))
		}
	})
	var sb strings.Builder
	sb.WriteString("f64,f32\n")
	for _, v := range vals {
		s := fmt.Sprint(v)
		switch {
		case math.IsNaN(v):
			s = "NaN"
		case math.IsInf(v, 1):
			s = "Inf"
		case math.IsInf(v, -1):
			s = "-Inf"
		}
		fmt.Fprintf(&sb, "%s,%s\n", s, s)
	}
	csvPath := filepath.Join(dir, "floats.csv")
	writeEdgeFile(t, csvPath, sb.String())

	rep, _ := audit(t, pq)
	m := missingMetrics(t, rep)
	edgeWantCol(t, m, "f64", 0, wantNaN, 0, 0)
	edgeWantCol(t, m, "f32", 0, wantNaN, 0, 0)
	if m.RowsWithMissing != wantNaN {
		t.Errorf("parquet: rows_with_missing %d, want %d (±Inf is a value)", m.RowsWithMissing, wantNaN)
	}

	// In CSV "NaN" must be read as a float NaN (it is not a null token:
	// read.null_values is [""]), and "Inf"/"-Inf" as infinities, so the
	// column is float64, not string with sentinels.
	rep, _ = audit(t, csvPath)
	if typ := edgeSchemaType(t, rep, "f64"); typ != "float64" {
		t.Errorf("csv: f64 read as %s, want float64 (Inf and NaN are floats)", typ)
	}
	m = missingMetrics(t, rep)
	edgeWantCol(t, m, "f64", 0, wantNaN, 0, 0)
	edgeWantCol(t, m, "f32", 0, wantNaN, 0, 0)
	if m.RowsWithMissing != wantNaN {
		t.Errorf("csv: rows_with_missing %d, want %d", m.RowsWithMissing, wantNaN)
	}
}

func TestEdgeFarTimestamps(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC),
		time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2500, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	dir := t.TempDir()
	pq := filepath.Join(dir, "times.parquet")
	usUTC := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	writeEdgeParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "event_time", Type: usUTC, Nullable: true},
	}, nil), func(b *array.RecordBuilder) {
		for i, tm := range times {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(tm.UnixMicro()))
		}
	})
	var sb strings.Builder
	sb.WriteString("id,event_time\n")
	for i, tm := range times {
		fmt.Fprintf(&sb, "%d,%s\n", i, tm.Format(time.RFC3339Nano))
	}
	csvPath := filepath.Join(dir, "times.csv")
	writeEdgeFile(t, csvPath, sb.String())
	for _, p := range []string{pq, csvPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			rep, _ := audit(t, p)
			// Year 2500 does not fit timestamp[ns]: nothing may convert to ns.
			if typ := edgeSchemaType(t, rep, "event_time"); typ != "timestamp[us, tz=UTC]" {
				t.Errorf("event_time read as %s, want timestamp[us, tz=UTC]", typ)
			}
			if rep.Roles.Time != "event_time" {
				t.Errorf("time role %q, want event_time", rep.Roles.Time)
			}
			m := missingMetrics(t, rep)
			if m.Rows != int64(len(times)) {
				t.Errorf("rows %d, want %d", m.Rows, len(times))
			}
			edgeWantCol(t, m, "event_time", 0, 0, 0, 0)
		})
	}
}

func TestEdgeDuplicateColumnNames(t *testing.T) {
	dir := t.TempDir()
	t.Run("csv", func(t *testing.T) {
		p := filepath.Join(dir, "dup.csv")
		// a: no missing; the second a: one null; b: one sentinel.
		writeEdgeFile(t, p, "a,a,b\n1,2,x\n3,,NA\n5,6,y\n")
		// --header yes: auto-detection, as documented in csv.go, wants
		// distinct names and would read "a,a,b" as data (col_1, …).
		rep, _ := audit(t, "--header", "yes", p)
		var names []string
		for _, c := range rep.Dataset.Schema {
			names = append(names, c.Name)
		}
		if strings.Join(names, ",") != "a,a_2,b" {
			t.Fatalf("columns %v, want a, a_2, b", names)
		}
		m := missingMetrics(t, rep)
		edgeWantCol(t, m, "a", 0, 0, 0, 0)
		edgeWantCol(t, m, "a_2", 1, 0, 0, 0)
		edgeWantCol(t, m, "b", 0, 0, 0, 1)
	})
	t.Run("parquet", func(t *testing.T) {
		// The package doc promises the same renaming for Parquet.
		p := filepath.Join(dir, "dup.parquet")
		writeEdgeParquet(t, p, arrow.NewSchema([]arrow.Field{
			{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil), func(b *array.RecordBuilder) {
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, []bool{true, false, true})
			b.Field(1).(*array.StringBuilder).AppendValues([]string{"", "u", "v"}, nil)
		})
		r := runCLI(t, "audit", "--out", t.TempDir(), p)
		edgeNoPanic(t, r)
		if r.code != 0 {
			t.Fatalf("exit %d, want 0 (x, x_2)\nstderr: %s", r.code, r.stderr)
		}
		rep, _ := audit(t, p)
		if len(rep.Dataset.Schema) != 2 || rep.Dataset.Schema[0].Name != "x" || rep.Dataset.Schema[1].Name != "x_2" {
			t.Fatalf("columns %+v, want x, x_2", rep.Dataset.Schema)
		}
		if typ := rep.Dataset.Schema[0].Type; typ != "int64" {
			t.Errorf("x is %s, want int64: the renamed columns must keep their order", typ)
		}
		m := missingMetrics(t, rep)
		edgeWantCol(t, m, "x", 1, 0, 0, 0)
		edgeWantCol(t, m, "x_2", 0, 0, 1, 0)
	})
}

func TestEdgeMixedTypesInCSVColumn(t *testing.T) {
	dir := t.TempDir()
	t.Run("after the sample", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString("n,m\n")
		for i := range 10 {
			fmt.Fprintf(&sb, "%d,%d\n", i, i)
		}
		sb.WriteString("7,banana\n") // line 12: header, then ten rows
		p := filepath.Join(dir, "late-word.csv")
		writeEdgeFile(t, p, sb.String())
		edgeWantExit3(t, []string{"late-word.csv", "line 12", `column "m"`, "--infer-rows"}, "--infer-rows", "5", p)
	})
	t.Run("within the sample", func(t *testing.T) {
		p := filepath.Join(dir, "early-word.csv")
		writeEdgeFile(t, p, "n,m\n1,1\n2,two\n3, \n4,NA\n5,\n")
		rep, _ := audit(t, "--infer-rows", "5", p)
		if typ := edgeSchemaType(t, rep, "m"); typ != "utf8" {
			t.Errorf("m read as %s, want string", typ)
		}
		if typ := edgeSchemaType(t, rep, "n"); typ != "int64" {
			t.Errorf("n read as %s, want int64", typ)
		}
		m := missingMetrics(t, rep)
		if m.Rows != 5 {
			t.Fatalf("rows %d, want 5", m.Rows)
		}
		// The empty field is the null token, " " a blank value, "NA" a
		// sentinel token.
		edgeWantCol(t, m, "m", 1, 0, 1, 1)
		edgeWantCol(t, m, "n", 0, 0, 0, 0)
	})
}
