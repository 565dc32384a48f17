/*
 * A simulated CPU for the EPT tests: it translates guest-physical accesses
 * by walking the EPT from the EPTP the way the SDM (vol. 3C, 29.3) says,
 * independently of ept/ept_walk.c, and
 *  - checks every entry it uses for misconfigurations (W without R, bit 7
 *    in a PML4E, reserved memory types, a bad EPTP);
 *  - with A/D enabled in the EPTP, sets the accessed flag of every entry it
 *    uses and the dirty flag of the leaf on a write;
 *  - with a PML page, logs the 4 KiB guest-physical address before it sets
 *    a dirty flag that was clear, and takes a "PML full" exit (no log, no
 *    dirty flag, no write) when the index is outside 0..511;
 *  - caches translations in a small TLB that remembers whether the page was
 *    seen dirty, so a write through a cached dirty translation sets nothing
 *    (as hardware may) -- which is why harvesting needs an INVEPT.  The TLB
 *    is flushed by the EPT's invalidation hook (ept_sim_attach) and, for
 *    the faulting address, by an EPT violation.
 * Accesses that straddle pages translate every page before writing a byte.
 * Header-only (static inline) so each test that wants it includes it.
 */
#ifndef TESTS_UNIT_EPT_SIM_H
#define TESTS_UNIT_EPT_SIM_H

#include "ept/ept.h"
#include "hv/lib/platform.h"

#define EPT_SIM_TLB 16

typedef struct EptSimTlb {
    bool valid;
    uint64_t gpa, hpa, size; /* the whole leaf page */
    unsigned perms;
    bool dirty;
} EptSimTlb;

typedef enum {
    SIM_OK = 0,
    SIM_VIOLATION = 1, /* EPT violation: sim->fault_gpa, sim->fault_write */
    SIM_PML_FULL = 2,  /* page-modification log full */
    SIM_MISCONFIG = 3, /* an entry the CPU would reject */
} EptSimResult;

typedef struct EptSim {
    uint64_t eptp;
    uint64_t *pml_log;   /* NULL: PML off */
    uint16_t *pml_index; /* the VMCS guest PML index */
    EptSimTlb tlb[EPT_SIM_TLB];
    unsigned next_victim;
    uint64_t fault_gpa;
    bool fault_write;
    unsigned long flushes, violations, pml_full, misconfigs, walks;
    const char *misconfig_why;
    /* Runs inside the INVEPT hook before the flush: lets a test play a
     * second vCPU writing in the window between harvest and INVEPT. */
    void (*before_flush)(struct EptSim *sim, void *opaque);
    void *before_flush_opaque;
} EptSim;

static inline void ept_sim_flush(EptSim *s)
{
    memset(s->tlb, 0, sizeof(s->tlb));
}

static inline void ept_sim_invept(void *opaque, uint64_t eptp)
{
    EptSim *s = opaque;

    s->flushes++;
    if (eptp != s->eptp)
        s->eptp = eptp;
    if (s->before_flush) {
        void (*fn)(struct EptSim *, void *) = s->before_flush;
        s->before_flush = NULL; /* once */
        fn(s, s->before_flush_opaque);
    }
    ept_sim_flush(s);
}

/* Runs the simulated CPU on ctx's EPT and routes its INVEPTs to the TLB. */
static inline void ept_sim_attach(EptSim *s, EptContext *ctx)
{
    memset(s, 0, sizeof(*s));
    s->eptp = ept_eptp(ctx);
    ept_set_invalidate_hook(ctx, ept_sim_invept, s);
}

static inline void ept_sim_set_pml(EptSim *s, uint64_t *log, uint16_t *index)
{
    s->pml_log = log;
    s->pml_index = index;
}

static inline EptSimResult ept_sim_misconfig(EptSim *s, const char *why)
{
    s->misconfigs++;
    s->misconfig_why = why;
    return SIM_MISCONFIG;
}

static inline EptSimTlb *ept_sim_tlb_find(EptSim *s, uint64_t gpa)
{
    for (unsigned i = 0; i < EPT_SIM_TLB; i++)
        if (s->tlb[i].valid && gpa - s->tlb[i].gpa < s->tlb[i].size)
            return &s->tlb[i];
    return NULL;
}

static inline EptSimResult ept_sim_violation(EptSim *s, uint64_t gpa, bool write)
{
    EptSimTlb *t;

    s->violations++;
    s->fault_gpa = gpa;
    s->fault_write = write;
    /* SDM 29.4.3.1: a violation drops the translations for that address. */
    while ((t = ept_sim_tlb_find(s, gpa)))
        t->valid = false;
    return SIM_VIOLATION;
}

/* Walks the EPT for one access; fills *hpa. */
static inline EptSimResult ept_sim_walk(EptSim *s, uint64_t gpa, bool write, uint64_t *hpa)
{
    bool ad = s->eptp & (1ull << 6);
    uint64_t *t, e = 0, *pe = NULL;
    unsigned perms = 7;
    int level;

    s->walks++;
    if ((s->eptp & 7) != 6 || ((s->eptp >> 3) & 7) != 3 || (s->eptp & 0xf80))
        return ept_sim_misconfig(s, "eptp");
    t = plat_phys_to_virt(s->eptp & 0x000ffffffffff000ull);
    for (level = 4; level >= 1; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        pe = &t[(gpa >> shift) & 511];
        e = __atomic_load_n(pe, __ATOMIC_SEQ_CST);
        if (!(e & 7))
            return ept_sim_violation(s, gpa, write);
        if ((e & 2) && !(e & 1))
            return ept_sim_misconfig(s, "write without read");
        if (level == 4 && (e & 0x80))
            return ept_sim_misconfig(s, "bit 7 in a PML4E");
        perms &= (unsigned)(e & 7);
        if (ad)
            __atomic_fetch_or(pe, 1ull << 8, __ATOMIC_SEQ_CST);
        if (level == 1 || (e & 0x80)) {
            unsigned mt = (unsigned)((e >> 3) & 7);
            if (mt == 2 || mt == 3 || mt == 7)
                return ept_sim_misconfig(s, "memory type");
            break;
        }
        if (e & 0x78)
            return ept_sim_misconfig(s, "reserved bits 6:3 in a non-leaf");
        t = plat_phys_to_virt(e & 0x000ffffffffff000ull);
    }
    if (!(perms & 1) || (write && !(perms & 2)))
        return ept_sim_violation(s, gpa, write);
    uint64_t size = 1ull << (12 + 9 * (unsigned)(level - 1));
    if (write && ad && !(e & (1ull << 9))) {
        if (s->pml_log) {
            if (*s->pml_index > 511) {
                s->pml_full++;
                return SIM_PML_FULL;
            }
            s->pml_log[*s->pml_index] = gpa & ~0xfffull;
            (*s->pml_index)--;
        }
        __atomic_fetch_or(pe, 1ull << 9, __ATOMIC_SEQ_CST);
    }
    EptSimTlb *slot = &s->tlb[s->next_victim++ % EPT_SIM_TLB];
    *slot = (EptSimTlb){ true, gpa & ~(size - 1), e & 0x000ffffffffff000ull & ~(size - 1),
                         size, perms, write || (e & (1ull << 9)) };
    *hpa = slot->hpa + (gpa & (size - 1));
    return SIM_OK;
}

static inline EptSimResult ept_sim_translate(EptSim *s, uint64_t gpa, bool write, uint64_t *hpa)
{
    EptSimTlb *t = ept_sim_tlb_find(s, gpa);
    bool ad = s->eptp & (1ull << 6);

    if (t && (!write || ((t->perms & 2) && (t->dirty || !ad)))) {
        *hpa = t->hpa + (gpa - t->gpa);
        return SIM_OK;
    }
    if (t && write && !(t->perms & 2))
        return ept_sim_violation(s, gpa, true); /* stale read-only entry */
    if (t)
        t->valid = false; /* the write walks to set the dirty flag */
    return ept_sim_walk(s, gpa, write, hpa);
}

/* One guest access of len bytes (any length, may cross pages). */
static inline EptSimResult ept_sim_access(EptSim *s, uint64_t gpa, void *buf,
                                          size_t len, bool write)
{
    uint64_t hpa[64];
    size_t npages = 0, done = 0;
    EptSimResult r;

    for (uint64_t a = gpa; a < gpa + len; a = (a & ~0xfffull) + 4096) {
        if (npages == 64)
            return ept_sim_misconfig(s, "test access too long");
        if ((r = ept_sim_translate(s, a, write, &hpa[npages++])) != SIM_OK)
            return r;
    }
    for (size_t i = 0; i < npages; i++) {
        size_t n = MIN(len - done, 4096 - ((gpa + done) & 0xfff));
        uint8_t *host = plat_phys_to_virt(hpa[i]);
        if (write)
            memcpy(host, (uint8_t *)buf + done, n);
        else
            memcpy((uint8_t *)buf + done, host, n);
        done += n;
    }
    return SIM_OK;
}

static inline EptSimResult ept_sim_write(EptSim *s, uint64_t gpa, const void *buf, size_t len)
{
    return ept_sim_access(s, gpa, (void *)buf, len, true);
}

static inline EptSimResult ept_sim_read(EptSim *s, uint64_t gpa, void *buf, size_t len)
{
    return ept_sim_access(s, gpa, buf, len, false);
}

#endif
