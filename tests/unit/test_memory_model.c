/*
 * Model-based test of flattening: thousands of seeded random edit
 * sequences against the simple oracle of mem_model.h, bounded in time.
 * MODEL_SEQUENCES / MODEL_SECONDS in the environment change the bounds.
 */
#include <time.h>

#include "tests/unit/test.h"
#include "tests/unit/mem_model.h"
#include "hv/lib/host/platform_host.h"

static unsigned sequences_run;

static void test_random_sequences(void)
{
    const char *e = getenv("MODEL_SEQUENCES");
    const char *t = getenv("MODEL_SECONDS");
    unsigned max = e ? (unsigned)atoi(e) : 3000;
    double secs = t ? atof(t) : 60;
    time_t start = time(NULL);
    static struct model m;

    plat_host_set_verbosity(-1); /* refusals are expected and many */
    for (unsigned seq = 0; seq < max && difftime(time(NULL), start) < secs; seq++) {
        struct model_src src = { .state = 0x9e3779b97f4a7c15ull ^ (seq * 0x100000001b3ull) };
        model_init(&m, &src);
        bool ok = model_run(&m, &src, 40) && model_teardown(&m);
        if (!ok) {
            fprintf(stderr, "sequence %u: %s\n", seq, m.why);
            CHECK(ok);
            model_teardown(&m);
            break;
        }
        sequences_run++;
    }
    plat_host_set_verbosity(LOG_WARN);
    CHECK(sequences_run >= 1000 || getenv("MODEL_SEQUENCES"));
    CHECK_EQ(plat_host_live_pages(), 0);
}

/* The oracle itself must be able to fail: a view with one range's owner
 * swapped is caught. */
static void test_oracle_catches_a_wrong_view(void)
{
    static struct model m;
    struct model_src src = { .state = 12345 };
    FlatView *v;

    plat_host_set_verbosity(-1);
    model_init(&m, &src);
    memory_region_add_subregion(&m.root, 0x1000, &m.r[4]);
    memory_region_add_subregion_overlap(&m.root, 0x1000, &m.r[9], 1);
    m.order[4] = ++m.adds;
    m.order[9] = ++m.adds;
    CHECK(model_check(&m, &src));
    v = (FlatView *)address_space_flatview(&m.as);
    MemoryRegion *saved = v->ranges[0].mr;
    v->ranges[0].mr = &m.r[4] == saved ? &m.r[9] : &m.r[4];
    CHECK(!model_check(&m, &src));
    v->ranges[0].mr = saved;
    model_teardown(&m);
    plat_host_set_verbosity(LOG_WARN);
}

int main(void)
{
    RUN(test_oracle_catches_a_wrong_view);
    RUN(test_random_sequences);
    printf("model: %u random sequences checked\n", sequences_run);
    return test_summary("test_memory_model");
}
