package remote_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/pipeline/remote"
)

var modTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeGCS serves the parts of the GCS JSON API the storage SDK uses to
// stat, list and read objects (media downloads with Range). Objects named
// in denied answer 403.
type fakeGCS struct {
	objects map[string][]byte // "bucket/name"
	denied  map[string]bool
	gets    atomic.Int64
	// generation is every object's (default 1700000000000001); asked
	// records the generation parameters of media reads; ignoreRange sends
	// whole objects.
	generation  string
	asked       sync.Map
	ignoreRange bool
	// gzipped objects are stored with Content-Encoding: gzip, which their
	// metadata shows unless hideEncoding (the header set after listing);
	// they are served raw, gzip-encoded.
	gzipped      map[string]bool
	hideEncoding bool
}

func (f *fakeGCS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/storage/v1/b/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	segs := strings.SplitN(rest, "/", 3)
	gerr := func(code int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%d,"message":"%s"}}`, code, http.StatusText(code))
	}
	if len(segs) < 2 || segs[1] != "o" {
		gerr(404)
		return
	}
	bucket := segs[0]
	gen := f.generation
	if gen == "" {
		gen = "1700000000000001"
	}
	meta := func(name string, data []byte) map[string]any {
		m := map[string]any{"kind": "storage#object", "bucket": bucket, "name": name, "size": fmt.Sprint(len(data)),
			"generation": gen, "metageneration": "1", "updated": modTime.Format(time.RFC3339Nano)}
		if f.gzipped[bucket+"/"+name] && !f.hideEncoding {
			m["contentEncoding"] = "gzip"
		}
		return m
	}
	if len(segs) == 2 { // list
		prefix := r.URL.Query().Get("prefix")
		var names []string
		for k := range f.objects {
			if b, n, _ := strings.Cut(k, "/"); b == bucket && strings.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		items := []any{}
		for _, n := range names {
			items = append(items, meta(n, f.objects[bucket+"/"+n]))
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "storage#objects", "items": items})
		return
	}
	name, err := url.PathUnescape(segs[2])
	if err != nil {
		gerr(400)
		return
	}
	if f.denied[bucket+"/"+name] {
		gerr(403)
		return
	}
	data, ok := f.objects[bucket+"/"+name]
	if !ok {
		gerr(404)
		return
	}
	if r.URL.Query().Get("alt") == "media" {
		f.gets.Add(1)
		f.asked.Store(r.URL.Query().Get("generation"), true)
		w.Header().Set("X-Goog-Generation", gen)
		w.Header().Set("X-Goog-Metageneration", "1")
		switch {
		case f.gzipped[bucket+"/"+name]:
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(data)
			zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(z.Bytes())
		case f.ignoreRange:
			w.Write(data)
		default:
			http.ServeContent(w, r, name, modTime, bytes.NewReader(data))
		}
		return
	}
	json.NewEncoder(w).Encode(meta(name, data))
}

func TestGCSFake(t *testing.T) {
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	csv := readFile(t, filepath.Join(sampleDir, "train.csv"))
	fake := &fakeGCS{objects: map[string][]byte{
		"bkt/d/train.parquet":         pq,
		"bkt/d/train.csv":             csv,
		"bkt/p/split=test/a.parquet":  pq,
		"bkt/p/split=train/b.parquet": pq,
		"bkt/secret/x.parquet":        pq,
	}, denied: map[string]bool{"bkt/secret/x.parquet": true}}
	ts := httptest.NewServer(fake)
	defer ts.Close()
	rc := remote.New(remote.Options{GCSEndpoint: ts.URL + "/storage/v1/", Anonymous: true, RetryBase: time.Millisecond})
	for _, name := range []string{"train.parquet", "train.csv"} {
		local, err := run(t, []string{filepath.Join(sampleDir, name)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, []string{"gs://bkt/d/" + name}, rc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, b := resultsJSON(t, got.out), resultsJSON(t, local.out); a != b || got.out.Rows != 2000 {
			t.Errorf("%s: %d rows; remote result differs from local:\n%s\n%s", name, got.out.Rows, a, b)
		}
		if in := got.in[0]; in.Version != "1700000000000001" || !in.ModTime.Equal(modTime) {
			t.Errorf("%s: version %q, modtime %v", name, in.Version, in.ModTime)
		}
	}
	got, err := run(t, []string{"gs://bkt/p/*/*.parquet"}, rc)
	if err != nil {
		t.Fatal(err)
	}
	if got.out.Rows != 4000 || len(got.in) != 2 || fmt.Sprint(got.in[1].Partitions) != "[{split train}]" {
		t.Errorf("glob: %d rows, %d inputs", got.out.Rows, len(got.in))
	}
	_, err = pipeline.Discover([]string{"gs://bkt/secret/x.parquet"}, pipeline.DiscoverOptions{Remote: rc})
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || ie.Path != "gs://bkt/secret/x.parquet" || !remote.Denied(err) {
		t.Errorf("403: err = %v", err)
	}
	_, err = pipeline.Discover([]string{"gs://bkt/nope.csv"}, pipeline.DiscoverOptions{Remote: rc})
	if !remote.NotFound(err) || !strings.Contains(err.Error(), "gs://bkt/nope.csv") {
		t.Errorf("404: err = %v", err)
	}
}

// TestGCSReads reads ranges of a gs:// object, the tail among them, and
// checks the bytes against the object, with the range honoured and
// ignored; that reads ask for the listed generation; that a generation
// other than the listed one is ErrChanged; and that an object served
// gzip-encoded is refused by name rather than read as other bytes.
func TestGCSReads(t *testing.T) {
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	fake := &fakeGCS{objects: map[string][]byte{"bkt/x.bin": data, "bkt/z.csv": []byte("a,b\n1,2\n")},
		gzipped: map[string]bool{"bkt/z.csv": true}}
	ts := httptest.NewServer(fake)
	defer ts.Close()
	ctx := context.Background()
	open := func(url string) *remote.File {
		t.Helper()
		rc := remote.New(remote.Options{GCSEndpoint: ts.URL + "/storage/v1/", Anonymous: true, RetryBase: time.Millisecond})
		objs, _, err := rc.List(ctx, url)
		if err != nil || len(objs) != 1 {
			t.Fatalf("list %s: %d objects, %v", url, len(objs), err)
		}
		if objs[0].Size != int64(len(fake.objects[strings.TrimPrefix(url, "gs://")])) {
			t.Fatalf("%s: size %d", url, objs[0].Size)
		}
		f, err := rc.Open(ctx, objs[0])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	for _, ignore := range []bool{false, true} {
		fake.ignoreRange = ignore
		f := open("gs://bkt/x.bin")
		for _, r := range [][2]int{{0, 100}, {5000, 70000}, {len(data) - 10, 10}, {len(data) - 100000, 1000}, {123456, 1}} {
			buf := make([]byte, r[1])
			if _, err := f.ReadAt(buf, int64(r[0])); err != nil {
				t.Fatalf("ignore range %v, ReadAt(%d, %d): %v", ignore, r[1], r[0], err)
			}
			if !bytes.Equal(buf, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("ignore range %v, ReadAt(%d, %d): wrong bytes", ignore, r[1], r[0])
			}
		}
	}
	fake.ignoreRange = false
	if _, ok := fake.asked.Load("1700000000000001"); !ok {
		t.Error("no read asked for the listed generation")
	}
	fake.asked.Range(func(k, _ any) bool {
		if k != "1700000000000001" {
			t.Errorf("a read asked for generation %q", k)
		}
		return true
	})

	f := open("gs://bkt/x.bin")
	fake.generation = "1700000000000002" // overwritten since it was listed
	if _, err := f.ReadAt(make([]byte, 10), 0); !errors.Is(err, remote.ErrChanged) {
		t.Errorf("new generation: err = %v, want ErrChanged", err)
	}
	fake.generation = ""

	rc := remote.New(remote.Options{GCSEndpoint: ts.URL + "/storage/v1/", Anonymous: true, RetryBase: time.Millisecond})
	if _, _, err := rc.List(ctx, "gs://bkt/z.csv"); err == nil || !strings.Contains(err.Error(), "gs://bkt/z.csv") || !strings.Contains(err.Error(), "Content-Encoding: gzip") {
		t.Errorf("listing a gzip-encoded object: err = %v", err)
	}
	fake.hideEncoding = true
	z := open("gs://bkt/z.csv")
	if _, err := z.ReadAt(make([]byte, 4), 0); err == nil || !strings.Contains(err.Error(), "gs://bkt/z.csv") || !strings.Contains(err.Error(), "Content-Encoding: gzip") {
		t.Errorf("reading a gzip-encoded object: err = %v", err)
	}
}

// fakeAzure serves the Blob service calls the azblob SDK makes to list
// (comp=list), stat (HEAD) and read (GET with x-ms-range) blobs of one
// account.
type fakeAzure struct {
	account string
	blobs   map[string][]byte // "container/name"
	auth    atomic.Value      // last Authorization header seen
	// whole, when set, answers every read with the whole blob and whole-1
	// more bytes, ignoring x-ms-range.
	whole atomic.Int64
}

type azBlob struct {
	Name       string `xml:"Name"`
	Properties struct {
		LastModified  string `xml:"Last-Modified"`
		Etag          string `xml:"Etag"`
		ContentLength int64  `xml:"Content-Length"`
		BlobType      string `xml:"BlobType"`
	} `xml:"Properties"`
}

func (f *fakeAzure) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.auth.Store(r.Header.Get("Authorization"))
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+f.account+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	azErr := func(code int, ec string) {
		w.Header().Set("x-ms-error-code", ec)
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>x</Message></Error>`, ec)
		}
	}
	w.Header().Set("x-ms-version", "2025-01-05")
	container, name, _ := strings.Cut(rest, "/")
	etag := func(data []byte) string { return fmt.Sprintf(`"0x8D%X"`, len(data)) }
	if name == "" && r.URL.Query().Get("comp") == "list" {
		prefix := r.URL.Query().Get("prefix")
		var names []string
		for k := range f.blobs {
			if c, n, _ := strings.Cut(k, "/"); c == container && strings.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		type result struct {
			XMLName       xml.Name `xml:"EnumerationResults"`
			ContainerName string   `xml:"ContainerName,attr"`
			Prefix        string   `xml:"Prefix"`
			Blobs         []azBlob `xml:"Blobs>Blob"`
			NextMarker    string   `xml:"NextMarker"`
		}
		res := result{ContainerName: container, Prefix: prefix}
		for _, n := range names {
			var b azBlob
			b.Name = n
			b.Properties.LastModified = modTime.Format(http.TimeFormat)
			b.Properties.Etag = etag(f.blobs[container+"/"+n])
			b.Properties.ContentLength = int64(len(f.blobs[container+"/"+n]))
			b.Properties.BlobType = "BlockBlob"
			res.Blobs = append(res.Blobs, b)
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(xml.Header))
		xml.NewEncoder(w).Encode(res)
		return
	}
	data, ok := f.blobs[container+"/"+name]
	if !ok {
		azErr(404, "BlobNotFound")
		return
	}
	w.Header().Set("ETag", etag(data))
	w.Header().Set("x-ms-blob-type", "BlockBlob")
	if rg := r.Header.Get("x-ms-range"); rg != "" {
		r.Header.Set("Range", rg)
	}
	if im := r.Header.Get("If-Match"); im != "" && im != etag(data) {
		azErr(412, "ConditionNotMet")
		return
	}
	if extra := f.whole.Load() - 1; extra >= 0 && r.Method == http.MethodGet {
		body := append(bytes.Clone(data), make([]byte, extra)...)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
		return
	}
	http.ServeContent(w, r, name, modTime, bytes.NewReader(data))
}

// A blob read whole, the range ignored, is read as such when it is of the
// listed size, and is remote.ErrChanged, naming it, when it is not.
func TestAzureWholeBlobOfAnotherSize(t *testing.T) {
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	fake := &fakeAzure{account: "devaccount", blobs: map[string][]byte{"cont/d/train.parquet": pq}}
	rc := azureClient(t, fake)
	checkWholeAnswers(t, "az://cont/d/train.parquet", len(pq), rc, func(extra int64) { fake.whole.Store(extra + 1) })
}

// azureClient serves fake's blobs and returns a client of them, with a
// shared key in the environment: the fake does not check signatures, but
// the client must sign with it and never print it.
func azureClient(t *testing.T, fake *fakeAzure) *remote.Client {
	t.Helper()
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
	t.Setenv("AZURE_STORAGE_SAS_TOKEN", "")
	t.Setenv("AZURE_STORAGE_ACCOUNT", fake.account)
	t.Setenv("AZURE_STORAGE_KEY", "c2VjcmV0LWtleS1mb3ItdGVzdHM=")
	return remote.New(remote.Options{AzureEndpoint: ts.URL + "/{account}", RetryBase: time.Millisecond})
}

func TestAzureFake(t *testing.T) {
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	fake := &fakeAzure{account: "devaccount", blobs: map[string][]byte{
		"cont/d/train.parquet":          pq,
		"cont/d/train.ndjson":           readFile(t, filepath.Join(sampleDir, "train.ndjson")),
		"cont/d/sub/_tmp/skip.parquet":  pq,
		"cont/d/sub/year=2024/x.arrows": nil,
	}}
	delete(fake.blobs, "cont/d/sub/year=2024/x.arrows")
	rc := azureClient(t, fake)
	for _, name := range []string{"train.parquet", "train.ndjson"} {
		local, err := run(t, []string{filepath.Join(sampleDir, name)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, []string{"az://cont/d/" + name}, rc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, b := resultsJSON(t, got.out), resultsJSON(t, local.out); a != b || got.out.Rows != 2000 {
			t.Errorf("%s: %d rows; remote result differs from local:\n%s\n%s", name, got.out.Rows, a, b)
		}
		if in := got.in[0]; !strings.HasPrefix(in.Version, "0x8D") || !in.ModTime.Equal(modTime) {
			t.Errorf("%s: version %q, modtime %v", name, in.Version, in.ModTime)
		}
	}
	if a, _ := fake.auth.Load().(string); !strings.HasPrefix(a, "SharedKey devaccount:") {
		t.Errorf("requests not signed with the shared key: %q", a)
	}
	found, err := pipeline.Discover([]string{"az://cont/d"}, pipeline.DiscoverOptions{Remote: rc})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Inputs) != 2 {
		t.Errorf("prefix: %d inputs, want 2 (_tmp left out)", len(found.Inputs))
	}
	_, err = pipeline.Discover([]string{"az://cont/none.parquet"}, pipeline.DiscoverOptions{Remote: rc})
	if !remote.NotFound(err) || !strings.Contains(err.Error(), "az://cont/none.parquet") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("404: err = %v", err)
	}
}
