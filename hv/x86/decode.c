/*
 * x86 instruction decoder: opcode tables and the length/operand decoder.
 *
 * Three levels of tables, all indexed without searching:
 *   one_byte[] / two_byte[]   the opcode (map 0, and map 0F);
 *   groups[][8]               ModRM.reg for group opcodes (80, F7, FF, ...);
 *   sse[][4]                  the mandatory prefix (none, 66, F3, F2).
 * An empty entry (op 0) is an instruction we do not emulate; the caller
 * injects #UD for it.  Encodings follow the Intel SDM, volume 2.
 */
#include "hv/x86/decode.h"

struct opent {
    uint8_t op;     /* enum x86_op */
    uint8_t aux;    /* GROUP: group; SSE: row; MOVZX/MOVSX/SSE: memory size */
    uint32_t flags; /* X86_F_* */
};

#define MODRM X86_F_MODRM
#define BYTE X86_F_BYTE
#define IMM8 X86_F_IMM8
#define IMMZ X86_F_IMMZ
#define GROUP X86_F_GROUP
#define SSE X86_F_SSE
#define DEF64 X86_F_DEF64
#define MOFFS X86_F_MOFFS
#define MEMONLY X86_F_MEMONLY
#define LOCK X86_F_LOCK
#define TOREG X86_F_TOREG
#define STRING X86_F_STRING
#define ONLY64 X86_F_ONLY64
#define XMMRM X86_F_XMMRM
#define ALIGN16 X86_F_ALIGN16
#define XMM X86_F_XMM
#define OPREG X86_F_OPREG
#define IMM16 X86_F_IMM16
#define NEAR64 X86_F_NEAR64
#define MMX X86_F_MMX

enum { G1, G3B, G3V, G4, G5, G1A, G11, G8, G7, G2, G6, NR_GROUPS };
enum { S_10, S_11, S_28, S_29, S_6E, S_7E, S_6F, S_7F, S_D6, S_C3, NR_SSE };
enum { MP_NONE, MP_66, MP_F3, MP_F2 };

static const struct opent one_byte[256] = {
    [0x00] = { X86_OP_ADD, 0, MODRM | BYTE | LOCK },   /* 00 /r  ADD r/m8, r8 */
    [0x01] = { X86_OP_ADD, 0, MODRM | LOCK },          /* 01 /r  ADD r/m16/32/64, r16/32/64 */
    [0x02] = { X86_OP_ADD, 0, MODRM | BYTE | TOREG },  /* 02 /r  ADD r8, r/m8 */
    [0x03] = { X86_OP_ADD, 0, MODRM | TOREG },         /* 03 /r  ADD r16/32/64, r/m16/32/64 */
    [0x08] = { X86_OP_OR, 0, MODRM | BYTE | LOCK },    /* 08 /r  OR r/m8, r8 */
    [0x09] = { X86_OP_OR, 0, MODRM | LOCK },           /* 09 /r  OR r/m16/32/64, r16/32/64 */
    [0x0a] = { X86_OP_OR, 0, MODRM | BYTE | TOREG },   /* 0A /r  OR r8, r/m8 */
    [0x0b] = { X86_OP_OR, 0, MODRM | TOREG },          /* 0B /r  OR r16/32/64, r/m16/32/64 */
    [0x10] = { X86_OP_ADC, 0, MODRM | BYTE | LOCK },   /* 10 /r  ADC r/m8, r8 */
    [0x11] = { X86_OP_ADC, 0, MODRM | LOCK },          /* 11 /r  ADC r/m16/32/64, r16/32/64 */
    [0x12] = { X86_OP_ADC, 0, MODRM | BYTE | TOREG },  /* 12 /r  ADC r8, r/m8 */
    [0x13] = { X86_OP_ADC, 0, MODRM | TOREG },         /* 13 /r  ADC r16/32/64, r/m16/32/64 */
    [0x18] = { X86_OP_SBB, 0, MODRM | BYTE | LOCK },   /* 18 /r  SBB r/m8, r8 */
    [0x19] = { X86_OP_SBB, 0, MODRM | LOCK },          /* 19 /r  SBB r/m16/32/64, r16/32/64 */
    [0x1a] = { X86_OP_SBB, 0, MODRM | BYTE | TOREG },  /* 1A /r  SBB r8, r/m8 */
    [0x1b] = { X86_OP_SBB, 0, MODRM | TOREG },         /* 1B /r  SBB r16/32/64, r/m16/32/64 */
    [0x20] = { X86_OP_AND, 0, MODRM | BYTE | LOCK },   /* 20 /r  AND r/m8, r8 */
    [0x21] = { X86_OP_AND, 0, MODRM | LOCK },          /* 21 /r  AND r/m16/32/64, r16/32/64 */
    [0x22] = { X86_OP_AND, 0, MODRM | BYTE | TOREG },  /* 22 /r  AND r8, r/m8 */
    [0x23] = { X86_OP_AND, 0, MODRM | TOREG },         /* 23 /r  AND r16/32/64, r/m16/32/64 */
    [0x28] = { X86_OP_SUB, 0, MODRM | BYTE | LOCK },   /* 28 /r  SUB r/m8, r8 */
    [0x29] = { X86_OP_SUB, 0, MODRM | LOCK },          /* 29 /r  SUB r/m16/32/64, r16/32/64 */
    [0x2a] = { X86_OP_SUB, 0, MODRM | BYTE | TOREG },  /* 2A /r  SUB r8, r/m8 */
    [0x2b] = { X86_OP_SUB, 0, MODRM | TOREG },         /* 2B /r  SUB r16/32/64, r/m16/32/64 */
    [0x30] = { X86_OP_XOR, 0, MODRM | BYTE | LOCK },   /* 30 /r  XOR r/m8, r8 */
    [0x31] = { X86_OP_XOR, 0, MODRM | LOCK },          /* 31 /r  XOR r/m16/32/64, r16/32/64 */
    [0x32] = { X86_OP_XOR, 0, MODRM | BYTE | TOREG },  /* 32 /r  XOR r8, r/m8 */
    [0x33] = { X86_OP_XOR, 0, MODRM | TOREG },         /* 33 /r  XOR r16/32/64, r/m16/32/64 */
    [0x38] = { X86_OP_CMP, 0, MODRM | BYTE },          /* 38 /r  CMP r/m8, r8 */
    [0x39] = { X86_OP_CMP, 0, MODRM },                 /* 39 /r  CMP r/m16/32/64, r16/32/64 */
    [0x3a] = { X86_OP_CMP, 0, MODRM | BYTE | TOREG },  /* 3A /r  CMP r8, r/m8 */
    [0x3b] = { X86_OP_CMP, 0, MODRM | TOREG },         /* 3B /r  CMP r16/32/64, r/m16/32/64 */
#define R8(op, o, f) [op] = { o, 0, f }, [op + 1] = { o, 0, f }, [op + 2] = { o, 0, f }, \
    [op + 3] = { o, 0, f }, [op + 4] = { o, 0, f }, [op + 5] = { o, 0, f }, \
    [op + 6] = { o, 0, f }, [op + 7] = { o, 0, f }
    R8(0x50, X86_OP_PUSH, OPREG | DEF64),              /* 50+rw/rd  PUSH r16/32/64 */
    R8(0x58, X86_OP_POP, OPREG | DEF64),               /* 58+rw/rd  POP r16/32/64 */
#undef R8
    [0x63] = { X86_OP_MOVSX, 4, MODRM | TOREG | ONLY64 }, /* REX.W 63 /r  MOVSXD r64, r/m32 (and r16/r32 forms) */
    [0x68] = { X86_OP_PUSH, 0, IMMZ | DEF64 },         /* 68 iw/id  PUSH imm16/32 (64: sign-extended) */
    [0x6a] = { X86_OP_PUSH, 0, IMM8 | DEF64 },         /* 6A ib  PUSH imm8 (sign-extended) */
    [0x8c] = { X86_OP_STORE_SREG, 0, MODRM },          /* 8C /r  MOV r/m16 (r32/64), Sreg */
    [0x8e] = { X86_OP_MOV_SREG, 0, MODRM },            /* 8E /r  MOV Sreg, r/m16 */
    [0xc2] = { X86_OP_RET, 0, IMM16 | NEAR64 },        /* C2 iw  RET imm16 (near) */
    [0xc3] = { X86_OP_RET, 0, NEAR64 },                /* C3  RET (near) */
    [0xc8] = { X86_OP_ENTER, 0, X86_F_ENTER | DEF64 }, /* C8 iw ib  ENTER imm16, imm8 */
    [0xc9] = { X86_OP_LEAVE, 0, DEF64 },               /* C9  LEAVE */
    [0x80] = { 0, G1, MODRM | GROUP | BYTE | IMM8 },   /* 80 /0-/7 ib  ADD..CMP r/m8, imm8 */
    [0x81] = { 0, G1, MODRM | GROUP | IMMZ },          /* 81 /0-/7 iw/id  ADD..CMP r/m16/32/64, imm16/32 */
    [0x83] = { 0, G1, MODRM | GROUP | IMM8 },          /* 83 /0-/7 ib  ADD..CMP r/m16/32/64, imm8 (sign-extended) */
    [0x84] = { X86_OP_TEST, 0, MODRM | BYTE },         /* 84 /r  TEST r/m8, r8 */
    [0x85] = { X86_OP_TEST, 0, MODRM },                /* 85 /r  TEST r/m16/32/64, r16/32/64 */
    [0x86] = { X86_OP_XCHG, 0, MODRM | BYTE | LOCK },  /* 86 /r  XCHG r/m8, r8 */
    [0x87] = { X86_OP_XCHG, 0, MODRM | LOCK },         /* 87 /r  XCHG r/m16/32/64, r16/32/64 */
    [0x88] = { X86_OP_MOV, 0, MODRM | BYTE },          /* 88 /r  MOV r/m8, r8 */
    [0x89] = { X86_OP_MOV, 0, MODRM },                 /* 89 /r  MOV r/m16/32/64, r16/32/64 */
    [0x8a] = { X86_OP_MOV, 0, MODRM | BYTE | TOREG },  /* 8A /r  MOV r8, r/m8 */
    [0x8b] = { X86_OP_MOV, 0, MODRM | TOREG },         /* 8B /r  MOV r16/32/64, r/m16/32/64 */
    [0x8f] = { 0, G1A, MODRM | GROUP | DEF64 },        /* 8F /0  POP r/m16/64 (r/m32 outside long mode) */
    [0xa0] = { X86_OP_MOV, 0, MOFFS | BYTE | TOREG },  /* A0  MOV AL, moffs8 */
    [0xa1] = { X86_OP_MOV, 0, MOFFS | TOREG },         /* A1  MOV AX/EAX/RAX, moffs16/32/64 */
    [0xa2] = { X86_OP_MOV, 0, MOFFS | BYTE },          /* A2  MOV moffs8, AL */
    [0xa3] = { X86_OP_MOV, 0, MOFFS },                 /* A3  MOV moffs16/32/64, AX/EAX/RAX */
    [0x69] = { X86_OP_IMUL2, 0, MODRM | TOREG | IMMZ },/* 69 /r iw/id  IMUL r, r/m, imm16/32 */
    [0x6b] = { X86_OP_IMUL2, 0, MODRM | TOREG | IMM8 },/* 6B /r ib  IMUL r, r/m, imm8 */
    [0x6c] = { X86_OP_INS, 0, STRING | BYTE },         /* 6C  INS m8, DX (ES:rDI <- port DX) */
    [0x6d] = { X86_OP_INS, 0, STRING },                /* 6D  INS m16/32, DX */
    [0x6e] = { X86_OP_OUTS, 0, STRING | BYTE },        /* 6E  OUTS DX, m8 (port DX <- DS:rSI) */
    [0x6f] = { X86_OP_OUTS, 0, STRING },               /* 6F  OUTS DX, m16/32 */
    [0xa4] = { X86_OP_MOVS, 0, STRING | BYTE },        /* A4  MOVS m8, m8 */
    [0xa5] = { X86_OP_MOVS, 0, STRING },               /* A5  MOVS m16/32/64, m16/32/64 */
    [0xa6] = { X86_OP_CMPS, 0, STRING | BYTE },        /* A6  CMPS m8, m8 (seg:rSI - ES:rDI) */
    [0xa7] = { X86_OP_CMPS, 0, STRING },               /* A7  CMPS m16/32/64, m16/32/64 */
    [0xaa] = { X86_OP_STOS, 0, STRING | BYTE },        /* AA  STOS m8 (ES:rDI <- AL) */
    [0xab] = { X86_OP_STOS, 0, STRING },               /* AB  STOS m16/32/64 */
    [0xac] = { X86_OP_LODS, 0, STRING | BYTE | TOREG },/* AC  LODS m8 (AL <- DS:rSI) */
    [0xad] = { X86_OP_LODS, 0, STRING | TOREG },       /* AD  LODS m16/32/64 */
    [0xae] = { X86_OP_SCAS, 0, STRING | BYTE },        /* AE  SCAS m8 (AL - ES:rDI) */
    [0xaf] = { X86_OP_SCAS, 0, STRING },               /* AF  SCAS m16/32/64 */
    [0xc0] = { 0, G2, MODRM | GROUP | BYTE | IMM8 },   /* C0 /r ib  ROL..SAR r/m8, imm8 */
    [0xc1] = { 0, G2, MODRM | GROUP | IMM8 },          /* C1 /r ib  ROL..SAR r/m16/32/64, imm8 */
    [0xd0] = { 0, G2, MODRM | GROUP | BYTE },          /* D0 /r  ROL..SAR r/m8, 1 */
    [0xd1] = { 0, G2, MODRM | GROUP },                 /* D1 /r  ROL..SAR r/m16/32/64, 1 */
    [0xd2] = { 0, G2, MODRM | GROUP | BYTE },          /* D2 /r  ROL..SAR r/m8, CL */
    [0xd3] = { 0, G2, MODRM | GROUP },                 /* D3 /r  ROL..SAR r/m16/32/64, CL */
    [0xc6] = { 0, G11, MODRM | GROUP | BYTE | IMM8 },  /* C6 /0 ib  MOV r/m8, imm8 */
    [0xc7] = { 0, G11, MODRM | GROUP | IMMZ },         /* C7 /0 iw/id  MOV r/m16/32/64, imm16/32 */
    [0xf6] = { 0, G3B, MODRM | GROUP | BYTE },         /* F6 /0,/2,/3  TEST/NOT/NEG r/m8 */
    [0xf7] = { 0, G3V, MODRM | GROUP },                /* F7 /0,/2,/3  TEST/NOT/NEG r/m16/32/64 */
    [0xfe] = { 0, G4, MODRM | GROUP | BYTE },          /* FE /0,/1  INC/DEC r/m8 */
    [0xff] = { 0, G5, MODRM | GROUP },                 /* FF /0,/1,/4,/5,/6  INC/DEC/JMP/JMP far/PUSH r/m */
};

static const struct opent two_byte[256] = {
    [0x00] = { 0, G6, MODRM | GROUP },                     /* 0F 00 /3  LTR m16 */
    [0x01] = { 0, G7, MODRM | GROUP },                     /* 0F 01 /4  SMSW m16 (the memory forms) */
#define CC(op) [op] = { X86_OP_CMOV, 0, MODRM | TOREG }
    CC(0x40), CC(0x41), CC(0x42), CC(0x43), CC(0x44), CC(0x45), CC(0x46), CC(0x47),
    CC(0x48), CC(0x49), CC(0x4a), CC(0x4b), CC(0x4c), CC(0x4d), CC(0x4e), CC(0x4f),
#undef CC                                                  /* 0F 40+cc /r  CMOVcc r, r/m */
    [0x10] = { 0, S_10, MODRM | SSE },                     /* 0F 10  MOVUPS/MOVUPD xmm, xmm/m128 */
    [0x11] = { 0, S_11, MODRM | SSE },                     /* 0F 11  MOVUPS/MOVUPD xmm/m128, xmm */
    [0x28] = { 0, S_28, MODRM | SSE },                     /* 0F 28  MOVAPS/MOVAPD xmm, xmm/m128 */
    [0x29] = { 0, S_29, MODRM | SSE },                     /* 0F 29  MOVAPS/MOVAPD xmm/m128, xmm */
    [0x6e] = { 0, S_6E, MODRM | SSE },                     /* 66 0F 6E  MOVD/MOVQ xmm, r/m32/64 */
    [0x6f] = { 0, S_6F, MODRM | SSE },                     /* 66/F3 0F 6F  MOVDQA/MOVDQU xmm, xmm/m128 */
    [0x7e] = { 0, S_7E, MODRM | SSE },                     /* 66 0F 7E MOVD/MOVQ r/m, xmm; F3 0F 7E MOVQ xmm, xmm/m64 */
    [0x7f] = { 0, S_7F, MODRM | SSE },                     /* 66/F3 0F 7F  MOVDQA/MOVDQU xmm/m128, xmm */
    [0xa3] = { X86_OP_BT, 0, MODRM },                      /* 0F A3 /r  BT r/m16/32/64, r16/32/64 */
    [0xa4] = { X86_OP_SHLD, 0, MODRM | IMM8 },             /* 0F A4 /r ib  SHLD r/m, r, imm8 */
    [0xa5] = { X86_OP_SHLD, 0, MODRM },                    /* 0F A5 /r  SHLD r/m, r, CL */
    [0xab] = { X86_OP_BTS, 0, MODRM | LOCK },              /* 0F AB /r  BTS r/m16/32/64, r16/32/64 */
    [0xac] = { X86_OP_SHRD, 0, MODRM | IMM8 },             /* 0F AC /r ib  SHRD r/m, r, imm8 */
    [0xad] = { X86_OP_SHRD, 0, MODRM },                    /* 0F AD /r  SHRD r/m, r, CL */
    [0xb0] = { X86_OP_CMPXCHG, 0, MODRM | BYTE | LOCK },   /* 0F B0 /r  CMPXCHG r/m8, r8 */
    [0xb1] = { X86_OP_CMPXCHG, 0, MODRM | LOCK },          /* 0F B1 /r  CMPXCHG r/m16/32/64, r16/32/64 */
    [0xb3] = { X86_OP_BTR, 0, MODRM | LOCK },              /* 0F B3 /r  BTR r/m16/32/64, r16/32/64 */
    [0xb6] = { X86_OP_MOVZX, 1, MODRM | TOREG },           /* 0F B6 /r  MOVZX r16/32/64, r/m8 */
    [0xb7] = { X86_OP_MOVZX, 2, MODRM | TOREG },           /* 0F B7 /r  MOVZX r32/64, r/m16 */
    [0xba] = { 0, G8, MODRM | GROUP | IMM8 },              /* 0F BA /4-/7 ib  BT/BTS/BTR/BTC r/m, imm8 */
    [0xbb] = { X86_OP_BTC, 0, MODRM | LOCK },              /* 0F BB /r  BTC r/m16/32/64, r16/32/64 */
    [0xaf] = { X86_OP_IMUL2, 0, MODRM | TOREG },           /* 0F AF /r  IMUL r16/32/64, r/m16/32/64 */
    [0xbc] = { X86_OP_BSF, 0, MODRM | TOREG },             /* 0F BC /r  BSF r16/32/64, r/m16/32/64 */
    [0xbd] = { X86_OP_BSR, 0, MODRM | TOREG },             /* 0F BD /r  BSR r16/32/64, r/m16/32/64 */
    [0xbe] = { X86_OP_MOVSX, 1, MODRM | TOREG },           /* 0F BE /r  MOVSX r16/32/64, r/m8 */
    [0xbf] = { X86_OP_MOVSX, 2, MODRM | TOREG },           /* 0F BF /r  MOVSX r32/64, r/m16 */
    [0xc0] = { X86_OP_XADD, 0, MODRM | BYTE | LOCK },      /* 0F C0 /r  XADD r/m8, r8 */
    [0xc1] = { X86_OP_XADD, 0, MODRM | LOCK },             /* 0F C1 /r  XADD r/m16/32/64, r16/32/64 */
    [0xc3] = { 0, S_C3, MODRM | SSE },                     /* NP 0F C3 /r  MOVNTI m32/64, r32/64 */
    [0xd6] = { 0, S_D6, MODRM | SSE },                     /* 66 0F D6 /r  MOVQ xmm2/m64, xmm1 */
};

static const struct opent groups[NR_GROUPS][8] = {
    [G1] = {
        [0] = { X86_OP_ADD, 0, LOCK },  /* 80/81/83 /0  ADD r/m, imm */
        [1] = { X86_OP_OR, 0, LOCK },   /* 80/81/83 /1  OR r/m, imm */
        [2] = { X86_OP_ADC, 0, LOCK },  /* 80/81/83 /2  ADC r/m, imm */
        [3] = { X86_OP_SBB, 0, LOCK },  /* 80/81/83 /3  SBB r/m, imm */
        [4] = { X86_OP_AND, 0, LOCK },  /* 80/81/83 /4  AND r/m, imm */
        [5] = { X86_OP_SUB, 0, LOCK },  /* 80/81/83 /5  SUB r/m, imm */
        [6] = { X86_OP_XOR, 0, LOCK },  /* 80/81/83 /6  XOR r/m, imm */
        [7] = { X86_OP_CMP, 0, 0 },     /* 80/81/83 /7  CMP r/m, imm */
    },
    [G3B] = {
        [0] = { X86_OP_TEST, 0, IMM8 }, /* F6 /0 ib  TEST r/m8, imm8 */
        [2] = { X86_OP_NOT, 0, LOCK },  /* F6 /2  NOT r/m8 */
        [3] = { X86_OP_NEG, 0, LOCK },  /* F6 /3  NEG r/m8 */
        [4] = { X86_OP_MUL1, 0, 0 },    /* F6 /4  MUL r/m8 (AX <- AL * r/m8) */
        [5] = { X86_OP_IMUL1, 0, 0 },   /* F6 /5  IMUL r/m8 */
        [6] = { X86_OP_DIV, 0, 0 },     /* F6 /6  DIV r/m8 (AL, AH <- AX / r/m8) */
        [7] = { X86_OP_IDIV, 0, 0 },    /* F6 /7  IDIV r/m8 */
    },
    [G3V] = {
        [0] = { X86_OP_TEST, 0, IMMZ }, /* F7 /0 iw/id  TEST r/m16/32/64, imm16/32 */
        [2] = { X86_OP_NOT, 0, LOCK },  /* F7 /2  NOT r/m16/32/64 */
        [3] = { X86_OP_NEG, 0, LOCK },  /* F7 /3  NEG r/m16/32/64 */
        [4] = { X86_OP_MUL1, 0, 0 },    /* F7 /4  MUL r/m (rDX:rAX <- rAX * r/m) */
        [5] = { X86_OP_IMUL1, 0, 0 },   /* F7 /5  IMUL r/m */
        [6] = { X86_OP_DIV, 0, 0 },     /* F7 /6  DIV r/m (rAX, rDX <- rDX:rAX / r/m) */
        [7] = { X86_OP_IDIV, 0, 0 },    /* F7 /7  IDIV r/m */
    },
    [G4] = {
        [0] = { X86_OP_INC, 0, LOCK },  /* FE /0  INC r/m8 */
        [1] = { X86_OP_DEC, 0, LOCK },  /* FE /1  DEC r/m8 */
    },
    [G5] = {
        [0] = { X86_OP_INC, 0, LOCK },  /* FF /0  INC r/m16/32/64 */
        [1] = { X86_OP_DEC, 0, LOCK },  /* FF /1  DEC r/m16/32/64 */
        [4] = { X86_OP_JMP, 0, NEAR64 },/* FF /4  JMP r/m16/32/64 (near, absolute) */
        [5] = { X86_OP_JMPF, 0, MEMONLY },/* FF /5  JMP m16:16/32/64 (far) */
        [6] = { X86_OP_PUSH, 0, DEF64 },/* FF /6  PUSH r/m16/32/64 */
    },
    [G1A] = {
        [0] = { X86_OP_POP, 0, DEF64 }, /* 8F /0  POP r/m16/32/64 */
    },
    [G11] = {
        [0] = { X86_OP_MOV, 0, 0 },     /* C6/C7 /0  MOV r/m, imm */
    },
    [G8] = {
        [4] = { X86_OP_BT, 0, 0 },      /* 0F BA /4 ib  BT r/m, imm8 */
        [5] = { X86_OP_BTS, 0, LOCK },  /* 0F BA /5 ib  BTS r/m, imm8 */
        [6] = { X86_OP_BTR, 0, LOCK },  /* 0F BA /6 ib  BTR r/m, imm8 */
        [7] = { X86_OP_BTC, 0, LOCK },  /* 0F BA /7 ib  BTC r/m, imm8 */
    },
    [G2] = {
        [0] = { X86_OP_ROL, 0, 0 },     /* C0-D3 /0  ROL */
        [1] = { X86_OP_ROR, 0, 0 },     /* C0-D3 /1  ROR */
        [2] = { X86_OP_RCL, 0, 0 },     /* C0-D3 /2  RCL */
        [3] = { X86_OP_RCR, 0, 0 },     /* C0-D3 /3  RCR */
        [4] = { X86_OP_SHL, 0, 0 },     /* C0-D3 /4  SHL/SAL */
        [5] = { X86_OP_SHR, 0, 0 },     /* C0-D3 /5  SHR */
        [7] = { X86_OP_SAR, 0, 0 },     /* C0-D3 /7  SAR */
    },
    [G6] = {
        [3] = { X86_OP_LTR, 2, MEMONLY }, /* 0F 00 /3  LTR m16 (register forms never exit) */
    },
    [G7] = {
        [4] = { X86_OP_SMSW, 2, MEMONLY }, /* 0F 01 /4  SMSW m16 (register forms never exit) */
    },
};

/* aux of an SSE entry: bytes moved; 0 means 4, or 8 with REX.W. */
static const struct opent sse[NR_SSE][4] = {
    [S_10] = {
        [MP_NONE] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM },            /* NP 0F 10 /r  MOVUPS xmm1, xmm2/m128 */
        [MP_66] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM },              /* 66 0F 10 /r  MOVUPD xmm1, xmm2/m128 */
    },
    [S_11] = {
        [MP_NONE] = { X86_OP_SSE_STORE, 16, XMM | XMMRM },           /* NP 0F 11 /r  MOVUPS xmm2/m128, xmm1 */
        [MP_66] = { X86_OP_SSE_STORE, 16, XMM | XMMRM },             /* 66 0F 11 /r  MOVUPD xmm2/m128, xmm1 */
    },
    [S_28] = {
        [MP_NONE] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM | ALIGN16 },  /* NP 0F 28 /r  MOVAPS xmm1, xmm2/m128 */
        [MP_66] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM | ALIGN16 },    /* 66 0F 28 /r  MOVAPD xmm1, xmm2/m128 */
    },
    [S_29] = {
        [MP_NONE] = { X86_OP_SSE_STORE, 16, XMM | XMMRM | ALIGN16 }, /* NP 0F 29 /r  MOVAPS xmm2/m128, xmm1 */
        [MP_66] = { X86_OP_SSE_STORE, 16, XMM | XMMRM | ALIGN16 },   /* 66 0F 29 /r  MOVAPD xmm2/m128, xmm1 */
    },
    [S_6E] = {
        [MP_66] = { X86_OP_SSE_LOAD, 0, XMM },                       /* 66 (REX.W) 0F 6E /r  MOVD xmm, r/m32 / MOVQ xmm, r/m64 */
    },
    [S_7E] = {
        [MP_66] = { X86_OP_SSE_STORE, 0, XMM },                      /* 66 (REX.W) 0F 7E /r  MOVD r/m32, xmm / MOVQ r/m64, xmm */
        [MP_F3] = { X86_OP_SSE_LOAD, 8, XMM | XMMRM },               /* F3 0F 7E /r  MOVQ xmm1, xmm2/m64 */
    },
    [S_6F] = {
        [MP_NONE] = { X86_OP_SSE_LOAD, 8, MMX | MEMONLY },           /* NP 0F 6F /r  MOVQ mm, m64 */
        [MP_66] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM | ALIGN16 },    /* 66 0F 6F /r  MOVDQA xmm1, xmm2/m128 */
        [MP_F3] = { X86_OP_SSE_LOAD, 16, XMM | XMMRM },              /* F3 0F 6F /r  MOVDQU xmm1, xmm2/m128 */
    },
    [S_7F] = {
        [MP_NONE] = { X86_OP_SSE_STORE, 8, MMX | MEMONLY },          /* NP 0F 7F /r  MOVQ m64, mm */
        [MP_66] = { X86_OP_SSE_STORE, 16, XMM | XMMRM | ALIGN16 },   /* 66 0F 7F /r  MOVDQA xmm2/m128, xmm1 */
        [MP_F3] = { X86_OP_SSE_STORE, 16, XMM | XMMRM },             /* F3 0F 7F /r  MOVDQU xmm2/m128, xmm1 */
    },
    [S_D6] = {
        [MP_66] = { X86_OP_SSE_STORE, 8, XMM | XMMRM },              /* 66 0F D6 /r  MOVQ xmm2/m64, xmm1 */
    },
    [S_C3] = {
        [MP_NONE] = { X86_OP_MOVNTI, 0, MEMONLY },                   /* NP 0F C3 /r  MOVNTI m32/m64, r32/r64 */
    },
};

/* Legacy prefix bytes: what each one is, 0 for "not a prefix". */
enum { PX_NONE, PX_SEG, PX_OPSZ, PX_ADSZ, PX_LOCK, PX_REPNE, PX_REP };

static const uint8_t prefix_kind[256] = {
    [0x26] = PX_SEG, [0x2e] = PX_SEG, [0x36] = PX_SEG, [0x3e] = PX_SEG,
    [0x64] = PX_SEG, [0x65] = PX_SEG, [0x66] = PX_OPSZ, [0x67] = PX_ADSZ,
    [0xf0] = PX_LOCK, [0xf2] = PX_REPNE, [0xf3] = PX_REP,
};

/* 16-bit addressing: ModRM.rm -> base and index (SDM Table 2-1). */
static const uint8_t base16[8] = {
    X86_RBX, X86_RBX, X86_RBP, X86_RBP, X86_RSI, X86_RDI, X86_RBP, X86_RBX,
};
static const uint8_t index16[8] = {
    X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE,
};

static const char *const op_names[X86_OP_COUNT] = {
    [X86_OP_NONE] = "?", [X86_OP_ADD] = "add", [X86_OP_OR] = "or",
    [X86_OP_ADC] = "adc", [X86_OP_SBB] = "sbb", [X86_OP_AND] = "and",
    [X86_OP_SUB] = "sub", [X86_OP_XOR] = "xor", [X86_OP_CMP] = "cmp",
    [X86_OP_MOV] = "mov", [X86_OP_MOVZX] = "movzx", [X86_OP_MOVSX] = "movsx",
    [X86_OP_TEST] = "test", [X86_OP_NOT] = "not", [X86_OP_NEG] = "neg",
    [X86_OP_INC] = "inc", [X86_OP_DEC] = "dec", [X86_OP_XCHG] = "xchg",
    [X86_OP_CMPXCHG] = "cmpxchg", [X86_OP_BT] = "bt", [X86_OP_BTS] = "bts",
    [X86_OP_BTR] = "btr", [X86_OP_BTC] = "btc", [X86_OP_PUSH] = "push",
    [X86_OP_POP] = "pop", [X86_OP_MOVNTI] = "movnti", [X86_OP_MOVS] = "movs",
    [X86_OP_STOS] = "stos", [X86_OP_LODS] = "lods", [X86_OP_INS] = "ins",
    [X86_OP_OUTS] = "outs", [X86_OP_CMPS] = "cmps", [X86_OP_SCAS] = "scas",
    [X86_OP_SMSW] = "smsw", [X86_OP_BSF] = "bsf", [X86_OP_BSR] = "bsr",
    [X86_OP_IMUL2] = "imul", [X86_OP_MUL1] = "mul", [X86_OP_IMUL1] = "imul", [X86_OP_DIV] = "div",
    [X86_OP_IDIV] = "idiv", [X86_OP_ROL] = "rol", [X86_OP_ROR] = "ror", [X86_OP_RCL] = "rcl",
    [X86_OP_RCR] = "rcr", [X86_OP_SHL] = "shl", [X86_OP_SHR] = "shr", [X86_OP_SAR] = "sar",
    [X86_OP_SHLD] = "shld", [X86_OP_SHRD] = "shrd",
    [X86_OP_SSE_LOAD] = "sse-load", [X86_OP_SSE_STORE] = "sse-store",
    [X86_OP_XADD] = "xadd", [X86_OP_CMOV] = "cmov", [X86_OP_MOV_SREG] = "mov-sreg",
    [X86_OP_STORE_SREG] = "store-sreg",
    [X86_OP_LTR] = "ltr", [X86_OP_JMP] = "jmp", [X86_OP_JMPF] = "jmp-far", [X86_OP_RET] = "ret",
    [X86_OP_LEAVE] = "leave", [X86_OP_ENTER] = "enter",
};

const char *x86_op_name(unsigned op)
{
    return op < X86_OP_COUNT ? op_names[op] : "?";
}

/* Reads a little-endian signed value of n (1, 2, 4) bytes. */
static int64_t get_signed(const uint8_t *p, unsigned n)
{
    if (n == 1)
        return (int8_t)p[0];
    if (n == 2)
        return (int16_t)(p[0] | p[1] << 8);
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static uint64_t get_unsigned(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | p[n];
    return v;
}

/* Status when `need` more bytes are wanted at offset `at`. */
static int short_status(unsigned at, unsigned need, unsigned avail)
{
    if (at + need > X86_MAX_INSN_LEN)
        return X86_DEC_TOO_LONG;
    return at + need > avail ? X86_DEC_TRUNCATED : X86_DEC_OK;
}

#define NEED(n)                                           \
    do {                                                  \
        int st_ = short_status(i, (n), avail);            \
        if (st_)                                          \
            return st_;                                   \
    } while (0)

/* ModRM memory operand, 16-bit addressing.  Returns bytes consumed after
 * the ModRM byte or a negative status. */
static int modrm_mem16(struct x86_insn *d, const uint8_t *p, unsigned i,
                       unsigned avail)
{
    unsigned mod = d->modrm >> 6, rm = d->modrm & 7, dsz;

    d->base = base16[rm];
    d->index = index16[rm];
    dsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;
    if (mod == 0 && rm == 6) {
        d->base = X86_REG_NONE;
        dsz = 2;
    }
    if (d->base == X86_RBP)
        d->seg = X86_SS;
    {
        int st = short_status(i, dsz, avail);
        if (st)
            return -st;
    }
    d->disp = dsz ? get_signed(p + i, dsz) : 0;
    return (int)dsz;
}

/* ModRM memory operand, 32/64-bit addressing (with SIB). */
static int modrm_mem32(struct x86_insn *d, const uint8_t *p, unsigned i,
                       unsigned avail)
{
    unsigned mod = d->modrm >> 6, rm = d->modrm & 7, dsz, used = 0;
    unsigned low_base = rm;

    dsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        unsigned sib, idx;
        int st = short_status(i, 1, avail);

        if (st)
            return -st;
        sib = p[i];
        used = 1;
        low_base = sib & 7;
        idx = ((sib >> 3) & 7) | (d->rex & 2) << 2;
        d->index = idx == 4 ? X86_REG_NONE : (uint8_t)idx;
        d->scale = (uint8_t)(1u << (sib >> 6));
        d->base = (uint8_t)(low_base | (d->rex & 1) << 3);
        if (low_base == 5 && mod == 0) {
            d->base = X86_REG_NONE;
            dsz = 4;
        }
    } else if (rm == 5 && mod == 0) {
        d->base = d->mode == X86_MODE_64 ? X86_RIP : X86_REG_NONE;
        dsz = 4;
    } else {
        d->base = (uint8_t)(rm | (d->rex & 1) << 3);
    }
    /* rSP/rBP as base default to SS; r12/r13 do not. */
    if (d->base == X86_RSP || d->base == X86_RBP)
        d->seg = X86_SS;
    {
        int st = short_status(i + used, dsz, avail);
        if (st)
            return -st;
    }
    d->disp = dsz ? get_signed(p + i + used, dsz) : 0;
    return (int)(used + dsz);
}

/* Reads the prefixes; returns the index of the opcode byte or a negative
 * status.  *mand gets the mandatory-prefix candidate (MP_*). */
static int read_prefixes(struct x86_insn *d, const uint8_t *p, unsigned avail,
                         int *seg_override, unsigned *mand)
{
    unsigned i = 0;

    for (;;) {
        uint8_t b;
        int st = short_status(i, 1, avail);

        if (st)
            return -st;
        b = p[i];
        switch (prefix_kind[b]) {
        case PX_SEG:
            /* 26 ES, 2E CS, 36 SS, 3E DS, 64 FS, 65 GS.  Long mode
             * ignores the first four: they do not even displace FS/GS. */
            if (b >= 0x64 || d->mode != X86_MODE_64)
                *seg_override = b >= 0x64 ? b - 0x64 + X86_FS : (b - 0x26) >> 3;
            d->prefixes |= X86_P_SEG;
            break;
        case PX_OPSZ:
            d->prefixes |= X86_P_OPSZ;
            if (*mand == MP_NONE)
                *mand = MP_66;
            break;
        case PX_ADSZ:
            d->prefixes |= X86_P_ADSZ;
            break;
        case PX_LOCK:
            d->prefixes |= X86_P_LOCK;
            break;
        case PX_REPNE:
            d->prefixes = (uint8_t)((d->prefixes & ~X86_P_REP) | X86_P_REPNE);
            *mand = MP_F2;
            break;
        case PX_REP:
            d->prefixes = (uint8_t)((d->prefixes & ~X86_P_REPNE) | X86_P_REP);
            *mand = MP_F3;
            break;
        default:
            /* REX counts only right before the opcode. */
            if (d->mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
                st = short_status(i + 1, 1, avail);
                if (st)
                    return -st;
                if (!prefix_kind[p[i + 1]]) {
                    if ((p[i + 1] & 0xf0) != 0x40) {
                        d->rex = b;
                        d->prefixes |= X86_P_REX;
                        return (int)i + 1;
                    }
                }
                break; /* a REX followed by another prefix is ignored */
            }
            return (int)i;
        }
        i++;
    }
}

static unsigned operand_size(const struct x86_insn *d, unsigned flags, bool osz)
{
    if (flags & X86_F_BYTE)
        return 1;
    if (d->mode == X86_MODE_64) {
        if (d->rex & 8)
            return 8;
        if (osz)
            return 2;
        return flags & X86_F_DEF64 ? 8 : 4;
    }
    return (d->mode == X86_MODE_32) != osz ? 4 : 2;
}

static unsigned address_size(const struct x86_insn *d)
{
    bool adsz = d->prefixes & X86_P_ADSZ;

    if (d->mode == X86_MODE_64)
        return adsz ? 4 : 8;
    return (d->mode == X86_MODE_32) != adsz ? 4 : 2;
}

/* Looks up the table entry after the opcode; consumes ModRM when needed. */
static int lookup(struct x86_insn *d, const uint8_t *p, unsigned *ip,
                  unsigned avail, unsigned mand, bool *osz, struct opent *out)
{
    unsigned i = *ip;
    struct opent e;

    NEED(1);
    d->opcode = p[i++];
    if (d->opcode == 0x0f) {
        NEED(1);
        d->map = 1;
        d->opcode = p[i++];
        e = two_byte[d->opcode];
    } else {
        e = one_byte[d->opcode];
    }
    if (e.flags & X86_F_SSE) {
        /* 66 selecting the form is not also an operand-size prefix. */
        if (mand == MP_66)
            *osz = false;
        e = sse[e.aux][mand];
        e.flags |= X86_F_MODRM;
    }
    if (e.flags & X86_F_MODRM) {
        NEED(1);
        d->modrm = p[i++];
    }
    if (e.flags & X86_F_GROUP) {
        struct opent g = groups[e.aux][(d->modrm >> 3) & 7];

        g.flags = g.flags | (e.flags & ~X86_F_GROUP);
        e = g;
    }
    *ip = i;
    *out = e;
    return e.op ? X86_DEC_OK : X86_DEC_UNSUPPORTED;
}

/* Fills the memory operand of a ModRM, moffs or string instruction. */
static int decode_memory(struct x86_insn *d, const uint8_t *p, unsigned *ip,
                         unsigned avail, int seg_override)
{
    unsigned i = *ip;

    d->seg = X86_DS;
    d->index = X86_REG_NONE;
    d->scale = 1;
    if (d->flags & X86_F_STRING) {
        d->has_mem = true;
        bool to_es = d->op == X86_OP_STOS || d->op == X86_OP_INS || d->op == X86_OP_SCAS;

        d->base = to_es ? X86_RDI : X86_RSI;
        if (to_es)
            d->seg = X86_ES;
    } else if (d->flags & X86_F_MOFFS) {
        NEED(d->addrsize);
        d->has_mem = true;
        d->base = X86_REG_NONE;
        d->disp = (int64_t)get_unsigned(p + i, d->addrsize);
        i += d->addrsize;
    } else if (d->flags & X86_F_OPREG) {
        d->base = X86_REG_NONE;
        d->rm = (uint8_t)((d->opcode & 7) | (d->rex & 1) << 3);
    } else if (!(d->flags & X86_F_MODRM)) {
        d->base = X86_REG_NONE; /* no explicit operand (RET, LEAVE, ENTER, PUSH imm) */
    } else if ((d->modrm >> 6) != 3) {
        int n = d->addrsize == 2 ? modrm_mem16(d, p, i, avail)
                                 : modrm_mem32(d, p, i, avail);
        if (n < 0)
            return -n;
        d->has_mem = true;
        i += (unsigned)n;
    } else {
        d->base = X86_REG_NONE;
        d->rm = (uint8_t)((d->modrm & 7) | (d->rex & 1) << 3);
    }
    if (d->has_mem && seg_override >= 0 && d->op != X86_OP_STOS && d->op != X86_OP_INS &&
        d->op != X86_OP_SCAS) {
        /* Long mode ignores ES/CS/SS/DS overrides. */
        if (d->mode != X86_MODE_64 || seg_override >= X86_FS)
            d->seg = (uint8_t)seg_override;
    }
    *ip = i;
    return X86_DEC_OK;
}

/* Operand and memory sizes once the entry is known. */
static void set_sizes(struct x86_insn *d, const struct opent *e, bool osz)
{
    d->addrsize = (uint8_t)address_size(d);
    d->opsize = (uint8_t)operand_size(d, e->flags, osz);
    d->memsize = d->opsize;
    if (d->op == X86_OP_MOVZX || d->op == X86_OP_MOVSX)
        d->memsize = e->aux;
    if (d->op == X86_OP_SSE_LOAD || d->op == X86_OP_SSE_STORE) {
        d->memsize = e->aux ? e->aux : (d->rex & 8) ? 8 : 4;
        d->opsize = d->memsize;
    }
    if ((e->flags & X86_F_DEF64) && d->mode == X86_MODE_64 && !(d->rex & 8))
        d->opsize = d->memsize = osz ? 2 : 8; /* PUSH, POP, LEAVE, ENTER: 32 is not encodable */
    if ((e->flags & X86_F_NEAR64) && d->mode == X86_MODE_64)
        d->opsize = d->memsize = 8;
    if (d->op == X86_OP_JMPF)
        d->memsize = (uint8_t)(d->opsize + 2); /* offset, then the selector */
    if (d->op == X86_OP_MOV_SREG || d->op == X86_OP_LTR)
        d->opsize = d->memsize = 2;
    if (d->op == X86_OP_STORE_SREG)
        d->memsize = 2; /* a memory destination takes 16 bits whatever the prefixes */
    if (e->flags & X86_F_MMX)
        d->opsize = d->memsize = 8;
    /* INS/OUTS move at most 32 bits: REX.W does not widen them (SDM INS). */
    if ((d->op == X86_OP_INS || d->op == X86_OP_OUTS) && d->opsize == 8)
        d->opsize = d->memsize = 4;
    if (d->op == X86_OP_SMSW)
        d->opsize = d->memsize = 2; /* the memory form stores 16 bits whatever the prefix */
    if (d->op == X86_OP_MOVNTI && d->opsize == 2)
        d->opsize = d->memsize = 4; /* not reached: 66 selects no form */
}

int x86_decode(struct x86_insn *d, const uint8_t *p, unsigned avail,
               enum x86_mode mode)
{
    int seg_override = -1, st;
    unsigned mand = MP_NONE, i, isz;
    bool osz;
    struct opent e;

    memset(d, 0, sizeof(*d));
    d->mode = (uint8_t)mode;
    st = read_prefixes(d, p, avail, &seg_override, &mand);
    if (st < 0)
        return -st;
    i = (unsigned)st;
    osz = d->prefixes & X86_P_OPSZ;
    st = lookup(d, p, &i, avail, mand, &osz, &e);
    if (st)
        return st;
    if ((e.flags & X86_F_ONLY64) && mode != X86_MODE_64)
        return X86_DEC_UNSUPPORTED; /* 63 is ARPL outside long mode */
    if ((e.op == X86_OP_BSF || e.op == X86_OP_BSR) && (d->prefixes & X86_P_REP))
        return X86_DEC_UNSUPPORTED; /* F3 0F BC/BD: TZCNT/LZCNT where BMI exists */
    if ((e.flags & X86_F_NEAR64) && mode == X86_MODE_64 && osz)
        return X86_DEC_UNSUPPORTED; /* 66 on a near branch: Intel and AMD differ */
    d->op = e.op;
    d->flags = e.flags;
    d->reg = (uint8_t)(((d->modrm >> 3) & 7) | (d->rex & 4) << 1);
    if (e.flags & (X86_F_MOFFS | X86_F_STRING))
        d->reg = X86_RAX; /* the accumulator is implied */
    set_sizes(d, &e, osz);
    st = decode_memory(d, p, &i, avail, seg_override);
    if (st)
        return st;
    if ((e.flags & X86_F_MEMONLY) && !d->has_mem)
        return X86_DEC_INVALID;
    /* MOV to CS, and Sreg 6 and 7, are #UD (SDM MOV). */
    if (e.op == X86_OP_MOV_SREG && ((d->modrm >> 3 & 7) == X86_CS || (d->modrm >> 3 & 7) > X86_GS))
        return X86_DEC_INVALID;
    if (e.op == X86_OP_STORE_SREG && (d->modrm >> 3 & 7) > X86_GS)
        return X86_DEC_INVALID;
    isz = e.flags & X86_F_IMM8 ? 1 : e.flags & X86_F_IMMZ ? (d->opsize == 2 ? 2 : 4)
        : e.flags & X86_F_IMM16 ? 2 : e.flags & X86_F_ENTER ? 3 : 0;
    if (isz) {
        NEED(isz);
        d->imm = isz == 3 ? get_unsigned(p + i, 3) : isz == 2 && (e.flags & X86_F_IMM16)
                 ? get_unsigned(p + i, 2) : (uint64_t)get_signed(p + i, isz);
        d->imm_size = (uint8_t)isz;
        i += isz;
    }
    /* LOCK needs a lockable op with a memory destination (SDM LOCK). */
    if ((d->prefixes & X86_P_LOCK) &&
        (!(e.flags & X86_F_LOCK) || !d->has_mem || (e.flags & X86_F_TOREG)))
        return X86_DEC_INVALID;
    d->len = (uint8_t)i;
    return X86_DEC_OK;
}
