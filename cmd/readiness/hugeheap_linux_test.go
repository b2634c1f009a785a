package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// vmFlags returns the VmFlags of the mapping holding addr, from
// /proc/self/smaps.
func vmFlags(t *testing.T, addr uintptr) []string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if r, _, ok := strings.Cut(line, " "); ok && strings.Contains(r, "-") && !strings.HasSuffix(r, ":") {
			lo, hi, _ := strings.Cut(r, "-")
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uintptr(l) <= addr && addr < uintptr(h)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.Fields(rest)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no mapping holds %#x", addr)
	return nil
}

// adviseHuge marks the Go heap memory of its slices for huge pages: "hg"
// in their mapping's VmFlags.
func TestAdviseHuge(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("kernel without transparent huge pages: %v", err)
	}
	b := make([]byte, 16<<20)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	mid := (base + hugePage) &^ (hugePage - 1) // inside an aligned piece
	if has(vmFlags(t, mid), "hg") {
		t.Fatalf("fresh heap at %#x already advised", mid)
	}
	adviseHuge([][]byte{b[:4<<20], b[4<<20:]})
	if flags := vmFlags(t, mid); !has(flags, "hg") {
		t.Errorf("after adviseHuge, heap at %#x has VmFlags %v, want hg among them", mid, flags)
	}
	runtime.KeepAlive(b)
}

func has(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
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
