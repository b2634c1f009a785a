//go:build linux

package main

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestInMemoryFS checks inMemoryFS against the mount table: every mount
// point of type tmpfs or ramfs that can be read is in memory, every other
// real file system's is not, and a folder that does not exist is not.
func TestInMemoryFS(t *testing.T) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		t.Skip("no /proc/self/mounts:", err)
	}
	defer f.Close()
	last := map[string]string{} // mount point → the type mounted there last
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 3 {
			last[fields[1]] = fields[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for dir, typ := range last {
		switch typ {
		case "tmpfs", "ramfs", "ext4", "xfs", "btrfs", "proc", "sysfs":
		default:
			continue // overlays and the like: what statfs says of them varies
		}
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		want := typ == "tmpfs" || typ == "ramfs"
		if got := inMemoryFS(dir); got != want {
			t.Errorf("inMemoryFS(%q), a %s mount: %v, want %v", dir, typ, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Skip("no mount of a known type to check")
	}
	if inMemoryFS("/no/such/folder/for/readiness") {
		t.Error("inMemoryFS of a folder that does not exist: true")
	}
}
