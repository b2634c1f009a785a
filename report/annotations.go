package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/readiness/readiness/checks"
)

// WriteAnnotations writes GitHub Actions workflow commands for the report:
// one ::error per finding of severity error or blocker, one ::warning per
// finding of severity warning (info findings are left out), titled with the
// check and the code, and, when the report has a readiness block, one line
// for the verdict: ::error when the gate failed, ::notice when it passed.
func WriteAnnotations(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			var cmd string
			switch f.Severity {
			case checks.Error, checks.Blocker:
				cmd = "error"
			case checks.Warning:
				cmd = "warning"
			default:
				continue
			}
			ew.printf("::%s title=%s::%s\n", cmd, escapeProperty(c.Name+" "+f.Code), escapeData(f.Message))
		}
	}
	if a := r.Readiness; a != nil {
		cmd := "notice"
		if !a.Passed {
			cmd = "error"
		}
		ew.printf("::%s title=%s::%s\n", cmd, escapeProperty("readiness verdict"), escapeData(gateLine(a)))
	}
	if ew.err != nil {
		return fmt.Errorf("annotations: %w", ew.err)
	}
	return nil
}

// The escapes of GitHub's workflow commands (actions/toolkit, command.ts):
// a command's data escapes %, CR and LF; a property value also : and ,.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(controls(s)) }
func escapeProperty(s string) string { return propertyEscaper.Replace(controls(s)) }

// controls replaces the control characters GitHub's escapes leave alone (all
// but tab, CR and LF) with U+FFFD, as encoding/xml does in the JUnit file:
// a NUL or an ESC has no business in a log line.
func controls(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return '\uFFFD'
	}, s)
}
