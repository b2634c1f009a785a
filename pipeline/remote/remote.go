package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options configures a Client. The zero value is usable.
type Options struct {
	// S3Endpoint overrides the S3 endpoint (MinIO, Ceph, R2, a test
	// server). Empty means AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, read by
	// the AWS SDK's standard configuration chain, or AWS itself. An
	// overridden endpoint is addressed path-style (endpoint/bucket/key),
	// which every S3-compatible store accepts.
	S3Endpoint string
	// GCSEndpoint and AzureEndpoint point the GCS and Azure clients at an
	// emulator or test server; AzureEndpoint may contain "{account}".
	// Empty means the public clouds (or STORAGE_EMULATOR_HOST for GCS).
	GCSEndpoint   string
	AzureEndpoint string
	// Anonymous sends unsigned requests (public buckets, test servers).
	Anonymous bool
	// MaxInFlight bounds the requests this client has open at once,
	// across every file and goroutine. Default 16.
	MaxInFlight int
	// MaxAttempts is the most tries of one request (1 = no retry).
	// Default 4.
	MaxAttempts int
	// RetryBase is the first backoff; it doubles each retry, with full
	// jitter, capped at 5s. Default 200ms.
	RetryBase time.Duration
	// HTTPClient is used for http(s):// objects. Default: a client of
	// its own (never http.DefaultTransport, whose settings are shared
	// with the whole process).
	HTTPClient *http.Client
}

// Object is one remote object found by List.
type Object struct {
	// URL is the object's URL without query string or user info: what
	// reports, logs and errors show.
	URL string
	// Key is the object's key within its bucket (the URL path for
	// http(s)).
	Key     string
	Size    int64
	ModTime time.Time
	// Version identifies the object's content: the S3 or Azure ETag, the
	// GCS generation, the HTTP ETag (empty when the server sends none).
	Version string

	loc Location
	// etag pins reads to this version where the store allows it.
	etag       string
	generation int64
	// tail caches the object's last TailSize bytes for every File.
	tail struct {
		mu  sync.Mutex
		buf []byte
	}
}

// Stats counts a client's traffic.
type Stats struct {
	Requests int64 // ranged or whole GETs issued, retries included
	Retries  int64
	Bytes    int64 // body bytes received, discarded ones included
}

// Client lists and reads remote objects. It is safe for concurrent use.
type Client struct {
	opts Options
	sem  chan struct{}

	mu       sync.Mutex
	backends map[string]backend

	requests, retries, bytes atomic.Int64
}

// New returns a client. Cloud SDK clients are made on first use, so a run
// over local files never loads cloud configuration.
func New(opts Options) *Client {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 16
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 200 * time.Millisecond
	}
	return &Client{opts: opts, sem: make(chan struct{}, opts.MaxInFlight), backends: map[string]backend{}}
}

// Stats returns the traffic so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retries.Load(), Bytes: c.bytes.Load()}
}

// backend is one store's API, seen through exact ranges.
type backend interface {
	// stat describes one object; a missing one is a *StatusError 404.
	stat(ctx context.Context, l Location) (*Object, error)
	// list returns every object whose key starts with prefix.
	list(ctx context.Context, l Location, prefix string) ([]*Object, error)
	// get opens the bytes [off, off+n) of o. start is where the returned
	// body begins: off, or 0 when the server ignored the range.
	get(ctx context.Context, o *Object, off, n int64) (body io.ReadCloser, start int64, err error)
}

func (c *Client) backend(ctx context.Context, scheme string) (backend, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.backends[scheme]; b != nil {
		return b, nil
	}
	var b backend
	var err error
	switch scheme {
	case "s3":
		b, err = newS3(ctx, c.opts)
	case "gs":
		b, err = newGCS(ctx, c.opts)
	case "az":
		b, err = newAzure(c.opts)
	case "http", "https":
		b = newHTTP(c.opts)
	default:
		err = fmt.Errorf("unsupported scheme %q", scheme)
	}
	if err != nil {
		return nil, err
	}
	c.backends[scheme] = b
	return b, nil
}

// StatusError is a store's refusal: 403, 404, 5xx... Its message names the
// object by its redacted URL.
type StatusError struct {
	URL    string
	Status int
	Msg    string // the store's error code or a short reason; never credentials
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.Msg != "" && e.Msg != http.StatusText(e.Status) {
		s += " (" + e.Msg + ")"
	}
	switch e.Status {
	case http.StatusForbidden, http.StatusUnauthorized:
		s += ": access denied; check the credentials"
	case http.StatusNotFound:
		s += ": no such object"
	}
	return s
}

// NotFound says whether err is a 404 from a store.
func NotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// Denied says whether err is a 401 or 403 from a store.
func Denied(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Status == http.StatusForbidden || se.Status == http.StatusUnauthorized)
}

// ErrChanged reports an object that changed while it was being read.
var ErrChanged = errors.New("the object changed while it was read")

// errShort is a body that ended before the bytes it announced.
var errShort = errors.New("response body ended early")

// retryable says whether a failed request may succeed if tried again:
// 5xx, 429, connection resets, early EOFs and timeouts. Other 4xx never
// are, and neither is a cancelled context.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == http.StatusTooManyRequests || se.Status == http.StatusRequestTimeout
	}
	if errors.Is(err, errShort) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "server closed") ||
		strings.Contains(msg, "http2: client connection lost")
}

// retry runs op until it succeeds, fails for good, or MaxAttempts is used
// up, sleeping an exponential backoff with full jitter between tries.
func (c *Client) retry(ctx context.Context, op func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = op(); err == nil || attempt >= c.opts.MaxAttempts || !retryable(ctx, err) {
			return err
		}
		c.retries.Add(1)
		d := c.opts.RetryBase << (attempt - 1)
		if d > 5*time.Second {
			d = 5 * time.Second
		}
		d = time.Duration(rand.Int64N(int64(d)) + 1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.sem }

// List expands an input URL into objects sorted by key: a glob lists the
// bucket below its literal prefix and keeps the keys it matches; a key
// that names an object is that object; otherwise the key is a folder
// prefix and every object below it is returned (names starting with '.'
// or '_' below the prefix are left out, as Spark and Hive do; so are
// zero-byte folder markers ending in '/'). Nothing found is a 404
// *StatusError naming the URL. named says whether the URL named the
// single object itself.
func (c *Client) List(ctx context.Context, raw string) (objs []*Object, named bool, err error) {
	l, err := Parse(raw)
	if err != nil {
		return nil, false, err
	}
	b, err := c.backend(ctx, l.Scheme)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", l, err)
	}
	if l.Scheme == "http" || l.Scheme == "https" {
		var o *Object
		err := c.retry(ctx, func() error {
			var err error
			o, err = b.stat(ctx, l)
			return err
		})
		if err != nil {
			return nil, false, err
		}
		return []*Object{o}, true, nil
	}
	listAll := func(prefix string) ([]*Object, error) {
		var out []*Object
		err := c.retry(ctx, func() error {
			var err error
			out, err = b.list(ctx, l, prefix)
			return err
		})
		return out, err
	}
	if hasGlobMeta(l.Key) {
		all, err := listAll(globPrefix(l.Key))
		if err != nil {
			return nil, false, err
		}
		for _, o := range all {
			ok, err := globMatch(l.Key, o.Key)
			if err != nil {
				return nil, false, fmt.Errorf("%s: bad glob: %v", l, err)
			}
			if ok && !strings.HasSuffix(o.Key, "/") {
				objs = append(objs, o)
			}
		}
		if len(objs) == 0 {
			return nil, false, &StatusError{URL: l.String(), Status: http.StatusNotFound, Msg: "no objects match"}
		}
		sortObjects(objs)
		return objs, false, nil
	}
	if l.Key != "" && !strings.HasSuffix(l.Key, "/") {
		var o *Object
		err := c.retry(ctx, func() error {
			var err error
			o, err = b.stat(ctx, l)
			return err
		})
		if err == nil {
			return []*Object{o}, true, nil
		}
		if !NotFound(err) {
			return nil, false, err
		}
	}
	prefix := l.Key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	all, err := listAll(prefix)
	if err != nil {
		return nil, false, err
	}
	for _, o := range all {
		if strings.HasSuffix(o.Key, "/") || hiddenBelow(strings.TrimPrefix(o.Key, prefix)) {
			continue
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return nil, false, &StatusError{URL: l.String(), Status: http.StatusNotFound, Msg: "no such object or prefix"}
	}
	sortObjects(objs)
	return objs, false, nil
}

func hiddenBelow(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_") {
			return true
		}
	}
	return false
}

func sortObjects(objs []*Object) {
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
}
