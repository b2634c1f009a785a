//go:build linux

package main

import "syscall"

// inMemoryFS reports whether dir is on a tmpfs (or ramfs), where spill
// files would take the very memory --memory-limit is meant to spare.
func inMemoryFS(dir string) bool {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return false
	}
	// Statfs_t.Type is an int32 on 32-bit platforms, where ramfs' magic
	// number reads as a negative one: compared as 32 bits on every one.
	const tmpfsMagic, ramfsMagic = 0x01021994, 0x858458f6
	t := uint32(st.Type)
	return t == tmpfsMagic || t == ramfsMagic
}
