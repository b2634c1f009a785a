package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	storage "google.golang.org/api/storage/v1"
)

// gcsBackend reads gs:// objects through the JSON API with Google's
// generated REST client (google.golang.org/api/storage/v1): objects.get
// for a stat and, with alt=media and a Range header, for the bytes;
// objects.list for a prefix. Reads are pinned to the listed generation.
// The generated calls do not retry (gensupport.SendRequest), so the one
// retry policy is ours (remote.go).
//
// Until 2026-11-29 this was cloud.google.com/go/storage, over the same
// JSON API. That client links gRPC's xDS and Envoy's protocol buffers,
// OpenTelemetry exporters and Cloud Monitoring for its gRPC path, which
// we never take: 240 more packages, 27 MB more binary, and their package
// initialisers cost every run of the tool, whatever it reads, 30–40 ms
// before main on the 2-core VM (`readiness version`: 0.09–0.11 s against
// 0.06–0.07 s; docs/performance.md, 2026-11-29 zd).
type gcsBackend struct{ svc *storage.Service }

func newGCS(ctx context.Context, opts Options) (backend, error) {
	// Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS,
	// gcloud's user credentials, workload identity / the metadata server;
	// read-only scope, since nothing is ever written.
	co := []option.ClientOption{option.WithScopes(storage.DevstorageReadOnlyScope)}
	if opts.GCSEndpoint != "" {
		co = append(co, option.WithEndpoint(opts.GCSEndpoint))
	}
	if opts.Anonymous {
		co = append(co, option.WithoutAuthentication())
	}
	svc, err := storage.NewService(ctx, co...)
	if err != nil {
		return nil, fmt.Errorf("Google Cloud Storage client: %w", err)
	}
	return &gcsBackend{svc: svc}, nil
}

// gzipEncoded is the refusal of an object stored with Content-Encoding:
// gzip. GCS serves such an object decompressed to a client that does not
// ask for gzip (decompressive transcoding), whole, whatever the Range: its
// bytes are then not the listed size's, and no range of them can be asked
// for. A gzip file stored as such (no Content-Encoding; a .gz name) is
// read as any other.
func gzipEncoded(url string) error {
	return fmt.Errorf("%s: stored with Content-Encoding: gzip, which Google Cloud Storage serves decompressed and whole, so it cannot be read in ranges; download it first, or store it without that header under a .gz name", url)
}

func (g *gcsBackend) object(l Location, a *storage.Object) (*Object, error) {
	if a.ContentEncoding == "gzip" {
		return nil, gzipEncoded(l.String())
	}
	mod, err := time.Parse(time.RFC3339Nano, a.Updated)
	if err != nil {
		return nil, fmt.Errorf("%s: the object's update time %q: %w", l, a.Updated, err)
	}
	o := &Object{URL: l.String(), Key: a.Name, Size: int64(a.Size), ModTime: mod.UTC(), loc: l, generation: a.Generation}
	o.Version = strconv.FormatInt(a.Generation, 10)
	return o, nil
}

func (g *gcsBackend) stat(ctx context.Context, l Location) (*Object, error) {
	a, err := g.svc.Objects.Get(l.Bucket, l.Key).Context(ctx).Do()
	if err != nil {
		return nil, gcsErr(l.String(), err)
	}
	return g.object(l, a)
}

func (g *gcsBackend) list(ctx context.Context, l Location, prefix string) ([]*Object, error) {
	var out []*Object
	err := g.svc.Objects.List(l.Bucket).Prefix(prefix).Pages(ctx, func(page *storage.Objects) error {
		for _, a := range page.Items {
			o, err := g.object(l.child(a.Name), a)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, gcsErr(l.child(prefix).String(), err)
	}
	return out, nil
}

func (g *gcsBackend) get(ctx context.Context, o *Object, off, n int64) (io.ReadCloser, int64, error) {
	call := g.svc.Objects.Get(o.loc.Bucket, o.loc.Key).Context(ctx)
	if o.generation != 0 {
		call = call.Generation(o.generation)
	}
	call.Header().Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
	resp, err := call.Download()
	if err != nil {
		return nil, 0, gcsErr(o.URL, err)
	}
	fail := func(err error) (io.ReadCloser, int64, error) {
		resp.Body.Close()
		return nil, 0, err
	}
	if resp.Uncompressed || resp.Header.Get("Content-Encoding") == "gzip" || resp.Header.Get("X-Goog-Stored-Content-Encoding") == "gzip" {
		// Given that header since it was listed.
		return fail(gzipEncoded(o.URL))
	}
	if gen := resp.Header.Get("X-Goog-Generation"); o.generation != 0 && gen != "" && gen != strconv.FormatInt(o.generation, 10) {
		return fail(fmt.Errorf("%s: %w (generation %s, listed as %d)", o.URL, ErrChanged, gen, o.generation))
	}
	// A 2xx other than 206: the range was ignored, the body is the whole
	// object, and fetchOnce skips to off.
	whole := resp.StatusCode != http.StatusPartialContent
	start, err := checkRange(o, off, n, whole, resp.Header.Get("Content-Range"), resp.ContentLength)
	if err != nil {
		return fail(err)
	}
	return resp.Body, start, nil
}

func gcsErr(url string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return &StatusError{URL: url, Status: ge.Code}
	}
	return &netError{url: url, err: err}
}
