// Package labels will hold the label logic the checks share: the label
// vocabulary, normalisation of label variants (case, whitespace,
// punctuation, a trailing period), conflicting-label groups and annotator
// agreement. The label-consistency and balance checks (issue 3) build on
// it; until then it holds nothing.
package labels
