package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestBatchSizeByWidth: the most rows in a batch follow the columns read.
// Figures worked by hand from the rule (at most 2^21 cells a batch, never
// fewer than 1,024 rows, never more than asked).
func TestBatchSizeByWidth(t *testing.T) {
	for _, c := range []struct{ asked, columns, want int }{
		{0, 0, DefaultBatchSize},  // rows counted only
		{0, 11, DefaultBatchSize}, // 190,650 rows' worth of cells
		{32768, 11, 32768},        // the policy's size
		{32768, 64, 32768},        // exactly 2^21 cells
		{32768, 65, 32263},        // 2,097,152 / 65
		{32768, 203, 10330},       // 2,097,152 / 203 = 10,330.8
		{32768, 1003, 2090},       // 2,097,152 / 1,003 = 2,090.9
		{32768, 2048, 1024},       // the floor
		{32768, 100000, 1024},     // still the floor
		{500, 100000, 500},        // never more than asked
		{1, 3, 1},
	} {
		if got := batchSize(ReadOptions{BatchSize: c.asked}, c.columns); got != c.want {
			t.Errorf("batch size %d, %d columns: %d rows, want %d", c.asked, c.columns, got, c.want)
		}
	}
}

// TestWideBatches reads a 700-column table of 5,000 rows from Parquet,
// Arrow IPC and CSV: every reader cuts it into batches of at most
// 2,097,152 / 700 = 2,995 rows, and reads every row.
func TestWideBatches(t *testing.T) {
	const cols, rows = 700, 5000
	fields := make([]arrow.Field, cols)
	for j := range fields {
		fields[j] = field(fmt.Sprintf("c%d", j), arrow.PrimitiveTypes.Int64)
	}
	f := frame{schema: arrow.NewSchema(fields, nil)}
	var csv strings.Builder
	for j := range cols {
		if j > 0 {
			csv.WriteByte(',')
		}
		csv.WriteString(fields[j].Name)
	}
	csv.WriteByte('\n')
	var sum int64
	for i := range rows {
		r := make([]any, cols)
		for j := range r {
			v := int64(i*cols + j)
			r[j] = v
			if j > 0 {
				csv.WriteByte(',')
			}
			csv.WriteString(strconv.FormatInt(v, 10))
		}
		sum += int64(i * cols)
		f.rows = append(f.rows, r)
		csv.WriteByte('\n')
	}
	// The CSV file (26.9 MB) is one unit here, so that its batches are
	// cut by the batch size alone rather than by where its units end.
	defer func(b int64) { textUnitBytes = b }(textUnitBytes)
	textUnitBytes = 1 << 40
	dir := t.TempDir()
	paths := map[string]string{"parquet": filepath.Join(dir, "w.parquet"), "ipc": filepath.Join(dir, "w.arrow"), "csv": filepath.Join(dir, "w.csv")}
	writeParquet(t, paths["parquet"], f, parquetOpts{rowGroup: rows})
	writeIPC(t, paths["ipc"], f, rows, false)
	if err := os.WriteFile(paths["csv"], []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range paths {
		for _, batch := range []int{0, 32768, 1000} {
			_, out := mustAudit(t, []string{path}, 2, batch, probeTask(probeConfig{Sum: "c0"}))
			got := probeOf(t, out)
			want := int64(2995)
			if batch == 1000 {
				want = 1000
			}
			if got.MaxBatch != want {
				t.Errorf("%s, batch size %d: batches of up to %d rows, want %d", name, batch, got.MaxBatch, want)
			}
			if got.Rows != rows || got.Sum != sum {
				t.Errorf("%s, batch size %d: %d rows summing to %d, want %d and %d", name, batch, got.Rows, got.Sum, rows, sum)
			}
		}
	}
}
