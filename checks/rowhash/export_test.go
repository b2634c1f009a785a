package rowhash

// SetAVX512 turns FoldAll's vector path on or off (on only where the
// processor has it) and returns the setting before.
func SetAVX512(on bool) bool {
	before := useAVX512
	useAVX512 = on && hasAVX512
	return before
}

// HasAVX512 reports whether the processor has what FoldAll's vector path
// needs.
func HasAVX512() bool { return hasAVX512 }
