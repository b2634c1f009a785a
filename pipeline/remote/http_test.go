package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func payload(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// rangeServer serves data with Range support (http.ServeContent) and
// counts requests.
type rangeServer struct {
	data     []byte
	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	delay    time.Duration
}

func (s *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxIn.Load()
		if n <= m || s.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	w.Header().Set("ETag", `"v1"`)
	http.ServeContent(w, r, "data.bin", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), bytes.NewReader(s.data))
}

func testClient() *Client {
	return New(Options{RetryBase: time.Millisecond})
}

func openURL(t *testing.T, c *Client, raw string) *File {
	t.Helper()
	objs, named, err := c.List(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || !named {
		t.Fatalf("List(%s) = %d objects, named %v", raw, len(objs), named)
	}
	f, err := c.Open(context.Background(), objs[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestHTTPRangedReads(t *testing.T) {
	data := payload(300 << 10)
	srv := &rangeServer{data: data}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/data.bin?X-Amz-Signature=secret")
	if f.Size() != int64(len(data)) {
		t.Fatalf("size %d, want %d", f.Size(), len(data))
	}
	o := f.Object()
	if strings.Contains(o.URL, "secret") || strings.Contains(o.URL, "?") {
		t.Errorf("object URL keeps the query: %s", o.URL)
	}
	if o.Version != "v1" || !o.ModTime.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("version %q modtime %v", o.Version, o.ModTime)
	}
	before := srv.requests.Load()
	// A Parquet-like footer read: 8 bytes, then the footer before them,
	// then more of the tail: one request in all.
	size := int64(len(data))
	for _, r := range [][2]int64{{size - 8, 8}, {size - 1000, 992}, {size - 60000, 100}} {
		buf := make([]byte, r[1])
		if _, err := f.ReadAt(buf, r[0]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, data[r[0]:r[0]+r[1]]) {
			t.Fatalf("ReadAt(%d, %d): wrong bytes", r[0], r[1])
		}
	}
	if got := srv.requests.Load() - before; got != 1 {
		t.Errorf("tail reads cost %d requests, want 1", got)
	}
	// Exact ranges elsewhere, including one straddling the tail.
	for _, r := range [][2]int64{{0, 4}, {1000, 50000}, {size - TailSize - 10, 30}} {
		buf := make([]byte, r[1])
		if _, err := f.ReadAt(buf, r[0]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, data[r[0]:r[0]+r[1]]) {
			t.Fatalf("ReadAt(%d, %d): wrong bytes", r[0], r[1])
		}
	}
	// Past the end.
	buf := make([]byte, 10)
	n, err := f.ReadAt(buf, size-4)
	if n != 4 || err != io.EOF || !bytes.Equal(buf[:4], data[size-4:]) {
		t.Errorf("ReadAt at end = %d, %v", n, err)
	}
	if n, err := f.ReadAt(buf, size); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past end = %d, %v", n, err)
	}
	st := c.Stats()
	want := int64(TailSize + 4 + 50000 + 10)
	if st.Bytes != want {
		t.Errorf("fetched %d bytes, want exactly %d", st.Bytes, want)
	}
}

func TestHTTPSequentialRead(t *testing.T) {
	data := payload(5<<20 + 12345)
	srv := &rangeServer{data: data}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/big.csv")
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("sequential read differs")
	}
	// Chunks of 1, 2, 4 MiB...: 3 requests for 5 MiB, never the whole
	// object more than once.
	if r := srv.requests.Load(); r > 5 {
		t.Errorf("%d requests", r)
	}
	if b := c.Stats().Bytes; b != int64(len(data)) {
		t.Errorf("fetched %d bytes for a %d-byte object", b, len(data))
	}
	// Seek back and read again.
	if _, err := f.Seek(100, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 10)
	if _, err := io.ReadFull(f, p); err != nil || !bytes.Equal(p, data[100:110]) {
		t.Fatalf("read after seek: %v", err)
	}
}

// ignoreRange answers every GET with the whole object and status 200.
type ignoreRange struct{ data []byte }

func (s ignoreRange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", fmt.Sprint(len(s.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(s.data)
	}
}

func TestHTTPServerIgnoresRange(t *testing.T) {
	data := payload(200 << 10)
	ts := httptest.NewServer(ignoreRange{data})
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/x.parquet")
	for _, r := range [][2]int64{{0, 10}, {5000, 7000}, {int64(len(data)) - 8, 8}, {70000, 1}} {
		buf := make([]byte, r[1])
		if _, err := f.ReadAt(buf, r[0]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, data[r[0]:r[0]+r[1]]) {
			t.Fatalf("ReadAt(%d, %d): wrong bytes", r[0], r[1])
		}
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("sequential read: %v", err)
	}
}

// flaky fails the first fails GETs with status, then serves ranges.
type flaky struct {
	rangeServer
	status int
	fails  atomic.Int64
	gets   atomic.Int64
}

func (s *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		if s.gets.Add(1) <= s.fails.Load() {
			http.Error(w, "<html>error page</html>", s.status)
			return
		}
	}
	s.rangeServer.ServeHTTP(w, r)
}

func TestHTTPRetry500Then200(t *testing.T) {
	data := payload(1000)
	srv := &flaky{rangeServer: rangeServer{data: data}, status: 500}
	srv.fails.Store(1)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/a.csv")
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the error page was returned as data")
	}
	if st := c.Stats(); st.Retries != 1 || srv.gets.Load() != 2 {
		t.Errorf("retries %d, GETs %d; want 1 and 2", st.Retries, srv.gets.Load())
	}
	// Always 503: MaxAttempts tries, then the error.
	srv.gets.Store(0)
	srv.status = 503
	srv.fails.Store(100)
	buf := make([]byte, 10)
	_, err = f.ReadAt(buf, 0)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 {
		t.Fatalf("err = %v, want a 503 StatusError", err)
	}
	if g := srv.gets.Load(); g != 4 {
		t.Errorf("%d attempts, want 4", g)
	}
}

func TestHTTP403(t *testing.T) {
	var reqs atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		http.Error(w, "<Error>AccessDenied</Error>", http.StatusForbidden)
	}))
	defer ts.Close()
	c := testClient()
	raw := ts.URL + "/private/data.parquet?X-Amz-Credential=AKIDSECRET&X-Amz-Signature=deadbeef"
	_, _, err := c.List(context.Background(), raw)
	if !Denied(err) {
		t.Fatalf("err = %v, want 403", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, ts.URL+"/private/data.parquet") || strings.Contains(msg, "AKIDSECRET") || strings.Contains(msg, "deadbeef") {
		t.Errorf("message %q: want the URL without its query", msg)
	}
	// HEAD refused on a presigned URL → one ranged GET, no retries.
	if n := reqs.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (HEAD, then GET bytes=0-0)", n)
	}
}

func TestHTTP404(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	_, _, err := testClient().List(context.Background(), ts.URL+"/missing.csv")
	if !NotFound(err) || !strings.Contains(err.Error(), "/missing.csv") {
		t.Fatalf("err = %v", err)
	}
}

// shortBody announces the range but sends half of it, the first time.
type shortBody struct {
	data []byte
	gets atomic.Int64
}

func (s *shortBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && s.gets.Add(1) == 1 {
		var a, b int
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, len(s.data)))
		w.Header().Set("Content-Length", fmt.Sprint(b-a+1))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(s.data[a : a+(b-a+1)/2])
		return // the server closes: unexpected EOF at the client
	}
	http.ServeContent(w, r, "x", time.Time{}, bytes.NewReader(s.data))
}

func TestHTTPShortBodyDetected(t *testing.T) {
	data := payload(100 << 10)
	srv := &shortBody{data: data}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/x.bin")
	buf := make([]byte, 1000)
	if _, err := f.ReadAt(buf, 10); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, data[10:1010]) {
		t.Fatal("wrong bytes after a short body")
	}
	if c.Stats().Retries != 1 {
		t.Errorf("retries %d, want 1", c.Stats().Retries)
	}
}

func TestHTTPChangedObject(t *testing.T) {
	data := payload(100 << 10)
	srv := &rangeServer{data: data}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := testClient()
	f := openURL(t, c, ts.URL+"/x.bin")
	srv.data = data[:len(data)-1] // a different size now
	_, err := f.ReadAt(make([]byte, 10), 0)
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
}

func TestMaxInFlight(t *testing.T) {
	data := payload(1 << 20)
	srv := &rangeServer{data: data, delay: 5 * time.Millisecond}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := New(Options{MaxInFlight: 3})
	f := openURL(t, c, ts.URL+"/x.bin")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1000)
			off := int64(i * 10000)
			if _, err := f.ReadAt(buf, off); err != nil || !bytes.Equal(buf, data[off:off+1000]) {
				t.Errorf("ReadAt %d: %v", off, err)
			}
		}()
	}
	wg.Wait()
	if m := srv.maxIn.Load(); m > 3 {
		t.Errorf("%d requests in flight, limit 3", m)
	}
}

func TestRedactAndParse(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@host/a/b.csv?sig=1#x": "https://host/a/b.csv",
		"s3://bucket/k/e y.parquet":            "s3://bucket/k/e%20y.parquet",
		"http://h/%zz?token=1":                 "http://h/%zz",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if msg := scrub(`Get "https://a.blob.core.windows.net/c/k?sv=2020&sig=SECRET": dial tcp`); strings.Contains(msg, "SECRET") {
		t.Errorf("scrub left the signature: %s", msg)
	}
	for _, bad := range []string{"ftp://x/y", "s3:///key", "s3://b/k?versionId=1", "s3://user@b/k"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, c := range []struct {
		pat, key string
		ok       bool
	}{
		{"d/*.parquet", "d/a.parquet", true},
		{"d/*.parquet", "d/x/a.parquet", false},
		{"d/**/*.parquet", "d/x/y/a.parquet", true},
		{"d/**/*.parquet", "d/a.parquet", true},
		{"d/year=202[45]/*", "d/year=2024/p.csv", true},
	} {
		if ok, _ := globMatch(c.pat, c.key); ok != c.ok {
			t.Errorf("globMatch(%q, %q) = %v", c.pat, c.key, ok)
		}
	}
}

// TestCheckRange: the answer to a ranged read is taken only when it is
// the bytes asked for of an object of the listed size, whole or in part,
// for every backend (http, S3, GCS share it).
func TestCheckRange(t *testing.T) {
	o := &Object{URL: "x://b/k", Size: 1000}
	for _, c := range []struct {
		whole        bool
		contentRange string
		length       int64
		start        int64
		changed, bad bool
	}{
		{contentRange: "bytes 100-199/1000", start: 100},
		{contentRange: "bytes 0-999/1000", start: 0},  // more than asked, from before it
		{contentRange: "bytes 100-199/*", start: 100}, // size not told
		{contentRange: "bytes 100-199/1001", changed: true},
		{contentRange: "bytes 101-199/1000", bad: true}, // starts after the offset
		{contentRange: "bytes 100-198/1000", bad: true}, // ends short
		{contentRange: "", bad: true},
		{contentRange: "bytes 100-199", bad: true},
		{whole: true, length: 1000, start: 0},
		{whole: true, length: -1, start: 0},
		{whole: true, length: 999, changed: true},
	} {
		start, err := checkRange(o, 100, 100, c.whole, c.contentRange, c.length)
		switch {
		case c.changed:
			if !errors.Is(err, ErrChanged) {
				t.Errorf("%+v: err %v, want ErrChanged", c, err)
			}
		case c.bad:
			if err == nil || errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), o.URL) {
				t.Errorf("%+v: err %v, want a refusal naming the object", c, err)
			}
		case err != nil || start != c.start:
			t.Errorf("%+v: start %d, err %v; want %d", c, start, err, c.start)
		}
	}
}
