package staleness_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/staleness"
)

var asOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// rowsAt makes microsecond-timestamp rows at the given instants, each with
// its label ("" for a null label).
func rowsAt(times []time.Time, labels []string) table {
	tb := table{kind: kTSMicro}
	for i, tm := range times {
		r := row{raw: tm.UnixMicro()}
		tc := tm.UTC()
		r.tm = &tc
		if labels != nil && labels[i] != "" {
			r.label = label(labels[i])
		}
		tb.rows = append(tb.rows, r)
	}
	return tb
}

func run(t *testing.T, tb table, cfg *staleness.Config, staleBefore time.Time) (checks.Result, expect) {
	t.Helper()
	mem := checktest.Allocator(t)
	bs := tb.batches(mem, len(tb.rows)/3)
	defer checktest.Release(bs)
	r := checktest.SplitMerge(t, &staleness.Check, cfg, envFor(tb, asOf, staleBefore), bs, checktest.Options{Trials: 5})
	e := oracle(tb.rows, asOf, staleBefore, cfg.WindowShare)
	compare(t, e, r)
	return r, e
}

func TestCutoff(t *testing.T) {
	cfg := defaults()
	if got, want := staleness.Cutoff(cfg, asOf), asOf.Add(-365*24*time.Hour); !got.Equal(want) {
		t.Errorf("Cutoff(default) = %s, want %s", got, want)
	}
	// The fixture generator's definition: as_of minus max_age_days × 24h.
	ny := time.FixedZone("", -5*3600)
	local := time.Date(2026, 3, 8, 1, 30, 0, 0, ny)
	if got, want := staleness.Cutoff(cfg, local), local.Add(-365*24*time.Hour); !got.Equal(want) {
		t.Errorf("Cutoff(zoned) = %s, want %s", got, want)
	}
	if got := staleness.Cutoff(*cfg, asOf); !got.Equal(asOf.Add(-365 * 24 * time.Hour)) {
		t.Errorf("Cutoff(Config by value) = %s", got)
	}
	// Beyond time.Duration's 292 years.
	cfg.MaxAgeDays = 200_000
	if got, want := staleness.Cutoff(cfg, asOf), time.Unix(asOf.Unix()-200_000*86400, 0); !got.Equal(want) {
		t.Errorf("Cutoff(200000 days) = %s, want %s", got, want)
	}
	for _, c := range []any{&staleness.Config{MaxAgeDays: 0}, &staleness.Config{MaxAgeDays: -3}, nil, (*staleness.Config)(nil), "x"} {
		if got := staleness.Cutoff(c, asOf); !got.IsZero() {
			t.Errorf("Cutoff(%#v) = %s, want zero", c, got)
		}
	}
	if got := staleness.Cutoff(defaults(), time.Time{}); !got.IsZero() {
		t.Errorf("Cutoff(zero as_of) = %s, want zero", got)
	}
}

// TestNoTimeColumn: no role, a role naming an absent column, and columns
// that cannot hold times are not applicable.
func TestNoTimeColumn(t *testing.T) {
	mem := checktest.Allocator(t)
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3}, nil)
	ints := ib.NewArray()
	ib.Release()
	defer ints.Release()
	lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	lb.AppendNull()
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).Append("2024-01-01")
	lb.AppendNull()
	lists := lb.NewArray()
	lb.Release()
	defer lists.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "n", Type: ints.DataType()}, {Name: "l", Type: lists.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{ints, lists}, 3)
	defer rec.Release()
	for _, role := range []string{"", "absent", "n", "l"} {
		t.Run(role, func(t *testing.T) {
			env := checks.Env{Schema: sc, AsOf: asOf, StaleBefore: staleness.Cutoff(defaults(), asOf), Roles: checks.Roles{Time: role, Label: "n"}}
			r := checktest.SplitMerge(t, &staleness.Check, defaults(), env, checktest.Batches(0, rec), checktest.Options{Trials: 3})
			if r.Status != checks.NotApplicable || r.Score != nil || !slices.Equal(checktest.Codes(r), []string{"STA000"}) {
				t.Errorf("status %s score %s findings %v, want not_applicable, null, [STA000]", r.Status, fmtScore(r.Score), checktest.Codes(r))
			}
			if m := metricsOf(t, r); m.Rows != 3 || m.TimedRows != 0 {
				t.Errorf("rows %d timed %d, want 3 0", m.Rows, m.TimedRows)
			}
			cols := staleness.Check.Columns(defaults(), env)
			if cols == nil || len(cols) != 0 {
				t.Errorf("Columns = %#v", cols)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	tb := table{kind: kDate32}
	env := envFor(tb, asOf, time.Time{})
	if got := staleness.Check.Columns(defaults(), env); !slices.Equal(got, []string{"ts", "label"}) {
		t.Errorf("Columns = %q, want ts, label", got)
	}
	env.Roles.Label = "absent"
	if got := staleness.Check.Columns(defaults(), env); !slices.Equal(got, []string{"ts"}) {
		t.Errorf("Columns = %q, want ts", got)
	}
	env.Schema = nil // before the schema is known: the roles as named
	if got := staleness.Check.Columns(defaults(), env); !slices.Equal(got, []string{"ts", "absent"}) {
		t.Errorf("Columns = %q, want ts, absent", got)
	}
}

// TestNoRows: no batch, or zero-row batches: not applicable.
func TestNoRows(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			mem := checktest.Allocator(t)
			tb := table{kind: kString}
			var bs []checks.Batch
			for range n {
				bs = append(bs, tb.batches(mem)...)
			}
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &staleness.Check, defaults(), envFor(tb, asOf, time.Time{}), bs, checktest.Options{Trials: 3})
			if r.Status != checks.NotApplicable || r.Score != nil || !slices.Equal(checktest.Codes(r), []string{"STA001"}) {
				t.Errorf("status %s score %s findings %v, want not_applicable, null, [STA001]", r.Status, fmtScore(r.Score), checktest.Codes(r))
			}
		})
	}
}

func TestAllNullTimes(t *testing.T) {
	tb := table{kind: kTSNano}
	for range 10 {
		tb.rows = append(tb.rows, row{label: label("a")})
	}
	r, _ := run(t, tb, defaults(), staleness.Cutoff(defaults(), asOf))
	if r.Status != checks.NotApplicable || !slices.Equal(checktest.Codes(r), []string{"STA001"}) || metricsOf(t, r).NullTimes != 10 {
		t.Errorf("status %s findings %v, want not_applicable [STA001], 10 nulls", r.Status, checktest.Codes(r))
	}
}

// TestUnparsable: none, most, and a few of the strings unparsable.
func TestUnparsable(t *testing.T) {
	cases := []struct {
		bad    int // of 10 non-null strings
		status checks.Status
		code   string
	}{
		{10, checks.NotApplicable, "STA002"},
		{6, checks.Warn, "STA002"},
		{5, checks.Pass, "STA003"}, // exactly the rate: not above it
		{1, checks.Pass, "STA003"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.bad), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			tb := table{kind: kDict}
			for i := range 10 {
				if i < c.bad {
					tb.rows = append(tb.rows, row{raw: garbage[i%len(garbage)]})
				} else {
					tb.rows = append(tb.rows, timeRow(rng, kDict, asOf.Add(-time.Duration(i)*time.Hour)))
				}
			}
			tb.rows = append(tb.rows, row{})
			r, _ := run(t, tb, defaults(), time.Time{})
			f := checktest.Finding(r, c.code)
			if r.Status != c.status || f == nil {
				t.Fatalf("status %s findings %v, want %s with %s", r.Status, checktest.Codes(r), c.status, c.code)
			}
			if *f.Value != float64(c.bad)/10 || *f.Threshold != 0.5 || f.Setting != "checks.staleness.max_unreadable_rate" || *f.Rows != int64(c.bad) || f.Column != "ts" {
				t.Errorf("finding %+v", *f)
			}
			if (c.status == checks.NotApplicable) != (r.Score == nil) {
				t.Errorf("score %s with status %s", fmtScore(r.Score), r.Status)
			}
			for _, g := range garbage {
				if strings.TrimSpace(g) != "" && strings.Contains(f.Message, g) {
					t.Errorf("message %q contains a raw value", f.Message)
				}
			}
		})
	}
}

// TestStaleThresholds: a stale rate equal to a threshold is not above it;
// the score is 100 × (1 − stale rate) without drift.
func TestStaleThresholds(t *testing.T) {
	cases := []struct {
		stale  int // of 20 rows
		status checks.Status
		code   string
	}{
		{0, checks.Pass, ""},
		{1, checks.Pass, "STA006"},
		{2, checks.Pass, "STA006"},
		{3, checks.Warn, "STA005"},
		{10, checks.Warn, "STA005"},
		{11, checks.Fail, "STA004"},
		{20, checks.Fail, "STA004"},
	}
	staleBefore := staleness.Cutoff(defaults(), asOf)
	for _, c := range cases {
		t.Run(fmt.Sprint(c.stale), func(t *testing.T) {
			var times []time.Time
			for i := range 20 {
				if i < c.stale {
					times = append(times, staleBefore.Add(-time.Microsecond-time.Duration(i)*time.Hour))
				} else {
					times = append(times, staleBefore.Add(time.Duration(i)*time.Hour)) // at the boundary: not stale
				}
			}
			r, _ := run(t, rowsAt(times, nil), defaults(), staleBefore)
			if r.Status != c.status {
				t.Errorf("status %s, want %s (findings %v)", r.Status, c.status, checktest.Codes(r))
			}
			if want := 100 * float64(20-c.stale) / 20; r.Score == nil || *r.Score != want {
				t.Errorf("score %s, want %v", fmtScore(r.Score), want)
			}
			for _, code := range []string{"STA004", "STA005", "STA006"} {
				f := checktest.Finding(r, code)
				if (code == c.code) != (f != nil) {
					t.Errorf("findings %v, want %q", checktest.Codes(r), c.code)
				}
				if f != nil && (*f.Value != float64(c.stale)/20 || *f.Rows != int64(c.stale) || f.Column != "ts" ||
					!strings.HasPrefix(f.Setting, "checks.staleness.") || f.Threshold == nil) {
					t.Errorf("finding %+v", *f)
				}
			}
			if f := checktest.Finding(r, "STA004"); f != nil && (*f.Threshold != 0.5 || f.Setting != "checks.staleness.fail_stale_rate") {
				t.Errorf("STA004 threshold %v setting %s", *f.Threshold, f.Setting)
			}
		})
	}
}

// TestNothingStale: without stale_before nothing is stale, however old.
func TestNothingStale(t *testing.T) {
	r, _ := run(t, rowsAt([]time.Time{at("1900-01-01T00:00:00Z"), at("1950-01-01T00:00:00Z")}, nil), defaults(), time.Time{})
	m := metricsOf(t, r)
	if m.StaleRows != 0 || m.StaleBefore != "" || checktest.Finding(r, "STA004") != nil {
		t.Errorf("stale %d before %q findings %v", m.StaleRows, m.StaleBefore, checktest.Codes(r))
	}
}

func TestFutureRows(t *testing.T) {
	times := []time.Time{asOf, asOf.Add(time.Microsecond), asOf.Add(-time.Hour), asOf.Add(24 * time.Hour)}
	r, _ := run(t, rowsAt(times, nil), defaults(), time.Time{})
	f := checktest.Finding(r, "STA007")
	if r.Status != checks.Warn || f == nil || *f.Rows != 2 || *f.Value != 2 || *f.Threshold != 0 || f.Setting != "checks.staleness.max_future_rows" {
		t.Fatalf("status %s findings %+v, want warn with STA007 for 2 rows", r.Status, r.Findings)
	}
	if *r.Score != 50 {
		t.Errorf("score %v, want 50", *r.Score)
	}
	m := metricsOf(t, r)
	if m.AgeDays.P0 != -1 || m.AgeDays.P100 != 0 {
		t.Errorf("ages %+v, want p0 -1 (a day ahead), p100 0", *m.AgeDays)
	}
	cfg := defaults()
	cfg.MaxFutureRows = 2
	if r, _ := run(t, rowsAt(times, nil), cfg, time.Time{}); r.Status != checks.Pass {
		t.Errorf("max_future_rows 2: status %s", r.Status)
	}
}

// TestEmptyMonths: a short gap is information, a long one a warning with a
// capped list and an exact count.
func TestEmptyMonths(t *testing.T) {
	short := rowsAt([]time.Time{at("2025-01-31T23:59:59Z"), at("2025-04-01T00:00:00Z"), at("2025-04-30T00:00:00Z")}, nil)
	r, _ := run(t, short, defaults(), time.Time{})
	m := metricsOf(t, r)
	if !slices.Equal(m.EmptyMonths, []string{"2025-02", "2025-03"}) || m.EmptyMonthCount != 2 || checktest.Finding(r, "STA011") == nil || r.Status != checks.Pass {
		t.Errorf("empty months %v (%d), findings %v, status %s", m.EmptyMonths, m.EmptyMonthCount, checktest.Codes(r), r.Status)
	}
	long := rowsAt([]time.Time{at("1900-01-01T00:00:00Z"), at("1900-03-01T00:00:00Z"), at("2025-12-31T00:00:00Z")}, nil)
	r, _ = run(t, long, defaults(), time.Time{})
	m = metricsOf(t, r)
	if f := checktest.Finding(r, "STA010"); f == nil || r.Status != checks.Warn || m.EmptyMonthCount != 126*12-3 || len(m.EmptyMonths) != 240 ||
		m.EmptyMonths[0] != "1900-02" || m.EmptyMonths[1] != "1900-04" || !m.EmptyMonthsTrunc || *f.Threshold != 3 {
		t.Errorf("long gap: %d months, %d listed (first %v), findings %v, status %s", m.EmptyMonthCount, len(m.EmptyMonths), m.EmptyMonths[:2], checktest.Codes(r), r.Status)
	}
}

// TestJSBounds: identical label distributions are at distance 0, disjoint
// ones at 1.
func TestJSBounds(t *testing.T) {
	base := at("2025-01-01T12:00:00Z")
	var times []time.Time
	var same, disjoint []string
	for d := range 10 {
		for i := range 4 {
			times = append(times, base.AddDate(0, 0, d).Add(time.Duration(i)*time.Minute))
			same = append(same, []string{"a", "b", "b", "c"}[i])
			if d < 5 {
				disjoint = append(disjoint, []string{"a", "b", "", "a"}[i])
			} else {
				disjoint = append(disjoint, []string{"c", "d", "d", ""}[i])
			}
		}
	}
	r, _ := run(t, rowsAt(times, same), defaults(), time.Time{})
	d := metricsOf(t, r).LabelDrift
	if !d.Measured || *d.JSDistance != 0 || d.WindowDays != 2 || d.SpanDays != 10 || r.Status != checks.Pass || *r.Score != 100 {
		t.Errorf("identical: %+v, status %s score %s", d, r.Status, fmtScore(r.Score))
	}
	r, _ = run(t, rowsAt(times, disjoint), defaults(), time.Time{})
	d = metricsOf(t, r).LabelDrift
	f := checktest.Finding(r, "STA008")
	if !d.Measured || math.Abs(*d.JSDistance-1) > 1e-12 || r.Status != checks.Fail || f == nil || *r.Score > 1e-9 {
		t.Fatalf("disjoint: %+v, status %s score %s findings %v", d, r.Status, fmtScore(r.Score), checktest.Codes(r))
	}
	if f.Column != "label" || *f.Threshold != 0.3 || f.Setting != "checks.staleness.js_fail" || !strings.Contains(f.Message, "2025-01-01 to 2025-01-02") {
		t.Errorf("STA008: %+v", *f)
	}
	if d.Oldest.Rows != 8 || d.Oldest.LabelledRows != 6 || d.Newest.LabelledRows != 6 {
		t.Errorf("windows %+v %+v", *d.Oldest, *d.Newest)
	}
}

// TestDriftNotMeasured: each reason drift cannot be measured.
func TestDriftNotMeasured(t *testing.T) {
	oneDay := rowsAt([]time.Time{at("2025-05-05T00:00:00Z"), at("2025-05-05T23:59:59.999999Z")}, []string{"a", "b"})
	r, _ := run(t, oneDay, defaults(), time.Time{})
	if d := metricsOf(t, r).LabelDrift; d.Measured || d.Reason != "the times span fewer than 2 days" || checktest.Finding(r, "STA012") == nil {
		t.Errorf("one day: %+v %v", d, checktest.Codes(r))
	}
	unlabelledOld := rowsAt([]time.Time{at("2025-05-05T00:00:00Z"), at("2025-05-09T00:00:00Z")}, []string{"", "b"})
	r, _ = run(t, unlabelledOld, defaults(), time.Time{})
	if d := metricsOf(t, r).LabelDrift; d.Measured || d.Reason != "a window has no labelled row" || d.Oldest == nil || d.Oldest.Rows != 1 {
		t.Errorf("unlabelled window: %+v", d)
	}

	// No label role: drift not measured, and no STA012.
	mem := checktest.Allocator(t)
	tb := rowsAt([]time.Time{at("2025-05-05T00:00:00Z"), at("2025-06-09T00:00:00Z")}, []string{"a", "b"})
	bs := tb.batches(mem)
	defer checktest.Release(bs)
	env := envFor(tb, asOf, time.Time{})
	env.Roles.Label = ""
	r = checktest.SplitMerge(t, &staleness.Check, defaults(), env, bs, checktest.Options{Trials: 3})
	if d := metricsOf(t, r).LabelDrift; d.Measured || d.Reason != "no label column" || checktest.Finding(r, "STA012") != nil {
		t.Errorf("no label: %+v %v", d, checktest.Codes(r))
	}

	// A float label is continuous.
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{1.5, 2.5}, nil)
	fl := fb.NewArray()
	fb.Release()
	defer fl.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: bs[0].Record.Column(0).DataType()}, {Name: "y", Type: fl.DataType()}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{bs[0].Record.Column(0), fl}, 2)
	defer rec.Release()
	r = checktest.SplitMerge(t, &staleness.Check, defaults(), checks.Env{Schema: sc, AsOf: asOf, Roles: checks.Roles{Time: "ts", Label: "y"}},
		checktest.Batches(0, rec), checktest.Options{Trials: 3})
	if d := metricsOf(t, r).LabelDrift; d.Measured || !strings.Contains(d.Reason, "continuous") || checktest.Finding(r, "STA012") == nil {
		t.Errorf("float label: %+v %v", d, checktest.Codes(r))
	}
}

// TestTooManyLabels: more than MaxLabels distinct labels is not a class
// label; the saturation does not depend on cuts or merge order.
func TestTooManyLabels(t *testing.T) {
	// 2×MaxLabels: a batch with more distinct labels than string codes
	// take (checks.MaxStrCodes), read a row at a time.
	for _, n := range []int{staleness.MaxLabels, staleness.MaxLabels + 1, 2 * staleness.MaxLabels} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var times []time.Time
			var labs []string
			for i := range n {
				times = append(times, at("2025-01-01T00:00:00Z").Add(time.Duration(i)*time.Hour))
				labs = append(labs, fmt.Sprint("L", i%n))
			}
			// Repeat the labels so merges meet known and new ones.
			times = append(times, times...)
			labs = append(labs, labs...)
			mem := checktest.Allocator(t)
			tb := rowsAt(times, labs)
			bs := tb.batches(mem, n/2, n+7)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &staleness.Check, defaults(), envFor(tb, asOf, time.Time{}), bs, checktest.Options{Trials: 10})
			d := metricsOf(t, r).LabelDrift
			if d.Measured != (n <= staleness.MaxLabels) {
				t.Errorf("%d labels: measured %v (%s)", n, d.Measured, d.Reason)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: arrow.FixedWidthTypes.Date32}}, nil)
	env := checks.Env{Schema: sc, Roles: checks.Roles{Time: "ts"}}
	bad := map[string]func(*staleness.Config){
		"warn above fail":  func(c *staleness.Config) { c.WarnStaleRate = 0.6 },
		"fail above 1":     func(c *staleness.Config) { c.FailStaleRate = 1.5 },
		"negative warn":    func(c *staleness.Config) { c.WarnStaleRate = -0.1 },
		"js order":         func(c *staleness.Config) { c.JSWarn, c.JSFail = 0.5, 0.2 },
		"window share 0":   func(c *staleness.Config) { c.WindowShare = 0 },
		"window share 0.6": func(c *staleness.Config) { c.WindowShare = 0.6 },
		"window share NaN": func(c *staleness.Config) { c.WindowShare = math.NaN() },
		"unreadable rate":  func(c *staleness.Config) { c.MaxUnreadableRate = 2 },
		"negative future":  func(c *staleness.Config) { c.MaxFutureRows = -1 },
		"negative months":  func(c *staleness.Config) { c.WarnEmptyMonths = -1 },
	}
	for name, mod := range bad {
		cfg := defaults()
		mod(cfg)
		if _, err := staleness.Check.New(cfg, env); err == nil || !strings.Contains(err.Error(), "checks.staleness") {
			t.Errorf("%s: err %v, want one naming checks.staleness", name, err)
		}
	}
	if _, err := staleness.Check.New(*defaults(), env); err == nil {
		t.Error("config by value: want an error")
	}
	if _, err := staleness.Check.New(defaults(), checks.Env{}); err != nil {
		t.Errorf("no schema: %v", err)
	}
}

func TestMergeIncompatible(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: arrow.FixedWidthTypes.Date32}}, nil)
	env := checks.Env{Schema: sc, AsOf: asOf, Roles: checks.Roles{Time: "ts"}}
	a := checktest.New(t, &staleness.Check, defaults(), env)
	later := env
	later.AsOf = asOf.Add(time.Hour)
	noTime := env
	noTime.Roles.Time = ""
	stale := env
	stale.StaleBefore = asOf.AddDate(-1, 0, 0)
	for name, o := range map[string]checks.State{
		"other as_of":        checktest.New(t, &staleness.Check, defaults(), later),
		"no time column":     checktest.New(t, &staleness.Check, defaults(), noTime),
		"other stale_before": checktest.New(t, &staleness.Check, defaults(), stale),
		"another check":      checktest.Foreign{},
	} {
		if err := a.Merge(o); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// TestOutOfRange: a timestamp in seconds beyond the microsecond range is
// neither null nor unparsed, and counts as unreadable.
func TestOutOfRange(t *testing.T) {
	mem := checktest.Allocator(t)
	b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Second})
	b.AppendValues([]arrow.Timestamp{arrow.Timestamp(math.MaxInt64), arrow.Timestamp(asOf.Unix() - 86400)}, nil)
	b.AppendNull()
	a := b.NewArray()
	b.Release()
	defer a.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: a.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{a}, 3)
	defer rec.Release()
	r := checktest.SplitMerge(t, &staleness.Check, defaults(), checks.Env{Schema: sc, AsOf: asOf, Roles: checks.Roles{Time: "ts"}, ShowValues: true},
		checktest.Batches(0, rec), checktest.Options{Trials: 5})
	m := metricsOf(t, r)
	if m.OutOfRangeTimes != 1 || m.NullTimes != 1 || m.TimedRows != 1 || m.UnparsedTimes != 0 || checktest.Finding(r, "STA003") == nil {
		t.Errorf("metrics %+v findings %v", m, checktest.Codes(r))
	}
	if *r.Score != 50 {
		t.Errorf("score %v, want 50 (1 readable of 2 non-null)", *r.Score)
	}
}

// TestMetricsShape: the metrics encode the documented fields and times in
// RFC 3339 UTC to the microsecond, as the balance check and the fixtures'
// truth write them.
func TestMetricsShape(t *testing.T) {
	tb := rowsAt([]time.Time{at("2024-02-29T10:00:00.000001+02:00"), at("2025-06-01T00:00:00Z")}, []string{"a", "b"})
	r, _ := run(t, tb, defaults(), staleness.Cutoff(defaults(), asOf))
	m := metricsOf(t, r)
	if m.MinTime != "2024-02-29T08:00:00.000001Z" || m.MaxTime != "2025-06-01T00:00:00Z" || m.AsOf != "2026-01-01T00:00:00Z" ||
		m.StaleBefore != "2025-01-01T00:00:00Z" || !strings.Contains(m.AgeMethod, "exact to the day") || m.TimeColumn != "ts" || m.LabelColumn != "label" {
		t.Errorf("metrics %+v", m)
	}
	if !strings.Contains(string(r.Metrics), `"empty_months":[`) {
		t.Errorf("empty_months must be a list: %s", r.Metrics)
	}
}

// TestDocumentedCodes: every code a result can carry is documented, once.
func TestDocumentedCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range staleness.Check.Codes {
		if seen[c.Code] || !strings.HasPrefix(c.Code, "STA") || c.Doc == "" || c.Title == "" {
			t.Errorf("code %+v", c)
		}
		seen[c.Code] = true
	}
	for i := range 14 {
		if code := fmt.Sprintf("STA%03d", i); !seen[code] {
			t.Errorf("%s not documented", code)
		}
	}
	if !strings.Contains(staleness.Check.Doc, "Score") || staleness.Check.Summary == "" {
		t.Error("doc must define the score")
	}
}

// labelledDays makes rows on consecutive days from 2025-01-01, day d
// getting the labels perDay(d).
func labelledDays(days int, perDay func(d int) []string) table {
	var times []time.Time
	var labs []string
	for d := range days {
		for i, l := range perDay(d) {
			times = append(times, at("2025-01-01T06:00:00Z").AddDate(0, 0, d).Add(time.Duration(i)*time.Second))
			labs = append(labs, l)
		}
	}
	return rowsAt(times, labs)
}

// TestDriftNoise: a shift within what small windows show by chance is
// information (STA013) and costs no score; a real one over large windows
// is drift, and the score loses its distance.
func TestDriftNoise(t *testing.T) {
	small := labelledDays(10, func(d int) []string {
		if d < 5 {
			return []string{"a", "a", "a", "b"}[d%2*2 : d%2*2+2]
		}
		return []string{"b", "b", "b", "a"}[d%2*2 : d%2*2+2]
	})
	r, e := run(t, small, defaults(), time.Time{})
	f := checktest.Finding(r, "STA013")
	if !e.measured || e.js <= 0.1 || e.js > 2*e.floor || f == nil || r.Status != checks.Pass || *r.Score != 100 {
		t.Fatalf("small windows: js %v floor %v, status %s score %s findings %v; want pass, 100, STA013", e.js, e.floor, r.Status, fmtScore(r.Score), checktest.Codes(r))
	}
	if *f.Value != e.js || !near(*f.Threshold, 2*e.floor) || f.Setting != "checks.staleness.js_warn" {
		t.Errorf("STA013: %+v", *f)
	}

	// 50/50 in the first days, 80/20 in the last, 500 rows a day.
	large := labelledDays(10, func(d int) []string {
		out := make([]string, 500)
		share := 250
		if d >= 5 {
			share = 400
		}
		for i := range out {
			out[i] = "b"
			if i < share {
				out[i] = "a"
			}
		}
		return out
	})
	r, e = run(t, large, defaults(), time.Time{})
	f = checktest.Finding(r, "STA009")
	if !e.measured || e.js <= 2*e.floor || f == nil || r.Status != checks.Warn || checktest.Finding(r, "STA013") != nil {
		t.Fatalf("large windows: js %v floor %v, status %s findings %v; want warn with STA009", e.js, e.floor, r.Status, checktest.Codes(r))
	}
	if want := math.Round(100*(1-e.js)*100) / 100; *r.Score != want {
		t.Errorf("score %v, want %v", *r.Score, want)
	}
}
