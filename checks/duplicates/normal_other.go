//go:build !amd64

package duplicates

const hasAVX512 = false

var useAVX512 = false

func normalAllAVX512(data *byte, offs *int32, n int, out *bool) { panic("duplicates: no AVX-512") }
