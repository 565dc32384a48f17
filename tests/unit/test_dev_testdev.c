/*
 * Test device: registers, access log and the five windows' rules, all
 * through address_space_read/write on a memory space.
 */
#include "devices/testdev.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define BASE 0xfed00000ull

static MemoryRegion sys;
static AddressSpace as;
static TestDev td;

static void setup(void)
{
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(testdev_init(&td, NULL), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, BASE, &td.container), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&as);
    CHECK_EQ(testdev_destroy(&td), MR_EBUSY);
    CHECK_EQ(memory_region_del_subregion(&sys, &td.container), MR_OK);
    CHECK_EQ(testdev_destroy(&td), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static MemTxResult wr(hwaddr off, unsigned size, uint64_t v)
{
    uint8_t b[8];

    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return address_space_write(&as, BASE + off, b, size);
}

static MemTxResult rd(hwaddr off, unsigned size, uint64_t *v)
{
    uint8_t b[8] = {0};
    MemTxResult r = address_space_read(&as, BASE + off, b, size);

    *v = 0;
    for (unsigned i = 0; i < size; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return r;
}

/* Reads a register that must be accepted. */
static uint64_t reg(hwaddr off, unsigned size)
{
    uint64_t v;

    CHECK_EQ(rd(off, size, &v), MEMTX_OK);
    return v;
}

/* Checks log entry i as the guest reads it back. */
static void check_entry(uint32_t i, hwaddr off, unsigned size, bool write,
                        uint64_t value)
{
    uint32_t info;

    CHECK_EQ(wr(TD_LOG_SELECT, 4, i), MEMTX_OK);
    info = (uint32_t)reg(TD_LOG_INFO, 4);
    CHECK_EQ(info & TD_INFO_VALID, TD_INFO_VALID);
    CHECK_EQ(info & TD_INFO_OFFSET_MASK, off);
    CHECK_EQ((info >> TD_INFO_SIZE_SHIFT) & 0xf, size);
    CHECK_EQ(!!(info & TD_INFO_WRITE), write);
    CHECK_EQ(reg(TD_LOG_VALUE, 8), value);
}

static void test_id_and_version(void)
{
    setup();
    CHECK_EQ(reg(TD_ID, 4), TESTDEV_ID);
    CHECK_EQ(reg(TD_VERSION, 4), TESTDEV_VERSION);
    CHECK_EQ(reg(TD_LOG_CAPACITY, 4), TESTDEV_LOG_CAP);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 2); /* ID and VERSION reads, not the log regs */
    check_entry(0, TD_ID, 4, false, TESTDEV_ID);
    check_entry(1, TD_VERSION, 4, false, TESTDEV_VERSION);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 2);
    teardown();
}

static void test_scratch_registers(void)
{
    uint64_t v;

    setup();
    CHECK_EQ(wr(TD_SCRATCH8, 1, 0xa5), MEMTX_OK);
    CHECK_EQ(wr(TD_SCRATCH16, 2, 0xbeef), MEMTX_OK);
    CHECK_EQ(wr(TD_SCRATCH32, 4, 0xdeadbeef), MEMTX_OK);
    CHECK_EQ(wr(TD_SCRATCH64, 8, 0x0123456789abcdefull), MEMTX_OK);
    CHECK_EQ(reg(TD_SCRATCH8, 1), 0xa5);
    CHECK_EQ(reg(TD_SCRATCH16, 2), 0xbeef);
    CHECK_EQ(reg(TD_SCRATCH32, 4), 0xdeadbeef);
    CHECK_EQ(reg(TD_SCRATCH64, 8), 0x0123456789abcdefull);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 8);
    check_entry(3, TD_SCRATCH64, 8, true, 0x0123456789abcdefull);
    check_entry(4, TD_SCRATCH8, 1, false, 0xa5);
    /* Each register only at its own width: others are refused, unlogged. */
    CHECK_EQ(wr(TD_SCRATCH8, 2, 0x1111), MEMTX_ERROR);
    CHECK_EQ(wr(TD_SCRATCH32, 2, 0x2222), MEMTX_ERROR);
    CHECK_EQ(rd(TD_SCRATCH64, 4, &v), MEMTX_ERROR);
    CHECK_EQ(wr(TD_SCRATCH64 + 4, 4, 0), MEMTX_ERROR);
    CHECK_EQ(wr(0x09, 1, 0), MEMTX_ERROR);  /* the gap after SCRATCH8 */
    CHECK_EQ(rd(0x40, 4, &v), MEMTX_ERROR); /* no register there */
    CHECK_EQ(reg(TD_SCRATCH8, 1), 0xa5);
    CHECK_EQ(reg(TD_SCRATCH32, 4), 0xdeadbeef);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 10);
    /* ID is read-only: the write is received (logged) but changes nothing. */
    CHECK_EQ(wr(TD_ID, 4, 0), MEMTX_OK);
    CHECK_EQ(reg(TD_ID, 4), TESTDEV_ID);
    teardown();
}

static void test_log_registers(void)
{
    setup();
    CHECK_EQ(wr(TD_SCRATCH64, 8, 0x1122334455667788ull), MEMTX_OK);
    CHECK_EQ(wr(TD_LOG_SELECT, 4, 0), MEMTX_OK);
    CHECK_EQ(reg(TD_LOG_VALUE, 4), 0x55667788);
    CHECK_EQ(reg(TD_LOG_VALUE + 4, 4), 0x11223344);
    CHECK_EQ(reg(TD_LOG_SELECT, 4), 0);
    /* An index past the entries: INFO says so, VALUE is zero. */
    CHECK_EQ(wr(TD_LOG_SELECT, 4, 1), MEMTX_OK);
    CHECK_EQ(reg(TD_LOG_INFO, 4), 0);
    CHECK_EQ(reg(TD_LOG_VALUE, 8), 0);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 1);
    CHECK_EQ(wr(TD_LOG_CLEAR, 4, 0), MEMTX_OK);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 0);
    CHECK_EQ(reg(TD_LOG_SELECT, 4), 0);
    CHECK_EQ(reg(TD_LOG_CLEAR, 4), 0);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), 0);
    teardown();
}

static void test_log_overflow(void)
{
    setup();
    for (unsigned i = 0; i < TESTDEV_LOG_CAP + 10; i++)
        CHECK_EQ(wr(TD_SCRATCH32, 4, i), MEMTX_OK);
    CHECK_EQ(reg(TD_LOG_COUNT, 4), TESTDEV_LOG_CAP + 10);
    check_entry(TESTDEV_LOG_CAP - 1, TD_SCRATCH32, 4, true, TESTDEV_LOG_CAP - 1);
    CHECK_EQ(wr(TD_LOG_SELECT, 4, TESTDEV_LOG_CAP), MEMTX_OK);
    CHECK_EQ(reg(TD_LOG_INFO, 4), 0); /* dropped: counted, not stored */
    CHECK_EQ(reg(TD_SCRATCH32, 4), TESTDEV_LOG_CAP + 9);
    teardown();
}

static void test_window_any(void)
{
    setup();
    /* Unaligned 8-byte write: the device gets it whole. */
    CHECK_EQ(wr(TD_WIN_ANY + 3, 8, 0x8877665544332211ull), MEMTX_OK);
    CHECK_EQ(reg(TD_WIN_ANY + 5, 4), 0x66554433);
    CHECK_EQ(reg(TD_WIN_ANY + 3, 1), 0x11);
    CHECK_EQ(reg(TD_WIN_ANY + 0xf8, 8), 0);
    CHECK_EQ(testdev_log_count(&td), 4);
    check_entry(0, TD_WIN_ANY + 3, 8, true, 0x8877665544332211ull);
    check_entry(1, TD_WIN_ANY + 5, 4, false, 0x66554433);
    check_entry(2, TD_WIN_ANY + 3, 1, false, 0x11);
    teardown();
}

static void test_window_only4(void)
{
    uint64_t v;

    setup();
    CHECK_EQ(wr(TD_WIN_ONLY4 + 4, 4, 0xcafef00d), MEMTX_OK);
    CHECK_EQ(reg(TD_WIN_ONLY4 + 4, 4), 0xcafef00d);
    CHECK_EQ(testdev_log_count(&td), 2);
    CHECK_EQ(wr(TD_WIN_ONLY4 + 4, 2, 0x1111), MEMTX_ERROR);
    CHECK_EQ(wr(TD_WIN_ONLY4 + 4, 1, 0x11), MEMTX_ERROR);
    CHECK_EQ(wr(TD_WIN_ONLY4 + 8, 8, 0x11), MEMTX_ERROR);
    CHECK_EQ(wr(TD_WIN_ONLY4 + 6, 4, 0x11), MEMTX_ERROR); /* misaligned */
    CHECK_EQ(rd(TD_WIN_ONLY4 + 4, 2, &v), MEMTX_ERROR);
    CHECK_EQ(v, 0xffff); /* a refused read reads as all ones */
    /* The device never saw any of the refused accesses. */
    CHECK_EQ(testdev_log_count(&td), 2);
    CHECK_EQ(reg(TD_WIN_ONLY4 + 4, 4), 0xcafef00d);
    teardown();
}

static void test_window_impl1_split_and_combine(void)
{
    setup();
    CHECK_EQ(wr(TD_WIN_IMPL1, 8, 0x0807060504030201ull), MEMTX_OK);
    CHECK_EQ(testdev_log_count(&td), 8);
    for (unsigned i = 0; i < 8; i++)
        check_entry(i, TD_WIN_IMPL1 + i, 1, true, i + 1);
    CHECK_EQ(wr(TD_LOG_CLEAR, 4, 1), MEMTX_OK);
    /* An unaligned 4-byte read: four byte reads, combined in order. */
    CHECK_EQ(reg(TD_WIN_IMPL1 + 3, 4), 0x07060504);
    CHECK_EQ(testdev_log_count(&td), 4);
    for (unsigned i = 0; i < 4; i++)
        check_entry(i, TD_WIN_IMPL1 + 3 + i, 1, false, i + 4);
    teardown();
}

static void test_window_big_endian(void)
{
    setup();
    CHECK_EQ(wr(TD_WIN_BE, 4, 0x11223344), MEMTX_OK);
    /* The device received the value byte-swapped... */
    check_entry(0, TD_WIN_BE, 4, true, 0x44332211);
    /* ...and stores it least significant byte first, so a narrower read
     * sees the other end of it than a little-endian window would. */
    CHECK_EQ(reg(TD_WIN_BE, 4), 0x11223344);
    CHECK_EQ(reg(TD_WIN_BE, 1), 0x11);
    CHECK_EQ(reg(TD_WIN_BE, 2), 0x1122);
    CHECK_EQ(reg(TD_WIN_BE + 2, 2), 0x3344);
    CHECK_EQ(wr(TD_WIN_BE + 8, 8, 0x0102030405060708ull), MEMTX_OK);
    CHECK_EQ(testdev_log_entry(&td, 5)->value, 0x0807060504030201ull);
    CHECK_EQ(reg(TD_WIN_BE + 8, 8), 0x0102030405060708ull);
    CHECK_EQ(wr(TD_LOG_CLEAR, 4, 0), MEMTX_OK);
    /* The little-endian "any" window, same write: no swap. */
    CHECK_EQ(wr(TD_WIN_ANY, 4, 0x11223344), MEMTX_OK);
    CHECK_EQ(reg(TD_WIN_ANY, 1), 0x44);
    check_entry(0, TD_WIN_ANY, 4, true, 0x11223344);
    teardown();
}

static void test_window_coal_without_layer(void)
{
    setup();
    /* Without the coalescing layer it behaves as the "any" window. */
    CHECK_EQ(wr(TD_WIN_COAL + 1, 2, 0xabcd), MEMTX_OK);
    CHECK_EQ(testdev_log_count(&td), 1);
    CHECK_EQ(reg(TD_WIN_COAL + 1, 2), 0xabcd);
    CHECK(td.win[4].mr.coalesced != NULL);
    CHECK_EQ(td.win[4].mr.coalesced->offset, 0);
    CHECK_EQ(td.win[4].mr.coalesced->size, TESTDEV_WIN_SIZE);
    teardown();
}

static void test_unassigned_tail(void)
{
    uint64_t v;

    setup();
    CHECK(rd(0x600, 4, &v) != MEMTX_OK);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(testdev_log_count(&td), 0);
    teardown();
}

static void test_init_failures_leak_nothing(void)
{
    int ok = 0, failed = 0;

    for (long n = 0; n < 40; n++) {
        int err;

        plat_host_fail_alloc_after(n);
        err = testdev_init(&td, NULL);
        plat_host_fail_alloc_after(-1);
        if (err == MR_OK) {
            ok++;
            CHECK_EQ(testdev_destroy(&td), MR_OK);
        } else {
            failed++;
            CHECK_EQ(err, MR_ENOMEM);
        }
        CHECK_EQ(plat_host_live_allocs(), 0);
        CHECK_EQ(plat_host_live_pages(), 0);
    }
    CHECK(failed >= 1); /* the coalesced range needs an allocation */
    CHECK(ok >= 1);
    CHECK_EQ(testdev_init(NULL, NULL), MR_EINVAL);
}

int main(void)
{
    RUN(test_id_and_version);
    RUN(test_scratch_registers);
    RUN(test_log_registers);
    RUN(test_log_overflow);
    RUN(test_window_any);
    RUN(test_window_only4);
    RUN(test_window_impl1_split_and_combine);
    RUN(test_window_big_endian);
    RUN(test_window_coal_without_layer);
    RUN(test_unassigned_tail);
    RUN(test_init_failures_leak_nothing);
    return test_summary("test_dev_testdev");
}
