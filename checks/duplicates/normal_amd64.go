package duplicates

import "golang.org/x/sys/cpu"

// hasAVX512: the processor has what normalAllAVX512 needs (AVX-512 F, BW
// and VBMI, and BMI2); useAVX512 says normalizeStrings uses it (a
// variable, so that tests can compare both ways).
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI && cpu.X86.HasBMI2
	useAVX512 = hasAVX512
)

// keptTable is asciiKept's first 128 entries as bytes, 1 for kept, the
// table normalAllAVX512 looks each byte up in.
var keptTable = func() (t [128]byte) {
	for b := range t {
		if asciiKept[b] {
			t[b] = 1
		}
	}
	return t
}()

// normalAllAVX512 sets out[i] to isNormalASCIIBytes(data[offs[i]:offs[i+1]])
// for i < n, reading each string 64 bytes at a time.
//
//go:noescape
func normalAllAVX512(data *byte, offs *int32, n int, out *bool)
