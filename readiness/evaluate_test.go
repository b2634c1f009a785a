package readiness

import (
	"encoding/json"
	"math"
	"reflect"

	"strings"
	"testing"

	"github.com/readiness/readiness/checks"
)

// testConfig is a fixed policy, so the tests do not move with the defaults.
func testConfig() *Config {
	return &Config{
		Require: Pretrained,
		FailOn:  FailOnError,
		Custom:  Level{MinScore: 80, MinUsablePerClass: 500, MinUsableRows: 1000, MaxFailedChecks: 0},
		Hybrid:  Level{MinScore: 60, MinUsablePerClass: 50, MinUsableRows: 100, MaxFailedChecks: 1},
	}
}

func score(v float64) *float64 { return &v }

func result(t *testing.T, name string, status checks.Status, s *float64, metrics any, findings ...checks.Finding) checks.Result {
	t.Helper()
	r, err := checks.NewResult(name, status, s, metrics, findings)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// classesMetrics is the balance check's metrics for a classification
// label, shaped like a real report's; usable maps class → usable rows and
// count is usable + 10 for every class.
func classesMetrics(usable map[string]int64) map[string]any {
	classes := map[string]any{}
	var rows, labelled int64
	for _, u := range usable {
		labelled += u + 10
	}
	for c, u := range usable {
		rows += u
		classes[c] = map[string]any{"count": u + 10, "share": float64(u+10) / float64(labelled), "usable": u}
	}
	return map[string]any{
		"label_column": "label", "label_kind": "classes", "feature_columns": 3,
		"rows": labelled, "labelled_rows": labelled, "missing_labels": 0, "usable_rows": rows,
		"excluded":    map[string]int64{"missing_label": 0, "conflicting": 0, "stale": 0, "duplicate": labelled - rows},
		"classes":     classes,
		"num_classes": len(usable), "min_class_rows": 50, "classes_below_min": []any{},
		"method": "exact counts",
	}
}

func numericMetrics(kind string, usableRows int64) map[string]any {
	return map[string]any{
		"label_column": "price", "label_kind": kind, "feature_columns": 3,
		"rows": usableRows + 5, "labelled_rows": usableRows + 5, "missing_labels": 0, "usable_rows": usableRows,
		"excluded": map[string]int64{"missing_label": 0, "conflicting": 0, "stale": 0, "duplicate": 5},
		"classes":  map[string]any{}, "num_classes": 0, "min_class_rows": 50, "classes_below_min": []any{},
		"distribution": map[string]any{"count": usableRows + 5, "missing": 0, "non_finite": 0, "method": "ddsketch"},
		"method":       "exact counts",
	}
}

var noLabelMetrics = map[string]any{
	"label_column": "", "label_kind": "", "feature_columns": 3, "rows": 100, "labelled_rows": 0,
	"missing_labels": 0, "usable_rows": 0,
	"excluded": map[string]int64{"missing_label": 0, "conflicting": 0, "stale": 0, "duplicate": 0},
	"classes":  map[string]any{}, "num_classes": 0, "min_class_rows": 50, "classes_below_min": []any{}, "method": "exact counts",
}

// dataset is a run of the six checks: each applicable one scores s, the
// balance check reports the given metrics, representativeness is not
// applicable.
type dataset struct {
	scores  map[string]float64 // check → score; default 100
	status  map[string]checks.Status
	balance map[string]any
	extra   map[string][]checks.Finding
}

func (d dataset) results(t *testing.T) []checks.Result {
	t.Helper()
	var out []checks.Result
	for _, name := range []string{"missing", "duplicates", "labels", "balance", "staleness"} {
		s := 100.0
		if v, ok := d.scores[name]; ok {
			s = v
		}
		st := checks.Pass
		if v, ok := d.status[name]; ok {
			st = v
		}
		var m any = map[string]any{"rows": 2000}
		if name == "balance" {
			m = d.balance
		}
		var sp *float64
		if st != checks.NotApplicable {
			sp = score(s)
		}
		out = append(out, result(t, name, st, sp, m, d.extra[name]...))
	}
	out = append(out, result(t, "representativeness", checks.NotApplicable, nil,
		map[string]any{"reference_present": false, "rows": 2000, "columns": map[string]any{}, "targets": []any{}, "required": []any{}},
		checks.Finding{Code: "REP000", Severity: checks.Info, Message: "nothing to compare against"}))
	return out
}

func allScores(v float64) map[string]float64 {
	return map[string]float64{"missing": v, "duplicates": v, "labels": v, "balance": v, "staleness": v}
}

var twoClasses = map[string]int64{"billing": 1000, "refund": 1000}

func TestVerdicts(t *testing.T) {
	warnFinding := checks.Finding{Code: "DUP002", Severity: checks.Warning, Message: "66 of 2000 rows repeat", Value: score(0.033), Threshold: score(0.01), Setting: "checks.duplicates.warn_rate"}
	errFinding := checks.Finding{Code: "LAB001", Severity: checks.Error, Message: "conflicts above the fail rate", Value: score(0.06), Threshold: score(0.05), Setting: "checks.labels.fail_rate"}
	errFinding2 := checks.Finding{Code: "STA004", Severity: checks.Error, Message: "most rows stale"}
	leak := checks.Finding{Code: "DUP004", Severity: checks.Error, Message: "37 test rows occur in train", Rows: checks.Int(37)}
	blocker := checks.Finding{Code: "MIS001", Severity: checks.Blocker, Message: "column mostly missing", Column: "ssn"}
	tests := []struct {
		name     string
		cfg      func(*Config)
		data     dataset
		required string
		failOn   string
		verdict  string
		score    *float64
		passed   bool
		effects  []string // the reasons' effects, in order
	}{
		{name: "clean data is custom", data: dataset{balance: classesMetrics(twoClasses)},
			required: Custom, verdict: Custom, score: score(100), passed: true, effects: nil},
		{name: "score exactly at custom min_score", data: dataset{scores: allScores(80), balance: classesMetrics(twoClasses)},
			required: Custom, verdict: Custom, score: score(80), passed: true},
		{name: "score just below custom min_score", data: dataset{scores: allScores(79.99), balance: classesMetrics(twoClasses)},
			required: Custom, verdict: Hybrid, score: score(79.99), passed: false,
			effects: []string{EffectRulesOutCustom, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore}},
		{name: "score exactly at hybrid min_score", data: dataset{scores: allScores(60), balance: classesMetrics(twoClasses)},
			required: Hybrid, verdict: Hybrid, score: score(60), passed: true,
			effects: []string{EffectRulesOutCustom, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore}},
		{name: "score just below hybrid min_score", data: dataset{scores: allScores(59.99), balance: classesMetrics(twoClasses)},
			required: Hybrid, verdict: Pretrained, score: score(59.99), passed: false,
			effects: []string{EffectRulesOutHybrid, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore, EffectLowersScore}},
		{name: "usable exactly at custom minimum", data: dataset{balance: classesMetrics(map[string]int64{"a": 500, "b": 9000})},
			required: Custom, verdict: Custom, score: score(100), passed: true},
		{name: "usable one below custom minimum", data: dataset{balance: classesMetrics(map[string]int64{"a": 499, "b": 9000})},
			required: Custom, verdict: Hybrid, score: score(100), passed: false, effects: []string{EffectRulesOutCustom}},
		{name: "usable exactly at hybrid minimum", data: dataset{balance: classesMetrics(map[string]int64{"a": 50, "b": 9000})},
			required: Hybrid, verdict: Hybrid, score: score(100), passed: true, effects: []string{EffectRulesOutCustom}},
		{name: "usable one below hybrid minimum", data: dataset{balance: classesMetrics(map[string]int64{"a": 49, "b": 9000})},
			required: Hybrid, verdict: Pretrained, score: score(100), passed: false, effects: []string{EffectRulesOutHybrid}},
		{name: "one failed check rules out custom, not hybrid (max 0 / 1)",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"labels": checks.Fail},
				extra: map[string][]checks.Finding{"labels": {errFinding}}},
			required: Hybrid, verdict: Hybrid, score: score(100), passed: true,
			effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
		{name: "max_failed_checks raised to 1 allows custom",
			cfg:      func(c *Config) { c.Custom.MaxFailedChecks = 1 },
			data:     dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"labels": checks.Fail}},
			required: Custom, verdict: Custom, score: score(100), passed: true},
		{name: "two failed checks rule out hybrid",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"labels": checks.Fail, "staleness": checks.Fail},
				extra: map[string][]checks.Finding{"labels": {errFinding}, "staleness": {errFinding2}}},
			required: Pretrained, verdict: Pretrained, score: score(100), passed: true,
			effects: []string{EffectRulesOutHybrid, EffectRulesOutHybrid, EffectRulesOutHybrid}},
		{name: "blocker severity blocks",
			data:     dataset{balance: classesMetrics(twoClasses), extra: map[string][]checks.Finding{"missing": {blocker}}},
			required: Pretrained, verdict: Blocked, score: score(100), passed: false, effects: []string{EffectBlocks}},
		{name: "blocking code blocks",
			cfg: func(c *Config) { c.BlockingCodes = []string{"dup004"} },
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Fail}, scores: map[string]float64{"duplicates": 50},
				extra: map[string][]checks.Finding{"duplicates": {leak}}},
			required: Pretrained, verdict: Blocked, score: score(90), passed: false, effects: []string{EffectBlocks}},
		{name: "the same code without blocking_codes only fails the check",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Fail}, scores: map[string]float64{"duplicates": 50},
				extra: map[string][]checks.Finding{"duplicates": {leak}}},
			required: Pretrained, verdict: Hybrid, score: score(90), passed: true, effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
		{name: "regression label at custom minimum",
			data:     dataset{balance: numericMetrics("continuous", 1000), status: map[string]checks.Status{"balance": checks.NotApplicable}},
			required: Custom, verdict: Custom, score: score(100), passed: true},
		{name: "regression label one below custom minimum",
			data:     dataset{balance: numericMetrics("continuous", 999), status: map[string]checks.Status{"balance": checks.NotApplicable}},
			required: Custom, verdict: Hybrid, score: score(100), passed: false, effects: []string{EffectRulesOutCustom}},
		{name: "regression label one below hybrid minimum",
			data:     dataset{balance: numericMetrics("continuous", 99), status: map[string]checks.Status{"balance": checks.NotApplicable}},
			required: Pretrained, verdict: Pretrained, score: score(100), passed: true, effects: []string{EffectRulesOutHybrid}},
		{name: "too_many_values at hybrid minimum",
			data:     dataset{balance: numericMetrics("too_many_values", 100), status: map[string]checks.Status{"balance": checks.NotApplicable}},
			required: Hybrid, verdict: Hybrid, score: score(100), passed: true, effects: []string{EffectRulesOutCustom}},
		{name: "no label column rules out custom and hybrid",
			data:     dataset{balance: noLabelMetrics, status: map[string]checks.Status{"balance": checks.NotApplicable, "labels": checks.NotApplicable}},
			required: Pretrained, verdict: Pretrained, score: score(100), passed: true, effects: []string{EffectRulesOutHybrid}},
		{name: "a single class rules out custom and hybrid",
			data:     dataset{balance: classesMetrics(map[string]int64{"only": 5000})},
			required: Pretrained, verdict: Pretrained, score: score(100), passed: true, effects: []string{EffectRulesOutHybrid}},
		{name: "no labelled rows",
			data:     dataset{balance: classesMetrics(map[string]int64{})},
			required: Pretrained, verdict: Pretrained, score: score(100), passed: true, effects: []string{EffectRulesOutHybrid}},
		{name: "fail-on warn fails a custom verdict with a warning",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Warn},
				extra: map[string][]checks.Finding{"duplicates": {warnFinding, {Code: "DUP005", Severity: checks.Info, Message: "info"}}}},
			required: Custom, failOn: FailOnWarn, verdict: Custom, score: score(100), passed: false, effects: []string{EffectFailsGate}},
		{name: "fail-on error ignores the warning",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Warn},
				extra: map[string][]checks.Finding{"duplicates": {warnFinding}}},
			required: Custom, failOn: FailOnError, verdict: Custom, score: score(100), passed: true},
		{name: "fail-on warn from the policy",
			cfg: func(c *Config) { c.FailOn = FailOnWarn },
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Warn},
				extra: map[string][]checks.Finding{"duplicates": {warnFinding}}},
			required: Custom, verdict: Custom, score: score(100), passed: false, effects: []string{EffectFailsGate}},
		{name: "fail-on warn, a warn check without warning findings",
			data:     dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"staleness": checks.Warn}},
			required: Custom, failOn: FailOnWarn, verdict: Custom, score: score(100), passed: false, effects: []string{EffectFailsGate}},
		{name: "fail-on warn: a failed check's error already given is not repeated",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"labels": checks.Fail},
				extra: map[string][]checks.Finding{"labels": {errFinding}}},
			required: Hybrid, failOn: FailOnWarn, verdict: Hybrid, score: score(100), passed: false,
			effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
		{name: "blockers come before fail-on warn reasons",
			data: dataset{balance: classesMetrics(twoClasses), status: map[string]checks.Status{"duplicates": checks.Warn},
				extra: map[string][]checks.Finding{"duplicates": {warnFinding}, "missing": {blocker}}},
			required: Pretrained, failOn: FailOnWarn, verdict: Blocked, score: score(100), passed: false,
			effects: []string{EffectBlocks, EffectFailsGate}},
		{name: "hybrid verdict, required pretrained passes",
			data:     dataset{balance: classesMetrics(map[string]int64{"a": 100, "b": 100})},
			required: Pretrained, verdict: Hybrid, score: score(100), passed: true, effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
		{name: "hybrid verdict, required custom fails",
			data:     dataset{balance: classesMetrics(map[string]int64{"a": 100, "b": 100})},
			required: Custom, verdict: Hybrid, score: score(100), passed: false, effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
		{name: "required from the policy",
			cfg:      func(c *Config) { c.Require = Custom },
			data:     dataset{balance: classesMetrics(map[string]int64{"a": 100, "b": 100})},
			required: "", verdict: Hybrid, score: score(100), passed: false, effects: []string{EffectRulesOutCustom, EffectRulesOutCustom}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			a, err := Evaluate(cfg, tc.data.results(t), tc.required, tc.failOn)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; reasons %s", a.Verdict, tc.verdict, dump(a.Reasons))
			}
			if !floatPtrEqual(a.Score, tc.score) {
				t.Errorf("score %v, want %v", deref(a.Score), deref(tc.score))
			}
			if a.Passed != tc.passed {
				t.Errorf("passed %v, want %v", a.Passed, tc.passed)
			}
			var effects []string
			for _, r := range a.Reasons {
				effects = append(effects, r.Effect)
			}
			if !reflect.DeepEqual(effects, tc.effects) {
				t.Errorf("reason effects %v, want %v\n%s", effects, tc.effects, dump(a.Reasons))
			}
			wantRequired := tc.required
			if wantRequired == "" {
				wantRequired = cfg.Require
			}
			if a.Required != wantRequired {
				t.Errorf("required %s, want %s", a.Required, wantRequired)
			}
			if a.Verdict == Custom && len(a.Remediation) != 0 {
				t.Errorf("custom verdict with remediation %s", dump(a.Remediation))
			}
			if a.Verdict != Custom && len(a.Remediation) == 0 {
				t.Errorf("verdict %s without remediation", a.Verdict)
			}
			for _, r := range a.Remediation {
				if Rank(r.Target) != Rank(a.Verdict)+1 {
					t.Errorf("remedy %q targets %s from %s, not one step up", r.Action, r.Target, a.Verdict)
				}
			}
		})
	}
}

// TestReasonDetails checks the values, thresholds and settings a reason
// carries for each condition.
func TestReasonDetails(t *testing.T) {
	data := dataset{scores: allScores(70), balance: classesMetrics(map[string]int64{"a": 120, "b": 499, "c": 499, "d": 800})}
	a, err := Evaluate(testConfig(), data.results(t), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != Hybrid {
		t.Fatalf("verdict %s", a.Verdict)
	}
	type brief struct {
		Effect, Check, Setting string
		Value, Threshold       float64
	}
	var got []brief
	for _, r := range a.Reasons {
		got = append(got, brief{r.Effect, r.Check, r.Setting, deref(r.Value), deref(r.Threshold)})
	}
	want := []brief{
		{EffectRulesOutCustom, "", "readiness.custom.min_score", 70, 80},
		// Every check scored 70 with weight 1 of 5: 6 points each; ties
		// by name.
		{EffectLowersScore, "balance", "readiness.weights.balance", 70, math.NaN()},
		{EffectLowersScore, "duplicates", "readiness.weights.duplicates", 70, math.NaN()},
		{EffectLowersScore, "labels", "readiness.weights.labels", 70, math.NaN()},
		{EffectLowersScore, "missing", "readiness.weights.missing", 70, math.NaN()},
		{EffectLowersScore, "staleness", "readiness.weights.staleness", 70, math.NaN()},
		// Fewest usable first, ties by name.
		{EffectRulesOutCustom, "balance", "readiness.custom.min_usable_per_class", 120, 500},
		{EffectRulesOutCustom, "balance", "readiness.custom.min_usable_per_class", 499, 500},
		{EffectRulesOutCustom, "balance", "readiness.custom.min_usable_per_class", 499, 500},
	}
	if len(got) != len(want) {
		t.Fatalf("reasons %s", dump(a.Reasons))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Effect != w.Effect || g.Check != w.Check || g.Setting != w.Setting || !same(g.Value, w.Value) || !same(g.Threshold, w.Threshold) {
			t.Errorf("reason %d = %+v, want %+v", i, g, w)
		}
	}
	if !strings.Contains(a.Reasons[6].Message, "class a has 120 usable examples") ||
		!strings.Contains(a.Reasons[7].Message, "class b ") || !strings.Contains(a.Reasons[8].Message, "class c ") {
		t.Errorf("class reasons out of order: %s", dump(a.Reasons[6:]))
	}
	// No check warned or failed, so the score's remedies name the checks
	// that cost it points: 1 × (100 − 70) / 5 = 6 each, ties by name.
	var raise []string
	for _, r := range a.Remediation {
		if r.Unit == "points" {
			raise = append(raise, r.Check)
			if deref(r.Amount) != 6 {
				t.Errorf("remedy %q amount %v, want 6", r.Action, deref(r.Amount))
			}
		}
	}
	if !reflect.DeepEqual(raise, []string{"balance", "duplicates", "labels", "missing", "staleness"}) {
		t.Errorf("score remedies for %v\n%s", raise, dump(a.Remediation))
	}
	if !strings.Contains(a.Reasons[1].Message, "6 points") {
		t.Errorf("lowers_score message %q: want 6 points (1 × 30 / 5)", a.Reasons[1].Message)
	}
}

func TestScoreWeightedMean(t *testing.T) {
	cfg := testConfig()
	cfg.Weights = map[string]float64{"missing": 2, "balance": 0.5, "staleness": 0}
	results := []checks.Result{
		result(t, "missing", checks.Pass, score(90), map[string]any{}),
		result(t, "duplicates", checks.Warn, score(60), map[string]any{}),
		result(t, "labels", checks.Pass, score(100), map[string]any{}),
		result(t, "balance", checks.Pass, score(70), classesMetrics(twoClasses)),
		result(t, "staleness", checks.Fail, score(10), map[string]any{}),
		result(t, "representativeness", checks.NotApplicable, nil, map[string]any{}),
	}
	a, err := Evaluate(cfg, results, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// (2·90 + 60 + 100 + 0.5·70) / (2 + 1 + 1 + 0.5) = 375 / 4.5 = 83.333…;
	// staleness (weight 0) and representativeness (not applicable) are out,
	// and representativeness is not counted as 100.
	if a.Score == nil || *a.Score != 83.33 {
		t.Fatalf("score %v, want 83.33", deref(a.Score))
	}
	want := []Weight{
		{Check: "missing", Weight: 2, Status: "pass", Score: score(90), Contribution: 40, Applicable: true},
		{Check: "duplicates", Weight: 1, Status: "warn", Score: score(60), Contribution: 13.33, Applicable: true},
		{Check: "labels", Weight: 1, Status: "pass", Score: score(100), Contribution: 22.22, Applicable: true},
		{Check: "balance", Weight: 0.5, Status: "pass", Score: score(70), Contribution: 7.78, Applicable: true},
		{Check: "staleness", Weight: 0, Status: "fail", Score: score(10), Contribution: 0, Applicable: true},
		{Check: "representativeness", Weight: 1, Status: "not_applicable", Score: nil, Contribution: 0, Applicable: false},
	}
	if !reflect.DeepEqual(a.Weights, want) {
		t.Errorf("weights\n got %s\nwant %s", dump(a.Weights), dump(want))
	}
	if !reflect.DeepEqual(a.NotApplicable, []string{"representativeness"}) {
		t.Errorf("not_applicable %v", a.NotApplicable)
	}
	// The failed staleness check still counts against max_failed_checks,
	// whatever its weight: custom is ruled out.
	if a.Verdict != Hybrid {
		t.Errorf("verdict %s, want hybrid", a.Verdict)
	}
}

func TestNoApplicableCheck(t *testing.T) {
	na := func(name string) checks.Result {
		return result(t, name, checks.NotApplicable, nil, map[string]any{})
	}
	for _, tc := range []struct {
		name    string
		results []checks.Result
		weights map[string]float64
	}{
		{"no check ran", nil, nil},
		{"every check not applicable", []checks.Result{na("staleness"), na("representativeness")}, nil},
		{"applicable but score null", []checks.Result{result(t, "missing", checks.Pass, nil, map[string]any{})}, nil},
		{"every weight 0", []checks.Result{result(t, "missing", checks.Pass, score(100), map[string]any{})}, map[string]float64{"missing": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Weights = tc.weights
			a, err := Evaluate(cfg, tc.results, Pretrained, "")
			if err != nil {
				t.Fatal(err)
			}
			if a.Score != nil || a.Verdict != Pretrained || a.Passed {
				t.Errorf("score %v verdict %s passed %v; want null, pretrained, false", deref(a.Score), a.Verdict, a.Passed)
			}
			if len(a.Reasons) != 1 || a.Reasons[0].Effect != EffectRulesOutHybrid || len(a.Remediation) != 1 {
				t.Errorf("reasons %s remediation %s", dump(a.Reasons), dump(a.Remediation))
			}
			for _, w := range a.Weights {
				if w.Contribution != 0 {
					t.Errorf("weight %+v contributes", w)
				}
			}
		})
	}
}

func TestNoBalanceResult(t *testing.T) {
	results := []checks.Result{result(t, "missing", checks.Pass, score(100), map[string]any{})}
	a, err := Evaluate(testConfig(), results, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != Pretrained || !a.Passed || len(a.Reasons) != 1 || !strings.Contains(a.Reasons[0].Message, "balance check did not run") {
		t.Errorf("verdict %s passed %v reasons %s", a.Verdict, a.Passed, dump(a.Reasons))
	}
}

// TestRemediation computes every number by hand from the metrics below.
func TestRemediation(t *testing.T) {
	results := []checks.Result{
		result(t, "missing", checks.Warn, score(97.12), map[string]any{"rows": 2000, "columns": map[string]any{
			"region": map[string]any{"missing": 114, "missing_rate": 0.057},
			"text":   map[string]any{"missing": 79, "missing_rate": 0.0395},
			"age":    map[string]any{"missing": 160, "missing_rate": 0.08},
		}},
			checks.Finding{Code: "MIS002", Severity: checks.Warning, Column: "region", Message: "region 5.7% missing", Value: score(0.057), Threshold: score(0.05)},
			checks.Finding{Code: "MIS002", Severity: checks.Warning, Column: "age", Message: "age 8% missing", Value: score(0.08), Threshold: score(0.05)},
			checks.Finding{Code: "MIS003", Severity: checks.Info, Column: "text", Message: "placeholders"}),
		result(t, "duplicates", checks.Warn, score(96.7), map[string]any{"rows": 2000, "exact_duplicate_rows": 66, "cross_split_rows": nil},
			checks.Finding{Code: "DUP002", Severity: checks.Warning, Message: "66 of 2000 rows repeat"}),
		result(t, "labels", checks.Fail, score(39.85), map[string]any{"rows": 2000, "conflicting_rows": 1203, "variant_rows": 0},
			checks.Finding{Code: "LAB001", Severity: checks.Error, Message: "1203 rows conflict"}),
		result(t, "balance", checks.Warn, score(60), map[string]any{
			"label_column": "label", "label_kind": "classes", "usable_rows": 1140, "min_class_rows": 50, "classes_below_min": []any{},
			"classes": map[string]any{
				"billing": map[string]any{"count": 1100, "share": 0.88, "usable": 1000},
				"refund":  map[string]any{"count": 150, "share": 0.12, "usable": 140},
			}},
			checks.Finding{Code: "BAL006", Severity: checks.Warning, Message: "ratio 7.33 above 5", Value: score(1100.0 / 150), Threshold: score(5)}),
		result(t, "staleness", checks.Warn, score(80), map[string]any{"stale_rows": 94, "stale_before": "2025-06-01T00:00:00Z", "future_rows": 0},
			checks.Finding{Code: "STA005", Severity: checks.Warning, Message: "94 rows stale"}),
		result(t, "representativeness", checks.Warn, score(70), map[string]any{"rows": 2000, "columns": map[string]any{
			"region": map[string]any{"kind": "categorical", "rows": 2000, "nulls": 100,
				"under_represented": []any{map[string]any{"value": "north", "train_share": 0.1, "reference_share": 0.3}}},
		}, "targets": []any{}, "required": []any{}},
			checks.Finding{Code: "REP004", Severity: checks.Warning, Column: "region", Message: "north under-represented"}),
	}
	// Score: (97.12 + 96.7 + 39.85 + 60 + 80 + 70) / 6 = 443.67 / 6 = 73.945
	// → 73.95 (rounded half away from zero; 73.945 is 73.94499… in binary,
	// so 73.94 or 73.95 — compared below with a tolerance). Below custom's
	// 80, above hybrid's 60; refund's 140 usable < 500; labels failed.
	a, err := Evaluate(testConfig(), results, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != Hybrid || a.Score == nil || math.Abs(*a.Score-73.945) > 0.006 {
		t.Fatalf("verdict %s score %v", a.Verdict, deref(a.Score))
	}
	type rem struct {
		Check, Action string
		Amount        float64
	}
	want := []rem{
		// 500 − 140.
		{"balance", "add 360 usable examples of class refund", 360},
		// The failed check's lever.
		{"labels", "relabel or remove 1,203 rows in conflicting-label groups", 1203},
		// Score levers, most points lost first: labels 60.15/6 (already
		// given), balance 40/6, representativeness 30/6, staleness 20/6,
		// duplicates 3.3/6, missing 2.88/6.
		// Imbalance: ceil(1100 / 5) = 220 − 150 = 70 (refund's own
		// usable shortfall is already a remedy, but this is the ratio).
		{"balance", "add 70 examples of class refund to bring the largest-to-smallest class ratio to 5", 70},
		// n = 2000 − 100 = 1900; x = 1900 · (0.3 − 0.1) / (1 − 0.3) = 542.86 → 543.
		{"representativeness", "collect 543 more rows where region = north (train share 10.0% vs reference 30.0%)", 543},
		{"staleness", "collect data newer than 2025-06 (94 rows are older than the policy's maximum age)", 94},
		{"duplicates", "remove 66 exact duplicate rows (keep one copy of each)", 66},
		// Highest rate first.
		{"missing", "fill or drop column age (8.0% missing, 160 rows)", 160},
		{"missing", "fill or drop column region (5.7% missing, 114 rows)", 114},
	}
	var got []rem
	for _, r := range a.Remediation {
		if r.Target != Custom {
			t.Errorf("remedy %q targets %s", r.Action, r.Target)
		}
		got = append(got, rem{r.Check, r.Action, deref(r.Amount)})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("remediation\n got %s\nwant %s", dump(got), dump(want))
	}
}

func TestRemediationBlocked(t *testing.T) {
	cfg := testConfig()
	cfg.BlockingCodes = []string{"DUP004", "REP006"}
	results := []checks.Result{
		result(t, "duplicates", checks.Fail, score(50), map[string]any{"rows": 2000, "exact_duplicate_rows": 0, "cross_split_rows": 37},
			checks.Finding{Code: "DUP004", Severity: checks.Error, Message: "37 test rows occur in the train split", Rows: checks.Int(37)}),
		result(t, "representativeness", checks.Fail, score(50), map[string]any{"rows": 2000, "columns": map[string]any{}, "targets": []any{},
			"required": []any{
				map[string]any{"column": "sex", "value": "F", "min_count": 100, "rows": 58, "met": false},
				map[string]any{"column": "sex", "value": "M", "min_count": 100, "rows": 900, "met": true},
			}},
			checks.Finding{Code: "REP006", Severity: checks.Error, Column: "sex", Message: "sex = F has 58 rows, below 100"}),
		result(t, "missing", checks.Fail, score(40), map[string]any{"rows": 2000, "columns": map[string]any{}},
			checks.Finding{Code: "PII001", Severity: checks.Blocker, Column: "email", Message: "column holds e-mail addresses", Rows: checks.Int(1500)},
			checks.Finding{Code: "PII002", Severity: checks.Blocker, Message: "personal data"}),
		result(t, "balance", checks.Pass, score(100), classesMetrics(twoClasses)),
	}
	a, err := Evaluate(cfg, results, Custom, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != Blocked || a.Passed {
		t.Fatalf("verdict %s passed %v", a.Verdict, a.Passed)
	}
	wantCodes := []string{"DUP004", "REP006", "PII001", "PII002"}
	for i, r := range a.Reasons {
		if i >= len(wantCodes) || r.Code != wantCodes[i] || r.Effect != EffectBlocks {
			t.Fatalf("reasons %s", dump(a.Reasons))
		}
	}
	if len(a.Reasons) != len(wantCodes) {
		t.Fatalf("reasons %s", dump(a.Reasons))
	}
	want := []Remedy{
		{Target: Pretrained, Check: "duplicates", Action: "remove the 37 test rows whose features occur in the train split (or split by group)", Amount: score(37), Unit: "rows"},
		// 100 − 58.
		{Target: Pretrained, Check: "representativeness", Action: "collect 42 more rows where sex = F (at least 100 required)", Amount: score(42), Unit: "rows"},
		{Target: Pretrained, Check: "missing", Action: "fix the 1,500 rows behind PII001 in column email: column holds e-mail addresses", Amount: score(1500), Unit: "rows"},
		{Target: Pretrained, Check: "missing", Action: "fix what PII002 reports: personal data"},
	}
	if !reflect.DeepEqual(a.Remediation, want) {
		t.Errorf("remediation\n got %s\nwant %s", dump(a.Remediation), dump(want))
	}
}

func TestRemediationNumericLabel(t *testing.T) {
	data := dataset{balance: numericMetrics("continuous", 40), status: map[string]checks.Status{"balance": checks.NotApplicable}}
	a, err := Evaluate(testConfig(), data.results(t), "", "")
	if err != nil {
		t.Fatal(err)
	}
	// Hybrid needs 100 usable rows: 100 − 40 = 60.
	want := []Remedy{{Target: Hybrid, Check: "balance", Action: "add 60 usable rows", Amount: score(60), Unit: "rows"}}
	if a.Verdict != Pretrained || !reflect.DeepEqual(a.Remediation, want) {
		t.Errorf("verdict %s remediation %s", a.Verdict, dump(a.Remediation))
	}
	r := a.Reasons[0]
	if r.Setting != "readiness.hybrid.min_usable_rows" || deref(r.Value) != 40 || deref(r.Threshold) != 100 {
		t.Errorf("reason %s", dump(r))
	}
}

func TestEvaluateErrors(t *testing.T) {
	ok := []checks.Result{result(t, "missing", checks.Pass, score(100), map[string]any{})}
	badCfg := testConfig()
	badCfg.FailOn = "never"
	for _, tc := range []struct {
		name             string
		cfg              *Config
		results          []checks.Result
		required, failOn string
		want             string
	}{
		{"nil config", nil, ok, "", "", "no configuration"},
		{"invalid config", badCfg, ok, "", "", "readiness.fail_on"},
		{"unknown required", testConfig(), ok, "gold", "", "--require"},
		{"blocked cannot be required", testConfig(), ok, Blocked, "", "--require"},
		{"unknown fail-on", testConfig(), ok, "", "info", "--fail-on"},
		{"unknown status", testConfig(), []checks.Result{result(t, "missing", "ok", score(100), map[string]any{})}, "", "", "unknown status"},
		{"score above 100", testConfig(), []checks.Result{result(t, "missing", checks.Pass, score(100.5), map[string]any{})}, "", "", "outside 0–100"},
		{"score NaN", testConfig(), []checks.Result{result(t, "missing", checks.Pass, score(math.NaN()), map[string]any{})}, "", "", "outside 0–100"},
		{"check twice", testConfig(), append(ok, ok...), "", "", "reported twice"},
		{"unreadable balance metrics", testConfig(), []checks.Result{{Name: "balance", Status: checks.Pass, Score: score(1), Metrics: json.RawMessage(`[1]`)}}, "", "", "read metrics"},
		{"unknown label kind", testConfig(), []checks.Result{result(t, "balance", checks.Pass, score(1), map[string]any{"label_kind": "ordinal"})}, "", "", "label_kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.cfg, tc.results, tc.required, tc.failOn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	if err := testConfig().Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // empty: valid
	}{
		{"require hybrid", func(c *Config) { c.Require = Hybrid }, ""},
		{"require empty", func(c *Config) { c.Require = "" }, "readiness.require"},
		{"require blocked", func(c *Config) { c.Require = Blocked }, "readiness.require"},
		{"fail_on warn", func(c *Config) { c.FailOn = FailOnWarn }, ""},
		{"fail_on other", func(c *Config) { c.FailOn = "warning" }, "readiness.fail_on"},
		{"weight 0", func(c *Config) { c.Weights = map[string]float64{"labels": 0} }, ""},
		{"negative weight", func(c *Config) { c.Weights = map[string]float64{"labels": -1} }, "readiness.weights.labels"},
		{"infinite weight", func(c *Config) { c.Weights = map[string]float64{"labels": math.Inf(1)} }, "readiness.weights.labels"},
		{"unknown check", func(c *Config) { c.Weights = map[string]float64{"label": 1} }, "readiness.weights.label: unknown check"},
		{"min_score above 100", func(c *Config) { c.Custom.MinScore = 100.5 }, "readiness.custom.min_score"},
		{"min_score 100", func(c *Config) { c.Custom.MinScore = 100 }, ""},
		{"negative min_score", func(c *Config) { c.Hybrid.MinScore = -1 }, "readiness.hybrid.min_score"},
		{"negative per class", func(c *Config) { c.Hybrid.MinUsablePerClass = -1 }, "readiness.hybrid.min_usable_per_class"},
		{"negative rows", func(c *Config) { c.Hybrid.MinUsableRows = -1 }, "readiness.hybrid.min_usable_rows"},
		{"negative failed", func(c *Config) { c.Hybrid.MaxFailedChecks = -1 }, "readiness.hybrid.max_failed_checks"},
		{"custom score below hybrid", func(c *Config) { c.Custom.MinScore = 59 }, "readiness.custom.min_score"},
		{"custom equal to hybrid", func(c *Config) { c.Custom = c.Hybrid }, ""},
		{"custom per class below hybrid", func(c *Config) { c.Custom.MinUsablePerClass = 49 }, "readiness.custom.min_usable_per_class"},
		{"custom rows below hybrid", func(c *Config) { c.Custom.MinUsableRows = 99 }, "readiness.custom.min_usable_rows"},
		{"custom allows more failures", func(c *Config) { c.Custom.MaxFailedChecks = 2 }, "readiness.custom.max_failed_checks"},
		{"known blocking code, any case", func(c *Config) { c.BlockingCodes = []string{"DUP004", "rep006"} }, ""},
		{"unknown blocking code", func(c *Config) { c.BlockingCodes = []string{"DUP04"} }, "readiness.blocking_codes[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.edit(c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRank(t *testing.T) {
	got := []int{Rank(Blocked), Rank(Pretrained), Rank(Hybrid), Rank(Custom), Rank("gold")}
	if !reflect.DeepEqual(got, []int{0, 1, 2, 3, -1}) {
		t.Errorf("ranks %v", got)
	}
}

// TestEvaluateDoesNotDependOnMapOrder runs the same evaluation many times:
// classes come from a JSON object, so the output must be sorted.
func TestEvaluateDeterministic(t *testing.T) {
	usable := map[string]int64{}
	for _, c := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		usable[c] = 10
	}
	data := dataset{balance: classesMetrics(usable)}
	var first string
	for i := range 20 {
		a, err := Evaluate(testConfig(), data.results(t), "", "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(a)
		if i == 0 {
			first = string(b)
		} else if string(b) != first {
			t.Fatalf("run %d differs:\n%s\n%s", i, b, first)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1203: "1,203", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %s, want %s", n, got, want)
		}
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func floatPtrEqual(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func TestLevers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		result  checks.Result
		actions []string
		amounts []float64 // NaN: no amount
	}{
		{"labels conflicts and variants",
			result(t, "labels", checks.Warn, score(90), map[string]any{"conflicting_rows": 12, "variant_rows": 1500}),
			[]string{"relabel or remove 12 rows in conflicting-label groups",
				"rewrite 1,500 rows of minority label spellings to their class's main spelling"},
			[]float64{12, 1500}},
		{"staleness stale and future rows",
			result(t, "staleness", checks.Warn, score(90), map[string]any{"stale_rows": 3, "stale_before": "2024-11-30T00:00:00Z", "future_rows": 2}),
			[]string{"collect data newer than 2024-11 (3 rows are older than the policy's maximum age)",
				"fix the times of 2 rows dated after the audit instant (clock, time zone or format)"},
			[]float64{3, 2}},
		{"staleness: nothing stale without stale_before",
			result(t, "staleness", checks.Warn, score(90), map[string]any{"stale_rows": 0, "future_rows": 0}),
			nil, nil},
		{"duplicates leakage first",
			result(t, "duplicates", checks.Fail, score(50), map[string]any{"exact_duplicate_rows": 1, "cross_split_rows": 1203}),
			[]string{"remove the 1,203 test rows whose features occur in the train split (or split by group)",
				"remove 1 exact duplicate rows (keep one copy of each)"},
			[]float64{1203, 1}},
		{"balance classes below the check's minimum",
			result(t, "balance", checks.Fail, score(50), map[string]any{"label_kind": "classes", "min_class_rows": 50,
				"classes":           map[string]any{"a": map[string]any{"count": 900, "usable": 900}, "b": map[string]any{"count": 45, "usable": 40}, "c": map[string]any{"count": 49, "usable": 49}},
				"classes_below_min": []any{map[string]any{"class": "c", "usable": 49, "shortfall": 1}, map[string]any{"class": "b", "usable": 40, "shortfall": 10}}},
				checks.Finding{Code: "BAL005", Severity: checks.Error, Threshold: score(20), Message: "ratio 20"},
				checks.Finding{Code: "BAL006", Severity: checks.Warning, Threshold: score(5), Message: "ratio 5"}),
			// The larger (failing) ratio 20: ceil(900 / 20) = 45; b has
			// 45 (none needed), c... has 49: none needed either.
			[]string{"add 10 usable examples of class b (checks.balance.min_class_rows 50)",
				"add 1 usable example of class c (checks.balance.min_class_rows 50)"},
			[]float64{10, 1}},
		{"representativeness, capped at 5",
			result(t, "representativeness", checks.Fail, score(40), map[string]any{
				"rows": 1000,
				"columns": map[string]any{
					"country": map[string]any{"rows": 1000, "nulls": 0, "missing_categories": []string{"IE", "PT"},
						"under_represented": []any{map[string]any{"value": "FR", "train_share": 0.05, "reference_share": 0.2}}},
				},
				"targets":  []any{map[string]any{"column": "sex", "value": "F", "target_share": 0.5, "tolerance": 0.05, "train_share": 0.3, "rows": 300, "met": false}},
				"required": []any{map[string]any{"column": "age_band", "value": "65+", "min_count": 30, "rows": 12, "met": false}},
				"slices":   map[string]any{"attributes": []string{"sex", "country"}, "min_rows": 30, "under_covered_count": 7},
			}),
			[]string{
				// 30 − 12.
				"collect 18 more rows where age_band = 65+ (at least 30 required)",
				"collect rows where country = IE (in the reference, none in training)",
				"collect rows where country = PT (in the reference, none in training)",
				// 1000 · (0.2 − 0.05) / 0.8 = 187.5 → 188.
				"collect 188 more rows where country = FR (train share 5.0% vs reference 20.0%)",
				"re-sample or collect so that sex = F makes up 50.0% ± 5.0% of the rows (now 30.0%)",
				// The slices lever is the sixth: cut.
			},
			[]float64{18, math.NaN(), math.NaN(), 188, math.NaN()}},
		{"unknown check has no lever", result(t, "pii", checks.Fail, score(0), map[string]any{"x": 1}), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var actions []string
			var amounts []float64
			for _, l := range leversOf(tc.result, nil) {
				actions = append(actions, l.action)
				amounts = append(amounts, deref(l.amount))
			}
			if !reflect.DeepEqual(actions, tc.actions) {
				t.Errorf("actions\n got %s\nwant %s", dump(actions), dump(tc.actions))
			}
			if len(amounts) != len(tc.amounts) {
				t.Fatalf("amounts %v, want %v", amounts, tc.amounts)
			}
			for i := range amounts {
				if !same(amounts[i], tc.amounts[i]) {
					t.Errorf("amount %d = %v, want %v", i, amounts[i], tc.amounts[i])
				}
			}
		})
	}
}
