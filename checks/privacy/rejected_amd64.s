#include "textflag.h"

// func rejectedAVX512(p *byte, n int) bool
//
// rejected for the n bytes at p, 64 at a time: true when they hold fewer
// than four ASCII digits and no '@' or ':'. The last block is loaded under
// a mask, which does not fault on the bytes past n.
TEXT ·rejectedAVX512(SB), NOSPLIT, $0-17
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0x30, AX           // '0'
	VPBROADCASTB AX, Z1
	MOVL $9, AX
	VPBROADCASTB AX, Z2
	MOVL $0x40, AX           // '@'
	VPBROADCASTB AX, Z3
	MOVL $0x3a, AX           // ':'
	VPBROADCASTB AX, Z4
	XORQ R8, R8              // digits so far

loop:
	MOVQ  $-1, BX
	CMPQ  CX, $64
	JAE   full
	BZHIQ CX, BX, BX         // the low CX bits
full:
	KMOVQ      BX, K1
	VMOVDQU8.Z (SI), K1, Z0
	VPCMPEQB   Z3, Z0, K3    // '@'
	VPCMPEQB   Z4, Z0, K4    // ':'
	KORQ       K3, K4, K3
	KMOVQ      K3, AX
	ANDQ       BX, AX
	JNZ        no
	VPSUBB     Z1, Z0, Z5
	VPCMPUB    $2, Z2, Z5, K2 // b-'0' <= 9, unsigned: a digit
	KMOVQ      K2, AX
	ANDQ       BX, AX
	POPCNTQ    AX, AX
	ADDQ       AX, R8
	CMPQ       R8, $4
	JAE        no
	SUBQ       $64, CX
	JLE        yes
	ADDQ       $64, SI
	JMP        loop

yes:
	MOVB $1, ret+16(FP)
	VZEROUPPER
	RET

no:
	MOVB $0, ret+16(FP)
	VZEROUPPER
	RET
