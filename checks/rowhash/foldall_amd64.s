#include "textflag.h"

// Fold's constants (rowhash.go), each repeated in the eight lanes of a
// vector register.
DATA foldK0<>+0(SB)/8, $0xbe4ba423396cfeb8
GLOBL foldK0<>(SB), RODATA|NOPTR, $8
DATA foldK8<>+0(SB)/8, $0x1cad21f72c81017c
GLOBL foldK8<>(SB), RODATA|NOPTR, $8
DATA foldK16<>+0(SB)/8, $0xdb979083e96dd4de
GLOBL foldK16<>(SB), RODATA|NOPTR, $8
DATA foldK24<>+0(SB)/8, $0x1f67b3b7a4a44072
GLOBL foldK24<>(SB), RODATA|NOPTR, $8
DATA foldLP1<>+0(SB)/8, $0xc6ef3630bd7950e0
GLOBL foldLP1<>(SB), RODATA|NOPTR, $8
DATA foldLP2<>+0(SB)/8, $0x5655c7a4fa9d69e0
GLOBL foldLP2<>(SB), RODATA|NOPTR, $8
DATA foldP1<>+0(SB)/8, $0x9e3779b185ebca87
GLOBL foldP1<>(SB), RODATA|NOPTR, $8
DATA foldP4<>+0(SB)/8, $0x85ebca77c2b2ae63
GLOBL foldP4<>(SB), RODATA|NOPTR, $8
DATA foldAV<>+0(SB)/8, $0x165667919e3779f9
GLOBL foldAV<>(SB), RODATA|NOPTR, $8
DATA foldM32<>+0(SB)/8, $0x00000000ffffffff
GLOBL foldM32<>(SB), RODATA|NOPTR, $8

// Permutation indexes: the even quadwords of two registers (the His of
// eight fingerprints), the odd ones (their Los), and back.
DATA foldEven<>+0(SB)/8, $0
DATA foldEven<>+8(SB)/8, $2
DATA foldEven<>+16(SB)/8, $4
DATA foldEven<>+24(SB)/8, $6
DATA foldEven<>+32(SB)/8, $8
DATA foldEven<>+40(SB)/8, $10
DATA foldEven<>+48(SB)/8, $12
DATA foldEven<>+56(SB)/8, $14
GLOBL foldEven<>(SB), RODATA|NOPTR, $64
DATA foldOdd<>+0(SB)/8, $1
DATA foldOdd<>+8(SB)/8, $3
DATA foldOdd<>+16(SB)/8, $5
DATA foldOdd<>+24(SB)/8, $7
DATA foldOdd<>+32(SB)/8, $9
DATA foldOdd<>+40(SB)/8, $11
DATA foldOdd<>+48(SB)/8, $13
DATA foldOdd<>+56(SB)/8, $15
GLOBL foldOdd<>(SB), RODATA|NOPTR, $64
DATA foldLow<>+0(SB)/8, $0
DATA foldLow<>+8(SB)/8, $8
DATA foldLow<>+16(SB)/8, $1
DATA foldLow<>+24(SB)/8, $9
DATA foldLow<>+32(SB)/8, $2
DATA foldLow<>+40(SB)/8, $10
DATA foldLow<>+48(SB)/8, $3
DATA foldLow<>+56(SB)/8, $11
GLOBL foldLow<>(SB), RODATA|NOPTR, $64
DATA foldHigh<>+0(SB)/8, $4
DATA foldHigh<>+8(SB)/8, $12
DATA foldHigh<>+16(SB)/8, $5
DATA foldHigh<>+24(SB)/8, $13
DATA foldHigh<>+32(SB)/8, $6
DATA foldHigh<>+40(SB)/8, $14
DATA foldHigh<>+48(SB)/8, $7
DATA foldHigh<>+56(SB)/8, $15
GLOBL foldHigh<>(SB), RODATA|NOPTR, $64

// MULFOLD sets dst to the high 64 bits of a×b xor the low 64 bits, in
// each lane (mulFold64), from four 32×32-bit products: with a = ah·2³² +
// al and b alike, mid = (al·bl)>>32 + lo32(al·bh) + lo32(ah·bl) gives the
// low 64 bits as mid<<32 | lo32(al·bl), and the high ones as ah·bh +
// (al·bh)>>32 + (ah·bl)>>32 + mid>>32. a is overwritten; t1–t4 are
// scratch; Z20 holds the low-32-bit mask.
#define MULFOLD(a, b, dst, t1, t2, t3, t4) \
	VPSRLQ   $32, a, t1   \
	VPSRLQ   $32, b, t2   \
	VPMULUDQ t2, a, t3    \
	VPMULUDQ b, t1, t4    \
	VPMULUDQ t2, t1, t1   \
	VPMULUDQ b, a, t2     \
	VPSRLQ   $32, t2, dst \
	VPANDQ   Z20, t2, t2  \
	VPANDQ   Z20, t3, a   \
	VPADDQ   a, dst, dst  \
	VPANDQ   Z20, t4, a   \
	VPADDQ   a, dst, dst  \
	VPSLLQ   $32, dst, a  \
	VPORQ    t2, a, a     \
	VPSRLQ   $32, dst, dst \
	VPADDQ   t1, dst, dst \
	VPSRLQ   $32, t3, t3  \
	VPADDQ   t3, dst, dst \
	VPSRLQ   $32, t4, t4  \
	VPADDQ   t4, dst, dst \
	VPXORQ   a, dst, dst

// AVALANCHE: x ^= x>>37; x *= 0x165667919e3779f9; x ^= x>>32. Z19 holds
// the multiplier.
#define AVALANCHE(x, t) \
	VPSRLQ  $37, x, t \
	VPXORQ  t, x, x   \
	VPMULLQ Z19, x, x \
	VPSRLQ  $32, x, t \
	VPXORQ  t, x, x

// func foldAVX512(out, vals *Fingerprint, n int)
// out[i] = Fold(out[i], vals[i]) for i < n, n a multiple of 8.
TEXT ·foldAVX512(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ vals+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   done

	VPBROADCASTQ foldK0<>(SB), Z10
	VPBROADCASTQ foldK8<>(SB), Z11
	VPBROADCASTQ foldK16<>(SB), Z12
	VPBROADCASTQ foldK24<>(SB), Z13
	VPBROADCASTQ foldLP1<>(SB), Z14
	VPBROADCASTQ foldLP2<>(SB), Z15
	VPBROADCASTQ foldP1<>(SB), Z16
	VPBROADCASTQ foldP4<>(SB), Z17
	VPBROADCASTQ foldAV<>(SB), Z19
	VPBROADCASTQ foldM32<>(SB), Z20
	VMOVDQU64    foldEven<>(SB), Z21
	VMOVDQU64    foldOdd<>(SB), Z22
	VMOVDQU64    foldLow<>(SB), Z23
	VMOVDQU64    foldHigh<>(SB), Z24
	VPXORQ       Z25, Z25, Z25

loop:
	// Z0, Z1: row His and Los; Z2, Z3: value His and Los.
	VMOVDQU64 0(DI), Z4
	VMOVDQU64 64(DI), Z5
	VMOVDQA64 Z4, Z0
	VPERMT2Q  Z5, Z21, Z0
	VPERMT2Q  Z5, Z22, Z4
	VMOVDQA64 Z4, Z1
	VMOVDQU64 0(SI), Z4
	VMOVDQU64 64(SI), Z5
	VMOVDQA64 Z4, Z2
	VPERMT2Q  Z5, Z21, Z2
	VPERMT2Q  Z5, Z22, Z4
	VMOVDQA64 Z4, Z3

	// lo := lenPrime1 + mulFold64(row.Hi^k0, row.Lo^k8) ^ (v.Hi + v.Lo)
	VPXORQ Z10, Z0, Z4
	VPXORQ Z11, Z1, Z5
	MULFOLD(Z4, Z5, Z6, Z26, Z27, Z28, Z29)
	VPADDQ Z14, Z6, Z6
	VPADDQ Z3, Z2, Z7
	VPXORQ Z7, Z6, Z6 // Z6 = lo

	// hi := mulFold64(v.Hi^k16, v.Lo^k24) ^ (row.Hi + row.Lo)
	VPXORQ Z12, Z2, Z4
	VPXORQ Z13, Z3, Z5
	MULFOLD(Z4, Z5, Z7, Z26, Z27, Z28, Z29)
	VPADDQ Z1, Z0, Z8
	VPXORQ Z8, Z7, Z7 // Z7 = hi

	// hi, lo = lo*prime64_1 + hi*prime64_4 + lenPrime2, hi + lo
	VPMULLQ Z16, Z6, Z8
	VPMULLQ Z17, Z7, Z9
	VPADDQ  Z9, Z8, Z8
	VPADDQ  Z15, Z8, Z8 // Z8 = new hi
	VPADDQ  Z7, Z6, Z9  // Z9 = new lo

	AVALANCHE(Z8, Z26)
	AVALANCHE(Z9, Z27)
	VPSUBQ Z8, Z25, Z8 // Hi = -avalanche(hi)

	// Interleave back: (Hi, Lo) pairs.
	VMOVDQA64 Z8, Z4
	VPERMT2Q  Z9, Z23, Z4
	VPERMT2Q  Z9, Z24, Z8
	VMOVDQU64 Z4, 0(DI)
	VMOVDQU64 Z8, 64(DI)

	ADDQ $128, DI
	ADDQ $128, SI
	DECQ CX
	JNZ  loop

	VZEROUPPER

done:
	RET
