//go:build !unix

package fptable

import "time"

// processCPU is not measured here (no getrusage): benchmarks report wall
// time only.
func processCPU() time.Duration { return 0 }
