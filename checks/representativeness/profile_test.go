package representativeness

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
)

// TestProfileRowByRow compares the profiles Observe builds (string rows
// counted per code, or per text in a cache, integers into the sketch once per value with
// their count, overflowed string columns no longer read) with profiles
// built the plain way, one row at a time through add and Sketch.Add, on
// batches cut at random: the same counts, overflow and sketch bins.
func TestProfileRowByRow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 10))
	const rows = 6000
	// few: a handful of spellings that differ in one byte; many: past
	// max_categories (so the column overflows, keeping declared values);
	// mixed: few values, then a stretch of many.
	few := []string{"ann01", "ann11", "ann10", "NA", " NA", "NA ", "", "north", "south", "x"}
	sb := map[string]*array.StringBuilder{"few": array.NewStringBuilder(mem), "many": array.NewStringBuilder(mem), "mixed": array.NewStringBuilder(mem)}
	ib := array.NewInt64Builder(mem)
	wb := array.NewInt64Builder(mem)
	var vals = map[string][]any{}
	for i := range rows {
		for _, name := range []string{"few", "many", "mixed"} {
			var v any
			switch {
			case rng.IntN(30) == 0:
			case name == "few" || (name == "mixed" && (i < 2000 || i > 4000)):
				v = few[rng.IntN(len(few))]
			default:
				v = fmt.Sprint("v", rng.IntN(3000))
			}
			if v == nil {
				sb[name].AppendNull()
			} else {
				sb[name].Append(v.(string))
			}
			vals[name] = append(vals[name], v)
		}
		if rng.IntN(30) == 0 {
			ib.AppendNull()
			vals["int"] = append(vals["int"], nil)
		} else {
			v := rng.Int64N(40) - 5
			ib.Append(v)
			vals["int"] = append(vals["int"], v)
		}
		// wide: past max_categories, with a declared value among small
		// ones and negative ones (counted apart from the rest).
		w := rng.Int64N(1 << 40)
		switch rng.IntN(10) {
		case 0:
			w = rng.Int64N(20)
		case 1:
			w = -w
		}
		wb.Append(w)
		vals["wide"] = append(vals["wide"], w)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "few", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "many", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "mixed", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "int", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "wide", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	arrs := []arrow.Array{sb["few"].NewArray(), sb["many"].NewArray(), sb["mixed"].NewArray(), ib.NewArray(), wb.NewArray()}
	rec := array.NewRecordBatch(schema, arrs, rows)
	for _, a := range arrs {
		a.Release()
	}
	for _, b := range sb {
		b.Release()
	}
	ib.Release()
	wb.Release()
	defer rec.Release()

	cfg := defaultConfig().(*Config)
	cfg.MaxCategories = 200
	cfg.Required = map[string]map[string]int64{"many": {"v7": 1, "v2999": 1, "absent": 1}, "mixed": {"north": 1}, "wide": {"7": 1, "12": 1}}
	names := []string{"few", "many", "mixed", "int", "wide"}
	// A reference run, so that values go into the sketches compared below.
	st, err := newState(cfg, checks.Env{Schema: schema, Roles: checks.Roles{Features: names}, ReferenceRun: true})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*state)
	// The plain way, with the batch boundaries Observe sees.
	want := map[string]*profile{}
	for _, name := range names {
		p := &profile{name: name, cats: map[string]int64{}, declared: maps.Clone(s.byName[name].declared)}
		if name == "int" || name == "wide" {
			sk, _ := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
			p.setSketch(sk, true)
		}
		want[name] = p
	}
	for start := 0; start < rows; {
		// Up to 3,000 rows: some batches of "many" have more distinct
		// values than string codes take (checks.MaxStrCodes), and are
		// counted through the cache instead.
		end := min(rows, start+1+rng.IntN(3000))
		slice := rec.NewSlice(int64(start), int64(end))
		if err := st.Observe(checks.Batch{Record: slice}); err != nil {
			t.Fatal(err)
		}
		slice.Release()
		for _, name := range names {
			p := want[name]
			for _, v := range vals[name][start:end] {
				switch v := v.(type) {
				case string:
					p.add(v, 1, s.maxCats)
				case int64:
					p.addFloat(float64(v))
					if !p.overflow || len(p.declared) > 0 {
						p.add(fmt.Sprint(v), 1, s.maxCats)
					}
				}
			}
		}
		start = end
	}
	// Integer counts reach the profile when it is read (Merge, Result).
	s.flushInts()
	for _, name := range names {
		got, w := s.byName[name], want[name]
		if got.overflow != w.overflow || !reflect.DeepEqual(got.cats, w.cats) {
			t.Errorf("%s: overflow %v, %d values; want %v, %d values", name, got.overflow, len(got.cats), w.overflow, len(w.cats))
			continue
		}
		if w.sketch != nil && !reflect.DeepEqual(bins(got.sketch), bins(w.sketch)) {
			t.Errorf("%s: sketch bins differ from adding rows one at a time", name)
		}
	}
	if !s.byName["many"].overflow || s.byName["few"].overflow || !s.byName["mixed"].overflow || !s.byName["wide"].overflow || s.byName["int"].overflow {
		t.Errorf("overflow: few %v many %v mixed %v int %v wide %v; want false true true false true", s.byName["few"].overflow,
			s.byName["many"].overflow, s.byName["mixed"].overflow, s.byName["int"].overflow, s.byName["wide"].overflow)
	}
}

// TestUnsketchedNonFinite: a profile that keeps no sketch (no reference
// to compare with) counts as non-finite exactly the values a sketch
// refuses, asked of ddsketch itself, and an empty sketch stays empty.
func TestUnsketchedNonFinite(t *testing.T) {
	probe, _ := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
	m := probe.MaxIndexableValue()
	vals := []float64{0, -0.0, 1, -5, 1e-320, -1e-320, math.SmallestNonzeroFloat64, 1e300, -1e300,
		m, -m, math.Nextafter(m, math.Inf(1)), math.Nextafter(-m, math.Inf(-1)),
		math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, v := range vals {
		oracle, _ := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
		refused := oracle.Add(v) != nil
		for _, sketched := range []bool{true, false} {
			sk, _ := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
			p := &profile{}
			p.setSketch(sk, sketched)
			p.addFloat(v)
			p.addFloats(v, 3)
			if want := 4 * int64(btoi(refused)); p.nonFinite != want {
				t.Errorf("%v (sketched %v): non_finite %d, want %d", v, sketched, p.nonFinite, want)
			}
			if !sketched && !sk.IsEmpty() {
				t.Errorf("%v: the sketch of an unsketched profile took it", v)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
