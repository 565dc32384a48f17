/*
 * ACPI PM tests through an `io` address space: PM1 status/enable/control,
 * S5 power off and other sleep types, the PM timer (value, width, TMR_STS,
 * deadline) against a hand-moved clock, the SCI level, the reset port.
 */
#include "devices/acpi_pm.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static uint64_t t_now;
static uint64_t clock_now(void *ctx) { (void)ctx; return t_now; }
static const VClock clk = { clock_now, NULL, 1000000000ull };

static MemoryRegion io_root;
static AddressSpace io_as;
static AcpiPm pm;
static int poweroffs, resets, sleeps, last_typ = -1, sci = -1;

static void on_poweroff(void *ctx) { (void)ctx; poweroffs++; }
static void on_reset(void *ctx) { (void)ctx; resets++; }
static void on_sleep(void *ctx, unsigned typ) { (void)ctx; sleeps++; last_typ = (int)typ; }
static void sci_cb(void *o, int n, int level) { (void)o; (void)n; sci = level; }

static void setup(bool tmr32)
{
    t_now = 0;
    poweroffs = resets = sleeps = 0;
    last_typ = sci = -1;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(acpi_pm_init(&pm, &clk, ACPI_PM_DEFAULT_S5_TYP, tmr32), MR_OK);
    pm.poweroff = on_poweroff;
    pm.reset = on_reset;
    pm.sleep = on_sleep;
    acpi_pm_set_sci(&pm, irq_line(sci_cb, NULL, 9));
    CHECK_EQ(sci, 0);
    CHECK_EQ(memory_region_add_subregion(&io_root, ACPI_PM_BASE, &pm.mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, ACPI_RESET_PORT, &pm.reset_mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    CHECK_EQ(acpi_pm_destroy(&pm), MR_EBUSY);
    memory_region_del_subregion(&io_root, &pm.mr);
    memory_region_del_subregion(&io_root, &pm.reset_mr);
    CHECK_EQ(acpi_pm_destroy(&pm), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
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

static void test_poweroff(void)
{
    setup(true);
    CHECK_EQ(in(0x604, 2), ACPI_PM1_SCI_EN);      /* ACPI mode from reset */
    out(0x604, (5u << 10) | ACPI_PM1_SCI_EN, 2);   /* SLP_TYP without SLP_EN */
    CHECK_EQ(poweroffs, 0);
    CHECK_EQ(in(0x604, 2), (5u << 10) | ACPI_PM1_SCI_EN);
    out(0x604, (3u << 10) | ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2); /* S3-ish */
    CHECK_EQ(poweroffs, 0);
    CHECK_EQ(sleeps, 1);
    CHECK_EQ(last_typ, 3);
    CHECK(in(0x600, 2) & ACPI_PM1_WAK_STS);
    out(0x600, ACPI_PM1_WAK_STS, 2);               /* write 1 to clear */
    CHECK_EQ(in(0x600, 2) & ACPI_PM1_WAK_STS, 0);
    out(0x605, ((5u << 10) | ACPI_PM1_SLP_EN) >> 8, 1); /* byte write of the high half */
    CHECK_EQ(poweroffs, 1);
    CHECK_EQ(pm.poweroffs, 1);
    CHECK_EQ(in(0x604, 2) & ACPI_PM1_SLP_EN, 0);   /* SLP_EN reads 0 */
    teardown();
}

static void test_timer(void)
{
    uint32_t a, b;

    setup(true);
    t_now = 1000000000ull;                         /* 1 s */
    CHECK_EQ(in(0x608, 4), 3579545);
    t_now += 1000;                                 /* 1 us: 3 or 4 ticks */
    a = in(0x608, 4);
    CHECK(a - 3579545 == 3 || a - 3579545 == 4);
    CHECK_EQ(in(0x608, 2), a & 0xffff);
    CHECK_EQ(in(0x60a, 2), a >> 16);
    out(0x608, 0, 4);                              /* read-only */
    CHECK_EQ(in(0x608, 4), a);
    t_now = 1200ull * 1000000000ull;               /* 1200 s: 32 bits wrap */
    b = in(0x608, 4);
    CHECK_EQ(b, (uint32_t)(1200ull * 3579545));
    teardown();

    setup(false);
    t_now = 10ull * 1000000000ull;                 /* 10 s: past 2^24 ticks */
    CHECK_EQ(in(0x608, 4), (10ull * 3579545) & 0xffffff);
    teardown();
}

static void test_timer_status_and_sci(void)
{
    uint64_t d;

    setup(false);
    CHECK_EQ(acpi_pm_next_deadline(&pm), VCLOCK_NEVER);
    out(0x602, ACPI_PM1_TMR_STS, 2);               /* TMR_EN */
    CHECK_EQ(in(0x602, 2), ACPI_PM1_TMR_STS);
    d = acpi_pm_next_deadline(&pm);                /* bit 23 flips at 2^23 ticks */
    CHECK_EQ(d, (uint64_t)((8388608.0 / 3579545.0) * 1e9) + 1);
    acpi_pm_advance(&pm, d - 1);
    CHECK_EQ(sci, 0);
    t_now = d;
    acpi_pm_advance(&pm, d);
    CHECK_EQ(sci, 1);
    CHECK(in(0x600, 2) & ACPI_PM1_TMR_STS);
    out(0x600, ACPI_PM1_TMR_STS, 2);
    CHECK_EQ(sci, 0);
    CHECK(acpi_pm_next_deadline(&pm) > d);
    acpi_pm_power_button(&pm);                     /* PWRBTN_EN off: no SCI */
    CHECK_EQ(sci, 0);
    out(0x602, ACPI_PM1_PWRBTN_STS, 2);
    CHECK_EQ(sci, 1);
    out(0x600, 0xffff, 2);
    CHECK_EQ(sci, 0);
    teardown();
}

static void test_reset_port(void)
{
    setup(true);
    out(0xcf9, 0x02, 1);                           /* hard-reset select only */
    CHECK_EQ(resets, 0);
    CHECK_EQ(in(0xcf9, 1), 0x02);
    out(0xcf9, 0x06, 1);
    CHECK_EQ(resets, 1);
    CHECK_EQ(in(0xcf9, 1), 0x02);                  /* bit 2 is not kept */
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_poweroff);
    RUN(test_timer);
    RUN(test_timer_status_and_sci);
    RUN(test_reset_port);
    return test_summary("test_dev_acpi_pm");
}
