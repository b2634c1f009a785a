//go:build !linux

package main

// hugeHeap advises huge pages for the Go heap on Linux only (see
// hugeheap_linux.go).
func hugeHeap(int64) {}
