// Package checks defines the contract between a readiness check and the
// pipeline that runs it.
//
// A check is one documented package-level value of type [Check], declared in
// its own package under checks/ (checks/missing, …). The explicit list of the
// checks a run knows lives in checks/registry, in one place.
//
// The pipeline gives every worker its own [State] for every check; a state is
// never touched by two goroutines at once, so states need no locks. When the
// input is exhausted the states of all workers are combined with
// [State.Merge], which must be associative and commutative: results never
// depend on the number of workers, on the order of the inputs, or on where
// batches were cut. [State.Result] reads a state without changing it, like
// hash.Hash.Sum. Every check's states are merged before any check's result
// is read.
//
// What several checks would each build from the same rows, they may share
// within a worker ([Env.Shared]): the part shared is a mergeable state of
// its own, which the checks' states observe, merge and read, and which does
// each once (checks/rowtable, the distinct rows the duplicates, labels and
// balance checks count).
//
// A check starts no goroutines, opens no files and reads no clock: the time an
// audit is measured against arrives in [Env.AsOf].
//
// A failing check is a [Result] with status fail and findings, not an error.
// An error from Observe, Merge or Result means the check could not be
// evaluated; the run then ends with exit code 3.
package checks

import (
	"encoding/json"
	"fmt"
	"github.com/readiness/readiness/checks/fptable"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// A Check describes one readiness check.
type Check struct {
	// Name is the check's key in the policy file, its name in the report and
	// its JUnit test name.
	Name string
	// Summary is a one-line description, shown by `readiness checks`.
	Summary string
	// Doc says what the check measures, how every metric is defined, which
	// thresholds apply and how to act on a finding.
	Doc string
	// Codes documents every finding code the check can emit.
	Codes []Code
	// DefaultConfig returns a pointer to a new typed configuration holding
	// the defaults. The policy file's section for this check is decoded
	// strictly into it.
	DefaultConfig func() any
	// Columns returns the columns the check reads, given its configuration,
	// the column roles and the dataset schema. A nil result means every
	// column. The pipeline reads only the union of what the checks ask for.
	Columns func(cfg any, env Env) []string
	// UsesReference says the check compares the training data with a
	// reference dataset: when the user gives one (--reference), the check
	// is first run over it alone, and its merged state is handed to the
	// training run's states as [Env.Reference].
	UsesReference bool
	// New returns a fresh state for one worker. env.Schema is the schema of
	// the batches the state will observe (after projection); a check
	// resolves column indexes from it once, here, not per batch.
	New func(cfg any, env Env) (State, error)
}

// Env is what a check is told about the run when a state is created.
type Env struct {
	Schema *arrow.Schema
	Roles  Roles
	// AsOf is the instant the audit is measured against (--as-of).
	AsOf time.Time
	// StaleBefore is the instant before which a row is stale (AsOf minus
	// the staleness check's max_age_days); zero when nothing is stale. The
	// staleness and balance checks both use it, so a stale row means the
	// same thing in both.
	StaleBefore time.Time
	// Reference is the merged state of the same check over the reference
	// dataset (--reference), for checks that compare the training data with
	// one; nil when there is none.
	Reference State
	// ReferenceRun says the states observe the reference dataset
	// (--reference): their merged states become the training run's
	// Env.Reference. A check comparing with a reference keeps what the
	// comparison needs when ReferenceRun is set or Reference is not nil,
	// and may skip it otherwise.
	ReferenceRun bool
	// ShowValues is --show-values: the user allows raw cell values into
	// the outputs. Without it a check must not put a value read from the
	// data into a message or its metrics — except label classes and the
	// categories of categorical columns, which are the dataset's
	// vocabulary — and reports times to the day.
	ShowValues bool
	// Memory is the budget of the audit's per-row tables (--memory-limit),
	// shared by every check and worker: a check that keeps a table per
	// distinct row, feature vector or id makes it an [fptable.Parts] on this
	// budget, which spills partitions to disk rather than exceed it. nil is
	// unlimited.
	Memory *fptable.Budget
	// Shared holds what the states of one worker share across checks
	// (see [Shared]); nil when a state is made on its own, as in a check's
	// tests: each state then keeps its own.
	Shared *Shared
}

// Shared is what the states of one worker's checks share: a per-row table
// that several checks would otherwise each build from the same rows (see
// checks/rowtable). The pipeline gives every worker one, in [Env.Shared].
//
// A shared part is itself a mergeable state, and the checks using it
// observe, merge and read it through their own states, so that each works
// alike with a shared part or one of its own:
//   - Observe: the first state to observe a batch folds it in; the
//     others find it done.
//   - Merge: merging another worker's part in is done once, by whichever
//     state gets there first, and is safe from several goroutines.
//   - Result: the part is read once, by the first state to ask, and what
//     it found is kept for the others.
//
// For the last to hold, the pipeline merges every check's states before it
// reads any check's result: a shared part read before every worker's was
// merged in would miss rows.
type Shared struct {
	parts map[string]any
}

// Get returns the part named key, made by make the first time. On a nil
// Shared it returns a new part each time: every state keeps its own.
// States of one worker are made one after the other, so Get needs no lock.
func (s *Shared) Get(key string, make func() any) any {
	if s == nil {
		return make()
	}
	if p, ok := s.parts[key]; ok {
		return p
	}
	if s.parts == nil {
		s.parts = map[string]any{}
	}
	p := make()
	s.parts[key] = p
	return p
}

// Roles names the columns that play a part in the audit. Empty means none.
type Roles struct {
	Label string `json:"label,omitempty"`
	Time  string `json:"time,omitempty"`
	ID    string `json:"id,omitempty"`
	Split string `json:"split,omitempty"`
	// Annotator is the column naming who labelled the row: metadata, not a
	// feature.
	Annotator string   `json:"annotator,omitempty"`
	Features  []string `json:"features"`
}

// Batch is one record batch handed to [State.Observe], with where it came
// from so that findings can name rows by input and row number.
type Batch struct {
	// Record is valid only during the call to Observe; a state that keeps
	// any of it must copy or Retain it.
	Record arrow.RecordBatch
	// Input is the index of the input the batch was read from, in the
	// run's sorted list of inputs.
	Input int
	// Offset is the 0-based row number, within that input, of the batch's
	// first row.
	Offset int64
	// Memo, when not nil, caches fingerprints of Record shared by the
	// checks observing it (see [Memo]); nil is valid.
	Memo *Memo
}

// State accumulates what one worker has seen. The pipeline never calls a
// state concurrently.
type State interface {
	// Observe folds one batch into the state.
	Observe(b Batch) error
	// Merge folds other, a state of the same check created with the same
	// configuration, into the receiver. It must be associative and
	// commutative, and returns an error if the states are incompatible.
	Merge(other State) error
	// Result reports what the state has measured without changing it.
	Result() (Result, error)
}

// Status is a check's outcome.
type Status string

// The statuses a check can report. NotApplicable means the check could not
// be evaluated on this dataset (no time column, no reference); it is never
// counted as a pass.
const (
	Pass          Status = "pass"
	Warn          Status = "warn"
	Fail          Status = "fail"
	NotApplicable Status = "not_applicable"
)

// Severity ranks a finding.
type Severity string

// The severities of findings, from least to most serious. A blocker means the
// data must not be used for training until it is fixed.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
	Blocker Severity = "blocker"
)

// Code documents one finding code, printed by `readiness explain CODE`.
type Code struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Doc      string   `json:"doc"`
}

// Result is what a check reports. Metrics is the check's own typed metrics,
// already encoded as a JSON object so that a report read back from disk is
// the same value as the one written.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Score is 0–100, 100 meaning clean; nil when not applicable.
	Score    *float64        `json:"score"`
	Metrics  json.RawMessage `json:"metrics"`
	Findings []Finding       `json:"findings"`
}

// Finding is one thing a check noticed. It has the same shape whether the
// check passed or failed.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Column is the column the finding is about, if any.
	Column string `json:"column,omitempty"`
	// Value is the measured value and Threshold the policy threshold it was
	// compared with; Setting names that threshold's key in the policy.
	Value     *float64 `json:"value,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Setting   string   `json:"setting,omitempty"`
	// Rows is how many rows the finding concerns, when it concerns rows.
	Rows *int64 `json:"rows,omitempty"`
}

// NewResult builds a Result, encoding metrics as JSON.
func NewResult(name string, status Status, score *float64, metrics any, findings []Finding) (Result, error) {
	raw, err := json.Marshal(metrics)
	if err != nil {
		return Result{}, fmt.Errorf("check %s: encode metrics: %w", name, err)
	}
	if findings == nil {
		findings = []Finding{}
	}
	return Result{Name: name, Status: status, Score: score, Metrics: raw, Findings: findings}, nil
}

// Float returns a pointer to v, for the optional fields of a Finding.
func Float(v float64) *float64 { return &v }

// Int returns a pointer to v, for the optional fields of a Finding.
func Int(v int64) *int64 { return &v }

// RowStream is the rows one finding code flags about one column (or
// none), for findings.parquet: rows are named by position, never by their
// values, sorted by input, row and group as [RowList.Rows] returns them.
// A stream is read, never written: its rows belong to the state that
// listed them.
type RowStream struct {
	// Code is the finding code that flagged the rows; Column the column
	// the flag is about, if any.
	Code, Column string
	Rows         []RowRef
}

// FlaggedRow is one row of a [RowStream], on its own: how tests look at
// the rows a state lists.
type FlaggedRow struct {
	// Input is the index of the input in the run's sorted list of inputs,
	// and Row the 0-based row number within it (see [Batch]).
	Input int
	Row   int64
	// Code is the finding code that flagged the row.
	Code string
	// Column is the column the flag is about, if any.
	Column string
	// Group ties together rows flagged as one set (the rows of a duplicate
	// group, of a conflicting-label group); 0 when the flag stands alone.
	// It is derived from a fingerprint, never from a value, and is the
	// same whatever the worker count or input order.
	Group uint64
}

// Flagged returns the rows of the streams one by one, stream after
// stream.
func Flagged(streams []RowStream) []FlaggedRow {
	var out []FlaggedRow
	for _, s := range streams {
		for _, r := range s.Rows {
			out = append(out, FlaggedRow{Input: r.Pos.Input(), Row: r.Pos.Row(), Code: s.Code, Column: s.Column, Group: r.Group})
		}
	}
	return out
}

// MaxFlaggedRows bounds how many flagged rows a state keeps per finding
// code. Past it, a state keeps the rows that come first in (input, row)
// order — a choice that does not depend on how batches were split among
// workers — and says in its metrics how many it did not list.
const MaxFlaggedRows = 1 << 20

// A Releaser is a [State] that holds memory the garbage collector does not
// see — the per-row tables of checks/fptable, mapped outside the Go heap —
// and gives it back when Release is called rather than when the collector
// finds the state garbage. The CLI calls it once it has the state's result
// and flagged rows; the state must not be used afterwards, but Release may
// be called again.
type Releaser interface {
	Release()
}

// A RowLister is a [State] that can list the rows its findings concern.
// The CLI writes them to findings.parquet after the states are merged.
type RowLister interface {
	// FlaggedRows returns the rows behind the findings of res, the state's
	// own result (which its caller already holds), as streams of one code
	// and column each, in any order; more than one stream may share a
	// code and column. It fails only when it cannot read its own state
	// back (a table spilled to disk under the memory budget).
	//
	// The streams are the lists the state keeps, not copies: findings.
	// parquet merges them as it writes them. Copying 2.2M flagged rows
	// (10M rows of the benchmark) into one list a check and sorting those
	// took 0.5 s of CPU and 140 MB of new memory (docs/performance.md,
	// 2026-11-28 t).
	FlaggedRows(res Result) ([]RowStream, error)
}
