package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/readiness/readiness/checks/privacy"
	"github.com/readiness/readiness/readiness"
	"github.com/readiness/readiness/report"
)

// A redactor replaces the personal data it finds in s (e-mail addresses,
// phone and card numbers, …) with a placeholder naming its kind, and says
// how many it replaced.
type redactor func(s string) (string, int)

// redactReport is the last line of privacy by default: the checks name
// only the dataset's vocabulary (label classes, categories) without
// --show-values, but a label or a category can itself be personal data — a
// column of e-mail addresses taken for a category. Every string of the
// checks' results (messages, metric keys and values) and of the readiness
// block is passed through the privacy check's detectors, and what they
// match is replaced. Inputs, policy, provenance and run are the user's own
// settings and are left alone (verify needs the paths as they are).
func redactReport(rep *report.Report, redact redactor) (int, error) {
	total := 0
	for i := range rep.Checks {
		c := &rep.Checks[i]
		for j := range c.Findings {
			var n int
			c.Findings[j].Message, n = redact(c.Findings[j].Message)
			total += n
		}
		m, n, err := redactJSON(c.Metrics, redact)
		if err != nil {
			return total, fmt.Errorf("check %s: %w", c.Name, err)
		}
		c.Metrics, total = m, total+n
	}
	if rep.Readiness != nil {
		data, err := json.Marshal(rep.Readiness)
		if err != nil {
			return total, err
		}
		red, n, err := redactJSON(data, redact)
		if err != nil {
			return total, err
		}
		if n > 0 {
			var a readiness.Assessment
			if err := json.Unmarshal(red, &a); err != nil {
				return total, err
			}
			rep.Readiness = &a
			total += n
		}
	}
	return total, nil
}

// numberedRedactor replaces each distinct piece of personal data with its
// kind and a number, "[email #1]", the same piece with the same number
// throughout the report — so that two classes that are both e-mail
// addresses stay two classes.
func numberedRedactor() redactor {
	seen := map[string]string{}
	counts := map[string]int{}
	return func(s string) (string, int) {
		return privacy.Redact(s, func(kind, text string) string {
			if r, ok := seen[text]; ok {
				return r
			}
			counts[kind]++
			r := fmt.Sprintf("[%s #%d]", kind, counts[kind])
			seen[text] = r
			return r
		})
	}
}

// redactJSON rewrites every string (object keys included) of a JSON
// document through redact, keeping the order of keys; unchanged input
// comes back as it was.
func redactJSON(data []byte, redact redactor) ([]byte, int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	total := 0
	// stack of containers: for objects, whether the next string is a key.
	type frame struct {
		object, key, first bool
	}
	var stack []frame
	sep := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		switch {
		case f.object && f.key:
			if !f.first {
				out.WriteByte(',')
			}
			f.first = false
		case f.object:
			out.WriteByte(':')
		default:
			if !f.first {
				out.WriteByte(',')
			}
			f.first = false
		}
	}
	flip := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = !stack[len(stack)-1].key
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				sep()
				out.WriteByte(byte(v))
				stack = append(stack, frame{object: v == '{', key: true, first: true})
			case '}', ']':
				stack = stack[:len(stack)-1]
				out.WriteByte(byte(v))
				flip()
			}
		case string:
			sep()
			s, n := redact(v)
			total += n
			b, err := json.Marshal(s)
			if err != nil {
				return nil, 0, err
			}
			out.Write(b)
			flip()
		default:
			sep()
			b, err := json.Marshal(v)
			if err != nil {
				return nil, 0, err
			}
			out.Write(b)
			flip()
		}
	}
	if total == 0 {
		return data, 0, nil
	}
	return out.Bytes(), total, nil
}
