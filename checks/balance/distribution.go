package balance

import (
	"fmt"
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/readiness/readiness/checks/rowhash"
)

// relativeAccuracy is the DDSketch's relative error bound on quantiles.
const relativeAccuracy = 0.01

// quantileMethod and momentsMethod are reported with the distribution, so a
// reader knows which numbers are approximate and by how much.
const (
	quantileMethod = "DDSketch (logarithmic mapping, unbounded dense store), relative error ≤ 1%: each quantile q is within 1% of a value whose 0-based rank in the sorted finite values is ⌊q·(count−1)⌋ or ⌈q·(count−1)⌉ (values below 1e-300 in magnitude count as 0), then clamped to [min, max]"
	momentsMethod  = "exact: sums of values and of squares accumulated without rounding, mean and population standard deviation (divided by count) rounded once"
)

var quantiles = []struct {
	name string
	q    float64
}{{"p01", 0.01}, {"p05", 0.05}, {"p25", 0.25}, {"p50", 0.50}, {"p75", 0.75}, {"p95", 0.95}, {"p99", 0.99}}

// Distribution summarises a numeric label. Count, Missing and NonFinite are
// exact; Mean, Std, Min and Max are exact up to the final rounding to
// float64; the quantiles are approximate (see Method).
type Distribution struct {
	// Count is the number of finite label values; Missing the null labels;
	// NonFinite the NaN and infinite ones, left out of everything else.
	Count     int64 `json:"count"`
	Missing   int64 `json:"missing"`
	NonFinite int64 `json:"non_finite"`
	// Mean, Std (population), Min and Max are absent when Count is 0.
	Mean      *float64            `json:"mean,omitempty"`
	Std       *float64            `json:"std,omitempty"`
	Min       *float64            `json:"min,omitempty"`
	Max       *float64            `json:"max,omitempty"`
	Quantiles map[string]*float64 `json:"quantiles,omitempty"`
	Method    string              `json:"method"`
	// MomentsMethod says how Mean and Std are computed.
	MomentsMethod string `json:"moments_method"`
}

// dist accumulates a numeric label's distribution. Every part merges
// exactly: counts and sketch bins are integers, sums are exact.
type dist struct {
	count, missing, nonFinite int64
	min, max                  float64
	sum, sq                   exactSum
	sketch                    *ddsketch.DDSketch
	vals                      []float64
	ok                        []bool
}

func newDist() (*dist, error) {
	sk, err := ddsketch.LogUnboundedDenseDDSketch(relativeAccuracy)
	if err != nil {
		return nil, fmt.Errorf("balance: new sketch: %w", err)
	}
	return &dist{min: math.Inf(1), max: math.Inf(-1), sum: newExactSum(sumOff, sumBins), sq: newExactSum(sqOff, sqBins), sketch: sk}, nil
}

// observe folds a label column in. The caller has already excluded the
// null type.
func (d *dist) observe(a arrow.Array) {
	n := a.Len()
	if cap(d.vals) < n {
		d.vals, d.ok = make([]float64, n), make([]bool, n)
	}
	vals, ok := d.vals[:n], d.ok[:n]
	numbers(a, vals, ok)
	maxIdx := d.sketch.MaxIndexableValue()
	for i, v := range vals {
		switch {
		case !ok[i]:
			d.missing++
			continue
		case math.IsNaN(v) || math.IsInf(v, 0):
			d.nonFinite++
			continue
		}
		if v == 0 {
			v = 0 // −0 is 0, so min and max do not depend on order
		}
		d.count++
		d.min = min(d.min, v)
		d.max = max(d.max, v)
		d.sum.addValue(v)
		d.sq.addSquare(v)
		// The sketch cannot index the last sliver below ±MaxFloat64;
		// such values are sketched at its edge.
		_ = d.sketch.Add(max(-maxIdx, min(maxIdx, v)))
	}
}

func (d *dist) merge(o *dist) error {
	if err := d.sketch.MergeWith(o.sketch); err != nil {
		return fmt.Errorf("balance: merge sketches: %w", err)
	}
	d.count += o.count
	d.missing += o.missing
	d.nonFinite += o.nonFinite
	d.min = min(d.min, o.min)
	d.max = max(d.max, o.max)
	d.sum.merge(&o.sum)
	d.sq.merge(&o.sq)
	return nil
}

func (d *dist) summary() *Distribution {
	out := &Distribution{Count: d.count, Missing: d.missing, NonFinite: d.nonFinite, Method: quantileMethod, MomentsMethod: momentsMethod}
	if d.count == 0 {
		return out
	}
	mean, std := meanStd(d.count, &d.sum, &d.sq)
	out.Mean, out.Std, out.Min, out.Max = &mean, &std, ptr(d.min), ptr(d.max)
	out.Quantiles = map[string]*float64{}
	for _, q := range quantiles {
		v, err := d.sketch.GetValueAtQuantile(q.q)
		if err != nil || math.IsNaN(v) {
			continue
		}
		out.Quantiles[q.name] = ptr(max(d.min, min(d.max, v)))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// numbers reads a numeric column as float64 values; ok is false for nulls
// and for types that are not numbers. Integers beyond 2^53 round to the
// nearest float64.
func numbers(a arrow.Array, out []float64, ok []bool) {
	for i := range ok {
		ok[i] = a.IsValid(i)
	}
	switch a := a.(type) {
	case *array.Float64:
		copy(out, a.Float64Values())
	case *array.Float32:
		for i, v := range a.Float32Values() {
			out[i] = float64(v)
		}
	case *array.Float16:
		for i, v := range a.Values() {
			out[i] = float64(v.Float32())
		}
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		for i := range out {
			if ok[i] {
				out[i] = rowhash.DecimalFloat(a.Value(i), scale)
			}
		}
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		for i := range out {
			if ok[i] {
				out[i] = rowhash.Decimal256Float(a.Value(i), scale)
			}
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
		ints(a.Uint64Values(), out)
	case *array.Dictionary:
		dict := a.Dictionary()
		dv, dok := make([]float64, dict.Len()), make([]bool, dict.Len())
		numbers(dict, dv, dok)
		for i := range out {
			if ok[i] {
				j := a.GetValueIndex(i)
				out[i], ok[i] = dv[j], dok[j]
			}
		}
	default:
		for i := range ok {
			ok[i] = false
		}
	}
}

func ints[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](vals []T, out []float64) {
	for i, v := range vals {
		out[i] = float64(v)
	}
}
