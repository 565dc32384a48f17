/*
 * Model-based test of flattening: thousands of seeded random edit
 * sequences against the simple oracle of mem_model.h, bounded in time.
 * MODEL_SEQUENCES / MODEL_SECONDS in the environment change the bounds.
 */
#include <time.h>

#include "tests/unit/test.h"
#include "tests/unit/mem_model.h"
#include "hv/lib/host/platform_host.h"

static unsigned sequences_run, accesses_run;

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
        accesses_run += m.accesses;
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
    model_capture(&m, &m.in_force);
    CHECK(model_check(&m, &src));
    v = (FlatView *)address_space_flatview(&m.as);
    MemoryRegion *saved = v->ranges[0].mr;
    v->ranges[0].mr = &m.r[4] == saved ? &m.r[9] : &m.r[4];
    CHECK(!model_check(&m, &src));
    v->ranges[0].mr = saved;
    model_teardown(&m);
    plat_host_set_verbosity(LOG_WARN);
}

/* The access check must be able to fail too: with a snapshot of the tree
 * in force that disagrees with the real one (RAM read-only in the
 * snapshot, writable in fact; an MMIO region shorter in the snapshot),
 * writes are caught landing, callbacks caught arriving. */
static void test_access_check_catches_a_wrong_tree(void)
{
    static struct model m;
    struct model_src src = { .state = 777 };

    plat_host_set_verbosity(-1);
    model_init(&m, &src);
    memory_region_add_subregion(&m.root, 0x10000, &m.r[4]);
    memory_region_add_subregion(&m.root, 0x80000, &m.r[9]);
    m.order[4] = ++m.adds;
    m.order[9] = ++m.adds;
    model_capture(&m, &m.in_force);
    CHECK(model_access(&m, 0x10000, 4, true, &src));
    CHECK(model_access(&m, 0x80000, 2, false, &src));
    CHECK(model_access(&m, 0x80000, 8, true, &src));
    m.in_force.n[4].readonly = true;
    CHECK(!model_access(&m, 0x10000, 4, true, &src));
    m.in_force.n[4].readonly = false;
    m.in_force.n[9].size = 1;
    CHECK(!model_access(&m, 0x80000, 2, false, &src));
    CHECK(!model_access(&m, 0x80001, 1, true, &src));
    model_teardown(&m);
    plat_host_set_verbosity(LOG_WARN);
}

/* Accesses inside an open transaction go by the tree in force: a pending
 * readonly, resize and ROM-device mode switch act on nothing before the
 * commit (what the random sequences look for, here on purpose). */
static void test_accesses_inside_a_transaction(void)
{
    static struct model m;
    struct model_src src = { .state = 4242 };

    plat_host_set_verbosity(-1);
    model_init(&m, &src);
    memory_region_add_subregion(&m.root, 0x10000, &m.r[4]);
    memory_region_add_subregion(&m.root, 0x80000, &m.r[9]);
    memory_region_add_subregion(&m.root, 0xc0000, &m.r[MODEL_ROMD]);
    memory_region_set_size(&m.r[9], 0x100);
    memory_region_set_readonly(&m.r[4], true);
    m.order[4] = ++m.adds;
    m.order[9] = ++m.adds;
    m.order[MODEL_ROMD] = ++m.adds;
    model_capture(&m, &m.in_force);
    memory_region_transaction_begin();
    memory_region_set_readonly(&m.r[4], false);
    memory_region_set_size(&m.r[9], 0x10);
    memory_region_rom_device_set_romd(&m.r[MODEL_ROMD], false);
    CHECK(model_access(&m, 0x10010, 4, true, &src));
    CHECK(model_access(&m, 0x10020, 3, true, &src));
    CHECK(model_access(&m, 0x80080, 4, false, &src));
    CHECK(model_access(&m, 0x80081, 3, true, &src));
    CHECK(model_access(&m, 0xc0004, 8, false, &src));
    CHECK(model_access(&m, 0xc0005, 3, false, &src));
    memory_region_transaction_commit();
    model_capture(&m, &m.in_force);
    CHECK(model_check(&m, &src));
    CHECK(model_access(&m, 0x10010, 4, true, &src));
    CHECK(model_access(&m, 0x80080, 4, false, &src));
    CHECK(model_access(&m, 0xc0004, 8, false, &src));
    /* The ROM device back to romd mode: reads stay with its callbacks. */
    memory_region_transaction_begin();
    memory_region_rom_device_set_romd(&m.r[MODEL_ROMD], true);
    CHECK(model_access(&m, 0xc0004, 8, false, &src));
    CHECK(model_access(&m, 0xc0005, 3, false, &src));
    memory_region_transaction_commit();
    model_capture(&m, &m.in_force);
    CHECK(model_access(&m, 0xc0004, 8, false, &src));
    /* Past 2^64: refused whole. */
    CHECK_EQ(memory_region_add_subregion_overlap(&m.root, 0 - (hwaddr)m.r[5].size,
                                                 &m.r[5], 0), MR_OK);
    CHECK_EQ(memory_region_add_subregion_overlap(&m.root, 0, &m.r[6], -1), MR_OK);
    m.order[5] = ++m.adds;
    m.order[6] = ++m.adds;
    model_capture(&m, &m.in_force);
    CHECK(model_access(&m, UINT64_MAX - 1, 4, true, &src));
    CHECK(model_access(&m, UINT64_MAX - 2, 8, false, &src));
    if (m.failures)
        fprintf(stderr, "  model: %s\n", m.why);
    model_teardown(&m);
    plat_host_set_verbosity(LOG_WARN);
}

int main(void)
{
    RUN(test_oracle_catches_a_wrong_view);
    RUN(test_access_check_catches_a_wrong_tree);
    RUN(test_accesses_inside_a_transaction);
    RUN(test_random_sequences);
    printf("model: %u random sequences checked, %u accesses\n", sequences_run, accesses_run);
    return test_summary("test_memory_model");
}
