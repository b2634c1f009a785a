package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// gcsBackend reads gs:// objects with cloud.google.com/go/storage over its
// JSON API (the same path in production and against an emulator). Reads
// are pinned to the listed generation; the SDK's own retries are off.
type gcsBackend struct{ client *storage.Client }

func newGCS(ctx context.Context, opts Options) (backend, error) {
	// Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS,
	// gcloud's user credentials, workload identity / the metadata server.
	co := []option.ClientOption{storage.WithJSONReads()}
	if opts.GCSEndpoint != "" {
		co = append(co, option.WithEndpoint(opts.GCSEndpoint))
	}
	if opts.Anonymous {
		co = append(co, option.WithoutAuthentication())
	}
	client, err := storage.NewClient(ctx, co...)
	if err != nil {
		return nil, fmt.Errorf("Google Cloud Storage client: %w", err)
	}
	client.SetRetry(storage.WithPolicy(storage.RetryNever))
	return &gcsBackend{client: client}, nil
}

func (g *gcsBackend) object(l Location, a *storage.ObjectAttrs) *Object {
	o := &Object{URL: l.String(), Key: a.Name, Size: a.Size, ModTime: a.Updated.UTC(), loc: l, generation: a.Generation}
	o.Version = strconv.FormatInt(a.Generation, 10)
	return o
}

func (g *gcsBackend) stat(ctx context.Context, l Location) (*Object, error) {
	a, err := g.client.Bucket(l.Bucket).Object(l.Key).Attrs(ctx)
	if err != nil {
		return nil, gcsErr(l.String(), err)
	}
	return g.object(l, a), nil
}

func (g *gcsBackend) list(ctx context.Context, l Location, prefix string) ([]*Object, error) {
	var out []*Object
	it := g.client.Bucket(l.Bucket).Objects(ctx, &storage.Query{Prefix: prefix})
	for {
		a, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, gcsErr(l.child(prefix).String(), err)
		}
		out = append(out, g.object(l.child(a.Name), a))
	}
	return out, nil
}

func (g *gcsBackend) get(ctx context.Context, o *Object, off, n int64) (io.ReadCloser, int64, error) {
	h := g.client.Bucket(o.loc.Bucket).Object(o.loc.Key)
	if o.generation != 0 {
		h = h.Generation(o.generation)
	}
	r, err := h.NewRangeReader(ctx, off, n)
	if err != nil {
		return nil, 0, gcsErr(o.URL, err)
	}
	if r.Attrs.Size != o.Size {
		r.Close()
		return nil, 0, fmt.Errorf("%s: %w (size %d, listed as %d)", o.URL, ErrChanged, r.Attrs.Size, o.Size)
	}
	if r.Attrs.StartOffset > off {
		r.Close()
		return nil, 0, fmt.Errorf("%s: asked for bytes from %d, the server sent from %d", o.URL, off, r.Attrs.StartOffset)
	}
	// StartOffset 0 for off > 0: the range was ignored and the body is the
	// whole object; fetchOnce skips to off.
	return r, r.Attrs.StartOffset, nil
}

func gcsErr(url string, err error) error {
	if errors.Is(err, storage.ErrObjectNotExist) || errors.Is(err, storage.ErrBucketNotExist) {
		return &StatusError{URL: url, Status: 404}
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return &StatusError{URL: url, Status: ge.Code}
	}
	return &netError{url: url, err: err}
}
