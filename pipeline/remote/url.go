package remote

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Schemes lists the URL schemes Open and List understand.
var Schemes = []string{"s3", "gs", "az", "https", "http"}

// IsURL says whether an input argument names a remote object rather than a
// local path: it starts with one of Schemes followed by "://". A string
// with "://" and any other scheme is a URL too, and Parse rejects it.
func IsURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for _, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// Location is a parsed input URL.
type Location struct {
	Scheme string // s3, gs, az, https or http
	// Bucket is the S3 or GCS bucket or the Azure container; for http(s)
	// it is empty.
	Bucket string
	// Key is the object key, prefix or glob inside the bucket, without a
	// leading '/'; for http(s) it is unused (raw holds the whole URL).
	Key string
	// raw is the URL as given, query string included (a presigned URL
	// needs it); it is never printed.
	raw string
}

// Parse checks an input URL. Its errors name the URL without its query
// string or user info.
func Parse(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("%s: bad URL", Redact(raw))
	}
	l := Location{Scheme: strings.ToLower(u.Scheme), raw: raw}
	switch l.Scheme {
	case "s3", "gs", "az":
		if u.Host == "" {
			return Location{}, fmt.Errorf("%s: no bucket in URL (want %s://bucket/key)", Redact(raw), l.Scheme)
		}
		if u.User != nil {
			return Location{}, fmt.Errorf("%s: user info is not allowed in %s:// URLs", Redact(raw), l.Scheme)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return Location{}, fmt.Errorf("%s: query strings and fragments are not allowed in %s:// URLs", Redact(raw), l.Scheme)
		}
		l.Bucket = u.Host
		l.Key = strings.TrimPrefix(u.Path, "/")
	case "https", "http":
		if u.Host == "" {
			return Location{}, fmt.Errorf("%s: no host in URL", Redact(raw))
		}
		l.Key = strings.TrimPrefix(u.Path, "/")
	default:
		return Location{}, fmt.Errorf("%s: unsupported URL scheme %q (want one of %s)", Redact(raw), u.Scheme, strings.Join(Schemes, ", "))
	}
	return l, nil
}

// String is the redacted URL.
func (l Location) String() string { return Redact(l.raw) }

// child is the location of the object key in l's bucket.
func (l Location) child(key string) Location {
	c := l
	c.Key = key
	c.raw = l.Scheme + "://" + l.Bucket + "/" + (&url.URL{Path: key}).EscapedPath()
	return c
}

// Redact returns u without user info, query string and fragment: presigned
// URLs carry their signature in the query, and user info may hold a
// password. Everything printed, logged or recorded goes through it. A
// string that does not parse is cut at the first '?' or '#' and its
// "user@" part removed.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		s := raw
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		if i := strings.Index(s, "://"); i >= 0 {
			rest := s[i+3:]
			host := rest
			if j := strings.Index(rest, "/"); j >= 0 {
				host = rest[:j]
			}
			if at := strings.LastIndex(host, "@"); at >= 0 {
				s = s[:i+3] + rest[at+1:]
			}
		}
		return s
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// hasGlobMeta says whether a key uses glob syntax.
func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// globPrefix is the literal part of a glob before its first meta
// character, used as the listing prefix.
func globPrefix(pattern string) string {
	i := strings.IndexAny(pattern, "*?[")
	if i < 0 {
		return pattern
	}
	return pattern[:i]
}

// globMatch matches a key against a glob pattern segment by segment, as
// path.Match does ('*' does not cross '/'), plus "**" as a whole segment
// matching any number of segments.
func globMatch(pattern, key string) (bool, error) {
	ps := strings.Split(pattern, "/")
	ks := strings.Split(key, "/")
	return matchSegs(ps, ks)
}

func matchSegs(ps, ks []string) (bool, error) {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(ks); i++ {
				ok, err := matchSegs(ps[1:], ks[i:])
				if err != nil || ok {
					return ok, err
				}
			}
			return false, nil
		}
		if len(ks) == 0 {
			return false, nil
		}
		ok, err := path.Match(ps[0], ks[0])
		if err != nil || !ok {
			return false, err
		}
		ps, ks = ps[1:], ks[1:]
	}
	return len(ks) == 0, nil
}
