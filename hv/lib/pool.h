/*
 * The hypervisor's page pool: a fixed budget of pages that boot/ takes from
 * UEFI once (before ExitBootServices), managed here for the rest of the run.
 *
 * Pages: a bitmap, first fit from a moving hint; runs of any length.
 * Bytes: power-of-two size classes (32 B .. 2 KiB, 16-byte header included)
 * carved from pages on demand, with a free list per class; anything larger
 * takes whole pages.  Everything handed out is zeroed.  Counters make leaks
 * and exhaustion visible in the run summary.
 */
#ifndef HV_POOL_H
#define HV_POOL_H

#include "hv/lib/base.h"

struct pool_stats {
    uint64_t total_pages;   /* pages the pool manages (bitmap included) */
    uint64_t used_pages;    /* pages handed out now (slabs included) */
    uint64_t peak_pages;
    uint64_t slab_pages;    /* of used_pages: carved into small blocks, kept */
    uint64_t live_allocs;   /* byte blocks outstanding */
    uint64_t live_bytes;    /* bytes requested by those blocks */
    uint64_t page_allocs;   /* pool_alloc_pages calls that succeeded */
    uint64_t failed;        /* requests refused (exhausted or bad) */
    uint64_t bad_frees;     /* frees of memory the pool never gave out */
    uint64_t guard_pages;   /* guard pages in use (not in used_pages) */
    uint64_t guard_errors;  /* guard pages found written */
};

/* Takes over [base, base + npages * 4096); base must be page aligned.
 * Returns false when the budget is too small to hold its own bitmap. */
bool pool_init(void *base, uint64_t npages);
bool pool_ready(void);

void *pool_alloc_pages(size_t npages);
void pool_free_pages(void *p, size_t npages);
void *pool_alloc(size_t bytes);
void pool_free(void *p);

void pool_get_stats(struct pool_stats *st);

/* Free pages carry a mark: the first POOL_MARK_LEN bytes of every free page
 * hold `mark` (hv.efi: the isolation canary) from pool_set_free_mark on,
 * and every page freed later gets it too (pages handed out are zeroed as
 * ever).  pool_check_free_marks counts the free pages whose mark changed
 * -- memory someone wrote after it was freed -- and reports each through
 * bad(ctx, page address) when bad is not NULL. */
#define POOL_MARK_LEN 16
void pool_set_free_mark(const uint8_t mark[POOL_MARK_LEN]);
uint64_t pool_check_free_marks(void (*bad)(void *ctx, const void *page), void *ctx);
/* Guards (on only once a mark is set): every run of pages handed out is
 * followed by one more page, filled with the mark, that belongs to nobody.
 * Whoever writes past the end of a run, or into the page after a table hv
 * uses, changes it.  pool_check_guards reports each changed guard through
 * bad(ctx, guard address) and restores it; freeing the run checks its
 * guard too (a log line).  Runs taken before guards were on have none. */
void pool_set_guards(bool on);
uint64_t pool_check_guards(void (*bad)(void *ctx, const void *page), void *ctx);
/* True when p lies inside the pool. */
bool pool_contains(const void *p);

#endif
