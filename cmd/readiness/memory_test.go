package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/readiness/readiness/pipeline"
)

func TestParseMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"none", 0}, {"0", 0}, {"", 0}, {"1B", 1}, {"4096", 4096}, {"512MiB", 512 << 20}, {"2GiB", 2 << 30},
		{"1.5GiB", 3 << 29}, {"1GB", 1e9}, {"750 MB", 750e6}, {"64KiB", 64 << 10},
	} {
		// A size bounds the tables and the pages alike.
		got, err := parseMemoryLimit(c.in)
		if err != nil || got != (memoryLimits{c.want, c.want}) {
			t.Errorf("parseMemoryLimit(%q) = %+v, %v; want %d for both", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"lots", "-1GiB", "2XB", "0%", "150%", "abc%", "1e30TB"} {
		if _, err := parseMemoryLimit(bad); err == nil {
			t.Errorf("parseMemoryLimit(%q): no error", bad)
		}
	}
	total, err := pipeline.AvailableMemory()
	if err != nil {
		t.Skipf("no /proc/meminfo here: %v", err)
	}
	got, err := parseMemoryLimit("25%")
	if err != nil || got != (memoryLimits{total / 4, total / 4}) {
		t.Errorf("25%% = %+v, %v; want a quarter of %d for both", got, err, total)
	}
	want := memoryLimits{tables: min(256<<20, total/8), pages: min(512<<20, total/4)}
	for _, in := range []string{"auto", " AUTO "} {
		if got, err := parseMemoryLimit(in); err != nil || got != want {
			t.Errorf("%q = %+v, %v; want tables 256MiB or an eighth, pages 512MiB or a quarter of %d", in, got, err, total)
		}
	}
}

// The heap's soft limit stays at its base while the live heap is small,
// rises to a quarter above the live heap when that holds more, after a
// collection, and comes back to the base once the memory is let go.
func TestHeapGovernorFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const base = 64 << 20
	var g heapGovernor
	defer g.stop()
	g.start(base)
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Fatalf("limit after start = %d, want the base %d", got, base)
	}
	// settle runs collections until the limit meets ok (the finalizer
	// that adjusts it runs on its own goroutine after each one).
	settle := func(ok func(int64) bool) int64 {
		var got int64
		for range 100 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
			if got = debug.SetMemoryLimit(-1); ok(got) {
				break
			}
		}
		return got
	}
	const held = 256 << 20
	live := make([]byte, held)
	for i := 0; i < len(live); i += 4096 {
		live[i] = 1
	}
	if got := settle(func(l int64) bool { return l >= held+held/4 }); got < held+held/4 {
		t.Errorf("limit with %d bytes live = %d, want at least %d", held, got, held+held/4)
	}
	runtime.KeepAlive(live)
	live = nil
	if got := settle(func(l int64) bool { return l == base }); got != base {
		t.Errorf("limit once the memory is let go = %d, want the base %d", got, base)
	}

	// Stopped and started again before a collection, it keeps the one
	// sentinel it has; stopped, it disarms at the next collection and
	// leaves the limit alone.
	g.stop()
	g.start(base)
	g.stop()
	armed := func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.armed
	}
	for i := 0; i < 100 && armed(); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if armed() {
		t.Error("still armed 100 collections after stop")
	}
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Errorf("limit after stop = %d, want it left at %d", got, base)
	}
}
