/*
 * 8254 PIT and port 0x61 tests through an `io` address space, with a guest
 * clock of exactly 10 TSC ticks per PIT tick: modes 0, 2, 3, access modes,
 * latch and read-back, channel 2's gate and OUT via port 0x61, the refresh
 * toggle, IRQ 0 edges through next_deadline/advance.
 */
#include "devices/i8254.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static uint64_t t_now;
static uint64_t clock_now(void *ctx) { (void)ctx; return t_now; }
static const VClock clk = { clock_now, NULL, I8254_HZ * 10 };

static MemoryRegion io_root;
static AddressSpace io_as;
static I8254 pit;
static int irq_level, rises;

static void irq_cb(void *o, int n, int level)
{
    (void)o;
    (void)n;
    if (level && !irq_level)
        rises++;
    irq_level = level;
}

static void outb(uint16_t port, uint8_t v)
{
    CHECK_EQ(address_space_write(&io_as, port, &v, 1), MEMTX_OK);
}
static uint8_t inb(uint16_t port)
{
    uint8_t v = 0;

    CHECK_EQ(address_space_read(&io_as, port, &v, 1), MEMTX_OK);
    return v;
}
static uint16_t read16(uint16_t port)
{
    uint16_t lo = inb(port);

    return (uint16_t)(lo | inb(port) << 8);
}

static void setup(void)
{
    t_now = 0;
    irq_level = rises = 0;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(i8254_init(&pit, &clk), MR_OK);
    i8254_set_irq(&pit, irq_line(irq_cb, NULL, 0));
    CHECK_EQ(memory_region_add_subregion(&io_root, I8254_PORT, &pit.mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, I8254_PORT61, &pit.port61_mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    CHECK_EQ(i8254_destroy(&pit), MR_EBUSY);
    memory_region_del_subregion(&io_root, &pit.mr);
    memory_region_del_subregion(&io_root, &pit.port61_mr);
    CHECK_EQ(i8254_destroy(&pit), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void test_mode2_periodic_irq(void)
{
    setup();
    CHECK_EQ(i8254_next_deadline(&pit), VCLOCK_NEVER);
    outb(0x43, 0x34);                 /* ch0, lo/hi, mode 2 */
    outb(0x40, 0xe8);
    outb(0x40, 0x03);                 /* 1000 */
    CHECK_EQ(i8254_next_deadline(&pit), 10000);
    t_now = 2500;
    outb(0x43, 0x00);                 /* latch ch0 */
    t_now = 5000;                     /* the latch holds the old value */
    CHECK_EQ(read16(0x40), 750);
    CHECK_EQ(read16(0x40), 500);      /* live again */
    i8254_advance(&pit, 9999);
    CHECK_EQ(rises, 0);
    i8254_advance(&pit, 10000);
    CHECK_EQ(rises, 1);
    CHECK_EQ(irq_level, 0);           /* a pulse */
    CHECK_EQ(i8254_next_deadline(&pit), 20000);
    i8254_advance(&pit, 55000);       /* late: one pulse, next on the grid */
    CHECK_EQ(rises, 2);
    CHECK_EQ(i8254_next_deadline(&pit), 60000);
    t_now = 59990;                    /* last tick of the period: OUT low */
    CHECK(!i8254_out(&pit, 0));
    CHECK_EQ(i8254_count(&pit, 0), 1);
    t_now = 60000;
    CHECK(i8254_out(&pit, 0));
    CHECK_EQ(i8254_count(&pit, 0), 1000);
    teardown();
}

static void test_mode0_oneshot(void)
{
    setup();
    t_now = 100;
    outb(0x43, 0x30);                 /* ch0, lo/hi, mode 0 */
    outb(0x40, 100);
    outb(0x40, 0);
    CHECK_EQ(i8254_next_deadline(&pit), 100 + 1000);
    CHECK(!i8254_out(&pit, 0));
    i8254_advance(&pit, 1100);
    CHECK_EQ(irq_level, 1);           /* high until reprogrammed */
    CHECK_EQ(i8254_next_deadline(&pit), VCLOCK_NEVER);
    t_now = 1100 + 30;                /* wraps past 0 */
    CHECK_EQ(i8254_count(&pit, 0), 0xfffd);
    outb(0x40, 50);                   /* first byte of a new count: OUT low */
    CHECK_EQ(irq_level, 0);
    outb(0x40, 0);
    CHECK_EQ(i8254_next_deadline(&pit), 1130 + 500);
    teardown();
}

static void test_access_modes_and_readback(void)
{
    setup();
    outb(0x43, 0x90);                 /* ch2, lobyte only, mode 0 */
    outb(0x42, 0x20);
    CHECK_EQ(pit.ch[2].count, 0x20);
    outb(0x43, 0xa0);                 /* ch2, hibyte only */
    outb(0x42, 0x12);
    CHECK_EQ(pit.ch[2].count, 0x1200);
    CHECK_EQ(inb(0x42), 0x12);        /* gate low: paused, reads the high byte */
    outb(0x43, 0x34);
    outb(0x40, 0x00);
    outb(0x40, 0x00);                 /* 0 means 65536 */
    CHECK_EQ(pit.ch[0].count, 0x10000);
    t_now = 10;
    outb(0x43, 0xc2);                 /* read-back: count and status of ch0 */
    CHECK_EQ(inb(0x40), 0x80 | 0x30 | (2 << 1)); /* OUT high, lo/hi, mode 2 */
    CHECK_EQ(read16(0x40), 0xffff);
    outb(0x43, 0xe2);                 /* status only */
    t_now = 20;
    CHECK_EQ(inb(0x40), 0xb4);
    CHECK_EQ(read16(0x40), 0xfffe);   /* count not latched: live */
    outb(0x43, 0x3e);                 /* mode 7 is mode 3 */
    CHECK_EQ(pit.ch[0].mode, 3);
    outb(0x43, 0xc2);
    CHECK_EQ(inb(0x40) & 0x40, 0x40); /* null count until a count is written */
    teardown();
}

static void test_channel2_gate_and_port61(void)
{
    setup();
    outb(0x61, 0x00);
    outb(0x43, 0xb0);                 /* ch2, lo/hi, mode 0 */
    outb(0x42, 50);
    outb(0x42, 0);
    t_now = 1000;
    CHECK_EQ(inb(0x61) & 0x20, 0);    /* gate low: not counting */
    CHECK_EQ(i8254_count(&pit, 2), 50);
    outb(0x61, 0x03);                 /* gate on, speaker on */
    CHECK_EQ(inb(0x61) & 0x03, 0x03);
    t_now = 1000 + 490;
    CHECK_EQ(inb(0x61) & 0x20, 0);
    CHECK_EQ(i8254_count(&pit, 2), 1);
    outb(0x61, 0x02);                 /* pause at 1 tick left */
    t_now = 5000;
    CHECK_EQ(i8254_count(&pit, 2), 1);
    outb(0x61, 0x03);
    t_now = 5010;
    CHECK_EQ(inb(0x61) & 0x20, 0x20); /* terminal count: OUT high */

    /* mode 3: OUT high for the first half of each period */
    outb(0x43, 0xb6);
    outb(0x42, 10);
    outb(0x42, 0);
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
    CHECK_EQ(i8254_count(&pit, 2), 10);
    t_now += 20;
    CHECK_EQ(i8254_count(&pit, 2), 6);  /* counts down by two */
    t_now += 30;
    CHECK_EQ(inb(0x61) & 0x20, 0);
    t_now += 50;
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
    teardown();
}

static void test_refresh_toggle(void)
{
    uint8_t a, b;

    setup();
    a = inb(0x61) & 0x10;
    t_now += 18 * 10;
    b = inb(0x61) & 0x10;
    CHECK(a != b);
    t_now += 18 * 10;
    CHECK_EQ(inb(0x61) & 0x10, a);
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_mode2_periodic_irq);
    RUN(test_mode0_oneshot);
    RUN(test_access_modes_and_readback);
    RUN(test_channel2_gate_and_port61);
    RUN(test_refresh_toggle);
    return test_summary("test_dev_i8254");
}
