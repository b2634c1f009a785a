package balance_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/balance"
	"github.com/readiness/readiness/checks/checktest"
)

// The test tables are plain Go values first: the oracle below works on
// those values with maps, and the Arrow batches the check sees are built
// from the same values.

// col is one column: nil is null; string, int64, float64, bool or
// time.Time otherwise (float64 k/100 for a decimal column, a string for a
// string time column).
type col = checktest.Column

var (
	dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	tsMicroUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tsNano     = &arrow.TimestampType{Unit: arrow.Nanosecond}
	dec        = &arrow.Decimal128Type{Precision: 18, Scale: 2}
)

// metricsSchema is the check's metrics schema, compiled once.
var metricsSchema = checktest.SchemaFile("metrics.schema.json", false)

// metricsOf decodes a result's metrics, after validating them against
// metrics.schema.json.
func metricsOf(t testing.TB, r checks.Result) balance.Metrics {
	t.Helper()
	var m balance.Metrics
	checktest.Metrics(t, metricsSchema, r, &m, false)
	return m
}

func defaultCfg() *balance.Config { return balance.Check.DefaultConfig().(*balance.Config) }

// ---- the oracle ----

// oracleResult is the naive reading of the check's documentation.
type oracleResult struct {
	rows, labelled, missing, usable int64
	excluded                        balance.Excluded
	classes                         map[string]int64
	usableBy                        map[string]int64
}

// key is a cell's canonical text: equal values, and only those, give equal
// text (a time by its instant, every null alike).
func key(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return "t" + strconv.FormatInt(v.UnixNano(), 10)
	case string:
		return "s" + strconv.Quote(v)
	case float64:
		if v == 0 {
			v = 0
		}
		return "f" + strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

func labelText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case float64: // a continuous label: the oracle's classes are not compared
		return key(v)
	}
	panic(fmt.Sprintf("label of type %T", v))
}

// timeOf reads a time cell: a time.Time, or a string in RFC 3339.
func timeOf(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		return t, err == nil
	}
	return time.Time{}, false
}

// oracle computes classes, usable rows and the excluded breakdown from rows
// of Go values. label and tcol are column indexes (-1: none), feats the
// feature column indexes.
func oracle(rows [][]any, label, tcol int, feats []int, staleBefore time.Time) oracleResult {
	o := oracleResult{classes: map[string]int64{}, usableBy: map[string]int64{}}
	featKey := func(r []any) string {
		var b strings.Builder
		for _, f := range feats {
			b.WriteString(key(r[f]) + ",")
		}
		return b.String()
	}
	rowKey := func(r []any) string {
		var b strings.Builder
		for _, v := range r {
			b.WriteString(key(v) + ",")
		}
		return b.String()
	}
	groupLabels := map[string]map[string]bool{}
	for _, r := range rows {
		if r[label] == nil {
			continue
		}
		k := featKey(r)
		if groupLabels[k] == nil {
			groupLabels[k] = map[string]bool{}
		}
		groupLabels[k][key(r[label])] = true
	}
	seen := map[string]bool{}
	for _, r := range rows {
		o.rows++
		if r[label] == nil {
			o.missing++
			o.excluded.MissingLabel++
			continue
		}
		o.labelled++
		c := labelText(r[label])
		o.classes[c]++
		if len(feats) > 0 && len(groupLabels[featKey(r)]) >= 2 {
			o.excluded.Conflicting++
			continue
		}
		if tcol >= 0 && !staleBefore.IsZero() {
			if ts, ok := timeOf(r[tcol]); ok && ts.Before(staleBefore) {
				o.excluded.Stale++
				continue
			}
		}
		k := rowKey(r)
		if seen[k] {
			o.excluded.Duplicate++
			continue
		}
		seen[k] = true
		o.usable++
		o.usableBy[c]++
	}
	return o
}

// rowsOf turns columns into rows.
func rowsOf(cols []col) [][]any {
	if len(cols) == 0 {
		return nil
	}
	rows := make([][]any, len(cols[0].Vals))
	for i := range rows {
		rows[i] = make([]any, len(cols))
		for j, c := range cols {
			rows[i][j] = c.Vals[i]
		}
	}
	return rows
}

// compare checks the check's metrics against the oracle.
func compare(t *testing.T, m balance.Metrics, o oracleResult) {
	t.Helper()
	if m.Rows != o.rows || m.LabelledRows != o.labelled || m.MissingLabels != o.missing || m.UsableRows != o.usable {
		t.Errorf("rows/labelled/missing/usable = %d/%d/%d/%d, oracle %d/%d/%d/%d",
			m.Rows, m.LabelledRows, m.MissingLabels, m.UsableRows, o.rows, o.labelled, o.missing, o.usable)
	}
	if m.Excluded != o.excluded {
		t.Errorf("excluded = %+v, oracle %+v", m.Excluded, o.excluded)
	}
	ex := m.Excluded
	if sum := m.UsableRows + ex.MissingLabel + ex.Conflicting + ex.Stale + ex.Duplicate; sum != m.Rows {
		t.Errorf("usable_rows + excluded = %d, rows %d", sum, m.Rows)
	}
	if len(m.Classes) != len(o.classes) {
		t.Errorf("%d classes, oracle %d: %v vs %v", len(m.Classes), len(o.classes), m.Classes, o.classes)
	}
	for c, n := range o.classes {
		got, ok := m.Classes[c]
		if !ok {
			t.Errorf("class %q missing", c)
			continue
		}
		if got.Count != n || got.Usable != o.usableBy[c] {
			t.Errorf("class %q: count %d usable %d, oracle %d %d", c, got.Count, got.Usable, n, o.usableBy[c])
		}
		if want := float64(n) / float64(o.labelled); got.Share != want {
			t.Errorf("class %q: share %v, want %v", c, got.Share, want)
		}
	}
}

func hasCode(r checks.Result, code string) bool { return checktest.Finding(r, code) != nil }
