package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/report"
)

// metricsOf decodes one check's metrics as generic JSON.
func metricsOf(t *testing.T, r *report.Report, check string) map[string]any {
	t.Helper()
	res, ok := r.Check(check)
	if !ok {
		t.Fatalf("no %s check in the report", check)
	}
	var m map[string]any
	if err := json.Unmarshal(res.Metrics, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// num reads a number at a path of keys in decoded JSON.
func num(t *testing.T, m map[string]any, path ...string) float64 {
	t.Helper()
	var v any = m
	for _, k := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("metrics: %v: not an object at %q", path, k)
		}
		v = obj[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("metrics: %v = %v, not a number", path, v)
	}
	return f
}

// The default roles on the sample (label, ts, id, annotator detected;
// features every other column) are exactly the truth's feature columns, so
// the report's counts must equal the generator's truth in every format.
func TestChecksAgreeWithTruth(t *testing.T) {
	tr := readTruth(t, "sample")
	for _, ext := range []string{"parquet", "csv"} {
		rep, _ := audit(t, "--show-values", filepath.Join(root(t), "fixtures", "sample", "train."+ext))
		if !reflect.DeepEqual(rep.Roles.Features, tr.FeatureColumns) {
			t.Fatalf("%s: features %v, truth's feature columns %v", ext, rep.Roles.Features, tr.FeatureColumns)
		}
		d := metricsOf(t, rep, "duplicates")
		for key, want := range map[string]int64{
			"exact_duplicate_rows":     tr.ExactDuplicateRows,
			"duplicate_groups":         tr.DuplicateGroups,
			"duplicate_feature_rows":   tr.DuplicateFeatureRows,
			"duplicate_feature_groups": tr.DuplicateFeatureGroups,
			"duplicate_ids":            tr.DuplicateIDs,
		} {
			if got := num(t, d, key); got != float64(want) {
				t.Errorf("%s: duplicates.%s = %v, truth %d", ext, key, got, want)
			}
		}
		l := metricsOf(t, rep, "labels")
		if got := num(t, l, "conflicting_groups"); got != float64(tr.ConflictingGroups) {
			t.Errorf("%s: labels.conflicting_groups = %v, truth %d", ext, got, tr.ConflictingGroups)
		}
		if got := num(t, l, "conflicting_rows"); got != float64(tr.ConflictingRows) {
			t.Errorf("%s: labels.conflicting_rows = %v, truth %d", ext, got, tr.ConflictingRows)
		}
		b := metricsOf(t, rep, "balance")
		for class, want := range tr.Classes {
			if got := num(t, b, "classes", class, "count"); got != float64(want) {
				t.Errorf("%s: balance.classes.%s.count = %v, truth %d", ext, class, got, want)
			}
		}
		if got := num(t, b, "missing_labels"); got != float64(tr.NullLabels) {
			t.Errorf("%s: balance.missing_labels = %v, truth %d", ext, got, tr.NullLabels)
		}
		// -999 in age is the planted numeric placeholder: far outside the
		// range of real ages, it is a disguised-missing candidate with
		// exactly the planted count.
		mm := metricsOf(t, rep, "missing")
		found := false
		for _, c := range mm["columns"].(map[string]any)["age"].(map[string]any)["disguised"].([]any) {
			c := c.(map[string]any)
			if c["value"] == "-999" {
				found = true
				if c["count"].(float64) != float64(tr.Columns["age"].NumericSentinel) {
					t.Errorf("%s: age -999 candidate count %v, truth %d", ext, c["count"], tr.Columns["age"].NumericSentinel)
				}
			}
		}
		if !found {
			t.Errorf("%s: -999 in age is not a disguised-missing candidate", ext)
		}
		s := metricsOf(t, rep, "staleness")
		if got := num(t, s, "stale_rows"); got != float64(tr.StaleRows) {
			t.Errorf("%s: staleness.stale_rows = %v, truth %d", ext, got, tr.StaleRows)
		}
		if got := num(t, s, "future_rows"); got != float64(tr.FutureRows) {
			t.Errorf("%s: staleness.future_rows = %v, truth %d", ext, got, tr.FutureRows)
		}
		for key, want := range map[string]*time.Time{"min_time": tr.MinTime, "max_time": tr.MaxTime} {
			got, err := time.Parse(time.RFC3339Nano, s[key].(string))
			if err != nil || !got.Equal(*want) {
				t.Errorf("%s: staleness.%s = %v, truth %v", ext, key, s[key], want)
			}
		}
		if sb := s["stale_before"].(string); sb != tr.StaleBefore.Format(time.RFC3339) && sb != tr.StaleBefore.Format(time.RFC3339Nano) {
			t.Errorf("%s: staleness.stale_before = %s, truth %s", ext, sb, tr.StaleBefore)
		}
	}
}

// Test rows whose features occur in the train split are leakage; the split
// comes from the split= folders.
func TestCrossSplitLeakageAgreesWithTruth(t *testing.T) {
	tr := readTruth(t, "sample-partitioned")
	rep, _ := audit(t, filepath.Join(root(t), "fixtures", "sample-partitioned", "*", "*.parquet"))
	d := metricsOf(t, rep, "duplicates")
	if got := num(t, d, "cross_split_rows"); got != float64(tr.LeakedTestRows) {
		t.Errorf("duplicates.cross_split_rows = %v, truth %d", got, tr.LeakedTestRows)
	}
	for split, want := range tr.SplitRows {
		if got := num(t, d, "split_rows", split); got != float64(want) {
			t.Errorf("duplicates.split_rows.%s = %v, truth %d", split, got, want)
		}
	}
}

// The same rows as Parquet, Arrow IPC, CSV and NDJSON give the same result
// for every check: values hash and compare by their logical value.
func TestEveryCheckAgreesAcrossFormats(t *testing.T) {
	var want map[string][]byte
	for _, ext := range []string{"parquet", "arrow", "csv", "ndjson"} {
		rep, _ := audit(t, filepath.Join(root(t), "fixtures", "sample", "train."+ext))
		got := map[string][]byte{}
		for _, c := range rep.Checks {
			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			got[c.Name] = data
		}
		if len(got) != len(registry.All) {
			t.Errorf("%s: %d checks in the report, %d registered", ext, len(got), len(registry.All))
		}
		if want == nil {
			want = got
			continue
		}
		var names []string
		for name := range want {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !bytes.Equal(want[name], got[name]) {
				t.Errorf("%s: check %s differs from parquet's:\nparquet: %s\n%s: %s", ext, name, want[name], ext, got[name])
			}
		}
	}
}

// A dataset compared with itself as the reference is perfectly
// representative; without a reference, targets or slices the check is not
// applicable, never a pass.
func TestReferenceIdenticalAndAbsent(t *testing.T) {
	sample := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	rep, _ := audit(t, "--reference", filepath.Join(root(t), "fixtures", "sample", "train.csv"), sample)
	res, _ := rep.Check("representativeness")
	if res.Status != "pass" || res.Score == nil || *res.Score != 100 {
		t.Errorf("identical reference: status %s score %v, want pass 100\n%s", res.Status, res.Score, res.Metrics)
	}
	if rep.Reference == nil || rep.Reference.Dataset.Rows != rep.Dataset.Rows {
		t.Errorf("report.reference = %+v, want the reference's rows", rep.Reference)
	}
	// The numeric columns are compared, sketch to sketch: at distance 0.
	numeric := 0
	m := metricsOf(t, rep, "representativeness")
	for name, c := range m["columns"].(map[string]any) {
		if c.(map[string]any)["kind"] != "numeric" {
			continue
		}
		numeric++
		if w, ks := num(t, m, "columns", name, "wasserstein"), num(t, m, "columns", name, "ks"); w != 0 || ks != 0 {
			t.Errorf("column %s against itself: wasserstein %v, ks %v, want 0", name, w, ks)
		}
	}
	if numeric == 0 {
		t.Error("no numeric column was profiled")
	}
	rep, _ = audit(t, sample)
	res, _ = rep.Check("representativeness")
	if res.Status != "not_applicable" || res.Score != nil {
		t.Errorf("no reference: status %s score %v, want not_applicable and no score", res.Status, res.Score)
	}
	if rep.Reference != nil {
		t.Errorf("no reference, yet report.reference = %+v", rep.Reference)
	}
}
