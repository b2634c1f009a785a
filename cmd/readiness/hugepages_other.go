//go:build !linux

package main

import "time"

// hugePages: the audit advises huge pages on Linux only (see
// hugepages_linux.go).
func hugePages() (bool, time.Duration, string) {
	return false, 0, "huge pages are advised on Linux only"
}
