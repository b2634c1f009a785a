package report

import (
	"bytes"
	"testing"
)

func TestEscapeWorkflowCommand(t *testing.T) {
	for _, c := range []struct{ in, data, prop string }{
		{"", "", ""},
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"%0A", "%250A", "%250A"}, // a literal escape sequence is not decoded by the runner
		{"a\nb", "a%0Ab", "a%0Ab"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"},
		{"nul\x00 esc\x1b[31m tab\t del\x7f", "nul\uFFFD esc\uFFFD[31m tab\t del\uFFFD", "nul\uFFFD esc\uFFFD[31m tab\t del\uFFFD"},
	} {
		if got := escapeData(c.in); got != c.data {
			t.Errorf("escapeData(%q) = %q, want %q", c.in, got, c.data)
		}
		if got := escapeProperty(c.in); got != c.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", c.in, got, c.prop)
		}
	}
}

// The lines are written out by hand from the mixed report: errors and
// blockers as ::error, warnings as ::warning, no info, the verdict last.
func TestAnnotationsMixed(t *testing.T) {
	want := "" +
		"::warning title=duplicates DUP002::66 of 2000 rows | 3.30%25 | repeat an earlier row\n" +
		"::error title=duplicates DUP004::12 rows of split test also appear in split train\n" +
		"::warning title=labels LAB002::class `refund_*` <b>&</b>: 5%25 of rows,%0Asecond line%0D%0Athird, with a: colon\n" +
		"::warning title=missing MIS002::column \"region\" is 5.7%25 missing (114 of 2000 rows)\uFFFD\uFFFD\n" +
		"::warning title=staleness STA002::4 calendar months have no rows\n" +
		"::error title=staleness STA001::62.0%25 of timed rows are older than 2025-01-01\n" +
		"::error title=readiness verdict::verdict blocked, required hybrid, score 75.1 / 100: gate FAILED\n"
	var b bytes.Buffer
	if err := WriteAnnotations(&b, mixedReport(t)); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestAnnotationsVerdictLine(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(*testing.T) *Report
		want  string // the last line
	}{
		{"allpass", allPassReport, "::notice title=readiness verdict::verdict custom, required custom, score 100.0 / 100: gate passed"},
		{"failonwarn", failOnWarnReport, "::error title=readiness verdict::verdict custom, required hybrid, score 94.5 / 100: gate FAILED (fail_on warn: a check warned or failed)"},
		{"notapplicable", notApplicableReport, "::error title=readiness verdict::verdict pretrained, required hybrid, no score: gate FAILED"},
		{"noreadiness", noReadinessReport, "::error title=staleness STA001::62.0%25 of timed rows are older than 2025-01-01"},
	} {
		var b bytes.Buffer
		if err := WriteAnnotations(&b, c.build(t)); err != nil {
			t.Fatal(err)
		}
		ls := lines(b.String())
		if got := ls[len(ls)-1]; got != c.want {
			t.Errorf("%s: last line %q, want %q", c.name, got, c.want)
		}
	}
	// All checks pass with only an info finding: the verdict line alone.
	var b bytes.Buffer
	if err := WriteAnnotations(&b, allPassReport(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(lines(b.String())); n != 1 {
		t.Errorf("all-pass report: %d lines, want the verdict's alone", n)
	}
}
