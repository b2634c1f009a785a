package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/readiness/readiness/report"
	"github.com/spf13/cobra"
)

// renderings are the files `readiness render` can rebuild from report.json
// alone, by --format name. The audit writes the same files with the same
// functions, so a rebuilt file is byte-identical to the audit's.
var renderings = map[string]struct {
	file  string
	write func(io.Writer, *report.Report) error
}{
	"html":  {"report.html", report.WriteHTML},
	"md":    {"report.md", report.WriteMarkdown},
	"junit": {"junit.xml", report.WriteJUnit},
}

func renderFormats() string {
	var names []string
	for k := range renderings {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func newRenderCmd() *cobra.Command {
	var formats []string
	var out string
	cmd := &cobra.Command{
		Use:   "render REPORT.json",
		Short: "Rebuild the HTML, Markdown or JUnit rendering of a report from report.json alone",
		Long: `render reads a report.json and writes the renderings asked for into --out:
report.html, report.md, junit.xml. Every rendering is a function of the
report alone, so the files are the same as the audit wrote. The report is
validated against its schema first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(cmd.OutOrStdout(), args[0], formats, out)
		},
	}
	cmd.Flags().StringSliceVar(&formats, "format", nil, "renderings to write, comma-separated: "+renderFormats()+" (default: all)")
	cmd.Flags().StringVar(&out, "out", ".", "folder to write into (created if missing)")
	return cmd
}

func runRender(stdout io.Writer, path string, formats []string, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return usage(err)
	}
	if err := report.Validate(data); err != nil {
		return usage(fmt.Errorf("%s is not a valid report.json: %w", path, err))
	}
	rep, err := report.Read(path)
	if err != nil {
		return usage(err)
	}
	if len(formats) == 0 {
		for k := range renderings {
			formats = append(formats, k)
		}
	}
	sort.Strings(formats)
	for _, f := range formats {
		if _, ok := renderings[f]; !ok {
			return usage(fmt.Errorf("--format %q: want one of %s", f, renderFormats()))
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return usage(fmt.Errorf("--out: %w", err))
	}
	for _, f := range formats {
		r := renderings[f]
		var b bytes.Buffer
		if err := r.write(&b, rep); err != nil {
			return failed(fmt.Errorf("render %s: %w", f, err))
		}
		dst := filepath.Join(out, r.file)
		if err := report.WriteFile(dst, b.Bytes()); err != nil {
			return failed(fmt.Errorf("write %s: %w", dst, err))
		}
		if _, err := fmt.Fprintln(stdout, "wrote", dst); err != nil {
			return failed(err)
		}
	}
	return nil
}
