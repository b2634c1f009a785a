package privacy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
)

var (
	dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	metrics    = checktest.SchemaFile("metrics.schema.json", false)
)

func metricsOf(t *testing.T, r checks.Result) Metrics {
	t.Helper()
	var m Metrics
	checktest.Metrics(t, metrics, r, &m, true)
	return m
}

func cfgOf(mod func(*Config)) *Config {
	c := defaultConfig().(*Config)
	if mod != nil {
		mod(c)
	}
	return c
}

// table is a generated test table and the answer the oracle expects.
type table struct {
	cols      []checktest.Column
	cells     map[string]map[string]int64 // column → type → matched cells
	rowsWith  int64
	flagged   []checks.FlaggedRow
	positives []string // every positive token, to check no output quotes one
}

// genTable generates n rows of string columns of every string type (with
// nulls, and a dictionary column drawing from a small vocabulary), an int
// column and a text column without string type, and computes the oracle
// from the generated values with plain loops and maps.
func genTable(seed uint64, n int, p float64) table {
	g := newGen(seed)
	types := []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView, dictString}
	names := []string{"comment", "contact", "notes", "category"}
	tb := table{cells: map[string]map[string]int64{}}
	hit := make([]bool, n)
	// the dictionary column's vocabulary, with its answers
	type entry struct {
		s   string
		m   mask
		pos []string
	}
	var vocab []entry
	for range 12 {
		s, m, pos := g.cell(p)
		vocab = append(vocab, entry{s, m, pos})
	}
	for ci, typ := range types {
		vals := make([]any, n)
		for i := range n {
			if g.r.IntN(20) == 0 {
				continue // null
			}
			var s string
			var m mask
			var pos []string
			if typ == dictString {
				e := vocab[g.r.IntN(len(vocab))]
				s, m, pos = e.s, e.m, e.pos
			} else {
				s, m, pos = g.cell(p)
			}
			vals[i] = s
			tb.positives = append(tb.positives, pos...)
			for k := range numKinds {
				if m.has(k) {
					if tb.cells[names[ci]] == nil {
						tb.cells[names[ci]] = map[string]int64{}
					}
					tb.cells[names[ci]][kindNames[k]]++
					tb.flagged = append(tb.flagged, checks.FlaggedRow{Row: int64(i), Code: "PRV001", Column: names[ci], Group: uint64(k) + 1})
					hit[i] = true
				}
			}
		}
		tb.cols = append(tb.cols, checktest.Column{Name: names[ci], Type: typ, Vals: vals})
	}
	ints := make([]any, n)
	for i := range ints {
		ints[i] = int64(5551234567)
	}
	tb.cols = append(tb.cols, checktest.Column{Name: "phone_as_int", Type: arrow.PrimitiveTypes.Int64, Vals: ints})
	for _, h := range hit {
		if h {
			tb.rowsWith++
		}
	}
	return tb
}

func sortFlagged(f []checks.FlaggedRow) []checks.FlaggedRow {
	out := slices.Clone(f)
	slices.SortFunc(out, func(a, b checks.FlaggedRow) int {
		if a.Row != b.Row {
			return int(a.Row - b.Row)
		}
		if c := strings.Compare(a.Column, b.Column); c != 0 {
			return c
		}
		return int(a.Group) - int(b.Group)
	})
	return out
}

// TestOracle: counts, rows with personal data, flagged rows, status and
// findings against the oracle, and the split-and-merge property; in
// batches of up to 700 rows, where every string column has codes (at most
// checks.MaxStrCodes values a batch, see observeCodes), and in batches of
// 1,500, where the columns of a value a row have none.
func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, bounds := range [][]int{checktest.RandomBounds(rng, 3000, 0, 700), {1500}} {
		t.Run(fmt.Sprint(len(bounds)+1, " batches"), func(t *testing.T) { testOracle(t, bounds) })
	}
}

func testOracle(t *testing.T, bounds []int) {
	mem := checktest.Allocator(t)
	const n = 3000
	tb := genTable(3, n, 0.05)
	batches := checktest.Table(t, mem, tb.cols, bounds...)
	defer checktest.Release(batches)
	env := checks.Env{Schema: checktest.Schema(tb.cols), Roles: checks.Roles{ID: "contact"}}
	cfg := cfgOf(func(c *Config) { c.MaxRowShare = 0.5 })
	r := checktest.SplitMerge(t, &Check, cfg, env, batches, checktest.Options{})
	_, st := checktest.OnePass(t, &Check, cfg, env, batches)
	m := metricsOf(t, r)
	if !reflect.DeepEqual(m.Columns, tb.cells) {
		t.Errorf("columns = %v, want %v", m.Columns, tb.cells)
	}
	if m.Rows != n || m.RowsWithPersonalData != tb.rowsWith || m.ColumnsScanned != 4 {
		t.Errorf("rows %d, rows_with_personal_data %d, columns_scanned %d; want %d, %d, 4", m.Rows, m.RowsWithPersonalData, m.ColumnsScanned, n, tb.rowsWith)
	}
	wantTypes := map[string]int64{}
	for _, k := range kindNames {
		wantTypes[k] = 0
	}
	for _, byType := range tb.cells {
		for k, v := range byType {
			wantTypes[k] += v
		}
	}
	t.Logf("types %v, rows with personal data %d of %d", m.Types, m.RowsWithPersonalData, n)
	if !reflect.DeepEqual(m.Types, wantTypes) {
		t.Errorf("types = %v, want %v", m.Types, wantTypes)
	}
	if got, want := checktest.Flagged(st), sortFlagged(tb.flagged); !reflect.DeepEqual(got, want) {
		t.Errorf("flagged rows: %d, want %d", len(got), len(want))
	}
	if r.Status != checks.Warn {
		t.Errorf("status %s, want warn (share %.3f ≤ 0.5)", r.Status, m.RowShare)
	}
	var nf int
	for _, byType := range tb.cells {
		nf += len(byType)
	}
	if len(r.Findings) != nf {
		t.Errorf("%d findings, want one per (column, type): %d", len(r.Findings), nf)
	}
	for _, f := range r.Findings {
		if f.Code != "PRV001" || f.Severity != checks.Warning || f.Setting != "checks.privacy.max_row_share" ||
			f.Rows == nil || f.Value == nil || f.Threshold == nil || *f.Threshold != 0.5 {
			t.Errorf("finding %+v", f)
			continue
		}
		var k string
		for _, name := range kindNames {
			if strings.Contains(f.Message, kindNouns[slices.Index(kindNames[:], name)]) {
				k = name
			}
		}
		if want := tb.cells[f.Column][k]; *f.Rows != want || *f.Value != float64(want)/n {
			t.Errorf("finding %q: rows %d value %v, want %d", f.Message, *f.Rows, *f.Value, want)
		}
	}
	// No output quotes a matched value.
	out, _ := json.Marshal(r)
	for _, p := range tb.positives {
		if strings.Contains(string(out), p) {
			t.Fatalf("the result quotes a matched value %q", p)
		}
	}
	if score := 100 * (1 - float64(tb.rowsWith)/n); r.Score == nil || *r.Score-score > 0.005 || score-*r.Score > 0.005 {
		t.Errorf("score %v, want %.2f", r.Score, score)
	}
}

// TestStatus: pass, warn and fail by max_row_share; the default fails on
// any match.
func TestStatus(t *testing.T) {
	mem := checktest.Allocator(t)
	vals := []any{"hello", "mail bob@example.com", nil, "world"}
	cols := []checktest.Column{{Name: "t", Type: arrow.BinaryTypes.String, Vals: vals}}
	batches := checktest.Table(t, mem, cols)
	defer checktest.Release(batches)
	env := checks.Env{Schema: checktest.Schema(cols)}
	for _, c := range []struct {
		share float64
		types []string
		want  checks.Status
		score float64
	}{
		{0, nil, checks.Fail, 75}, {0.25, nil, checks.Warn, 75}, {0.2, nil, checks.Fail, 75},
		{0, []string{"phone", "iban"}, checks.Pass, 100},
	} {
		cfg := cfgOf(func(k *Config) {
			k.MaxRowShare = c.share
			if c.types != nil {
				k.Types = c.types
			}
		})
		r := checktest.SplitMerge(t, &Check, cfg, env, batches, checktest.Options{Trials: 5})
		m := metricsOf(t, r)
		if r.Status != c.want || r.Score == nil || *r.Score != c.score {
			t.Errorf("max_row_share %v types %v: status %s score %v, want %s %v", c.share, c.types, r.Status, r.Score, c.want, c.score)
		}
		if c.types != nil && (!reflect.DeepEqual(m.Detectors, []string{"phone", "iban"}) || len(m.Types) != 2 || len(r.Findings) != 0) {
			t.Errorf("types %v: detectors %v, types %v, findings %v", c.types, m.Detectors, m.Types, r.Findings)
		}
	}
}

// TestNotApplicable: no string column, or no rows.
func TestNotApplicable(t *testing.T) {
	mem := checktest.Allocator(t)
	for name, cols := range map[string][]checktest.Column{
		"no string column": {{Name: "n", Type: arrow.PrimitiveTypes.Int64, Vals: []any{int64(1), nil}},
			{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Vals: []any{true, false}}},
		"zero rows":      {{Name: "s", Type: arrow.BinaryTypes.String, Vals: []any{}}},
		"ignored column": {{Name: "secret", Type: arrow.BinaryTypes.String, Vals: []any{"bob@example.com", nil}}},
	} {
		t.Run(name, func(t *testing.T) {
			batches := checktest.Table(t, mem, cols)
			defer checktest.Release(batches)
			env := checks.Env{Schema: checktest.Schema(cols)}
			cfg := cfgOf(func(c *Config) { c.IgnoreColumns = []string{"secret"} })
			r := checktest.SplitMerge(t, &Check, cfg, env, batches, checktest.Options{Trials: 3})
			metricsOf(t, r)
			if r.Status != checks.NotApplicable || r.Score != nil || len(r.Findings) != 1 || r.Findings[0].Code != "PRV000" {
				t.Errorf("got %s %v %+v, want not_applicable with PRV000", r.Status, r.Score, r.Findings)
			}
		})
	}
}

// TestEdgeColumns: all-null columns, the null type, nested and binary
// columns, invalid UTF-8 and a 1 MB cell do not panic and are counted
// right.
func TestEdgeColumns(t *testing.T) {
	mem := checktest.Allocator(t)
	big := strings.Repeat("lorem ipsum 12 ", 70000) + "call 555-123-4567"
	cols := []checktest.Column{
		{Name: "allnull", Type: arrow.BinaryTypes.String, Vals: []any{nil, nil, nil, nil}},
		{Name: "nulltype", Type: arrow.Null, Vals: []any{nil, nil, nil, nil}},
		{Name: "bad", Type: arrow.BinaryTypes.LargeString, Vals: []any{"\xff\xfe@\x80", "a\xffbob@example.com", "\xc3", big}},
		{Name: "dict", Type: dictString, Vals: []any{nil, "10.0.0.1", "10.0.0.1", "x"}},
	}
	batches := checktest.Table(t, mem, cols, 1, 3)
	defer checktest.Release(batches)
	env := checks.Env{Schema: checktest.Schema(cols)}
	if got := Check.Columns(cfgOf(nil), env); !reflect.DeepEqual(got, []string{"allnull", "bad", "dict"}) {
		t.Errorf("Columns = %v", got)
	}
	r := checktest.SplitMerge(t, &Check, cfgOf(nil), env, batches, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	want := map[string]map[string]int64{"bad": {"email": 0, "phone": 1}, "dict": {"ip_address": 2}}
	// "a\xffbob@example.com": \xff is a boundary, so the email counts.
	want["bad"]["email"] = 1
	if !reflect.DeepEqual(m.Columns, want) || m.RowsWithPersonalData != 3 || m.ColumnsScanned != 3 {
		t.Errorf("columns %v rows_with %d scanned %d; want %v, 3, 3", m.Columns, m.RowsWithPersonalData, m.ColumnsScanned, want)
	}
}

// TestColumns: every string column, role columns included, minus
// ignore_columns; an empty list (not nil: nil means every column) when
// there is none.
func TestColumns(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: dictString}, {Name: "v", Type: arrow.BinaryTypes.StringView},
		{Name: "skip", Type: arrow.BinaryTypes.LargeString}, {Name: "bin", Type: arrow.BinaryTypes.Binary},
	}, nil)
	env := checks.Env{Schema: schema, Roles: checks.Roles{ID: "id", Label: "label"}}
	cfg := cfgOf(func(c *Config) { c.IgnoreColumns = []string{"skip", "absent"} })
	if got := Check.Columns(cfg, env); !reflect.DeepEqual(got, []string{"id", "label", "v"}) {
		t.Errorf("Columns = %v", got)
	}
	env.Schema = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil)
	if got := Check.Columns(cfg, env); got == nil || len(got) != 0 {
		t.Errorf("Columns without strings = %#v, want an empty list", got)
	}
}

// TestConfigErrors: unknown or no types, a share out of range, a foreign
// state to merge.
func TestConfigErrors(t *testing.T) {
	env := checks.Env{Schema: arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)}
	for _, cfg := range []*Config{
		cfgOf(func(c *Config) { c.Types = []string{"email", "passport"} }),
		cfgOf(func(c *Config) { c.Types = []string{} }),
		cfgOf(func(c *Config) { c.MaxRowShare = 1.5 }),
		cfgOf(func(c *Config) { c.MaxRowShare = -0.1 }),
	} {
		if _, err := Check.New(cfg, env); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	if _, err := Check.New(struct{}{}, env); err == nil {
		t.Errorf("New with a foreign config succeeded")
	}
	st := checktest.New(t, &Check, cfgOf(nil), env)
	if err := st.Merge(checktest.Foreign{}); err == nil {
		t.Errorf("Merge of a foreign state succeeded")
	}
	other := checktest.New(t, &Check, cfgOf(func(c *Config) { c.Types = []string{"email"} }), env)
	if err := st.Merge(other); err == nil {
		t.Errorf("Merge of a state with other types succeeded")
	}
}

// TestSample: the fixture sample holds no personal data.
func TestSample(t *testing.T) {
	mem := checktest.Allocator(t)
	batches := checktest.ReadParquet(t, mem, "../../fixtures/sample/train.parquet", 300)
	schema := batches[0].Record.Schema()
	env := checks.Env{Schema: schema, Roles: checks.Roles{Label: "label", ID: "id", Time: "ts", Annotator: "annotator"}}
	r := checktest.SplitMerge(t, &Check, cfgOf(nil), env, batches, checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	var nstr int
	for _, f := range schema.Fields() {
		if checks.IsString(f.Type) {
			nstr++
		}
	}
	if r.Status != checks.Pass || r.Score == nil || *r.Score != 100 || m.Rows != 2000 || m.ColumnsScanned != nstr || nstr == 0 {
		t.Errorf("sample: %s %v rows %d scanned %d (string columns %d), findings %v", r.Status, r.Score, m.Rows, m.ColumnsScanned, nstr, r.Findings)
	}
}

// TestUnlisted: rows past the bound are counted in unlisted_rows; the
// check is cheap to run over MaxFlaggedRows+ matches only with a big
// table, so this test builds one dictionary column whose every row
// matches.
func TestUnlisted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a table of 1M+ rows")
	}
	mem := checktest.Allocator(t)
	n := checks.MaxFlaggedRows + 10
	cols := []checktest.Column{{Name: "ip", Type: dictString, Vals: checktest.Repeat("10.0.0.1", n)}}
	batches := checktest.Table(t, mem, cols, n/2)
	defer checktest.Release(batches)
	r, st := checktest.OnePass(t, &Check, cfgOf(nil), checks.Env{Schema: checktest.Schema(cols)}, batches)
	m := metricsOf(t, r)
	if m.UnlistedRows != 10 || len(checktest.Flagged(st)) != checks.MaxFlaggedRows || m.Columns["ip"]["ip_address"] != int64(n) {
		t.Errorf("unlisted %d, flagged %d, cells %d", m.UnlistedRows, len(checktest.Flagged(st)), m.Columns["ip"]["ip_address"])
	}
}

// TestDoc: every type and code is documented.
func TestDoc(t *testing.T) {
	for _, k := range kindNames {
		if !strings.Contains(Check.Doc, k) {
			t.Errorf("doc does not mention %s", k)
		}
	}
	for _, c := range codes {
		if !strings.Contains(Check.Doc, c.Code) {
			t.Errorf("doc does not mention %s", c.Code)
		}
	}
}

// TestShowValues: with --show-values each finding quotes the first matched
// cell of its column and type, whatever the cuts; without, none.
func TestShowValues(t *testing.T) {
	mem := checktest.Allocator(t)
	long := "mail bob@example.com " + strings.Repeat("x", 300)
	cols := []checktest.Column{
		{Name: "t", Type: arrow.BinaryTypes.String, Vals: []any{"hi", "call 555-123-4567", "ann@example.org", long, "carl@example.net"}},
		{Name: "d", Type: dictString, Vals: []any{"x", "10.0.0.1", nil, "10.0.0.2", "10.0.0.1"}},
	}
	batches := checktest.Table(t, mem, cols, 2, 3)
	defer checktest.Release(batches)
	env := checks.Env{Schema: checktest.Schema(cols), ShowValues: true}
	r := checktest.SplitMerge(t, &Check, cfgOf(nil), env, batches, checktest.Options{})
	want := map[string]string{
		"a phone number": `input 0 row 1: "call 555-123-4567";`,
		"an email":       `input 0 row 2: "ann@example.org";`,
		"an IP address":  `input 0 row 1: "10.0.0.1";`,
	}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings %+v", r.Findings)
	}
	for _, f := range r.Findings {
		found := false
		for noun, ex := range want {
			if strings.Contains(f.Message, noun) {
				found = true
				if !strings.Contains(f.Message, ex) {
					t.Errorf("%q does not quote %s", f.Message, ex)
				}
			}
		}
		if !found {
			t.Errorf("unexpected finding %q", f.Message)
		}
	}
	// The long cell is the second email: shown cut only if it came first.
	cols[0].Vals = []any{long}
	cols[1].Vals = []any{nil}
	b2 := checktest.Table(t, mem, cols)
	defer checktest.Release(b2)
	r = checktest.Result(t, &Check, cfgOf(nil), env, b2)
	if len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, "(cut)") || strings.Contains(r.Findings[0].Message, strings.Repeat("x", 200)) {
		t.Errorf("long example: %+v", r.Findings)
	}
	env.ShowValues = false
	r = checktest.Result(t, &Check, cfgOf(nil), env, batches)
	out, _ := json.Marshal(r)
	for _, v := range []string{"555-123-4567", "ann@example.org", "10.0.0.1", "bob@"} {
		if strings.Contains(string(out), v) {
			t.Errorf("without --show-values the result quotes %q", v)
		}
	}
	if _, err := Check.New(cfgOf(nil), checks.Env{Schema: env.Schema, ShowValues: true}); err != nil {
		t.Fatal(err)
	}
	a := checktest.New(t, &Check, cfgOf(nil), env)
	env.ShowValues = true
	if err := a.Merge(checktest.New(t, &Check, cfgOf(nil), env)); err == nil {
		t.Errorf("merging states with and without --show-values succeeded")
	}
}
