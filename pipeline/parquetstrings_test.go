package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// stringsFrame is a table of string and binary columns with its values
// kept as written, the truth a read is compared with.
type stringsFrame struct {
	schema *arrow.Schema
	cols   [][]*string // per column, per row; nil is a null
}

// genStrings makes n rows: an optional string column of short repeated
// values, an optional one of free text up to 300 bytes (empty strings and
// non-ASCII included), a required string, an optional binary column, an
// int64 read by pqarrow beside them, and an optional string column that is
// mostly null.
func genStrings(seed uint64, n int) stringsFrame {
	r := rand.New(rand.NewPCG(seed, 7))
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "cat", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "req", Type: arrow.BinaryTypes.String},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "num", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "sparse", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	f := stringsFrame{schema: sc, cols: make([][]*string, sc.NumFields())}
	text := func() string {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		if r.IntN(10) == 0 {
			return string(b) + "é"
		}
		return string(b)
	}
	for i := range n {
		row := []*string{
			maybe(r, 10, fmt.Sprintf("c%d", r.IntN(5))),
			maybe(r, 7, text()),
			ptr(fmt.Sprintf("row %d", i)),
			maybe(r, 4, string([]byte{byte(r.IntN(256)), 0, byte(i)})),
			maybe(r, 5, fmt.Sprint(i)),
			maybe(r, 1, "rare"),
		}
		if r.IntN(3) == 0 {
			row[4] = nil
		}
		if r.IntN(50) != 0 {
			row[5] = nil
		}
		for c, v := range row {
			f.cols[c] = append(f.cols[c], v)
		}
	}
	return f
}

func ptr(s string) *string { return &s }

// maybe is v, or nil one time in every.
func maybe(r *rand.Rand, every int, v string) *string {
	if r.IntN(every) == 0 {
		return nil
	}
	return &v
}

func (f stringsFrame) record(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, f.schema)
	defer b.Release()
	for c, vals := range f.cols {
		for _, v := range vals {
			switch fb := b.Field(c).(type) {
			case *array.StringBuilder:
				if v == nil {
					fb.AppendNull()
				} else {
					fb.Append(*v)
				}
			case *array.BinaryBuilder:
				if v == nil {
					fb.AppendNull()
				} else {
					fb.Append([]byte(*v))
				}
			case *array.Int64Builder:
				if v == nil {
					fb.AppendNull()
				} else {
					var x int64
					fmt.Sscan(*v, &x)
					fb.Append(x)
				}
			}
		}
	}
	return b.NewRecordBatch()
}

// garbageUncleared is an allocator whose uncleared buffers (see
// unclearedAllocator) come full of 0xEE bytes, where the pool's would
// hold whatever a freed buffer held: a reader that reads a byte of one
// before writing it returns garbage.
type garbageUncleared struct{ *memory.CheckedAllocator }

func (a garbageUncleared) allocateUncleared(size int) []byte {
	b := a.Allocate(size)
	for i := range b {
		b[i] = 0xEE
	}
	return b
}

func (a garbageUncleared) reallocateUncleared(size int, b []byte) []byte {
	n := len(b)
	b = a.Reallocate(size, b)
	for i := n; i < len(b); i++ {
		b[i] = 0xEE
	}
	return b
}

// readParquetValues reads every unit of path with the given batch size and
// returns each column's values as strings ("<null>" for a null), the
// largest batch seen and the bytes left allocated once the readers are
// released.
func readParquetValues(t *testing.T, path string, batch int, own bool) (cols map[string][]string, maxBatch int64, leaked int, err error) {
	t.Helper()
	prevS, prevF := ownStringColumns, ownFixedColumns
	ownStringColumns, ownFixedColumns = own, own
	defer func() { ownStringColumns, ownFixedColumns = prevS, prevF }()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer func() { leaked = mem.CurrentAlloc() }()
	opts := ReadOptions{Mem: garbageUncleared{mem}, BatchSize: batch}
	src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, opts)
	if err != nil {
		return nil, 0, 0, err
	}
	defer src.Close()
	var names []string
	for _, f := range src.Schema().Fields() {
		names = append(names, f.Name)
	}
	cols = map[string][]string{}
	for _, u := range src.Units() {
		if err := func() (err error) {
			defer recoverInto(&err, "parquet")
			rr, err := src.Read(context.Background(), u, names, nil, opts)
			if err != nil {
				return err
			}
			defer rr.Release()
			for rr.Next() {
				rec := rr.RecordBatch()
				maxBatch = max(maxBatch, rec.NumRows())
				for c, f := range rec.Schema().Fields() {
					a := rec.Column(c)
					if a.Len() != int(rec.NumRows()) {
						return fmt.Errorf("column %s: %d values in a batch of %d rows", f.Name, a.Len(), rec.NumRows())
					}
					if err := array.ValidateFull(a); err != nil {
						return fmt.Errorf("column %s: %w", f.Name, err)
					}
					for i := range a.Len() {
						if a.IsNull(i) {
							cols[f.Name] = append(cols[f.Name], "<null>")
							continue
						}
						switch x := a.(type) {
						case *array.String:
							cols[f.Name] = append(cols[f.Name], x.Value(i))
						case *array.Binary:
							cols[f.Name] = append(cols[f.Name], string(x.Value(i)))
						default:
							cols[f.Name] = append(cols[f.Name], a.ValueStr(i))
						}
					}
				}
			}
			return rr.Err()
		}(); err != nil {
			return cols, maxBatch, 0, fmt.Errorf("%s: %w", u.Where, err)
		}
	}
	return cols, maxBatch, 0, nil
}

// readBack reads path with readParquetValues in batches of 1, 13, 512
// and 4,096 rows, the flat paths on and off, checks that each read ends
// with nothing left allocated and no batch past its size, and hands the
// values to check.
func readBack(t *testing.T, path string, check func(batch int, own bool, got map[string][]string)) {
	t.Helper()
	for _, batch := range []int{1, 13, 512, 4096} {
		for _, own := range []bool{true, false} {
			got, maxBatch, leaked, err := readParquetValues(t, path, batch, own)
			if err != nil {
				t.Fatalf("batch %d, own %v: %v", batch, own, err)
			}
			if leaked != 0 {
				t.Errorf("batch %d, own %v: %d bytes left allocated", batch, own, leaked)
			}
			if maxBatch > int64(batch) {
				t.Errorf("batch %d, own %v: a batch of %d rows", batch, own, maxBatch)
			}
			check(batch, own, got)
		}
	}
}

// TestFlatStringsAgainstWritten writes string and binary columns with
// pqarrow under every layout that changes how their pages are read
// (dictionary or plain encoding, data page V1 or V2, pages of a few values,
// Snappy or none) and reads them back, flat-string path on and off, in
// batches that cross page and row-group boundaries: every value, null and
// empty string comes back as written.
func TestFlatStringsAgainstWritten(t *testing.T) {
	f := genStrings(1, 3000)
	type layout struct {
		name  string
		props []parquet.WriterProperty
	}
	// Every layout's string chunks are read from their pages
	// (plainPages): PLAIN values, a dictionary's indices, or a
	// dictionary's indices and then PLAIN values once the writer gives up
	// on the dictionary (the small dictionary pages). The column chunk
	// reader's chunks (DELTA encodings) are left to TestFlatStringsCorpus:
	// arrow-go's DELTA_LENGTH_BYTE_ARRAY reader leaves 64 bytes a chunk
	// allocated, which readBack would take for ours.
	layouts := []layout{
		{"plain-v1", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageVersion(parquet.DataPageV1)}},
		{"plain-v2", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageVersion(parquet.DataPageV2)}},
		{"dict-v1", []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithDataPageVersion(parquet.DataPageV1)}},
		{"dict-v2-small-pages", []parquet.WriterProperty{parquet.WithDictionaryDefault(true), parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(512), parquet.WithBatchSize(17), parquet.WithDictionaryPageSizeLimit(256)}},
		{"plain-small-pages-snappy", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(300), parquet.WithBatchSize(17), parquet.WithCompression(compress.Codecs.Snappy)}},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.parquet")
			mem := newChecked(t)
			rec := f.record(mem)
			tbl := array.NewTableFromRecords(f.schema, []arrow.RecordBatch{rec})
			rec.Release()
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithAllocator(mem)}, l.props...)...)
			if err := pqarrow.WriteTable(tbl, out, 700, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem))); err != nil {
				t.Fatal(err)
			}
			tbl.Release()
			mem.AssertSize(t, 0)
			src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ps := src.(*parquetSource)
			for rg := range ps.meta.NumRowGroups() {
				for _, name := range []string{"cat", "text", "req", "bin", "sparse"} {
					cc, err := ps.meta.RowGroup(rg).ColumnChunk(ps.leaves[name][0])
					if err != nil {
						t.Fatal(err)
					}
					if !pageChunk(cc) {
						t.Errorf("row group %d, column %s: not read from its pages (encodings %v)", rg, name, cc.Encodings())
					}
				}
			}
			dict, fallback := dictChunks(t, path, map[string]bool{"cat": true, "text": true, "req": true, "bin": true, "sparse": true})
			if strings.HasPrefix(l.name, "dict") && !dict || l.name == "dict-v2-small-pages" && !fallback {
				t.Errorf("dictionary pages %v, PLAIN pages after a dictionary's %v", dict, fallback)
			}
			src.Close()
			readBack(t, path, func(batch int, own bool, got map[string][]string) {
				for c, fld := range f.schema.Fields() {
					vals := got[fld.Name]
					if len(vals) != len(f.cols[c]) {
						t.Fatalf("batch %d, own %v: column %s has %d values, want %d", batch, own, fld.Name, len(vals), len(f.cols[c]))
					}
					for i, w := range f.cols[c] {
						want := "<null>"
						if w != nil {
							want = *w
						}
						if vals[i] != want {
							t.Fatalf("batch %d, own %v: column %s row %d is %q, want %q", batch, own, fld.Name, i, vals[i], want)
						}
					}
				}
			})
		})
	}
}

// TestFlatStringsTakesItsPath: a file's string columns are read by
// flatStrings and its others by pqarrow; a dictionary of strings the
// stored schema asks for is read as its strings (by Read: flatStringLeaf
// says no to the dictionary type itself); a string inside a struct and a
// LargeString are left to pqarrow.
func TestFlatStringsTakesItsPath(t *testing.T) {
	dir := t.TempDir()
	f := genFrame(3, 300, 0, arrow.PrimitiveTypes.Int64, true, true)
	path := filepath.Join(dir, "d.parquet")
	writeParquet(t, path, f, parquetOpts{rowGroup: 100, storeSchema: true})
	plain := filepath.Join(dir, "p.parquet")
	writeParquet(t, plain, f, parquetOpts{rowGroup: 100})
	for _, p := range []string{path, plain} {
		src, err := openParquet(context.Background(), &Input{Path: p, Format: Parquet}, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ps := src.(*parquetSource)
		for _, fld := range ps.schema.Fields() {
			leaves := ps.leaves[fld.Name]
			got := len(leaves) == 1 && flatStringLeaf(ps.meta, 0, leaves[0], fld)
			want := fld.Type.ID() == arrow.STRING
			if got != want {
				t.Errorf("%s: field %s (%s) flat string %v, want %v", filepath.Base(p), fld.Name, fld.Type, got, want)
			}
		}
		src.Close()
	}
	src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dt, ok := src.Schema().Field(src.Schema().FieldIndices("g")[0]).Type.(*arrow.DictionaryType); !ok || dt.ValueType.ID() != arrow.STRING {
		t.Fatalf("g is a %s in the stored schema, want a dictionary of strings", src.Schema().Field(src.Schema().FieldIndices("g")[0]).Type)
	}
	rr, err := src.Read(context.Background(), src.Units()[1], []string{"g", "x"}, nil, ReadOptions{BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	if g := rr.Schema().Field(rr.Schema().FieldIndices("g")[0]).Type; g.ID() != arrow.STRING {
		t.Errorf("g read as %s, want its strings", g)
	}
	rr.Release()
	src.Close()
	ownVals, _, _, err := readParquetValues(t, path, 37, true)
	if err != nil {
		t.Fatal(err)
	}
	pqVals, _, _, err := readParquetValues(t, path, 37, false)
	if err != nil {
		t.Fatal(err)
	}
	if o, p := strings.Join(ownVals["g"], ","), strings.Join(pqVals["g"], ","); o != p || len(ownVals["g"]) != 300 {
		t.Errorf("g read as its strings: %d values, differing from pqarrow's dictionary's: %v", len(ownVals["g"]), o != p)
	}
	// A LargeString stored in the schema, and a string inside a struct.
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "large", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "in", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	b.Field(0).(*array.LargeStringBuilder).AppendValues([]string{"a", "b"}, nil)
	sb := b.Field(1).(*array.StructBuilder)
	sb.AppendValues([]bool{true, true})
	sb.FieldBuilder(0).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	other := filepath.Join(dir, "o.parquet")
	out, err := os.Create(other)
	if err != nil {
		t.Fatal(err)
	}
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	rec.Release()
	if err := pqarrow.WriteTable(tbl, out, 10, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())); err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	src, err = openParquet(context.Background(), &Input{Path: other, Format: Parquet}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ps := src.(*parquetSource)
	for _, fld := range ps.schema.Fields() {
		for _, leaf := range ps.leaves[fld.Name] {
			if flatStringLeaf(ps.meta, 0, leaf, fld) {
				t.Errorf("field %s (%s) taken as a flat string", fld.Name, fld.Type)
			}
		}
	}
	got, _, leaked, err := readParquetValues(t, other, 1, true)
	if err != nil || leaked != 0 {
		t.Fatalf("%v, %d bytes left allocated", err, leaked)
	}
	if g := strings.Join(got["large"], ","); g != "a,b" {
		t.Errorf("large read as %q", g)
	}
}

// TestFlatStringsCorpus reads every Parquet file of the corpus both ways,
// the flat paths (strings and fixed width, PLAIN and dictionary-encoded)
// on and off, in batches of 1,000 rows: the same values, or errors both
// ways.
func TestFlatStringsCorpus(t *testing.T) {
	manifest := CorpusFile(t, "MANIFEST.tsv")
	corpus := filepath.Dir(manifest)
	mf, err := os.Open(manifest)
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	sc := bufio.NewScanner(mf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	files, same, failed, pageFiles, dictFiles := 0, 0, 0, 0, 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 6 || cols[3] != "parquet" {
			continue
		}
		path := filepath.Join(corpus, cols[0])
		if st, err := os.Stat(path); err != nil || st.Size() > 64<<20 {
			continue
		}
		files++
		if pages, dict := pageChunks(path); pages {
			pageFiles++
			if dict {
				dictFiles++
			}
		}
		own, _, ownLeak, ownErr := readParquetValues(t, path, 1000, true)
		theirs, _, theirLeak, theirErr := readParquetValues(t, path, 1000, false)
		// pqarrow leaves buffers allocated reading some files (the
		// same both ways); flatStrings must add none.
		if ownLeak > theirLeak {
			t.Errorf("%s: %d bytes left allocated with flat strings, %d without", cols[0], ownLeak, theirLeak)
		}
		if (ownErr == nil) != (theirErr == nil) {
			t.Errorf("%s: flat strings: %v; pqarrow alone: %v", cols[0], ownErr, theirErr)
			continue
		}
		if ownErr != nil {
			failed++
			continue
		}
		for name, vals := range theirs {
			if g := own[name]; strings.Join(g, "\x00") != strings.Join(vals, "\x00") {
				t.Errorf("%s: column %s differs: %d values against %d", cols[0], name, len(g), len(vals))
			}
		}
		if len(own) != len(theirs) {
			t.Errorf("%s: %d columns against %d", cols[0], len(own), len(theirs))
		}
		same++
	}
	if files < 100 {
		t.Fatalf("only %d Parquet files in the manifest", files)
	}
	t.Logf("%d Parquet files (%d with a flat column chunk read from its pages, %d of them with a dictionary): %d read the same both ways, %d fail both ways", files, pageFiles, dictFiles, same, failed)
	if pageFiles < 10 || dictFiles < 10 {
		t.Errorf("only %d files read a flat column chunk from its pages, %d a dictionary-encoded one", pageFiles, dictFiles)
	}
}

// pageChunks reports whether some flat column chunk (strings or fixed
// width) of the file at path is read by plainPages, and whether some such
// chunk has a dictionary page.
func pageChunks(path string) (pages, dict bool) {
	src, err := openParquet(context.Background(), &Input{Path: path, Format: Parquet}, ReadOptions{})
	if err != nil {
		return false, false
	}
	defer src.Close()
	ps := src.(*parquetSource)
	for _, fld := range ps.schema.Fields() {
		leaves := ps.leaves[fld.Name]
		if len(leaves) != 1 {
			continue
		}
		for rg := range ps.meta.NumRowGroups() {
			if flatFixedWidth(ps.meta, rg, leaves[0], fld) == 0 && !flatStringLeaf(ps.meta, rg, leaves[0], fld) {
				continue
			}
			if cc, err := ps.meta.RowGroup(rg).ColumnChunk(leaves[0]); err == nil && pageChunk(cc) {
				pages = true
				dict = dict || cc.HasDictionaryPage()
			}
		}
	}
	return pages, dict
}

// movesCounter is an allocator that counts the reallocations that move a
// buffer (grow it past its capacity, copying).
type movesCounter struct {
	memory.Allocator
	moves int
}

func (m *movesCounter) Reallocate(size int, b []byte) []byte {
	if size > cap(b) {
		m.moves++
	}
	return m.Allocator.Reallocate(size, b)
}

// TestFlatStringsReserveUpFront: a batch of a PLAIN chunk reserves its
// values' bytes from the chunk's metadata, so filling it never moves its
// buffer. Every value has the same length here, so no batch needs more
// than the chunk's average; the first batch of each chunk used to start
// from nothing and double, copying.
func TestFlatStringsReserveUpFront(t *testing.T) {
	const rows, groupRows, batch = 5000, 1000, 300
	b := array.NewStringBuilder(memory.DefaultAllocator)
	for i := range rows {
		if i%17 == 0 {
			b.AppendNull()
		} else {
			b.Append(fmt.Sprintf("value-%010d", i))
		}
	}
	col := b.NewArray()
	b.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	tbl := array.NewTableFromSlice(schema, [][]arrow.Array{{col}})
	col.Release()
	path := filepath.Join(t.TempDir(), "s.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(false), parquet.WithCompression(compress.Codecs.Snappy))
	if err := pqarrow.WriteTable(tbl, out, groupRows, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mem := &movesCounter{Allocator: memory.NewGoAllocator()}
	read := 0
	for g := range r.NumRowGroups() {
		rg := r.RowGroup(g)
		c, err := newFlatStrings("s", rg, 0, arrow.BinaryTypes.String, mem)
		if err != nil {
			t.Fatal(err)
		}
		if c.pages == nil {
			t.Fatalf("row group %d is not read from its pages", g)
		}
		for n := int(rg.NumRows()); n > 0; n -= batch {
			arr, err := c.next(min(n, batch))
			if err != nil {
				t.Fatal(err)
			}
			s := arr.(*array.String)
			for i := range s.Len() {
				want := fmt.Sprintf("value-%010d", read+i)
				if (read+i)%17 == 0 != s.IsNull(i) || s.IsValid(i) && s.Value(i) != want {
					t.Fatalf("row %d: %q (null %v), want %q", read+i, s.Value(i), s.IsNull(i), want)
				}
			}
			read += s.Len()
			arr.Release()
		}
		c.close()
	}
	if read != rows {
		t.Fatalf("read %d rows, want %d", read, rows)
	}
	if mem.moves != 0 {
		t.Errorf("%d value buffers moved while filled, want none", mem.moves)
	}
}
