package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/pipeline/remote"
	"github.com/readiness/readiness/readiness"
	"github.com/readiness/readiness/report"
	"gopkg.in/yaml.v3"
)

// Provenance: what lets a reviewer trust that a report describes exactly
// the bytes that were trained on — each input's size, modification time and
// sha256, the schema's fingerprint, and the whole effective policy with its
// hash. `readiness verify` checks a report's inputs against the files.

// hashFile returns the hex sha256 of a file's bytes, read once, read-only.
func hashFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashInputs hashes every local input with up to workers goroutines and
// returns the hashes by path.
func hashInputs(ctx context.Context, inputs []*pipeline.Input, workers int) (map[string]string, error) {
	out := make(map[string]string, len(inputs))
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for _, in := range inputs {
		// A remote object is identified by its ETag or generation, not
		// hashed: that would cost a second full download.
		if remote.IsURL(in.Path) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			sum, err := hashFile(ctx, in.Path)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("hash %s: %w", in.Path, err)
				}
				return
			}
			out[in.Path] = sum
		}()
	}
	wg.Wait()
	return out, first
}

// startHashing hashes the inputs in the background and returns a function
// that waits for the result (it may be called more than once). With skip
// it hashes nothing. runAudit starts it before planning or once the inputs
// are read, as hashEarly says.
func startHashing(ctx context.Context, inputs []*pipeline.Input, workers int, skip bool) func() (map[string]string, error) {
	if skip {
		return func() (map[string]string, error) { return nil, nil }
	}
	var (
		sums map[string]string
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		sums, err = hashInputs(ctx, inputs, workers)
	}()
	return func() (map[string]string, error) {
		<-done
		return sums, err
	}
}

// hashEarly says whether the inputs are hashed from the start of the audit,
// before they are planned, rather than once they are read: when one is
// text, whose split scan (pipeline/textsplit.go) runs on one core and
// leaves the other to the hash. A Parquet or Arrow file is read on every
// core from the start, and its hash then takes CPU from the read; after
// it, the merge leaves part of a core idle (docs/performance.md, zc).
func hashEarly(inputs []*pipeline.Input) bool {
	for _, in := range inputs {
		switch in.Format {
		case pipeline.CSV, pipeline.TSV, pipeline.NDJSON:
			return true
		}
	}
	return false
}

// schemaFingerprint is the sha256 of the unified schema: each column's name
// and Arrow type, one per line, in order.
func schemaFingerprint(s *arrow.Schema) string {
	h := sha256.New()
	for _, f := range s.Fields() {
		fmt.Fprintf(h, "%q %s nullable=%t\n", f.Name, f.Type, f.Nullable)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// effectivePolicy is the whole policy the audit applies, as canonical JSON
// (keys sorted, no white space), and its sha256. Each configuration is
// written through its YAML tags, so the keys are the policy file's keys.
func effectivePolicy(p *configs.Policy, tasks []pipeline.Task, rcfg *readiness.Config, ropts pipeline.ReadOptions, f auditFlags) (json.RawMessage, string, error) {
	checkCfgs := map[string]any{}
	for _, t := range tasks {
		v, err := viaYAML(t.Config)
		if err != nil {
			return nil, "", fmt.Errorf("check %s: %w", t.Check.Name, err)
		}
		checkCfgs[t.Check.Name] = v
	}
	rc := *rcfg
	if f.require != "" {
		rc.Require = f.require
	}
	if f.failOn != "" {
		rc.FailOn = f.failOn
	}
	rv, err := viaYAML(&rc)
	if err != nil {
		return nil, "", err
	}
	// --null-values and --infer-rows change what is read, so the values in
	// force are recorded; --batch-size is tuning that changes no result
	// (TestWorkersAndOrderDoNotChangeTheReport), so the policy's stays.
	read := configs.Read{NullValues: ropts.CSV.NullValues, InferRows: ropts.InferRows, BatchSize: p.Read.BatchSize}
	readV, err := viaYAML(&read)
	if err != nil {
		return nil, "", err
	}
	rolesV, err := viaYAML(&p.Roles)
	if err != nil {
		return nil, "", err
	}
	doc := map[string]any{
		"version": p.Version, "name": p.Name, "roles": rolesV, "read": readV,
		"checks": checkCfgs, "readiness": rv,
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), nil
}

// viaYAML turns a configuration struct into plain maps keyed by its YAML
// names.
func viaYAML(v any) (any, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// fillProvenance records the inputs' hashes and the provenance block.
func fillProvenance(rep *report.Report, ds *pipeline.Dataset, sums map[string]string, noHash, showValues bool) {
	for i := range rep.Inputs {
		rep.Inputs[i].SHA256 = sums[rep.Inputs[i].Path]
	}
	rep.Provenance = report.Provenance{
		InputHash:         "sha256",
		SchemaFingerprint: schemaFingerprint(ds.Schema),
		Sampled:           false,
		Sampling:          "none: every row of every input was read",
		ShowValues:        showValues,
	}
	if noHash {
		rep.Provenance.InputHash = "none"
	}
}
