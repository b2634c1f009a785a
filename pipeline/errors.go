package pipeline

import (
	"errors"
	"fmt"
	"strings"
)

// InputError is an error reading one input. Error() reads like
// `read train.parquet: row group 7: column "age": <cause>`.
type InputError struct {
	Path string
	// Where locates the error inside the file, most general first, e.g.
	// "row group 7", "line 17", `column "age"`. It may be empty.
	Where []string
	Err   error
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("read ")
	b.WriteString(e.Path)
	for _, w := range e.Where {
		b.WriteString(": ")
		b.WriteString(w)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// inputErr wraps err as an *InputError for path unless it already is one for
// the same path, in which case the location is prepended.
func inputErr(path string, err error, where ...string) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) && ie.Path == path {
		return &InputError{Path: path, Where: append(append([]string{}, where...), ie.Where...), Err: ie.Err}
	}
	return &InputError{Path: path, Where: where, Err: err}
}

// ErrUnsupported marks input that is well-formed but uses a feature the
// tool does not read (encryption, big-endian IPC, …).
var ErrUnsupported = errors.New("unsupported")

// markUnsupported wraps, as ErrUnsupported, the errors dependencies raise
// for features they do not implement (arrow-go says "unimplemented" for
// the deprecated LZ4 Parquet codec, "not implemented" for some casts), so
// that the message says the file is unsupported rather than corrupt.
func markUnsupported(err error) error {
	if err == nil || errors.Is(err, ErrUnsupported) {
		return err
	}
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "unimplemented") || strings.Contains(msg, "not implemented") || strings.Contains(msg, "not supported") {
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return err
}

// unsupported returns an error wrapping ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// UsageError marks a mistake in what the user asked for (a path that does
// not exist, an unknown format), as opposed to a problem inside an input.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}
