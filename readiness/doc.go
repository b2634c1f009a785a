// Package readiness turns what the checks measured into the decision the
// tool exists for: a score from 0 to 100 and a verdict — custom, hybrid,
// pretrained or blocked — with the findings that decided it and the
// changes, in numbers, that would move it one step up.
//
// It sits after the checks in the flow (results → readiness → report) and
// stands alone at the top level because it is neither a check nor a
// rendering: it reads only check results (their status, score, metrics and
// findings) and the policy's readiness section, so `readiness render` and a
// reviewer can recompute it from report.json alone. It imports the check
// registry only to validate a policy: weights must name known checks and
// blocking_codes known finding codes, so a typo never silently weighs or
// blocks nothing.
//
// [Evaluate] applies these rules (the same text is [Doc], printed by
// `readiness explain readiness`):
//
// Score. The weighted mean of the scores of the applicable checks: those
// whose status is not not_applicable and whose score is not null. A check's
// weight is readiness.weights.<check> (1 when not listed; 0 leaves it out).
// score = Σ wᵢ·sᵢ / Σ wᵢ over the applicable checks with wᵢ > 0, rounded to
// 2 decimals; every comparison uses the rounded value. Each check's
// contribution is wᵢ·sᵢ / Σ wᵢ (0 when not applicable), rounded to 2
// decimals, so the contributions add up to the score within rounding. A
// not_applicable check is listed under not_applicable and never counts as
// 100. With no applicable check (or all weights 0) the score is null, the
// verdict is pretrained and the gate never passes.
//
// Blocked. Any finding of severity blocker, or any finding whose code is in
// readiness.blocking_codes (compared ignoring case), whatever the check's
// status, makes the verdict blocked.
//
// Custom, then hybrid. The verdict is the higher of the two levels whose
// conditions all hold, else pretrained. For level L (readiness.custom or
// readiness.hybrid):
//
//	score ≥ L.min_score
//	checks with status fail ≤ L.max_failed_checks (weights do not matter)
//	usable examples, from the balance check's metrics:
//	  label_kind "classes": at least one class, and every class's
//	    classes.<class>.usable ≥ L.min_usable_per_class
//	  label_kind "continuous" or "too_many_values" (a regression target,
//	    free text, or an integer with too many values to be classes):
//	    usable_rows ≥ L.min_usable_rows
//	  no balance result, or label_kind "" (no label column): custom and
//	    hybrid are ruled out — there is nothing to train or fine-tune on.
//
// A policy's custom level is never looser than its hybrid level (checked
// when the policy is loaded).
//
// Gate. passed = rank(verdict) ≥ rank(required) and not (fail_on = warn and
// some check has status warn or fail), with the ranks blocked 0, pretrained
// 1, hybrid 2, custom 3. A run in which no check ran, or none was
// applicable, never passes. --require and --fail-on override
// readiness.require and readiness.fail_on.
//
// Reasons, most decisive first: every blocking finding (effect blocks);
// then the conditions of the level just above the verdict that failed
// (rules_out_hybrid for pretrained, rules_out_custom for hybrid): no label,
// the score below min_score (followed by the checks that cost the score
// most, lowers_score), each class below min_usable_per_class (fewest usable
// first) or usable_rows below min_usable_rows, and too many failed checks
// (followed by those checks' error findings); then, with fail_on warn, the
// warning and error findings of the checks that warned or failed
// (fails_gate). Reasons reuse the findings' messages, values, thresholds and
// settings.
//
// Remediation: what would move the verdict one step up. blocked →
// pretrained: fix each blocking finding. pretrained → hybrid and hybrid →
// custom: add min − usable usable examples of each short class (or usable
// rows); when too many checks failed, the fixes of the failed checks; when
// the score is short, the biggest levers of the checks that warned or
// failed, the check costing the most points first. See [Doc] for the levers.
package readiness

// Doc is the precise statement of the readiness rules, printed by
// `readiness explain readiness`.
const Doc = `The readiness assessment turns the checks' results into a score, a verdict
(custom, hybrid, pretrained or blocked), the reasons for it and the changes
that would move it one step up. It reads only the results in report.json and
the policy's readiness section, so a reviewer can recompute it.

Score (0-100)
  The applicable checks are those whose status is not not_applicable and
  whose score is not null. w_i = readiness.weights.<check> (1 when not
  listed; 0 leaves the check out).
    score = sum(w_i * s_i) / sum(w_i) over the applicable checks,
  rounded to 2 decimals; every comparison uses the rounded score. Each
  check's contribution is w_i * s_i / sum(w_i) (0 when not applicable),
  rounded to 2 decimals: the contributions add up to the score within
  rounding. A not_applicable check is listed under not_applicable and never
  counts as 100. With no applicable check (or every weight 0) the score is
  null, the verdict is pretrained and the gate does not pass.

Verdict, first rule that applies
  blocked     a finding of severity blocker, or a finding whose code is in
              readiness.blocking_codes (ignoring case), in any check
  pretrained  no score (above)
  custom      every readiness.custom condition holds
  hybrid      every readiness.hybrid condition holds
  pretrained  otherwise
Conditions of a level L (readiness.custom, readiness.hybrid):
  score >= L.min_score
  checks with status fail <= L.max_failed_checks (any check, any weight)
  usable examples, from the balance check's metrics:
    label_kind classes: at least two classes, and every class's
      classes.<class>.usable >= L.min_usable_per_class
    label_kind continuous or too_many_values (a regression target, free
      text, or an integer label with too many values to be classes):
      usable_rows >= L.min_usable_rows
    no balance result, or label_kind "" (no label column): not met, so
      custom and hybrid are ruled out; there is nothing to train or
      fine-tune on.
  Usable means labelled, not in a conflicting-label group, not stale and
  the first copy of its row (see 'readiness explain balance').
  custom is never looser than hybrid: min_score, min_usable_per_class and
  min_usable_rows at least hybrid's, max_failed_checks at most hybrid's.

Gate
  passed = rank(verdict) >= rank(required)
           and not (fail_on = warn and some check has status warn or fail)
  ranks: blocked 0, pretrained 1, hybrid 2, custom 3. required is --require
  or readiness.require (custom, hybrid or pretrained); fail_on is --fail-on
  or readiness.fail_on (error or warn). A run in which no check ran, or none
  was applicable, never passes. Exit code 0 when passed, 1 when not.

Reasons, most decisive first
  1. blocks: every blocking finding, in check order.
  2. rules_out_hybrid (verdict pretrained) or rules_out_custom (verdict
     hybrid): each condition of the level just above the verdict that does
     not hold - no label or fewer than two classes; the score below
     min_score (setting readiness.<level>.min_score), followed by the checks
     that cost the score points (lowers_score: weight * (100 - score) /
     sum of weights, most first); each class below min_usable_per_class,
     fewest usable first, or usable_rows below min_usable_rows; more failed
     checks than max_failed_checks, followed by those checks' error
     findings.
  3. fails_gate (fail_on warn only): the warning and error findings of the
     checks that warned or failed, not already listed.
  Reasons reuse the findings' messages, values, thresholds and settings.

Remediation: what would move the verdict one step up
  blocked -> pretrained: fix each blocking finding, with its numbers (e.g.
    DUP004: remove the cross_split_rows test rows whose features occur in
    the train split).
  pretrained -> hybrid, hybrid -> custom: add (minimum - usable) usable
    examples of each short class, or usable rows; when too many checks
    failed, the failed checks' levers; when the score is short, the levers
    of the checks that warned or failed, the check costing the most points
    first. At most 5 levers per check, biggest first:
      duplicates  remove cross_split_rows leaking test rows; remove
                  exact_duplicate_rows duplicate rows
      labels      relabel or remove conflicting_rows rows; rewrite
                  variant_rows minority spellings
      staleness   collect data newer than the month of stale_before
                  (stale_rows rows are older); fix future_rows times
      missing     fill or drop each column flagged MIS001/MIS002, highest
                  missing_rate first
      balance     add shortfall usable examples of each class below
                  checks.balance.min_class_rows; add ceil(largest / ratio) -
                  count examples of each class below the imbalance ratio
                  the check warned or failed at
      representativeness  collect min_count - rows rows of each required
                  value; collect rows of missing categories; collect
                  n*(b - a)/(1 - b) rows of each under-represented value
                  (n non-null rows, train share a, reference share b);
                  re-sample values off their target share; cover the
                  slices with too few rows
  The verdict custom has no remediation.
`
