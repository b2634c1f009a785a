package remote

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// httpBackend reads http(s):// objects with a client of its own: a
// transport cloned from defaults, never http.DefaultTransport itself, so
// nothing here changes TLS or proxy settings for the rest of the process.
type httpBackend struct{ client *http.Client }

func newHTTP(opts Options) backend {
	if opts.HTTPClient != nil {
		return &httpBackend{client: opts.HTTPClient}
	}
	return &httpBackend{client: &http.Client{Transport: newTransport()}}
}

// newTransport is a transport for object reads: proxy from the
// environment, TLS 1.2 or later with the system roots, bounded dial and
// header waits (a body may take as long as it needs).
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

func (h *httpBackend) do(ctx context.Context, method, raw string, hdr map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: bad URL", Redact(raw))
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// *url.Error prints the URL with its query; say it without.
		return nil, &netError{url: Redact(raw), err: unwrapURLError(err)}
	}
	return resp, nil
}

func (h *httpBackend) stat(ctx context.Context, l Location) (*Object, error) {
	resp, err := h.do(ctx, http.MethodHead, l.raw, nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusForbidden && strings.Contains(l.raw, "X-Amz-Signature") {
		// Presigned GET URLs do not allow HEAD: ask for the first byte.
		return h.statByGet(ctx, l)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusErr(l.String(), resp)
	}
	if resp.ContentLength < 0 {
		return h.statByGet(ctx, l)
	}
	return h.object(l, resp, resp.ContentLength), nil
}

func (h *httpBackend) statByGet(ctx context.Context, l Location) (*Object, error) {
	resp, err := h.do(ctx, http.MethodGet, l.raw, map[string]string{"Range": "bytes=0-0"})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		_, _, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || total < 0 {
			return nil, fmt.Errorf("%s: no object size in the server's answer", l)
		}
		return h.object(l, resp, total), nil
	case http.StatusOK:
		if resp.ContentLength < 0 {
			return nil, fmt.Errorf("%s: the server sends no object size", l)
		}
		return h.object(l, resp, resp.ContentLength), nil
	case http.StatusRequestedRangeNotSatisfiable:
		return h.object(l, resp, 0), nil
	}
	return nil, statusErr(l.String(), resp)
}

func (h *httpBackend) object(l Location, resp *http.Response, size int64) *Object {
	o := &Object{URL: l.String(), Key: l.Key, Size: size, loc: l}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		o.ModTime = t.UTC()
	}
	if et := resp.Header.Get("ETag"); et != "" {
		o.Version = strings.Trim(strings.TrimPrefix(et, "W/"), `"`)
		if !strings.HasPrefix(et, "W/") {
			o.etag = et
		}
	}
	return o
}

func (h *httpBackend) list(ctx context.Context, l Location, prefix string) ([]*Object, error) {
	return nil, fmt.Errorf("%s: http(s) URLs name single objects; listing is not possible", l)
}

func (h *httpBackend) get(ctx context.Context, o *Object, off, n int64) (io.ReadCloser, int64, error) {
	hdr := map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", off, off+n-1)}
	if o.etag != "" {
		// Serve the range only if the object is still this version;
		// otherwise the server sends all of it (200) and the ETag check
		// below notices the change.
		hdr["If-Range"] = o.etag
	}
	resp, err := h.do(ctx, http.MethodGet, o.loc.raw, hdr)
	if err != nil {
		return nil, 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
		// 200: the server ignored Range (or If-Range found a new
		// version), and the body is the whole object.
		whole := resp.StatusCode == http.StatusOK
		if et := resp.Header.Get("ETag"); whole && o.etag != "" && et != "" && et != o.etag {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("%s: %w (ETag changed)", o.URL, ErrChanged)
		}
		start, err := checkRange(o, off, n, whole, resp.Header.Get("Content-Range"), resp.ContentLength)
		if err != nil {
			resp.Body.Close()
			return nil, 0, err
		}
		return resp.Body, start, nil
	}
	defer resp.Body.Close()
	return nil, 0, statusErr(o.URL, resp)
}

// statusErr makes a *StatusError of a failed response, reading at most a
// little of its body (an error page is never returned as data).
func statusErr(url string, resp *http.Response) error {
	io.CopyN(io.Discard, resp.Body, 4<<10)
	return &StatusError{URL: url, Status: resp.StatusCode}
}

// checkRange checks the answer to a ranged read of bytes [off, off+n) of
// o, and returns where its body starts in the object. A whole body (the
// range ignored) starts at 0 and must be length bytes long, o's size
// (length -1: not known); a partial one must say, in contentRange, that it
// covers the bytes asked for, of an object of o's size.
func checkRange(o *Object, off, n int64, whole bool, contentRange string, length int64) (int64, error) {
	if whole {
		if length >= 0 && length != o.Size {
			return 0, fmt.Errorf("%s: %w (size %d, listed as %d)", o.URL, ErrChanged, length, o.Size)
		}
		return 0, nil
	}
	start, end, total, ok := parseContentRange(contentRange)
	if !ok {
		return 0, fmt.Errorf("%s: bad Content-Range %q", o.URL, contentRange)
	}
	if total >= 0 && total != o.Size {
		return 0, fmt.Errorf("%s: %w (size %d, listed as %d)", o.URL, ErrChanged, total, o.Size)
	}
	if start > off || end < off+n-1 {
		return 0, fmt.Errorf("%s: asked for bytes %d-%d, the server sent %d-%d", o.URL, off, off+n-1, start, end)
	}
	return start, nil
}

// valueOr is *p, or or when p is nil: the SDKs' answers give their
// headers as pointers (the S3 and Azure gets' Content-Range and
// Content-Length, for checkRange).
func valueOr[T any](p *T, or T) T {
	if p == nil {
		return or
	}
	return *p
}

// parseContentRange reads "bytes start-end/total" (total may be "*",
// reported as -1).
func parseContentRange(s string) (start, end, total int64, ok bool) {
	s, found := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if start, err = strconv.ParseInt(a, 10, 64); err != nil {
		return 0, 0, 0, false
	}
	if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
		return 0, 0, 0, false
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	return start, end, total, true
}

// netError is a transport failure, named by the redacted URL.
type netError struct {
	url string
	err error
}

func (e *netError) Error() string { return e.url + ": " + scrub(e.err.Error()) }
func (e *netError) Unwrap() error { return e.err }

func unwrapURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

var (
	urlQuery    = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'?#]*)[?#][^\s"']*`)
	urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^\s"'/@]*@`)
)

// scrub removes query strings and user info from every URL inside a
// message of a dependency (transport errors quote the URL they fetched,
// and a SAS token or presigned signature lives in its query).
func scrub(msg string) string {
	msg = urlQuery.ReplaceAllString(msg, "$1")
	return urlUserinfo.ReplaceAllString(msg, "$1")
}
