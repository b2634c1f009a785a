package privacy

import "golang.org/x/sys/cpu"

// hasAVX512 says the processor has what rejectedAVX512 needs (AVX-512 F
// and BW, BMI2, POPCNT); useAVX512 that rejected uses it (a variable, so
// that tests can compare both ways).
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT
	useAVX512 = hasAVX512
)

// rejectedAVX512 is rejected for the n bytes at p, 64 at a time.
//
//go:noescape
func rejectedAVX512(p *byte, n int) bool
