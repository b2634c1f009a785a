package readiness

// The verdicts, from worst to best. See DESIGN.md: custom = enough clean,
// consistent, current, representative labelled data to train a model for
// the task; hybrid = fine-tune or adapt a pre-trained model; pretrained =
// use a pre-trained model as is, with human review, and fix the data;
// blocked = the data must not be used for training until a blocker is
// fixed.
const (
	Blocked    = "blocked"
	Pretrained = "pretrained"
	Hybrid     = "hybrid"
	Custom     = "custom"
)

// Verdicts lists the verdicts from worst to best.
var Verdicts = []string{Blocked, Pretrained, Hybrid, Custom}

// Rank orders verdicts: blocked 0, pretrained 1, hybrid 2, custom 3; -1 for
// an unknown name.
func Rank(verdict string) int {
	for i, v := range Verdicts {
		if v == verdict {
			return i
		}
	}
	return -1
}

// Config is the policy's top-level `readiness` section.
type Config struct {
	// Require is the verdict the CI gate requires by default (--require
	// overrides it): the run exits 1 when the verdict ranks below it.
	Require string `yaml:"require"`
	// FailOn is "error" (default: only the verdict decides) or "warn":
	// then any check with status warn or fail also fails the gate
	// (--fail-on overrides it).
	FailOn string `yaml:"fail_on"`
	// Weights weighs each check's score in the readiness score; a check
	// not listed weighs 1; 0 leaves it out of the score.
	Weights map[string]float64 `yaml:"weights"`
	// Custom and Hybrid are the minimums for those verdicts.
	Custom Level `yaml:"custom"`
	Hybrid Level `yaml:"hybrid"`
	// BlockingCodes are finding codes that block training whatever their
	// severity (e.g. DUP004, train/test leakage, under a regulated
	// policy). Findings of severity blocker always block.
	BlockingCodes []string `yaml:"blocking_codes"`
}

// Level is what one verdict requires.
type Level struct {
	// MinScore is the lowest readiness score allowed.
	MinScore float64 `yaml:"min_score"`
	// MinUsablePerClass is the fewest usable examples (balance check:
	// labelled, not conflicting, not stale, not a repeat) every class
	// needs; for a numeric (regression) label, MinUsableRows applies to
	// all usable rows instead.
	MinUsablePerClass int64 `yaml:"min_usable_per_class"`
	MinUsableRows     int64 `yaml:"min_usable_rows"`
	// MaxFailedChecks is how many checks may have status fail (0: none).
	MaxFailedChecks int `yaml:"max_failed_checks"`
}

// Assessment is report.json's `readiness` block.
type Assessment struct {
	// Score is the weighted mean of the applicable checks' scores, 0–100;
	// nil when no check was applicable (then the verdict is pretrained and
	// never a pass).
	Score *float64 `json:"score"`
	// Verdict is one of custom, hybrid, pretrained, blocked.
	Verdict string `json:"verdict"`
	// Required is the verdict the gate required, FailOn the gate's mode
	// ("error" or "warn"), and Passed whether the gate passed: the verdict
	// ranks at or above Required and, with FailOn "warn", no check warned
	// or failed.
	Required string `json:"required"`
	FailOn   string `json:"fail_on"`
	Passed   bool   `json:"passed"`
	// Reasons are the findings and conditions that decided the verdict,
	// most decisive first.
	Reasons []Reason `json:"reasons"`
	// Remediation says what would move the verdict one step up, in
	// numbers; empty when the verdict is custom.
	Remediation []Remedy `json:"remediation"`
	// Weights shows, per check, its weight, status, score and what it
	// contributed to the readiness score.
	Weights []Weight `json:"weights"`
	// NotApplicable lists the checks excluded from the score because they
	// could not be evaluated.
	NotApplicable []string `json:"not_applicable"`
}

// Reason is one thing that decided the verdict.
type Reason struct {
	// Effect is what it did: "blocks" (verdict blocked), "rules_out_custom"
	// or "rules_out_hybrid" (capped the verdict below that level),
	// "fails_gate" (--fail-on warn), or "lowers_score".
	Effect string `json:"effect"`
	// Check and Code name the finding or condition; Code is empty for a
	// condition that is not a finding (e.g. the score below a minimum,
	// code-less conditions name their policy Setting).
	Check     string   `json:"check,omitempty"`
	Code      string   `json:"code,omitempty"`
	Severity  string   `json:"severity,omitempty"`
	Message   string   `json:"message"`
	Column    string   `json:"column,omitempty"`
	Value     *float64 `json:"value,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Setting   string   `json:"setting,omitempty"`
}

// Remedy is one change that would move the verdict up, in numbers.
type Remedy struct {
	// Target is the verdict the change works towards.
	Target string `json:"target"`
	// Check is the check whose measurement it would change.
	Check string `json:"check"`
	// Action is the change in words, with its numbers, e.g. "add 412
	// usable examples of class refund".
	Action string `json:"action"`
	// Amount and Unit are the number in Action (e.g. 412 "examples");
	// Amount is absent when the change is not a count.
	Amount *float64 `json:"amount,omitempty"`
	Unit   string   `json:"unit,omitempty"`
}

// Weight is one check's part in the score.
type Weight struct {
	Check  string   `json:"check"`
	Weight float64  `json:"weight"`
	Status string   `json:"status"`
	Score  *float64 `json:"score"`
	// Contribution is the points this check adds to the readiness score:
	// weight × score / total weight of the applicable checks (0 when not
	// applicable).
	Contribution float64 `json:"contribution"`
	Applicable   bool    `json:"applicable"`
}
