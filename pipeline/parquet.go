package pipeline

// Parquet is read with arrow-go's pqarrow. What we found in its source and
// route around here:
//   - ArrowReadProperties.BatchSize 0 means one batch for the whole read, so
//     it is always set;
//   - without ReaderProperties.BufferedStreamEnabled every column chunk is
//     read into memory whole, so it is always on;
//   - with it, each column chunk's reader makes its own buffer of
//     BufferSize bytes (or the chunk's size if smaller) with make, and a
//     page's bytes are copied from it into the page reader's decompression
//     buffer; a read at least as long as the buffer goes straight into the
//     destination instead. BufferSize is therefore small for a local file
//     (see bufferSize);
//   - every column's page reader keeps its current page decompressed
//     (dataPageBuffer) and, until the next page, compressed as well
//     (decompressBuffer): a row group holds a page or two of every column,
//     whatever the batch size. Run bounds the row groups read at once by
//     an estimate of that (pageBytes, unitGate). PageStreamingEnabled,
//     which streams a page in pieces, only takes pages over 1 MiB of
//     codecs it can stream (not Snappy), so it is left off;
//   - GetRecordReader takes leaf column indexes, not field indexes, and
//     fails when asked for no column at all; a projection that needs no
//     column (only row counts) is served from the footer instead.
// Each unit is one row group, so row groups of one file are read in
// parallel; the footer parsed at plan time is reused (file.WithMetadata)
// rather than parsed again for every row group.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

type parquetSource struct {
	in     *Input
	meta   *metadata.FileMetaData
	schema *arrow.Schema
	// renamed says whether schema's names were made unique (uniqueSchema):
	// then batches are renamed to match.
	renamed bool
	// leaves maps a top-level field name to its leaf column indexes.
	leaves map[string][]int
	// patches fix up the page headers of an old parquet-cpp file
	// (pagefix.go); nil for every other file.
	patches []bytePatch
	units   []Unit
	rows    int64
}

func parquetProps(mem memory.Allocator, in *Input) *parquet.ReaderProperties {
	props := parquet.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true
	props.BufferSize = bufferSize(in)
	return props
}

// bufferSize is the read buffer of a column chunk of in.
//
// For a local file, 16 KiB: the most arrow-go peeks at to read a page
// header (its defaultPageHeaderSize; a smaller buffer grows to it anyway).
// A page's bytes past what the header's read brought in then go from the
// file straight into the page reader's own, reused, buffer. With 1 MiB,
// every column chunk of every row group made a new buffer of up to 1 MiB
// (358 MB over the 10M-row benchmark file) and every page was copied out
// of it: the decode floor at 10M rows took 1.08–1.29 s and peaked at
// 131–133 MiB, against 0.93–0.98 s and 97–103 MiB with 16 KiB
// (docs/performance.md, 2026-11-27 l).
//
// For a remote object, 1 MiB: every read is a ranged request
// (pipeline/remote), and 16 KiB would make two requests a page.
func bufferSize(in *Input) int64 {
	if in.Remote() {
		return 1 << 20
	}
	return 16 << 10
}

// pageGuess is the page size pageBytes assumes: the default of the
// common writers (parquet-mr and Spark, arrow's C++ and Go writers,
// pyarrow). A footer gives each column chunk's size but not its pages'.
const pageGuess = 1 << 20

// pageBytes is what reading row group rg holds in decompressed pages: a
// page of every column, taken as its column chunk's uncompressed size up
// to pageGuess. A row group of many 1 MiB pages a column is not mistaken
// for one that holds them all at once (a pyarrow file's row groups of 1M
// rows run to hundreds of MB); a writer that puts a large column chunk in
// one page is underestimated, and its row groups are then read as if
// narrower.
func pageBytes(rg *metadata.RowGroupMetaData) int64 {
	var n int64
	for c := range rg.NumColumns() {
		if cc, err := rg.ColumnChunk(c); err == nil {
			n += min(max(cc.TotalUncompressedSize(), 0), pageGuess)
		}
	}
	return n
}

func openParquet(ctx context.Context, in *Input, opts ReadOptions) (src source, err error) {
	f, err := openFile(ctx, in, nil)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mem := allocator(opts)
	defer recoverInto(&err, "parquet")
	pr, err := file.NewParquetReader(f, file.WithReadProps(parquetProps(mem, in)))
	if err != nil {
		return nil, parquetErr(err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 1024}, mem)
	if err != nil {
		return nil, parquetErr(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, parquetErr(err)
	}
	sc, renamed := uniqueSchema(sc)
	s := &parquetSource{in: in, meta: pr.MetaData(), schema: sc, renamed: renamed, leaves: map[string][]int{}}
	if s.patches, err = v2CompressionPatches(f, in.Size, pr.MetaData()); err != nil {
		return nil, err
	}
	for i, fld := range fr.Manifest.Fields {
		name := sc.Field(i).Name
		s.leaves[name] = append(s.leaves[name], leafIndexes(fld)...)
	}
	var off int64
	for i := 0; i < pr.NumRowGroups(); i++ {
		rg := pr.MetaData().RowGroup(i)
		n := rg.NumRows()
		if n < 0 {
			return nil, fmt.Errorf("row group %d: negative row count %d", i, n)
		}
		s.units = append(s.units, Unit{Index: i, Rows: n, Offset: off, Where: fmt.Sprintf("row group %d", i), Bytes: pageBytes(rg)})
		off += n
	}
	s.rows = off
	if total := pr.NumRows(); total != off {
		return nil, fmt.Errorf("footer says %d rows but its row groups hold %d", total, off)
	}
	return s, nil
}

func leafIndexes(f pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return []int{f.ColIndex}
	}
	var out []int
	for _, c := range f.Children {
		out = append(out, leafIndexes(c)...)
	}
	return out
}

func (s *parquetSource) Schema() *arrow.Schema { return s.schema }
func (s *parquetSource) Inferred() bool        { return false }
func (s *parquetSource) Units() []Unit         { return s.units }
func (s *parquetSource) Rows() int64           { return s.rows }
func (s *parquetSource) Close() error          { return nil }

func (s *parquetSource) Read(ctx context.Context, u Unit, columns []string, _ map[string]arrow.DataType, opts ReadOptions) (rr array.RecordReader, err error) {
	mem := allocator(opts)
	if len(columns) == 0 {
		return newCountReader(u.Rows, batchSize(opts, 0)), nil
	}
	var leaves []int
	var picked []arrow.Field
	// from is, per picked field, its index among the columns pqarrow
	// reads, or -1 for a flat string or fixed-width column read beside
	// them (parquetstrings.go, parquetfixed.go).
	var from []int
	// widths is, per picked field, flatFixedWidth's width of a flat
	// fixed-width column's values (boolWidth for booleans), else 0.
	var widths []int
	pqFields := 0
	want := map[string]bool{}
	for _, c := range columns {
		want[c] = true
	}
	for _, fld := range s.schema.Fields() {
		if !want[fld.Name] {
			continue
		}
		l, w := s.leaves[fld.Name], 0
		if dt, ok := fld.Type.(*arrow.DictionaryType); ok && len(l) == 1 {
			// A dictionary of strings the stored schema asks for
			// (pandas' category dtype, as pyarrow writes it) is read as
			// its strings, which the run reads it as anyway
			// (normalType), rather than by pqarrow as a dictionary that
			// the conformer then casts, a take a row: on the benchmark
			// file with its four label-like columns so stored, the 10M
			// audit took 3.72 s against 5.29 s (docs/performance.md,
			// 2026-11-29 za).
			if plain := (arrow.Field{Name: fld.Name, Type: dt.ValueType, Nullable: fld.Nullable, Metadata: fld.Metadata}); flatStringLeaf(s.meta, u.Index, l[0], plain) {
				fld = plain
			}
		}
		picked = append(picked, fld)
		if len(l) == 1 {
			w = flatFixedWidth(s.meta, u.Index, l[0], fld)
		}
		widths = append(widths, w)
		if len(l) == 1 && (w != 0 || flatStringLeaf(s.meta, u.Index, l[0], fld)) {
			from = append(from, -1)
			continue
		}
		leaves = append(leaves, s.leaves[fld.Name]...)
		from = append(from, pqFields)
		pqFields++
	}
	f, err := openFile(ctx, s.in, opts.Counter)
	if err != nil {
		return nil, err
	}
	// Deferred in this order so that a recovered decoder panic, too,
	// closes the file.
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	defer recoverInto(&err, "parquet")
	var rf parquet.ReaderAtSeeker = f
	if s.patches != nil {
		rf = &patchedFile{patchedReaderAt: patchedReaderAt{r: f, patches: s.patches}, Seeker: f, Closer: f}
	}
	pr, err := file.NewParquetReader(rf, file.WithReadProps(parquetProps(mem, s.in)), file.WithMetadata(s.meta))
	if err != nil {
		return nil, parquetErr(err)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: int64(batchSize(opts, len(picked)))}, mem)
	if err != nil {
		return nil, parquetErr(err)
	}
	if pqFields < len(picked) {
		return s.readWithStrings(ctx, pr, fr, u, picked, leaves, from, widths, mem, batchSize(opts, len(picked)))
	}
	rec, err := fr.GetRecordReader(ctx, leaves, []int{u.Index})
	if err != nil {
		return nil, parquetErr(err)
	}
	var out array.RecordReader = rec
	if s.renamed {
		// pqarrow names the columns as the file does; give them the
		// unique names the rest of the run knows them by.
		names := arrow.NewSchema(picked, nil)
		out = newProjectingReader(rec, names, columns, batchSize(opts, len(picked)))
	}
	return &closingReader{RecordReader: out, close: pr.Close}, nil
}

// readWithStrings reads row group u's picked fields, the flat string and
// fixed-width columns among them (from[i] < 0) through flatStrings and
// flatFixed (widths[i] != 0), and the others (leaves) through pqarrow.
func (s *parquetSource) readWithStrings(ctx context.Context, pr *file.Reader, fr *pqarrow.FileReader, u Unit, picked []arrow.Field, leaves, from, widths []int, mem memory.Allocator, batch int) (array.RecordReader, error) {
	rg := pr.RowGroup(u.Index)
	p := &parquetBatches{schema: arrow.NewSchema(picked, nil), from: from, flat: make([]flatColumn, len(picked)), left: rg.NumRows(), size: int64(batch)}
	for i, fld := range picked {
		if from[i] >= 0 {
			continue
		}
		var err error
		if p.flat[i], err = newFlatColumn(fld.Name, rg, s.leaves[fld.Name][0], fld.Type, widths[i], mem); err != nil {
			p.Release()
			return nil, parquetErr(err)
		}
	}
	if len(leaves) > 0 {
		rec, err := fr.GetRecordReader(ctx, leaves, []int{u.Index})
		if err != nil {
			p.Release()
			return nil, parquetErr(err)
		}
		p.pq = rec
	}
	return &closingReader{RecordReader: p, close: pr.Close}, nil
}

// parquetErr marks the errors of features we do not read as unsupported.
func parquetErr(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "encrypt") || strings.Contains(msg, "decryption") {
		if !errors.Is(err, ErrUnsupported) {
			return fmt.Errorf("%w: encrypted Parquet: %v", ErrUnsupported, err)
		}
	}
	return err
}
