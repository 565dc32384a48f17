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

int memory_region_add_coalescing(MemoryRegion *mr, hwaddr offset, uint64_t size)
{
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
    memory_touched();
    return MR_OK;
}

int memory_region_set_coalescing(MemoryRegion *mr)
{
    uint64_t size;

    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_coalescing: not a region");
    size = mr->size >= MSIZE_2_64 ? UINT64_MAX : (uint64_t)mr->size;
    memory_region_transaction_begin();
    memory_region_clear_coalescing(mr);
    int err = memory_region_add_coalescing(mr, 0, size);
    memory_region_transaction_commit();
    return err;
}

void memory_region_clear_coalescing(MemoryRegion *mr)
{
    if (!mr || !mr->coalesced)
        return;
    memory_region_free_coalesced(mr);
    mr->coalesced_changed = true;
    memory_touched();
}
