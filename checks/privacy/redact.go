package privacy

import "strings"

// Kinds returns the names of the kinds of personal data the detectors find
// in s (all of them enabled), in the order of [Check]'s types.
func Kinds(s string) []string {
	m := detect(s, allKinds)
	var out []string
	for k := range kind(numKinds) {
		if m.has(k) {
			out = append(out, kindNames[k])
		}
	}
	return out
}

// Redact replaces the personal data in s with what replace returns for
// it (given the kind's name and the matched text), and says how many
// replacements it made. It works token by token — white space separates
// tokens, and quotes, brackets and trailing punctuation around a token
// are kept — and, should the detectors still find something in the
// result (a phone number written across several tokens), replaces the
// whole of s as one value. It is the last line of privacy by default for
// the report: a label or a category may itself be personal data.
func Redact(s string, replace func(kind, text string) string) (string, int) {
	if detect(s, allKinds) == 0 {
		return s, 0
	}
	n := 0
	fields := strings.SplitAfter(s, " ")
	for i, f := range fields {
		body := strings.TrimRight(f, " ")
		lo, hi := 0, len(body)
		for lo < hi && strings.IndexByte("\"'([{<", body[lo]) >= 0 {
			lo++
		}
		for hi > lo && strings.IndexByte("\"')]}>,;:.!?", body[hi-1]) >= 0 {
			hi--
		}
		core := body[lo:hi]
		if m := detect(core, allKinds); m != 0 {
			fields[i] = body[:lo] + replace(firstKind(m), core) + body[hi:] + f[len(body):]
			n++
		}
	}
	out := strings.Join(fields, "")
	if m := detect(out, allKinds); m != 0 {
		return replace(firstKind(m), s), n + 1
	}
	return out, n
}

func firstKind(m mask) string {
	for k := range kind(numKinds) {
		if m.has(k) {
			return kindNames[k]
		}
	}
	return ""
}
