// Package configs holds the versioned policy files (default.yaml, embedded
// into the binary) and decodes them strictly: an unknown key anywhere is an
// error naming the key's full path, so a typo never silently falls back to
// a default. The typed configuration of each check is decoded by the
// caller, which knows the checks, through [DecodeStrict].
package configs

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultPolicy []byte

// DefaultName is how the embedded default policy is named in reports.
const DefaultName = "embedded:configs/default.yaml"

// Version is the policy format version this build reads.
const Version = 1

// Policy is a decoded policy file.
type Policy struct {
	Version int    `yaml:"version"`
	Name    string `yaml:"name"`
	Roles   Roles  `yaml:"roles"`
	Read    Read   `yaml:"read"`
	// Checks maps a check's name to its section, decoded later into the
	// check's typed configuration.
	Checks map[string]yaml.Node `yaml:"checks"`
	// Readiness is the section that turns results into a score and a
	// verdict, decoded later into readiness.Config.
	Readiness yaml.Node `yaml:"readiness"`

	// Source is where the policy came from and SHA256 the hash of its bytes.
	Source string `yaml:"-"`
	SHA256 string `yaml:"-"`
}

// Roles are the policy's column roles; empty means detect.
type Roles struct {
	Label string `yaml:"label"`
	Time  string `yaml:"time"`
	ID    string `yaml:"id"`
	Split string `yaml:"split"`
	// Annotator names who labelled each row (metadata, not a feature).
	Annotator string   `yaml:"annotator"`
	Features  []string `yaml:"features"`
}

// Read configures the readers.
type Read struct {
	NullValues []string `yaml:"null_values"`
	InferRows  int      `yaml:"infer_rows"`
	BatchSize  int      `yaml:"batch_size"`
}

// Error is a policy error: the file, and the key path and line when known.
type Error struct {
	Source string
	Path   string
	Line   int
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("policy ")
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Default returns the embedded default policy.
func Default() (*Policy, error) { return Parse(defaultPolicy, DefaultName) }

// DefaultBytes returns the embedded default policy's text.
func DefaultBytes() []byte { return bytes.Clone(defaultPolicy) }

// Load reads and decodes a policy file.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Source: path, Err: err}
	}
	return Parse(data, path)
}

// Parse decodes a policy from its text; source names it in errors.
func Parse(data []byte, source string) (*Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Source: source, Err: err}
	}
	if doc.Kind == 0 {
		return nil, &Error{Source: source, Err: errors.New("empty policy")}
	}
	p := &Policy{}
	if err := DecodeStrict(&doc, "", p); err != nil {
		return nil, withSource(err, source)
	}
	if p.Version != Version {
		return nil, &Error{Source: source, Path: "version", Err: fmt.Errorf("version %d is not supported (this build reads version %d)", p.Version, Version)}
	}
	if p.Read.InferRows < 0 || p.Read.BatchSize < 0 {
		return nil, &Error{Source: source, Path: "read", Err: errors.New("infer_rows and batch_size must not be negative")}
	}
	sum := sha256.Sum256(data)
	p.Source, p.SHA256 = source, hex.EncodeToString(sum[:])
	return p, nil
}

func withSource(err error, source string) error {
	var pe *Error
	if errors.As(err, &pe) {
		pe.Source = source
		return pe
	}
	return &Error{Source: source, Err: err}
}

// DecodeStrict decodes node into out (a pointer), first checking that every
// mapping key names a field of out's type. path prefixes key paths in
// errors (e.g. "checks.missing").
func DecodeStrict(node *yaml.Node, path string, out any) error {
	if err := knownKeys(node, reflect.TypeOf(out), path); err != nil {
		return err
	}
	if err := node.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return &Error{Path: path, Err: errors.New(strings.Join(te.Errors, "; "))}
		}
		return &Error{Path: path, Err: err}
	}
	return nil
}

var nodeType = reflect.TypeOf(yaml.Node{})

func knownKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nodeType {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := knownKeys(c, t, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				return &Error{Path: path, Line: k.Line, Err: errors.New("YAML merge keys are not supported")}
			}
			p := join(path, k.Value)
			switch t.Kind() {
			case reflect.Struct:
				ft, ok := fieldByTag(t, k.Value)
				if !ok {
					return &Error{Path: p, Line: k.Line, Err: errors.New("unknown key")}
				}
				if err := knownKeys(v, ft, p); err != nil {
					return err
				}
			case reflect.Map:
				if err := knownKeys(v, t.Elem(), p); err != nil {
					return err
				}
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for i, c := range n.Content {
				if err := knownKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
