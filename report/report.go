// Package report is the report model — the source of truth every rendering
// is derived from — and its writers.
//
// It stands alone at the top level because it sits after the pipeline in
// the flow (results → report → renderers) and is read back on its own by
// `readiness render`: it imports the check contract for the shape of a
// result, and nothing imports it but the CLI.
//
// report.json carries schema_version; its JSON Schema is report.schema.json
// in this folder (embedded, see [Schema]). A change that breaks the schema
// bumps SchemaVersion's major number. Everything but the run block is a
// function of the inputs, the policy and --as-of: the same audit gives the
// same bytes whatever the worker count.
package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/readiness"
)

// SchemaVersion is the version of report.json's shape.
const SchemaVersion = "1.3.0"

//go:embed report.schema.json
var schema []byte

// Schema returns the JSON Schema of report.json.
func Schema() []byte { return bytes.Clone(schema) }

// Report is report.json.
type Report struct {
	SchemaVersion string  `json:"schema_version"`
	Tool          Tool    `json:"tool"`
	AsOf          string  `json:"as_of"`
	Policy        Policy  `json:"policy"`
	Inputs        []Input `json:"inputs"`
	Dataset       Dataset `json:"dataset"`
	Roles         Roles   `json:"roles"`
	// Reference describes the reference dataset (--reference), when one
	// was given.
	Reference *Reference `json:"reference,omitempty"`
	// Provenance says how the inputs were identified and what was read.
	Provenance Provenance      `json:"provenance"`
	Checks     []checks.Result `json:"checks"`
	// Flagged summarises the rows the findings concern, which
	// findings.parquet lists.
	Flagged *Flagged `json:"flagged_rows,omitempty"`
	// Readiness is the score, the verdict and the gate's outcome.
	Readiness *readiness.Assessment `json:"readiness,omitempty"`
	Run       Run                   `json:"run"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Commit is the source commit the binary was built from, when known.
	Commit string `json:"commit,omitempty"`
	// GoVersion is the Go release that compiled it.
	GoVersion string `json:"go_version,omitempty"`
}

// Policy names the policy the audit applied.
type Policy struct {
	Source  string `json:"source"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	// SHA256 is the hash of the policy file's bytes.
	SHA256 string `json:"sha256"`
	// Effective is the whole policy the audit applied — every check's
	// configuration with the defaults filled in, the readers' settings and
	// the readiness section, after command-line overrides — and
	// EffectiveSHA256 the hash of its compact JSON (keys sorted, no white
	// space: json.Compact of the indented object in report.json), so two
	// reports can be compared by one string.
	Effective       json.RawMessage `json:"effective"`
	EffectiveSHA256 string          `json:"effective_sha256"`
}

// Input is one file that was read.
type Input struct {
	Path        string            `json:"path"`
	Format      string            `json:"format"`
	Compression string            `json:"compression,omitempty"`
	Rows        int64             `json:"rows"`
	Bytes       int64             `json:"bytes"`
	Partitions  map[string]string `json:"partitions,omitempty"`
	// ModTime is the file's modification time (RFC 3339, UTC).
	ModTime string `json:"mod_time,omitempty"`
	// SHA256 is the hash of the file's bytes; empty with --no-hash (see
	// Provenance.InputHash).
	SHA256 string `json:"sha256,omitempty"`
	// Version is a remote object's ETag or generation.
	Version string `json:"version,omitempty"`
}

// Flagged counts the rows findings.parquet lists, by finding code. A code
// listed in Truncated flagged more rows than LimitPerCode: the file lists
// the first LimitPerCode of them in (input, row) order.
type Flagged struct {
	File         string           `json:"file"`
	Rows         int64            `json:"rows"`
	ByCode       map[string]int64 `json:"by_code"`
	LimitPerCode int64            `json:"limit_per_code"`
	Truncated    []string         `json:"truncated"`
}

// Provenance says how the inputs were identified and what was read of them.
type Provenance struct {
	// InputHash is "sha256" when every local input's bytes were hashed,
	// or "none" with --no-hash.
	InputHash string `json:"input_hash"`
	// SchemaFingerprint is the sha256 of the unified schema: each column's
	// name and Arrow type, in order.
	SchemaFingerprint string `json:"schema_fingerprint"`
	// Sampled says whether any row was skipped; Sampling says how.
	Sampled  bool   `json:"sampled"`
	Sampling string `json:"sampling"`
	// ShowValues records --show-values: whether raw cell values were
	// allowed into the outputs.
	ShowValues bool `json:"show_values"`
}

// Dataset describes the unified dataset.
type Dataset struct {
	Rows    int64    `json:"rows"`
	Columns int      `json:"columns"`
	Schema  []Column `json:"schema"`
}

// Reference is the dataset the training data was compared with.
type Reference struct {
	Inputs  []Input `json:"inputs"`
	Dataset Dataset `json:"dataset"`
	// Checks are the checks that compared against it.
	Checks []string `json:"checks"`
}

// Column is one column of the unified schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Roles are the column roles the audit used, and how each was chosen.
type Roles struct {
	checks.Roles
	Choices []RoleChoice `json:"choices"`
}

// RoleChoice says how one role was assigned.
type RoleChoice struct {
	Role   string `json:"role"`
	Column string `json:"column,omitempty"`
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// Run is metadata about this particular execution; it is the one block
// that differs between two runs of the same audit.
type Run struct {
	Started    string  `json:"started"`
	DurationMS float64 `json:"duration_ms"`
	Workers    int     `json:"workers"`
	Host       string  `json:"host,omitempty"`
	// Platform is GOOS/GOARCH of the binary.
	Platform string `json:"platform,omitempty"`
	// Memory is what the checks' per-row tables used of --memory-limit.
	Memory *RunMemory `json:"memory,omitempty"`
}

// RunMemory is the memory budget of the checks' per-row tables and what
// they did with it.
type RunMemory struct {
	// LimitBytes is the tables' share of --memory-limit in bytes (256 MiB
	// or less under the default auto); 0 is unlimited.
	LimitBytes int64 `json:"limit_bytes"`
	// PeakBytes is the most the tables held at once.
	PeakBytes int64 `json:"peak_bytes"`
	// SpilledBytes and SpillRuns are what they wrote to disk to stay
	// within the limit (0 when everything fit).
	SpilledBytes int64 `json:"spilled_bytes"`
	SpillRuns    int64 `json:"spill_runs"`
}

// Check returns the result of the named check.
func (r *Report) Check(name string) (*checks.Result, bool) {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i], true
		}
	}
	return nil, false
}

// Marshal encodes the report as indented JSON with a final newline.
func Marshal(r *Report) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Read decodes a report.json.
func Read(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// WriteFile writes data to path atomically: to a temporary file in the same
// folder, synced, then renamed over path. A reader sees the old file or
// the whole new one, never a part.
func WriteFile(path string, data []byte) error {
	return WriteFileFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFileFunc is [WriteFile] for output written as a stream: write
// fills the temporary file, which is renamed over path only if it
// succeeds.
func WriteFileFunc(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}
