// Package staleness is the staleness check: how old the rows are, against
// the audit instant, and whether the label distribution moved over time.
//
// With a time column (roles.time: a timestamp of any unit and zone, a date,
// or strings that [timecol.Parse] reads; all instants UTC, compared to the
// microsecond) it counts, exactly, the rows whose time is null, does not
// parse, is stale (strictly before Env.StaleBefore, which the pipeline sets
// from [Cutoff]) or is in the future (strictly after Env.AsOf). It reports
// the earliest and latest time, the quantiles of the rows' ages in whole
// days (exact to the day: the state keeps row counts per UTC day, split by
// time of day around the audit's), the calendar months between the first
// and the last that have no rows, and the Jensen–Shannon distance between
// the label distributions of the oldest and the newest window of days,
// with the distance sampling alone would give windows of their sizes.
//
// State: a map from UTC day to its row counts and its rows per label, label
// texts interned to indexes (at most [MaxLabels] distinct; merged by text),
// and counters. Everything merges by addition, so results do not depend on
// batch cuts or order. Nothing reads the clock: all time comes from
// Env.AsOf.
//
// Observe does not hash per row: rows seldom come in time order, so a
// direct-mapped cache of 4096 days sits in front of the day map (valid
// across batches and merges, since a day's counts are never replaced), and
// a string label is read straight from the array, its text looked up in a
// per-batch cache before the intern map. Both caches only return what the
// maps would, and labels are interned in the same row order as without
// them.
package staleness

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/timecol"
	"github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.staleness`.
type Config struct {
	// MaxAgeDays is the age, in days of 24 hours, beyond which a row is
	// stale; 0 or less makes nothing stale. It reaches the check through
	// Env.StaleBefore (see [Cutoff]).
	MaxAgeDays int `yaml:"max_age_days"`
	// WarnStaleRate and FailStaleRate are the shares of timed rows that are
	// stale above which the check warns and fails.
	WarnStaleRate float64 `yaml:"warn_stale_rate"`
	FailStaleRate float64 `yaml:"fail_stale_rate"`
	// MaxFutureRows is the number of rows timed after as_of tolerated
	// before a warning.
	MaxFutureRows int64 `yaml:"max_future_rows"`
	// MaxUnreadableRate is the share of non-null times that may fail to
	// read (unparsable strings, out-of-range values) before a warning.
	MaxUnreadableRate float64 `yaml:"max_unreadable_rate"`
	// JSWarn and JSFail are the Jensen–Shannon distances between the
	// oldest and newest windows' label distributions above which the
	// check warns and fails.
	JSWarn float64 `yaml:"js_warn"`
	JSFail float64 `yaml:"js_fail"`
	// WindowShare is the share of the span of days each drift window
	// covers: w = max(1, ceil(window_share × span)).
	WindowShare float64 `yaml:"window_share"`
	// WarnEmptyMonths is the number of empty calendar months above which
	// the gap is a warning rather than information.
	WarnEmptyMonths int64 `yaml:"warn_empty_months"`
}

func defaultConfig() any {
	return &Config{MaxAgeDays: 365, WarnStaleRate: 0.10, FailStaleRate: 0.50, MaxFutureRows: 0,
		MaxUnreadableRate: 0.5, JSWarn: 0.1, JSFail: 0.3, WindowShare: 0.2, WarnEmptyMonths: 3}
}

// Cutoff returns the instant before which a row is stale: asOf minus
// cfg.MaxAgeDays days of 24 hours, in UTC. It returns the zero time, meaning
// nothing is stale, when MaxAgeDays is 0 or less, when asOf is zero, or when
// cfg is not a *Config (or Config). The pipeline sets Env.StaleBefore from
// it, so the staleness and balance checks agree on what is stale.
func Cutoff(cfg any, asOf time.Time) time.Time {
	var days int
	switch c := cfg.(type) {
	case *Config:
		if c == nil {
			return time.Time{}
		}
		days = c.MaxAgeDays
	case Config:
		days = c.MaxAgeDays
	default:
		return time.Time{}
	}
	if days <= 0 || asOf.IsZero() {
		return time.Time{}
	}
	// In UTC a calendar day is exactly 24 hours, and AddDate cannot
	// overflow the way a time.Duration of days can.
	return asOf.UTC().AddDate(0, 0, -days)
}

// Check is the staleness check.
var Check = checks.Check{
	Name:          "staleness",
	Summary:       "row ages against the audit instant: stale and future rows, age quantiles, empty months, label drift between the oldest and newest days",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	Columns:       columns,
	New:           newState,
}

// MaxLabels is the number of distinct label values tracked for label drift;
// a label with more is free text or continuous, and drift is not measured.
const MaxLabels = 1000

// MaxEmptyMonthsListed caps the empty months listed in the metrics;
// empty_month_count is always exact.
const MaxEmptyMonthsListed = 240

// AgeMethod states how age_days is computed and its resolution.
const AgeMethod = "exact to the day: row counts kept per UTC day (split by time of day around as_of); age = floor((as_of - time) / 24h); nearest-rank quantiles"

// DriftMethod states how label drift is measured.
const DriftMethod = "Jensen-Shannon distance (square root of the JS divergence, log base 2, in [0,1]) between the label shares of the oldest and newest windows of whole UTC days; exact counts"

const packageDoc = `The staleness check measures how old the rows are against the audit instant
(as_of, from --as-of; the check never reads the clock) and whether the label
distribution moved between the oldest and the newest rows.

The time column (roles.time) may be a timestamp (any unit; with or without a
zone, read as UTC), a date32/date64 (midnight UTC), or strings in one of the
layouts timecol reads (RFC 3339 and common variants; without an offset a
string is UTC). Times compare to the microsecond (nanoseconds are truncated).

Metrics (all counts exact):
  rows, timed_rows       all rows; rows whose time was read
  null_times             rows whose time is null
  unparsed_times         non-null strings that do not parse as a time
  out_of_range_times     non-null numbers beyond the microsecond range
  as_of, stale_before    the audit instant and as_of - checks.staleness.max_age_days
                         (days of 24 h); stale_before is absent when nothing is stale
  min_time, max_time     earliest and latest time (RFC 3339, UTC, to the microsecond,
                         trailing zeros of the fraction dropped)
  stale_rows, stale_rate time strictly before stale_before; rate = stale_rows / timed_rows
  future_rows            time strictly after as_of
  age_days               p0 p5 p25 p50 p75 p95 p100 of age = floor((as_of - time) / 24h)
                         in whole days (negative for future rows), nearest rank
                         (p_q = the smallest age with at least max(1, ceil(q·n)) rows
                         at or below it); exact to the day (see age_method)
  empty_months           calendar months (YYYY-MM, UTC) from min_time's month to
                         max_time's month with no row, the first 240 listed;
                         empty_month_count is exact
  label_drift            with a categorical label: span = last day - first day + 1
                         (UTC days), w = max(1, ceil(window_share x span)); the
                         oldest window is days [first, first+w), the newest
                         (last-w, last]; not measured when span < 2 days, when a
                         window has no labelled row, when the label is a float or
                         decimal, or when it has more than 1000 distinct values.
                         Null labels are excluded. js_distance = sqrt(JS divergence,
                         log base 2), 0 for identical shares, 1 for disjoint labels.
                         js_noise_floor = sqrt((k-1)(1/n_old + 1/n_new) / (8 ln 2)),
                         the distance expected from sampling alone with k labels
                         and n labelled rows per window (G-test approximation);
                         a distance counts as drift only above twice the floor
                         (otherwise STA013, information).

Status: not_applicable without a time column (absent, or not a time type), or
when no row has a readable time. Otherwise fail when stale_rate is above
checks.staleness.fail_stale_rate or a drift distance (js_distance, when above
twice js_noise_floor) is above checks.staleness.js_fail;
warn when stale_rate is above warn_stale_rate, a drift distance above js_warn,
future_rows above max_future_rows, the unreadable share of non-null times
((unparsed + out_of_range) / non-null) above max_unreadable_rate, or
empty_month_count above warn_empty_months; else pass.
Score: 100 x (timed_rows - stale_rows - future_rows) / non-null times
x (1 - drift distance), the drift distance being js_distance when it is above
twice js_noise_floor and 0 otherwise (or when drift is not measured); clamped
to [0, 100] and rounded to 2 decimals. Empty months do not lower it.

Act on it: refresh or drop stale rows (or raise max_age_days if older data is
still representative), fix clocks and time zones behind future rows, fix the
time format of unreadable values, investigate collection gaps, and for label
drift retrain on recent data or weight recent rows.`

var codes = []checks.Code{
	{Code: "STA000", Severity: checks.Info, Title: "no time column",
		Doc: "The dataset has no time column (roles.time, --time), the named column is absent, or its type cannot hold times, so age cannot be measured and the check is not applicable."},
	{Code: "STA001", Severity: checks.Info, Title: "no readable times",
		Doc: "The time column has no readable value: there are no rows, or every time is null. The check is not applicable."},
	{Code: "STA002", Severity: checks.Warning, Title: "time column mostly unreadable",
		Doc: "More than checks.staleness.max_unreadable_rate of the non-null times are strings that do not parse (or numbers out of range). Fix the export's time format, or check that the right column is the time column. When none is readable the check is not applicable."},
	{Code: "STA003", Severity: checks.Info, Title: "some times unreadable",
		Doc: "Some non-null times are strings that do not parse (or numbers out of range); they are neither stale nor current. Fix their format."},
	{Code: "STA004", Severity: checks.Error, Title: "most rows stale",
		Doc: "The share of timed rows older than checks.staleness.max_age_days (stale_rate) is above checks.staleness.fail_stale_rate. A model trained on them learns a world that has moved on: collect recent data, or start from a pre-trained model and fine-tune on the recent rows."},
	{Code: "STA005", Severity: checks.Warning, Title: "many rows stale",
		Doc: "stale_rate is above checks.staleness.warn_stale_rate. Check whether old rows still represent current inputs; drop or down-weight them if not."},
	{Code: "STA006", Severity: checks.Info, Title: "some rows stale",
		Doc: "Some rows are older than checks.staleness.max_age_days, below the warning rate. They are not counted as usable by the balance check."},
	{Code: "STA007", Severity: checks.Warning, Title: "rows dated in the future",
		Doc: "More than checks.staleness.max_future_rows rows have a time after as_of: a clock skew, a time-zone error, a wrong --as-of, or values misread as times. Fix the source."},
	{Code: "STA008", Severity: checks.Error, Title: "label distribution drifted strongly",
		Doc: "The Jensen–Shannon distance between the label shares of the oldest and newest windows is above checks.staleness.js_fail. The task has changed over time: train on recent data, or weight it up, and evaluate on the newest window."},
	{Code: "STA009", Severity: checks.Warning, Title: "label distribution drifted",
		Doc: "The Jensen–Shannon distance between the oldest and newest windows' label shares is above checks.staleness.js_warn. Check whether the change is real (then weight recent data) or an artefact of labelling."},
	{Code: "STA010", Severity: checks.Warning, Title: "many empty months",
		Doc: "More than checks.staleness.warn_empty_months calendar months between the first and last time have no rows: a collection gap. Check the pipeline that produced the data for missing partitions."},
	{Code: "STA011", Severity: checks.Info, Title: "some empty months",
		Doc: "A few calendar months between the first and last time have no rows. Seasonal data may have gaps; otherwise check for missing partitions."},
	{Code: "STA012", Severity: checks.Info, Title: "label drift not measured",
		Doc: "A label column is set but drift could not be measured: the times span fewer than 2 days, a window has no labelled row, the label is continuous, or it has more than 1000 distinct values. label_drift.reason says which."},
	{Code: "STA013", Severity: checks.Info, Title: "label shift within sampling noise",
		Doc: "The Jensen–Shannon distance between the oldest and newest windows is above checks.staleness.js_warn but not above twice label_drift.js_noise_floor, the distance windows this small show from sampling alone. It is not counted as drift; more rows per window (a larger window_share, or more data) would tell."},
}

// AgeQuantiles are nearest-rank quantiles of the rows' ages in whole days.
type AgeQuantiles struct {
	P0   int64 `json:"p0"`
	P5   int64 `json:"p5"`
	P25  int64 `json:"p25"`
	P50  int64 `json:"p50"`
	P75  int64 `json:"p75"`
	P95  int64 `json:"p95"`
	P100 int64 `json:"p100"`
}

// Window is one drift window of whole UTC days.
type Window struct {
	// From and To are its first and last day (YYYY-MM-DD, inclusive).
	From string `json:"from"`
	To   string `json:"to"`
	// Rows are the timed rows in it; LabelledRows those with a non-null
	// label; Shares each label's share of LabelledRows.
	Rows         int64              `json:"rows"`
	LabelledRows int64              `json:"labelled_rows"`
	Shares       map[string]float64 `json:"shares"`
}

// Drift is the label drift between the oldest and newest windows.
type Drift struct {
	Measured bool `json:"measured"`
	// Reason says why drift was not measured.
	Reason     string   `json:"reason,omitempty"`
	SpanDays   int64    `json:"span_days,omitempty"`
	WindowDays int64    `json:"window_days,omitempty"`
	Oldest     *Window  `json:"oldest,omitempty"`
	Newest     *Window  `json:"newest,omitempty"`
	JSDistance *float64 `json:"js_distance,omitempty"`
	// JSNoiseFloor is the distance expected from sampling alone, with no
	// drift, for windows of these sizes; a distance counts as drift only
	// above twice it.
	JSNoiseFloor *float64 `json:"js_noise_floor,omitempty"`
	Method       string   `json:"method"`
}

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	TimeColumn       string        `json:"time_column,omitempty"`
	LabelColumn      string        `json:"label_column,omitempty"`
	Rows             int64         `json:"rows"`
	TimedRows        int64         `json:"timed_rows"`
	NullTimes        int64         `json:"null_times"`
	UnparsedTimes    int64         `json:"unparsed_times"`
	OutOfRangeTimes  int64         `json:"out_of_range_times"`
	AsOf             string        `json:"as_of"`
	StaleBefore      string        `json:"stale_before,omitempty"`
	MinTime          string        `json:"min_time,omitempty"`
	MaxTime          string        `json:"max_time,omitempty"`
	StaleRows        int64         `json:"stale_rows"`
	StaleRate        float64       `json:"stale_rate"`
	FutureRows       int64         `json:"future_rows"`
	AgeDays          *AgeQuantiles `json:"age_days,omitempty"`
	AgeHistogram     []AgeBin      `json:"age_histogram,omitempty"`
	AgeMethod        string        `json:"age_method"`
	EmptyMonths      []string      `json:"empty_months"`
	EmptyMonthCount  int64         `json:"empty_month_count"`
	EmptyMonthsTrunc bool          `json:"empty_months_truncated"`
	LabelDrift       Drift         `json:"label_drift"`
}

// stamp formats instants: RFC 3339, UTC, to the microsecond with trailing
// zeros dropped (as time.RFC3339Nano does, and as the balance check writes
// stale_before).
const stamp = "2006-01-02T15:04:05.999999Z07:00"

const dayUS = 86_400_000_000

// columns asks for the time column and the label column; nothing without
// a usable time column (the row count needs no column).
func columns(_ any, env checks.Env) []string {
	has := func(name string) bool { return name != "" && (env.Schema == nil || env.Schema.HasField(name)) }
	out := []string{}
	if !has(env.Roles.Time) {
		return out
	}
	if env.Schema != nil {
		if f, _ := env.Schema.FieldsByName(env.Roles.Time); len(f) == 0 || !timecol.Supported(f[0].Type) {
			return out
		}
	}
	out = append(out, env.Roles.Time)
	if has(env.Roles.Label) && env.Roles.Label != env.Roles.Time {
		out = append(out, env.Roles.Label)
	}
	return out
}

// dayLabel keys the rows of one label (an index into state.names) on one
// UTC day.
type dayLabel struct {
	day   int64
	label int32
}

// dayCount is the timed rows of one UTC day: n[0] those whose time of day
// is at or before as_of's, n[1] those after it (their age is a day less);
// labels[i] the labelled ones of label index i, for i < denseLabels (the
// rest are in state.dayLabels).
type dayCount struct {
	n      [2]int64
	labels []int64
}

// denseLabels is how many label indexes are counted in a slice per day
// rather than a map: a few hundred bytes a day at most, and no hashing for
// the classes of a usual classification task.
const denseLabels = 64

type state struct {
	cfg       *Config
	timeName  string // the time role, even when unusable
	timeIdx   int    // -1: no usable time column
	labelName string
	labelIdx  int    // -1: no categorical label column
	noDrift   string // why drift cannot be measured, decided in New
	asOf      int64  // µs
	asOfRem   int64  // as_of's time of day, µs
	stale     bool   // whether stale_before is set
	staleUS   int64

	rows, timed, nulls, unparsed, outOfRange int64
	staleRows, future                        int64
	minT, maxT                               int64

	// days counts timed rows per UTC day. A state owns its dayCounts;
	// Merge copies the other's.
	days map[int64]*dayCount
	// dayLabels counts labelled timed rows per (day, label) for label
	// indexes from denseLabels on; names are the distinct label texts,
	// index their positions. All nil, and no day keeps label counts, once
	// more than MaxLabels labels are seen.
	dayLabels map[dayLabel]int64
	names     []string
	index     map[string]int32
	overflow  bool

	us []int64 // scratch
	ok []bool
	// dayCache is day's cache, allocated on first use.
	dayCache *[1 << dayCacheBits]dayEntry
	// codeLabel is the labelReader's label index + 1 per code of the
	// batch's label column, 0 unknown.
	codeLabel []int32
	// showValues is --show-values: only then are min_time and max_time
	// exact instants rather than days.
	showValues bool
	// staleList and futureList are the stale and future rows, for
	// findings.parquet.
	staleList, futureList checks.RowList
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok || cfg == nil {
		return nil, fmt.Errorf("staleness: config is %T, want *staleness.Config", c)
	}
	switch {
	case !(cfg.WarnStaleRate >= 0 && cfg.WarnStaleRate <= cfg.FailStaleRate && cfg.FailStaleRate <= 1):
		return nil, fmt.Errorf("checks.staleness: want 0 <= warn_stale_rate (%v) <= fail_stale_rate (%v) <= 1", cfg.WarnStaleRate, cfg.FailStaleRate)
	case !(cfg.JSWarn >= 0 && cfg.JSWarn <= cfg.JSFail && cfg.JSFail <= 1):
		return nil, fmt.Errorf("checks.staleness: want 0 <= js_warn (%v) <= js_fail (%v) <= 1", cfg.JSWarn, cfg.JSFail)
	case !(cfg.WindowShare > 0 && cfg.WindowShare <= 0.5):
		return nil, fmt.Errorf("checks.staleness.window_share: %v is not in (0, 0.5]", cfg.WindowShare)
	case !(cfg.MaxUnreadableRate >= 0 && cfg.MaxUnreadableRate <= 1):
		return nil, fmt.Errorf("checks.staleness.max_unreadable_rate: %v is not in [0, 1]", cfg.MaxUnreadableRate)
	case cfg.MaxFutureRows < 0:
		return nil, fmt.Errorf("checks.staleness.max_future_rows: %d is negative", cfg.MaxFutureRows)
	case cfg.WarnEmptyMonths < 0:
		return nil, fmt.Errorf("checks.staleness.warn_empty_months: %d is negative", cfg.WarnEmptyMonths)
	}
	schema := env.Schema
	if schema == nil {
		schema = arrow.NewSchema(nil, nil)
	}
	s := &state{cfg: cfg, timeName: env.Roles.Time, timeIdx: -1, labelIdx: -1,
		asOf: timecol.FromTime(env.AsOf), days: map[int64]*dayCount{}, showValues: env.ShowValues}
	_, s.asOfRem = divmod(s.asOf, dayUS)
	if !env.StaleBefore.IsZero() {
		s.stale, s.staleUS = true, timecol.FromTime(env.StaleBefore)
	}
	if env.Roles.Time != "" {
		if idx := schema.FieldIndices(env.Roles.Time); len(idx) > 0 && timecol.Supported(schema.Field(idx[0]).Type) {
			s.timeIdx = idx[0]
		}
	}
	s.labelName = env.Roles.Label
	switch {
	case env.Roles.Label == "":
		s.noDrift = "no label column"
	case len(schema.FieldIndices(env.Roles.Label)) == 0:
		s.noDrift = "the label column is not in the dataset"
	default:
		idx := schema.FieldIndices(env.Roles.Label)[0]
		t := schema.Field(idx).Type
		switch {
		case labels.IsContinuous(t):
			s.noDrift = "the label is continuous (float or decimal)"
		case t.ID() == arrow.NULL:
			s.noDrift = "every label is null"
		default:
			s.labelIdx = idx
			s.dayLabels, s.index = map[dayLabel]int64{}, map[string]int32{}
		}
	}
	return s, nil
}

// divmod returns the floor quotient and the non-negative remainder.
func divmod(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q, r = q-1, r+b
	}
	return q, r
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	s.rows += int64(n)
	if s.timeIdx < 0 || n == 0 {
		return nil
	}
	arr := rec.Column(s.timeIdx)
	if cap(s.us) < n {
		s.us, s.ok = make([]int64, n), make([]bool, n)
	}
	us, ok := s.us[:n], s.ok[:n]
	unparsed := timecol.Micros(arr, us, ok)
	nulls := nullCount(arr)
	var lab labelReader
	if s.labelIdx >= 0 && !s.overflow {
		lab = newLabelReader(s, rec.Column(s.labelIdx), b.Memo.StrCodes(rec, s.labelIdx))
	}
	var timed int64
	// Rows often come in time order: remember the last day's counts.
	lastDay, last := int64(math.MinInt64), (*dayCount)(nil)
	for i, t := range us {
		if !ok[i] {
			continue
		}
		if timed == 0 && s.timed == 0 {
			s.minT, s.maxT = t, t
		}
		timed++
		s.minT, s.maxT = min(s.minT, t), max(s.maxT, t)
		if s.stale && t < s.staleUS {
			s.staleRows++
			s.staleList.Add(b.Input, b.Offset+int64(i), 0)
		}
		if t > s.asOf {
			s.future++
			s.futureList.Add(b.Input, b.Offset+int64(i), 0)
		}
		d, r := divmod(t, dayUS)
		if d != lastDay || last == nil {
			last, lastDay = s.day(d), d
		}
		if r > s.asOfRem {
			last.n[1]++
		} else {
			last.n[0]++
		}
		if lab.arr != nil {
			if li := lab.label(s, i); li >= 0 {
				s.addDayLabel(last, d, li, 1)
			} else if s.overflow {
				lab.arr = nil
			}
		}
	}
	s.timed += timed
	s.unparsed += unparsed
	s.nulls += nulls
	s.outOfRange += int64(n) - timed - unparsed - nulls
	return nil
}

// dayCacheBits sizes the day cache: 4096 consecutive days (11 years) fit
// without two sharing a slot.
const dayCacheBits = 12

// dayEntry is a slot of the day cache: day d's counts, c nil when empty.
type dayEntry struct {
	d int64
	c *dayCount
}

// day returns the counts of day d, added if new. Rows seldom come in time
// order, so a direct-mapped cache in front of the map saves hashing most
// rows; it stays right across batches and merges because a day's
// *dayCount, once in s.days, is never replaced or removed.
func (s *state) day(d int64) *dayCount {
	if s.dayCache == nil {
		s.dayCache = new([1 << dayCacheBits]dayEntry)
	}
	e := &s.dayCache[uint64(d)&(1<<dayCacheBits-1)]
	if e.c != nil && e.d == d {
		return e.c
	}
	c := s.days[d]
	if c == nil {
		c = new(dayCount)
		s.days[d] = c
	}
	*e = dayEntry{d, c}
	return c
}

// nullCount counts the null times of a, including dictionary indexes that
// point at a null dictionary entry.
func nullCount(a arrow.Array) int64 {
	d, ok := a.(*array.Dictionary)
	if !ok {
		return int64(a.NullN())
	}
	n := int64(d.NullN())
	dict := d.Dictionary()
	if dict.NullN() == 0 {
		return n
	}
	for i := range d.Len() {
		if d.IsValid(i) && dict.IsNull(d.GetValueIndex(i)) {
			n++
		}
	}
	return n
}

// intern returns the index of label text, adding it if new; -1 when it
// would be one label too many, after which the state keeps no labels.
func (s *state) intern(text string) int32 {
	if li, ok := s.index[text]; ok {
		return li
	}
	if len(s.names) >= MaxLabels {
		s.dropLabels()
		return -1
	}
	c := strings.Clone(text) // text may point into the batch
	s.names = append(s.names, c)
	s.index[c] = int32(len(s.names) - 1)
	return int32(len(s.names) - 1)
}

// dropLabels stops counting labels: there are too many.
func (s *state) dropLabels() {
	s.overflow, s.names, s.index, s.dayLabels = true, nil, nil, nil
	for _, c := range s.days {
		c.labels = nil
	}
}

// addDayLabel adds rows of label index li to day d, whose counts are c.
func (s *state) addDayLabel(c *dayCount, d int64, li int32, rows int64) {
	if li >= denseLabels {
		s.dayLabels[dayLabel{d, li}] += rows
		return
	}
	if int(li) >= len(c.labels) {
		c.labels = append(c.labels, make([]int64, int(li)+1-len(c.labels))...)
	}
	c.labels[li] += rows
}

// labelReader gives the label index of each row of one batch's label
// column, -1 for a null label (or once the state overflows). Dictionary
// entries and the codes of a string column ([checks.Memo.StrCodes]) are
// looked up once, when a row first needs them. Other columns' texts are
// read a row at a time, the last one remembered. A string label gets no
// codes when a batch has more than checks.MaxStrCodes distinct labels
// (more than MaxLabels: the state overflows, and stops reading labels,
// within that batch) or long labels the codes cannot tell apart cheaply
// (read a row at a time then: slower, the same counts). A cache of label
// texts per batch served string columns before the codes; it went with
// them (docs/performance.md, 2026-11-28 r).
type labelReader struct {
	arr   arrow.Array
	dict  *array.Dictionary
	memo  []int32 // per dictionary entry or code: label index + 1, 0 unknown
	codes *checks.StrCodes
	// lastText and lastIdx are the last text read, for other types.
	lastText string
	lastIdx  int32 // -1: no last text
}

func newLabelReader(s *state, a arrow.Array, sc *checks.StrCodes) labelReader {
	r := labelReader{arr: a, lastIdx: -1}
	if sc != nil {
		if cap(s.codeLabel) < len(sc.Values) {
			s.codeLabel = make([]int32, len(sc.Values))
		}
		r.codes, r.memo = sc, s.codeLabel[:len(sc.Values)]
		clear(r.memo)
		return r
	}
	if d, ok := a.(*array.Dictionary); ok {
		r.dict = d
		r.memo = make([]int32, d.Dictionary().Len())
	}
	return r
}

func (r *labelReader) label(s *state, i int) int32 {
	if r.codes != nil {
		k := r.codes.Codes[i]
		if k < 0 {
			return -1
		}
		if m := r.memo[k]; m > 0 {
			return m - 1
		}
		return r.intern(s, int(k), r.codes.Values[k])
	}
	if r.dict != nil {
		if r.dict.IsNull(i) {
			return -1
		}
		j := r.dict.GetValueIndex(i)
		if m := r.memo[j]; m > 0 {
			return m - 1
		}
		text, ok := labels.Text(r.dict.Dictionary(), j)
		if !ok {
			return -1
		}
		return r.intern(s, j, text)
	}
	text, ok := labels.Text(r.arr, i)
	if !ok {
		return -1
	}
	if r.lastIdx >= 0 && text == r.lastText {
		return r.lastIdx
	}
	li := s.intern(text)
	r.lastText, r.lastIdx = text, li
	return li
}

// intern returns the label index of text, the value of dictionary entry
// or code j, and remembers it for j unless the state overflowed.
func (r *labelReader) intern(s *state, j int, text string) int32 {
	li := s.intern(text)
	if li >= 0 {
		r.memo[j] = li + 1
	}
	return li
}

func (s *state) Merge(other checks.State) error {
	o, ok := other.(*state)
	if !ok {
		return fmt.Errorf("staleness: cannot merge a %T", other)
	}
	if o.timeIdx != s.timeIdx || o.labelIdx != s.labelIdx || o.asOf != s.asOf || o.stale != s.stale || o.staleUS != s.staleUS {
		return fmt.Errorf("staleness: cannot merge states of different columns, as_of or stale_before")
	}
	s.staleList.Merge(&o.staleList)
	s.futureList.Merge(&o.futureList)
	if o.timed > 0 {
		if s.timed == 0 {
			s.minT, s.maxT = o.minT, o.maxT
		}
		s.minT, s.maxT = min(s.minT, o.minT), max(s.maxT, o.maxT)
	}
	s.rows += o.rows
	s.timed += o.timed
	s.nulls += o.nulls
	s.unparsed += o.unparsed
	s.outOfRange += o.outOfRange
	s.staleRows += o.staleRows
	s.future += o.future
	if o.overflow && !s.overflow {
		s.dropLabels()
	}
	// Labels are merged by text: other's indexes are remapped to ours.
	tracking := !s.overflow && s.index != nil
	var remap []int32
	if tracking {
		remap = make([]int32, len(o.names))
		for i, name := range o.names {
			if remap[i] = s.intern(name); remap[i] < 0 {
				tracking = false
				break
			}
		}
	}
	for d, c := range o.days {
		sc := s.days[d]
		if sc == nil {
			sc = new(dayCount)
			s.days[d] = sc
		}
		sc.n[0] += c.n[0]
		sc.n[1] += c.n[1]
		if tracking {
			for li, v := range c.labels {
				if v != 0 {
					s.addDayLabel(sc, d, remap[li], v)
				}
			}
		}
	}
	if tracking {
		for k, v := range o.dayLabels {
			s.addDayLabel(s.days[k.day], k.day, remap[k.label], v)
		}
	}
	return nil
}

func formatUS(us int64) string { return timecol.ToTime(us).Format(stamp) }

// dayTime returns the start of UTC day d (days since the epoch); in
// seconds, so that no day of an int64 microsecond time overflows.
func dayTime(d int64) time.Time { return time.Unix(d*86_400, 0).UTC() }

func formatDay(d int64) string { return dayTime(d).Format("2006-01-02") }

// monthOf returns the month index year×12 + month−1 of UTC day d.
func monthOf(d int64) int64 {
	t := dayTime(d)
	return int64(t.Year())*12 + int64(t.Month()) - 1
}

func formatMonth(m int64) string {
	y, mo := divmod(m, 12)
	return fmt.Sprintf("%04d-%02d", y, mo+1)
}

func (s *state) Result() (checks.Result, error) {
	m := Metrics{TimeColumn: s.timeName, Rows: s.rows, TimedRows: s.timed, NullTimes: s.nulls,
		UnparsedTimes: s.unparsed, OutOfRangeTimes: s.outOfRange, AsOf: formatUS(s.asOf),
		StaleRows: s.staleRows, FutureRows: s.future, AgeMethod: AgeMethod, EmptyMonths: []string{},
		LabelDrift: Drift{Method: DriftMethod}}
	m.LabelColumn = s.labelName
	if s.stale {
		m.StaleBefore = formatUS(s.staleUS)
	}
	if s.timeIdx < 0 {
		m.LabelDrift.Reason = "no time column"
		msg := "the dataset has no time column, so the age of its rows cannot be measured"
		if s.timeName != "" {
			msg = fmt.Sprintf("the time column %q is absent or not a timestamp, date or string column, so the age of its rows cannot be measured", s.timeName)
		}
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, []checks.Finding{{Code: "STA000", Severity: checks.Info,
			Message: msg, Column: s.timeName}})
	}
	var findings []checks.Finding
	col := s.timeName
	nonNull := s.timed + s.unparsed + s.outOfRange
	if bad := s.unparsed + s.outOfRange; bad > 0 {
		rate := float64(bad) / float64(nonNull)
		f := checks.Finding{Code: "STA003", Severity: checks.Info, Column: col, Value: checks.Float(rate),
			Threshold: checks.Float(s.cfg.MaxUnreadableRate), Setting: "checks.staleness.max_unreadable_rate", Rows: checks.Int(bad),
			Message: fmt.Sprintf("%d of %d non-null times (%.1f%%) cannot be read as times (%d unparsable strings, %d out of range)", bad, nonNull, 100*rate, s.unparsed, s.outOfRange)}
		if rate > s.cfg.MaxUnreadableRate || s.timed == 0 {
			f.Code, f.Severity = "STA002", checks.Warning
			if s.timed == 0 {
				f.Message = fmt.Sprintf("none of the %d non-null times can be read as a time (%d unparsable strings, %d out of range)", nonNull, s.unparsed, s.outOfRange)
			}
		}
		findings = append(findings, f)
	}
	if s.timed == 0 {
		m.LabelDrift.Reason = "no readable times"
		if len(findings) == 0 {
			findings = append(findings, checks.Finding{Code: "STA001", Severity: checks.Info, Column: col,
				Message: fmt.Sprintf("the time column has no readable time (%d rows, %d null)", s.rows, s.nulls)})
		}
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, findings)
	}
	m.MinTime, m.MaxTime = formatUS(s.minT), formatUS(s.maxT)
	if !s.showValues {
		// Without --show-values the first and last times are values read
		// from the data: they are given to the day, the collection
		// period a reviewer needs.
		first, _ := divmod(s.minT, dayUS)
		last, _ := divmod(s.maxT, dayUS)
		m.MinTime, m.MaxTime = formatDay(first), formatDay(last)
	}
	m.StaleRate = float64(s.staleRows) / float64(s.timed)
	m.AgeDays = s.ageQuantiles()
	m.AgeHistogram = s.ageHistogram()

	if s.stale && s.staleRows > 0 {
		f := checks.Finding{Code: "STA006", Severity: checks.Info, Column: col, Value: checks.Float(m.StaleRate),
			Threshold: checks.Float(s.cfg.WarnStaleRate), Setting: "checks.staleness.warn_stale_rate", Rows: checks.Int(s.staleRows)}
		switch {
		case m.StaleRate > s.cfg.FailStaleRate:
			f.Code, f.Severity, f.Threshold, f.Setting = "STA004", checks.Error, checks.Float(s.cfg.FailStaleRate), "checks.staleness.fail_stale_rate"
		case m.StaleRate > s.cfg.WarnStaleRate:
			f.Code, f.Severity = "STA005", checks.Warning
		}
		f.Message = fmt.Sprintf("%d of %d timed rows (%.1f%%) are older than %s, the stale_before instant", s.staleRows, s.timed, 100*m.StaleRate, m.StaleBefore)
		findings = append(findings, f)
	}
	if s.future > s.cfg.MaxFutureRows {
		findings = append(findings, checks.Finding{Code: "STA007", Severity: checks.Warning, Column: col,
			Value: checks.Float(float64(s.future)), Threshold: checks.Float(float64(s.cfg.MaxFutureRows)),
			Setting: "checks.staleness.max_future_rows", Rows: checks.Int(s.future),
			Message: fmt.Sprintf("%d rows have a time after as_of %s (the latest is %s)", s.future, m.AsOf, m.MaxTime)})
	}
	m.EmptyMonths, m.EmptyMonthCount = s.emptyMonths()
	m.EmptyMonthsTrunc = m.EmptyMonthCount > int64(len(m.EmptyMonths))
	if m.EmptyMonthCount > 0 {
		f := checks.Finding{Code: "STA011", Severity: checks.Info, Column: col, Value: checks.Float(float64(m.EmptyMonthCount)),
			Threshold: checks.Float(float64(s.cfg.WarnEmptyMonths)), Setting: "checks.staleness.warn_empty_months"}
		if m.EmptyMonthCount > s.cfg.WarnEmptyMonths {
			f.Code, f.Severity = "STA010", checks.Warning
		}
		list := m.EmptyMonths
		more := ""
		if len(list) > 6 {
			list, more = list[:6], ", …"
		}
		f.Message = fmt.Sprintf("%d calendar months between %s and %s have no rows (%s%s)", m.EmptyMonthCount,
			m.MinTime[:7], m.MaxTime[:7], strings.Join(list, ", "), more)
		findings = append(findings, f)
	}
	m.LabelDrift = s.drift()
	js := 0.0 // the distance the score counts: only drift above the noise
	if d := m.LabelDrift; d.Measured {
		dist, floor := *d.JSDistance, *d.JSNoiseFloor
		switch {
		case dist > s.cfg.JSWarn && dist <= 2*floor:
			findings = append(findings, checks.Finding{Code: "STA013", Severity: checks.Info, Column: s.labelName,
				Value: checks.Float(dist), Threshold: checks.Float(2 * floor), Setting: "checks.staleness.js_warn",
				Message: fmt.Sprintf("the label shares of the oldest and newest windows differ (Jensen-Shannon distance %.3f, above js_warn %.3g) but within twice the %.3f that windows of %d and %d labelled rows show from sampling alone; not counted as drift",
					dist, s.cfg.JSWarn, floor, d.Oldest.LabelledRows, d.Newest.LabelledRows)})
		case dist > 2*floor:
			js = dist
		}
		if js > s.cfg.JSWarn {
			f := checks.Finding{Code: "STA009", Severity: checks.Warning, Column: s.labelName, Value: checks.Float(js),
				Threshold: checks.Float(s.cfg.JSWarn), Setting: "checks.staleness.js_warn"}
			if js > s.cfg.JSFail {
				f.Code, f.Severity, f.Threshold, f.Setting = "STA008", checks.Error, checks.Float(s.cfg.JSFail), "checks.staleness.js_fail"
			}
			f.Message = fmt.Sprintf("the label distribution of the newest %d days (%s to %s) differs from the oldest %d days (%s to %s): Jensen-Shannon distance %.3f%s",
				d.WindowDays, d.Newest.From, d.Newest.To, d.WindowDays, d.Oldest.From, d.Oldest.To, js, largestShift(d.Oldest.Shares, d.Newest.Shares))
			findings = append(findings, f)
		}
	} else if s.labelName != "" {
		findings = append(findings, checks.Finding{Code: "STA012", Severity: checks.Info, Column: s.labelName,
			Message: "label drift was not measured: " + m.LabelDrift.Reason})
	}

	status := checks.Pass
	for _, f := range findings {
		switch f.Severity {
		case checks.Error, checks.Blocker:
			status = checks.Fail
		case checks.Warning:
			if status == checks.Pass {
				status = checks.Warn
			}
		}
	}
	good := max(0, s.timed-s.staleRows-s.future)
	score := math.Round(100*float64(good)/float64(nonNull)*(1-js)*100) / 100
	score = min(100, max(0, score))
	return checks.NewResult(Check.Name, status, &score, m, findings)
}

// ageHist returns the ages in whole days and their row counts, youngest
// first.
func (s *state) ageHist() (ages, counts []int64) {
	asOfDay, _ := divmod(s.asOf, dayUS)
	hist := make(map[int64]int64, len(s.days)+1)
	for d, c := range s.days {
		if c.n[0] > 0 {
			hist[asOfDay-d] += c.n[0]
		}
		if c.n[1] > 0 {
			hist[asOfDay-d-1] += c.n[1]
		}
	}
	for a := range hist {
		ages = append(ages, a)
	}
	sort.Slice(ages, func(i, j int) bool { return ages[i] < ages[j] })
	for _, a := range ages {
		counts = append(counts, hist[a])
	}
	return ages, counts
}

// AgeBin is one bar of the age histogram: the timed rows whose age in
// whole days is in [FromDays, ToDays); a nil bound is open.
type AgeBin struct {
	Label    string `json:"label"`
	FromDays *int64 `json:"from_days"`
	ToDays   *int64 `json:"to_days"`
	Rows     int64  `json:"rows"`
}

// ageBinEdges are the histogram's bounds in days: future, under 30 days,
// 1–3 months, 3–6 months, 6–12 months, 1–2 years, 2–5 years, older.
var ageBinEdges = []int64{0, 30, 90, 180, 365, 730, 1825}

var ageBinLabels = []string{"future", "< 30 days", "30–89 days", "90–179 days", "180–364 days", "1–2 years", "2–5 years", "≥ 5 years"}

// ageHistogram counts the timed rows per age bin, exactly.
func (s *state) ageHistogram() []AgeBin {
	bins := make([]AgeBin, len(ageBinEdges)+1)
	for i := range bins {
		bins[i].Label = ageBinLabels[i]
		if i > 0 {
			bins[i].FromDays = &ageBinEdges[i-1]
		}
		if i < len(ageBinEdges) {
			bins[i].ToDays = &ageBinEdges[i]
		}
	}
	ages, counts := s.ageHist()
	for k, a := range ages {
		i := sort.Search(len(ageBinEdges), func(i int) bool { return ageBinEdges[i] > a })
		bins[i].Rows += counts[k]
	}
	return bins
}

func (s *state) ageQuantiles() *AgeQuantiles {
	ages, counts := s.ageHist()
	n := s.timed
	q := func(pct int64) int64 {
		rank := max(1, (pct*n+99)/100) // ceil(pct/100 × n), at least 1
		var seen int64
		for i, c := range counts {
			if seen += c; seen >= rank {
				return ages[i]
			}
		}
		return ages[len(ages)-1]
	}
	return &AgeQuantiles{P0: q(0), P5: q(5), P25: q(25), P50: q(50), P75: q(75), P95: q(95), P100: q(100)}
}

// emptyMonths lists, in order, up to MaxEmptyMonthsListed months between
// the first and last timed row's months that have no rows, and counts them
// all.
func (s *state) emptyMonths() ([]string, int64) {
	present := map[int64]bool{}
	for d := range s.days {
		present[monthOf(d)] = true
	}
	first, _ := divmod(s.minT, dayUS)
	last, _ := divmod(s.maxT, dayUS)
	lo, hi := monthOf(first), monthOf(last)
	count := hi - lo + 1 - int64(len(present))
	list := []string{}
	// Each step either passes a present month or lists an empty one, so
	// the walk is bounded even across a gap of centuries.
	for mo := lo; mo <= hi && len(list) < MaxEmptyMonthsListed && int64(len(list)) < count; mo++ {
		if !present[mo] {
			list = append(list, formatMonth(mo))
		}
	}
	return list, count
}

func (s *state) drift() Drift {
	d := Drift{Method: DriftMethod}
	switch {
	case s.labelIdx < 0:
		d.Reason = s.noDrift
		return d
	case s.overflow:
		d.Reason = fmt.Sprintf("the label has more than %d distinct values", MaxLabels)
		return d
	}
	first, _ := divmod(s.minT, dayUS)
	last, _ := divmod(s.maxT, dayUS)
	d.SpanDays = last - first + 1
	if d.SpanDays < 2 {
		d.Reason = "the times span fewer than 2 days"
		return d
	}
	// The tolerance keeps a product that should be whole (0.2 × 10) from
	// rounding up to the next day.
	w := max(1, int64(math.Ceil(s.cfg.WindowShare*float64(d.SpanDays)-1e-9)))
	d.WindowDays = w
	oldEnd, newStart := first+w-1, last-w+1
	old := &Window{From: formatDay(first), To: formatDay(oldEnd)}
	nw := &Window{From: formatDay(newStart), To: formatDay(last)}
	oc, nc := map[string]int64{}, map[string]int64{}
	add := func(day int64, li int, v int64) {
		if day <= oldEnd {
			oc[s.names[li]] += v
			old.LabelledRows += v
		}
		if day >= newStart {
			nc[s.names[li]] += v
			nw.LabelledRows += v
		}
	}
	for day, c := range s.days {
		if day <= oldEnd {
			old.Rows += c.n[0] + c.n[1]
		}
		if day >= newStart {
			nw.Rows += c.n[0] + c.n[1]
		}
		if day <= oldEnd || day >= newStart {
			for li, v := range c.labels {
				if v != 0 {
					add(day, li, v)
				}
			}
		}
	}
	for k, v := range s.dayLabels {
		add(k.day, int(k.label), v)
	}
	old.Shares, nw.Shares = shares(oc, old.LabelledRows), shares(nc, nw.LabelledRows)
	d.Oldest, d.Newest = old, nw
	if old.LabelledRows == 0 || nw.LabelledRows == 0 {
		d.Reason = "a window has no labelled row"
		return d
	}
	d.Measured = true
	d.JSDistance = checks.Float(jsDistance(oc, nc, old.LabelledRows, nw.LabelledRows))
	d.JSNoiseFloor = checks.Float(noiseFloor(oc, nc, old.LabelledRows, nw.LabelledRows))
	return d
}

func shares(c map[string]int64, n int64) map[string]float64 {
	out := make(map[string]float64, len(c))
	for k, v := range c {
		out[k] = float64(v) / float64(n)
	}
	return out
}

// jsDistance is the square root of the Jensen–Shannon divergence, log base
// 2, between the distributions p/np and q/nq, summed in label order so the
// result is reproducible bit for bit.
func jsDistance(p, q map[string]int64, np, nq int64) float64 {
	keys := make([]string, 0, len(p)+len(q))
	for k := range p {
		keys = append(keys, k)
	}
	for k := range q {
		if _, ok := p[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var div float64
	for _, k := range keys {
		pi, qi := float64(p[k])/float64(np), float64(q[k])/float64(nq)
		m := (pi + qi) / 2
		if pi > 0 {
			div += pi / 2 * math.Log2(pi/m)
		}
		if qi > 0 {
			div += qi / 2 * math.Log2(qi/m)
		}
	}
	return math.Sqrt(min(1, max(0, div)))
}

// noiseFloor is the Jensen–Shannon distance two windows of np and nq
// labelled rows show with no drift at all, from sampling alone: with k
// labels seen, 8·ln2·JSD·n1·n2/(n1+n2) is close to a chi-squared variable
// with k−1 degrees of freedom (the G-test), so E[JSD] ≈
// (k−1)(1/np + 1/nq) / (8 ln 2) bits, and the floor is its square root.
// Twice it (four times the expected divergence) is exceeded by chance with
// probability about 5% for 2 labels and far less for more.
func noiseFloor(p, q map[string]int64, np, nq int64) float64 {
	k := len(p)
	for l := range q {
		if _, ok := p[l]; !ok {
			k++
		}
	}
	return math.Sqrt(float64(k-1) * (1/float64(np) + 1/float64(nq)) / (8 * math.Ln2))
}

// largestShift names the label whose share changed most between the
// windows (label values may appear in messages).
func largestShift(old, nw map[string]float64) string {
	keys := make([]string, 0, len(old)+len(nw))
	for k := range old {
		keys = append(keys, k)
	}
	for k := range nw {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	best, bestD := "", -1.0
	for _, k := range keys {
		if d := math.Abs(nw[k] - old[k]); d > bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; largest change: label %q from %.1f%% to %.1f%%", best, 100*old[best], 100*nw[best])
}

// FlaggedRows lists, for findings.parquet, the stale rows under the
// staleness finding the result reports (STA004, STA005 or STA006) and the
// rows dated after as_of under STA007.
func (s *state) FlaggedRows(res checks.Result) ([]checks.RowStream, error) {
	var out []checks.RowStream
	for _, f := range res.Findings {
		switch f.Code {
		case "STA004", "STA005", "STA006":
			out = append(out, s.staleList.Stream(f.Code, s.timeName))
		case "STA007":
			out = append(out, s.futureList.Stream(f.Code, s.timeName))
		}
	}
	return out, nil
}
