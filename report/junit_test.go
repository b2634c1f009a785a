package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A reader's view of the JUnit document, independent of the writer's types.
type parsedSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Suites  []struct {
		Name      string `xml:"name,attr"`
		Timestamp string `xml:"timestamp,attr"`
		Tests     int    `xml:"tests,attr"`
		Failures  int    `xml:"failures,attr"`
		Errors    int    `xml:"errors,attr"`
		Skipped   int    `xml:"skipped,attr"`
		Time      string `xml:"time,attr"`
		Cases     []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
		SystemOut string `xml:"system-out"`
	} `xml:"testsuite"`
}

// outcome is what a testcase says: "pass", "skip" or "fail:<type>".
func TestJUnitParsesWithRightCounts(t *testing.T) {
	cases := []struct {
		name                     string
		build                    func(*testing.T) *Report
		tests, failures, skipped int
		outcomes                 map[string]string
	}{
		{"mixed", mixedReport, 7, 3, 1, map[string]string{
			"balance": "pass", "duplicates": "fail:DUP004", "labels": "pass", "missing": "pass",
			"representativeness": "skip", "staleness": "fail:STA001", "verdict": "fail:readiness.gate"}},
		{"allpass", allPassReport, 7, 0, 0, map[string]string{
			"balance": "pass", "duplicates": "pass", "labels": "pass", "missing": "pass",
			"representativeness": "pass", "staleness": "pass", "verdict": "pass"}},
		{"failonwarn", failOnWarnReport, 7, 3, 1, map[string]string{
			"balance": "fail:BAL006", "duplicates": "fail:DUP002", "labels": "pass", "missing": "pass",
			"representativeness": "skip", "staleness": "pass", "verdict": "fail:readiness.gate"}},
		{"notapplicable", notApplicableReport, 3, 1, 2, map[string]string{
			"representativeness": "skip", "staleness": "skip", "verdict": "fail:readiness.gate"}},
		{"noreadiness", noReadinessReport, 6, 2, 1, map[string]string{
			"balance": "pass", "duplicates": "fail:DUP004", "labels": "pass", "missing": "pass",
			"representativeness": "skip", "staleness": "fail:STA001"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJUnit(&b, c.build(t)); err != nil {
				t.Fatal(err)
			}
			var doc parsedSuites
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("not XML: %v\n%s", err, b.String())
			}
			if len(doc.Suites) != 1 {
				t.Fatalf("%d testsuites, want 1", len(doc.Suites))
			}
			s := doc.Suites[0]
			if s.Name != "readiness" || s.Time != "0" {
				t.Errorf("suite name %q time %q", s.Name, s.Time)
			}
			// run.started 2026-11-26T23:29:03.70…+01:00 in UTC, without zone or fraction.
			if s.Timestamp != "2026-11-26T22:29:03" {
				t.Errorf("timestamp %q, want 2026-11-26T22:29:03", s.Timestamp)
			}
			if s.Tests != c.tests || s.Failures != c.failures || s.Skipped != c.skipped || s.Errors != 0 {
				t.Errorf("tests/failures/skipped/errors = %d/%d/%d/%d, want %d/%d/%d/0",
					s.Tests, s.Failures, s.Skipped, s.Errors, c.tests, c.failures, c.skipped)
			}
			if len(s.Cases) != c.tests {
				t.Errorf("%d testcases, want %d", len(s.Cases), c.tests)
			}
			got := map[string]string{}
			for _, tc := range s.Cases {
				o := "pass"
				switch {
				case tc.Failure != nil:
					o = "fail:" + tc.Failure.Type
				case tc.Skipped != nil:
					o = "skip"
				}
				got[tc.Name] = o
				wantClass := "readiness.checks"
				if tc.Name == "verdict" {
					wantClass = "readiness.gate"
				}
				if tc.Classname != wantClass || tc.Time != "0" {
					t.Errorf("%s: classname %q time %q", tc.Name, tc.Classname, tc.Time)
				}
			}
			if len(got) != len(c.outcomes) {
				t.Errorf("testcases %v, want %v", got, c.outcomes)
			}
			for name, want := range c.outcomes {
				if got[name] != want {
					t.Errorf("%s: %q, want %q", name, got[name], want)
				}
			}
		})
	}
}

// The texts a reader sees: the failure lists the check's findings, the
// verdict's failure says verdict vs required and the score, and findings of
// a check that only warned reach the suite's system-out.
func TestJUnitTexts(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, mixedReport(t)); err != nil {
		t.Fatal(err)
	}
	var doc parsedSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Suites[0]
	byName := map[string]int{}
	for i, tc := range s.Cases {
		byName[tc.Name] = i
	}
	dup := s.Cases[byName["duplicates"]].Failure
	for _, code := range []string{"DUP002", "DUP004", "DUP005"} {
		if !strings.Contains(dup.Text, code) {
			t.Errorf("duplicates failure text lacks %s:\n%s", code, dup.Text)
		}
	}
	if !strings.Contains(dup.Text, "value 12 vs threshold 0; checks.duplicates.max_leaked_rows") {
		t.Errorf("duplicates failure text lacks value vs threshold:\n%s", dup.Text)
	}
	if want := "status fail, score 40.0: 12 rows of split test also appear in split train"; dup.Message != want {
		t.Errorf("duplicates message %q, want %q", dup.Message, want)
	}
	v := s.Cases[byName["verdict"]].Failure
	if want := "verdict blocked, required hybrid, score 75.1 / 100: gate FAILED"; v.Message != want {
		t.Errorf("verdict message %q, want %q", v.Message, want)
	}
	if !strings.HasPrefix(v.Text, "blocks: duplicates DUP004 (blocker)") {
		t.Errorf("verdict text does not start with the decisive reason:\n%s", v.Text)
	}
	if want := "not applicable: nothing to compare against: no reference dataset"; s.Cases[byName["representativeness"]].Skipped.Message != want {
		t.Errorf("skipped message %q, want %q", s.Cases[byName["representativeness"]].Skipped.Message, want)
	}
	// The message with a newline, <, & survives the round trip intact.
	if !strings.Contains(s.SystemOut, "[labels] status warn, score 88.5\nLAB002 warning: class `refund_*` <b>&</b>: 5% of rows,\nsecond line") {
		t.Errorf("system-out lacks the warned check's findings:\n%s", s.SystemOut)
	}
}

func TestJUnitTimestamp(t *testing.T) {
	for _, c := range []struct{ started, asOf, want string }{
		{"2026-11-26T23:29:03Z", "", "2026-11-26T23:29:03"},
		{"2026-11-26T23:29:03.999999999Z", "", "2026-11-26T23:29:03"},
		{"2026-01-01T00:30:00+01:00", "", "2025-12-31T23:30:00"},
		{"", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00"},
		{"yesterday", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00"},
		{"", "", ""},
	} {
		got, err := junitTimestamp(&Report{Run: Run{Started: c.started}, AsOf: c.asOf})
		if c.want == "" {
			if err == nil {
				t.Errorf("%q/%q: no error", c.started, c.asOf)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q/%q: %q, %v; want %q", c.started, c.asOf, got, err, c.want)
		}
	}
}

const junitXSD = "testdata/junit/JUnit.xsd"

// xmllint returns the path of xmllint, skipping the test when it is absent
// unless READINESS_REQUIRE_XMLLINT is set (CI), when that is a failure.
func xmllint(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("READINESS_REQUIRE_XMLLINT") != "" {
			t.Fatalf("READINESS_REQUIRE_XMLLINT is set but xmllint is not installed (apt-get install libxml2-utils): %v", err)
		}
		t.Skip("xmllint not installed (libxml2-utils); set READINESS_REQUIRE_XMLLINT to make this a failure")
	}
	return path
}

func lint(t *testing.T, bin, file string) error {
	t.Helper()
	out, err := exec.Command(bin, "--noout", "--schema", junitXSD, file).CombinedOutput()
	if err != nil {
		return &lintError{string(out)}
	}
	return nil
}

type lintError struct{ out string }

func (e *lintError) Error() string { return e.out }

// The JUnit documents are valid against the Apache Ant JUnit schema CI
// systems read.
func TestJUnitValidatesAgainstXSD(t *testing.T) {
	bin := xmllint(t)
	dir := t.TempDir()
	// The validator must be able to say no: a document the schema forbids
	// (a testcase with its own system-out, no suite properties) is rejected.
	bad := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(bad, []byte(`<?xml version="1.0"?>
<testsuites><testsuite name="x" package="x" id="0" timestamp="2026-01-01T00:00:00" hostname="h" tests="1" failures="0" errors="0" time="0">
<testcase name="a" classname="b" time="0"><system-out>x</system-out></testcase><system-out/><system-err/></testsuite></testsuites>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := lint(t, bin, bad); err == nil {
		t.Fatal("xmllint accepted a document the schema forbids: the validation proves nothing")
	}
	for _, c := range renderCases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJUnit(&b, c.build(t)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, c.name+".xml")
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := lint(t, bin, file); err != nil {
				t.Errorf("%s is not valid against %s:\n%v\n%s", c.name, junitXSD, err, b.String())
			}
		})
	}
}
