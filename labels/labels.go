// Package labels holds the label logic the checks share: reading a label
// value as text ([Text]), normalising label variants ([Normalize]: case,
// Unicode form, whitespace, punctuation, a trailing period), and the table
// of feature vectors and the labels seen with them ([Groups]), from which
// conflicting-label groups are counted.
//
// The label-consistency check (checks/labels) and the balance check
// (checks/balance) both build on it, so "a conflicting group" means the same
// thing in both.
package labels

import (
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"golang.org/x/text/unicode/norm"
)

// Text returns the label a[i] as text, and false when it is null. Strings
// are returned as written (no trimming, no case folding); integers in
// decimal; floats in the shortest form that reads back exactly; booleans as
// true and false; timestamps in RFC 3339. A dictionary value is the value it
// stands for.
//
// A string label is returned without copying: it points into the batch's
// buffers and is valid only while the batch is. Copy it (strings.Clone)
// before keeping it past Observe.
func Text(a arrow.Array, i int) (string, bool) {
	// An array of the null type has no validity bitmap, so its IsNull is
	// false: test the type too.
	if a.DataType().ID() == arrow.NULL || a.IsNull(i) {
		return "", false
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.StringView:
		return a.Value(i), true
	case *array.Binary:
		return string(a.Value(i)), true
	case *array.LargeBinary:
		return string(a.Value(i)), true
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i)), true
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10), true
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10), true
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10), true
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), true
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10), true
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10), true
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10), true
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10), true
	case *array.Float16:
		return formatFloat(float64(a.Value(i).Float32())), true
	case *array.Float32:
		return formatFloat(float64(a.Value(i))), true
	case *array.Float64:
		return formatFloat(a.Value(i)), true
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano), true
	case *array.Dictionary:
		return Text(a.Dictionary(), a.GetValueIndex(i))
	}
	return a.ValueStr(i), true
}

func formatFloat(v float64) string {
	if v == 0 {
		v = 0 // -0 reads as 0
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// IsContinuous reports whether a label column of type t is a float or a
// decimal: a regression target, summarised as a distribution rather than
// counted as classes.
func IsContinuous(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	return arrow.IsFloating(t.ID()) || arrow.IsDecimal(t.ID())
}

// Normalize folds a label (or any text) to the form under which variants
// compare equal: Unicode compatibility form (NFKC), lower case, punctuation
// removed, runs of white space collapsed to one space, surrounding space
// trimmed. ">50K" and ">50K." both become ">50k"; "Refund " and "refund"
// become "refund". Symbols such as < > = + are kept, so "<=50K" and ">50K"
// stay apart.
func Normalize(s string) string { return string(AppendNormalized(nil, s)) }

// AppendNormalized appends Normalize(s) to dst. ASCII text, by far the
// common case, is folded byte by byte without allocating (NFKC leaves
// ASCII unchanged), so a caller reusing dst normalises a column's values
// without garbage.
func AppendNormalized(dst []byte, s string) []byte {
	if out, ok := appendASCII(dst, s); ok {
		return out
	}
	return appendGeneral(dst, s)
}

// appendGeneral is Normalize for any text.
func appendGeneral(dst []byte, s string) []byte {
	s = norm.NFKC.String(s)
	start := len(dst)
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = len(dst) > start
		case unicode.IsPunct(r):
			// dropped
		default:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// asciiClass classifies ASCII bytes the way appendGeneral treats them:
// white space (unicode.IsSpace), punctuation (unicode.IsPunct), upper case,
// or kept as is.
var asciiClass = func() (c [128]uint8) {
	for r := range rune(128) {
		switch {
		case unicode.IsSpace(r):
			c[r] = classSpace
		case unicode.IsPunct(r):
			c[r] = classPunct
		case unicode.IsUpper(r):
			c[r] = classUpper
		}
	}
	return c
}()

const (
	classKeep uint8 = iota
	classSpace
	classPunct
	classUpper
)

// appendASCII appends the normalised form of s to dst when s is ASCII, and
// reports false (dst[len(dst):] unspecified) when it is not.
func appendASCII(dst []byte, s string) ([]byte, bool) {
	if useAVX512 && len(s) > 0 && len(s) <= 64 {
		dst = slices.Grow(dst, 64)
		start := len(dst)
		n, ok := normalizeASCII64(unsafe.SliceData(dst[start:start+64]), unsafe.StringData(s), len(s))
		if !ok {
			return dst, false
		}
		return dst[:start+n], true
	}
	start := len(dst)
	space := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 0x80 {
			return dst[:start], false
		}
		switch asciiClass[ch] {
		case classSpace:
			space = len(dst) > start
		case classPunct:
		default:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			if asciiClass[ch] == classUpper {
				ch += 'a' - 'A'
			}
			dst = append(dst, ch)
		}
	}
	return dst, true
}
