package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
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
}

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
	add := func(path string, info fs.FileInfo, named bool) error {
		clean := filepath.Clean(path)
		if seen[clean] != nil {
			return nil
		}
		f, c, ok := DetectFormat(path)
		if opts.Format != "" {
			f, ok = opts.Format, true
			if f != CSV && f != TSV && f != NDJSON {
				c = NoCompression
			}
		}
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
