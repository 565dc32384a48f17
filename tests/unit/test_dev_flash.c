/*
 * ROM/flash device: romd switching, ID/CFI/status reads, program and erase,
 * through address_space_read/write and the flat view.
 */
#include "devices/flash.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define BASE 0xfff00000ull
#define SIZE 0x10000u
#define BLOCK 0x1000u

static MemoryRegion sys;
static AddressSpace as;
static Flash fl;

static void setup(void)
{
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(flash_init(&fl, "pflash", SIZE, BLOCK), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, BASE, &fl.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&as);
    CHECK_EQ(flash_destroy(&fl), MR_EBUSY);
    CHECK_EQ(memory_region_del_subregion(&sys, &fl.mr), MR_OK);
    CHECK_EQ(flash_destroy(&fl), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
    CHECK_EQ(plat_host_live_pages(), 0);
}

static void wr(hwaddr off, unsigned size, uint64_t v)
{
    uint8_t b[8];

    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    CHECK_EQ(address_space_write(&as, BASE + off, b, size), MEMTX_OK);
}

static uint64_t rd(hwaddr off, unsigned size)
{
    uint8_t b[8] = {0};
    uint64_t v = 0;

    CHECK_EQ(address_space_read(&as, BASE + off, b, size), MEMTX_OK);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* A 16-bit CFI field: byte reads (the fields are not aligned). */
static uint64_t rd16(hwaddr off)
{
    return rd(off, 1) | rd(off + 1, 1) << 8;
}

/* Whether the CPU would read the array without an exit. */
static bool direct_read(hwaddr off)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(&as), BASE + off);

    CHECK(fr != NULL);
    CHECK(fr && fr->mr == &fl.mr);
    return fr && (fr->flags & FR_DIRECT_READ);
}

static void test_array_mapped_directly(void)
{
    static const uint8_t img[] = { 0xde, 0xad, 0xbe, 0xef };

    setup();
    CHECK(direct_read(0));
    CHECK(!(flatview_lookup(address_space_flatview(&as), BASE)->flags & FR_DIRECT_WRITE));
    CHECK_EQ(rd(0x100, 4), 0xffffffff); /* erased */
    CHECK_EQ(flash_load(&fl, 0x100, img, sizeof(img)), MR_OK);
    CHECK_EQ(rd(0x100, 4), 0xefbeadde);
    CHECK_EQ(flash_load(&fl, SIZE - 2, img, sizeof(img)), MR_EINVAL);
    teardown();
}

static void test_read_id_and_back(void)
{
    setup();
    wr(0, 1, FLASH_CMD_READ_ID);
    CHECK(!direct_read(0)); /* ops mode: reads exit to the device */
    CHECK_EQ(rd(0, 1), FLASH_MANUFACTURER_ID);
    CHECK_EQ(rd(1, 1), FLASH_DEVICE_ID);
    CHECK_EQ(rd(0, 2), FLASH_MANUFACTURER_ID | FLASH_DEVICE_ID << 8);
    CHECK_EQ(rd(BLOCK * 3 + 2, 1), 0); /* block 3 unlocked */
    wr(0x1234, 1, FLASH_CMD_READ_ARRAY);
    CHECK(direct_read(0));
    CHECK_EQ(rd(0, 2), 0xffff);
    teardown();
}

static void test_cfi_query(void)
{
    setup();
    wr(0x55, 1, FLASH_CMD_CFI_QUERY);
    CHECK_EQ(rd(0x10, 1), 'Q');
    CHECK_EQ(rd(0x11, 1), 'R');
    CHECK_EQ(rd(0x12, 1), 'Y');
    CHECK_EQ(rd16(0x13), 0x0001); /* Intel/Sharp command set */
    CHECK_EQ(rd(0x27, 1), 16);     /* 2^16 bytes */
    CHECK_EQ(rd(0x2c, 1), 1);
    CHECK_EQ(rd16(0x2d), SIZE / BLOCK - 1);
    CHECK_EQ(rd16(0x2f), BLOCK / 256);
    {
        uint16_t w;
        /* Misaligned reads are refused (valid.unaligned is false). */
        CHECK_EQ(address_space_read(&as, BASE + 0x13, &w, 2), MEMTX_ERROR);
    }
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    CHECK_EQ(rd(0x10, 1), 0xff);
    teardown();
}

static void test_program(void)
{
    setup();
    wr(0x200, 1, FLASH_CMD_PROGRAM);
    CHECK(!direct_read(0x200));
    CHECK_EQ(rd(0x200, 1), FLASH_SR_READY); /* status while waiting */
    wr(0x200, 1, 0x5a);
    CHECK_EQ(fl.mode, FLASH_MODE_STATUS);
    CHECK_EQ(rd(0x200, 1), FLASH_SR_READY);
    CHECK_EQ(rd(0x7000, 4), 0x80808080u); /* status at every address */
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    CHECK_EQ(rd(0x200, 1), 0x5a);
    CHECK_EQ(rd(0x201, 1), 0xff); /* its neighbour untouched */
    /* Programming clears bits only: 0x5a & 0xf0. */
    wr(0x200, 1, FLASH_CMD_PROGRAM_ALT);
    wr(0x200, 1, 0xf0);
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    CHECK_EQ(rd(0x200, 1), 0x50);
    /* A 4-byte program writes four bytes. */
    wr(0x300, 1, FLASH_CMD_PROGRAM);
    wr(0x300, 4, 0x12345678);
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    CHECK_EQ(rd(0x300, 4), 0x12345678);
    CHECK_EQ(fl.programs, 3);
    teardown();
}

static void test_block_erase(void)
{
    uint8_t pattern[3 * BLOCK];

    setup();
    for (unsigned i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 13);
    CHECK_EQ(flash_load(&fl, 0, pattern, sizeof(pattern)), MR_OK);
    wr(BLOCK + 0x123, 1, FLASH_CMD_BLOCK_ERASE);
    wr(BLOCK + 0x456, 1, FLASH_CMD_CONFIRM);
    CHECK_EQ(rd(0, 1), FLASH_SR_READY);
    CHECK_EQ(fl.status & (FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR), 0);
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    for (unsigned i = 0; i < BLOCK; i += 0x100) {
        CHECK_EQ(rd(i, 1), pattern[i]);
        CHECK_EQ(rd(BLOCK + i, 1), 0xff);
        CHECK_EQ(rd(2 * BLOCK + i, 1), pattern[2 * BLOCK + i]);
    }
    CHECK_EQ(rd(2 * BLOCK - 8, 8), ~0ull);
    CHECK_EQ(rd(BLOCK - 1, 1), pattern[BLOCK - 1]);
    CHECK_EQ(rd(2 * BLOCK, 1), pattern[2 * BLOCK]);
    CHECK_EQ(fl.erases, 1);
    teardown();
}

static void test_erase_sequence_error_and_clear(void)
{
    setup();
    wr(0x40, 1, FLASH_CMD_PROGRAM);
    wr(0x40, 1, 0x00);
    wr(0, 1, FLASH_CMD_BLOCK_ERASE);
    wr(0, 1, 0x55); /* not a confirm */
    CHECK_EQ(rd(0, 1), FLASH_SR_READY | FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR);
    CHECK_EQ(fl.erases, 0);
    wr(0, 1, FLASH_CMD_READ_STATUS);
    CHECK_EQ(rd(0x10, 1), FLASH_SR_READY | FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR);
    wr(0, 1, FLASH_CMD_CLEAR_STATUS);
    CHECK_EQ(rd(0x10, 1), FLASH_SR_READY);
    wr(0, 1, FLASH_CMD_READ_ARRAY);
    CHECK_EQ(rd(0x40, 1), 0x00); /* the programmed byte survived */
    teardown();
}

static void test_unknown_command_and_array_writes(void)
{
    setup();
    wr(0, 1, FLASH_CMD_READ_ID);
    wr(0, 1, 0x33);
    CHECK_EQ(fl.bad_commands, 1);
    CHECK(direct_read(0)); /* back to read array */
    /* A write in array mode is a command, never data. */
    wr(0x10, 1, 0x00);
    CHECK_EQ(rd(0x10, 1), 0xff);
    CHECK_EQ(fl.bad_commands, 2);
    teardown();
}

static void test_bad_geometry(void)
{
    Flash f;

    CHECK_EQ(flash_init(&f, "x", 0x3000, 0x1000), MR_EINVAL); /* size not 2^n */
    CHECK_EQ(flash_init(&f, "x", 0x10000, 0x80), MR_EINVAL);  /* block < 256 */
    CHECK_EQ(flash_init(&f, "x", 0x1000, 0x2000), MR_EINVAL); /* block > size */
    CHECK_EQ(flash_init(&f, "x", 0x2000000, 0x100), MR_EINVAL); /* > 65536 blocks */
    CHECK_EQ(flash_init(NULL, "x", 0x1000, 0x1000), MR_EINVAL);
    plat_host_fail_alloc_after(0);
    CHECK(flash_init(&f, "x", 0x1000, 0x1000) != MR_OK);
    plat_host_fail_alloc_after(-1);
    CHECK_EQ(plat_host_live_allocs(), 0);
    CHECK_EQ(plat_host_live_pages(), 0);
}

int main(void)
{
    RUN(test_array_mapped_directly);
    RUN(test_read_id_and_back);
    RUN(test_cfi_query);
    RUN(test_program);
    RUN(test_block_erase);
    RUN(test_erase_sequence_error_and_clear);
    RUN(test_unknown_command_and_array_writes);
    RUN(test_bad_geometry);
    return test_summary("test_dev_flash");
}
