// Package rowhash fingerprints values and rows by their logical value, so
// that the same row read from CSV, Parquet, NDJSON or Arrow IPC gets the same
// fingerprint. The duplicates, labels and balance checks count distinct rows
// and feature vectors by these fingerprints.
//
// Logical value, precisely:
//
//   - null is one value, whatever the column type (null equals null);
//   - integers of every width and sign, floats that hold an integer exactly
//     (1.0), and decimals whose value is an integer are the same number: 1,
//     int8(1), 1.0 and decimal 1.00 hash alike;
//   - other floats hash by their float64 value; every NaN is one value and
//     -0 equals 0 (pandas' duplicated() semantics); float32 values are
//     widened to float64 exactly, so float32(0.1) is not float64 0.1;
//   - decimals hash by their value converted to float64 (exact for up to 15
//     significant digits);
//   - strings and binaries hash by their bytes; a dictionary-encoded value
//     hashes as the value it stands for;
//   - timestamps hash by the instant (seconds and nanoseconds since the
//     epoch, UTC) whatever their unit or zone; dates by their day; times of
//     day and durations by nanoseconds;
//   - anything else (lists, structs, maps) by Arrow's text rendering of the
//     value.
//
// A fingerprint is 128 bits. Two different rows share one with probability
// about 2^-128 per pair, so among n distinct rows the chance of any collision
// is below n²/2^129: under 10^-20 for a billion rows. Counts built on
// fingerprints are exact up to that bound, which the checks' documentation
// states.
//
// Rows are hashed column by column ([Rows]): each column's values are hashed
// in one typed loop and folded into the per-row fingerprints, which keeps the
// inner loops free of per-value interface calls.
package rowhash

import (
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/zeebo/xxh3"
)

// Fingerprint is a 128-bit hash of a value or a row.
type Fingerprint struct{ Hi, Lo uint64 }

// Tags keep values of different kinds apart: the number 1 and the string
// "1" are different values. They differ only in their low byte, so a value
// folded into a tag's higher bits (nanoseconds of an instant, shifted left
// by 8) can never turn one tag into another.
const (
	tagNull uint64 = 0x9e3779b97f4a7c15 + iota
	tagBool
	tagInt
	tagBigUint
	tagFloat
	tagNaN
	tagTime
	tagDate
	tagTimeOfDay
	tagDuration
	tagOther
)

// seed is the fingerprint of a row with no columns.
var seed = Fingerprint{Hi: 0x243f6a8885a308d3, Lo: 0x13198a2e03707344}

// Seed returns the fingerprint of an empty row, the starting point of
// [Fold].
func Seed() Fingerprint { return seed }

// Fold mixes the fingerprint of the next value into a row's fingerprint.
// Order matters: (x, y) and (y, x) fold to different fingerprints.
//
// It is xxh3's 128-bit hash (default secret, no seed) of the 32 bytes
// row.Hi, row.Lo, v.Hi, v.Lo, little-endian, written out for that one
// length: xxh3.Hash128 of a buffer dispatches on the length and reads the
// bytes back, and an audit folds every value of every row twice or more
// (180M folds at 10M rows × 11 columns). TestFoldIsXXH3 compares it with
// xxh3.Hash128 of the bytes.
func Fold(row, v Fingerprint) Fingerprint {
	// xxh3's constants: the primes, and the first 32 bytes of its default
	// secret read as little-endian words (github.com/zeebo/xxh3 consts.go).
	const (
		prime64_1 = 11400714785074694791
		prime64_2 = 14029467366897019727
		prime64_4 = 9650029242287828579
		key64_000 = 0xbe4ba423396cfeb8
		key64_008 = 0x1cad21f72c81017c
		key64_016 = 0xdb979083e96dd4de
		key64_024 = 0x1f67b3b7a4a44072
		// 32·prime64_1 and 32·prime64_2, modulo 2^64
		lenPrime1 = 0xc6ef3630bd7950e0
		lenPrime2 = 0x5655c7a4fa9d69e0
	)
	lo := lenPrime1 + mulFold64(row.Hi^key64_000, row.Lo^key64_008)
	lo ^= v.Hi + v.Lo
	hi := mulFold64(v.Hi^key64_016, v.Lo^key64_024) ^ (row.Hi + row.Lo)
	hi, lo = lo*prime64_1+hi*prime64_4+lenPrime2, hi+lo
	return Fingerprint{Hi: -avalanche(hi), Lo: avalanche(lo)}
}

func mulFold64(x, y uint64) uint64 {
	hi, lo := bits.Mul64(x, y)
	return hi ^ lo
}

func avalanche(x uint64) uint64 {
	x ^= x >> 37
	x *= 0x165667919e3779f9
	x ^= x >> 32
	return x
}

// Bytes returns the fingerprint of a string or binary value.
func Bytes(b []byte) Fingerprint {
	h := xxh3.Hash128(b)
	return Fingerprint{Hi: h.Hi, Lo: h.Lo}
}

// String returns the fingerprint of a string value.
func String(s string) Fingerprint {
	h := xxh3.HashString128(s)
	return Fingerprint{Hi: h.Hi, Lo: h.Lo}
}

// Null is the fingerprint of a null value.
func Null() Fingerprint { return Fingerprint{Hi: tagNull} }

// Int returns the fingerprint of an integer.
func Int(v int64) Fingerprint { return Fingerprint{Hi: tagInt, Lo: uint64(v)} }

// Float returns the fingerprint of a float: an integer-valued float is the
// integer, NaN is one value and -0 is 0.
func Float(v float64) Fingerprint {
	switch {
	case v != v:
		return Fingerprint{Hi: tagNaN}
	case v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63:
		return Int(int64(v))
	}
	return Fingerprint{Hi: tagFloat, Lo: math.Float64bits(v)}
}

func uintFP(v uint64) Fingerprint {
	if v > math.MaxInt64 {
		return Fingerprint{Hi: tagBigUint, Lo: v}
	}
	return Int(int64(v))
}

func boolFP(v bool) Fingerprint {
	if v {
		return Fingerprint{Hi: tagBool, Lo: 1}
	}
	return Fingerprint{Hi: tagBool}
}

// Instant returns the fingerprint of a point in time given as seconds and
// nanoseconds (0 ≤ nsec < 1e9) since the Unix epoch.
func Instant(sec int64, nsec int64) Fingerprint {
	return Fingerprint{Hi: tagTime ^ uint64(nsec)<<8, Lo: uint64(sec)}
}

// Value returns the fingerprint of a[i].
func Value(a arrow.Array, i int) Fingerprint {
	s := array.NewSlice(a, int64(i), int64(i+1))
	defer s.Release()
	out := [1]Fingerprint{}
	values(s, out[:])
	return out[0]
}

// Values writes the fingerprint of each value of a into out, which must hold
// at least a.Len() entries.
func Values(a arrow.Array, out []Fingerprint) { values(a, out[:a.Len()]) }

// Rows writes into out the fingerprint of each row of rec over the columns
// cols, in that order. out must hold at least rec.NumRows() entries. scratch
// is reused between calls to avoid allocating; it may be nil.
func Rows(rec arrow.RecordBatch, cols []int, out []Fingerprint, scratch *[]Fingerprint) {
	n := int(rec.NumRows())
	out = out[:n]
	for i := range out {
		out[i] = seed
	}
	if scratch == nil {
		scratch = new([]Fingerprint)
	}
	if cap(*scratch) < n {
		*scratch = make([]Fingerprint, n)
	}
	vals := (*scratch)[:n]
	for _, c := range cols {
		values(rec.Column(c), vals)
		FoldAll(out, vals)
	}
}

// values fills out (len == a.Len()) with the fingerprints of a's values.
func values(a arrow.Array, out []Fingerprint) {
	switch a := a.(type) {
	case *array.Null:
		for i := range out {
			out[i] = Null()
		}
		return
	case *array.Boolean:
		for i := range out {
			out[i] = boolFP(a.Value(i))
		}
	case *array.Int8:
		ints(a.Int8Values(), out)
	case *array.Int16:
		ints(a.Int16Values(), out)
	case *array.Int32:
		ints(a.Int32Values(), out)
	case *array.Int64:
		ints(a.Int64Values(), out)
	case *array.Uint8:
		ints(a.Uint8Values(), out)
	case *array.Uint16:
		ints(a.Uint16Values(), out)
	case *array.Uint32:
		ints(a.Uint32Values(), out)
	case *array.Uint64:
		for i, v := range a.Uint64Values() {
			out[i] = uintFP(v)
		}
	case *array.Float16:
		for i, v := range a.Values() {
			out[i] = Float(float64(v.Float32()))
		}
	case *array.Float32:
		for i, v := range a.Float32Values() {
			out[i] = Float(float64(v))
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			out[i] = Float(v)
		}
	case *array.String:
		for i := range out {
			out[i] = String(a.Value(i))
		}
	case *array.LargeString:
		for i := range out {
			out[i] = String(a.Value(i))
		}
	case *array.StringView:
		for i := range out {
			out[i] = String(a.Value(i))
		}
	case *array.Binary:
		for i := range out {
			out[i] = Bytes(a.Value(i))
		}
	case *array.LargeBinary:
		for i := range out {
			out[i] = Bytes(a.Value(i))
		}
	case *array.BinaryView:
		for i := range out {
			out[i] = Bytes(a.Value(i))
		}
	case *array.FixedSizeBinary:
		for i := range out {
			out[i] = Bytes(a.Value(i))
		}
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		for i := range out {
			out[i] = decimal(a.Value(i), scale)
		}
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		for i := range out {
			out[i] = Float(Decimal256Float(a.Value(i), scale))
		}
	case *array.Timestamp:
		instants(out, a.TimestampValues(), a.DataType().(*arrow.TimestampType).Unit)
	case *array.Date32:
		for i, v := range a.Date32Values() {
			out[i] = Fingerprint{Hi: tagDate, Lo: uint64(int64(v))}
		}
	case *array.Date64:
		for i, v := range a.Date64Values() {
			out[i] = Fingerprint{Hi: tagDate, Lo: uint64(floorDiv(int64(v), 86_400_000))}
		}
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		for i, v := range a.Time32Values() {
			out[i] = Fingerprint{Hi: tagTimeOfDay, Lo: uint64(int64(v) * int64(unit.Multiplier()))}
		}
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		for i, v := range a.Time64Values() {
			out[i] = Fingerprint{Hi: tagTimeOfDay, Lo: uint64(int64(v) * int64(unit.Multiplier()))}
		}
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		for i, v := range a.DurationValues() {
			sec, nsec := split(int64(v), unit)
			out[i] = Fingerprint{Hi: tagDuration ^ uint64(nsec)<<8, Lo: uint64(sec)}
		}
	case *array.Dictionary:
		dict := a.Dictionary()
		fps := make([]Fingerprint, dict.Len())
		values(dict, fps)
		for i := range out {
			if a.IsNull(i) {
				continue
			}
			out[i] = fps[a.GetValueIndex(i)]
		}
	default:
		for i := range out {
			out[i] = Bytes([]byte(a.ValueStr(i)))
			out[i].Hi ^= tagOther
		}
	}
	// Nulls are rare: ValidityOf skips bytes of the bitmap with none
	// (IsNull for each value took 0.38 s of CPU at 10M rows).
	ValidityOf(a).EachNull(len(out), func(i int) { out[i] = Null() })
}

func ints[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](vals []T, out []Fingerprint) {
	for i, v := range vals {
		out[i] = Int(int64(v))
	}
}

// decimal hashes an integer-valued decimal as the integer, anything else as
// its float64 value.
func decimal(v decimal128.Num, scale int32) Fingerprint {
	if scale <= 0 {
		if scale == 0 && v.FitsInPrecision(18) {
			return Int(v.BigInt().Int64())
		}
		return Float(DecimalFloat(v, scale))
	}
	q, r := v.Div(decimal128.GetScaleMultiplier(int(scale)))
	if r == (decimal128.Num{}) && q.FitsInPrecision(18) {
		return Int(q.BigInt().Int64())
	}
	return Float(DecimalFloat(v, scale))
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// DecimalFloat converts a decimal to the float64 nearest its value when its
// unscaled value has at most 53 bits and |scale| ≤ 22 (one correctly
// rounded division or multiplication, so decimal -498.96 is the float64
// -498.96, as a CSV reader would parse it); otherwise it falls back to
// arrow's ToFloat64, which may be off in the last bit.
func DecimalFloat(v decimal128.Num, scale int32) float64 {
	lo, hi := int64(v.LowBits()), v.HighBits()
	if (hi == 0 && lo >= 0 && lo <= 1<<53) || (hi == -1 && lo < 0 && lo >= -(1<<53)) {
		if f, ok := scaled(float64(lo), scale); ok {
			return f
		}
	}
	return v.ToFloat64(scale)
}

// Decimal256Float is [DecimalFloat] for 256-bit decimals.
func Decimal256Float(v decimal256.Num, scale int32) float64 {
	w := v.Array() // little-endian 64-bit words
	lo := int64(w[0])
	small := (w[1] == 0 && w[2] == 0 && w[3] == 0 && lo >= 0 && lo <= 1<<53) ||
		(w[1] == math.MaxUint64 && w[2] == math.MaxUint64 && w[3] == math.MaxUint64 && lo < 0 && lo >= -(1<<53))
	if small {
		if f, ok := scaled(float64(lo), scale); ok {
			return f
		}
	}
	return v.ToFloat64(scale)
}

func scaled(u float64, scale int32) (float64, bool) {
	switch {
	case scale >= 0 && int(scale) < len(pow10):
		return u / pow10[scale], true
	case scale < 0 && int(-scale) < len(pow10):
		return u * pow10[-scale], true
	}
	return 0, false
}

// instants fills out with the fingerprints of timestamps in unit: split,
// a loop for each unit, so that its divisor is a constant the compiler
// turns into a multiplication. Through split, a division an instant took
// 0.07 s of CPU for the 10M-row benchmark's time column
// (docs/performance.md, 2026-11-30 zg).
func instants(out []Fingerprint, vals []arrow.Timestamp, unit arrow.TimeUnit) {
	switch unit {
	case arrow.Second:
		for i, v := range vals {
			out[i] = Instant(int64(v), 0)
		}
	case arrow.Millisecond:
		for i, v := range vals {
			sec := floorDiv(int64(v), 1_000)
			out[i] = Instant(sec, (int64(v)-sec*1_000)*1_000_000)
		}
	case arrow.Microsecond:
		for i, v := range vals {
			sec := floorDiv(int64(v), 1_000_000)
			out[i] = Instant(sec, (int64(v)-sec*1_000_000)*1_000)
		}
	default:
		for i, v := range vals {
			sec, nsec := split(int64(v), unit)
			out[i] = Instant(sec, nsec)
		}
	}
}

// split converts a count of unit since the epoch to seconds and
// nanoseconds (0 ≤ nsec < 1e9) without overflow.
func split(v int64, unit arrow.TimeUnit) (sec, nsec int64) {
	per := int64(time1e9 / unit.Multiplier()) // units per second
	sec = floorDiv(v, per)
	nsec = (v - sec*per) * int64(unit.Multiplier())
	return sec, nsec
}

const time1e9 = 1_000_000_000

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
