#include "hv/lib/pool.h"

#include "hv/lib/platform.h"

#define PAGE PLAT_PAGE_SIZE

/* ---------------------------------------------------------------- pages */
static uint8_t *pool_base;
static uint64_t pool_npages;
static uint64_t *bitmap;      /* bit set: page in use */
static uint64_t *guard_map;   /* bit set: in use as a run's guard page */
static uint64_t hint;         /* where the next search starts */
static struct pool_stats stats;

static uint8_t free_mark[POOL_MARK_LEN];
static bool marking;
static bool guarding;

static bool page_used(uint64_t i) { return bitmap[i / 64] >> (i % 64) & 1; }
static bool page_guard(uint64_t i) { return guard_map[i / 64] >> (i % 64) & 1; }

/* Sets or clears bits [first, first + n) of a page bitmap. */
static void set_bits(uint64_t *map, uint64_t first, uint64_t n, bool on)
{
    for (uint64_t i = first; i < first + n; i++) {
        if (on)
            map[i / 64] |= 1ull << (i % 64);
        else
            map[i / 64] &= ~(1ull << (i % 64));
    }
}

static void mark(uint64_t first, uint64_t n, bool used)
{
    set_bits(bitmap, first, n, used);
}

bool pool_init(void *base, uint64_t npages)
{
    uint64_t words, bitmap_pages;

    if (!base || ((uintptr_t)base & (PAGE - 1)))
        return false;
    words = (npages + 63) / 64;
    bitmap_pages = (2 * words * 8 + PAGE - 1) / PAGE; /* in use, then guards */
    if (npages <= bitmap_pages)
        return false;
    pool_base = base;
    pool_npages = npages;
    bitmap = base;
    guard_map = bitmap + words;
    memset(bitmap, 0, bitmap_pages * PAGE);
    /* The bitmap lives in the pool's first pages: mark them used. */
    mark(0, bitmap_pages, true);
    hint = bitmap_pages;
    memset(&stats, 0, sizeof(stats));
    marking = false;
    guarding = false;
    stats.total_pages = npages;
    stats.used_pages = stats.peak_pages = bitmap_pages;
    return true;
}

bool pool_ready(void) { return pool_base != NULL; }

bool pool_contains(const void *p)
{
    const uint8_t *b = p;

    return pool_base && b >= pool_base && b < pool_base + pool_npages * PAGE;
}

/* First free run of n pages at or after `from`, or pool_npages. */
static uint64_t find_run(uint64_t from, uint64_t n)
{
    uint64_t i = from, run = 0;

    while (i < pool_npages) {
        /* Skip a fully used word in one step: pools are mostly full runs. */
        if (i % 64 == 0 && bitmap[i / 64] == ~0ull) {
            i += 64;
            run = 0;
            continue;
        }
        if (page_used(i)) {
            run = 0;
        } else if (++run == n) {
            return i + 1 - n;
        }
        i++;
    }
    return pool_npages;
}

/* A page of marks: what a guard page holds, all of it. */
static void fill_marks(uint8_t *page)
{
    for (size_t off = 0; off < PAGE; off += POOL_MARK_LEN)
        memcpy(page + off, free_mark, POOL_MARK_LEN);
}

static bool marks_intact(const uint8_t *page)
{
    for (size_t off = 0; off < PAGE; off += POOL_MARK_LEN)
        if (memcmp(page + off, free_mark, POOL_MARK_LEN))
            return false;
    return true;
}

void *pool_alloc_pages(size_t npages)
{
    uint64_t first, take = npages + (guarding ? 1 : 0);
    void *p;

    if (!pool_base || npages == 0 || take > pool_npages) {
        stats.failed++;
        return NULL;
    }
    first = find_run(hint, take);
    if (first == pool_npages)
        first = find_run(0, take);
    if (first == pool_npages) {
        stats.failed++;
        return NULL;
    }
    mark(first, take, true);
    if (guarding) {
        set_bits(guard_map, first + npages, 1, true);
        fill_marks(pool_base + (first + npages) * PAGE);
        stats.guard_pages++;
    }
    hint = first + take;
    stats.used_pages += npages;
    stats.page_allocs++;
    if (stats.used_pages > stats.peak_pages)
        stats.peak_pages = stats.used_pages;
    p = pool_base + first * PAGE;
    memset(p, 0, npages * PAGE);
    return p;
}

void pool_free_pages(void *p, size_t npages)
{
    uint64_t first, i;

    if (!p)
        return;
    if (!pool_contains(p) || ((uint8_t *)p - pool_base) % PAGE ||
        npages == 0 || ((uint8_t *)p - pool_base) / PAGE + npages > pool_npages) {
        stats.bad_frees++;
        plat_log(LOG_ERR, "pool: free of %zu pages at %p: not pool pages", npages, p);
        return;
    }
    first = (uint64_t)((uint8_t *)p - pool_base) / PAGE;
    for (i = first; i < first + npages; i++) {
        if (!page_used(i) || page_guard(i)) {
            stats.bad_frees++;
            plat_log(LOG_ERR, "pool: free of %zu pages at %p: page %llu not in use (or a guard)",
                     npages, p, (unsigned long long)(i - first));
            return;
        }
    }
    stats.used_pages -= npages;
    /* The run's guard goes with it, checked one last time. */
    if (first + npages < pool_npages && page_guard(first + npages)) {
        if (!marks_intact(pool_base + (first + npages) * PAGE)) {
            stats.guard_errors++;
            plat_log(LOG_ERR, "pool: the guard page after %zu pages at %p was written",
                     npages, p);
        }
        set_bits(guard_map, first + npages, 1, false);
        stats.guard_pages--;
        npages++; /* freed with the run below */
    }
    mark(first, npages, false);
    if (first < hint)
        hint = first;
    if (marking)
        for (i = first; i < first + npages; i++)
            memcpy(pool_base + i * PAGE, free_mark, POOL_MARK_LEN);
}

void pool_set_free_mark(const uint8_t m[POOL_MARK_LEN])
{
    memcpy(free_mark, m, POOL_MARK_LEN);
    marking = true;
    for (uint64_t i = 0; i < pool_npages; i++)
        if (!page_used(i))
            memcpy(pool_base + i * PAGE, free_mark, POOL_MARK_LEN);
}

void pool_set_guards(bool on)
{
    guarding = on && marking;
}

uint64_t pool_check_guards(void (*bad)(void *ctx, const void *page), void *ctx)
{
    uint64_t n = 0;

    for (uint64_t i = 0; pool_base && i < pool_npages; i++) {
        if (!page_guard(i) || marks_intact(pool_base + i * PAGE))
            continue;
        n++;
        stats.guard_errors++;
        if (bad)
            bad(ctx, pool_base + i * PAGE);
        fill_marks(pool_base + i * PAGE); /* report once */
    }
    return n;
}

uint64_t pool_check_free_marks(void (*bad)(void *ctx, const void *page), void *ctx)
{
    uint64_t n = 0;

    if (!marking)
        return 0;
    for (uint64_t i = 0; i < pool_npages; i++) {
        if (page_used(i) || !memcmp(pool_base + i * PAGE, free_mark, POOL_MARK_LEN))
            continue;
        n++;
        if (bad)
            bad(ctx, pool_base + i * PAGE);
        memcpy(pool_base + i * PAGE, free_mark, POOL_MARK_LEN); /* report once */
    }
    return n;
}

/* ---------------------------------------------------------------- bytes */
/*
 * Every block starts with this header so pool_free knows what it is.
 * 16 bytes keeps the caller's pointer 16-byte aligned.
 */
struct block_hdr {
    uint32_t magic;
    uint32_t cls;        /* size class index, or CLASS_PAGES */
    uint64_t size;       /* bytes requested (pages: page count in npages) */
};
_Static_assert(sizeof(struct block_hdr) == 16, "header keeps 16-byte alignment");

#define BLOCK_MAGIC 0x6876616cu  /* "hval" */
#define FREE_MAGIC 0x68766672u   /* "hvfr": catches double frees */
#define MIN_SHIFT 5              /* 32-byte blocks */
#define MAX_SHIFT 11             /* 2 KiB blocks; larger takes pages */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define CLASS_PAGES 0xffffu

struct free_block {
    struct block_hdr hdr;
    struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];

static unsigned class_for(size_t total)
{
    unsigned c = 0;

    while ((1ul << (MIN_SHIFT + c)) < total)
        c++;
    return c;
}

/* Carves a fresh page into blocks of class c. */
static bool refill(unsigned c)
{
    size_t bsize = 1ul << (MIN_SHIFT + c), off;
    uint8_t *page = pool_alloc_pages(1);

    if (!page)
        return false;
    stats.slab_pages++;
    for (off = 0; off + bsize <= PAGE; off += bsize) {
        struct free_block *fb = (struct free_block *)(page + off);
        fb->hdr.magic = FREE_MAGIC;
        fb->next = free_lists[c];
        free_lists[c] = fb;
    }
    return true;
}

void *pool_alloc(size_t bytes)
{
    size_t total = bytes + sizeof(struct block_hdr);
    struct block_hdr *h;

    if (bytes == 0)
        total = sizeof(struct block_hdr) + 1;
    if (total < bytes) { /* overflow */
        stats.failed++;
        return NULL;
    }
    if (total <= (1ul << MAX_SHIFT)) {
        unsigned c = class_for(total);
        struct free_block *fb;

        if (!free_lists[c] && !refill(c)) {
            stats.failed++;
            return NULL;
        }
        fb = free_lists[c];
        free_lists[c] = fb->next;
        h = &fb->hdr;
        memset(h, 0, 1ul << (MIN_SHIFT + c));
        h->cls = c;
    } else {
        size_t npages = (total + PAGE - 1) / PAGE;

        if (npages == 0 || !(h = pool_alloc_pages(npages)))
            return NULL; /* counted by pool_alloc_pages */
        h->cls = CLASS_PAGES;
    }
    h->magic = BLOCK_MAGIC;
    h->size = bytes;
    stats.live_allocs++;
    stats.live_bytes += bytes;
    return h + 1;
}

void pool_free(void *p)
{
    struct block_hdr *h;

    if (!p)
        return;
    h = (struct block_hdr *)p - 1;
    if (!pool_contains(h) || ((uintptr_t)p & 15) || h->magic != BLOCK_MAGIC) {
        stats.bad_frees++;
        plat_log(LOG_ERR, "pool: free of %p: not a live block (magic %#x)", p,
                 pool_contains(h) ? h->magic : 0);
        return;
    }
    stats.live_allocs--;
    stats.live_bytes -= h->size;
    if (h->cls == CLASS_PAGES) {
        size_t npages = (h->size + sizeof(*h) + PAGE - 1) / PAGE;
        h->magic = FREE_MAGIC;
        pool_free_pages(h, npages);
    } else if (h->cls < NCLASSES) {
        struct free_block *fb = (struct free_block *)h;
        unsigned c = h->cls;
        fb->hdr.magic = FREE_MAGIC;
        fb->next = free_lists[c];
        free_lists[c] = fb;
    }
}

void pool_get_stats(struct pool_stats *st)
{
    *st = stats;
}
