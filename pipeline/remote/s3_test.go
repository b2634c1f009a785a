package remote_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/missing"
	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/pipeline/remote"
)

var sampleDir = filepath.Join("..", "..", "fixtures", "sample")

// fakeS3 starts an in-process S3 server holding objects (key → bytes) in
// bucket "data" and returns its URL.
func fakeS3(t *testing.T, objects map[string][]byte) string {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket("data"); err != nil {
		t.Fatal(err)
	}
	for k, v := range objects {
		if _, err := be.PutObject("data", k, map[string]string{}, bytes.NewReader(v), int64(len(v)), nil); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(ts.Close)
	return ts.URL
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// isolateAWS keeps the host's AWS configuration out of a test and gives
// the standard chain static credentials from the environment.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRETTEST")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
}

type audit struct {
	ds  *pipeline.Dataset
	out *pipeline.Outcome
	in  []*pipeline.Input
}

// run audits paths through Discover, Plan and Run with the missing-values
// check (or tasks), with a checked allocator.
func run(t *testing.T, paths []string, rc *remote.Client, tasks ...pipeline.Task) (audit, error) {
	t.Helper()
	found, err := pipeline.Discover(paths, pipeline.DiscoverOptions{Remote: rc})
	if err != nil {
		return audit{}, err
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	opts := pipeline.ReadOptions{BatchSize: 256, InferRows: 1000, Mem: mem}
	ds, err := pipeline.Plan(ctx, found.Inputs, 4, opts)
	if err != nil {
		return audit{}, err
	}
	if len(tasks) == 0 {
		tasks = []pipeline.Task{{Check: &missing.Check, Config: missing.Check.DefaultConfig()}}
	}
	out, err := ds.Run(ctx, tasks, pipeline.RunOptions{ReadOptions: opts, Workers: 4})
	return audit{ds, out, found.Inputs}, err
}

func resultsJSON(t *testing.T, out *pipeline.Outcome) string {
	t.Helper()
	b, err := json.Marshal(out.Results)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestS3AuditMatchesLocal(t *testing.T) {
	isolateAWS(t)
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	csv := readFile(t, filepath.Join(sampleDir, "train.csv"))
	url := fakeS3(t, map[string][]byte{
		"single/train.parquet":               pq,
		"single/train.csv":                   csv,
		"single/train.arrow":                 readFile(t, filepath.Join(sampleDir, "train.arrow")),
		"parts/year=2024/a.parquet":          pq,
		"parts/year=2025/b.parquet":          pq,
		"parts/year=2025/_SUCCESS":           nil,
		"parts/.hidden/c.parquet":            pq,
		"parts/year=2025/notes/readme.txt":   []byte("x"),
		"other/year=2024/month=01/a.parquet": pq,
	})
	// The endpoint comes from AWS_ENDPOINT_URL through the SDK's chain;
	// the credentials from the environment.
	t.Setenv("AWS_ENDPOINT_URL", url)
	rc := remote.New(remote.Options{})

	for _, name := range []string{"train.parquet", "train.csv", "train.arrow"} {
		local, err := run(t, []string{filepath.Join(sampleDir, name)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, []string{"s3://data/single/" + name}, rc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.out.Rows != 2000 || local.out.Rows != 2000 {
			t.Errorf("%s: %d rows remote, %d local; the fixture has 2000", name, got.out.Rows, local.out.Rows)
		}
		if a, b := resultsJSON(t, got.out), resultsJSON(t, local.out); a != b {
			t.Errorf("%s: remote result differs from local:\n%s\n%s", name, a, b)
		}
		in := got.in[0]
		if in.Path != "s3://data/single/"+name || in.Size != local.in[0].Size || in.Version == "" || !in.Remote() {
			t.Errorf("%s: input %+v", name, in)
		}
	}

	// A prefix: hidden and _ names are left out, the .txt is skipped,
	// hive partitions come from the key.
	got, err := run(t, []string{"s3://data/parts/"}, rc)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, in := range got.in {
		paths = append(paths, in.Path+fmt.Sprint(in.Partitions))
	}
	want := "s3://data/parts/year=2024/a.parquet[{year 2024}] s3://data/parts/year=2025/b.parquet[{year 2025}]"
	if strings.Join(paths, " ") != want {
		t.Errorf("prefix inputs:\n%s\nwant\n%s", strings.Join(paths, " "), want)
	}
	if got.out.Rows != 4000 {
		t.Errorf("prefix rows %d, want 4000", got.out.Rows)
	}
	// The same prefix without the trailing slash, and a glob.
	for _, p := range []string{"s3://data/parts", "s3://data/parts/*/*.parquet", "s3://data/**/a.parquet"} {
		found, err := pipeline.Discover([]string{p}, pipeline.DiscoverOptions{Remote: rc})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		n := 2 // a prefix leaves out .hidden; a.parquet is in parts/ and other/
		if p == "s3://data/parts/*/*.parquet" {
			n = 3 // a glob matches what it says, .hidden included, as filepath.Glob does locally
		}
		if len(found.Inputs) != n {
			t.Errorf("%s: %d inputs, want %d", p, len(found.Inputs), n)
		}
	}
	found, err := pipeline.Discover([]string{"s3://data/other/year=2024/month=01/a.parquet"}, pipeline.DiscoverOptions{Remote: rc})
	if err != nil || fmt.Sprint(found.Inputs[0].Partitions) != "[{year 2024} {month 01}]" {
		t.Errorf("partitions: %v %v", err, found)
	}

	// Missing object and missing bucket: an input error naming the URL.
	for _, p := range []string{"s3://data/single/absent.parquet", "s3://nobucket/x.parquet"} {
		_, err = pipeline.Discover([]string{p}, pipeline.DiscoverOptions{Remote: rc})
		var ie *pipeline.InputError
		if !errors.As(err, &ie) || ie.Path != p || !remote.NotFound(err) {
			t.Errorf("%s: err = %v, want a 404 InputError naming it", p, err)
		}
		var ue *pipeline.UsageError
		if errors.As(err, &ue) {
			t.Errorf("%s: a missing object is not a usage error", p)
		}
		if strings.Contains(err.Error(), "SECRETTEST") || strings.Contains(err.Error(), "AKIDTEST") {
			t.Errorf("credentials in %q", err)
		}
	}
	// Bad URL syntax: a usage error.
	_, err = pipeline.Discover([]string{"s3:///nobucket"}, pipeline.DiscoverOptions{Remote: rc})
	var ue *pipeline.UsageError
	if !errors.As(err, &ue) {
		t.Errorf("bad URL: err = %v, want a usage error", err)
	}
}

func TestS3EndpointOption(t *testing.T) {
	isolateAWS(t)
	url := fakeS3(t, map[string][]byte{"k/train.parquet": readFile(t, filepath.Join(sampleDir, "train.parquet"))})
	rc := remote.New(remote.Options{S3Endpoint: url, Anonymous: true})
	got, err := run(t, []string{"s3://data/k/train.parquet"}, rc)
	if err != nil {
		t.Fatal(err)
	}
	if got.out.Rows != 2000 {
		t.Errorf("rows %d", got.out.Rows)
	}
}

// oneColumn is a check that reads one column and counts its non-null
// values.
type oneColumn struct{ col string }

type countState struct {
	col     string
	rows    *int64
	nonNull *int64
}

func (s countState) Observe(b checks.Batch) error {
	*s.rows += b.Record.NumRows()
	idx := b.Record.Schema().FieldIndices(s.col)
	if len(idx) == 1 {
		c := b.Record.Column(idx[0])
		*s.nonNull += int64(c.Len() - c.NullN())
	}
	return nil
}
func (s countState) Merge(o checks.State) error {
	*s.rows += *o.(countState).rows
	*s.nonNull += *o.(countState).nonNull
	return nil
}
func (s countState) Result() (checks.Result, error) {
	return checks.Result{Name: "one_column", Status: checks.Status("pass"), Metrics: json.RawMessage(fmt.Sprintf(`{"rows":%d,"non_null":%d}`, *s.rows, *s.nonNull))}, nil
}

func oneColumnTask(col string) pipeline.Task {
	return pipeline.Task{Check: &checks.Check{
		Name:    "one_column",
		Columns: func(any, checks.Env) []string { return []string{col} },
		New: func(any, checks.Env) (checks.State, error) {
			return countState{col: col, rows: new(int64), nonNull: new(int64)}, nil
		},
	}}
}

// bigParquet writes rows rows of five columns in row groups of rg rows.
func bigParquet(t *testing.T, rows, rg int) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "y", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%10 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(r.NormFloat64())
		}
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("row %d %x %x", i, r.Uint64(), r.Uint64()))
		b.Field(3).(*array.Int64Builder).Append(r.Int64())
		b.Field(4).(*array.StringBuilder).Append([]string{"cat", "dog", "bird"}[r.IntN(3)])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(rg))), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chunkBytes is the size of the column chunks of column col over every
// row group, from the file's own metadata (read locally, independently of
// the remote reader), the footer's size including its 8-byte trailer, and
// how many requests reading the chunks takes in pieces of 1 MiB, the
// Parquet reader's buffer for remote objects: one a MiB of each chunk,
// and one more for a chunk with a dictionary page.
func chunkBytes(t *testing.T, data []byte, col string) (needed, footer, pieces int64) {
	t.Helper()
	pr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	md := pr.MetaData()
	ci := md.Schema.ColumnIndexByName(col)
	for i := 0; i < md.NumRowGroups(); i++ {
		cc, err := md.RowGroup(i).ColumnChunk(ci)
		if err != nil {
			t.Fatal(err)
		}
		needed += cc.TotalCompressedSize()
		pieces += (cc.TotalCompressedSize() + 1<<20 - 1) >> 20
		if cc.HasDictionaryPage() {
			pieces++
		}
	}
	footer = int64(binary.LittleEndian.Uint32(data[len(data)-8:])) + 8
	return needed, footer, pieces
}

func TestS3ProjectedParquetFetchesOnlyNeededChunks(t *testing.T) {
	isolateAWS(t)
	data := bigParquet(t, 200000, 40000)
	url := fakeS3(t, map[string][]byte{"big.parquet": data})
	local := filepath.Join(t.TempDir(), "big.parquet")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"x", "label", "text"} {
		rc := remote.New(remote.Options{S3Endpoint: url, Anonymous: true})
		got, err := run(t, []string{"s3://data/big.parquet"}, rc, oneColumnTask(col))
		if err != nil {
			t.Fatal(err)
		}
		want, err := run(t, []string{local}, nil, oneColumnTask(col))
		if err != nil {
			t.Fatal(err)
		}
		if a, b := resultsJSON(t, got.out), resultsJSON(t, want.out); a != b {
			t.Errorf("%s: remote %s, local %s", col, a, b)
		}
		needed, footer, pieces := chunkBytes(t, data, col)
		st := rc.Stats()
		bound := needed + footer + remote.TailSize
		t.Logf("column %s: file %d B, column chunks %d B, footer %d B, fetched %d B in %d requests (bound %d)",
			col, len(data), needed, footer, st.Bytes, st.Requests, bound)
		if st.Bytes > bound {
			t.Errorf("column %s: fetched %d bytes, more than chunks %d + footer %d + %d", col, st.Bytes, needed, footer, remote.TailSize)
		}
		if st.Bytes >= int64(len(data)) {
			t.Errorf("column %s: fetched the whole file", col)
		}
		// The footer's tail, then the chunks in 1 MiB pieces: a smaller
		// read buffer would take a request or two a page.
		if st.Requests > 1+pieces {
			t.Errorf("column %s: %d requests, more than the tail and %d pieces of 1 MiB", col, st.Requests, pieces)
		}
	}
}

func TestS3BucketInAnotherRegion(t *testing.T) {
	isolateAWS(t)
	be := s3mem.New()
	if err := be.CreateBucket("data"); err != nil {
		t.Fatal(err)
	}
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	if _, err := be.PutObject("data", "train.parquet", map[string]string{}, bytes.NewReader(pq), int64(len(pq)), nil); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(be).Server()
	var redirects, served atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The bucket lives in eu-west-1: requests signed for another
		// region get S3's PermanentRedirect.
		if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/s3/") {
			redirects.Add(1)
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-1")
			w.WriteHeader(http.StatusMovedPermanently)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>wrong region</Message></Error>`)
			return
		}
		served.Add(1)
		fake.ServeHTTP(w, r)
	}))
	defer ts.Close()
	rc := remote.New(remote.Options{S3Endpoint: ts.URL})
	got, err := run(t, []string{"s3://data/train.parquet"}, rc)
	if err != nil {
		t.Fatal(err)
	}
	if got.out.Rows != 2000 {
		t.Errorf("rows %d", got.out.Rows)
	}
	if redirects.Load() != 1 {
		t.Errorf("%d redirects, want 1 (the bucket's region is remembered)", redirects.Load())
	}
}

func TestReadRefusedAfterListing(t *testing.T) {
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	var gets atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", fmt.Sprint(len(pq)))
			return
		}
		gets.Add(1)
		http.Error(w, "denied", http.StatusForbidden)
	}))
	defer ts.Close()
	rc := remote.New(remote.Options{})
	_, err := run(t, []string{ts.URL + "/train.parquet?token=SECRET"}, rc)
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || !remote.Denied(err) {
		t.Fatalf("err = %v, want an InputError wrapping a 403", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "SECRET") || strings.Count(msg, ts.URL) != 1 {
		t.Errorf("message %q: want the URL once, without its query", msg)
	}
	if gets.Load() != 1 {
		t.Errorf("%d GETs; a 403 is not retried", gets.Load())
	}
	t.Log(msg)
}

// A store that ignores Range answers a ranged GET with the whole object:
// read as such when it is of the listed size, and an error naming the
// object (remote.ErrChanged) when it is not.
func TestS3WholeObjectOfAnotherSize(t *testing.T) {
	isolateAWS(t)
	pq := readFile(t, filepath.Join(sampleDir, "train.parquet"))
	be := s3mem.New()
	if err := be.CreateBucket("data"); err != nil {
		t.Fatal(err)
	}
	if _, err := be.PutObject("data", "k/train.parquet", map[string]string{}, bytes.NewReader(pq), int64(len(pq)), nil); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(be).Server()
	var extra atomic.Int64 // bytes added to each whole answer
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Range") == "" {
			fake.ServeHTTP(w, r)
			return
		}
		r.Header.Del("Range")
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := append(rec.Body.Bytes(), make([]byte, extra.Load())...)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer ts.Close()
	checkWholeAnswers(t, "s3://data/k/train.parquet", len(pq), remote.New(remote.Options{S3Endpoint: ts.URL, Anonymous: true}), extra.Store)
}

// checkWholeAnswers audits url, an object of size bytes whose store
// answers every ranged read with the whole object and the extra bytes set
// says: read as such with none, remote.ErrChanged naming the object and
// both sizes with some.
func checkWholeAnswers(t *testing.T, url string, size int, rc *remote.Client, set func(extra int64)) {
	t.Helper()
	for _, extra := range []int64{0, 7} {
		set(extra)
		got, err := run(t, []string{url}, rc)
		if extra == 0 {
			if err != nil || got.out.Rows != 2000 {
				t.Fatalf("whole answers of the listed size: %v", err)
			}
			continue
		}
		if !errors.Is(err, remote.ErrChanged) || !strings.Contains(err.Error(), url) ||
			!strings.Contains(err.Error(), fmt.Sprintf("size %d, listed as %d", size+int(extra), size)) {
			t.Fatalf("whole answers %d bytes longer: err = %v, want ErrChanged naming %s and both sizes", extra, err, url)
		}
	}
}
