package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/configs"
	"github.com/readiness/readiness/pipeline"
	"gopkg.in/yaml.v3"
)

// sampleRoles are the roles of fixtures/sample, read off its README and
// schema by hand: the oracle the detected roles are compared with.
var sampleRoles = checks.Roles{Label: "label", Time: "ts", ID: "id", Annotator: "annotator",
	Features: []string{"text", "category", "region", "amount", "age", "score", "flag"}}

// policyRoles turns a policy's roles into checks.Roles, "none" as no column.
func policyRoles(r configs.Roles) checks.Roles {
	col := func(s string) string {
		if strings.EqualFold(s, "none") {
			return ""
		}
		return s
	}
	return checks.Roles{Label: col(r.Label), Time: col(r.Time), ID: col(r.ID), Split: col(r.Split),
		Annotator: col(r.Annotator), Features: r.Features}
}

// loadStarter loads a policy init wrote and decodes every check section
// strictly, as audit does.
func loadStarter(t *testing.T, path string) *configs.Policy {
	t.Helper()
	p, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkTasks(p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "starter" {
		t.Errorf("policy name %q, want starter", p.Name)
	}
	return p
}

func TestInitThenAudit(t *testing.T) {
	sample := filepath.Join(root(t), "fixtures", "sample")
	cases := []struct {
		name string
		args []string
		want checks.Roles
	}{
		{"parquet", []string{filepath.Join(sample, "train.parquet")}, sampleRoles},
		{"csv", []string{filepath.Join(sample, "train.csv")}, sampleRoles},
		{"label from a flag", []string{filepath.Join(sample, "train.parquet"), "--label", "category"},
			checks.Roles{Label: "category", Time: "ts", ID: "id", Annotator: "annotator",
				Features: []string{"text", "region", "amount", "age", "score", "flag", "label"}}},
		{"partitioned folder", []string{filepath.Join(root(t), "fixtures", "sample-partitioned", "*", "*.parquet")},
			checks.Roles{Label: "label", Time: "ts", ID: "id", Split: "split", Annotator: "annotator",
				Features: []string{"text", "category", "region", "amount", "age", "score", "flag"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "policy.yaml")
			r := runCLI(t, append([]string{"init", "--out", out}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("init: exit %d\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "wrote "+out) {
				t.Errorf("stdout %q does not name the file", r.stdout)
			}
			p := loadStarter(t, out)
			got := policyRoles(p.Roles)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("policy roles\n%+v\nwant\n%+v", got, c.want)
			}
			// Every role is written out: none is left to detection.
			for role, v := range map[string]string{"label": p.Roles.Label, "time": p.Roles.Time, "id": p.Roles.ID,
				"split": p.Roles.Split, "annotator": p.Roles.Annotator} {
				if v == "" {
					t.Errorf("role %s left empty", role)
				}
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)

			// The policy audits the same data, with the roles init chose,
			// and the roles audit detects without it are the same.
			auditArgs := slices.DeleteFunc(slices.Clone(c.args), func(s string) bool { return s == "--label" || s == "category" })
			rep, _ := audit(t, append([]string{"--config", out}, auditArgs...)...)
			if !reflect.DeepEqual(rep.Roles.Roles, c.want) {
				t.Errorf("audit --config: roles\n%+v\nwant\n%+v", rep.Roles.Roles, c.want)
			}
			if rep.Policy.Name != "starter" || rep.Policy.Source != out {
				t.Errorf("report policy %+v", rep.Policy)
			}
			plain, _ := audit(t, c.args...)
			if !reflect.DeepEqual(plain.Roles.Roles, c.want) {
				t.Errorf("audit without the policy detects\n%+v\nwant\n%+v", plain.Roles.Roles, c.want)
			}
			// The header lists the schema audit reads, and each detected
			// role's reason is a comment.
			for _, col := range plain.Dataset.Schema {
				if line := "#   " + col.Name + ": " + col.Type + "\n"; !strings.Contains(text, line) {
					t.Errorf("header lacks %q", line)
				}
			}
			for _, ch := range plain.Roles.Choices {
				if ch.Source == "detected" && !strings.Contains(text, "  # detected: "+ch.Reason+"\n") {
					t.Errorf("no comment for role %s: %q", ch.Role, ch.Reason)
				}
			}
			for _, a := range c.args {
				if !strings.HasPrefix(a, "-") && a != "category" && !strings.Contains(text, "#   "+a+"\n") {
					t.Errorf("header does not name the dataset %s", a)
				}
			}
		})
	}
}

func TestInitStdoutIsDeterministic(t *testing.T) {
	in := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	a := runCLI(t, "init", "--out", "-", in)
	b := runCLI(t, "init", "--out", "-", in)
	if a.code != 0 || b.code != 0 {
		t.Fatalf("exit %d, %d\nstderr: %s", a.code, b.code, a.stderr)
	}
	if a.stdout != b.stdout {
		t.Error("two runs wrote different policies")
	}
	file := filepath.Join(t.TempDir(), "p.yaml")
	if r := runCLI(t, "init", "--out", file, in); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(file)
	if string(data) != a.stdout {
		t.Error("--out - and --out FILE differ")
	}
	for _, y := range []string{"2026", "2025"} {
		if strings.Contains(a.stdout, y) {
			t.Errorf("policy holds %q: a date?", y)
		}
	}
}

func TestInitOverwrite(t *testing.T) {
	in := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	dir := t.TempDir()
	out := filepath.Join(dir, "readiness.yaml")
	const mine = "version: 1\nname: mine\n"
	if err := os.WriteFile(out, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "init", "--out", out, in)
	if r.code != 2 || !strings.Contains(r.stderr, "--force") || !strings.Contains(r.stderr, out) {
		t.Errorf("existing file: exit %d, stderr %s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(out); string(data) != mine {
		t.Error("the existing file was changed without --force")
	}
	r = runCLI(t, "init", "--force", "--out", out, in)
	if r.code != 0 {
		t.Fatalf("--force: exit %d, stderr %s", r.code, r.stderr)
	}
	if p := loadStarter(t, out); !reflect.DeepEqual(policyRoles(p.Roles), sampleRoles) {
		t.Errorf("--force wrote roles %+v", p.Roles)
	}
	r = runCLI(t, "init", "--out", filepath.Join(dir, "absent", "p.yaml"), in)
	if r.code != 2 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("--out in a missing folder: exit %d, stderr %s", r.code, r.stderr)
	}
	// A folder is never replaced, and no temporary file is left behind.
	r = runCLI(t, "init", "--force", "--out", dir, in)
	if r.code != 2 || !strings.Contains(r.stderr, "folder") {
		t.Errorf("--out folder: exit %d, stderr %s", r.code, r.stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only readiness.yaml", len(entries))
	}
}

func TestInitDefaultOut(t *testing.T) {
	in := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	dir := t.TempDir()
	cmd := runIn(t, dir, "init", in)
	if cmd.code != 0 {
		t.Fatalf("exit %d: %s", cmd.code, cmd.stderr)
	}
	loadStarter(t, filepath.Join(dir, "readiness.yaml"))
}

func TestInitUsageErrors(t *testing.T) {
	in := filepath.Join(root(t), "fixtures", "sample", "train.parquet")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown label column", []string{"--label", "nosuch", in}, []string{`"nosuch"`, "label"}},
		{"unknown feature column", []string{"--features", "text,nosuch", in}, []string{`"nosuch"`, "feature"}},
		{"no dataset", nil, []string{"requires at least 1 arg"}},
		{"missing file", []string{filepath.Join(t.TempDir(), "absent.parquet")}, []string{"absent.parquet"}},
		{"bad header flag", []string{"--header", "maybe", in}, []string{"--header"}},
		{"bad format", []string{"--format", "xls", in}, []string{"unknown format"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "p.yaml")
			r := runCLI(t, append([]string{"init", "--out", out}, c.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed init left %d files", len(entries))
			}
		})
	}
}

// TestInitReadFlags: --null-values and --infer-rows are policy settings,
// so init writes them into the read section; the rest are named in the
// header.
func TestInitReadFlags(t *testing.T) {
	in := filepath.Join(root(t), "fixtures", "sample", "train.csv")
	out := filepath.Join(t.TempDir(), "p.yaml")
	r := runCLI(t, "init", "--out", out, "--null-values", "NA,,?", "--infer-rows", "123", "--delimiter", ",", "--header", "yes", in)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	p := loadStarter(t, out)
	if !slices.Equal(p.Read.NullValues, []string{"NA", "", "?"}) || p.Read.InferRows != 123 {
		t.Errorf("read section %+v", p.Read)
	}
	def, _ := configs.Default()
	if p.Read.BatchSize != def.Read.BatchSize {
		t.Errorf("batch_size %d, default %d", p.Read.BatchSize, def.Read.BatchSize)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), `# Read with --delimiter "," --header yes`) {
		t.Errorf("header does not name the read flags:\n%s", data[:600])
	}
}

// TestStarterPolicyKeepsTheDefault: apart from name and roles, the starter
// policy is the default: every check decodes to the same configuration.
func TestStarterPolicyKeepsTheDefault(t *testing.T) {
	fields := []arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String}, {Name: "x", Type: arrow.PrimitiveTypes.Int64}}
	roles, choices, err := pipeline.ResolveRoles(arrow.NewSchema(fields, nil), pipeline.RoleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := starterPolicy(configs.DefaultBytes(), starter{paths: []string{"d.csv"}, schema: fields, roles: roles, choices: choices})
	if err != nil {
		t.Fatal(err)
	}
	p, err := configs.Parse(data, "starter")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	def, _ := configs.Default()
	got, err := checkTasks(p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := checkTasks(def)
	if len(got) != len(want) {
		t.Fatalf("%d checks, default %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i].Config, want[i].Config) {
			t.Errorf("check %s: %+v, default %+v", got[i].Check.Name, got[i].Config, want[i].Config)
		}
	}
	if !reflect.DeepEqual(p.Read, def.Read) {
		t.Errorf("read %+v, default %+v", p.Read, def.Read)
	}
	wantRoles := configs.Roles{Label: "label", Time: "none", ID: "none", Split: "none", Annotator: "none", Features: []string{"x"}}
	if !reflect.DeepEqual(p.Roles, wantRoles) {
		t.Errorf("roles %+v, want %+v", p.Roles, wantRoles)
	}
	// The default's comments outside the roles section are all kept.
	for _, l := range strings.Split(string(configs.DefaultBytes()), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.Contains(l, "who labelled") && !bytes.Contains(data, []byte(l+"\n")) {
			t.Errorf("comment dropped: %q", l)
		}
	}
	if n := bytes.Count(data, []byte("\nroles:\n")); n != 1 {
		t.Errorf("%d roles sections", n)
	}
}

// TestYAMLString: any column name survives the trip through the policy.
func TestYAMLString(t *testing.T) {
	for _, name := range []string{"label", "", "yes", "null", "~", "1e3", "a: b", "# x", `say "hi"`, `back\slash`,
		" lead", "trail ", "line\nbreak", "tab\there", "del\x7f", "é 日本", "\u2028sep", "- item", "[x]", "{y}", "&a", "*b", "!t", "%p", "@c", "`d"} {
		doc := "k: " + yamlString(name) + "\n"
		var m map[string]string
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Errorf("%q: %v\n%s", name, err, doc)
			continue
		}
		if m["k"] != name {
			t.Errorf("%q came back as %q", name, m["k"])
		}
		if strings.Count(doc, "\n") != 1 {
			t.Errorf("%q takes more than one line", name)
		}
	}
	for _, s := range []string{"plain", "a\nb", "c\rd", "e\x00f"} {
		if c := commentText(s); strings.ContainsAny(c, "\n\r\x00") {
			t.Errorf("commentText(%q) = %q", s, c)
		}
	}
}

// runIn runs the binary with dir as its working folder.
func runIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// TestWriteNewNeverClobbers: a file that appears after the early check
// (another process) is still not replaced without force; with force it is.
// No temporary file is left either way.
func TestWriteNewNeverClobbers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	if err := writeNew(path, []byte("first\n"), false); err != nil {
		t.Fatal(err)
	}
	err := writeNew(path, []byte("second\n"), false)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("existing file: err %v, want a usage error", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "first\n" {
		t.Errorf("replaced without force: %q", data)
	}
	if err := writeNew(path, []byte("third\n"), true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "third\n" {
		t.Errorf("with force: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries left, want 1", len(entries))
	}
}
