/*
 * EPT tables: applying a batch of range changes.
 *
 * One batch runs in three passes over its pieces:
 *  1. a dry run that counts the table pages the change may allocate (an
 *     upper bound: pieces are counted independently), then reserves them;
 *  2. the change itself, which cannot fail any more: each entry a piece
 *     covers whole becomes a leaf (or a hole) when the alignment allows,
 *     otherwise a table, splitting a large leaf when the piece covers only
 *     part of it;
 *  3. a merge pass over the same ranges that frees empty tables and turns
 *     uniform ones back into large leaves.
 * Merging only after all pieces are in keeps the dry run an upper bound: a
 * piece never finds a table merged away that the count assumed existed.
 */
#include "ept/ept_internal.h"

struct op {
    EptContext *c;
    const EptPiece *p;
    bool dry;
    size_t need; /* tables the dry run would allocate */
};

#define table_of ept_table_of

static uint64_t desired_hpa(const EptDesc *d, uint64_t gpa)
{
    return d->hpa + (gpa - d->gpa); /* modular: gpa may lie below d->gpa */
}

static bool level_may_leaf(const EptContext *c, int level)
{
    return level == 1 || (level == 2 && c->caps.page_2m) ||
           (level == 3 && c->caps.page_1g);
}

/* May the entry at `level` starting at es hold the piece's mapping itself? */
static bool can_leaf(const EptContext *c, int level, const EptDesc *d, uint64_t es)
{
    if (!d->present)
        return true; /* a hole is fine at any level */
    if (!level_may_leaf(c, level) || (level > 1 && (d->soft & EPT_SOFT_LOG)))
        return false;
    return (desired_hpa(d, es) & (ept_level_size(level) - 1)) == 0;
}

static uint64_t desired_entry(const EptDesc *d, int level, uint64_t es)
{
    return d->present ? ept_e_make_leaf(desired_hpa(d, es), d->perms, level, d->soft) : 0;
}

/* Does an existing leaf already map its part of the piece as wanted? */
static bool leaf_matches(uint64_t old, int level, uint64_t es, const EptDesc *d)
{
    return d->present && ept_e_attrs(old) == ept_e_attrs(desired_entry(d, level, es)) &&
           ept_e_addr(old, level) == desired_hpa(d, es);
}

static void free_tree(EptContext *c, uint64_t *t, int level)
{
    for (unsigned i = 0; i < EPT_ENTRIES && level > 1; i++)
        if (ept_e_present(t[i]) && !ept_e_is_leaf(t[i], level))
            free_tree(c, table_of(t[i]), level - 1);
    ept_pool_put(&c->pool, t);
    c->stats.tables_freed++;
}

/* Bookkeeping for one store that replaced old by nv. */
static void account(EptContext *c, uint64_t old, uint64_t nv, int level)
{
    c->stats.entries_written++;
    if (ept_e_reduces(old, nv, level))
        c->need_invalidate = true;
    if (ept_e_present(old) && !ept_e_is_leaf(old, level))
        free_tree(c, table_of(old), level - 1);
}

/*
 * Stores nv, keeping the A/D flags the CPU set when the same page stays
 * mapped the same way (same address, same logging state).  A compare-and-
 * swap, so a flag the CPU sets concurrently is not lost.
 */
static void put(EptContext *c, uint64_t *pe, uint64_t nv, int level)
{
    uint64_t old = __atomic_load_n(pe, __ATOMIC_RELAXED), v;

    for (;;) {
        v = nv;
        if (ept_e_present(old) && ept_e_present(nv) && ept_e_is_leaf(old, level) &&
            ept_e_is_leaf(nv, level) && ept_e_addr(old, level) == ept_e_addr(nv, level) &&
            !((old ^ nv) & EPT_SOFT_LOG))
            v |= old & EPT_E_AD;
        if (v == old)
            return;
        if (__atomic_compare_exchange_n(pe, &old, v, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
            break;
    }
    account(c, old, v, level);
}

/* A table for the entry at pe: empty, or the 512 parts of the leaf there. */
static uint64_t *new_table(EptContext *c, uint64_t *pe, int level, uint64_t split)
{
    uint64_t *t = ept_pool_get(&c->pool);

    c->stats.tables_allocated++;
    if (split) {
        for (unsigned i = 0; i < EPT_ENTRIES; i++)
            t[i] = ept_e_derive(split, level, i);
        c->stats.entries_written += EPT_ENTRIES;
    }
    put(c, pe, ept_e_make_table(plat_virt_to_phys(t)), level);
    return t;
}

/*
 * Applies o->p to the table t at `level` whose first address is base.  In
 * the dry run t may be NULL: a table that would be created, whose entries
 * are holes (vleaf 0) or the parts of the large leaf vleaf being split.
 */
static void set_level(struct op *o, uint64_t *t, uint64_t vleaf, int level, uint64_t base)
{
    const EptDesc *d = &o->p->d;
    unsigned shift = ept_level_shift(level);
    uint64_t span = 1ull << shift;
    uint64_t s = MAX(o->p->start, base);
    uint64_t l = MIN(o->p->last, base + (span << 9) - 1);

    if (o->dry && level == 1)
        return; /* leaves never need a table below them */
    for (unsigned i = (unsigned)((s - base) >> shift); i <= (unsigned)((l - base) >> shift); i++) {
        uint64_t es = base + (uint64_t)i * span, ee = es + span - 1;
        uint64_t old = t ? t[i] : vleaf ? ept_e_derive(vleaf, level + 1, i) : 0;
        bool covers = s <= es && ee <= l;

        if (covers && can_leaf(o->c, level, d, es)) {
            if (!o->dry)
                put(o->c, &t[i], desired_entry(d, level, es), level);
            continue;
        }
        if (!ept_e_present(old) && !d->present)
            continue;
        if (ept_e_present(old) && !ept_e_is_leaf(old, level)) {
            set_level(o, t ? table_of(old) : NULL, 0, level - 1, es);
            continue;
        }
        if (ept_e_present(old) && leaf_matches(old, level, es, d))
            continue;
        /* A new table; a large leaf only partly covered is split first (a
         * wholly covered one will be overwritten entry by entry anyway). */
        uint64_t split = ept_e_present(old) && !covers ? old : 0;
        if (o->dry) {
            o->need++;
            set_level(o, NULL, split, level - 1, es);
        } else {
            set_level(o, new_table(o->c, &t[i], level, split), 0, level - 1, es);
        }
    }
}

/* A table below pe that is empty goes; a uniform one becomes a large leaf. */
static void try_merge(EptContext *c, uint64_t *pe, int level)
{
    uint64_t *t = table_of(*pe), e0 = t[0], base, attrs;
    uint64_t step = ept_level_size(level - 1);
    unsigned i;

    for (i = 0; i < EPT_ENTRIES && !ept_e_present(t[i]); i++)
        ;
    if (i == EPT_ENTRIES) {
        put(c, pe, 0, level);
        return;
    }
    if (!level_may_leaf(c, level) || !ept_e_present(e0) || !ept_e_is_leaf(e0, level - 1) ||
        (e0 & EPT_SOFT_LOG))
        return;
    base = ept_e_addr(e0, level - 1);
    attrs = ept_e_attrs(e0);
    if (base & (ept_level_size(level) - 1))
        return;
    for (i = 1; i < EPT_ENTRIES; i++)
        if (ept_e_attrs(t[i]) != attrs || ept_e_addr(t[i], level - 1) != base + i * step)
            return;
    put(c, pe, base | attrs | EPT_E_LARGE, level);
}

static void merge_range(EptContext *c, uint64_t *t, int level, uint64_t base,
                        uint64_t start, uint64_t last)
{
    unsigned shift = ept_level_shift(level);
    uint64_t s = MAX(start, base), l = MIN(last, base + (1ull << (shift + 9)) - 1);

    for (unsigned i = (unsigned)((s - base) >> shift); i <= (unsigned)((l - base) >> shift); i++) {
        uint64_t e = t[i];
        if (!ept_e_present(e) || ept_e_is_leaf(e, level))
            continue;
        if (level - 1 > 1)
            merge_range(c, table_of(e), level - 1, base + ((uint64_t)i << shift), start, last);
        try_merge(c, &t[i], level);
    }
}

static bool piece_ok(const EptContext *c, const EptPiece *p)
{
    if (p->start > p->last || (p->start & (EPT_PAGE_SIZE - 1)) ||
        ((p->last + 1) & (EPT_PAGE_SIZE - 1)) || p->last > c->max_gpa ||
        (p->d.present && (((p->d.hpa - p->d.gpa) & (EPT_PAGE_SIZE - 1)) ||
                          !(p->d.perms & EPT_PERM_R) || (p->d.perms & ~EPT_PERM_RWX)))) {
        plat_log(LOG_ERR, "ept: refused range %#llx-%#llx (alignment, width "
                 "or permissions %#x)", (unsigned long long)p->start,
                 (unsigned long long)p->last, p->d.perms);
        return false;
    }
    return true;
}

static void finish_batch(EptContext *c)
{
    if (c->need_invalidate) {
        c->need_invalidate = false;
        c->stats.invalidations++;
        if (c->invalidate)
            c->invalidate(c->invalidate_opaque, ept_eptp(c));
        else
            plat_ept_invalidate(ept_eptp(c));
    }
    ept_pool_settle(&c->pool);
}

int ept_apply(EptContext *c, const EptPiece *pieces, size_t n)
{
    struct op o = { .c = c, .dry = true };
    size_t i;

    for (i = 0; i < n; i++)
        if (!piece_ok(c, &pieces[i]))
            return EPT_EINVAL;
    for (i = 0; i < n; i++) {
        o.p = &pieces[i];
        set_level(&o, c->root, 0, EPT_LEVELS, 0);
    }
    if (!ept_pool_reserve(&c->pool, o.need))
        return EPT_ENOMEM;
    o.dry = false;
    for (i = 0; i < n; i++) {
        o.p = &pieces[i];
        set_level(&o, c->root, 0, EPT_LEVELS, 0);
    }
    for (i = 0; i < n; i++)
        merge_range(c, c->root, EPT_LEVELS, 0, pieces[i].start, pieces[i].last);
    finish_batch(c);
    c->stats.batches++;
    return EPT_OK;
}

void ept_end_batch(EptContext *c)
{
    finish_batch(c);
}

int ept_map(EptContext *c, uint64_t gpa, uint64_t size, uint64_t hpa, unsigned perms)
{
    EptPiece p = { gpa, gpa + size - 1, { true, hpa, gpa, perms, 0 } };

    return size ? ept_apply(c, &p, 1) : EPT_EINVAL;
}

int ept_unmap(EptContext *c, uint64_t gpa, uint64_t size)
{
    EptPiece p = { gpa, gpa + size - 1, { .present = false } };

    return size ? ept_apply(c, &p, 1) : EPT_EINVAL;
}

struct protect {
    EptPiece *v;
    size_t n, cap;
    uint64_t start, last;
    unsigned perms;
    bool nomem;
};

/* Collects the mapped parts of the range as pieces with the new perms. */
static void protect_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct protect *pr = opaque;
    uint64_t s = MAX(gpa, pr->start), l = MIN(gpa + ept_level_size(level) - 1, pr->last);
    EptDesc d = { true, ept_e_addr(*pe, level), gpa, pr->perms, *pe & EPT_SOFT_MASK };
    EptPiece *last = pr->n ? &pr->v[pr->n - 1] : NULL;

    if (pr->nomem)
        return;
    if (last && last->last + 1 == s && last->d.soft == d.soft &&
        desired_hpa(&last->d, s) == desired_hpa(&d, s)) {
        last->last = l;
        return;
    }
    if (pr->n == pr->cap) {
        size_t cap = pr->cap ? pr->cap * 2 : 16;
        EptPiece *v = plat_alloc(cap * sizeof(*v));
        if (!v) {
            pr->nomem = true;
            return;
        }
        if (pr->n)
            memcpy(v, pr->v, pr->n * sizeof(*v));
        plat_free(pr->v);
        pr->v = v;
        pr->cap = cap;
    }
    pr->v[pr->n++] = (EptPiece){ s, l, d };
}

int ept_protect(EptContext *c, uint64_t gpa, uint64_t size, unsigned perms)
{
    struct protect pr = { .start = gpa, .last = gpa + size - 1, .perms = perms };
    int err;

    if (!size || pr.last < gpa)
        return EPT_EINVAL;
    ept_for_each_leaf(c, pr.start, pr.last, protect_leaf, &pr);
    err = pr.nomem ? EPT_ENOMEM : ept_apply(c, pr.v, pr.n);
    plat_free(pr.v);
    return err;
}

int ept_init(EptContext *c, const EptCaps *caps, size_t budget_pages)
{
    unsigned width = caps->gpa_width ? caps->gpa_width : 48;

    memset(c, 0, sizeof(*c));
    if (width < 32 || width > 48) {
        plat_log(LOG_ERR, "ept: guest-physical width %u not in 32..48", width);
        return EPT_EINVAL;
    }
    c->caps = *caps;
    c->caps.gpa_width = width;
    c->caps.pml = caps->pml && caps->ad;
    c->mode = ept_dirty_mode_for(&c->caps);
    c->max_gpa = (1ull << width) - 1;
    ept_pool_init(&c->pool, budget_pages);
    if (!ept_pool_reserve(&c->pool, 1))
        return EPT_ENOMEM;
    c->root = ept_pool_get(&c->pool);
    c->root_hpa = plat_virt_to_phys(c->root);
    c->stats.tables_allocated = 1;
    ept_pool_settle(&c->pool);
    return EPT_OK;
}

void ept_destroy(EptContext *c)
{
    if (!c->root)
        return;
    free_tree(c, c->root, EPT_LEVELS);
    c->root = NULL;
    ept_pool_destroy(&c->pool);
}

uint64_t ept_eptp(const EptContext *c)
{
    return ept_make_eptp(c->root_hpa, c->caps.ad);
}

void ept_set_invalidate_hook(EptContext *c, ept_invalidate_fn fn, void *opaque)
{
    c->invalidate = fn;
    c->invalidate_opaque = opaque;
}
