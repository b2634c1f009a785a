//go:build linux

package fptable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/readiness/readiness/checks/rowhash"
)

// TestBufferedFallback: a spill file whose direct I/O is refused with
// EINVAL goes back to buffered I/O (so the caller's retry can succeed); an
// EINVAL of a read or write under way meanwhile, on a file buffered by then,
// is retried too; any other error is not.
func TestBufferedFallback(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	direct := func() bool {
		c, _ := f.SyscallConn()
		var flags uintptr
		_ = c.Control(func(fd uintptr) { flags, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0) })
		return flags&syscall.O_DIRECT != 0
	}
	directIO(f)
	if !direct() {
		t.Skip("the test's temporary file system refuses O_DIRECT")
	}
	if buffered(f, errors.New("some other error")) || !direct() {
		t.Fatal("an error other than EINVAL turned direct I/O off")
	}
	if !buffered(f, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.EINVAL}) || direct() {
		t.Fatal("EINVAL did not turn direct I/O off")
	}
	if !buffered(f, syscall.EINVAL) || direct() {
		t.Fatal("an EINVAL on a file buffered already was not retried")
	}
	if buffered(f, errors.New("some other error")) {
		t.Fatal("an error other than EINVAL was retried")
	}
}

// isDirect reports whether f is open for direct I/O.
func isDirect(f *os.File) bool {
	c, _ := f.SyscallConn()
	var flags uintptr
	_ = c.Control(func(fd uintptr) { flags, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0) })
	return flags&syscall.O_DIRECT != 0
}

// TestCacheSpills: a table's spill file is written buffered while the
// budget's spill files hold less than CacheSpills' bytes, direct from the
// next run on; without CacheSpills, direct from the first; below
// directMin, never. Every key reads back with its count either way.
func TestCacheSpills(t *testing.T) {
	const keys = 3000
	for _, tc := range []struct {
		name        string
		limit       int64
		cached      int64
		firstDirect bool
		lastDirect  bool
	}{
		{"direct", directMin, 0, true, true},
		{"cached first", directMin, 2 * keys * int64(slotSize[agg]()), false, true},
		{"all cached", directMin, 1 << 40, false, false},
		{"small budget", directMin - 1, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(tc.limit, t.TempDir())
			defer b.Close()
			b.CacheSpills(tc.cached)
			c := newCounter(b)
			defer c.t.Free()
			var seen []bool // direct I/O after each spill
			for round := range 6 {
				for i := range keys {
					c.add(rowhash.String(fmt.Sprint(i)), int64(round*keys+i))
				}
				for p := range defaultParts {
					if err := c.t.spillPend(p); err != nil {
						t.Fatal(err)
					}
				}
				c.t.finishWrite()
				if c.t.f != nil {
					seen = append(seen, isDirect(c.t.f))
				}
			}
			if len(seen) == 0 {
				t.Fatal("nothing was spilled")
			}
			if tc.limit >= directMin && !isDirect(c.t.f) && tc.lastDirect {
				t.Skip("the test's temporary file system refuses O_DIRECT")
			}
			if seen[0] != tc.firstDirect || seen[len(seen)-1] != tc.lastDirect {
				t.Fatalf("direct I/O after each spill: %v; want %v first and %v last", seen, tc.firstDirect, tc.lastDirect)
			}
			// The runs written buffered stay in a buffered file, read
			// back through the page cache; the later ones are in
			// another, direct.
			files := map[*os.File]bool{}
			for _, runs := range c.t.runs {
				for _, r := range runs {
					files[r.f] = isDirect(r.f)
				}
			}
			direct := 0
			for _, d := range files {
				if d {
					direct++
				}
			}
			if tc.firstDirect != tc.lastDirect && (len(files) != 2 || direct != 1) {
				t.Fatalf("runs in %d files, %d of them direct; want one buffered and one direct", len(files), direct)
			}
			n := 0
			err := c.t.Visit(func(_ int, tb *Table[agg]) {
				tb.Each(func(k rowhash.Fingerprint, a *agg) {
					n++
					if a.count != 6 {
						t.Errorf("key %v: count %d, want 6", k, a.count)
					}
				})
			})
			if err != nil || n != keys {
				t.Fatalf("read back %d keys (%v), want %d", n, err, keys)
			}
		})
	}
}
