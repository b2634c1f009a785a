package labels

import "golang.org/x/sys/cpu"

// hasAVX512 says the processor has what normalizeASCII64 needs (AVX-512
// F, BW, VBMI and VBMI2, and BMI2); useAVX512 that appendASCII uses it (a
// variable, so that tests can compare both ways).
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI &&
		cpu.X86.HasAVX512VBMI2 && cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT
	useAVX512 = hasAVX512
)

// classTable is asciiClass, the table normalizeASCII64 looks each byte up
// in.
var classTable = asciiClass

// normalizeASCII64 is appendASCII for the 1 ≤ n ≤ 64 bytes at src, 64 at
// once: it writes the normalised bytes at dst, which has room for 64, and
// returns how many, or ok false when one is not ASCII.
//
//go:noescape
func normalizeASCII64(dst, src *byte, n int) (m int, ok bool)
