package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
)

// RoleSource says where a column role came from.
type RoleSource string

// Where a role can come from: a command-line flag, the policy file, or
// detection from the schema.
const (
	FromFlag     RoleSource = "flag"
	FromPolicy   RoleSource = "policy"
	FromDetected RoleSource = "detected"
)

// RoleChoice records how one role was assigned, for the report.
type RoleChoice struct {
	Role   string     `json:"role"`
	Column string     `json:"column"`
	Source RoleSource `json:"source"`
	Reason string     `json:"reason"`
}

// RoleRequest is what the user asked for: per role, a column named on the
// command line and one named in the policy. Empty means "detect";
// "none" means the dataset has no such column.
type RoleRequest struct {
	Flag, Policy checks.Roles
}

// Role name patterns, tried in order; the first column matching wins.
var rolePatterns = map[string][]*regexp.Regexp{
	"label": {regexp.MustCompile(`^(label|labels|target|class|y|outcome|ground_truth|gold|annotation|intent|sentiment)$`),
		regexp.MustCompile(`(^|_)(label|target|class)$`)},
	"time": {regexp.MustCompile(`^(ts|timestamp|time|date|datetime|event_time|event_date|created|created_at|updated_at|collected_at)$`),
		regexp.MustCompile(`(_at|_time|_ts|_date|timestamp)$`)},
	"id": {regexp.MustCompile(`^(id|uid|uuid|guid|key|row_id|record_id|example_id|sample_id)$`),
		regexp.MustCompile(`(_id|_uuid)$`)},
	"split":     {regexp.MustCompile(`^(split|fold|subset|partition|dataset_split)$`)},
	"annotator": {regexp.MustCompile(`^(annotator|annotator_id|labeler|labeller|labeler_id|rater|rater_id|worker_id|labelled_by|labeled_by)$`)},
}

// ResolveRoles assigns the label, time, id and split roles and the
// feature columns. A role named on the command line wins over the policy,
// which wins over detection. Detection looks at names (patterns above) and
// types: the time column must be a timestamp or date (or a string column
// named like one); the label must not be floating point unless named
// exactly like a label; the id must be an integer or string. Features are
// every other column unless listed. Naming a column the schema does not
// have is an error.
func ResolveRoles(sc *arrow.Schema, req RoleRequest) (checks.Roles, []RoleChoice, error) {
	var roles checks.Roles
	var choices []RoleChoice
	taken := map[string]bool{}
	// Columns named for a role are reserved before any role is detected,
	// so that detection for an earlier role cannot take them too.
	for _, r := range [][2]string{{req.Flag.Label, req.Policy.Label}, {req.Flag.Time, req.Policy.Time},
		{req.Flag.ID, req.Policy.ID}, {req.Flag.Split, req.Policy.Split}, {req.Flag.Annotator, req.Policy.Annotator}} {
		name := r[0]
		if name == "" {
			name = r[1]
		}
		if name != "" && !strings.EqualFold(name, "none") {
			taken[name] = true
		}
	}
	pick := func(role, flag, policy string, set *string) error {
		for _, c := range []struct {
			name string
			src  RoleSource
		}{{flag, FromFlag}, {policy, FromPolicy}} {
			if c.name == "" {
				continue
			}
			if strings.EqualFold(c.name, "none") {
				choices = append(choices, RoleChoice{Role: role, Source: c.src, Reason: "set to none"})
				return nil
			}
			if !sc.HasField(c.name) {
				return fmt.Errorf("%s column %q (from the %s) is not in the dataset", role, c.name, c.src)
			}
			*set = c.name
			taken[c.name] = true
			choices = append(choices, RoleChoice{Role: role, Column: c.name, Source: c.src, Reason: "named by the " + string(c.src)})
			return nil
		}
		for _, re := range rolePatterns[role] {
			for _, f := range sc.Fields() {
				name := strings.ToLower(f.Name)
				if taken[f.Name] || !re.MatchString(name) {
					continue
				}
				if ok, why := roleTypeFits(role, f, re == rolePatterns[role][0]); ok {
					*set = f.Name
					taken[f.Name] = true
					choices = append(choices, RoleChoice{Role: role, Column: f.Name, Source: FromDetected,
						Reason: fmt.Sprintf("name matches %s and %s", re.String(), why)})
					return nil
				}
			}
		}
		if role == "time" {
			for _, f := range sc.Fields() {
				if !taken[f.Name] && isTemporal(normalType(f.Type)) {
					*set = f.Name
					taken[f.Name] = true
					choices = append(choices, RoleChoice{Role: role, Column: f.Name, Source: FromDetected,
						Reason: fmt.Sprintf("the only kind of column with type %s", f.Type)})
					return nil
				}
			}
		}
		choices = append(choices, RoleChoice{Role: role, Source: FromDetected, Reason: "no column looks like one"})
		return nil
	}
	if err := pick("label", req.Flag.Label, req.Policy.Label, &roles.Label); err != nil {
		return roles, nil, err
	}
	if err := pick("time", req.Flag.Time, req.Policy.Time, &roles.Time); err != nil {
		return roles, nil, err
	}
	if err := pick("id", req.Flag.ID, req.Policy.ID, &roles.ID); err != nil {
		return roles, nil, err
	}
	if err := pick("split", req.Flag.Split, req.Policy.Split, &roles.Split); err != nil {
		return roles, nil, err
	}
	if err := pick("annotator", req.Flag.Annotator, req.Policy.Annotator, &roles.Annotator); err != nil {
		return roles, nil, err
	}
	feats, src := req.Flag.Features, FromFlag
	if len(feats) == 0 {
		feats, src = req.Policy.Features, FromPolicy
	}
	if len(feats) > 0 {
		for _, f := range feats {
			if !sc.HasField(f) {
				return roles, nil, fmt.Errorf("feature column %q (from the %s) is not in the dataset", f, src)
			}
		}
		roles.Features = append([]string{}, feats...)
		choices = append(choices, RoleChoice{Role: "features", Source: src, Reason: "listed by the " + string(src)})
	} else {
		roles.Features = []string{}
		for _, f := range sc.Fields() {
			if !taken[f.Name] {
				roles.Features = append(roles.Features, f.Name)
			}
		}
		choices = append(choices, RoleChoice{Role: "features", Source: FromDetected, Reason: "every column without another role"})
	}
	return roles, choices, nil
}

func roleTypeFits(role string, f arrow.Field, exact bool) (bool, string) {
	t := normalType(f.Type)
	switch role {
	case "time":
		if isTemporal(t) {
			return true, "its type is " + t.String()
		}
		if isString(t) {
			return true, "it is a string column (times are parsed from text)"
		}
	case "label":
		if isString(t) || t.ID() == arrow.BOOL || isInteger(t) {
			return true, "its type " + t.String() + " suits class labels"
		}
		if isNumeric(t) && exact {
			return true, "its type " + t.String() + " suits a regression target"
		}
	case "id":
		if isString(t) || isInteger(t) {
			return true, "its type is " + t.String()
		}
	case "split":
		if isString(t) {
			return true, "it is a string column"
		}
	case "annotator":
		if isString(t) || isInteger(t) {
			return true, "its type is " + t.String()
		}
	}
	return false, ""
}
