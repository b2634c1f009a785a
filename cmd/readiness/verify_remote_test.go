package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/readiness/readiness/report"
)

// An https:// input audits in place, the report records its ETag, and
// verify compares the object's size and ETag as the server gives them now.
func TestRemoteInputProvenanceAndVerify(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root(t), "fixtures", "sample", "train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	body := data
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256(b)))
		http.ServeContent(w, r, "train.parquet", time.Unix(1_700_000_000, 0), bytes.NewReader(b))
	}))
	defer srv.Close()
	url := srv.URL + "/data/train.parquet?sig=SECRET"
	out := t.TempDir()
	r := runCLI(t, "audit", "--out", out, "--as-of", "2026-01-01", url)
	if r.code != 0 {
		t.Fatalf("audit: exit %d: %s", r.code, r.stderr)
	}
	rj := filepath.Join(out, "report.json")
	js, _ := os.ReadFile(rj)
	if !strings.Contains(string(js), `"path": "`+srv.URL+`/data/train.parquet"`) {
		t.Fatalf("report does not record the URL without its query string:\n%.600s", js)
	}
	// The query string (a presigned URL's signature) is in no output.
	entries, _ := os.ReadDir(out)
	texts := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		texts[e.Name()] = string(b)
	}
	if len(texts) < 6 {
		t.Fatalf("outputs %v", entries)
	}
	for name, text := range texts {
		if strings.Contains(text, "SECRET") {
			t.Errorf("%s holds the URL's query string", name)
		}
	}
	rep, err := report.Read(rj)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); rep.Inputs[0].Version != want || rep.Inputs[0].Bytes != int64(len(data)) {
		t.Errorf("input %+v: want version %s and %d bytes", rep.Inputs[0], want, len(data))
	}
	if r := runCLI(t, "verify", rj); r.code != 0 {
		t.Fatalf("verify of the unchanged object: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	changed := bytes.Clone(data)
	changed[len(changed)/2] ^= 1
	mu.Lock()
	body = changed
	mu.Unlock()
	if r := runCLI(t, "verify", rj); r.code != 1 || !strings.Contains(r.stdout, "changed") || !strings.Contains(r.stdout, "version") {
		t.Errorf("verify after the object changed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
