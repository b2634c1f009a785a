package labels_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/labels"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{">50K", ">50k"},
		{">50K.", ">50k"},
		{" >50k", ">50k"},
		{"<=50K", "<=50k"},
		{"<=50K.", "<=50k"},
		{"Refund", "refund"},
		{"refund ", "refund"},
		{"REFUND!", "refund"},
		{"money  back", "money back"},
		{"Money-Back", "moneyback"}, // a hyphen is punctuation: dropped, not a space
		{"money\tback\n", "money back"},
		{"  many   inner\u00a0 spaces  ", "many inner spaces"},
		{"ＦＵＬＬ width", "full width"}, // NFKC folds full-width letters
		{"ﬁle", "file"},              // and ligatures
		{"Ünïcödé", "ünïcödé"},
		{"e\u0301", "é"},   // composed
		{"a+b=c", "a+b=c"}, // symbols are kept
		{"$100", "$100"},
		{"...", ""},
		{"\"quoted\"", "quoted"},
		{"it's", "its"},
	}
	for _, tc := range cases {
		if got := labels.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Normalising twice changes nothing.
	for _, tc := range cases {
		if n := labels.Normalize(tc.in); labels.Normalize(n) != n {
			t.Errorf("Normalize is not idempotent on %q: %q then %q", tc.in, n, labels.Normalize(n))
		}
	}
}

func newMem(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// TestText reads a label of every type the readers produce as text; "∅"
// stands for null (Text returns false).
func TestText(t *testing.T) {
	ts := func(u arrow.TimeUnit, tz string) arrow.DataType { return &arrow.TimestampType{Unit: u, TimeZone: tz} }
	cases := []struct {
		typ  arrow.DataType
		json string
		want []string
	}{
		{arrow.PrimitiveTypes.Int8, "[-128, 0, null, 127]", []string{"-128", "0", "∅", "127"}},
		{arrow.PrimitiveTypes.Int16, "[-2, 300]", []string{"-2", "300"}},
		{arrow.PrimitiveTypes.Int32, "[-2, 70000]", []string{"-2", "70000"}},
		{arrow.PrimitiveTypes.Int64, "[-9223372036854775808, null]", []string{"-9223372036854775808", "∅"}},
		{arrow.PrimitiveTypes.Uint8, "[255]", []string{"255"}},
		{arrow.PrimitiveTypes.Uint16, "[65535]", []string{"65535"}},
		{arrow.PrimitiveTypes.Uint32, "[4294967295]", []string{"4294967295"}},
		{arrow.PrimitiveTypes.Uint64, "[18446744073709551615, null]", []string{"18446744073709551615", "∅"}},
		{arrow.FixedWidthTypes.Float16, "[1.5, -0.0, null]", []string{"1.5", "0", "∅"}},
		{arrow.PrimitiveTypes.Float32, "[0.1, 2]", []string{"0.10000000149011612", "2"}},
		{arrow.PrimitiveTypes.Float64, `[1.5, -0.0, 1e21, "NaN", "Inf", null]`, []string{"1.5", "0", "1e+21", "NaN", "+Inf", "∅"}},
		{&arrow.Decimal128Type{Precision: 5, Scale: 2}, `["1.25", "-3.00", null]`, []string{"1.25", "-3", "∅"}},
		{&arrow.Decimal256Type{Precision: 5, Scale: 2}, `["1.25"]`, []string{"1.25"}},
		{arrow.BinaryTypes.String, `["a b ", "", null, "Ünï"]`, []string{"a b ", "", "∅", "Ünï"}},
		{arrow.BinaryTypes.LargeString, `[" x", null]`, []string{" x", "∅"}},
		{arrow.BinaryTypes.StringView, `["a string longer than twelve bytes", "s"]`, []string{"a string longer than twelve bytes", "s"}},
		{arrow.BinaryTypes.Binary, `["YQ==", null]`, []string{"a", "∅"}},
		{arrow.BinaryTypes.LargeBinary, `["Yg=="]`, []string{"b"}},
		{arrow.FixedWidthTypes.Boolean, "[true, false, null]", []string{"true", "false", "∅"}},
		{ts(arrow.Second, ""), "[0, 86400]", []string{"1970-01-01T00:00:00Z", "1970-01-02T00:00:00Z"}},
		{ts(arrow.Millisecond, "Europe/Paris"), "[1]", []string{"1970-01-01T00:00:00.001Z"}},
		{ts(arrow.Microsecond, "UTC"), "[-1, null]", []string{"1969-12-31T23:59:59.999999Z", "∅"}},
		{ts(arrow.Nanosecond, "UTC"), "[1]", []string{"1970-01-01T00:00:00.000000001Z"}},
		{arrow.FixedWidthTypes.Date32, `["2024-02-29", null]`, []string{"2024-02-29", "∅"}},
		{arrow.FixedWidthTypes.Date64, `["2024-02-29"]`, []string{"2024-02-29"}},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), "[[1, 2], null]", []string{"[1,2]", "∅"}},
	}
	for _, tc := range cases {
		t.Run(tc.typ.String(), func(t *testing.T) {
			mem := newMem(t)
			a, _, err := array.FromJSON(mem, tc.typ, strings.NewReader(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			for i, want := range tc.want {
				got, ok := labels.Text(a, i)
				if !ok {
					got = "∅"
				}
				if got != want {
					t.Errorf("Text(%s, %d) = %q, want %q", tc.json, i, got, want)
				}
			}
		})
	}
}

func TestTextDictionaryAndNull(t *testing.T) {
	mem := newMem(t)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	dict, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["yes", null, "no"]`))
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Release()
	idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[2, 0, 1, null, 0]`))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Release()
	d := array.NewDictionaryArray(dt, idx, dict)
	defer d.Release()
	var got []string
	for i := range d.Len() {
		s, ok := labels.Text(d, i)
		got = append(got, fmt.Sprintf("%s %v", s, ok))
	}
	if want := []string{"no true", "yes true", " false", " false", "yes true"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dictionary: %q, want %q (a null entry and a null index are both null)", got, want)
	}
	// The null type has no validity bitmap: its values are null all the
	// same.
	n := array.NewNull(3)
	defer n.Release()
	for i := range 3 {
		if s, ok := labels.Text(n, i); ok {
			t.Errorf("null type: Text = %q, true; want false", s)
		}
	}
	// A slice reads from its offset.
	s := array.NewSlice(d, 1, 3)
	defer s.Release()
	if v, ok := labels.Text(s, 0); v != "yes" || !ok {
		t.Errorf("slice: %q %v, want yes", v, ok)
	}
}

func TestIsContinuous(t *testing.T) {
	cases := map[arrow.DataType]bool{
		arrow.FixedWidthTypes.Float16:                  true,
		arrow.PrimitiveTypes.Float32:                   true,
		arrow.PrimitiveTypes.Float64:                   true,
		&arrow.Decimal128Type{Precision: 5, Scale: 2}:  true,
		&arrow.Decimal256Type{Precision: 40, Scale: 0}: true,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Float64}: true,
		arrow.PrimitiveTypes.Int64:    false,
		arrow.PrimitiveTypes.Uint8:    false,
		arrow.BinaryTypes.String:      false,
		arrow.FixedWidthTypes.Boolean: false,
		arrow.FixedWidthTypes.Date32:  false,
		arrow.Null:                    false,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}: false,
	}
	for typ, want := range cases {
		if got := labels.IsContinuous(typ); got != want {
			t.Errorf("IsContinuous(%s) = %v, want %v", typ, got, want)
		}
	}
}
