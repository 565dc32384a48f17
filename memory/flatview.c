/*
 * Flat view queries: binary search over the sorted, disjoint ranges.
 */
#include "memory/internal.h"

size_t flatview_lower_bound(const FlatView *view, hwaddr addr)
{
    size_t lo = 0, hi = view ? view->nr : 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (view->ranges[mid].last < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const FlatRange *flatview_lookup(const FlatView *view, hwaddr addr)
{
    size_t i = flatview_lower_bound(view, addr);

    if (!view || i == view->nr || view->ranges[i].start > addr)
        return NULL;
    return &view->ranges[i];
}

void *flatrange_ram_ptr(const FlatRange *fr, hwaddr addr)
{
    if (!(fr->flags & FR_DIRECT_READ) || addr < fr->start || addr > fr->last)
        return NULL;
    return fr->mr->ram + fr->offset_in_region + (addr - fr->start);
}
