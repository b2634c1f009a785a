package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// duckStats is what the DuckDB child prints: the statistics of issue 6,
// computed in SQL.
type duckStats struct {
	Rows int64 `json:"rows"`
	// Columns in file order, and the feature columns (every column but
	// id, ts, label and annotator).
	Columns  []string `json:"columns"`
	Features []string `json:"features"`
	// Nulls and Distinct per column (distinct non-null values, exact).
	Nulls    map[string]int64 `json:"nulls"`
	Distinct map[string]int64 `json:"distinct"`
	// Whole-row duplicates: rows − distinct rows, and the distinct rows
	// that occur more than once.
	ExactDuplicateRows int64 `json:"exact_duplicate_rows"`
	DuplicateGroups    int64 `json:"duplicate_groups"`
	// Feature vectors: rows − distinct vectors, vectors occurring more
	// than once, and those carrying two or more distinct non-null labels
	// (with all their rows, null labels included).
	DuplicateFeatureRows   int64 `json:"duplicate_feature_rows"`
	DuplicateFeatureGroups int64 `json:"duplicate_feature_groups"`
	ConflictingGroups      int64 `json:"conflicting_groups"`
	ConflictingRows        int64 `json:"conflicting_rows"`
	// Labels: rows per non-null label.
	Labels map[string]int64 `json:"labels"`
	// Quantiles (0, 5, 25, 50, 75, 95, 100 %) of ts (quantile_disc) and
	// amount (quantile_cont), as DuckDB prints them.
	TSQuantiles     string  `json:"ts_quantiles"`
	AmountQuantiles string  `json:"amount_quantiles"`
	Seconds         float64 `json:"seconds"`
	// QuerySeconds is the time of each query, by name.
	QuerySeconds map[string]float64 `json:"query_seconds"`
}

// auditReport is what benchrun reads from report.json.
type auditReport struct {
	rows                   int64
	exactDuplicateRows     int64
	duplicateGroups        int64
	duplicateFeatureRows   int64
	duplicateFeatureGroups int64
	featureColumns         []string
	conflictingGroups      int64
	conflictingRows        int64
	classes                map[string]int64
	nulls                  map[string]int64
}

func parseReport(data []byte) (*auditReport, error) {
	var raw struct {
		Checks []struct {
			Name    string          `json:"name"`
			Status  string          `json:"status"`
			Metrics json.RawMessage `json:"metrics"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	r := &auditReport{}
	seen := map[string]bool{}
	for _, c := range raw.Checks {
		var err error
		switch c.Name {
		case "duplicates":
			var m struct {
				Rows                   int64    `json:"rows"`
				ExactDuplicateRows     int64    `json:"exact_duplicate_rows"`
				DuplicateGroups        int64    `json:"duplicate_groups"`
				DuplicateFeatureRows   int64    `json:"duplicate_feature_rows"`
				DuplicateFeatureGroups int64    `json:"duplicate_feature_groups"`
				FeatureColumns         []string `json:"feature_columns"`
			}
			err = json.Unmarshal(c.Metrics, &m)
			r.rows, r.exactDuplicateRows, r.duplicateGroups = m.Rows, m.ExactDuplicateRows, m.DuplicateGroups
			r.duplicateFeatureRows, r.duplicateFeatureGroups, r.featureColumns = m.DuplicateFeatureRows, m.DuplicateFeatureGroups, m.FeatureColumns
		case "labels":
			var m struct {
				ConflictingGroups int64            `json:"conflicting_groups"`
				ConflictingRows   int64            `json:"conflicting_rows"`
				Classes           map[string]int64 `json:"classes"`
			}
			err = json.Unmarshal(c.Metrics, &m)
			r.conflictingGroups, r.conflictingRows, r.classes = m.ConflictingGroups, m.ConflictingRows, m.Classes
		case "missing":
			var m struct {
				Columns map[string]struct {
					Nulls int64 `json:"nulls"`
				} `json:"columns"`
			}
			err = json.Unmarshal(c.Metrics, &m)
			r.nulls = map[string]int64{}
			for k, v := range m.Columns {
				r.nulls[k] = v.Nulls
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("check %s metrics: %w", c.Name, err)
		}
		seen[c.Name] = true
	}
	for _, need := range []string{"duplicates", "labels", "missing"} {
		if !seen[need] {
			return nil, fmt.Errorf("no %s check in the report", need)
		}
	}
	return r, nil
}

// comparison is DuckDB's counts against the audit's, one line each.
type comparison struct {
	Agree  bool       `json:"agree"`
	Lines  []cmpLine  `json:"lines"`
	DuckDB *duckStats `json:"duckdb"`
}

type cmpLine struct {
	What   string `json:"what"`
	Audit  string `json:"audit"`
	DuckDB string `json:"duckdb"`
	Agree  bool   `json:"agree"`
}

func compare(d *duckStats, a *auditReport) *comparison {
	c := &comparison{Agree: true, DuckDB: d}
	add := func(what string, audit, duck any) {
		as, ds := fmt.Sprint(audit), fmt.Sprint(duck)
		ok := as == ds
		c.Lines = append(c.Lines, cmpLine{What: what, Audit: as, DuckDB: ds, Agree: ok})
		c.Agree = c.Agree && ok
	}
	add("rows", a.rows, d.Rows)
	add("feature columns", strings.Join(a.featureColumns, ","), strings.Join(d.Features, ","))
	add("exact_duplicate_rows", a.exactDuplicateRows, d.ExactDuplicateRows)
	add("duplicate_groups", a.duplicateGroups, d.DuplicateGroups)
	add("duplicate_feature_rows", a.duplicateFeatureRows, d.DuplicateFeatureRows)
	add("duplicate_feature_groups", a.duplicateFeatureGroups, d.DuplicateFeatureGroups)
	add("conflicting_groups", a.conflictingGroups, d.ConflictingGroups)
	add("conflicting_rows", a.conflictingRows, d.ConflictingRows)
	add("classes (count)", len(a.classes), len(d.Labels))
	for _, k := range unionKeys(a.classes, d.Labels) {
		add("class "+k, lookup(a.classes, k), lookup(d.Labels, k))
	}
	for _, col := range d.Columns {
		add("nulls "+col, lookup(a.nulls, col), lookup(d.Nulls, col))
	}
	for _, col := range sortedKeys(a.nulls) {
		if _, ok := d.Nulls[col]; !ok {
			add("nulls "+col, a.nulls[col], "absent")
		}
	}
	return c
}

func lookup(m map[string]int64, k string) string {
	if v, ok := m[k]; ok {
		return fmt.Sprint(v)
	}
	return "absent"
}

func unionKeys(a, b map[string]int64) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]int64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func printComparison(c *comparison, _ bool, d *duckStats) {
	agree := 0
	for _, l := range c.Lines {
		if l.Agree {
			agree++
		}
	}
	if len(c.Lines) == 0 {
		fmt.Printf("\n   no audit, so DuckDB's counts are not compared\n")
	} else {
		fmt.Printf("\n   DuckDB vs report.json: %d of %d counts agree\n", agree, len(c.Lines))
	}
	if len(c.Lines) > 0 {
		fmt.Printf("   %-34s %14s %14s\n", "", "audit", "duckdb")
	}
	for _, l := range c.Lines {
		mark := ""
		if !l.Agree {
			mark = "  <-- DISAGREE"
		}
		if l.What == "feature columns" {
			fmt.Printf("   %-34s %s%s\n", l.What, l.DuckDB, mark)
			if !l.Agree {
				fmt.Printf("   %-34s %s (audit)\n", "", l.Audit)
			}
			continue
		}
		fmt.Printf("   %-34s %14s %14s%s\n", l.What, l.Audit, l.DuckDB, mark)
	}
	if d != nil {
		fmt.Printf("   DuckDB only (not compared): distinct non-null values per column:")
		for _, col := range d.Columns {
			fmt.Printf(" %s=%d", col, d.Distinct[col])
		}
		fmt.Printf("\n   ts quantiles (0,5,25,50,75,95,100%%): %s\n   amount quantiles: %s\n", d.TSQuantiles, d.AmountQuantiles)
		var names []string
		for k := range d.QuerySeconds {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Printf("   DuckDB query times (first run):")
		for _, k := range names {
			fmt.Printf(" %s %.3fs", k, d.QuerySeconds[k])
		}
		fmt.Println()
	}
}
