// Command benchrun measures a full `readiness audit` of a Parquet file
// against two yardsticks: a decode-only floor (the same pipeline, reader
// settings and workers, with one check that does nothing) and, with
// -compare, DuckDB computing the equivalent statistics in SQL. Every
// measurement runs in its own child process, so its wall time and peak RSS
// (getrusage's ru_maxrss of that child) are its own; each is repeated -n
// times, in rounds of one run of each, and the medians and each round's
// time ratios are printed.
//
// With -compare, DuckDB's counts are checked against the audit's
// report.json (exact duplicate rows, duplicate feature rows and groups,
// conflicting label groups and rows, class counts, per-column nulls); any
// disagreement makes the exit code non-zero.
//
// Usage:
//
//	benchrun [-bin bin/readiness] [-n 3] [-workers N] [-compare] file.parquet...
//
// The DuckDB comparison is compiled in only with -tags duckdb (it needs cgo
// and DuckDB's static library); without it, -compare is an error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Child process modes (internal: the parent re-runs its own executable).
const (
	modeDecode = "decode"
	modeDedup  = "dedup"
	modeArrow  = "arrowgo"
	modeDuckDB = "duckdb"
)

// duckdbAvailable and runDuckDB are set by duckdb.go when built with the
// duckdb tag.
var (
	duckdbAvailable = false
	runDuckDB       func(file string, threads int, w io.Writer) error
)

type options struct {
	bin      string
	runs     int
	workers  int
	compare  bool
	threads  int
	asOf     string
	jsonOut  string
	keepOuts bool
	measure  map[string]bool
	timeout  time.Duration
	memLimit string
}

func main() {
	var o options
	mode := flag.String("mode", "", "internal: run one child measurement (decode or duckdb) on -file")
	file := flag.String("file", "", "internal: the input of a child measurement")
	flag.StringVar(&o.bin, "bin", "bin/readiness", "the readiness binary to time")
	flag.IntVar(&o.runs, "n", 3, "runs of each measurement (the median is reported)")
	flag.IntVar(&o.workers, "workers", runtime.NumCPU(), "--workers for the audit and the decode floor")
	flag.BoolVar(&o.compare, "compare", false, "also run DuckDB on the same file, time it, and check its counts against report.json (needs -tags duckdb)")
	flag.IntVar(&o.threads, "duckdb-threads", 2, "DuckDB's threads setting")
	flag.StringVar(&o.asOf, "as-of", "2026-01-01", "--as-of passed to the audit")
	flag.StringVar(&o.memLimit, "memory-limit", "", "--memory-limit passed to the audit (default: the audit's own default)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.BoolVar(&o.keepOuts, "keep", false, "keep the audit's output folders (printed) instead of deleting them")
	flag.DurationVar(&o.timeout, "audit-timeout", 0, "stop an audit run after this long (0: never); a stopped run counts as taking at least this long, and no further audit runs are made")
	measures := flag.String("measure", "audit,decode,arrowgo", "comma-separated measurements: audit, decode, dedup (the decode floor plus an exact duplicate-row count done the audit's way; see dedup.go), arrowgo (every column decoded by arrow-go alone, as issue 6 measured it; see arrowgo.go) (-compare adds duckdb); without audit there is no count comparison")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: benchrun [flags] file.parquet...\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	switch *mode {
	case "":
	case modeDecode:
		if err := runDecode(*file, o.workers, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun decode:", err)
			os.Exit(3)
		}
		return
	case modeDedup:
		if err := runDedup(*file, o.workers, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun dedup:", err)
			os.Exit(3)
		}
		return
	case modeArrow:
		if err := runArrowGo(*file, o.workers, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun arrowgo:", err)
			os.Exit(3)
		}
		return
	case modeDuckDB:
		if !duckdbAvailable {
			fmt.Fprintln(os.Stderr, "benchrun: built without DuckDB (go build -tags duckdb)")
			os.Exit(2)
		}
		if err := runDuckDB(*file, o.threads, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun duckdb:", err)
			os.Exit(3)
		}
		return
	default:
		fmt.Fprintf(os.Stderr, "benchrun: unknown -mode %q\n", *mode)
		os.Exit(2)
	}

	if flag.NArg() == 0 || o.runs < 1 || o.workers < 1 {
		flag.Usage()
		os.Exit(2)
	}
	o.measure = map[string]bool{}
	for _, m := range strings.Split(*measures, ",") {
		switch m = strings.TrimSpace(m); m {
		case "audit", "decode", "dedup", "arrowgo", "duckdb":
			o.measure[m] = true
		case "":
		default:
			fmt.Fprintf(os.Stderr, "benchrun: -measure %q: want audit, decode, dedup, arrowgo or duckdb\n", m)
			os.Exit(2)
		}
	}
	if o.compare {
		o.measure["duckdb"] = true
	}
	if len(o.measure) == 0 {
		fmt.Fprintln(os.Stderr, "benchrun: -measure: nothing to measure")
		os.Exit(2)
	}
	if o.measure["duckdb"] && !duckdbAvailable {
		fmt.Fprintln(os.Stderr, "benchrun: -compare needs a build with -tags duckdb (make bench-compare)")
		os.Exit(2)
	}
	if _, err := os.Stat(o.bin); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: -bin: %v (run make build)\n", err)
		os.Exit(2)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(2)
	}

	printMachine(o)
	var results []*fileResult
	ok := true
	for _, f := range flag.Args() {
		r, err := benchFile(self, f, o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: %s: %v\n", f, err)
			os.Exit(3)
		}
		results = append(results, r)
		if r.Compare != nil && !r.Compare.Agree {
			ok = false
		}
	}
	printScaling(results)
	if o.jsonOut != "" {
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
			os.Exit(3)
		}
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "benchrun: DuckDB's counts and the audit's report.json disagree")
		os.Exit(1)
	}
}

// run is one child process: its wall time, the CPU time it used (user and
// system, every thread), and its peak RSS.
type run struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	MaxRSS     int64   `json:"max_rss_bytes"`
	// TimedOut says the run was stopped at -audit-timeout: Seconds and
	// MaxRSS are lower bounds.
	TimedOut bool `json:"timed_out,omitempty"`
}

// measure is the runs of one kind of measurement and their medians.
type measure struct {
	Name string `json:"name"`
	Runs []run  `json:"runs"`
	// TimedOut says a run was stopped: the medians are lower bounds.
	TimedOut      bool    `json:"timed_out,omitempty"`
	MedianSeconds float64 `json:"median_seconds"`
	// MedianCPU is the median CPU time: what the run cost, and, against
	// the wall time, how busy it kept the cores. (On the VM of
	// docs/performance.md it moves as much as the wall time from run to
	// run: six 1M-row audits took 0.65–0.81 s and 1.09–1.39 s of CPU.)
	MedianCPU  float64 `json:"median_cpu_seconds"`
	MedianRSS  int64   `json:"median_max_rss_bytes"`
	RowsPerSec float64 `json:"rows_per_second"`
	MBPerSec   float64 `json:"mb_per_second"`
}

type fileResult struct {
	File     string             `json:"file"`
	Bytes    int64              `json:"bytes"`
	Rows     int64              `json:"rows"`
	Workers  int                `json:"workers"`
	Measures []*measure         `json:"measures"`
	Ratios   map[string]float64 `json:"ratios"`
	// RoundRatios are the time ratios of each round's runs (see
	// benchFile), in order.
	RoundRatios map[string][]float64 `json:"round_ratios,omitempty"`
	Compare     *comparison          `json:"compare,omitempty"`
}

func (r *fileResult) get(name string) *measure {
	for _, m := range r.Measures {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// child runs cmd, returning its stdout, wall time and peak RSS. Exit codes
// in okCodes are not errors.
func child(cmd *exec.Cmd, okCodes ...int) ([]byte, run, int, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		ee, isExit := err.(*exec.ExitError)
		if !isExit {
			return nil, run{}, -1, err
		}
		code = ee.ExitCode()
	}
	r := run{Seconds: wall.Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		r.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	if code != 0 {
		allowed := false
		for _, c := range okCodes {
			allowed = allowed || c == code
		}
		if !allowed {
			return nil, r, code, fmt.Errorf("%s exited %d: %s", strings.Join(cmd.Args, " "), code, lastLines(stderr.String(), 20))
		}
	}
	return stdout.Bytes(), r, code, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func benchFile(self, file string, o options) (*fileResult, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	res := &fileResult{File: file, Bytes: st.Size(), Workers: o.workers, Ratios: map[string]float64{}}
	fmt.Printf("\n== %s (%.1f MB), %d run(s) of each, %d workers\n", file, float64(st.Size())/1e6, o.runs, o.workers)

	// The measurements go in rounds, one run of each a round (audit,
	// decode, DuckDB), rather than all the runs of one and then the next:
	// on a shared machine the load drifts over the minutes a series takes,
	// and a ratio of medians taken minutes apart measured the drift as
	// much as the tools. Each round's own ratios are reported too.
	audit, decode, dedup := &measure{Name: "audit"}, &measure{Name: "decode"}, &measure{Name: "dedup"}
	arrowgo := &measure{Name: "arrowgo"}
	var duck *measure
	if o.measure["duckdb"] {
		duck = &measure{Name: "duckdb"}
	}
	var (
		reportJSON []byte
		rep        *auditReport
		counts     *duckStats // DuckDB's statistics, from its first run
	)
	for i := 0; i < o.runs; i++ {
		// The audit. Exit 1 (the gate failed) is a completed audit.
		if o.measure["audit"] && !audit.TimedOut {
			r, out, err := runAudit(file, o)
			if err != nil {
				return nil, err
			}
			audit.Runs = append(audit.Runs, r)
			printRun("audit", i, r)
			if r.TimedOut {
				audit.TimedOut = true
				fmt.Printf("   audit run %d stopped at -audit-timeout %s; no further audit runs\n", i+1, o.timeout)
			} else if reportJSON == nil {
				reportJSON = out
				if rep, err = parseReport(reportJSON); err != nil {
					return nil, fmt.Errorf("report.json: %w", err)
				}
				res.Rows = rep.rows
			}
		}
		// The decode-only floors: the audit's reader, and arrow-go alone.
		// Each must read the audit's rows.
		for _, fl := range []struct {
			mode string
			m    *measure
		}{{modeDecode, decode}, {modeArrow, arrowgo}} {
			if !o.measure[fl.m.Name] {
				continue
			}
			var d decodeResult
			r, err := childJSON(exec.Command(self, "-mode", fl.mode, "-workers", fmt.Sprint(o.workers), "-file", file), &d)
			if err != nil {
				return nil, err
			}
			if rep != nil && d.Rows != rep.rows {
				return nil, fmt.Errorf("%s read %d rows, the audit %d", fl.m.Name, d.Rows, rep.rows)
			}
			res.Rows = d.Rows
			fl.m.Runs = append(fl.m.Runs, r)
			printRun(fl.m.Name, i, r)
		}
		// The dedup floor: its duplicate count must be the audit's.
		if o.measure["dedup"] {
			var d dedupResult
			r, err := childJSON(exec.Command(self, "-mode", modeDedup, "-workers", fmt.Sprint(o.workers), "-file", file), &d)
			if err != nil {
				return nil, err
			}
			if rep != nil && (d.Rows != rep.rows || d.DuplicateRows != rep.exactDuplicateRows) {
				return nil, fmt.Errorf("dedup floor counted %d duplicate rows of %d, the audit %d of %d", d.DuplicateRows, d.Rows, rep.exactDuplicateRows, rep.rows)
			}
			res.Rows = d.Rows
			dedup.Runs = append(dedup.Runs, r)
			printRun("dedup", i, r)
		}
		// DuckDB.
		if duck != nil {
			var s duckStats
			r, err := childJSON(exec.Command(self, "-mode", modeDuckDB, "-duckdb-threads", fmt.Sprint(o.threads), "-file", file), &s)
			if err != nil {
				return nil, err
			}
			if counts == nil {
				counts = &s
			}
			duck.Runs = append(duck.Runs, r)
			printRun("duckdb", i, r)
		}
	}
	if o.measure["audit"] {
		res.Measures = append(res.Measures, audit)
	}
	if o.measure["decode"] {
		res.Measures = append(res.Measures, decode)
	}
	if o.measure["dedup"] {
		res.Measures = append(res.Measures, dedup)
	}
	if o.measure["arrowgo"] {
		res.Measures = append(res.Measures, arrowgo)
	}
	if duck != nil {
		res.Measures = append(res.Measures, duck)
		if res.Rows == 0 {
			res.Rows = counts.Rows
		}
		if rep != nil {
			res.Compare = compare(counts, rep)
		} else {
			res.Compare = &comparison{Agree: true, DuckDB: counts}
		}
	}
	res.RoundRatios = map[string][]float64{}
	for _, pair := range [][2]*measure{{audit, decode}, {audit, duck}, {dedup, decode}, {audit, arrowgo}, {decode, arrowgo}} {
		a, b := pair[0], pair[1]
		if a == nil || b == nil || len(a.Runs) == 0 || len(b.Runs) == 0 || a.TimedOut {
			continue
		}
		name := a.Name + "/" + b.Name
		for k := range min(len(a.Runs), len(b.Runs)) {
			res.RoundRatios[name] = append(res.RoundRatios[name], a.Runs[k].Seconds/b.Runs[k].Seconds)
		}
	}

	for _, m := range res.Measures {
		finish(m, res.Rows, res.Bytes)
	}
	if a, d := res.get("audit"), res.get("decode"); a != nil && d != nil {
		res.Ratios["audit/decode"] = a.MedianSeconds / d.MedianSeconds
		res.Ratios["audit_rss/decode_rss"] = float64(a.MedianRSS) / float64(d.MedianRSS)
	}
	if a, d := res.get("audit"), res.get("duckdb"); a != nil && d != nil {
		res.Ratios["audit/duckdb"] = a.MedianSeconds / d.MedianSeconds
		res.Ratios["audit_rss/duckdb_rss"] = float64(a.MedianRSS) / float64(d.MedianRSS)
	}
	if a, d := res.get("decode"), res.get("duckdb"); a != nil && d != nil {
		res.Ratios["decode/duckdb"] = a.MedianSeconds / d.MedianSeconds
	}
	if a, d := res.get("dedup"), res.get("decode"); a != nil && d != nil {
		res.Ratios["dedup/decode"] = a.MedianSeconds / d.MedianSeconds
	}
	if a, d := res.get("audit"), res.get("arrowgo"); a != nil && d != nil {
		res.Ratios["audit/arrowgo"] = a.MedianSeconds / d.MedianSeconds
		res.Ratios["audit_cpu/arrowgo_cpu"] = a.MedianCPU / d.MedianCPU
	}
	if a, d := res.get("decode"), res.get("arrowgo"); a != nil && d != nil {
		res.Ratios["decode/arrowgo"] = a.MedianSeconds / d.MedianSeconds
	}
	printResult(res)
	if res.Compare != nil {
		printComparison(res.Compare, res.get("duckdb") != nil, stats(res))
	}
	return res, nil
}

// childJSON runs a child measurement (see child) and decodes the JSON it
// prints into v.
func childJSON(cmd *exec.Cmd, v any) (run, error) {
	out, r, _, err := child(cmd)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return r, fmt.Errorf("%s output %q: %w", strings.Join(cmd.Args, " "), out, err)
	}
	return r, nil
}

// runAudit runs one audit of file and returns its run and, unless it
// was stopped at -audit-timeout, its report.json.
func runAudit(file string, o options) (run, []byte, error) {
	dir, err := os.MkdirTemp("", "benchrun-audit-")
	if err != nil {
		return run{}, nil, err
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if o.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
	}
	defer cancel()
	args := []string{"audit", "-q", "--as-of", o.asOf, "--workers", fmt.Sprint(o.workers), "--out", dir}
	if o.memLimit != "" {
		args = append(args, "--memory-limit", o.memLimit)
	}
	cmd := exec.CommandContext(ctx, o.bin, append(args, file)...)
	_, r, code, err := child(cmd, 1)
	if ctx.Err() != nil {
		os.RemoveAll(dir)
		r.TimedOut = true
		return r, nil, nil
	}
	if err != nil {
		os.RemoveAll(dir)
		return r, nil, err
	}
	out, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		os.RemoveAll(dir)
		return r, nil, fmt.Errorf("audit exited %d without report.json: %w", code, err)
	}
	if o.keepOuts {
		fmt.Printf("   audit output: %s\n", dir)
	} else {
		os.RemoveAll(dir)
	}
	return r, out, nil
}

func stats(r *fileResult) *duckStats {
	if r.Compare == nil {
		return nil
	}
	return r.Compare.DuckDB
}

func finish(m *measure, rows, bytes int64) {
	secs := make([]float64, len(m.Runs))
	cpu := make([]float64, len(m.Runs))
	rss := make([]int64, len(m.Runs))
	for i, r := range m.Runs {
		secs[i], cpu[i], rss[i] = r.Seconds, r.CPUSeconds, r.MaxRSS
	}
	sort.Float64s(secs)
	sort.Float64s(cpu)
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	m.MedianSeconds = medianF(secs)
	m.MedianCPU = medianF(cpu)
	m.MedianRSS = int64(medianF(toF(rss)))
	if m.MedianSeconds > 0 {
		m.RowsPerSec = float64(rows) / m.MedianSeconds
		m.MBPerSec = float64(bytes) / 1e6 / m.MedianSeconds
	}
}

func toF(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// medianF is the median of sorted values (the mean of the middle two for
// an even count).
func medianF(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func printRun(name string, i int, r run) {
	ge := " "
	if r.TimedOut {
		ge = ">"
	}
	fmt.Printf("   %-7s run %d: %s%8.3f s  %s%8.3f s CPU  %s%8.1f MiB peak RSS\n", name, i+1, ge, r.Seconds, ge, r.CPUSeconds, ge, mib(r.MaxRSS))
}

func printResult(r *fileResult) {
	runs := 0
	for _, m := range r.Measures {
		runs = max(runs, len(m.Runs))
	}
	fmt.Printf("\n   %d rows, %.1f MB; medians of up to %d run(s):\n", r.Rows, float64(r.Bytes)/1e6, runs)
	fmt.Printf("   %-8s %10s %10s %14s %10s %14s\n", "", "wall s", "CPU s", "rows/s", "MB/s", "peak RSS MiB")
	for _, m := range r.Measures {
		note := ""
		if m.TimedOut {
			note = "  (stopped at -audit-timeout: time and RSS are lower bounds, rates upper bounds)"
		}
		fmt.Printf("   %-8s %10.3f %10.3f %14.0f %10.1f %14.1f%s\n", m.Name, m.MedianSeconds, m.MedianCPU, m.RowsPerSec, m.MBPerSec, mib(m.MedianRSS), note)
	}
	ge := ""
	if a := r.get("audit"); a != nil && a.TimedOut {
		ge = ">"
	}
	if v, ok := r.Ratios["audit/decode"]; ok {
		fmt.Printf("   audit/decode time "+ge+"%.2fx (issue 6 target <= 1.5x), RSS %.2fx\n", v, r.Ratios["audit_rss/decode_rss"])
	}
	if v, ok := r.Ratios["decode/duckdb"]; ok {
		fmt.Printf("   decode/duckdb time %.2fx\n", v)
	}
	if v, ok := r.Ratios["dedup/decode"]; ok {
		fmt.Printf("   dedup/decode time %.2fx (a floor under audit/decode: the decode plus an exact duplicate-row count)\n", v)
	}
	if v, ok := r.Ratios["audit/arrowgo"]; ok {
		line := fmt.Sprintf("   audit/arrowgo time "+ge+"%.2fx (issue 6 target <= 1.5x, against arrow-go alone as the issue measured its floor), CPU %.2fx", v, r.Ratios["audit_cpu/arrowgo_cpu"])
		if d, ok := r.Ratios["decode/arrowgo"]; ok {
			line += fmt.Sprintf(", decode/arrowgo %.2fx", d)
		}
		fmt.Println(line)
	}
	if v, ok := r.Ratios["audit/duckdb"]; ok {
		fmt.Printf("   audit/duckdb time "+ge+"%.2fx (issue 6 target < 0.4x), RSS %.2fx\n", v, r.Ratios["audit_rss/duckdb_rss"])
	}
	if a := r.get("audit"); a != nil {
		fmt.Printf("   audit peak RSS "+ge+"%.2f GiB (issue 6 target at 10M rows < 1 GiB)\n", float64(a.MedianRSS)/(1<<30))
	}
	for _, name := range []string{"audit/decode", "audit/duckdb", "dedup/decode", "audit/arrowgo", "decode/arrowgo"} {
		v := r.RoundRatios[name]
		if len(v) == 0 {
			continue
		}
		var b strings.Builder
		for _, x := range v {
			fmt.Fprintf(&b, " %.2fx", x)
		}
		sorted := append([]float64(nil), v...)
		sort.Float64s(sorted)
		fmt.Printf("   %s time by round:%s (median %.2fx)\n", name, b.String(), medianF(sorted))
	}
}

// printScaling compares the audit time of the largest and smallest inputs
// of each layout (issue 6: 10× the rows in at most 11× the time).
func printScaling(rs []*fileResult) {
	var layouts []string
	byLayout := map[string][]*fileResult{}
	for _, r := range rs {
		l := layoutOf(r.File)
		if byLayout[l] == nil {
			layouts = append(layouts, l)
		}
		byLayout[l] = append(byLayout[l], r)
	}
	for _, l := range layouts {
		printLayoutScaling(l, byLayout[l])
	}
}

// layoutOf is the layout of the bench file at path: its folder's name
// after the size it starts with ("10m-dict" → "-dict", "10m" → "").
func layoutOf(path string) string {
	return strings.TrimLeft(filepath.Base(filepath.Dir(path)), "0123456789km")
}

func printLayoutScaling(layout string, rs []*fileResult) {
	if len(rs) < 2 {
		return
	}
	lo, hi := rs[0], rs[0]
	for _, r := range rs {
		if r.Rows < lo.Rows {
			lo = r
		}
		if r.Rows > hi.Rows {
			hi = r
		}
	}
	if lo.Rows == 0 || lo == hi {
		return
	}
	fmt.Printf("\n== scaling %d -> %d rows (%.1fx)%s:\n", lo.Rows, hi.Rows, float64(hi.Rows)/float64(lo.Rows), map[bool]string{true: ", " + strings.TrimPrefix(layout, "-") + " layout"}[layout != ""])
	for _, name := range []string{"audit", "decode", "dedup", "arrowgo", "duckdb"} {
		a, b := lo.get(name), hi.get(name)
		if a == nil || b == nil {
			continue
		}
		ge := ""
		if b.TimedOut && !a.TimedOut {
			ge = ">"
		} else if a.TimedOut {
			continue // no meaningful ratio
		}
		fmt.Printf("   %-7s time %s%.2fx, peak RSS %s%.2fx\n", name, ge, b.MedianSeconds/a.MedianSeconds, ge, float64(b.MedianRSS)/float64(a.MedianRSS))
	}
	fmt.Printf("   (issue 6 target: audit time at most %.1fx)\n", 1.1*float64(hi.Rows)/float64(lo.Rows))
}

func printMachine(o options) {
	fmt.Printf("machine: %d CPUs (%s), %s RAM, %s/%s, %s\n", runtime.NumCPU(), cpuModel(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Printf("audit: %s audit -q --as-of %s --workers %d --out <tmp> <file>\n", o.bin, o.asOf, o.workers)
	if o.measure["duckdb"] {
		fmt.Printf("duckdb: threads=%d\n", o.threads)
	}
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "MemTotal:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")), "%d", &kb)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}
