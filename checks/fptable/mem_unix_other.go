//go:build unix && !linux

package fptable

func adviseHuge([]byte) {}

func releasePages([]byte) {}
