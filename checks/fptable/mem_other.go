//go:build !unix

package fptable

type region struct{}

func allocSlots[V any](size int) ([]slot[V], *region) { return make([]slot[V], size), nil }

func allocChunk[V any](size int) ([]slot[V], *region) { return make([]slot[V], size), nil }

func (*region) free() {}

// Trim gives back the memory kept for reuse; without memory maps there is
// none.
func Trim() {}

func trimChunks() {}
