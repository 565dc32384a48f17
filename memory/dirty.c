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
    mr->live.dirty_log_mask = 0;
}

/* The client number a DIRTY_MEMORY_* name (or bare number) stands for,
 * or -1: an OR of names matches no name's check pattern. */
static int client_number(unsigned client)
{
    unsigned n = client & 0xf;

    if (client < DIRTY_MEMORY_NUM)
        return (int)client;
    if (n < DIRTY_MEMORY_NUM && client == DIRTY_MEMORY_NAME(n))
        return (int)n;
    return -1;
}

static int bad_client(const MemoryRegion *mr, const char *what, unsigned client)
{
    return memory_refuse(MR_EINVAL, "%s %s: %#x is not one dirty-log client "
                         "(one DIRTY_MEMORY_* per call, not an OR)", what,
                         mr && mr->name ? mr->name : "?", client);
}

void memory_region_trim_dirty(MemoryRegion *mr)
{
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++)
        if (mr->dirty[c] && !(mr->dirty_log_mask & (1u << c))) {
            plat_free(mr->dirty[c]);
            mr->dirty[c] = NULL;
        }
}

struct log_undo {
    MemoryRegion *mr;
    uint8_t mask;
    bool allocated; /* the bitmap was made for this call */
    unsigned c;
};

static void undo_log(void *ctx)
{
    struct log_undo *u = ctx;

    u->mr->dirty_log_mask = u->mask;
    if (u->allocated) {
        plat_free(u->mr->dirty[u->c]);
        u->mr->dirty[u->c] = NULL;
    }
}

/* A bitmap lives while its client is logging in the tree as edited or in
 * force: started, it is made now (a failure is this call's); stopped, it
 * goes at the commit that puts the stop in force. */
int memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    int c = client_number(client);
    struct log_undo u;
    uint8_t bit;

    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "set_log: not an initialised region");
    if (c < 0)
        return bad_client(mr, "set_log", client);
    if (!memory_region_is_ram(mr))
        return memory_refuse(MR_ETYPE, "set_log %s: not RAM", mr->name);
    bit = (uint8_t)(1u << c);
    if (log == !!(mr->dirty_log_mask & bit))
        return MR_OK;
    u = (struct log_undo){ mr, mr->dirty_log_mask, false, (unsigned)c };
    if (log && !mr->dirty[c]) {
        mr->dirty[c] = plat_alloc(bitmap_bytes(mr));
        if (!mr->dirty[c])
            return memory_refuse(MR_ENOMEM, "set_log %s: bitmap", mr->name);
        u.allocated = true;
    }
    mr->dirty_log_mask = (uint8_t)(log ? mr->dirty_log_mask | bit
                                       : mr->dirty_log_mask & ~bit);
    return memory_change(mr, undo_log, &u);
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
    int c = client_number(client);
    size_t p, end;
    unsigned long *bm;

    if (c < 0) {
        bad_client(mr, "get_dirty", client);
        return false;
    }
    if (!mr || !(bm = mr->dirty[c]) || !page_span(mr, addr, size, &p, &end))
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
        if ((mr->live.dirty_log_mask & (1u << c)) && mr->dirty[c])
            bitmap_change(mr->dirty[c], p, end, true);
}

void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                               unsigned client)
{
    int c = client_number(client);
    size_t p, end;

    if (c < 0) {
        bad_client(mr, "reset_dirty", client);
        return;
    }
    if (!mr || !mr->dirty[c] || !page_span(mr, addr, size, &p, &end))
        return;
    bitmap_change(mr->dirty[c], p, end, false);
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
