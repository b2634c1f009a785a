//go:build !unix

package fptable

type region struct{}

func allocSlots[V any](size int) ([]slot[V], *region) { return make([]slot[V], size), nil }

func allocChunk[V any](size int) ([]slot[V], *region) { return make([]slot[V], size), nil }

func (*region) free() {}
