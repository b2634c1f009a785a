#include "textflag.h"

// func normalizeASCII64(dst, src *byte, n int) (m int, ok bool)
//
// appendASCII for the 1 ≤ n ≤ 64 bytes at src, written at dst (room for
// 64 bytes): ok false, nothing meant, when a byte is not ASCII; else m
// bytes written. Each byte's class (·classTable, asciiClass as bytes) says
// whether it is kept (upper case lowered), a space or punctuation. A space
// is kept, as ' ', when it is the last of the spaces and punctuation
// between two kept bytes: among the positions that are not punctuation
// (N), a space followed by a kept byte, after the first kept byte; PEXT
// puts N's bits side by side to test that, PDEP puts them back. The kept
// bytes and spaces are then packed with VPCOMPRESSB.
TEXT ·normalizeASCII64(SB), NOSPLIT, $0-33
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  n+16(FP), CX
	MOVQ  $-1, R8
	CMPQ  CX, $64
	JAE   full
	BZHIQ CX, R8, R8         // R8: the n bytes
full:
	KMOVQ      R8, K1
	VMOVDQU8.Z (SI), K1, Z0
	VPMOVB2M   Z0, K2        // not ASCII
	KMOVQ      K2, AX
	TESTQ      AX, AX
	JNZ        notASCII
	VMOVDQU8   ·classTable+0(SB), Z1
	VPERMT2B   ·classTable+64(SB), Z0, Z1 // each byte's class
	MOVL       $1, AX
	VPBROADCASTB AX, Z2
	VPCMPEQB   Z2, Z1, K3    // space
	MOVL       $3, AX
	VPBROADCASTB AX, Z2
	VPCMPEQB   Z2, Z1, K4    // upper case
	VPTESTNMB  Z1, Z1, K5    // kept as is
	KMOVQ      K3, BX
	ANDQ       R8, BX        // S: spaces
	KMOVQ      K4, DX
	ANDQ       R8, DX        // U: upper case
	KMOVQ      K5, AX
	ANDQ       R8, AX
	ORQ        DX, AX        // K: kept bytes
	MOVL       $0x20, R9
	VPBROADCASTB R9, Z3
	VPADDB     Z3, Z0, K4, Z0 // lowered
	// The spaces to keep.
	MOVQ  AX, R10
	ORQ   BX, R10            // N: not punctuation
	PEXTQ R10, BX, R11       // S, N's bits side by side
	PEXTQ R10, AX, R12       // K, likewise
	MOVQ  R12, R13
	SHRQ  $1, R13
	ANDQ  R13, R11           // spaces followed by a kept byte
	MOVQ  R12, R13
	NEGQ  R13
	ANDQ  R12, R13           // the first kept byte
	SHLQ  $1, R13
	NEGQ  R13                // the positions after it
	ANDQ  R13, R11
	PDEPQ R10, R11, R11      // back in place
	KMOVQ R11, K6
	VMOVDQU8 Z3, K6, Z0      // a kept space is ' '
	ORQ   R11, AX            // the bytes written
	KMOVQ AX, K7
	VPCOMPRESSB Z0, K7, Z4
	VMOVDQU8 Z4, (DI)
	POPCNTQ AX, AX
	MOVQ  AX, m+24(FP)
	MOVB  $1, ok+32(FP)
	VZEROUPPER
	RET

notASCII:
	MOVQ $0, m+24(FP)
	MOVB $0, ok+32(FP)
	VZEROUPPER
	RET
