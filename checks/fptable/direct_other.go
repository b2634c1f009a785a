//go:build !linux

package fptable

import "os"

// directIO does nothing outside Linux: spill files are buffered.
func directIO(*os.File) {}

func buffered(*os.File, error) bool { return false }
