package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/readiness/readiness/internal/smaps"
)

// adviseHuge marks the Go heap memory of its slices for huge pages: "hg"
// in their mapping's VmFlags.
func TestAdviseHuge(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("kernel without transparent huge pages: %v", err)
	}
	b := make([]byte, 16<<20)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	mid := (base + hugePage) &^ (hugePage - 1) // inside an aligned piece
	if huge, err := smaps.Huge(mid); err != nil || huge {
		t.Fatalf("fresh heap at %#x already advised (%v)", mid, err)
	}
	adviseHuge([][]byte{b[:4<<20], b[4<<20:]})
	if huge, err := smaps.Huge(mid); err != nil || !huge {
		t.Errorf("after adviseHuge, heap at %#x not advised huge pages (%v)", mid, err)
	}
	runtime.KeepAlive(b)
}

// hugeHeap allocates its pieces with the collector off, and turns it back
// on as it was: growing the heap otherwise started collections whose freed
// spans the pieces then took, pages the advice could no longer cover.
func TestHugeHeapCollectsNothing(t *testing.T) {
	t.Setenv("READINESS_HUGE_HEAP", "")
	t.Setenv("GODEBUG", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hugeHeap(64 << 20)
	runtime.ReadMemStats(&after)
	if n := after.NumGC - before.NumGC; n != 0 {
		t.Errorf("%d collections while hugeHeap allocated 64 MiB, want none", n)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GC percent %d after hugeHeap, want 100 as before", p)
	}
}

// hugePages follows READINESS_HUGE_PAGES, and otherwise measures a small
// page's first write and asks for huge pages from hugeFaultCost on.
func TestHugePages(t *testing.T) {
	for v, want := range map[string]bool{"0": false, "1": true} {
		t.Setenv("READINESS_HUGE_PAGES", v)
		if on, cost, why := hugePages(); on != want || cost != 0 {
			t.Errorf("READINESS_HUGE_PAGES=%s: huge pages %v after measuring %v (%s), want %v without measuring", v, on, cost, why, want)
		}
	}
	t.Setenv("READINESS_HUGE_PAGES", "")
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || !strings.Contains(string(b), "[madvise]") {
		t.Skipf("transparent huge pages not in madvise mode (%q, %v): nothing to measure", b, err)
	}
	on, cost, why := hugePages()
	if cost <= 0 || cost > time.Millisecond {
		t.Fatalf("a small page's first write measured at %v (%s), want between 0 and 1ms", cost, why)
	}
	if on != (cost >= hugeFaultCost) {
		t.Errorf("huge pages %v after measuring %v against %v (%s)", on, cost, hugeFaultCost, why)
	}
}
