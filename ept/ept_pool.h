/*
 * The page-table pool: every EPT table page comes from here, under a fixed
 * budget.  A commit first reserves the pages it may need (an upper bound
 * from a dry run), so running out is detected before any entry changes and
 * the EPT stays exactly at the last good view.
 *
 * Pages freed during a commit are only "deferred": the CPU's paging-
 * structure caches may still point at them until the commit's INVEPT, so
 * they are handed out again only after ept_pool_settle().
 */
#ifndef EPT_EPT_POOL_H
#define EPT_EPT_POOL_H

#include "hv/lib/base.h"

typedef struct EptPool {
    size_t budget;    /* most pages in use at once */
    size_t in_use;    /* handed out, including deferred ones */
    size_t reserved;  /* promised to the running commit */
    void *free_list;  /* cached pages, linked through their first word */
    size_t free_count;
    void *deferred;   /* freed in this commit, reusable after INVEPT */
    size_t deferred_count;
} EptPool;

/* Keep this many free pages cached between commits (the rest go back). */
#define EPT_POOL_CACHE 8u

void ept_pool_init(EptPool *p, size_t budget);
/* Makes n pages available for ept_pool_get; false (and logged) when the
 * budget or the platform cannot supply them.  Replaces any earlier
 * reservation. */
bool ept_pool_reserve(EptPool *p, size_t n);
/* A zeroed page out of the reservation; panics if the reservation was
 * short (that would be a bug in the dry run, not bad input). */
void *ept_pool_get(EptPool *p);
/* Returns a page; it is reused only after ept_pool_settle. */
void ept_pool_put(EptPool *p, void *page);
/* After the INVEPT: deferred pages become free, the reservation ends and
 * the cache is trimmed back to EPT_POOL_CACHE pages. */
void ept_pool_settle(EptPool *p);
/* Pages that may still be taken: budget - in_use. */
size_t ept_pool_available(const EptPool *p);
/* Frees every cached page; pages still in use are the caller's leak. */
void ept_pool_destroy(EptPool *p);

#endif
