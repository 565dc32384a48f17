/*
 * I/O APIC tests: indirect registers through IOREGSEL/IOWIN on a memory
 * address space, edge and level pins delivered to a real local APIC, remote
 * IRR and EOI (from the local APIC and through the EOI register), masking,
 * polarity, destinations.
 */
#include "devices/ioapic.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static uint64_t t_now;
static uint64_t clock_now(void *ctx) { (void)ctx; return t_now; }
static const VClock clk = { clock_now, NULL, 1000000000ull };

static MemoryRegion sysmem;
static AddressSpace as;
static Lapic apic;
static Ioapic io;

static void mw(hwaddr a, uint32_t v)
{
    CHECK_EQ(address_space_write(&as, a, &v, 4), MEMTX_OK);
}
static uint32_t mr32(hwaddr a)
{
    uint32_t v = 0xdeadbeef;

    CHECK_EQ(address_space_read(&as, a, &v, 4), MEMTX_OK);
    return v;
}
static uint32_t io_rd(uint32_t idx)
{
    mw(IOAPIC_DEFAULT_BASE + IOAPIC_REGSEL, idx);
    return mr32(IOAPIC_DEFAULT_BASE + IOAPIC_IOWIN);
}
static void io_wr(uint32_t idx, uint32_t v)
{
    mw(IOAPIC_DEFAULT_BASE + IOAPIC_REGSEL, idx);
    mw(IOAPIC_DEFAULT_BASE + IOAPIC_IOWIN, v);
}
static void set_rte(unsigned pin, uint32_t lo, uint8_t dest)
{
    io_wr(IOAPIC_REG_REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
    io_wr(IOAPIC_REG_REDTBL + 2 * pin, lo);
}
static uint32_t rte_lo(unsigned pin) { return io_rd(IOAPIC_REG_REDTBL + 2 * pin); }
static void apic_eoi(void)
{
    mw(LAPIC_DEFAULT_BASE + LAPIC_EOI, 0);
}

static void setup(void)
{
    uint32_t svr = 0x1ff;

    CHECK_EQ(memory_region_init(&sysmem, "memory", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(lapic_init(&apic, "lapic", 0, true, &clk, 0), MR_OK);
    CHECK_EQ(ioapic_init(&io, "ioapic", 1), MR_OK);
    ioapic_connect_lapic(&io, &apic);
    CHECK_EQ(memory_region_add_subregion(&sysmem, LAPIC_DEFAULT_BASE, &apic.mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sysmem, IOAPIC_DEFAULT_BASE, &io.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &sysmem, "memory"), MR_OK);
    mw(LAPIC_DEFAULT_BASE + LAPIC_SVR, svr);
}

static void teardown(void)
{
    address_space_destroy(&as);
    CHECK_EQ(memory_region_del_subregion(&sysmem, &apic.mr), MR_OK);
    CHECK_EQ(memory_region_del_subregion(&sysmem, &io.mr), MR_OK);
    CHECK_EQ(ioapic_destroy(&io), MR_OK);
    CHECK_EQ(lapic_destroy(&apic), MR_OK);
    CHECK_EQ(memory_region_destroy(&sysmem), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void test_registers(void)
{
    unsigned pin;
    uint8_t b = 0x01;

    setup();
    CHECK_EQ(io_rd(IOAPIC_REG_ID), 1u << 24);
    CHECK_EQ(io_rd(IOAPIC_REG_VER), 0x00170020);
    CHECK_EQ(io_rd(IOAPIC_REG_ARB), 1u << 24);
    io_wr(IOAPIC_REG_ID, 0xffffffff);
    CHECK_EQ(io_rd(IOAPIC_REG_ID), 0x0f000000);
    io_wr(IOAPIC_REG_VER, 0);
    CHECK_EQ(io_rd(IOAPIC_REG_VER), 0x00170020);
    for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        CHECK_EQ(rte_lo(pin), IOAPIC_RTE_MASKED);
        CHECK_EQ(io_rd(IOAPIC_REG_REDTBL + 2 * pin + 1), 0);
    }
    io_wr(IOAPIC_REG_REDTBL + 2 * 7, 0xffffffff); /* RO and reserved bits stay 0 */
    CHECK_EQ(rte_lo(7), 0x1afff);
    io_wr(IOAPIC_REG_REDTBL + 2 * 7 + 1, 0xffffffff);
    CHECK_EQ(io_rd(IOAPIC_REG_REDTBL + 2 * 7 + 1), 0xff000000);
    CHECK_EQ(io_rd(IOAPIC_REG_REDTBL + 2 * 24), 0); /* past the table */
    /* IOREGSEL by a byte write, as some guests do */
    CHECK_EQ(address_space_write(&as, IOAPIC_DEFAULT_BASE, &b, 1), MEMTX_OK);
    CHECK_EQ(mr32(IOAPIC_DEFAULT_BASE + IOAPIC_IOWIN), 0x00170020);
    teardown();
}

static void test_edge(void)
{
    setup();
    set_rte(5, 0x40, 0);                 /* fixed, physical dest 0, edge, unmasked */
    ioapic_set_irq(&io, 5, 1);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x40);
    apic_eoi();
    ioapic_set_irq(&io, 5, 1);           /* no new edge */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    ioapic_set_irq(&io, 5, 0);
    ioapic_set_irq(&io, 5, 1);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x40);
    apic_eoi();
    CHECK_EQ(rte_lo(5) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK_EQ(apic.tmr[2], 0);            /* edge: TMR clear */
    set_rte(5, 0x40 | IOAPIC_RTE_MASKED, 0);
    ioapic_set_irq(&io, 5, 0);
    ioapic_set_irq(&io, 5, 1);           /* masked edge: lost */
    set_rte(5, 0x40, 0);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    set_rte(6, 0x41, 7);                 /* not our APIC ID */
    ioapic_set_irq(&io, 6, 1);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    CHECK_EQ(io.messages, 3);
    teardown();
}

static void test_level_remote_irr(void)
{
    setup();
    set_rte(10, 0x50 | IOAPIC_RTE_LEVEL, 0);
    ioapic_set_irq(&io, 10, 1);
    CHECK(rte_lo(10) & IOAPIC_RTE_REMOTE_IRR);
    CHECK(apic.tmr[2] & (1u << (0x50 - 64)));
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x50);
    ioapic_set_irq(&io, 10, 1);          /* still in service: nothing more */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    apic_eoi();                          /* line still high: sent again */
    CHECK(rte_lo(10) & IOAPIC_RTE_REMOTE_IRR);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x50);
    ioapic_set_irq(&io, 10, 0);
    apic_eoi();
    CHECK_EQ(rte_lo(10) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    CHECK_EQ(io.messages, 2);

    /* masked while asserted: delivered when unmasked */
    set_rte(11, 0x51 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED, 0);
    ioapic_set_irq(&io, 11, 1);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    set_rte(11, 0x51 | IOAPIC_RTE_LEVEL, 0);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x51);
    /* EOI through the I/O APIC's own EOI register */
    mw(IOAPIC_DEFAULT_BASE + IOAPIC_EOIR, 0x52); /* other vector: no effect */
    CHECK(rte_lo(11) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(&io, 11, 0);
    mw(IOAPIC_DEFAULT_BASE + IOAPIC_EOIR, 0x51);
    CHECK_EQ(rte_lo(11) & IOAPIC_RTE_REMOTE_IRR, 0);
    /* remote IRR is read-only */
    ioapic_set_irq(&io, 11, 1);
    CHECK(rte_lo(11) & IOAPIC_RTE_REMOTE_IRR);
    io_wr(IOAPIC_REG_REDTBL + 22, 0x51 | IOAPIC_RTE_LEVEL);
    CHECK(rte_lo(11) & IOAPIC_RTE_REMOTE_IRR);
    teardown();
}

static void test_polarity(void)
{
    setup();
    set_rte(14, 0x60 | IOAPIC_RTE_ACTIVE_LOW, 0);
    ioapic_set_irq(&io, 14, 1);          /* inactive */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    ioapic_set_irq(&io, 14, 0);          /* falling electrical edge = assert */
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x60);
    apic_eoi();
    ioapic_set_irq(&io, 15, 1);          /* idle high before programming */
    set_rte(15, 0x61 | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL, 0);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    ioapic_set_irq(&io, 15, 0);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x61);
    ioapic_set_irq(&io, 15, 1);
    apic_eoi();
    CHECK_EQ(rte_lo(15) & IOAPIC_RTE_REMOTE_IRR, 0);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    /* an active-low level pin that is low when programmed is asserted */
    set_rte(16, 0x62 | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL, 0);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x62);
    teardown();
}

static void test_logical_lowest_nmi(void)
{
    setup();
    mw(LAPIC_DEFAULT_BASE + LAPIC_LDR, 0x01000000);
    set_rte(3, 0x70 | (APIC_DM_LOWEST << 8) | IOAPIC_RTE_DEST_LOGICAL, 0x01);
    ioapic_set_irq(&io, 3, 1);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x70);
    set_rte(4, 0x71 | IOAPIC_RTE_DEST_LOGICAL, 0x02);
    ioapic_set_irq(&io, 4, 1);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    set_rte(9, APIC_DM_NMI << 8, 0);
    ioapic_set_irq(&io, 9, 1);
    CHECK(apic.nmi_pending);
    ioapic_set_irq(&io, 99, 1);          /* out of range: ignored */
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_registers);
    RUN(test_edge);
    RUN(test_level_remote_irr);
    RUN(test_polarity);
    RUN(test_logical_lowest_nmi);
    return test_summary("test_dev_ioapic");
}
