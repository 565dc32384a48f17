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

/* A data access (linear address) or a port access the guest's
 * breakpoints may match (ctx->watch; hv/x86/debugreg.h). */
static inline void emu_watch(struct emu_ctx *ctx, enum x86_dr_access kind, uint64_t addr,
                             unsigned size)
{
    if (__builtin_expect(ctx->watch.on, 0))
        ctx->db_hits |= x86_dr_match(ctx->watch.dr7, ctx->watch.dr, ctx->watch.cr4_de, kind,
                                     addr, size);
}

/* The code segment's default size: enum x86_mode. */
static inline unsigned emu_cpu_mode(const struct emu_regs *r)
{
    if (!(r->cr0 & X86_CR0_PE) || (r->rflags & X86_FL_VM))
        return X86_MODE_16;
    if ((r->efer & X86_EFER_LMA) && (r->seg[X86_CS].attr & EMU_SEG_L))
        return X86_MODE_64;
    return (r->seg[X86_CS].attr & EMU_SEG_DB) ? X86_MODE_32 : X86_MODE_16;
}

/* Records an exception to inject and returns its result code. */
enum emu_result emu_raise(struct emu_ctx *ctx, enum emu_result r,
                          uint32_t error_code, uint64_t cr2);

/* Flags of an ALU operation (alu.c).  op: X86_OP_ADD..X86_OP_CMP, TEST,
 * INC, DEC, NEG.  Returns the result; updates the six arithmetic flags in
 * *rflags (INC/DEC keep CF). */
/* A shift or rotate of a (with src for SHLD/SHRD) by count: the result,
 * and the flags updated in *rflags (alu.c). */
uint64_t emu_shift(unsigned op, unsigned size, uint64_t a, uint64_t src, unsigned count,
                   uint64_t *rflags);
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

/* Segment loads (segment.c).  emu_load_sreg: MOV Sreg / POP Sreg into
 * seg (not CS) -- checked, loaded and marked dirty.  emu_ltr: LTR.
 * emu_load_cs: the code segment a far JMP goes to (checked, not yet
 * loaded: the caller checks the new RIP first). */
enum emu_result emu_load_sreg(struct emu_ctx *ctx, unsigned mode, unsigned seg, uint16_t sel);
enum emu_result emu_ltr(struct emu_ctx *ctx, unsigned mode, uint16_t sel);
enum emu_result emu_load_cs(struct emu_ctx *ctx, unsigned mode, uint16_t sel,
                            struct emu_seg *cs);

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

/* Canonical: bits 63..47 (or 63..56 with LA57) all equal, that is, they
 * shift down (arithmetically) to 0 or -1. */
static inline bool emu_canonical(const struct emu_regs *r, uint64_t la)
{
    unsigned top = (r->cr4 & X86_CR4_LA57) ? 56 : 47;

    return (uint64_t)(((int64_t)la >> top) + 1) <= 1;
}

static inline uint64_t emu_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t emu_sign_extend(uint64_t v, unsigned size)
{
    unsigned sh = 64 - size * 8;

    return size >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

/* A general register of `size` bytes; without REX, byte registers 4-7 are
 * AH, CH, DH, BH. */
static inline uint64_t emu_reg_get(const uint64_t *g, bool rex, unsigned reg, unsigned size)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8)
        return (g[reg - 4] >> 8) & 0xff;
    return g[reg] & emu_size_mask(size);
}

/* 8/16-bit writes keep the other bits; 32-bit writes clear 63:32. */
static inline void emu_reg_set(struct emu_ctx *ctx, bool rex, unsigned reg, unsigned size,
                               uint64_t v)
{
    uint64_t *g = ctx->regs.gpr;

    /* the common sizes first (the exit path's MOVs) */
    if (size >= 4) {
        g[reg] = size == 4 ? (uint32_t)v : v;
    } else if (size == 2) {
        g[reg] = (g[reg] & ~0xffffull) | (v & 0xffff);
    } else if (!rex && reg >= 4 && reg < 8) {
        reg -= 4;
        g[reg] = (g[reg] & ~0xff00ull) | (v & 0xff) << 8;
    } else {
        g[reg] = (g[reg] & ~0xffull) | (v & 0xff);
    }
    ctx->dirty |= EMU_D_GPR(reg);
}

/* Everything besides CR3 and the entries that decides a walk's result and
 * its permissions (the bit positions do not overlap). */
static inline uint64_t emu_paging_sig(const struct emu_regs *r)
{
    return (r->cr4 & (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_LA57 | X86_CR4_SMEP | X86_CR4_SMAP)) |
           (r->efer & (X86_EFER_LMA | X86_EFER_NXE)) | (r->cr0 & X86_CR0_WP) |
           (r->rflags & X86_FL_AC) | (uint64_t)r->cpl << 32;
}

/* ------------------------------------------------ per-exit TLB (paging.c) */
/* Empties the per-exit TLB and seeds it with the exit's (GLA, GPA) pair
 * for the access kind the exit reported. */
void emu_tlb_seed(struct emu_ctx *ctx, const struct emu_hint *hint);
/* Puts the fetch walk cache's translation (ctx->wcache[0], just validated
 * for the page at linear la) into the per-exit TLB, as a fetch through the
 * cache would have. */
void emu_tlb_fill_from_fetch_cache(struct emu_ctx *ctx, uint64_t la);

/* ------------------------------------------------------ fast path (fast.h)
 * Forms the fast path executes (ctx->dcache.fast). */
enum emu_fast_kind {
    EMU_FAST_NONE = 0,
    EMU_FAST_LOAD,   /* MOV r,m; MOVZX; MOVSX(D): register <- memory */
    EMU_FAST_STORE,  /* MOV m,r; MOV m,imm; MOVNTI: memory <- register/imm */
    EMU_FAST_KIND = 3,       /* mask: LOAD or STORE */
    /* or'ed in: the operand is [base + disp] with a general register as
     * base, no index, 64-bit addressing (the usual driver access to a
     * device register): the address is gpr[base] + disp */
    EMU_FAST_BASE_DISP = 4,
};
#define EMU_FAST_DECLINED (-1) /* nothing done: run the general path */
#define EMU_FAST_FETCHED (-2)  /* fetched from the caches, not executed */


/* emu_run without the fast fetch (emulate.c).  how: EMU_RUN_CACHED when
 * ctx->insn, bytes and nbytes were filled from the caches (fast.h) for the
 * current CS:RIP in 64-bit mode and nothing else was done;
 * EMU_RUN_REFERENCE never uses the fast path at all (tests compare the two
 * paths with it). */
#define EMU_RUN_CACHED 1u
#define EMU_RUN_REFERENCE 2u
enum emu_result emu_run_general(struct emu_ctx *ctx, const struct emu_hint *hint, unsigned how);
/* Logs the one line of an injected fault (emulate.c). */
void emu_log_fault(struct emu_ctx *ctx, enum emu_result rc);


#endif
