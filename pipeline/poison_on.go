//go:build readiness_poison

package pipeline

// Built with -tags readiness_poison (as the end-to-end tests build the
// CLI), every buffer the readers free is poisoned: see PoisonFreedBuffers.
func init() { PoisonFreedBuffers() }
