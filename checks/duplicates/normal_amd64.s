#include "textflag.h"

// func normalAllAVX512(data *byte, offs *int32, n int, out *bool)
//
// out[i] = isNormalASCIIBytes(data[offs[i]:offs[i+1]]) for i < n: every
// byte ASCII and kept (·keptTable, asciiKept as bytes), and no space
// leading, trailing or following another. A string is read 64 bytes at a
// time, the last block under a mask, which does not fault on the bytes
// past the string's end.
TEXT ·normalAllAVX512(SB), NOSPLIT, $0-32
	MOVQ     data+0(FP), R9
	MOVQ     offs+8(FP), R10
	MOVQ     n+16(FP), R11
	MOVQ     out+24(FP), DI
	VMOVDQU8 ·keptTable+0(SB), Z1
	VMOVDQU8 ·keptTable+64(SB), Z2
	MOVL     $0x20, AX
	VPBROADCASTB AX, Z5
	TESTQ    R11, R11
	JZ       done

next:
	MOVLQSX 0(R10), SI
	MOVLQSX 4(R10), CX
	SUBQ    SI, CX               // the string's length
	ADDQ    R9, SI               // its first byte
	MOVQ    $1, R8               // the byte before the first counts as a space
	TESTQ   CX, CX
	JZ      yes                  // "" is normal

block:
	MOVQ  $-1, BX
	CMPQ  CX, $64
	JAE   full
	BZHIQ CX, BX, BX             // the low CX bits
full:
	KMOVQ      BX, K1
	VMOVDQU8.Z (SI), K1, Z0
	VMOVDQA64  Z1, Z6
	VPERMT2B   Z2, Z0, Z6        // each byte's entry in the table (its low 7 bits)
	VPTESTMB   Z6, Z6, K2        // kept, if ASCII
	VPMOVB2M   Z0, K3            // not ASCII
	KANDNQ     K2, K3, K2
	VPCMPEQB   Z5, Z0, K4        // spaces
	KMOVQ      K2, AX
	KMOVQ      K4, DX
	ANDQ       BX, AX
	CMPQ       AX, BX
	JNE        no
	// Two spaces in a row: a space whose byte before is one.
	MOVQ DX, AX
	SHLQ $1, AX
	ORQ  R8, AX
	ANDQ DX, AX
	JNZ  no
	SUBQ $64, CX
	JLE  last
	SHRQ $63, DX                 // this block's last byte, for the next
	MOVQ DX, R8
	ADDQ $64, SI
	JMP  block

last:
	// The last byte, at len-1 of this block (CX is now len-64 ≤ 0).
	ADDQ $63, CX
	SHRQ CX, DX
	ANDQ $1, DX
	JNZ  no

yes:
	MOVB $1, (DI)
	JMP  step

no:
	MOVB $0, (DI)

step:
	ADDQ $4, R10
	INCQ DI
	DECQ R11
	JNZ  next

done:
	VZEROUPPER
	RET
