// Package rowtable is the per-row table the duplicates, labels and
// balance checks share when the dataset has a label column: one entry per
// distinct full row, partitioned by the row's feature vector, from which
// duplicates reads its exact duplicate rows, labels its conflicting
// labels, and balance its usable rows.
//
// The three checks used to keep a table each, built from the same rows:
// duplicates the first position of each distinct full row (a 24-byte slot
// appended per row), labels a conflict group per feature vector (48 bytes
// a row, and every later row of a group listed beside it), balance an
// entry per distinct full row (56 bytes a row) in which it found the
// conflicting groups again. At 10M rows that was 1.3 GB appended, mostly
// spilled under the memory budget and read back, and three tables folded.
// One 64-byte slot a row now serves all three, and the conflicting groups
// are found once. Without a label column only duplicates would use it,
// and keeps its 24-byte table instead.
//
// A [Table] is a mergeable state of its own (see [checks.Shared]): the
// checks using it call [Table.Observe], [Table.Merge] and [Table.Result]
// from theirs, and the first call for a batch, a merge or the result does
// the work. In a run the pipeline gives each worker one table, and merges
// every check's states before reading any result; a check's state made on
// its own (in tests) has a table of its own.
//
// # What is kept
//
// Every row goes in as an entry, keyed by its full row's fingerprint
// (every column the checks see, the features first, see
// [checks.RowColumns]): the row's feature fingerprint, its label's
// fingerprint, its position with two flags (labelled: the label is not
// null; stale: its time is before [checks.Env.StaleBefore]) and its
// annotator's key. Rows go in as pending aggregates ([fptable.Parts.Add])
// in the partition of their feature vector — of the full row when there
// are no features — and the copies of a full row are folded together a
// partition at a time when the table is read, into one entry (the first
// copy's) and a count of copies. Copies of a full row share their label,
// time and annotator, which are columns of it.
//
// # What is found
//
// [Table.Result] reads each partition once. Every distinct full row of a
// feature vector is in that vector's partition, so the partition alone
// tells which of its vectors are conflicting: two or more labelled rows
// with different label fingerprints. From there it counts what duplicates
// reports (distinct full rows, those with copies, and the copies to list
// in findings.parquet), what the labels check reports (feature vectors,
// conflicting groups, their rows, each annotator's labelled rows in them,
// the rows to list) and what balance reports (rows without a label, in a
// conflicting group, stale, duplicate copies, usable, and the usable rows
// of each label). The later copies of a row — their positions — are
// listed as the partition is folded, and dropped once it is counted.
//
// A partition is drained ([fptable.Parts.Drain]) and folded by the table
// itself; fptable never folds it. With features, it is not folded whole:
// its rows' feature vectors are marked in a bitmap first, and a row whose
// vector no other row of the partition has is counted as it is — most
// rows are. Only the others are folded, into a table a fraction of the
// partition's size (see counter.countPart). Partitions are counted on
// two or more goroutines at once, each counting into a summary of its own
// (see count).
//
// The duplicates check may mark the rows ([Table.Mark]): whether a row's
// text is in normal form, and its split. The table then also counts, as it
// groups each partition's rows by feature vector, the vectors in normal
// form and the rows of another split whose vector is in the train split,
// and lists those; the check reads its normalised vectors beside each
// partition. The marks take the top 3 bits of the word of an entry's
// annotator key, so the slot stays 64 bytes, and duplicates needs no
// table of feature vectors of its own.
//
// Until 2026-11-29 an entry also held its count of copies, a 72-byte slot:
// every row went in as one copy, and 8 bytes of every slot appended,
// spilled and read back said so (docs/performance.md, 2026-11-29 w).
//
// The summary is kept: Result is repeatable, and the table's memory is
// given back once it is read (its spilled runs stay on disk until the
// budget's files are removed, at the end of the audit). A table that was
// read cannot be merged into, nor observe rows.
//
// # Bounds
//
// The partitions drained and the tables a partition's copies are folded
// into (one of each a counter) are held on the memory budget. What stays
// outside it: the later copies of the partitions being counted (24 bytes
// each); the row lists, bounded like every flagged-row list
// ([checks.MaxFlaggedRows]); and the per-label and per-annotator counts,
// bounded by what the checks ask ([Table.CountLabels],
// [Table.CountAnnotators]) — past the bound a count is dropped and the
// summary says so.
package rowtable

import (
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
	"github.com/readiness/readiness/checks/timecol"
)

// entry is what the table keeps of one row as it is added: 48 bytes, a
// 64-byte slot with its key — one cache line. The count of a full row's
// copies is not in it: every row goes in as one copy, and the count is
// kept where copies are folded together, at the end ([folded]).
type entry struct {
	feat  rowhash.Fingerprint
	label rowhash.Fingerprint // rowhash.Null when the label is null
	// pos is the first copy's checks.Pos, with labelledBit and staleBit.
	pos uint64
	// ann is the annotator's key (see Observe; 0 for none or when the row
	// is not labelled) below annKeyBits, with the row's Marks above.
	ann uint64
}

const (
	labelledBit = 1 << 63
	staleBit    = 1 << 62
	flagBits    = labelledBit | staleBit
)

// The flags must fit above a position.
var _ = [1]struct{}{}[flagBits&^checks.PosFlags]

// annKeyBits is the width of an annotator's key in entry.ann; the Marks
// take the bits above it.
const (
	annKeyBits = 61
	annKeyMask = 1<<annKeyBits - 1
)

// The marks must fit above the key.
var _ = [1]struct{}{}[uint64(MarkPlain|MarkTrain|MarkOther)>>(64-annKeyBits)]

func (e *entry) first() checks.Pos { return checks.Pos(e.pos &^ flagBits) }
func (e *entry) labelled() bool    { return e.pos&labelledBit != 0 }
func (e *entry) stale() bool       { return e.pos&staleBit != 0 }
func (e *entry) annKey() uint64    { return e.ann & annKeyMask }
func (e *entry) marks() Mark       { return Mark(e.ann >> annKeyBits) }

// folded is a distinct full row as the count folds its copies together:
// its entry, from its first copy, and its number of copies.
type folded struct {
	entry
	n int64
}

// Mark is what the duplicates check tells the table of a row ([Table.Mark]),
// for the counts over feature vectors it reads from the summary.
type Mark uint8

const (
	// MarkPlain: the row's normalised feature vector is its own.
	MarkPlain Mark = 1 << iota
	// MarkTrain: the row is in the train split; MarkOther: in another.
	MarkTrain
	MarkOther
)

// combine folds src, one copy of row k, into dst, the copies of it
// folded so far: copies of one row agree on everything but their
// positions (their marks too: they are read off the row's columns).
func combine(_ rowhash.Fingerprint, dst *folded, src *entry, isNew bool) {
	if isNew {
		*dst = folded{entry: *src, n: 1}
		return
	}
	if src.first() < dst.first() {
		dst.pos = src.pos
	}
	dst.n++
}

// copyRow is a later copy of a full row, listed by the repeat hook.
type copyRow struct {
	key rowhash.Fingerprint
	pos checks.Pos
}

// Config names the columns a table reads, as indexes into the schema of
// the batches it observes. Every state sharing a table must pass the same.
type Config struct {
	// Features are the feature columns, in the order of
	// checks.FeatureOrder; Full every column of a full row, the features
	// first ([checks.RowColumns]).
	Features, Full []int
	// Plain is the number of features before the first string one
	// (checks.PlainFeatures).
	Plain int
	// Label is the label column; Annotator the annotator's, -1 for none.
	Label, Annotator int
	// Time is the time column, -1 for none (nothing is stale); a row is
	// stale when its time is before StaleBefore, in microseconds
	// (timecol).
	Time        int
	StaleBefore int64
}

// NewConfig resolves the table's columns from env: the features are the
// role's columns other than the label and the annotator, in schema order;
// rows are stale against env.StaleBefore when the time column is one
// timecol reads. ok is false when the schema has no label column: there is
// nothing to count.
func NewConfig(env checks.Env) (c Config, ok bool) {
	schema := env.Schema
	if schema == nil {
		return c, false
	}
	index := func(name string) int {
		if name != "" {
			if ix := schema.FieldIndices(name); len(ix) > 0 {
				return ix[0]
			}
		}
		return -1
	}
	c = Config{Label: index(env.Roles.Label), Annotator: index(env.Roles.Annotator), Time: -1}
	if c.Label < 0 {
		return c, false
	}
	c.Features = Features(env)
	c.Plain = checks.PlainFeatures(schema, c.Features)
	c.Full = checks.RowColumns(c.Features, schema.NumFields())
	if t := index(env.Roles.Time); t >= 0 && !env.StaleBefore.IsZero() && timecol.Supported(schema.Field(t).Type) {
		c.Time, c.StaleBefore = t, timecol.FromTime(env.StaleBefore)
	}
	return c, true
}

// Features returns the indexes of the feature columns a table groups rows
// by: the role's columns but the label and the annotator, each once,
// whatever order the role lists them in, in the order of
// [checks.FeatureOrder].
func Features(env checks.Env) []int {
	if env.Schema == nil {
		return nil
	}
	want := map[string]bool{}
	for _, f := range env.Roles.Features {
		if f != env.Roles.Label && f != env.Roles.Annotator {
			want[f] = true
		}
	}
	var out []int
	for i, f := range env.Schema.Fields() {
		if want[f.Name] {
			want[f.Name] = false
			out = append(out, i)
		}
	}
	return checks.FeatureOrder(env.Schema, out)
}

func (c *Config) equal(o *Config) bool {
	return slices.Equal(c.Features, o.Features) && slices.Equal(c.Full, o.Full) && c.Label == o.Label &&
		c.Annotator == o.Annotator && c.Time == o.Time && c.StaleBefore == o.StaleBefore
}

// Table is the shared per-row table of one worker (see the package doc).
type Table struct {
	cfg   Config
	parts *fptable.Parts[entry]
	// budget is the parts' memory budget, which the table the count
	// folds a partition into is held on too.
	budget *fptable.Budget
	// copies holds the later copies the repeat hook lists, by partition,
	// until the partition has been counted.
	copies [][]copyRow

	// mu guards what Merge and Result change: several checks' states
	// merge and read one table, from goroutines of their own.
	mu sync.Mutex
	// last is the batch last observed (see Observe).
	last       arrow.RecordBatch
	lastInput  int
	lastOffset int64
	// merged are the tables merged in.
	merged map[*Table]bool
	// labelLimit and annLimit bound the per-label and per-annotator counts
	// (CountLabels, CountAnnotators).
	labelLimit, annLimit int
	unparsed             int64
	read                 bool
	sum                  Summary
	err                  error
	// mark and plain are the hooks of Mark (nil: no marks).
	mark  func(b checks.Batch, marks []Mark)
	plain func(p int, vectors []rowhash.Fingerprint) error

	// scratch, reused between batches
	featFP, fullFP, labelFP, annFP, vals []rowhash.Fingerprint
	micros                               []int64
	timeOK                               []bool
	marks                                []Mark
}

// For returns the table of env's worker ([checks.Env.Shared]) for cfg,
// made on budget env.Memory the first time, or a table of the caller's own
// when env has none. A table already made for another Config is an error:
// the checks sharing it must agree on its columns.
func For(env checks.Env, cfg Config) (*Table, error) {
	t := env.Shared.Get("rowtable", func() any { return New(env.Memory, cfg) }).(*Table)
	if !t.cfg.equal(&cfg) {
		return nil, fmt.Errorf("rowtable: shared by checks with different columns (%+v and %+v)", t.cfg, cfg)
	}
	return t, nil
}

// New returns an empty table on budget b (nil: unlimited).
func New(b *fptable.Budget, cfg Config) *Table {
	t := &Table{cfg: cfg, lastInput: -1, parts: fptable.NewParts(b, keepFirst), budget: b}
	t.copies = make([][]copyRow, t.parts.Partitions())
	return t
}

// keepFirst folds src, a copy of row k, into dst, another, keeping the
// earlier. The table never has its partitions folded by fptable.Parts —
// it drains them, and folds the copies itself (see count) — but Parts
// wants a fold.
func keepFirst(_ rowhash.Fingerprint, dst, src *entry, isNew bool) {
	if isNew || src.first() < dst.first() {
		*dst = *src
	}
}

// CountLabels asks the summary for the usable rows of each label
// ([Summary.UsableByLabel]) while there are at most n distinct labels
// among them. The largest n asked of any table merged in holds.
func (t *Table) CountLabels(n int) { t.labelLimit = max(t.labelLimit, n) }

// CountAnnotators asks the summary for each annotator's labelled rows in
// conflicting groups ([Summary.AnnotatorConflicting]) while there are at
// most n distinct annotators among them.
func (t *Table) CountAnnotators(n int) { t.annLimit = max(t.annLimit, n) }

// Mark has the table keep the duplicates check's marks of its rows, and
// count from them what that check reports of feature vectors
// ([Summary.PlainVectors], [Summary.CrossSplitRows], [Summary.Leaked]),
// in place of a table of feature vectors of the check's own. mark fills
// marks (one a row) for each batch the table observes, before its rows go
// in; plain is called, as the table is counted, with each partition and
// the distinct feature vectors in it marked MarkPlain. Copies of a full
// row must have the same marks: read them off the row's columns. An error
// from plain is the table's. The table must have features, and not
// have observed a row yet; a later call replaces the hooks.
func (t *Table) Mark(mark func(b checks.Batch, marks []Mark), plain func(p int, vectors []rowhash.Fingerprint) error) {
	t.mark, t.plain = mark, plain
}

// part is the partition of a row with feature fingerprint feat and full
// fingerprint full.
func (t *Table) part(feat, full rowhash.Fingerprint) int {
	if len(t.cfg.Features) == 0 {
		return t.parts.Part(full)
	}
	return t.parts.Part(feat)
}

// repeat lists the later of the first copies of two aggregates of row k
// about to be combined (see counter.countPart).
func (t *Table) repeat(k rowhash.Fingerprint, a, b *entry) {
	later := max(a.first(), b.first())
	p := t.part(a.feat, k)
	t.copies[p] = append(t.copies[p], copyRow{key: k, pos: later})
}

// AnnotatorKey is the key under which an annotator's rows are counted
// ([Summary.AnnotatorConflicting]): the low 61 bits (annKeyBits) of its
// value fingerprint; an entry keeps the row's marks above them.
// Callers that count annotators check that theirs have distinct keys, none
// 0.
func AnnotatorKey(fp rowhash.Fingerprint) uint64 { return fp.Lo & annKeyMask }

// Observe folds the rows of b in. A batch is folded once however many
// states sharing the table observe it: a worker's states observe its
// batches one after the other, each batch by every state, so the batch
// last folded is the one they find done. Fingerprints come from the
// batch's memo, shared with the checks hashing the same columns.
func (t *Table) Observe(b checks.Batch) error {
	rec := b.Record
	if rec == t.last && b.Input == t.lastInput && b.Offset == t.lastOffset {
		return t.Err()
	}
	t.last, t.lastInput, t.lastOffset = rec, b.Input, b.Offset
	n := int(rec.NumRows())
	if n == 0 {
		return t.Err()
	}
	if t.read {
		return errors.New("rowtable: rows observed after the table was read")
	}
	feat := b.Memo.FeatureRows(rec, t.cfg.Features, t.cfg.Plain, &t.featFP, &t.vals)
	full := b.Memo.Rows(rec, t.cfg.Full, &t.fullFP, &t.vals)
	label := b.Memo.Values(rec, t.cfg.Label, &t.labelFP)
	var ann []rowhash.Fingerprint
	if t.cfg.Annotator >= 0 {
		ann = b.Memo.Values(rec, t.cfg.Annotator, &t.annFP)
	}
	var stale []bool
	if t.cfg.Time >= 0 {
		t.micros, t.timeOK = grow(t.micros, n), grow(t.timeOK, n)
		t.unparsed += timecol.Micros(rec.Column(t.cfg.Time), t.micros, t.timeOK)
		for i := range n {
			t.timeOK[i] = t.timeOK[i] && t.micros[i] < t.cfg.StaleBefore
		}
		stale = t.timeOK
	}
	var marks []Mark
	if t.mark != nil {
		t.marks = grow(t.marks, n)
		clear(t.marks)
		t.mark(b, t.marks)
		marks = t.marks
	}
	null := rowhash.Null()
	for i := range n {
		// rowhash gives every null, including a null dictionary entry and
		// a value of the null type, the fingerprint Null.
		e := entry{feat: feat[i], label: label[i], pos: uint64(checks.PosOf(b.Input, b.Offset+int64(i)))}
		if marks != nil {
			e.ann = uint64(marks[i]) << annKeyBits
		}
		if label[i] != null {
			e.pos |= labelledBit
			if ann != nil && ann[i] != null {
				e.ann |= AnnotatorKey(ann[i])
			}
		}
		if stale != nil && stale[i] {
			e.pos |= staleBit
		}
		t.parts.Add(t.part(feat[i], full[i]), full[i], &e)
	}
	return t.Err()
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Merge folds o, another worker's table, into t, once: merging a table
// already merged in does nothing. o must not be used afterwards. Safe
// from several goroutines.
func (t *Table) Merge(o *Table) error {
	if o == t {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.merged[o] {
		return nil
	}
	if t.read || o.read {
		return errors.New("rowtable: merging a table after it was read")
	}
	if !t.cfg.equal(&o.cfg) {
		return errors.New("rowtable: merging tables over different columns")
	}
	if t.merged == nil {
		t.merged = map[*Table]bool{}
	}
	t.merged[o] = true
	for k := range o.merged {
		t.merged[k] = true
	}
	t.unparsed += o.unparsed
	t.labelLimit, t.annLimit = max(t.labelLimit, o.labelLimit), max(t.annLimit, o.annLimit)
	return t.parts.Merge(o.parts)
}

// Err returns the first error spilling the table to disk or reading it
// back, if any.
func (t *Table) Err() error {
	if err := t.parts.Err(); err != nil {
		return fmt.Errorf("rowtable: %w", err)
	}
	return nil
}

// Summary is what a table's rows add up to.
type Summary struct {
	// Distinct is the number of distinct full rows, and Repeated the
	// number of them with more than one copy.
	Distinct, Repeated int64
	// Copies lists every copy of a full row but its first (in (input,
	// row) order), each with its row's id (the fold of the full row's
	// fingerprint).
	Copies checks.RowList
	// FeatureVectors is the number of distinct feature vectors, of rows
	// with a label or without (0 without feature columns), and
	// RepeatedVectors the number of them with more than one row.
	FeatureVectors, RepeatedVectors int64
	// With marks ([Table.Mark]): PlainVectors counts the feature vectors
	// marked MarkPlain; CrossSplitRows the rows marked MarkOther whose
	// feature vector has a row marked MarkTrain, and Leaked lists them,
	// each with its vector's id (the fold of its fingerprint).
	PlainVectors, CrossSplitRows int64
	Leaked                       checks.RowList
	// ConflictingGroups counts the feature vectors with two or more
	// distinct non-null labels, and ConflictingRows their rows, with a
	// label or without.
	ConflictingGroups, ConflictingRows int64
	// ConflictRows lists the conflicting groups' rows, each with its
	// group's id (the fold of its feature fingerprint).
	ConflictRows checks.RowList
	// AnnotatorConflicting counts, by annotator key, the labelled rows in
	// conflicting groups; nil when more annotators than CountAnnotators
	// asked for have such rows, or none was asked for.
	AnnotatorConflicting map[uint64]int64
	// Every row is in the first of these that applies: without a label,
	// labelled in a conflicting group, stale, a later copy of a distinct
	// row (Duplicate), or the first copy (Usable).
	MissingLabel, Conflicting, Stale, Duplicate, Usable int64
	// UsableByLabel counts the usable rows by label fingerprint; nil when
	// more labels than CountLabels asked for have usable rows, or none was
	// asked for.
	UsableByLabel map[rowhash.Fingerprint]int64
	// Unparsed counts the values of the time column that are not times.
	Unparsed int64
}

// Result reads the table, once: the first call counts (see the package
// doc) and gives the table's memory back; every call returns what it
// counted. Safe from several goroutines. The summary belongs to the
// table: read it, do not change it.
func (t *Table) Result() (*Summary, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.read {
		t.read = true
		t.err = t.count()
		t.parts.Free()
		t.copies = nil
	}
	if t.err != nil {
		return nil, t.err
	}
	return &t.sum, nil
}

// group is what count keeps of a feature vector in one partition: the
// first non-null label seen with it, and whether another was; its rows
// (copies included), the marks of any, and the rows marked MarkOther.
type group struct {
	label       rowhash.Fingerprint
	rows, other int64
	marks       Mark
	labelled    bool
	conflicting bool
}

// count counts the table into t.sum, its partitions shared among
// counters on goroutines of their own (countWorkers), each counting into
// a summary of its own, added up at the end (Summary.add). Every
// partition is counted by one counter, so nothing a partition's count
// reads or writes is another's but the summary, and what the summaries
// hold does not depend on which counter counted which partition: counts
// add up, and the row lists keep the first rows in (input, row) order
// whatever order they were listed in.
func (t *Table) count() error {
	n := t.parts.Partitions()
	cs := make([]*counter, min(n, countWorkers()))
	for i := range cs {
		cs[i] = newCounter(t)
	}
	q := &hookQueue{t: t}
	var (
		next    atomic.Int64
		drainMu sync.Mutex
		wg      sync.WaitGroup
		errs    = make([]error, len(cs))
	)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for errs[i] == nil && !q.failed.Load() {
				p := int(next.Add(1) - 1)
				if p >= n {
					return
				}
				if errs[i] = c.countPart(p, &drainMu, q); errs[i] != nil {
					q.failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range cs {
		c.free()
		c.sum.UsableByLabel = c.labels.counts()
	}
	if err := cmp.Or(cmp.Or(errs...), q.err); err != nil {
		return fmt.Errorf("rowtable: %w", err)
	}
	s := &t.sum
	*s = cs[0].sum
	for _, c := range cs[1:] {
		s.add(&c.sum, t.labelLimit, t.annLimit)
	}
	s.Unparsed = t.unparsed
	return nil
}

// countWorkers is how many counters count a table: one a core, at least
// two (the count used two cores before it had counters: one drained the
// next partition while the other counted one), at most four (each holds a
// partition drained and the table its rows are folded into).
//
// Two counters on the 2-core VM of docs/performance.md keep both cores
// busy through the count, where a drainer and a counter kept 1.7 of them
// busy, each waiting for the other in turn: BenchmarkCount took 97–119 ms
// against 129–142 ms. The 10M audit's merge took as long as before
// (598–676 ms against 594–668 ms in five pairs): there the cores were
// already busy with the rest of the merge (the duplicates check's tables
// read back) while one waited (docs/performance.md, 2026-11-29 x). With
// more cores the count now uses more than two.
func countWorkers() int { return min(4, max(2, runtime.GOMAXPROCS(0))) }

// add adds o, the summary of other partitions, to s. A per-label or
// per-annotator count past its bound in either, or in the two together,
// is dropped (nil), as the count drops it.
func (s *Summary) add(o *Summary, labelLimit, annLimit int) {
	s.Distinct += o.Distinct
	s.Repeated += o.Repeated
	s.Copies.Merge(&o.Copies)
	s.FeatureVectors += o.FeatureVectors
	s.RepeatedVectors += o.RepeatedVectors
	s.PlainVectors += o.PlainVectors
	s.CrossSplitRows += o.CrossSplitRows
	s.Leaked.Merge(&o.Leaked)
	s.ConflictingGroups += o.ConflictingGroups
	s.ConflictingRows += o.ConflictingRows
	s.ConflictRows.Merge(&o.ConflictRows)
	s.AnnotatorConflicting = addCounts(s.AnnotatorConflicting, o.AnnotatorConflicting, annLimit)
	s.MissingLabel += o.MissingLabel
	s.Conflicting += o.Conflicting
	s.Stale += o.Stale
	s.Duplicate += o.Duplicate
	s.Usable += o.Usable
	s.UsableByLabel = addCounts(s.UsableByLabel, o.UsableByLabel, labelLimit)
}

// addCounts adds the counts of b to a's: nil when either is nil, or when
// together they count more than limit keys.
func addCounts[K comparable](a, b map[K]int64, limit int) map[K]int64 {
	if a == nil || b == nil {
		return nil
	}
	for k, n := range b {
		a[k] += n
	}
	if len(a) > limit {
		return nil
	}
	return a
}

// counter is one goroutine's share of a count: the partitions it takes in
// turn, drained, folded and counted into a summary of its own; and the
// tables and scratch it reuses from one partition to the next.
type counter struct {
	t   *Table
	sum Summary
	// d is the partition being counted, drained; rows the table its rows
	// not alone in their feature vector are folded into, and held the
	// memory of rows held on the table's budget.
	d    drained
	rows *fptable.Table[folded]
	held int64
	// groups, conflicting and leaking are the tables conflicts fills.
	groups               *fptable.Table[group]
	conflicting, leaking *fptable.Table[struct{}]
	// vecs are conflicts' bitmaps; grouped the rows it leaves to count, of
	// the partition being counted; plains the plain feature vectors found
	// in it, for the plain hook.
	vecs    vectorBits
	grouped []*folded
	plains  []rowhash.Fingerprint
	// labels counts the usable rows by label (Summary.UsableByLabel,
	// made from it once the count is done).
	labels labelTally
}

func newCounter(t *Table) *counter {
	c := &counter{t: t, rows: fptable.New[folded](0), groups: fptable.New[group](0),
		conflicting: fptable.New[struct{}](0), leaking: fptable.New[struct{}](0)}
	c.labels.over = t.labelLimit <= 0
	if t.annLimit > 0 && t.cfg.Annotator >= 0 {
		c.sum.AnnotatorConflicting = map[uint64]int64{}
	}
	return c
}

// free gives back the memory of the partition last drained, and of the
// table rows were folded into.
func (c *counter) free() {
	c.d.rows.Free()
	c.t.budget.Release(c.held)
	c.held = 0
}

// hookQueue hands the plain hook each partition's plain feature vectors in
// partition order, as the counters finish them in any order: the hook
// (the duplicates check's) reads its own table's partition as it is
// called, and reads the next one ahead (fptable.Parts.Prefetch). A
// counter that finishes partition p leaves its vectors, and calls the
// hook for every partition whose turn has come; calls are one at a time.
type hookQueue struct {
	t      *Table
	mu     sync.Mutex
	next   int
	ready  map[int][]rowhash.Fingerprint
	spare  [][]rowhash.Fingerprint // vectors' slices the hook is done with
	err    error                   // the hook's first error
	failed atomic.Bool             // a counter or the hook failed: stop
}

// done hands over partition p's plain vectors and returns an empty slice
// for the counter's next partition.
func (q *hookQueue) done(p int, plains []rowhash.Fingerprint) []rowhash.Fingerprint {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ready == nil {
		q.ready = map[int][]rowhash.Fingerprint{}
	}
	q.ready[p] = plains
	for {
		v, ok := q.ready[q.next]
		if !ok {
			break
		}
		delete(q.ready, q.next)
		if q.err == nil {
			if q.err = q.t.plain(q.next, v); q.err != nil {
				q.failed.Store(true)
			}
		}
		q.spare = append(q.spare, v[:0])
		q.next++
	}
	k := len(q.spare) - 1
	if k < 0 {
		return nil
	}
	v := q.spare[k]
	q.spare = q.spare[:k]
	return v
}

// countPart drains partition p, one counter at a time (under drainMu),
// and counts it. With features, a row whose feature vector no other row of
// the partition shares (its bit set once) is a distinct full row, alone in
// its vector, with one copy: it is counted as it is. Only the others —
// without features, every row — are folded into a table, by full row, and
// counted by part.
//
// Most rows are alone. Of the benchmark's 10M rows, about one in eight is
// not: 5% share their feature vector with another row, and about 7% share
// a bit by chance (some 78,000 rows a partition, in 2^20 bits). Folding
// every row into a table first, as [fptable.Parts.Open] does, took
// BenchmarkCount 234–245 ms against 135–141 ms, and the 10M audit's merge
// 0.96 s against 0.72 s (docs/performance.md, 2026-11-28 v).
func (c *counter) countPart(p int, drainMu *sync.Mutex, q *hookQueue) error {
	t, d, s := c.t, &c.d, &c.sum
	features := len(t.cfg.Features) > 0
	drainMu.Lock()
	err := t.parts.Drain(p, &d.rows)
	drainMu.Unlock()
	if err != nil {
		return err
	}
	if features {
		d.reset(d.rows.Len())
		for _, seg := range d.rows.Segments() {
			for i := range seg {
				d.mark(seg[i].Val().feat)
			}
		}
	}
	if t.mark != nil && cap(c.plains) < d.rows.Len() {
		// At most a plain vector a row: room for them all at once, rather
		// than by doubling from the empty slice q.done hands out when
		// the hook has none to give back (100 ms of the 10M-row audit's
		// CPU in growslice and zeroing, docs/performance.md, 2026-11-29 zd).
		c.plains = make([]rowhash.Fingerprint, 0, d.rows.Len())
	}
	rows := c.rows
	rows.Reset()
	for _, seg := range d.rows.Segments() {
		for i := range seg {
			e := seg[i].Val()
			if features && d.alone(e.feat) {
				s.Distinct++
				c.countAlone(e, 1)
				continue
			}
			k := seg[i].Key()
			dst, isNew := rows.Upsert(k)
			if !isNew {
				t.repeat(k, &dst.entry, e)
			}
			combine(k, dst, e, isNew)
		}
	}
	if grown := rows.Bytes() - c.held; grown > 0 {
		t.budget.Hold(grown)
		c.held += grown
	}
	c.part(p, rows)
	if t.plain != nil {
		c.plains = q.done(p, c.plains)
	}
	return nil
}

// part counts partition p's distinct rows, folded into rows — with
// features, those not alone in their feature vector (countPart counts
// the others) — and its later copies.
func (c *counter) part(p int, rows *fptable.Table[folded]) {
	t := c.t
	s := &c.sum
	s.Distinct += int64(rows.Len())
	if len(t.cfg.Features) == 0 {
		rows.Each(func(_ rowhash.Fingerprint, f *folded) { c.countRow(&f.entry, f.n, false) })
		for _, cp := range t.copies[p] {
			s.Copies.Add(cp.pos.Input(), cp.pos.Row(), groupID(cp.key))
		}
		t.copies[p] = nil
		return
	}
	found, leaks := c.conflicts(rows)
	leaked := func(e *entry) bool {
		return leaks && e.marks()&MarkOther != 0 && c.leaking.Get(e.feat) != nil
	}
	for _, f := range c.grouped {
		e := &f.entry
		c.countRow(e, f.n, found && c.conflicting.Get(e.feat) != nil)
		if leaked(e) {
			first := e.first()
			s.Leaked.Add(first.Input(), first.Row(), groupID(e.feat))
		}
	}
	clear(c.grouped)
	c.grouped = c.grouped[:0]
	for _, cp := range t.copies[p] {
		s.Copies.Add(cp.pos.Input(), cp.pos.Row(), groupID(cp.key))
		if found || leaks {
			f := rows.Get(cp.key)
			if f == nil {
				continue
			}
			e := &f.entry
			if found && c.conflicting.Get(e.feat) != nil {
				s.ConflictRows.Add(cp.pos.Input(), cp.pos.Row(), groupID(e.feat))
			}
			if leaked(e) {
				s.Leaked.Add(cp.pos.Input(), cp.pos.Row(), groupID(e.feat))
			}
		}
	}
	t.copies[p] = nil
}

// vectorBits marks feature vectors in two bitmaps of about 8 bits a row,
// small enough to stay in the processor's cache: once where some row's
// vector falls, twice where two rows' do. A row whose bit is set once is
// the only one with its vector; a row whose bit is set twice may share it
// with another row, or only the bit.
type vectorBits struct {
	once, twice []uint64
	shift       uint
}

// reset sizes the bitmaps for n rows, all clear (reusing their memory).
func (v *vectorBits) reset(n int) {
	v.shift = uint(64 - max(12, bits.Len(uint(8*n))))
	words := 1 << (64 - v.shift) / 64
	v.once, v.twice = growClear(v.once, words), growClear(v.twice, words)
}

func (v *vectorBits) bit(fp rowhash.Fingerprint) (int, uint64) {
	h := ((fp.Hi ^ fp.Lo) * 0x9E3779B97F4A7C15) >> v.shift
	return int(h >> 6), 1 << (h & 63)
}

// mark marks a row with feature vector fp.
func (v *vectorBits) mark(fp rowhash.Fingerprint) {
	w, b := v.bit(fp)
	v.twice[w] |= v.once[w] & b
	v.once[w] |= b
}

// alone reports whether the row with vector fp is the only one marked
// with its bit.
func (v *vectorBits) alone(fp rowhash.Fingerprint) bool {
	w, b := v.bit(fp)
	return v.twice[w]&b == 0
}

// drained is a partition's rows as Drain hands them out, unfolded, with
// their feature vectors marked.
type drained struct {
	rows fptable.Drained[entry]
	vectorBits
}

// countAlone counts e, a distinct full row with n copies alone in its
// feature vector: the vector, the row (countRow), and the vector as plain,
// with marks. It cannot conflict, and, in one split, cannot leak.
func (c *counter) countAlone(e *entry, n int64) {
	c.sum.FeatureVectors++
	if n > 1 {
		c.sum.RepeatedVectors++
	}
	if c.t.mark != nil && e.marks()&MarkPlain != 0 {
		c.plains = append(c.plains, e.feat)
	}
	c.countRow(e, n, false)
}

// countRow counts one distinct full row, e with n copies, into the
// counter's summary: conf tells whether its feature vector is conflicting.
func (c *counter) countRow(e *entry, n int64, conf bool) {
	t, s := c.t, &c.sum
	if n > 1 {
		s.Repeated++
	}
	if conf {
		s.ConflictingRows += n
		first := e.first()
		s.ConflictRows.Add(first.Input(), first.Row(), groupID(e.feat))
		if k := e.annKey(); k != 0 && s.AnnotatorConflicting != nil {
			s.AnnotatorConflicting[k] += n
			if len(s.AnnotatorConflicting) > t.annLimit {
				s.AnnotatorConflicting = nil
			}
		}
	}
	switch {
	case !e.labelled():
		s.MissingLabel += n
	case conf:
		s.Conflicting += n
	case e.stale():
		s.Stale += n
	default:
		s.Usable++
		s.Duplicate += n - 1
		if !c.labels.over {
			c.labels.add(e.label, t.labelLimit)
		}
	}
}

// groupID is the id of a group of rows in findings.parquet: the fold of
// the fingerprint they share (full row or feature vector), not a value.
func groupID(fp rowhash.Fingerprint) uint64 { return fp.Hi ^ fp.Lo }

// conflicts folds one partition's distinct rows into groups by feature
// vector (c.groups), counting the vectors and the conflicting ones into
// the counter's summary, and puts the conflicting vectors in
// c.conflicting. Both tables are emptied first and reused from partition
// to partition (they keep the largest partition's slot arrays). It counts
// the rows alone in their vector (countRow), and leaves the others in
// c.grouped for the caller to count once it knows which vectors conflict.
// With marks, it also collects the plain vectors (c.plains) and counts the
// leaking ones, which go in c.leaking. It reports whether any group
// conflicts, and whether any leaks. The rows it is given are those
// countPart did not count alone: copies
// of a full row, and rows sharing a vector, or a bit of its bitmap, with
// another row.
//
// Most feature vectors have one distinct row: a first pass marks each
// row's vector in a bitmap of about 8 bits per row (256 KiB at 10M rows,
// which stays in the processor's cache), and a second bit where one was
// already set. A row whose bit is set once is the only row of its vector:
// it is counted, and cannot conflict. Only the others — about one in eight
// more that share a bit by chance — go into groups, a hash table a random
// access each, which took 0.65 s of CPU at 10M rows when every row went in
// (BenchmarkCount: 480–510 ms before, see docs/performance.md).
//
// The rows alone are counted in that second pass, and only the grouped
// ones are looked up in conflicting afterwards. A third pass over the
// whole partition used to count every row and look it up: at 30M rows,
// where a partition's table (72 MiB) is far larger than the processor's
// caches, that pass took 1.85 s of CPU, 0.97 s of it in the lookups
// (docs/performance.md, 2026-11-27 m). They go to conflicting, a few
// thousand vectors a partition at 10M rows, whose slots stay in the
// processor's cache, rather than to groups, some megabytes walked at
// random (those lookups took 1.1 s of CPU in a 10M-row audit's profile).
// groups is an [fptable.Table] rather than a Go map: a map's lookups of
// 16-byte keys took 1.7 s of CPU at 10M rows.
func (c *counter) conflicts(rows *fptable.Table[folded]) (found, leaks bool) {
	t, s := c.t, &c.sum
	groups, conflicting, leaking := c.groups, c.conflicting, c.leaking
	vecs := &c.vecs
	vecs.reset(rows.Len())
	rows.Each(func(_ rowhash.Fingerprint, f *folded) { vecs.mark(f.feat) })
	groups.Reset()
	conflicting.Reset()
	leaking.Reset()
	marked := t.mark != nil
	var repeated int64
	rows.Each(func(_ rowhash.Fingerprint, f *folded) {
		e := &f.entry
		if vecs.alone(e.feat) {
			c.countAlone(e, f.n)
			return
		}
		c.grouped = append(c.grouped, f)
		g, isNew := groups.Upsert(e.feat)
		if isNew {
			*g = group{}
		}
		if g.rows <= 1 && g.rows+f.n > 1 {
			repeated++
		}
		g.rows += f.n
		if marked {
			m := e.marks()
			if m&MarkPlain != 0 && g.marks&MarkPlain == 0 {
				c.plains = append(c.plains, e.feat)
			}
			g.marks |= m
			if m&MarkOther != 0 {
				g.other += f.n
			}
		}
		if !e.labelled() {
			return
		}
		switch {
		case !g.labelled:
			g.label, g.labelled = e.label, true
		case g.label != e.label && !g.conflicting:
			g.conflicting = true
			conflicting.Upsert(e.feat)
		}
	})
	s.FeatureVectors += int64(groups.Len())
	s.RepeatedVectors += repeated
	s.ConflictingGroups += int64(conflicting.Len())
	s.PlainVectors += int64(len(c.plains))
	if marked {
		groups.Each(func(k rowhash.Fingerprint, g *group) {
			if g.marks&MarkTrain != 0 && g.other > 0 {
				s.CrossSplitRows += g.other
				leaking.Upsert(k)
			}
		})
	}
	// Most lookups miss, and a miss probes on to an empty slot: about 8
	// probes in a table 3/4 full, 1.3 in one 3/16 full.
	conflicting.Reserve(4 * conflicting.Len())
	leaking.Reserve(4 * leaking.Len())
	return conflicting.Len() > 0, leaking.Len() > 0
}

// growClear returns s with n words, all zero.
func growClear(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// labelTally counts rows by label fingerprint for one counter. Most usable
// rows of a count go through it (8M at 10M rows of the benchmark), and a
// Go map with 16-byte keys cost 0.10 s of CPU there
// (docs/performance.md, 2026-11-30 zg); labels are few, so the first
// tallyCap of them are found in a small open-addressing index, a load and
// a compare or two a row, and only the labels past those in a map.
type labelTally struct {
	// slots holds 1 + the index in keys of the label hashed there (0:
	// empty), for the first tallyCap labels; n their counts.
	slots [4 * tallyCap]uint8
	keys  []rowhash.Fingerprint
	n     []int64
	more  map[rowhash.Fingerprint]int64
	// over: more labels than the limit were counted (or none asked for);
	// the counts are dropped.
	over bool
}

const tallyCap = 32

// add counts one row of label fp, or drops every count once more than
// limit labels have rows.
func (l *labelTally) add(fp rowhash.Fingerprint, limit int) {
	const mask = len(labelTally{}.slots) - 1
	i := int(((fp.Lo ^ fp.Hi) * 0x9e3779b97f4a7c15) >> 57 & uint64(mask))
	for {
		k := l.slots[i]
		if k == 0 {
			break
		}
		if l.keys[k-1] == fp {
			l.n[k-1]++
			return
		}
		i = (i + 1) & mask
	}
	if len(l.keys) < tallyCap {
		l.keys = append(l.keys, fp)
		l.n = append(l.n, 1)
		l.slots[i] = uint8(len(l.keys))
	} else {
		if l.more == nil {
			l.more = map[rowhash.Fingerprint]int64{}
		}
		l.more[fp]++
	}
	if len(l.keys)+len(l.more) > limit {
		*l = labelTally{over: true}
	}
}

// counts returns the counts by label, nil once over the limit (add says
// when).
func (l *labelTally) counts() map[rowhash.Fingerprint]int64 {
	if l.over {
		return nil
	}
	m := make(map[rowhash.Fingerprint]int64, len(l.keys)+len(l.more))
	for i, k := range l.keys {
		m[k] = l.n[i]
	}
	for k, n := range l.more {
		m[k] = n
	}
	return m
}
