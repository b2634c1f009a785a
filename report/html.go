package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"words":       words,
	"clean":       controls,
	"score":       fmtScore,
	"digits":      groupDigits,
	"num":         fmtNum,
	"nump":        func(v *float64) string { return optNum(v) },
	"rowsp":       func(v *int64) string { return optRows(v) },
	"status":      statusClass,
	"critcls":     critClass,
	"short":       func(s string) string { return shortHash(s) },
	"chartLabelX": func() int { return chartLabelW - 6 },
}).Parse(htmlSource))

// Caps that keep report.html small however wide the dataset is.
const (
	htmlChartRows    = 40  // bars in one chart
	htmlFindings     = 200 // findings listed per check
	htmlTableRows    = 600 // rows of a full table (missingness per column)
	htmlMessageRunes = 600 // one message
)

// WriteHTML writes report.html: one self-contained page — inline CSS and
// SVG, no script, no fetched resource (a Content-Security-Policy forbids
// any) — with the verdict, the score breakdown, a section per check with
// its charts and findings, the Article 10 mapping and datasheet, and the
// provenance. It is a function of the report alone: the same report gives
// the same bytes.
func WriteHTML(w io.Writer, r *Report) error {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, buildHTMLView(r)); err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

type htmlView struct {
	R          *Report
	Readiness  *readiness.Assessment
	Verdict    string
	Gate       string
	GateClass  string
	Score      string
	Reasons    []reasonView
	Remedies   []readiness.Remedy
	Weights    []weightRow
	ScoreChart *chart
	Checks     []checkView
	Compliance []Criterion
	Datasheet  DatasheetFacts
	Note       string
	Policy     string
	Roles      []RoleChoice
	Flagged    []flaggedRow
}

type reasonView struct {
	readiness.Reason
	VT string
}

type weightRow struct {
	Check, Status, Score, Weight, Contribution string
	Applicable                                 bool
}

type checkView struct {
	Name, Status, Score string
	Facts               []string
	Charts              []chart
	Tables              []table
	Findings            []findingView
	More                int
}

type findingView struct {
	checks.Finding
	Msg string
}

type flaggedRow struct {
	Code string
	Rows int64
	Cut  bool
}

// table is a plain table; Num marks right-aligned numeric columns.
type table struct {
	Caption string
	Head    []string
	Num     []bool
	Rows    [][]string
	More    string
	Closed  bool // render inside a collapsed <details>
}

// chart is a horizontal bar chart drawn as inline SVG.
type chart struct {
	Title, Desc string
	W, H        int
	Rows        []chartRow
	Legend      []legendItem
	Axis        []axisTick
	AxisY       int
	AxisEnd     int
	AxisText    int
	Note        string
}

type chartRow struct {
	Label    string
	FullName string
	LY       int
	Bars     []chartBar
}

type chartBar struct {
	X, Y, W, H int
	Class      string
	Text       string
	TX, TY     int
}

type legendItem struct {
	X     int
	Class string
	Text  string
	TX    int
}

type axisTick struct {
	X    int
	Text string
}

// series is one set of bars in a chart.
type series struct {
	Name   string
	Values []float64
	Text   []string
}

const (
	chartW      = 760
	chartLabelW = 190
	chartTextW  = 170
	chartBarH   = 14
	chartGap    = 2
	chartRowGap = 9
	chartTop    = 26
)

// hbar lays out a horizontal bar chart of labels × series. max is the
// value of a full-width bar (0: the largest value).
func hbar(title, desc string, labels []string, ss []series, max float64) chart {
	if max <= 0 {
		for _, s := range ss {
			for _, v := range s.Values {
				if v > max {
					max = v
				}
			}
		}
	}
	if max <= 0 {
		max = 1
	}
	c := chart{Title: title, Desc: desc, W: chartW}
	area := chartW - chartLabelW - chartTextW
	rowH := len(ss)*(chartBarH+chartGap) - chartGap + chartRowGap
	y := chartTop
	if len(ss) > 1 {
		x := chartLabelW
		for i, s := range ss {
			c.Legend = append(c.Legend, legendItem{X: x, Class: fmt.Sprintf("s%d", i), Text: s.Name, TX: x + 16})
			x += 24 + 8*utf8.RuneCountInString(s.Name)
		}
		y += 16
	}
	c.AxisY = y - 4
	for i, l := range labels {
		row := chartRow{Label: clipRunes(l, 26), FullName: l, LY: y + (rowH-chartRowGap)/2 + 4}
		for k, s := range ss {
			v := s.Values[i]
			w := 0
			if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
				w = max1(int(math.Round(math.Min(v/max, 1)*float64(area))), 1)
			}
			by := y + k*(chartBarH+chartGap)
			row.Bars = append(row.Bars, chartBar{X: chartLabelW, Y: by, W: w, H: chartBarH, Class: fmt.Sprintf("s%d", k),
				Text: s.Text[i], TX: chartLabelW + w + 5, TY: by + chartBarH - 3})
		}
		c.Rows = append(c.Rows, row)
		y += rowH
	}
	for _, f := range []float64{0, 0.5, 1} {
		c.Axis = append(c.Axis, axisTick{X: chartLabelW + int(f*float64(area)), Text: fmtNum(f * max)})
	}
	c.AxisEnd, c.AxisText = y, y+12
	c.H = y + 16
	return c
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func clipRunes(s string, n int) string {
	s = controls(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func buildHTMLView(r *Report) htmlView {
	v := htmlView{R: r, Readiness: r.Readiness, Compliance: Compliance(r), Datasheet: Datasheet(r), Note: ComplianceNote,
		Roles: r.Roles.Choices}
	if a := r.Readiness; a != nil {
		v.Verdict = a.Verdict
		v.Score = fmtScore(a.Score)
		v.Gate, v.GateClass = "gate passed", "pass"
		if !a.Passed {
			v.Gate, v.GateClass = "gate FAILED", "fail"
			if readiness.Rank(a.Verdict) >= readiness.Rank(a.Required) && a.FailOn == "warn" {
				v.Gate = "gate FAILED: fail_on warn"
			}
		}
		for _, x := range a.Reasons {
			v.Reasons = append(v.Reasons, reasonView{x, valueVsThreshold(x.Value, x.Threshold)})
		}
		v.Remedies = a.Remediation
		var labels []string
		var vals []float64
		var texts []string
		for _, wt := range a.Weights {
			row := weightRow{Check: wt.Check, Status: wt.Status, Score: fmtScore(wt.Score), Weight: strconv.FormatFloat(wt.Weight, 'f', -1, 64),
				Contribution: "—", Applicable: wt.Applicable}
			if wt.Applicable {
				row.Contribution = strconv.FormatFloat(wt.Contribution, 'f', 1, 64)
			}
			v.Weights = append(v.Weights, row)
			labels = append(labels, wt.Check)
			if wt.Applicable && wt.Score != nil {
				vals = append(vals, *wt.Score)
				texts = append(texts, fmtScore(wt.Score)+" ("+words(wt.Status)+")")
			} else {
				vals = append(vals, 0)
				texts = append(texts, "not applicable: left out of the score")
			}
		}
		if len(labels) > 0 {
			c := hbar("Score per check", "Each check's score out of 100; not applicable checks have no bar and are left out of the score.",
				labels, []series{{Name: "score", Values: vals, Text: texts}}, 100)
			v.ScoreChart = &c
		}
	}
	var pol bytes.Buffer
	if len(r.Policy.Effective) > 0 && json.Indent(&pol, r.Policy.Effective, "", "  ") == nil {
		v.Policy = pol.String()
	} else {
		v.Policy = string(r.Policy.Effective)
	}
	if r.Flagged != nil {
		codes := make([]string, 0, len(r.Flagged.ByCode))
		for c := range r.Flagged.ByCode {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		cut := map[string]bool{}
		for _, c := range r.Flagged.Truncated {
			cut[c] = true
		}
		for _, c := range codes {
			v.Flagged = append(v.Flagged, flaggedRow{c, r.Flagged.ByCode[c], cut[c]})
		}
	}
	for i := range r.Checks {
		v.Checks = append(v.Checks, buildCheckView(r, &r.Checks[i]))
	}
	return v
}

func buildCheckView(r *Report, c *checks.Result) checkView {
	cv := checkView{Name: c.Name, Status: string(c.Status), Score: fmtScore(c.Score)}
	fs := bySeverity(c.Findings)
	n, more := cut(len(fs), htmlFindings)
	for _, f := range fs[:n] {
		cv.Findings = append(cv.Findings, findingView{f, clipRunes(f.Message, htmlMessageRunes)})
	}
	cv.More = more
	switch c.Name {
	case "balance":
		balanceSection(c, &cv)
	case "missing":
		missingSection(c, &cv)
	case "staleness":
		stalenessSection(c, &cv)
	case "representativeness":
		repSection(c, &cv)
	case "duplicates":
		var d duplicatesView
		if json.Unmarshal(c.Metrics, &d) == nil && d.ExactRows != nil {
			cv.Facts = append(cv.Facts, fmt.Sprintf("%s of %s rows (%s) repeat an earlier row exactly", cnt(*d.ExactRows), cnt(d.Rows), pctp(d.ExactRate)))
			if d.FeatureRows != nil {
				cv.Facts = append(cv.Facts, fmt.Sprintf("%s rows repeat the feature vector of an earlier row", cnt(*d.FeatureRows)))
			}
			if d.DuplicateIDs != nil {
				cv.Facts = append(cv.Facts, fmt.Sprintf("%s rows reuse the id of an earlier row", cnt(*d.DuplicateIDs)))
			}
			if d.CrossSplitRows != nil {
				cv.Facts = append(cv.Facts, fmt.Sprintf("%s rows appear in more than one split", cnt(*d.CrossSplitRows)))
			}
		}
	case "labels":
		var l labelsView
		if json.Unmarshal(c.Metrics, &l) == nil && l.LabelledRows != nil {
			cv.Facts = append(cv.Facts, fmt.Sprintf("%s labelled rows in %q, %s without a label", cnt(*l.LabelledRows), l.LabelColumn, cntp(l.NullLabels)))
			if l.ConflictingRows != nil {
				cv.Facts = append(cv.Facts, fmt.Sprintf("%s rows (%s) share their features with a row of another label", cnt(*l.ConflictingRows), pctp(l.ConflictRate)))
			}
			if l.Annotators != nil && l.Annotators.Count != nil {
				cv.Facts = append(cv.Facts, fmt.Sprintf("%s annotators in column %q", cnt(*l.Annotators.Count), l.Annotators.Column))
			}
		}
	case "privacy":
		var p privacyView
		if json.Unmarshal(c.Metrics, &p) == nil && len(p.Types) > 0 {
			cv.Facts = append(cv.Facts, fmt.Sprintf("%s of %s rows (%s) contain personal data", cnt(p.RowsWithPersonalData), cnt(p.Rows), pct(p.RowShare)))
			types := sortedKeys(p.Types)
			var vals []float64
			var texts []string
			for _, t := range types {
				vals = append(vals, float64(p.Types[t]))
				texts = append(texts, cnt(p.Types[t])+" cells")
			}
			cv.Charts = append(cv.Charts, hbar("Personal data by type", "Matched cells per type of personal data.", types,
				[]series{{Name: "cells", Values: vals, Text: texts}}, 0))
		}
	}
	return cv
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func balanceSection(c *checks.Result, cv *checkView) {
	var b balanceView
	if json.Unmarshal(c.Metrics, &b) != nil || len(b.Classes) == 0 {
		return
	}
	names := sortedKeys(b.Classes)
	sort.SliceStable(names, func(i, j int) bool { return b.Classes[names[i]].Count > b.Classes[names[j]].Count })
	cv.Facts = append(cv.Facts, strings.TrimPrefix(balanceEvidence(b), "balance: "))
	shown := names
	note := ""
	if len(shown) > htmlChartRows {
		shown = shown[:htmlChartRows]
		note = fmt.Sprintf("the %d largest of %d classes", htmlChartRows, len(names))
	}
	var cnts, use []float64
	var ct, ut []string
	for _, n := range shown {
		k := b.Classes[n]
		cnts = append(cnts, float64(k.Count))
		use = append(use, float64(k.Usable))
		ct = append(ct, cnt(k.Count)+" rows")
		ut = append(ut, cnt(k.Usable)+" usable")
	}
	ch := hbar("Rows per class", "Rows per class of the label column, and how many of them are usable (labelled, not stale, not conflicting, not duplicated).",
		shown, []series{{Name: "rows", Values: cnts, Text: ct}, {Name: "usable rows", Values: use, Text: ut}}, 0)
	ch.Note = note
	cv.Charts = append(cv.Charts, ch)
}

func missingSection(c *checks.Result, cv *checkView) {
	var m missingView
	if json.Unmarshal(c.Metrics, &m) != nil {
		return
	}
	cv.Facts = append(cv.Facts, fmt.Sprintf("%s of %s rows (%s) have at least one missing value", cnt(m.RowsWithMissing), cnt(m.Rows), pct(m.RowsWithMissingRt)))
	names := sortedKeys(m.Columns)
	sort.SliceStable(names, func(i, j int) bool { return m.Columns[names[i]].MissingRate > m.Columns[names[j]].MissingRate })
	var withMissing []string
	for _, n := range names {
		if m.Columns[n].Missing > 0 {
			withMissing = append(withMissing, n)
		}
	}
	if len(withMissing) == 0 {
		cv.Facts = append(cv.Facts, fmt.Sprintf("no column has a missing value (%d columns)", len(names)))
		return
	}
	shown := withMissing
	note := ""
	if len(shown) > htmlChartRows {
		shown = shown[:htmlChartRows]
		note = fmt.Sprintf("the %d most incomplete of %d columns with missing values; all are in the table below", htmlChartRows, len(withMissing))
	}
	var vals []float64
	var texts []string
	for _, n := range shown {
		k := m.Columns[n]
		vals = append(vals, k.MissingRate)
		texts = append(texts, fmt.Sprintf("%s (%s rows)", pct(k.MissingRate), cnt(k.Missing)))
	}
	ch := hbar("Missing values per column", "Share of rows with a missing value (null, NaN, empty or sentinel), per column, most incomplete first.",
		shown, []series{{Name: "missing", Values: vals, Text: texts}}, 0)
	ch.Note = note
	cv.Charts = append(cv.Charts, ch)
	t := table{Caption: fmt.Sprintf("Missing values, all %d columns with any", len(withMissing)),
		Head: []string{"column", "missing", "rate", "nulls", "NaN", "empty", "sentinel", "placeholder-like"},
		Num:  []bool{false, true, true, true, true, true, true, true}, Closed: true}
	rows := withMissing
	if len(rows) > htmlTableRows {
		t.More = fmt.Sprintf("… %d more columns in report.json", len(rows)-htmlTableRows)
		rows = rows[:htmlTableRows]
	}
	for _, n := range rows {
		k := m.Columns[n]
		var disg int64
		for _, d := range k.Disguised {
			disg += d.Count
		}
		t.Rows = append(t.Rows, []string{n, cnt(k.Missing), pct(k.MissingRate), cnt(k.Nulls), cnt(k.NaN), cnt(k.Empty), cnt(k.Sentinel), cnt(disg)})
	}
	cv.Tables = append(cv.Tables, t)
}

func stalenessSection(c *checks.Result, cv *checkView) {
	var s stalenessView
	if json.Unmarshal(c.Metrics, &s) != nil || s.TimedRows == nil {
		return
	}
	cv.Facts = append(cv.Facts, fmt.Sprintf("%s timed rows in %q, from %s to %s", cnt(*s.TimedRows), s.TimeColumn, orDash(s.MinTime), orDash(s.MaxTime)))
	if s.StaleRows != nil {
		cv.Facts = append(cv.Facts, fmt.Sprintf("%s rows (%s) older than %s", cnt(*s.StaleRows), pctp(s.StaleRate), orDash(s.StaleBefore)))
	}
	if len(s.AgeHistogram) > 0 {
		var labels []string
		var vals []float64
		var texts []string
		for _, b := range s.AgeHistogram {
			labels = append(labels, b.Label)
			vals = append(vals, float64(b.Rows))
			texts = append(texts, cnt(b.Rows)+" rows")
		}
		cv.Charts = append(cv.Charts, hbar("Age of the rows", "Rows per age band: days between the row's time and as_of.", labels,
			[]series{{Name: "rows", Values: vals, Text: texts}}, 0))
	} else if len(s.AgeDays) > 0 {
		t := table{Caption: "Age in days (quantiles)", Head: []string{"quantile", "age (days)"}, Num: []bool{false, true}}
		keys := sortedKeys(s.AgeDays)
		sort.SliceStable(keys, func(i, j int) bool { return quantileOrder(keys[i]) < quantileOrder(keys[j]) })
		for _, k := range keys {
			t.Rows = append(t.Rows, []string{k, strconv.FormatInt(s.AgeDays[k], 10)})
		}
		cv.Tables = append(cv.Tables, t)
	}
}

func quantileOrder(k string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(k, "p"))
	if err != nil {
		return 1000
	}
	return n
}

func repSection(c *checks.Result, cv *checkView) {
	var rep repView
	if json.Unmarshal(c.Metrics, &rep) != nil || !rep.ReferencePresent {
		return
	}
	for _, e := range repEvidence(rep) {
		cv.Facts = append(cv.Facts, strings.TrimPrefix(e, "representativeness: "))
	}
	names := sortedKeys(rep.Columns)
	t := table{Caption: "Shift per column against the reference", Head: []string{"column", "kind", "PSI", "JS distance", "KS", "Wasserstein"},
		Num: []bool{false, false, true, true, true, true}}
	for _, n := range names {
		k := rep.Columns[n]
		if k.PSI == nil && k.KS == nil && k.JSDistance == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{n, k.Kind, optNum(k.PSI), optNum(k.JSDistance), optNum(k.KS), optNum(k.Wasserstein)})
	}
	if len(t.Rows) > htmlTableRows {
		t.More = fmt.Sprintf("… %d more columns in report.json", len(t.Rows)-htmlTableRows)
		t.Rows = t.Rows[:htmlTableRows]
	}
	cv.Tables = append(cv.Tables, t)
	charts := 0
	for _, n := range names {
		k := rep.Columns[n]
		if k.Kind != "categorical" || len(k.UnderRepresented) == 0 {
			continue
		}
		if charts == 20 {
			cv.Facts = append(cv.Facts, "more columns have under-represented categories: see report.json")
			break
		}
		charts++
		var labels []string
		var tr, rf []float64
		var tt, rt []string
		u := k.UnderRepresented
		if len(u) > htmlChartRows {
			u = u[:htmlChartRows]
		}
		for _, x := range u {
			labels = append(labels, displayCategory(x.Value))
			tr = append(tr, x.TrainShare)
			rf = append(rf, x.ReferenceShare)
			tt = append(tt, "training "+pct(x.TrainShare))
			rt = append(rt, "reference "+pct(x.ReferenceShare))
		}
		cv.Charts = append(cv.Charts, hbar(fmt.Sprintf("Under-represented categories of %q", n),
			"Share of rows per category in the training data and in the reference, for the categories the training data under-represents.",
			labels, []series{{Name: "training", Values: tr, Text: tt}, {Name: "reference", Values: rf, Text: rt}}, 0))
	}
	if s := rep.Slices; s != nil {
		if !s.Evaluated {
			if s.Note != "" {
				cv.Facts = append(cv.Facts, "slices: "+s.Note)
			}
			return
		}
		cv.Facts = append(cv.Facts, fmt.Sprintf("slices of %s: %s combinations checked, %s with fewer than %s rows",
			strings.Join(s.Attributes, " × "), cnt(s.CombinationsChecked), cnt(s.UnderCoveredCount), cnt(s.MinRows)))
		if len(s.UnderCovered) == 0 {
			return
		}
		u := s.UnderCovered
		var labels []string
		var vals []float64
		var texts []string
		if len(u) > htmlChartRows {
			u = u[:htmlChartRows]
		}
		for _, x := range u {
			parts := make([]string, len(x.Values))
			for i, p := range x.Values {
				parts[i] = displayCategory(p)
			}
			labels = append(labels, strings.Join(parts, " × "))
			vals = append(vals, float64(x.Rows))
			texts = append(texts, fmt.Sprintf("%s of %s rows", cnt(x.Rows), cnt(s.MinRows)))
		}
		ch := hbar("Under-covered slices", fmt.Sprintf("Rows per slice of %s that has fewer than the minimum %s rows; a full bar is the minimum.", strings.Join(s.Attributes, " × "), cnt(s.MinRows)),
			labels, []series{{Name: "rows", Values: vals, Text: texts}}, float64(max(s.MinRows, 1)))
		if int64(len(u)) < s.UnderCoveredCount {
			ch.Note = fmt.Sprintf("%d of %d under-covered slices shown", len(u), s.UnderCoveredCount)
		}
		cv.Charts = append(cv.Charts, ch)
	}
}

// displayCategory shows a category name readably: blank or white-space
// names are quoted so that they do not vanish.
func displayCategory(s string) string {
	if strings.TrimSpace(s) == s && s != "" {
		return s
	}
	return strconv.Quote(s)
}

func optNum(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtNum(*v)
}

func optRows(v *int64) string {
	if v == nil {
		return "—"
	}
	return groupDigits(*v)
}

// statusClass maps a check status, verdict or severity to a CSS class.
func statusClass(s string) string {
	switch s {
	case "pass", "custom", "info":
		return "pass"
	case "warn", "hybrid", "warning":
		return "warn"
	case "fail", "blocked", "error", "blocker", "pretrained":
		return "fail"
	}
	return "na"
}

func critClass(s string) string {
	switch s {
	case EvidenceSupports:
		return "pass"
	case EvidenceConcerns:
		return "warn"
	}
	return "na"
}

func shortHash(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
