/*
 * The region tree: adding and removing subregions, and the attributes that
 * change where or whether a region shows (address, size, enabled, readonly,
 * alias offset, ROMD mode).  Every check happens before anything changes,
 * so a refused call leaves the tree as it was.
 */
#include "memory/internal.h"

static bool ranges_overlap(hwaddr a, msize_t asz, hwaddr b, msize_t bsz)
{
    return (msize_t)a < (msize_t)b + bsz && (msize_t)b < (msize_t)a + asz;
}

/* A sibling that `mr` would overlap at addr with size, if neither may. */
static MemoryRegion *overlapping_sibling(MemoryRegion *parent, MemoryRegion *mr,
                                         hwaddr addr, msize_t size,
                                         bool may_overlap)
{
    MemoryRegion *o;

    if (may_overlap)
        return NULL;
    for (o = parent->subregions; o; o = o->next_sibling) {
        if (o != mr && !o->may_overlap &&
            ranges_overlap(addr, size, o->addr, o->size))
            return o;
    }
    return NULL;
}

/* Whether `target` is reachable from `mr` through subregions and aliases:
 * what rendering `mr` would visit. */
static bool reaches(MemoryRegion *mr, MemoryRegion *target, uint64_t epoch)
{
    MemoryRegion *c;

    if (mr == target)
        return true;
    if (mr->visit_epoch == epoch)
        return false;
    mr->visit_epoch = epoch;
    if (mr->kind == MR_KIND_ALIAS)
        return reaches(mr->alias, target, epoch);
    for (c = mr->subregions; c; c = c->next_sibling)
        if (reaches(c, target, epoch))
            return true;
    return false;
}

/* Highest priority first; among equals the later-added first. */
static bool goes_before(const MemoryRegion *a, const MemoryRegion *b)
{
    return a->priority > b->priority ||
           (a->priority == b->priority && a->add_seq > b->add_seq);
}

static void link_sorted(MemoryRegion *parent, MemoryRegion *sub)
{
    MemoryRegion *o = parent->subregions, *prev = NULL;

    while (o && !goes_before(sub, o)) {
        prev = o;
        o = o->next_sibling;
    }
    sub->prev_sibling = prev;
    sub->next_sibling = o;
    if (o)
        o->prev_sibling = sub;
    if (prev)
        prev->next_sibling = sub;
    else
        parent->subregions = sub;
}

static void unlink(MemoryRegion *sub)
{
    if (sub->prev_sibling)
        sub->prev_sibling->next_sibling = sub->next_sibling;
    else
        sub->parent->subregions = sub->next_sibling;
    if (sub->next_sibling)
        sub->next_sibling->prev_sibling = sub->prev_sibling;
    sub->next_sibling = sub->prev_sibling = NULL;
}

static int check_add(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                     bool may_overlap)
{
    MemoryRegion *o;

    if (!mr || !sub || !mr->initialized || !sub->initialized)
        return memory_refuse(MR_EINVAL, "add_subregion: not an initialised region");
    if (mr->kind == MR_KIND_ALIAS)
        return memory_refuse(MR_ETYPE, "add %s to %s: an alias has no subregions",
                             sub->name, mr->name);
    if (sub->parent)
        return memory_refuse(MR_EBUSY, "add %s to %s: already in %s",
                             sub->name, mr->name, sub->parent->name);
    if ((msize_t)offset + sub->size > MSIZE_2_64)
        return memory_refuse(MR_EINVAL, "add %s to %s at %llx: end overflows 2^64",
                             sub->name, mr->name, (unsigned long long)offset);
    if (reaches(sub, mr, ++memory_state.epoch))
        return memory_refuse(MR_ELOOP, "add %s to %s", sub->name, mr->name);
    o = overlapping_sibling(mr, sub, offset, sub->size, may_overlap);
    if (o)
        return memory_refuse(MR_EOVERLAP, "add %s to %s at %llx: %s at %llx",
                             sub->name, mr->name, (unsigned long long)offset,
                             o->name, (unsigned long long)o->addr);
    return MR_OK;
}

/* What an add changed, to undo it if its commit fails. */
struct add_undo {
    MemoryRegion *sub;
    hwaddr addr;
    int priority;
    bool may_overlap;
};

static void undo_add(void *ctx)
{
    struct add_undo *u = ctx;

    unlink(u->sub);
    u->sub->parent = NULL;
    u->sub->addr = u->addr;
    u->sub->priority = u->priority;
    u->sub->may_overlap = u->may_overlap;
}

static int add_common(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                      bool may_overlap, int priority)
{
    int err = check_add(mr, offset, sub, may_overlap);
    struct add_undo u;

    if (err)
        return err;
    u = (struct add_undo){ sub, sub->addr, sub->priority, sub->may_overlap };
    sub->may_overlap = may_overlap;
    sub->priority = priority;
    sub->addr = offset;
    sub->parent = mr;
    sub->add_seq = ++memory_state.add_seq;
    link_sorted(mr, sub);
    return memory_change(NULL, undo_add, &u);
}

int memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                MemoryRegion *subregion)
{
    return add_common(mr, offset, subregion, false, 0);
}

int memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                        MemoryRegion *subregion, int priority)
{
    return add_common(mr, offset, subregion, true, priority);
}

struct del_undo {
    MemoryRegion *parent, *sub;
};

/* Back in its place: the sibling order is (priority, add_seq), both kept. */
static void undo_del(void *ctx)
{
    struct del_undo *u = ctx;

    u->sub->parent = u->parent;
    link_sorted(u->parent, u->sub);
}

int memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    struct del_undo u = { mr, subregion };

    if (!mr || !subregion || !mr->initialized || !subregion->initialized)
        return memory_refuse(MR_EINVAL, "del_subregion: not an initialised region");
    if (subregion->parent != mr)
        return memory_refuse(MR_ENOENT, "del %s from %s", subregion->name,
                             mr->name);
    unlink(subregion);
    subregion->parent = NULL;
    return memory_change(NULL, undo_del, &u);
}

/* Checks a new address/size for a region that may be in a parent. */
static int check_place(MemoryRegion *mr, hwaddr addr, msize_t size,
                       const char *what)
{
    MemoryRegion *o;

    if (!mr->parent)
        return MR_OK;
    if ((msize_t)addr + size > MSIZE_2_64)
        return memory_refuse(MR_EINVAL, "%s %s: end overflows 2^64", what,
                             mr->name);
    o = overlapping_sibling(mr->parent, mr, addr, size, mr->may_overlap);
    if (o)
        return memory_refuse(MR_EOVERLAP, "%s %s: %s at %llx", what, mr->name,
                             o->name, (unsigned long long)o->addr);
    return MR_OK;
}

/* Undo records for the attribute setters: where the field is, and what it
 * held before. */
struct u64_undo {
    hwaddr *field;
    hwaddr old;
};

static void undo_u64(void *ctx)
{
    struct u64_undo *u = ctx;

    *u->field = u->old;
}

struct size_undo {
    msize_t *field;
    msize_t old;
};

static void undo_size(void *ctx)
{
    struct size_undo *u = ctx;

    *u->field = u->old;
}

struct flag_undo {
    bool *field;
    bool old;
};

static void undo_flag(void *ctx)
{
    struct flag_undo *u = ctx;

    *u->field = u->old;
}

int memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    struct u64_undo u;
    int err;

    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_address: not an initialised region");
    err = check_place(mr, addr, mr->size, "set_address");
    if (err || mr->addr == addr)
        return err;
    u = (struct u64_undo){ &mr->addr, mr->addr };
    mr->addr = addr;
    return memory_change(NULL, undo_u64, &u);
}

int memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    msize_t sz = msize_from_arg(size);
    struct size_undo u;
    int err;

    if (!mr || !mr->initialized || size == 0)
        return memory_refuse(MR_EINVAL, "set_size: bad region or zero size");
    if (memory_region_is_ram(mr))
        return memory_refuse(MR_ETYPE, "set_size %s: RAM keeps its size", mr->name);
    if (mr->kind == MR_KIND_ALIAS && (msize_t)mr->alias_offset + sz > MSIZE_2_64)
        return memory_refuse(MR_EINVAL, "set_size %s: alias end overflows", mr->name);
    err = check_place(mr, mr->addr, sz, "set_size");
    if (err || mr->size == sz)
        return err;
    u = (struct size_undo){ &mr->size, mr->size };
    mr->size = sz;
    return memory_change(mr, undo_size, &u);
}

/* Sets a boolean attribute, re-rendering only when it changes; `live`:
 * whether dispatch reads it (then mr's `live` copy follows at the commit). */
static int set_flag(MemoryRegion *mr, bool *flag, bool value, bool live)
{
    struct flag_undo u = { flag, *flag };

    if (*flag == value)
        return MR_OK;
    *flag = value;
    return memory_change(live ? mr : NULL, undo_flag, &u);
}

int memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_enabled: not an initialised region");
    return set_flag(mr, &mr->enabled, enabled, false);
}

int memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_readonly: not an initialised region");
    if (mr->kind != MR_KIND_RAM)
        return memory_refuse(MR_ETYPE, "set_readonly %s: only RAM", mr->name);
    return set_flag(mr, &mr->readonly, readonly, true);
}

int memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode)
{
    if (!mr || !mr->initialized || mr->kind != MR_KIND_ROMD)
        return memory_refuse(MR_ETYPE, "set_romd: not a ROM device");
    return set_flag(mr, &mr->romd_mode, romd_mode, true);
}

int memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    struct u64_undo u;

    if (!mr || !mr->initialized || mr->kind != MR_KIND_ALIAS)
        return memory_refuse(MR_ETYPE, "set_alias_offset: not an alias");
    if ((msize_t)offset + mr->size > MSIZE_2_64)
        return memory_refuse(MR_EINVAL, "set_alias_offset %s: %llx + size "
                             "overflows", mr->name, (unsigned long long)offset);
    if (mr->alias_offset == offset)
        return MR_OK;
    u = (struct u64_undo){ &mr->alias_offset, mr->alias_offset };
    mr->alias_offset = offset;
    return memory_change(mr, undo_u64, &u);
}
