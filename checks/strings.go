package checks

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Strings reads the values of a string array — String, LargeString or
// StringView — by index, for the checks' per-value loops. They used to
// take the array's Value method as a func(int) string, an indirect call
// per value that the compiler cannot inline: 1.65% of a 10M-row audit's
// CPU sat in arrow's String.Value called so (perf, docs/performance.md,
// 2026-11-28 r). [Strings.At] on a String array is two offsets and a
// slice of the values buffer, inlined.
//
// The strings point into the array's buffers, as Value's do: they are
// valid while the batch is, and must be cloned to be kept longer.
type Strings struct {
	data string  // the whole values buffer (String, LargeString)
	o32  []int32 // String: offsets from the array's first value, one more than it has values
	o64  []int64 // LargeString: the same
	view *array.StringView
	n    int
}

// StringsOf returns the values of a, and false when a is not a string
// array.
func StringsOf(a arrow.Array) (Strings, bool) {
	switch a := a.(type) {
	case *array.String:
		// ValueOffsets is sliced to the array (its offset, its length
		// plus one); the offsets index the whole values buffer, which
		// ValueBytes would give sliced from the first value.
		return Strings{data: valuesBuffer(a), o32: a.ValueOffsets(), n: a.Len()}, true
	case *array.LargeString:
		return Strings{data: valuesBuffer(a), o64: a.ValueOffsets(), n: a.Len()}, true
	case *array.StringView:
		return Strings{view: a, n: a.Len()}, true
	}
	return Strings{}, false
}

// valuesBuffer returns a's values buffer (its third) as a string, without
// a copy; "" when it has none (every value empty or null).
func valuesBuffer(a arrow.Array) string {
	bufs := a.Data().Buffers()
	if len(bufs) < 3 || bufs[2] == nil {
		return ""
	}
	b := bufs[2].Bytes()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Len returns the number of values.
func (s *Strings) Len() int { return s.n }

// At returns value i (the empty string for a null one, as Value does).
func (s *Strings) At(i int) string {
	if s.o32 != nil {
		return s.data[s.o32[i]:s.o32[i+1]]
	}
	return s.at(i)
}

func (s *Strings) at(i int) string {
	if s.o64 != nil {
		return s.data[s.o64[i]:s.o64[i+1]]
	}
	if uint(i) >= uint(s.n) {
		panic("checks: string index out of range")
	}
	return s.view.Value(i)
}
