package fptable

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
)

// keyGen makes keys of several shapes: random, small integers (poorly
// mixed: (tag, n)), and the zero fingerprint.
func keyGen(r *rand.Rand, distinct int) rowhash.Fingerprint {
	switch r.IntN(4) {
	case 0:
		return rowhash.Int(int64(r.IntN(distinct)))
	case 1:
		return rowhash.Fingerprint{Hi: uint64(r.IntN(3)), Lo: uint64(r.IntN(distinct))} // includes {0,0}
	default:
		x := uint64(r.IntN(distinct))
		return rowhash.Fingerprint{Hi: x * 0x9E3779B97F4A7C15, Lo: x*0xC2B2AE3D27D4EB4F + 1}
	}
}

func check(t *testing.T, tb *Table[int64], want map[rowhash.Fingerprint]int64) {
	t.Helper()
	if tb.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", tb.Len(), len(want))
	}
	seen := map[rowhash.Fingerprint]bool{}
	tb.Each(func(k rowhash.Fingerprint, v *int64) {
		if seen[k] {
			t.Fatalf("Each visits %v twice", k)
		}
		seen[k] = true
		if w, ok := want[k]; !ok || w != *v {
			t.Fatalf("Each: %v = %d, want %d (present %v)", k, *v, w, ok)
		}
	})
	for k, w := range want {
		if p := tb.Get(k); p == nil || *p != w {
			t.Fatalf("Get(%v) = %v, want %d", k, p, w)
		}
	}
}

func TestAgainstMap(t *testing.T) {
	for _, distinct := range []int{1, 10, 1000, 50000} {
		r := rand.New(rand.NewPCG(uint64(distinct), 1))
		tb := New[int64](0)
		want := map[rowhash.Fingerprint]int64{}
		for range 3 * distinct {
			k := keyGen(r, distinct)
			v, isNew := tb.Upsert(k)
			if _, ok := want[k]; ok == isNew {
				t.Fatalf("Upsert(%v) isNew = %v, map has it %v", k, isNew, ok)
			}
			*v++
			want[k]++
		}
		check(t, tb, want)
		// absent keys
		for i := range 1000 {
			k := rowhash.Fingerprint{Hi: 77, Lo: uint64(i)}
			if _, ok := want[k]; !ok && tb.Get(k) != nil {
				t.Fatalf("Get(%v) found an absent key", k)
			}
		}
	}
}

func TestZeroKey(t *testing.T) {
	tb := New[int64](0)
	if tb.Get(rowhash.Fingerprint{}) != nil {
		t.Fatal("empty table has the zero key")
	}
	v, isNew := tb.Upsert(rowhash.Fingerprint{})
	if !isNew {
		t.Fatal("zero key not new")
	}
	*v = 5
	if _, isNew := tb.Upsert(rowhash.Fingerprint{}); isNew {
		t.Fatal("zero key new twice")
	}
	check(t, tb, map[rowhash.Fingerprint]int64{{}: 5})
}

func TestMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		a, b := New[int64](0), New[int64](r.IntN(5000))
		want := map[rowhash.Fingerprint]int64{}
		distinct := 1 + r.IntN(20000)
		for range r.IntN(30000) {
			k := keyGen(r, distinct)
			tb := a
			if r.IntN(2) == 0 {
				tb = b
			}
			v, _ := tb.Upsert(k)
			*v++
			want[k]++
		}
		a.Merge(b, func(_ rowhash.Fingerprint, dst, src *int64, isNew bool) {
			if isNew != (*dst == 0) {
				t.Fatalf("trial %d: isNew %v with dst %d", trial, isNew, *dst)
			}
			*dst += *src
		})
		check(t, a, want)
	}
}

// TestMergeSlotOrderLinear merges a big table into an empty one: without
// Reserve this is quadratic and the test would time out.
func TestMergeSlotOrderLinear(t *testing.T) {
	const n = 1 << 20
	big := New[int64](0)
	for i := range n {
		v, _ := big.Upsert(rowhash.Fingerprint{Hi: uint64(i) * 0x9E3779B97F4A7C15, Lo: uint64(i) + 1})
		*v = 1
	}
	small := New[int64](0)
	small.Merge(big, func(_ rowhash.Fingerprint, dst, src *int64, _ bool) { *dst += *src })
	if small.Len() != n {
		t.Fatalf("Len %d, want %d", small.Len(), n)
	}
}

// FuzzTable drives a table and a map with the same operations.
func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte("some bytes that make keys and a merge"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tabs := [2]*Table[int64]{New[int64](0), New[int64](0)}
		maps := [2]map[rowhash.Fingerprint]int64{{}, {}}
		for len(data) >= 3 {
			op, hi, lo := data[0], data[1], data[2]
			data = data[3:]
			k := rowhash.Fingerprint{Hi: uint64(hi & 3), Lo: uint64(lo)}
			if hi&4 != 0 {
				k.Lo = binary.LittleEndian.Uint64([]byte{lo, lo, 0, 0, 0, 0, 0, lo})
			}
			w := int(op & 1)
			switch op >> 1 & 3 {
			case 0, 1:
				v, _ := tabs[w].Upsert(k)
				*v++
				maps[w][k]++
			case 2:
				p := tabs[w].Get(k)
				if mv, ok := maps[w][k]; ok != (p != nil) || ok && *p != mv {
					t.Fatalf("Get(%v) = %v, map %d %v", k, p, mv, ok)
				}
			case 3:
				tabs[w].Merge(tabs[1-w], func(_ rowhash.Fingerprint, dst, src *int64, _ bool) { *dst += *src })
				for k, v := range maps[1-w] {
					maps[w][k] += v
				}
			}
		}
		check(t, tabs[0], maps[0])
		check(t, tabs[1], maps[1])
	})
}

func TestPointerValuesRejected(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a value type holding a pointer")
		}
	}()
	New[struct{ p *int }](0)
}

// TestMappedTablesDropped: large (mapped) tables grow, are merged and
// dropped while the collector runs, and what is read stays right.
func TestMappedTablesDropped(t *testing.T) {
	for round := range 3 {
		want := map[rowhash.Fingerprint]int64{}
		var dst *Table[int64]
		for part := range 3 {
			tb := New[int64](0)
			for i := range 100000 {
				k := rowhash.Fingerprint{Hi: uint64(round), Lo: uint64(i*3 + part%2)}
				v, _ := tb.Upsert(k)
				*v++
				want[k]++
			}
			if dst == nil {
				dst = tb
				continue
			}
			dst.Merge(tb, func(_ rowhash.Fingerprint, d, s *int64, _ bool) { *d += *s })
			runtime.GC()
		}
		check(t, dst, want)
	}
	runtime.GC()
}
