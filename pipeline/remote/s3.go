package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// s3Backend reads s3:// objects with aws-sdk-go-v2. Its own retries are
// off (Client.retry is the one retry policy for every store). A bucket in
// another region than the configured one answers 301 (or 400) with its
// region in X-Amz-Bucket-Region; the bucket's requests then go to a client
// for that region.
type s3Backend struct {
	client *s3.Client

	mu      sync.Mutex
	regions map[string]*s3.Client // bucket → client of its region
}

// do runs call with the bucket's client, moving the bucket to its own
// region once if the store says it lives elsewhere.
func (s *s3Backend) do(bucket string, call func(*s3.Client) error) error {
	s.mu.Lock()
	c := s.regions[bucket]
	s.mu.Unlock()
	if c == nil {
		c = s.client
	}
	err := call(c)
	if r := bucketRegion(err); r != "" && r != c.Options().Region {
		c = s3.New(c.Options(), func(o *s3.Options) { o.Region = r })
		s.mu.Lock()
		if s.regions == nil {
			s.regions = map[string]*s3.Client{}
		}
		s.regions[bucket] = c
		s.mu.Unlock()
		err = call(c)
	}
	return err
}

// bucketRegion is the region a wrong-region answer names, or "".
func bucketRegion(err error) string {
	var re *awshttp.ResponseError
	if err == nil || !errors.As(err, &re) || re.Response == nil {
		return ""
	}
	switch re.HTTPStatusCode() {
	case 301, 307, 400:
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

func newS3(ctx context.Context, opts Options) (backend, error) {
	lo := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if opts.Anonymous {
		lo = append(lo, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	// The standard chain: environment, shared config and credentials
	// files (AWS_PROFILE), web identity (EKS/IRSA), container and
	// instance roles; AWS_ENDPOINT_URL(_S3) sets the endpoint.
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	// The SDK's log lines (checksum notes, retries) stay out of our
	// output.
	cfg.Logger = logging.Nop{}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true
		if opts.S3Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.S3Endpoint)
		}
		if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
			o.UsePathStyle = true
		}
	})
	return &s3Backend{client: client}, nil
}

func (s *s3Backend) stat(ctx context.Context, l Location) (*Object, error) {
	var out *s3.HeadObjectOutput
	err := s.do(l.Bucket, func(c *s3.Client) (err error) {
		out, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(l.Bucket), Key: aws.String(l.Key)})
		return err
	})
	if err != nil {
		return nil, s3Err(l.String(), err)
	}
	o := &Object{URL: l.String(), Key: l.Key, Size: aws.ToInt64(out.ContentLength), loc: l}
	if out.LastModified != nil {
		o.ModTime = out.LastModified.UTC()
	}
	o.etag = aws.ToString(out.ETag)
	o.Version = strings.Trim(o.etag, `"`)
	return o, nil
}

func (s *s3Backend) list(ctx context.Context, l Location, prefix string) ([]*Object, error) {
	var out []*Object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(l.Bucket), Prefix: aws.String(prefix)}
	for {
		var page *s3.ListObjectsV2Output
		err := s.do(l.Bucket, func(c *s3.Client) (err error) {
			page, err = c.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return nil, s3Err(l.child(prefix).String(), err)
		}
		for _, it := range page.Contents {
			key := aws.ToString(it.Key)
			cl := l.child(key)
			o := &Object{URL: cl.String(), Key: key, Size: aws.ToInt64(it.Size), loc: cl}
			if it.LastModified != nil {
				o.ModTime = it.LastModified.UTC()
			}
			o.etag = aws.ToString(it.ETag)
			o.Version = strings.Trim(o.etag, `"`)
			out = append(out, o)
		}
		if !aws.ToBool(page.IsTruncated) || aws.ToString(page.NextContinuationToken) == "" {
			return out, nil
		}
		in.ContinuationToken = page.NextContinuationToken
	}
}

func (s *s3Backend) get(ctx context.Context, o *Object, off, n int64) (io.ReadCloser, int64, error) {
	in := &s3.GetObjectInput{
		Bucket: aws.String(o.loc.Bucket),
		Key:    aws.String(o.loc.Key),
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	}
	if o.etag != "" {
		// Pin the read to the listed version: a rewritten object fails
		// with 412 instead of mixing old and new bytes.
		in.IfMatch = aws.String(o.etag)
	}
	var out *s3.GetObjectOutput
	err := s.do(o.loc.Bucket, func(c *s3.Client) (err error) {
		out, err = c.GetObject(ctx, in)
		return err
	})
	if err != nil {
		return nil, 0, s3Err(o.URL, err)
	}
	// No Content-Range: the body is the whole object, which must be of
	// the listed size, as over HTTP (If-Match pins the version, but an
	// object listed without an ETag, or a store that ignores both headers,
	// would otherwise be read past or short of its end).
	start, err := checkRange(o, off, n, out.ContentRange == nil, aws.ToString(out.ContentRange), valueOr(out.ContentLength, -1))
	if err != nil {
		out.Body.Close()
		return nil, 0, err
	}
	return out.Body, start, nil
}

// s3Err turns an SDK error into a *StatusError when the store answered,
// or a transport error naming the object.
func s3Err(url string, err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		se := &StatusError{URL: url, Status: re.HTTPStatusCode()}
		var ae smithy.APIError
		if errors.As(err, &ae) {
			se.Msg = ae.ErrorCode()
		}
		if se.Status == 412 {
			return fmt.Errorf("%s: %w (ETag changed)", url, ErrChanged)
		}
		return se
	}
	return &netError{url: url, err: err}
}
