package pipeline

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dictStrings turns a dictionary of strings (or of binaries) into the
// strings it stands for, a row's value copied from the dictionary, as the
// conformer reads every dictionary of strings (normalType): pandas'
// category columns in Arrow IPC files, and in Parquet row groups the flat
// reader cannot take. It does what compute.CastArray does for them, the
// take kernel, with a loop over the indices of their own type; ok is
// false for any other array, which the cast is left to. On a 10M-row
// Arrow IPC stream with four such columns the audit took 5.23–5.48 s
// against 5.74–6.36 s with the cast, and 4.30–4.82 s with the four
// columns as plain strings (docs/performance.md, 2026-11-29 za).
func dictStrings(mem memory.Allocator, a arrow.Array, to arrow.DataType) (out arrow.Array, ok bool, err error) {
	d, isDict := a.(*array.Dictionary)
	if !isDict {
		return nil, false, nil
	}
	var offs []int32
	var data []byte
	switch v := d.Dictionary().(type) {
	case *array.String:
		if to.ID() != arrow.STRING {
			return nil, false, nil
		}
		offs, data = v.ValueOffsets(), v.ValueBytes()
	case *array.Binary:
		if to.ID() != arrow.BINARY {
			return nil, false, nil
		}
		offs, data = v.ValueOffsets(), v.ValueBytes()
	default:
		return nil, false, nil
	}
	// ValueBytes starts at the first value's offset, which the offsets
	// count from the buffer's start: a sliced dictionary's need not be 0.
	vals := dictVals{offs: offs, data: data, base: offs[0], dict: d.Dictionary()}
	switch ix := d.Indices().(type) {
	case *array.Int8:
		out, err = gatherStrings(mem, to, ix, ix.Int8Values(), vals)
	case *array.Int16:
		out, err = gatherStrings(mem, to, ix, ix.Int16Values(), vals)
	case *array.Int32:
		out, err = gatherStrings(mem, to, ix, ix.Int32Values(), vals)
	case *array.Int64:
		out, err = gatherStrings(mem, to, ix, ix.Int64Values(), vals)
	case *array.Uint8:
		out, err = gatherStrings(mem, to, ix, ix.Uint8Values(), vals)
	case *array.Uint16:
		out, err = gatherStrings(mem, to, ix, ix.Uint16Values(), vals)
	case *array.Uint32:
		out, err = gatherStrings(mem, to, ix, ix.Uint32Values(), vals)
	case *array.Uint64:
		out, err = gatherStrings(mem, to, ix, ix.Uint64Values(), vals)
	default:
		return nil, false, nil
	}
	return out, true, err
}

// dictVals are a dictionary's values: value k is
// data[offs[k]-base:offs[k+1]-base], null where dict says so.
type dictVals struct {
	offs []int32
	data []byte
	base int32
	dict arrow.Array
}

type dictIndex interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// gatherStrings builds the array of type to whose row i is the dictionary
// value idx[i] stands for (null where ix or the value is null): one pass
// to check the indices and size the bytes, one to copy them.
func gatherStrings[T dictIndex](mem memory.Allocator, to arrow.DataType, ix arrow.Array, idx []T, v dictVals) (arrow.Array, error) {
	n, m := len(idx), v.dict.Len()
	dictNulls := v.dict.NullN() > 0
	size, nulls := 0, 0
	for i, k := range idx {
		if ix.IsNull(i) {
			nulls++
			continue
		}
		if uint64(k) >= uint64(m) { // a negative index too, as a large unsigned one
			return nil, fmt.Errorf("dictionary index %d in row %d, beyond the dictionary's %d values", k, i, m)
		}
		if dictNulls && v.dict.IsNull(int(k)) {
			nulls++
			continue
		}
		size += int(v.offs[k+1] - v.offs[k])
	}
	if size > math.MaxInt32 {
		return nil, fmt.Errorf("more than 2 GiB of values in %d rows, beyond 32-bit offsets", n)
	}
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	data.Resize(size)
	buf := data.Bytes()
	var validity *memory.Buffer
	var bits []byte
	if nulls > 0 {
		validity = memory.NewResizableBuffer(mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		bits = validity.Bytes()
		clear(bits)
	}
	at := 0
	offs[0] = 0
	for i, k := range idx {
		if !ix.IsNull(i) && !(dictNulls && v.dict.IsNull(int(k))) {
			at += copy(buf[at:], v.data[v.offs[k]-v.base:v.offs[k+1]-v.base])
			if bits != nil {
				bitutil.SetBit(bits, i)
			}
		}
		offs[i+1] = int32(at)
	}
	d := array.NewData(to, n, []*memory.Buffer{validity, offsets, data}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// widenOffsets returns a, a String or Binary array, as a LargeString or
// LargeBinary array (to): the same validity and value bytes, its 32-bit
// offsets widened to 64; ok is false for any other pair of types, which
// the cast is left to.
//
// arrow-go v18.8.0's casts that change a string or binary column's offset
// width (utf8 to large_utf8, binary to large_binary, and back) fail under
// GOARCH=386: the array they build keeps the input's 32-bit offsets under
// the 64-bit type, and its constructor panics ("string offset buffer must
// have at least 4 values" for three values). The cause is
// compute/internal/kernels.SizeOf, which works a type's size out through
// uint: 32 bits there, so SizeOf[int64]() is 4, as SizeOf[int32]() is, and
// CastBinaryToBinary takes the offsets for the same width and copies
// nothing. Integer casts (int32 to int64) do not use it. A schema
// unified from a string and a large_string column is the only way the
// audit asks for one of these casts, so it widens the offsets itself, on
// every platform: one pass over them, the value bytes shared, not copied.
func widenOffsets(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, bool) {
	var offs []int32
	switch v := a.(type) {
	case *array.String:
		if to.ID() != arrow.LARGE_STRING {
			return nil, false
		}
		offs = v.ValueOffsets()
	case *array.Binary:
		if to.ID() != arrow.LARGE_BINARY {
			return nil, false
		}
		offs = v.ValueOffsets()
	default:
		return nil, false
	}
	if a.Len() == 0 { // it may have no offsets buffer to slice
		return array.MakeArrayOfNull(mem, to, 0), true
	}
	// offs are the array's own (its offset on), counted from the start
	// of the values buffer, which is shared as it is. The new array keeps
	// a's offset, so that its bitmap is shared as it is too: its offsets'
	// first off entries, which no row reads, repeat the first value's.
	// (The readers' batches start at offset 0; a sliced array costs 8
	// bytes of them a row it starts past.)
	data := a.Data()
	off := data.Offset()
	wide := memory.NewResizableBuffer(mem)
	defer wide.Release()
	wide.Resize(arrow.Int64Traits.BytesRequired(off + len(offs)))
	w := arrow.Int64Traits.CastFromBytes(wide.Bytes())
	for i := range off {
		w[i] = int64(offs[0])
	}
	for i, o := range offs {
		w[off+i] = int64(o)
	}
	bufs := data.Buffers()
	d := array.NewData(to, a.Len(), []*memory.Buffer{bufs[0], wide, bufs[2]}, nil, a.NullN(), off)
	defer d.Release()
	return array.MakeFromData(d), true
}
