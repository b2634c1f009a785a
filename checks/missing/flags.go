package missing

import (
	"encoding/binary"
	"unsafe"
)

// The check marks missing values a bool a row (flags), and reads the marks
// back eight at a time: a batch is mostly unmarked (the 10M-row bench has
// 5% missing per column), so a word of eight bools is usually zero and
// skipped whole. A bool is one byte holding 0 or 1 (the Go spec's size
// guarantee and the compiler's representation), so a word's bytes are
// each 0 or 1.

// flagBytes returns flags' memory as bytes.
func flagBytes(flags []bool) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(flags))), len(flags))
}

// countFlags returns how many of flags are set.
func countFlags(flags []bool) int64 {
	b := flagBytes(flags)
	var n uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		// The bytes' sum, each 0 or 1, lands in the top byte.
		n += binary.LittleEndian.Uint64(b[i:]) * 0x0101010101010101 >> 56
	}
	for ; i < len(b); i++ {
		n += uint64(b[i])
	}
	return int64(n)
}

// packFlags packs a word of eight flags (bytes each 0 or 1) into a byte,
// flag i in bit i: the multiplication moves byte i's low bit to bit 56+i,
// and no two partial products meet there or carry into it.
func packFlags(w uint64) uint8 { return uint8(w * 0x0102040810204080 >> 56) }
