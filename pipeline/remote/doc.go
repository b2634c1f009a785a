// Package remote reads datasets in place from object stores: s3://,
// gs://, az:// and http(s):// URLs. List expands a URL (one object, a
// prefix or a glob) into objects with their size and version (ETag or
// generation); Open returns a File that the pipeline's readers use like a
// local file: io.ReaderAt + io.ReadSeeker + io.Closer with a known size.
//
// # What is fetched
//
//   - ReadAt issues one ranged GET for exactly the bytes asked, except that
//     any read touching an object's last 64 KiB (TailSize) fetches that
//     tail once and serves every later tail read from memory, for every
//     File of the object: a Parquet footer (8-byte trailer, then the
//     footer) or an Arrow IPC footer costs one request per object. The
//     Parquet reader then asks for the column chunks of the projected
//     columns only, in pieces of 1 MiB (the Parquet reader's buffer for a
//     remote object; a local file's is 16 KiB).
//   - Read (CSV, NDJSON, Arrow IPC streams) fetches ranged chunks of 1 MiB,
//     doubling up to 16 MiB, and prefetches the next chunk in one
//     goroutine while the current one is consumed.
//   - Every request, retries included, holds a slot of a per-Client
//     semaphore (Options.MaxInFlight, default 16), so --workers readers
//     never open more requests than that.
//   - Reads are pinned to the listed version: If-Match (S3, Azure), the
//     generation (GCS), If-Range (HTTP); a Content-Range or size that
//     disagrees with the listing fails with ErrChanged instead of mixing
//     versions.
//
// # Errors and retries
//
// A request that fails with 5xx, 408, 429, a connection reset, a timeout
// or a body shorter than announced is retried with exponential backoff and
// full jitter (200ms doubling, capped at 5s) up to 4 attempts in all; any
// other 4xx is final. The SDKs' own retries are turned off so that this is
// the one policy. A refusal is a *StatusError naming the object by its
// URL; NotFound and Denied classify it. A server that ignores Range
// (answers 200 with the whole body) is read correctly: the bytes before
// the offset are discarded, up to 64 MiB, beyond which the read fails with
// a message saying to download the object first. A whole body of another
// length than the listed size is ErrChanged, from every store.
//
// # Credentials
//
// Each store's standard chain: aws-sdk-go-v2's config (environment,
// shared files and AWS_PROFILE, web identity, container and instance
// roles; AWS_ENDPOINT_URL(_S3) or Options.S3Endpoint for S3-compatible
// stores); Google Application Default Credentials; for Azure a connection
// string, shared key or SAS token from the environment, otherwise
// azidentity's DefaultAzureCredential. No credential is ever part of an
// Object, an error or a log line: URLs are recorded without user info,
// query string or fragment (Redact; presigned URLs carry their signature
// in the query), and messages of dependencies are scrubbed of query
// strings before they are wrapped.
//
// # github.com/xitongsys/parquet-go-source
//
// The project card asked for its sources behind this one adapter where
// they can be used safely. We read its source (commit b732d2a, Oct 2024)
// and use none of it:
//   - http: mutates http.DefaultTransport's TLS settings for the whole
//     process, never checks the status (an error page came back as file
//     data) and panics when a server ignores Range. Replaced by our own
//     client on a transport of its own (http.go).
//   - s3v2: a Seek+Read stream, not an io.ReaderAt; its default
//     MinRequestSize (MaxUint32) fetches whole objects; NewS3FileReader
//     panics when AWS configuration fails (getConfig); it keeps the
//     context of its creation for every later read, checks neither
//     Content-Range nor the object's version, and never retries a body
//     that breaks. It could be made exact (MinRequestSize 1, our own
//     client, one Open per ReadAt) but would then add nothing over one
//     GetObject call, and:
//   - the module itself: its go.mod says go 1.16, so none of its
//     requirements are pruned, and it requires aws-sdk-go v1, minio,
//     hdfs, swift, gocloud.dev and old Azure and GCS SDKs. Adding it took
//     `go mod graph` from 1191 to 5552 lines for the s3v2 package alone.
//   - gcs and azblob: thin Seek+Read wrappers over the same SDKs we call
//     (through gcsobj for GCS, a full-object reader), with the same
//     missing range and version checks.
//
// So every store is read with its maintained client directly
// (aws-sdk-go-v2 service/s3; Google's generated JSON API client,
// google.golang.org/api/storage/v1, rather than cloud.google.com/go/storage,
// whose gRPC path cost every run 30–40 ms of start-up, see gcs.go; azblob),
// and http(s) with net/http, all behind the one backend interface and File.
package remote
