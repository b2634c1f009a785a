package labels

import "sort"

// Variant is one spelling of a label and how many rows carry it.
type Variant struct {
	Label string `json:"label"`
	Rows  int64  `json:"rows"`
}

// VariantGroup is a set of two or more distinct labels that are the same
// under [Normalize]: they differ only by case, Unicode form, white space or
// punctuation (a trailing period included).
type VariantGroup struct {
	// Normalized is the members' common normalised form.
	Normalized string `json:"normalized"`
	// Members are the spellings, most rows first, then by label.
	Members []Variant `json:"members"`
	// Rows is the sum of the members' rows.
	Rows int64 `json:"rows"`
	// MinorityRows is Rows minus the rows of the most common spelling (the
	// first member): the rows a fix would relabel.
	MinorityRows int64 `json:"minority_rows"`
}

// Variants groups distinct labels, given with their row counts, by their
// normalised form and returns the groups with two or more members, sorted by
// normalised form. The result depends only on the map's contents.
func Variants(counts map[string]int64) []VariantGroup {
	byNorm := map[string][]Variant{}
	for label, rows := range counts {
		n := Normalize(label)
		byNorm[n] = append(byNorm[n], Variant{Label: label, Rows: rows})
	}
	var out []VariantGroup
	for n, members := range byNorm {
		if len(members) < 2 {
			continue
		}
		sort.Slice(members, func(i, j int) bool {
			if members[i].Rows != members[j].Rows {
				return members[i].Rows > members[j].Rows
			}
			return members[i].Label < members[j].Label
		})
		g := VariantGroup{Normalized: n, Members: members}
		for _, m := range members {
			g.Rows += m.Rows
		}
		g.MinorityRows = g.Rows - members[0].Rows
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Normalized < out[j].Normalized })
	return out
}
