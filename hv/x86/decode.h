/*
 * x86 instruction decoder for the MMIO path.
 *
 * Decodes one instruction of the forms the emulator supports (see
 * docs/decoder.md for the list) in 16-, 32- or 64-bit code: legacy
 * prefixes, REX, ModRM/SIB/displacement/immediate, RIP-relative and moffs
 * operands.  It computes the length itself, because the VM-exit instruction
 * length field is undefined for EPT violations.
 *
 * Table-driven and allocation-free: it runs inside the guest's exit.
 */
#ifndef HV_X86_DECODE_H
#define HV_X86_DECODE_H

#include "hv/lib/base.h"

#define X86_MAX_INSN_LEN 15

/* The code segment's default operand/address size. */
enum x86_mode {
    X86_MODE_16 = 0, /* real mode, virtual-8086, 16-bit protected mode */
    X86_MODE_32 = 1,
    X86_MODE_64 = 2,
};

/* General registers in ModRM/REX numbering. */
enum x86_reg {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_RIP = 16,       /* only as a memory operand's base */
    X86_REG_NONE = 0xff,
};

/* Segment registers in the SDM's Sreg numbering (also the VMCS order). */
enum x86_seg {
    X86_ES = 0, X86_CS = 1, X86_SS = 2, X86_DS = 3, X86_FS = 4, X86_GS = 5,
    X86_NR_SEGS = 6,
};

/* What an instruction does.  The eight ALU ops are in ModRM.reg order
 * (/0 ADD .. /7 CMP) so group 80/81/83 maps reg to op directly. */
enum x86_op {
    X86_OP_NONE = 0,
    X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
    X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
    X86_OP_MOV, X86_OP_MOVZX, X86_OP_MOVSX, /* MOVSXD is MOVSX of 4 bytes */
    X86_OP_TEST, X86_OP_NOT, X86_OP_NEG, X86_OP_INC, X86_OP_DEC,
    X86_OP_XCHG, X86_OP_CMPXCHG,
    X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC,
    X86_OP_PUSH, X86_OP_POP, X86_OP_MOVNTI,
    X86_OP_MOVS, X86_OP_STOS, X86_OP_LODS,
    X86_OP_SSE_LOAD,  /* xmm <- r/m: 4/8 bytes zero-extended, or 16 */
    X86_OP_SSE_STORE, /* r/m <- low 4/8/16 bytes of xmm */
    X86_OP_INS, X86_OP_OUTS, /* string port I/O: port DX, ES:rDI / seg:rSI */
    X86_OP_CMPS, X86_OP_SCAS, /* string compares: seg:rSI with ES:rDI, rAX with ES:rDI */
    X86_OP_SMSW,      /* m16 <- CR0[15:0] */
    X86_OP_BSF, X86_OP_BSR, /* bit scans: r <- index of the lowest/highest set bit of r/m */
    X86_OP_IMUL2,     /* IMUL r, r/m [, imm]: the low half */
    X86_OP_MUL1, X86_OP_IMUL1, X86_OP_DIV, X86_OP_IDIV, /* with rDX:rAX (AX) */
    /* shifts and rotates of r/m by imm8, 1 or CL (the opcode says which) */
    X86_OP_ROL, X86_OP_ROR, X86_OP_RCL, X86_OP_RCR, X86_OP_SHL, X86_OP_SHR, X86_OP_SAR,
    X86_OP_SHLD, X86_OP_SHRD, /* r/m, r, imm8/CL */
    X86_OP_XADD,      /* r/m <- r/m + r, r <- old r/m */
    X86_OP_CMOV,      /* r <- r/m when the condition (opcode low nibble) holds */
    X86_OP_MOV_SREG,  /* Sreg (ModRM.reg) <- r/m16 */
    X86_OP_STORE_SREG,/* r/m <- Sreg (ModRM.reg): m16, or a register zero-extended */
    X86_OP_LTR,       /* TR <- m16 (a TSS selector) */
    X86_OP_JMP,       /* near indirect: rIP <- r/m */
    X86_OP_JMPF,      /* far indirect: CS:rIP <- m16:16/32/64 */
    X86_OP_RET,       /* near return [, imm16 bytes released] */
    X86_OP_LEAVE,     /* rSP <- rBP, pop rBP */
    X86_OP_ENTER,     /* make a stack frame: imm16 bytes, nesting level imm8 */
    X86_OP_COUNT,
};

/* Properties from the opcode tables (x86_insn.flags). */
enum {
    X86_F_MODRM = 1u << 0,   /* has a ModRM byte */
    X86_F_BYTE = 1u << 1,    /* byte operation: operand size 1 */
    X86_F_IMM8 = 1u << 2,    /* 8-bit immediate */
    X86_F_IMMZ = 1u << 3,    /* 16-bit immediate (opsize 2) or 32 */
    X86_F_GROUP = 1u << 4,   /* table only: ModRM.reg selects the entry */
    X86_F_SSE = 1u << 5,     /* table only: the mandatory prefix selects */
    X86_F_DEF64 = 1u << 6,   /* 64-bit operand size by default in long mode */
    X86_F_MOFFS = 1u << 7,   /* A0-A3: absolute offset of address size */
    X86_F_MEMONLY = 1u << 8, /* register form (mod=3) is #UD */
    X86_F_LOCK = 1u << 9,    /* LOCK allowed with a memory destination */
    X86_F_TOREG = 1u << 10,  /* the register operand is the destination */
    X86_F_STRING = 1u << 11, /* MOVS/STOS/LODS/INS/OUTS/CMPS/SCAS: rSI/rDI, REP */
    X86_F_ONLY64 = 1u << 12, /* valid in 64-bit mode only (MOVSXD) */
    X86_F_XMMRM = 1u << 13,  /* mod=3 r/m is an XMM register, not a GPR */
    X86_F_ALIGN16 = 1u << 14,/* memory operand must be 16-byte aligned */
    X86_F_XMM = 1u << 15,    /* ModRM.reg is an XMM register */
    X86_F_OPREG = 1u << 16,  /* no ModRM: the register is opcode bits 2:0 (+ REX.B) */
    X86_F_IMM16 = 1u << 17,  /* a 16-bit immediate whatever the operand size */
    X86_F_ENTER = 1u << 18,  /* ENTER's iw, ib (imm = iw | ib << 16) */
    X86_F_NEAR64 = 1u << 19, /* near branch: 64-bit in long mode (66: not emulated) */
    X86_F_MMX = 1u << 20,    /* ModRM.reg is an MMX register */
};

/* Prefixes seen (x86_insn.prefixes). */
enum {
    X86_P_LOCK = 1u << 0,
    X86_P_REP = 1u << 1,   /* F3 */
    X86_P_REPNE = 1u << 2, /* F2 */
    X86_P_OPSZ = 1u << 3,  /* 66 (also when consumed as a mandatory prefix) */
    X86_P_ADSZ = 1u << 4,  /* 67 */
    X86_P_SEG = 1u << 5,   /* a segment override */
    X86_P_REX = 1u << 6,   /* an effective REX prefix */
};

/* One decoded instruction. */
struct x86_insn {
    uint8_t len;       /* bytes, 1..15 */
    uint8_t op;        /* enum x86_op */
    uint8_t opsize;    /* operand size in bytes: 1, 2, 4, 8, 16 (xmm) */
    uint8_t addrsize;  /* address size in bytes: 2, 4, 8 */
    uint8_t memsize;   /* bytes of the memory operand (MOVZX: the source) */
    uint8_t mode;      /* enum x86_mode it was decoded in */
    uint8_t prefixes;  /* X86_P_* */
    uint8_t rex;       /* the REX byte, 0 if none */
    uint32_t flags;    /* X86_F_* of the table entry */
    uint8_t opcode;    /* the last opcode byte */
    uint8_t map;       /* 0: one-byte map, 1: 0F map */
    uint8_t modrm;
    uint8_t reg;       /* ModRM.reg + REX.R: register (or XMM) operand */
    uint8_t rm;        /* mod=3: ModRM.rm + REX.B */
    bool has_mem;      /* a memory operand described below */
    /* Memory operand: seg:[base + index*scale + disp] at address size. */
    uint8_t seg;       /* effective segment, enum x86_seg */
    uint8_t base;      /* enum x86_reg or X86_REG_NONE (X86_RIP: relative) */
    uint8_t index;     /* enum x86_reg or X86_REG_NONE */
    uint8_t scale;     /* 1, 2, 4, 8 */
    uint8_t imm_size;  /* bytes of immediate in the encoding, 0 if none */
    int64_t disp;      /* sign-extended; moffs: the offset, zero-extended */
    uint64_t imm;      /* sign-extended to 64 bits */
};

enum x86_decode_status {
    X86_DEC_OK = 0,
    X86_DEC_TRUNCATED = 1,   /* needs more bytes than were given */
    X86_DEC_INVALID = 2,     /* the SDM says #UD (LOCK misuse, bad form) */
    X86_DEC_UNSUPPORTED = 3, /* maybe valid, but not a form we emulate */
    X86_DEC_TOO_LONG = 4,    /* longer than 15 bytes: #GP(0) */
};

/* Decodes the instruction at bytes[0..avail).  Returns enum
 * x86_decode_status; on X86_DEC_OK *d describes it. */
int x86_decode(struct x86_insn *d, const uint8_t *bytes, unsigned avail,
               enum x86_mode mode);

/* Short names for logs and tests ("mov", "add", ...). */
const char *x86_op_name(unsigned op);

#endif
