// Package representativeness is the representativeness check.
//
// It profiles attribute columns — exact counts per value for categorical
// columns, a DDSketch (relative accuracy 1%) for numeric ones — and compares
// the training data's profiles with what the policy or a reference dataset
// says the data should look like:
//
//   - against a reference dataset (--reference, e.g. production traffic):
//     population stability index (PSI) and Jensen–Shannon distance for
//     categorical columns, with the categories that are missing or
//     under-represented in training; Wasserstein-1 distance and the
//     Kolmogorov–Smirnov statistic for numeric columns;
//   - declared target shares per category (checks.representativeness.targets);
//   - required categories with minimum row counts (…required);
//   - slices: combinations of attribute values with fewer rows than
//     min_slice_rows, including combinations with no rows at all.
//
// The same check runs over the reference dataset first (profiling only); its
// merged state arrives in the training run as [checks.Env.Reference].
// `readiness explain representativeness` prints the definitions of every
// metric, of the status and of the score ([Check].Doc).
//
// Observe does per-row work only where a row can change the profile, and
// reads validity bitmaps by bit instead of calling IsNull per value. Rows of
// a string column are counted per distinct text in a per-batch cache, then
// added to the map once per text; a string column that has overflowed
// max_categories with no declared value is not read any more; an integer
// column's rows are counted per value first and go into the sketch once
// per value with their count (bins hold float64 sums of whole numbers,
// exact either way). The profile is the same, value for value and bin for
// bin, as adding rows one at a time would give. Floats still go into the
// sketch one by one: their values rarely repeat within a batch. Only a
// profile that will be compared keeps a sketch's bins (the reference run,
// checks.Env.ReferenceRun, and a training run given a reference): without
// a reference no metric reads them, and a value is only checked for what a
// sketch would refuse, counted as non-finite either way.
package representativeness

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.representativeness`.
type Config struct {
	// Columns are the attributes to profile and compare; empty means every
	// feature column (roles) present in the dataset.
	Columns []string `yaml:"columns"`
	// MaxCategories is the most distinct values a column may have and still
	// be profiled as categorical (0 means the default, 1000).
	MaxCategories int `yaml:"max_categories"`
	// PSIWarn and PSIFail are the population stability index bands.
	PSIWarn float64 `yaml:"psi_warn"`
	PSIFail float64 `yaml:"psi_fail"`
	// JSWarn and JSFail bound the Jensen–Shannon distance (base 2, 0–1).
	JSWarn float64 `yaml:"js_warn"`
	JSFail float64 `yaml:"js_fail"`
	// KSWarn and KSFail bound the Kolmogorov–Smirnov statistic (0–1).
	KSWarn float64 `yaml:"ks_warn"`
	KSFail float64 `yaml:"ks_fail"`
	// UnderRepresentedRatio: a category whose training share is below this
	// ratio times its reference share is under-represented.
	UnderRepresentedRatio float64 `yaml:"under_represented_ratio"`
	// Epsilon replaces a zero share in the PSI formula.
	Epsilon float64 `yaml:"epsilon"`
	// Targets declares target shares per column.
	Targets map[string]Target `yaml:"targets"`
	// Required declares, per column, categories with a minimum row count.
	Required map[string]map[string]int64 `yaml:"required"`
	// Slices are the attributes whose value combinations must each have at
	// least MinSliceRows rows.
	Slices       []string `yaml:"slices"`
	MinSliceRows int64    `yaml:"min_slice_rows"`
	// MaxSliceCombinations caps both the distinct combinations the state
	// keeps and the cross product checked (0 means the default, 10000).
	MaxSliceCombinations int `yaml:"max_slice_combinations"`
}

// Target is the declared share of each value of one column.
type Target struct {
	Shares    map[string]float64 `yaml:"shares"`
	Tolerance float64            `yaml:"tolerance"`
}

// Defaults.
const (
	DefaultMaxCategories        = 1000
	DefaultMaxSliceCombinations = 10000
	// RelativeAccuracy is the DDSketch relative accuracy of numeric profiles.
	RelativeAccuracy = 0.01
	// NullValue stands for a null in slices.
	NullValue = "(null)"
)

func defaultConfig() any {
	return &Config{
		MaxCategories: DefaultMaxCategories,
		PSIWarn:       0.1, PSIFail: 0.25,
		JSWarn: 0.1, JSFail: 0.2,
		KSWarn: 0.1, KSFail: 0.2,
		UnderRepresentedRatio: 0.5,
		Epsilon:               1e-4,
		MinSliceRows:          30,
		MaxSliceCombinations:  DefaultMaxSliceCombinations,
	}
}

// Check is the representativeness check.
var Check = checks.Check{
	Name:          "representativeness",
	Summary:       "attribute distributions against a reference dataset, target shares, required categories and slice coverage",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	Columns:       columns,
	UsesReference: true,
	New:           newState,
}

const packageDoc = `The representativeness check profiles attribute columns and compares them with
what the data should look like: a reference dataset (--reference, e.g.
production traffic), declared target shares, required categories, and slice
coverage.

Columns: checks.representativeness.columns, or every feature column when empty,
plus every column named in targets, required and slices.
  categorical  string, bool, dictionary and integer columns with at most
               max_categories (1000) distinct values: exact count per value
               (the value as text; integers in decimal). Shares are over
               non-null rows. A string/bool column with more values is skipped
               (REP008) and its values are never listed; an integer column
               with more is profiled as numeric.
  numeric      integer, float and decimal columns: a DDSketch (logarithmic
               mapping, relative accuracy 0.01, exact counts per bin) plus
               exact rows, nulls and non_finite (NaN, ±Inf, out of range)
               counts. Non-finite values are left out of the distribution.
  other types  (timestamps, binary, nested) are skipped (REP008).

Against a reference (columns profiled in both):
  psi          Σ (t_i − r_i)·ln(t_i / r_i) over the union of categories, t and r
               the training and reference shares; a zero share is replaced by
               epsilon (1e-4) in both factors, without renormalising.
  js_distance  sqrt(JSD), JSD = ½Σ t·log2(t/m) + ½Σ r·log2(r/m), m = (t+r)/2;
               0 for identical, 1 for disjoint distributions. Exact.
  missing_categories   categories with reference share > 0 and no training row.
  under_represented    categories with 0 < training share <
                       under_represented_ratio × reference share, sorted by
                       reference share (largest first). Both lists are
                       omitted when empty.
  wasserstein  W1 = ∫ |F_t − F_r| dx, computed from the two sketches: every value
               is replaced by its bin's representative value (within 1% of the
               value). wasserstein_error_bound bounds |W1 − W1_exact|: the smaller
               of α/(1−α)·(mean|x̂_t| + mean|x̂_r|), α = 0.01, and the widest
               distance from W1 to the interval the exact W1 must lie in, given
               both CDFs exactly at the bin boundaries (monotone inside a bin).
               In the column's units.
  ks           max |F_t − F_r| evaluated at the sketch's bin boundaries, where
               both CDFs are exact; so ks ≤ KS_exact ≤ ks + ks_error_bound, the
               bound being the largest gap the two CDFs could open inside a bin.
Both are exactly 0 for identical data.

Targets: share = rows with the value / non-null rows; a value outside
[share − tolerance, share + tolerance] is REP005. Required: a value with fewer
rows than its min_count is REP006. Declared values are counted exactly even in
columns with too many categories.

Slices: every combination of the slice attributes' values (nulls are the value
"(null)") over the cross product of the values observed per attribute, so a
combination with zero rows counts too; one with fewer than min_slice_rows rows
is under-covered (REP007). When the observed combinations or the cross product
exceed max_slice_combinations (10000), or an attribute has more than
max_categories values, slices are not evaluated (REP008).

Thresholds (a value above the threshold crosses it): psi_warn/psi_fail,
js_warn/js_fail, ks_warn/ks_fail. W1 is reported only (it has units).
Status: fail on REP001 or REP006; warn on REP002–REP005 or REP007; else pass.
not_applicable (REP000) when there is nothing to compare against (no
reference, targets, required or slices), nothing could be compared, or the
dataset has no rows.

Score: 100 × the mean of the components that apply, each 0–1, rounded to
two decimals:
  drift     1 − mean over compared columns of min(1, psi/psi_fail) (categorical)
            or min(1, ks/ks_fail) (numeric)
  targets   the fraction of declared target values within tolerance
  required  the fraction of required values with at least min_count rows
  slices    1 − under_covered / combinations_checked

Act on it: collect more data for missing and under-represented groups, re-weight
or re-sample to the target shares, or confirm the reference is the population
the model will serve.`

var codes = []checks.Code{
	{Code: "REP000", Severity: checks.Info, Title: "nothing to compare against",
		Doc: "No reference dataset, target shares, required categories or slices apply (or the dataset has no rows), so representativeness cannot be judged: the check is not applicable, never a pass."},
	{Code: "REP001", Severity: checks.Error, Title: "distribution shift above the fail threshold",
		Doc: "The column's PSI, JS distance or KS statistic against the reference is above its *_fail threshold: the training data does not look like the data the model will serve. Collect data from the target population or re-weight."},
	{Code: "REP002", Severity: checks.Warning, Title: "distribution shift above the warning threshold",
		Doc: "The column's PSI, JS distance or KS statistic against the reference is above its *_warn threshold. Check whether the shift is expected."},
	{Code: "REP003", Severity: checks.Warning, Title: "reference categories missing from training",
		Doc: "Categories present in the reference have no training rows: the model will never have seen them. Collect examples."},
	{Code: "REP004", Severity: checks.Warning, Title: "categories under-represented in training",
		Doc: "Categories whose training share is below under_represented_ratio × their reference share. Collect more or re-weight."},
	{Code: "REP005", Severity: checks.Warning, Title: "share outside its declared target",
		Doc: "A value's training share is outside [target − tolerance, target + tolerance] (checks.representativeness.targets). Re-sample or collect to reach the target."},
	{Code: "REP006", Severity: checks.Error, Title: "required category below its minimum count",
		Doc: "A required category (checks.representativeness.required) has fewer rows than its min_count. Collect examples of it."},
	{Code: "REP007", Severity: checks.Warning, Title: "slices with too few rows",
		Doc: "Combinations of the slice attributes (including combinations with no rows) have fewer than min_slice_rows rows: the model cannot be trained or evaluated reliably on them."},
	{Code: "REP008", Severity: checks.Info, Title: "column or slice not evaluated",
		Doc: "A column was not profiled or compared (absent, unsupported type, too many categories, kinds differ, no values), or slices were not evaluated (too many combinations). The note says which."},
}

// UnderRepresented is one category's training and reference shares.
type UnderRepresented struct {
	Value          string  `json:"value"`
	TrainShare     float64 `json:"train_share"`
	ReferenceShare float64 `json:"reference_share"`
}

// ColumnMetrics is one profiled column.
type ColumnMetrics struct {
	// Kind is categorical, numeric or skipped.
	Kind      string `json:"kind"`
	Rows      int64  `json:"rows"`
	Nulls     int64  `json:"nulls"`
	NonFinite int64  `json:"non_finite"`
	// Distinct is the number of distinct non-null values (categorical).
	Distinct              *int64             `json:"distinct,omitempty"`
	ReferenceRows         *int64             `json:"reference_rows,omitempty"`
	ReferenceNulls        *int64             `json:"reference_nulls,omitempty"`
	PSI                   *float64           `json:"psi,omitempty"`
	JSDistance            *float64           `json:"js_distance,omitempty"`
	Wasserstein           *float64           `json:"wasserstein,omitempty"`
	WassersteinErrorBound *float64           `json:"wasserstein_error_bound,omitempty"`
	KS                    *float64           `json:"ks,omitempty"`
	KSErrorBound          *float64           `json:"ks_error_bound,omitempty"`
	MissingCategories     []string           `json:"missing_categories,omitempty"`
	UnderRepresented      []UnderRepresented `json:"under_represented,omitempty"`
	Note                  string             `json:"note,omitempty"`
}

// TargetMetrics is one declared target share.
type TargetMetrics struct {
	Column      string  `json:"column"`
	Value       string  `json:"value"`
	TargetShare float64 `json:"target_share"`
	Tolerance   float64 `json:"tolerance"`
	TrainShare  float64 `json:"train_share"`
	Rows        int64   `json:"rows"`
	Met         bool    `json:"met"`
}

// RequiredMetrics is one required category.
type RequiredMetrics struct {
	Column   string `json:"column"`
	Value    string `json:"value"`
	MinCount int64  `json:"min_count"`
	Rows     int64  `json:"rows"`
	Met      bool   `json:"met"`
}

// SliceCell is one combination of slice attribute values.
type SliceCell struct {
	Values []string `json:"values"`
	Rows   int64    `json:"rows"`
}

// SliceMetrics is the slice coverage.
type SliceMetrics struct {
	Attributes          []string    `json:"attributes"`
	MinRows             int64       `json:"min_rows"`
	Evaluated           bool        `json:"evaluated"`
	CrossProduct        int64       `json:"cross_product"`
	CombinationsChecked int64       `json:"combinations_checked"`
	UnderCoveredCount   int64       `json:"under_covered_count"`
	UnderCovered        []SliceCell `json:"under_covered"`
	Note                string      `json:"note,omitempty"`
}

// Method states how the approximate numbers are computed.
type Method struct {
	Categorical          string  `json:"categorical"`
	Numeric              string  `json:"numeric"`
	RelativeAccuracy     float64 `json:"relative_accuracy"`
	Epsilon              float64 `json:"epsilon"`
	MaxCategories        int     `json:"max_categories"`
	MaxSliceCombinations int     `json:"max_slice_combinations"`
}

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	ReferencePresent bool                     `json:"reference_present"`
	Rows             int64                    `json:"rows"`
	ReferenceRows    *int64                   `json:"reference_rows,omitempty"`
	Columns          map[string]ColumnMetrics `json:"columns"`
	Targets          []TargetMetrics          `json:"targets"`
	Required         []RequiredMetrics        `json:"required"`
	Slices           *SliceMetrics            `json:"slices,omitempty"`
	Method           Method                   `json:"method"`
}

// columns is the Columns func: configured columns (or the features) plus
// every column named in targets, required and slices, sorted.
func columns(c any, env checks.Env) []string {
	cfg, ok := c.(*Config)
	if !ok {
		return []string{}
	}
	return wanted(cfg, env.Roles)
}

func wanted(cfg *Config, roles checks.Roles) []string {
	set := map[string]bool{}
	base := cfg.Columns
	if len(base) == 0 {
		base = roles.Features
	}
	for _, n := range base {
		set[n] = true
	}
	for n := range cfg.Targets {
		set[n] = true
	}
	for n := range cfg.Required {
		set[n] = true
	}
	for _, n := range cfg.Slices {
		set[n] = true
	}
	// Never nil: nil would mean every column.
	return append([]string{}, slices.Sorted(maps.Keys(set))...)
}

// class is how a column's type is profiled.
type class uint8

const (
	clsSkip    class = iota
	clsCat           // categorical only: string, bool, dictionary, null
	clsInt           // integer: categorical while few values, and a sketch
	clsNumeric       // float, decimal: a sketch
)

func classify(t arrow.DataType) class {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BOOL, arrow.DICTIONARY, arrow.NULL:
		return clsCat
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return clsInt
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return clsNumeric
	}
	return clsSkip
}

// profile is one column's profile.
type profile struct {
	name      string
	idx       int // -1 when absent from the schema
	cls       class
	typ       string
	rows      int64
	nulls     int64
	nonFinite int64
	// cats counts each value (as text) while the column has at most
	// maxCats distinct values; after that (overflow) only the declared
	// values (targets, required) are kept, so those stay exact.
	cats     map[string]int64
	overflow bool
	declared map[string]bool
	sketch   *ddsketch.DDSketch
	// sketched says values go into sketch: only when the profile will be
	// compared (a reference run, or a training run given one). Otherwise
	// no metric reads the sketch, and a value is only checked for what the
	// sketch would refuse (counted in nonFinite), which is much cheaper
	// than the logarithm indexing it takes (0.4 s of CPU at 10M rows).
	sketched bool
	// maxTracked is the sketch's MaxIndexableValue, read once: the sketch
	// answers it through an interface, and trackable asks per value.
	maxTracked float64
	// intCounts (an *intCounter[T] for the column's integer type T) holds
	// integer counts not yet in cats, across batches: see observeInts.
	intCounts interface{ flush(*profile, int) }
	// scratch, per batch
	cache      *[strCacheSize]strCount // observeStrings', empty between batches
	dictCounts []int64
}

type state struct {
	cfg      *Config
	maxCats  int
	maxSlice int
	rows     int64
	cols     []*profile // sorted by name
	byName   map[string]*profile
	ref      *state
	notes    map[string]string // column → why it is not profiled
	// slices
	sliceIdx      []int             // schema index per slice attribute, -1 absent
	sliceCells    map[string]*int64 // pointers: incrementing needs no key string
	sliceOverflow bool
	sliceKey      []byte
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("representativeness: config is %T, want *representativeness.Config", c)
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	s := &state{cfg: cfg, maxCats: cfg.MaxCategories, maxSlice: cfg.MaxSliceCombinations,
		byName: map[string]*profile{}, notes: map[string]string{}}
	if s.maxCats <= 0 {
		s.maxCats = DefaultMaxCategories
	}
	if s.maxSlice <= 0 {
		s.maxSlice = DefaultMaxSliceCombinations
	}
	if env.Reference != nil {
		ref, ok := env.Reference.(*state)
		if !ok {
			return nil, fmt.Errorf("representativeness: reference state is %T, want a representativeness state", env.Reference)
		}
		s.ref = ref
	}
	if env.Schema == nil {
		return nil, fmt.Errorf("representativeness: no schema")
	}
	for _, name := range wanted(cfg, env.Roles) {
		p := &profile{name: name, idx: -1}
		if idx := env.Schema.FieldIndices(name); len(idx) > 0 {
			p.idx = idx[0]
			t := env.Schema.Field(p.idx).Type
			p.typ = t.String()
			p.cls = classify(t)
		} else {
			s.notes[name] = "column is not in the dataset"
		}
		if p.idx >= 0 && p.cls == clsSkip {
			s.notes[name] = "type " + p.typ + " is not profiled"
		}
		for v := range cfg.Targets[name].Shares {
			p.declare(v)
		}
		for v := range cfg.Required[name] {
			p.declare(v)
		}
		if p.cls == clsNumeric && len(p.declared) > 0 {
			s.notes[name] = "targets and required values apply to categorical types only; type " + p.typ + " counts none"
		}
		if p.cls == clsCat || p.cls == clsInt {
			p.cats = map[string]int64{}
		}
		if p.cls == clsInt || p.cls == clsNumeric {
			sk, err := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
			if err != nil {
				return nil, fmt.Errorf("representativeness: new sketch: %w", err)
			}
			p.setSketch(sk, env.ReferenceRun || env.Reference != nil)
		}
		s.cols = append(s.cols, p)
		s.byName[name] = p
	}
	if len(cfg.Slices) > 0 {
		s.sliceCells = map[string]*int64{}
		for _, name := range cfg.Slices {
			idx := -1
			if ii := env.Schema.FieldIndices(name); len(ii) > 0 {
				idx = ii[0]
			}
			s.sliceIdx = append(s.sliceIdx, idx)
		}
	}
	return s, nil
}

func validate(cfg *Config) error {
	for name, t := range cfg.Targets {
		if t.Tolerance < 0 || math.IsNaN(t.Tolerance) {
			return fmt.Errorf("checks.representativeness.targets.%s.tolerance: %v is negative", name, t.Tolerance)
		}
		for v, sh := range t.Shares {
			if sh < 0 || sh > 1 || math.IsNaN(sh) {
				return fmt.Errorf("checks.representativeness.targets.%s.shares: share of %q is %v, want 0–1", name, v, sh)
			}
		}
	}
	if cfg.Epsilon <= 0 {
		return fmt.Errorf("checks.representativeness.epsilon: %v, want > 0", cfg.Epsilon)
	}
	seen := map[string]bool{}
	for _, n := range cfg.Slices {
		if seen[n] {
			return fmt.Errorf("checks.representativeness.slices: %q listed twice", n)
		}
		seen[n] = true
	}
	return nil
}

func (p *profile) declare(v string) {
	if p.declared == nil {
		p.declared = map[string]bool{}
	}
	p.declared[v] = true
}

// add counts n rows of value v (v may alias Arrow memory: cloned on insert).
func (p *profile) add(v string, n int64, maxCats int) {
	if c, ok := p.cats[v]; ok {
		// Assigning to an existing string key stores the key given, so
		// v is copied here too, or the map would keep the batch's bytes.
		p.cats[strings.Clone(v)] = c + n
		return
	}
	if p.overflow && !p.declared[v] {
		return
	}
	p.cats[strings.Clone(v)] = n
	if !p.overflow && len(p.cats) > maxCats {
		p.spill()
	}
}

// spill drops the per-value counts except the declared values'.
func (p *profile) spill() {
	p.overflow = true
	for k := range p.cats {
		if !p.declared[k] {
			delete(p.cats, k)
		}
	}
}

func (p *profile) addFloat(v float64) {
	if !p.sketched {
		if !p.trackable(v) {
			p.nonFinite++
		}
		return
	}
	if err := p.sketch.Add(v); err != nil {
		p.nonFinite++ // NaN, ±Inf or beyond the sketch's range
	}
}

// addFloats adds n rows of value v.
func (p *profile) addFloats(v float64, n int64) {
	if !p.sketched {
		if !p.trackable(v) {
			p.nonFinite += n
		}
		return
	}
	if err := p.sketch.AddWithCount(v, float64(n)); err != nil {
		p.nonFinite += n
	}
}

// setSketch gives p the sketch sk, which values go into when sketched.
func (p *profile) setSketch(sk *ddsketch.DDSketch, sketched bool) {
	p.sketch, p.sketched, p.maxTracked = sk, sketched, sk.MaxIndexableValue()
}

// trackable reports whether the sketch would take v: what
// DDSketch.AddWithCount refuses is NaN and magnitudes beyond its
// MaxIndexableValue (±Inf among them).
func (p *profile) trackable(v float64) bool {
	return v >= -p.maxTracked && v <= p.maxTracked
}

type stringArray interface {
	arrow.Array
	Value(int) string
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	s.rows += rec.NumRows()
	for _, p := range s.cols {
		if p.idx >= 0 {
			s.observe(p, b.Memo, rec)
		}
	}
	if s.sliceCells != nil && !s.sliceOverflow {
		s.observeSlices(rec)
	}
	return nil
}

func (s *state) observe(p *profile, memo *checks.Memo, rec arrow.RecordBatch) {
	arr := rec.Column(p.idx)
	n := arr.Len()
	p.rows += int64(n)
	if arr.DataType().ID() == arrow.NULL {
		p.nulls += int64(n)
		return
	}
	if _, ok := arr.(*array.Dictionary); !ok {
		p.nulls += int64(arr.NullN())
	}
	if p.cls == clsSkip {
		return
	}
	valid := checks.ValidityOf(arr)
	switch a := arr.(type) {
	case *array.String, *array.LargeString, *array.StringView:
		if p.overflow && len(p.declared) == 0 {
			// Nothing the column holds can be counted any more: it is
			// not read at all.
			break
		}
		if sc := memo.StrCodes(rec, p.idx); sc != nil {
			s.observeCodes(p, sc, memo.CodeCounts(rec, p.idx))
			break
		}
		strs, _ := checks.StringsOf(a)
		observeStrings(p, valid, &strs, s.maxCats)
	case *array.Boolean:
		t := countTrue(a)
		f := int64(n-a.NullN()) - t
		if t > 0 {
			p.add("true", t, s.maxCats)
		}
		if f > 0 {
			p.add("false", f, s.maxCats)
		}
	case *array.Dictionary:
		s.observeDictionary(p, a)
	case *array.Int8:
		observeInts(p, a.Int8Values(), valid, s.maxCats)
	case *array.Int16:
		observeInts(p, a.Int16Values(), valid, s.maxCats)
	case *array.Int32:
		observeInts(p, a.Int32Values(), valid, s.maxCats)
	case *array.Int64:
		observeInts(p, a.Int64Values(), valid, s.maxCats)
	case *array.Uint8:
		observeInts(p, a.Uint8Values(), valid, s.maxCats)
	case *array.Uint16:
		observeInts(p, a.Uint16Values(), valid, s.maxCats)
	case *array.Uint32:
		observeInts(p, a.Uint32Values(), valid, s.maxCats)
	case *array.Uint64:
		observeInts(p, a.Uint64Values(), valid, s.maxCats)
	case *array.Float16:
		for i := range n {
			if !valid.Null(i) {
				p.addFloat(float64(a.Value(i).Float32()))
			}
		}
	case *array.Float32:
		for i, v := range a.Float32Values() {
			if !valid.Null(i) {
				p.addFloat(float64(v))
			}
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			if !valid.Null(i) {
				p.addFloat(v)
			}
		}
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		for i := range n {
			if !valid.Null(i) {
				p.addFloat(rowhash.DecimalFloat(a.Value(i), scale))
			}
		}
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		for i := range n {
			if !valid.Null(i) {
				p.addFloat(rowhash.Decimal256Float(a.Value(i), scale))
			}
		}
	}
}

// strCacheSize is the number of slots of a profile's string cache.
const (
	strCacheBits = 10
	strCacheSize = 1 << strCacheBits
)

// strCount is a string value of the current batch and how many of its rows
// have it.
type strCount struct {
	v string // points into the batch: flushed and cleared before Observe returns
	n int64
}

// observeStrings counts a string column's values (observe does not call
// it once the column has overflowed with no declared values): rows are
// counted per distinct text in a small cache and each text is added to the map once per batch (or when
// its slot is taken by another text). What the profile ends the batch with
// — the counts kept, whether the column overflowed — depends only on the
// values and their counts, not on the order they reach add.
func observeStrings(p *profile, valid checks.Validity, strs *checks.Strings, maxCats int) {
	if p.cache == nil {
		p.cache = new([strCacheSize]strCount)
	}
	cache := p.cache
	for i := range strs.Len() {
		if valid.Null(i) {
			continue
		}
		v := strs.At(i)
		e := &cache[checks.StrSlot(v, strCacheBits)]
		if e.n > 0 && e.v == v {
			e.n++
			continue
		}
		if e.n > 0 {
			p.add(e.v, e.n, maxCats)
		}
		*e = strCount{v: v, n: 1}
	}
	for i := range cache {
		if e := &cache[i]; e.n > 0 {
			p.add(e.v, e.n, maxCats)
			*e = strCount{}
		}
	}
}

// observeCodes is observeStrings from the column's codes
// ([checks.Memo.StrCodes]) and their counts ([checks.Memo.CodeCounts],
// shared with the missing check): each value is added once with its
// count.
func (s *state) observeCodes(p *profile, sc *checks.StrCodes, counts []int64) {
	for k, v := range sc.Values {
		p.add(v, counts[k], s.maxCats)
	}
}

// observeInts counts an integer column's values. While the column has not
// overflowed, the counts stay integers across batches (intCounter) and
// become text only when the profile is read (flushInts, from Merge and
// Result) or when the column has more distinct values than maxCats: a
// column of a few hundred values no longer makes and looks up the text of
// each of them once per batch. Once it has overflowed with declared values,
// each batch's counts are flushed at the end of the batch, so only the
// declared values' texts are kept.
func observeInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](p *profile, vals []T, valid checks.Validity, maxCats int) {
	count := !p.overflow || len(p.declared) > 0
	if !count {
		if !p.sketched {
			return // an integer is always trackable
		}
		for i, v := range vals {
			if !valid.Null(i) {
				p.addFloat(float64(v))
			}
		}
		return
	}
	c, _ := p.intCounts.(*intCounter[T])
	if c == nil {
		p.flushInts(maxCats) // a counter of another integer type
		c = &intCounter[T]{large: map[T]int64{}}
		p.intCounts = c
	}
	c.count(vals, valid)
	if p.overflow || c.distinct > maxCats {
		p.flushInts(maxCats)
	}
}

// smallInts is the number of values, 0 to smallInts-1, an intCounter
// counts in an array rather than a map: a map increment took about 15 ns,
// and most integer columns with few values (ages, counts, codes, years)
// have small non-negative ones.
const smallInts = 4096

// intCounter counts an integer column's values, not yet added to the
// profile's per-value text counts.
type intCounter[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64] struct {
	small    []int64 // small[v]: rows of value v, for 0 <= v < smallInts
	large    map[T]int64
	distinct int // values counted: non-zero entries of small, and large's keys
}

func (c *intCounter[T]) count(vals []T, valid checks.Validity) {
	for i, v := range vals {
		if valid.Null(i) {
			continue
		}
		// A negative v converts to a uint64 past smallInts.
		if u := uint64(v); u < smallInts {
			if c.small == nil {
				c.small = make([]int64, smallInts)
			}
			if c.small[u] == 0 {
				c.distinct++
			}
			c.small[u]++
			continue
		}
		n := c.large[v]
		if n == 0 {
			c.distinct++
		}
		c.large[v] = n + 1
	}
}

// flush adds the counts to p, in ascending order of value, and clears them.
func (c *intCounter[T]) flush(p *profile, maxCats int) {
	if c.distinct == 0 {
		return
	}
	var neg, pos []T
	for v := range c.large {
		if v < 0 {
			neg = append(neg, v)
		} else {
			pos = append(pos, v)
		}
	}
	slices.Sort(neg)
	slices.Sort(pos)
	for _, v := range neg {
		p.addInt(int64(v), c.large[v], maxCats)
	}
	for v, n := range c.small {
		if n > 0 {
			p.addUint(uint64(v), n, maxCats)
			c.small[v] = 0
		}
	}
	for _, v := range pos {
		p.addUint(uint64(v), c.large[v], maxCats)
	}
	clear(c.large)
	c.distinct = 0
}

// addInt and addUint add n rows of an integer value to the sketch and, as
// its text, to the counts. The sketch takes each value once with its count:
// its bins hold float64 sums of whole numbers, exact either way.
func (p *profile) addInt(v, n int64, maxCats int) {
	var buf [24]byte
	p.addIntText(float64(v), strconv.AppendInt(buf[:0], v, 10), n, maxCats)
}

func (p *profile) addUint(v uint64, n int64, maxCats int) {
	var buf [24]byte
	p.addIntText(float64(v), strconv.AppendUint(buf[:0], v, 10), n, maxCats)
}

func (p *profile) addIntText(f float64, txt []byte, n int64, maxCats int) {
	p.addFloats(f, n)
	if c, ok := p.cats[string(txt)]; ok {
		p.cats[string(txt)] = c + n
	} else {
		p.add(string(txt), n, maxCats)
	}
}

// flushInts adds the integer counts not yet added to the profile's counts
// (see observeInts); a profile is read only after it.
func (p *profile) flushInts(maxCats int) {
	if p.intCounts != nil {
		p.intCounts.flush(p, maxCats)
	}
}

// flushInts flushes every profile's integer counts.
func (s *state) flushInts() {
	for _, p := range s.cols {
		p.flushInts(s.maxCats)
	}
}

// observeDictionary counts per dictionary index, then per value text. A row
// whose dictionary value is null is a null.
func (s *state) observeDictionary(p *profile, a *array.Dictionary) {
	dict := a.Dictionary()
	if cap(p.dictCounts) < dict.Len() {
		p.dictCounts = make([]int64, dict.Len())
	}
	counts := p.dictCounts[:dict.Len()]
	clear(counts)
	valid := checks.ValidityOf(a)
	switch x := a.Indices().(type) {
	case *array.Int8:
		p.nulls += countIndices(counts, x.Int8Values(), valid)
	case *array.Int16:
		p.nulls += countIndices(counts, x.Int16Values(), valid)
	case *array.Int32:
		p.nulls += countIndices(counts, x.Int32Values(), valid)
	case *array.Int64:
		p.nulls += countIndices(counts, x.Int64Values(), valid)
	case *array.Uint8:
		p.nulls += countIndices(counts, x.Uint8Values(), valid)
	case *array.Uint16:
		p.nulls += countIndices(counts, x.Uint16Values(), valid)
	case *array.Uint32:
		p.nulls += countIndices(counts, x.Uint32Values(), valid)
	case *array.Uint64:
		p.nulls += countIndices(counts, x.Uint64Values(), valid)
	default:
		for i := range a.Len() {
			if a.IsNull(i) {
				p.nulls++
				continue
			}
			counts[a.GetValueIndex(i)]++
		}
	}
	for j, c := range counts {
		if c == 0 {
			continue
		}
		v, ok := labels.Text(dict, j)
		if !ok {
			p.nulls += c
			continue
		}
		p.add(v, c, s.maxCats)
	}
}

// countIndices counts the rows of each dictionary index in counts, reading
// the typed indices directly, and returns the number of null rows.
func countIndices[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](counts []int64, idx []T, valid checks.Validity) int64 {
	var nulls int64
	for i, j := range idx {
		if valid.Null(i) {
			nulls++ // its index may be anything: never read
			continue
		}
		counts[j]++
	}
	return nulls
}

// observeSlices counts rows per combination of slice values. The key is the
// values, each prefixed with its length, so that no value can fake a
// separator.
func (s *state) observeSlices(rec arrow.RecordBatch) {
	arrs := make([]arrow.Array, len(s.sliceIdx))
	for k, idx := range s.sliceIdx {
		if idx >= 0 {
			arrs[k] = rec.Column(idx)
		}
	}
	for i := range int(rec.NumRows()) {
		key := s.sliceKey[:0]
		for _, a := range arrs {
			v := NullValue
			if a != nil {
				if t, ok := labels.Text(a, i); ok {
					v = t
				}
			}
			key = strconv.AppendInt(key, int64(len(v)), 10)
			key = append(key, ':')
			key = append(key, v...)
		}
		s.sliceKey = key
		if c := s.sliceCells[string(key)]; c != nil {
			*c++
			continue
		}
		one := int64(1)
		s.sliceCells[string(key)] = &one
		if len(s.sliceCells) > s.maxSlice {
			s.sliceOverflow = true
			s.sliceCells = map[string]*int64{}
			return
		}
	}
}

func decodeKey(k string) []string {
	var out []string
	for len(k) > 0 {
		c := strings.IndexByte(k, ':')
		n, _ := strconv.Atoi(k[:c])
		out = append(out, k[c+1:c+1+n])
		k = k[c+1+n:]
	}
	return out
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into representativeness state", o)
	}
	if len(other.cols) != len(s.cols) || len(other.sliceIdx) != len(s.sliceIdx) {
		return fmt.Errorf("merge representativeness states over different columns")
	}
	s.flushInts()
	other.flushInts()
	for i, p := range s.cols {
		q := other.cols[i]
		if q.name != p.name || q.cls != p.cls {
			return fmt.Errorf("merge representativeness states over different columns %q and %q", p.name, q.name)
		}
		p.rows += q.rows
		p.nulls += q.nulls
		p.nonFinite += q.nonFinite
		if p.cats != nil {
			spilled := p.overflow || q.overflow
			for k, c := range q.cats {
				p.cats[k] += c
			}
			if spilled || len(p.cats) > s.maxCats {
				p.spill()
			}
		}
		if p.sketch != nil {
			if err := p.sketch.MergeWith(q.sketch); err != nil {
				return fmt.Errorf("merge sketches of column %q: %w", p.name, err)
			}
		}
	}
	s.rows += other.rows
	if s.sliceCells != nil {
		if other.sliceOverflow {
			s.sliceOverflow = true
		}
		if !s.sliceOverflow {
			for k, c := range other.sliceCells {
				if mine := s.sliceCells[k]; mine != nil {
					*mine += *c
				} else {
					v := *c
					s.sliceCells[k] = &v
				}
			}
			if len(s.sliceCells) > s.maxSlice {
				s.sliceOverflow = true
			}
		}
		if s.sliceOverflow {
			s.sliceCells = map[string]*int64{}
		}
	}
	return nil
}

// kind is how a column is reported: categorical while its counts are
// complete, numeric when it has a sketch, else skipped.
func (p *profile) kind() string {
	switch {
	case p.idx < 0 || p.cls == clsSkip:
		return "skipped"
	case p.cats != nil && !p.overflow:
		return "categorical"
	case p.sketch != nil:
		return "numeric"
	}
	return "skipped"
}

func (p *profile) nonNull() int64 {
	var t int64
	for _, c := range p.cats {
		t += c
	}
	return t
}

type findings struct {
	list   []checks.Finding
	status checks.Status
}

func (f *findings) add(st checks.Status, x checks.Finding) {
	f.list = append(f.list, x)
	if st == checks.Fail || (st == checks.Warn && f.status == checks.Pass) {
		f.status = st
	}
}

func (s *state) setting(key string) string { return "checks.representativeness." + key }

func (s *state) Result() (checks.Result, error) {
	s.flushInts()
	if s.ref != nil {
		s.ref.flushInts()
	}
	cfg := s.cfg
	m := Metrics{ReferencePresent: s.ref != nil, Rows: s.rows, Columns: map[string]ColumnMetrics{},
		Targets: []TargetMetrics{}, Required: []RequiredMetrics{},
		Method: Method{
			Categorical:          "exact counts per value; psi with zero shares replaced by epsilon; js_distance = sqrt(Jensen-Shannon divergence, log2)",
			Numeric:              "DDSketch (logarithmic mapping); wasserstein and ks from the two sketches' bins: ks is exact at bin boundaries (true KS in [ks, ks+ks_error_bound]); |wasserstein - exact| <= wasserstein_error_bound",
			RelativeAccuracy:     RelativeAccuracy,
			Epsilon:              cfg.Epsilon,
			MaxCategories:        s.maxCats,
			MaxSliceCombinations: s.maxSlice,
		}}
	if s.ref != nil {
		m.ReferenceRows = checks.Int(s.ref.rows)
	}
	f := &findings{status: checks.Pass}
	var components []float64
	var drift []float64

	for _, p := range s.cols {
		cm := ColumnMetrics{Kind: p.kind(), Rows: p.rows, Nulls: p.nulls, NonFinite: p.nonFinite, Note: s.notes[p.name]}
		if cm.Kind == "categorical" {
			cm.Distinct = checks.Int(int64(len(p.cats)))
		}
		if p.idx >= 0 && p.cls != clsSkip && cm.Kind == "skipped" {
			cm.Note = fmt.Sprintf("more than %d distinct values: not profiled", s.maxCats)
		}
		if s.ref != nil && s.rows > 0 {
			if d, ok := s.compare(p, &cm, f); ok {
				drift = append(drift, d)
			}
		}
		if cm.Note != "" && (s.ref != nil || cm.Kind == "skipped") {
			f.add(checks.Pass, checks.Finding{Code: "REP008", Severity: checks.Info, Column: p.name,
				Message: fmt.Sprintf("column %q: %s", p.name, cm.Note)})
		}
		m.Columns[p.name] = cm
	}
	if len(drift) > 0 {
		sum := 0.0
		for _, d := range drift {
			sum += d
		}
		components = append(components, 1-sum/float64(len(drift)))
	}

	// Targets.
	if len(cfg.Targets) > 0 && s.rows > 0 {
		met, total := 0, 0
		for _, name := range slices.Sorted(maps.Keys(cfg.Targets)) {
			t := cfg.Targets[name]
			p := s.byName[name]
			nn := p.rows - p.nulls
			for _, v := range slices.Sorted(maps.Keys(t.Shares)) {
				want := t.Shares[v]
				rows := p.cats[v]
				share := 0.0
				if nn > 0 {
					share = float64(rows) / float64(nn)
				}
				lo, hi := want-t.Tolerance, want+t.Tolerance
				ok := share >= lo && share <= hi
				total++
				m.Targets = append(m.Targets, TargetMetrics{Column: name, Value: v, TargetShare: want, Tolerance: t.Tolerance, TrainShare: share, Rows: rows, Met: ok})
				if ok {
					met++
					continue
				}
				th, side := lo, "below"
				if share > hi {
					th, side = hi, "above"
				}
				f.add(checks.Warn, checks.Finding{Code: "REP005", Severity: checks.Warning, Column: name,
					Message: fmt.Sprintf("column %q value %q is %.2f%% of rows (%d), %s its target %.2f%% ± %.2f%%", name, v, 100*share, rows, side, 100*want, 100*t.Tolerance),
					Value:   checks.Float(share), Threshold: checks.Float(th), Setting: s.setting("targets." + name + ".tolerance"), Rows: checks.Int(rows)})
			}
		}
		if total > 0 {
			components = append(components, float64(met)/float64(total))
		}
	}

	// Required categories.
	if len(cfg.Required) > 0 && s.rows > 0 {
		met, total := 0, 0
		for _, name := range slices.Sorted(maps.Keys(cfg.Required)) {
			p := s.byName[name]
			for _, v := range slices.Sorted(maps.Keys(cfg.Required[name])) {
				minCount := cfg.Required[name][v]
				rows := p.cats[v]
				ok := rows >= minCount
				total++
				m.Required = append(m.Required, RequiredMetrics{Column: name, Value: v, MinCount: minCount, Rows: rows, Met: ok})
				if ok {
					met++
					continue
				}
				f.add(checks.Fail, checks.Finding{Code: "REP006", Severity: checks.Error, Column: name,
					Message: fmt.Sprintf("column %q: required value %q has %d rows, fewer than the minimum %d", name, v, rows, minCount),
					Value:   checks.Float(float64(rows)), Threshold: checks.Float(float64(minCount)), Setting: s.setting("required." + name), Rows: checks.Int(rows)})
			}
		}
		if total > 0 {
			components = append(components, float64(met)/float64(total))
		}
	}

	// Slices.
	if len(cfg.Slices) > 0 && s.rows > 0 {
		sm := s.sliceCoverage(f)
		m.Slices = sm
		if sm.Evaluated && sm.CombinationsChecked > 0 {
			components = append(components, 1-float64(sm.UnderCoveredCount)/float64(sm.CombinationsChecked))
		}
	}

	sort.SliceStable(f.list, func(i, j int) bool { return f.list[i].Code < f.list[j].Code })
	if s.rows == 0 || len(components) == 0 {
		msg := "nothing to compare against: no reference dataset, targets, required categories or slices"
		switch {
		case s.rows == 0:
			msg = "the dataset has no rows"
		case s.ref != nil || len(cfg.Targets) > 0 || len(cfg.Required) > 0 || len(cfg.Slices) > 0:
			msg = "nothing could be compared: no column profiled in both datasets and no target, required category or slice evaluated"
		}
		fs := append([]checks.Finding{{Code: "REP000", Severity: checks.Info, Message: msg}}, f.list...)
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, fs)
	}
	sum := 0.0
	for _, c := range components {
		sum += c
	}
	score := math.Round(100*sum/float64(len(components))*100) / 100
	return checks.NewResult(Check.Name, f.status, &score, m, f.list)
}

// compare fills cm with the comparison of p with the reference's profile of
// the same column, adds findings, and returns the column's drift component.
func (s *state) compare(p *profile, cm *ColumnMetrics, f *findings) (float64, bool) {
	q := s.ref.byName[p.name]
	if q == nil || q.idx < 0 {
		if cm.Note == "" {
			cm.Note = "column is not profiled in the reference"
		}
		return 0, false
	}
	cm.ReferenceRows = checks.Int(q.rows)
	cm.ReferenceNulls = checks.Int(q.nulls)
	kt, kr := p.kind(), q.kind()
	switch {
	case kt == "skipped" || kr == "skipped":
		if cm.Note == "" {
			cm.Note = "not compared: the reference profile is skipped (" + s.ref.noteOf(q) + ")"
		}
		return 0, false
	case kt == "categorical" && kr == "categorical":
		return s.compareCategorical(p, q, cm, f)
	case p.sketch != nil && q.sketch != nil:
		return s.compareNumeric(p, q, cm, f)
	}
	cm.Note = fmt.Sprintf("not compared: %s in training, %s in the reference", kt, kr)
	return 0, false
}

func (s *state) noteOf(p *profile) string {
	if n := s.notes[p.name]; n != "" {
		return n
	}
	return fmt.Sprintf("more than %d distinct values", s.maxCats)
}

func (s *state) compareCategorical(p, q *profile, cm *ColumnMetrics, f *findings) (float64, bool) {
	tt, rt := p.nonNull(), q.nonNull()
	if tt == 0 || rt == 0 {
		cm.Note = "not compared: no non-null values in one of the datasets"
		return 0, false
	}
	keys := map[string]bool{}
	for k := range p.cats {
		keys[k] = true
	}
	for k := range q.cats {
		keys[k] = true
	}
	eps := s.cfg.Epsilon
	psi, jsd := 0.0, 0.0
	var under []UnderRepresented
	missing := []string{}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a := float64(p.cats[k]) / float64(tt)
		b := float64(q.cats[k]) / float64(rt)
		ae, be := a, b
		if ae == 0 {
			ae = eps
		}
		if be == 0 {
			be = eps
		}
		psi += (ae - be) * math.Log(ae/be)
		mid := (a + b) / 2
		if a > 0 {
			jsd += 0.5 * a * math.Log2(a/mid)
		}
		if b > 0 {
			jsd += 0.5 * b * math.Log2(b/mid)
		}
		switch {
		case b > 0 && a == 0:
			missing = append(missing, k)
		case b > 0 && a < s.cfg.UnderRepresentedRatio*b:
			under = append(under, UnderRepresented{Value: k, TrainShare: a, ReferenceShare: b})
		}
	}
	js := math.Sqrt(max(0, jsd))
	cm.PSI, cm.JSDistance = checks.Float(psi), checks.Float(js)
	sort.SliceStable(under, func(i, j int) bool {
		return cmp.Or(cmp.Compare(under[j].ReferenceShare, under[i].ReferenceShare), cmp.Compare(under[i].Value, under[j].Value)) < 0
	})
	cm.MissingCategories, cm.UnderRepresented = missing, under
	if cm.UnderRepresented == nil {
		cm.UnderRepresented = []UnderRepresented{}
	}
	s.shiftFinding(p.name, "psi", "PSI", psi, s.cfg.PSIWarn, s.cfg.PSIFail, f)
	s.shiftFinding(p.name, "js", "JS distance", js, s.cfg.JSWarn, s.cfg.JSFail, f)
	if len(missing) > 0 {
		f.add(checks.Warn, checks.Finding{Code: "REP003", Severity: checks.Warning, Column: p.name,
			Message: fmt.Sprintf("column %q: %s of the reference %s no training rows: %s", p.name, plural(len(missing), "category", "categories"), verb(len(missing)), list(missing)),
			Value:   checks.Float(float64(len(missing))), Threshold: checks.Float(0)})
	}
	if len(under) > 0 {
		parts := make([]string, 0, 5)
		for _, u := range under[:min(5, len(under))] {
			parts = append(parts, fmt.Sprintf("%q %.2f%% vs %.2f%%", u.Value, 100*u.TrainShare, 100*u.ReferenceShare))
		}
		more := ""
		if len(under) > 5 {
			more = fmt.Sprintf(" and %d more", len(under)-5)
		}
		f.add(checks.Warn, checks.Finding{Code: "REP004", Severity: checks.Warning, Column: p.name,
			Message: fmt.Sprintf("column %q: %s under-represented in training (training vs reference share): %s%s", p.name, plural(len(under), "category is", "categories are"), strings.Join(parts, ", "), more),
			Value:   checks.Float(float64(len(under))), Threshold: checks.Float(s.cfg.UnderRepresentedRatio), Setting: s.setting("under_represented_ratio")})
	}
	return min(1, psi/s.cfg.PSIFail), true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func verb(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func list(vs []string) string {
	q := make([]string, 0, 5)
	for _, v := range vs[:min(5, len(vs))] {
		q = append(q, strconv.Quote(v))
	}
	out := strings.Join(q, ", ")
	if len(vs) > 5 {
		out += fmt.Sprintf(" and %d more", len(vs)-5)
	}
	return out
}

func (s *state) shiftFinding(col, key, label string, v, warn, fail float64, f *findings) {
	switch {
	case v > fail:
		f.add(checks.Fail, checks.Finding{Code: "REP001", Severity: checks.Error, Column: col,
			Message: fmt.Sprintf("column %q: %s %.4f against the reference, above the fail threshold %g", col, label, v, fail),
			Value:   checks.Float(v), Threshold: checks.Float(fail), Setting: s.setting(key + "_fail")})
	case v > warn:
		f.add(checks.Warn, checks.Finding{Code: "REP002", Severity: checks.Warning, Column: col,
			Message: fmt.Sprintf("column %q: %s %.4f against the reference, above the warning threshold %g", col, label, v, warn),
			Value:   checks.Float(v), Threshold: checks.Float(warn), Setting: s.setting(key + "_warn")})
	}
}

// bin is one sketch bin: the interval [lo, hi] its values lie in, its
// representative value and its count.
type bin struct {
	lo, value, hi float64
	count         float64
}

// bins lists a sketch's non-empty bins in ascending order of value.
func bins(sk *ddsketch.DDSketch) []bin {
	var out []bin
	sk.GetNegativeValueStore().ForEach(func(index int, count float64) bool {
		if count > 0 {
			out = append(out, bin{-sk.LowerBound(index + 1), -sk.Value(index), -sk.LowerBound(index), count})
		}
		return false
	})
	if z := sk.GetZeroCount(); z > 0 {
		m := sk.MinIndexableValue()
		out = append(out, bin{-m, 0, m, z})
	}
	sk.GetPositiveValueStore().ForEach(func(index int, count float64) bool {
		if count > 0 {
			out = append(out, bin{sk.LowerBound(index), sk.Value(index), sk.LowerBound(index + 1), count})
		}
		return false
	})
	sort.Slice(out, func(i, j int) bool { return out[i].value < out[j].value })
	return out
}

// distances are what sketchDistances measures between two sketched
// distributions, with their error bounds.
type distances struct {
	w1, w1Bound, ks, ksBound float64
}

// sketchDistances computes W1 and KS between two sketches built with the
// same mapping: their bins are the same intervals, so walking the union of
// their bins in order gives both CDFs exactly at every bin's boundaries.
//
// W1 is ∫|F_a − F_b| with every value moved to its bin's representative
// value. Two bounds hold for its error, and the smaller is reported:
// moving each value by at most α|v| moves W1 by at most
// α/(1−α)·(mean|x̂_a| + mean|x̂_b|); and, since both CDFs are known exactly
// outside the bins and are monotone inside them, the exact W1 lies in
// [lower, upper], the integral of the least and the largest |F_a − F_b|
// each bin allows.
func sketchDistances(a, b *ddsketch.DDSketch) distances {
	ba, bb := bins(a), bins(b)
	var ta, tb, absA, absB float64
	for _, x := range ba {
		ta += x.count
		absA += math.Abs(x.value) * x.count
	}
	for _, x := range bb {
		tb += x.count
		absB += math.Abs(x.value) * x.count
	}
	// Merge the two bin lists into one list of intervals with the counts of
	// both.
	type step struct {
		bin
		ca, cb float64
	}
	var steps []step
	for i, j := 0, 0; i < len(ba) || j < len(bb); {
		switch {
		case j >= len(bb) || (i < len(ba) && ba[i].value < bb[j].value):
			steps = append(steps, step{ba[i], ba[i].count, 0})
			i++
		case i >= len(ba) || bb[j].value < ba[i].value:
			steps = append(steps, step{bb[j], 0, bb[j].count})
			j++
		default:
			steps = append(steps, step{ba[i], ba[i].count, bb[j].count})
			i++
			j++
		}
	}
	var d distances
	var ca, cb float64 // cumulative counts
	var prevFa, prevFb float64
	var lower, upper float64
	for k, st := range steps {
		ca += st.ca
		cb += st.cb
		fa, fb := ca/ta, cb/tb
		diff := math.Abs(fa - fb)
		d.ks = max(d.ks, diff)
		// Inside this bin F_a − F_b lies between these two ends.
		e1, e2 := prevFa-fb, fa-prevFb
		hiAbs := max(math.Abs(e1), math.Abs(e2))
		loAbs := 0.0
		if (e1 > 0) == (e2 > 0) && e1 != 0 && e2 != 0 {
			loAbs = min(math.Abs(e1), math.Abs(e2))
		}
		d.ksBound = max(d.ksBound, hiAbs)
		w := st.hi - st.lo
		lower += w * loAbs
		upper += w * hiAbs
		if k+1 < len(steps) {
			next := steps[k+1]
			d.w1 += diff * (next.value - st.value)
			gap := max(0, next.lo-st.hi)
			lower += gap * diff
			upper += gap * diff
		}
		prevFa, prevFb = fa, fb
	}
	d.ksBound = max(d.ksBound, d.ks) - d.ks
	alpha := RelativeAccuracy
	byAccuracy := alpha / (1 - alpha) * (absA/ta + absB/tb)
	byBins := max(d.w1-lower, upper-d.w1, 0)
	d.w1Bound = min(byAccuracy, byBins)
	return d
}

func (s *state) compareNumeric(p, q *profile, cm *ColumnMetrics, f *findings) (float64, bool) {
	if p.sketch.IsEmpty() || q.sketch.IsEmpty() {
		cm.Note = "not compared: no finite values in one of the datasets"
		return 0, false
	}
	cm.Kind = "numeric"
	cm.Distinct = nil
	d := sketchDistances(p.sketch, q.sketch)
	for _, v := range []float64{d.w1, d.w1Bound, d.ks, d.ksBound} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			cm.Note = "not compared: values too large for the distances to be computed in float64"
			return 0, false
		}
	}
	cm.Wasserstein, cm.WassersteinErrorBound = checks.Float(d.w1), checks.Float(d.w1Bound)
	cm.KS, cm.KSErrorBound = checks.Float(d.ks), checks.Float(d.ksBound)
	s.shiftFinding(p.name, "ks", "KS statistic", d.ks, s.cfg.KSWarn, s.cfg.KSFail, f)
	return min(1, d.ks/s.cfg.KSFail), true
}

// sliceCoverage evaluates slice coverage over the cross product of observed values.
func (s *state) sliceCoverage(f *findings) *SliceMetrics {
	cfg := s.cfg
	sm := &SliceMetrics{Attributes: append([]string{}, cfg.Slices...), MinRows: cfg.MinSliceRows, UnderCovered: []SliceCell{}}
	notEvaluated := func(note string) *SliceMetrics {
		sm.Note = note
		f.add(checks.Pass, checks.Finding{Code: "REP008", Severity: checks.Info, Message: "slices not evaluated: " + note,
			Setting: s.setting("max_slice_combinations")})
		return sm
	}
	if s.sliceOverflow {
		return notEvaluated(fmt.Sprintf("more than %d distinct combinations observed", s.maxSlice))
	}
	values := make([]map[string]bool, len(cfg.Slices))
	for i := range values {
		values[i] = map[string]bool{}
	}
	cells := map[string]int64{}
	for k, c := range s.sliceCells {
		vs := decodeKey(k)
		for i, v := range vs {
			values[i][v] = true
		}
		cells[k] = *c
	}
	cross := int64(1)
	for i, vs := range values {
		if len(vs) > s.maxCats {
			return notEvaluated(fmt.Sprintf("attribute %q has more than %d distinct values", cfg.Slices[i], s.maxCats))
		}
		cross *= int64(len(vs))
		if cross > int64(s.maxSlice) {
			return notEvaluated(fmt.Sprintf("the cross product of observed values exceeds %d combinations", s.maxSlice))
		}
	}
	sm.CrossProduct = cross
	sorted := make([][]string, len(values))
	for i, vs := range values {
		sorted[i] = slices.Sorted(maps.Keys(vs))
	}
	sm.Evaluated = true
	var absent []string
	for i, idx := range s.sliceIdx {
		if idx < 0 {
			absent = append(absent, strconv.Quote(cfg.Slices[i]))
		}
	}
	if len(absent) > 0 {
		sm.Note = "not in the dataset, so every row has the value (null): " + strings.Join(absent, ", ")
	}
	// Walk the cross product in lexicographic order of the sorted values.
	idx := make([]int, len(sorted))
	for range cross {
		combo := make([]string, len(sorted))
		var key []byte
		for i, k := range idx {
			v := sorted[i][k]
			combo[i] = v
			key = strconv.AppendInt(key, int64(len(v)), 10)
			key = append(key, ':')
			key = append(key, v...)
		}
		sm.CombinationsChecked++
		if rows := cells[string(key)]; rows < cfg.MinSliceRows {
			sm.UnderCoveredCount++
			sm.UnderCovered = append(sm.UnderCovered, SliceCell{Values: combo, Rows: rows})
		}
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(sorted[i]) {
				break
			}
			idx[i] = 0
		}
	}
	if sm.UnderCoveredCount > 0 {
		zero := int64(0)
		for _, c := range sm.UnderCovered {
			if c.Rows == 0 {
				zero++
			}
		}
		f.add(checks.Warn, checks.Finding{Code: "REP007", Severity: checks.Warning,
			Message: fmt.Sprintf("%d of %d combinations of %s have fewer than %d rows (%d have none)", sm.UnderCoveredCount, sm.CombinationsChecked, strings.Join(cfg.Slices, " × "), cfg.MinSliceRows, zero),
			Value:   checks.Float(float64(sm.UnderCoveredCount)), Threshold: checks.Float(float64(cfg.MinSliceRows)), Setting: s.setting("min_slice_rows")})
	}
	return sm
}

// countTrue returns how many of a's values are true and not null: the
// bits set in both its values and its validity, counted a byte at a time
// where the array starts on a byte. A value a row, through Value and the
// validity, took 0.05 s of CPU for the 10M-row benchmark's flag column
// (docs/performance.md, 2026-11-30 zg).
func countTrue(a *array.Boolean) int64 {
	n, off := a.Len(), a.Data().Offset()
	bufs := a.Data().Buffers()
	if n == 0 || len(bufs) < 2 || bufs[1] == nil {
		return 0
	}
	vals := bufs[1].Bytes()
	if a.NullN() == 0 {
		return int64(bitutil.CountSetBits(vals, off, n))
	}
	valid := a.NullBitmapBytes()
	if off%8 != 0 || len(valid) == 0 {
		var t int64
		for i := range n {
			if a.IsValid(i) && a.Value(i) {
				t++
			}
		}
		return t
	}
	vals, valid = vals[off/8:], valid[off/8:]
	var t int
	full := n / 8
	for i := range full {
		t += bits.OnesCount8(vals[i] & valid[i])
	}
	if rest := n % 8; rest > 0 {
		t += bits.OnesCount8(vals[full] & valid[full] & (1<<rest - 1))
	}
	return int64(t)
}
