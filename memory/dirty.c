/*
 * Dirty bitmaps: per RAM region, per client, one bit per 4 KiB page.
 * The CPU's record (EPT dirty bits, PML) reaches these through the
 * listeners' log_sync, which memory_region_sync_dirty_bitmap asks for.
 */
#include "memory/internal.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))

static size_t region_pages(const MemoryRegion *mr)
{
    return (size_t)((mr->size + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_SHIFT);
}

static size_t bitmap_bytes(const MemoryRegion *mr)
{
    return (region_pages(mr) + BITS_PER_WORD - 1) / BITS_PER_WORD *
           sizeof(unsigned long);
}

void memory_region_free_dirty(MemoryRegion *mr)
{
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        plat_free(mr->dirty[c]);
        mr->dirty[c] = NULL;
    }
    mr->dirty_log_mask = 0;
}

int memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    uint8_t bit;

    if (!mr || !mr->initialized || client >= DIRTY_MEMORY_NUM)
        return memory_refuse(MR_EINVAL, "set_log: bad region or client %u", client);
    if (!memory_region_is_ram(mr))
        return memory_refuse(MR_ETYPE, "set_log %s: not RAM", mr->name);
    bit = (uint8_t)(1u << client);
    if (log == !!(mr->dirty_log_mask & bit))
        return MR_OK;
    if (log) {
        mr->dirty[client] = plat_alloc(bitmap_bytes(mr));
        if (!mr->dirty[client])
            return memory_refuse(MR_ENOMEM, "set_log %s: bitmap", mr->name);
        mr->dirty_log_mask |= bit;
    } else {
        plat_free(mr->dirty[client]);
        mr->dirty[client] = NULL;
        mr->dirty_log_mask &= (uint8_t)~bit;
    }
    memory_touched();
    return MR_OK;
}

/* Page indices [*first, *end) covering [addr, addr+size) clipped to mr. */
static bool page_span(const MemoryRegion *mr, hwaddr addr, hwaddr size,
                      size_t *first, size_t *end)
{
    msize_t stop = (msize_t)addr + size;

    if (size == 0 || (msize_t)addr >= mr->size)
        return false;
    if (stop > mr->size)
        stop = mr->size;
    *first = (size_t)(addr >> MEMORY_PAGE_SHIFT);
    *end = (size_t)((stop + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_SHIFT);
    return true;
}

bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client)
{
    size_t p, end;
    unsigned long *bm;

    if (!mr || client >= DIRTY_MEMORY_NUM || !(bm = mr->dirty[client]) ||
        !page_span(mr, addr, size, &p, &end))
        return false;
    for (; p < end; p++)
        if (bm[p / BITS_PER_WORD] & (1ul << (p % BITS_PER_WORD)))
            return true;
    return false;
}

/* Sets or clears pages [p, end) in one bitmap, a word at a time. */
static void bitmap_change(unsigned long *bm, size_t p, size_t end, bool set)
{
    while (p < end) {
        size_t w = p / BITS_PER_WORD, b = p % BITS_PER_WORD;
        size_t n = MIN(BITS_PER_WORD - b, end - p);
        unsigned long mask = (n == BITS_PER_WORD ? ~0ul : ((1ul << n) - 1)) << b;
        if (set)
            bm[w] |= mask;
        else
            bm[w] &= ~mask;
        p += n;
    }
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size)
{
    size_t p, end;

    if (!mr || !page_span(mr, addr, size, &p, &end))
        return;
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++)
        if (mr->dirty[c])
            bitmap_change(mr->dirty[c], p, end, true);
}

void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                               unsigned client)
{
    size_t p, end;

    if (!mr || client >= DIRTY_MEMORY_NUM || !mr->dirty[client] ||
        !page_span(mr, addr, size, &p, &end))
        return;
    bitmap_change(mr->dirty[client], p, end, false);
}

void memory_region_sync_dirty_bitmap(MemoryRegion *mr)
{
    for (AddressSpace *as = memory_state.spaces; as; as = as->next) {
        const FlatView *v = as->current;
        for (size_t i = 0; v && i < v->nr; i++) {
            MemoryRegionSection s;
            if (v->ranges[i].mr != mr)
                continue;
            s = memory_section(as, &v->ranges[i]);
            for (MemoryListener *l = memory_state.listeners; l; l = l->next)
                if (l->log_sync && (!l->as || l->as == as))
                    l->log_sync(l, &s);
        }
    }
}
