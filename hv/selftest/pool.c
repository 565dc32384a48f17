/*
 * Self-tests of hv.efi's page pool (hv/lib/pool.c): alignment, zeroing,
 * counters, reuse, and refusal of bad frees and impossible requests.
 */
#include "hv/lib/platform.h"
#include "hv/lib/pool.h"
#include "hv/selftest/selftest.h"

static bool all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static bool test_pages(void)
{
    struct pool_stats a, b;
    uint8_t *p, *q;

    pool_get_stats(&a);
    p = plat_alloc_pages(3);
    ST_CHECK(p != NULL);
    ST_CHECK_EQ((uintptr_t)p & 4095, 0);
    ST_CHECK(all_zero(p, 3 * 4096));
    memset(p, 0xcc, 3 * 4096);
    pool_get_stats(&b);
    ST_CHECK_EQ(b.used_pages, a.used_pages + 3);
    plat_free_pages(p, 3);
    /* Freed pages come back zeroed on the next allocation. */
    q = plat_alloc_pages(3);
    ST_CHECK(q != NULL);
    ST_CHECK(all_zero(q, 3 * 4096));
    plat_free_pages(q, 3);
    pool_get_stats(&b);
    ST_CHECK_EQ(b.used_pages, a.used_pages);
    ST_CHECK_EQ(plat_virt_to_phys(q), (uintptr_t)q);
    return true;
}

static bool test_bytes(void)
{
    static const size_t sizes[] = {1, 16, 17, 100, 2032, 2033, 3000, 10000};
    uint8_t *p[ARRAY_SIZE(sizes)];
    struct pool_stats a, b;
    size_t i, j;

    pool_get_stats(&a);
    for (i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = plat_alloc(sizes[i]);
        ST_CHECK(p[i] != NULL);
        ST_CHECK_EQ((uintptr_t)p[i] & 15, 0);
        ST_CHECK(all_zero(p[i], sizes[i]));
        memset(p[i], (int)(0x10 + i), sizes[i]);
    }
    /* No block overlaps another: each still holds its own pattern. */
    for (i = 0; i < ARRAY_SIZE(sizes); i++)
        for (j = 0; j < sizes[i]; j++)
            ST_CHECK_EQ(p[i][j], 0x10 + i);
    pool_get_stats(&b);
    ST_CHECK_EQ(b.live_allocs, a.live_allocs + ARRAY_SIZE(sizes));
    for (i = 0; i < ARRAY_SIZE(sizes); i++)
        plat_free(p[i]);
    pool_get_stats(&b);
    ST_CHECK_EQ(b.live_allocs, a.live_allocs);
    ST_CHECK_EQ(b.live_bytes, a.live_bytes);
    return true;
}

static bool test_bad_requests(void)
{
    struct pool_stats a, b;
    static uint64_t not_pool[4];
    void *p;

    pool_get_stats(&a);
    ST_CHECK(plat_alloc_pages(a.total_pages) == NULL);
    ST_CHECK(plat_alloc_pages(0) == NULL);
    plat_log(LOG_INFO, "selftest: the next 2 pool errors are expected");
    plat_free(&not_pool[2]); /* not from the pool */
    p = plat_alloc(40);
    ST_CHECK(p != NULL);
    plat_free(p);
    plat_free(p); /* double free */
    pool_get_stats(&b);
    ST_CHECK_EQ(b.failed, a.failed + 2);
    ST_CHECK_EQ(b.bad_frees, a.bad_frees + 2);
    ST_CHECK_EQ(b.live_allocs, a.live_allocs);
    return true;
}

static const struct selftest pool_tests[] = {
    {"pages", test_pages},
    {"bytes", test_bytes},
    {"bad_requests", test_bad_requests},
};
SELFTEST_GROUP(selftest_group_pool, "pool", pool_tests);
