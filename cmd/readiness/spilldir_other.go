//go:build !linux

package main

// inMemoryFS reports whether dir is held in memory; only known on Linux.
func inMemoryFS(string) bool { return false }
