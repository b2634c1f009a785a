// Package duplicates is the duplicates and train/test leakage check.
//
// It counts, by the logical value of every cell (see package rowhash: null
// equals null, NaN equals NaN, -0 equals 0, 1 equals 1.0 equals decimal
// 1.00, a dictionary value is the value it stands for):
//
//	exact_duplicate_rows        rows − distinct rows over all columns (pandas'
//	                            duplicated().sum()); duplicate_groups is the
//	                            number of distinct rows that occur more than once
//	duplicate_feature_rows      the same over the feature columns only (the
//	duplicate_feature_groups    role Features, taken in schema order)
//	duplicate_ids               rows whose id occurred in an earlier row, nulls
//	                            not counted: the sum over distinct non-null ids
//	                            of (count − 1)
//	split_rows                  rows per value of the split column, as text; a
//	                            null split is the key "(null)"
//	cross_split_rows            rows of a non-train split whose feature vector
//	                            also occurs anywhere in the train split
//	normalized_text_duplicates  rows − distinct feature vectors after every
//	                            string feature value is folded with
//	                            labels.Normalize (NFKC, lower case, punctuation
//	                            dropped, white space collapsed)
//
// Every count is exact up to 128-bit fingerprint collisions: among n
// distinct rows the probability of any collision is below n²/2^129 (under
// 10^-20 for a billion rows); the metrics carry that bound.
//
// Status: fail when exact_duplicate_rows/rows is above fail_rate or
// cross_split_rows is above max_cross_split_rows; warn when the rate is
// above warn_rate, when duplicate_ids/rows is above max_duplicate_id_rate,
// or when the split column holds no train value; else pass. not_applicable
// when the dataset has no rows. Score: 100 × (1 − exact_duplicate_rows/rows),
// capped at 50 when cross-split leakage fails the check.
//
// The normalised feature vector of a row is hashed again only when folding
// changes one of its string values. Text already in normal form (ASCII,
// no upper case, punctuation or white space but single inner spaces, the
// byte classes read off labels.Normalize) is its own normal form, so its
// fingerprint is the one the batch's memo computed; most real text is, and
// a small cache by value fingerprint folds a column's repeated values once.
// A row none of whose values change has the feature vector's fingerprint.
//
// With a label column, the distinct full rows are counted in the row
// table the audit's worker shares with the labels and balance checks
// ([rowtable]); without one, in a table of the check's own (exact).
//
// The ids are counted in bitmaps while they are integers, dense enough
// and mostly distinct, and in a table of first positions otherwise
// (ids.go).
//
// With the row table, and the row table's features for this check's
// (the label is not among them), the feature vectors are counted there
// too: the table is partitioned by the feature fingerprint, so a
// partition's distinct rows hold all of a vector's rows, and it groups
// them by vector anyway to find conflicting labels. The check marks each
// row (its text in normal form or not, its split; rowtable.Mark), and the
// table counts the vectors with more than one row, the plain ones and the
// rows leaking across splits as it is read, handing each partition's plain
// vectors to the check to read its normalised table beside. Otherwise the
// vectors keep a table of their own (feats), one aggregate a row. At 10M
// rows, in two profiles each, Observe took 2.02 s of CPU against 2.44–2.81
// s with feats, and reading the row table 0.65–0.69 s against 0.45–0.46 s
// (it reads the normalised table too, which Result read before: Result
// 0.09–0.11 s against 0.31–0.33 s); the audit took 5.30–6.15 s against
// 5.77–6.40 s in five alternating pairs (docs/performance.md, 2026-11-28
// s). A first attempt, on 2026-11-27, counted the vectors from the row
// table in a pass of their own after it was read, and saved nothing.
package duplicates

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/rowtable"
	"github.com/readiness/readiness/labels"
)

// Config is the policy section `checks.duplicates`.
type Config struct {
	// WarnRate and FailRate are the exact-duplicate rates
	// (exact_duplicate_rows / rows) above which the check warns and fails.
	WarnRate float64 `yaml:"warn_rate"`
	FailRate float64 `yaml:"fail_rate"`
	// MaxDuplicateIDRate is the rate duplicate_ids / rows above which the
	// check warns.
	MaxDuplicateIDRate float64 `yaml:"max_duplicate_id_rate"`
	// TrainValues are the split values, compared case-insensitively after
	// trimming white space, that name the train split.
	TrainValues []string `yaml:"train_values"`
	// MaxCrossSplitRows is the number of cross-split rows (non-train rows
	// whose feature vector occurs in the train split) above which the
	// check fails.
	MaxCrossSplitRows int64 `yaml:"max_cross_split_rows"`
}

// DefaultTrainValues are the default names of the train split.
var DefaultTrainValues = []string{"train", "training"}

func defaultConfig() any {
	return &Config{WarnRate: 0.01, FailRate: 0.10, MaxDuplicateIDRate: 0,
		TrainValues: append([]string{}, DefaultTrainValues...), MaxCrossSplitRows: 0}
}

// Check is the duplicates check.
var Check = checks.Check{
	Name:          "duplicates",
	Summary:       "exact duplicate rows, duplicate feature vectors and ids, near-duplicate text, and train/test leakage",
	Doc:           packageDoc,
	Codes:         codes,
	DefaultConfig: defaultConfig,
	// Exact duplicates are counted over every column.
	Columns: func(any, checks.Env) []string { return nil },
	New:     newState,
}

// NullSplit is the key under which split_rows counts rows whose split is
// null. A split column holding the text "(null)" is counted with them.
const NullSplit = "(null)"

// Method states how the counts are computed and their error bound.
const Method = "exact up to 128-bit fingerprint collisions (xxh3-128 of logical values): P(any collision) < n²/2^129 for n distinct rows"

const packageDoc = `The duplicates check counts repeated rows, repeated feature vectors, repeated
ids, near-duplicate text and train/test leakage. Values compare by their
logical value: null equals null, NaN equals NaN, -0 equals 0, the integer 1,
the float 1.0 and the decimal 1.00 are equal, the string "1" is not; a
timestamp is its instant whatever its unit or zone; a dictionary value is the
value it stands for. So the same row read from CSV and from Parquet is the
same row.

  exact_duplicate_rows       rows − distinct rows over all columns (pandas'
                             duplicated().sum()): the rows that repeat an
                             earlier row. duplicate_groups: distinct rows
                             occurring more than once.
  duplicate_feature_rows     the same over the feature columns only (role
  duplicate_feature_groups   features, in schema order); 0 when there are
                             no feature columns (finding DUP007).
  duplicate_ids              rows whose id (role id) occurred in an earlier
                             row; null ids are not counted. null when there
                             is no id column (DUP008).
  split_rows                 rows per value of the split column (role split),
                             as text; null splits under the key "(null)".
  cross_split_rows           rows of a non-train split whose feature vector
                             also occurs anywhere in the train split. The
                             train split is the split value equal, after
                             trimming and ignoring case, to one of
                             checks.duplicates.train_values. Rows with a null
                             split belong to no split and are never counted.
                             null when there is no split column (DUP009), no
                             train value in it (DUP010) or no feature column.
  normalized_text_duplicates rows − distinct feature vectors after every
                             string feature value is folded with
                             labels.Normalize (NFKC, lower case, punctuation
                             dropped, white space collapsed);
                             normalized_text_columns lists the folded columns.
                             Without string features it equals
                             duplicate_feature_rows.

All counts are exact up to 128-bit fingerprint collisions: among n distinct
rows the chance of any collision is below n²/2^129 (under 10^-20 for a
billion rows); metrics.method and metrics.collision_bound (rows²/2^129) say so.

Status: fail when exact_duplicate_rows/rows is above checks.duplicates.fail_rate
or cross_split_rows is above checks.duplicates.max_cross_split_rows; warn when
the rate is above checks.duplicates.warn_rate, when duplicate_ids/rows is above
checks.duplicates.max_duplicate_id_rate, or when the split column holds no train
value; else pass. not_applicable when the dataset has no rows.
Score: 100 × (1 − exact_duplicate_rows/rows), at most 50 when cross-split
leakage fails the check.

Act on it: drop exact duplicates before training (keep one copy), decide
whether repeated feature vectors are real repeats or a join gone wrong, give
every row its own id, and remove test rows that also occur in the train split
(or split by group so that copies stay together).`

var codes = []checks.Code{
	{Code: "DUP000", Severity: checks.Info, Title: "no rows to check",
		Doc: "The dataset has no rows, so nothing can repeat and the check is not applicable."},
	{Code: "DUP001", Severity: checks.Error, Title: "exact duplicate rows above the fail rate",
		Doc: "exact_duplicate_rows / rows is above checks.duplicates.fail_rate. Repeated rows weigh some examples more than others and inflate evaluation scores; drop the repeats (keep one copy) and find the export or join that made them."},
	{Code: "DUP002", Severity: checks.Warning, Title: "exact duplicate rows above the warning rate",
		Doc: "exact_duplicate_rows / rows is above checks.duplicates.warn_rate. Drop the repeats before training, or confirm they are genuine repeated observations."},
	{Code: "DUP003", Severity: checks.Warning, Title: "ids repeat",
		Doc: "duplicate_ids / rows is above checks.duplicates.max_duplicate_id_rate: rows share an id. Either the same record was exported twice (possibly with changed values) or the id is not a key. Deduplicate by id or fix the id."},
	{Code: "DUP004", Severity: checks.Error, Title: "train/test leakage",
		Doc: "cross_split_rows is above checks.duplicates.max_cross_split_rows: rows of a non-train split have a feature vector that also occurs in the train split, so evaluation measures memorisation. Remove those rows from the evaluation split, or split by group so that copies stay on one side."},
	{Code: "DUP005", Severity: checks.Info, Title: "repeated feature vectors",
		Doc: "duplicate_feature_rows rows repeat the feature vector of an earlier row, possibly with a different label, id or time. Check for conflicting labels (the labels check) and whether these are true repeats."},
	{Code: "DUP006", Severity: checks.Info, Title: "near-duplicate text",
		Doc: "Rows whose feature vectors differ only in case, Unicode form, punctuation or white space of their string features. They are likely the same example; consider normalising text before deduplicating."},
	{Code: "DUP007", Severity: checks.Info, Title: "no feature columns",
		Doc: "No feature column is declared (role features) or none is in the dataset, so duplicate feature vectors, near-duplicate text and cross-split leakage are not measured."},
	{Code: "DUP008", Severity: checks.Info, Title: "no id column",
		Doc: "No id column is declared (role id) or it is not in the dataset, so duplicate ids are not counted."},
	{Code: "DUP009", Severity: checks.Info, Title: "no split column",
		Doc: "No split column is declared (role split) or it is not in the dataset, so train/test leakage is not measured. Audit train and test together with a split column to measure it."},
	{Code: "DUP010", Severity: checks.Warning, Title: "split column without a train split",
		Doc: "The split column holds no value matching checks.duplicates.train_values, so train/test leakage cannot be measured. Add the name of the train split to train_values."},
}

// Metrics is the check's `metrics` object in the report.
type Metrics struct {
	Rows                   int64    `json:"rows"`
	ExactDuplicateRows     int64    `json:"exact_duplicate_rows"`
	ExactDuplicateRate     float64  `json:"exact_duplicate_rate"`
	DuplicateGroups        int64    `json:"duplicate_groups"`
	FeatureColumns         []string `json:"feature_columns"`
	DuplicateFeatureRows   int64    `json:"duplicate_feature_rows"`
	DuplicateFeatureGroups int64    `json:"duplicate_feature_groups"`
	// IDColumn is the id column; DuplicateIDs is null without one.
	IDColumn     string `json:"id_column,omitempty"`
	DuplicateIDs *int64 `json:"duplicate_ids"`
	// SplitColumn is the split column; SplitRows and TrainSplits are null
	// without one, CrossSplitRows is null when leakage is not measured.
	SplitColumn              string           `json:"split_column,omitempty"`
	SplitRows                map[string]int64 `json:"split_rows"`
	TrainSplits              []string         `json:"train_splits"`
	CrossSplitRows           *int64           `json:"cross_split_rows"`
	NormalizedTextColumns    []string         `json:"normalized_text_columns"`
	NormalizedTextDuplicates int64            `json:"normalized_text_duplicates"`
	Method                   string           `json:"method"`
	// CollisionBound is rows²/2^129, an upper bound on the probability
	// that any two distinct rows share a fingerprint.
	CollisionBound float64 `json:"collision_bound"`
}

// feature is what the state keeps of one distinct feature vector, in 8
// bytes: flags (featRepeated, featTrain, featPlain) and, above them, the
// number of its rows in a non-train split (exact). A field apiece took 16
// bytes with padding, 8 more for every distinct vector to hold or spill.
type feature uint64

const (
	// featRepeated: seen more than once.
	featRepeated feature = 1 << iota
	// featTrain: seen in the train split.
	featTrain
	// featPlain: seen in a row whose normalised feature vector is the
	// vector itself (normalising its text changes nothing), so the vector
	// is also a normalised one (see state.norm).
	featPlain
	// featOther is one row of a non-train split.
	featOther
	featFlags = featOther - 1
)

func (f feature) repeated() bool { return f&featRepeated != 0 }
func (f feature) train() bool    { return f&featTrain != 0 }
func (f feature) plain() bool    { return f&featPlain != 0 }
func (f feature) other() int64   { return int64(f / featOther) }

// first is the position of the first row seen with a fingerprint, in
// (input, row) order, with firstRepeated set when another row was: 8
// bytes (an int32, a flag and an int64 took 16).
type first uint64

const firstRepeated first = 1 << 63

func firstAt(input int, row int64) first { return first(checks.PosOf(input, row)) }

func (f first) pos() checks.Pos { return checks.Pos(f &^ firstRepeated) }
func (f first) repeated() bool  { return f&firstRepeated != 0 }

// otherRow is a row of a non-train split.
type otherRow struct {
	fp  rowhash.Fingerprint
	pos checks.Pos
}

// firsts returns a table of first positions on budget b: when two
// aggregates of one fingerprint meet (merging workers' tables, reading back
// spilled partitions), the earlier position stays and the later goes to
// repeats.
func firsts(b *fptable.Budget, repeats *checks.RowList) *fptable.Parts[first] {
	t := fptable.NewParts(b, combineFirst)
	t.OnRepeat(func(fp rowhash.Fingerprint, e, pos *first) {
		later := max(e.pos(), pos.pos())
		repeats.Add(later.Input(), later.Row(), group(fp))
	})
	return t
}

// combineFirst folds pos, the first position of some rows with one
// fingerprint, into e, that of others.
func combineFirst(_ rowhash.Fingerprint, e, pos *first, isNew bool) {
	if isNew {
		*e = *pos
		return
	}
	*e = first(min(e.pos(), pos.pos())) | firstRepeated
}

// mergeFeature folds the feature vector aggregate o into f.
func mergeFeature(_ rowhash.Fingerprint, f, o *feature, isNew bool) {
	if isNew {
		*f = *o
		return
	}
	*f = (*f|*o)&featFlags | featRepeated | (*f&^featFlags + *o&^featFlags)
}

// group is the group id of the rows sharing a fingerprint: its fold, not
// a value.
func group(fp rowhash.Fingerprint) uint64 { return fp.Hi ^ fp.Lo }

type split struct {
	rows  int64
	train bool
}

type state struct {
	cfg *Config
	// names of every column, the basis of merge compatibility
	columns []string
	// per schema column: is it a feature, is it a string feature folded
	// for the normalised vector
	isFeature []bool
	isText    []bool
	features  []string
	texts     []string
	idIdx     int // -1: none
	idName    string
	splitIdx  int // -1: none
	splitName string
	train     []string // TrainValues, trimmed

	rows int64
	// The tables are partitioned and spill to disk under the audit's
	// memory budget (fptable.Parts). exact, feats and others are
	// partitioned by the feature fingerprint (identical rows have
	// identical features), so one partition of each holds everything a
	// lookup between them needs; without feature columns exact is
	// partitioned by the row fingerprint.
	//
	// exact holds each distinct row's first position (in (input, row)
	// order) and whether it was seen again; repeats lists every other row
	// — the exact duplicate rows themselves, for findings.parquet. Rows go
	// in as pending aggregates (fptable.Parts.Add), folded when a
	// partition is read: repeats is complete once exact has been visited
	// (Result).
	//
	// norm holds the normalised feature vectors that differ from the row's
	// own (the text of a string feature changes when normalised, see
	// labels.Normalize); the other rows mark their vector plain in feats.
	// The distinct normalised vectors are then the plain vectors and the
	// vectors of norm that are not plain, partition by partition (both
	// tables are partitioned by their own key). Most rows' text is in
	// normal form: keeping every row's normalised vector took a 16-byte
	// slot and an Add a row, 10M of them at 10M rows, for the few that
	// change.
	//
	// With a label column the distinct rows are counted instead in the
	// audit worker's row table, shared with the labels and balance checks
	// (table, rowtable), which lists their later copies the same way; exact
	// is then nil. Without a label there is no such table, and exact's
	// 24-byte slot a row is all it takes.
	//
	// marked: the row table groups rows by this check's feature vectors
	// (its features are the table's), so the table counts the feature
	// vectors instead of feats, from marks the check gives each row
	// (plain, train split, other split; mark) and with norm read beside
	// each of its partitions (plainVectors). feats and others are then
	// left empty. Appending a row to feats took 0.3–0.6 s of CPU at 10M
	// rows in profiles (see the package doc).
	exact   *fptable.Parts[first]
	repeats checks.RowList
	table   *rowtable.Table
	marked  bool
	// sum is what table counted, once Result has read it; normOnly the
	// normalised vectors of norm that no plain vector is, counted as the
	// table was read when marked.
	sum      *rowtable.Summary
	normOnly int64
	normBits keyBits // plainVectors' filter, reused from partition to partition
	feats    *fptable.Parts[feature]
	norm     *fptable.Parts[struct{}]
	// ids counts the distinct ids and lists the rows that reuse an earlier
	// row's id (complete, like repeats, after Result; ids.go); nil without
	// an id column.
	ids *ids
	// others lists the rows of non-train splits with their feature
	// fingerprint, by partition: those whose vector also occurs in the
	// train split are the leaked rows.
	others     [][]otherRow
	splits     map[string]*split
	nullSplits int64

	// the batch prepare worked out last, and what it found: the feature
	// fingerprints, the normalised ones (nil without string features),
	// and each row's split (splitKind)
	prepRec              arrow.RecordBatch
	prepInput            int
	prepOffset           int64
	batchFeat, batchNorm []rowhash.Fingerprint

	// scratch, reused between batches
	rowFP, featFP, normFP, vals []rowhash.Fingerprint
	dictFP                      []rowhash.Fingerprint
	normVals                    [][]rowhash.Fingerprint // per string feature: normalised values, where folding changes some
	normBufs                    [][]rowhash.Fingerprint // per string feature: its value fingerprints, without a memo
	normCols                    [][]rowhash.Fingerprint // per string feature: the batch's normalised values (normVals or the memo's)
	normCaches                  []*normCache            // per string feature, kept from batch to batch
	codeNorm                    []rowhash.Fingerprint   // per code: its value's normalised fingerprint
	codeChanged                 []bool                  // per code: folding changes its value
	changed                     []bool                  // per row: does folding change a string feature
	changedRows                 []int32                 // the rows whose changed is set
	normal                      []bool                  // per row of a text column: is its text in normal form (normalRows)
	all, featIdx                []int                   // column indexes: every column (the features first, checks.RowColumns), the features (checks.FeatureOrder)
	plainFeats                  int                     // features before the first string feature in featIdx
	prefixFP                    []rowhash.Fingerprint   // the fingerprints over featIdx[:plainFeats]
	buf                         []byte
	splitKind                   []int8 // per row: -1 no split (null), 0 non-train, 1 train
}

func newState(c any, env checks.Env) (checks.State, error) {
	cfg, ok := c.(*Config)
	if !ok {
		return nil, fmt.Errorf("duplicates: config is %T, want *duplicates.Config", c)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := env.Schema.NumFields()
	s := &state{cfg: cfg, isFeature: make([]bool, n), isText: make([]bool, n), idIdx: -1, splitIdx: -1,
		feats:  fptable.NewParts(env.Memory, mergeFeature),
		norm:   fptable.NewParts(env.Memory, func(rowhash.Fingerprint, *struct{}, *struct{}, bool) {}),
		splits: map[string]*split{}}
	s.others = make([][]otherRow, s.feats.Partitions())
	rc, hasTable := rowtable.NewConfig(env)
	if hasTable {
		t, err := rowtable.For(env, rc)
		if err != nil {
			return nil, fmt.Errorf("duplicates: %w", err)
		}
		s.table = t
	} else {
		s.exact = firsts(env.Memory, &s.repeats)
	}
	for _, v := range cfg.TrainValues {
		s.train = append(s.train, strings.TrimSpace(v))
	}
	want := map[string]bool{}
	for _, f := range env.Roles.Features {
		want[f] = true
	}
	for i, f := range env.Schema.Fields() {
		s.columns = append(s.columns, f.Name)
		if want[f.Name] {
			s.isFeature[i] = true
			s.featIdx = append(s.featIdx, i)
			s.features = append(s.features, f.Name)
			if checks.IsString(f.Type) {
				s.isText[i] = true
				s.texts = append(s.texts, f.Name)
			}
		}
	}
	// The string features last: normalizedRows folds a row again from the
	// first of them only (see checks.FeatureOrder).
	s.featIdx = checks.FeatureOrder(env.Schema, s.featIdx)
	s.plainFeats = checks.PlainFeatures(env.Schema, s.featIdx)
	s.all = checks.RowColumns(s.featIdx, len(s.columns))
	if hasTable && len(s.featIdx) > 0 && slices.Equal(s.featIdx, rc.Features) {
		s.marked = true
		s.table.Mark(s.mark, s.plainVectors)
	}
	if env.Roles.ID != "" {
		if idx := env.Schema.FieldIndices(env.Roles.ID); len(idx) > 0 {
			s.idIdx, s.idName = idx[0], env.Roles.ID
			s.ids = newIDs(env.Memory)
		}
	}
	if env.Roles.Split != "" {
		if idx := env.Schema.FieldIndices(env.Roles.Split); len(idx) > 0 {
			s.splitIdx, s.splitName = idx[0], env.Roles.Split
		}
	}
	return s, nil
}

func (c *Config) validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"warn_rate", c.WarnRate}, {"fail_rate", c.FailRate}, {"max_duplicate_id_rate", c.MaxDuplicateIDRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("checks.duplicates.%s: %v is not a rate between 0 and 1", r.name, r.v)
		}
	}
	if c.WarnRate > c.FailRate {
		return fmt.Errorf("checks.duplicates.warn_rate %v is above fail_rate %v", c.WarnRate, c.FailRate)
	}
	if c.MaxCrossSplitRows < 0 {
		return fmt.Errorf("checks.duplicates.max_cross_split_rows: %d is negative", c.MaxCrossSplitRows)
	}
	if len(c.TrainValues) == 0 {
		return fmt.Errorf("checks.duplicates.train_values: empty, want the names of the train split")
	}
	return nil
}

func grow(p *[]rowhash.Fingerprint, n int) []rowhash.Fingerprint {
	if cap(*p) < n {
		*p = make([]rowhash.Fingerprint, n)
	}
	return (*p)[:n]
}

func (s *state) Observe(b checks.Batch) error {
	rec := b.Record
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	if int(rec.NumCols()) != len(s.columns) {
		return fmt.Errorf("duplicates: batch has %d columns, schema %d", rec.NumCols(), len(s.columns))
	}
	// Row and feature fingerprints come from the batch's memo, shared
	// with the other checks that hash the same columns; the features
	// first, as the full row's fingerprints continue theirs (s.all lists
	// them first, see checks.RowColumns).
	memo := b.Memo
	s.prepare(b)
	featFP, normFP := s.batchFeat, s.batchNorm
	var rowFP []rowhash.Fingerprint
	if s.table != nil {
		if err := s.table.Observe(b); err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	} else {
		rowFP = memo.Rows(rec, s.all, &s.rowFP, &s.vals)
	}
	if c := s.idIdx; c >= 0 {
		s.ids.observe(b.Input, b.Offset, memo.Values(rec, c, &s.vals))
	}
	switch {
	case len(s.features) == 0:
		for i := range rowFP {
			pos := firstAt(b.Input, b.Offset+int64(i))
			s.exact.Add(s.exact.Part(rowFP[i]), rowFP[i], &pos)
		}
	case s.marked:
		// The table has the rows, with their marks (mark); norm the
		// normalised vectors that are not the rows' own.
		for i := range normFP {
			if normFP[i] != featFP[i] {
				s.norm.Add(s.norm.Part(normFP[i]), normFP[i], &struct{}{})
			}
		}
	default:
		for i := range n {
			p := s.feats.Part(featFP[i])
			if rowFP != nil {
				pos := firstAt(b.Input, b.Offset+int64(i))
				s.exact.Add(p, rowFP[i], &pos)
			}
			var f feature
			if s.splitIdx >= 0 {
				switch s.splitKind[i] {
				case 1:
					f |= featTrain
				case 0:
					f += featOther
					s.others[p] = append(s.others[p], otherRow{fp: featFP[i], pos: checks.PosOf(b.Input, b.Offset+int64(i))})
				}
			}
			if normFP != nil {
				if normFP[i] == featFP[i] {
					f |= featPlain
				} else {
					s.norm.Add(s.norm.Part(normFP[i]), normFP[i], &struct{}{})
				}
			}
			s.feats.Add(p, featFP[i], &f)
		}
	}
	s.rows += int64(n)
	return s.err()
}

// prepare works out, once a batch, what both Observe and the row table's
// mark hook (which the table calls when the labels or balance check
// observes the batch first) need: the rows' feature fingerprints, their
// normalised ones, and their splits, counted.
func (s *state) prepare(b checks.Batch) {
	rec := b.Record
	if rec == s.prepRec && b.Input == s.prepInput && b.Offset == s.prepOffset {
		return
	}
	s.prepRec, s.prepInput, s.prepOffset = rec, b.Input, b.Offset
	s.batchFeat = b.Memo.FeatureRows(rec, s.featIdx, s.plainFeats, &s.featFP, &s.vals)
	s.batchNorm = nil
	if len(s.texts) > 0 {
		s.batchNorm = s.normalizedRows(rec, b.Memo, s.batchFeat)
	}
	if c := s.splitIdx; c >= 0 {
		s.observeSplits(rec.Column(c), int(rec.NumRows()))
	}
}

// mark is the row table's mark hook (see state.marked): a row is plain
// when folding its text changes nothing (with string features), and in
// the train split or another.
func (s *state) mark(b checks.Batch, marks []rowtable.Mark) {
	s.prepare(b)
	feat, norm := s.batchFeat, s.batchNorm
	for i := range marks {
		var m rowtable.Mark
		if norm != nil && norm[i] == feat[i] {
			m = rowtable.MarkPlain
		}
		if s.splitIdx >= 0 {
			switch s.splitKind[i] {
			case 1:
				m |= rowtable.MarkTrain
			case 0:
				m |= rowtable.MarkOther
			}
		}
		marks[i] = m
	}
}

// plainVectors is the row table's plain hook (see state.marked): it reads
// norm's partition p, the table's partition's twin, and counts into
// normOnly its vectors that are not among the partition's plain vectors.
func (s *state) plainVectors(p int, plain []rowhash.Fingerprint) error {
	if len(s.texts) == 0 {
		return nil
	}
	n, err := s.norm.Open(p)
	if err != nil {
		return err
	}
	s.norm.Prefetch(p + 1)
	// Most plain vectors are no other row's normalised vector: a bit per
	// key of the partition's normalised vectors rules most of them out
	// without a lookup, which misses the processor's caches (0.18 s of
	// CPU at 10M rows, on the goroutine the row table is counted on).
	s.normBits.reset(n.Len())
	n.Each(func(k rowhash.Fingerprint, _ *struct{}) { s.normBits.set(k) })
	both := 0
	for _, v := range plain {
		if s.normBits.has(v) && n.Get(v) != nil {
			both++
		}
	}
	s.normOnly += int64(n.Len() - both)
	return s.norm.Close(p)
}

// keyBits is a set of fingerprints as a bitmap of 16 to 32 bits a key,
// one bit each (a Bloom filter with one hash): has is false for a key not
// set, and true for a key not set once in 16 or fewer.
type keyBits struct {
	words []uint64
	shift uint
}

// reset sizes the bitmap for n keys, all clear (reusing its memory).
func (b *keyBits) reset(n int) {
	b.shift = uint(64 - max(12, bits.Len(uint(16*n))))
	words := 1 << (64 - b.shift) / 64
	if cap(b.words) < words {
		b.words = make([]uint64, words)
	}
	b.words = b.words[:words]
	clear(b.words)
}

func (b *keyBits) bit(fp rowhash.Fingerprint) (int, uint64) {
	h := ((fp.Hi ^ fp.Lo) * 0x9E3779B97F4A7C15) >> b.shift
	return int(h >> 6), 1 << (h & 63)
}

func (b *keyBits) set(fp rowhash.Fingerprint) {
	w, m := b.bit(fp)
	b.words[w] |= m
}

func (b *keyBits) has(fp rowhash.Fingerprint) bool {
	w, m := b.bit(fp)
	return b.words[w]&m != 0
}

// err is the first spill error of any of the check's own tables (the
// shared row table reports its own from Observe).
func (s *state) err() error {
	errs := []error{s.feats.Err(), s.norm.Err()}
	if s.ids != nil {
		errs = append(errs, s.ids.Err())
	}
	if s.exact != nil {
		errs = append(errs, s.exact.Err())
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	}
	return nil
}

// observeSplits counts rows per split value and records, in s.splitKind,
// whether each row is in the train split, another split, or none.
func (s *state) observeSplits(arr arrow.Array, n int) {
	if cap(s.splitKind) < n {
		s.splitKind = make([]int8, n)
	}
	kinds := s.splitKind[:n]
	for i := range n {
		v, ok := labels.Text(arr, i)
		if !ok {
			s.nullSplits++
			kinds[i] = -1
			continue
		}
		sp := s.splits[v]
		if sp == nil {
			// v may point into the batch's buffers: keep a copy.
			v = strings.Clone(v)
			sp = &split{train: s.isTrain(v)}
			s.splits[v] = sp
		}
		sp.rows++
		kinds[i] = 0
		if sp.train {
			kinds[i] = 1
		}
	}
}

// isTrain reports whether a split value names the train split.
func (s *state) isTrain(v string) bool {
	v = strings.TrimSpace(v)
	for _, t := range s.train {
		if strings.EqualFold(v, t) {
			return true
		}
	}
	return false
}

// normalizedRows returns the fingerprints of the rows' normalised feature
// vectors: the feature values, string features folded with
// labels.Normalize. Most text is in normal form already, and a row whose
// string features all are has the normalised fingerprint featFP (the same
// values folded in the same order), so only the rows that folding changes
// are hashed again.
func (s *state) normalizedRows(rec arrow.RecordBatch, memo *checks.Memo, featFP []rowhash.Fingerprint) []rowhash.Fingerprint {
	n := len(featFP)
	normFP := grow(&s.normFP, n)
	copy(normFP, featFP)
	if cap(s.changed) < n {
		s.changed = make([]bool, n)
	}
	changed := s.changed[:n]
	clear(changed)
	if len(s.normVals) < len(s.texts) {
		s.normVals = make([][]rowhash.Fingerprint, len(s.texts))
		s.normBufs = make([][]rowhash.Fingerprint, len(s.texts))
		s.normCols = make([][]rowhash.Fingerprint, len(s.texts))
		s.normCaches = make([]*normCache, len(s.texts))
		for t := range s.normCaches {
			s.normCaches[t] = new(normCache)
		}
	}
	t := 0
	for _, c := range s.featIdx {
		if s.isText[c] {
			vals := memo.Values(rec, c, &s.normBufs[t])
			s.normCols[t] = s.normalized(rec.Column(c), memo.StrCodes(rec, c), vals, &s.normVals[t], changed, s.normCaches[t])
			t++
		}
	}
	rows := s.changedRows[:0]
	for i, ch := range changed {
		if ch {
			rows = append(rows, int32(i))
		}
	}
	s.changedRows = rows
	if len(rows) == 0 {
		return normFP
	}
	// The string features come last (checks.FeatureOrder): a changed row
	// is folded again from the fingerprint over the features before them.
	if s.plainFeats > 0 {
		prefix := memo.Rows(rec, s.featIdx[:s.plainFeats], &s.prefixFP, &s.vals)
		for _, i := range rows {
			normFP[i] = prefix[i]
		}
	} else {
		seed := rowhash.Seed()
		for _, i := range rows {
			normFP[i] = seed
		}
	}
	for t := range s.featIdx[s.plainFeats:] {
		vals := s.normCols[t]
		for _, i := range rows {
			normFP[i] = rowhash.Fold(normFP[i], vals[i])
		}
	}
	return normFP
}

// normalized returns the fingerprints of a string column's values folded
// by labels.Normalize, given vals, those of its values, and sets
// changed[i] for every row whose fingerprint that changes; nulls stay
// null. vals is not written: where folding changes nothing it is what is
// returned, and otherwise a copy in *own, changed where folding changes a
// value.
//
// A column with codes (sc; the checks' memo works them out for a column
// of few values a batch, see checks.StrCodes) has each of its values
// folded once, and its rows are not read at all when folding changes none
// of them, as for most category columns.
func (s *state) normalized(arr arrow.Array, sc *checks.StrCodes, vals []rowhash.Fingerprint, own *[]rowhash.Fingerprint, changed []bool, cache *normCache) []rowhash.Fingerprint {
	if sc != nil {
		return s.normalizedCodes(sc, vals, own, changed)
	}
	switch a := arr.(type) {
	case *array.String:
		return normalizeStrings(s, a, vals, own, changed, cache)
	case *array.LargeString:
		return normalizeStrings(s, a, vals, own, changed, cache)
	case *array.StringView:
		return normalizeStrings(s, a, vals, own, changed, cache)
	case *array.Dictionary:
		dict, ok := a.Dictionary().(stringArray)
		if !ok {
			return vals
		}
		// Each dictionary entry is folded once.
		fps := grow(&s.dictFP, dict.Len())
		for j := range fps {
			if dict.IsNull(j) {
				fps[j] = rowhash.Null()
			} else {
				fps[j] = s.normalizedFP(dict.Value(j))
			}
		}
		out := vals
		for i := range vals {
			if a.IsValid(i) {
				if fp := fps[a.GetValueIndex(i)]; fp != vals[i] {
					out = ownCopy(out, vals, own)
					out[i] = fp
					changed[i] = true
				}
			}
		}
		return out
	}
	return vals
}

// ownCopy returns out if it is not vals, or else a copy of vals in *own.
func ownCopy(out, vals []rowhash.Fingerprint, own *[]rowhash.Fingerprint) []rowhash.Fingerprint {
	if len(out) > 0 && &out[0] != &vals[0] {
		return out
	}
	out = grow(own, len(vals))
	copy(out, vals)
	return out
}

// normalizedCodes is normalized for a column with codes.
func (s *state) normalizedCodes(sc *checks.StrCodes, vals []rowhash.Fingerprint, own *[]rowhash.Fingerprint, changed []bool) []rowhash.Fingerprint {
	k := len(sc.Values)
	norm := grow(&s.codeNorm, k)
	if cap(s.codeChanged) < k {
		s.codeChanged = make([]bool, k)
	}
	ch := s.codeChanged[:k]
	some := false
	for c, v := range sc.Values {
		ch[c] = false
		if isNormalASCII(v) {
			continue
		}
		if fp := s.normalizedFP(v); fp != rowhash.String(v) {
			norm[c], ch[c], some = fp, true, true
		}
	}
	if !some {
		return vals
	}
	out := ownCopy(vals, vals, own)
	for i, c := range sc.Codes[:len(vals)] {
		if c >= 0 && ch[c] {
			out[i] = norm[c]
			changed[i] = true
		}
	}
	return out
}

type stringArray interface {
	arrow.Array
	Value(int) string
}

// normCache remembers the normalised fingerprints of a column's recent
// values, by value fingerprint, direct mapped: a column of few distinct
// values (a category) is then folded once per value, not once per row.
// Two values sharing a fingerprint share the entry — the collision the
// counts are already exact up to.
type normCache [1024]struct {
	key, norm rowhash.Fingerprint
	ok        bool
}

func normalizeStrings(s *state, a stringArray, vals []rowhash.Fingerprint, own *[]rowhash.Fingerprint, changed []bool, cache *normCache) []rowhash.Fingerprint {
	null := rowhash.Null()
	out := vals
	// normal, where the processor could work it out for every row at
	// once, says which rows' text isNormalASCII: those are left as they
	// are without a look at the cache, and the others are not tested
	// again.
	normal := s.normalRows(a)
	for i := range vals {
		if normal != nil && normal[i] {
			continue
		}
		// A null's fingerprint is Null: the bitmap is read for those alone.
		fp := vals[i]
		if fp == null && a.IsNull(i) {
			continue
		}
		e := &cache[fp.Lo%uint64(len(cache))]
		if !e.ok || e.key != fp {
			e.key, e.norm, e.ok = fp, fp, true
			if v := a.Value(i); normal != nil || !isNormalASCII(v) {
				// (In normal form, its own fingerprint: fp.)
				e.norm = s.normalizedFP(v)
			}
		}
		if e.norm != fp {
			out = ownCopy(out, vals, own)
			out[i] = e.norm
			changed[i] = true
		}
	}
	return out
}

// normalRows returns, for a String array, whether each row's text
// isNormalASCII (a null's is ""), worked out with AVX-512 for the whole
// batch in one call (normalAllAVX512); nil for another array or without
// AVX-512. On the 10M-row benchmark's text column, isNormalASCII called a
// row at a time took 0.15 s of CPU (docs/performance.md, 2026-11-30 zg).
func (s *state) normalRows(a stringArray) []bool {
	sa, ok := a.(*array.String)
	if !ok || !useAVX512 || sa.Len() == 0 {
		return nil
	}
	n := sa.Len()
	if cap(s.normal) < n {
		s.normal = make([]bool, n)
	}
	out := s.normal[:n]
	// The offsets index the whole values buffer (ValueBytes would slice
	// it from the first value).
	var data *byte
	if bufs := sa.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		data = unsafe.SliceData(bufs[2].Bytes())
	}
	normalAllAVX512(data, unsafe.SliceData(sa.ValueOffsets()), n, unsafe.SliceData(out))
	return out
}

// normalizedFP is the fingerprint of labels.Normalize(v), folded into a
// reused buffer.
func (s *state) normalizedFP(v string) rowhash.Fingerprint {
	s.buf = labels.AppendNormalized(s.buf[:0], v)
	return rowhash.Bytes(s.buf)
}

// asciiKept[b] reports whether labels.Normalize keeps the byte b as it is
// between two letters: true for the space and for the ASCII bytes it
// neither drops (punctuation), lowers (upper case) nor turns into a space
// (other white space). It is read off labels.Normalize itself, so that the
// fast path below cannot drift from it.
var asciiKept = func() (k [256]bool) {
	for b := range 128 {
		s := "a" + string(rune(b)) + "a"
		k[b] = labels.Normalize(s) == s
	}
	return k
}()

// isNormalASCII reports whether s is ASCII text that labels.Normalize
// leaves as it is: every byte kept, spaces single and between other bytes.
// It is false for any non-ASCII text, normal or not (NFKC and Unicode case
// folding would have to be checked): such text takes the slow path.
//
// Text of lower-case letters, digits and single spaces, the most common
// normal text, is read eight bytes at a time (plainWord); a word with any
// other byte sends the whole string to the byte-at-a-time loop
// (isNormalASCIIBytes), which decides. On the 203-column benchmark file,
// with 40 text columns, the byte loop alone took 0.94 s of CPU.
func isNormalASCII(s string) bool {
	n := len(s)
	if n < 8 {
		return isNormalASCIIBytes(s)
	}
	if s[0] == ' ' || s[n-1] == ' ' {
		return false
	}
	var prev uint64 // high bit of byte 0 set: the byte before the word is a space
	for i := 0; ; i += 8 {
		if i > n-8 {
			// The last word overlaps the one before, which has checked
			// the spaces where they meet.
			i, prev = n-8, 0
		}
		sp, ok := plainWord(checks.Load64(s, i))
		if !ok {
			return isNormalASCIIBytes(s)
		}
		if sp&(sp<<8|prev) != 0 {
			return false // two spaces in a row
		}
		if i == n-8 {
			return true
		}
		prev = sp >> 56
	}
}

// isNormalASCIIBytes is isNormalASCII a byte at a time.
func isNormalASCIIBytes(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || !asciiKept[s[0]] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if b := s[i]; !asciiKept[b] || b == ' ' && s[i-1] == ' ' {
			return false
		}
	}
	return true
}

// plainWord reports whether every byte of w is a lower-case ASCII letter,
// a digit or a space (all kept by labels.Normalize, see asciiKept), and
// returns the high bit of each space byte set. Each test adds a constant
// to every byte at once: an ASCII byte plus at most 0x7f carries into its
// own high bit and never into the next byte.
func plainWord(w uint64) (spaces uint64, ok bool) {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	if w&highs != 0 {
		return 0, false
	}
	lower := (w + (0x80-'a')*ones) &^ (w + (0x7f-'z')*ones) // 'a' <= b <= 'z'
	digit := (w + (0x80-'0')*ones) &^ (w + (0x7f-'9')*ones) // '0' <= b <= '9'
	y := w ^ ' '*ones                                       // zero where b is a space
	spaces = ^((y&(0x7f*ones) + 0x7f*ones) | y) & highs
	return spaces, (lower|digit|spaces)&highs == highs
}

func (s *state) Merge(o checks.State) error {
	other, ok := o.(*state)
	if !ok {
		return fmt.Errorf("merge %T into duplicates state", o)
	}
	if !slices.Equal(s.columns, other.columns) || !slices.Equal(s.features, other.features) ||
		s.idName != other.idName || s.splitName != other.splitName || s.marked != other.marked {
		return fmt.Errorf("merge duplicates states over different columns or roles")
	}
	s.rows += other.rows
	if s.table != nil {
		if s.sum != nil {
			return errors.New("duplicates: merging into a state whose result was read")
		}
		if err := s.table.Merge(other.table); err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	} else {
		s.repeats.Merge(&other.repeats)
		if err := s.exact.Merge(other.exact); err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	}
	if err := cmp.Or(s.feats.Merge(other.feats), s.norm.Merge(other.norm)); err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	if s.ids != nil {
		if err := s.ids.merge(other.ids); err != nil {
			return err
		}
	}
	for p := range s.others {
		s.others[p] = append(s.others[p], other.others[p]...)
		other.others[p] = nil
	}
	for v, osp := range other.splits {
		sp := s.splits[v]
		if sp == nil {
			sp = &split{train: osp.train}
			s.splits[v] = sp
		}
		sp.rows += osp.rows
	}
	s.nullSplits += other.nullSplits
	return s.err()
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (s *state) Result() (checks.Result, error) {
	m := Metrics{Rows: s.rows, FeatureColumns: nonNil(s.features), NormalizedTextColumns: nonNil(s.texts),
		Method: Method, CollisionBound: float64(s.rows) * float64(s.rows) / math.Exp2(129)}
	// Each table is read once, a partition at a time (partitions spilled
	// to disk are read back and combined, completing repeats and ids'
	// repeats). The shared row table last: another check may be reading it
	// meanwhile, and this one waits for it.
	var cross int64
	anyTrain := false
	if len(s.features) > 0 && !s.marked {
		distinct, normDistinct, err := s.countFeatures(&m.DuplicateFeatureGroups, &cross)
		if err != nil {
			return checks.Result{}, fmt.Errorf("duplicates: %w", err)
		}
		m.DuplicateFeatureRows = s.rows - distinct
		m.NormalizedTextDuplicates = m.DuplicateFeatureRows // no string feature to fold
		if len(s.texts) > 0 {
			m.NormalizedTextDuplicates = s.rows - normDistinct
		}
	}
	if s.idIdx >= 0 {
		m.IDColumn = s.idName
		distinct, err := s.ids.result()
		if err != nil {
			return checks.Result{}, fmt.Errorf("duplicates: %w", err)
		}
		m.DuplicateIDs = checks.Int(s.ids.rows - distinct)
	}
	distinct, err := s.countRows(&m.DuplicateGroups)
	if err != nil {
		return checks.Result{}, fmt.Errorf("duplicates: %w", err)
	}
	m.ExactDuplicateRows = s.rows - distinct
	m.ExactDuplicateRate = rate(m.ExactDuplicateRows, s.rows)
	if s.marked {
		sum := s.sum
		m.DuplicateFeatureRows = s.rows - sum.FeatureVectors
		m.DuplicateFeatureGroups = sum.RepeatedVectors
		cross = sum.CrossSplitRows
		m.NormalizedTextDuplicates = m.DuplicateFeatureRows
		if len(s.texts) > 0 {
			m.NormalizedTextDuplicates = s.rows - (sum.PlainVectors + s.normOnly)
		}
	}
	if s.splitIdx >= 0 {
		m.SplitColumn = s.splitName
		m.SplitRows = map[string]int64{}
		m.TrainSplits = []string{}
		for v, sp := range s.splits {
			m.SplitRows[v] += sp.rows
			if sp.train {
				anyTrain = true
				m.TrainSplits = append(m.TrainSplits, v)
			}
		}
		sort.Strings(m.TrainSplits)
		if s.nullSplits > 0 {
			m.SplitRows[NullSplit] += s.nullSplits
		}
		if anyTrain && len(s.features) > 0 {
			m.CrossSplitRows = checks.Int(cross)
		}
	}

	if s.rows == 0 {
		return checks.NewResult(Check.Name, checks.NotApplicable, nil, m,
			[]checks.Finding{{Code: "DUP000", Severity: checks.Info, Message: "the dataset has no rows"}})
	}

	var findings []checks.Finding
	status := checks.Pass
	worst := func(st checks.Status) {
		if st == checks.Fail || (st == checks.Warn && status == checks.Pass) {
			status = st
		}
	}
	cfg := s.cfg
	switch r := m.ExactDuplicateRate; {
	case r > cfg.FailRate:
		worst(checks.Fail)
		findings = append(findings, checks.Finding{Code: "DUP001", Severity: checks.Error,
			Message: fmt.Sprintf("%d of %d rows (%.2f%%) repeat an earlier row exactly, in %d groups; above the fail rate %.2f%%",
				m.ExactDuplicateRows, s.rows, 100*r, m.DuplicateGroups, 100*cfg.FailRate),
			Value: checks.Float(r), Threshold: checks.Float(cfg.FailRate), Setting: "checks.duplicates.fail_rate",
			Rows: checks.Int(m.ExactDuplicateRows)})
	case r > cfg.WarnRate:
		worst(checks.Warn)
		findings = append(findings, checks.Finding{Code: "DUP002", Severity: checks.Warning,
			Message: fmt.Sprintf("%d of %d rows (%.2f%%) repeat an earlier row exactly, in %d groups; above the warning rate %.2f%%",
				m.ExactDuplicateRows, s.rows, 100*r, m.DuplicateGroups, 100*cfg.WarnRate),
			Value: checks.Float(r), Threshold: checks.Float(cfg.WarnRate), Setting: "checks.duplicates.warn_rate",
			Rows: checks.Int(m.ExactDuplicateRows)})
	}
	if m.DuplicateIDs != nil {
		if r := rate(*m.DuplicateIDs, s.rows); r > cfg.MaxDuplicateIDRate {
			worst(checks.Warn)
			findings = append(findings, checks.Finding{Code: "DUP003", Severity: checks.Warning, Column: s.idName,
				Message: fmt.Sprintf("%d rows (%.2f%%) reuse the %q of an earlier row; above the rate %.2f%%",
					*m.DuplicateIDs, 100*r, s.idName, 100*cfg.MaxDuplicateIDRate),
				Value: checks.Float(r), Threshold: checks.Float(cfg.MaxDuplicateIDRate), Setting: "checks.duplicates.max_duplicate_id_rate",
				Rows: m.DuplicateIDs})
		}
	} else {
		findings = append(findings, checks.Finding{Code: "DUP008", Severity: checks.Info,
			Message: "no id column, so duplicate ids are not counted"})
	}
	leak := false
	if m.CrossSplitRows != nil && *m.CrossSplitRows > cfg.MaxCrossSplitRows {
		leak = true
		worst(checks.Fail)
		findings = append(findings, checks.Finding{Code: "DUP004", Severity: checks.Error, Column: s.splitName,
			Message: fmt.Sprintf("%d rows outside the train split have a feature vector that also occurs in the train split (train/test leakage); at most %d allowed",
				*m.CrossSplitRows, cfg.MaxCrossSplitRows),
			Value: checks.Float(float64(*m.CrossSplitRows)), Threshold: checks.Float(float64(cfg.MaxCrossSplitRows)),
			Setting: "checks.duplicates.max_cross_split_rows", Rows: m.CrossSplitRows})
	}
	if len(s.features) == 0 {
		findings = append(findings, checks.Finding{Code: "DUP007", Severity: checks.Info,
			Message: "no feature columns, so duplicate feature vectors, near-duplicate text and train/test leakage are not measured"})
	} else {
		if m.DuplicateFeatureRows > 0 {
			findings = append(findings, checks.Finding{Code: "DUP005", Severity: checks.Info,
				Message: fmt.Sprintf("%d of %d rows (%.2f%%) repeat the feature vector of an earlier row, in %d groups",
					m.DuplicateFeatureRows, s.rows, 100*rate(m.DuplicateFeatureRows, s.rows), m.DuplicateFeatureGroups),
				Value: checks.Float(rate(m.DuplicateFeatureRows, s.rows)), Rows: checks.Int(m.DuplicateFeatureRows)})
		}
		if near := m.NormalizedTextDuplicates - m.DuplicateFeatureRows; near > 0 {
			findings = append(findings, checks.Finding{Code: "DUP006", Severity: checks.Info,
				Message: fmt.Sprintf("%d further rows repeat an earlier row's features once text is compared without case, punctuation or extra white space (%d normalised duplicates in all)",
					near, m.NormalizedTextDuplicates),
				Value: checks.Float(rate(m.NormalizedTextDuplicates, s.rows)), Rows: checks.Int(near)})
		}
	}
	switch {
	case s.splitIdx < 0:
		findings = append(findings, checks.Finding{Code: "DUP009", Severity: checks.Info,
			Message: "no split column, so train/test leakage is not measured"})
	case !anyTrain:
		worst(checks.Warn)
		findings = append(findings, checks.Finding{Code: "DUP010", Severity: checks.Warning, Column: s.splitName,
			Message: fmt.Sprintf("the split column %q holds no value matching train_values %q, so train/test leakage is not measured", s.splitName, cfg.TrainValues),
			Setting: "checks.duplicates.train_values",
			Rows:    checks.Int(s.rows)})
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Code < findings[j].Code })

	score := 100 * (1 - m.ExactDuplicateRate)
	if leak {
		score = min(score, 50)
	}
	score = math.Round(score*100) / 100
	return checks.NewResult(Check.Name, status, &score, m, findings)
}

// count visits t and returns its number of entries, adding to *n the
// number for which f is true (when f and n are not nil).
func count[V any](t *fptable.Parts[V], f func(V) bool, n *int64) (int64, error) {
	var entries, matched int64
	err := t.Visit(func(_ int, tb *fptable.Table[V]) {
		entries += int64(tb.Len())
		if f == nil {
			return
		}
		tb.Each(func(_ rowhash.Fingerprint, v *V) {
			if f(*v) {
				matched++
			}
		})
	})
	if n != nil {
		*n += matched
	}
	return entries, err
}

// countRows returns the number of distinct full rows and adds to groups
// those with more than one copy, from the shared row table when there is
// one (and keeps what it counted, for FlaggedRows), or from exact.
func (s *state) countRows(groups *int64) (int64, error) {
	if s.table == nil {
		return count(s.exact, first.repeated, groups)
	}
	sum, err := s.table.Result()
	if err != nil {
		return 0, err
	}
	s.sum = sum
	*groups += sum.Repeated
	return sum.Distinct, nil
}

// countFeatures reads the feature table, and with it the normalised one
// (see state.norm), a partition at a time. It returns the distinct feature
// vectors and the distinct normalised ones (those with string features),
// and adds to groups the vectors seen more than once and to cross the
// rows of other splits whose vector is in the train split.
func (s *state) countFeatures(groups, cross *int64) (distinct, normDistinct int64, err error) {
	var normErr error
	err = s.feats.Visit(func(p int, t *fptable.Table[feature]) {
		distinct += int64(t.Len())
		t.Each(func(_ rowhash.Fingerprint, f *feature) {
			if f.train() {
				*cross += f.other()
			}
			if f.repeated() {
				*groups++
			}
			if f.plain() {
				normDistinct++
			}
		})
		if len(s.texts) == 0 || normErr != nil {
			return
		}
		n, err := s.norm.Open(p)
		if err != nil {
			normErr = err
			return
		}
		s.norm.Prefetch(p + 1)
		n.Each(func(k rowhash.Fingerprint, _ *struct{}) {
			if f := t.Get(k); f == nil || !f.plain() {
				normDistinct++
			}
		})
		normErr = s.norm.Close(p)
	})
	return distinct, normDistinct, cmp.Or(err, normErr)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Release gives back the memory of the state's tables (see
// [checks.Releaser]); the shared row table gave back its own when it was
// read.
func (s *state) Release() {
	if s.exact != nil {
		s.exact.Free()
	}
	s.feats.Free()
	s.norm.Free()
	if s.ids != nil {
		s.ids.release()
	}
	s.others = nil
}

// FlaggedRows lists, for findings.parquet, the rows behind the findings
// the result reports: the exact duplicate rows (every row of a group but
// its first, in (input, row) order) under DUP001 or DUP002, the rows
// reusing an earlier row's id under DUP003, and the rows of other splits
// whose feature vector occurs in the train split under DUP004. The group
// id ties a row to the others with the same row, id or feature vector.
func (s *state) FlaggedRows(res checks.Result) ([]checks.RowStream, error) {
	var out []checks.RowStream
	for _, f := range res.Findings {
		switch f.Code {
		case "DUP001", "DUP002":
			if s.sum != nil {
				out = append(out, s.sum.Copies.Stream(f.Code, ""))
			} else {
				out = append(out, s.repeats.Stream(f.Code, ""))
			}
		case "DUP003":
			out = append(out, s.ids.repeats.Stream(f.Code, s.idName))
		case "DUP004":
			if s.marked {
				out = append(out, s.sum.Leaked.Stream(f.Code, s.splitName))
				continue
			}
			var leaked checks.RowList
			err := s.feats.Visit(func(p int, t *fptable.Table[feature]) {
				for _, o := range s.others[p] {
					if f := t.Get(o.fp); f != nil && f.train() {
						leaked.Add(o.pos.Input(), o.pos.Row(), group(o.fp))
					}
				}
			})
			if err != nil {
				return nil, fmt.Errorf("duplicates: %w", err)
			}
			out = append(out, leaked.Stream(f.Code, s.splitName))
		}
	}
	return out, nil
}
