/*
 * Model-based check of the memory API, shared by tests/unit/test_memory_model.c
 * (seeded random sequences) and tests/fuzz/fuzz_memory_model.c (libFuzzer).
 *
 * A pool of regions is edited at random (add, delete, move, enable/disable,
 * readonly, priority, alias retarget, resize, nested transactions).  The
 * oracle is deliberately simple: it walks the tree from the root for each
 * address, trying subregions by (priority, later-added) order, following
 * aliases, and returns the leaf that owns it.  After every outermost
 * commit the flat view must agree with the oracle at every range boundary
 * (and one byte either side) and at random addresses, and must be sorted,
 * disjoint and fully merged.  A refused edit must leave the tree and the
 * view exactly as they were.
 */
#ifndef TESTS_UNIT_MEM_MODEL_H
#define TESTS_UNIT_MEM_MODEL_H

#include <stdio.h>
#include <string.h>

#include "memory/memory.h"

#define MODEL_REGIONS 20

/* The byte source: a seeded PRNG for tests, the fuzzer's input for fuzzing. */
struct model_src {
    const uint8_t *data;
    size_t len, pos;
    uint64_t state;
};

static inline uint64_t model_next(struct model_src *s)
{
    if (s->data) {
        uint64_t v = 0;
        for (int i = 0; i < 4; i++)
            v = (v << 8) | (s->pos < s->len ? s->data[s->pos++] : 0);
        return v;
    }
    s->state ^= s->state << 13;
    s->state ^= s->state >> 7;
    s->state ^= s->state << 17;
    return s->state;
}

static inline bool model_done(const struct model_src *s)
{
    return s->data && s->pos >= s->len;
}

static inline unsigned model_pick(struct model_src *s, unsigned n)
{
    return (unsigned)(model_next(s) % n);
}

struct model {
    MemoryRegion root;
    MemoryRegion r[MODEL_REGIONS];
    uint64_t order[MODEL_REGIONS]; /* oracle's own add counter per region */
    uint64_t adds;
    AddressSpace as;
    unsigned failures;
    char why[256];
};

static uint64_t m_rd(void *o, hwaddr a, unsigned s) { (void)o; (void)s; return a; }
static void m_wr(void *o, hwaddr a, uint64_t d, unsigned s) { (void)o; (void)a; (void)d; (void)s; }
static const MemoryRegionOps model_ops = { .read = m_rd, .write = m_wr };

/* Sizes and offsets: mostly small and page-ish, sometimes near 2^64. */
static inline uint64_t model_size(struct model_src *s)
{
    static const uint64_t sizes[] = { 0x100, 0x1000, 0x1800, 0x3000, 0x10000, 0x40000 };
    return sizes[model_pick(s, 6)];
}

static inline hwaddr model_offset(struct model_src *s)
{
    switch (model_pick(s, 8)) {
    case 0: return 0;
    case 1: return 0 - (1 + model_next(s) % 0x40) * 0x1000; /* near 2^64 */
    default: return (model_next(s) % 0x40) * 0x800;
    }
}

static inline int model_index(const struct model *m, const MemoryRegion *mr)
{
    return mr == &m->root ? -1 : (int)(mr - m->r);
}

/* The pool: 0-3 containers, 4-8 RAM, 9-13 MMIO, 14-19 aliases of others. */
static inline void model_init(struct model *m, struct model_src *s)
{
    char name[16];

    memset(m, 0, sizeof(*m));
    memory_region_init(&m->root, "root", MR_SIZE_2_64);
    for (int i = 0; i < MODEL_REGIONS; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        if (i < 4)
            memory_region_init(&m->r[i], name, model_size(s) * 4);
        else if (i < 9)
            memory_region_init_ram(&m->r[i], name, model_size(s));
        else if (i < 14)
            memory_region_init_io(&m->r[i], &model_ops, NULL, name, model_size(s));
        else
            memory_region_init_alias(&m->r[i], name, &m->r[model_pick(s, i)],
                                     model_offset(s) & 0xffff, model_size(s));
    }
    address_space_init(&m->as, &m->root, "model");
}

/* ---- the oracle ---- */
struct owner {
    const MemoryRegion *mr;
    hwaddr offset;
};

static bool model_before(const struct model *m, const MemoryRegion *a,
                         const MemoryRegion *b)
{
    int ia = model_index(m, a), ib = model_index(m, b);
    return a->priority > b->priority ||
           (a->priority == b->priority && m->order[ia] > m->order[ib]);
}

/* Owner of absolute addr inside mr whose offset 0 is at base (may be
 * "negative": base and addr are compared as 128-bit signed). */
static bool model_owner(const struct model *m, const MemoryRegion *mr,
                        __int128 base, __int128 addr, struct owner *o)
{
    const MemoryRegion *kids[MODEL_REGIONS];
    int n = 0;

    if (!mr->enabled || addr < base || addr >= base + (__int128)mr->size)
        return false;
    if (mr->kind == MR_KIND_ALIAS)
        return model_owner(m, mr->alias, base - (__int128)mr->alias_offset, addr, o);
    for (int i = 0; i < MODEL_REGIONS; i++) {
        if (m->r[i].parent != mr)
            continue;
        int j = n++;
        while (j > 0 && model_before(m, &m->r[i], kids[j - 1])) {
            kids[j] = kids[j - 1];
            j--;
        }
        kids[j] = &m->r[i];
    }
    for (int k = 0; k < n; k++)
        if (model_owner(m, kids[k], base + (__int128)kids[k]->addr, addr, o))
            return true;
    if (mr->kind == MR_KIND_CONTAINER)
        return false;
    o->mr = mr;
    o->offset = (hwaddr)(addr - base);
    return true;
}

static bool model_fail(struct model *m, const char *fmt, unsigned long long a)
{
    snprintf(m->why, sizeof(m->why), fmt, a);
    m->failures++;
    return false;
}

static bool model_check_addr(struct model *m, hwaddr addr)
{
    struct owner o = { 0 };
    bool has = model_owner(m, &m->root, 0, addr, &o);
    const FlatRange *fr = flatview_lookup(address_space_flatview(&m->as), addr);

    if (!has && !fr)
        return true;
    if (!has || !fr)
        return model_fail(m, has ? "oracle has an owner at %llx, view none"
                                 : "view has an owner at %llx, oracle none", addr);
    if (fr->mr != o.mr || fr->offset_in_region + (addr - fr->start) != o.offset)
        return model_fail(m, "owner or offset differ at %llx", addr);
    return true;
}

static bool model_check_shape(struct model *m)
{
    const FlatView *v = address_space_flatview(&m->as);

    for (size_t i = 0; v && i < v->nr; i++) {
        const FlatRange *a = &v->ranges[i];
        if (a->last < a->start)
            return model_fail(m, "range %llx inverted", a->start);
        if (i + 1 < v->nr) {
            const FlatRange *b = &v->ranges[i + 1];
            if (b->start <= a->last)
                return model_fail(m, "ranges overlap or unsorted at %llx", b->start);
            if (b->start == a->last + 1 && b->mr == a->mr &&
                b->offset_in_region == a->offset_in_region + (a->last - a->start) + 1)
                return model_fail(m, "mergeable neighbours at %llx", b->start);
        }
    }
    return true;
}

static bool model_check(struct model *m, struct model_src *s)
{
    const FlatView *v = address_space_flatview(&m->as);

    if (!model_check_shape(m))
        return false;
    for (size_t i = 0; v && i < v->nr; i++) {
        const FlatRange *a = &v->ranges[i];
        if (!model_check_addr(m, a->start) || !model_check_addr(m, a->last) ||
            !model_check_addr(m, a->start - 1) || !model_check_addr(m, a->last + 1) ||
            !model_check_addr(m, a->start + (a->last - a->start) / 2))
            return false;
    }
    for (int k = 0; k < 32; k++) {
        hwaddr a = model_pick(s, 4) ? model_next(s) % 0x40000
                                    : 0xffffffffffff0000ull + (model_next(s) & 0xffff);
        if (!model_check_addr(m, a))
            return false;
    }
    return true;
}

/* ---- edits ---- */
/* A snapshot of what a refused call must not change. */
struct model_snap {
    const MemoryRegion *parent[MODEL_REGIONS];
    hwaddr addr[MODEL_REGIONS], alias_offset[MODEL_REGIONS];
    msize_t size[MODEL_REGIONS];
    int priority[MODEL_REGIONS];
    bool enabled[MODEL_REGIONS];
};

static void model_snap(const struct model *m, struct model_snap *sn)
{
    for (int i = 0; i < MODEL_REGIONS; i++) {
        sn->parent[i] = m->r[i].parent;
        sn->addr[i] = m->r[i].addr;
        sn->alias_offset[i] = m->r[i].alias_offset;
        sn->size[i] = m->r[i].size;
        sn->priority[i] = m->r[i].priority;
        sn->enabled[i] = m->r[i].enabled;
    }
}

static bool model_same(const struct model *m, const struct model_snap *sn)
{
    for (int i = 0; i < MODEL_REGIONS; i++)
        if (sn->parent[i] != m->r[i].parent || sn->addr[i] != m->r[i].addr ||
            sn->alias_offset[i] != m->r[i].alias_offset || sn->size[i] != m->r[i].size ||
            sn->priority[i] != m->r[i].priority || sn->enabled[i] != m->r[i].enabled)
            return false;
    return true;
}

static MemoryRegion *model_container(struct model *m, struct model_src *s)
{
    unsigned k = model_pick(s, 10);
    /* Mostly the root; RAM regions may hold subregions too (a hole). */
    if (k >= 5)
        return &m->root;
    return &m->r[k == 4 ? 4 + model_pick(s, 5) : k];
}

/* One edit; returns false if a refused edit changed something. */
static bool model_edit(struct model *m, struct model_src *s)
{
    MemoryRegion *x = &m->r[model_pick(s, MODEL_REGIONS)];
    struct model_snap sn;
    int err = MR_OK, prio;
    MemoryRegion *p;

    model_snap(m, &sn);
    switch (model_pick(s, 12)) {
    case 9: case 10: case 11: /* add, preferring a region not in the tree */
        for (int k = 0, i0 = (int)model_pick(s, MODEL_REGIONS); k < MODEL_REGIONS; k++)
            if (!m->r[(i0 + k) % MODEL_REGIONS].parent) {
                x = &m->r[(i0 + k) % MODEL_REGIONS];
                break;
            }
        /* fall through */
    case 0: case 1: /* add, maybe overlapping */
        p = model_container(m, s);
        prio = (int)model_pick(s, 5) - 2;
        err = model_pick(s, 3) ? memory_region_add_subregion_overlap(p, model_offset(s), x, prio)
                               : memory_region_add_subregion(p, model_offset(s), x);
        if (!err)
            m->order[model_index(m, x)] = ++m->adds;
        break;
    case 2: /* delete */
        if (x->parent && model_pick(s, 2))
            err = memory_region_del_subregion(x->parent, x);
        break;
    case 3: /* move */
        err = memory_region_set_address(x, model_offset(s));
        break;
    case 4: /* enable/disable */
        err = memory_region_set_enabled(x, !x->enabled);
        break;
    case 5: /* readonly: flags only; refused for non-RAM */
        err = memory_region_set_readonly(x, model_pick(s, 2));
        break;
    case 6: /* priority change: del + re-add, one transaction */
        if (!x->parent)
            break;
        p = x->parent;
        hwaddr at = x->addr;
        memory_region_transaction_begin();
        memory_region_del_subregion(p, x);
        err = memory_region_add_subregion_overlap(p, at, x, (int)model_pick(s, 5) - 2);
        if (!err)
            m->order[model_index(m, x)] = ++m->adds;
        else
            memory_region_add_subregion(p, at, x); /* cannot fail: it was there */
        memory_region_transaction_commit();
        return true;
    case 7: /* alias retarget */
        err = memory_region_set_alias_offset(x, model_offset(s) & 0x3ffff);
        break;
    default: /* resize (containers, MMIO, aliases) */
        err = memory_region_set_size(x, model_size(s) * (1 + model_pick(s, 4)));
        break;
    }
    if (err && !model_same(m, &sn))
        return model_fail(m, "refused edit (%lld) changed the tree", err);
    return true;
}

/* One sequence of edits in random nested transactions. */
static bool model_run(struct model *m, struct model_src *s, unsigned steps)
{
    for (unsigned i = 0; i < steps && !model_done(s); i++) {
        unsigned depth = model_pick(s, 3), k;
        for (k = 0; k < depth; k++)
            memory_region_transaction_begin();
        unsigned edits = 1 + model_pick(s, 4);
        for (unsigned e = 0; e < edits; e++)
            if (!model_edit(m, s))
                return false;
        for (k = 0; k < depth; k++)
            memory_region_transaction_commit();
        if (!model_check(m, s))
            return false;
    }
    return true;
}

/* Takes everything apart; every region must destroy cleanly. */
static bool model_teardown(struct model *m)
{
    address_space_destroy(&m->as);
    for (int i = 0; i < MODEL_REGIONS; i++)
        if (m->r[i].parent)
            memory_region_del_subregion(m->r[i].parent, &m->r[i]);
    /* Aliases of aliases: destroy those nobody uses first, until done. */
    for (int pass = 0; pass < MODEL_REGIONS; pass++)
        for (int i = MODEL_REGIONS - 1; i >= 0; i--)
            if (m->r[i].initialized && !m->r[i].users)
                memory_region_destroy(&m->r[i]);
    for (int i = 0; i < MODEL_REGIONS; i++)
        if (m->r[i].initialized)
            return model_fail(m, "region %lld would not destroy", i);
    return memory_region_destroy(&m->root) == MR_OK ||
           model_fail(m, "root would not destroy%llx", 0);
}

#endif
