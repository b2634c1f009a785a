package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

func markdown(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownHeadline(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(*testing.T) *Report
		want  string
	}{
		{"mixed", mixedReport, "**Verdict: blocked** — score 75.1 / 100 (required: hybrid — gate FAILED)"},
		{"allpass", allPassReport, "**Verdict: custom** — score 100.0 / 100 (required: custom — gate passed)"},
		{"failonwarn", failOnWarnReport, "**Verdict: custom** — score 94.5 / 100 (required: hybrid — gate FAILED: fail_on warn)"},
		{"notapplicable", notApplicableReport, "**Verdict: pretrained** — no score (required: hybrid — gate FAILED)"},
		{"noreadiness", noReadinessReport, "**Verdict: not assessed** — this report has no readiness block"},
	} {
		md := markdown(t, c.build(t))
		if got := lines(md)[2]; got != c.want {
			t.Errorf("%s: headline\n%q, want\n%q", c.name, got, c.want)
		}
		// The dataset line: rows with separators, columns, inputs, as_of,
		// policy name and the first 12 hex digits of its sha256.
		wantData := "Dataset: 12,345 rows × 11 columns from 2 inputs · as of 2026-01-01T00:00:00Z · policy default v1 (sha256 6cce7242e147)"
		if c.name == "allpass" || c.name == "failonwarn" {
			wantData = strings.Replace(wantData, "2 inputs", "1 input", 1)
		}
		if got := lines(md)[4]; got != wantData {
			t.Errorf("%s: dataset line\n%q, want\n%q", c.name, got, wantData)
		}
	}
}

// unescapedPipes counts the pipes that delimit cells in a table row.
func unescapedPipes(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

// Every row of every table has as many cells as its header, whatever the
// messages hold (pipes, newlines), and no raw HTML from a message reaches
// the output.
func TestMarkdownTablesHoldTogether(t *testing.T) {
	for _, c := range renderCases {
		md := markdown(t, c.build(t))
		header := -1
		for _, l := range lines(md) {
			if !strings.HasPrefix(l, "|") {
				header = -1
				continue
			}
			if header < 0 {
				header = unescapedPipes(l)
				continue
			}
			if n := unescapedPipes(l); n != header {
				t.Errorf("%s: row has %d cell delimiters, header %d: %s", c.name, n, header, l)
			}
		}
		if strings.Contains(md, "<b>") {
			t.Errorf("%s: raw HTML from a message reached the Markdown", c.name)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, c := range []struct{ in, text, code string }{
		{"", "", "—"},
		{"plain words 5%", "plain words 5%", "`plain words 5%`"},
		{"a|b", `a\|b`, "`a\\|b`"},
		{"x\ny\r\nz\rw", "x y z w", "`x y z w`"},
		{"<details>&", "&lt;details&gt;&amp;", "`<details>&`"},
		{"*bold* _it_ `code` [link](u) ~s~ back\\slash", `\*bold\* \_it\_ \` + "`" + `code\` + "`" + ` \[link\](u) \~s\~ back\\slash`, "`` *bold* _it_ `code` [link](u) ~s~ back\\slash ``"},
		{"checks.missing.warn_rate", `checks.missing.warn\_rate`, "`checks.missing.warn_rate`"},
		{"nul\x00esc\x1b", "nul\uFFFDesc\uFFFD", "`nul\uFFFDesc\uFFFD`"},
	} {
		if got := mdText(c.in); got != c.text {
			t.Errorf("mdText(%q) = %q, want %q", c.in, got, c.text)
		}
		if got := mdCode(c.in); got != c.code {
			t.Errorf("mdCode(%q) = %q, want %q", c.in, got, c.code)
		}
	}
	if got := mdCell(""); got != "—" {
		t.Errorf("mdCell(\"\") = %q", got)
	}
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {999999, "999,999"}, {1000000, "1,000,000"}, {-1234, "-1,234"}} {
		if got := groupDigits(c.n); got != c.want {
			t.Errorf("groupDigits(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// bigReport has, per check, `errors` error findings followed by `infos`
// info findings with long messages.
func bigReport(t *testing.T, errors, infos int) *Report {
	r := mixedReport(t)
	long := strings.Repeat("a long message about column x ", 10)
	for i := range r.Checks {
		var fs []checks.Finding
		for j := range infos {
			fs = append(fs, checks.Finding{Code: "INF001", Severity: checks.Info, Message: fmt.Sprintf("info %d: %s", j, long)})
		}
		for j := range errors {
			fs = append(fs, checks.Finding{Code: "ERR001", Severity: checks.Error, Message: fmt.Sprintf("error %d of check %d", j, i)})
		}
		r.Checks[i].Findings = fs
	}
	return r
}

var moreRE = regexp.MustCompile(`(?m)^… (\d+) more in report\.json$`)

// A report too big for a comment is cut to fit: each check keeps its most
// serious findings and says how many it left out; shown plus left out is
// every finding.
func TestMarkdownTruncates(t *testing.T) {
	const errs, infos = 10, 2000
	md := markdown(t, bigReport(t, errs, infos))
	if len(md) > MarkdownLimit {
		t.Fatalf("%d bytes, above the limit %d", len(md), MarkdownLimit)
	}
	blocks := strings.Split(md, "<details>")[1:]
	if len(blocks) != 6 {
		t.Fatalf("%d details blocks, want 6", len(blocks))
	}
	for i, blk := range blocks {
		shown := strings.Count(blk, "\n| `ERR001` |") + strings.Count(blk, "\n| `INF001` |")
		m := moreRE.FindStringSubmatch(blk)
		if m == nil {
			t.Fatalf("check %d: no \"… N more\" line", i)
		}
		more, _ := strconv.Atoi(m[1])
		if shown+more != errs+infos {
			t.Errorf("check %d: %d shown + %d more != %d findings", i, shown, more, errs+infos)
		}
		for j := range errs {
			if !strings.Contains(blk, fmt.Sprintf("error %d of check %d ", j, i)) {
				t.Errorf("check %d: error finding %d dropped while infos were kept", i, j)
			}
		}
	}
	// The reasons and the verdict are never what gets cut first.
	if !strings.Contains(md, "**Verdict: blocked**") || !strings.Contains(md, "1. **blocks**") {
		t.Error("headline or reasons lost in truncation")
	}

	// A report that fits is not cut.
	small := markdown(t, bigReport(t, 3, 3))
	if moreRE.MatchString(small) {
		t.Error("a small report was truncated")
	}
}

// Reasons are cut only once no finding is left, and a report whose very
// table cannot fit is cut at a line, with a note, within the limit.
func TestMarkdownTruncatesReasonsLast(t *testing.T) {
	r := bigReport(t, 0, 50)
	long := strings.Repeat("a reason that takes room ", 20)
	for i := range 400 {
		r.Readiness.Reasons = append(r.Readiness.Reasons, readiness.Reason{Effect: "lowers_score", Message: fmt.Sprintf("reason %d: %s", i, long)})
	}
	md := markdown(t, r)
	if len(md) > MarkdownLimit {
		t.Fatalf("%d bytes, above the limit", len(md))
	}
	if strings.Contains(md, "| `INF001` |") {
		t.Error("findings kept while reasons were cut")
	}
	if !strings.Contains(md, "2. **blocks**") && !strings.Contains(md, "1. **blocks**") {
		t.Error("the most decisive reason was cut")
	}

	huge := baseReport()
	for i := range 3000 {
		huge.Checks = append(huge.Checks, result(t, fmt.Sprintf("check%04d", i), checks.Pass, checks.Float(100)))
	}
	md = markdown(t, huge)
	if len(md) > MarkdownLimit || !strings.HasSuffix(md, "… truncated: the full report is report.json\n") {
		t.Errorf("%d bytes, ends %q", len(md), md[len(md)-60:])
	}
}

func TestMarkdownClipsLongMessages(t *testing.T) {
	r := mixedReport(t)
	r.Checks[0].Findings[0].Message = strings.Repeat("é", mdMessageRunes+1)
	md := markdown(t, r)
	if !strings.Contains(md, strings.Repeat("é", mdMessageRunes)+"…") || strings.Contains(md, strings.Repeat("é", mdMessageRunes+1)) {
		t.Error("a message over the cap is not clipped to it with an ellipsis")
	}
	r.Checks[0].Findings[0].Message = strings.Repeat("é", mdMessageRunes)
	if md := markdown(t, r); strings.Contains(md, strings.Repeat("é", mdMessageRunes)+"…") {
		t.Error("a message exactly at the cap was clipped")
	}
}

func TestAppendStepSummary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.md")
	r := mixedReport(t)
	want := markdown(t, r)

	// Created when absent.
	if err := AppendStepSummary(path, r); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Fatalf("new file holds\n%s\nwant the Markdown", got)
	}
	// Appended, never truncated; a blank line keeps it apart from what an
	// earlier step wrote.
	prev := "## earlier step\nno final newline"
	if err := os.WriteFile(path, []byte(prev), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendStepSummary(path, r); err != nil {
		t.Fatal(err)
	}
	if err := AppendStepSummary(path, r); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if string(got) != prev+"\n"+want+"\n"+want {
		t.Errorf("after two appends the file holds\n%s", got)
	}
	// A folder that does not exist is an error, not a silent skip.
	if err := AppendStepSummary(filepath.Join(dir, "no", "such", "file"), r); err == nil {
		t.Error("no error for a path in a missing folder")
	}
}
