package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/registry"
	"github.com/readiness/readiness/checks/staleness"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/readiness"
	"github.com/readiness/readiness/report"
	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type auditFlags struct {
	out, config, format, asOf, logLevel string
	workers, batchSize, inferRows       int
	quiet                               bool
	roles                               checks.Roles
	nullValues                          []string
	nullValuesSet                       bool
	delimiter, header                   string
	reference                           []string
	cpuProfile, memProfile, traceFile   string
	memoryLimit, spillDir               string
	limits                              memoryLimits
	memory                              *fptable.Budget
	require, failOn, junit              string
	noHash, showValues                  bool
	remote                              *remoteFlags
}

func newAuditCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit PATH...",
		Short: "Audit a dataset: files, folders or globs of Parquet, CSV, TSV, NDJSON or Arrow IPC",
		Long: `audit reads every input once and runs every check over it.

Each PATH is a file, a folder (walked; key=value folders become columns) or a
glob. The format comes from the extension (.parquet, .csv, .tsv, .ndjson,
.jsonl, .arrow, .feather, .arrows; .gz and .zst for text) or from --format.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.nullValuesSet = cmd.Flags().Changed("null-values")
			return runAudit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, f)
		},
	}
	fl := cmd.Flags()
	f.remote = addRemoteFlags(fl)
	fl.StringVar(&f.out, "out", "", "folder to write report.json into (created if missing)")
	fl.StringVar(&f.config, "config", "", "policy file (default: the embedded configs/default.yaml)")
	fl.StringVar(&f.format, "format", "", "read every input as this format: parquet, csv, tsv, ndjson, arrow, arrows")
	fl.StringVar(&f.asOf, "as-of", "", "instant the audit is measured against, RFC 3339 or YYYY-MM-DD (default: now, recorded in the report)")
	fl.StringVar(&f.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "parallel readers, each with its own check states")
	fl.IntVar(&f.batchSize, "batch-size", 0, "most rows per record batch (default: the policy's read.batch_size; fewer for tables of more than 64 columns)")
	fl.IntVar(&f.inferRows, "infer-rows", 0, "rows of each text file sampled for type inference (default: the policy's read.infer_rows)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.StringVar(&f.roles.Label, "label", "", "label column (\"none\" if there is none)")
	fl.StringVar(&f.roles.Time, "time", "", "time column (\"none\" if there is none)")
	fl.StringVar(&f.roles.ID, "id", "", "id column (\"none\" if there is none)")
	fl.StringVar(&f.roles.Split, "split", "", "split column, e.g. train/test (\"none\" if there is none)")
	fl.StringVar(&f.roles.Annotator, "annotator", "", "column naming who labelled each row (\"none\" if there is none)")
	fl.StringSliceVar(&f.roles.Features, "features", nil, "feature columns, comma-separated (default: every column without another role)")
	fl.StringSliceVar(&f.nullValues, "null-values", nil, "CSV/TSV field values read as null (default: the policy's read.null_values)")
	fl.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter (default: sniffed; \\t for TSV)")
	fl.StringVar(&f.header, "header", "auto", "whether CSV files have a header row: auto, yes, no")
	fl.StringVar(&f.require, "require", "", "verdict the data must reach for exit 0: custom, hybrid or pretrained (default: the policy's readiness.require)")
	fl.StringVar(&f.failOn, "fail-on", "", "error: only the verdict decides the exit code; warn: any check that warns fails it too (default: the policy's readiness.fail_on)")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML file (one test case per check, and one for the verdict)")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the audit to this file (go tool pprof)")
	fl.StringVar(&f.traceFile, "trace", "", "write an execution trace of the audit to this file (go tool trace): where the workers wait, and on what")
	fl.StringVar(&f.memProfile, "memprofile", "", "write a heap profile, taken after the checks are merged and their flagged rows listed, to this file")
	fl.StringVar(&f.memoryLimit, "memory-limit", defaultMemoryLimit, "memory for the checks' per-row tables (duplicates, conflicts): a size (512MiB, 2GiB), a share of RAM (25%), none, or auto (256MiB, or an eighth of RAM if less); past it they spill to disk, still exact; Parquet row groups are decoded at once only while their pages (a column chunk's uncompressed size, up to 1 MiB) fit in it too (under auto, in 512MiB or a quarter of RAM)")
	fl.StringVar(&f.spillDir, "spill-dir", "", "folder for the spill files of --memory-limit (default: the system's temporary folder); removed after the audit")
	fl.BoolVar(&f.noHash, "no-hash", false, "do not hash the inputs' bytes for the report's provenance (the report says so; `readiness verify` then compares sizes and times only)")
	fl.BoolVar(&f.showValues, "show-values", false, "allow raw cell values (placeholders found, exact times) into the outputs; by default none appears")
	fl.StringArrayVar(&f.reference, "reference", nil, "reference dataset (e.g. a sample of production traffic) the training data is compared with; repeatable")
	return cmd
}

// checkTasks decodes each check's section of the policy into its typed
// configuration. A section for a check that does not exist is an error.
func checkTasks(p *configs.Policy) ([]pipeline.Task, error) {
	var names []string
	for name := range p.Checks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := registry.Lookup(name); !ok {
			node := p.Checks[name]
			return nil, &configs.Error{Source: p.Source, Path: "checks." + name, Line: node.Line,
				Err: fmt.Errorf("unknown check (known: %s)", strings.Join(registry.Names(), ", "))}
		}
	}
	var tasks []pipeline.Task
	for _, c := range registry.All {
		cfg := c.DefaultConfig()
		if node, ok := p.Checks[c.Name]; ok {
			if err := configs.DecodeStrict(&node, "checks."+c.Name, cfg); err != nil {
				var pe *configs.Error
				if errors.As(err, &pe) {
					pe.Source = p.Source
				}
				return nil, err
			}
		}
		tasks = append(tasks, pipeline.Task{Check: c, Config: cfg})
	}
	return tasks, nil
}

func loadPolicy(path string) (*configs.Policy, error) {
	if path == "" {
		return configs.Default()
	}
	return configs.Load(path)
}

func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC().Truncate(time.Second), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--as-of %q: want RFC 3339 (2026-01-31T00:00:00Z) or a date (2026-01-31)", s)
}

func newLogger(w io.Writer, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// Log times carry milliseconds: the phases of an audit (reading, merging,
// listing the flagged rows, writing the outputs) are told apart by them.
func init() { zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00" }

func runAudit(ctx context.Context, stdout, stderr io.Writer, paths []string, f auditFlags) error {
	started := time.Now()
	log, err := newLogger(stderr, f.logLevel)
	if err != nil {
		return usage(err)
	}
	for _, r := range []struct {
		flag, path string
		start      func(io.Writer) error
		stop       func()
	}{{"--cpuprofile", f.cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {"--trace", f.traceFile, trace.Start, trace.Stop}} {
		if r.path == "" {
			continue
		}
		rf, err := os.Create(r.path)
		if err != nil {
			return usage(fmt.Errorf("%s: %w", r.flag, err))
		}
		defer rf.Close()
		if err := r.start(rf); err != nil {
			return failed(fmt.Errorf("%s: %w", r.flag, err))
		}
		defer r.stop()
	}
	if f.workers < 1 {
		return usage(fmt.Errorf("--workers must be at least 1"))
	}
	limits, err := parseMemoryLimit(f.memoryLimit)
	if err != nil {
		return usage(err)
	}
	f.limits = limits
	f.memory = fptable.NewBudget(limits.tables, f.spillDir)
	defer f.memory.Close()
	f.memory.CacheSpills(spillCache())
	if dir := cmp.Or(f.spillDir, os.TempDir()); limits.tables > 0 && inMemoryFS(dir) {
		log.Warn().Str("spill_dir", dir).Msg("spill files would go to a file system held in memory (tmpfs): past --memory-limit they take memory too; give --spill-dir a folder on disk")
	}
	huge, faultCost, why := hugePages()
	log.Info().Bool("huge_pages", huge).Float64("page_fault_us", float64(faultCost.Nanoseconds())/1e3).Msg(why)
	fptable.SetHugePages(huge)
	if huge {
		hugeHeap(heapLimit(limits.tables)) // before the heap's limit, see hugeHeap
	}
	setHeapLimit(limits.tables)
	defer governor.stop()
	asOf, err := parseAsOf(f.asOf, started)
	if err != nil {
		return usage(err)
	}
	policy, err := loadPolicy(f.config)
	if err != nil {
		return usage(err)
	}
	tasks, err := checkTasks(policy)
	if err != nil {
		return usage(err)
	}
	rcfg, err := readinessConfig(policy, f)
	if err != nil {
		return usage(err)
	}
	var format pipeline.Format
	if f.format != "" {
		if format, err = pipeline.ParseFormat(f.format); err != nil {
			return usage(fmt.Errorf("--format: %w", err))
		}
	}
	ropts, err := readOptions(f, policy)
	if err != nil {
		return usage(err)
	}

	dopts, err := f.remote.discoverOptions(format)
	if err != nil {
		return err
	}
	found, err := pipeline.Discover(paths, dopts)
	if err != nil {
		return classify(err)
	}
	for _, s := range found.Skipped {
		log.Info().Str("path", s).Msg("skipped: format unknown from the file name")
	}
	log.Info().Int("inputs", len(found.Inputs)).Msg("discovered inputs")

	// The hashes are waited for on every return: an audit that fails
	// leaves no hashing behind it.
	hashCtx, stopHashing := context.WithCancel(ctx)
	var waitHashes func() (map[string]string, error)
	startHash := func() { waitHashes = startHashing(hashCtx, found.Inputs, f.workers, f.noHash) }
	if hashEarly(found.Inputs) {
		startHash()
	}
	defer func() {
		stopHashing()
		if waitHashes != nil {
			_, _ = waitHashes()
		}
	}()
	ds, err := pipeline.Plan(ctx, found.Inputs, f.workers, ropts)
	if err != nil {
		return classify(err)
	}
	f.memory.Expect(ds.ExpectedRows(), f.workers)
	roles, choices, err := pipeline.ResolveRoles(ds.Schema, pipeline.RoleRequest{
		Flag: f.roles,
		Policy: checks.Roles{Label: policy.Roles.Label, Time: policy.Roles.Time, ID: policy.Roles.ID, Split: policy.Roles.Split,
			Annotator: policy.Roles.Annotator, Features: policy.Roles.Features},
	})
	if err != nil {
		return usage(err)
	}
	for _, c := range choices {
		log.Info().Str("role", c.Role).Str("column", c.Column).Str("source", string(c.Source)).Msg(c.Reason)
	}

	refStates, refReport, err := runReference(ctx, f, format, tasks, roles, ropts, asOf)
	if err != nil {
		return err
	}

	var total int64
	for _, in := range found.Inputs {
		total += in.Size
	}
	counter := &atomic.Int64{}
	ropts.Counter = counter
	stopBar := startProgress(stderr, f.quiet, total, counter)
	out, err := ds.Run(ctx, tasks, pipeline.RunOptions{ReadOptions: ropts, Workers: f.workers, Roles: roles, AsOf: asOf,
		StaleBefore: staleBefore(tasks, asOf), References: refStates, ShowValues: f.showValues, Memory: f.memory, PageMemory: f.limits.pages,
		AfterRead: func() {
			if waitHashes == nil {
				startHash()
			}
		}})
	stopBar(err == nil)
	if err != nil {
		return classify(err)
	}
	log.Info().Int64("rows", out.Rows).Dur("read", out.ReadTime).Dur("merge", out.MergeTime).Msg("checks run")
	for k, t := range tasks {
		log.Debug().Str("check", t.Check.Name).Dur("merge", out.TaskMergeTimes[k]).Msg("check merged")
	}

	rep := buildReport(ds, out, policy, roles, choices, asOf, started, f.workers)
	rep.Reference = refReport
	if rep.Policy.Effective, rep.Policy.EffectiveSHA256, err = effectivePolicy(policy, tasks, rcfg, ropts, f); err != nil {
		return failed(err)
	}
	flagged, flaggedSummary, err := flaggedRows(ds, tasks, out, f.workers)
	if err != nil {
		return classify(err)
	}
	// Listing flagged rows may read spilled tables back: the tables' use is
	// complete only now.
	peak, spilled, runs := f.memory.Stats()
	rep.Run.Memory = &report.RunMemory{LimitBytes: f.memory.Limit(), PeakBytes: peak, SpilledBytes: spilled, SpillRuns: runs}
	log.Info().Int64("limit_bytes", f.memory.Limit()).Int("partitions", f.memory.Partitions()).Int64("peak_bytes", peak).Int64("spilled_bytes", spilled).Int64("spill_runs", runs).Msg("per-row tables")
	if f.memProfile != "" {
		if err := writeHeapProfile(f.memProfile); err != nil {
			return failed(err)
		}
	}
	// The checks' states, and their per-row tables, are not needed past
	// this point: let them go before the outputs are built, and give the
	// memory kept for the tables back to the system (fptable.Trim).
	release(out.States)
	for _, st := range refStates {
		release([]checks.State{st})
	}
	out.States, refStates = nil, nil
	runtime.GC()
	fptable.Trim()
	widenHeapLimit(limits)
	// Their spill files too: removing them (2 GB at 10M rows, 0.6 s of
	// unlinking in a trace) goes on while the outputs are built and
	// written, and is waited for before the audit returns.
	spillRemoved := make(chan struct{})
	go func() {
		defer close(spillRemoved)
		if err := f.memory.Close(); err != nil {
			log.Warn().Err(err).Msg("removing spill files")
		}
	}()
	defer func() { <-spillRemoved }()
	rep.Flagged = flaggedSummary
	sums, err := waitHashes()
	if err != nil {
		return failed(err)
	}
	fillProvenance(rep, ds, sums, f.noHash, f.showValues)
	if rep.Readiness, err = readiness.Evaluate(rcfg, out.Results, f.require, f.failOn); err != nil {
		return usage(err)
	}
	if !f.showValues {
		if _, err := redactReport(rep, numberedRedactor()); err != nil {
			return failed(err)
		}
	}
	// A signal that arrived during the run must not leave any output.
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err := writeOutputs(rep, flagged, f, log); err != nil {
		return failed(err)
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		if err := report.WriteAnnotations(stdout, rep); err != nil {
			return failed(err)
		}
	}
	if err := report.WriteSummary(stdout, rep); err != nil {
		return failed(err)
	}
	if a := rep.Readiness; !a.Passed {
		why := fmt.Sprintf("verdict %s, required %s", a.Verdict, a.Required)
		switch {
		case a.Score == nil:
			why = "no check could be evaluated, which is never a pass (" + why + ")"
		case a.FailOn == "warn" && readiness.Rank(a.Verdict) >= readiness.Rank(a.Required):
			why += ", and a check warned (--fail-on warn)"
		}
		return &exitError{code: exitGate, err: fmt.Errorf("gate failed: %s", why)}
	}
	return nil
}

// release gives back the memory the states hold outside the Go heap
// (checks.Releaser).
func release(states []checks.State) {
	for _, st := range states {
		if r, ok := st.(checks.Releaser); ok {
			r.Release()
		}
	}
}

// readinessConfig decodes the policy's readiness section and checks the
// gate flags against it before anything is read.
func readinessConfig(p *configs.Policy, f auditFlags) (*readiness.Config, error) {
	cfg := readiness.DefaultConfig()
	if !p.Readiness.IsZero() {
		if err := configs.DecodeStrict(&p.Readiness, "readiness", cfg); err != nil {
			var pe *configs.Error
			if errors.As(err, &pe) {
				pe.Source = p.Source
			}
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, &configs.Error{Source: p.Source, Path: "readiness", Line: p.Readiness.Line, Err: err}
	}
	if f.require != "" && (readiness.Rank(f.require) < 0 || f.require == readiness.Blocked) {
		return nil, fmt.Errorf("--require %q: want custom, hybrid or pretrained", f.require)
	}
	if f.failOn != "" && f.failOn != "error" && f.failOn != "warn" {
		return nil, fmt.Errorf("--fail-on %q: want error or warn", f.failOn)
	}
	return cfg, nil
}

// writeOutputs writes report.json, report.md, report.html and findings.parquet into
// --out, the JUnit file, and appends the Markdown to GitHub's step summary
// when there is one. Each file appears whole or not at all.
func writeOutputs(rep *report.Report, flagged *flagged, f auditFlags, log zerolog.Logger) error {
	render := func(write func(io.Writer, *report.Report) error) ([]byte, error) {
		var b bytes.Buffer
		err := write(&b, rep)
		return b.Bytes(), err
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		data, err := report.Marshal(rep)
		if err != nil {
			return err
		}
		md, err := render(report.WriteMarkdown)
		if err != nil {
			return err
		}
		html, err := render(report.WriteHTML)
		if err != nil {
			return err
		}
		for name, data := range map[string][]byte{"report.json": data, "report.md": md, "report.html": html} {
			path := filepath.Join(f.out, name)
			if err := report.WriteFile(path, data); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			log.Info().Str("path", path).Msg("wrote " + name)
		}
		path := filepath.Join(f.out, "findings.parquet")
		if err := report.WriteFileFunc(path, func(w io.Writer) error { return writeFindings(w, flagged, f.workers, findingsGroupRows(flagged.n)) }); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		log.Info().Str("path", path).Int("rows", flagged.n).Msg("wrote findings.parquet")
	}
	if f.junit != "" {
		data, err := render(report.WriteJUnit)
		if err != nil {
			return err
		}
		if err := report.WriteFile(f.junit, data); err != nil {
			return fmt.Errorf("--junit: write %s: %w", f.junit, err)
		}
	}
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := report.AppendStepSummary(path, rep); err != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	return nil
}

// writeHeapProfile writes the live heap (after a collection) to path.
func writeHeapProfile(path string) error {
	pf, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(pf); err != nil {
		pf.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	return pf.Close()
}

// staleBefore is the instant before which a row is stale, from the
// staleness check's configuration: the staleness and balance checks must
// agree on it.
func staleBefore(tasks []pipeline.Task, asOf time.Time) time.Time {
	for _, t := range tasks {
		if t.Check == &staleness.Check {
			return staleness.Cutoff(t.Config, asOf)
		}
	}
	return time.Time{}
}

// runReference runs the checks that compare the training data with a
// reference dataset over the reference alone, and returns their merged
// states by check name, for the training run. The reference is read with
// the training run's roles, minus the columns it does not have. Without
// --reference it returns nothing.
func runReference(ctx context.Context, f auditFlags, format pipeline.Format, tasks []pipeline.Task, roles checks.Roles,
	ropts pipeline.ReadOptions, asOf time.Time) (map[string]checks.State, *report.Reference, error) {
	if len(f.reference) == 0 {
		return nil, nil, nil
	}
	var refTasks []pipeline.Task
	for _, t := range tasks {
		if t.Check.UsesReference {
			refTasks = append(refTasks, t)
		}
	}
	dopts, err := f.remote.discoverOptions(format)
	if err != nil {
		return nil, nil, err
	}
	found, err := pipeline.Discover(f.reference, dopts)
	if err != nil {
		return nil, nil, classify(fmt.Errorf("--reference: %w", err))
	}
	ds, err := pipeline.Plan(ctx, found.Inputs, f.workers, ropts)
	if err != nil {
		return nil, nil, classify(err)
	}
	has := func(c string) string {
		if c != "" && ds.Schema.HasField(c) {
			return c
		}
		return ""
	}
	refRoles := checks.Roles{Label: has(roles.Label), Time: has(roles.Time), ID: has(roles.ID), Split: has(roles.Split),
		Annotator: has(roles.Annotator), Features: []string{}}
	for _, c := range roles.Features {
		if has(c) != "" {
			refRoles.Features = append(refRoles.Features, c)
		}
	}
	out, err := ds.Run(ctx, refTasks, pipeline.RunOptions{ReadOptions: ropts, Workers: f.workers, Roles: refRoles, AsOf: asOf, ShowValues: f.showValues, Memory: f.memory,
		PageMemory: f.limits.pages, ReferenceRun: true})
	if err != nil {
		return nil, nil, classify(err)
	}
	states := map[string]checks.State{}
	rep := &report.Reference{Dataset: datasetOf(ds, out), Inputs: inputsOf(ds, out), Checks: []string{}}
	for i, t := range refTasks {
		states[t.Check.Name] = out.States[i]
		rep.Checks = append(rep.Checks, t.Check.Name)
	}
	return states, rep, nil
}

// classify maps an error from the pipeline to an exit code.
func classify(err error) error {
	var ue *pipeline.UsageError
	if errors.As(err, &ue) {
		return usage(err)
	}
	return failed(err)
}

func readOptions(f auditFlags, p *configs.Policy) (pipeline.ReadOptions, error) {
	o := pipeline.ReadOptions{BatchSize: p.Read.BatchSize, InferRows: p.Read.InferRows}
	o.CSV.NullValues = p.Read.NullValues
	if f.nullValuesSet {
		o.CSV.NullValues = f.nullValues
	}
	if f.batchSize < 0 || f.inferRows < 0 {
		return o, fmt.Errorf("--batch-size and --infer-rows must not be negative")
	}
	if f.batchSize > 0 {
		o.BatchSize = f.batchSize
	}
	if f.inferRows > 0 {
		o.InferRows = f.inferRows
	}
	switch d := f.delimiter; {
	case d == "":
	case d == `\t` || d == "tab":
		o.CSV.Delimiter = '\t'
	case len([]rune(d)) == 1:
		o.CSV.Delimiter = []rune(d)[0]
	default:
		return o, fmt.Errorf("--delimiter %q: want one character", d)
	}
	switch h := strings.ToLower(f.header); h {
	case "auto", "yes", "no":
		o.CSV.Header = h
	default:
		return o, fmt.Errorf("--header %q: want auto, yes or no", f.header)
	}
	return o, nil
}

// startProgress draws a progress bar of input bytes read on stderr when it
// is a terminal, and returns the function that stops it.
func startProgress(stderr io.Writer, quiet bool, total int64, counter *atomic.Int64) func(done bool) {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !isatty.IsTerminal(f.Fd()) || total == 0 {
		return func(bool) {}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("auditing"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.Set64(min(counter.Load(), total))
			}
		}
	}()
	return func(done bool) {
		close(stop)
		<-finished
		if done {
			bar.Finish()
		}
		bar.Clear()
	}
}

func inputsOf(ds *pipeline.Dataset, out *pipeline.Outcome) []report.Input {
	var inputs []report.Input
	for i, in := range ds.Inputs {
		ri := report.Input{Path: in.Path, Format: string(in.Format), Compression: string(in.Compression), Rows: out.InputRows[i], Bytes: in.Size}
		if !in.ModTime.IsZero() {
			ri.ModTime = in.ModTime.UTC().Format(time.RFC3339Nano)
		}
		ri.Version = in.Version
		if len(in.Partitions) > 0 {
			ri.Partitions = map[string]string{}
			for _, p := range in.Partitions {
				ri.Partitions[p.Key] = p.Value
			}
		}
		inputs = append(inputs, ri)
	}
	return inputs
}

func datasetOf(ds *pipeline.Dataset, out *pipeline.Outcome) report.Dataset {
	d := report.Dataset{Rows: out.Rows, Columns: ds.Schema.NumFields(), Schema: []report.Column{}}
	for _, f := range ds.Schema.Fields() {
		d.Schema = append(d.Schema, report.Column{Name: f.Name, Type: f.Type.String()})
	}
	return d
}

func buildReport(ds *pipeline.Dataset, out *pipeline.Outcome, p *configs.Policy, roles checks.Roles, choices []pipeline.RoleChoice, asOf, started time.Time, workers int) *report.Report {
	v, c := toolVersion()
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "readiness", Version: v, Commit: c, GoVersion: runtime.Version()},
		AsOf:          asOf.Format(time.RFC3339),
		Policy:        report.Policy{Source: p.Source, Name: p.Name, Version: p.Version, SHA256: p.SHA256},
		Inputs:        inputsOf(ds, out),
		Dataset:       datasetOf(ds, out),
		Roles:         report.Roles{Roles: roles, Choices: []report.RoleChoice{}},
		Checks:        out.Results,
	}
	for _, ch := range choices {
		r.Roles.Choices = append(r.Roles.Choices, report.RoleChoice{Role: ch.Role, Column: ch.Column, Source: string(ch.Source), Reason: ch.Reason})
	}
	host, _ := os.Hostname()
	r.Run = report.Run{Started: started.UTC().Format(time.RFC3339Nano), DurationMS: float64(time.Since(started).Microseconds()) / 1000, Workers: workers,
		Host: host, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	return r
}
