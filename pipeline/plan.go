package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// Dataset is a set of inputs opened for their schemas, with the schema they
// unify to. It holds no open files.
type Dataset struct {
	Inputs []*Input
	// Schema is the unified schema: the inputs' columns in first-seen
	// order, then partition columns not present in any file.
	Schema  *arrow.Schema
	sources []source
}

// Plan opens every input once — the footer of Parquet and IPC files, a
// sample of rows of text files — and unifies their schemas. Inputs are
// opened in parallel with up to workers goroutines.
func Plan(ctx context.Context, inputs []*Input, workers int, opts ReadOptions) (*Dataset, error) {
	d := &Dataset{Inputs: inputs, sources: make([]source, len(inputs))}
	errs := make([]error, len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d.sources[i], errs[i] = openSource(ctx, inputs[i], opts)
			}
		}()
	}
	for i := range inputs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	u := newUnifier()
	for i, in := range inputs {
		if err := u.add(in.Path, d.sources[i].Schema(), d.sources[i].Inferred()); err != nil {
			return nil, err
		}
	}
	for i, in := range inputs {
		var parts []arrow.Field
		for _, p := range in.Partitions {
			if d.sources[i].Schema().HasField(p.Key) {
				continue // the file's own column wins over the folder's value
			}
			parts = append(parts, arrow.Field{Name: p.Key, Type: arrow.BinaryTypes.String, Nullable: true})
		}
		if err := u.add(in.Path, arrow.NewSchema(parts, nil), false); err != nil {
			return nil, err
		}
	}
	d.Schema = u.schema()
	return d, nil
}

func openSource(ctx context.Context, in *Input, opts ReadOptions) (src source, err error) {
	open, ok := openers[in.Format]
	if !ok {
		return nil, inputErr(in.Path, fmt.Errorf("no reader for format %q", in.Format))
	}
	defer func() {
		if r := recover(); r != nil {
			src, err = nil, &decodePanic{what: string(in.Format), value: r}
		}
		err = inputErr(in.Path, markUnsupported(err))
	}()
	return open(ctx, in, opts)
}

// Rows is the row count of input i when its format tells it without
// reading the data (Parquet), else -1.
func (d *Dataset) Rows(i int) int64 { return d.sources[i].Rows() }

// ExpectedRows returns about how many rows the dataset holds, for sizing
// the per-row tables' partitions (fptable.Budget.Expect): exact where the
// format tells without reading the data (Parquet's footers), else
// estimated from the file's size at textRowBytes a row, and a compressed
// file at a quarter of that. The estimate errs high: more partitions cost
// a little memory at a few million rows, too few cost much more at tens
// of millions.
func (d *Dataset) ExpectedRows() int64 {
	var rows int64
	for i, in := range d.Inputs {
		n := d.Rows(i)
		if n < 0 {
			per := int64(textRowBytes)
			if in.Compression != NoCompression {
				per /= 4
			}
			n = in.Size / per
		}
		rows += n
	}
	return rows
}

// textRowBytes is the size of a row in a CSV, NDJSON or Arrow IPC file
// assumed by ExpectedRows: the sample's rows (11 columns) take 97 bytes
// in CSV, 102 in Arrow IPC and 198 in NDJSON; a narrower table's take
// fewer.
const textRowBytes = 64
