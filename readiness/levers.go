package readiness

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/readiness/readiness/checks"
)

// maxLeversPerCheck caps the levers one check contributes, the biggest
// first, so that a report names the changes that matter rather than every
// column and category.
const maxLeversPerCheck = 5

// A lever is one change, in numbers, that a check's metrics show would
// raise its score or clear its findings.
type lever struct {
	check  string
	action string
	amount *float64
	unit   string
	// codes are the finding codes the change clears; column narrows them
	// to one column's findings.
	codes  []string
	column string
}

func (l lever) remedy(target string) Remedy {
	return Remedy{Target: target, Check: l.check, Action: l.action, Amount: copyFloat(l.amount), Unit: l.unit}
}

// fixes tells whether the lever clears finding f.
func (l lever) fixes(f checks.Finding) bool {
	if l.column != "" && f.Column != "" && l.column != f.Column {
		return false
	}
	for _, c := range l.codes {
		if c == f.Code {
			return true
		}
	}
	return false
}

func rows(n int64) *float64 { return checks.Float(float64(n)) }

// leversOf returns the levers of one check result, biggest first, at most
// maxLeversPerCheck. Classes in skip already have a remedy of their own.
// Metrics that cannot be read give no lever: Evaluate has already read the
// one it depends on (balance).
func leversOf(r checks.Result, skip map[string]bool) []lever {
	var out []lever
	switch r.Name {
	case "duplicates":
		out = duplicatesLevers(r)
	case "labels":
		out = labelsLevers(r)
	case "staleness":
		out = stalenessLevers(r)
	case "missing":
		out = missingLevers(r)
	case "balance":
		out = balanceLevers(r, skip)
	case "representativeness":
		out = representativenessLevers(r)
	}
	if len(out) > maxLeversPerCheck {
		out = out[:maxLeversPerCheck]
	}
	return out
}

func duplicatesLevers(r checks.Result) []lever {
	var m struct {
		ExactDuplicateRows int64  `json:"exact_duplicate_rows"`
		CrossSplitRows     *int64 `json:"cross_split_rows"`
	}
	if decode(r, &m) != nil {
		return nil
	}
	var out []lever
	if m.CrossSplitRows != nil && *m.CrossSplitRows > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"DUP004"}, unit: "rows", amount: rows(*m.CrossSplitRows),
			action: fmt.Sprintf("remove the %s test rows whose features occur in the train split (or split by group)", count(*m.CrossSplitRows))})
	}
	if m.ExactDuplicateRows > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"DUP001", "DUP002"}, unit: "rows", amount: rows(m.ExactDuplicateRows),
			action: fmt.Sprintf("remove %s exact duplicate rows (keep one copy of each)", count(m.ExactDuplicateRows))})
	}
	return out
}

func labelsLevers(r checks.Result) []lever {
	var m struct {
		ConflictingRows int64 `json:"conflicting_rows"`
		VariantRows     int64 `json:"variant_rows"`
	}
	if decode(r, &m) != nil {
		return nil
	}
	var out []lever
	if m.ConflictingRows > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"LAB001", "LAB002", "LAB012"}, unit: "rows", amount: rows(m.ConflictingRows),
			action: fmt.Sprintf("relabel or remove %s rows in conflicting-label groups", count(m.ConflictingRows))})
	}
	if m.VariantRows > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"LAB003"}, unit: "rows", amount: rows(m.VariantRows),
			action: fmt.Sprintf("rewrite %s rows of minority label spellings to their class's main spelling", count(m.VariantRows))})
	}
	return out
}

func stalenessLevers(r checks.Result) []lever {
	var m struct {
		StaleRows   int64  `json:"stale_rows"`
		StaleBefore string `json:"stale_before"`
		FutureRows  int64  `json:"future_rows"`
	}
	if decode(r, &m) != nil {
		return nil
	}
	var out []lever
	if m.StaleRows > 0 && len(m.StaleBefore) >= 7 {
		out = append(out, lever{check: r.Name, codes: []string{"STA004", "STA005", "STA006"}, unit: "rows", amount: rows(m.StaleRows),
			action: fmt.Sprintf("collect data newer than %s (%s rows are older than the policy's maximum age)", m.StaleBefore[:7], count(m.StaleRows))})
	}
	if m.FutureRows > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"STA007"}, unit: "rows", amount: rows(m.FutureRows),
			action: fmt.Sprintf("fix the times of %s rows dated after the audit instant (clock, time zone or format)", count(m.FutureRows))})
	}
	return out
}

// missingLevers names the columns the missing check flagged (MIS001,
// MIS002: missing_rate above the fail or warning rate), highest rate first.
func missingLevers(r checks.Result) []lever {
	var m struct {
		Columns map[string]struct {
			Missing     int64   `json:"missing"`
			MissingRate float64 `json:"missing_rate"`
		} `json:"columns"`
	}
	if decode(r, &m) != nil {
		return nil
	}
	flagged := map[string]bool{}
	var cols []string
	for _, f := range r.Findings {
		if (f.Code == "MIS001" || f.Code == "MIS002") && f.Column != "" && !flagged[f.Column] {
			if _, ok := m.Columns[f.Column]; ok {
				flagged[f.Column] = true
				cols = append(cols, f.Column)
			}
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		a, b := m.Columns[cols[i]], m.Columns[cols[j]]
		if a.MissingRate != b.MissingRate {
			return a.MissingRate > b.MissingRate
		}
		return cols[i] < cols[j]
	})
	var out []lever
	for _, c := range cols {
		col := m.Columns[c]
		out = append(out, lever{check: r.Name, codes: []string{"MIS001", "MIS002"}, column: c, unit: "rows", amount: rows(col.Missing),
			action: fmt.Sprintf("fill or drop column %s (%s missing, %s rows)", c, pct(col.MissingRate), count(col.Missing))})
	}
	return out
}

// balanceLevers: classes below the balance check's own minimum, and the
// examples that would bring each small class within the imbalance ratio
// the policy warns or fails above.
func balanceLevers(r checks.Result, skip map[string]bool) []lever {
	var m balanceMetrics
	if decode(r, &m) != nil {
		return nil
	}
	var out []lever
	below := m.ClassesBelowMin
	sort.SliceStable(below, func(i, j int) bool {
		if below[i].Shortfall != below[j].Shortfall {
			return below[i].Shortfall > below[j].Shortfall
		}
		return below[i].Class < below[j].Class
	})
	for _, b := range below {
		if skip[b.Class] || b.Shortfall <= 0 {
			continue
		}
		out = append(out, lever{check: r.Name, codes: []string{"BAL004"}, unit: "examples", amount: rows(b.Shortfall),
			action: fmt.Sprintf("add %s of class %s (checks.balance.min_class_rows %s)", plural(b.Shortfall, "usable example"), b.Class, count(m.MinClassRows))})
	}
	// The ratio the check compared with, from its imbalance finding.
	var ratio float64
	var code string
	for _, f := range r.Findings {
		if (f.Code == "BAL005" || f.Code == "BAL006") && f.Threshold != nil && *f.Threshold > 0 {
			if ratio == 0 || *f.Threshold > ratio {
				ratio, code = *f.Threshold, f.Code
			}
		}
	}
	if ratio > 0 && len(m.Classes) > 1 {
		var largest int64
		for _, c := range m.Classes {
			largest = max(largest, c.Count)
		}
		// The smallest count within the ratio: largest / count ≤ ratio.
		need := int64(math.Ceil(float64(largest) / ratio))
		type add struct {
			class string
			n     int64
		}
		var adds []add
		for name, c := range m.Classes {
			if c.Count < need {
				adds = append(adds, add{name, need - c.Count})
			}
		}
		sort.Slice(adds, func(i, j int) bool {
			if adds[i].n != adds[j].n {
				return adds[i].n > adds[j].n
			}
			return adds[i].class < adds[j].class
		})
		for _, a := range adds {
			out = append(out, lever{check: r.Name, codes: []string{code}, unit: "examples", amount: rows(a.n),
				action: fmt.Sprintf("add %s of class %s to bring the largest-to-smallest class ratio to %s", plural(a.n, "example"), a.class, num(ratio))})
		}
	}
	return out
}

func representativenessLevers(r checks.Result) []lever {
	var m struct {
		Columns map[string]struct {
			Rows              int64    `json:"rows"`
			Nulls             int64    `json:"nulls"`
			MissingCategories []string `json:"missing_categories"`
			UnderRepresented  []struct {
				Value          string  `json:"value"`
				TrainShare     float64 `json:"train_share"`
				ReferenceShare float64 `json:"reference_share"`
			} `json:"under_represented"`
		} `json:"columns"`
		Targets []struct {
			Column      string  `json:"column"`
			Value       string  `json:"value"`
			TargetShare float64 `json:"target_share"`
			Tolerance   float64 `json:"tolerance"`
			TrainShare  float64 `json:"train_share"`
			Met         bool    `json:"met"`
		} `json:"targets"`
		Required []struct {
			Column   string `json:"column"`
			Value    string `json:"value"`
			MinCount int64  `json:"min_count"`
			Rows     int64  `json:"rows"`
			Met      bool   `json:"met"`
		} `json:"required"`
		Slices *struct {
			Attributes        []string `json:"attributes"`
			MinRows           int64    `json:"min_rows"`
			UnderCoveredCount int64    `json:"under_covered_count"`
		} `json:"slices"`
	}
	if decode(r, &m) != nil {
		return nil
	}
	var out []lever
	for _, q := range m.Required {
		if q.Met || q.Rows >= q.MinCount {
			continue
		}
		n := q.MinCount - q.Rows
		out = append(out, lever{check: r.Name, codes: []string{"REP006"}, column: q.Column, unit: "rows", amount: rows(n),
			action: fmt.Sprintf("collect %s more rows where %s = %s (at least %s required)", count(n), q.Column, q.Value, count(q.MinCount))})
	}
	cols := make([]string, 0, len(m.Columns))
	for c := range m.Columns {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		for _, v := range m.Columns[c].MissingCategories {
			out = append(out, lever{check: r.Name, codes: []string{"REP003"}, column: c,
				action: fmt.Sprintf("collect rows where %s = %s (in the reference, none in training)", c, v)})
		}
	}
	// Under-represented categories, the largest gap first. Adding x rows
	// of a value with share a among n non-null rows gives it share
	// (a·n + x)/(n + x); it reaches the reference share b at
	// x = n·(b − a)/(1 − b).
	type under struct {
		column, value string
		a, b          float64
		n             int64
	}
	var unders []under
	for _, c := range cols {
		col := m.Columns[c]
		for _, u := range col.UnderRepresented {
			unders = append(unders, under{c, u.Value, u.TrainShare, u.ReferenceShare, col.Rows - col.Nulls})
		}
	}
	sort.Slice(unders, func(i, j int) bool {
		gi, gj := unders[i].b-unders[i].a, unders[j].b-unders[j].a
		if gi != gj {
			return gi > gj
		}
		if unders[i].column != unders[j].column {
			return unders[i].column < unders[j].column
		}
		return unders[i].value < unders[j].value
	})
	for _, u := range unders {
		l := lever{check: r.Name, codes: []string{"REP004"}, column: u.column,
			action: fmt.Sprintf("collect more rows where %s = %s (train share %s vs reference %s)", u.column, u.value, pct(u.a), pct(u.b))}
		if u.b < 1 && u.n > 0 {
			x := int64(math.Ceil(float64(u.n) * (u.b - u.a) / (1 - u.b)))
			if x > 0 {
				l.amount, l.unit = rows(x), "rows"
				l.action = fmt.Sprintf("collect %s more rows where %s = %s (train share %s vs reference %s)", count(x), u.column, u.value, pct(u.a), pct(u.b))
			}
		}
		out = append(out, l)
	}
	for _, t := range m.Targets {
		if t.Met {
			continue
		}
		out = append(out, lever{check: r.Name, codes: []string{"REP005"}, column: t.Column,
			action: fmt.Sprintf("re-sample or collect so that %s = %s makes up %s ± %s of the rows (now %s)",
				t.Column, t.Value, pct(t.TargetShare), pct(t.Tolerance), pct(t.TrainShare))})
	}
	if m.Slices != nil && m.Slices.UnderCoveredCount > 0 {
		out = append(out, lever{check: r.Name, codes: []string{"REP007"}, unit: "slices", amount: rows(m.Slices.UnderCoveredCount),
			action: fmt.Sprintf("collect rows for the %s slices of %s with fewer than %s rows",
				count(m.Slices.UnderCoveredCount), strings.Join(m.Slices.Attributes, " × "), count(m.Slices.MinRows))})
	}
	return out
}
