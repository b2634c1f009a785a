package pipeline

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// DefaultTableMemory and DefaultPageMemory are the audit's default bounds
// (--memory-limit auto, on a machine with more than 2 GiB): the checks'
// per-row tables' budget ([RunOptions.Memory]) and the page bytes of the
// units read at once ([RunOptions.PageMemory]). cmd/readiness's
// defaultMemoryLimit says why they differ.
const (
	DefaultTableMemory = 256 << 20
	DefaultPageMemory  = 512 << 20
)

// AvailableMemory is the machine's RAM (MemTotal in /proc/meminfo), or the
// process's cgroup memory limit when that is lower.
func AvailableMemory() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("cannot tell how much memory this machine has (%v)", err)
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/meminfo: MemTotal %q", rest)
			}
			total = kb << 10
		}
	}
	if total <= 0 {
		return 0, fmt.Errorf("/proc/meminfo has no MemTotal")
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v < total {
			total = v
		}
	}
	return total, nil
}
