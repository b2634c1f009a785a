package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --cpuprofile and --memprofile write pprof profiles (gzipped protocol
// buffers) and --trace an execution trace (go tool trace), each whole; a
// file that cannot be created is a usage error naming the flag.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	cpu, mem, trc := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof"), filepath.Join(dir, "audit.trace")
	audit(t, filepath.Join(root(t), "fixtures/sample/train.parquet"), "--cpuprofile", cpu, "--memprofile", mem, "--trace", trc)
	for _, c := range []struct {
		path   string
		prefix []byte
	}{{cpu, []byte{0x1f, 0x8b}}, {mem, []byte{0x1f, 0x8b}}, {trc, []byte("go 1.")}} {
		data, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, c.prefix) || len(data) < 64 {
			t.Errorf("%s: %d bytes starting %q, want more than 64 starting %q", filepath.Base(c.path), len(data), data[:min(len(data), 16)], c.prefix)
		}
	}
	for _, flag := range []string{"--cpuprofile", "--trace"} {
		r := runCLI(t, "audit", "--out", t.TempDir(), filepath.Join(root(t), "fixtures/sample/train.parquet"), flag, filepath.Join(dir, "no/such/dir/f"))
		if r.code != 2 || !strings.Contains(r.stderr, flag) {
			t.Errorf("%s into a missing folder: exit %d, stderr %q; want 2 naming the flag", flag, r.code, r.stderr)
		}
	}
}
