package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
)

func criteriaByID(cs []Criterion) map[string]Criterion {
	m := map[string]Criterion{}
	for _, c := range cs {
		m[c.ID] = c
	}
	return m
}

// The statuses are worked out by hand from each report's checks: a check
// that warned or failed, or a finding of warning severity or worse, is a
// concern; a criterion whose checks were all not applicable is not
// assessed.
func TestComplianceStatuses(t *testing.T) {
	type want struct {
		status string
		codes  []string
	}
	for _, c := range []struct {
		name  string
		build func(*testing.T) *Report
		want  map[string]want
	}{
		{"mixed", mixedReport, map[string]want{
			"relevant":           {EvidenceConcerns, []string{"STA001", "STA002"}},
			"representative":     {NotAssessed, nil}, // representativeness n/a, balance passed with only an info finding
			"free_of_errors":     {EvidenceConcerns, []string{"DUP002", "DUP004", "LAB002"}},
			"complete":           {EvidenceConcerns, []string{"MIS002"}},
			"bias_examined":      {EvidenceSupports, nil},
			"gaps_identified":    {EvidenceConcerns, nil}, // one check could not be evaluated
			"context":            {NotAssessed, nil},
			"special_categories": {NotAssessed, nil},
		}},
		{"allpass", allPassReport, map[string]want{
			"relevant": {EvidenceSupports, nil}, "representative": {EvidenceSupports, nil}, "free_of_errors": {EvidenceSupports, nil},
			"complete": {EvidenceSupports, nil}, "bias_examined": {EvidenceSupports, nil}, "gaps_identified": {EvidenceSupports, nil},
			"context": {EvidenceSupports, nil}, "special_categories": {NotAssessed, nil},
		}},
		{"notapplicable", notApplicableReport, map[string]want{
			"relevant": {NotAssessed, nil}, "representative": {NotAssessed, nil}, "free_of_errors": {NotAssessed, nil},
			"complete": {NotAssessed, nil}, "bias_examined": {NotAssessed, nil}, "gaps_identified": {NotAssessed, nil},
			"context": {NotAssessed, nil}, "special_categories": {NotAssessed, nil},
		}},
		{"reference", referenceAuditReport, map[string]want{
			"relevant":           {EvidenceConcerns, []string{"STA007", "STA010"}},
			"representative":     {EvidenceConcerns, []string{"BAL006", "REP001", "REP002", "REP004"}},
			"free_of_errors":     {EvidenceConcerns, []string{"DUP002", "DUP003", "LAB001"}},
			"complete":           {EvidenceConcerns, []string{"MIS002", "MIS005", "STA010"}},
			"bias_examined":      {EvidenceConcerns, []string{"BAL006", "REP001", "REP002", "REP004"}},
			"gaps_identified":    {EvidenceSupports, nil},
			"context":            {EvidenceConcerns, []string{"REP001", "REP002", "REP004"}},
			"special_categories": {NotAssessed, nil},
			"personal_data":      {EvidenceSupports, nil}, // the privacy check passed
		}},
	} {
		got := criteriaByID(Compliance(c.build(t)))
		if len(got) != len(c.want) {
			t.Errorf("%s: %d criteria, want %d", c.name, len(got), len(c.want))
		}
		for id, w := range c.want {
			g, ok := got[id]
			if !ok {
				t.Errorf("%s: no criterion %s", c.name, id)
				continue
			}
			if g.Status != w.status {
				t.Errorf("%s: %s is %q, want %q", c.name, id, g.Status, w.status)
			}
			if w.codes == nil {
				w.codes = []string{}
			}
			if !reflect.DeepEqual(g.Codes, w.codes) {
				t.Errorf("%s: %s codes %v, want %v", c.name, id, g.Codes, w.codes)
			}
			if g.Paragraph == "" || !strings.HasPrefix(g.Paragraph, "Art. 10(") || g.Quote == "" {
				t.Errorf("%s: %s lacks its citation", c.name, id)
			}
		}
	}
}

// The privacy line appears only with a privacy result, and a row with
// personal data is a concern.
func TestCompliancePrivacy(t *testing.T) {
	r := allPassReport(t)
	if _, ok := criteriaByID(Compliance(r))["personal_data"]; ok {
		t.Fatal("a personal data criterion without a privacy check")
	}
	metrics := map[string]any{"rows": 2000, "rows_with_personal_data": 7, "row_share": 0.0035,
		"types": map[string]int{"email": 5, "phone": 2, "iban": 0}, "columns": map[string]any{}, "columns_scanned": 3, "detectors": []string{"email", "phone", "iban"}}
	res, err := checks.NewResult("privacy", checks.Warn, checks.Float(90), metrics,
		[]checks.Finding{{Code: "PRV001", Severity: checks.Warning, Message: "column \"text\" holds 5 email addresses", Column: "text"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Checks = append(r.Checks, res)
	c, ok := criteriaByID(Compliance(r))["personal_data"]
	if !ok {
		t.Fatal("no personal data criterion with a privacy check")
	}
	if c.Status != EvidenceConcerns || !reflect.DeepEqual(c.Codes, []string{"PRV001"}) {
		t.Errorf("personal data: %q %v, want concerns [PRV001]", c.Status, c.Codes)
	}
	joined := strings.Join(c.Evidence, "\n")
	for _, want := range []string{"7 of 2,000 rows (0.4%)", "email 5, phone 2"} {
		if !strings.Contains(joined, want) {
			t.Errorf("evidence %q lacks %q", joined, want)
		}
	}
	// Clean: passes, nothing found.
	metrics["rows_with_personal_data"], metrics["row_share"], metrics["types"] = 0, 0.0, map[string]int{"email": 0}
	r.Checks[len(r.Checks)-1], _ = checks.NewResult("privacy", checks.Pass, checks.Float(100), metrics, nil)
	if c := criteriaByID(Compliance(r))["personal_data"]; c.Status != EvidenceSupports {
		t.Errorf("clean privacy result: %q, want %q", c.Status, EvidenceSupports)
	}
	// Both renderings show it.
	page := string(renderHTML(t, r))
	if !strings.Contains(page, "Personal data identified") {
		t.Error("the HTML lacks the personal data criterion")
	}
	if !strings.Contains(markdown(t, r), "Personal data identified") {
		t.Error("the Markdown lacks the personal data criterion")
	}
}

// The datasheet of the sample agrees with the fixture's truth file, which
// the generator wrote independently of the checks.
func TestDatasheetMatchesFixtureTruth(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "sample", "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Rows            int64            `json:"rows"`
		Classes         map[string]int64 `json:"classes"`
		NullLabels      int64            `json:"null_labels"`
		ConflictingRows int64            `json:"conflicting_rows"`
		MinTime         string           `json:"min_time"`
		MaxTime         string           `json:"max_time"`
		Columns         map[string]any   `json:"columns"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sample", "reference"} {
		var r *Report
		if name == "sample" {
			r = sampleAuditReport(t)
		} else {
			r = referenceAuditReport(t)
		}
		d := Datasheet(r)
		if d.Rows != truth.Rows || d.Columns != len(truth.Columns) {
			t.Errorf("%s: %d rows × %d columns, truth %d × %d", name, d.Rows, d.Columns, truth.Rows, len(truth.Columns))
		}
		got := map[string]int64{}
		for _, c := range d.Classes {
			got[c.Class] = c.Rows
		}
		if !reflect.DeepEqual(got, truth.Classes) {
			t.Errorf("%s: classes %v, truth %v", name, got, truth.Classes)
		}
		if !sort.SliceIsSorted(d.Classes, func(i, j int) bool { return d.Classes[i].Rows > d.Classes[j].Rows }) {
			t.Errorf("%s: classes not largest first", name)
		}
		var labelled int64
		for _, n := range truth.Classes {
			labelled += n
		}
		if d.LabelledRows == nil || *d.LabelledRows != labelled || labelled+truth.NullLabels != truth.Rows {
			t.Errorf("%s: labelled rows %v, truth %d", name, d.LabelledRows, labelled)
		}
		if d.ConflictRows == nil || *d.ConflictRows != truth.ConflictingRows {
			t.Errorf("%s: conflicting rows %v, truth %d", name, d.ConflictRows, truth.ConflictingRows)
		}
		if d.ConflictRate == nil || *d.ConflictRate != float64(truth.ConflictingRows)/float64(labelled) {
			t.Errorf("%s: conflict rate %v, truth %d/%d", name, d.ConflictRate, truth.ConflictingRows, labelled)
		}
		// The report may print times to the day; they must agree with the truth.
		if !strings.HasPrefix(truth.MinTime, d.MinTime) || !strings.HasPrefix(truth.MaxTime, d.MaxTime) || d.MinTime == "" {
			t.Errorf("%s: period %s – %s, truth %s – %s", name, d.MinTime, d.MaxTime, truth.MinTime, truth.MaxTime)
		}
		if d.Annotators == nil || *d.Annotators != 20 {
			t.Errorf("%s: annotators %v, want 20", name, d.Annotators)
		}
		if d.LabelColumn != "label" || d.TimeColumn != "ts" {
			t.Errorf("%s: label %q time %q", name, d.LabelColumn, d.TimeColumn)
		}
		// Gaps: exactly the findings of warning severity or worse.
		var serious int
		for _, c := range r.Checks {
			for _, f := range c.Findings {
				if f.Severity == checks.Warning || f.Severity == checks.Error || f.Severity == checks.Blocker {
					serious++
				}
			}
		}
		if len(d.Gaps) != serious {
			t.Errorf("%s: %d gaps, want %d", name, len(d.Gaps), serious)
		}
	}
}

func TestComplianceEmptyReport(t *testing.T) {
	r := &Report{}
	cs := Compliance(r)
	for _, c := range cs {
		if c.Status != NotAssessed {
			t.Errorf("%s: %q on an empty report", c.ID, c.Status)
		}
	}
	d := Datasheet(r)
	if d.Rows != 0 || len(d.Classes) != 0 || len(d.Gaps) != 0 {
		t.Errorf("datasheet of an empty report: %+v", d)
	}
	if err := WriteHTML(new(strings.Builder), r); err != nil {
		t.Error(err)
	}
}
