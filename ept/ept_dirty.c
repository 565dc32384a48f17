/*
 * Dirty logging on the EPT: harvesting what the CPU recorded into the
 * memory API's bitmaps and re-arming, for the three strategies (see
 * ept_listener.h).  Every re-arm that takes something away from the CPU
 * (a dirty flag, a W bit) is followed by one INVEPT, so a translation the
 * TLB cached as "already dirty" or "writable" cannot hide a later write.
 *
 * Why nothing is lost: a page the CPU may write without leaving a new
 * record (its cached translation is dirty or writable) has already been
 * reported -- by this harvest, an earlier drain, or its write fault -- and
 * the client reads the page after the harvest returns.
 */
#include "ept/ept_internal.h"
#include "ept/ept_listener.h"

/* Most pending dirty-flag clears PML keeps before falling back to a scan. */
#define PML_CLEAR_MAX 65536u

/* Marks [gpa, gpa+len) dirty in the logged regions the committed view has
 * there; false when no logged region is there. */
static bool report(EptListener *el, uint64_t gpa, uint64_t len)
{
    uint64_t last = gpa + len - 1;
    bool any = false;

    for (size_t i = ept_sections_lower_bound(&el->applied, gpa);
         i < el->applied.n && el->applied.v[i].start <= last; i++) {
        const EptSection *s = &el->applied.v[i];
        uint64_t a = MAX(gpa, s->start), b = MIN(last, s->last);
        if (!s->log)
            continue;
        memory_region_set_dirty(s->mr, s->offset + (a - s->start), b - a + 1);
        any = true;
    }
    return any;
}

/* A scan over the 4 KiB leaves of a range that clears one bit. */
struct harvest {
    EptListener *el;
    uint64_t want;   /* bits an entry must all have */
    uint64_t clear;  /* the bit taken away */
    bool report;
    uint64_t run_start, run_len; /* contiguous hits, reported as one */
    size_t hits;
};

static void flush_run(struct harvest *h)
{
    if (h->run_len && h->report)
        report(h->el, h->run_start, h->run_len);
    h->run_len = 0;
}

static void hit(struct harvest *h, uint64_t gpa)
{
    h->hits++;
    if (h->run_len && h->run_start + h->run_len == gpa) {
        h->run_len += EPT_PAGE_SIZE;
        return;
    }
    flush_run(h);
    h->run_start = gpa;
    h->run_len = EPT_PAGE_SIZE;
}

/* The hot loop: most entries are clean, so test eight at a time first. */
static void scan_pt(struct harvest *h, uint64_t *t, uint64_t base, unsigned i0, unsigned i1)
{
    for (unsigned i = i0; i <= i1; i++) {
        if (!(i & 7) && i + 7 <= i1 &&
            !((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] |
               t[i + 7]) & h->clear)) {
            i += 7;
            continue;
        }
        if ((t[i] & h->want) != h->want)
            continue;
        /* Atomic: the CPU may set the flag again right now. */
        if (__atomic_fetch_and(&t[i], ~h->clear, __ATOMIC_SEQ_CST) & h->clear)
            hit(h, base + ((uint64_t)i << EPT_PAGE_SHIFT));
    }
}

static void scan(struct harvest *h, uint64_t *t, int level, uint64_t base,
                 uint64_t start, uint64_t last)
{
    unsigned shift = ept_level_shift(level);
    uint64_t s = MAX(start, base), l = MIN(last, base + (1ull << (shift + 9)) - 1);
    unsigned i0 = (unsigned)((s - base) >> shift), i1 = (unsigned)((l - base) >> shift);

    if (level == 1) {
        scan_pt(h, t, base, i0, i1);
        return;
    }
    for (unsigned i = i0; i <= i1; i++) {
        uint64_t e = t[i];
        /* Logged pages are 4 KiB leaves: large leaves hold nothing to harvest. */
        if (ept_e_present(e) && !ept_e_is_leaf(e, level))
            scan(h, ept_table_of(e), level - 1, base + ((uint64_t)i << shift), start, last);
    }
}

/* Scans [start, last]; INVEPT once if anything was cleared. */
static size_t harvest(EptListener *el, uint64_t start, uint64_t last, uint64_t want,
                      uint64_t clear, bool do_report)
{
    struct harvest h = { el, want | clear, clear, do_report, 0, 0, 0 };

    if (start > el->ept.max_gpa || start > last)
        return 0;
    scan(&h, el->ept.root, EPT_LEVELS, 0, start, MIN(last, el->ept.max_gpa));
    flush_run(&h);
    if (h.hits) {
        el->ept.need_invalidate = true;
        ept_end_batch(&el->ept);
    }
    return h.hits;
}

/* PML: remember a drained page whose dirty flag the next sync must clear. */
static void note_clear(EptListener *el, uint64_t gpa)
{
    if (el->pml_clear_overflow)
        return;
    if (el->pml_clear_n == el->pml_clear_cap) {
        size_t cap = el->pml_clear_cap ? el->pml_clear_cap * 2 : 512;
        uint64_t *v = cap <= PML_CLEAR_MAX ? plat_alloc(cap * sizeof(*v)) : NULL;
        if (!v) {
            el->pml_clear_overflow = true; /* the next sync scans instead */
            return;
        }
        if (el->pml_clear_n)
            memcpy(v, el->pml_clear, el->pml_clear_n * sizeof(*v));
        plat_free(el->pml_clear);
        el->pml_clear = v;
        el->pml_clear_cap = cap;
    }
    el->pml_clear[el->pml_clear_n++] = gpa;
}

static void pml_rearm(EptListener *el)
{
    size_t cleared = 0;
    EptWalk w;

    if (el->pml_clear_overflow) {
        el->pml_clear_overflow = false;
        el->pml_clear_n = 0;
        harvest(el, 0, el->ept.max_gpa, EPT_SOFT_LOG, EPT_E_D, false);
        return;
    }
    for (size_t i = 0; i < el->pml_clear_n; i++)
        if (ept_walk(&el->ept, el->pml_clear[i], &w) && (w.soft & EPT_SOFT_LOG) &&
            (__atomic_fetch_and(w.leaf, ~EPT_E_D, __ATOMIC_SEQ_CST) & EPT_E_D))
            cleared++;
    el->pml_clear_n = 0;
    if (cleared) {
        el->ept.need_invalidate = true;
        ept_end_batch(&el->ept);
    }
}

void ept_dirty_sync_range(EptListener *el, uint64_t start, uint64_t last)
{
    switch (el->ept.mode) {
    case EPT_DIRTY_AD:
        harvest(el, start, last, EPT_SOFT_LOG, EPT_E_D, true);
        break;
    case EPT_DIRTY_WP:
        /* Already reported by the faults; only take W back. */
        harvest(el, start, last, EPT_SOFT_LOG | EPT_SOFT_WANT_W, EPT_E_W, false);
        break;
    case EPT_DIRTY_PML:
        for (EptPml *p = el->pml; p; p = p->next)
            ept_pml_drain(el, p);
        pml_rearm(el);
        break;
    }
}

void ept_dirty_harvest_leaving(EptListener *el, uint64_t start, uint64_t last)
{
    switch (el->ept.mode) {
    case EPT_DIRTY_AD:
        harvest(el, start, last, EPT_SOFT_LOG, EPT_E_D, true);
        break;
    case EPT_DIRTY_WP:
        break; /* every write was reported by its fault */
    case EPT_DIRTY_PML:
        /* Every entry, not only this range's: the log is in write order
         * and each entry is reported against the committed sections.  The
         * dirty flags of drained pages that stay mapped are cleared at the
         * next sync (pml_rearm), as after a PML-full drain. */
        for (EptPml *p = el->pml; p; p = p->next)
            ept_pml_drain(el, p);
        break;
    }
}

int ept_pml_init(EptPml *pml)
{
    memset(pml, 0, sizeof(*pml));
    if (!(pml->log = plat_alloc_pages(1)))
        return MR_ENOMEM;
    for (unsigned i = 0; i < EPT_ENTRIES; i++)
        pml->log[i] = EPT_PML_UNUSED;
    pml->index = EPT_ENTRIES - 1;
    return MR_OK;
}

void ept_pml_destroy(EptPml *pml)
{
    plat_free_pages(pml->log, 1);
    pml->log = NULL;
}

void ept_pml_attach(EptListener *el, EptPml *pml)
{
    pml->next = el->pml;
    el->pml = pml;
}

void ept_pml_detach(EptListener *el, EptPml *pml)
{
    ept_pml_drain(el, pml); /* what it logged still counts */
    for (EptPml **pp = &el->pml; *pp; pp = &(*pp)->next) {
        if (*pp == pml) {
            *pp = pml->next;
            break;
        }
    }
    pml->next = NULL;
}

unsigned ept_pml_drain(EptListener *el, EptPml *pml)
{
    unsigned first;

    /* The CPU logs at index then decrements; 0xffff means all 512 used. */
    if (pml->index == 0xffff) {
        first = 0;
    } else if (pml->index >= EPT_ENTRIES) {
        plat_log(LOG_ERR, "ept: PML index %u out of range: taking the whole log",
                 pml->index);
        first = 0;
    } else {
        first = pml->index + 1u;
    }
    for (unsigned i = first; i < EPT_ENTRIES; i++) {
        uint64_t gpa = pml->log[i] & ~(EPT_PAGE_SIZE - 1);
        pml->log[i] = EPT_PML_UNUSED;
        if (report(el, gpa, EPT_PAGE_SIZE))
            note_clear(el, gpa);
    }
    pml->index = EPT_ENTRIES - 1;
    return EPT_ENTRIES - first;
}

unsigned ept_pml_check(const EptPml *pml, unsigned *first_bad)
{
    /* The CPU writes slot index next; 0xffff: it used all 512 (an index
     * out of range is taken as that too, as the drain does). */
    unsigned logged_from = pml->index < EPT_ENTRIES ? pml->index + 1u : 0;
    unsigned bad = 0;

    for (unsigned i = 0; i < EPT_ENTRIES; i++) {
        /* Logged slots are not checked: the SDM says bits 11:0 are 0,
         * but Bochs 2.7 logs the whole address (drains mask them). */
        if (i < logged_from && pml->log[i] != EPT_PML_UNUSED && !bad++ && first_bad)
            *first_bad = i;
    }
    return bad;
}

bool ept_wp_fault(EptListener *el, uint64_t gpa)
{
    EptWalk w;

    if (el->ept.mode != EPT_DIRTY_WP || !ept_walk(&el->ept, gpa, &w) ||
        !(w.soft & EPT_SOFT_WANT_W))
        return false;
    /* Growing permissions needs no INVEPT: the violation already dropped
     * the stale translation. */
    __atomic_fetch_or(w.leaf, EPT_E_W, __ATOMIC_SEQ_CST);
    report(el, w.page_gpa, EPT_PAGE_SIZE);
    return true;
}
