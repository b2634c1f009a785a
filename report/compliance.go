package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/readiness/readiness/checks"
)

// ComplianceNote is printed with every rendering of the compliance mapping.
const ComplianceNote = "This mapping is evidence for a reviewer, derived only from the measurements in this report; it is not a legal assessment of conformity."

// The statuses a Criterion can have.
const (
	// EvidenceSupports: the checks behind the criterion were evaluated and
	// none of them raised a warning, error or blocker.
	EvidenceSupports = "evidence supports"
	// EvidenceConcerns: a check behind the criterion warned or failed.
	EvidenceConcerns = "concerns"
	// NotAssessed: no check behind the criterion could be evaluated.
	NotAssessed = "not assessed"
)

// Criterion is one criterion of EU AI Act (Regulation (EU) 2024/1689)
// Article 10 that the report's measurements bear on.
type Criterion struct {
	// ID is a stable identifier, e.g. "representative".
	ID string `json:"id"`
	// Paragraph cites the Article: "Art. 10(3)".
	Paragraph string `json:"paragraph"`
	// Name is the criterion in words, Quote a brief quotation of the text.
	Name  string `json:"name"`
	Quote string `json:"quote"`
	// Status is EvidenceSupports, EvidenceConcerns or NotAssessed.
	Status string `json:"status"`
	// Checks are the checks that back the criterion, Codes the finding
	// codes (warning or worse) that raised a concern.
	Checks []string `json:"checks"`
	Codes  []string `json:"codes"`
	// Evidence are measured facts from the checks' metrics, in words.
	Evidence []string `json:"evidence"`
}

// ClassCount is one class of the label column.
type ClassCount struct {
	Class string `json:"class"`
	Rows  int64  `json:"rows"`
}

// DatasheetFacts is a summary in the manner of Gebru et al., "Datasheets for
// Datasets": composition, collection period, labelling and known gaps,
// filled from measured facts only. Absent facts are empty or nil.
type DatasheetFacts struct {
	// Composition.
	Rows    int64        `json:"rows"`
	Columns int          `json:"columns"`
	Inputs  int          `json:"inputs"`
	Classes []ClassCount `json:"classes"`
	// Collection period, from the staleness check.
	TimeColumn string `json:"time_column,omitempty"`
	MinTime    string `json:"min_time,omitempty"`
	MaxTime    string `json:"max_time,omitempty"`
	TimedRows  *int64 `json:"timed_rows,omitempty"`
	// Labelling, from the labels and balance checks.
	LabelColumn   string   `json:"label_column,omitempty"`
	LabelledRows  *int64   `json:"labelled_rows,omitempty"`
	Annotators    *int64   `json:"annotators,omitempty"`
	ConflictRate  *float64 `json:"conflict_rate,omitempty"`
	ConflictRows  *int64   `json:"conflicting_rows,omitempty"`
	AnnotatorNote string   `json:"annotator_note,omitempty"`
	// Gaps are the findings of warning severity or worse, "CODE (check,
	// severity): message", most serious first.
	Gaps []string `json:"gaps"`
}

// Local views of the metrics the mapping reads; report does not import the
// check packages.
type (
	balanceView struct {
		LabelColumn string `json:"label_column"`
		Classes     map[string]struct {
			Count  int64 `json:"count"`
			Usable int64 `json:"usable"`
		} `json:"classes"`
		NumClasses      *int64   `json:"num_classes"`
		ImbalanceRatio  *float64 `json:"imbalance_ratio"`
		ClassesBelowMin []string `json:"classes_below_min"`
		MinClassRows    *int64   `json:"min_class_rows"`
		UsableRows      *int64   `json:"usable_rows"`
	}
	labelsView struct {
		LabelColumn     string           `json:"label_column"`
		LabelledRows    *int64           `json:"labelled_rows"`
		NullLabels      *int64           `json:"null_labels"`
		Classes         map[string]int64 `json:"classes"`
		ConflictRate    *float64         `json:"conflict_rate"`
		ConflictingRows *int64           `json:"conflicting_rows"`
		Annotators      *struct {
			Column string `json:"column"`
			Count  *int64 `json:"count"`
		} `json:"annotators"`
	}
	missingView struct {
		Rows              int64   `json:"rows"`
		RowsWithMissing   int64   `json:"rows_with_missing"`
		RowsWithMissingRt float64 `json:"rows_with_missing_rate"`
		Columns           map[string]struct {
			Nulls       int64   `json:"nulls"`
			NaN         int64   `json:"nan"`
			Empty       int64   `json:"empty"`
			Sentinel    int64   `json:"sentinel"`
			Missing     int64   `json:"missing"`
			MissingRate float64 `json:"missing_rate"`
			Disguised   []struct {
				Count int64 `json:"count"`
			} `json:"disguised"`
		} `json:"columns"`
	}
	duplicatesView struct {
		Rows           int64    `json:"rows"`
		ExactRows      *int64   `json:"exact_duplicate_rows"`
		ExactRate      *float64 `json:"exact_duplicate_rate"`
		FeatureRows    *int64   `json:"duplicate_feature_rows"`
		DuplicateIDs   *int64   `json:"duplicate_ids"`
		CrossSplitRows *int64   `json:"cross_split_rows"`
	}
	stalenessView struct {
		TimeColumn     string           `json:"time_column"`
		TimedRows      *int64           `json:"timed_rows"`
		MinTime        string           `json:"min_time"`
		MaxTime        string           `json:"max_time"`
		StaleRows      *int64           `json:"stale_rows"`
		StaleRate      *float64         `json:"stale_rate"`
		StaleBefore    string           `json:"stale_before"`
		FutureRows     *int64           `json:"future_rows"`
		EmptyMonths    *int64           `json:"empty_month_count"`
		AgeDays        map[string]int64 `json:"age_days"`
		AgeHistogram   []ageBin         `json:"age_histogram"`
		LabelDriftView *struct {
			Measured   bool     `json:"measured"`
			JSDistance *float64 `json:"js_distance"`
		} `json:"label_drift"`
	}
	ageBin struct {
		Label    string `json:"label"`
		FromDays *int64 `json:"from_days"`
		ToDays   *int64 `json:"to_days"`
		Rows     int64  `json:"rows"`
	}
	repView struct {
		ReferencePresent bool   `json:"reference_present"`
		Rows             int64  `json:"rows"`
		ReferenceRows    *int64 `json:"reference_rows"`
		Columns          map[string]struct {
			Kind             string   `json:"kind"`
			PSI              *float64 `json:"psi"`
			JSDistance       *float64 `json:"js_distance"`
			KS               *float64 `json:"ks"`
			Wasserstein      *float64 `json:"wasserstein"`
			UnderRepresented []struct {
				Value          string  `json:"value"`
				TrainShare     float64 `json:"train_share"`
				ReferenceShare float64 `json:"reference_share"`
			} `json:"under_represented"`
			MissingCategories []string `json:"missing_categories"`
		} `json:"columns"`
		Slices *struct {
			Attributes          []string `json:"attributes"`
			MinRows             int64    `json:"min_rows"`
			Evaluated           bool     `json:"evaluated"`
			CrossProduct        int64    `json:"cross_product"`
			CombinationsChecked int64    `json:"combinations_checked"`
			UnderCoveredCount   int64    `json:"under_covered_count"`
			UnderCovered        []struct {
				Values []string `json:"values"`
				Rows   int64    `json:"rows"`
			} `json:"under_covered"`
			Note string `json:"note"`
		} `json:"slices"`
	}
	privacyView struct {
		Rows                 int64            `json:"rows"`
		RowsWithPersonalData int64            `json:"rows_with_personal_data"`
		RowShare             float64          `json:"row_share"`
		Types                map[string]int64 `json:"types"`
		ColumnsScanned       int64            `json:"columns_scanned"`
	}
)

// metricsOf decodes the named check's metrics into v; false when the check
// is absent, not applicable, or its metrics do not decode.
func metricsOf(r *Report, name string, v any) (*checks.Result, bool) {
	res, ok := r.Check(name)
	if !ok {
		return nil, false
	}
	if len(res.Metrics) == 0 || json.Unmarshal(res.Metrics, v) != nil {
		return res, false
	}
	return res, true
}

// evaluated reports whether the check ran and was applicable.
func evaluated(r *Report, name string) bool {
	res, ok := r.Check(name)
	return ok && res.Status != checks.NotApplicable
}

// concernCodes lists the distinct codes of warning-or-worse findings of the
// named checks, sorted. A name "check:CODE" counts only that code.
func concernCodes(r *Report, names ...string) []string {
	seen := map[string]bool{}
	for _, n := range names {
		name, only, _ := strings.Cut(n, ":")
		res, ok := r.Check(name)
		if !ok {
			continue
		}
		for _, f := range res.Findings {
			if serious(f.Severity) && (only == "" || f.Code == only) {
				seen[f.Code] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// criterion builds a criterion backed by the named checks: concerns when
// any of them has a finding of warning severity or worse or a warn/fail
// status, not assessed when none of primary was evaluated, else supported.
// An entry "check:CODE" of others counts only that code's findings.
func criterion(r *Report, id, para, name, quote string, primary []string, others []string, evidence []string) Criterion {
	all := append(append([]string{}, primary...), others...)
	c := Criterion{ID: id, Paragraph: para, Name: name, Quote: quote, Checks: []string{}, Codes: concernCodes(r, all...), Evidence: evidence}
	if c.Evidence == nil {
		c.Evidence = []string{}
	}
	concern := len(c.Codes) > 0
	assessed := false
	for _, n := range all {
		name, only, _ := strings.Cut(n, ":")
		res, ok := r.Check(name)
		if !ok {
			continue
		}
		if only != "" {
			c.Checks = append(c.Checks, name+" ("+only+")")
			continue
		}
		c.Checks = append(c.Checks, name)
		if res.Status == checks.Warn || res.Status == checks.Fail {
			concern = true
		}
	}
	for _, n := range primary {
		if evaluated(r, n) {
			assessed = true
		}
	}
	switch {
	case concern:
		c.Status = EvidenceConcerns
	case assessed:
		c.Status = EvidenceSupports
	default:
		c.Status = NotAssessed
	}
	return c
}

// Compliance maps the report's measurements onto the data criteria of EU
// AI Act Article 10(2)–(5). It is a pure function of the report: every
// status comes from the checks' statuses and finding severities, every
// evidence line from their metrics.
func Compliance(r *Report) []Criterion {
	var bal balanceView
	_, hasBal := metricsOf(r, "balance", &bal)
	var lab labelsView
	_, hasLab := metricsOf(r, "labels", &lab)
	var mis missingView
	_, hasMis := metricsOf(r, "missing", &mis)
	var dup duplicatesView
	_, hasDup := metricsOf(r, "duplicates", &dup)
	var sta stalenessView
	_, hasSta := metricsOf(r, "staleness", &sta)
	var rep repView
	_, hasRep := metricsOf(r, "representativeness", &rep)

	var out []Criterion

	// 10(3) relevant: is the data current for the audit instant?
	var ev []string
	if hasSta && evaluated(r, "staleness") {
		if sta.StaleRows != nil && sta.TimedRows != nil {
			ev = append(ev, fmt.Sprintf("staleness: %s of %s timed rows (%s) are older than %s", cnt(*sta.StaleRows), cnt(*sta.TimedRows), pctp(sta.StaleRate), orDash(sta.StaleBefore)))
		}
		if sta.FutureRows != nil && *sta.FutureRows > 0 {
			ev = append(ev, fmt.Sprintf("staleness: %s rows are dated after as_of", cnt(*sta.FutureRows)))
		}
		if sta.LabelDriftView != nil && sta.LabelDriftView.Measured && sta.LabelDriftView.JSDistance != nil {
			ev = append(ev, "staleness: label drift between the oldest and newest windows, JS distance "+fmtNum(*sta.LabelDriftView.JSDistance))
		}
	}
	out = append(out, criterion(r, "relevant", "Art. 10(3)", "Relevant",
		"“Training, validation and testing data sets shall be relevant, sufficiently representative, and to the best extent possible, free of errors and complete in view of the intended purpose.”",
		[]string{"staleness"}, nil, ev))

	// 10(3) sufficiently representative.
	ev = nil
	if hasRep && rep.ReferencePresent {
		ev = append(ev, repEvidence(rep)...)
	}
	if hasBal && evaluated(r, "balance") {
		ev = append(ev, balanceEvidence(bal))
	}
	out = append(out, criterion(r, "representative", "Art. 10(3)", "Sufficiently representative",
		"“… sufficiently representative … They shall have the appropriate statistical properties, including, where applicable, as regards the persons or groups of persons in relation to whom the high-risk AI system is intended to be used.”",
		[]string{"representativeness"}, []string{"balance"}, ev))

	// 10(3) free of errors.
	ev = nil
	if hasDup && evaluated(r, "duplicates") {
		if dup.ExactRows != nil {
			ev = append(ev, fmt.Sprintf("duplicates: %s of %s rows repeat an earlier row exactly (%s)", cnt(*dup.ExactRows), cnt(dup.Rows), pctp(dup.ExactRate)))
		}
		if dup.DuplicateIDs != nil && *dup.DuplicateIDs > 0 {
			ev = append(ev, fmt.Sprintf("duplicates: %s rows reuse an earlier row's id", cnt(*dup.DuplicateIDs)))
		}
		if dup.CrossSplitRows != nil {
			ev = append(ev, fmt.Sprintf("duplicates: %s rows appear in more than one split", cnt(*dup.CrossSplitRows)))
		}
	}
	if hasLab && evaluated(r, "labels") && lab.ConflictingRows != nil {
		ev = append(ev, fmt.Sprintf("labels: %s rows (%s of labelled rows) share their features with a row of another label", cnt(*lab.ConflictingRows), pctp(lab.ConflictRate)))
	}
	out = append(out, criterion(r, "free_of_errors", "Art. 10(3)", "Free of errors",
		"“… to the best extent possible, free of errors …”",
		[]string{"duplicates", "labels"}, nil, ev))

	// 10(3) complete.
	ev = nil
	if hasMis && evaluated(r, "missing") {
		ev = append(ev, fmt.Sprintf("missing: %s of %s rows (%s) have a missing value", cnt(mis.RowsWithMissing), cnt(mis.Rows), pct(mis.RowsWithMissingRt)))
		if name, rate, ok := worstMissing(mis); ok {
			ev = append(ev, fmt.Sprintf("missing: the most incomplete column is %q, %s missing", name, pct(rate)))
		}
	}
	if hasSta && sta.EmptyMonths != nil && *sta.EmptyMonths > 0 {
		ev = append(ev, fmt.Sprintf("staleness: %s calendar months in the collection period have no rows", cnt(*sta.EmptyMonths)))
	}
	out = append(out, criterion(r, "complete", "Art. 10(3)", "Complete",
		"“… and complete in view of the intended purpose.”",
		[]string{"missing"}, []string{"staleness:STA010"}, ev))

	// 10(2)(f) examination for bias.
	ev = nil
	if hasBal && evaluated(r, "balance") {
		ev = append(ev, balanceEvidence(bal))
	}
	if hasRep && rep.Slices != nil && rep.Slices.Evaluated {
		ev = append(ev, fmt.Sprintf("representativeness: %s of %s slice combinations of %s have fewer than %s rows",
			cnt(rep.Slices.UnderCoveredCount), cnt(rep.Slices.CombinationsChecked), strings.Join(rep.Slices.Attributes, " × "), cnt(rep.Slices.MinRows)))
	}
	if hasLab && lab.Annotators != nil && lab.Annotators.Count != nil {
		ev = append(ev, fmt.Sprintf("labels: conflict rates measured per annotator for %s annotators", cnt(*lab.Annotators.Count)))
	}
	out = append(out, criterion(r, "bias_examined", "Art. 10(2)(f)", "Examined for possible biases",
		"“examination in view of possible biases that are likely to affect the health and safety of persons, have a negative impact on fundamental rights or lead to discrimination prohibited under Union law …”",
		[]string{"balance", "representativeness"}, nil, ev))

	// 10(2)(h) data gaps identified: the audit lists what it found; what it
	// could not evaluate is a gap in the examination itself.
	gaps := Datasheet(r).Gaps
	var ran, na []string
	for _, c := range r.Checks {
		if c.Status == checks.NotApplicable {
			na = append(na, c.Name)
		} else {
			ran = append(ran, c.Name)
		}
	}
	gc := Criterion{ID: "gaps_identified", Paragraph: "Art. 10(2)(h)", Name: "Data gaps identified",
		Quote:  "“the identification of relevant data gaps or shortcomings that prevent compliance with this Regulation, and how those gaps and shortcomings can be addressed.”",
		Checks: []string{}, Codes: []string{}, Evidence: []string{}}
	for _, c := range r.Checks {
		gc.Checks = append(gc.Checks, c.Name)
	}
	gc.Evidence = append(gc.Evidence, fmt.Sprintf("%d checks evaluated, %d listed gaps of warning severity or worse (see the datasheet)", len(ran), len(gaps)))
	if len(na) > 0 {
		gc.Evidence = append(gc.Evidence, "not evaluated, so gaps there are unknown: "+strings.Join(na, ", "))
	}
	if r.Readiness != nil && len(r.Readiness.Remediation) > 0 {
		gc.Evidence = append(gc.Evidence, fmt.Sprintf("%d remediation steps state how to address them", len(r.Readiness.Remediation)))
	}
	switch {
	case len(ran) == 0:
		gc.Status = NotAssessed
	case len(na) > 0:
		gc.Status = EvidenceConcerns
	default:
		gc.Status = EvidenceSupports
	}
	out = append(out, gc)

	// 10(4) context.
	ev = nil
	if hasRep && rep.ReferencePresent {
		ev = append(ev, fmt.Sprintf("representativeness: compared with a reference dataset of %s rows from the intended setting", cntp(rep.ReferenceRows)))
	}
	out = append(out, criterion(r, "context", "Art. 10(4)", "Specific setting of use",
		"“Data sets shall take into account, to the extent required by the intended purpose, the characteristics or elements that are particular to the specific geographical, contextual, behavioural or functional setting within which the high-risk AI system is intended to be used.”",
		[]string{"representativeness"}, nil, ev))

	// 10(5) special categories: no check identifies them.
	out = append(out, Criterion{ID: "special_categories", Paragraph: "Art. 10(5)", Name: "Special categories of personal data",
		Quote:  "“To the extent that it is strictly necessary for the purpose of ensuring bias detection and correction …, the providers of such systems may exceptionally process special categories of personal data, subject to appropriate safeguards …”",
		Status: NotAssessed, Checks: []string{}, Codes: []string{},
		Evidence: []string{"no check identifies special categories of personal data (GDPR Article 9); whether any are processed, and under which safeguards, is for the provider to document"}})

	// Personal data, when the privacy check ran.
	if res, ok := r.Check("privacy"); ok {
		var pv privacyView
		ev = nil
		if json.Unmarshal(res.Metrics, &pv) == nil && res.Status != checks.NotApplicable {
			ev = append(ev, fmt.Sprintf("privacy: %s of %s rows (%s) contain personal data in %s scanned string columns", cnt(pv.RowsWithPersonalData), cnt(pv.Rows), pct(pv.RowShare), cnt(pv.ColumnsScanned)))
			types := make([]string, 0, len(pv.Types))
			for t, n := range pv.Types {
				if n > 0 {
					types = append(types, t+" "+cnt(n))
				}
			}
			sort.Strings(types)
			if len(types) > 0 {
				ev = append(ev, "privacy: matched cells by type: "+strings.Join(types, ", "))
			}
		}
		c := criterion(r, "personal_data", "Art. 10(5); GDPR", "Personal data identified",
			"Art. 10(5)(b)–(e) require safeguards, pseudonymisation and deletion for personal data processed for bias detection.",
			[]string{"privacy"}, nil, ev)
		if json.Unmarshal(res.Metrics, &pv) == nil && pv.RowsWithPersonalData > 0 && c.Status == EvidenceSupports {
			c.Status = EvidenceConcerns
		}
		out = append(out, c)
	}
	return out
}

func repEvidence(rep repView) []string {
	var ev []string
	names := make([]string, 0, len(rep.Columns))
	for n := range rep.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	compared := 0
	worst, worstName := -1.0, ""
	for _, n := range names {
		c := rep.Columns[n]
		if c.PSI != nil || c.KS != nil {
			compared++
		}
		if c.PSI != nil && *c.PSI > worst {
			worst, worstName = *c.PSI, n
		}
	}
	ev = append(ev, fmt.Sprintf("representativeness: %d columns compared with a reference of %s rows", compared, cntp(rep.ReferenceRows)))
	if worstName != "" {
		ev = append(ev, fmt.Sprintf("representativeness: the largest shift is column %q, PSI %s", worstName, fmtNum(worst)))
	}
	return ev
}

func balanceEvidence(b balanceView) string {
	s := fmt.Sprintf("balance: %d classes in %q", len(b.Classes), b.LabelColumn)
	if b.ImbalanceRatio != nil {
		s += ", largest / smallest class " + fmtNum(*b.ImbalanceRatio)
	}
	if len(b.ClassesBelowMin) > 0 && b.MinClassRows != nil {
		s += fmt.Sprintf(", %d classes below %s usable rows", len(b.ClassesBelowMin), cnt(*b.MinClassRows))
	}
	return s
}

func worstMissing(m missingView) (string, float64, bool) {
	name, rate, ok := "", -1.0, false
	for n, c := range m.Columns {
		if c.MissingRate > rate || (c.MissingRate == rate && n < name) {
			name, rate, ok = n, c.MissingRate, true
		}
	}
	return name, rate, ok && rate > 0
}

// Datasheet summarises the report in the manner of "Datasheets for
// Datasets". It is a pure function of the report.
func Datasheet(r *Report) DatasheetFacts {
	d := DatasheetFacts{Rows: r.Dataset.Rows, Columns: r.Dataset.Columns, Inputs: len(r.Inputs), Classes: []ClassCount{}, Gaps: []string{}}
	var bal balanceView
	var lab labelsView
	_, hasBal := metricsOf(r, "balance", &bal)
	_, hasLab := metricsOf(r, "labels", &lab)
	switch {
	case hasBal && len(bal.Classes) > 0:
		d.LabelColumn = bal.LabelColumn
		for c, v := range bal.Classes {
			d.Classes = append(d.Classes, ClassCount{c, v.Count})
		}
	case hasLab && len(lab.Classes) > 0:
		for c, n := range lab.Classes {
			d.Classes = append(d.Classes, ClassCount{c, n})
		}
	}
	sort.Slice(d.Classes, func(i, j int) bool {
		a, b := d.Classes[i], d.Classes[j]
		return a.Rows > b.Rows || a.Rows == b.Rows && a.Class < b.Class
	})
	if hasLab {
		if lab.LabelColumn != "" {
			d.LabelColumn = lab.LabelColumn
		}
		d.LabelledRows = lab.LabelledRows
		d.ConflictRate = lab.ConflictRate
		d.ConflictRows = lab.ConflictingRows
		if lab.Annotators != nil {
			d.Annotators = lab.Annotators.Count
			d.AnnotatorNote = "annotator column " + strconv.Quote(lab.Annotators.Column)
		}
	}
	if d.LabelColumn == "" {
		d.LabelColumn = r.Roles.Label
	}
	var sta stalenessView
	if _, ok := metricsOf(r, "staleness", &sta); ok {
		d.TimeColumn, d.MinTime, d.MaxTime, d.TimedRows = sta.TimeColumn, sta.MinTime, sta.MaxTime, sta.TimedRows
	}
	if d.TimeColumn == "" {
		d.TimeColumn = r.Roles.Time
	}
	for _, c := range r.Checks {
		for _, f := range bySeverity(c.Findings) {
			if !serious(f.Severity) {
				continue
			}
			d.Gaps = append(d.Gaps, fmt.Sprintf("%s (%s, %s): %s", f.Code, c.Name, f.Severity, f.Message))
		}
	}
	return d
}

func cnt(n int64) string { return groupDigits(n) }

func cntp(n *int64) string {
	if n == nil {
		return "?"
	}
	return groupDigits(*n)
}

func pct(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }

func pctp(rate *float64) string {
	if rate == nil {
		return "?"
	}
	return pct(*rate)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// serious reports whether a finding of this severity raises a concern:
// warning, error or blocker.
func serious(s checks.Severity) bool {
	return s == checks.Warning || s == checks.Error || s == checks.Blocker
}
