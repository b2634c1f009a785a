package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"golang.org/x/sync/semaphore"
)

// Task is one check to run, with its decoded configuration.
type Task struct {
	Check  *checks.Check
	Config any
}

// RunOptions configures a run.
type RunOptions struct {
	ReadOptions
	// Workers is the number of goroutines reading and checking; 0 means
	// one per CPU.
	Workers int
	Roles   checks.Roles
	AsOf    time.Time
	// StaleBefore is passed to the checks as [checks.Env.StaleBefore].
	StaleBefore time.Time
	// References maps a check's name to its merged state over a reference
	// dataset, passed to that check as [checks.Env.Reference].
	References map[string]checks.State
	// ReferenceRun is passed to the checks as [checks.Env.ReferenceRun]:
	// this run reads a reference dataset, for References of another.
	ReferenceRun bool
	// ShowValues is passed to the checks as [checks.Env.ShowValues].
	ShowValues bool
	// Memory is passed to the checks as [checks.Env.Memory]: the budget of
	// their per-row tables (nil: unlimited).
	Memory *fptable.Budget
	// PageMemory bounds the page bytes of the units read at once
	// (Unit.Bytes, see unitGate); 0: Memory's limit does.
	PageMemory int64
	// AfterRead, if set, is called once every unit has been read without
	// error, before the states are merged.
	AfterRead func()
}

// Outcome is what a run measured.
type Outcome struct {
	// Results holds one result per task, sorted by check name.
	Results []checks.Result
	// Rows is the total row count, and InputRows the count per input.
	Rows      int64
	InputRows []int64
	// Columns are the columns that were read (the projection).
	Columns []string
	// States holds the merged state of each task, in task order, so that a
	// run over a reference dataset can be handed to the checks of another.
	States []checks.State
	// ReadTime is how long reading every input and observing its batches
	// took; MergeTime how long merging the workers' states and reading
	// the results took after that (for the log: where an audit's time
	// went).
	ReadTime, MergeTime time.Duration
	// TaskMergeTimes holds, in task order, how long merging each task's
	// states and reading its result took (tasks run two or more at once).
	TaskMergeTimes []time.Duration
}

// CheckError is an error from a check (not from an input): the check could
// not be evaluated.
type CheckError struct {
	Check string
	Err   error
}

func (e *CheckError) Error() string { return fmt.Sprintf("check %s: %v", e.Check, e.Err) }
func (e *CheckError) Unwrap() error { return e.Err }

// Projection is the part of the dataset schema the tasks read: the union
// of the columns each check asks for, in schema order.
func (d *Dataset) Projection(tasks []Task, env checks.Env) *arrow.Schema {
	env.Schema = d.Schema
	want := map[string]bool{}
	all := false
	for _, t := range tasks {
		if t.Check.Columns == nil {
			all = true
			break
		}
		cols := t.Check.Columns(t.Config, env)
		if cols == nil {
			all = true
			break
		}
		for _, c := range cols {
			want[c] = true
		}
	}
	if all {
		return d.Schema
	}
	var fields []arrow.Field
	for _, f := range d.Schema.Fields() {
		if want[f.Name] {
			fields = append(fields, f)
		}
	}
	return arrow.NewSchema(fields, nil)
}

type workItem struct {
	input int
	unit  Unit
	// held is what the item holds of the unit gate, given back once read.
	held int64
	// seq is the item's place in reading order (see firstError).
	seq int
}

// unitGate bounds the bytes of the units read at once: a unit's Bytes
// (capped at the limit, so that a unit larger than it is read alone) are
// taken before it is handed to a worker and given back when that worker is
// done with it. A unit always goes ahead when no other is being read. It
// is golang.org/x/sync's weighted semaphore (in the module graph already,
// through the object-store SDKs), which also stops a wait when the run is
// cancelled.
//
// Decoding a Parquet row group holds a page of every column read, and
// pages are most often about 1 MiB: a row group of 1,003 columns held
// about 1 GiB in its page buffers, and two workers each reading one made
// the audit peak at 2,977–3,232 MiB in 19.6–20.0 s, against 1,926–2,200
// MiB in 25.4–27.3 s one at a time (docs/performance.md, 2026-11-28 o):
// under the default bound a table that wide trades time for memory, and
// a larger --memory-limit trades it back. Narrow tables are not slowed: a
// 131,072-row group of the 11-column benchmark file counts 11 MiB, and
// one of 203 columns about 200 MiB (two fit in the default 512 MiB; one
// at a time took the audit half as long again).
type unitGate struct {
	sem   *semaphore.Weighted // nil: no bound
	limit int64
}

func newUnitGate(limit int64) *unitGate {
	g := &unitGate{limit: limit}
	if limit > 0 {
		g.sem = semaphore.NewWeighted(limit)
	}
	return g
}

// take waits until n bytes fit, or ctx is done, and returns what it took.
func (g *unitGate) take(ctx context.Context, n int64) (int64, error) {
	if g.sem == nil || n <= 0 {
		return 0, nil
	}
	n = min(n, g.limit)
	if err := g.sem.Acquire(ctx, n); err != nil {
		return 0, err
	}
	return n, nil
}

// give gives back what take took.
func (g *unitGate) give(n int64) {
	if n > 0 {
		g.sem.Release(n)
	}
}

// worker is one goroutine's share of a run: its own check states.
type worker struct {
	states []checks.State
	rows   []int64
	// memo holds the fingerprints the checks share for the current batch;
	// its buffers are reused from batch to batch.
	memo checks.Memo
}

// Run reads every input once and folds it through the tasks' states, one
// set of states per worker, then merges them.
func (d *Dataset) Run(ctx context.Context, tasks []Task, opts RunOptions) (*Outcome, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if len(d.Inputs) > checks.MaxInputs {
		return nil, fmt.Errorf("%d inputs: an audit reads at most %d", len(d.Inputs), checks.MaxInputs)
	}
	env := checks.Env{Roles: opts.Roles, AsOf: opts.AsOf, StaleBefore: opts.StaleBefore, ShowValues: opts.ShowValues, Memory: opts.Memory,
		ReferenceRun: opts.ReferenceRun}
	target := d.Projection(tasks, env)
	env.Schema = target

	ws := make([]*worker, workers)
	for i := range ws {
		w := &worker{rows: make([]int64, len(d.Inputs))}
		shared := &checks.Shared{} // one per worker, see checks.Shared
		for _, t := range tasks {
			env := env
			env.Shared = shared
			env.Reference = opts.References[t.Check.Name]
			st, err := t.Check.New(t.Config, env)
			if err != nil {
				return nil, &CheckError{Check: t.Check.Name, Err: err}
			}
			w.states = append(w.states, st)
		}
		ws[i] = w
	}

	start := time.Now()
	queue := make(chan workItem)
	gate := newUnitGate(cmp.Or(opts.PageMemory, opts.Memory.Limit()))
	first := newFirstError()
	// done releases what a work item holds once read or passed over: its
	// share of the gate, and a streamed unit's file.
	done := func(it workItem) {
		gate.give(it.held)
		if it.unit.stream != nil {
			it.unit.stream.Close()
		}
	}
	// The feed stops at the first error, and when ctx is done.
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	go func() {
		select {
		case <-first.stop:
			stopFeed()
		case <-feedCtx.Done():
		}
	}()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range queue {
				if uctx, ok := first.start(ctx, it.seq); ok {
					first.done(it.seq, d.readUnit(uctx, w, tasks, target, it, opts.ReadOptions))
				}
				done(it)
			}
		}()
	}
	seq := 0
	// send hands unit u of input i to a worker; false when the feed is to
	// stop.
	send := func(i int, u Unit) bool {
		held, err := gate.take(feedCtx, u.Bytes)
		if err != nil {
			done(workItem{unit: u})
			return false
		}
		it := workItem{input: i, unit: u, held: held, seq: seq}
		seq++
		select {
		case queue <- it:
			return true
		case <-feedCtx.Done():
			done(it)
			return false
		}
	}
feed:
	for i := range d.Inputs {
		if st, ok := d.sources[i].(unitStreamer); ok {
			// The stream reads under ctx, not feedCtx: the last unit of
			// an input the scan refused goes on reading it, and must not
			// be cut short by a fault in a later input. send stops the
			// stream at the next unit once the feed is to stop.
			streamed, err := st.stream(ctx, opts.ReadOptions, func(u Unit) bool { return send(i, u) })
			if err != nil {
				// In reading order, after the units handed out.
				first.done(seq, err)
				break feed
			}
			if streamed {
				if feedCtx.Err() != nil {
					break feed
				}
				continue
			}
		}
		for _, u := range d.sources[i].Units() {
			if !send(i, u) {
				break feed
			}
		}
	}
	close(queue)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if err := first.result(); err != nil {
		return nil, err
	}
	if opts.AfterRead != nil {
		opts.AfterRead()
	}

	out := &Outcome{InputRows: make([]int64, len(d.Inputs)), ReadTime: time.Since(start)}
	for _, f := range target.Fields() {
		out.Columns = append(out.Columns, f.Name)
	}
	for _, w := range ws {
		for i, n := range w.rows {
			out.InputRows[i] += n
			out.Rows += n
		}
	}
	// Merge each check's states on its own goroutine, at most one per
	// worker, then read each check's result the same way. Every check's
	// states are merged before any result is read: checks that share a
	// per-row table (checks.Shared) read it once, with every worker's rows
	// in it. Merging is cheap (a partitioned table's merge moves its runs
	// and pending aggregates); reading the results is the longest single
	// step after the read.
	out.Results = make([]checks.Result, len(tasks))
	out.States = make([]checks.State, len(tasks))
	out.TaskMergeTimes = make([]time.Duration, len(tasks))
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, workers)
	var mg sync.WaitGroup
	each := func(f func(k int, t Task)) {
		for k, t := range tasks {
			mg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; mg.Done() }()
				began := time.Now()
				f(k, t)
				out.TaskMergeTimes[k] += time.Since(began)
			}()
		}
		mg.Wait()
	}
	each(func(k int, t Task) { out.States[k], errs[k] = mergeTask(t, ws, k) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	each(func(k int, t Task) { out.Results[k], errs[k] = resultTask(t, out.States[k]) })
	out.MergeTime = time.Since(start) - out.ReadTime
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out.Results, func(i, j int) bool { return out.Results[i].Name < out.Results[j].Name })
	return out, nil
}

// mergeTask merges the workers' states of task k into the first worker's.
// A panic in a check's Merge becomes that check's error.
func mergeTask(t Task, ws []*worker, k int) (merged checks.State, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &CheckError{Check: t.Check.Name, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	merged = ws[0].states[k]
	for _, w := range ws[1:] {
		if err := merged.Merge(w.states[k]); err != nil {
			return nil, &CheckError{Check: t.Check.Name, Err: fmt.Errorf("merge: %w", err)}
		}
		// Merged: let its tables go now rather than when the run ends
		// (each goroutine clears only its own task's slot).
		w.states[k] = nil
	}
	return merged, nil
}

// resultTask reads the result of task t's merged state. A panic in a
// check's Result becomes that check's error.
func resultTask(t Task, merged checks.State) (res checks.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &CheckError{Check: t.Check.Name, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	res, err = merged.Result()
	if err != nil {
		return res, &CheckError{Check: t.Check.Name, Err: err}
	}
	res.Name = t.Check.Name
	return res, nil
}

// readUnit reads one unit and folds its batches into w's states.
func (d *Dataset) readUnit(ctx context.Context, w *worker, tasks []Task, target *arrow.Schema, it workItem, opts ReadOptions) (err error) {
	in, src := d.Inputs[it.input], d.sources[it.input]
	where := []string{}
	if it.unit.Where != "" {
		where = append(where, it.unit.Where)
	}
	defer func() {
		if r := recover(); r != nil {
			err = &decodePanic{what: string(in.Format), value: r}
		}
		var ce *CheckError
		if err != nil && !errors.As(err, &ce) && !errors.Is(err, context.Canceled) {
			err = inputErr(in.Path, markUnsupported(err), where...)
		}
	}()

	fileSchema := src.Schema()
	var cols []string
	types := map[string]arrow.DataType{}
	for _, f := range target.Fields() {
		if fileSchema.HasField(f.Name) {
			cols = append(cols, f.Name)
			types[f.Name] = f.Type
		}
	}
	if len(cols) == 0 && src.Inferred() && fileSchema.NumFields() > 0 {
		// Text readers count rows by parsing them: read the narrowest
		// column as the file has it, and let the conformer drop it.
		cols = []string{fileSchema.Field(0).Name}
	}
	rr, err := src.Read(ctx, it.unit, cols, types, opts)
	if err != nil {
		return err
	}
	defer rr.Release()
	conf := newConformer(ctx, target, rr.Schema(), in.Partitions, allocator(opts))
	codes, _ := rr.(codeReader) // nil for readers that work out no codes
	offset := max(it.unit.Offset, 0)
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := rr.RecordBatch()
		batch, err := conf.apply(rec)
		if err != nil {
			return err
		}
		if offset+batch.NumRows() > checks.MaxInputRows {
			batch.Release()
			return fmt.Errorf("more than %d rows: an input may have at most that many", int64(checks.MaxInputRows))
		}
		memo := w.memo.Reset(batch)
		if codes != nil {
			// The conformer passes a column it does not cast through as
			// it is: the reader knows its arrays.
			for c, a := range batch.Columns() {
				if sc := codes.StrCodes(a); sc != nil {
					memo.SetStrCodes(c, sc)
				}
			}
		}
		b := checks.Batch{Record: batch, Input: it.input, Offset: offset, Memo: memo}
		for k, st := range w.states {
			// A scheduling point between checks: a goroutine that runs
			// 10 ms without one is preempted by a signal, and a worker
			// observing a batch ran that long all the time. On the 2-core
			// VM of docs/performance.md a 10M-row audit took 404 such
			// signals, 109 with the yield, and ran faster in 18 of 22
			// alternating pairs (medians 4.045 s against 4.155 s and 4.185 s
			// against 4.345 s; section y). The yield costs a few hundred
			// nanoseconds when no other goroutine waits.
			runtime.Gosched()
			if err := observe(st, b); err != nil {
				batch.Release()
				return &CheckError{Check: tasks[k].Check.Name, Err: err}
			}
		}
		w.rows[it.input] += batch.NumRows()
		offset += batch.NumRows()
		batch.Release()
	}
	if err := rr.Err(); err != nil {
		return err
	}
	if it.unit.Rows >= 0 && offset-max(it.unit.Offset, 0) != it.unit.Rows {
		return fmt.Errorf("read %d rows, but the file says %d", offset-max(it.unit.Offset, 0), it.unit.Rows)
	}
	return nil
}

// observe calls st.Observe, turning a panic in a check into an error so a
// bug in one check ends the run cleanly.
func observe(st checks.State, b checks.Batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return st.Observe(b)
}
