package labels_test

import (
	"reflect"
	"testing"

	"github.com/readiness/readiness/labels"
)

func TestTaxonomy(t *testing.T) {
	tax, err := labels.NewTaxonomy(map[string][]string{
		"refund":   {"refunds", "Money Back", "refund"}, // a synonym equal to its class is harmless
		"billing":  nil,
		"Shipping": {"delivery"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		label, class string
		how          labels.Match
	}{
		{"refund", "refund", labels.Canonical},
		{"Refund.", "refund", labels.Canonical},
		{"REFUNDS", "refund", labels.Synonym},
		{" money back!", "refund", labels.Synonym},
		{"money-back", "", labels.Outside}, // the hyphen is dropped: "moneyback"
		{"shipping", "Shipping", labels.Canonical},
		{"Delivery", "Shipping", labels.Synonym},
		{"billing", "billing", labels.Canonical},
		{"fraud", "", labels.Outside},
		{"", "", labels.Outside},
	}
	for _, tc := range cases {
		class, how := tax.Lookup(tc.label)
		if class != tc.class || how != tc.how {
			t.Errorf("Lookup(%q) = %q, %d; want %q, %d", tc.label, class, how, tc.class, tc.how)
		}
	}
	if got := tax.Classes(); !reflect.DeepEqual(got, []string{"Shipping", "billing", "refund"}) || tax.Len() != 3 {
		t.Errorf("classes %q", got)
	}
}

func TestTaxonomyErrors(t *testing.T) {
	bad := map[string]map[string][]string{
		"classes collide":    {"Refund": nil, "refund.": nil},
		"synonym of two":     {"a": {"x"}, "b": {"X"}},
		"synonym is a class": {"a": {"b"}, "b": nil},
		"empty class":        {"?": nil},
		"empty synonym":      {"a": {" "}},
	}
	for name, m := range bad {
		if _, err := labels.NewTaxonomy(m); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if tax, err := labels.NewTaxonomy(nil); err != nil || tax.Len() != 0 {
		t.Errorf("empty taxonomy: %v, %v", tax, err)
	}
}

func TestVariants(t *testing.T) {
	got := labels.Variants(map[string]int64{
		">50K": 5, ">50K.": 2, " >50k": 2, "<=50K": 6, "<=50K.": 6, "Refund": 1, "other": 3,
	})
	want := []labels.VariantGroup{
		{Normalized: "<=50k", Members: []labels.Variant{{Label: "<=50K", Rows: 6}, {Label: "<=50K.", Rows: 6}}, Rows: 12, MinorityRows: 6},
		{Normalized: ">50k", Members: []labels.Variant{{Label: ">50K", Rows: 5}, {Label: " >50k", Rows: 2}, {Label: ">50K.", Rows: 2}}, Rows: 9, MinorityRows: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Variants = %+v\nwant %+v", got, want)
	}
	if got := labels.Variants(map[string]int64{"a": 1, "b": 2}); len(got) != 0 {
		t.Errorf("no variants: %+v", got)
	}
}
