package pipeline

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
)

func TestDetectRoles(t *testing.T) {
	tsMs := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	cases := []struct {
		name   string
		fields []arrow.Field
		want   checks.Roles // Features included
	}{
		{"label", []arrow.Field{field("text", utf8), field("label", utf8)},
			checks.Roles{Label: "label", Features: []string{"text"}}},
		{"target", []arrow.Field{field("x", f64), field("target", i64)},
			checks.Roles{Label: "target", Features: []string{"x"}}},
		{"class", []arrow.Field{field("class", dictOf(i8, utf8)), field("x", f64)},
			checks.Roles{Label: "class", Features: []string{"x"}}},
		{"name ending in _label", []arrow.Field{field("x", f64), field("sentiment_label", utf8)},
			checks.Roles{Label: "sentiment_label", Features: []string{"x"}}},
		{"case-insensitive", []arrow.Field{field("Label", boolean)},
			checks.Roles{Label: "Label", Features: []string{}}},
		{"exact name beats suffix", []arrow.Field{field("old_label", utf8), field("label", utf8)},
			checks.Roles{Label: "label", Features: []string{"old_label"}}},
		{"float target named exactly", []arrow.Field{field("target", f64)},
			checks.Roles{Label: "target", Features: []string{}}},
		{"float _target is not a label", []arrow.Field{field("price_target", f64)},
			checks.Roles{Features: []string{"price_target"}}},
		{"ts", []arrow.Field{field("ts", tsMs), field("v", i64)},
			checks.Roles{Time: "ts", Features: []string{"v"}}},
		{"created_at as text", []arrow.Field{field("created_at", utf8)},
			checks.Roles{Time: "created_at", Features: []string{}}},
		{"created_at as an integer is not a time", []arrow.Field{field("created_at", i64)},
			checks.Roles{Features: []string{"created_at"}}},
		{"_date suffix", []arrow.Field{field("order_date", date32)},
			checks.Roles{Time: "order_date", Features: []string{}}},
		{"the only timestamp column", []arrow.Field{field("when_seen", tsMs), field("v", i64)},
			checks.Roles{Time: "when_seen", Features: []string{"v"}}},
		{"id", []arrow.Field{field("id", i64), field("v", f64)},
			checks.Roles{ID: "id", Features: []string{"v"}}},
		{"_id", []arrow.Field{field("_id", utf8), field("v", f64)},
			checks.Roles{ID: "_id", Features: []string{"v"}}},
		{"user_id", []arrow.Field{field("user_id", i32)},
			checks.Roles{ID: "user_id", Features: []string{}}},
		{"float id is not an id", []arrow.Field{field("id", f64)},
			checks.Roles{Features: []string{"id"}}},
		{"split", []arrow.Field{field("split", utf8), field("v", f64)},
			checks.Roles{Split: "split", Features: []string{"v"}}},
		{"fold", []arrow.Field{field("fold", dictOf(i8, utf8))},
			checks.Roles{Split: "fold", Features: []string{}}},
		{"integer split is not a split", []arrow.Field{field("split", i64)},
			checks.Roles{Features: []string{"split"}}},
		{"all four", []arrow.Field{field("id", i64), field("text", utf8), field("created_at", tsMs), field("label", utf8), field("split", utf8)},
			checks.Roles{Label: "label", Time: "created_at", ID: "id", Split: "split", Features: []string{"text"}}},
		{"annotator is not a feature", []arrow.Field{field("label", utf8), field("text", utf8), field("annotator", utf8)},
			checks.Roles{Label: "label", Annotator: "annotator", Features: []string{"text"}}},
		{"nothing", []arrow.Field{field("a", i64), field("b", utf8)},
			checks.Roles{Features: []string{"a", "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roles, choices, err := ResolveRoles(arrow.NewSchema(tc.fields, nil), RoleRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(roles, tc.want) {
				t.Errorf("roles %+v, want %+v", roles, tc.want)
			}
			if len(choices) != 6 {
				t.Errorf("%d choices, want one per role and one for features: %+v", len(choices), choices)
			}
			for _, c := range choices {
				if c.Source != FromDetected || c.Reason == "" {
					t.Errorf("choice %+v: want detected, with a reason", c)
				}
			}
		})
	}
}

func TestRolePrecedence(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{field("label", utf8), field("intent", utf8), field("topic", utf8),
		field("ts", date32), field("id", i64), field("a", f64), field("b", f64)}, nil)
	cases := []struct {
		name      string
		req       RoleRequest
		label     string
		src       RoleSource
		features  []string
		featuresS RoleSource
	}{
		{"detected", RoleRequest{}, "label", FromDetected, []string{"intent", "topic", "a", "b"}, FromDetected},
		{"policy beats detection", RoleRequest{Policy: checks.Roles{Label: "topic"}}, "topic", FromPolicy, []string{"label", "intent", "a", "b"}, FromDetected},
		{"flag beats policy", RoleRequest{Flag: checks.Roles{Label: "intent"}, Policy: checks.Roles{Label: "topic"}}, "intent", FromFlag, []string{"label", "topic", "a", "b"}, FromDetected},
		{"none from the policy", RoleRequest{Policy: checks.Roles{Label: "none"}}, "", FromPolicy, []string{"label", "intent", "topic", "a", "b"}, FromDetected},
		{"NONE from a flag beats the policy", RoleRequest{Flag: checks.Roles{Label: "NONE"}, Policy: checks.Roles{Label: "topic"}}, "", FromFlag, []string{"label", "intent", "topic", "a", "b"}, FromDetected},
		{"flag beats a policy none", RoleRequest{Flag: checks.Roles{Label: "topic"}, Policy: checks.Roles{Label: "none"}}, "topic", FromFlag, []string{"label", "intent", "a", "b"}, FromDetected},
		{"features from the policy", RoleRequest{Policy: checks.Roles{Features: []string{"a"}}}, "label", FromDetected, []string{"a"}, FromPolicy},
		{"features flag beats policy", RoleRequest{Flag: checks.Roles{Features: []string{"b", "a"}}, Policy: checks.Roles{Features: []string{"a"}}}, "label", FromDetected, []string{"b", "a"}, FromFlag},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roles, choices, err := ResolveRoles(sc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if roles.Label != tc.label || !reflect.DeepEqual(roles.Features, tc.features) {
				t.Errorf("label %q features %v, want %q %v", roles.Label, roles.Features, tc.label, tc.features)
			}
			if roles.Time != "ts" || roles.ID != "id" {
				t.Errorf("time %q id %q: other roles still detected", roles.Time, roles.ID)
			}
			got := map[string]RoleChoice{}
			for _, c := range choices {
				got[c.Role] = c
			}
			if c := got["label"]; c.Source != tc.src || c.Column != tc.label {
				t.Errorf("label choice %+v, want source %s column %q", c, tc.src, tc.label)
			}
			if c := got["features"]; c.Source != tc.featuresS {
				t.Errorf("features choice %+v, want source %s", c, tc.featuresS)
			}
		})
	}
}

func TestRoleErrors(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{field("label", utf8), field("a", f64)}, nil)
	cases := []struct {
		req  RoleRequest
		want []string
	}{
		{RoleRequest{Flag: checks.Roles{Label: "intent"}}, []string{"label", `"intent"`, "flag"}},
		{RoleRequest{Policy: checks.Roles{Time: "when"}}, []string{"time", `"when"`, "policy"}},
		{RoleRequest{Flag: checks.Roles{ID: "Label"}}, []string{"id", `"Label"`}}, // names are exact
		{RoleRequest{Policy: checks.Roles{Split: "fold"}}, []string{"split", `"fold"`}},
		{RoleRequest{Flag: checks.Roles{Features: []string{"a", "z"}}}, []string{"feature", `"z"`, "flag"}},
		{RoleRequest{Policy: checks.Roles{Features: []string{"y"}}}, []string{"feature", `"y"`, "policy"}},
		// A flag wins even when the policy's column would have been fine.
		{RoleRequest{Flag: checks.Roles{Label: "nope"}, Policy: checks.Roles{Label: "label"}}, []string{`"nope"`}},
	}
	for _, tc := range cases {
		_, _, err := ResolveRoles(sc, tc.req)
		if err == nil {
			t.Errorf("%+v: want an error", tc.req)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: message %q does not contain %q", tc.req, err, w)
			}
		}
	}
}

// TestRoleNoColumnTwice: a column named for one role is not detected for
// another, whichever role is resolved first.
func TestRoleNoColumnTwice(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{field("label", utf8), field("class", i64), field("text", utf8), field("ts", tsType)}, nil)
	for _, req := range []RoleRequest{
		{Flag: checks.Roles{ID: "label"}},
		{Policy: checks.Roles{ID: "label"}},
		{Flag: checks.Roles{Split: "label", Time: "none"}},
	} {
		roles, _, err := ResolveRoles(sc, req)
		if err != nil {
			t.Fatal(err)
		}
		if roles.Label != "class" {
			t.Errorf("%+v: label %q, want class (label is named for another role)", req, roles.Label)
		}
		for _, f := range roles.Features {
			if f == "label" || f == "class" {
				t.Errorf("%+v: features %v hold a role column", req, roles.Features)
			}
		}
	}
	// A column named for two roles is the user's choice.
	roles, _, err := ResolveRoles(sc, RoleRequest{Flag: checks.Roles{Label: "text", ID: "text"}})
	if err != nil || roles.Label != "text" || roles.ID != "text" {
		t.Errorf("label and id both named text: %+v, %v", roles, err)
	}
}

var tsType = &arrow.TimestampType{Unit: arrow.Second}
