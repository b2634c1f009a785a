package pipeline

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// conformer maps the batches of one unit onto the target schema: columns
// taken by name, cast to the unified type where the file's differs,
// partition values filled in, and columns absent from the file read as
// nulls. It is built once per unit, not per batch.
//
// Its casts run arrow-go's compute kernels with Go's allocator, never the
// readers' pool (poolAllocator): arrow-go v18.8.0's kernels
// (kernels.execBufBuilder) take the capacity of a buffer's byte slice for
// room they may write into, where memory.Buffer and the rest of arrow-go
// take its length, and the pool hands out slices whose capacity is their
// size class, past their length. Casting a dictionary column (pandas'
// category dtype, as pyarrow stores it) whose values in a batch were
// longer than the dictionary's average, the take kernel wrote past the
// length and panicked, in a goroutine of arrow-go's, which ended the run
// (TestConformDictionaryWithPool). Two casts are done without the kernels:
// a dictionary of strings to its strings (dictStrings, faster) and strings
// to large strings (widenOffsets, which arrow-go gets wrong under
// GOARCH=386).
type conformer struct {
	target *arrow.Schema
	// src[i] is the index of target column i in the file's batches, or -1.
	src []int
	// cast[i] is set when column i needs a cast.
	cast []bool
	// part[i] holds the partition value for column i, when from a folder.
	part []*string
	mem  memory.Allocator
	ctx  context.Context
}

func newConformer(ctx context.Context, target, file *arrow.Schema, parts []Partition, mem memory.Allocator) *conformer {
	c := &conformer{target: target, ctx: compute.WithAllocator(ctx, memory.DefaultAllocator), mem: mem,
		src: make([]int, target.NumFields()), cast: make([]bool, target.NumFields()), part: make([]*string, target.NumFields())}
	byName := map[string]int{}
	for i, f := range file.Fields() {
		if _, dup := byName[f.Name]; !dup {
			byName[f.Name] = i
		}
	}
	for i, f := range target.Fields() {
		c.src[i] = -1
		if j, ok := byName[f.Name]; ok {
			c.src[i] = j
			c.cast[i] = !arrow.TypeEqual(file.Field(j).Type, f.Type)
			continue
		}
		for _, p := range parts {
			if p.Key == f.Name && p.Value != HiveNull {
				v := p.Value
				c.part[i] = &v
			}
		}
	}
	return c
}

// apply returns rec conformed to the target schema. The caller releases
// the result; rec is not released.
func (c *conformer) apply(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := rec.NumRows()
	cols := make([]arrow.Array, len(c.src))
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, j := range c.src {
		f := c.target.Field(i)
		switch {
		case j >= 0 && !c.cast[i]:
			cols[i] = rec.Column(j)
			cols[i].Retain()
		case j >= 0:
			if out, ok, err := dictStrings(c.mem, rec.Column(j), f.Type); ok {
				if err != nil {
					return nil, fmt.Errorf("column %q: %w", f.Name, err)
				}
				cols[i] = out
				continue
			}
			if out, ok := widenOffsets(c.mem, rec.Column(j), f.Type); ok {
				cols[i] = out
				continue
			}
			out, err := compute.CastArray(c.ctx, rec.Column(j), compute.SafeCastOptions(f.Type))
			if err != nil {
				return nil, fmt.Errorf("column %q: cast %s to %s: %w", f.Name, rec.Column(j).DataType(), f.Type, err)
			}
			cols[i] = out
		case c.part[i] != nil:
			cols[i] = constantString(c.mem, *c.part[i], int(n))
		default:
			cols[i] = array.MakeArrayOfNull(c.mem, f.Type, int(n))
		}
	}
	return array.NewRecordBatch(c.target, cols, n), nil
}

func constantString(mem memory.Allocator, v string, n int) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	b.ReserveData(n * len(v))
	for range n {
		b.Append(v)
	}
	return b.NewArray()
}
