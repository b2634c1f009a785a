//go:build !amd64

package fptable

import "unsafe"

// prefetchLine does nothing here (see line_amd64.go).
func prefetchLine(unsafe.Pointer) {}
