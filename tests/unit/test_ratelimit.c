/*
 * The log rate limit (hv/lib/ratelimit.c): a burst per source, the rest
 * counted and reported once at the end of the window, sources apart,
 * more sources than the table holds, and no limit outside a window.
 */
#include "hv/lib/ratelimit.h"
#include "test.h"

static struct ratelimit rl;
static const char *rep_key[80];
static uint64_t rep_n[80];
static unsigned reps;

static void report(void *ctx, const char *key, uint64_t dropped)
{
    (void)ctx;
    rep_key[reps] = key;
    rep_n[reps++] = dropped;
}

static void test_burst_then_count(void)
{
    static const char a[] = "source a %d", b[] = "source b";
    unsigned printed = 0, last = 0;

    ratelimit_begin(&rl, 4);
    for (int i = 0; i < 1000; i++) {
        enum ratelimit_verdict v = ratelimit_check(&rl, a);

        printed += v != RATELIMIT_DROP;
        last += v == RATELIMIT_PRINT_LAST;
    }
    CHECK_EQ(printed, 4);
    CHECK_EQ(last, 1);
    /* another source still has its own burst */
    CHECK_EQ(ratelimit_check(&rl, b), RATELIMIT_PRINT);
    reps = 0;
    ratelimit_end(&rl, report, NULL);
    CHECK_EQ(reps, 1);
    CHECK(rep_key[0] == a);
    CHECK_EQ(rep_n[0], 996);
    /* outside a window nothing is limited or counted */
    for (int i = 0; i < 20; i++)
        CHECK_EQ(ratelimit_check(&rl, a), RATELIMIT_PRINT);
    reps = 0;
    ratelimit_end(&rl, report, NULL);
    CHECK_EQ(reps, 0);
}

/* More distinct sources than slots: the extra ones share one budget and
 * are reported together (key NULL); every line is accounted for. */
static void test_many_sources(void)
{
    static char keys[RATELIMIT_SLOTS + 16][2];
    uint64_t printed = 0, dropped = 0;

    ratelimit_begin(&rl, 0);
    for (int round = 0; round < 30; round++)
        for (unsigned k = 0; k < RATELIMIT_SLOTS + 16; k++)
            printed += ratelimit_check(&rl, keys[k]) != RATELIMIT_DROP;
    reps = 0;
    ratelimit_end(&rl, report, NULL);
    for (unsigned i = 0; i < reps; i++)
        dropped += rep_n[i];
    CHECK_EQ(printed + dropped, 30ull * (RATELIMIT_SLOTS + 16));
    CHECK_EQ(printed, (RATELIMIT_SLOTS + 1) * RATELIMIT_BURST);
    CHECK(rep_key[reps - 1] == NULL || reps == RATELIMIT_SLOTS + 1);
}

/* A new window starts every source afresh. */
static void test_new_window(void)
{
    static const char a[] = "a";

    ratelimit_begin(&rl, 2);
    ratelimit_check(&rl, a);
    ratelimit_check(&rl, a);
    CHECK_EQ(ratelimit_check(&rl, a), RATELIMIT_DROP);
    ratelimit_end(&rl, report, NULL);
    ratelimit_begin(&rl, 2);
    CHECK_EQ(ratelimit_check(&rl, a), RATELIMIT_PRINT);
}

int main(void)
{
    RUN(test_burst_then_count);
    RUN(test_many_sources);
    RUN(test_new_window);
    return test_summary("test_ratelimit");
}
