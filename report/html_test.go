package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/readiness/readiness/checks"
)

func renderHTML(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// wellFormed tokenizes the page and checks that every element is closed in
// order (void elements aside) and that the page is one html element after
// the doctype: stricter than the HTML parser, which repairs anything.
func wellFormed(page []byte) error {
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	doctype := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return z.Err()
			}
			if len(stack) > 0 {
				return fmt.Errorf("unclosed elements at the end: %v", stack)
			}
			if !doctype {
				return fmt.Errorf("no doctype")
			}
			return nil
		case html.DoctypeToken:
			doctype = true
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				stack = append(stack, string(name))
			}
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				return fmt.Errorf("self-closing <%s/>", name)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return fmt.Errorf("</%s> closes %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
}

var (
	externalRef = regexp.MustCompile(`(?i)\b(src|href|action|xlink:href|srcset|poster|data)\s*=\s*["']?\s*(https?:|//|ftp:|file:)`)
	cssURL      = regexp.MustCompile(`(?i)url\(\s*["']?\s*([^"')\s]*)`)
)

// selfContained checks that the page can load nothing.
func selfContained(page string) error {
	low := strings.ToLower(page)
	for _, bad := range []string{"<script", "@import", "<link", "<iframe", "<object", "<embed", "javascript:"} {
		if strings.Contains(low, bad) {
			return fmt.Errorf("contains %q", bad)
		}
	}
	if m := externalRef.FindString(page); m != "" {
		return fmt.Errorf("external reference %q", m)
	}
	for _, m := range cssURL.FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(strings.ToLower(m[1]), "data:") {
			return fmt.Errorf("url(%s) is not a data: URL", m[1])
		}
	}
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`) {
		return fmt.Errorf("no Content-Security-Policy meta element")
	}
	return nil
}

func TestHTMLWellFormedAndSelfContained(t *testing.T) {
	for _, c := range renderCases {
		page := renderHTML(t, c.build(t))
		if err := wellFormed(page); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if err := selfContained(string(page)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// The checks themselves catch what they are meant to.
func TestHTMLCheckersCatchProblems(t *testing.T) {
	for _, bad := range []string{`<!DOCTYPE html><html><body><p></body></html>`, `<!DOCTYPE html><html><div></span></div></html>`, `<html></html>`} {
		if wellFormed([]byte(bad)) == nil {
			t.Errorf("wellFormed accepted %q", bad)
		}
	}
	csp := `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`
	for _, bad := range []string{"<script>x</script>", `<img src="https://x/y.png">`, `<a href="//x.org/">`, `<style>@import "a.css";</style>`,
		`<div style="background:url(http://x/y.png)">`, `<p>no csp</p>`} {
		page := csp + bad
		if bad == `<p>no csp</p>` {
			page = bad
		}
		if selfContained(page) == nil {
			t.Errorf("selfContained accepted %q", bad)
		}
	}
	if err := selfContained(csp + `<a href="#verdict">v</a><div style="background:url(data:image/png;base64,AA==)">`); err != nil {
		t.Errorf("selfContained rejected a fine page: %v", err)
	}
}

// Every check has a section, every finding code of the report appears, and
// the verdict, the provenance and the Article 10 map are there.
func TestHTMLContent(t *testing.T) {
	for _, c := range renderCases {
		r := c.build(t)
		page := string(renderHTML(t, r))
		for _, res := range r.Checks {
			if !strings.Contains(page, `<section id="check-`+res.Name+`">`) {
				t.Errorf("%s: no section for check %s", c.name, res.Name)
			}
			for _, f := range res.Findings {
				if !strings.Contains(page, "<code>"+f.Code+"</code>") {
					t.Errorf("%s: finding code %s missing", c.name, f.Code)
				}
				if f.Setting != "" && !strings.Contains(page, f.Setting) {
					t.Errorf("%s: setting %s missing", c.name, f.Setting)
				}
			}
		}
		for _, want := range []string{`id="verdict"`, `id="score"`, `id="article10"`, `id="datasheet"`, `id="provenance"`,
			"not a legal assessment", r.Policy.SHA256, r.Policy.EffectiveSHA256, r.Provenance.SchemaFingerprint, "Art. 10(2)(f)", "Art. 10(3)", "Art. 10(4)", "Art. 10(5)"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: %q missing", c.name, want)
			}
		}
		if r.Readiness != nil {
			if !strings.Contains(page, `<div class="big">`+r.Readiness.Verdict+`</div>`) {
				t.Errorf("%s: verdict %s not shown big", c.name, r.Readiness.Verdict)
			}
			verdictAt := strings.Index(page, `id="verdict"`)
			for _, res := range r.Checks {
				if i := strings.Index(page, `id="check-`+res.Name+`"`); i < verdictAt {
					t.Errorf("%s: check %s comes before the verdict", c.name, res.Name)
				}
			}
			for _, na := range r.Readiness.NotApplicable {
				if !regexp.MustCompile(`<tr class="na"><td><code>` + na + `</code></td><td><span class="badge na">not applicable</span></td><td class="n">n/a</td>`).MatchString(page) {
					t.Errorf("%s: not applicable check %s not listed as such", c.name, na)
				}
			}
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	page := string(renderHTML(t, mixedReport(t)))
	if strings.Contains(page, "<b>&</b>") || strings.Contains(page, "<b>") {
		t.Error("a message's markup reached the page unescaped")
	}
	if !strings.Contains(page, "class `refund_*` &lt;b&gt;&amp;&lt;/b&gt;") {
		t.Error("the escaped message is missing")
	}
	if strings.ContainsAny(page, "\x00\x1b") {
		t.Error("control characters reached the page")
	}
	// A hostile column name and class name are text too.
	r := mixedReport(t)
	evil := `"><script>alert(1)</script>`
	r.Checks[3].Findings[0].Column = evil
	r.Dataset.Schema = append(r.Dataset.Schema, Column{Name: evil, Type: "utf8"})
	bal := map[string]any{"label_column": evil, "classes": map[string]any{evil: map[string]any{"count": 3, "usable": 2, "share": 1}}}
	raw, _ := json.Marshal(bal)
	r.Checks[0].Metrics = raw
	page = string(renderHTML(t, r))
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("a hostile name opened a script element")
	}
	if err := wellFormed([]byte(page)); err != nil {
		t.Error(err)
	}
}

// No raw cell value: a placeholder-like value the missing check lists in
// its metrics (with --show-values) is left out of the page; its count is
// shown. (The message is the check's to word: the renderer prints it.)
func TestHTMLNoRawValues(t *testing.T) {
	r := referenceAuditReport(t)
	res, _ := r.Check("missing")
	var m map[string]any
	if err := json.Unmarshal(res.Metrics, &m); err != nil {
		t.Fatal(err)
	}
	const planted = "planted-value-7731"
	cols := m["columns"].(map[string]any)
	cols["age"].(map[string]any)["disguised"] = []map[string]any{{"value": planted, "count": 52, "share": 0.026, "why": "out_of_range"}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	res.Metrics = raw
	page := string(renderHTML(t, r))
	if strings.Contains(page, planted) {
		t.Error("a placeholder value from the metrics appears in the page")
	}
	if !regexp.MustCompile(`<td>age</td>(<td class="n">[^<]*</td>){6}<td class="n">52</td>`).MatchString(page) {
		t.Error("the count of placeholder-like values of column age is not in the table")
	}
}

// wideReport is the sample report widened to 500 columns the way the checks
// write their metrics: missing with a profile and a finding per column,
// representativeness comparing every column, and 60 classes.
func wideReport(t *testing.T, cols int) *Report {
	r := referenceAuditReport(t)
	r.Dataset.Columns = cols
	r.Dataset.Schema = nil
	type disg struct {
		Value string  `json:"value"`
		Count int64   `json:"count"`
		Share float64 `json:"share"`
		Why   string  `json:"why"`
	}
	type mcol struct {
		Nulls, NaN, Empty, Sentinel, Missing int64
		MissingRate                          float64
		Disguised                            []disg `json:"disguised,omitempty"`
		Distinct                             int64  `json:"distinct_values"`
	}
	type under struct {
		Value          string  `json:"value"`
		TrainShare     float64 `json:"train_share"`
		ReferenceShare float64 `json:"reference_share"`
	}
	type rcol struct {
		Kind             string  `json:"kind"`
		Rows             int64   `json:"rows"`
		Nulls            int64   `json:"nulls"`
		NonFinite        int64   `json:"non_finite"`
		Distinct         int64   `json:"distinct"`
		PSI              float64 `json:"psi"`
		JS               float64 `json:"js_distance"`
		UnderRepresented []under `json:"under_represented"`
	}
	missCols := map[string]any{}
	repCols := map[string]rcol{}
	var missFindings, repFindings []checks.Finding
	for i := range cols {
		name := fmt.Sprintf("feature_with_a_long_descriptive_name_%03d", i)
		r.Dataset.Schema = append(r.Dataset.Schema, Column{Name: name, Type: "utf8"})
		miss := int64(i*7%400 + 1)
		missCols[name] = map[string]any{"nulls": miss, "nan": 0, "empty": 0, "sentinel": 0, "missing": miss, "missing_rate": float64(miss) / 2000,
			"disguised": []disg{{Value: "-999", Count: 3, Share: 0.0015, Why: "out_of_range"}}, "distinct_values": 90, "distinct_capped": false}
		missFindings = append(missFindings, checks.Finding{Code: "MIS002", Severity: checks.Warning, Column: name,
			Message: fmt.Sprintf("column %q is %.1f%% missing (%d of 2000 rows), above the warning rate 5.0%%", name, float64(miss)/20, miss),
			Value:   checks.Float(float64(miss) / 2000), Threshold: checks.Float(0.05), Setting: "checks.missing.warn_rate", Rows: checks.Int(miss)})
		var u []under
		for k := range 8 {
			u = append(u, under{Value: fmt.Sprintf("category-%d", k), TrainShare: 0.01, ReferenceShare: 0.03})
		}
		repCols[name] = rcol{Kind: "categorical", Rows: 2000, Distinct: 40, PSI: 0.3, JS: 0.2, UnderRepresented: u}
		repFindings = append(repFindings, checks.Finding{Code: "REP001", Severity: checks.Error, Column: name,
			Message: fmt.Sprintf("column %q: PSI 0.3000 against the reference, above the fail threshold 0.25", name),
			Value:   checks.Float(0.3), Threshold: checks.Float(0.25), Setting: "checks.representativeness.psi_fail"})
	}
	classes := map[string]any{}
	for k := range 60 {
		classes[fmt.Sprintf("class-%02d", k)] = map[string]any{"count": 100 + k, "usable": 90 + k, "share": 0.016}
	}
	set := func(name string, metrics any, fs []checks.Finding) {
		res, _ := r.Check(name)
		raw, err := json.Marshal(metrics)
		if err != nil {
			t.Fatal(err)
		}
		res.Metrics = raw
		if fs != nil {
			res.Findings = fs
		}
	}
	set("missing", map[string]any{"rows": 2000, "rows_with_missing": 1900, "rows_with_missing_rate": 0.95, "columns": missCols}, missFindings)
	set("representativeness", map[string]any{"reference_present": true, "rows": 2000, "reference_rows": 408, "columns": repCols,
		"slices": map[string]any{"attributes": []string{"a", "b"}, "min_rows": 30, "evaluated": true, "cross_product": 900, "combinations_checked": 900,
			"under_covered_count": 500, "under_covered": func() []map[string]any {
				var out []map[string]any
				for i := range 500 {
					out = append(out, map[string]any{"values": []string{fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)}, "rows": i % 30})
				}
				return out
			}()}}, repFindings)
	set("balance", map[string]any{"label_column": "label", "classes": classes, "imbalance_ratio": 1.59, "classes_below_min": []string{}, "min_class_rows": 50}, nil)
	return r
}

func TestHTMLSize500Columns(t *testing.T) {
	r := wideReport(t, 500)
	page := renderHTML(t, r)
	t.Logf("report.html for 500 columns: %d bytes", len(page))
	if len(page) >= 2<<20 {
		t.Errorf("report.html for 500 columns is %d bytes, want under 2 MB", len(page))
	}
	if err := wellFormed(page); err != nil {
		t.Error(err)
	}
	s := string(page)
	// The missingness chart is capped at the 40 worst columns …
	if got := strings.Count(s, "<title>feature_with_a_long_descriptive_name_"); got > 2*htmlChartRows+htmlChartRows {
		t.Errorf("%d chart rows name a column, want the charts capped", got)
	}
	if !strings.Contains(s, "the 40 most incomplete of 500 columns") {
		t.Error("the missingness chart does not say it is capped")
	}
	// … the full table lists every column.
	for i := range 500 {
		if !strings.Contains(s, fmt.Sprintf("<td>feature_with_a_long_descriptive_name_%03d</td>", i)) {
			t.Fatalf("column %d is not in the full missingness table", i)
		}
	}
	if strings.Contains(s, "-999") {
		t.Error("a placeholder value reached the page")
	}
}
