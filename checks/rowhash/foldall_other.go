//go:build !amd64

package rowhash

const hasAVX512 = false

var useAVX512 = false

func foldAVX512(out, vals *Fingerprint, n int) { panic("rowhash: no AVX-512") }
