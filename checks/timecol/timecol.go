// Package timecol reads a time column's values as instants, for the checks
// that measure age (staleness, and balance's usable examples).
//
// A time column is a timestamp (any unit; with a zone it is already an
// instant, without one it is read as UTC), a date (midnight UTC), or a
// string column whose values parse as times in one of [Layouts]. Strings
// without a zone offset are read as UTC. Instants are microseconds since the
// Unix epoch, UTC, which covers ±290,000 years, so timestamps from 1900 or
// 2500 are kept exactly to the microsecond.
package timecol

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Layouts are the string forms a time column may take, tried in order.
var Layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"2006-01",
}

// Supported reports whether a column of type t can be a time column.
func Supported(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type:
		return true
	case *arrow.DictionaryType:
		return Supported(t.ValueType)
	}
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// Parse parses s as a time in one of [Layouts] and returns it in
// microseconds since the epoch, UTC.
func Parse(s string) (int64, bool) {
	if len(s) < 7 || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	for _, l := range Layouts {
		if t, err := time.Parse(l, s); err == nil {
			return FromTime(t), true
		}
	}
	return 0, false
}

// FromTime converts t to microseconds since the epoch.
func FromTime(t time.Time) int64 {
	return t.Unix()*1_000_000 + int64(t.Nanosecond()/1000)
}

// ToTime converts microseconds since the epoch to a UTC time.
func ToTime(us int64) time.Time {
	return time.Unix(floorDiv(us, 1_000_000), (us-floorDiv(us, 1_000_000)*1_000_000)*1000).UTC()
}

// Micros writes each value of a as microseconds since the epoch into out,
// and whether the value is a time into ok (false for a null, or a string
// that does not parse). out and ok must hold a.Len() entries. It returns how
// many non-null values were strings that did not parse.
func Micros(a arrow.Array, out []int64, ok []bool) (unparsed int64) {
	n := a.Len()
	out, ok = out[:n], ok[:n]
	for i := range ok {
		ok[i] = a.IsValid(i)
	}
	switch a := a.(type) {
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		for i, v := range a.TimestampValues() {
			out[i], ok[i] = scale(int64(v), unit, ok[i])
		}
	case *array.Date32:
		for i, v := range a.Date32Values() {
			// Days beyond ±106,751,991 overflow int64 microseconds.
			if d := int64(v); d > math.MaxInt64/86_400_000_000 || d < math.MinInt64/86_400_000_000 {
				out[i], ok[i] = 0, false
			} else {
				out[i] = d * 86_400_000_000
			}
		}
	case *array.Date64:
		for i, v := range a.Date64Values() {
			out[i], ok[i] = scale(int64(v), arrow.Millisecond, ok[i])
		}
	case *array.Dictionary:
		dict := a.Dictionary()
		dv := make([]int64, dict.Len())
		dok := make([]bool, dict.Len())
		Micros(dict, dv, dok)
		// Only strings are unparsed; a dictionary of other values that
		// are not times (out of range, or not a time type) is not.
		_, isString := dict.(interface{ Value(int) string })
		for i := range out {
			if !ok[i] {
				continue
			}
			j := a.GetValueIndex(i)
			out[i], ok[i] = dv[j], dok[j]
			if !ok[i] && isString && dict.IsValid(j) {
				unparsed++
			}
		}
	case interface{ Value(int) string }:
		for i := range out {
			if !ok[i] {
				continue
			}
			out[i], ok[i] = Parse(a.Value(i))
			if !ok[i] {
				unparsed++
			}
		}
	default:
		for i := range ok {
			ok[i] = false
		}
	}
	return unparsed
}

// scale converts v units to microseconds; values beyond the int64
// microsecond range are not times.
func scale(v int64, unit arrow.TimeUnit, valid bool) (int64, bool) {
	switch unit {
	case arrow.Second:
		if v > math.MaxInt64/1_000_000 || v < math.MinInt64/1_000_000 {
			return 0, false
		}
		return v * 1_000_000, valid
	case arrow.Millisecond:
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		return v * 1000, valid
	case arrow.Microsecond:
		return v, valid
	default:
		return floorDiv(v, 1000), valid
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
