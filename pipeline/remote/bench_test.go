package remote

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
)

// BenchmarkSequentialRead streams a 32 MiB object from a local server in
// growing ranged chunks with prefetch (the CSV/NDJSON path).
func BenchmarkSequentialRead(b *testing.B) {
	data := payload(32 << 20)
	ts := httptest.NewServer(&rangeServer{data: data})
	defer ts.Close()
	c := New(Options{})
	objs, _, err := c.List(context.Background(), ts.URL+"/x.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := c.Open(context.Background(), objs[0])
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, f); err != nil || n != int64(len(data)) {
			b.Fatal(n, err)
		}
		f.Close()
	}
}

// BenchmarkReadAt1MiB issues 1 MiB ranged reads, as the Parquet reader
// does inside column chunks, from 8 goroutines.
func BenchmarkReadAt1MiB(b *testing.B) {
	data := payload(32 << 20)
	ts := httptest.NewServer(&rangeServer{data: data})
	defer ts.Close()
	c := New(Options{})
	objs, _, err := c.List(context.Background(), ts.URL+"/x.parquet")
	if err != nil {
		b.Fatal(err)
	}
	f, err := c.Open(context.Background(), objs[0])
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(1 << 20)
	b.SetParallelism(1)
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 1<<20)
		i := int64(0)
		for pb.Next() {
			off := (i * (1 << 20)) % (int64(len(data)) - TailSize - (1 << 20))
			if _, err := f.ReadAt(buf, off); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
