package checks

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StringsOf reads every value of String, LargeString and StringView arrays
// as their Value method does — whole arrays and slices of them starting
// past their first value, with nulls, empty strings and values longer than
// a view's inline 12 bytes — and refuses other types.
func TestStringsOf(t *testing.T) {
	vals := []string{"a", "", "north", "", "a longer value than twelve bytes", "é", "x"}
	valid := []bool{true, true, false, true, true, true, true}
	mem := memory.NewGoAllocator()
	builders := map[string]array.Builder{
		"string":      array.NewStringBuilder(mem),
		"large":       array.NewLargeStringBuilder(mem),
		"string_view": array.NewStringViewBuilder(mem),
	}
	for name, b := range builders {
		type appender interface{ AppendValues([]string, []bool) }
		b.(appender).AppendValues(vals, valid)
		arr := b.NewArray()
		for lo := 0; lo < len(vals); lo++ {
			for hi := lo; hi <= len(vals); hi++ {
				a := array.NewSlice(arr, int64(lo), int64(hi))
				s, ok := StringsOf(a)
				if !ok || s.Len() != a.Len() {
					t.Fatalf("%s[%d:%d]: ok %v, Len %d, want %d", name, lo, hi, ok, s.Len(), a.Len())
				}
				value := a.(interface{ Value(int) string }).Value
				for i := range a.Len() {
					if got, want := s.At(i), value(i); got != want {
						t.Errorf("%s[%d:%d].At(%d) = %q, want %q", name, lo, hi, i, got, want)
					}
					// The oracle is the fixture itself, not only Value.
					if want := vals[lo+i]; valid[lo+i] && s.At(i) != want {
						t.Errorf("%s[%d:%d].At(%d) = %q, want %q", name, lo, hi, i, s.At(i), want)
					}
				}
				a.Release()
			}
		}
		arr.Release()
	}
	// Every value empty: a String array may have no values buffer.
	empty := array.NewStringData(array.NewData(arrow.BinaryTypes.String, 2,
		[]*memory.Buffer{nil, memory.NewBufferBytes(make([]byte, 12)), nil}, nil, 0, 0))
	if s, ok := StringsOf(empty); !ok || s.At(0) != "" || s.At(1) != "" {
		t.Fatalf("no values buffer: ok %v", ok)
	}
	ints := array.NewInt64Builder(mem)
	ints.Append(1)
	if _, ok := StringsOf(ints.NewArray()); ok {
		t.Fatal("an int64 array read as strings")
	}
}
