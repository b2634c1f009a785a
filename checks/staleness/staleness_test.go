package staleness_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/staleness"
)

const dayUS = 86_400_000_000

func defaults() *staleness.Config { return staleness.Check.DefaultConfig().(*staleness.Config) }

// metricsSchema is the check's metrics schema, compiled once.
var metricsSchema = checktest.SchemaFile("metrics.schema.json", true)

// metricsOf decodes a result's metrics, after validating them against
// metrics.schema.json.
func metricsOf(t testing.TB, r checks.Result) staleness.Metrics {
	t.Helper()
	var m staleness.Metrics
	checktest.Metrics(t, metricsSchema, r, &m, false)
	return m
}

func fmtScore(s *float64) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprint(*s)
}

// ---- building columns ----

// kind is how the time column is stored.
type kind int

const (
	kTSSecond kind = iota
	kTSMilli
	kTSMicro
	kTSNano
	kTSZoned // microseconds, with a zone
	kDate32
	kDate64
	kString
	kLargeString
	kStringView
	kDict
	nKinds
)

func (k kind) String() string {
	return [...]string{"ts_s", "ts_ms", "ts_us", "ts_ns", "ts_zoned", "date32", "date64", "string", "large_string", "string_view", "dict"}[k]
}

func (k kind) isString() bool { return k >= kString }

func (k kind) dataType() arrow.DataType {
	switch k {
	case kTSSecond:
		return &arrow.TimestampType{Unit: arrow.Second}
	case kTSMilli:
		return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	case kTSMicro:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kTSNano:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case kTSZoned:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/New_York"}
	case kDate32:
		return arrow.FixedWidthTypes.Date32
	case kDate64:
		return arrow.FixedWidthTypes.Date64
	case kString:
		return arrow.BinaryTypes.String
	case kLargeString:
		return arrow.BinaryTypes.LargeString
	case kStringView:
		return arrow.BinaryTypes.StringView
	case kDict:
		return &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	}
	panic("kind")
}

// row is one row of test data: the value written to the time column (nil
// for null), the instant it stands for (nil when it is null or not a time)
// and the label (nil for null).
type row struct {
	raw   any // int64 (per kind's unit), int32 days, or string
	tm    *time.Time
	label *string
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// stringLayouts are the forms string times are written in, each with the
// zone it is written in.
var stringLayouts = []struct {
	layout string
	zone   *time.Location
}{
	{time.RFC3339Nano, time.UTC},
	{time.RFC3339Nano, time.FixedZone("", 5*3600+30*60)},
	{time.RFC3339, time.FixedZone("", -7*3600)},
	{"2006-01-02 15:04:05.000000", time.UTC},
	{"2006-01-02 15:04:05 -0700", time.FixedZone("", 14*3600)},
	{"2006-01-02T15:04:05-0700", time.FixedZone("", -11*3600)},
	{"2006-01-02", time.UTC},
	{"2006/01/02 15:04:05", time.UTC},
}

var garbage = []string{"n/a", "yesterday", "31/12/2024", "2024-13-45", " "}

// timeRow writes instant tm as a value of kind k and returns the row with
// the instant the written value stands for.
func timeRow(rng *rand.Rand, k kind, tm time.Time) row {
	tm = tm.UTC()
	var r row
	var back time.Time
	switch k {
	case kTSSecond:
		r.raw, back = tm.Unix(), time.Unix(tm.Unix(), 0)
	case kTSMilli:
		r.raw, back = tm.UnixMilli(), time.UnixMilli(tm.UnixMilli())
	case kTSMicro, kTSZoned:
		r.raw, back = tm.UnixMicro(), time.UnixMicro(tm.UnixMicro())
	case kTSNano:
		// Sub-microsecond noise: the check reads microseconds, floored.
		ns := tm.UnixNano() + rng.Int64N(1000)
		r.raw, back = ns, time.Unix(0, ns).Truncate(time.Microsecond)
	case kDate32, kDate64:
		days := floorDiv(tm.Unix(), 86400)
		if k == kDate32 {
			r.raw = int32(days)
		} else {
			r.raw = days * 86_400_000
		}
		back = time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC)
	default:
		l := stringLayouts[rng.IntN(len(stringLayouts))]
		s := tm.In(l.zone).Format(l.layout)
		p, err := time.ParseInLocation(l.layout, s, l.zone)
		if err != nil {
			panic(err)
		}
		r.raw, back = s, p.Truncate(time.Microsecond)
	}
	back = back.UTC()
	r.tm = &back
	return r
}

// table is a time column and a label column, of strings or of
// dictionary-encoded strings.
type table struct {
	kind      kind
	rows      []row
	dictLabel bool
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}

func (tb table) labelType() arrow.DataType {
	if tb.dictLabel {
		return dictString
	}
	return arrow.BinaryTypes.String
}

func (tb table) schema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: tb.kind.dataType(), Nullable: true},
		{Name: "label", Type: tb.labelType(), Nullable: true},
	}, nil)
}

// record builds rows [lo, hi) as one record batch.
func (tb table) record(mem memory.Allocator, lo, hi int) arrow.RecordBatch {
	var tsb array.Builder
	if tb.kind == kDict {
		tsb = array.NewDictionaryBuilder(mem, tb.kind.dataType().(*arrow.DictionaryType))
	} else {
		tsb = array.NewBuilder(mem, tb.kind.dataType())
	}
	lb := array.NewBuilder(mem, tb.labelType())
	defer tsb.Release()
	defer lb.Release()
	for _, r := range tb.rows[lo:hi] {
		switch b := lb.(type) {
		case *array.StringBuilder:
			if r.label == nil {
				b.AppendNull()
			} else {
				b.Append(*r.label)
			}
		case *array.BinaryDictionaryBuilder:
			if r.label == nil {
				b.AppendNull()
			} else if err := b.AppendString(*r.label); err != nil {
				panic(err)
			}
		}
		if r.raw == nil {
			tsb.AppendNull()
			continue
		}
		switch b := tsb.(type) {
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(r.raw.(int64)))
		case *array.Date32Builder:
			b.Append(arrow.Date32(r.raw.(int32)))
		case *array.Date64Builder:
			b.Append(arrow.Date64(r.raw.(int64)))
		case *array.BinaryDictionaryBuilder:
			if err := b.AppendString(r.raw.(string)); err != nil {
				panic(err)
			}
		case interface{ Append(string) }:
			b.Append(r.raw.(string))
		default:
			panic(fmt.Sprintf("builder %T", tsb))
		}
	}
	ts, lab := tsb.NewArray(), lb.NewArray()
	defer ts.Release()
	defer lab.Release()
	return array.NewRecordBatch(tb.schema(), []arrow.Array{ts, lab}, int64(hi-lo))
}

// batches cuts the table into record batches at the given row numbers.
func (tb table) batches(mem memory.Allocator, cuts ...int) []checks.Batch {
	var recs []arrow.RecordBatch
	lo := 0
	for _, c := range append(cuts, len(tb.rows)) {
		recs = append(recs, tb.record(mem, lo, c))
		lo = c
	}
	return checktest.Batches(0, recs...)
}

func envFor(tb table, asOf, staleBefore time.Time) checks.Env {
	return checks.Env{Schema: tb.schema(), AsOf: asOf, StaleBefore: staleBefore,
		Roles: checks.Roles{Time: "ts", Label: "label"}, ShowValues: true}
}

// ---- the oracle ----

// expect is what the oracle computes, over plain Go values.
type expect struct {
	rows, timed, nulls, unparsed int64
	stale, future                int64
	min, max                     time.Time
	ages                         [7]int64
	hist                         [8]int64 // rows per age bin, written out by hand below
	staleRows, futureRows        []int64  // row numbers, in order
	emptyMonths                  []string
	emptyCount                   int64
	measured                     bool
	js, floor                    float64
	from, oldTo, newFrom, to     string
	oldRows, newRows             int64
	oldShares, newShares         map[string]float64
}

func oracle(rows []row, asOf, staleBefore time.Time, share float64) expect {
	var e expect
	var ages []int64
	months := map[string]bool{}
	asOfUS := asOf.UnixMicro()
	var timed []row
	for i, r := range rows {
		e.rows++
		switch {
		case r.raw == nil:
			e.nulls++
			continue
		case r.tm == nil:
			e.unparsed++
			continue
		}
		tm := *r.tm
		timed = append(timed, r)
		e.timed++
		if e.timed == 1 || tm.Before(e.min) {
			e.min = tm
		}
		if e.timed == 1 || tm.After(e.max) {
			e.max = tm
		}
		if !staleBefore.IsZero() && tm.Before(staleBefore) {
			e.stale++
			e.staleRows = append(e.staleRows, int64(i))
		}
		if tm.After(asOf.Truncate(time.Microsecond)) {
			e.future++
			e.futureRows = append(e.futureRows, int64(i))
		}
		ages = append(ages, floorDiv(asOfUS-tm.UnixMicro(), dayUS))
		months[tm.Format("2006-01")] = true
	}
	if e.timed == 0 {
		return e
	}
	slices.Sort(ages)
	for _, a := range ages {
		switch {
		case a < 0:
			e.hist[0]++
		case a < 30:
			e.hist[1]++
		case a < 90:
			e.hist[2]++
		case a < 180:
			e.hist[3]++
		case a < 365:
			e.hist[4]++
		case a < 730:
			e.hist[5]++
		case a < 1825:
			e.hist[6]++
		default:
			e.hist[7]++
		}
	}
	for i, p := range []float64{0, 5, 25, 50, 75, 95, 100} {
		rank := max(1, int(math.Ceil(p/100*float64(len(ages)))))
		e.ages[i] = ages[rank-1]
	}
	e.emptyMonths = []string{}
	for m := time.Date(e.min.Year(), e.min.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(e.max); m = m.AddDate(0, 1, 0) {
		if k := m.Format("2006-01"); !months[k] {
			e.emptyCount++
			if len(e.emptyMonths) < 240 {
				e.emptyMonths = append(e.emptyMonths, k)
			}
		}
	}
	date := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	first, last := date(e.min), date(e.max)
	span := (last.Unix()-first.Unix())/86400 + 1
	if span < 2 {
		return e
	}
	w := max(1, int(math.Ceil(share*float64(span)-1e-9)))
	oldEnd, newStart := first.AddDate(0, 0, w-1), last.AddDate(0, 0, -(w-1))
	e.from, e.oldTo, e.newFrom, e.to = first.Format(time.DateOnly), oldEnd.Format(time.DateOnly), newStart.Format(time.DateOnly), last.Format(time.DateOnly)
	oldC, newC := map[string]float64{}, map[string]float64{}
	var oldN, newN float64
	for _, r := range timed {
		d := date(*r.tm)
		inOld, inNew := !d.After(oldEnd), !d.Before(newStart)
		if inOld {
			e.oldRows++
		}
		if inNew {
			e.newRows++
		}
		if r.label == nil {
			continue
		}
		if inOld {
			oldC[*r.label]++
			oldN++
		}
		if inNew {
			newC[*r.label]++
			newN++
		}
	}
	e.oldShares, e.newShares = map[string]float64{}, map[string]float64{}
	for k, v := range oldC {
		e.oldShares[k] = v / oldN
	}
	for k, v := range newC {
		e.newShares[k] = v / newN
	}
	if oldN == 0 || newN == 0 {
		return e
	}
	e.measured = true
	all := map[string]bool{}
	for k := range oldC {
		all[k] = true
	}
	for k := range newC {
		all[k] = true
	}
	var jsd float64
	for k := range all {
		p, q := e.oldShares[k], e.newShares[k]
		m := (p + q) / 2
		if p > 0 {
			jsd += 0.5 * p * math.Log2(p/m)
		}
		if q > 0 {
			jsd += 0.5 * q * math.Log2(q/m)
		}
	}
	e.js = math.Sqrt(math.Max(0, jsd))
	// Sampling noise: E[JSD] ≈ (k−1)(1/n1 + 1/n2)/(8 ln 2) bits.
	e.floor = math.Sqrt(float64(len(all)-1) * (1/oldN + 1/newN) / (8 * math.Ln2))
	return e
}

func parseStamp(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

func sharesNear(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !near(v, w) {
			return false
		}
	}
	return true
}

// compare checks the result's metrics against the oracle's.
func compare(t *testing.T, e expect, r checks.Result) {
	t.Helper()
	m := metricsOf(t, r)
	if m.Rows != e.rows || m.TimedRows != e.timed || m.NullTimes != e.nulls || m.UnparsedTimes != e.unparsed || m.OutOfRangeTimes != 0 {
		t.Errorf("rows %d timed %d nulls %d unparsed %d out of range %d; oracle %d %d %d %d 0",
			m.Rows, m.TimedRows, m.NullTimes, m.UnparsedTimes, m.OutOfRangeTimes, e.rows, e.timed, e.nulls, e.unparsed)
	}
	if m.StaleRows != e.stale || m.FutureRows != e.future {
		t.Errorf("stale %d future %d; oracle %d %d", m.StaleRows, m.FutureRows, e.stale, e.future)
	}
	if e.timed == 0 {
		if r.Status != checks.NotApplicable || r.Score != nil {
			t.Errorf("no timed rows: status %s score %s, want not_applicable, null", r.Status, fmtScore(r.Score))
		}
		return
	}
	if !parseStamp(t, m.MinTime).Equal(e.min) || !parseStamp(t, m.MaxTime).Equal(e.max) {
		t.Errorf("min %s max %s; oracle %s %s", m.MinTime, m.MaxTime, e.min.Format(time.RFC3339Nano), e.max.Format(time.RFC3339Nano))
	}
	if want := float64(e.stale) / float64(e.timed); !near(m.StaleRate, want) {
		t.Errorf("stale_rate %v, oracle %v", m.StaleRate, want)
	}
	a := m.AgeDays
	if a == nil || [7]int64{a.P0, a.P5, a.P25, a.P50, a.P75, a.P95, a.P100} != e.ages {
		t.Errorf("age_days %+v, oracle %v", a, e.ages)
	}
	var hist [8]int64
	if len(m.AgeHistogram) != 8 {
		t.Errorf("age_histogram has %d bins, want 8", len(m.AgeHistogram))
	}
	for i, b := range m.AgeHistogram {
		if i < 8 {
			hist[i] = b.Rows
		}
	}
	if hist != e.hist {
		t.Errorf("age_histogram %v, oracle %v", hist, e.hist)
	}
	if !slices.Equal(m.EmptyMonths, e.emptyMonths) || m.EmptyMonthCount != e.emptyCount || m.EmptyMonthsTrunc != (e.emptyCount > 240) {
		t.Errorf("empty months %d %v (truncated %v); oracle %d %v", m.EmptyMonthCount, m.EmptyMonths, m.EmptyMonthsTrunc, e.emptyCount, e.emptyMonths)
	}
	d := m.LabelDrift
	if d.Measured != e.measured {
		t.Fatalf("drift measured %v (%s), oracle %v", d.Measured, d.Reason, e.measured)
	}
	if e.from != "" {
		if d.Oldest == nil || d.Newest == nil {
			t.Fatalf("drift windows missing: %+v", d)
		}
		if d.Oldest.From != e.from || d.Oldest.To != e.oldTo || d.Newest.From != e.newFrom || d.Newest.To != e.to ||
			d.Oldest.Rows != e.oldRows || d.Newest.Rows != e.newRows {
			t.Errorf("windows %+v %+v; oracle %s..%s (%d rows), %s..%s (%d rows)", *d.Oldest, *d.Newest, e.from, e.oldTo, e.oldRows, e.newFrom, e.to, e.newRows)
		}
		if !sharesNear(d.Oldest.Shares, e.oldShares) || !sharesNear(d.Newest.Shares, e.newShares) {
			t.Errorf("shares %v %v; oracle %v %v", d.Oldest.Shares, d.Newest.Shares, e.oldShares, e.newShares)
		}
	}
	if e.measured && (d.JSDistance == nil || !near(*d.JSDistance, e.js) || d.JSNoiseFloor == nil || !near(*d.JSNoiseFloor, e.floor)) {
		t.Errorf("js_distance %v noise floor %v, oracle %v %v", d.JSDistance, d.JSNoiseFloor, e.js, e.floor)
	}
}

// ---- random data ----

func label(s string) *string { return &s }

// randomTable draws rows of kind k around asOf: most within three years
// before it, some in the future, some exactly at the stale boundary and at
// as_of, a few in 1900 and 2500 (2200 for nanoseconds), nulls and, for
// strings, unparsable values. Older rows lean to labels a, b; newer to c,
// d, unless stationary. Without extremes, no 1900 or 2500.
func randomTable(rng *rand.Rand, k kind, n int, asOf, staleBefore time.Time, stationary, extremes bool) table {
	tb := table{kind: k}
	far := time.Date(2500, 3, 1, 12, 0, 0, 0, time.UTC)
	if k == kTSNano {
		far = time.Date(2200, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	for range n {
		var r row
		switch p := rng.Float64(); {
		case p < 0.04:
			// null
		case p < 0.07 && k.isString():
			r.raw = garbage[rng.IntN(len(garbage))]
		default:
			var tm time.Time
			switch q := rng.Float64(); {
			case q < 0.03 && extremes:
				tm = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(40 * 24 * int64(time.Hour))))
			case q < 0.06 && extremes:
				tm = far.Add(time.Duration(rng.Int64N(24 * int64(time.Hour))))
			case q < 0.10 && !staleBefore.IsZero():
				tm = staleBefore.Add(time.Duration(rng.Int64N(5)-2) * time.Microsecond)
			case q < 0.13:
				tm = asOf.Add(time.Duration(rng.Int64N(5)-2) * time.Microsecond)
			case q < 0.18:
				tm = asOf.Add(time.Duration(rng.Int64N(60 * 24 * int64(time.Hour))))
			default:
				tm = asOf.Add(-time.Duration(rng.Int64N(3 * 365 * 24 * int64(time.Hour))))
			}
			r = timeRow(rng, k, tm)
		}
		if rng.IntN(20) > 0 {
			pool := []string{"a", "b", "c", "d"}
			if !stationary && r.tm != nil {
				if r.tm.Before(asOf.AddDate(-1, 0, 0)) {
					pool = []string{"a", "a", "b", "c"}
				} else {
					pool = []string{"c", "d", "d", "b"}
				}
			}
			r.label = label(pool[rng.IntN(len(pool))])
		}
		tb.rows = append(tb.rows, r)
	}
	return tb
}

func randomCuts(rng *rand.Rand, n int) []int {
	var cuts []int
	for i := rng.IntN(300); i < n; i += 1 + rng.IntN(300) {
		cuts = append(cuts, i)
	}
	return cuts
}

// TestRandomAgainstOracle: every storage of the time column, random times
// from 1900 to 2500, split and merged, against the oracle.
func TestRandomAgainstOracle(t *testing.T) {
	statuses := map[checks.Status]int{}
	for k := kind(0); k < nKinds; k++ {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s seed %d", k, seed), func(t *testing.T) {
				mem := checktest.Allocator(t)
				rng := rand.New(rand.NewPCG(seed, uint64(k)))
				// as_of is not at midnight, so ages split days.
				asOf := time.Date(2026, 1, 1, 13, 17, 5, 123456000, time.UTC)
				cfg := defaults()
				cfg.MaxAgeDays = []int{365, 30, 0}[seed-1]
				cfg.WindowShare = []float64{0.2, 0.1, 0.5}[rng.IntN(3)]
				staleBefore := staleness.Cutoff(cfg, asOf)
				n := 300 + rng.IntN(1500)
				tb := randomTable(rng, k, n, asOf, staleBefore, seed >= 2, seed <= 2)
				tb.dictLabel = (int(k)+int(seed))%2 == 0
				bs := tb.batches(mem, randomCuts(rng, n)...)
				defer checktest.Release(bs)
				r := checktest.SplitMerge(t, &staleness.Check, cfg, envFor(tb, asOf, staleBefore), bs, checktest.Options{Seed: seed, Trials: 8})
				e := oracle(tb.rows, asOf, staleBefore, cfg.WindowShare)
				compare(t, e, r)
				// findings.parquet: the stale rows under the staleness
				// finding, the future rows under STA007.
				_, st := checktest.OnePass(t, &staleness.Check, cfg, envFor(tb, asOf, staleBefore), bs)
				var stale, future []int64
				for _, f := range checktest.Flagged(st) {
					switch f.Code {
					case "STA004", "STA005", "STA006":
						stale = append(stale, f.Row)
					case "STA007":
						future = append(future, f.Row)
					}
					if checktest.Finding(r, f.Code) == nil {
						t.Errorf("row flagged %s, which the result does not report", f.Code)
					}
				}
				wantStale := e.staleRows
				if checktest.Finding(r, "STA004") == nil && checktest.Finding(r, "STA005") == nil && checktest.Finding(r, "STA006") == nil {
					wantStale = nil
				}
				if !slices.Equal(stale, wantStale) || !slices.Equal(future, e.futureRows) {
					t.Errorf("flagged %d stale and %d future rows, oracle %d and %d", len(stale), len(future), len(wantStale), len(e.futureRows))
				}
				statuses[r.Status]++
			})
		}
	}
	if statuses[checks.Fail] == 0 || statuses[checks.Warn] == 0 {
		t.Errorf("statuses reached %v; want fail and warn", statuses)
	}
}

// TestRecentData: data within the last year, labels stationary: pass, and
// the oracle agrees on every metric.
func TestRecentData(t *testing.T) {
	mem := checktest.Allocator(t)
	rng := rand.New(rand.NewPCG(9, 9))
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := defaults()
	staleBefore := staleness.Cutoff(cfg, asOf)
	tb := table{kind: kTSMicro}
	labelsPool := []string{"x", "y"}
	for i := range 2000 {
		tm := asOf.Add(-time.Duration(rng.Int64N(360*24*int64(time.Hour))) - time.Hour)
		r := timeRow(rng, kTSMicro, tm)
		r.label = label(labelsPool[i%2])
		tb.rows = append(tb.rows, r)
	}
	bs := tb.batches(mem, 500, 1000, 1500)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &staleness.Check, cfg, envFor(tb, asOf, staleBefore), bs, checktest.Options{Trials: 5})
	e := oracle(tb.rows, asOf, staleBefore, cfg.WindowShare)
	compare(t, e, r)
	if r.Status != checks.Pass || len(r.Findings) != 0 {
		t.Errorf("status %s findings %v, want pass with none", r.Status, checktest.Codes(r))
	}
	// Nothing stale or future, and the labels are stationary: the distance
	// is sampling noise, below twice the floor, and costs nothing.
	if e.js > 2*e.floor {
		t.Fatalf("stationary labels: js %v above twice the noise floor %v", e.js, e.floor)
	}
	if want := 100.0; r.Score == nil || *r.Score != want {
		t.Errorf("score %s, want %v", fmtScore(r.Score), want)
	}
}
