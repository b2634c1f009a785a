package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeIPC writes f as Arrow IPC, in batches of per rows: the stream format
// when stream is set, else the file format. The extension of path is the
// caller's choice, so a .arrow file can hold a stream.
func writeIPC(t testing.TB, path string, f frame, per int, stream bool) {
	t.Helper()
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	type writer interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	var w writer
	if stream {
		w = ipc.NewWriter(out, ipc.WithSchema(f.schema), ipc.WithAllocator(mem))
	} else {
		fw, err := ipc.NewFileWriter(out, ipc.WithSchema(f.schema), ipc.WithAllocator(mem))
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	for _, r := range f.records(t, mem, per) {
		err := w.Write(r)
		r.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestIPCFormats reads the same rows as an IPC file, an IPC stream, and a
// .arrow file holding a stream, with batches larger than the batch size:
// the totals are right, batches are sliced to the batch size, and the
// missing check's result is the same for every container and for Parquet.
func TestIPCFormats(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(7, 1500, 0, arrow.PrimitiveTypes.Int64, false, true)
	want := expectTotals("x", "g", f)
	paths := map[string]string{
		"file":             filepath.Join(dir, "file", "a.arrow"),
		"feather":          filepath.Join(dir, "feather", "a.feather"),
		"stream":           filepath.Join(dir, "stream", "a.arrows"),
		"stream in .arrow": filepath.Join(dir, "disguised", "a.arrow"),
		"parquet":          filepath.Join(dir, "parquet", "a.parquet"),
	}
	writeIPC(t, paths["file"], f, 600, false)
	writeIPC(t, paths["feather"], f, 1500, false)
	writeIPC(t, paths["stream"], f, 600, true)
	writeIPC(t, paths["stream in .arrow"], f, 1000, true)
	writeParquet(t, paths["parquet"], f, parquetOpts{rowGroup: 1500})

	var missingJSON []byte
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			for _, batch := range []int{1, 100, 256, 0} {
				ds, out := sameAcrossWorkers(t, []string{path}, batch, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
				got := probeOf(t, out)
				checkTotals(t, got, want)
				if batch > 0 && got.MaxBatch > int64(batch) {
					t.Errorf("batch size %d: a batch of %d rows", batch, got.MaxBatch)
				}
				if batch == 100 && got.Batches != 15 && name != "parquet" {
					t.Errorf("batch size 100: %d batches, want 15", got.Batches)
				}
				if name == "stream in .arrow" && !ds.sources[0].(*ipcSource).stream {
					t.Error("a .arrow file holding a stream was not read as a stream")
				}
				m := resultsJSON(t, &Outcome{Results: out.Results[:1]})
				if missingJSON == nil {
					missingJSON = m
				} else if !bytes.Equal(m, missingJSON) {
					t.Errorf("missing result differs from another container's:\n%s\n%s", m, missingJSON)
				}
			}
		})
	}
}

// TestIPCDictionary: dictionary columns in an IPC stream (a new dictionary
// per batch) and file reach the checks as plain strings.
func TestIPCDictionary(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(8, 700, 0, arrow.PrimitiveTypes.Int32, true, true)
	writeIPC(t, filepath.Join(dir, "s.arrows"), f, 128, true)
	_, out := sameAcrossWorkers(t, []string{filepath.Join(dir, "s.arrows")}, 50, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
	checkTotals(t, probeOf(t, out), expectTotals("x", "g", f))

	// The file format allows one dictionary for all batches.
	one := genFrame(9, 200, 0, arrow.PrimitiveTypes.Int32, true, true)
	writeIPC(t, filepath.Join(dir, "f.arrow"), one, 200, false)
	_, out = sameAcrossWorkers(t, []string{filepath.Join(dir, "f.arrow")}, 64, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
	checkTotals(t, probeOf(t, out), expectTotals("x", "g", one))
}

// TestIPCEmpty: a stream or file with a schema and no batch has no rows.
func TestIPCEmpty(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(1, 0, 0, arrow.PrimitiveTypes.Int64, false, false)
	writeIPC(t, filepath.Join(dir, "a.arrow"), f, 10, false)
	writeIPC(t, filepath.Join(dir, "b.arrows"), f, 10, true)
	_, out := sameAcrossWorkers(t, []string{dir}, 10, missingTask(), probeTask(probeConfig{Sum: "x"}))
	if got := probeOf(t, out); got.Rows != 0 {
		t.Errorf("rows %d, want 0", got.Rows)
	}
	if out.Results[0].Status != "not_applicable" {
		t.Errorf("missing on no rows: %s, want not_applicable", out.Results[0].Status)
	}
}

// TestIPCCorrupt: truncated or damaged IPC input is an *InputError naming
// the file.
func TestIPCCorrupt(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(1, 1000, 0, arrow.PrimitiveTypes.Int64, false, true)
	file, stream := filepath.Join(dir, "good.arrow"), filepath.Join(dir, "good.arrows")
	writeIPC(t, file, f, 100, false)
	writeIPC(t, stream, f, 100, true)
	for _, src := range []string{file, stream} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range map[string]func([]byte) []byte{
			"truncated": func(b []byte) []byte { return b[:len(b)*2/3] },
			"tiny":      func(b []byte) []byte { return b[:5] },
			// IPC bodies carry no checksum, so flipped value bytes read
			// as other values; damage that reaches message headers and
			// the footer must be caught.
			"garbage tail": func(b []byte) []byte {
				for i := len(b) / 3; i < len(b); i++ {
					b[i] ^= 0xa5
				}
				return b
			},
		} {
			t.Run(filepath.Ext(src)+" "+name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "bad"+filepath.Ext(src))
				if err := os.WriteFile(path, m(append([]byte{}, data...)), 0o644); err != nil {
					t.Fatal(err)
				}
				_, _, err := audit(t, []string{path}, 2, 64, missingTask(), probeTask(probeConfig{Sum: "x", Group: "g"}))
				var ie *InputError
				if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), path) {
					t.Errorf("err %v (%T), want an *InputError naming %s", err, err, path)
				}
			})
		}
	}
}

// TestValidateArray: arrays whose buffers disagree with their lengths, as
// a damaged IPC body produces them, are errors rather than panics later.
func TestValidateArray(t *testing.T) {
	mem := newChecked(t)
	defer mem.AssertSize(t, 0)
	buf := func(b []byte) *memory.Buffer { return memory.NewBufferBytes(b) }
	i32 := func(vs ...int32) *memory.Buffer {
		return buf(arrow.Int32Traits.CastToBytes(vs))
	}
	str := func(offsets *memory.Buffer, data string, n int) arrow.Array {
		d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, offsets, buf([]byte(data))}, nil, 0, 0)
		defer d.Release()
		return array.MakeFromData(d)
	}
	cases := map[string]struct {
		arr func() arrow.Array
		ok  bool
	}{
		"good strings":          {func() arrow.Array { return str(i32(0, 1, 3), "abc", 2) }, true},
		"offset past the data":  {func() arrow.Array { return str(i32(0, 9, 3), "abc", 2) }, false},
		"decreasing offsets":    {func() arrow.Array { return str(i32(0, 2, 1, 3), "abc", 3) }, false},
		"negative first offset": {func() arrow.Array { return str(i32(-1, 1, 3), "abc", 2) }, false},
		"short validity bitmap": {func() arrow.Array {
			d := array.NewData(arrow.PrimitiveTypes.Int8, 20, []*memory.Buffer{buf([]byte{0xff}), buf(make([]byte, 20))}, nil, 1, 0)
			defer d.Release()
			return array.MakeFromData(d)
		}, false},
		"short boolean values": {func() arrow.Array {
			d := array.NewData(arrow.FixedWidthTypes.Boolean, 20, []*memory.Buffer{nil, buf([]byte{1})}, nil, 0, 0)
			defer d.Release()
			return array.MakeFromData(d)
		}, false},
		"dictionary index out of range": {func() arrow.Array {
			dict := str(i32(0, 1, 2), "ab", 2)
			defer dict.Release()
			d := array.NewDataWithDictionary(dictString, 3, []*memory.Buffer{nil, i32(0, 1, 2)}, 0, 0, dict.Data().(*array.Data))
			defer d.Release()
			return array.MakeFromData(d)
		}, false},
		"good dictionary": {func() arrow.Array {
			dict := str(i32(0, 1, 2), "ab", 2)
			defer dict.Release()
			d := array.NewDataWithDictionary(dictString, 3, []*memory.Buffer{nil, i32(0, 1, 1)}, 0, 0, dict.Data().(*array.Data))
			defer d.Release()
			return array.MakeFromData(d)
		}, true},
		"good slice": {func() arrow.Array {
			whole := str(i32(0, 1, 3, 3), "abc", 3)
			defer whole.Release()
			return array.NewSlice(whole, 1, 3)
		}, true},
		"empty": {func() arrow.Array { return str(nil, "", 0) }, true},
	}
	for name, tc := range cases {
		a := tc.arr()
		err := validateArray(a)
		a.Release()
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", name, err, tc.ok)
		}
	}
}

// TestIPCFileUnits: an IPC file is read in units of consecutive record
// batches, each unit's rows counted from its batches' message headers.
// The units follow the batches the writer wrote, every row reaches the
// checks with its own row number under 1, 2 and 4 workers, and the
// results are those of the same rows read as Parquet.
func TestIPCFileUnits(t *testing.T) {
	dir := t.TempDir()
	const n, per = 2300, 300 // seven batches of 300 rows and one of 200
	f := genFrame(12, n, 0, arrow.PrimitiveTypes.Int64, false, true)
	arrowPath, pqPath := filepath.Join(dir, "a", "t.arrow"), filepath.Join(dir, "p", "t.parquet")
	writeIPC(t, arrowPath, f, per, false)
	writeParquet(t, pqPath, f, parquetOpts{rowGroup: 1000})
	tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
	_, want := sameAcrossWorkers(t, []string{pqPath}, 128, tasks...)

	defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
	// A batch's body holds 24–48 bytes a row: three 8-byte columns, a
	// string column's offsets and one-byte strings, validity bitmaps.
	const twoBatches = 2 * per * 24
	for _, least := range []int64{1, twoBatches, 1 << 40} {
		ipcUnitBytes = least
		t.Run(fmt.Sprint(least), func(t *testing.T) {
			ds, out := sameAcrossWorkers(t, []string{arrowPath}, 128, tasks...)
			if got := ds.Rows(0); got != n {
				t.Errorf("Rows %d, want %d", got, n)
			}
			// Each unit is whole batches of the writer's, in order.
			units := ds.sources[0].Units()
			var off int64
			for _, u := range units {
				if u.Offset != off || u.Rows <= 0 || (u.Rows%per != 0 && off+u.Rows != n) {
					t.Errorf("unit %+v after %d rows: not whole batches of %d", u, off, per)
				}
				off += u.Rows
			}
			if off != n {
				t.Errorf("units hold %d rows, want %d", off, n)
			}
			switch {
			case least == 1 && len(units) != 8:
				t.Errorf("%d units with a unit a batch, want 8", len(units))
			case least == 1<<40 && len(units) != 1:
				t.Errorf("%d units with one unit for all, want 1", len(units))
			case least == twoBatches && len(units) != 4:
				t.Errorf("%d units of at least %d body bytes, want 4 of two batches", len(units), least)
			}
			got := probeOf(t, out)
			checkTotals(t, got, expectTotals("x", "g", f))
			if got.Misnumbered != 0 {
				t.Errorf("%d rows misnumbered", got.Misnumbered)
			}
			// The missing check's result is the Parquet file's.
			if a, b := resultsJSON(t, &Outcome{Results: out.Results[:1]}), resultsJSON(t, &Outcome{Results: want.Results[:1]}); !bytes.Equal(a, b) {
				t.Errorf("missing differs from Parquet's:\n%s\n%s", a, b)
			}
		})
	}
}

// TestIPCUnitGrouping: batches are grouped until a unit holds
// ipcUnitBytes of bodies, or four times the dictionaries' bytes if more.
func TestIPCUnitGrouping(t *testing.T) {
	defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
	ipcUnitBytes = 20
	batches := []ipcBatch{{rows: 5, body: 10}, {rows: 6, body: 10}, {rows: 7, body: 30}, {rows: 8, body: 10}, {rows: 9, body: 10}}
	for _, c := range []struct {
		dict        int64
		rows, first []int64
		bytes       []int64
	}{
		{0, []int64{11, 7, 17}, []int64{0, 2, 3, 5}, []int64{10, 30, 10}},
		{8, []int64{18, 17}, []int64{0, 3, 5}, []int64{38, 18}},
		{100, []int64{35}, []int64{0, 5}, []int64{130}},
	} {
		units, first := ipcUnits(batches, c.dict)
		var rows, bytes, firsts []int64
		var off int64
		for i, u := range units {
			if u.Index != i || u.Offset != off {
				t.Errorf("dict %d: unit %d is %+v, want index %d offset %d", c.dict, i, u, i, off)
			}
			off += u.Rows
			rows, bytes = append(rows, u.Rows), append(bytes, u.Bytes)
		}
		for _, x := range first {
			firsts = append(firsts, int64(x))
		}
		if !slices.Equal(rows, c.rows) || !slices.Equal(firsts, c.first) || !slices.Equal(bytes, c.bytes) {
			t.Errorf("dict %d: rows %v first %v bytes %v, want %v %v %v", c.dict, rows, firsts, bytes, c.rows, c.first, c.bytes)
		}
	}
	if units, first := ipcUnits(nil, 0); len(units) != 1 || units[0].Rows != 0 || !slices.Equal(first, []int{0, 0}) {
		t.Errorf("no batches: %+v %v, want one unit of no rows", units, first)
	}
}

// TestIPCStreamUnits: a large local IPC stream is read in units too, each
// as its schema, the dictionary batches before it and its own messages.
// With a new dictionary in every batch (a replacement each time), every
// row reaches the checks with its own row number and its own values, a
// unit a batch, two batches a unit, or one unit.
func TestIPCStreamUnits(t *testing.T) {
	dir := t.TempDir()
	const n, per = 2300, 300
	for _, dict := range []bool{false, true} {
		f := genFrame(14, n, 0, arrow.PrimitiveTypes.Int64, dict, true)
		path := filepath.Join(dir, fmt.Sprint(dict), "t.arrows")
		writeIPC(t, path, f, per, true)
		tasks := []Task{missingTask(), probeTask(probeConfig{Sum: "x", Group: "g", IDIsRow: true})}
		var first []byte
		for _, least := range []int64{1, 2 * per * 24, 1 << 40} {
			t.Run(fmt.Sprint(dict, least), func(t *testing.T) {
				defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
				ipcUnitBytes = least
				ds, out := sameAcrossWorkers(t, []string{path}, 128, tasks...)
				units := ds.sources[0].Units()
				switch {
				case least == 1 && (len(units) != 8 || ds.Rows(0) != n):
					t.Errorf("a unit a batch: %d units, %d rows; want 8 and %d", len(units), ds.Rows(0), n)
				case least == 2*per*24 && len(units) != 4:
					t.Errorf("%d units of two batches, want 4", len(units))
				case least == 1<<40 && len(units) != 1:
					t.Errorf("%d units, want 1", len(units))
				}
				got := probeOf(t, out)
				checkTotals(t, got, expectTotals("x", "g", f))
				if got.Misnumbered != 0 {
					t.Errorf("%d rows misnumbered", got.Misnumbered)
				}
				missing := resultsJSON(t, &Outcome{Results: out.Results[:1]})
				if first == nil {
					first = missing
				} else if !bytes.Equal(missing, first) {
					t.Errorf("missing differs:\n%s\n%s", missing, first)
				}
			})
		}
	}
}

// TestIPCCorpusUnits reads every IPC file and stream of the Apache
// integration suite a unit a record batch and as one unit: the same rows,
// the same missing-values result, or an error both ways.
func TestIPCCorpusUnits(t *testing.T) {
	root := CorpusFile(t, "arrow-testing", "data", "arrow-ipc-stream", "integration")
	var paths []string
	for _, pat := range []string{"*/*.stream", "*/*.arrow_file"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 100 {
		t.Fatalf("%d integration files, want at least 100", len(paths))
	}
	defer func(b int64) { ipcUnitBytes = b }(ipcUnitBytes)
	split, read := 0, 0
	for _, src := range paths {
		ext := ".arrow"
		if strings.HasSuffix(src, ".stream") {
			ext = ".arrows"
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "t"+ext)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tasks := []Task{missingTask(), probeTask(probeConfig{})}
		ipcUnitBytes = 1 << 40
		_, whole, errWhole := audit(t, []string{path}, 2, 64, tasks...)
		ipcUnitBytes = 1
		ds, parts, errParts := audit(t, []string{path}, 2, 64, tasks...)
		if (errWhole == nil) != (errParts == nil) {
			t.Errorf("%s: as one unit: %v; a unit a batch: %v", src, errWhole, errParts)
			continue
		}
		if errWhole != nil {
			continue
		}
		read++
		if len(ds.sources[0].Units()) > 1 {
			split++
		}
		if a, b := probeOf(t, parts), probeOf(t, whole); a.Rows != b.Rows || !a.OffsetsOK {
			t.Errorf("%s: %d rows a unit a batch (offsets tile: %v), %d as one unit", src, a.Rows, a.OffsetsOK, b.Rows)
		}
		if a, b := resultsJSON(t, &Outcome{Results: parts.Results[:1]}), resultsJSON(t, &Outcome{Results: whole.Results[:1]}); !bytes.Equal(a, b) {
			t.Errorf("%s: missing a unit a batch:\n%s\nas one unit:\n%s", src, a, b)
		}
	}
	t.Logf("%d files, %d read, %d of them in more than one unit", len(paths), read, split)
	if split < 50 {
		t.Errorf("only %d files split into units", split)
	}
}
