//go:build duckdb

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func init() {
	duckdbAvailable = true
	runDuckDB = duckDB
}

// notFeatures are the role columns of the fixtures' table; every other
// column is a feature (the audit's default roles resolve the same way, and
// benchrun compares the two lists).
var notFeatures = map[string]bool{"id": true, "ts": true, "label": true, "annotator": true}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteLit(s string) string   { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// duckDB computes the statistics straight from the Parquet file (every
// query scans it with read_parquet; nothing is loaded beforehand), on a
// fresh in-memory database with the given threads. The time covers opening
// the database and every query.
func duckDB(file string, threads int, w io.Writer) error {
	start := time.Now()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads=%d", threads)); err != nil {
		return err
	}
	src := "read_parquet(" + quoteLit(file) + ")"
	s := &duckStats{Nulls: map[string]int64{}, Distinct: map[string]int64{}, Labels: map[string]int64{}, QuerySeconds: map[string]float64{}}
	timed := func(name string, f func() error) error {
		t := time.Now()
		err := f()
		s.QuerySeconds[name] = time.Since(t).Seconds()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}

	// The schema (a footer read).
	if err := timed("schema", func() error {
		rows, err := db.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+src+")")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			s.Columns = append(s.Columns, name)
			if !notFeatures[name] {
				s.Features = append(s.Features, name)
			}
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	var cols, feats []string
	for _, c := range s.Columns {
		cols = append(cols, quoteIdent(c))
	}
	for _, c := range s.Features {
		feats = append(feats, quoteIdent(c))
	}

	// Rows, nulls, distinct values per column, quantiles: one scan.
	if err := timed("profile", func() error {
		sel := []string{"count(*)"}
		for _, c := range cols {
			sel = append(sel, "count("+c+")", "count(DISTINCT "+c+")")
		}
		q := []string{"0", "0.05", "0.25", "0.5", "0.75", "0.95", "1"}
		qs := "[" + strings.Join(q, ", ") + "]"
		sel = append(sel, "CAST(quantile_disc(\"ts\", "+qs+") AS VARCHAR)", "CAST(quantile_cont(\"amount\", "+qs+") AS VARCHAR)")
		vals := make([]int64, 1+2*len(cols))
		dest := make([]any, 0, len(vals)+2)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var tsq, amq sql.NullString
		dest = append(dest, &tsq, &amq)
		if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+src).Scan(dest...); err != nil {
			return err
		}
		s.Rows = vals[0]
		for i, c := range s.Columns {
			s.Nulls[c] = s.Rows - vals[1+2*i]
			s.Distinct[c] = vals[2+2*i]
		}
		s.TSQuantiles, s.AmountQuantiles = tsq.String, amq.String
		return nil
	}); err != nil {
		return err
	}

	// Exact duplicate rows: GROUP BY treats nulls as equal.
	if err := timed("exact_duplicates", func() error {
		var distinct, groups int64
		q := "SELECT count(*), count(*) FILTER (WHERE n > 1) FROM (SELECT count(*) AS n FROM " + src + " GROUP BY " + strings.Join(cols, ", ") + ")"
		if err := db.QueryRowContext(ctx, q).Scan(&distinct, &groups); err != nil {
			return err
		}
		s.ExactDuplicateRows, s.DuplicateGroups = s.Rows-distinct, groups
		return nil
	}); err != nil {
		return err
	}

	// Feature groups and label conflicts.
	if err := timed("feature_groups", func() error {
		var distinct, dupGroups, conflGroups, conflRows int64
		q := "SELECT count(*), count(*) FILTER (WHERE n > 1), count(*) FILTER (WHERE nl >= 2), coalesce(sum(n) FILTER (WHERE nl >= 2), 0) " +
			"FROM (SELECT count(*) AS n, count(DISTINCT \"label\") AS nl FROM " + src + " GROUP BY " + strings.Join(feats, ", ") + ")"
		if err := db.QueryRowContext(ctx, q).Scan(&distinct, &dupGroups, &conflGroups, &conflRows); err != nil {
			return err
		}
		s.DuplicateFeatureRows, s.DuplicateFeatureGroups = s.Rows-distinct, dupGroups
		s.ConflictingGroups, s.ConflictingRows = conflGroups, conflRows
		return nil
	}); err != nil {
		return err
	}

	// Label counts.
	if err := timed("labels", func() error {
		rows, err := db.QueryContext(ctx, "SELECT CAST(\"label\" AS VARCHAR), count(*) FROM "+src+" WHERE \"label\" IS NOT NULL GROUP BY 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			var n int64
			if err := rows.Scan(&l, &n); err != nil {
				return err
			}
			s.Labels[l] = n
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	s.Seconds = time.Since(start).Seconds()
	return json.NewEncoder(w).Encode(s)
}
