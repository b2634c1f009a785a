package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/missing"
)

// ---- test data as Go values ----

// frame is a small table held as Go values. The expected totals are counted
// from these values; the files under test are written from the same values.
type frame struct {
	schema *arrow.Schema
	// rows hold nil for null, int64 for every integer type, float64,
	// string (also for dictionary columns) and bool.
	rows [][]any
}

func field(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// genFrame makes n rows of id (int64), x (xType, nil to leave it out), g
// (string, or dictionary of strings) and f (float64). With nulls, x, g and
// f hold nulls; f holds NaN either way.
func genFrame(seed uint64, n int, firstID int64, xType arrow.DataType, dict, nulls bool) frame {
	rng := rand.New(rand.NewPCG(seed, 11))
	fields := []arrow.Field{field("id", arrow.PrimitiveTypes.Int64)}
	if xType != nil {
		fields = append(fields, field("x", xType))
	}
	gType := arrow.DataType(arrow.BinaryTypes.String)
	if dict {
		gType = dictString
	}
	fields = append(fields, field("g", gType), field("f", arrow.PrimitiveTypes.Float64))
	f := frame{schema: arrow.NewSchema(fields, nil)}
	groups := []string{"a", "b", "c", "NA", ""}
	maybe := func(v any) any {
		if nulls && rng.IntN(8) == 0 {
			return nil
		}
		return v
	}
	for i := range n {
		row := []any{firstID + int64(i)}
		if xType != nil {
			row = append(row, maybe(int64(rng.IntN(101)-50)))
		}
		fv := any(rng.Float64())
		if rng.IntN(10) == 0 {
			fv = math.NaN()
		}
		row = append(row, maybe(groups[rng.IntN(len(groups))]), maybe(fv))
		f.rows = append(f.rows, row)
	}
	return f
}

// records builds the frame as record batches of at most per rows (one
// empty batch for an empty frame).
func (f frame) records(t testing.TB, mem memory.Allocator, per int) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for lo := 0; lo < len(f.rows) || lo == 0; lo += per {
		hi := min(lo+per, len(f.rows))
		cols := make([]arrow.Array, f.schema.NumFields())
		for j, fld := range f.schema.Fields() {
			vals := make([]any, 0, hi-lo)
			for _, r := range f.rows[lo:hi] {
				vals = append(vals, r[j])
			}
			cols[j] = buildArray(t, mem, fld.Type, vals)
		}
		out = append(out, array.NewRecordBatch(f.schema, cols, int64(hi-lo)))
		for _, c := range cols {
			c.Release()
		}
		if hi == len(f.rows) {
			break
		}
	}
	return out
}

func buildArray(t testing.TB, mem memory.Allocator, typ arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	var b array.Builder
	if dt, ok := typ.(*arrow.DictionaryType); ok {
		b = array.NewDictionaryBuilder(mem, dt)
	} else {
		b = array.NewBuilder(mem, typ)
	}
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Int32Builder:
			b.Append(int32(v.(int64)))
		case *array.Int16Builder:
			b.Append(int16(v.(int64)))
		case *array.Uint32Builder:
			b.Append(uint32(v.(int64)))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.Float32Builder:
			b.Append(float32(v.(float64)))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.LargeStringBuilder:
			b.Append(v.(string))
		case *array.BinaryDictionaryBuilder:
			if err := b.AppendString(v.(string)); err != nil {
				t.Fatal(err)
			}
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v.(int64)))
		default:
			t.Fatalf("buildArray: no case for %T", b)
		}
	}
	return b.NewArray()
}

// totals is what the probe check should measure, counted from Go values.
type totals struct {
	Rows   int64            `json:"rows"`
	Sum    int64            `json:"sum"`
	Nulls  int64            `json:"sum_nulls"`
	Groups map[string]int64 `json:"groups"`
}

// expectTotals counts rows, the sum and nulls of column sum and the values
// of column group over frames; a frame without a column counts as nulls.
func expectTotals(sum, group string, frames ...frame) totals {
	tot := totals{Groups: map[string]int64{}}
	for _, f := range frames {
		si, gi := f.schema.FieldIndices(sum), f.schema.FieldIndices(group)
		for _, r := range f.rows {
			tot.Rows++
			if len(si) == 0 || r[si[0]] == nil {
				tot.Nulls++
			} else {
				tot.Sum += r[si[0]].(int64)
			}
			if group == "" {
				continue
			}
			if len(gi) == 0 || r[gi[0]] == nil {
				tot.Groups[nullKey]++
			} else {
				tot.Groups[r[gi[0]].(string)]++
			}
		}
	}
	if group == "" {
		tot.Groups = nil
	}
	return tot
}

// ---- a test-only check ----

// probeConfig configures the probe check.
type probeConfig struct {
	// Columns is what the check's Columns returns; nil means every column.
	Columns []string
	// NoColumns makes Columns return an empty list: only row counts.
	NoColumns bool
	// Sum names an integer column to sum; Group a string column whose
	// values are counted.
	Sum, Group string
	// PanicAfter makes Observe panic once more rows than this were seen.
	PanicAfter int64
	// IDIsRow says the int64 column "id" holds each row's 0-based row
	// number in its input (genFrame's ids from 0): rows whose batch
	// offset says otherwise are counted as misnumbered.
	IDIsRow bool
}

const nullKey = "<null>"

// probe counts rows and batches, sums an integer column, counts the
// values of a string column, and records which columns its batches carry
// and whether batch offsets tile every input. It is mergeable: every field
// is a sum, a max or a union.
var probe = checks.Check{
	Name:          "probe",
	DefaultConfig: func() any { return &probeConfig{} },
	Columns: func(c any, _ checks.Env) []string {
		cfg := c.(*probeConfig)
		if cfg.NoColumns {
			return []string{}
		}
		return cfg.Columns
	},
	New: func(c any, env checks.Env) (checks.State, error) {
		cfg := c.(*probeConfig)
		s := &probeState{cfg: cfg, schema: env.Schema, sumIdx: -1, groupIdx: -1,
			groups: map[string]int64{}, seen: map[string]bool{}, spans: map[int][][2]int64{}}
		if cfg.Sum != "" {
			if idx := env.Schema.FieldIndices(cfg.Sum); len(idx) == 1 {
				s.sumIdx = idx[0]
			}
		}
		if cfg.Group != "" {
			if idx := env.Schema.FieldIndices(cfg.Group); len(idx) == 1 {
				s.groupIdx = idx[0]
			}
		}
		return s, nil
	},
}

type probeState struct {
	cfg                                    *probeConfig
	schema                                 *arrow.Schema
	sumIdx, groupIdx                       int
	rows, batches, maxBatch, sum, sumNulls int64
	misnumbered                            int64
	groups                                 map[string]int64
	seen                                   map[string]bool
	spans                                  map[int][][2]int64
}

type probeMetrics struct {
	totals
	Batches   int64    `json:"batches"`
	MaxBatch  int64    `json:"max_batch"`
	Seen      []string `json:"seen"`
	OffsetsOK bool     `json:"offsets_ok"`
	// Misnumbered counts rows whose row number is not their id (IDIsRow).
	Misnumbered int64 `json:"misnumbered"`
}

func (s *probeState) Observe(b checks.Batch) error {
	rec := b.Record
	if !rec.Schema().Equal(s.schema) {
		return fmt.Errorf("batch schema %s, want the state's %s", rec.Schema(), s.schema)
	}
	n := rec.NumRows()
	s.rows += n
	if s.cfg.PanicAfter > 0 && s.rows > s.cfg.PanicAfter {
		panic("probe: planted panic")
	}
	s.batches++
	s.maxBatch = max(s.maxBatch, n)
	for _, f := range rec.Schema().Fields() {
		s.seen[f.Name] = true
	}
	s.spans[b.Input] = append(s.spans[b.Input], [2]int64{b.Offset, b.Offset + n})
	if s.cfg.IDIsRow {
		ids, ok := rec.Column(rec.Schema().FieldIndices("id")[0]).(*array.Int64)
		if !ok {
			return fmt.Errorf("id column is %s, want int64", rec.Column(0).DataType())
		}
		for i := range ids.Len() {
			if ids.IsNull(i) || ids.Value(i) != b.Offset+int64(i) {
				s.misnumbered++
			}
		}
	}
	if s.sumIdx >= 0 && rec.Column(s.sumIdx).DataType().ID() == arrow.NULL {
		s.sumNulls += n // a null-type array's IsNull is false
	} else if s.sumIdx >= 0 {
		col := rec.Column(s.sumIdx)
		for i := range col.Len() {
			if col.IsNull(i) {
				s.sumNulls++
				continue
			}
			switch a := col.(type) {
			case *array.Int64:
				s.sum += a.Value(i)
			case *array.Int32:
				s.sum += int64(a.Value(i))
			default:
				return fmt.Errorf("sum column is %s", col.DataType())
			}
		}
	} else if s.cfg.Sum != "" {
		s.sumNulls += n
	}
	if s.groupIdx >= 0 {
		a, ok := rec.Column(s.groupIdx).(*array.String)
		if !ok {
			return fmt.Errorf("group column is %s, want utf8", rec.Column(s.groupIdx).DataType())
		}
		for i := range a.Len() {
			if a.IsNull(i) {
				s.groups[nullKey]++
			} else {
				s.groups[a.Value(i)]++
			}
		}
	}
	return nil
}

func (s *probeState) Merge(o checks.State) error {
	other, ok := o.(*probeState)
	if !ok {
		return fmt.Errorf("merge %T into probe", o)
	}
	s.rows += other.rows
	s.batches += other.batches
	s.maxBatch = max(s.maxBatch, other.maxBatch)
	s.sum += other.sum
	s.sumNulls += other.sumNulls
	s.misnumbered += other.misnumbered
	for k, v := range other.groups {
		s.groups[k] += v
	}
	for k := range other.seen {
		s.seen[k] = true
	}
	for k, v := range other.spans {
		s.spans[k] = append(s.spans[k], v...)
	}
	return nil
}

func (s *probeState) Result() (checks.Result, error) {
	m := probeMetrics{totals: totals{Rows: s.rows, Sum: s.sum, Nulls: s.sumNulls, Groups: s.groups},
		Batches: s.batches, MaxBatch: s.maxBatch, OffsetsOK: true, Seen: []string{}, Misnumbered: s.misnumbered}
	if s.cfg.Group == "" {
		m.Groups = nil
	}
	for k := range s.seen {
		m.Seen = append(m.Seen, k)
	}
	sort.Strings(m.Seen)
	for _, spans := range s.spans {
		sorted := append([][2]int64{}, spans...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
		var next int64
		for _, sp := range sorted {
			if sp[0] != next {
				m.OffsetsOK = false
			}
			next = sp[1]
		}
	}
	return checks.NewResult("probe", checks.Pass, nil, m, nil)
}

func probeOf(t testing.TB, out *Outcome) probeMetrics {
	t.Helper()
	for _, r := range out.Results {
		if r.Name == "probe" {
			var m probeMetrics
			if err := json.Unmarshal(r.Metrics, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no probe result")
	return probeMetrics{}
}

// ---- running ----

func probeTask(cfg probeConfig) Task { return Task{Check: &probe, Config: &cfg} }
func missingTask() Task              { return Task{Check: &missing.Check, Config: missing.Check.DefaultConfig()} }
func newChecked(t testing.TB) *memory.CheckedAllocator {
	return memory.NewCheckedAllocator(memory.NewGoAllocator())
}

// audit discovers paths, plans and runs tasks with a checked allocator, and
// asserts that every Arrow buffer was freed.
func audit(t testing.TB, paths []string, workers, batch int, tasks ...Task) (*Dataset, *Outcome, error) {
	t.Helper()
	found, err := Discover(paths, DiscoverOptions{})
	if err != nil {
		return nil, nil, err
	}
	return runInputs(t, found.Inputs, workers, batch, tasks...)
}

func runInputs(t testing.TB, inputs []*Input, workers, batch int, tasks ...Task) (*Dataset, *Outcome, error) {
	t.Helper()
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	opts := ReadOptions{BatchSize: batch, Mem: mem}
	ds, err := Plan(context.Background(), inputs, workers, opts)
	if err != nil {
		return nil, nil, err
	}
	out, err := ds.Run(context.Background(), tasks, RunOptions{ReadOptions: opts, Workers: workers})
	return ds, out, err
}

func mustAudit(t testing.TB, paths []string, workers, batch int, tasks ...Task) (*Dataset, *Outcome) {
	t.Helper()
	ds, out, err := audit(t, paths, workers, batch, tasks...)
	if err != nil {
		t.Fatalf("audit %v with %d workers, batch size %d: %v", paths, workers, batch, err)
	}
	return ds, out
}

// resultsJSON is every result of a run, as the report holds them.
func resultsJSON(t testing.TB, out *Outcome) []byte {
	t.Helper()
	b, err := json.Marshal(out.Results)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameAcrossWorkers runs paths with 1, 2 and 4 workers and requires
// byte-identical results; it returns the 1-worker outcome.
func sameAcrossWorkers(t *testing.T, paths []string, batch int, tasks ...Task) (*Dataset, *Outcome) {
	t.Helper()
	var first []byte
	var ds *Dataset
	var out *Outcome
	for _, w := range []int{1, 2, 4} {
		d, o := mustAudit(t, paths, w, batch, tasks...)
		got := resultsJSON(t, o)
		if first == nil {
			first, ds, out = got, d, o
			continue
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("batch size %d: %d workers differ from 1:\n1: %s\n%d: %s", batch, w, first, w, got)
		}
		if !reflect.DeepEqual(o.InputRows, out.InputRows) || o.Rows != out.Rows {
			t.Fatalf("%d workers: input rows %v, 1 worker: %v", w, o.InputRows, out.InputRows)
		}
	}
	return ds, out
}

func checkTotals(t testing.TB, got probeMetrics, want totals) {
	t.Helper()
	if !reflect.DeepEqual(got.totals, want) {
		t.Errorf("totals\n got %+v\nwant %+v", got.totals, want)
	}
	if !got.OffsetsOK {
		t.Error("batch offsets do not tile the inputs")
	}
}

// ---- tests ----

// TestRunDeterministic runs the same Parquet and IPC inputs with 1, 2 and 4
// workers and several batch sizes: every result is byte-identical across
// worker counts, and the missing check's result across batch sizes too.
func TestRunDeterministic(t *testing.T) {
	dir := t.TempDir()
	a := genFrame(1, 900, 0, arrow.PrimitiveTypes.Int64, false, true)
	b := genFrame(2, 400, 900, arrow.PrimitiveTypes.Int64, true, true)
	c := genFrame(3, 333, 1300, arrow.PrimitiveTypes.Int64, false, false)
	writeParquet(t, filepath.Join(dir, "a.parquet"), a, parquetOpts{rowGroup: 100})
	writeParquet(t, filepath.Join(dir, "b.parquet"), b, parquetOpts{rowGroup: 64, storeSchema: true})
	writeIPC(t, filepath.Join(dir, "c.arrow"), c, 50, false)
	want := expectTotals("x", "g", a, b, c)
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"})}
	var missingJSON []byte
	for _, batch := range []int{1, 7, 100, 5000, 0} {
		_, out := sameAcrossWorkers(t, []string{dir}, batch, tasks...)
		checkTotals(t, probeOf(t, out), want)
		m := resultsJSON(t, &Outcome{Results: out.Results[:1]})
		if missingJSON == nil {
			missingJSON = m
		} else if !bytes.Equal(m, missingJSON) {
			t.Errorf("batch size %d: missing result differs:\n%s\n%s", batch, m, missingJSON)
		}
		if want := []int64{900, 400, 333}; !reflect.DeepEqual(out.InputRows, want) {
			t.Errorf("input rows %v, want %v", out.InputRows, want)
		}
	}
}

// TestRunInputOrder: the order paths are named in, and the order inputs
// are handed to Plan, do not change any result.
func TestRunInputOrder(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	var frames []frame
	for i := range 4 {
		f := genFrame(uint64(10+i), 150+50*i, int64(1000*i), arrow.PrimitiveTypes.Int64, i%2 == 0, true)
		p := filepath.Join(dir, fmt.Sprintf("part-%d.parquet", i))
		writeParquet(t, p, f, parquetOpts{rowGroup: 70, storeSchema: true})
		paths, frames = append(paths, p), append(frames, f)
	}
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"})}
	_, base := mustAudit(t, paths, 2, 64, tasks...)
	checkTotals(t, probeOf(t, base), expectTotals("x", "g", frames...))
	want := resultsJSON(t, base)
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 4 {
		perm := append([]string{}, paths...)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for _, w := range []int{1, 4} {
			if _, out := mustAudit(t, perm, w, 64, tasks...); !bytes.Equal(resultsJSON(t, out), want) {
				t.Errorf("trial %d, paths %v, %d workers: results differ", trial, perm, w)
			}
		}
		found, err := Discover(paths, DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		inputs := found.Inputs
		rng.Shuffle(len(inputs), func(i, j int) { inputs[i], inputs[j] = inputs[j], inputs[i] })
		_, out, err := runInputs(t, inputs, 3, 64, tasks...)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resultsJSON(t, out), want) {
			t.Errorf("trial %d: inputs planned in a shuffled order: results differ", trial)
		}
	}
}

// TestRunCompatibleSchemas: int32 in one file and int64 in another unify to
// int64; a column absent from a file reads as nulls there.
func TestRunCompatibleSchemas(t *testing.T) {
	dir := t.TempDir()
	a := genFrame(1, 300, 0, arrow.PrimitiveTypes.Int32, false, true)
	b := genFrame(2, 200, 300, arrow.PrimitiveTypes.Int64, false, true)
	c := genFrame(3, 100, 500, nil, false, false) // no x
	writeParquet(t, filepath.Join(dir, "a.parquet"), a, parquetOpts{rowGroup: 128})
	writeParquet(t, filepath.Join(dir, "b.parquet"), b, parquetOpts{rowGroup: 128})
	writeIPC(t, filepath.Join(dir, "c.arrows"), c, 40, true)
	ds, out := sameAcrossWorkers(t, []string{dir}, 50, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
	checkTotals(t, probeOf(t, out), expectTotals("x", "g", a, b, c))
	x, ok := fieldByName(ds.Schema, "x")
	if !ok || !arrow.TypeEqual(x.Type, arrow.PrimitiveTypes.Int64) {
		t.Errorf("x unified to %v, want int64", x.Type)
	}
	var m missing.Metrics
	if err := json.Unmarshal(out.Results[0].Metrics, &m); err != nil {
		t.Fatal(err)
	}
	wantNulls := int64(100)
	for _, f := range []frame{a, b} {
		for _, r := range f.rows {
			if r[1] == nil {
				wantNulls++
			}
		}
	}
	if m.Columns["x"].Nulls != wantNulls {
		t.Errorf("x nulls %d, want %d (every row of c.arrows, plus the files' own nulls)", m.Columns["x"].Nulls, wantNulls)
	}
}

// TestRunPartitions: key=value folders become string columns with their
// values, nested ones included.
func TestRunPartitions(t *testing.T) {
	root := t.TempDir()
	type part struct {
		dir  string
		rows int
	}
	parts := []part{{"year=2023/month=11", 120}, {"year=2023/month=12", 80}, {"year=2024/month=01", 50}}
	var frames []frame
	for i, p := range parts {
		d := filepath.Join(root, filepath.FromSlash(p.dir))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		f := genFrame(uint64(i), p.rows, 0, arrow.PrimitiveTypes.Int64, false, false)
		writeParquet(t, filepath.Join(d, "part-0.parquet"), f, parquetOpts{rowGroup: 32})
		frames = append(frames, f)
	}
	writeTestFile(t, filepath.Join(root, "_SUCCESS"), "")
	ds, out := sameAcrossWorkers(t, []string{root}, 25, probeTask(probeConfig{Group: "year"}), probeTaskNamed("month"))
	for _, name := range []string{"year", "month"} {
		f, ok := fieldByName(ds.Schema, name)
		if !ok || f.Type.ID() != arrow.STRING {
			t.Errorf("partition column %s: %v, want a string column", name, f)
		}
	}
	if got, want := probeOf(t, out).Groups, map[string]int64{"2023": 200, "2024": 50}; !reflect.DeepEqual(got, want) {
		t.Errorf("year values %v, want %v", got, want)
	}
	var months probeMetrics
	if err := json.Unmarshal(out.Results[0].Metrics, &months); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"11": 120, "12": 80, "01": 50}; !reflect.DeepEqual(months.Groups, want) {
		t.Errorf("month values %v, want %v", months.Groups, want)
	}
}

// probeMonth is a second probe under another name, so one run can count
// two columns.
var probeMonth = func() checks.Check { c := probe; c.Name = "month"; return c }()

func probeTaskNamed(group string) Task {
	return Task{Check: &probeMonth, Config: &probeConfig{Group: group}}
}

// TestRunProjection: the batches a check sees carry only the columns the
// checks asked for.
func TestRunProjection(t *testing.T) {
	dir := t.TempDir()
	a := genFrame(1, 500, 0, arrow.PrimitiveTypes.Int64, true, true)
	writeParquet(t, filepath.Join(dir, "a.parquet"), a, parquetOpts{rowGroup: 100, storeSchema: true})
	writeIPC(t, filepath.Join(dir, "b.arrow"), a, 500, false) // one batch: one dictionary
	for _, tc := range []struct {
		name string
		cfg  probeConfig
		seen []string
	}{
		{"one column", probeConfig{Columns: []string{"x"}, Sum: "x"}, []string{"x"}},
		{"two columns", probeConfig{Columns: []string{"g", "id"}, Group: "g"}, []string{"g", "id"}},
		{"no column", probeConfig{NoColumns: true}, []string{}},
		{"every column", probeConfig{}, []string{"f", "g", "id", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out := sameAcrossWorkers(t, []string{dir}, 64, probeTask(tc.cfg))
			got := probeOf(t, out)
			if !reflect.DeepEqual(got.Seen, tc.seen) {
				t.Errorf("batches carried %v, want %v", got.Seen, tc.seen)
			}
			if !reflect.DeepEqual(out.Columns, orderedLike(tc.seen, []string{"id", "x", "g", "f"})) {
				t.Errorf("outcome columns %v", out.Columns)
			}
			if got.Rows != 1000 || !got.OffsetsOK {
				t.Errorf("rows %d offsets ok %v, want 1000 rows", got.Rows, got.OffsetsOK)
			}
			want := expectTotals("x", "g", a, a)
			if tc.cfg.Sum != "" && (got.Sum != want.Sum || got.Nulls != want.Nulls) {
				t.Errorf("sum %d nulls %d, want %d, %d", got.Sum, got.Nulls, want.Sum, want.Nulls)
			}
			if tc.cfg.Group != "" && !reflect.DeepEqual(got.Groups, want.Groups) {
				t.Errorf("groups %v, want %v", got.Groups, want.Groups)
			}
		})
	}
	// Two checks: the union of what they ask for.
	_, out := mustAudit(t, []string{dir}, 2, 64, probeTask(probeConfig{Columns: []string{"x"}}), Task{Check: &probeMonth, Config: &probeConfig{Columns: []string{"g"}}})
	if !reflect.DeepEqual(out.Columns, []string{"x", "g"}) {
		t.Errorf("two checks read %v, want [x g]", out.Columns)
	}
}

func orderedLike(set, order []string) []string {
	var out []string
	for _, o := range order {
		for _, s := range set {
			if s == o {
				out = append(out, o)
			}
		}
	}
	return out
}

// TestRunCheckPanic: a panic in a check's Observe ends the run with a
// *CheckError, not a crash, and frees every buffer.
func TestRunCheckPanic(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "a.parquet"), genFrame(1, 500, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 50})
	for _, w := range []int{1, 4} {
		_, _, err := audit(t, []string{dir}, w, 10, missingTask(), probeTask(probeConfig{PanicAfter: 25}))
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Check != "probe" || !strings.Contains(err.Error(), "planted panic") {
			t.Errorf("%d workers: err %v (%T), want a *CheckError from probe", w, err, err)
		}
		var ie *InputError
		if errors.As(err, &ie) {
			t.Errorf("a check's panic reported as an input error: %v", err)
		}
	}
}

// TestRunCheckNewError: a check that cannot start is a *CheckError.
func TestRunCheckNewError(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "a.parquet"), genFrame(1, 10, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 5})
	cfg := missing.Check.DefaultConfig().(*missing.Config)
	cfg.ColumnSentinels = map[string][]float64{"nope": {1}}
	_, _, err := audit(t, []string{dir}, 2, 10, Task{Check: &missing.Check, Config: cfg})
	var ce *CheckError
	if !errors.As(err, &ce) || ce.Check != "missing" {
		t.Errorf("err %v, want a *CheckError from missing", err)
	}
}

// TestRunCanceled: a canceled context stops the run with its error.
func TestRunCanceled(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "a.parquet"), genFrame(1, 100, 0, arrow.PrimitiveTypes.Int64, false, true), parquetOpts{rowGroup: 10})
	found, err := Discover([]string{dir}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	opts := ReadOptions{Mem: mem, BatchSize: 10}
	ds, err := Plan(context.Background(), found.Inputs, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ds.Run(ctx, []Task{missingTask()}, RunOptions{ReadOptions: opts, Workers: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func writeTestFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fieldByName returns the first field of sc named name.
func fieldByName(sc *arrow.Schema, name string) (arrow.Field, bool) {
	fs, ok := sc.FieldsByName(name)
	if !ok {
		return arrow.Field{}, false
	}
	return fs[0], true
}

// TestRunPartitionShadowedByFileColumn: a file column named like a
// partition key wins over the folder's value, whatever its type.
func TestRunPartitionShadowedByFileColumn(t *testing.T) {
	root := t.TempDir()
	f := frame{schema: arrow.NewSchema([]arrow.Field{field("year", arrow.PrimitiveTypes.Int64), field("v", utf8)}, nil)}
	for i := range 20 {
		f.rows = append(f.rows, []any{int64(2000 + i%3), "x"})
	}
	writeParquet(t, filepath.Join(root, "year=2024", "a.parquet"), f, parquetOpts{rowGroup: 8})
	ds, out := sameAcrossWorkers(t, []string{root}, 5, probeTask(probeConfig{Sum: "year"}))
	if y, _ := fieldByName(ds.Schema, "year"); y.Type.ID() != arrow.INT64 {
		t.Errorf("year is %s, want the file's int64", y.Type)
	}
	if got, want := probeOf(t, out).Sum, int64(7*2000+7*2001+6*2002); got != want {
		t.Errorf("sum of year %d, want %d (the file's values)", got, want)
	}
}
