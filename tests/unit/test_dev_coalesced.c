/*
 * Coalesced MMIO layer, with the test device's coalesced window as the
 * target: queueing, the flush points, ring-full, map changes, exits saved,
 * and a randomized check that a guest sees exactly what immediate delivery
 * would give.  All device access goes through the memory API.
 */
#include "devices/coalesced.h"
#include "devices/testdev.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define BASE 0xfed00000ull
#define BASE2 0xfed10000ull

static MemoryRegion sys;
static AddressSpace as;
static TestDev td;
static CoalescedMmio cm;

static void setup(unsigned ring)
{
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(testdev_init(&td, NULL), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, BASE, &td.container), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
    CHECK_EQ(coalesced_mmio_init(&cm, &as, ring), MR_OK);
}

static void teardown(void)
{
    coalesced_mmio_destroy(&cm);
    address_space_destroy(&as);
    if (memory_region_is_mapped(&td.container))
        CHECK_EQ(memory_region_del_subregion(&sys, &td.container), MR_OK);
    CHECK_EQ(testdev_destroy(&td), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

/* Log entry i, or an all-zero one when there is none (a failed CHECK
 * must not become a NULL dereference). */
static const TestDevLogEntry *entry(const TestDev *t, uint64_t i)
{
    static const TestDevLogEntry none;
    const TestDevLogEntry *e = testdev_log_entry(t, i);

    CHECK(e != NULL);
    return e ? e : &none;
}

static void cw(hwaddr addr, unsigned size, uint64_t v)
{
    CHECK_EQ(coalesced_mmio_write(&cm, addr, v, size), MEMTX_OK);
}

static uint64_t cr(hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    CHECK_EQ(coalesced_mmio_read(&cm, addr, &v, size), MEMTX_OK);
    return v;
}

static void test_zones_follow_the_map(void)
{
    setup(8);
    CHECK_EQ(cm.nr_zones, 1);
    CHECK(coalesced_mmio_covers(&cm, BASE + TD_WIN_COAL, 4));
    CHECK(coalesced_mmio_covers(&cm, BASE + TD_WIN_COAL + 0xf8, 8));
    CHECK(!coalesced_mmio_covers(&cm, BASE + TD_WIN_COAL + 0xfc, 8)); /* crosses out */
    CHECK(!coalesced_mmio_covers(&cm, BASE + TD_WIN_COAL - 1, 1));
    CHECK(!coalesced_mmio_covers(&cm, BASE + TD_WIN_ANY, 4));
    /* Moving the device moves the zone. */
    CHECK_EQ(memory_region_set_address(&td.container, BASE2), MR_OK);
    CHECK(!coalesced_mmio_covers(&cm, BASE + TD_WIN_COAL, 4));
    CHECK(coalesced_mmio_covers(&cm, BASE2 + TD_WIN_COAL, 4));
    CHECK_EQ(cm.nr_zones, 1);
    /* Clearing the window's coalescing drops it. */
    memory_region_clear_coalescing(&td.win[4].mr);
    CHECK(!coalesced_mmio_covers(&cm, BASE2 + TD_WIN_COAL, 4));
    CHECK_EQ(memory_region_add_coalescing(&td.win[4].mr, 0x10, 0x10), MR_OK);
    CHECK(coalesced_mmio_covers(&cm, BASE2 + TD_WIN_COAL + 0x10, 8));
    CHECK(!coalesced_mmio_covers(&cm, BASE2 + TD_WIN_COAL, 4));
    /* Unmapped: nothing is coalesced. */
    CHECK_EQ(memory_region_del_subregion(&sys, &td.container), MR_OK);
    CHECK_EQ(cm.nr_zones, 0);
    teardown();
}

static void test_writes_queue_until_a_read(void)
{
    setup(8);
    cw(BASE + TD_WIN_COAL, 4, 0x11111111);
    cw(BASE + TD_WIN_COAL + 4, 2, 0x2222);
    cw(BASE + TD_WIN_COAL + 1, 8, 0x3333333333333333ull);
    CHECK_EQ(testdev_log_count(&td), 0); /* the device has seen nothing */
    CHECK_EQ(cm.count, 3);
    /* The guest reads the log: everything arrives first, in order. */
    CHECK_EQ(cr(BASE + TD_LOG_COUNT, 4), 3);
    CHECK_EQ(cm.count, 0);
    CHECK_EQ(entry(&td, 0)->offset, TD_WIN_COAL);
    CHECK_EQ(entry(&td, 0)->value, 0x11111111);
    CHECK_EQ(entry(&td, 1)->offset, TD_WIN_COAL + 4);
    CHECK_EQ(entry(&td, 1)->size, 2);
    CHECK_EQ(entry(&td, 2)->offset, TD_WIN_COAL + 1);
    CHECK_EQ(entry(&td, 2)->value, 0x3333333333333333ull);
    CHECK_EQ(cr(BASE + TD_WIN_COAL, 1), 0x11);
    CHECK_EQ(cm.flushes[COALESCED_FLUSH_ACCESS], 1);
    CHECK_EQ(coalesced_mmio_exits_saved(&cm), 2);
    teardown();
}

static void test_other_writes_flush_first(void)
{
    setup(8);
    cw(BASE + TD_WIN_COAL, 1, 0xa1);
    cw(BASE + TD_WIN_COAL, 1, 0xa2);
    cw(BASE + TD_SCRATCH32, 4, 0xb0); /* not coalesced: must not overtake */
    CHECK_EQ(testdev_log_count(&td), 3);
    CHECK_EQ(entry(&td, 0)->value, 0xa1);
    CHECK_EQ(entry(&td, 1)->value, 0xa2);
    CHECK_EQ(entry(&td, 2)->offset, TD_SCRATCH32);
    /* A refused access still flushes, and its result is reported. */
    cw(BASE + TD_WIN_COAL, 1, 0xa3);
    CHECK_EQ(coalesced_mmio_write(&cm, BASE + TD_WIN_ONLY4, 1, 1), MEMTX_ERROR);
    CHECK_EQ(testdev_log_count(&td), 4);
    CHECK_EQ(coalesced_mmio_write(&cm, BASE + TD_WIN_COAL, 1, 3), MEMTX_ERROR);
    teardown();
}

static void test_ring_full_and_explicit_flush(void)
{
    setup(8);
    for (unsigned i = 0; i < 20; i++)
        cw(BASE + TD_WIN_COAL + (i % 32) * 8, 8, i);
    CHECK_EQ(cm.flushes[COALESCED_FLUSH_FULL], 2); /* at the 9th and 17th */
    CHECK_EQ(testdev_log_count(&td), 16);
    CHECK_EQ(cm.count, 4);
    coalesced_mmio_flush(&cm);
    CHECK_EQ(testdev_log_count(&td), 20);
    for (unsigned i = 0; i < 20; i++)
        CHECK_EQ(entry(&td, i)->value, i);
    coalesced_mmio_flush(&cm); /* empty: no batch */
    CHECK_EQ(cm.batches, 3);
    CHECK_EQ(cm.queued, 20);
    CHECK_EQ(cm.delivered, 20);
    CHECK_EQ(coalesced_mmio_exits_saved(&cm), 17);
    teardown();
}

static void test_map_change_flushes_under_old_map(void)
{
    MemoryRegion ram;

    setup(8);
    cw(BASE + TD_WIN_COAL + 8, 4, 0x5a5a);
    /* Any commit tells the listener to begin: queued writes go out first. */
    CHECK_EQ(memory_region_init_ram(&ram, "ram", 0x1000), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, 0, &ram), MR_OK);
    CHECK_EQ(testdev_log_count(&td), 1);
    CHECK_EQ(cm.flushes[COALESCED_FLUSH_TOPOLOGY], 1);
    /* Moving the device: the write made at the old address reaches it. */
    cw(BASE + TD_WIN_COAL + 12, 4, 0x6b6b);
    CHECK_EQ(memory_region_set_address(&td.container, BASE2), MR_OK);
    CHECK_EQ(testdev_log_count(&td), 2);
    CHECK_EQ(entry(&td, 1)->offset, TD_WIN_COAL + 12);
    CHECK_EQ(memory_region_del_subregion(&sys, &ram), MR_OK);
    CHECK_EQ(memory_region_destroy(&ram), MR_OK);
    teardown();
}

/* -------------------------------------------- equivalence, randomized */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_guest_cannot_tell(void)
{
    static const hwaddr targets[] = { TD_WIN_COAL, TD_WIN_COAL, TD_WIN_COAL,
                                      TD_WIN_ANY, TD_WIN_IMPL1, TD_WIN_BE };
    TestDev td2;
    unsigned reads = 0, mismatches = 0;

    setup(5);
    CHECK_EQ(testdev_init(&td2, "testdev2"), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, BASE2, &td2.container), MR_OK);
    /* td behind the layer, td2 written directly: same accesses to each. */
    for (int i = 0; i < 3000; i++) {
        uint64_t r = next_rand();
        unsigned size = 1u << (r & 3);
        hwaddr win = targets[(r >> 2) % ARRAY_SIZE(targets)];
        hwaddr off = win + (((r >> 8) % (TESTDEV_WIN_SIZE / 8)) * 8);
        bool is_read = ((r >> 20) % 4) == 0;
        uint64_t v = next_rand(), a = 0, b = 0;
        uint8_t buf[8] = {0};

        if (win == TD_WIN_ANY || win == TD_WIN_COAL)
            off += (r >> 24) % (8 - size + 1); /* these take unaligned */
        if (is_read) {
            CHECK_EQ(coalesced_mmio_read(&cm, BASE + off, &a, size), MEMTX_OK);
            CHECK_EQ(address_space_read(&as, BASE2 + off, buf, size), MEMTX_OK);
            for (unsigned k = 0; k < size; k++)
                b |= (uint64_t)buf[k] << (8 * k);
            reads++;
            mismatches += a != b;
        } else {
            CHECK_EQ(coalesced_mmio_write(&cm, BASE + off, v, size), MEMTX_OK);
            for (unsigned k = 0; k < size; k++)
                buf[k] = (uint8_t)(v >> (8 * k));
            CHECK_EQ(address_space_write(&as, BASE2 + off, buf, size), MEMTX_OK);
        }
        if (i % 500 == 499) {
            /* The guest's view of the log: through the layer vs direct. */
            uint64_t n1 = cr(BASE + TD_LOG_COUNT, 4), n2 = 0;
            CHECK_EQ(address_space_read(&as, BASE2 + TD_LOG_COUNT, &n2, 4), MEMTX_OK);
            CHECK_EQ(n1, n2);
            cw(BASE + TD_LOG_CLEAR, 4, 0);
            CHECK_EQ(address_space_write(&as, BASE2 + TD_LOG_CLEAR, &n2, 4), MEMTX_OK);
        }
        /* Before every clear the logs must agree entry by entry. */
        if (i % 500 == 498) {
            coalesced_mmio_flush(&cm);
            CHECK_EQ(testdev_log_count(&td), testdev_log_count(&td2));
            for (uint64_t k = 0; k < testdev_log_count(&td) && k < TESTDEV_LOG_CAP; k++)
            {
                const TestDevLogEntry *e1 = entry(&td, k), *e2 = entry(&td2, k);
                CHECK(e1->offset == e2->offset && e1->size == e2->size &&
                      e1->write == e2->write && e1->value == e2->value);
            }
        }
    }
    CHECK(reads > 500);
    CHECK_EQ(mismatches, 0);
    CHECK(cm.queued > 1000);
    CHECK(coalesced_mmio_exits_saved(&cm) > 0);
    CHECK_EQ(memory_region_del_subregion(&sys, &td2.container), MR_OK);
    CHECK_EQ(testdev_destroy(&td2), MR_OK);
    teardown();
}

static void test_init_errors(void)
{
    CoalescedMmio c;

    CHECK_EQ(coalesced_mmio_init(&c, NULL, 4), MR_EINVAL);
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
    plat_host_fail_alloc_after(0);
    CHECK_EQ(coalesced_mmio_init(&c, &as, 4), MR_ENOMEM);
    plat_host_fail_alloc_after(-1);
    CHECK_EQ(coalesced_mmio_init(&c, &as, 0), MR_OK);
    CHECK_EQ(c.ring_size, COALESCED_RING_DEFAULT);
    coalesced_mmio_destroy(&c);
    address_space_destroy(&as);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

int main(void)
{
    RUN(test_zones_follow_the_map);
    RUN(test_writes_queue_until_a_read);
    RUN(test_other_writes_flush_first);
    RUN(test_ring_full_and_explicit_flush);
    RUN(test_map_change_flushes_under_old_map);
    RUN(test_guest_cannot_tell);
    RUN(test_init_errors);
    return test_summary("test_dev_coalesced");
}
