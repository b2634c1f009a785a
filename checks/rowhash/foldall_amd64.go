package rowhash

import "golang.org/x/sys/cpu"

// hasAVX512: the processor (and the OS) have AVX-512 F and DQ.
var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// useAVX512: FoldAll folds eight at a time (a variable apart from
// hasAVX512, so that tests can compare both ways).
var useAVX512 = hasAVX512

// foldAVX512 sets out[i] = Fold(out[i], vals[i]) for i < n, a multiple of
// 8, with AVX-512.
//
//go:noescape
func foldAVX512(out, vals *Fingerprint, n int)
