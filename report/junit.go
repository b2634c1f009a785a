package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

// The JUnit document follows the Apache Ant JUnit schema that CI systems
// read (report/testdata/junit/JUnit.xsd). That schema fixes a few things the
// obvious layout would get wrong:
//   - <testsuites> takes no attributes; the counts live on <testsuite>.
//   - <testsuite> must hold <properties>, then the testcases, then
//     <system-out> and <system-err>, and carries package, id and hostname.
//   - a <testcase> holds at most one of <skipped>, <error>, <failure> and
//     no <system-out> of its own, so the findings of checks that passed or
//     warned go to the suite's <system-out>, one section per check.
//   - timestamp is a date-time without a time zone or fraction (UTC here).

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped"`
	Failure   *junitFailure `xml:"failure"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit names: the class every check's testcase belongs to, and the
// verdict's.
const (
	junitCheckClass   = "readiness.checks"
	junitVerdictClass = "readiness.gate"
)

// WriteJUnit writes the report as a JUnit XML document: one <testsuite
// name="readiness"> with one testcase per check (passes and skips included)
// and, when the report has a readiness block, one testcase "verdict" for the
// CI gate. A check that failed is a <failure> whose type is its first error
// code; one that warned passes, unless the gate fails on warnings
// (fail_on warn), when it is a failure too; a check that was not applicable
// is <skipped>. Durations are 0: the report is rendered, not timed.
func WriteJUnit(w io.Writer, r *Report) error {
	ts, err := junitTimestamp(r)
	if err != nil {
		return err
	}
	failOnWarn := r.Readiness != nil && r.Readiness.FailOn == "warn"
	suite := junitSuite{
		Name:       "readiness",
		Package:    "readiness",
		Timestamp:  ts,
		Hostname:   "localhost", // the report does not say where it ran; the schema's advice
		Time:       "0",
		Properties: junitProperties(r),
	}
	var out strings.Builder
	for _, c := range r.Checks {
		tc := junitCase{Name: c.Name, Classname: junitCheckClass, Time: "0"}
		head := fmt.Sprintf("status %s, score %s", c.Status, fmtScore(c.Score))
		switch {
		case c.Status == checks.Fail, c.Status == checks.Warn && failOnWarn:
			typ, lead := firstCode(c.Findings, c.Status)
			msg := head
			if c.Status == checks.Warn {
				msg += " (fail_on warn)"
			}
			if lead != "" {
				msg += ": " + lead
			}
			tc.Failure = &junitFailure{Message: msg, Type: typ, Text: findingsText(c.Findings)}
			suite.Failures++
		case c.Status == checks.NotApplicable:
			msg := "not applicable"
			if len(c.Findings) > 0 {
				msg += ": " + c.Findings[0].Message
			}
			tc.Skipped = &junitSkipped{Message: msg, Text: findingsText(c.Findings)}
			suite.Skipped++
		default:
			if len(c.Findings) > 0 {
				fmt.Fprintf(&out, "[%s] %s\n%s", c.Name, head, findingsText(c.Findings))
			}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if a := r.Readiness; a != nil {
		tc := junitCase{Name: "verdict", Classname: junitVerdictClass, Time: "0"}
		if !a.Passed {
			tc.Failure = &junitFailure{Message: gateLine(a), Type: "readiness.gate", Text: reasonsText(a)}
			suite.Failures++
		} else {
			fmt.Fprintf(&out, "[verdict] %s\n", gateLine(a))
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Tests = len(suite.Cases)
	suite.SystemOut = out.String()

	ew := &errWriter{w: w}
	ew.printf("%s", xml.Header)
	if ew.err != nil {
		return ew.err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// junitTimestamp is run.started in UTC, in the schema's zone-less form;
// as_of stands in for a report whose start time cannot be read.
func junitTimestamp(r *Report) (string, error) {
	for _, s := range []string{r.Run.Started, r.AsOf} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05"), nil
		}
	}
	return "", fmt.Errorf("junit: run.started %q is not an RFC 3339 time", r.Run.Started)
}

func junitProperties(r *Report) []junitProperty {
	p := []junitProperty{
		{"tool.version", r.Tool.Version},
		{"as_of", r.AsOf},
		{"policy.name", r.Policy.Name},
		{"policy.version", strconv.Itoa(r.Policy.Version)},
		{"policy.sha256", r.Policy.SHA256},
		{"dataset.rows", strconv.FormatInt(r.Dataset.Rows, 10)},
		{"dataset.columns", strconv.Itoa(r.Dataset.Columns)},
		{"dataset.inputs", strconv.Itoa(len(r.Inputs))},
	}
	if a := r.Readiness; a != nil {
		p = append(p,
			junitProperty{"readiness.verdict", a.Verdict},
			junitProperty{"readiness.score", fmtScore(a.Score)},
			junitProperty{"readiness.required", a.Required},
			junitProperty{"readiness.fail_on", a.FailOn},
			junitProperty{"readiness.passed", strconv.FormatBool(a.Passed)},
		)
	}
	return p
}

// firstCode picks the failure type of a check with the given status: its
// first error or blocker code when it failed, its first warning code when
// it only warned (or failed without an error finding), and the status
// itself when no finding explains it. lead is that finding's message.
func firstCode(fs []checks.Finding, status checks.Status) (code, lead string) {
	ranks := [][]checks.Severity{{checks.Blocker, checks.Error}, {checks.Warning}}
	if status == checks.Warn {
		ranks = ranks[1:]
	}
	for _, sevs := range ranks {
		for _, f := range fs {
			for _, s := range sevs {
				if f.Severity == s {
					return f.Code, f.Message
				}
			}
		}
	}
	return string(status), ""
}

// findingsText lists findings one a line: code, severity, message, and the
// measured value against its threshold.
func findingsText(fs []checks.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s: %s", f.Code, f.Severity, f.Message)
		if vt := valueVsThreshold(f.Value, f.Threshold); vt != "" {
			fmt.Fprintf(&b, " [%s", vt)
			if f.Setting != "" {
				fmt.Fprintf(&b, "; %s", f.Setting)
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func reasonsText(a *readiness.Assessment) string {
	var b strings.Builder
	for _, x := range a.Reasons {
		fmt.Fprintf(&b, "%s: %s\n", x.Effect, reasonLine(x))
	}
	for _, m := range a.Remediation {
		fmt.Fprintf(&b, "to reach %s: %s (%s)\n", m.Target, m.Action, m.Check)
	}
	return b.String()
}

func reasonLine(x readiness.Reason) string {
	var b strings.Builder
	if x.Check != "" {
		b.WriteString(x.Check + " ")
	}
	if x.Code != "" {
		b.WriteString(x.Code + " ")
	}
	if x.Severity != "" {
		b.WriteString("(" + x.Severity + ") ")
	}
	b.WriteString(x.Message)
	if vt := valueVsThreshold(x.Value, x.Threshold); vt != "" {
		b.WriteString(" [" + vt)
		if x.Setting != "" {
			b.WriteString("; " + x.Setting)
		}
		b.WriteString("]")
	} else if x.Setting != "" {
		b.WriteString(" [" + x.Setting + "]")
	}
	return b.String()
}

// gateLine states the gate's outcome in one line.
func gateLine(a *readiness.Assessment) string {
	score := "score " + fmtScore(a.Score) + " / 100"
	if a.Score == nil {
		score = "no score"
	}
	s := fmt.Sprintf("verdict %s, required %s, %s", a.Verdict, a.Required, score)
	switch {
	case a.Passed:
		return s + ": gate passed"
	case readiness.Rank(a.Verdict) >= readiness.Rank(a.Required) && a.FailOn == "warn":
		return s + ": gate FAILED (fail_on warn: a check warned or failed)"
	default:
		return s + ": gate FAILED"
	}
}

// fmtScore prints a score to one decimal, "n/a" when absent.
func fmtScore(s *float64) string {
	if s == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*s, 'f', 1, 64)
}

// fmtNum prints a measured value or threshold briefly: integers whole, other
// numbers to four significant digits.
func fmtNum(v float64) string {
	if v == float64(int64(v)) && v > -1e15 && v < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	if v >= 1 || v <= -1 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func valueVsThreshold(v, th *float64) string {
	switch {
	case v != nil && th != nil:
		return "value " + fmtNum(*v) + " vs threshold " + fmtNum(*th)
	case v != nil:
		return "value " + fmtNum(*v)
	case th != nil:
		return "threshold " + fmtNum(*th)
	}
	return ""
}
