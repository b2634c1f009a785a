package fptable

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
)

// first is the shape of the duplicates check's exact-row value: 16 bytes.
type first struct {
	input int32
	seen  uint8
	row   int64
}

// benchKeys returns n keys with about 30% repeats, like a dataset with
// duplicates.
func benchKeys(n int) []rowhash.Fingerprint {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]rowhash.Fingerprint, n)
	for i := range keys {
		x := uint64(r.IntN(n * 7 / 10))
		keys[i] = rowhash.Fingerprint{Hi: x * 0x9E3779B97F4A7C15, Lo: bits.RotateLeft64(x*0xC2B2AE3D27D4EB4F, 17) ^ x}
	}
	return keys
}

const benchN = 1 << 20

func BenchmarkUpsert(b *testing.B) {
	keys := benchKeys(benchN)
	b.Run("fptable", func(b *testing.B) {
		b.SetBytes(int64(len(keys)))
		for b.Loop() {
			t := New[first](0)
			for i, k := range keys {
				v, isNew := t.Upsert(k)
				if isNew {
					*v = first{seen: 1, row: int64(i)}
				} else {
					v.seen = 2
				}
			}
		}
	})
	b.Run("occupancy-byte", func(b *testing.B) {
		b.SetBytes(int64(len(keys)))
		for b.Loop() {
			t := newByteTable()
			for i, k := range keys {
				v, isNew := t.upsert(k)
				if isNew {
					*v = first{seen: 1, row: int64(i)}
				} else {
					v.seen = 2
				}
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		b.SetBytes(int64(len(keys)))
		for b.Loop() {
			m := map[rowhash.Fingerprint]first{}
			for i, k := range keys {
				if e, ok := m[k]; ok {
					e.seen = 2
					m[k] = e
				} else {
					m[k] = first{seen: 1, row: int64(i)}
				}
			}
		}
	})
}

func BenchmarkMerge(b *testing.B) {
	keys := benchKeys(benchN)
	x, y := New[first](0), New[first](0)
	for i, k := range keys {
		t := x
		if i%2 == 1 {
			t = y
		}
		v, _ := t.Upsert(k)
		v.seen++
	}
	b.SetBytes(int64(y.Len()))
	for b.Loop() {
		t := New[first](0)
		t.Merge(x, func(_ rowhash.Fingerprint, dst, src *first, _ bool) { dst.seen += src.seen })
		t.Merge(y, func(_ rowhash.Fingerprint, dst, src *first, _ bool) { dst.seen += src.seen })
	}
}

// byteTable is the alternative empty-slot scheme, an occupancy byte in
// every slot, kept here only to measure it against Table.
type byteSlot struct {
	key  rowhash.Fingerprint
	used bool
	val  first
}

type byteTable struct {
	slots []byteSlot
	shift uint8
	n     int
}

func newByteTable() *byteTable {
	return &byteTable{slots: make([]byteSlot, minSize), shift: 64 - 4}
}

func (t *byteTable) upsert(k rowhash.Fingerprint) (*first, bool) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]byteSlot, 2*len(old))
		t.shift--
		mask := uint64(len(t.slots) - 1)
		for j := range old {
			if old[j].used {
				i := ((old[j].key.Lo ^ bits.RotateLeft64(old[j].key.Hi, 29)) * 0x9E3779B97F4A7C15) >> t.shift
				for t.slots[i].used {
					i = (i + 1) & mask
				}
				t.slots[i] = old[j]
			}
		}
	}
	mask := uint64(len(t.slots) - 1)
	for i := ((k.Lo ^ bits.RotateLeft64(k.Hi, 29)) * 0x9E3779B97F4A7C15) >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if !s.used {
			s.used, s.key = true, k
			t.n++
			return &s.val, true
		}
		if s.key == k {
			return &s.val, false
		}
	}
}

// BenchmarkParts upserts 1M keys (about 730k distinct) into a plain Table,
// into a Parts table with no budget or an unlimited one, on an 8 MiB budget
// (about a third of the distinct keys' slots), and on a tiny budget, which
// spills every non-empty partition as soon as it must grow; the Parts
// variants then Visit every partition, reading spilled runs back and
// combining them. Reports the bytes and runs spilled per op.
func BenchmarkParts(b *testing.B) {
	keys := benchKeys(benchN)
	combine := func(_ rowhash.Fingerprint, dst, src *first, isNew bool) {
		if isNew || src.row < dst.row {
			dst.row = src.row
		}
		dst.seen = min(dst.seen+src.seen, 2)
	}
	b.Run("table", func(b *testing.B) {
		b.SetBytes(int64(len(keys)))
		for b.Loop() {
			t := New[first](0)
			for i, k := range keys {
				v, isNew := t.Upsert(k)
				if isNew {
					*v = first{seen: 1, row: int64(i)}
				} else {
					v.seen = 2
				}
			}
			t.free()
		}
	})
	for _, bc := range []struct {
		name  string
		limit int64 // < 0: nil budget
	}{{"parts-nil", -1}, {"parts-unlimited", 0}, {"parts-8MiB", 8 << 20}, {"parts-tiny", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(keys)))
			var spilled, runs int64
			for b.Loop() {
				var bud *Budget
				if bc.limit >= 0 {
					bud = NewBudget(bc.limit, b.TempDir())
				}
				t := NewParts(bud, combine)
				for i, k := range keys {
					t.Add(defaultPart(k), k, &first{seen: 1, row: int64(i)})
				}
				var n int
				if err := t.Visit(func(_ int, tb *Table[first]) { n += tb.Len() }); err != nil {
					b.Fatal(err)
				}
				_, s, r := bud.Stats()
				spilled, runs = spilled+s, runs+r
				t.Free()
				if err := bud.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(spilled)/float64(b.N), "spilled-B/op")
			b.ReportMetric(float64(runs)/float64(b.N), "runs/op")
		})
	}
}

// wide is the shape of the labels and balance checks' row values: 40
// bytes, a 56-byte slot.
type wide struct {
	a, b rowhash.Fingerprint
	n    int64
}

// BenchmarkFold reads back one partition of about the size a 10M-row
// audit's partitions have (160k keys, 3 in 10 repeated; 56-byte slots, a
// table of 16 MiB, larger than the caches): the fold of its pending
// aggregates into a new table, done for every partition of every per-row
// table at the end of an audit.
func BenchmarkFold(b *testing.B) {
	keys := benchKeys(160_000)
	t := NewParts(nil, func(_ rowhash.Fingerprint, dst, src *wide, isNew bool) {
		if isNew {
			*dst = *src
			return
		}
		dst.n += src.n
	})
	for i, k := range keys {
		t.Add(0, k, &wide{a: k, n: int64(i)})
	}
	// Grouped lookups (foldSlots) against one at a time; cpu-ns/op is the
	// process's CPU time, steadier than wall time on a shared machine.
	defer func(g int) { foldGroup = g }(foldGroup)
	for _, g := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprint("group-", g), func(b *testing.B) {
			foldGroup = g
			b.SetBytes(int64(len(keys)))
			cpu0 := processCPU()
			defer func() {
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
			}()
			for b.Loop() {
				if _, err := t.Open(0); err != nil {
					b.Fatal(err)
				}
				if err := t.Close(0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rowEntry is the shape of the shared row table's entry (checks/rowtable):
// 48 bytes, a 64-byte slot.
type rowEntry struct {
	feat, label rowhash.Fingerprint
	pos, ann    uint64
}

// BenchmarkAdd appends 1M rows to the 128 partitions of a table of the
// row table's shape, each row to a partition at random, as an audit's
// row table does, on an unlimited budget (nothing spills). The chunks'
// memory is the pool's from the second round on, so what is measured is
// the appends, not the kernel's new pages.
func BenchmarkAdd(b *testing.B) {
	keys := benchKeys(benchN)
	bud := NewBudget(0, b.TempDir())
	bud.bits.Store(7)
	defer bud.Close()
	b.SetBytes(int64(len(keys)) * slotSize[rowEntry]())
	for b.Loop() {
		t := NewParts(bud, func(rowhash.Fingerprint, *rowEntry, *rowEntry, bool) {})
		for i, k := range keys {
			t.Add(t.Part(k), k, &rowEntry{feat: k, pos: uint64(i)})
		}
		t.Free()
	}
}
