/*
 * CMOS RTC tests through an `io` address space against a hand-moved clock:
 * time and date in BCD and binary, 12/24-hour, setting the time with SET,
 * register A/B/C/D, UIP, NMI mask bit, memory-size bytes, periodic and
 * update-ended interrupts on IRQ 8 and register C clearing.
 */
#include "devices/rtc.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define HZ 1000000000ull
static uint64_t t_now;
static uint64_t clock_now(void *ctx) { (void)ctx; return t_now; }
static const VClock clk = { clock_now, NULL, HZ };

static MemoryRegion io_root;
static AddressSpace io_as;
static Rtc rtc;
static int irq8 = -1;

static void irq_cb(void *o, int n, int level) { (void)o; (void)n; irq8 = level; }

/* 2024-02-29 13:45:30 UTC, a Thursday */
#define T0 1709214330ll

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
static uint8_t cmos(uint8_t i) { outb(0x70, i); return inb(0x71); }
static void cmos_w(uint8_t i, uint8_t v) { outb(0x70, i); outb(0x71, v); }

static void setup(void)
{
    t_now = 5 * HZ;
    irq8 = -1;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(rtc_init(&rtc, &clk, T0), MR_OK);
    rtc_set_irq(&rtc, irq_line(irq_cb, NULL, 8));
    CHECK_EQ(irq8, 0);
    CHECK_EQ(memory_region_add_subregion(&io_root, RTC_PORT, &rtc.mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    memory_region_del_subregion(&io_root, &rtc.mr);
    CHECK_EQ(rtc_destroy(&rtc), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void test_time_bcd_binary_12h(void)
{
    setup();
    CHECK_EQ(cmos(0x00), 0x30);
    CHECK_EQ(cmos(0x02), 0x45);
    CHECK_EQ(cmos(0x04), 0x13);
    CHECK_EQ(cmos(0x06), 5);          /* Thursday: 1 = Sunday */
    CHECK_EQ(cmos(0x07), 0x29);
    CHECK_EQ(cmos(0x08), 0x02);
    CHECK_EQ(cmos(0x09), 0x24);
    CHECK_EQ(cmos(0x32), 0x20);
    CHECK_EQ(cmos(0x0a), 0x26);
    CHECK_EQ(cmos(0x0b), 0x02);
    CHECK_EQ(cmos(0x0d), 0x80);
    t_now += 45 * HZ;                 /* 13:46:15 */
    CHECK_EQ(cmos(0x00), 0x15);
    CHECK_EQ(cmos(0x02), 0x46);
    cmos_w(0x0b, 0x06);               /* binary, 24h */
    CHECK_EQ(cmos(0x00), 15);
    CHECK_EQ(cmos(0x04), 13);
    cmos_w(0x0b, 0x04);               /* binary, 12h: 1 PM */
    CHECK_EQ(cmos(0x04), 0x81);
    cmos_w(0x0b, 0x00);               /* BCD, 12h */
    CHECK_EQ(cmos(0x04), 0x81);
    t_now += (uint64_t)(10 * 3600 + 14 * 60) * HZ; /* 2024-03-01 00:00:15 */
    CHECK_EQ(cmos(0x04), 0x12);       /* 12 AM */
    CHECK_EQ(cmos(0x07), 0x01);
    CHECK_EQ(cmos(0x08), 0x03);
    CHECK_EQ(cmos(0x06), 6);          /* Friday */
    CHECK_EQ(rtc_time(&rtc), T0 + 45 + 10 * 3600 + 14 * 60);
    teardown();
}

static void test_set_time(void)
{
    setup();
    cmos_w(0x0b, 0x82);               /* SET, 24h, BCD */
    cmos_w(0x09, 0x99);
    cmos_w(0x32, 0x19);
    cmos_w(0x08, 0x12);
    cmos_w(0x07, 0x31);
    cmos_w(0x04, 0x23);
    cmos_w(0x02, 0x59);
    cmos_w(0x00, 0x58);
    t_now += 10 * HZ;                 /* stopped while SET */
    CHECK_EQ(cmos(0x00), 0x58);
    CHECK_EQ(cmos(0x0a) & 0x80, 0);   /* no UIP while SET */
    cmos_w(0x0b, 0x02);
    t_now += 3 * HZ;                  /* 1999-12-31 23:59:58 + 3 s */
    CHECK_EQ(cmos(0x00), 0x01);
    CHECK_EQ(cmos(0x09), 0x00);
    CHECK_EQ(cmos(0x32), 0x20);
    CHECK_EQ(cmos(0x08), 0x01);
    CHECK_EQ(rtc_time(&rtc), 946684801);
    cmos_w(0x02, 0x30);               /* a write without SET moves the time too */
    CHECK_EQ(cmos(0x02), 0x30);
    CHECK_EQ(rtc_time(&rtc), 946684801 + 30 * 60);
    teardown();
}

static void test_uip_nmi_and_memory(void)
{
    setup();
    t_now = 5 * HZ + HZ - 100000;     /* 100 us before the next second */
    CHECK(cmos(0x0a) & 0x80);
    t_now = 5 * HZ + HZ / 2;
    CHECK_EQ(cmos(0x0a) & 0x80, 0);
    outb(0x70, 0x80 | 0x0d);
    CHECK(rtc_nmi_masked(&rtc));
    CHECK_EQ(inb(0x71), 0x80);        /* index 0x0d despite the NMI bit */
    outb(0x70, 0x0d);
    CHECK(!rtc_nmi_masked(&rtc));
    rtc_set_memory(&rtc, 3ull << 30, 5ull << 30);    /* 3 GiB + 5 GiB high */
    CHECK_EQ(cmos(0x15) | cmos(0x16) << 8, 640);
    CHECK_EQ(cmos(0x17) | cmos(0x18) << 8, 0xffff);  /* capped */
    CHECK_EQ(cmos(0x30) | cmos(0x31) << 8, 0xffff);
    CHECK_EQ(cmos(0x34) | cmos(0x35) << 8, ((3ull << 30) - (16 << 20)) >> 16);
    CHECK_EQ(cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16, (5ull << 30) >> 16);
    rtc_set_memory(&rtc, 32 << 20, 0);
    CHECK_EQ(cmos(0x17) | cmos(0x18) << 8, 31 * 1024);
    CHECK_EQ(cmos(0x34) | cmos(0x35) << 8, 256);
    CHECK_EQ(cmos(0x5d), 0);
    cmos_w(0x40, 0x5a);               /* plain storage */
    CHECK_EQ(cmos(0x40), 0x5a);
    cmos_w(0x0d, 0);                  /* D is read-only */
    CHECK_EQ(cmos(0x0d), 0x80);
    teardown();
}

static void test_periodic_interrupt(void)
{
    uint64_t d;

    setup();
    CHECK_EQ(rtc_next_deadline(&rtc), VCLOCK_NEVER);
    cmos_w(0x0a, 0x2f);               /* rate 15: 2 Hz */
    cmos_w(0x0b, 0x42);               /* PIE */
    d = rtc_next_deadline(&rtc);
    CHECK_EQ(d, 5 * HZ + HZ / 2);
    rtc_advance(&rtc, d - 1);
    CHECK_EQ(irq8, 0);
    t_now = d;
    rtc_advance(&rtc, d);
    CHECK_EQ(irq8, 1);
    CHECK_EQ(rtc_next_deadline(&rtc), VCLOCK_NEVER); /* until C is read */
    CHECK_EQ(cmos(0x0c), 0xc0);                      /* IRQF | PF */
    CHECK_EQ(irq8, 0);
    CHECK_EQ(cmos(0x0c), 0);                         /* read clears */
    CHECK_EQ(rtc_next_deadline(&rtc), 6 * HZ);
    cmos_w(0x0a, 0x26);               /* 1024 Hz */
    CHECK_EQ(rtc_next_deadline(&rtc), 5 * HZ + HZ / 2 + (HZ + 1023) / 1024); /* rounded up */
    cmos_w(0x0a, 0x06);               /* divider stopped: no periodic */
    CHECK_EQ(rtc_next_deadline(&rtc), VCLOCK_NEVER);
    teardown();
}

static void test_update_and_alarm(void)
{
    uint64_t d;

    setup();
    cmos_w(0x0b, 0x12);               /* UIE */
    d = rtc_next_deadline(&rtc);
    CHECK_EQ(d, 6 * HZ);
    t_now = d;
    rtc_advance(&rtc, d);
    CHECK_EQ(irq8, 1);
    CHECK_EQ(cmos(0x0c), 0xd0);       /* IRQF | UF, and PF: 1024 Hz runs without PIE */
    CHECK_EQ(irq8, 0);
    cmos_w(0x0b, 0x22);               /* AIE only */
    cmos_w(0x01, 0x35);               /* alarm at hh:mm:35 */
    cmos_w(0x03, 0xc0);
    cmos_w(0x05, 0xff);
    t_now = d + 3 * HZ;               /* :34 */
    rtc_advance(&rtc, t_now);
    CHECK_EQ(irq8, 0);
    CHECK_EQ(cmos(0x0c), 0x50);       /* UF and PF without enables: no IRQF */
    t_now += HZ;                      /* :35 */
    rtc_advance(&rtc, t_now);
    CHECK_EQ(irq8, 1);
    CHECK_EQ(cmos(0x0c), 0xf0);       /* IRQF | PF | AF | UF */
    cmos_w(0x0b, 0x92);               /* SET clears UIE */
    CHECK_EQ(cmos(0x0b), 0x82);
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_time_bcd_binary_12h);
    RUN(test_set_time);
    RUN(test_uip_nmi_and_memory);
    RUN(test_periodic_interrupt);
    RUN(test_update_and_alarm);
    return test_summary("test_dev_rtc");
}
