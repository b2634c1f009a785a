package main

import (
	"bufio"
	"os"
	"runtime"
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
