package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Whether to ask for huge pages at all.
//
// The audit used to advise huge pages (MADV_HUGEPAGE) on every machine: for
// the first part of its Go heap (hugeHeap) and for the per-row tables'
// large maps (checks/fptable). That was measured on a VM where the first
// write to a 4 KiB page of new memory cost about 12 µs: a 2 MiB page took
// 512 such faults down to one, and the 10M-row audit ran 6–8% faster
// (hugeheap_linux.go). On the VM of docs/performance.md section zf the
// same write costs 1.2–1.7 µs, and a huge page can cost more than the 512
// small ones it replaces: its kernel is booted with
// page_reporting.page_reporting_order=11, so free memory goes back to the
// host in 8 MiB blocks a couple of seconds after it is freed, and a huge
// page is cut from such a block, which the host must back again while the
// kernel clears all 2 MiB. 64 MiB of new memory took 23 ms to fault in as
// small pages and 49–63 ms as huge ones; 256 MiB 90 ms and 509 ms. The
// 10M-row audit on an idle machine took 2.54 s without the advice against
// 2.73 s with it (0.55 s of system time against 1.00 s), and the 1M-row
// one 0.33 s against 0.40 s.
//
// So the audit measures: hugePages writes to 64 new small pages, four
// times, and asks for huge pages only where the fastest of those faults
// took hugeFaultCost or more, where saving faults is what matters. It
// measures nothing where the kernel's transparent huge pages are "never"
// (none to ask for) or "always" (every mapping gets them, advised or not;
// the heap's advice is then given as before). READINESS_HUGE_PAGES=1 or 0
// decides instead.

// hugeFaultCost is the cost of a small page's first write from which huge
// pages are asked for: between the 1.2–1.7 µs of the machine where they
// cost time and the 12 µs of the one where they saved it.
const hugeFaultCost = 4 * time.Microsecond

// hugePages reports whether to advise huge pages, the cost of a small
// page's first write it measured (0 when it did not measure), and why.
func hugePages() (on bool, cost time.Duration, why string) {
	switch v := os.Getenv("READINESS_HUGE_PAGES"); v {
	case "0", "1":
		return v == "1", 0, "READINESS_HUGE_PAGES=" + v
	}
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	switch {
	case err != nil || strings.Contains(string(b), "[never]"):
		return false, 0, "the kernel gives no transparent huge pages"
	case strings.Contains(string(b), "[always]"):
		// Every mapping gets them whatever the audit advises.
		return true, 0, "the kernel gives transparent huge pages to all memory ([always])"
	}
	cost, err = smallFaultCost()
	if err != nil {
		return true, 0, fmt.Sprintf("the cost of a page fault was not measured (%v)", err)
	}
	if cost >= hugeFaultCost {
		return true, cost, fmt.Sprintf("a small page's first write took %v, at least %v: huge pages save faults", cost, hugeFaultCost)
	}
	return false, cost, fmt.Sprintf("a small page's first write took %v, under %v: huge pages would cost more to clear than they save", cost, hugeFaultCost)
}

// smallFaultCost returns the least time, over four runs, that the first
// write to a page of new anonymous memory took, on average over 64 pages
// advised not to be huge. About 0.35 ms in all on the machine of section
// zf (1.3–1.5 µs a page); at the 12 µs a page of the one before, about
// 3 ms.
func smallFaultCost() (time.Duration, error) {
	const pages, runs = 64, 4
	size := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, pages*runs*size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return 0, err
	}
	defer syscall.Munmap(mem)
	if err := syscall.Madvise(mem, syscall.MADV_NOHUGEPAGE); err != nil {
		return 0, err
	}
	best := time.Duration(1<<63 - 1)
	for r := range runs {
		run := mem[r*pages*size : (r+1)*pages*size]
		start := time.Now()
		for i := 0; i < len(run); i += size {
			run[i] = 1
		}
		best = min(best, time.Since(start))
	}
	return best / pages, nil
}
