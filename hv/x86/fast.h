/*
 * The fast path of an MMIO exit, a layer below the general emulator: it
 * never calls back into it.  Included by emulate.c alone, so that emu_run
 * tries it without a call in between (the hot exit is measured in
 * instructions: tests/bench/callgrind-exit.sh).
 *
 * The fast path: the same results as the general path
 * (emulate.c, access.c, paging.c) in fewer instructions, for the case that
 * dominates real exits -- a driver in 64-bit code repeating the same MOV to
 * a device register.
 *
 * fetch_cached() replaces fetch + decode when both caches still hold:
 *   - the fetch walk cache (ctx->wcache[0]) is for RIP's linear page, the
 *     same CR3, paging mode and permission inputs (emu_paging_sig) and the
 *     same guest-physical map (map_gen), and every paging-structure entry
 *     it read still reads the same.  This re-validation cannot be skipped:
 *     the guest may edit its page tables without any exit;
 *   - the decoded-instruction cache holds a 64-bit decode whose bytes equal
 *     the bytes now at RIP, compared in place through the host pointer of
 *     the code page that ram_ptr gave for that page under the same map_gen
 *     (the code itself may change without an exit too).
 * It needs RIP at least 16 bytes before the end of its page, so the
 * instruction and the compared bytes are on the one cached page.
 *
 * exec_fast() executes MOV/MOVZX/MOVSX/MOVSXD loads and MOV/MOVNTI
 * stores with a memory operand in 64-bit mode (ES/CS/SS/DS: no segment
 * base, no limit) when the operand lies in one page and is canonical.  When
 * the exit reported a translated guest-linear address on the operand's page
 * for this kind of access (qualification bits 7 and 8), the CPU has already
 * walked the guest's page tables and checked the access's permissions for
 * that page: the exit's guest-physical page is used directly, exactly as
 * the general path's seeded per-exit TLB does.  Anything else -- a split,
 * a non-canonical address, FS/GS -- is declined before any state changes
 * and the general path runs the instruction (and raises its fault).
 */
#ifndef HV_X86_FAST_H
#define HV_X86_FAST_H

#include "hv/x86/emu_internal.h"

/* emu_size_mask() without the shift, for sizes 1, 2, 4, 8. */
static const uint64_t fast_size_mask[9] = {
    [1] = 0xff, [2] = 0xffff, [4] = 0xffffffff, [8] = ~0ull,
};

static uint8_t fast_kind(const struct x86_insn *d)
{
    if (d->mode != X86_MODE_64 || !d->has_mem || d->seg >= X86_FS ||
        (d->flags & (X86_F_STRING | X86_F_XMM)))
        return EMU_FAST_NONE;
    switch (d->op) {
    case X86_OP_MOV:
        if (d->flags & X86_F_TOREG)
            return d->memsize == d->opsize ? EMU_FAST_LOAD : EMU_FAST_NONE;
        return EMU_FAST_STORE;
    case X86_OP_MOVZX:
    case X86_OP_MOVSX:
        return (d->flags & X86_F_TOREG) ? EMU_FAST_LOAD : EMU_FAST_NONE;
    case X86_OP_MOVNTI:
        return EMU_FAST_STORE;
    default:
        return EMU_FAST_NONE;
    }
}

static inline uint8_t emu_fast_kind(const struct x86_insn *d)
{
    uint8_t k = fast_kind(d);

    if (k && d->base < X86_RIP && d->index == X86_REG_NONE && d->addrsize == 8)
        k |= EMU_FAST_BASE_DISP;
    return k;
}

/* Every entry the cached fetch walk read still reads the same (in long
 * mode the entries are 8 bytes: PAE is part of the paging signature; a
 * 4-level walk reads 4 entries, a 5-level one 5, a 1 GiB/2 MiB page fewer). */
static inline bool walk_unchanged(const struct emu_walk_cache *c)
{
    uint64_t diff = 0, e;
    unsigned i;

    if (c->n == 4) { /* 4-level paging, 4 KiB page: the common case */
        for (i = 0; i < 4; i++) {
            memcpy(&e, c->ptr[i], 8);
            diff |= e ^ c->val[i];
        }
        return !diff;
    }
    for (i = 0; i < c->n; i++) {
        memcpy(&e, c->ptr[i], 8);
        diff |= e ^ c->val[i];
    }
    return !diff;
}

static inline __attribute__((always_inline)) bool fetch_cached(struct emu_ctx *ctx)
{
    const struct emu_walk_cache *c = &ctx->wcache[0];
    struct emu_regs *r = &ctx->regs;
    uint64_t rip = r->rip, w0, w1, d0, d1;
    const uint8_t *p;

    /* c->host is set only for a valid fetch walk (so FETCH is allowed)
     * under a non-zero map_gen (emulate.c, remember_code_page); entries
     * are 8 bytes when the signature (PAE) matches. */
    if (!c->host || c->lpage != rip >> 12 || (rip & 0xfff) > 4096 - 16 ||
        c->gen != ctx->map_gen || !ctx->dcache.valid64)
        return false;
    emu_need(ctx, EMU_V_CR3);
    if (c->cr3 != r->cr3 || c->sig != emu_paging_sig(r) || !walk_unchanged(c))
        return false;
    /* The page was canonical when it was walked, and LA57 is in the
     * signature: RIP is canonical. */
    p = c->host + (rip & 0xfff);
    memcpy(&w0, p, 8);
    memcpy(&w1, p + 8, 8);
    memcpy(&d0, ctx->dcache.bytes, 8);
    memcpy(&d1, ctx->dcache.bytes + 8, 8);
    if (((w0 ^ d0) & ctx->dcache.mask[0]) | ((w1 ^ d1) & ctx->dcache.mask[1]))
        return false;
    /* What fetch() + decode_fetched() leave behind. */
    memcpy(ctx->bytes, p, X86_MAX_INSN_LEN);
    ctx->nbytes = X86_MAX_INSN_LEN;
    ctx->insn = ctx->dcache.insn;
    return true;
}

/* Effective address at the instruction's address size. */
static inline uint64_t fast_ea(const struct emu_ctx *ctx, const struct x86_insn *d)
{
    const uint64_t *g = ctx->regs.gpr;
    uint64_t a = (uint64_t)d->disp;

    if (d->base == X86_RIP)
        a += ctx->regs.rip + d->len;
    else if (d->base != X86_REG_NONE)
        a += g[d->base];
    if (d->index != X86_REG_NONE)
        a += g[d->index] * d->scale;
    return d->addrsize == 8 ? a : (uint32_t)a;
}

/* The register write of a load, from the instruction in ctx (read again
 * after the access callback, so nothing of it stays live across the call):
 * MOVSX sign-extends, MOV and MOVZX zero-extend the memsize bytes. */
static inline __attribute__((always_inline)) void fast_load_done(struct emu_ctx *ctx, uint64_t v)
{
    const struct x86_insn *d = &ctx->insn;
    unsigned size = d->memsize;

    if (d->op == X86_OP_MOVSX)
        v = emu_sign_extend(v, size);
    else
        v &= fast_size_mask[size];
    emu_reg_set(ctx, d->rex, d->reg, d->opsize, v);
}

/* The end of an executed instruction: RF cleared, RIP advanced. */
static inline __attribute__((always_inline)) void fast_done(struct emu_ctx *ctx)
{
    struct emu_regs *r = &ctx->regs;

    if (r->rflags & X86_FL_RF) {
        r->rflags &= ~(uint64_t)X86_FL_RF;
        ctx->dirty |= EMU_D_RFLAGS;
    }
    r->rip += ctx->insn.len;
    ctx->dirty |= EMU_D_RIP;
    ctx->fast_execs++;
}

/* The access itself, once the operand's guest-physical address is known,
 * and the end of the instruction: shared by both fast executions. */
static inline __attribute__((always_inline)) void fast_access(struct emu_ctx *ctx, uint64_t gpa,
                                                              unsigned size, bool store)
{
    const struct x86_insn *d = &ctx->insn;
    uint64_t v;

    if (store) {
        v = d->imm_size ? d->imm : emu_reg_get(ctx->regs.gpr, d->rex, d->reg, size);
        ctx->ops->access(ctx->opaque, gpa, size, true, &v);
    } else {
        v = 0;
        if (ctx->ops->access(ctx->opaque, gpa, size, false, &v))
            v = ~0ull; /* nothing answered: the bus floats high */
        fast_load_done(ctx, v);
    }
    fast_done(ctx);
}

static inline __attribute__((always_inline)) int exec_fast(struct emu_ctx *ctx, const struct emu_hint *hint, bool tlb_ready)
{
    const struct x86_insn *d = &ctx->insn;
    struct emu_regs *r = &ctx->regs;
    bool store = (ctx->dcache.fast & EMU_FAST_KIND) == EMU_FAST_STORE;
    unsigned size = store ? d->opsize : d->memsize;
    enum emu_access acc = store ? EMU_WRITE : EMU_READ;
    uint64_t la = fast_ea(ctx, d), gpa;

    if ((la & 0xfff) + size > 4096 || !emu_canonical(r, la))
        return EMU_FAST_DECLINED;
    /* After a fetch from the caches the per-exit TLB would hold the hint
     * in entry 0 (checked first), so a hit on it needs no TLB at all;
     * otherwise set the TLB up as a full fetch leaves it and translate as
     * the general path does (after a full fetch it is set up already:
     * that fetch may even have evicted the hint by crossing a page). */
    if (!tlb_ready && hint && hint->gla_valid && (r->cr0 & X86_CR0_PG) &&
        (hint->gla ^ la) < 4096 && (!store || hint->is_write)) {
        gpa = (hint->gpa & ~0xfffull) | (la & 0xfff);
    } else {
        enum emu_result rc;

        if (!tlb_ready) {
            emu_tlb_seed(ctx, hint);
            emu_tlb_fill_from_fetch_cache(ctx, r->rip);
        }
        rc = emu_translate_fast(ctx, la, acc, &gpa);
        if (rc)
            return rc;
    }
    fast_access(ctx, gpa, size, store);
    return EMU_OK;
}

/* Executes a fast-kind instruction in 64-bit mode.  Returns EMU_OK (RIP
 * advanced), an EMU_INJECT_* from translation, or EMU_FAST_DECLINED
 * before anything changed (the general path then runs the instruction).
 * tlb_ready: whether the per-exit TLB is already seeded (full fetch). */
static __attribute__((noinline)) int emu_exec_fast(struct emu_ctx *ctx, const struct emu_hint *hint,
                                                   bool tlb_ready)
{
    return exec_fast(ctx, hint, tlb_ready);
}

/* The rest of an exit after a fetch from the caches, when the hinted
 * case below does not apply: exec_fast from the start (nothing has changed
 * yet); if it declines, the general path executes what was fetched. */
static __attribute__((noinline)) int exec_fast_full(struct emu_ctx *ctx,
                                                    const struct emu_hint *hint)
{
    int rc = exec_fast(ctx, hint, false);

    if (rc == EMU_FAST_DECLINED)
        return EMU_FAST_FETCHED;
    if (rc)
        emu_log_fault(ctx, (enum emu_result)rc);
    return rc;
}

/* The common case of exec_fast after a fetch from the caches, with no
 * call before the access: a translated guest-linear address from the exit
 * on the operand's page for this kind of access, the operand in one page
 * and canonical.  Everything else goes to exec_fast_full, which starts
 * again from the instruction (nothing has changed yet) -- keeping its
 * translation calls, and the registers they cost, out of this frame.
 * Inlined once for loads and once for stores (store is a constant). */
static inline __attribute__((always_inline)) int
exec_fast_hinted(struct emu_ctx *ctx, const struct emu_hint *hint, bool store)
{
    const struct x86_insn *d = &ctx->insn;
    struct emu_regs *r = &ctx->regs;
    unsigned size = store ? d->opsize : d->memsize;
    uint64_t la, gpa;

    if (ctx->dcache.fast & EMU_FAST_BASE_DISP)
        la = r->gpr[d->base & 15] + (uint64_t)d->disp;
    else
        la = fast_ea(ctx, d);
    if (!hint || !hint->gla_valid || !(r->cr0 & X86_CR0_PG) || (hint->gla ^ la) >= 4096 ||
        (store && !hint->is_write) || (la & 0xfff) + size > 4096 || !emu_canonical(r, la))
        return exec_fast_full(ctx, hint);
    gpa = (hint->gpa & ~0xfffull) | (la & 0xfff);
    fast_access(ctx, gpa, size, store);
    return EMU_OK;
}

/* The fast path's entry, which emu_run tries first: in 64-bit code, the
 * fetch from the caches and then a fast-kind instruction.  Returns EMU_OK
 * or an EMU_INJECT_* (fault logged) when it ran the instruction,
 * EMU_FAST_FETCHED when ctx->insn/bytes came from the caches but the
 * general path must execute it (EMU_RUN_CACHED), EMU_FAST_DECLINED when
 * it did nothing. */
static inline __attribute__((always_inline)) int emu_fast_run(struct emu_ctx *ctx,
                                                              const struct emu_hint *hint)
{
    if (emu_cpu_mode(&ctx->regs) != X86_MODE_64 || !fetch_cached(ctx))
        return EMU_FAST_DECLINED;
    ctx->fast_fetches++;
    switch (ctx->dcache.fast & EMU_FAST_KIND) {
    case EMU_FAST_LOAD:
        return exec_fast_hinted(ctx, hint, false);
    case EMU_FAST_STORE:
        return exec_fast_hinted(ctx, hint, true);
    default:
        return EMU_FAST_FETCHED;
    }
}

#endif
