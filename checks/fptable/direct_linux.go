//go:build linux

package fptable

import (
	"errors"
	"os"
	"syscall"
)

// directIO turns on direct I/O (O_DIRECT) for the spill file f, if its file
// system supports it (tmpfs does not); otherwise f stays buffered. The
// spill file's reads and writes are aligned for it (see spill.go).
func directIO(f *os.File) { setDirect(f, true) }

// buffered reports whether err, an error of a read or write of f, may be
// direct I/O refused (EINVAL: a file system that accepts the flag but wants
// another alignment), and if so turns direct I/O off for f: the caller
// tries once again. It says so too when f is buffered already: reads and
// writes of one file run on several goroutines (read-ahead, spill writes),
// and all those under way when direct I/O is refused fail with EINVAL,
// while only the first turns it off.
func buffered(f *os.File, err error) bool {
	if !errors.Is(err, syscall.EINVAL) {
		return false
	}
	setDirect(f, false)
	return true
}

// setDirect sets or clears O_DIRECT on f and reports whether it changed.
func setDirect(f *os.File, on bool) bool {
	c, err := f.SyscallConn()
	if err != nil {
		return false
	}
	changed := false
	_ = c.Control(func(fd uintptr) {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno != 0 || (flags&syscall.O_DIRECT != 0) == on {
			return
		}
		want := flags &^ syscall.O_DIRECT
		if on {
			want |= syscall.O_DIRECT
		}
		_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, want)
		changed = errno == 0
	})
	return changed
}
