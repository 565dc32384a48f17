/*
 * Self-tests of the memory API inside hv.efi, on the sample machine
 * (hv/machine.h): the flat view it renders, lookups, RAM/ROM/alias reads,
 * MMIO and port dispatch, unassigned accesses, and a transaction.  Each test
 * builds its own machine and tears it down, so the runner's leak check
 * covers region destruction too.
 */
#include "hv/machine.h"
#include "hv/lib/platform.h"
#include "hv/selftest/selftest.h"

static struct machine m;

/* Builds the machine or fails the test. */
#define BUILD() ST_CHECK_EQ(machine_build(&m), MR_OK)

struct want_range {
    hwaddr start, last;
    const char *name;
    hwaddr offset;
    unsigned flags;
};

#define RW (FR_DIRECT_READ | FR_DIRECT_WRITE)
static const struct want_range sample_view[] = {
    {0x00000000, 0x0009ffff, "pc.ram", 0x00000, RW},
    {0x000a0000, 0x000bffff, "vga-lowmem", 0, 0},
    {0x000c0000, 0x000dffff, "pc.ram", 0xc0000, RW},
    {0x000e0000, 0x000fffff, "pc.bios", 0, FR_DIRECT_READ},
    {0x00100000, 0x00ffffff, "pc.ram", 0x100000, RW},
    {0xfed00000, 0xfed00fff, "testdev", 0, 0},
    {0xfffe0000, 0xffffffff, "pc.bios", 0, FR_DIRECT_READ},
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
    machine_destroy(&m);
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

    return check_lookup(v, 0x0, "pc.ram", 0x0) &&
           check_lookup(v, 0x9ffff, "pc.ram", 0x9ffff) &&
           check_lookup(v, 0xa0000, "vga-lowmem", 0x0) &&
           check_lookup(v, 0xbffff, "vga-lowmem", 0x1ffff) &&
           check_lookup(v, 0xe1234, "pc.bios", 0x1234) &&
           check_lookup(v, 0xfffff, "pc.bios", 0x1ffff) &&
           check_lookup(v, 0x100000, "pc.ram", 0x100000) &&
           check_lookup(v, 0xffffff, "pc.ram", 0xffffff) &&
           check_lookup(v, 0x1000000, NULL, 0) &&
           check_lookup(v, 0xfed00fff, "testdev", 0xfff) &&
           check_lookup(v, 0xfed01000, NULL, 0) &&
           check_lookup(v, 0xfffffff0, "pc.bios", 0x1fff0) &&
           check_lookup(v, 0x100000000ull, NULL, 0) &&
           check_lookup(v, ~0ull, NULL, 0);
}

static bool test_lookup(void)
{
    bool ok;

    BUILD();
    ok = lookups();
    machine_destroy(&m);
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
    machine_destroy(&m);
    return ok;
}

/* RAM accesses land in the region's backing store, across the VGA hole. */
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
    ST_CHECK(address_space_write(&m.as_mem, 0xfffffc, span, 8) != MEMTX_OK);
    ST_CHECK(memcmp(ram + 0xfffffc, span, 4) == 0);
    return true;
}

static bool test_ram_access(void)
{
    bool ok;

    BUILD();
    ok = ram_access();
    machine_destroy(&m);
    return ok;
}

/* MMIO reaches the device's ops with region-relative offsets and sizes. */
static bool mmio_dispatch(void)
{
    uint32_t v = 0x12345678;
    uint64_t wide = 0x1122334455667788ull;
    uint16_t half = 0;
    uint8_t b = 0xa5;

    ST_CHECK_EQ(address_space_write(&m.as_mem, 0xa0010, &v, 4), MEMTX_OK);
    ST_CHECK_EQ(m.vga_regs.writes, 1);
    ST_CHECK_EQ(m.vga_regs.last_addr, 0x10);
    ST_CHECK_EQ(m.vga_regs.last_size, 4);
    ST_CHECK_EQ(m.vga_regs.last_data, 0x12345678);
    ST_CHECK_EQ(address_space_read(&m.as_mem, 0xa0012, &half, 2), MEMTX_OK);
    ST_CHECK_EQ(half, 0x1234);
    ST_CHECK_EQ(m.vga_regs.reads, 1);
    ST_CHECK_EQ(m.vga_regs.last_addr, 0x12);
    /* valid.max_access_size is 4: one 8-byte access is refused whole. */
    ST_CHECK_EQ(address_space_write(&m.as_mem, 0xfed00008, &wide, 8), MEMTX_ERROR);
    ST_CHECK_EQ(m.testdev_regs.writes, 0);
    ST_CHECK_EQ(address_space_write(&m.as_mem, 0xfed00005, &b, 1), MEMTX_OK);
    ST_CHECK_EQ(m.testdev_regs.writes, 1);
    ST_CHECK_EQ(m.testdev_regs.last_addr, 5);
    ST_CHECK_EQ(m.testdev_regs.regs[5], 0xa5);
    ST_CHECK_EQ(m.vga_regs.writes, 1);
    return true;
}

static bool test_mmio_dispatch(void)
{
    bool ok;

    BUILD();
    ok = mmio_dispatch();
    machine_destroy(&m);
    return ok;
}

/* Port space: port 0x80 is the post register, its neighbours are empty. */
static bool io_dispatch(void)
{
    uint8_t b = 0x3c, back = 0;

    ST_CHECK_EQ(address_space_write(&m.as_io, 0x80, &b, 1), MEMTX_OK);
    ST_CHECK_EQ(m.post_regs.writes, 1);
    ST_CHECK_EQ(m.post_regs.regs[0], 0x3c);
    ST_CHECK_EQ(address_space_read(&m.as_io, 0x81, &back, 1), MEMTX_DECODE_ERROR);
    ST_CHECK_EQ(back, 0xff);
    ST_CHECK_EQ(m.post_regs.reads, 0);
    return true;
}

static bool test_io_dispatch(void)
{
    bool ok;

    BUILD();
    ok = io_dispatch();
    machine_destroy(&m);
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
    machine_destroy(&m);
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
    ST_CHECK_EQ(memory_region_set_enabled(&m.vga, false), MR_OK);
    ST_CHECK_EQ(memory_region_set_address(&m.testdev, 0xfed01000), MR_OK);
    ST_CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    v = address_space_flatview(&m.as_mem);
    ST_CHECK(check_lookup(v, 0xa0000, "vga-lowmem", 0));
    ST_CHECK_EQ(memory_render_count(), renders);
    ST_CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    ST_CHECK_EQ(memory_render_count(), renders + 1);
    v = address_space_flatview(&m.as_mem);
    ST_CHECK(check_lookup(v, 0xa0000, "pc.ram", 0xa0000));
    ST_CHECK(check_lookup(v, 0xfed00000, NULL, 0));
    ST_CHECK(check_lookup(v, 0xfed01000, "testdev", 0));
    /* RAM around the former hole merges into one range again. */
    ST_CHECK_EQ(flatview_lookup(v, 0x0)->last, 0xdffff);
    return true;
}

static bool test_transaction(void)
{
    bool ok;

    BUILD();
    ok = transaction();
    machine_destroy(&m);
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
