package staleness

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/readiness/readiness/checks"
)

// dayKey is a (day, label text) pair of the oracle; text "" with
// half 0 or 1 counts the day's rows by time of day.
type dayKey struct {
	day  int64
	text string
	half int
}

// countsOf reads a state's per-day counts back by label text.
func countsOf(s *state) map[dayKey]int64 {
	out := map[dayKey]int64{}
	for d, c := range s.days {
		for h := range 2 {
			if c.n[h] != 0 {
				out[dayKey{d, "", h}] += c.n[h]
			}
		}
		for li, v := range c.labels {
			if v != 0 {
				out[dayKey{d, "L" + s.names[li], 0}] += v
			}
		}
	}
	for k, v := range s.dayLabels {
		out[dayKey{k.day, "L" + s.names[k.label], 0}] += v
	}
	return out
}

// TestDayAndLabelCaches: the day cache (days far more than its slots, so
// that days share slots) and the label codes (texts built to share a slot
// of a cache by length and outer bytes, nulls, more labels than the dense
// ones, a sliced batch) give the per-day and per-label counts a plain map
// of the input gives, before and after a merge.
func TestDayAndLabelCaches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(8, 9))
	asOf := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	var texts []string
	for i := range 90 {
		texts = append(texts, fmt.Sprintf("class%02d", i))
	}
	// Same length and the same bytes at 0, n/2, n-2 and n-1: one slot.
	texts = append(texts, "x1abz", "x2abz", "x3abz")
	const n = 20000
	ts := make([]int64, n)
	lab := make([]string, n)
	tnull, lnull := make([]bool, n), make([]bool, n)
	for i := range n {
		if rng.IntN(4) == 0 {
			ts[i] = asOf.UnixMicro() - int64(i/7)*dayUS - rng.Int64N(dayUS) // in time order
		} else {
			ts[i] = asOf.UnixMicro() - rng.Int64N(20000*dayUS) + 100*dayUS
		}
		tnull[i] = rng.IntN(30) == 0
		lnull[i] = rng.IntN(20) == 0
		lab[i] = texts[rng.IntN(len(texts))]
		if rng.IntN(3) == 0 {
			lab[i] = texts[90+rng.IntN(3)]
		}
	}
	tt := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: tt, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	tb := array.NewTimestampBuilder(mem, tt)
	lb := array.NewStringBuilder(mem)
	for i := range n {
		if tnull[i] {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(ts[i]))
		}
		if lnull[i] {
			lb.AppendNull()
		} else {
			lb.Append(lab[i])
		}
	}
	ta, la := tb.NewArray(), lb.NewArray()
	tb.Release()
	lb.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{ta, la}, n)
	ta.Release()
	la.Release()
	defer rec.Release()

	cfg := defaultConfig().(*Config)
	env := checks.Env{Schema: schema, AsOf: asOf, StaleBefore: Cutoff(cfg, asOf), Roles: checks.Roles{Time: "ts", Label: "label"}}
	newSt := func() *state {
		st, err := newState(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		return st.(*state)
	}
	observe := func(s *state, lo, hi int) {
		sl := rec.NewSlice(int64(lo), int64(hi))
		defer sl.Release()
		if err := s.Observe(checks.Batch{Record: sl, Offset: int64(lo)}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(lo, hi int) map[dayKey]int64 {
		out := map[dayKey]int64{}
		_, asOfRem := divmod(asOf.UnixMicro(), dayUS)
		for i := lo; i < hi; i++ {
			if tnull[i] {
				continue
			}
			d, r := divmod(ts[i], dayUS)
			h := 0
			if r > asOfRem {
				h = 1
			}
			out[dayKey{d, "", h}]++
			if !lnull[i] {
				out[dayKey{d, "L" + lab[i], 0}]++
			}
		}
		return out
	}
	// One state over three batches, one of them sliced mid-array.
	a := newSt()
	observe(a, 0, 7001)
	observe(a, 7001, 13333)
	observe(a, 13333, n)
	if got, w := countsOf(a), want(0, n); !maps.Equal(got, w) {
		t.Errorf("one state: %d (day, label) counts, want %d", len(got), len(w))
	}
	if len(a.days) <= 1<<dayCacheBits || len(a.names) <= denseLabels {
		t.Fatalf("%d days, %d labels: the test does not reach past the day cache and the dense labels", len(a.days), len(a.names))
	}
	// Two states merged, then more rows into the merged one: its day
	// cache, filled before the merge, must still agree with its map.
	b, c := newSt(), newSt()
	observe(b, 0, 5000)
	observe(c, 5000, 12000)
	if err := b.Merge(c); err != nil {
		t.Fatal(err)
	}
	observe(b, 12000, n)
	if got, w := countsOf(b), want(0, n); !maps.Equal(got, w) {
		t.Errorf("merged: %d (day, label) counts, want %d", len(got), len(w))
	}
	for d, e := range b.dayCache {
		if e.c != nil && (b.days[e.d] != e.c || uint64(e.d)&(1<<dayCacheBits-1) != uint64(d)) {
			t.Fatalf("day cache slot %d holds day %d, not the map's", d, e.d)
		}
	}
}
