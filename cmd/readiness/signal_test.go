//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An interrupted audit stops promptly with 130 (SIGINT) or 143 (SIGTERM),
// says so, and writes nothing — even when its input is a pipe that never
// ends, where a read can block indefinitely.
func TestSignalsStopTheRun(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "endless.csv")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			// A writer that sends a header and rows, then stalls without
			// closing the pipe.
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				w.WriteString("a,b\n")
				for i := 0; i < 1000; i++ {
					w.WriteString("1,x\n")
				}
				time.Sleep(30 * time.Second)
				w.Close()
			}()
			out := filepath.Join(dir, "out")
			cmd := exec.Command(binary, "audit", "-q", "--out", out, fifo)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			start := time.Now()
			cmd.Process.Signal(c.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the run did not stop within 15 s of the signal")
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != c.code {
				t.Fatalf("exit %v, want %d; stderr %s", err, c.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr does not say it was interrupted: %s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
				t.Error("an interrupted run wrote report.json")
			}
			t.Logf("stopped %v after the signal", time.Since(start).Round(time.Millisecond))
		})
	}
}
