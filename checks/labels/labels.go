// Package labels is the label-consistency check.
//
// It measures, over the label column (role label) and the feature columns
// (role features):
//
//   - conflicting labels: distinct feature vectors seen with two or more
//     distinct non-null labels, and every row of those groups (rows with a
//     null label included); counted exactly over 128-bit logical-value
//     fingerprints ([rowhash]) in the per-row table it shares with the
//     duplicates and balance checks ([rowtable]);
//   - label variants: distinct labels that are the same under
//     [lbl.Normalize] (case, Unicode form, white space, punctuation, a
//     trailing period), such as ">50K" and ">50K.";
//   - the taxonomy, when the policy gives one: labels outside it and labels
//     that matched only through a synonym;
//   - optionally, per annotator (role annotator), rows labelled and rows in
//     conflicting groups.
//
// The conflicts come from the [rowtable] of the audit's worker, shared
// with the duplicates and balance checks: an entry per distinct full row, partitioned by
// the feature vector, which carries the row's label and, as a 61-bit key,
// its annotator, so that each annotator's rows in conflicting groups are
// counted there too. Until 2026-11-27 the check kept a conflict-group
// table of its own (a 48-byte slot appended per row, and every later row
// of a group listed beside it), which balance, with its own table of
// distinct rows, found again.
//
// The full definitions, the status rules and the score formula are in
// packageDoc, printed by `readiness explain labels`.
package labels

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/rowtable"
	lbl "github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.labels`.
type Config struct {
	// WarnRate and FailRate are the conflict rates (conflicting_rows /
	// labelled_rows) above which the check warns and fails.
	WarnRate float64 `yaml:"warn_rate"`
	FailRate float64 `yaml:"fail_rate"`
	// MaxLabels bounds the distinct label values tracked exactly; beyond
	// it the label is reported as continuous or free text and variants
	// and the taxonomy are not evaluated. Conflicts stay exact.
	MaxLabels int `yaml:"max_labels"`
	// MaxListed bounds the entries of each list in the metrics (classes,
	// variant groups, labels outside the taxonomy, synonyms used,
	// annotators); the counts stay exact.
	MaxListed int `yaml:"max_listed"`
	// MaxVariantGroups is the number of variant groups tolerated before
	// the check warns.
	MaxVariantGroups int `yaml:"max_variant_groups"`
	// MaxOutsideRate is the share of labelled rows whose label is outside
	// the taxonomy tolerated before the check warns.
	MaxOutsideRate float64 `yaml:"max_outside_rate"`
	// PenaltyWeight scales the score penalty for rows with a minority
	// variant spelling or a label outside the taxonomy.
	PenaltyWeight float64 `yaml:"penalty_weight"`
	// Taxonomy maps each canonical class to its synonyms; empty means no
	// taxonomy. Matching is under labels.Normalize on both sides.
	Taxonomy map[string][]string `yaml:"taxonomy"`
	// AnnotatorNames shows annotators by their value in the report; by
	// default they are shown by a pseudonym (a hash of the value), since
	// an annotator's name is personal data.
	AnnotatorNames bool `yaml:"annotator_names"`
}

func defaultConfig() any {
	return &Config{WarnRate: 0.01, FailRate: 0.05, MaxLabels: 10000, MaxListed: 100,
		MaxVariantGroups: 0, MaxOutsideRate: 0, PenaltyWeight: 0.5}
}

// Check is the label-consistency check.
var Check = checks.Check{
	Name:          "labels",
	Summary:       "conflicting labels for identical features, label spelling variants, labels outside the taxonomy",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	Columns:       columns,
	New:           newState,
}

const packageDoc = `The label-consistency check reads the label column (role label), the feature
columns (role features, in schema order; the label and annotator columns are
never features) and, when set, the annotator column.

Counts (all exact):
  rows             rows read
  labelled_rows    rows whose label is not null
  null_labels      rows whose label is null (a dictionary entry that is null
                   counts as null)
  distinct_labels  distinct non-null label values, by logical value (1 and
                   1.0 are one label; strings compare byte for byte); null
                   when there are more than checks.labels.max_labels of them
  classes          rows per label, as written, when distinct_labels is at most
                   checks.labels.max_listed (categorical labels only)

Conflicts. A feature group is one distinct feature vector. A group is
conflicting when its rows carry two or more distinct non-null labels.
conflicting_groups counts those groups and conflicting_rows all their rows,
including rows with a null label. conflict_rate = conflicting_rows /
labelled_rows (it can exceed 1 only when conflicting groups hold many rows
without a label). Feature vectors and labels are compared by 128-bit fingerprints
of their logical values (method "exact-fingerprint-128"): a count is wrong
only if two different vectors share a fingerprint, probability below
n²/2^129 for n distinct vectors (under 10^-20 for a billion). Floats compare
by value, every NaN is one value and null equals null, so two rows whose
features are both null in the same columns are the same vector. Decimals
compare by their float64 value (exact to 15 significant digits). With no
feature column the conflicts are not measured (conflicts_measured false).

Variants (string and binary labels only: for numbers, dates and booleans the
spelling is fixed by the type). Two or more distinct labels with the same
normalised form (NFKC,
lower case, punctuation removed, white space collapsed: ">50K", ">50K." and
" >50k" are one group; "<=50K" is another) form a variant group. Members are
listed most rows first; variant_rows counts the rows of every member but the
most common one (the rows a fix would relabel).

Taxonomy (checks.labels.taxonomy: canonical class → synonyms). Every distinct
label (as text: integers in decimal, booleans as true/false, dates and times in
RFC 3339) is matched, under the same normalisation, against the class names,
then the synonyms; mind that normalisation drops punctuation, so the integer
label -1 matches a class named "1". outside_taxonomy lists labels matching neither (with rows),
synonyms_used the labels matched only through a synonym (label → class, rows),
unused_classes the classes no row carries. outside_rate = outside_rows /
labelled_rows.

A float or decimal label is a regression target: conflicts are measured (same
features, different target value), but classes, variants and the taxonomy are
not applicable and are not evaluated (label_kind "continuous"). NaN is a
label value here, not a null (the missing check counts it). Likewise, past
checks.labels.max_labels distinct values the label looks continuous or like
free text: variants and the taxonomy are not evaluated, conflicts stay exact.

Annotators (role annotator, optional). Per annotator: labelled rows, and
labelled rows in conflicting groups (conflict_rate = their ratio). Annotators
are named by a pseudonym (the first 12 hex digits of a hash of the value)
unless checks.labels.annotator_names is true. Labelled rows with a null
annotator are counted in rows_without_annotator. Past max_labels distinct
annotators the table is dropped (over_max). A labelled row's annotator is
kept with its row (a 61-bit key; two annotators sharing one stop the check
with an error rather than being counted as one), so the counts cost no table
of their own.

Memory: one table entry per row (a 72-byte slot, shared with the duplicates
and balance checks), folded into one per distinct full row, within --memory-limit: past it
the table spills to disk and is read back a partition at a time, with the same
results; one entry per distinct label up to max_labels.

Status: not_applicable when there is no label column or no labelled row;
fail when conflict_rate > checks.labels.fail_rate; warn when conflict_rate >
checks.labels.warn_rate, when variant_groups > checks.labels.max_variant_groups,
when outside_rate > checks.labels.max_outside_rate, or when a categorical label
has more than max_labels distinct values; else pass.

Score = 100 × (1 − conflicting_rows / rows) − 100 × penalty_weight ×
penalized_rows / rows, clamped to 0–100 and rounded to 2 decimals, where
penalized_rows counts the rows whose label is a minority variant spelling or
outside the taxonomy (each row once) and penalty_weight is
checks.labels.penalty_weight.

Act on it: relabel or drop conflicting groups (or add the feature that tells
them apart), map variant spellings to one, and map labels outside the
taxonomy to a class or extend the taxonomy.`

var codes = []checks.Code{
	{Code: "LAB000", Severity: checks.Info, Title: "no label column",
		Doc: "No label column was given or found in the dataset, so label consistency cannot be evaluated and the check is not applicable. Name the label with --label or roles.label."},
	{Code: "LAB001", Severity: checks.Error, Title: "conflicting labels above the fail rate",
		Doc: "conflict_rate (rows in feature groups with two or more distinct labels, over labelled rows) is above checks.labels.fail_rate. Identical inputs with different labels cap any model's accuracy and teach noise: relabel or drop the groups, or add the feature that tells them apart."},
	{Code: "LAB002", Severity: checks.Warning, Title: "conflicting labels above the warning rate",
		Doc: "conflict_rate is above checks.labels.warn_rate. Review the conflicting groups with the annotators."},
	{Code: "LAB003", Severity: checks.Warning, Title: "label spelling variants",
		Doc: "Distinct labels differ only by case, white space or punctuation (\">50K\" and \">50K.\"), more groups of them than checks.labels.max_variant_groups. A model would learn them as different classes: map each group to one spelling."},
	{Code: "LAB004", Severity: checks.Warning, Title: "labels outside the taxonomy",
		Doc: "The share of labelled rows whose label matches neither a class nor a synonym of checks.labels.taxonomy is above checks.labels.max_outside_rate. Map them to a class, or extend the taxonomy."},
	{Code: "LAB005", Severity: checks.Info, Title: "labels matched through a synonym",
		Doc: "Some labels are synonyms of a taxonomy class rather than the class name. They are counted as that class here; rewrite them to the class name before training."},
	{Code: "LAB006", Severity: checks.Warning, Title: "too many distinct labels",
		Doc: "The label has more distinct values than checks.labels.max_labels: it looks continuous or like free text, not a set of classes. Variants and the taxonomy are not evaluated; conflicts still are. Check the label column, or raise max_labels."},
	{Code: "LAB007", Severity: checks.Info, Title: "continuous label",
		Doc: "The label is a float or decimal: a regression target. Conflicts (same features, different target) are measured; classes, variants and the taxonomy do not apply."},
	{Code: "LAB008", Severity: checks.Info, Title: "no feature columns",
		Doc: "No feature column is in the dataset, so conflicting labels cannot be measured. Name the features with --features or roles.features."},
	{Code: "LAB009", Severity: checks.Info, Title: "rows without a label",
		Doc: "Some rows have a null label. They cannot be trained on as labelled examples; label them or drop them."},
	{Code: "LAB010", Severity: checks.Info, Title: "taxonomy classes without rows",
		Doc: "Some classes of checks.labels.taxonomy occur in no row (neither by name nor by synonym). A model trained on this data cannot predict them."},
	{Code: "LAB011", Severity: checks.Info, Title: "no labelled rows",
		Doc: "The dataset has no row with a non-null label, so label consistency cannot be evaluated and the check is not applicable."},
	{Code: "LAB012", Severity: checks.Info, Title: "conflicting labels below the warning rate",
		Doc: "Some feature groups carry two or more distinct labels, at a rate not above checks.labels.warn_rate."},
	{Code: "LAB013", Severity: checks.Info, Title: "annotators with a high conflict rate",
		Doc: "Some annotators' labelled rows fall in conflicting groups at a rate above checks.labels.warn_rate. Review their guidelines or their rows."},
}

// Method names how conflicts are counted, in the metrics.
const Method = "exact-fingerprint-128"

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	LabelColumn string `json:"label_column"`
	// LabelKind is "categorical", "continuous", or "" with no label column.
	LabelKind      string   `json:"label_kind"`
	FeatureColumns []string `json:"feature_columns"`

	Rows         int64 `json:"rows"`
	LabelledRows int64 `json:"labelled_rows"`
	NullLabels   int64 `json:"null_labels"`
	// DistinctLabels is nil when there are more than MaxLabels.
	DistinctLabels        *int64           `json:"distinct_labels"`
	DistinctLabelsOverMax bool             `json:"distinct_labels_over_max"`
	MaxLabels             int              `json:"max_labels"`
	Classes               map[string]int64 `json:"classes,omitempty"`

	ConflictsMeasured bool    `json:"conflicts_measured"`
	Method            string  `json:"method"`
	FeatureGroups     int64   `json:"feature_groups"`
	ConflictingGroups int64   `json:"conflicting_groups"`
	ConflictingRows   int64   `json:"conflicting_rows"`
	ConflictRate      float64 `json:"conflict_rate"`

	VariantsEvaluated bool               `json:"variants_evaluated"`
	VariantGroups     int64              `json:"variant_groups"`
	VariantRows       int64              `json:"variant_rows"`
	Variants          []lbl.VariantGroup `json:"variants"`
	VariantsTruncated bool               `json:"variants_truncated"`

	Taxonomy *TaxonomyMetrics `json:"taxonomy,omitempty"`

	PenalizedRows int64 `json:"penalized_rows"`

	Annotators *AnnotatorMetrics `json:"annotators,omitempty"`
}

// TaxonomyMetrics is present when the policy gives a taxonomy.
type TaxonomyMetrics struct {
	// Evaluated is false for a continuous label or past max_labels.
	Evaluated       bool          `json:"evaluated"`
	Classes         int           `json:"classes"`
	OutsideLabels   int64         `json:"outside_labels"`
	OutsideRows     int64         `json:"outside_rows"`
	OutsideRate     float64       `json:"outside_rate"`
	OutsideTaxonomy []lbl.Variant `json:"outside_taxonomy"`
	SynonymLabels   int64         `json:"synonym_labels"`
	SynonymRows     int64         `json:"synonym_rows"`
	SynonymsUsed    []SynonymUse  `json:"synonyms_used"`
	UnusedClasses   []string      `json:"unused_classes"`
	// Truncated says a list was cut at max_listed.
	Truncated bool `json:"truncated"`
}

// SynonymUse is a label that matched a taxonomy class through a synonym.
type SynonymUse struct {
	Label     string `json:"label"`
	Canonical string `json:"canonical"`
	Rows      int64  `json:"rows"`
}

// AnnotatorMetrics is present when the annotator role names a column.
type AnnotatorMetrics struct {
	Column               string           `json:"column"`
	Named                bool             `json:"named"`
	OverMax              bool             `json:"over_max"`
	Count                int64            `json:"count"`
	RowsWithoutAnnotator int64            `json:"rows_without_annotator"`
	Annotators           []AnnotatorStats `json:"annotators"`
	Truncated            bool             `json:"truncated"`
}

// AnnotatorStats is one annotator's agreement summary.
type AnnotatorStats struct {
	Annotator       string  `json:"annotator"`
	LabelledRows    int64   `json:"labelled_rows"`
	ConflictingRows int64   `json:"conflicting_rows"`
	ConflictRate    float64 `json:"conflict_rate"`
}

func columns(c any, env checks.Env) []string {
	out := []string{}
	add := func(name string) {
		if name == "" || slices.Contains(out, name) {
			return
		}
		if env.Schema != nil && !env.Schema.HasField(name) {
			return
		}
		out = append(out, name)
	}
	for _, f := range env.Roles.Features {
		if f != env.Roles.Label && f != env.Roles.Annotator {
			add(f)
		}
	}
	add(env.Roles.Label)
	add(env.Roles.Annotator)
	return out
}

// class is one distinct label value.
type class struct {
	text string
	rows int64
}

type annotator struct {
	name     string
	labelled int64
}

type state struct {
	cfg *Config
	tax *lbl.Taxonomy

	label      int // column index, -1 for none
	labelName  string
	continuous bool
	text       bool // string or binary label: spelling variants apply
	features   []int
	featNames  []string
	ann        int // column index, -1 for none
	annName    string

	rows, labelled, nulls int64

	table *rowtable.Table // nil without feature columns

	classes  map[rowhash.Fingerprint]*class // nil once over MaxLabels
	overflow bool

	annotators  map[rowhash.Fingerprint]*annotator // nil once over MaxLabels
	annOverflow bool
	annNull     int64
	// annKeys maps each annotator's key ([annKey]) to its fingerprint, to
	// find two annotators sharing one (annClash).
	annKeys  map[uint64]rowhash.Fingerprint
	annClash error
	// sum is what the rows' table counted, once Result has read it: the
	// conflicting groups, their rows (listed for FlaggedRows) and each
	// annotator's labelled rows in them, by key (a labelled row carries
	// its annotator's key into the table).
	sum *rowtable.Summary

	// scratch, per batch
	labelFP, annFP []rowhash.Fingerprint
	classCache     fpCache[class]
	annCache       fpCache[annotator]
}

// fpCache is a small direct-mapped cache in front of a map keyed by
// fingerprint, emptied at every batch: labels and annotators repeat row
// after row, and a Go map lookup hashes the 16-byte key each time (1.2 s
// of CPU in a 10M-row audit).
type fpCache[V any] [64]struct {
	fp rowhash.Fingerprint
	v  *V
}

// get returns m[fp], from the cache if it holds fp.
func (c *fpCache[V]) get(m map[rowhash.Fingerprint]*V, fp rowhash.Fingerprint) *V {
	e := &c[fp.Lo&63]
	if e.v != nil && e.fp == fp {
		return e.v
	}
	v := m[fp]
	if v != nil {
		e.fp, e.v = fp, v
	}
	return v
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("labels: config is %T, want *labels.Config", c)
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	s := &state{cfg: cfg, label: -1, ann: -1}
	if len(cfg.Taxonomy) > 0 {
		t, err := lbl.NewTaxonomy(cfg.Taxonomy)
		if err != nil {
			return nil, fmt.Errorf("checks.labels.taxonomy: %w", err)
		}
		s.tax = t
	}
	if env.Schema == nil {
		return nil, fmt.Errorf("labels: no schema")
	}
	index := func(name string) int {
		if name == "" {
			return -1
		}
		if ix := env.Schema.FieldIndices(name); len(ix) > 0 {
			return ix[0]
		}
		return -1
	}
	if s.label = index(env.Roles.Label); s.label >= 0 {
		s.labelName = env.Roles.Label
		s.continuous = lbl.IsContinuous(env.Schema.Field(s.label).Type)
		s.text = isText(env.Schema.Field(s.label).Type)
	}
	if s.ann = index(env.Roles.Annotator); s.ann >= 0 {
		s.annName = env.Roles.Annotator
		s.annotators = map[rowhash.Fingerprint]*annotator{}
		s.annKeys = map[uint64]rowhash.Fingerprint{}
	}
	// The features the rows' table groups by, also without a label.
	s.features = rowtable.Features(env)
	for _, i := range slices.Sorted(slices.Values(s.features)) { // named in schema order
		s.featNames = append(s.featNames, env.Schema.Field(i).Name)
	}
	if len(s.features) > 0 && s.label >= 0 {
		rc, _ := rowtable.NewConfig(env)
		t, err := rowtable.For(env, rc)
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		t.CountAnnotators(cfg.MaxLabels)
		s.table = t
	}
	s.classes = map[rowhash.Fingerprint]*class{}
	return s, nil
}

// isText reports whether labels of type t are text, the only labels whose
// spellings can vary: for numbers, dates or booleans, Normalize would only
// confuse "-1" with "1".
func isText(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return true
	}
	return false
}

func validate(c *Config) error {
	rate := func(key string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("checks.labels.%s: %v is not a rate between 0 and 1", key, v)
		}
		return nil
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"warn_rate", c.WarnRate}, {"fail_rate", c.FailRate}, {"max_outside_rate", c.MaxOutsideRate}, {"penalty_weight", c.PenaltyWeight}} {
		if err := rate(r.key, r.v); err != nil {
			return err
		}
	}
	if c.WarnRate > c.FailRate {
		return fmt.Errorf("checks.labels.warn_rate %v is above fail_rate %v", c.WarnRate, c.FailRate)
	}
	if c.MaxLabels < 1 {
		return fmt.Errorf("checks.labels.max_labels: %d, want at least 1", c.MaxLabels)
	}
	if c.MaxListed < 0 {
		return fmt.Errorf("checks.labels.max_listed: %d, want 0 or more", c.MaxListed)
	}
	if c.MaxVariantGroups < 0 {
		return fmt.Errorf("checks.labels.max_variant_groups: %d, want 0 or more", c.MaxVariantGroups)
	}
	return nil
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	s.rows += int64(n)
	if s.label < 0 || n == 0 {
		return nil
	}
	la := rec.Column(s.label)
	// Fingerprints come from the batch's memo, shared with the other
	// checks that hash the same columns.
	labelFP := b.Memo.Values(rec, s.label, &s.labelFP)
	if s.table != nil {
		if err := s.table.Observe(b); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
	}
	var annFP []rowhash.Fingerprint
	var aa arrow.Array
	if s.ann >= 0 {
		aa = rec.Column(s.ann)
		annFP = b.Memo.Values(rec, s.ann, &s.annFP)
	}
	clear(s.classCache[:])
	clear(s.annCache[:])
	null := rowhash.Null()
	for i := range n {
		fp := labelFP[i]
		// rowhash gives every null, including a null dictionary entry and
		// a value of the null type, the fingerprint Null.
		if fp == null {
			s.nulls++
			continue
		}
		s.labelled++
		if s.classes != nil {
			if c := s.classCache.get(s.classes, fp); c != nil {
				c.rows++
			} else {
				text, _ := lbl.Text(la, i)
				s.classes[fp] = &class{text: strings.Clone(text), rows: 1}
				if len(s.classes) > s.cfg.MaxLabels {
					s.classes, s.overflow = nil, true
				}
			}
		}
		if annFP != nil {
			s.observeAnnotator(aa, i, annFP[i])
		}
	}
	return nil
}

func (s *state) observeAnnotator(aa arrow.Array, i int, fp rowhash.Fingerprint) {
	if fp == rowhash.Null() {
		s.annNull++
		return
	}
	if s.annotators == nil {
		return
	}
	a := s.annCache.get(s.annotators, fp)
	if a == nil {
		a = &annotator{}
		if s.cfg.AnnotatorNames {
			text, _ := lbl.Text(aa, i)
			a.name = strings.Clone(text)
		} else {
			a.name = pseudonym(fp)
		}
		s.annotators[fp] = a
		if len(s.annotators) > s.cfg.MaxLabels {
			s.dropAnnotators()
			return
		}
		s.noteKey(fp)
	}
	a.labelled++
}

func (s *state) dropAnnotators() { s.annotators, s.annKeys, s.annOverflow = nil, nil, true }

// annKey is the key a labelled row carries for its annotator into the
// rows' table (61 bits of a word a row, where the fingerprint would take
// 16 bytes, [rowtable.AnnotatorKey]). The annotators are few (max_labels at most)
// and all known, so two sharing a key are caught (noteKey) rather than
// counted as one; 0 means no annotator.
func annKey(fp rowhash.Fingerprint) uint64 { return rowtable.AnnotatorKey(fp) }

// noteKey records annotator fp's key, and a clash if another annotator, or
// "no annotator", has it.
func (s *state) noteKey(fp rowhash.Fingerprint) {
	k := annKey(fp)
	other, ok := s.annKeys[k]
	switch {
	case s.annClash != nil:
	case k == 0:
		s.annClash = fmt.Errorf("annotator %016x%016x has the key 0, which means no annotator: its conflicting rows cannot be counted", fp.Hi, fp.Lo)
	case ok && other != fp:
		s.annClash = fmt.Errorf("two annotators share the key %016x (fingerprints %016x%016x and %016x%016x): their conflicting rows cannot be told apart", k, other.Hi, other.Lo, fp.Hi, fp.Lo)
	}
	if ok || k == 0 {
		return
	}
	s.annKeys[k] = fp
}

func pseudonym(fp rowhash.Fingerprint) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], fp.Hi)
	return "annotator-" + hex.EncodeToString(b[:6])
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into labels state", o)
	}
	if other.labelName != s.labelName || other.continuous != s.continuous || other.annName != s.annName ||
		!slices.Equal(other.featNames, s.featNames) {
		return fmt.Errorf("merge labels states over different columns (label %q and %q, features %q and %q, annotator %q and %q)",
			s.labelName, other.labelName, s.featNames, other.featNames, s.annName, other.annName)
	}
	s.rows += other.rows
	s.labelled += other.labelled
	s.nulls += other.nulls
	if s.table != nil {
		if s.sum != nil {
			return errors.New("labels: merging into a state whose result was read")
		}
		if err := s.table.Merge(other.table); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
	}
	if other.overflow {
		s.classes, s.overflow = nil, true
	}
	if s.classes != nil {
		for k, c := range other.classes {
			if mine := s.classes[k]; mine != nil {
				mine.rows += c.rows
			} else {
				s.classes[k] = &class{text: c.text, rows: c.rows}
			}
		}
		if len(s.classes) > s.cfg.MaxLabels {
			s.classes, s.overflow = nil, true
		}
	}
	s.annNull += other.annNull
	if other.annOverflow {
		s.dropAnnotators()
	}
	if s.annotators != nil {
		for k, a := range other.annotators {
			if mine := s.annotators[k]; mine != nil {
				mine.labelled += a.labelled
			} else {
				s.annotators[k] = &annotator{name: a.name, labelled: a.labelled}
				s.noteKey(k)
			}
		}
		if s.annClash == nil {
			s.annClash = other.annClash
		}
		if len(s.annotators) > s.cfg.MaxLabels {
			s.dropAnnotators()
		}
	}
	return nil
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// labelCounts returns rows per label text. Distinct fingerprints of one
// column have distinct texts for every type but decimals (continuous, not
// asked for here); the sum keeps the count right regardless.
func (s *state) labelCounts() map[string]int64 {
	out := make(map[string]int64, len(s.classes))
	for _, c := range s.classes {
		out[c.text] += c.rows
	}
	return out
}

func byRows(vs []lbl.Variant) {
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Rows != vs[j].Rows {
			return vs[i].Rows > vs[j].Rows
		}
		return vs[i].Label < vs[j].Label
	})
}

func (s *state) Result() (checks.Result, error) {
	cfg := s.cfg
	m := Metrics{LabelColumn: s.labelName, FeatureColumns: append([]string{}, s.featNames...),
		Rows: s.rows, LabelledRows: s.labelled, NullLabels: s.nulls, MaxLabels: cfg.MaxLabels,
		DistinctLabelsOverMax: s.overflow, Method: Method, Variants: []lbl.VariantGroup{}}
	if s.label < 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, []checks.Finding{{Code: "LAB000", Severity: checks.Info,
			Message: "no label column: label consistency cannot be evaluated", Setting: "roles.label"}})
	}
	m.LabelKind = "categorical"
	if s.continuous {
		m.LabelKind = "continuous"
	}
	if !s.overflow {
		d := int64(len(s.classes))
		m.DistinctLabels = &d
	}
	if s.table != nil {
		// The rows' table is read once, for every check sharing it:
		// counts, and the rows of the conflicting groups, counted by
		// annotator and listed (the first MaxFlaggedRows) for
		// findings.parquet.
		sum, err := s.table.Result()
		if err != nil {
			return checks.Result{}, fmt.Errorf("labels: %w", err)
		}
		s.sum = sum
		m.ConflictsMeasured = true
		m.FeatureGroups = sum.FeatureVectors
		m.ConflictingGroups, m.ConflictingRows = sum.ConflictingGroups, sum.ConflictingRows
	}
	m.ConflictRate = rate(m.ConflictingRows, s.labelled)

	var findings []checks.Finding
	status := checks.Pass
	worst := func(st checks.Status) {
		if st == checks.Fail || (st == checks.Warn && status == checks.Pass) {
			status = st
		}
	}
	col := s.labelName

	// Classes, variants, taxonomy: categorical labels within max_labels.
	penalized := map[string]bool{}
	var counts map[string]int64
	if !s.continuous && !s.overflow {
		counts = s.labelCounts()
		if len(counts) <= cfg.MaxListed {
			m.Classes = counts
		}
	}
	if counts != nil && s.text {
		m.VariantsEvaluated = true
		groups := lbl.Variants(counts)
		m.VariantGroups = int64(len(groups))
		for _, g := range groups {
			m.VariantRows += g.MinorityRows
			for _, v := range g.Members[1:] {
				penalized[v.Label] = true
			}
		}
		if len(groups) > cfg.MaxVariantGroups {
			worst(checks.Warn)
			findings = append(findings, checks.Finding{Code: "LAB003", Severity: checks.Warning, Column: col,
				Message: fmt.Sprintf("%d groups of labels differ only by case, white space or punctuation (%d rows carry a minority spelling), e.g. %s",
					len(groups), m.VariantRows, example(groups[0])),
				Value: checks.Float(float64(len(groups))), Threshold: checks.Float(float64(cfg.MaxVariantGroups)),
				Setting: "checks.labels.max_variant_groups", Rows: checks.Int(m.VariantRows)})
		}
		if len(groups) > cfg.MaxListed {
			groups, m.VariantsTruncated = groups[:cfg.MaxListed], true
		}
		m.Variants = append(m.Variants, groups...)
	}
	if s.tax != nil {
		tm := &TaxonomyMetrics{Classes: s.tax.Len(), OutsideTaxonomy: []lbl.Variant{}, SynonymsUsed: []SynonymUse{}, UnusedClasses: []string{}}
		m.Taxonomy = tm
		if counts != nil {
			tm.Evaluated = true
			used := map[string]bool{}
			var outside []lbl.Variant
			for label, rows := range counts {
				canon, how := s.tax.Lookup(label)
				switch how {
				case lbl.Outside:
					outside = append(outside, lbl.Variant{Label: label, Rows: rows})
					tm.OutsideRows += rows
					penalized[label] = true
				case lbl.Synonym:
					tm.SynonymsUsed = append(tm.SynonymsUsed, SynonymUse{Label: label, Canonical: canon, Rows: rows})
					tm.SynonymRows += rows
					used[canon] = true
				default:
					used[canon] = true
				}
			}
			tm.OutsideLabels = int64(len(outside))
			tm.SynonymLabels = int64(len(tm.SynonymsUsed))
			tm.OutsideRate = rate(tm.OutsideRows, s.labelled)
			byRows(outside)
			sort.Slice(tm.SynonymsUsed, func(i, j int) bool {
				a, b := tm.SynonymsUsed[i], tm.SynonymsUsed[j]
				if a.Rows != b.Rows {
					return a.Rows > b.Rows
				}
				return a.Label < b.Label
			})
			for _, c := range s.tax.Classes() {
				if !used[c] {
					tm.UnusedClasses = append(tm.UnusedClasses, c)
				}
			}
			if tm.OutsideRate > cfg.MaxOutsideRate {
				worst(checks.Warn)
				findings = append(findings, checks.Finding{Code: "LAB004", Severity: checks.Warning, Column: col,
					Message: fmt.Sprintf("%d labels (%d rows, %.2f%% of labelled rows) are outside the taxonomy, e.g. %q",
						len(outside), tm.OutsideRows, 100*tm.OutsideRate, outside[0].Label),
					Value: checks.Float(tm.OutsideRate), Threshold: checks.Float(cfg.MaxOutsideRate),
					Setting: "checks.labels.max_outside_rate", Rows: checks.Int(tm.OutsideRows)})
			}
			if len(tm.SynonymsUsed) > 0 {
				u := tm.SynonymsUsed[0]
				findings = append(findings, checks.Finding{Code: "LAB005", Severity: checks.Info, Column: col,
					Message: fmt.Sprintf("%d labels (%d rows) matched a class through a synonym, e.g. %q → %q",
						len(tm.SynonymsUsed), tm.SynonymRows, u.Label, u.Canonical),
					Value: checks.Float(float64(tm.SynonymRows)), Setting: "checks.labels.taxonomy", Rows: checks.Int(tm.SynonymRows)})
			}
			if len(tm.UnusedClasses) > 0 {
				findings = append(findings, checks.Finding{Code: "LAB010", Severity: checks.Info, Column: col,
					Message: fmt.Sprintf("%d of %d taxonomy classes occur in no row: %s", len(tm.UnusedClasses), tm.Classes, quoteList(tm.UnusedClasses, 5)),
					Value:   checks.Float(float64(len(tm.UnusedClasses))), Setting: "checks.labels.taxonomy"})
			}
			if len(outside) > cfg.MaxListed {
				outside, tm.Truncated = outside[:cfg.MaxListed], true
			}
			tm.OutsideTaxonomy = append(tm.OutsideTaxonomy, outside...)
			if len(tm.SynonymsUsed) > cfg.MaxListed {
				tm.SynonymsUsed, tm.Truncated = tm.SynonymsUsed[:cfg.MaxListed], true
			}
			if len(tm.UnusedClasses) > cfg.MaxListed {
				tm.UnusedClasses, tm.Truncated = tm.UnusedClasses[:cfg.MaxListed], true
			}
		}
	}
	for label := range penalized {
		m.PenalizedRows += counts[label]
	}

	switch {
	case s.continuous:
		findings = append(findings, checks.Finding{Code: "LAB007", Severity: checks.Info, Column: col,
			Message: fmt.Sprintf("label %q is a float or decimal (a regression target): conflicts are measured, classes, variants and the taxonomy do not apply", col)})
	case s.overflow:
		worst(checks.Warn)
		findings = append(findings, checks.Finding{Code: "LAB006", Severity: checks.Warning, Column: col,
			Message: fmt.Sprintf("label %q has more than %d distinct values: it looks continuous or like free text; variants and the taxonomy were not evaluated", col, cfg.MaxLabels),
			Value:   checks.Float(float64(cfg.MaxLabels + 1)), Threshold: checks.Float(float64(cfg.MaxLabels)),
			Setting: "checks.labels.max_labels", Rows: checks.Int(s.labelled)})
	}
	if !m.ConflictsMeasured {
		findings = append(findings, checks.Finding{Code: "LAB008", Severity: checks.Info,
			Message: "no feature column in the dataset: conflicting labels were not measured", Setting: "roles.features"})
	}
	if s.nulls > 0 {
		findings = append(findings, checks.Finding{Code: "LAB009", Severity: checks.Info, Column: col,
			Message: fmt.Sprintf("%d of %d rows (%.2f%%) have no label", s.nulls, s.rows, 100*rate(s.nulls, s.rows)),
			Value:   checks.Float(rate(s.nulls, s.rows)), Rows: checks.Int(s.nulls)})
	}
	if m.ConflictingGroups > 0 {
		msg := fmt.Sprintf("%d feature groups carry two or more distinct labels: %d rows, %.2f%% of labelled rows", m.ConflictingGroups, m.ConflictingRows, 100*m.ConflictRate)
		switch {
		case m.ConflictRate > cfg.FailRate:
			worst(checks.Fail)
			findings = append(findings, checks.Finding{Code: "LAB001", Severity: checks.Error, Column: col,
				Message: msg + fmt.Sprintf(", above the fail rate %.2f%%", 100*cfg.FailRate),
				Value:   checks.Float(m.ConflictRate), Threshold: checks.Float(cfg.FailRate), Setting: "checks.labels.fail_rate", Rows: checks.Int(m.ConflictingRows)})
		case m.ConflictRate > cfg.WarnRate:
			worst(checks.Warn)
			findings = append(findings, checks.Finding{Code: "LAB002", Severity: checks.Warning, Column: col,
				Message: msg + fmt.Sprintf(", above the warning rate %.2f%%", 100*cfg.WarnRate),
				Value:   checks.Float(m.ConflictRate), Threshold: checks.Float(cfg.WarnRate), Setting: "checks.labels.warn_rate", Rows: checks.Int(m.ConflictingRows)})
		default:
			findings = append(findings, checks.Finding{Code: "LAB012", Severity: checks.Info, Column: col,
				Message: msg + fmt.Sprintf(", not above the warning rate %.2f%%", 100*cfg.WarnRate),
				Value:   checks.Float(m.ConflictRate), Threshold: checks.Float(cfg.WarnRate), Setting: "checks.labels.warn_rate", Rows: checks.Int(m.ConflictingRows)})
		}
	}
	if s.ann >= 0 {
		am, f, err := s.annotatorMetrics()
		if err != nil {
			return checks.Result{}, fmt.Errorf("labels: %w", err)
		}
		m.Annotators = am
		if f != nil {
			findings = append(findings, *f)
		}
	}
	if s.labelled == 0 {
		findings = append(findings, checks.Finding{Code: "LAB011", Severity: checks.Info, Column: col,
			Message: fmt.Sprintf("no row of %d has a label: label consistency cannot be evaluated", s.rows),
			Value:   checks.Float(0), Rows: checks.Int(0)})
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Code < findings[j].Code })
	if s.labelled == 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m, findings)
	}
	score := 100*(1-rate(m.ConflictingRows, s.rows)) - 100*cfg.PenaltyWeight*rate(m.PenalizedRows, s.rows)
	score = round2(min(100, max(0, score)))
	return checks.NewResult(Check.Name, status, &score, m, findings)
}

func (s *state) annotatorMetrics() (*AnnotatorMetrics, *checks.Finding, error) {
	am := &AnnotatorMetrics{Column: s.annName, Named: s.cfg.AnnotatorNames, OverMax: s.annOverflow,
		RowsWithoutAnnotator: s.annNull, Annotators: []AnnotatorStats{}}
	if s.annotators == nil {
		return am, nil, nil
	}
	// Without feature columns nothing conflicts, and nothing is counted.
	var conflicting map[uint64]int64
	if s.sum != nil {
		if s.annClash != nil {
			return nil, nil, s.annClash
		}
		// Counted by Result's read of the rows' table, up to max_labels
		// annotators, and s.annotators holds no more.
		if conflicting = s.sum.AnnotatorConflicting; conflicting == nil {
			return nil, nil, errors.New("the rows' table did not count the annotators' conflicting rows")
		}
	}
	for fp, a := range s.annotators {
		c := conflicting[annKey(fp)]
		am.Annotators = append(am.Annotators, AnnotatorStats{Annotator: a.name, LabelledRows: a.labelled,
			ConflictingRows: c, ConflictRate: rate(c, a.labelled)})
	}
	am.Count = int64(len(am.Annotators))
	sort.Slice(am.Annotators, func(i, j int) bool {
		a, b := am.Annotators[i], am.Annotators[j]
		if a.ConflictRate != b.ConflictRate {
			return a.ConflictRate > b.ConflictRate
		}
		if a.LabelledRows != b.LabelledRows {
			return a.LabelledRows > b.LabelledRows
		}
		return a.Annotator < b.Annotator
	})
	var high, rows int64
	for _, a := range am.Annotators {
		if a.ConflictRate > s.cfg.WarnRate {
			high++
			rows += a.ConflictingRows
		}
	}
	if len(am.Annotators) > s.cfg.MaxListed {
		am.Annotators, am.Truncated = am.Annotators[:s.cfg.MaxListed], true
	}
	if high == 0 {
		return am, nil, nil
	}
	return am, &checks.Finding{Code: "LAB013", Severity: checks.Info, Column: s.annName,
		Message: fmt.Sprintf("%d of %d annotators have more than %.2f%% of their labelled rows in conflicting groups (%d rows)",
			high, am.Count, 100*s.cfg.WarnRate, rows),
		Value: checks.Float(float64(high)), Threshold: checks.Float(s.cfg.WarnRate), Setting: "checks.labels.warn_rate", Rows: checks.Int(rows)}, nil
}

func example(g lbl.VariantGroup) string {
	var parts []string
	for _, m := range g.Members {
		parts = append(parts, fmt.Sprintf("%q (%d)", m.Label, m.Rows))
	}
	return strings.Join(parts, " / ")
}

func quoteList(xs []string, n int) string {
	var parts []string
	for i, x := range xs {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(xs)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%q", x))
	}
	return strings.Join(parts, ", ")
}

// FlaggedRows lists, for findings.parquet, every row of every feature
// group that carries two or more distinct labels — the rows to relabel or
// remove — under the conflict finding the result reports (LAB001, LAB002
// or LAB012). Rows of one group share a group id.
func (s *state) FlaggedRows(res checks.Result) ([]checks.RowStream, error) {
	if s.sum == nil {
		return nil, nil
	}
	code := ""
	for _, f := range res.Findings {
		if f.Code == "LAB001" || f.Code == "LAB002" || f.Code == "LAB012" {
			code = f.Code
		}
	}
	if code == "" {
		return nil, nil
	}
	return []checks.RowStream{s.sum.ConflictRows.Stream(code, s.labelName)}, nil
}
