/*
 * Guest-linear to guest-physical translation with the guest's own paging
 * (SDM vol. 3, chapter 4): none, 32-bit, PAE, 4-level and 5-level.  Used
 * for instruction fetch and for every data access the emulator makes.
 *
 * Page-table entries are read through ops->ram_ptr: RAM, ROM, read-only
 * RAM, a ROM device in romd mode.  Entries anywhere else (MMIO, a ROM
 * device in ops mode, nothing) refuse the walk.  Accessed/dirty bits are
 * stored only into RAM the guest may write, through ops->ram_write_ptr,
 * which puts the page in the dirty log (the EPT does not see our store);
 * a walk that would have to set a bit in an entry elsewhere (ROM, read-only
 * RAM, a ROM device) is refused with nothing stored -- the CPU's own walk
 * through such an entry ends in an EPT violation on the update too, and
 * the ROM's contents never change.  Refusals are #UD with a log line.
 * Differences from a CPU, on purpose:
 *  - PAE PDPTEs are read from memory at CR3, not from the PDPTE registers
 *    the CPU loaded at the last CR3 write;
 *  - A/D bits are set with plain stores (the emulator runs on the vCPU's
 *    own exit; other vCPUs racing on the same entry could lose a bit);
 *  - protection keys are not checked.
 */
#include "hv/x86/emu_internal.h"
#include "hv/lib/platform.h"

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
    uint64_t page;       /* guest-physical base of the 4 KiB page */
    uint64_t and_e;      /* AND of the entries used: U, W, A all along? */
    uint64_t or_e;       /* OR of them: XD anywhere? */
    uint64_t leaf;       /* the entry that mapped the page */
    uint8_t *entries[5]; /* host pointers to the entries used, for A/D */
    uint64_t egpa[5];    /* and their guest-physical addresses */
    unsigned nentries;
    uint8_t *rd_ptr[6];  /* every entry read (PAE PDPTE too), for the cache */
    unsigned nread;
};

static enum emu_result pf(struct emu_ctx *ctx, uint64_t la, uint32_t err,
                          enum emu_access acc)
{
    const struct emu_regs *r = &ctx->regs;

    if (acc == EMU_WRITE)
        err |= PF_W;
    if (r->cpl == 3)
        err |= PF_U;
    if (acc == EMU_FETCH && (r->efer & X86_EFER_NXE || r->cr4 & X86_CR4_SMEP))
        err |= PF_I;
    return emu_raise(ctx, EMU_INJECT_PF, err, la);
}

/* Host pointer to a paging-structure entry; NULL when it is not in RAM. */
static uint8_t *entry_ptr(struct emu_ctx *ctx, uint64_t gpa)
{
    return ctx->ops->ram_ptr(ctx->opaque, gpa);
}

/* Records one present entry of the walk (at guest-physical gpa). */
static void take(struct walk *w, uint8_t *p, uint64_t gpa, uint64_t e)
{
    w->rd_ptr[w->nread++] = p;
    w->egpa[w->nentries] = gpa;
    w->entries[w->nentries++] = p;
    w->and_e &= e;
    w->or_e |= e;
    w->leaf = e;
}

/* Multi-level walk for PAE, 4-level and 5-level paging.  Returns 0, -1
 * when a table is not in RAM, or 0x100 | PF error bits (P|RSVD for a
 * reserved bit, 0 for not present). */
static int walk64(struct emu_ctx *ctx, uint64_t la, struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    bool pae32 = !(r->efer & X86_EFER_LMA);
    uint64_t rsvd = (r->efer & X86_EFER_NXE) ? 0 : PTE_XD;
    unsigned shift = (r->cr4 & X86_CR4_LA57) ? 48 : 39;
    uint64_t table = r->cr3 & ADDR_MASK, e;
    uint8_t *p;

    if (pae32) {
        /* PAE PDPTE: no R/W, U/S, XD; bits 1-2 and 5-8 reserved */
        p = entry_ptr(ctx, (r->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8);
        if (!p)
            return -1;
        memcpy(&e, p, 8);
        if (!(e & PTE_P))
            return 0x100;
        if (e & (0x1e6ull | PTE_XD))
            return 0x100 | PF_P | PF_RSVD;
        w->rd_ptr[w->nread++] = p;
        table = e & ADDR_MASK;
        shift = 21;
    }
    for (;; shift -= 9) {
        uint64_t ea = table + ((la >> shift) & 511) * 8;

        p = entry_ptr(ctx, ea);
        if (!p)
            return -1;
        memcpy(&e, p, 8);
        if (!(e & PTE_P))
            return 0x100;
        if (e & rsvd)
            return 0x100 | PF_P | PF_RSVD;
        take(w, p, ea, e);
        if (shift == 12) {
            w->page = e & ADDR_MASK;
            return 0;
        }
        if (e & PTE_PS) {
            uint64_t size_mask = (1ull << shift) - 1;

            if (shift > 30)
                return 0x100 | PF_P | PF_RSVD; /* no PS in PML5E/PML4E */
            /* bits 13 .. shift-1 are reserved (12 is PAT) */
            if (e & size_mask & ~0x1fffull)
                return 0x100 | PF_P | PF_RSVD;
            w->page = ((e & ADDR_MASK & ~size_mask) | (la & size_mask)) & ~0xfffull;
            return 0;
        }
        table = e & ADDR_MASK;
    }
}

/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int walk32(struct emu_ctx *ctx, uint64_t la, struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    uint64_t ea = (r->cr3 & 0xfffff000ull) + ((la >> 22) & 1023) * 4;
    uint8_t *p = entry_ptr(ctx, ea);
    uint32_t e;

    if (!p)
        return -1;
    memcpy(&e, p, 4);
    if (!(e & PTE_P))
        return 0x100;
    take(w, p, ea, e);
    if ((e & PTE_PS) && (r->cr4 & X86_CR4_PSE)) {
        if (e & (1u << 21))
            return 0x100 | PF_P | PF_RSVD;
        /* PSE-36: bits 20:13 of the PDE are physical bits 39:32 */
        w->page = (e & 0xffc00000ull) | (uint64_t)((e >> 13) & 0xff) << 32 |
                  (la & 0x3ff000ull);
        return 0;
    }
    ea = (e & 0xfffff000ull) + ((la >> 12) & 1023) * 4;
    p = entry_ptr(ctx, ea);
    if (!p)
        return -1;
    memcpy(&e, p, 4);
    if (!(e & PTE_P))
        return 0x100;
    take(w, p, ea, e);
    w->page = e & 0xfffff000ull;
    return 0;
}

/* The accesses the walk's permissions allow at the current CPL. */
static unsigned allowed(const struct emu_ctx *ctx, const struct walk *w)
{
    const struct emu_regs *r = &ctx->regs;
    bool user_page = w->and_e & PTE_U, writable = w->and_e & PTE_W;
    bool nx = (w->or_e & PTE_XD) && (r->efer & X86_EFER_NXE);
    unsigned perm = 0;
    bool data_ok, fetch_ok;

    if (r->cpl == 3) {
        data_ok = fetch_ok = user_page;
    } else {
        data_ok = !(user_page && (r->cr4 & X86_CR4_SMAP) && !(r->rflags & X86_FL_AC));
        fetch_ok = !(user_page && (r->cr4 & X86_CR4_SMEP));
    }
    if (data_ok) {
        perm |= 1u << EMU_READ;
        if (writable || (r->cpl != 3 && !(r->cr0 & X86_CR0_WP)))
            perm |= 1u << EMU_WRITE;
    }
    if (fetch_ok && !nx)
        perm |= 1u << EMU_FETCH;
    return perm;
}

/* Sets accessed bits along the walk and dirty in the leaf on a write.
 * Usually all are set already and this touches nothing.  Every entry to
 * change is first asked for as writable RAM (ops->ram_write_ptr, which
 * logs the page dirty; without that callback all of ram_ptr's memory is
 * writable and unlogged); if one is not, nothing is stored and the entry's
 * guest-physical address is returned in *bad (pages asked for before it
 * may stay marked dirty: reporting too much is harmless). */
static bool set_ad(struct emu_ctx *ctx, struct walk *w, enum emu_access acc, uint64_t *bad)
{
    uint8_t *(*wptr)(void *, uint64_t) = ctx->ops->ram_write_ptr;
    uint8_t *dst[5];
    uint8_t bits[5];

    if ((w->and_e & PTE_A) && (acc != EMU_WRITE || (w->leaf & PTE_D)))
        return true;
    for (unsigned i = 0; i < w->nentries; i++) {
        bits[i] = (uint8_t)PTE_A;
        if (i + 1 == w->nentries && acc == EMU_WRITE)
            bits[i] |= (uint8_t)PTE_D;
        dst[i] = NULL;
        if ((w->entries[i][0] & bits[i]) == bits[i])
            continue;
        dst[i] = wptr ? wptr(ctx->opaque, w->egpa[i]) : w->entries[i];
        if (!dst[i]) {
            *bad = w->egpa[i];
            return false;
        }
    }
    for (unsigned i = 0; i < w->nentries; i++)
        if (dst[i])
            dst[i][0] |= bits[i];
    return true;
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

static uint64_t load_entry(const uint8_t *p, unsigned esz)
{
    uint64_t v;
    uint32_t v32;

    if (esz == 8) {
        memcpy(&v, p, 8);
        return v;
    }
    memcpy(&v32, p, 4);
    return v32;
}

/* The TLB entry for a translation: writes only once D is set. */
static unsigned tlb_perm(unsigned perm, uint64_t leaf)
{
    return (leaf & PTE_D) ? perm : perm & ~(1u << EMU_WRITE);
}

/* Reuses the last walk of this kind if every entry it read still reads
 * the same; anything else (a change, a fault, a D bit to set) walks. */
static bool cache_translate(struct emu_ctx *ctx, uint64_t la, enum emu_access acc,
                            uint64_t *gpa)
{
    const struct emu_walk_cache *c = &ctx->wcache[acc != EMU_FETCH];
    const struct emu_regs *r = &ctx->regs;

    if (!c->valid || c->lpage != la >> 12 || c->cr3 != r->cr3 || c->gen != ctx->map_gen ||
        !ctx->map_gen || c->sig != emu_paging_sig(r) || !(c->perm & (1u << acc)) ||
        (acc == EMU_WRITE && !(c->leaf & PTE_D)))
        return false;
    if (c->esz == 8) {
        for (unsigned i = 0; i < c->n; i++) {
            uint64_t e;
            memcpy(&e, c->ptr[i], 8);
            if (e != c->val[i])
                return false;
        }
    } else {
        for (unsigned i = 0; i < c->n; i++) {
            uint32_t e;
            memcpy(&e, c->ptr[i], 4);
            if (e != c->val[i])
                return false;
        }
    }
    tlb_fill(ctx, la, c->page, tlb_perm(c->perm, c->leaf));
    *gpa = c->page | (la & 0xfff);
    return true;
}

static void cache_store(struct emu_ctx *ctx, uint64_t la, enum emu_access acc,
                        const struct walk *w, unsigned perm)
{
    struct emu_walk_cache *c = &ctx->wcache[acc != EMU_FETCH];
    const struct emu_regs *r = &ctx->regs;

    c->esz = (r->cr4 & X86_CR4_PAE) ? 8 : 4;
    c->n = (uint8_t)w->nread;
    for (unsigned i = 0; i < w->nread; i++) {
        c->ptr[i] = w->rd_ptr[i];
        c->val[i] = load_entry(w->rd_ptr[i], c->esz); /* with A/D as set now */
    }
    c->leaf = load_entry(w->entries[w->nentries - 1], c->esz);
    c->perm = (uint8_t)perm;
    c->lpage = la >> 12;
    c->page = w->page;
    c->cr3 = r->cr3;
    c->gen = ctx->map_gen;
    c->sig = emu_paging_sig(r);
    c->host = NULL; /* fetch() sets it once it has asked ram_ptr */
    c->valid = true;
}

void emu_tlb_seed(struct emu_ctx *ctx, const struct emu_hint *hint)
{
    ctx->tlb[0].lpage = ctx->tlb[1].lpage = ~0ull;
    ctx->tlb_next = 0;
    if (hint && hint->gla_valid && (ctx->regs.cr0 & X86_CR0_PG))
        tlb_fill(ctx, hint->gla, hint->gpa & ~0xfffull,
                 1u << EMU_READ | (hint->is_write ? 1u << EMU_WRITE : 0));
}

void emu_tlb_fill_from_fetch_cache(struct emu_ctx *ctx, uint64_t la)
{
    const struct emu_walk_cache *c = &ctx->wcache[0];

    tlb_fill(ctx, la, c->page, tlb_perm(c->perm, c->leaf));
}

/* The full walk, permission check, A/D update. */
static __attribute__((noinline)) enum emu_result walk_translate(struct emu_ctx *ctx, uint64_t la,
                                                                enum emu_access acc,
                                                                uint64_t *gpa)
{
    const struct emu_regs *r = &ctx->regs;
    struct walk w;
    unsigned perm;
    uint64_t bad;
    int st;

    w.nentries = 0;
    w.nread = 0;
    w.and_e = ~0ull;
    w.or_e = 0;
    st = (r->cr4 & X86_CR4_PAE) ? walk64(ctx, la, &w) : walk32(ctx, la, &w);
    if (st < 0) {
        plat_log(LOG_WARN, "x86: page table of linear %#llx is not in RAM",
                 (unsigned long long)la);
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    }
    if (st)
        return pf(ctx, la, (uint32_t)st & (PF_P | PF_RSVD), acc);
    perm = allowed(ctx, &w);
    if (!(perm & (1u << acc)))
        return pf(ctx, la, PF_P, acc);
    if (!set_ad(ctx, &w, acc, &bad)) {
        plat_log(LOG_WARN, "x86: page-table entry at gpa %#llx (linear %#llx) is not in "
                 "writable RAM: its accessed/dirty bits cannot be set",
                 (unsigned long long)bad, (unsigned long long)la);
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    }
    if (ctx->map_gen)
        cache_store(ctx, la, acc, &w, perm);
    /* After a write the D bit is set: later writes need no walk. */
    tlb_fill(ctx, la, w.page, acc == EMU_WRITE ? perm : perm & ~(1u << EMU_WRITE));
    *gpa = w.page | (la & 0xfff);
    return EMU_OK;
}

enum emu_result emu_translate(struct emu_ctx *ctx, uint64_t la,
                              enum emu_access acc, uint64_t *gpa)
{
    if (!(ctx->regs.cr0 & X86_CR0_PG)) {
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
    if (cache_translate(ctx, la, acc, gpa))
        return EMU_OK;
    return walk_translate(ctx, la, acc, gpa);
}
