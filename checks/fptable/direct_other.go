//go:build !linux

package fptable

import "os"

// directIO does nothing outside Linux: spill files are buffered.
func directIO(*os.File) {}
