package rowhash

// FoldAll folds each of vals into the row fingerprint beside it: out[i] =
// Fold(out[i], vals[i]) for every i < len(out) (vals at least as long).
// It is how rows are fingerprinted a column at a time (checks.Memo.Rows).
//
// Where the processor has AVX-512 (F and DQ), eight folds are done at once
// in vector registers (foldall_amd64.s): Fold's 64×64-bit products, whose
// high halves no AVX-512 instruction gives, are put together from four
// 32×32-bit ones. The result is Fold's, bit for bit (TestFoldAll).
// BenchmarkFoldAll took 0.83 ns a fold that way against 3.1 ns on the
// 2-core AMD EPYC of docs/performance.md (2026-11-30 zg). The rest of the
// slice, and every fold elsewhere, is Fold.
func FoldAll(out, vals []Fingerprint) {
	vals = vals[:len(out)]
	n := 0
	if useAVX512 && len(out) >= 8 {
		n = len(out) &^ 7
		foldAVX512(&out[0], &vals[0], n)
	}
	for i := n; i < len(out); i++ {
		out[i] = Fold(out[i], vals[i])
	}
}
