package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/pipeline"
)

// decodeResult is what the decode child prints.
type decodeResult struct {
	Rows    int64    `json:"rows"`
	Columns []string `json:"columns"`
	Seconds float64  `json:"seconds"`
}

// nothing is a check state that ignores every batch: the pipeline still
// reads, decodes and conforms every column (its Columns is nil: all of
// them), so a run with it alone is the floor under any audit.
type nothing struct{}

func (nothing) Observe(checks.Batch) error     { return nil }
func (nothing) Merge(checks.State) error       { return nil }
func (nothing) Result() (checks.Result, error) { return checks.Result{}, nil }

var decodeOnly = &checks.Check{
	Name:          "decode",
	Summary:       "reads every column and does nothing with it",
	DefaultConfig: func() any { return nil },
	New:           func(any, checks.Env) (checks.State, error) { return nothing{}, nil },
}

// runDecode reads file through the audit's pipeline with the reader
// settings of the embedded default policy (the ones `readiness audit`
// uses without --config) and the same number of workers.
func runDecode(file string, workers int, w io.Writer) error {
	start := time.Now()
	ctx := context.Background()
	ds, ropts, err := plan(ctx, file, workers)
	if err != nil {
		return err
	}
	out, err := ds.Run(ctx, []pipeline.Task{{Check: decodeOnly}}, pipeline.RunOptions{ReadOptions: ropts, Workers: workers})
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(decodeResult{Rows: out.Rows, Columns: out.Columns, Seconds: time.Since(start).Seconds()})
}

// plan finds file and plans reading it with the default policy's reader
// settings, as the audit does.
func plan(ctx context.Context, file string, workers int) (*pipeline.Dataset, pipeline.ReadOptions, error) {
	policy, err := configs.Default()
	if err != nil {
		return nil, pipeline.ReadOptions{}, err
	}
	ropts := pipeline.ReadOptions{BatchSize: policy.Read.BatchSize, InferRows: policy.Read.InferRows}
	ropts.CSV.NullValues = policy.Read.NullValues
	found, err := pipeline.Discover([]string{file}, pipeline.DiscoverOptions{})
	if err != nil {
		return nil, ropts, err
	}
	if len(found.Inputs) == 0 {
		return nil, ropts, fmt.Errorf("%s: no input found", file)
	}
	ds, err := pipeline.Plan(ctx, found.Inputs, workers, ropts)
	return ds, ropts, err
}
