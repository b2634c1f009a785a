package main

import (
	"fmt"
	"net/url"

	"github.com/spf13/pflag"

	"github.com/readiness/readiness/pipeline"
	"github.com/readiness/readiness/pipeline/remote"
)

// remoteFlags configure reading s3://, gs://, az:// and http(s):// inputs.
type remoteFlags struct {
	endpointURL string
	anonymous   bool
	maxRequests int
	client      *remote.Client
}

// addRemoteFlags registers the remote-input flags on fl.
func addRemoteFlags(fl *pflag.FlagSet) *remoteFlags {
	r := &remoteFlags{}
	fl.StringVar(&r.endpointURL, "endpoint-url", "", "S3-compatible endpoint for s3:// inputs, e.g. http://localhost:9000 (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, or AWS)")
	fl.BoolVar(&r.anonymous, "no-sign-request", false, "read s3://, gs:// and az:// inputs without credentials (public buckets)")
	fl.IntVar(&r.maxRequests, "max-requests", 16, "most requests to object stores in flight at once")
	return r
}

// discoverOptions returns the Discover options for format with a remote
// client made from the flags (one per process, shared by the audited and
// the reference inputs). A malformed flag is a usage error. A nil
// *remoteFlags gives the default options.
func (r *remoteFlags) discoverOptions(format pipeline.Format) (pipeline.DiscoverOptions, error) {
	if r == nil {
		// No flags registered: Discover makes a default client if needed.
		return pipeline.DiscoverOptions{Format: format}, nil
	}
	if r.client == nil {
		if r.endpointURL != "" {
			u, err := url.Parse(r.endpointURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return pipeline.DiscoverOptions{}, usage(fmt.Errorf("--endpoint-url %s: want http(s)://host[:port]", remote.Redact(r.endpointURL)))
			}
		}
		if r.maxRequests < 1 {
			return pipeline.DiscoverOptions{}, usage(fmt.Errorf("--max-requests must be at least 1"))
		}
		r.client = remote.New(remote.Options{S3Endpoint: r.endpointURL, Anonymous: r.anonymous, MaxInFlight: r.maxRequests})
	}
	return pipeline.DiscoverOptions{Format: format, Remote: r.client}, nil
}
