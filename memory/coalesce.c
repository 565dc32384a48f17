/*
 * Coalesced ranges: parts of an MMIO region whose writes may be queued
 * and delivered later (the device model decides how).  The listeners are
 * told each flat range's intersection with them at the next commit.
 */
#include "memory/internal.h"

void memory_region_free_coalesced(MemoryRegion *mr)
{
    while (mr->coalesced) {
        CoalescedRange *c = mr->coalesced;
        mr->coalesced = c->next;
        plat_free(c);
    }
}

/* What a coalescing change did, to take back if its commit fails; the
 * listeners' way back is then told the ranges as they were. */
struct coalesce_undo {
    MemoryRegion *mr;
    CoalescedRange *added; /* add: the range appended */
    CoalescedRange *old;   /* set/clear: the list replaced, kept till then */
};

static void undo_add(void *ctx)
{
    struct coalesce_undo *u = ctx;
    CoalescedRange **pp = &u->mr->coalesced;

    while (*pp != u->added)
        pp = &(*pp)->next;
    *pp = NULL; /* it was the last */
    plat_free(u->added);
    u->mr->coalesced_changed = true;
}

static void undo_replace(void *ctx)
{
    struct coalesce_undo *u = ctx;

    memory_region_free_coalesced(u->mr);
    u->mr->coalesced = u->old;
    u->old = NULL;
    u->mr->coalesced_changed = true;
}

int memory_region_add_coalescing(MemoryRegion *mr, hwaddr offset, uint64_t size)
{
    struct coalesce_undo u = { mr, NULL, NULL };
    CoalescedRange *c, **pp;

    if (!mr || !mr->initialized || size == 0 ||
        (msize_t)offset + size > mr->size)
        return memory_refuse(MR_EINVAL, "add_coalescing %s: range %llx+%llx "
                             "outside the region", mr ? mr->name : "?",
                             (unsigned long long)offset, (unsigned long long)size);
    if (mr->kind != MR_KIND_IO && mr->kind != MR_KIND_ROMD)
        return memory_refuse(MR_ETYPE, "add_coalescing %s: not MMIO", mr->name);
    c = plat_alloc(sizeof(*c));
    if (!c)
        return memory_refuse(MR_ENOMEM, "add_coalescing %s", mr->name);
    *c = (CoalescedRange){ .offset = offset, .size = size };
    for (pp = &mr->coalesced; *pp; pp = &(*pp)->next)
        ;
    *pp = c;
    mr->coalesced_changed = true;
    u.added = c;
    return memory_change(NULL, undo_add, &u);
}

/* Makes `list` mr's coalesced ranges, freeing the old list once the
 * change stands. */
static int replace_coalesced(MemoryRegion *mr, CoalescedRange *list)
{
    struct coalesce_undo u = { mr, NULL, mr->coalesced };
    int err;

    mr->coalesced = list;
    mr->coalesced_changed = true;
    err = memory_change(NULL, undo_replace, &u);
    while (u.old) {
        CoalescedRange *c = u.old;
        u.old = c->next;
        plat_free(c);
    }
    return err;
}

int memory_region_set_coalescing(MemoryRegion *mr)
{
    CoalescedRange *c;

    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_coalescing: not a region");
    if (mr->kind != MR_KIND_IO && mr->kind != MR_KIND_ROMD)
        return memory_refuse(MR_ETYPE, "set_coalescing %s: not MMIO", mr->name);
    c = plat_alloc(sizeof(*c));
    if (!c)
        return memory_refuse(MR_ENOMEM, "set_coalescing %s", mr->name);
    *c = (CoalescedRange){
        .offset = 0, .size = mr->size >= MSIZE_2_64 ? UINT64_MAX : (uint64_t)mr->size,
    };
    return replace_coalesced(mr, c);
}

void memory_region_clear_coalescing(MemoryRegion *mr)
{
    if (!mr || !mr->coalesced)
        return;
    replace_coalesced(mr, NULL);
}
