package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

// MarkdownLimit is the most bytes WriteMarkdown writes: under GitHub's
// 65,536-character limit on a comment, with room for a caller's footer.
const MarkdownLimit = 65000

// mdMessageRunes caps one message in the findings tables, so that a single
// runaway message cannot crowd out the rest.
const mdMessageRunes = 600

// mdLadder is how many findings per check the Markdown keeps when the whole
// would exceed MarkdownLimit: the first rung that fits wins; -1 means all.
// Only when no findings at all would fit are the reasons and the
// remediation cut too, down the same ladder: they decide the verdict.
var mdLadder = []int{-1, 100, 50, 20, 10, 5, 3, 1, 0}

// WriteMarkdown writes report.md: a summary of the report fit for a
// pull-request comment or a GitHub step summary — the verdict, the dataset,
// the score breakdown, the reasons and the remediation, then each check's
// findings in a collapsed <details> block. It is at most MarkdownLimit
// bytes: when the findings would not fit, each check's list keeps its most
// serious findings and ends with "… N more".
func WriteMarkdown(w io.Writer, r *Report) error {
	var out []byte
	fits := false
	for _, k := range mdLadder {
		if out = renderMarkdown(r, k, -1); len(out) <= MarkdownLimit {
			fits = true
			break
		}
	}
	for _, k := range mdLadder[1:] {
		if fits {
			break
		}
		out = renderMarkdown(r, 0, k)
		fits = len(out) <= MarkdownLimit
	}
	if !fits {
		// Only an absurd header (thousands of checks) gets here; cut at a
		// line and say so rather than exceed the limit.
		const note = "\n… truncated: the full report is report.json\n"
		at := max(bytes.LastIndexByte(out[:MarkdownLimit-len(note)], '\n'), 0)
		out = append(out[:at:at], note...)
	}
	_, err := w.Write(out)
	return err
}

// AppendStepSummary appends the report's Markdown to the file at path —
// the one GITHUB_STEP_SUMMARY names — creating it if needed and never
// truncating what earlier steps wrote.
func AppendStepSummary(path string, r *Report) (err error) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("step summary: %w", cerr)
		}
	}()
	data := b.Bytes()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		// Keep our headline from running into the previous step's text.
		data = append([]byte("\n"), data...)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	return nil
}

// renderMarkdown renders the report keeping at most keep findings per check
// and keepReasons reasons and remedies (-1: all).
func renderMarkdown(r *Report, keep, keepReasons int) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	a := r.Readiness

	p("## Data readiness\n\n")
	if a != nil {
		gate := "gate passed"
		if !a.Passed {
			gate = "gate FAILED"
			if readiness.Rank(a.Verdict) >= readiness.Rank(a.Required) && a.FailOn == "warn" {
				gate = "gate FAILED: fail_on warn"
			}
		}
		score := "score " + fmtScore(a.Score) + " / 100"
		if a.Score == nil {
			score = "no score"
		}
		p("**Verdict: %s** — %s (required: %s — %s)\n\n", mdText(a.Verdict), score, mdText(a.Required), gate)
	} else {
		p("**Verdict: not assessed** — this report has no readiness block\n\n")
	}
	inputs := "inputs"
	if len(r.Inputs) == 1 {
		inputs = "input"
	}
	sha := r.Policy.SHA256
	if len(sha) > 12 {
		sha = sha[:12]
	}
	p("Dataset: %s rows × %d columns from %d %s · as of %s · policy %s v%d (sha256 %s)\n\n",
		groupDigits(r.Dataset.Rows), r.Dataset.Columns, len(r.Inputs), inputs, mdText(r.AsOf),
		mdText(r.Policy.Name), r.Policy.Version, mdText(sha))

	p("### Score\n\n")
	if a != nil {
		p("| check | status | score | weight | contribution |\n|---|---|---:|---:|---:|\n")
		for _, wt := range a.Weights {
			contrib := "—"
			if wt.Applicable {
				contrib = strconv.FormatFloat(wt.Contribution, 'f', 1, 64)
			}
			p("| %s | %s | %s | %s | %s |\n", mdCode(wt.Check), mdWords(wt.Status), fmtScore(wt.Score),
				strconv.FormatFloat(wt.Weight, 'f', -1, 64), contrib)
		}
		p("| **readiness** | **%s** | **%s** | | |\n\n", mdCell(a.Verdict), fmtScore(a.Score))
		if len(a.NotApplicable) > 0 {
			names := make([]string, len(a.NotApplicable))
			for i, n := range a.NotApplicable {
				names[i] = mdCode(n)
			}
			p("Not applicable, left out of the score: %s.\n\n", strings.Join(names, ", "))
		}
	} else {
		p("| check | status | score |\n|---|---|---:|\n")
		for _, c := range r.Checks {
			p("| %s | %s | %s |\n", mdCode(c.Name), mdWords(string(c.Status)), fmtScore(c.Score))
		}
		p("\n")
	}

	if a != nil && len(a.Reasons) > 0 {
		p("### Reasons\n\n")
		reasons, more := cut(len(a.Reasons), keepReasons)
		for i := range reasons {
			p("%d. %s\n", i+1, mdReason(a.Reasons[i]))
		}
		if more > 0 {
			p("\n… %d more in report.json\n", more)
		}
		p("\n")
	}
	if a != nil && len(a.Remediation) > 0 {
		p("### Remediation\n\n")
		n, more := cut(len(a.Remediation), keepReasons)
		for i := range n {
			m := a.Remediation[i]
			p("%d. %s (%s; towards %s)\n", i+1, mdText(clip(m.Action)), mdCode(m.Check), mdText(m.Target))
		}
		if more > 0 {
			p("\n… %d more in report.json\n", more)
		}
		p("\n")
	}

	p("### Findings\n\n")
	for _, c := range r.Checks {
		fs := bySeverity(c.Findings)
		noun := "findings"
		if len(fs) == 1 {
			noun = "finding"
		}
		p("<details><summary>%s — %s, score %s, %d %s</summary>\n\n",
			html.EscapeString(c.Name), html.EscapeString(words(string(c.Status))), fmtScore(c.Score), len(fs), noun)
		if len(fs) == 0 {
			p("No findings.\n\n</details>\n\n")
			continue
		}
		n, more := cut(len(fs), keep)
		if n > 0 {
			p("| code | severity | message | value vs threshold | setting |\n|---|---|---|---|---|\n")
			for _, f := range fs[:n] {
				p("| %s | %s | %s | %s | %s |\n", mdCode(f.Code), mdCell(string(f.Severity)),
					mdCell(clip(f.Message)), mdCell(valueVsThreshold(f.Value, f.Threshold)), mdCode(f.Setting))
			}
			p("\n")
		}
		if more > 0 {
			p("… %d more in report.json\n\n", more)
		}
		p("</details>\n\n")
	}
	writeMarkdownCompliance(&b, r)
	return b.Bytes()
}

// mdGaps is how many known gaps the Markdown datasheet lists.
const mdGaps = 10

// writeMarkdownCompliance writes the Article 10 evidence map and the
// datasheet summary (see Compliance and Datasheet).
func writeMarkdownCompliance(b *bytes.Buffer, r *Report) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("### EU AI Act Article 10: evidence map\n\n")
	p("_%s_\n\n", mdText(ComplianceNote))
	p("| criterion | status | backed by | concerns |\n|---|---|---|---|\n")
	for _, c := range Compliance(r) {
		backed := make([]string, len(c.Checks))
		for i, n := range c.Checks {
			backed[i] = mdCode(n)
		}
		codes := make([]string, len(c.Codes))
		for i, n := range c.Codes {
			codes[i] = mdCode(n)
		}
		p("| %s — %s | %s | %s | %s |\n", mdText(c.Paragraph), mdText(c.Name), mdText(c.Status),
			orDash(strings.Join(backed, ", ")), orDash(strings.Join(codes, ", ")))
	}
	d := Datasheet(r)
	inputs := "inputs"
	if d.Inputs == 1 {
		inputs = "input"
	}
	p("\n**Datasheet.** Composition: %s rows × %d columns from %d %s", groupDigits(d.Rows), d.Columns, d.Inputs, inputs)
	if len(d.Classes) > 0 {
		cs := make([]string, 0, len(d.Classes))
		for i, c := range d.Classes {
			if i == mdGaps {
				cs = append(cs, fmt.Sprintf("… %d more", len(d.Classes)-mdGaps))
				break
			}
			cs = append(cs, mdText(clipRunes(c.Class, 60))+" "+groupDigits(c.Rows))
		}
		p("; %d classes: %s", len(d.Classes), strings.Join(cs, ", "))
	}
	p(". Collection period: ")
	if d.MinTime != "" || d.MaxTime != "" {
		p("%s to %s (%s).", mdText(d.MinTime), mdText(d.MaxTime), mdCode(d.TimeColumn))
	} else {
		p("not measured.")
	}
	p(" Labelling: ")
	if d.LabelColumn == "" {
		p("no label column.")
	} else {
		p("label column %s", mdCode(d.LabelColumn))
		if d.Annotators != nil {
			p(", %s annotators", groupDigits(*d.Annotators))
		}
		if d.ConflictRate != nil {
			p(", conflict rate %s", pct(*d.ConflictRate))
		}
		p(".")
	}
	p("\n\n")
	if len(d.Gaps) == 0 {
		p("Known gaps: no finding of warning severity or worse.\n")
		return
	}
	p("Known gaps:\n\n")
	n, more := cut(len(d.Gaps), mdGaps)
	for _, g := range d.Gaps[:n] {
		p("- %s\n", mdText(clip(g)))
	}
	if more > 0 {
		p("- … %d more in report.json\n", more)
	}
}

// cut returns how many of n items to show when keeping keep (-1: all), and
// how many are left out.
func cut(n, keep int) (show, more int) {
	if keep < 0 || keep >= n {
		return n, 0
	}
	return keep, n - keep
}

var severityRank = map[checks.Severity]int{checks.Blocker: 0, checks.Error: 1, checks.Warning: 2, checks.Info: 3}

// bySeverity orders findings most serious first, keeping the check's order
// among equals, so that truncation drops the least serious.
func bySeverity(fs []checks.Finding) []checks.Finding {
	out := append([]checks.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool { return severityRank[out[i].Severity] < severityRank[out[j].Severity] })
	return out
}

// clip shortens s to mdMessageRunes runes.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= mdMessageRunes {
		return s
	}
	r := []rune(s)
	return string(r[:mdMessageRunes]) + "…"
}

// mdReplacer escapes text so that Markdown shows it as written: HTML
// specials become entities (no tag in a message can open or close a block),
// Markdown punctuation gets a backslash, line breaks become spaces.
var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`, "|", `\|`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// mdText escapes s for Markdown text, table cells included.
func mdText(s string) string { return mdReplacer.Replace(controls(s)) }

// mdCell is mdText for a table cell; an empty cell shows a dash.
func mdCell(s string) string {
	if s == "" {
		return "—"
	}
	return mdText(s)
}

// mdReason writes one reason: what it did, then the check, code and
// severity, the message, and the value against the policy setting.
func mdReason(x readiness.Reason) string {
	var b strings.Builder
	b.WriteString("**" + mdText(words(x.Effect)) + "**")
	if x.Check != "" || x.Code != "" {
		b.WriteString(" —")
		if x.Check != "" {
			b.WriteString(" " + mdCode(x.Check))
		}
		if x.Code != "" {
			b.WriteString(" " + mdText(x.Code))
		}
		if x.Severity != "" {
			b.WriteString(" (" + mdText(x.Severity) + ")")
		}
	}
	b.WriteString(": " + mdText(clip(x.Message)))
	var detail []string
	if vt := valueVsThreshold(x.Value, x.Threshold); vt != "" {
		detail = append(detail, vt)
	}
	if x.Setting != "" {
		detail = append(detail, mdCode(x.Setting))
	}
	if len(detail) > 0 {
		b.WriteString(" (" + strings.Join(detail, ", ") + ")")
	}
	return b.String()
}

// words turns an identifier like not_applicable into words.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// mdWords is mdCell of words(s).
func mdWords(s string) string { return mdCell(words(s)) }

// mdCode writes an identifier (a check, code or policy setting) as a code
// span: no Markdown escapes needed inside, but a pipe still ends a table
// cell and a backtick the span. Empty shows a dash.
func mdCode(s string) string {
	if s == "" {
		return "—"
	}
	s = strings.NewReplacer("|", `\|`, "\r\n", " ", "\r", " ", "\n", " ").Replace(controls(s))
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// groupDigits writes n with thousands separators: 12,345.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
