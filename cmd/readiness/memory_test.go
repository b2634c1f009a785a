package main

import (
	"testing"

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
		got, err := parseMemoryLimit(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d", c.in, got, err, c.want)
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
	if err != nil || got != total/4 {
		t.Errorf("25%% = %d, %v; want a quarter of %d", got, err, total)
	}
	if got, err := parseMemoryLimit("auto"); err != nil || got != min(512<<20, total/4) {
		t.Errorf("auto = %d, %v; want 512MiB or a quarter of %d", got, err, total)
	}
}
