package balance_test

import (
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/fptable"
)

var sampleDir = filepath.Join("..", "..", "fixtures", "sample")

// truth is the part of fixtures/sample/truth.json this test reads.
type truth struct {
	Rows           int64            `json:"rows"`
	Classes        map[string]int64 `json:"classes"`
	NullLabels     int64            `json:"null_labels"`
	StaleBefore    time.Time        `json:"stale_before"`
	FeatureColumns []string         `json:"feature_columns"`
}

// goRows turns record batches into rows of plain Go values for the oracle.
func goRows(t *testing.T, bs []checks.Batch) [][]any {
	t.Helper()
	var rows [][]any
	for _, b := range bs {
		rec := b.Record
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for c, a := range rec.Columns() {
				if a.IsNull(i) {
					continue
				}
				switch a := a.(type) {
				case *array.Int64:
					row[c] = a.Value(i)
				case *array.Float64:
					row[c] = a.Value(i)
				case *array.String:
					row[c] = a.Value(i)
				case *array.Boolean:
					row[c] = a.Value(i)
				case *array.Timestamp:
					row[c] = a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
				default:
					t.Fatalf("column %d: unexpected %T", c, a)
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestSampleFixture(t *testing.T) { budgets(t, testSampleFixture) }

func testSampleFixture(t *testing.T, budget *fptable.Budget) {
	var tr truth
	checktest.ReadJSON(t, filepath.Join(sampleDir, "truth.json"), &tr)
	mem := checktest.Allocator(t)
	bs := checktest.ReadParquet(t, mem, filepath.Join(sampleDir, "train.parquet"), 97)
	schema := bs[0].Record.Schema()
	env := checks.Env{Schema: schema, StaleBefore: tr.StaleBefore, AsOf: tr.StaleBefore.AddDate(1, 0, 0), Memory: budget,
		Roles: checks.Roles{Label: "label", Time: "ts", ID: "id", Annotator: "annotator", Features: tr.FeatureColumns}}
	r := checktest.SplitMerge(t, &balance.Check, defaultCfg(), env, bs, checktest.Options{Trials: 10})
	m := metricsOf(t, r)

	// Class counts and null labels against the generator's truth.
	got := map[string]int64{}
	for c, cm := range m.Classes {
		got[c] = cm.Count
	}
	if !maps.Equal(got, tr.Classes) || m.MissingLabels != tr.NullLabels || m.Rows != tr.Rows {
		t.Errorf("classes %v, null labels %d, rows %d; truth %v, %d, %d", got, m.MissingLabels, m.Rows, tr.Classes, tr.NullLabels, tr.Rows)
	}

	// Usable rows against the oracle over the same rows as Go values.
	rows := goRows(t, bs)
	idx := func(name string) int {
		i := schema.FieldIndices(name)
		if len(i) != 1 {
			t.Fatalf("column %q not in the sample", name)
		}
		return i[0]
	}
	var feats []int
	for _, f := range tr.FeatureColumns {
		feats = append(feats, idx(f))
	}
	o := oracle(rows, idx("label"), idx("ts"), feats, tr.StaleBefore)
	if !maps.Equal(o.classes, tr.Classes) {
		t.Fatalf("the oracle disagrees with truth.json: %v vs %v", o.classes, tr.Classes)
	}
	compare(t, m, o)
	for _, x := range []int64{o.excluded.Conflicting, o.excluded.Stale, o.excluded.Duplicate} {
		if x == 0 {
			t.Errorf("the sample lacks a defect the check should exclude: %+v", o.excluded)
		}
	}
	checkDerived(t, r, m, defaultCfg())
	t.Logf("status %s score %v usable %d excluded %+v below %v", r.Status, *r.Score, m.UsableRows, m.Excluded, m.ClassesBelowMin)
}
