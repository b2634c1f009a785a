//go:build !amd64

package labels

const hasAVX512 = false

var useAVX512 = false

func normalizeASCII64(dst, src *byte, n int) (int, bool) { panic("labels: no AVX-512") }
