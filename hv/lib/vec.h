/*
 * Growable arrays over the platform allocator (there is no realloc).
 */
#ifndef HV_LIB_VEC_H
#define HV_LIB_VEC_H

#include "hv/lib/base.h"

/* Makes *arr (of *cap elements of `elem` bytes) hold at least `need`
 * elements, doubling; the first `keep` elements are carried over.  On
 * failure *arr and *cap are unchanged and false is returned. */
bool vec_reserve(void **arr, size_t *cap, size_t need, size_t elem, size_t keep);

#endif
