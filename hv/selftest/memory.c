/*
 * Self-tests of the memory API inside hv.efi, on the guest machine
 * (hv/guest/machine.h, with SELFTEST_RAM_SIZE of RAM): the flat view it
 * renders, lookups, RAM/ROM/alias reads, MMIO and port dispatch,
 * unassigned accesses, and a transaction.  Each test builds its own
 * machine and tears it down, so the runner's leak check covers region
 * destruction too.
 */
#include "hv/guest/machine.h"
#include "hv/lib/platform.h"
#include "hv/selftest/selftest.h"

static struct guest_machine m;

/* Builds the machine or fails the test. */
#define BUILD() ST_CHECK(selftest_machine_build(&m))

struct want_range {
    hwaddr start, last;
    const char *name;
    hwaddr offset;
    unsigned flags;
};

#define RW (FR_DIRECT_READ | FR_DIRECT_WRITE)
/* docs/guest-abi.md's map with 4 MiB of RAM (the host test
 * tests/unit/test_machine.c checks it against the document itself). */
static const struct want_range sample_view[] = {
    {0x00000000, 0x0009ffff, "ram", 0x00000, RW},
    {0x000c0000, 0x000dffff, "ram", 0xc0000, RW},
    {0x000e0000, 0x000fffff, "bios", 0, FR_DIRECT_READ},
    {0x00100000, 0x003fffff, "ram", 0x100000, RW},
    {0xfd000000, 0xfd12bfff, "fb", 0, RW},
    {0xfec00000, 0xfec00007, "uart-mmio", 0, 0},
    {0xfed00000, 0xfed000ff, "testdev.ctrl", 0, 0},
    {0xfed00100, 0xfed001ff, "testdev.any", 0, 0},
    {0xfed00200, 0xfed002ff, "testdev.only4", 0, 0},
    {0xfed00300, 0xfed003ff, "testdev.impl1", 0, 0},
    {0xfed00400, 0xfed004ff, "testdev.be", 0, 0},
    {0xfed00500, 0xfed005ff, "testdev.coal", 0, 0},
    {0xfed10000, 0xfed10fff, "overlay", 0, 0},
    {0xff800000, 0xff83ffff, "flash", 0, FR_DIRECT_READ},
    {0xfffe0000, 0xffffffff, "bios", 0, FR_DIRECT_READ},
};

static bool check_view(const FlatView *v, const struct want_range *want, size_t n)
{
    size_t i;

    ST_CHECK(v != NULL);
    ST_CHECK_EQ(v->nr, n);
    for (i = 0; i < n; i++) {
        const FlatRange *fr = &v->ranges[i];

        ST_CHECK_EQ(fr->start, want[i].start);
        ST_CHECK_EQ(fr->last, want[i].last);
        ST_CHECK(strcmp(memory_region_name(fr->mr), want[i].name) == 0);
        ST_CHECK_EQ(fr->offset_in_region, want[i].offset);
        ST_CHECK_EQ(fr->flags, want[i].flags);
    }
    return true;
}

static bool test_flat_layout(void)
{
    bool ok;

    BUILD();
    ok = check_view(address_space_flatview(&m.as_mem), sample_view, ARRAY_SIZE(sample_view));
    selftest_machine_destroy(&m);
    return ok;
}

/* The owner of addr, by name and offset; NULL name means unassigned. */
static bool check_lookup(const FlatView *v, hwaddr addr, const char *name, hwaddr off)
{
    const FlatRange *fr = flatview_lookup(v, addr);

    if (!name) {
        ST_CHECK(fr == NULL);
        return true;
    }
    ST_CHECK(fr != NULL);
    ST_CHECK(strcmp(memory_region_name(fr->mr), name) == 0);
    ST_CHECK_EQ(fr->offset_in_region + (addr - fr->start), off);
    return true;
}

static bool lookups(void)
{
    const FlatView *v = address_space_flatview(&m.as_mem);

    return check_lookup(v, 0x0, "ram", 0x0) &&
           check_lookup(v, 0x9ffff, "ram", 0x9ffff) &&
           check_lookup(v, 0xa0000, NULL, 0) &&
           check_lookup(v, 0xbffff, NULL, 0) &&
           check_lookup(v, 0xe1234, "bios", 0x1234) &&
           check_lookup(v, 0xfffff, "bios", 0x1ffff) &&
           check_lookup(v, 0x100000, "ram", 0x100000) &&
           check_lookup(v, 0x3fffff, "ram", 0x3fffff) &&
           check_lookup(v, 0x400000, NULL, 0) &&
           check_lookup(v, 0xfed10fff, "overlay", 0xfff) &&
           check_lookup(v, 0xfed11000, NULL, 0) &&
           check_lookup(v, 0xfffffff0, "bios", 0x1fff0) &&
           check_lookup(v, 0x100000000ull, NULL, 0) &&
           check_lookup(v, ~0ull, NULL, 0);
}

static bool test_lookup(void)
{
    bool ok;

    BUILD();
    ok = lookups();
    selftest_machine_destroy(&m);
    return ok;
}

/* The reset vector reads the same through the ROM and its ISA alias, and
 * a write through the alias changes nothing. */
static bool rom_alias(void)
{
    uint8_t low[16], high[16], junk[4] = {1, 2, 3, 4};
    unsigned i;

    ST_CHECK_EQ(address_space_read(&m.as_mem, 0xffff0, low, 16), MEMTX_OK);
    ST_CHECK_EQ(address_space_read(&m.as_mem, 0xfffffff0, high, 16), MEMTX_OK);
    for (i = 0; i < 16; i++) {
        ST_CHECK_EQ(high[i], machine_bios_byte(0x1fff0 + i));
        ST_CHECK_EQ(low[i], high[i]);
    }
    address_space_write(&m.as_mem, 0xffff0, junk, 4);
    address_space_write(&m.as_mem, 0xfffffff0, junk, 4);
    ST_CHECK_EQ(address_space_read(&m.as_mem, 0xfffffff0, high, 16), MEMTX_OK);
    for (i = 0; i < 4; i++)
        ST_CHECK_EQ(high[i], machine_bios_byte(0x1fff0 + i));
    return true;
}

static bool test_rom_alias(void)
{
    bool ok;

    BUILD();
    ok = rom_alias();
    selftest_machine_destroy(&m);
    return ok;
}

/* RAM accesses land in the region's backing store. */
static bool ram_access(void)
{
    uint8_t *ram = memory_region_get_ram_ptr(&m.ram);
    uint32_t v = 0xdeadbeef, back = 0;
    uint8_t span[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    ST_CHECK(ram != NULL);
    ST_CHECK_EQ(address_space_write(&m.as_mem, 0x1000, &v, 4), MEMTX_OK);
    ST_CHECK(memcmp(ram + 0x1000, &v, 4) == 0);
    ram[0x2000] = 0x42;
    ST_CHECK_EQ(address_space_read(&m.as_mem, 0x2000, &back, 1), MEMTX_OK);
    ST_CHECK_EQ(back, 0x42);
    /* 8 bytes straddling RAM and the end of RAM: the tail is unassigned. */
    ST_CHECK(address_space_write(&m.as_mem, SELFTEST_RAM_SIZE - 4, span, 8) != MEMTX_OK);
    ST_CHECK(memcmp(ram + SELFTEST_RAM_SIZE - 4, span, 4) == 0);
    return true;
}

static bool test_ram_access(void)
{
    bool ok;

    BUILD();
    ok = ram_access();
    selftest_machine_destroy(&m);
    return ok;
}

/* MMIO reaches the device's ops with region-relative offsets and sizes:
 * the test device logs what it receives, the overlay stores it. */
static bool mmio_dispatch(void)
{
    uint32_t v = 0x12345678, back = 0;
    uint64_t wide = 0x1122334455667788ull;
    uint16_t half = 0;

    m.td.log_count = 0;
    ST_CHECK_EQ(address_space_write(&m.as_mem, GM_OVERLAY_BASE + 0x10, &v, 4), MEMTX_OK);
    ST_CHECK_EQ(m.overlay_data[0x10], 0x78);
    ST_CHECK_EQ(m.overlay_data[0x13], 0x12);
    ST_CHECK_EQ(address_space_read(&m.as_mem, GM_OVERLAY_BASE + 0x12, &half, 2), MEMTX_OK);
    ST_CHECK_EQ(half, 0x1234);
    /* The "only4" window: an 8-byte access is refused whole, unlogged. */
    ST_CHECK_EQ(address_space_write(&m.as_mem, GM_TESTDEV_BASE + TD_WIN_ONLY4, &wide, 8),
                MEMTX_ERROR);
    ST_CHECK_EQ(m.td.log_count, 0);
    /* The "impl1" window: one 4-byte write reaches the device as 4 bytes. */
    ST_CHECK_EQ(address_space_write(&m.as_mem, GM_TESTDEV_BASE + TD_WIN_IMPL1 + 4, &v, 4),
                MEMTX_OK);
    ST_CHECK_EQ(m.td.log_count, 4);
    ST_CHECK_EQ(m.td.log[0].offset, TD_WIN_IMPL1 + 4);
    ST_CHECK_EQ(m.td.log[0].size, 1);
    ST_CHECK_EQ(m.td.log[3].value, 0x12);
    ST_CHECK_EQ(address_space_read(&m.as_mem, GM_TESTDEV_BASE + TD_ID, &back, 4), MEMTX_OK);
    ST_CHECK_EQ(back, TESTDEV_ID);
    return true;
}

static bool test_mmio_dispatch(void)
{
    bool ok;

    BUILD();
    ok = mmio_dispatch();
    selftest_machine_destroy(&m);
    return ok;
}

/* Port space: port 0x80 is the post register, its neighbours are empty. */
static bool io_dispatch(void)
{
    uint8_t b = 0x3c, back = 0;

    ST_CHECK_EQ(address_space_write(&m.as_io, GM_POST_PORT, &b, 1), MEMTX_OK);
    ST_CHECK_EQ(m.post_writes, 1);
    ST_CHECK_EQ(m.post_last, 0x3c);
    ST_CHECK_EQ(address_space_read(&m.as_io, GM_POST_PORT, &back, 1), MEMTX_OK);
    ST_CHECK_EQ(back, 0x3c);
    ST_CHECK_EQ(address_space_read(&m.as_io, 0x81, &back, 1), MEMTX_DECODE_ERROR);
    ST_CHECK_EQ(back, 0xff);
    return true;
}

static bool test_io_dispatch(void)
{
    bool ok;

    BUILD();
    ok = io_dispatch();
    selftest_machine_destroy(&m);
    return ok;
}

/* Unassigned reads are all-ones, writes dropped, both counted. */
static bool unassigned(void)
{
    uint32_t v = 0;
    uint64_t reads = m.as_mem.unassigned_reads;

    ST_CHECK_EQ(address_space_read(&m.as_mem, 0x20000000, &v, 4), MEMTX_DECODE_ERROR);
    ST_CHECK_EQ(v, 0xffffffff);
    ST_CHECK(m.as_mem.unassigned_reads > reads);
    return true;
}

static bool test_unassigned(void)
{
    bool ok;

    BUILD();
    ok = unassigned();
    selftest_machine_destroy(&m);
    return ok;
}

/* Changes inside a transaction stay invisible until the outermost commit,
 * which renders once. */
static bool transaction(void)
{
    uint64_t renders = memory_render_count();
    const FlatView *v;

    memory_region_transaction_begin();
    memory_region_transaction_begin();
    ST_CHECK_EQ(memory_region_set_enabled(&m.overlay_window, true), MR_OK);
    ST_CHECK_EQ(memory_region_set_address(&m.overlay, 0xfed20000), MR_OK);
    ST_CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    v = address_space_flatview(&m.as_mem);
    ST_CHECK(check_lookup(v, GM_OVERLAY_WINDOW, "ram", GM_OVERLAY_WINDOW));
    ST_CHECK_EQ(memory_render_count(), renders);
    ST_CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    ST_CHECK_EQ(memory_render_count(), renders + 1);
    v = address_space_flatview(&m.as_mem);
    ST_CHECK(check_lookup(v, GM_OVERLAY_WINDOW, "overlay", 0));
    ST_CHECK(check_lookup(v, GM_OVERLAY_BASE, NULL, 0));
    ST_CHECK(check_lookup(v, 0xfed20000, "overlay", 0));
    /* RAM around the window is split in two ranges by it. */
    ST_CHECK_EQ(flatview_lookup(v, 0x100000)->last, GM_OVERLAY_WINDOW - 1);
    return true;
}

static bool test_transaction(void)
{
    bool ok;

    BUILD();
    ok = transaction();
    selftest_machine_destroy(&m);
    return ok;
}

static const struct selftest memory_tests[] = {
    {"flat_layout", test_flat_layout},
    {"lookup", test_lookup},
    {"rom_alias", test_rom_alias},
    {"ram_access", test_ram_access},
    {"mmio_dispatch", test_mmio_dispatch},
    {"io_dispatch", test_io_dispatch},
    {"unassigned", test_unassigned},
    {"transaction", test_transaction},
};
SELFTEST_GROUP(selftest_group_memory, "memory", memory_tests);
