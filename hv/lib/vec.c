#include "hv/lib/vec.h"
#include "hv/lib/platform.h"

bool vec_reserve(void **arr, size_t *cap, size_t need, size_t elem, size_t keep)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return true;
    ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    p = plat_alloc(ncap * elem);
    if (!p)
        return false;
    if (keep)
        memcpy(p, *arr, keep * elem);
    plat_free(*arr);
    *arr = p;
    *cap = ncap;
    return true;
}
