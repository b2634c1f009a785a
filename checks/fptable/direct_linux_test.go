//go:build linux

package fptable

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
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
