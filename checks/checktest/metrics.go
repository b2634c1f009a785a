package checktest

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/readiness/readiness/checks"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaFile returns a function that compiles the JSON schema at path (a
// check's metrics.schema.json) on its first call and returns the same
// schema, or error, on every call. Formats are only asserted with
// assertFormat.
func SchemaFile(path string, assertFormat bool) func() (*jsonschema.Schema, error) {
	return sync.OnceValues(func() (*jsonschema.Schema, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return nil, err
		}
		c := jsonschema.NewCompiler()
		if assertFormat {
			c.AssertFormat()
		}
		if err := c.AddResource(path, doc); err != nil {
			return nil, err
		}
		return c.Compile(path)
	})
}

// Metrics validates r's metrics against the schema sch returns, unless sch
// is nil (a mismatch is reported with Errorf and the test goes on), then
// decodes them into v, failing the test if they do not decode. With strict,
// a field v does not have fails too.
func Metrics(t testing.TB, sch func() (*jsonschema.Schema, error), r checks.Result, v any, strict bool) {
	t.Helper()
	if sch != nil {
		s, err := sch()
		if err != nil {
			t.Fatalf("metrics schema: %v", err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Metrics))
		if err != nil {
			t.Fatalf("metrics %s: %v", r.Metrics, err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("metrics do not match the schema: %v\n%s", err, r.Metrics)
		}
	}
	var err error
	if strict {
		dec := json.NewDecoder(bytes.NewReader(r.Metrics))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	} else {
		err = json.Unmarshal(r.Metrics, v)
	}
	if err != nil {
		t.Fatalf("decode metrics: %v\n%s", err, r.Metrics)
	}
}

// Codes lists the codes of r's findings, in order.
func Codes(r checks.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code)
	}
	return out
}

// Finding returns r's first finding with code, or nil.
func Finding(r checks.Result, code string) *checks.Finding {
	for i := range r.Findings {
		if r.Findings[i].Code == code {
			return &r.Findings[i]
		}
	}
	return nil
}
