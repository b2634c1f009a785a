package pipeline

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ReadOptions are the reader settings shared by every format.
type ReadOptions struct {
	// BatchSize is the most rows in one record batch.
	BatchSize int
	// Mem allocates every Arrow buffer the readers make; nil means a pool
	// that reuses the buffers of released batches (pool.go).
	Mem memory.Allocator
	// CSV configures the CSV and TSV readers.
	CSV CSVOptions
	// InferRows is how many rows of a text file type inference looks at.
	InferRows int
	// Counter, when set, receives the number of input bytes read.
	Counter *atomic.Int64
}

// CSVOptions configures the CSV and TSV readers. Zero values mean "detect".
type CSVOptions struct {
	// Delimiter overrides the sniffed delimiter.
	Delimiter rune
	// Header overrides header detection: "auto" (default), "yes" or "no".
	Header string
	// NullValues are the field values read as null. The default is the
	// empty field only: sentinel tokens such as "NA" stay strings so that
	// the missing-values check sees and counts them the same way in every
	// format.
	NullValues []string
}

// Unit is one independently readable part of an input: a Parquet row group,
// or the whole file for formats that can only be read front to back.
type Unit struct {
	Index int
	// Rows is the unit's row count, or -1 when unknown before reading.
	Rows int64
	// Offset is the 0-based row number of the unit's first row in its
	// input, or -1 when unknown.
	Offset int64
	// Where names the unit in errors ("row group 3"); empty for whole files.
	Where string
	// Bytes estimates what decoding the unit holds at once: for a Parquet
	// row group, a decompressed page of every column (pageBytes); 0 when
	// unknown. Run reads no more units at once than fit in the memory
	// budget (see unitGate).
	Bytes int64
	// stream holds a streamed unit's bytes (textstream.go); nil for a
	// unit read from its input.
	stream *textStream
}

// unitList is the units a source found in its input when it opened it.
// Empty, the input is one unit read front to back, its rows unknown until
// read. The IPC and text sources embed it for their Units and Rows.
type unitList []Unit

func (l unitList) Units() []Unit {
	if len(l) == 0 {
		return []Unit{{Index: 0, Rows: -1, Offset: 0}}
	}
	return l
}

// Rows is the rows of every unit, or -1 without units.
func (l unitList) Rows() int64 {
	if len(l) == 0 {
		return -1
	}
	last := l[len(l)-1]
	return last.Offset + last.Rows
}

// source is an opened input: its schema and the units it can be read in.
type source interface {
	// Schema is the file's own schema: declared for Parquet and IPC,
	// inferred from a sample for CSV and NDJSON.
	Schema() *arrow.Schema
	// Inferred says whether Schema was guessed from text.
	Inferred() bool
	// Units lists the parts of the file that can be read independently.
	Units() []Unit
	// Rows is the file's row count, or -1 when unknown before reading.
	Rows() int64
	// Read returns a reader of unit u holding only the named columns, in
	// the file's column order. types gives, for text formats, the type to
	// parse each column as (the unified type); binary formats ignore it
	// and return their own types, which the pipeline then casts.
	Read(ctx context.Context, u Unit, columns []string, types map[string]arrow.DataType, opts ReadOptions) (array.RecordReader, error)
	Close() error
}

// unitStreamer is a source that may find its units while it is read
// (textstream.go) rather than when it is opened.
type unitStreamer interface {
	// stream hands the input's units to send, in order, until send
	// returns false; streamed is false for an input read by its Units.
	stream(ctx context.Context, opts ReadOptions, send func(Unit) bool) (streamed bool, err error)
}

// opener opens an input of one format. It reads only what it needs for the
// schema and the units: the footer, or a sample of rows.
type opener func(ctx context.Context, in *Input, opts ReadOptions) (source, error)

// openers is the one place formats are wired to their readers.
var openers = map[Format]opener{
	Parquet:   openParquet,
	IPCFile:   openIPCFile,
	IPCStream: openIPCStream,
	CSV:       openCSV,
	TSV:       openCSV,
	NDJSON:    openNDJSON,
}
