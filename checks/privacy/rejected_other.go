//go:build !amd64

package privacy

const hasAVX512 = false

var useAVX512 = false

func rejectedAVX512(p *byte, n int) bool { panic("privacy: no AVX-512") }
