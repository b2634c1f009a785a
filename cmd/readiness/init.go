package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/pipeline"
	"github.com/spf13/cobra"
)

type initFlags struct {
	read  auditFlags // the read and role flags, shared with audit
	out   string
	force bool
}

func newInitCmd() *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init DATASET...",
		Short: "Write a starter policy with the dataset's detected column roles, commented",
		Long: `init discovers and plans DATASET exactly as audit does (files, folders,
globs; the same read and role flags), then writes the default policy with its
roles section set to the roles audit would use, each with the reason it was
chosen, and the dataset's schema as comments. Only file footers and a
sample of text rows are read.

The policy goes to --out (default ./readiness.yaml; "-" for stdout). An
existing file is never replaced without --force.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.read.nullValuesSet = cmd.Flags().Changed("null-values")
			return runInit(cmd.Context(), cmd.OutOrStdout(), args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "readiness.yaml", `file to write the policy to ("-": standard output)`)
	fl.BoolVar(&f.force, "force", false, "replace --out if it exists")
	fl.StringVar(&f.read.format, "format", "", "read every input as this format: parquet, csv, tsv, ndjson, arrow, arrows")
	fl.IntVar(&f.read.inferRows, "infer-rows", 0, "rows of each text file sampled for type inference (default: the policy's read.infer_rows); written to the policy")
	fl.StringSliceVar(&f.read.nullValues, "null-values", nil, "CSV/TSV field values read as null (default: the policy's read.null_values); written to the policy")
	fl.StringVar(&f.read.delimiter, "delimiter", "", "CSV delimiter (default: sniffed; \\t for TSV)")
	fl.StringVar(&f.read.header, "header", "auto", "whether CSV files have a header row: auto, yes, no")
	fl.StringVar(&f.read.roles.Label, "label", "", "label column (\"none\" if there is none)")
	fl.StringVar(&f.read.roles.Time, "time", "", "time column (\"none\" if there is none)")
	fl.StringVar(&f.read.roles.ID, "id", "", "id column (\"none\" if there is none)")
	fl.StringVar(&f.read.roles.Split, "split", "", "split column, e.g. train/test (\"none\" if there is none)")
	fl.StringVar(&f.read.roles.Annotator, "annotator", "", "column naming who labelled each row (\"none\" if there is none)")
	fl.StringSliceVar(&f.read.roles.Features, "features", nil, "feature columns, comma-separated (default: every column without another role)")
	return cmd
}

func runInit(ctx context.Context, stdout io.Writer, paths []string, f initFlags) error {
	toStdout := f.out == "-"
	if f.out == "" {
		return usage(errors.New("--out must name a file, or - for standard output"))
	}
	// Refuse early, before reading anything, when the answer is known.
	if !toStdout {
		if err := checkOut(f.out, f.force); err != nil {
			return err
		}
	}
	policy, err := configs.Default()
	if err != nil {
		return failed(err)
	}
	var format pipeline.Format
	if f.read.format != "" {
		if format, err = pipeline.ParseFormat(f.read.format); err != nil {
			return usage(fmt.Errorf("--format: %w", err))
		}
	}
	ropts, err := readOptions(f.read, policy)
	if err != nil {
		return usage(err)
	}
	found, err := pipeline.Discover(paths, pipeline.DiscoverOptions{Format: format})
	if err != nil {
		return usage(err)
	}
	ds, err := pipeline.Plan(ctx, found.Inputs, runtime.NumCPU(), ropts)
	if err != nil {
		return classify(err)
	}
	// The default policy detects every role, so only the flags steer it:
	// what is detected here is what audit with the default would use.
	roles, choices, err := pipeline.ResolveRoles(ds.Schema, pipeline.RoleRequest{Flag: f.read.roles})
	if err != nil {
		return usage(err)
	}
	data, err := starterPolicy(configs.DefaultBytes(), starter{
		paths: paths, inputs: ds.Inputs, schema: ds.Schema.Fields(), roles: roles, choices: choices,
		flags: f.read, readNulls: ropts.CSV.NullValues, inferRows: ropts.InferRows,
	})
	if err != nil {
		return failed(err)
	}
	// The text must be a policy audit accepts: check before writing it.
	p, err := configs.Parse(data, f.out)
	if err != nil {
		return failed(fmt.Errorf("the starter policy does not load: %w", err))
	}
	if _, err := checkTasks(p); err != nil {
		return failed(fmt.Errorf("the starter policy does not load: %w", err))
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if toStdout {
		_, err := stdout.Write(data)
		return err
	}
	if err := writeNew(f.out, data, f.force); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %s\n", f.out, rolesLine(roles))
	return err
}

// checkOut refuses an --out that exists unless force is set, and one that
// is a folder in any case.
func checkOut(path string, force bool) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usage(fmt.Errorf("--out %s: %w", path, err))
	case info.IsDir():
		return usage(fmt.Errorf("--out %s is a folder; name a file", path))
	case !force:
		return usage(fmt.Errorf("--out %s exists; pass --force to replace it", path))
	}
	return nil
}

// writeNew writes data to path atomically: a temporary file in the same
// folder, renamed into place. Without force it never replaces a file, even
// one created while init was running: the temporary file is hard-linked to
// path, which fails if path exists.
func writeNew(path string, data []byte, force bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if errors.Is(err, fs.ErrNotExist) {
		return usage(fmt.Errorf("--out %s: the folder %s does not exist", path, filepath.Dir(path)))
	}
	if err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	name := tmp.Name()
	defer os.Remove(name) // after a rename or a link, a no-op or the spare name
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	if force {
		if err := os.Rename(name, path); err != nil {
			return failed(fmt.Errorf("write %s: %w", path, err))
		}
		return nil
	}
	err = os.Link(name, path)
	if errors.Is(err, fs.ErrExist) {
		return usage(fmt.Errorf("--out %s exists; pass --force to replace it", path))
	}
	if err != nil {
		// No hard links here (some network and FAT file systems): check
		// again and rename, leaving only a narrow window.
		if err := checkOut(path, false); err != nil {
			return err
		}
		if err := os.Rename(name, path); err != nil {
			return failed(fmt.Errorf("write %s: %w", path, err))
		}
	}
	return nil
}

// starter is what the starter policy is written from.
type starter struct {
	paths     []string
	inputs    []*pipeline.Input
	schema    []arrow.Field
	roles     checks.Roles
	choices   []pipeline.RoleChoice
	flags     auditFlags
	readNulls []string
	inferRows int
}

// starterPolicy returns the default policy's text with a header naming the
// dataset and its schema, the roles section replaced by the resolved roles
// (each with the reason it was chosen), and the read settings given on
// the command line. Nothing in it depends on the clock, so the same
// dataset and flags give the same bytes.
func starterPolicy(def []byte, s starter) ([]byte, error) {
	lines := strings.SplitAfter(string(def), "\n")
	start, end := -1, -1
	for i, l := range lines {
		if start < 0 && strings.TrimRight(l, " \r\n") == "roles:" {
			start = i
			continue
		}
		// The section ends at the next line that is neither indented,
		// blank, nor a comment.
		if start >= 0 && strings.TrimSpace(l) != "" && l[0] != ' ' && l[0] != '#' {
			end = i
			break
		}
	}
	if start < 0 {
		return nil, errors.New("the default policy has no top-level roles: section")
	}
	if end < 0 {
		end = len(lines)
	}
	// Keep the comments and blank lines that close the old section: they
	// introduce the next one.
	for end > start+1 && (strings.TrimSpace(lines[end-1]) == "" || strings.HasPrefix(lines[end-1], "#")) {
		end--
	}

	var b bytes.Buffer
	writeHeader(&b, s)
	named := false
	for _, l := range lines[:start] {
		// Reports name the policy: this one is no longer the default.
		if strings.HasPrefix(l, "name:") {
			l, named = "name: starter  # written by readiness init; rename it\n", true
		}
		b.WriteString(l)
	}
	if !named {
		return nil, errors.New("the default policy has no top-level name before its roles")
	}
	if err := writeRoles(&b, s); err != nil {
		return nil, err
	}
	rest := strings.Join(lines[end:], "")
	var err error
	if s.flags.nullValuesSet {
		if rest, err = setReadKey(rest, "null_values", flowList(s.readNulls)); err != nil {
			return nil, err
		}
	}
	if s.flags.inferRows > 0 {
		if rest, err = setReadKey(rest, "infer_rows", strconv.Itoa(s.inferRows)); err != nil {
			return nil, err
		}
	}
	b.WriteString(rest)
	return b.Bytes(), nil
}

// setReadKey replaces the value of read.<key>, a one-line entry of the
// default policy, keeping its comment block.
func setReadKey(text, key, value string) (string, error) {
	prefix := "  " + key + ":"
	lines := strings.SplitAfter(text, "\n")
	inRead := false
	for i, l := range lines {
		if strings.TrimSpace(l) != "" && l[0] != ' ' && l[0] != '#' {
			inRead = strings.TrimRight(l, " \r\n") == "read:"
			continue
		}
		if inRead && strings.HasPrefix(l, prefix) {
			lines[i] = prefix + " " + value + "  # from the command line of readiness init\n"
			return strings.Join(lines, ""), nil
		}
	}
	return "", fmt.Errorf("the default policy has no one-line read.%s to set", key)
}

func writeHeader(b *bytes.Buffer, s starter) {
	b.WriteString("# Starter policy written by `readiness init` for:\n")
	for _, p := range s.paths {
		fmt.Fprintf(b, "#   %s\n", commentText(p))
	}
	formats := map[string]int{}
	var order []string
	for _, in := range s.inputs {
		name := string(in.Format)
		if in.Compression != "" {
			name += "+" + string(in.Compression)
		}
		if formats[name] == 0 {
			order = append(order, name)
		}
		formats[name]++
	}
	var parts []string
	for _, name := range order {
		parts = append(parts, fmt.Sprintf("%d %s", formats[name], name))
	}
	plural := "s"
	if len(s.inputs) == 1 {
		plural = ""
	}
	fmt.Fprintf(b, "# %d input file%s (%s).\n", len(s.inputs), plural, strings.Join(parts, ", "))
	if flags := readFlags(s.flags); flags != "" {
		fmt.Fprintf(b, "# Read with %s: pass the same flags to readiness audit.\n", commentText(flags))
	}
	b.WriteString("#\n# Schema (column: type), as audit reads it:\n")
	for _, f := range s.schema {
		fmt.Fprintf(b, "#   %s: %s\n", commentText(f.Name), f.Type)
	}
	b.WriteString("#\n# Below is the default policy, with the roles set for this dataset. Review\n" +
		"# the roles and tighten the thresholds your task needs.\n#\n")
}

// readFlags lists the read flags given that the policy cannot hold.
func readFlags(f auditFlags) string {
	var parts []string
	if f.format != "" {
		parts = append(parts, "--format "+f.format)
	}
	if f.delimiter != "" {
		parts = append(parts, "--delimiter "+strconv.Quote(f.delimiter))
	}
	if h := strings.ToLower(f.header); h != "" && h != "auto" {
		parts = append(parts, "--header "+h)
	}
	return strings.Join(parts, " ")
}

func writeRoles(b *bytes.Buffer, s starter) error {
	why := map[string]pipeline.RoleChoice{}
	for _, c := range s.choices {
		why[c.Role] = c
	}
	b.WriteString("roles:\n")
	b.WriteString("  # Set by readiness init; each comment says why. \"none\": no such column,\n" +
		"  # so none is detected later either.\n")
	for _, r := range []struct {
		role, column string
	}{{"label", s.roles.Label}, {"time", s.roles.Time}, {"id", s.roles.ID}, {"split", s.roles.Split}, {"annotator", s.roles.Annotator}} {
		writeChoice(b, why[r.role])
		value := "none"
		if r.column != "" {
			value = yamlString(r.column)
		}
		fmt.Fprintf(b, "  %s: %s\n", r.role, value)
	}
	writeChoice(b, why["features"])
	if len(s.roles.Features) == 0 {
		b.WriteString("  features: []  # no column is left for features\n")
		return nil
	}
	b.WriteString("  features:\n")
	for _, f := range s.roles.Features {
		fmt.Fprintf(b, "    - %s\n", yamlString(f))
	}
	return nil
}

func writeChoice(b *bytes.Buffer, c pipeline.RoleChoice) {
	if c.Role == "" {
		return
	}
	fmt.Fprintf(b, "  # %s: %s\n", c.Source, commentText(c.Reason))
}

// yamlString is s as a double-quoted YAML scalar on one line, whatever it
// holds. Go's quoting serves: every escape it writes for valid UTF-8 (\n,
// \t, \x7f, \u2028, ...) means the same in YAML.
func yamlString(s string) string {
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

func flowList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = yamlString(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// commentText keeps s on one comment line: a name or path holding a line
// break or another control character is quoted.
func commentText(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

func rolesLine(r checks.Roles) string {
	or := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return fmt.Sprintf("label=%s time=%s id=%s split=%s annotator=%s features=%d",
		or(r.Label), or(r.Time), or(r.ID), or(r.Split), or(r.Annotator), len(r.Features))
}
