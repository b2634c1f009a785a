package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/readiness/readiness/pipeline/remote"
)

// Format is an input file format.
type Format string

// The formats the readers understand.
const (
	Parquet   Format = "parquet"
	CSV       Format = "csv"
	TSV       Format = "tsv"
	NDJSON    Format = "ndjson"
	IPCFile   Format = "arrow"  // Arrow IPC file format (.arrow, .feather)
	IPCStream Format = "arrows" // Arrow IPC stream format (.arrows)
)

// Formats lists every format, for --format's help and validation.
var Formats = []Format{Parquet, CSV, TSV, NDJSON, IPCFile, IPCStream}

// Compression is the whole-file compression of a text input.
type Compression string

// The compressions recognised by file extension.
const (
	NoCompression Compression = ""
	Gzip          Compression = "gzip"
	Zstd          Compression = "zstd"
)

// HiveNull is the folder value Hive and Spark write for a null partition
// key; its column reads as null.
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

// Partition is one Hive-style key=value folder above an input.
type Partition struct {
	Key, Value string
}

// Input is one file to read.
type Input struct {
	Path        string
	Format      Format
	Compression Compression
	Size        int64
	ModTime     time.Time
	Partitions  []Partition
	Version     string // ETag or generation of a remote object

	// remote, when set, is the object Path names (Path is its URL
	// without query string or user info).
	remote *remoteInput
}

// remoteInput is a listed remote object and the client that reads it.
type remoteInput struct {
	client *remote.Client
	obj    *remote.Object
}

// Remote says whether the input is a remote object (s3://, gs://, az://,
// http(s)://) rather than a local file.
func (in *Input) Remote() bool { return in.remote != nil }

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "jsonl", "json":
		return NDJSON, nil
	case "ipc", "feather":
		return IPCFile, nil
	case "ipc-stream", "stream":
		return IPCStream, nil
	}
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of %v)", s, Formats)
}

// DetectFormat tells a file's format and compression from its name. ok is
// false when the extension says nothing.
func DetectFormat(name string) (f Format, c Compression, ok bool) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		c, lower = Gzip, strings.TrimSuffix(lower, ".gz")
	case strings.HasSuffix(lower, ".zst"):
		c, lower = Zstd, strings.TrimSuffix(lower, ".zst")
	}
	switch filepath.Ext(lower) {
	case ".parquet", ".pq", ".parq":
		f = Parquet
	case ".csv":
		f = CSV
	case ".tsv", ".tab":
		f = TSV
	case ".ndjson", ".jsonl", ".json":
		f = NDJSON
	case ".arrow", ".feather", ".ipc", ".arrow_file":
		f = IPCFile
	case ".arrows", ".stream":
		f = IPCStream
	default:
		return "", c, false
	}
	if c != NoCompression && f != CSV && f != TSV && f != NDJSON {
		// Parquet and IPC compress internally; a compressed container
		// would have to be inflated whole to seek in it.
		return f, c, false
	}
	return f, c, true
}

// DiscoverOptions says how to turn paths into inputs.
type DiscoverOptions struct {
	// Format, when set, overrides detection by extension for every file.
	Format Format
	// Remote lists and reads URL inputs; nil means a client with default
	// options, made when the first URL is seen.
	Remote *remote.Client
	// Context bounds the listing of URL inputs; nil means Background.
	Context context.Context
}

// Discovery is what Discover found.
type Discovery struct {
	Inputs []*Input
	// Skipped lists files inside walked folders whose format could not be
	// told from the extension (README, _SUCCESS, .crc); they are logged,
	// never read.
	Skipped []string
}

// Discover expands paths — files, folders (walked recursively) and globs —
// into inputs sorted by path. A named file whose format cannot be told is a
// usage error; so is a path or glob that matches nothing. Within folders,
// names starting with '.' or '_' are ignored, as Spark and Hive do.
func Discover(paths []string, opts DiscoverOptions) (*Discovery, error) {
	if len(paths) == 0 {
		return nil, usageErr("no input paths")
	}
	d := &Discovery{}
	seen := map[string]*Input{}
	detect := func(name string) (Format, Compression, bool) {
		f, c, ok := DetectFormat(name)
		if opts.Format != "" {
			f, ok = opts.Format, true
			if f != CSV && f != TSV && f != NDJSON {
				c = NoCompression
			}
		}
		return f, c, ok
	}
	add := func(path string, info fs.FileInfo, named bool) error {
		clean := filepath.Clean(path)
		if seen[clean] != nil {
			return nil
		}
		f, c, ok := detect(path)
		if !ok {
			if named {
				return usageErr("%s: cannot tell the format from the file name; use --format", path)
			}
			d.Skipped = append(d.Skipped, path)
			return nil
		}
		in := &Input{
			Path: path, Format: f, Compression: c,
			Size: info.Size(), ModTime: info.ModTime().UTC(),
			Partitions: hivePartitions(path),
		}
		seen[clean] = in
		d.Inputs = append(d.Inputs, in)
		return nil
	}
	for _, p := range paths {
		if remote.IsURL(p) {
			if opts.Remote == nil {
				opts.Remote = remote.New(remote.Options{})
			}
			ctx := opts.Context
			if ctx == nil {
				ctx = context.Background()
			}
			if err := discoverURL(ctx, d, seen, p, opts.Remote, detect); err != nil {
				return nil, err
			}
			continue
		}
		matches := []string{p}
		if hasGlobMeta(p) {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, usageErr("bad glob %q: %v", p, err)
			}
			if len(m) == 0 {
				return nil, usageErr("%s: no files match", p)
			}
			matches = m
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return nil, usageErr("%s: %v", m, unwrapPathErr(err))
			}
			if !info.IsDir() {
				if err := add(m, info, true); err != nil {
					return nil, err
				}
				continue
			}
			root := m
			n := len(d.Inputs)
			err = filepath.WalkDir(m, func(path string, e fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				name := e.Name()
				if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					if e.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if e.IsDir() || !e.Type().IsRegular() {
					return nil
				}
				info, err := e.Info()
				if err != nil {
					return err
				}
				return add(path, info, false)
			})
			if err != nil {
				var ue *UsageError
				if errors.As(err, &ue) {
					return nil, err
				}
				return nil, usageErr("walk %s: %v", m, unwrapPathErr(err))
			}
			if len(d.Inputs) == n {
				return nil, usageErr("%s: no data files found in folder", m)
			}
		}
	}
	sort.Slice(d.Inputs, func(i, j int) bool { return d.Inputs[i].Path < d.Inputs[j].Path })
	sort.Strings(d.Skipped)
	return d, nil
}

// discoverURL lists the objects a URL names (one object, a prefix or a
// glob) and adds them as inputs. A malformed URL is a usage error; a
// refusal or an absent object is an *InputError naming the URL.
func discoverURL(ctx context.Context, d *Discovery, seen map[string]*Input, raw string, rc *remote.Client,
	detect func(string) (Format, Compression, bool)) error {
	if _, err := remote.Parse(raw); err != nil {
		return &UsageError{Err: err}
	}
	objs, named, err := rc.List(ctx, raw)
	if err != nil {
		return &InputError{Path: remote.Redact(raw), Err: stripURLPrefix(err, remote.Redact(raw))}
	}
	found := 0
	for _, o := range objs {
		if seen[o.URL] != nil {
			found++
			continue
		}
		f, c, ok := detect(o.Key)
		if !ok {
			if named {
				return usageErr("%s: cannot tell the format from the object name; use --format", o.URL)
			}
			d.Skipped = append(d.Skipped, o.URL)
			continue
		}
		in := &Input{
			Path: o.URL, Format: f, Compression: c,
			Size: o.Size, ModTime: o.ModTime, Version: o.Version,
			Partitions: hivePartitions(o.Key),
			remote:     &remoteInput{client: rc, obj: o},
		}
		seen[o.URL] = in
		d.Inputs = append(d.Inputs, in)
		found++
	}
	if found == 0 {
		return usageErr("%s: no data files found under this prefix", remote.Redact(raw))
	}
	return nil
}

// stripURLPrefix drops a leading "<url>: " from err's message, since the
// *InputError around it names the URL already.
func stripURLPrefix(err error, url string) error {
	if msg, ok := strings.CutPrefix(err.Error(), url+": "); ok {
		return &prefixless{msg: msg, err: err}
	}
	return err
}

type prefixless struct {
	msg string
	err error
}

func (p *prefixless) Error() string { return p.msg }
func (p *prefixless) Unwrap() error { return p.err }

func hasGlobMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// hivePartitions reads the key=value folder names in a file's path, as
// DuckDB's hive_partitioning does: the same file gets the same partition
// columns whether it was named, globbed or found in a walked folder. A key
// repeated deeper in the path takes the deeper value.
func hivePartitions(path string) []Partition {
	var parts []Partition
	for _, seg := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k == "" {
			continue
		}
		// Hive escapes special characters in folder names as %XX.
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		replaced := false
		for i := range parts {
			if parts[i].Key == k {
				parts[i].Value, replaced = v, true
			}
		}
		if !replaced {
			parts = append(parts, Partition{Key: k, Value: v})
		}
	}
	return parts
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
