package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The deprecated LZ4 codec in both its forms decodes to the values Arrow
// C++'s tests expect for these files (TestLz4HadoopCompressed).
func TestLZ4HadoopAndRawBlockFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "parquet-testing", "data")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("READINESS_REQUIRE_CORPUS") != "" {
			t.Fatalf("corpus required in CI: %v", err)
		}
		t.Skipf("no corpus: %v", err)
	}
	for _, name := range []string{"hadoop_lz4_compressed.parquet", "non_hadoop_lz4_compressed.parquet"} {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			f, err := file.OpenParquetFile(filepath.Join(dir, name), false)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 100}, mem)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := r.ReadTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			if tbl.NumRows() != 4 {
				t.Fatalf("%d rows, want 4", tbl.NumRows())
			}
			c1 := tbl.Column(1).Data().Chunk(0).(*array.Binary)
			v11 := tbl.Column(2).Data().Chunk(0).(*array.Float64)
			for i, want := range []string{"abc", "def", "abc", "def"} {
				if !bytes.Equal(c1.Value(i), []byte(want)) {
					t.Errorf("c1[%d] = %q, want %q", i, c1.Value(i), want)
				}
			}
			for i, want := range []float64{42, 7.7, 42.125, 7.7} {
				if v11.Value(i) != want {
					t.Errorf("v11[%d] = %v, want %v", i, v11.Value(i), want)
				}
			}
		})
	}
}

// Hadoop framing round-trips, several frames decode in sequence, and bytes
// that are neither framing nor a raw block are an error, not a panic.
func TestLZ4HadoopCodec(t *testing.T) {
	c := lz4Hadoop{}
	src := bytes.Repeat([]byte("readiness audits training data. "), 200)
	one := c.Encode(nil, src)
	got, err := c.DecodeWithError(make([]byte, len(src)), one)
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("round trip: %v", err)
	}
	two := append(append([]byte{}, one...), one...)
	got, err = c.DecodeWithError(make([]byte, 2*len(src)), two)
	if err != nil || !bytes.Equal(got, append(append([]byte{}, src...), src...)) {
		t.Fatalf("two frames: %v", err)
	}
	if _, err := c.DecodeWithError(make([]byte, 10), []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}); err == nil {
		t.Error("garbage decoded without an error")
	}
}
