package rowtable

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
)

// The slot is a 16-byte key and a 48-byte entry, one cache line, appended
// per row and spilled over the budget: it must not grow unnoticed.
func TestEntrySize(t *testing.T) {
	type slot struct {
		key rowhash.Fingerprint
		val entry
	}
	if s := unsafe.Sizeof(slot{}); s != 64 {
		t.Errorf("row table slot is %d bytes, want 64", s)
	}
}

// combine keeps the earlier first copy with its flags, counts the copies,
// and keeps the row's marks and annotator, which copies share.
func TestCombine(t *testing.T) {
	ann := uint64(MarkPlain|MarkOther)<<annKeyBits | AnnotatorKey(rowhash.String("ann01"))
	var a folded
	b := entry{pos: uint64(checks.PosOf(1, 5)) | labelledBit, ann: ann}
	c := entry{pos: uint64(checks.PosOf(0, 9)) | labelledBit | staleBit, ann: ann}
	combine(rowhash.Fingerprint{}, &a, &b, true)
	combine(rowhash.Fingerprint{}, &a, &c, false)
	combine(rowhash.Fingerprint{}, &a, &b, false)
	if a.first() != checks.PosOf(0, 9) || !a.labelled() || !a.stale() || a.n != 3 || a.marks() != MarkPlain|MarkOther ||
		a.annKey() != AnnotatorKey(rowhash.String("ann01")) {
		t.Errorf("combined: first %v labelled %v stale %v copies %d marks %b annotator %x", a.first(), a.labelled(), a.stale(), a.n, a.marks(), a.annKey())
	}
}

// BenchmarkCount measures Result's pass over a table of 4M distinct rows
// (a partition's groups well past the L2 cache, as at 10M rows), 96% of
// them with a feature vector of their own, the others sharing 80,000
// (about 1% of the groups conflict), four labels, 2% unlabelled: draining
// each partition, counting the rows alone in their vector, folding the
// others, finding the conflicting groups among them, and counting them.
// 135–141 ms against 234–245 ms when every row was folded first (four
// runs each, 2026-11-28 v); 97–119 ms against 129–142 ms with two
// counters (2026-11-29 x).
func BenchmarkCount(b *testing.B) {
	const n = 4 << 20
	rng := rand.New(rand.NewPCG(7, 8))
	labels := []rowhash.Fingerprint{rowhash.String("billing"), rowhash.String("shipping"), rowhash.String("returns"), rowhash.String("fraud")}
	cfg := Config{Features: []int{0}, Full: []int{0, 1}, Label: 1, Annotator: -1, Time: -1}
	entries := make([]entry, n)
	keys := make([]rowhash.Fingerprint, n)
	for i := range entries {
		g := int64(i)
		if rng.IntN(25) == 0 {
			g = n + rng.Int64N(n/50)
		}
		entries[i] = entry{feat: rowhash.Fold(rowhash.Seed(), rowhash.Int(g)), label: labels[rng.IntN(len(labels))],
			pos: uint64(checks.PosOf(0, int64(i)))}
		if rng.IntN(50) > 0 {
			entries[i].pos |= labelledBit
		}
		keys[i] = rowhash.Int(int64(i))
	}
	for b.Loop() {
		b.StopTimer()
		t := New(nil, cfg)
		t.CountLabels(8)
		for i := range entries {
			t.parts.Add(t.parts.Part(entries[i].feat), keys[i], &entries[i])
		}
		b.StartTimer()
		if _, err := t.Result(); err != nil {
			b.Fatal(err)
		}
	}
}

// labelTally counts as a map does, past its small index too, and drops
// every count once more labels than the limit have rows.
func TestLabelTally(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, labels := range []int{1, 4, tallyCap, tallyCap + 1, 300} {
		for _, limit := range []int{0, labels - 1, labels, 1000} {
			var l labelTally
			l.over = limit <= 0
			want := map[rowhash.Fingerprint]int64{}
			for range 20000 {
				fp := rowhash.Int(int64(rng.IntN(labels)))
				want[fp]++
				if !l.over {
					l.add(fp, limit)
				}
			}
			got := l.counts()
			if len(want) > limit {
				if got != nil {
					t.Errorf("%d labels, limit %d: %d counts, want none", labels, limit, len(got))
				}
				continue
			}
			if len(got) != len(want) {
				t.Errorf("%d labels, limit %d: %d counts, want %d", labels, limit, len(got), len(want))
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%d labels, limit %d: label %v counted %d, want %d", labels, limit, k, got[k], n)
				}
			}
		}
	}
}
