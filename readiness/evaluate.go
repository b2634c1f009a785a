package readiness

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/readiness/readiness/checks"
)

// Effects of a Reason.
const (
	EffectBlocks         = "blocks"
	EffectRulesOutCustom = "rules_out_custom"
	EffectRulesOutHybrid = "rules_out_hybrid"
	EffectFailsGate      = "fails_gate"
	EffectLowersScore    = "lowers_score"
)

// balanceCheck is the check whose metrics count the usable examples.
const balanceCheck = "balance"

// Evaluate scores the results of one audit, decides the verdict and the
// gate, and says why and what would move the verdict up. required and
// failOn override the policy's Require and FailOn; "" keeps the policy's.
// The rules are in the package documentation and in [Doc]. An error means
// the configuration, the overrides or the results are invalid (an unknown
// status, a score outside 0–100, a check reported twice, unreadable
// metrics); a dataset that merely fails is not an error.
func Evaluate(cfg *Config, results []checks.Result, required, failOn string) (*Assessment, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if required == "" {
		required = cfg.Require
	} else if err := checkRequired(required); err != nil {
		return nil, fmt.Errorf("--require: %w", err)
	}
	if failOn == "" {
		failOn = cfg.FailOn
	} else if err := checkFailOn(failOn); err != nil {
		return nil, fmt.Errorf("--fail-on: %w", err)
	}
	if err := validResults(results); err != nil {
		return nil, err
	}
	e := &evaluation{cfg: cfg, results: results}
	a := &Assessment{
		Required:      required,
		FailOn:        failOn,
		Reasons:       []Reason{},
		Remediation:   []Remedy{},
		Weights:       []Weight{},
		NotApplicable: []string{},
	}
	e.score(a)
	lab, err := readLabel(results)
	if err != nil {
		return nil, err
	}
	e.label = lab

	blocking := e.blockers()
	switch {
	case len(blocking) > 0:
		a.Verdict = Blocked
		for _, b := range blocking {
			a.Reasons = append(a.Reasons, findingReason(EffectBlocks, b.check, b.finding))
		}
		a.Remediation = e.unblock(blocking)
	case a.Score == nil:
		a.Verdict = Pretrained
		msg := "no check was applicable, so there is no readiness score: nothing shows the data can be trained on"
		if len(results) == 0 {
			msg = "no check ran, so there is no readiness score"
		}
		a.Reasons = append(a.Reasons, Reason{Effect: EffectRulesOutHybrid, Message: msg})
		a.Remediation = append(a.Remediation, Remedy{Target: Hybrid,
			Action: "make the checks applicable: name the label (--label), time (--time) and split (--split) columns, or give a reference (--reference)"})
	default:
		okCustom, _, _ := e.level(Custom, cfg.Custom)
		okHybrid, hybridReasons, hybridRemedies := e.level(Hybrid, cfg.Hybrid)
		switch {
		case okCustom && okHybrid:
			a.Verdict = Custom
		case okHybrid:
			a.Verdict = Hybrid
			_, a.Reasons, a.Remediation = e.level(Custom, cfg.Custom)
		default:
			a.Verdict = Pretrained
			a.Reasons, a.Remediation = hybridReasons, hybridRemedies
		}
	}

	warned := false
	for _, r := range results {
		if r.Status == checks.Warn || r.Status == checks.Fail {
			warned = true
		}
	}
	a.Passed = a.Score != nil && Rank(a.Verdict) >= Rank(required) && !(failOn == FailOnWarn && warned)
	if failOn == FailOnWarn && warned {
		a.Reasons = append(a.Reasons, gateReasons(results, a.Reasons)...)
	}
	return a, nil
}

func validResults(results []checks.Result) error {
	seen := map[string]bool{}
	for _, r := range results {
		if r.Name == "" {
			return errors.New("readiness: a check result has no name")
		}
		if seen[r.Name] {
			return fmt.Errorf("readiness: check %s reported twice", r.Name)
		}
		seen[r.Name] = true
		switch r.Status {
		case checks.Pass, checks.Warn, checks.Fail, checks.NotApplicable:
		default:
			return fmt.Errorf("readiness: check %s: unknown status %q", r.Name, r.Status)
		}
		if r.Score != nil && (math.IsNaN(*r.Score) || *r.Score < 0 || *r.Score > 100) {
			return fmt.Errorf("readiness: check %s: score %v outside 0–100", r.Name, *r.Score)
		}
	}
	return nil
}

type evaluation struct {
	cfg     *Config
	results []checks.Result
	label   labelInfo
	// total is Σ weights of the checks in the score; lost the points each
	// check costs the score (weight × (100 − score) / total).
	total float64
	lost  map[string]float64
	// value is the rounded score, when there is one.
	value float64
}

// score fills in the score, the weights and the not-applicable list.
func (e *evaluation) score(a *Assessment) {
	e.lost = map[string]float64{}
	var sum float64
	for _, r := range e.results {
		if r.Status != checks.NotApplicable && r.Score != nil {
			e.total += e.cfg.weight(r.Name)
			sum += e.cfg.weight(r.Name) * *r.Score
		}
	}
	for _, r := range e.results {
		w := Weight{Check: r.Name, Weight: e.cfg.weight(r.Name), Status: string(r.Status), Score: copyFloat(r.Score)}
		if r.Status == checks.NotApplicable {
			a.NotApplicable = append(a.NotApplicable, r.Name)
		}
		if r.Status != checks.NotApplicable && r.Score != nil {
			w.Applicable = true
			if e.total > 0 {
				w.Contribution = round2(w.Weight * *r.Score / e.total)
				e.lost[r.Name] = w.Weight * (100 - *r.Score) / e.total
			}
		}
		a.Weights = append(a.Weights, w)
	}
	if e.total > 0 {
		e.value = round2(sum / e.total)
		a.Score = checks.Float(e.value)
	}
}

type blocking struct {
	check   checks.Result
	finding checks.Finding
}

func (e *evaluation) blockers() []blocking {
	var out []blocking
	for _, r := range e.results {
		for _, f := range r.Findings {
			if f.Severity == checks.Blocker || e.blockingCode(f.Code) {
				out = append(out, blocking{r, f})
			}
		}
	}
	return out
}

func (e *evaluation) blockingCode(code string) bool {
	for _, c := range e.cfg.BlockingCodes {
		if strings.EqualFold(c, code) {
			return true
		}
	}
	return false
}

// level tells whether the data meets level lv (named name), and if not,
// why (most decisive first) and what would meet it.
func (e *evaluation) level(name string, lv Level) (bool, []Reason, []Remedy) {
	effect := EffectRulesOutCustom
	if name == Hybrid {
		effect = EffectRulesOutHybrid
	}
	setting := "readiness." + name + "."
	var reasons []Reason
	var remedies []Remedy
	skipClass := map[string]bool{}

	// Usable examples.
	lab := e.label
	switch {
	case !lab.present:
		reasons = append(reasons, Reason{Effect: effect, Check: balanceCheck, Code: lab.code, Message: lab.why})
		remedies = append(remedies, Remedy{Target: name, Check: balanceCheck,
			Action: "name the label column (--label or roles.label), or label the data: custom and hybrid models learn from labelled examples"})
	case lab.kind == kindClasses && len(lab.classes) == 0:
		reasons = append(reasons, Reason{Effect: effect, Check: balanceCheck, Column: lab.column,
			Message: "no row has a label, so there are no examples to train or fine-tune on"})
		remedies = append(remedies, Remedy{Target: name, Check: balanceCheck, Action: "label the data"})
	case lab.kind == kindClasses && len(lab.classes) == 1:
		reasons = append(reasons, Reason{Effect: effect, Check: balanceCheck, Column: lab.column,
			Message: fmt.Sprintf("every label is %s: with a single class there is nothing for a classifier to tell apart", lab.classes[0].name)})
		remedies = append(remedies, Remedy{Target: name, Check: balanceCheck,
			Action: "add labelled examples of the other classes"})
	}
	// Score.
	score := e.value
	if score < lv.MinScore {
		reasons = append(reasons, Reason{Effect: effect,
			Message: fmt.Sprintf("the readiness score %s is below the %s minimum %s", num(score), name, num(lv.MinScore)),
			Value:   checks.Float(score), Threshold: checks.Float(lv.MinScore), Setting: setting + "min_score"})
		reasons = append(reasons, e.lowersScore()...)
	}
	// Per class, or all usable rows.
	if lab.present {
		switch lab.kind {
		case kindClasses:
			for _, c := range lab.classes {
				if c.usable >= lv.MinUsablePerClass {
					continue
				}
				short := lv.MinUsablePerClass - c.usable
				reasons = append(reasons, Reason{Effect: effect, Check: balanceCheck, Column: lab.column,
					Message:   fmt.Sprintf("class %s has %s usable examples, below the %s minimum %s", c.name, count(c.usable), name, count(lv.MinUsablePerClass)),
					Value:     checks.Float(float64(c.usable)),
					Threshold: checks.Float(float64(lv.MinUsablePerClass)),
					Setting:   setting + "min_usable_per_class"})
				remedies = append(remedies, Remedy{Target: name, Check: balanceCheck,
					Action: fmt.Sprintf("add %s of class %s", plural(short, "usable example"), c.name),
					Amount: checks.Float(float64(short)), Unit: "examples"})
				skipClass[c.name] = true
			}
		default:
			if lab.usableRows < lv.MinUsableRows {
				short := lv.MinUsableRows - lab.usableRows
				reasons = append(reasons, Reason{Effect: effect, Check: balanceCheck, Column: lab.column,
					Message:   fmt.Sprintf("%s usable rows (label kind %s), below the %s minimum %s", count(lab.usableRows), lab.kind, name, count(lv.MinUsableRows)),
					Value:     checks.Float(float64(lab.usableRows)),
					Threshold: checks.Float(float64(lv.MinUsableRows)),
					Setting:   setting + "min_usable_rows"})
				remedies = append(remedies, Remedy{Target: name, Check: balanceCheck,
					Action: fmt.Sprintf("add %s", plural(short, "usable row")),
					Amount: checks.Float(float64(short)), Unit: "rows"})
			}
		}
	}
	// Failed checks.
	var failed []checks.Result
	for _, r := range e.results {
		if r.Status == checks.Fail {
			failed = append(failed, r)
		}
	}
	if len(failed) > lv.MaxFailedChecks {
		names := make([]string, len(failed))
		for i, r := range failed {
			names[i] = r.Name
		}
		reasons = append(reasons, Reason{Effect: effect,
			Message:   fmt.Sprintf("%s failed (%s), above the %s maximum %d", plural(int64(len(failed)), "check"), strings.Join(names, ", "), name, lv.MaxFailedChecks),
			Value:     checks.Float(float64(len(failed))),
			Threshold: checks.Float(float64(lv.MaxFailedChecks)),
			Setting:   setting + "max_failed_checks"})
		for _, r := range failed {
			for _, f := range r.Findings {
				if f.Severity == checks.Error {
					reasons = append(reasons, findingReason(effect, r, f))
				}
			}
		}
		for _, r := range failed {
			remedies = append(remedies, checkRemedies(name, r, skipClass)...)
		}
	}
	// Score levers, the check that costs the most points first.
	if score < lv.MinScore {
		n := 0
		for _, r := range e.byLostPoints() {
			// A check that costs no points (score 100, or weight 0)
			// cannot raise the score.
			if (r.Status != checks.Warn && r.Status != checks.Fail) || e.lost[r.Name] <= 0 {
				continue
			}
			rs := checkRemedies(name, r, skipClass)
			n += len(rs)
			remedies = append(remedies, rs...)
		}
		if n == 0 {
			// No check warned or failed: the score is low by degrees.
			// Name the checks that cost it the most.
			for _, r := range e.byLostPoints() {
				if lost := e.lost[r.Name]; lost > 0 {
					remedies = append(remedies, Remedy{Target: name, Check: r.Name,
						Action: fmt.Sprintf("raise check %s's score from %s: it costs the readiness score %s points", r.Name, num(*r.Score), num(lost)),
						Amount: checks.Float(round2(lost)), Unit: "points"})
				}
			}
		}
	}
	return len(reasons) == 0, reasons, dedupe(remedies)
}

// checkRemedies returns the levers of a check that warned or failed or,
// when its metrics give none, the fixes its warning and error findings ask
// for.
func checkRemedies(target string, r checks.Result, skipClass map[string]bool) []Remedy {
	var out []Remedy
	for _, l := range leversOf(r, skipClass) {
		out = append(out, l.remedy(target))
	}
	if len(out) > 0 {
		return out
	}
	for _, f := range r.Findings {
		if f.Severity == checks.Error || f.Severity == checks.Warning || f.Severity == checks.Blocker {
			out = append(out, findingRemedy(target, r, f))
		}
	}
	if len(out) == 0 {
		out = append(out, Remedy{Target: target, Check: r.Name,
			Action: fmt.Sprintf("fix what makes check %s %s (see its metrics)", r.Name, r.Status)})
	}
	return out
}

// findingRemedy is the fix a finding asks for when no metric gives its
// numbers: the finding's rows, and its message.
func findingRemedy(target string, r checks.Result, f checks.Finding) Remedy {
	rem := Remedy{Target: target, Check: r.Name}
	where := ""
	if f.Column != "" {
		where = fmt.Sprintf(" in column %s", f.Column)
	}
	if f.Rows != nil {
		rem.Action = fmt.Sprintf("fix the %s rows behind %s%s: %s", count(*f.Rows), f.Code, where, f.Message)
		rem.Amount, rem.Unit = checks.Float(float64(*f.Rows)), "rows"
	} else {
		rem.Action = fmt.Sprintf("fix what %s reports%s: %s", f.Code, where, f.Message)
	}
	return rem
}

// byLostPoints returns the checks in the score, the one costing the most
// points first (ties by name).
func (e *evaluation) byLostPoints() []checks.Result {
	var out []checks.Result
	for _, r := range e.results {
		if _, ok := e.lost[r.Name]; ok {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := e.lost[out[i].Name], e.lost[out[j].Name]
		if li != lj {
			return li > lj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (e *evaluation) lowersScore() []Reason {
	var out []Reason
	for _, r := range e.byLostPoints() {
		lost := e.lost[r.Name]
		if lost <= 0 {
			continue
		}
		out = append(out, Reason{Effect: EffectLowersScore, Check: r.Name,
			Message: fmt.Sprintf("check %s scored %s with weight %s: %s points below a perfect readiness score",
				r.Name, num(*r.Score), num(e.cfg.weight(r.Name)), num(lost)),
			Value:   checks.Float(*r.Score),
			Setting: "readiness.weights." + r.Name})
	}
	return out
}

// unblock returns the fixes of the blocking findings, in their order.
func (e *evaluation) unblock(bs []blocking) []Remedy {
	var out []Remedy
	for _, b := range bs {
		matched := false
		for _, l := range leversOf(b.check, nil) {
			if l.fixes(b.finding) {
				out = append(out, l.remedy(Pretrained))
				matched = true
			}
		}
		if !matched {
			out = append(out, findingRemedy(Pretrained, b.check, b.finding))
		}
	}
	return dedupe(out)
}

func findingReason(effect string, r checks.Result, f checks.Finding) Reason {
	return Reason{Effect: effect, Check: r.Name, Code: f.Code, Severity: string(f.Severity), Message: f.Message,
		Column: f.Column, Value: copyFloat(f.Value), Threshold: copyFloat(f.Threshold), Setting: f.Setting}
}

// gateReasons lists, for --fail-on warn, the warning and error findings of
// the checks that warned or failed, except those already given.
func gateReasons(results []checks.Result, given []Reason) []Reason {
	key := func(check, code, column, msg string) string {
		return check + "\x00" + code + "\x00" + column + "\x00" + msg
	}
	seen := map[string]bool{}
	for _, r := range given {
		seen[key(r.Check, r.Code, r.Column, r.Message)] = true
	}
	var out []Reason
	for _, r := range results {
		if r.Status != checks.Warn && r.Status != checks.Fail {
			continue
		}
		n := 0
		for _, f := range r.Findings {
			if f.Severity != checks.Warning && f.Severity != checks.Error {
				continue
			}
			n++
			k := key(r.Name, f.Code, f.Column, f.Message)
			if !seen[k] {
				seen[k] = true
				out = append(out, findingReason(EffectFailsGate, r, f))
			}
		}
		if n == 0 {
			out = append(out, Reason{Effect: EffectFailsGate, Check: r.Name,
				Message: fmt.Sprintf("check %s has status %s and the gate fails on warnings", r.Name, r.Status),
				Setting: "readiness.fail_on"})
		}
	}
	return out
}

func dedupe(rs []Remedy) []Remedy {
	out := []Remedy{}
	seen := map[string]bool{}
	for _, r := range rs {
		k := r.Target + "\x00" + r.Check + "\x00" + r.Action
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// Label kinds of the balance check's metrics.
const (
	kindClasses    = "classes"
	kindContinuous = "continuous"
	kindTooMany    = "too_many_values"
)

// labelInfo is what the balance check says about the usable examples.
type labelInfo struct {
	present bool   // there is a label to train on
	why     string // when not present
	code    string // the balance finding that says so, if any
	column  string
	kind    string
	// classes are sorted fewest usable first, then by name.
	classes    []classUsable
	usableRows int64
}

type classUsable struct {
	name   string
	usable int64
}

type balanceMetrics struct {
	LabelColumn string `json:"label_column"`
	LabelKind   string `json:"label_kind"`
	UsableRows  int64  `json:"usable_rows"`
	Classes     map[string]struct {
		Count  int64 `json:"count"`
		Usable int64 `json:"usable"`
	} `json:"classes"`
	ClassesBelowMin []struct {
		Class     string `json:"class"`
		Usable    int64  `json:"usable"`
		Shortfall int64  `json:"shortfall"`
	} `json:"classes_below_min"`
	MinClassRows int64 `json:"min_class_rows"`
}

func readLabel(results []checks.Result) (labelInfo, error) {
	var bal *checks.Result
	for i := range results {
		if results[i].Name == balanceCheck {
			bal = &results[i]
		}
	}
	if bal == nil {
		return labelInfo{why: "the balance check did not run, so there are no usable examples counted: custom and hybrid are ruled out"}, nil
	}
	var m balanceMetrics
	if err := decode(*bal, &m); err != nil {
		return labelInfo{}, err
	}
	info := labelInfo{column: m.LabelColumn, kind: m.LabelKind, usableRows: m.UsableRows}
	switch m.LabelKind {
	case kindClasses, kindContinuous, kindTooMany:
	case "":
		info.why = "no label column, so there is nothing to train or fine-tune on: custom and hybrid are ruled out"
		for _, f := range bal.Findings {
			if f.Code == "BAL000" {
				info.code = f.Code
			}
		}
		return info, nil
	default:
		return labelInfo{}, fmt.Errorf("readiness: check balance: unknown label_kind %q", m.LabelKind)
	}
	info.present = true
	for name, c := range m.Classes {
		info.classes = append(info.classes, classUsable{name, c.Usable})
	}
	sort.Slice(info.classes, func(i, j int) bool {
		a, b := info.classes[i], info.classes[j]
		if a.usable != b.usable {
			return a.usable < b.usable
		}
		return a.name < b.name
	})
	return info, nil
}

func decode(r checks.Result, v any) error {
	if len(r.Metrics) == 0 || string(r.Metrics) == "null" {
		return nil
	}
	if err := json.Unmarshal(r.Metrics, v); err != nil {
		return fmt.Errorf("readiness: check %s: read metrics: %w", r.Name, err)
	}
	return nil
}

func copyFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// num formats a score, a weight or a threshold: at most 2 decimals.
func num(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }

// count formats a count with thousands separators: 1,203.
func count(n int64) string {
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

// pct formats a rate as a percentage with one decimal.
func pct(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }

// plural formats a count and its noun: "1 usable example", "412 usable
// examples".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return count(n) + " " + noun + "s"
}
