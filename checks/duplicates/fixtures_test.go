package duplicates_test

import (
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/duplicates"
	"github.com/readiness/readiness/fixtures"
)

// These tests compare the check with the ground truth the fixture generator
// writes (fixtures.TruthBuilder): naive string keys over Go values.

const fixturesDir = "../../fixtures"

func readTruth(t *testing.T, dir string) *fixtures.Truth {
	t.Helper()
	tr, err := fixtures.ReadTruth(filepath.Join(fixturesDir, dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fixtureRoles(tr *fixtures.Truth) checks.Roles {
	return checks.Roles{Label: "label", Time: "ts", ID: "id", Annotator: "annotator", Features: tr.FeatureColumns}
}

// withSplit appends a string column "split" holding value to every batch,
// as the pipeline does for split=<value> folders. The caller owns the new
// batches; the inputs are left as they are.
func withSplit(mem memory.Allocator, bs []checks.Batch, value string) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, in := range bs {
		rec := in.Record
		b := array.NewStringBuilder(mem)
		for range rec.NumRows() {
			b.Append(value)
		}
		col := b.NewArray()
		b.Release()
		fields := append(rec.Schema().Fields(), arrow.Field{Name: "split", Type: arrow.BinaryTypes.String, Nullable: true})
		cols := append(append([]arrow.Array{}, rec.Columns()...), col)
		out = append(out, array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows()))
		col.Release()
	}
	return out
}

func releaseRecs(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

func compareTruth(t *testing.T, m duplicates.Metrics, tr *fixtures.Truth, exact bool) {
	t.Helper()
	check := func(name string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, truth %d", name, got, want)
		}
	}
	check("rows", m.Rows, tr.Rows)
	if exact {
		check("exact_duplicate_rows", m.ExactDuplicateRows, tr.ExactDuplicateRows)
		check("duplicate_groups", m.DuplicateGroups, tr.DuplicateGroups)
	}
	check("duplicate_feature_rows", m.DuplicateFeatureRows, tr.DuplicateFeatureRows)
	check("duplicate_feature_groups", m.DuplicateFeatureGroups, tr.DuplicateFeatureGroups)
	if m.DuplicateIDs == nil {
		t.Errorf("duplicate_ids null, truth %d", tr.DuplicateIDs)
	} else {
		check("duplicate_ids", *m.DuplicateIDs, tr.DuplicateIDs)
	}
}

// TestSampleTruth: the 2000-row sample (and the sample with NaN), read from
// Parquet and from Arrow IPC, against truth.json.
func TestSampleTruth(t *testing.T) {
	for _, dir := range []string{"sample", "sample-nan"} {
		tr := readTruth(t, dir)
		if tr.Mode != fixtures.TruthFull {
			t.Fatalf("%s: truth mode %s, want full", dir, tr.Mode)
		}
		for _, file := range []string{"train.parquet", "train.arrow"} {
			t.Run(dir+"/"+file, func(t *testing.T) {
				mem := checktest.Allocator(t)
				path := filepath.Join(fixturesDir, dir, file)
				var bs []checks.Batch
				if filepath.Ext(file) == ".arrow" {
					bs = checktest.ReadIPC(t, mem, path)
				} else {
					bs = checktest.ReadParquet(t, mem, path, 97)
				}
				env := checks.Env{Schema: bs[0].Record.Schema(), Roles: fixtureRoles(tr)}
				r := checktest.SplitMerge(t, &duplicates.Check, defaults(), env, bs, checktest.Options{Trials: 5})
				m := metricsOf(t, r)
				compareTruth(t, m, tr, true)
				if m.CrossSplitRows != nil || !hasCode(r, "DUP009", -1) {
					t.Errorf("cross_split_rows %s findings %v, want null with DUP009", show(m.CrossSplitRows), checktest.Codes(r))
				}
			})
		}
	}
}

// TestPartitionedTruth: the partitioned sample with the split column the
// pipeline adds from split=train / split=test folders; leakage and split
// sizes against truth.json.
func TestPartitionedTruth(t *testing.T) {
	tr := readTruth(t, "sample-partitioned")
	if tr.LeakedTestRows <= 0 || len(tr.SplitRows) != 2 {
		t.Fatalf("the partitioned sample should leak: leaked_test_rows %d, split_rows %v", tr.LeakedTestRows, tr.SplitRows)
	}
	mem := checktest.Allocator(t)
	var bs []checks.Batch
	for input, split := range []string{"test", "train"} { // sorted input paths
		read := checktest.ReadParquet(t, mem, filepath.Join(fixturesDir, "sample-partitioned", "split="+split, "part-0.parquet"), 97)
		bs = append(bs, checktest.Batches(input, withSplit(mem, read, split)...)...)
	}
	defer checktest.Release(bs)
	roles := fixtureRoles(tr)
	roles.Split = "split"
	env := checks.Env{Schema: bs[0].Record.Schema(), Roles: roles}
	r := checktest.SplitMerge(t, &duplicates.Check, defaults(), env, bs, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	compareTruth(t, m, tr, false) // exact rows here include the split column; the truth's do not
	if m.CrossSplitRows == nil || *m.CrossSplitRows != tr.LeakedTestRows {
		t.Errorf("cross_split_rows %s, truth leaked_test_rows %d", show(m.CrossSplitRows), tr.LeakedTestRows)
	}
	if !maps.Equal(m.SplitRows, tr.SplitRows) {
		t.Errorf("split_rows %v, truth %v", m.SplitRows, tr.SplitRows)
	}
	if r.Status != checks.Fail || !hasCode(r, "DUP004", tr.LeakedTestRows) {
		t.Errorf("status %s findings %v, want fail with DUP004", r.Status, checktest.Codes(r))
	}
}

// TestGeneratedLeakage generates a table with heavy duplication and half
// of it in the test split, and compares with the generator's truth.
func TestGeneratedLeakage(t *testing.T) {
	d := fixtures.DefaultDefects()
	d.ExactDuplicateRate, d.ConflictRate, d.DuplicateIDRate, d.NullIDRate = 0.25, 0.2, 0.1, 0.05
	cfg, err := fixtures.Config{Rows: 3000, Seed: 11, NaN: true, Defects: d, TestFraction: 0.5}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fixtures.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	whole, parts := fixtures.NewTruthBuilder(cfg), fixtures.NewTruthBuilder(cfg)
	splits := make([]string, len(rows))
	for i, r := range rows {
		splits[i] = fixtures.SplitOf(cfg.Seed, int64(i), cfg.TestFraction)
		whole.Add(r, "")
		parts.Add(r, splits[i])
	}
	mem := checktest.Allocator(t)
	for _, withSplitCol := range []bool{false, true} {
		tr := whole.Truth()
		if withSplitCol {
			tr = parts.Truth()
		}
		recs := fixtureRecords(t, mem, rows, splits, withSplitCol, 512)
		defer releaseRecs(recs)
		roles := fixtureRoles(tr)
		if withSplitCol {
			roles.Split = "split"
		}
		env := checks.Env{Schema: recs[0].Schema(), Roles: roles}
		r := checktest.SplitMerge(t, &duplicates.Check, defaults(), env, checktest.Batches(0, recs...), checktest.Options{Trials: 5})
		m := metricsOf(t, r)
		compareTruth(t, m, tr, !withSplitCol)
		if withSplitCol {
			if tr.LeakedTestRows < 100 {
				t.Errorf("the generated table leaks only %d rows; raise the rates", tr.LeakedTestRows)
			}
			if m.CrossSplitRows == nil || *m.CrossSplitRows != tr.LeakedTestRows {
				t.Errorf("cross_split_rows %s, truth %d", show(m.CrossSplitRows), tr.LeakedTestRows)
			}
			if !maps.Equal(m.SplitRows, tr.SplitRows) {
				t.Errorf("split_rows %v, truth %v", m.SplitRows, tr.SplitRows)
			}
		}
	}
}

// fixtureRecords builds record batches of the fixture schema (plus a split
// column) from generated rows, batchRows rows at a time.
func fixtureRecords(t testing.TB, mem memory.Allocator, rows []fixtures.Row, splits []string, withSplitCol bool, batchRows int) []arrow.RecordBatch {
	t.Helper()
	schema := fixtures.ArrowSchema()
	if withSplitCol {
		schema = arrow.NewSchema(append(schema.Fields(), arrow.Field{Name: "split", Type: arrow.BinaryTypes.String, Nullable: true}), nil)
	}
	var recs []arrow.RecordBatch
	for lo := 0; lo < len(rows); lo += batchRows {
		hi := min(lo+batchRows, len(rows))
		b := array.NewRecordBuilder(mem, schema)
		for i := lo; i < hi; i++ {
			r := rows[i]
			opt(b.Field(0).(*array.Int64Builder), r.ID, func(v int64) int64 { return v })
			opt(b.Field(1).(*array.TimestampBuilder), r.TS, func(v time.Time) arrow.Timestamp { return arrow.Timestamp(v.UnixMicro()) })
			str := func(v string) string { return v }
			opt(b.Field(2).(*array.StringBuilder), r.Text, str)
			opt(b.Field(3).(*array.StringBuilder), r.Category, str)
			opt(b.Field(4).(*array.StringBuilder), r.Region, str)
			opt(b.Field(5).(*array.Float64Builder), r.Amount, func(v float64) float64 { return v })
			opt(b.Field(6).(*array.Int64Builder), r.Age, func(v int64) int64 { return v })
			opt(b.Field(7).(*array.Float64Builder), r.Score, func(v float64) float64 { return v })
			opt(b.Field(8).(*array.BooleanBuilder), r.Flag, func(v bool) bool { return v })
			opt(b.Field(9).(*array.StringBuilder), r.Label, str)
			opt(b.Field(10).(*array.StringBuilder), r.Annotator, str)
			if withSplitCol {
				b.Field(11).(*array.StringBuilder).Append(splits[i])
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	return recs
}

func opt[T, U any](b interface {
	Append(U)
	AppendNull()
}, v *T, conv func(T) U) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(conv(*v))
}
