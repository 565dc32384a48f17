/*
 * Model-based check of the memory API, shared by tests/unit/test_memory_model.c
 * (seeded random sequences) and tests/fuzz/fuzz_memory_model.c (libFuzzer).
 *
 * A pool of regions is edited at random (add, delete, move, enable/disable,
 * readonly, ROM-device mode, priority, alias retarget, resize, nested
 * transactions).  The oracle is deliberately simple: it walks a snapshot of
 * the tree from the root for each address, trying subregions by (priority,
 * later-added) order, following aliases, and returns the leaf that owns it.
 *
 * Two snapshots: the tree as edited, and the tree as of the last outermost
 * commit (the one in force).  After every outermost commit the flat view
 * must agree with the oracle at every range boundary (and one byte either
 * side) and at random addresses, and must be sorted, disjoint and fully
 * merged.  Between edits -- inside open transactions too -- random reads and
 * writes through address_space_read/write must do exactly what the tree in
 * force says, byte by byte: RAM read or written (unless read-only), ROM
 * device array or callbacks by its mode, MMIO callbacks at the owner's
 * offsets with the owner's data, unassigned bytes 0xff, an access past 2^64
 * refused whole.  A refused edit must leave the tree and the view exactly
 * as they were.
 */
#ifndef TESTS_UNIT_MEM_MODEL_H
#define TESTS_UNIT_MEM_MODEL_H

#include <stdio.h>
#include <string.h>

#include "memory/memory.h"

#define MODEL_REGIONS 20
#define MODEL_ROOT MODEL_REGIONS /* the root's index in a snapshot */
#define MODEL_ROMD 8             /* the pool's ROM device */

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

/* What the oracle needs of one region; index MODEL_ROOT is the root. */
struct model_node {
    int parent;          /* index, or -1 */
    hwaddr addr, alias_offset;
    msize_t size;
    int priority;
    bool enabled, readonly, romd;
    uint64_t order;      /* the model's own add counter */
};

struct model_tree {
    struct model_node n[MODEL_REGIONS + 1];
};

struct model {
    MemoryRegion root;
    MemoryRegion r[MODEL_REGIONS];
    uint64_t order[MODEL_REGIONS]; /* oracle's own add counter per region */
    uint64_t adds;
    AddressSpace as;
    struct model_tree in_force;    /* as of the last outermost commit */
    unsigned accesses;             /* accesses checked */
    unsigned failures;
    char why[256];
};

/* ---- the devices: MMIO and ROM-device callbacks log what they get ---- */
struct model_call {
    int idx;
    hwaddr off;
    unsigned size;
    bool is_write;
    uint64_t val;
};

static struct model_call model_calls[64];
static unsigned model_ncalls;

/* The byte an MMIO region idx reads at offset off. */
static inline uint8_t model_pattern(int idx, hwaddr off)
{
    return (uint8_t)(off * 31 + (hwaddr)idx * 17 + 5);
}

static inline int model_dev_index(void *opaque)
{
    return (int)(intptr_t)opaque;
}

static void model_log_call(int idx, hwaddr a, unsigned s, bool w, uint64_t v)
{
    if (model_ncalls < sizeof(model_calls) / sizeof(model_calls[0]))
        model_calls[model_ncalls] = (struct model_call){ idx, a, s, w, v };
    model_ncalls++;
}

static uint64_t m_rd(void *o, hwaddr a, unsigned s)
{
    uint64_t v = 0;

    for (unsigned k = 0; k < s; k++)
        v |= (uint64_t)model_pattern(model_dev_index(o), a + k) << (8 * k);
    model_log_call(model_dev_index(o), a, s, false, v);
    return v;
}

static void m_wr(void *o, hwaddr a, uint64_t d, unsigned s)
{
    model_log_call(model_dev_index(o), a, s, true, d);
}

static const MemoryRegionOps model_ops = {
    .read = m_rd, .write = m_wr, .valid = { .unaligned = true },
};

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
    return mr == &m->root ? MODEL_ROOT : (int)(mr - m->r);
}

static inline const MemoryRegion *model_region(const struct model *m, int i)
{
    return i == MODEL_ROOT ? &m->root : &m->r[i];
}

/* The tree as it is now (as edited). */
static void model_capture(const struct model *m, struct model_tree *t)
{
    for (int i = 0; i <= MODEL_ROOT; i++) {
        const MemoryRegion *mr = model_region(m, i);
        t->n[i] = (struct model_node){
            .parent = mr->parent ? model_index(m, mr->parent) : -1,
            .addr = mr->addr,
            .alias_offset = mr->alias_offset,
            .size = mr->size,
            .priority = mr->priority,
            .enabled = mr->enabled,
            .readonly = mr->readonly,
            .romd = mr->romd_mode,
            .order = i == MODEL_ROOT ? 0 : m->order[i],
        };
    }
}

/* The pool: 0-3 containers, 4-7 RAM, 8 a ROM device, 9-13 MMIO, 14-19
 * aliases of others.  Device callbacks get their region's index. */
static inline void model_init(struct model *m, struct model_src *s)
{
    char name[16];

    memset(m, 0, sizeof(*m));
    memory_region_init(&m->root, "root", MR_SIZE_2_64);
    for (int i = 0; i < MODEL_REGIONS; i++) {
        void *opaque = (void *)(intptr_t)i;
        snprintf(name, sizeof(name), "r%d", i);
        if (i < 4)
            memory_region_init(&m->r[i], name, model_size(s) * 4);
        else if (i < MODEL_ROMD)
            memory_region_init_ram(&m->r[i], name, model_size(s));
        else if (i == MODEL_ROMD)
            memory_region_init_rom_device(&m->r[i], &model_ops, opaque, name, model_size(s));
        else if (i < 14)
            memory_region_init_io(&m->r[i], &model_ops, opaque, name, model_size(s));
        else
            memory_region_init_alias(&m->r[i], name, &m->r[model_pick(s, i)],
                                     model_offset(s) & 0xffff, model_size(s));
        if (memory_region_is_ram(&m->r[i])) {
            uint8_t *p = memory_region_get_ram_ptr(&m->r[i]);
            for (msize_t k = 0; k < m->r[i].size; k++)
                p[k] = (uint8_t)(k * 7 + (unsigned)i);
        }
    }
    address_space_init(&m->as, &m->root, "model");
    model_capture(m, &m->in_force);
}

/* ---- the oracle ---- */
struct owner {
    int idx;        /* leaf region */
    hwaddr offset;
};

static bool model_before(const struct model_tree *t, int a, int b)
{
    return t->n[a].priority > t->n[b].priority ||
           (t->n[a].priority == t->n[b].priority && t->n[a].order > t->n[b].order);
}

/* Owner of absolute addr inside region i whose offset 0 is at base (may be
 * "negative": base and addr are compared as 128-bit signed). */
static bool model_owner_in(const struct model *m, const struct model_tree *t, int i,
                           __int128 base, __int128 addr, struct owner *o)
{
    const struct model_node *nd = &t->n[i];
    const MemoryRegion *mr = model_region(m, i);
    int kids[MODEL_REGIONS];
    int n = 0;

    if (!nd->enabled || addr < base || addr >= base + (__int128)nd->size)
        return false;
    if (mr->kind == MR_KIND_ALIAS)
        return model_owner_in(m, t, model_index(m, mr->alias),
                              base - (__int128)nd->alias_offset, addr, o);
    for (int k = 0; k < MODEL_REGIONS; k++) {
        if (t->n[k].parent != i)
            continue;
        int j = n++;
        while (j > 0 && model_before(t, k, kids[j - 1])) {
            kids[j] = kids[j - 1];
            j--;
        }
        kids[j] = k;
    }
    for (int k = 0; k < n; k++)
        if (model_owner_in(m, t, kids[k], base + (__int128)t->n[kids[k]].addr, addr, o))
            return true;
    if (mr->kind == MR_KIND_CONTAINER)
        return false;
    o->idx = i;
    o->offset = (hwaddr)(addr - base);
    return true;
}

static bool model_owner(const struct model *m, const struct model_tree *t, hwaddr addr,
                        struct owner *o)
{
    return model_owner_in(m, t, MODEL_ROOT, 0, addr, o);
}

/* FR_* flags the owner's ranges must carry. */
static unsigned model_flags(const struct model *m, const struct model_tree *t, int idx)
{
    switch (m->r[idx].kind) {
    case MR_KIND_RAM:
        return t->n[idx].readonly ? FR_DIRECT_READ : FR_DIRECT_READ | FR_DIRECT_WRITE;
    case MR_KIND_ROMD:
        return t->n[idx].romd ? FR_DIRECT_READ : 0;
    default:
        return 0;
    }
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
    bool has = model_owner(m, &m->in_force, addr, &o);
    const FlatRange *fr = flatview_lookup(address_space_flatview(&m->as), addr);

    if (!has && !fr)
        return true;
    if (!has || !fr)
        return model_fail(m, has ? "oracle has an owner at %llx, view none"
                                 : "view has an owner at %llx, oracle none", addr);
    if (fr->mr != &m->r[o.idx] || fr->offset_in_region + (addr - fr->start) != o.offset)
        return model_fail(m, "owner or offset differ at %llx", addr);
    if (fr->flags != model_flags(m, &m->in_force, o.idx))
        return model_fail(m, "range flags differ at %llx", addr);
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

/* An address worth probing: a range boundary of the view in force (or a
 * byte either side), low space, or the top of the 64-bit space. */
static hwaddr model_probe_addr(struct model *m, struct model_src *s)
{
    const FlatView *v = address_space_flatview(&m->as);
    unsigned k = model_pick(s, 8);

    if (k < 4 && v && v->nr) {
        const FlatRange *fr = &v->ranges[model_pick(s, (unsigned)v->nr)];
        hwaddr at = (k & 1) ? fr->last : fr->start;
        return at + (hwaddr)model_pick(s, 5) - 2 - (k & 1);
    }
    if (k < 6)
        return model_next(s) % 0x40000;
    if (k == 6)
        return 0xffffffffffff0000ull + (model_next(s) & 0xffff);
    return UINT64_MAX - model_pick(s, 12); /* accesses may run past 2^64 */
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

/* ---- accesses, checked against the tree in force ---- */
/* The host byte behind a RAM-backed owner. */
static uint8_t *model_ram_byte(struct model *m, const struct owner *o)
{
    return (uint8_t *)memory_region_get_ram_ptr(&m->r[o->idx]) + o->offset;
}

/* Whether the callbacks logged since the access began took exactly the
 * device-bound bytes of the access: each byte once, with its data. */
static bool model_calls_cover(struct model *m, const struct owner *own, const bool *has,
                              const bool *to_dev, const uint8_t *data, unsigned n,
                              bool is_write)
{
    unsigned want = 0, got = 0;

    if (model_ncalls > sizeof(model_calls) / sizeof(model_calls[0]))
        return model_fail(m, "%llu callbacks for one access", model_ncalls);
    for (unsigned k = 0; k < n; k++) {
        if (!has[k] || !to_dev[k])
            continue;
        want++;
        bool found = false;
        for (unsigned c = 0; c < model_ncalls && !found; c++) {
            const struct model_call *cl = &model_calls[c];
            if (cl->idx != own[k].idx || cl->is_write != is_write ||
                own[k].offset < cl->off || own[k].offset - cl->off >= cl->size)
                continue;
            found = !is_write ||
                    (uint8_t)(cl->val >> (8 * (own[k].offset - cl->off))) == data[k];
        }
        if (!found)
            return model_fail(m, "byte %llu of the access missed its device", k);
    }
    for (unsigned c = 0; c < model_ncalls; c++)
        got += model_calls[c].size;
    if (got != want)
        return model_fail(m, "callbacks took %llu bytes, the devices own fewer", got);
    return true;
}

/* One read or write of n bytes at addr through address_space_read/write,
 * compared with what the tree in force says must happen. */
static bool model_access(struct model *m, hwaddr addr, unsigned n, bool is_write,
                         struct model_src *s)
{
    const struct model_tree *t = &m->in_force;
    struct owner own[8] = { { 0, 0 } };
    bool has[8] = { 0 }, to_dev[8] = { 0 }, wraps = addr + (n - 1) < addr;
    uint8_t data[8], before[8], *ram[8] = { 0 };
    MemTxResult r, want = MEMTX_OK;

    for (unsigned k = 0; k < n; k++) {
        has[k] = model_owner(m, t, addr + k, &own[k]); /* wraps, as a bug would */
        if (has[k] && memory_region_is_ram(&m->r[own[k].idx]))
            ram[k] = model_ram_byte(m, &own[k]);
        if (ram[k])
            before[k] = *ram[k];
        if (has[k]) {
            int kind = m->r[own[k].idx].kind;
            to_dev[k] = kind == MR_KIND_IO ||
                        (kind == MR_KIND_ROMD && (is_write || !t->n[own[k].idx].romd));
        }
        if (!has[k] || wraps)
            want = MEMTX_DECODE_ERROR;
        data[k] = (uint8_t)model_next(s);
    }
    if (wraps)
        for (unsigned k = 0; k < n; k++)
            has[k] = false;
    model_ncalls = 0;
    m->accesses++;
    if (is_write) {
        r = address_space_write(&m->as, addr, data, n);
    } else {
        memset(data, 0, sizeof(data));
        r = address_space_read(&m->as, addr, data, n);
    }
    if (r != want)
        return model_fail(m, is_write ? "write at %llx: wrong MemTxResult"
                                      : "read at %llx: wrong MemTxResult", addr);
    if (!model_calls_cover(m, own, has, to_dev, data, n, is_write))
        return false;
    for (unsigned k = 0; k < n; k++) {
        if (!is_write) {
            uint8_t exp = !has[k] ? 0xff
                          : to_dev[k] ? model_pattern(own[k].idx, own[k].offset)
                                      : before[k];
            if (data[k] != exp)
                return model_fail(m, "read at %llx: wrong byte", addr + k);
            continue;
        }
        if (!ram[k])
            continue;
        /* The last byte of the access that lands there wins. */
        uint8_t exp = before[k];
        for (unsigned j = 0; j < n; j++)
            if (ram[j] == ram[k] && has[j] && m->r[own[j].idx].kind == MR_KIND_RAM &&
                !t->n[own[j].idx].readonly)
                exp = data[j];
        if (*ram[k] != exp)
            return model_fail(m, "write at %llx: RAM byte wrong", addr + k);
    }
    return true;
}

/* A few accesses of 1-8 bytes at interesting addresses. */
static bool model_accesses(struct model *m, struct model_src *s)
{
    static const unsigned lens[] = { 1, 2, 3, 4, 8, 5 };

    for (unsigned k = 0, n = 1 + model_pick(s, 4); k < n; k++)
        if (!model_access(m, model_probe_addr(m, s), lens[model_pick(s, 6)],
                          model_pick(s, 2), s))
            return false;
    return true;
}

/* ---- edits ---- */
/* A snapshot of what a refused call must not change. */
struct model_snap {
    struct model_tree tree;
};

static void model_snap(const struct model *m, struct model_snap *sn)
{
    model_capture(m, &sn->tree);
}

static bool model_same(const struct model *m, const struct model_snap *sn)
{
    struct model_tree now;

    model_capture(m, &now);
    for (int i = 0; i <= MODEL_ROOT; i++) {
        const struct model_node *a = &now.n[i], *b = &sn->tree.n[i];
        if (a->parent != b->parent || a->addr != b->addr ||
            a->alias_offset != b->alias_offset || a->size != b->size ||
            a->priority != b->priority || a->enabled != b->enabled ||
            a->readonly != b->readonly || a->romd != b->romd || a->order != b->order)
            return false;
    }
    return true;
}

static MemoryRegion *model_container(struct model *m, struct model_src *s)
{
    unsigned k = model_pick(s, 10);
    /* Mostly the root; RAM regions may hold subregions too (a hole). */
    if (k >= 5)
        return &m->root;
    return &m->r[k == 4 ? 4 + model_pick(s, 4) : k];
}

/* One edit; returns false if a refused edit changed something. */
static bool model_edit(struct model *m, struct model_src *s)
{
    MemoryRegion *x = &m->r[model_pick(s, MODEL_REGIONS)];
    struct model_snap sn;
    int err = MR_OK, prio;
    MemoryRegion *p;

    model_snap(m, &sn);
    switch (model_pick(s, 13)) {
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
    case 5: /* readonly (refused for non-RAM), or the ROM device's mode */
        if (model_pick(s, 3) == 0)
            x = &m->r[MODEL_ROMD];
        if (x->kind == MR_KIND_ROMD)
            err = memory_region_rom_device_set_romd(x, !x->romd_mode);
        else
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
    default: /* resize (containers, MMIO, aliases; RAM refused) */
        if (model_pick(s, 2))
            x = &m->r[9 + model_pick(s, 5)]; /* MMIO more often */
        err = memory_region_set_size(x, model_size(s) * (1 + model_pick(s, 4)) /
                                            (1 + model_pick(s, 4)));
        break;
    }
    if (err && !model_same(m, &sn))
        return model_fail(m, "refused edit (%lld) changed the tree", err);
    return true;
}

/* One sequence of edits in random nested transactions, with accesses
 * between the edits: inside an open transaction they must still go by the
 * tree of the last outermost commit. */
static bool model_run(struct model *m, struct model_src *s, unsigned steps)
{
    for (unsigned i = 0; i < steps && !model_done(s); i++) {
        unsigned depth = model_pick(s, 3), k;
        for (k = 0; k < depth; k++)
            memory_region_transaction_begin();
        unsigned edits = 1 + model_pick(s, 4);
        for (unsigned e = 0; e < edits; e++) {
            if (!model_edit(m, s))
                return false;
            if (!depth) /* it committed at once */
                model_capture(m, &m->in_force);
            if (!model_accesses(m, s))
                return false;
        }
        for (k = 0; k < depth; k++)
            memory_region_transaction_commit();
        model_capture(m, &m->in_force);
        if (!model_check(m, s) || !model_accesses(m, s))
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
