/*
 * hv.efi's page pool (hv/lib/pool.c) on the host: alignment and zeroing,
 * counters, first fit and reuse, byte blocks by size class, refusals of
 * bad frees and impossible requests, and the free-page mark that lets hv
 * notice writes into memory it had freed (docs/guest-abi.md "Isolation").
 */
#include "hv/lib/pool.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define NPAGES 64
static uint8_t *area;

static void fresh(void)
{
    memset(area, 0xcc, NPAGES * 4096);
    CHECK(pool_init(area, NPAGES));
}

static void test_pages(void)
{
    struct pool_stats st;
    uint8_t *a, *b, *c;
    uint64_t used0;

    fresh();
    pool_get_stats(&st);
    CHECK_EQ(st.total_pages, NPAGES);
    used0 = st.used_pages; /* the pool's own bitmap */
    a = pool_alloc_pages(3);
    b = pool_alloc_pages(1);
    CHECK(a && b && ((uintptr_t)a & 4095) == 0 && b == a + 3 * 4096);
    for (int i = 0; i < 3 * 4096; i++)
        if (a[i]) {
            CHECK(0); /* handed out zeroed */
            break;
        }
    pool_free_pages(a, 3);
    c = pool_alloc_pages(2);
    CHECK(c == a); /* first fit reuses the hole */
    pool_get_stats(&st);
    CHECK_EQ(st.used_pages, used0 + 3);
    CHECK(pool_alloc_pages(NPAGES) == NULL); /* more than there is */
    pool_get_stats(&st);
    CHECK_EQ(st.failed, 1);
    pool_free_pages(c, 2);
    pool_free_pages(b, 1);
}

static void test_bad_frees(void)
{
    struct pool_stats st;
    uint8_t *a;
    static uint8_t outside[64];

    fresh();
    a = pool_alloc_pages(1);
    pool_free_pages(a + 8, 1);     /* not page aligned */
    pool_free_pages(outside, 1);   /* not the pool's */
    pool_free_pages(a, 1);
    pool_free_pages(a, 1);         /* double free */
    pool_free(outside + 16);
    pool_get_stats(&st);
    CHECK_EQ(st.bad_frees, 4);
}

static void test_bytes(void)
{
    struct pool_stats st;
    uint8_t *p[40];

    fresh();
    for (int i = 0; i < 40; i++) {
        p[i] = pool_alloc((size_t)(1 + i * 97));
        CHECK(p[i] && ((uintptr_t)p[i] & 15) == 0);
        memset(p[i], 0x5a, (size_t)(1 + i * 97));
    }
    pool_get_stats(&st);
    CHECK_EQ(st.live_allocs, 40);
    for (int i = 0; i < 40; i++)
        pool_free(p[i]);
    pool_get_stats(&st);
    CHECK_EQ(st.live_allocs, 0);
    CHECK_EQ(st.bad_frees, 0);
    p[0] = pool_alloc(40);
    CHECK(p[0] && p[0][0] == 0 && p[0][39] == 0); /* zeroed again */
    pool_free(p[0]);
    pool_free(p[0]); /* double free of a block */
    pool_get_stats(&st);
    CHECK_EQ(st.bad_frees, 1);
}

static unsigned bad_seen;
static const void *bad_page;

static void on_bad(void *ctx, const void *page)
{
    (void)ctx;
    bad_seen++;
    bad_page = page;
}

/* Free pages carry the mark; a write into a freed page is found, once;
 * pages handed out are zeroed (no mark), pages freed get it back. */
static void test_free_marks(void)
{
    static const uint8_t mark[POOL_MARK_LEN] = "hv-canary-7f3a9c";
    uint8_t *a, *b;

    fresh();
    a = pool_alloc_pages(2);
    pool_set_free_mark(mark);
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 0);
    CHECK(memcmp(a, mark, POOL_MARK_LEN) != 0);        /* in use: untouched */
    CHECK(memcmp(a + 2 * 4096, mark, POOL_MARK_LEN) == 0); /* the next, free */
    b = pool_alloc_pages(1);
    CHECK(b[0] == 0 && b[15] == 0);                     /* zeroed, mark gone */
    pool_free_pages(a, 2);
    CHECK(memcmp(a + 4096, mark, POOL_MARK_LEN) == 0);  /* freed: marked */
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 0);
    a[4096 + 3] ^= 1;                                   /* a stale writer */
    bad_seen = 0;
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 1);
    CHECK_EQ(bad_seen, 1);
    CHECK(bad_page == a + 4096);
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 0);  /* reported once */
    pool_free_pages(b, 1);
}

/* With guards on, every run handed out is followed by a page of marks that
 * no caller owns: hv writing past the end of its EPT table, bitmap or
 * buffer -- or anyone writing into a page in use next to it -- changes a
 * guard, which the check reports (once) and the run's free reports too. */
static void test_guards(void)
{
    static const uint8_t mark[POOL_MARK_LEN] = "hv-canary-7f3a9c";
    struct pool_stats st;
    uint8_t *a, *b, *c;
    uint64_t used0;

    fresh();
    pool_set_free_mark(mark);
    pool_set_guards(true);
    pool_get_stats(&st);
    used0 = st.used_pages;
    a = pool_alloc_pages(2);
    b = pool_alloc_pages(1);
    CHECK(a && b);
    CHECK(b >= a + 3 * 4096);                       /* a's guard between them */
    for (int i = 0; i < 4096; i += POOL_MARK_LEN)
        CHECK(memcmp(a + 2 * 4096 + i, mark, POOL_MARK_LEN) == 0);
    pool_get_stats(&st);
    CHECK_EQ(st.used_pages, used0 + 3);             /* guards not counted */
    CHECK_EQ(st.guard_pages, 2);
    CHECK_EQ(pool_check_guards(on_bad, NULL), 0);
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 0); /* a guard is not free */

    a[2 * 4096 + 4095] ^= 0x40;                      /* last byte of a's guard */
    bad_seen = 0;
    CHECK_EQ(pool_check_guards(on_bad, NULL), 1);
    CHECK(bad_page == a + 2 * 4096);
    CHECK_EQ(pool_check_guards(on_bad, NULL), 0);   /* reported once */

    b[4096 + 100] = 7;                               /* b's guard, found at free */
    bad_seen = 0;
    pool_free_pages(b, 1);
    CHECK_EQ(bad_seen, 0);                           /* free logs, no callback */
    pool_get_stats(&st);
    CHECK_EQ(st.guard_pages, 1);
    CHECK_EQ(st.guard_errors, 2);
    pool_free_pages(a, 2);
    pool_get_stats(&st);
    CHECK_EQ(st.used_pages, used0);
    CHECK_EQ(st.guard_pages, 0);
    CHECK_EQ(pool_check_free_marks(on_bad, NULL), 0); /* guards freed marked */

    /* Byte blocks big enough for pages, and slab pages, get guards too. */
    c = pool_alloc(3000);
    CHECK(c != NULL);
    pool_get_stats(&st);
    CHECK_EQ(st.guard_pages, 1);
    pool_free(c);
    pool_get_stats(&st);
    CHECK_EQ(st.guard_pages, 0);
    /* Runs taken before guards were on free cleanly with guards on. */
    pool_set_guards(false);
    a = pool_alloc_pages(1);
    pool_set_guards(true);
    pool_free_pages(a, 1);
    pool_get_stats(&st);
    CHECK_EQ(st.bad_frees, 0);
    CHECK_EQ(st.used_pages, used0);
    pool_set_guards(false);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    area = aligned_alloc(4096, NPAGES * 4096);
    RUN(test_pages);
    RUN(test_bad_frees);
    RUN(test_bytes);
    RUN(test_free_marks);
    RUN(test_guards);
    free(area);
    return test_summary("test_pool");
}
