// Package balance is the class-balance check: how many rows, and how many
// usable rows, each class of the label has, and how unevenly they are
// spread.
//
// For a classification label (string, bool, integer, dictionary, anything
// that is not a float or a decimal) it counts, exactly, the rows of every
// class, the class being the label's text as written ([labels.Text]). A row
// is usable when
//
//  1. its label is not null,
//  2. its feature vector is not a conflicting-label group (two or more
//     distinct non-null labels over the whole dataset, the groups the
//     labels check counts),
//  3. it is not stale: its time is strictly before Env.StaleBefore (null or
//     unparsable times are not stale; a zero StaleBefore makes nothing
//     stale), and
//  4. it is the first copy of its exact full row (every column).
//
// usable_c is the number of distinct full rows of class c meeting 1–3. The
// rows that are not usable are attributed to the first of missing_label,
// conflicting, stale and duplicate that applies, so that the four and
// usable_rows add up to rows.
//
// A float or decimal label is a regression target: no classes, but a
// distribution summary (exact count, mean, standard deviation, min and max;
// quantiles from a DDSketch with 1% relative error). An integer label with
// more than max_classes distinct values gets the same summary.
//
// State: class names in a slice and a map, and the label fingerprints met
// with each (merging adds counts by name). The rows themselves are in the
// audit worker's [rowtable.Table], shared with the duplicates and labels
// checks: per distinct full row its feature and label fingerprints, stale
// and labelled flags and number of copies, partitioned by the feature
// vector, on the audit's memory budget. Its one read counts the rows not
// usable and the usable rows of each label fingerprint; Result maps those
// to classes. Until 2026-11-27 balance kept a table of its own like it
// (56 bytes a row) and found the conflicting groups in it again.
// Rows, feature vectors and labels are told apart by 128-bit fingerprints
// ([rowhash]), exact up to a collision probability below n²/2^129. A
// class, though, is its text exactly: Observe finds a row's class through
// a small cache indexed by the label's fingerprint, but a hit needs the
// text to match, so the cache saves the map's hashing of the text, not its
// comparison.
package balance

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/rowtable"
	"github.com/readiness/readiness/checks/timecol"
	"github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.balance`.
type Config struct {
	// MinClassRows is the number of usable rows every class needs.
	MinClassRows int64 `yaml:"min_class_rows"`
	// WarnRatio and FailRatio are the imbalance ratios (largest class
	// count over smallest) above which the check warns and fails.
	WarnRatio float64 `yaml:"warn_ratio"`
	FailRatio float64 `yaml:"fail_ratio"`
	// MaxClasses is the number of distinct label values tracked as
	// classes; a label with more looks continuous or free text.
	MaxClasses int `yaml:"max_classes"`
}

func defaultConfig() any {
	return &Config{MinClassRows: 50, WarnRatio: 5, FailRatio: 20, MaxClasses: 1000}
}

// Check is the class-balance check.
var Check = checks.Check{
	Name:          "balance",
	Summary:       "rows and usable rows per class (no duplicates, conflicts, stale or unlabelled rows), imbalance ratio and entropy; distribution of a numeric label",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	// Every column: a usable row is the first copy of its full row.
	Columns: func(any, checks.Env) []string { return nil },
	New:     newState,
}

const packageDoc = `The balance check counts, for a classification label, the rows of every class
(the label's text as written, no trimming or case folding) and how many of them
are usable for training. A row is usable when
  (1) its label is not null,
  (2) its feature vector (the feature columns but the label and annotator
      columns, in schema order) is not a
      conflicting-label group: one seen with two or more distinct non-null
      labels anywhere in the dataset (the same groups as the labels check),
  (3) it is not stale: its time (time column) is strictly before the audit's
      stale_before instant (as_of minus checks.staleness.max_age_days); a null
      or unparsable time is not stale; times compare to the microsecond, and
  (4) it is the first copy of its exact full row (all columns).
usable_c is the number of distinct full rows of class c meeting (1)-(3).
Rows that are not usable are counted once, in the first of excluded.missing_label,
excluded.conflicting, excluded.stale, excluded.duplicate that applies
(duplicate = copies beyond the first of rows that passed the others), so
usable_rows + the four = rows. Without feature columns, (2) is not applied;
without a time column, nothing is stale.

Metrics: classes.<label> = {count, share = count / labelled_rows, usable};
imbalance_ratio = largest class count / smallest class count (1 with one
class); normalized_entropy = H(shares) / ln(k) for k >= 2 classes, 0 for k = 1;
classes_below_min = classes whose usable < checks.balance.min_class_rows, with
the shortfall (min - usable). Counts are exact; rows and feature vectors are told
apart by 128-bit fingerprints, exact up to a collision chance below n^2/2^129.

A float or decimal label is a regression target: instead of classes,
distribution = {count, missing, non_finite, mean, std, min, max, quantiles
p01 p05 p25 p50 p75 p95 p99}. count, mean, std (population, divided by count),
min and max are exact (sums accumulated without rounding); quantiles come from a
DDSketch with relative error at most 1% (see distribution.method). A label with
more than checks.balance.max_classes distinct values is not treated as classes;
if it is an integer it gets the same distribution summary.

Status: not_applicable without a label column, with no rows, for a regression
target, or for a label with too many distinct values (balance is undefined;
the distribution and usable_rows are still reported). fail when no row is
labelled, when there is a single class, when a class has fewer usable rows than
checks.balance.min_class_rows, or when imbalance_ratio is above
checks.balance.fail_ratio; warn when imbalance_ratio is above
checks.balance.warn_ratio; else pass.
Score: 100 x normalized_entropy x (classes meeting min_class_rows / classes);
0 with no labelled rows or a single class.

Act on it: collect or synthesise more examples of small classes, deduplicate,
resolve conflicting labels and refresh stale rows; re-weight or re-sample
skewed classes, and judge the model per class rather than by accuracy.`

var codes = []checks.Code{
	{Code: "BAL000", Severity: checks.Info, Title: "no label column",
		Doc: "The dataset has no label column (roles.label, --label), so class balance cannot be measured and the check is not applicable."},
	{Code: "BAL001", Severity: checks.Info, Title: "no rows to check",
		Doc: "The dataset has no rows, so the check is not applicable."},
	{Code: "BAL002", Severity: checks.Error, Title: "no labelled rows",
		Doc: "Every label is null: there is nothing to train a supervised model on. Label the data, or check that the right column is the label."},
	{Code: "BAL003", Severity: checks.Error, Title: "a single class",
		Doc: "Every non-null label has the same value: a classifier cannot learn to tell classes apart. Collect examples of the other classes, or check the label column."},
	{Code: "BAL004", Severity: checks.Error, Title: "class below the minimum usable rows",
		Doc: "The class has fewer usable rows (not duplicated, not conflicting, not stale, labelled) than checks.balance.min_class_rows. Collect more examples of it, merge it into a related class, or drop it from the task; a model will barely learn it and its per-class metrics will be noise."},
	{Code: "BAL005", Severity: checks.Error, Title: "classes severely imbalanced",
		Doc: "The largest class has more than checks.balance.fail_ratio times the rows of the smallest. Re-sample or re-weight, collect more minority examples, and evaluate per class (accuracy hides the minority)."},
	{Code: "BAL006", Severity: checks.Warning, Title: "classes imbalanced",
		Doc: "The largest class has more than checks.balance.warn_ratio times the rows of the smallest. Consider class weights or stratified sampling, and report per-class metrics."},
	{Code: "BAL007", Severity: checks.Warning, Title: "label has too many distinct values to be classes",
		Doc: "The label has more than checks.balance.max_classes distinct values: it looks continuous or free text rather than a set of classes, so balance is not evaluated (an integer label is summarised as a distribution instead). Check the label column, or raise max_classes if the classes are real."},
	{Code: "BAL008", Severity: checks.Info, Title: "numeric label summarised as a distribution",
		Doc: "The label is a float or a decimal, a regression target: class balance does not apply, and the label's distribution (mean, standard deviation, range, quantiles) is reported instead."},
	{Code: "BAL009", Severity: checks.Info, Title: "rows excluded from the usable examples",
		Doc: "Some labelled rows are not usable for training: duplicates of another row, in a feature group with conflicting labels, or stale. The excluded metrics break them down; fix them to recover examples."},
	{Code: "BAL010", Severity: checks.Info, Title: "time values that do not parse",
		Doc: "Some non-null values of the time column are not times in a known layout; those rows are treated as not stale. Fix the values or the column's type."},
}

// ClassMetrics are one class's numbers.
type ClassMetrics struct {
	Count  int64   `json:"count"`
	Share  float64 `json:"share"`
	Usable int64   `json:"usable"`
}

// Excluded breaks down the rows that are not usable, each row in the first
// category that applies.
type Excluded struct {
	MissingLabel int64 `json:"missing_label"`
	Conflicting  int64 `json:"conflicting"`
	Stale        int64 `json:"stale"`
	Duplicate    int64 `json:"duplicate"`
}

// BelowMin is a class with fewer usable rows than the minimum.
type BelowMin struct {
	Class     string `json:"class"`
	Usable    int64  `json:"usable"`
	Shortfall int64  `json:"shortfall"`
}

// Label kinds.
const (
	kindClasses    = "classes"
	kindContinuous = "continuous"
	kindTooMany    = "too_many_values"
)

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	// LabelColumn is the label column, "" without one.
	LabelColumn string `json:"label_column"`
	// LabelKind is classes, continuous or too_many_values; "" without a
	// label column.
	LabelKind      string `json:"label_kind"`
	TimeColumn     string `json:"time_column,omitempty"`
	StaleBefore    string `json:"stale_before,omitempty"`
	FeatureColumns int    `json:"feature_columns"`

	Rows          int64    `json:"rows"`
	LabelledRows  int64    `json:"labelled_rows"`
	MissingLabels int64    `json:"missing_labels"`
	UsableRows    int64    `json:"usable_rows"`
	Excluded      Excluded `json:"excluded"`
	UnparsedTimes int64    `json:"unparsed_times"`

	// Classes is empty unless LabelKind is classes.
	Classes           map[string]ClassMetrics `json:"classes"`
	NumClasses        int                     `json:"num_classes"`
	ImbalanceRatio    *float64                `json:"imbalance_ratio,omitempty"`
	NormalizedEntropy *float64                `json:"normalized_entropy,omitempty"`
	MinClassRows      int64                   `json:"min_class_rows"`
	ClassesBelowMin   []BelowMin              `json:"classes_below_min"`

	// Distribution summarises a numeric label (continuous, or an integer
	// with too many values).
	Distribution *Distribution `json:"distribution,omitempty"`
	// Method says how rows are counted.
	Method string `json:"method"`
}

const countMethod = "exact counts; distinct full rows and feature vectors by 128-bit logical-value fingerprints, collision chance below n^2/2^129"

type state struct {
	cfg      *Config
	label    string
	labelIdx int // -1: no label column
	nullType bool
	timeIdx  int // -1: nothing is stale
	timeName string
	// staleBefore is env.StaleBefore in microseconds.
	staleBefore int64
	isFeature   []bool
	nFeatures   int
	continuous  bool // float or decimal label
	integer     bool // integer label: a distribution, in case of too many values

	rows     int64
	labelled int64

	names  []string
	index  map[string]int32
	counts []int64
	// labelClass maps every label fingerprint met with a class to it
	// (row entries hold the fingerprint, not the class); lastFP is the
	// last fingerprint noted for each class, which spares Observe a map
	// lookup per row. clash, if not nil, is a fingerprint met with two
	// classes (a 128-bit collision).
	labelClass map[rowhash.Fingerprint]int32
	lastFP     []noted
	clash      error
	overflow   bool

	// table is the audit worker's per-row table, shared with the
	// duplicates and labels checks: an entry per distinct full row, in
	// the partition of its feature vector (of its full row without
	// feature columns). It tells the usable rows apart (Result).
	table *rowtable.Table
	// sum is what the table counted, once Result has read it.
	sum  *rowtable.Summary
	dist *dist

	// scratch, reused between batches
	labelFP   []rowhash.Fingerprint
	valid     []bool
	class     []int32
	dictClass []int32
	codeClass []int32 // per code of the label column (classes)
	nameCache nameCache
}

// nameCache maps label fingerprints to recent classes, see cachedClassOf.
type nameCache [64]struct {
	name  string
	class int32
	ok    bool
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("balance: config is %T, want *balance.Config", c)
	}
	switch {
	case cfg.MinClassRows < 0:
		return nil, fmt.Errorf("checks.balance.min_class_rows: %d is negative", cfg.MinClassRows)
	case !(cfg.WarnRatio >= 1):
		return nil, fmt.Errorf("checks.balance.warn_ratio: %v is below 1", cfg.WarnRatio)
	case !(cfg.FailRatio >= cfg.WarnRatio):
		return nil, fmt.Errorf("checks.balance.fail_ratio: %v is below warn_ratio %v", cfg.FailRatio, cfg.WarnRatio)
	case cfg.MaxClasses < 1:
		return nil, fmt.Errorf("checks.balance.max_classes: %d is below 1", cfg.MaxClasses)
	}
	s := &state{cfg: cfg, labelIdx: -1, timeIdx: -1, index: map[string]int32{},
		labelClass: map[rowhash.Fingerprint]int32{}}
	schema := env.Schema
	if schema == nil {
		schema = arrow.NewSchema(nil, nil)
	}
	if env.Roles.Label != "" {
		if idx := schema.FieldIndices(env.Roles.Label); len(idx) > 0 {
			s.label, s.labelIdx = env.Roles.Label, idx[0]
			t := schema.Field(idx[0]).Type
			s.nullType = t.ID() == arrow.NULL
			s.continuous = labels.IsContinuous(t)
			s.integer = isInteger(t)
		}
	}
	if env.Roles.Time != "" && !env.StaleBefore.IsZero() {
		if idx := schema.FieldIndices(env.Roles.Time); len(idx) > 0 && timecol.Supported(schema.Field(idx[0]).Type) {
			s.timeIdx, s.timeName = idx[0], env.Roles.Time
			s.staleBefore = timecol.FromTime(env.StaleBefore)
		}
	}
	s.isFeature = make([]bool, schema.NumFields())
	for _, f := range env.Roles.Features {
		for _, i := range schema.FieldIndices(f) {
			if !s.isFeature[i] {
				s.isFeature[i] = true
				s.nFeatures++
			}
		}
	}
	if s.labelIdx >= 0 {
		rc, _ := rowtable.NewConfig(env)
		t, err := rowtable.For(env, rc)
		if err != nil {
			return nil, fmt.Errorf("balance: %w", err)
		}
		t.CountLabels(labelBound(cfg))
		s.table = t
	}
	if s.continuous || s.integer {
		d, err := newDist()
		if err != nil {
			return nil, err
		}
		s.dist = d
	}
	return s, nil
}

// labelBound is how many distinct labels the rows' table counts usable
// rows of: named classes are at most max_classes, and so are the label
// fingerprints behind them (a class is a label's text, one fingerprint
// apiece for the label types that have classes); twice that and some, so
// that reaching it means something is wrong rather than close.
func labelBound(cfg *Config) int { return 2*cfg.MaxClasses + 16 }

func isInteger(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	return arrow.IsInteger(t.ID())
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	if s.labelIdx < 0 || n == 0 {
		s.rows += int64(n)
		return nil
	}
	if int(rec.NumCols()) != len(s.isFeature) {
		return fmt.Errorf("balance: batch has %d columns, the schema %d", rec.NumCols(), len(s.isFeature))
	}
	s.rows += int64(n)
	label := rec.Column(s.labelIdx)
	if s.dist != nil && !s.nullType {
		s.dist.observe(label)
	}

	// The label's fingerprints come from the batch's memo, shared with
	// the other checks; the rows' table takes the rest from it too.
	if err := s.table.Observe(b); err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	labelFP := b.Memo.Values(rec, s.labelIdx, &s.labelFP)
	s.class = grow(s.class, n)
	s.classes(label, labelFP, s.class, b.Memo.StrCodes(rec, s.labelIdx))
	named := !s.overflow && !s.continuous // labels have classes
	for i, cl := range s.class {
		if cl >= 0 {
			s.labelled++
			if named {
				if last := &s.lastFP[cl]; !last.ok || last.fp != labelFP[i] {
					s.noteLabel(labelFP[i], cl)
				}
			}
		}
	}
	return nil
}

// noted is a label fingerprint noted for a class, when ok.
type noted struct {
	fp rowhash.Fingerprint
	ok bool
}

// noteLabel records that label fingerprint fp stands for class cl.
func (s *state) noteLabel(fp rowhash.Fingerprint, cl int32) {
	s.lastFP[cl] = noted{fp: fp, ok: true}
	j, ok := s.labelClass[fp]
	switch {
	case !ok:
		s.labelClass[fp] = cl
	case j != cl && s.clash == nil:
		s.clash = fmt.Errorf("balance: labels %q and %q have the same 128-bit fingerprint: usable rows per class cannot be told apart", s.names[j], s.names[cl])
	}
}

// classes writes each row's class index into out, -1 for a null label;
// fp holds the labels' fingerprints, sc their codes when the label column
// has them ([checks.Memo.StrCodes]; nil when not).
func (s *state) classes(label arrow.Array, fp []rowhash.Fingerprint, out []int32, sc *checks.StrCodes) {
	if s.nullType {
		for i := range out {
			out[i] = -1
		}
		return
	}
	if s.continuous || s.overflow {
		s.valid = grow(s.valid, len(out))
		labelled(label, s.valid)
		for i, ok := range s.valid {
			out[i] = -1
			if ok {
				out[i] = 0
			}
		}
		// No class names; once past max_classes, only whether rows are
		// labelled counts.
		return
	}
	if d, ok := label.(*array.Dictionary); ok {
		// Each dictionary entry is read as text once, when first used, so
		// an entry no row refers to never becomes a class.
		dict := d.Dictionary()
		s.dictClass = grow(s.dictClass, dict.Len())
		for i := range s.dictClass {
			s.dictClass[i] = -2
		}
		for i := range out {
			if d.IsNull(i) {
				out[i] = -1
				continue
			}
			j := d.GetValueIndex(i)
			if s.dictClass[j] == -2 {
				s.dictClass[j] = -1
				if text, ok := labels.Text(dict, j); ok {
					s.dictClass[j] = s.classOf(text)
				}
			}
			out[i] = s.dictClass[j]
			if out[i] >= 0 {
				s.counts[out[i]]++
			}
		}
	} else if sc != nil {
		// Each distinct label of the batch is looked up once, in the
		// order of its first row, as below.
		s.codeClass = grow(s.codeClass, len(sc.Values))
		for k, v := range sc.Values {
			s.codeClass[k] = s.classOf(v)
		}
		for i, k := range sc.Codes {
			out[i] = -1
			if k >= 0 {
				out[i] = s.codeClass[k]
				s.counts[out[i]]++
			}
		}
	} else {
		// A string label, the common case, is read without the type
		// switch of labels.Text, which gives the same text.
		str, _ := label.(*array.String)
		for i := range out {
			out[i] = -1
			var text string
			if str != nil {
				if str.IsNull(i) {
					continue
				}
				text = str.Value(i)
			} else {
				t, ok := labels.Text(label, i)
				if !ok {
					continue
				}
				text = t
			}
			out[i] = s.cachedClassOf(fp[i], text)
			s.counts[out[i]]++
		}
	}
	if len(s.names) > s.cfg.MaxClasses {
		s.setOverflow()
		for i := range out {
			out[i] = min(out[i], 0)
		}
	}
}

// labelled sets ok[i] when label i is not null (a dictionary index pointing
// at a null dictionary value is null).
func labelled(a arrow.Array, ok []bool) {
	for i := range ok {
		ok[i] = a.IsValid(i)
	}
	if d, isDict := a.(*array.Dictionary); isDict && d.Dictionary().NullN() > 0 {
		for i := range ok {
			if ok[i] && d.Dictionary().IsNull(d.GetValueIndex(i)) {
				ok[i] = false
			}
		}
	}
}

// classOf returns the index of the class named text, adding it if new.
// text may point into an Arrow buffer, so a new name is copied.
func (s *state) classOf(text string) int32 {
	if j, ok := s.index[text]; ok {
		return j
	}
	j := int32(len(s.names))
	name := strings.Clone(text)
	s.names = append(s.names, name)
	s.lastFP = append(s.lastFP, noted{})
	s.index[name] = j
	s.counts = append(s.counts, 0)
	return j
}

// cachedClassOf is classOf(text) through s.nameCache, a direct-mapped
// cache indexed by the label's fingerprint fp: a few classes repeat row
// after row, and a map lookup hashes the text every time (0.35 s of the
// check's 1.5 s of Observe in a 10M-row audit's profile). A hit needs the text to
// be the cached class's name, so a class is still its text exactly, and
// two texts sharing a fingerprint (noteLabel's clash) stay two classes.
func (s *state) cachedClassOf(fp rowhash.Fingerprint, text string) int32 {
	c := &s.nameCache[fp.Lo%uint64(len(s.nameCache))]
	if c.ok && c.name == text {
		return c.class
	}
	j := s.classOf(text)
	c.name, c.class, c.ok = s.names[j], j, true
	return j
}

// setOverflow drops the class names: the label has more distinct values
// than max_classes. Only whether rows are labelled counts from now on.
func (s *state) setOverflow() {
	s.overflow = true
	s.names, s.index, s.counts = nil, nil, nil
	s.nameCache = nameCache{}
	s.labelClass, s.lastFP, s.clash = nil, nil, nil
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into balance state", o)
	}
	if other.labelIdx != s.labelIdx || other.timeIdx != s.timeIdx || other.continuous != s.continuous ||
		other.staleBefore != s.staleBefore || !slices.Equal(other.isFeature, s.isFeature) {
		return fmt.Errorf("merge balance states over different label, time or feature columns")
	}
	s.rows += other.rows
	s.labelled += other.labelled
	if s.dist != nil {
		if err := s.dist.merge(other.dist); err != nil {
			return err
		}
	}
	if s.table != nil {
		if s.sum != nil {
			return errors.New("balance: merging into a state whose result was read")
		}
		if err := s.table.Merge(other.table); err != nil {
			return fmt.Errorf("balance: %w", err)
		}
	}
	if !s.overflow && !other.overflow && !s.continuous {
		class := make([]int32, len(other.names)) // other's class index to s's
		for j, name := range other.names {
			class[j] = s.classOf(name)
			s.counts[class[j]] += other.counts[j]
		}
		for fp, j := range other.labelClass {
			s.noteLabel(fp, class[j])
		}
		if s.clash == nil {
			s.clash = other.clash
		}
	}
	if !s.overflow && (other.overflow || len(s.names) > s.cfg.MaxClasses) {
		s.setOverflow()
	}
	return nil
}

func (s *state) Result() (checks.Result, error) {
	m := Metrics{LabelColumn: s.label, TimeColumn: s.timeName, FeatureColumns: s.nFeatures, Rows: s.rows,
		Classes: map[string]ClassMetrics{}, MinClassRows: s.cfg.MinClassRows, ClassesBelowMin: []BelowMin{}, Method: countMethod}
	if s.timeIdx >= 0 {
		m.StaleBefore = timecol.ToTime(s.staleBefore).Format(time.RFC3339Nano)
	}
	if s.labelIdx < 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, []checks.Finding{{Code: "BAL000", Severity: checks.Info,
			Message: "the dataset has no label column, so class balance cannot be measured"}})
	}
	switch {
	case s.continuous:
		m.LabelKind = kindContinuous
	case s.overflow:
		m.LabelKind = kindTooMany
	default:
		m.LabelKind = kindClasses
	}
	m.LabelledRows, m.MissingLabels = s.labelled, s.rows-s.labelled
	if s.rows == 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, []checks.Finding{{Code: "BAL001", Severity: checks.Info,
			Message: "the dataset has no rows"}})
	}

	usable, err := s.usable(&m)
	if err != nil {
		return checks.Result{}, err
	}

	var findings []checks.Finding
	if ex := m.Rows - m.UsableRows - m.Excluded.MissingLabel; ex > 0 && s.labelled > 0 {
		findings = append(findings, checks.Finding{Code: "BAL009", Severity: checks.Info, Column: s.label,
			Message: fmt.Sprintf("%d of %d labelled rows are not usable: %d in conflicting-label feature groups, %d stale, %d duplicate copies",
				ex, s.labelled, m.Excluded.Conflicting, m.Excluded.Stale, m.Excluded.Duplicate),
			Value: checks.Float(ratio(m.UsableRows, s.labelled)), Rows: checks.Int(ex)})
	}
	if u := m.UnparsedTimes; u > 0 {
		findings = append(findings, checks.Finding{Code: "BAL010", Severity: checks.Info, Column: s.timeName,
			Message: fmt.Sprintf("%d values of the time column %q are not times in a known layout; their rows are treated as not stale", u, s.timeName),
			Value:   checks.Float(float64(u)), Rows: checks.Int(u)})
	}
	if s.dist != nil && (s.continuous || s.overflow) {
		m.Distribution = s.dist.summary()
	}
	result := func(st checks.Status, score *float64) (checks.Result, error) {
		sort.SliceStable(findings, func(i, j int) bool { return findings[i].Code < findings[j].Code })
		return checks.NewResult(Check.Name, st, score, m, findings)
	}

	if s.labelled == 0 {
		findings = append(findings, checks.Finding{Code: "BAL002", Severity: checks.Error, Column: s.label,
			Message: fmt.Sprintf("all %d labels are null: no row is labelled", s.rows),
			Value:   checks.Float(0), Rows: checks.Int(s.rows)})
		return result(checks.Fail, checks.Float(0))
	}
	if s.continuous {
		findings = append(findings, checks.Finding{Code: "BAL008", Severity: checks.Info, Column: s.label,
			Message: fmt.Sprintf("label %q is numeric (a regression target): summarised as a distribution of %d values, class balance does not apply", s.label, m.Distribution.Count),
			Rows:    checks.Int(s.labelled)})
		return result(checks.NotApplicable, nil)
	}
	if s.overflow {
		msg := fmt.Sprintf("label %q has more than %d distinct values: it looks continuous or free text, not classes", s.label, s.cfg.MaxClasses)
		if m.Distribution != nil {
			msg += "; summarised as a distribution instead"
		}
		findings = append(findings, checks.Finding{Code: "BAL007", Severity: checks.Warning, Column: s.label, Message: msg,
			Threshold: checks.Float(float64(s.cfg.MaxClasses)), Setting: "checks.balance.max_classes", Rows: checks.Int(s.labelled)})
		return result(checks.NotApplicable, nil)
	}

	k := len(s.names)
	m.NumClasses = k
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return s.names[order[a]] < s.names[order[b]] })
	largest, smallest := int64(0), int64(math.MaxInt64)
	entropy := 0.0
	meeting := 0
	for _, j := range order {
		name, count := s.names[j], s.counts[j]
		share := ratio(count, s.labelled)
		m.Classes[name] = ClassMetrics{Count: count, Share: share, Usable: usable[j]}
		largest, smallest = max(largest, count), min(smallest, count)
		if share > 0 {
			entropy -= share * math.Log(share)
		}
		if usable[j] >= s.cfg.MinClassRows {
			meeting++
			continue
		}
		m.ClassesBelowMin = append(m.ClassesBelowMin, BelowMin{Class: name, Usable: usable[j], Shortfall: s.cfg.MinClassRows - usable[j]})
	}
	status := checks.Pass
	imbalance := float64(largest) / float64(smallest)
	m.ImbalanceRatio = checks.Float(imbalance)
	norm := 0.0
	if k >= 2 {
		norm = min(1, entropy/math.Log(float64(k)))
	}
	m.NormalizedEntropy = checks.Float(norm)

	if k == 1 {
		status = checks.Fail
		findings = append(findings, checks.Finding{Code: "BAL003", Severity: checks.Error, Column: s.label,
			Message: fmt.Sprintf("every one of the %d labelled rows has the same label %q", s.labelled, s.names[0]),
			Value:   checks.Float(1), Rows: checks.Int(s.labelled)})
	}
	const maxClassFindings = 20
	for i, b := range m.ClassesBelowMin {
		status = checks.Fail
		if i == maxClassFindings {
			rest := m.ClassesBelowMin[i:]
			var short int64
			for _, r := range rest {
				short += r.Usable
			}
			findings = append(findings, checks.Finding{Code: "BAL004", Severity: checks.Error, Column: s.label,
				Message:   fmt.Sprintf("%d more classes have fewer than %d usable rows (see classes_below_min)", len(rest), s.cfg.MinClassRows),
				Threshold: checks.Float(float64(s.cfg.MinClassRows)), Setting: "checks.balance.min_class_rows", Rows: checks.Int(short)})
			break
		}
		findings = append(findings, checks.Finding{Code: "BAL004", Severity: checks.Error, Column: s.label,
			Message: fmt.Sprintf("class %q has %d usable rows, %d short of the minimum %d", b.Class, b.Usable, b.Shortfall, s.cfg.MinClassRows),
			Value:   checks.Float(float64(b.Usable)), Threshold: checks.Float(float64(s.cfg.MinClassRows)),
			Setting: "checks.balance.min_class_rows", Rows: checks.Int(b.Usable)})
	}
	switch {
	case k >= 2 && imbalance > s.cfg.FailRatio:
		status = checks.Fail
		findings = append(findings, checks.Finding{Code: "BAL005", Severity: checks.Error, Column: s.label,
			Message: fmt.Sprintf("the largest class has %.1f times the rows of the smallest (%d vs %d), above the fail ratio %g", imbalance, largest, smallest, s.cfg.FailRatio),
			Value:   checks.Float(imbalance), Threshold: checks.Float(s.cfg.FailRatio), Setting: "checks.balance.fail_ratio", Rows: checks.Int(smallest)})
	case k >= 2 && imbalance > s.cfg.WarnRatio:
		if status == checks.Pass {
			status = checks.Warn
		}
		findings = append(findings, checks.Finding{Code: "BAL006", Severity: checks.Warning, Column: s.label,
			Message: fmt.Sprintf("the largest class has %.1f times the rows of the smallest (%d vs %d), above the warning ratio %g", imbalance, largest, smallest, s.cfg.WarnRatio),
			Value:   checks.Float(imbalance), Threshold: checks.Float(s.cfg.WarnRatio), Setting: "checks.balance.warn_ratio", Rows: checks.Int(smallest)})
	}
	score := round2(100 * norm * float64(meeting) / float64(k))
	return result(status, &score)
}

// usable attributes every row to usable_rows or to the first exclusion
// that applies, in m, and returns the usable rows of each class (indexed
// like s.names). It reads the row table one partition at a time, and finds
// the partition's conflicting feature groups in it first (see [conflicts]).
func (s *state) usable(m *Metrics) ([]int64, error) {
	named := !s.overflow && !s.continuous
	if named && s.clash != nil {
		return nil, s.clash
	}
	// The rows' table is read once, for every check sharing it.
	sum, err := s.table.Result()
	if err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	s.sum = sum
	m.Excluded.MissingLabel, m.Excluded.Conflicting, m.Excluded.Stale = sum.MissingLabel, sum.Conflicting, sum.Stale
	m.Excluded.Duplicate, m.UsableRows = sum.Duplicate, sum.Usable
	m.UnparsedTimes = sum.Unparsed
	usable := make([]int64, len(s.names))
	if !named {
		return usable, nil
	}
	if sum.UsableByLabel == nil {
		return nil, fmt.Errorf("balance: the rows' table did not count the usable rows of each label (more than %d labels)", labelBound(s.cfg))
	}
	for fp, n := range sum.UsableByLabel {
		j, ok := s.labelClass[fp]
		if !ok {
			return nil, fmt.Errorf("balance: a labelled row's label fingerprint %016x%016x has no class", fp.Hi, fp.Lo)
		}
		usable[j] += n
	}
	return usable, nil
}

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
