/*
 * Guest-linear to guest-physical translation with the guest's own paging
 * (SDM vol. 3, chapter 4): none, 32-bit, PAE, 4-level and 5-level.  Used
 * for instruction fetch and for every data access the emulator makes.
 *
 * Page-table entries are read (and their accessed/dirty bits set) through
 * ops->ram_ptr.  Differences from a CPU, on purpose:
 *  - PAE PDPTEs are read from memory at CR3, not from the PDPTE registers
 *    the CPU loaded at the last CR3 write;
 *  - A/D bits are set with plain stores (the emulator runs on the vCPU's
 *    own exit; other vCPUs racing on the same entry could lose a bit);
 *  - protection keys are not checked.
 */
#include "hv/x86/emu_internal.h"
#include "hv/platform.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)
#define ADDR_MASK 0x000ffffffffff000ull

/* What a walk found. */
struct walk {
    uint64_t page;      /* guest-physical base of the 4 KiB page */
    bool user, write, nx;
    uint8_t *entries[5]; /* host pointers to the entries used, for A/D */
    unsigned nentries;
    bool entry64;
};

static enum emu_result pf(struct emu_ctx *ctx, uint64_t la, uint32_t err,
                          enum emu_access acc)
{
    const struct emu_regs *r = &ctx->regs;

    if (acc == EMU_WRITE)
        err |= PF_W;
    if (r->cpl == 3)
        err |= PF_U;
    if (acc == EMU_FETCH && (r->efer & EMU_EFER_NXE || r->cr4 & EMU_CR4_SMEP))
        err |= PF_I;
    return emu_raise(ctx, EMU_INJECT_PF, err, la);
}

/* Reads a paging-structure entry; NULL when it is not in RAM. */
static uint8_t *entry_ptr(struct emu_ctx *ctx, uint64_t gpa)
{
    return ctx->ops->ram_ptr(ctx->opaque, gpa);
}

static uint64_t load_entry(const uint8_t *p, bool is64)
{
    uint64_t v = 0;

    memcpy(&v, p, is64 ? 8 : 4);
    return v;
}

/* Accumulates one entry's permissions into the walk. */
static void accumulate(struct walk *w, uint64_t e, bool nxe)
{
    w->user = w->user && (e & PTE_U);
    w->write = w->write && (e & PTE_W);
    if (nxe && (e & PTE_XD))
        w->nx = true;
}

/* Multi-level walk for PAE, 4-level and 5-level paging.  Returns 0,
 * or PF error bits | 0x100 for not-present (0) / reserved (RSVD). */
static int walk64(struct emu_ctx *ctx, uint64_t la, struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    bool nxe = r->efer & EMU_EFER_NXE;
    bool pae32 = !(r->efer & EMU_EFER_LMA);
    unsigned levels = pae32 ? 3 : (r->cr4 & EMU_CR4_LA57) ? 5 : 4;
    uint64_t table = pae32 ? (r->cr3 & 0xffffffe0ull) : (r->cr3 & ADDR_MASK);

    for (unsigned lvl = levels; lvl >= 1; lvl--) {
        unsigned shift = 12 + 9 * (lvl - 1);
        unsigned idx = pae32 && lvl == 3 ? (la >> 30) & 3 : (la >> shift) & 511;
        uint8_t *p = entry_ptr(ctx, table + idx * 8);
        uint64_t e;

        if (!p)
            return -1;
        e = load_entry(p, true);
        if (!(e & PTE_P))
            return 0x100;
        if ((e & PTE_XD) && !nxe)
            return 0x100 | PF_RSVD;
        if (pae32 && lvl == 3) {
            /* PAE PDPTE: no R/W, U/S, XD; bits 1-2 and 5-8 reserved */
            if (e & (0x1e6ull | PTE_XD))
                return 0x100 | PF_RSVD;
            table = e & ADDR_MASK;
            continue;
        }
        w->entries[w->nentries++] = p;
        accumulate(w, e, nxe);
        if (e & PTE_PS) {
            uint64_t size_mask = (1ull << shift) - 1;

            if (lvl > 3 || (lvl == 3 && pae32))
                return 0x100 | PF_RSVD; /* no PS in PML5E/PML4E */
            if (lvl > 1) {
                /* bits 12 (PAT) .. shift-1 must be 0 apart from PAT */
                if (e & size_mask & ~0x1fffull)
                    return 0x100 | PF_RSVD;
                w->page = ((e & ADDR_MASK & ~size_mask) | (la & size_mask)) & ~0xfffull;
                return 0;
            }
        }
        if (lvl == 1) {
            w->page = e & ADDR_MASK;
            return 0;
        }
        table = e & ADDR_MASK;
    }
    return 0x100;
}

/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int walk32(struct emu_ctx *ctx, uint64_t la, struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    uint8_t *p = entry_ptr(ctx, (r->cr3 & 0xfffff000ull) + ((la >> 22) & 1023) * 4);
    uint64_t e;

    if (!p)
        return -1;
    e = load_entry(p, false);
    if (!(e & PTE_P))
        return 0x100;
    w->entries[w->nentries++] = p;
    accumulate(w, e, false);
    if ((e & PTE_PS) && (r->cr4 & EMU_CR4_PSE)) {
        if (e & (1ull << 21))
            return 0x100 | PF_RSVD;
        /* PSE-36: bits 20:13 of the PDE are physical bits 39:32 */
        w->page = (e & 0xffc00000ull) | ((e >> 13) & 0xffull) << 32 |
                  (la & 0x3ff000ull);
        return 0;
    }
    p = entry_ptr(ctx, (e & 0xfffff000ull) + ((la >> 12) & 1023) * 4);
    if (!p)
        return -1;
    e = load_entry(p, false);
    if (!(e & PTE_P))
        return 0x100;
    w->entries[w->nentries++] = p;
    accumulate(w, e, false);
    w->page = e & 0xfffff000ull;
    return 0;
}

/* The accesses the walk's permissions allow at the current CPL. */
static unsigned allowed(const struct emu_ctx *ctx, const struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    bool user_mode = r->cpl == 3;
    unsigned perm = 0;
    bool data_ok, fetch_ok;

    if (user_mode) {
        data_ok = fetch_ok = w->user;
    } else {
        data_ok = !(w->user && (r->cr4 & EMU_CR4_SMAP) && !(r->rflags & EMU_FL_AC));
        fetch_ok = !(w->user && (r->cr4 & EMU_CR4_SMEP));
    }
    if (data_ok) {
        perm |= 1u << EMU_READ;
        if (w->write || (!user_mode && !(r->cr0 & EMU_CR0_WP)))
            perm |= 1u << EMU_WRITE;
    }
    if (fetch_ok && !w->nx)
        perm |= 1u << EMU_FETCH;
    return perm;
}

/* Sets accessed bits along the walk and dirty in the leaf on a write. */
static void set_ad(struct walk *w, enum emu_access acc)
{
    for (unsigned i = 0; i < w->nentries; i++) {
        uint8_t *p = w->entries[i];
        uint8_t bits = (uint8_t)PTE_A;

        if (i + 1 == w->nentries && acc == EMU_WRITE)
            bits |= (uint8_t)PTE_D;
        if ((p[0] & bits) != bits)
            p[0] |= bits;
    }
}

static void tlb_fill(struct emu_ctx *ctx, uint64_t la, uint64_t page,
                     unsigned perm)
{
    struct emu_tlb *t = &ctx->tlb[ctx->tlb_next];

    ctx->tlb_next ^= 1;
    t->lpage = la >> 12;
    t->ppage = page;
    t->perm = (uint8_t)perm;
}

enum emu_result emu_translate(struct emu_ctx *ctx, uint64_t la,
                              enum emu_access acc, uint64_t *gpa)
{
    const struct emu_regs *r = &ctx->regs;
    struct walk w = { .user = true, .write = true };
    unsigned perm;
    int st;

    if (!(r->cr0 & EMU_CR0_PG)) {
        *gpa = la;
        return EMU_OK;
    }
    for (unsigned i = 0; i < 2; i++) {
        const struct emu_tlb *t = &ctx->tlb[i];

        if (t->lpage == la >> 12 && (t->perm & (1u << acc))) {
            *gpa = t->ppage | (la & 0xfff);
            return EMU_OK;
        }
    }
    emu_need(ctx, EMU_V_CR3);
    st = (r->cr4 & EMU_CR4_PAE) ? walk64(ctx, la, &w) : walk32(ctx, la, &w);
    if (st < 0) {
        plat_log(LOG_WARN, "x86: page table of linear %#llx is not in RAM",
                 (unsigned long long)la);
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    }
    if (st)
        return pf(ctx, la, (uint32_t)st & PF_RSVD ? PF_P | PF_RSVD : 0, acc);
    perm = allowed(ctx, &w);
    if (!(perm & (1u << acc)))
        return pf(ctx, la, PF_P, acc);
    set_ad(&w, acc);
    /* The D bit is set now; later writes through this entry need no walk. */
    tlb_fill(ctx, la, w.page, acc == EMU_WRITE ? perm : perm & ~(1u << EMU_WRITE));
    *gpa = w.page | (la & 0xfff);
    return EMU_OK;
}
