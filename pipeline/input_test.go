package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tree writes empty files (Discover reads no content) under a new folder
// and returns it.
func makeTree(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		writeTestFile(t, filepath.Join(root, filepath.FromSlash(f)), "x")
	}
	return root
}

// rel lists the inputs' paths relative to root, with forward slashes.
func relPaths(t *testing.T, root string, ins []*Input) []string {
	t.Helper()
	var out []string
	for _, in := range ins {
		r, err := filepath.Rel(root, in.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

func wantUsage(t *testing.T, err error, contains string) {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err %v (%T), want a *UsageError", err, err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("message %q does not contain %q", err, contains)
	}
}

func TestDiscoverFile(t *testing.T) {
	root := makeTree(t, "a.parquet")
	path := filepath.Join(root, "a.parquet")
	d, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Inputs) != 1 {
		t.Fatalf("inputs %v", d.Inputs)
	}
	in := d.Inputs[0]
	info, _ := os.Stat(path)
	if in.Path != path || in.Format != Parquet || in.Compression != NoCompression || in.Size != 1 ||
		!in.ModTime.Equal(info.ModTime()) || in.ModTime.Location().String() != "UTC" || in.Partitions != nil {
		t.Errorf("input %+v", in)
	}
}

func TestDiscoverFolder(t *testing.T) {
	root := makeTree(t,
		"b.parquet", "a.csv", "sub/c.tsv", "sub/deeper/d.ndjson", "e.arrow", "f.arrows", "g.feather", "h.jsonl",
		"README.md", "x.parquet.gz", // skipped, listed
		"_SUCCESS", ".hidden.parquet", "_tmp.parquet", ".spark/i.parquet", "_temporary/0/j.parquet", "part.parquet.crc", // ignored
	)
	d, err := Discover([]string{root}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.csv", "b.parquet", "e.arrow", "f.arrows", "g.feather", "h.jsonl", "sub/c.tsv", "sub/deeper/d.ndjson"}
	if got := relPaths(t, root, d.Inputs); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs %v, want %v", got, want)
	}
	wantFormats := []Format{CSV, Parquet, IPCFile, IPCStream, IPCFile, NDJSON, TSV, NDJSON}
	for i, in := range d.Inputs {
		if in.Format != wantFormats[i] {
			t.Errorf("%s: format %s, want %s", in.Path, in.Format, wantFormats[i])
		}
	}
	// .crc has no known extension, but it is a listed skip, not a hidden one.
	wantSkipped := []string{"README.md", "part.parquet.crc", "x.parquet.gz"}
	if got := relPaths(t, root, inputsOf(d.Skipped)); !reflect.DeepEqual(got, wantSkipped) {
		t.Errorf("skipped %v, want %v", got, wantSkipped)
	}
}

func inputsOf(paths []string) []*Input {
	var out []*Input
	for _, p := range paths {
		out = append(out, &Input{Path: p})
	}
	return out
}

func TestDiscoverHiddenRootIsWalked(t *testing.T) {
	// Only names below the named folder are filtered, not the folder itself.
	root := makeTree(t, "_staging/a.parquet", ".cache/b.parquet")
	for _, sub := range []string{"_staging", ".cache"} {
		d, err := Discover([]string{filepath.Join(root, sub)}, DiscoverOptions{})
		if err != nil || len(d.Inputs) != 1 {
			t.Errorf("%s: inputs %v, err %v", sub, d, err)
		}
	}
}

func TestDiscoverGlob(t *testing.T) {
	root := makeTree(t, "a.parquet", "b.parquet", "c.csv", "d/e.parquet", "f1.parquet")
	d, err := Discover([]string{filepath.Join(root, "*.parquet")}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := relPaths(t, root, d.Inputs), []string{"a.parquet", "b.parquet", "f1.parquet"}; !reflect.DeepEqual(got, want) {
		t.Errorf("inputs %v, want %v", got, want)
	}
	// A glob matching a folder walks it.
	d, err = Discover([]string{filepath.Join(root, "?")}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := relPaths(t, root, d.Inputs), []string{"d/e.parquet"}; !reflect.DeepEqual(got, want) {
		t.Errorf("inputs %v, want %v", got, want)
	}
	d, err = Discover([]string{filepath.Join(root, "f[0-9].parquet")}, DiscoverOptions{})
	if err != nil || len(d.Inputs) != 1 {
		t.Errorf("character class: %v, %v", d, err)
	}
	_, err = Discover([]string{filepath.Join(root, "*.arrow")}, DiscoverOptions{})
	wantUsage(t, err, "no files match")
	_, err = Discover([]string{filepath.Join(root, "[")}, DiscoverOptions{})
	wantUsage(t, err, "bad glob")
}

func TestDiscoverHive(t *testing.T) {
	root := makeTree(t,
		"year=2024/month=01/a.parquet",
		"year=2024/month=02/b.parquet",
		"year=2023/c.parquet",
		"year=__HIVE_DEFAULT_PARTITION__/d.parquet",
		"plain/year=2022/extra/e.parquet",
		"=x/f.parquet",
		"k=v=w/g.parquet",
	)
	d, err := Discover([]string{root}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]Partition{
		"=x/f.parquet":                              nil,
		"k=v=w/g.parquet":                           {{"k", "v=w"}},
		"plain/year=2022/extra/e.parquet":           {{"year", "2022"}},
		"year=2023/c.parquet":                       {{"year", "2023"}},
		"year=2024/month=01/a.parquet":              {{"year", "2024"}, {"month", "01"}},
		"year=2024/month=02/b.parquet":              {{"year", "2024"}, {"month", "02"}},
		"year=__HIVE_DEFAULT_PARTITION__/d.parquet": {{"year", HiveNull}},
	}
	names := relPaths(t, root, d.Inputs)
	if len(names) != len(want) {
		t.Fatalf("inputs %v", names)
	}
	for i, n := range names {
		if got := d.Inputs[i].Partitions; !reflect.DeepEqual(got, want[n]) {
			t.Errorf("%s: partitions %v, want %v", n, got, want[n])
		}
	}
	// Partitions come from the whole path, however the file was named.
	for _, p := range []string{filepath.Join(root, "year=2024"), filepath.Join(root, "year=2024", "month=01", "a.parquet"), filepath.Join(root, "year=2024", "*", "a.parquet")} {
		d, err = Discover([]string{p}, DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Inputs[0].Partitions; !reflect.DeepEqual(got, []Partition{{"year", "2024"}, {"month", "01"}}) {
			t.Errorf("%s: partitions %v, want year and month", p, got)
		}
	}
}

// TestDiscoverOrder: the order paths are named in changes nothing, even
// when one names a file that a folder also holds.
func TestDiscoverOrder(t *testing.T) {
	root := makeTree(t, "year=2024/a.parquet", "year=2025/b.parquet", "c.parquet")
	file := filepath.Join(root, "year=2024", "a.parquet")
	orders := [][]string{
		{root, file},
		{file, root},
		{filepath.Join(root, "c.parquet"), root, file},
	}
	var first *Discovery
	for _, paths := range orders {
		d, err := Discover(paths, DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Inputs) != 3 {
			t.Errorf("%v: %d inputs, want 3 (no duplicates)", paths, len(d.Inputs))
		}
		if first == nil {
			first = d
			continue
		}
		if !reflect.DeepEqual(d, first) {
			t.Errorf("paths in order %v discover differently:\n%+v\n%+v", paths, inputsString(d), inputsString(first))
		}
	}
}

func inputsString(d *Discovery) string {
	var b strings.Builder
	for _, in := range d.Inputs {
		b.WriteString(in.Path)
		for _, p := range in.Partitions {
			b.WriteString(" " + p.Key + "=" + p.Value)
		}
		b.WriteString("; ")
	}
	return b.String()
}

func TestDiscoverErrors(t *testing.T) {
	root := makeTree(t, "notes.txt", "empty/README", "data.parquet.gz")
	_, err := Discover(nil, DiscoverOptions{})
	wantUsage(t, err, "no input paths")
	_, err = Discover([]string{filepath.Join(root, "notes.txt")}, DiscoverOptions{})
	wantUsage(t, err, "notes.txt: cannot tell the format")
	_, err = Discover([]string{filepath.Join(root, "data.parquet.gz")}, DiscoverOptions{})
	wantUsage(t, err, "data.parquet.gz")
	_, err = Discover([]string{filepath.Join(root, "absent.parquet")}, DiscoverOptions{})
	wantUsage(t, err, "absent.parquet")
	_, err = Discover([]string{filepath.Join(root, "empty")}, DiscoverOptions{})
	wantUsage(t, err, "no data files found")
	// One bad path among good ones fails the whole discovery.
	good := makeTree(t, "a.csv")
	_, err = Discover([]string{good, filepath.Join(root, "absent.csv")}, DiscoverOptions{})
	wantUsage(t, err, "absent.csv")
}

func TestDiscoverFormatOverride(t *testing.T) {
	root := makeTree(t, "notes.txt", "data.gz", "x.parquet", "sub/y.dat")
	d, err := Discover([]string{filepath.Join(root, "notes.txt"), filepath.Join(root, "data.gz"), filepath.Join(root, "x.parquet")}, DiscoverOptions{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Compression{"data.gz": Gzip, "notes.txt": NoCompression, "x.parquet": NoCompression}
	for i, n := range relPaths(t, root, d.Inputs) {
		if d.Inputs[i].Format != CSV || d.Inputs[i].Compression != want[n] {
			t.Errorf("%s: %s %q, want csv %q", n, d.Inputs[i].Format, d.Inputs[i].Compression, want[n])
		}
	}
	// Binary formats compress internally: no whole-file compression.
	d, err = Discover([]string{filepath.Join(root, "data.gz")}, DiscoverOptions{Format: Parquet})
	if err != nil || d.Inputs[0].Format != Parquet || d.Inputs[0].Compression != NoCompression {
		t.Errorf("--format parquet on data.gz: %+v, %v", d.Inputs[0], err)
	}
	// In a folder, every file is taken.
	d, err = Discover([]string{filepath.Join(root, "sub")}, DiscoverOptions{Format: NDJSON})
	if err != nil || len(d.Inputs) != 1 || d.Inputs[0].Format != NDJSON || len(d.Skipped) != 0 {
		t.Errorf("--format ndjson on a folder: %+v, %v", d, err)
	}
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		name string
		f    Format
		c    Compression
		ok   bool
	}{
		{"a.parquet", Parquet, "", true},
		{"a.PQ", Parquet, "", true},
		{"a.parq", Parquet, "", true},
		{"a.csv", CSV, "", true},
		{"a.csv.gz", CSV, Gzip, true},
		{"A.CSV.GZ", CSV, Gzip, true},
		{"a.tsv.zst", TSV, Zstd, true},
		{"a.tab", TSV, "", true},
		{"a.ndjson.zst", NDJSON, Zstd, true},
		{"a.jsonl.gz", NDJSON, Gzip, true},
		{"a.json", NDJSON, "", true},
		{"a.arrow", IPCFile, "", true},
		{"a.feather", IPCFile, "", true},
		{"a.ipc", IPCFile, "", true},
		{"a.arrows", IPCStream, "", true},
		{"a.parquet.gz", Parquet, Gzip, false},
		{"a.arrow.zst", IPCFile, Zstd, false},
		{"a.gz", "", Gzip, false},
		{"a.txt", "", "", false},
		{"README", "", "", false},
		{"dir.csv/file", "", "", false},
	}
	for _, tc := range cases {
		f, c, ok := DetectFormat(tc.name)
		if f != tc.f || c != tc.c || ok != tc.ok {
			t.Errorf("DetectFormat(%q) = %q, %q, %v; want %q, %q, %v", tc.name, f, c, ok, tc.f, tc.c, tc.ok)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{
		"parquet": Parquet, "CSV": CSV, " tsv ": TSV, "ndjson": NDJSON, "jsonl": NDJSON, "json": NDJSON,
		"arrow": IPCFile, "ipc": IPCFile, "feather": IPCFile, "arrows": IPCStream, "ipc-stream": IPCStream, "stream": IPCStream,
	} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "xlsx", "parquet.gz"} {
		if _, err := ParseFormat(bad); err == nil {
			t.Errorf("ParseFormat(%q): want an error", bad)
		}
	}
	for _, f := range Formats {
		if _, ok := openers[f]; !ok {
			t.Errorf("format %s has no opener", f)
		}
	}
}
