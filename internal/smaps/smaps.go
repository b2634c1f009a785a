// Package smaps reads what Linux says of this process's memory mappings in
// /proc/self/smaps, for the tests that check which memory was advised huge
// pages (the "hg" VmFlag). It is not used by the audit itself.
package smaps

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// VmFlags returns the VmFlags of the mapping holding addr.
func VmFlags(addr uintptr) ([]string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
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
			return strings.Fields(rest), nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("no mapping holds %#x", addr)
}

// Huge reports whether the mapping holding addr was advised huge pages
// (MADV_HUGEPAGE: the "hg" flag).
func Huge(addr uintptr) (bool, error) {
	flags, err := VmFlags(addr)
	return slices.Contains(flags, "hg"), err
}
