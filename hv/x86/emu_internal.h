/*
 * Helpers shared by the emulator's files (emulate.c, paging.c, access.c,
 * alu.c).  Not an interface: hv/ code uses emulate.h only.
 */
#ifndef HV_X86_EMU_INTERNAL_H
#define HV_X86_EMU_INTERNAL_H

#include "hv/x86/emulate.h"

#define X86_VEC_UD 6
#define X86_VEC_NM 7
#define X86_VEC_SS 12
#define X86_VEC_GP 13
#define X86_VEC_PF 14

/* #PF error code bits (SDM 4.7). */
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)

/* Makes sure the register-file parts in `want` (EMU_V_*) are filled. */
static inline void emu_need(struct emu_ctx *ctx, unsigned want)
{
    unsigned missing = want & ~ctx->valid;

    if (missing) {
        if (ctx->ops->load)
            ctx->ops->load(ctx->opaque, &ctx->regs, missing);
        ctx->valid |= missing;
    }
}

/* Records an exception to inject and returns its result code. */
enum emu_result emu_raise(struct emu_ctx *ctx, enum emu_result r,
                          uint32_t error_code, uint64_t cr2);

/* Flags of an ALU operation (alu.c).  op: X86_OP_ADD..X86_OP_CMP, TEST,
 * INC, DEC, NEG.  Returns the result; updates the six arithmetic flags in
 * *rflags (INC/DEC keep CF). */
uint64_t emu_alu(unsigned op, unsigned size, uint64_t a, uint64_t b,
                 uint64_t *rflags);

/* Linear address of seg:off for an access of `size` bytes, with the
 * segment's checks (access.c). */
enum emu_result emu_linear(struct emu_ctx *ctx, unsigned mode, unsigned seg,
                           uint64_t off, unsigned size, bool write,
                           uint64_t *la);
/* Moves `size` (1..16) bytes at linear la, translating each page for
 * `acc` before any byte moves. */
enum emu_result emu_xfer(struct emu_ctx *ctx, unsigned mode, uint64_t la,
                         unsigned size, enum emu_access acc, bool write,
                         uint8_t *buf);
/* emu_linear + emu_xfer for 1, 2, 4 or 8 bytes in *val (reads zero-
 * extend).  acc EMU_WRITE with write false: a read that will be followed
 * by a write to the same operand. */
enum emu_result emu_mem(struct emu_ctx *ctx, unsigned mode, unsigned seg,
                        uint64_t off, unsigned size, enum emu_access acc,
                        bool write, uint64_t *val);

/* emu_translate with the per-exit TLB checked inline first. */
static inline enum emu_result emu_translate_fast(struct emu_ctx *ctx, uint64_t la,
                                                 enum emu_access acc, uint64_t *gpa)
{
    const struct emu_tlb *t = &ctx->tlb[0];

    if (t->lpage == la >> 12 && (t->perm & (1u << acc))) {
        *gpa = t->ppage | (la & 0xfff);
        return EMU_OK;
    }
    return emu_translate(ctx, la, acc, gpa);
}

/* Canonical: bits 63..47 (or 63..56 with LA57) all equal. */
static inline bool emu_canonical(const struct emu_regs *r, uint64_t la)
{
    unsigned bits = (r->cr4 & EMU_CR4_LA57) ? 57 : 48;

    return (uint64_t)((int64_t)(la << (64 - bits)) >> (64 - bits)) == la;
}

static inline uint64_t emu_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
