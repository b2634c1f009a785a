package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// corpusFormats maps MANIFEST.tsv's kinds to --format values; other kinds
// (JSON test oracles, variant binaries, docs) are not dataset files.
var corpusFormats = map[string]string{
	"parquet":          "parquet",
	"arrow-ipc-file":   "arrow",
	"arrow-ipc-stream": "arrows",
	"csv":              "csv",
}

// TestCorpus audits every Parquet, Arrow IPC and CSV file of the Apache test
// suites in ../shared/corpus. Whatever the file, the run ends with exit 0 or
// 3 within a time bound, never a panic trace; a failure is one line naming
// the file; a file the manifest calls valid that audits reports the
// manifest's row count. (Which valid files still fail is logged: issue 7
// tracks reading all of them.)
func TestCorpus(t *testing.T) {
	corpus := filepath.Join(root(t), "..", "shared", "corpus")
	f, err := os.Open(filepath.Join(corpus, "MANIFEST.tsv"))
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("READINESS_REQUIRE_CORPUS") != "" {
			t.Fatalf("corpus required in CI: %v", err)
		}
		t.Skipf("no corpus beside the repository: %v", err)
	}
	defer f.Close()
	type entry struct{ path, format, expect, notes string }
	var entries []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 6 {
			continue
		}
		if format, ok := corpusFormats[cols[3]]; ok {
			entries = append(entries, entry{cols[0], format, cols[4], cols[5]})
		}
	}
	if len(entries) < 500 {
		t.Fatalf("manifest lists only %d dataset files", len(entries))
	}
	rowsRe := regexp.MustCompile(`\brows=(\d+)\b`)
	var mu sync.Mutex
	checked := 0
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "audit", "-q", "--workers", "2", "--format", e.format, "--out", out, filepath.Join(corpus, e.path))
			cmd.Env = append(os.Environ(), "GOMEMLIMIT=4GiB")
			stderr, _ := cmd.StderrPipe()
			cmd.Stdout = nil
			if err := cmd.Start(); err != nil {
				t.Error(err)
				return
			}
			errText := readAll(stderr)
			err := cmd.Wait()
			if ctx.Err() != nil {
				t.Errorf("%s: still running after 60 s", e.path)
				return
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if strings.Contains(errText, "goroutine ") || strings.Contains(errText, "\npanic:") || strings.HasPrefix(errText, "panic:") {
				t.Errorf("%s: panic trace:\n%s", e.path, errText)
				return
			}
			switch code {
			case 0, 1:
				// 1: the audit completed but the gate failed — e.g. a file
				// with no rows, where no check can be evaluated, which is
				// never a pass. The report must still be there.
				if code == 1 && !strings.Contains(errText, "gate failed") {
					t.Errorf("%s: exit 1 without a gate failure: %s", e.path, errText)
				}
				if m := rowsRe.FindStringSubmatch(e.notes); e.expect == "valid" && m != nil {
					want, _ := strconv.ParseInt(m[1], 10, 64)
					rep, err := readReport(filepath.Join(out, "report.json"))
					if err != nil {
						t.Errorf("%s: %v", e.path, err)
					} else if rep.Dataset.Rows != want {
						t.Errorf("%s: %d rows, manifest says %d", e.path, rep.Dataset.Rows, want)
					}
					mu.Lock()
					checked++
					mu.Unlock()
				}
			case 3:
				lines := strings.Split(strings.TrimSpace(errText), "\n")
				last := lines[len(lines)-1]
				if !strings.Contains(last, filepath.Base(e.path)) {
					t.Errorf("%s: error does not name the file: %s", e.path, last)
				}
				if e.expect == "valid" {
					// Every valid file of the corpus is read (the last,
					// ARROW-17100.parquet, since pipeline/pagefix.go).
					t.Errorf("%s: a valid file failed: %s", e.path, last)
				}
			default:
				t.Errorf("%s: exit %d, want 0, 1 or 3\n%s", e.path, code, errText)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d files audited; %d valid files matched the manifest's row count", len(entries), checked)
}

func readAll(r interface{ Read([]byte) (int, error) }) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
