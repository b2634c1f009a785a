package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/readiness/readiness/checks"
)

// WriteSummary writes the short human summary printed at the end of an
// audit. Like every rendering it is a function of the report alone.
func WriteSummary(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	files := "file"
	if len(r.Inputs) != 1 {
		files = "files"
	}
	ew.printf("readiness %s: %d rows x %d columns from %d %s (policy %s, as of %s)\n",
		r.Tool.Version, r.Dataset.Rows, r.Dataset.Columns, len(r.Inputs), files, r.Policy.Name, r.AsOf)
	ew.printf("roles: %s\n\n", rolesLine(r.Roles))
	for _, c := range r.Checks {
		score := "n/a"
		if c.Score != nil {
			score = fmt.Sprintf("%.1f", *c.Score)
		}
		ew.printf("%-18s %-14s score %s\n", c.Name, c.Status, score)
		var serious []checks.Finding
		for _, f := range c.Findings {
			if f.Severity != checks.Info {
				serious = append(serious, f)
			}
		}
		for i, f := range serious {
			if i == 5 {
				ew.printf("    ... %d more in report.json\n", len(serious)-i)
				break
			}
			ew.printf("    %s %s\n", f.Code, f.Message)
		}
		if c.Name == "missing" {
			writeMissingTop(ew, c.Metrics)
		}
	}
	if a := r.Readiness; a != nil {
		score := "n/a"
		if a.Score != nil {
			score = fmt.Sprintf("%.1f", *a.Score)
		}
		gate := "PASSED"
		if !a.Passed {
			gate = "FAILED"
		}
		ew.printf("\nverdict: %s (score %s / 100); required %s, fail on %s: gate %s\n", a.Verdict, score, a.Required, a.FailOn, gate)
		for i, x := range a.Reasons {
			if i == 5 {
				ew.printf("    ... %d more reasons in report.json\n", len(a.Reasons)-i)
				break
			}
			ew.printf("    %s: %s\n", x.Effect, x.Message)
		}
		if len(a.Remediation) > 0 {
			ew.printf("to reach %s:\n", a.Remediation[0].Target)
			for i, m := range a.Remediation {
				if i == 5 {
					ew.printf("    ... %d more in report.json\n", len(a.Remediation)-i)
					break
				}
				ew.printf("    %d. %s\n", i+1, m.Action)
			}
		}
	}
	return ew.err
}

func rolesLine(r Roles) string {
	var parts []string
	for _, p := range []struct{ role, col string }{{"label", r.Label}, {"time", r.Time}, {"id", r.ID}, {"split", r.Split}, {"annotator", r.Annotator}} {
		col := p.col
		if col == "" {
			col = "-"
		}
		parts = append(parts, p.role+"="+col)
	}
	parts = append(parts, fmt.Sprintf("features=%d", len(r.Features)))
	return strings.Join(parts, " ")
}

// writeMissingTop lists the columns with the highest missing rates.
func writeMissingTop(ew *errWriter, raw json.RawMessage) {
	var m struct {
		Rows            int64 `json:"rows"`
		RowsWithMissing int64 `json:"rows_with_missing"`
		Columns         map[string]struct {
			Missing     int64   `json:"missing"`
			MissingRate float64 `json:"missing_rate"`
		} `json:"columns"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	type col struct {
		name string
		n    int64
		rate float64
	}
	var cols []col
	for name, c := range m.Columns {
		if c.Missing > 0 {
			cols = append(cols, col{name, c.Missing, c.MissingRate})
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if cols[i].n != cols[j].n {
			return cols[i].n > cols[j].n
		}
		return cols[i].name < cols[j].name
	})
	ew.printf("    rows with any missing value: %d of %d\n", m.RowsWithMissing, m.Rows)
	for i, c := range cols {
		if i == 5 {
			ew.printf("    ... %d more columns with missing values\n", len(cols)-i)
			break
		}
		ew.printf("    %-24s %8d missing (%.1f%%)\n", c.name, c.n, 100*c.rate)
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
