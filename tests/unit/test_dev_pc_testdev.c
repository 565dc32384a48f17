/*
 * pc-testdev tests: the scratch ports at every size and offset, the
 * byte-at-a-time port, flush counting, IRQ lines, the 64 KiB MMIO window,
 * and an allocation-failure sweep of init.
 */
#include "devices/pc_testdev.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static MemoryRegion io_root, sysmem;
static AddressSpace io_as, mem_as;
static PcTestdev td;
static int levels[PC_TESTDEV_NR_IRQS], sets;

static void irq_cb(void *opaque, int n, int level)
{
    (void)opaque;
    levels[n] = level;
    sets++;
}

static void setup(void)
{
    unsigned i;

    memset(levels, 0xff, sizeof(levels));
    sets = 0;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(memory_region_init(&sysmem, "memory", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(pc_testdev_init(&td, NULL), MR_OK);
    for (i = 0; i < PC_TESTDEV_NR_IRQS; i++)
        pc_testdev_set_irq(&td, i, irq_line(irq_cb, NULL, (int)i));
    CHECK_EQ(memory_region_add_subregion(&io_root, PC_TESTDEV_PORT, &td.ports), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, PC_TESTDEV_IRQ_PORT, &td.irq_mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sysmem, PC_TESTDEV_MMIO_BASE, &td.mmio_mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
    CHECK_EQ(address_space_init(&mem_as, &sysmem, "memory"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    address_space_destroy(&mem_as);
    CHECK_EQ(pc_testdev_destroy(&td), MR_EBUSY);
    memory_region_del_subregion(&io_root, &td.ports);
    memory_region_del_subregion(&io_root, &td.irq_mr);
    memory_region_del_subregion(&sysmem, &td.mmio_mr);
    CHECK_EQ(pc_testdev_destroy(&td), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(memory_region_destroy(&sysmem), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void out(hwaddr port, uint32_t v, unsigned size)
{
    CHECK_EQ(address_space_write(&io_as, port, &v, size), MEMTX_OK);
}
static uint32_t in(hwaddr port, unsigned size)
{
    uint32_t v = 0;

    CHECK_EQ(address_space_read(&io_as, port, &v, size), MEMTX_OK);
    return v;
}

static void test_scratch_port(void)
{
    setup();
    out(0xe0, 0x12345678, 4);
    CHECK_EQ(in(0xe0, 4), 0x12345678);
    CHECK_EQ(in(0xe0, 2), 0x5678);
    CHECK_EQ(in(0xe2, 2), 0x1234);
    CHECK_EQ(in(0xe1, 1), 0x56);
    out(0xe0, 0xab, 1);                 /* a byte write changes one byte */
    CHECK_EQ(in(0xe0, 4), 0x123456ab);
    out(0xe2, 0xcdef, 2);
    CHECK_EQ(in(0xe0, 4), 0xcdef56ab);
    out(0xe1, 0x9988, 2);               /* unaligned */
    CHECK_EQ(in(0xe0, 4), 0xcd9988ab);
    CHECK_EQ(in(0xe1, 2), 0x9988);
    teardown();
}

static void test_byte_port_and_flush(void)
{
    setup();
    out(0xe8, 0xa1b2c3d4, 4);           /* split into four byte writes */
    CHECK_EQ(in(0xe8, 4), 0xa1b2c3d4);
    CHECK_EQ(in(0xea, 1), 0xb2);
    out(0xe9, 0x77, 1);
    CHECK_EQ(in(0xe8, 4), 0xa1b277d4);
    CHECK_EQ(in(0xe0, 4), 0);           /* separate from the 0xe0 register */
    out(0xe4, 0x1000, 4);
    out(0xe4, 0x2000, 4);
    CHECK_EQ(td.flush_count, 2);
    CHECK_EQ(td.flush_last, 0x2000);
    CHECK_EQ(in(0xe4, 4), 0);
    teardown();
}

static void test_irq_lines(void)
{
    setup();
    out(0x2000 + 14, 1, 1);
    CHECK_EQ(levels[14], 1);
    out(0x2000 + 14, 0, 1);
    CHECK_EQ(levels[14], 0);
    out(0x2000 + 20, 0x100, 2);         /* any non-zero value is high */
    CHECK_EQ(levels[20], 1);
    out(0x2000 + 4, 1, 1);
    CHECK_EQ(levels[4], 1);
    CHECK_EQ(levels[5], -1);            /* no neighbour touched */
    CHECK_EQ(sets, 4);
    CHECK_EQ(in(0x2000, 1), 0);
    teardown();
}

static void test_mmio_window(void)
{
    uint64_t v = 0x1122334455667788ull, r = 0;
    uint8_t b = 0;
    uint16_t h = 0;

    setup();
    CHECK_EQ(address_space_write(&mem_as, PC_TESTDEV_MMIO_BASE + 0x100, &v, 8), MEMTX_OK);
    CHECK_EQ(address_space_read(&mem_as, PC_TESTDEV_MMIO_BASE + 0x100, &r, 8), MEMTX_OK);
    CHECK_EQ(r, v);
    CHECK_EQ(address_space_read(&mem_as, PC_TESTDEV_MMIO_BASE + 0x103, &b, 1), MEMTX_OK);
    CHECK_EQ(b, 0x55);
    CHECK_EQ(address_space_read(&mem_as, PC_TESTDEV_MMIO_BASE + 0x105, &h, 2), MEMTX_OK);
    CHECK_EQ(h, 0x2233);
    v = 0xcafe;
    CHECK_EQ(address_space_write(&mem_as, PC_TESTDEV_MMIO_BASE + 0xfffe, &v, 2), MEMTX_OK);
    CHECK_EQ(address_space_read(&mem_as, PC_TESTDEV_MMIO_BASE + 0xffff, &b, 1), MEMTX_OK);
    CHECK_EQ(b, 0xca);
    r = 0;
    CHECK_EQ(address_space_read(&mem_as, PC_TESTDEV_MMIO_BASE + 0x200, &r, 8), MEMTX_OK);
    CHECK_EQ(r, 0);                      /* starts zeroed */
    /* it is MMIO, not RAM: no direct mapping */
    CHECK(!memory_region_is_ram(&td.mmio_mr));
    teardown();
}

static void test_alloc_failures(void)
{
    long n;
    int err;

    for (n = 0; n < 20; n++) {
        plat_host_fail_alloc_after(n);
        err = pc_testdev_init(&td, NULL);
        plat_host_fail_alloc_after(-1);
        if (err == MR_OK) {
            CHECK_EQ(pc_testdev_destroy(&td), MR_OK);
            break;
        }
        CHECK_EQ(err, MR_ENOMEM);
        CHECK_EQ(plat_host_live_allocs(), 0);
    }
    CHECK(n < 20);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_scratch_port);
    RUN(test_byte_port_and_flush);
    RUN(test_irq_lines);
    RUN(test_mmio_window);
    RUN(test_alloc_failures);
    return test_summary("test_dev_pc_testdev");
}
