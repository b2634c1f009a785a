//go:build linux

package fptable

import (
	"os"
	"syscall"
)

// directIO turns on direct I/O (O_DIRECT) for the spill file f, if its file
// system supports it (tmpfs does not); otherwise f stays buffered. The
// spill file's reads and writes are aligned for it (see spill.go).
func directIO(f *os.File) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = c.Control(func(fd uintptr) {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno == 0 {
			_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags|syscall.O_DIRECT)
		}
	})
}
