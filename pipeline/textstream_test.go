package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// compressedCopies writes text gzip- and zstd-compressed into dir as
// name.gz and name.zst, the first cut to keep of its bytes (the whole
// file when keep is 1).
func compressedCopies(t *testing.T, dir, name, text string, keep float64) []string {
	t.Helper()
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte(text))
	gw.Close()
	zw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write([]byte(text))
	zw.Close()
	var paths []string
	for ext, b := range map[string][]byte{".gz": gz.Bytes(), ".zst": zs.Bytes()} {
		path := filepath.Join(dir, name+ext)
		if err := os.WriteFile(path, b[:int(float64(len(b))*keep)], 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// streamSmall makes streamed units of about 2 KiB, scanned in blocks of
// 100 bytes, until the test ends.
func streamSmall(t *testing.T) {
	t.Helper()
	units, block := textUnitBytes, textScanBlock
	t.Cleanup(func() { textUnitBytes, textScanBlock, streamTextUnits = units, block, true })
	textUnitBytes, textScanBlock = 2<<10, 100
}

// streamedUnits streams path's units as the run would and returns them.
func streamedUnits(t *testing.T, path string) []Unit {
	t.Helper()
	found, err := Discover([]string{path}, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := ReadOptions{BatchSize: 100, InferRows: 500, Mem: newChecked(t)}
	ds, err := Plan(context.Background(), found.Inputs, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	var units []Unit
	ok, err := ds.sources[0].(unitStreamer).stream(context.Background(), opts, func(u Unit) bool {
		units = append(units, u)
		u.stream.Close()
		return true
	})
	if !ok || err != nil {
		t.Fatalf("%s: streamed %v, %v", path, ok, err)
	}
	return units
}

// TestStreamUnits: gzip and zstd CSV and NDJSON files, and plain ones
// served over HTTP, are read in streamed units of about 2 KiB that tile
// their rows, every row reaches the checks with its own row number under
// 1, 2 and 4 workers, and the results are those of the file read whole,
// front to back, as before streaming.
func TestStreamUnits(t *testing.T) {
	const n = 3000
	csvText, _ := csvUnitsText(n)
	ndText, _ := ndjsonUnitsText(n, -1, -1)
	dir := t.TempDir()
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text := map[string]string{"/t.csv": csvText, "/t.ndjson": ndText}[r.URL.Path]
		http.ServeContent(w, r, r.URL.Path, time.Unix(1_700_000_000, 0), strings.NewReader(text))
	}))
	defer srv.Close()
	paths := append(compressedCopies(t, dir, "t.csv", csvText, 1), compressedCopies(t, dir, "t.ndjson", ndText, 1)...)
	for _, path := range append(paths, srv.URL+"/t.csv", srv.URL+"/t.ndjson") {
		streamSmall(t)
		streamTextUnits = false
		_, whole := sameAcrossWorkers(t, []string{path}, 100, tasks...)
		streamTextUnits = true
		units := streamedUnits(t, path)
		var off int64
		for k, u := range units {
			if u.Index != k || u.Offset != off || u.Rows <= 0 || len(u.stream.data) == 0 {
				t.Fatalf("%s: unit %d %+v after %d rows", path, k, u, off)
			}
			off += u.Rows
		}
		if len(units) < 20 || off != n {
			t.Errorf("%s: %d units of %d rows, want at least 20 of %d", path, len(units), off, n)
		}
		_, out := sameAcrossWorkers(t, []string{path}, 100, tasks...)
		got := probeOf(t, out)
		if got.Rows != n || got.Misnumbered != 0 || !got.OffsetsOK {
			t.Errorf("%s: rows %d, misnumbered %d, offsets ok %v", path, got.Rows, got.Misnumbered, got.OffsetsOK)
		}
		if w := probeOf(t, whole); !reflect.DeepEqual(got.totals, w.totals) {
			t.Errorf("%s: totals streamed %+v, whole %+v", path, got.totals, w.totals)
		}
		if a, b := resultsJSON(t, &Outcome{Results: out.Results[:1]}), resultsJSON(t, &Outcome{Results: whole.Results[:1]}); !bytes.Equal(a, b) {
			t.Errorf("%s: streamed:\n%s\nwhole:\n%s", path, a, b)
		}
	}
}

// TestStreamErrors: a file with a fault far into it — a value that does not
// parse, quoting encoding/csv refuses (the scan stops there, and the rest
// is one unit), a compressed stream cut short — gives, read in streamed
// units, the error it gives read whole: the same message, the same line.
func TestStreamErrors(t *testing.T) {
	const n = 3000
	badValue, _ := csvUnitsText(n, 2500)
	plain, _ := csvUnitsText(n)
	at := strings.Index(plain, "\n1700,")
	badQuote := plain[:at] + "\n1700,a\"b,a,0.5" + plain[at:]
	ndBad, _ := ndjsonUnitsText(n, 2500, -1)
	// Long enough for a zstd stream cut short to keep whole blocks.
	long, _ := csvUnitsText(8 * n)
	ndLong, _ := ndjsonUnitsText(8*n, -1, -1)
	dir := t.TempDir()
	var paths []string
	for _, c := range []struct {
		name, text string
		keep       float64
	}{
		{"value.csv", badValue, 1}, {"quote.csv", badQuote, 1}, {"cut.csv", long, 0.7},
		{"value.ndjson", ndBad, 1}, {"cut.ndjson", ndLong, 0.7},
	} {
		sub := filepath.Join(dir, strings.TrimSuffix(c.name, filepath.Ext(c.name)))
		os.MkdirAll(sub, 0o755)
		paths = append(paths, compressedCopies(t, sub, c.name, c.text, c.keep)...)
	}
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
	for _, path := range paths {
		streamSmall(t)
		streamTextUnits = false
		_, want := runText(t, path, 1, tasks)
		streamTextUnits = true
		if want == nil {
			t.Fatalf("%s: no error read whole", path)
		}
		if units := streamedUnits(t, path); len(units) < 10 {
			t.Errorf("%s: %d streamed units, want at least 10 before the fault", path, len(units))
		}
		for _, w := range []int{1, 2, 4} {
			if _, err := runText(t, path, w, tasks); err == nil || err.Error() != want.Error() {
				t.Errorf("%s, %d workers: %v, want %v", path, w, err, want)
			}
		}
	}
}
