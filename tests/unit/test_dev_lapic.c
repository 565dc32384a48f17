/*
 * Local APIC tests: registers through the memory API (xAPIC MMIO mapped at
 * 0xfee00000 in a memory address space) and the MSR entry points (x2APIC),
 * interrupt acceptance and priority, EOI, IPIs to self, errors, the timer in
 * its three modes against a hand-moved clock.
 */
#include "devices/lapic.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static uint64_t t_now;
static uint64_t clock_now(void *ctx) { (void)ctx; return t_now; }
/* 1 GHz guest TSC; the APIC timer runs at 100 MHz before the divider. */
static const VClock clk = { clock_now, NULL, 1000000000ull };
#define BUS_HZ 100000000ull

static MemoryRegion sysmem;
static AddressSpace as;
static Lapic apic;
static int eois[8], nr_eois, notifies;

static void eoi_cb(void *ctx, uint8_t v)
{
    (void)ctx;
    if (nr_eois < 8)
        eois[nr_eois] = v;
    nr_eois++;
}
static void notify_cb(void *ctx) { (void)ctx; notifies++; }

static void setup_id(uint32_t id, bool bsp)
{
    t_now = 0;
    nr_eois = notifies = 0;
    CHECK_EQ(memory_region_init(&sysmem, "memory", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(lapic_init(&apic, "lapic", id, bsp, &clk, BUS_HZ), MR_OK);
    apic.eoi_cb = eoi_cb;
    apic.notify = notify_cb;
    CHECK_EQ(memory_region_add_subregion(&sysmem, LAPIC_DEFAULT_BASE, &apic.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &sysmem, "memory"), MR_OK);
}
static void setup(void) { setup_id(3, true); }

static void teardown(void)
{
    address_space_destroy(&as);
    CHECK_EQ(lapic_destroy(&apic), MR_EBUSY);
    CHECK_EQ(memory_region_del_subregion(&sysmem, &apic.mr), MR_OK);
    CHECK_EQ(lapic_destroy(&apic), MR_OK);
    CHECK_EQ(memory_region_destroy(&sysmem), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static uint32_t rd(unsigned off)
{
    uint32_t v = 0xdeadbeef;

    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + off, &v, 4), MEMTX_OK);
    return v;
}
static void wr(unsigned off, uint32_t v)
{
    CHECK_EQ(address_space_write(&as, LAPIC_DEFAULT_BASE + off, &v, 4), MEMTX_OK);
}
static void enable(void) { wr(LAPIC_SVR, APIC_SVR_ENABLE | 0xff); }
/* Nothing decodes the register's address: all ones, a decode error. */
static bool unmapped(unsigned off)
{
    uint32_t v = 0;

    return address_space_read(&as, LAPIC_DEFAULT_BASE + off, &v, 4) == MEMTX_DECODE_ERROR &&
           v == 0xffffffff;
}
static uint64_t msr_rd(uint32_t msr)
{
    uint64_t v = 0xdead;

    CHECK_EQ(lapic_msr_read(&apic, msr, &v), LAPIC_MSR_OK);
    return v;
}
static bool irr_bit(unsigned v) { return rd(LAPIC_IRR + (v / 32) * 16) >> (v % 32) & 1; }
static bool isr_bit(unsigned v) { return rd(LAPIC_ISR + (v / 32) * 16) >> (v % 32) & 1; }
static bool tmr_bit(unsigned v) { return rd(LAPIC_TMR + (v / 32) * 16) >> (v % 32) & 1; }

/* ---------------------------------------------------------------- tests */
static void test_reset_values(void)
{
    setup();
    CHECK_EQ(rd(LAPIC_ID), 3u << 24);
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    CHECK_EQ(rd(LAPIC_SVR), 0xff);
    CHECK_EQ(rd(LAPIC_DFR), 0xffffffff);
    CHECK_EQ(rd(LAPIC_TPR), 0);
    CHECK_EQ(rd(LAPIC_PPR), 0);
    CHECK_EQ(rd(LAPIC_LVT_TIMER), APIC_LVT_MASKED);
    CHECK_EQ(rd(LAPIC_LVT_ERROR), APIC_LVT_MASKED);
    CHECK_EQ(rd(LAPIC_LVT_LINT0), 0x700); /* BSP: ExtINT, unmasked */
    CHECK_EQ(rd(LAPIC_LVT_LINT1), 0x400); /* BSP: NMI */
    CHECK_EQ(msr_rd(MSR_IA32_APIC_BASE), 0xfee00000ull | APIC_BASE_EN | APIC_BASE_BSP);
    CHECK(lapic_accepts_pic_intr(&apic));
    CHECK(!lapic_enabled(&apic));
    teardown();

    setup_id(1, false); /* an AP: LINT0/1 masked, no BSP bit */
    CHECK_EQ(rd(LAPIC_LVT_LINT0), APIC_LVT_MASKED);
    CHECK_EQ(msr_rd(MSR_IA32_APIC_BASE), 0xfee00000ull | APIC_BASE_EN);
    CHECK(!lapic_accepts_pic_intr(&apic));
    teardown();
}

static void test_sub_dword_access(void)
{
    uint8_t b = 0;
    uint16_t h = 0;

    setup();
    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + LAPIC_ID + 3, &b, 1), MEMTX_OK);
    CHECK_EQ(b, 3);
    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + LAPIC_VER + 2, &h, 2), MEMTX_OK);
    CHECK_EQ(h, 0x0005);
    CHECK_EQ(rd(LAPIC_VER + 4), 0); /* inside the 16-byte slot: not a register */
    teardown();
}

static void test_software_enable(void)
{
    setup();
    CHECK(!lapic_set_irr(&apic, 0x40, false)); /* disabled: dropped */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    wr(LAPIC_LVT_ERROR, 0x33); /* unmask refused while disabled */
    CHECK_EQ(rd(LAPIC_LVT_ERROR), 0x33 | APIC_LVT_MASKED);
    enable();
    CHECK(lapic_enabled(&apic));
    wr(LAPIC_LVT_ERROR, 0x33);
    CHECK_EQ(rd(LAPIC_LVT_ERROR), 0x33);
    wr(LAPIC_LVT_TIMER, 0x20 | APIC_LVT_TIMER_PERIODIC);
    CHECK_EQ(rd(LAPIC_LVT_TIMER), 0x20 | APIC_LVT_TIMER_PERIODIC);
    CHECK(lapic_set_irr(&apic, 0x40, false));
    CHECK_EQ(notifies, 1);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x40);
    wr(LAPIC_SVR, 0xff); /* software disable: every LVT masked, nothing delivered */
    CHECK_EQ(rd(LAPIC_LVT_ERROR), 0x33 | APIC_LVT_MASKED);
    CHECK_EQ(rd(LAPIC_LVT_TIMER), 0x20 | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED);
    CHECK_EQ(rd(LAPIC_LVT_LINT0), 0x700 | APIC_LVT_MASKED);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    CHECK(irr_bit(0x40)); /* held, not lost */
    wr(LAPIC_SVR, 0x1ff);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x40);
    teardown();
}

static void test_priority_and_ack(void)
{
    setup();
    enable();
    lapic_set_irr(&apic, 0x31, false);
    lapic_set_irr(&apic, 0x52, false);
    lapic_set_irr(&apic, 0x45, false);
    CHECK(irr_bit(0x31) && irr_bit(0x52) && irr_bit(0x45));
    CHECK_EQ(lapic_has_interrupt(&apic), 0x52);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x52);
    CHECK(!irr_bit(0x52));
    CHECK(isr_bit(0x52));
    CHECK_EQ(rd(LAPIC_PPR), 0x50);
    CHECK_EQ(lapic_has_interrupt(&apic), -1); /* 0x45 is below class 5 */
    lapic_set_irr(&apic, 0x5f, false);        /* same class: still blocked */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    lapic_set_irr(&apic, 0x60, false);        /* higher class: nests */
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x60);
    CHECK_EQ(rd(LAPIC_PPR), 0x60);
    wr(LAPIC_EOI, 0);                         /* clears the highest ISR bit: 0x60 */
    CHECK(!isr_bit(0x60));
    CHECK(isr_bit(0x52));
    CHECK_EQ(rd(LAPIC_PPR), 0x50);
    wr(LAPIC_EOI, 0);
    CHECK_EQ(rd(LAPIC_PPR), 0);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x5f);

    /* TPR: PPR = TPR when its class is >= the ISR class, else the ISR class */
    wr(LAPIC_TPR, 0x5a);
    CHECK_EQ(rd(LAPIC_TPR), 0x5a);
    CHECK_EQ(rd(LAPIC_PPR), 0x5a);
    CHECK_EQ(lapic_has_interrupt(&apic), -1); /* 0x5f: class 5 not above 5 */
    wr(LAPIC_TPR, 0x4f);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x5f);
    CHECK_EQ(rd(LAPIC_PPR), 0x50);            /* ISR class 5 > TPR class 4 */
    wr(LAPIC_TPR, 0x57);
    CHECK_EQ(rd(LAPIC_PPR), 0x57);            /* equal classes: TPR wins */
    wr(LAPIC_TPR, 0x1ff);                     /* only 7:0 are kept */
    CHECK_EQ(rd(LAPIC_TPR), 0xff);
    CHECK_EQ(rd(LAPIC_PPR), 0xff);
    CHECK_EQ(lapic_ack_interrupt(&apic), -1);
    teardown();
}

static void test_eoi_level_callback(void)
{
    setup();
    enable();
    CHECK(lapic_set_irr(&apic, 0x61, true)); /* level: TMR set */
    CHECK(tmr_bit(0x61));
    CHECK(lapic_set_irr(&apic, 0x41, false));
    CHECK(!tmr_bit(0x41));
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x61);
    wr(LAPIC_EOI, 0);
    CHECK_EQ(nr_eois, 1);
    CHECK_EQ(eois[0], 0x61);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x41);
    wr(LAPIC_EOI, 0);
    CHECK_EQ(nr_eois, 1); /* edge: no broadcast */
    wr(LAPIC_EOI, 0);     /* nothing in service: harmless */
    CHECK_EQ(nr_eois, 1);
    CHECK(!lapic_set_irr(&apic, 7, false)); /* illegal vector */
    wr(LAPIC_ESR, 0);
    CHECK_EQ(rd(LAPIC_ESR), APIC_ESR_RECV_ILLEGAL);
    wr(LAPIC_ESR, 0);
    CHECK_EQ(rd(LAPIC_ESR), 0);
    teardown();
}

static void test_self_ipi(void)
{
    setup();
    enable();
    wr(LAPIC_ICR, (1u << 18) | 0x44); /* shorthand self, fixed */
    CHECK_EQ(lapic_has_interrupt(&apic), 0x44);
    CHECK_EQ(rd(LAPIC_ICR), (1u << 18) | 0x44); /* delivery status idle */
    wr(LAPIC_ICR2, 3u << 24);
    wr(LAPIC_ICR, 0x55);                       /* physical destination = self */
    CHECK(irr_bit(0x55));
    wr(LAPIC_ICR2, 4u << 24);
    wr(LAPIC_ICR, 0x66);                       /* someone else */
    CHECK(!irr_bit(0x66));
    CHECK_EQ(apic.ipis_other, 1);
    wr(LAPIC_ICR, (3u << 18) | 0x67);          /* all excluding self */
    CHECK(!irr_bit(0x67));
    wr(LAPIC_ICR, (2u << 18) | 0x68);          /* all including self */
    CHECK(irr_bit(0x68));
    wr(LAPIC_ICR, (1u << 18) | (APIC_DM_NMI << 8));
    CHECK(apic.nmi_pending);
    /* illegal vector: send error, delivered through the error LVT */
    wr(LAPIC_LVT_ERROR, 0xe0);
    wr(LAPIC_ICR, (1u << 18) | 0x03);
    CHECK(irr_bit(0xe0));
    CHECK(!irr_bit(0x03));
    wr(LAPIC_ESR, 0);
    CHECK_EQ(rd(LAPIC_ESR), APIC_ESR_SEND_ILLEGAL);
    teardown();
}

static void test_deliver_destinations(void)
{
    setup();
    enable();
    CHECK(lapic_deliver(&apic, 3, false, APIC_DM_FIXED, 0x40, false));
    CHECK(!lapic_deliver(&apic, 2, false, APIC_DM_FIXED, 0x41, false));
    CHECK(lapic_deliver(&apic, 0xff, false, APIC_DM_FIXED, 0x42, false));
    CHECK(!lapic_deliver(&apic, 0x01, true, APIC_DM_FIXED, 0x43, false)); /* LDR 0 */
    wr(LAPIC_LDR, 0x04000000);               /* flat: bit 2 */
    CHECK(lapic_deliver(&apic, 0x06, true, APIC_DM_LOWEST, 0x44, false));
    CHECK(!lapic_deliver(&apic, 0x01, true, APIC_DM_FIXED, 0x45, false));
    wr(LAPIC_DFR, 0x0fffffff);               /* cluster: cluster 0, member bit 2 */
    CHECK_EQ(rd(LAPIC_DFR), 0x0fffffff);
    CHECK(lapic_deliver(&apic, 0x04, true, APIC_DM_FIXED, 0x46, false));
    CHECK(!lapic_deliver(&apic, 0x14, true, APIC_DM_FIXED, 0x47, false));
    CHECK(irr_bit(0x40) && !irr_bit(0x41) && irr_bit(0x42) && !irr_bit(0x43));
    CHECK(irr_bit(0x44) && !irr_bit(0x45) && irr_bit(0x46) && !irr_bit(0x47));
    CHECK(lapic_deliver(&apic, 3, false, APIC_DM_NMI, 0, false));
    CHECK(apic.nmi_pending);
    CHECK(lapic_deliver(&apic, 3, false, APIC_DM_STARTUP, 0x9a, false));
    CHECK(apic.sipi_pending);
    CHECK_EQ(apic.sipi_vector, 0x9a);
    teardown();
}

static void test_lint_pins(void)
{
    setup();
    enable(); /* SVR write does not touch LVTs when enabling */
    CHECK(lapic_accepts_pic_intr(&apic));
    lapic_set_lint(&apic, 1, 1);
    CHECK(apic.nmi_pending);
    apic.nmi_pending = false;
    lapic_set_lint(&apic, 1, 1); /* no new edge */
    CHECK(!apic.nmi_pending);
    wr(LAPIC_LVT_LINT0, 0x39);   /* fixed mode, vector 0x39 */
    CHECK(!lapic_accepts_pic_intr(&apic));
    lapic_set_lint(&apic, 0, 1);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x39);
    wr(LAPIC_LVT_LINT0, 0x700 | APIC_LVT_MASKED);
    CHECK(!lapic_accepts_pic_intr(&apic));
    /* globally disabled: the 8259 reaches the CPU directly */
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull), LAPIC_MSR_OK);
    CHECK(lapic_accepts_pic_intr(&apic));
    CHECK(unmapped(LAPIC_VER)); /* MMIO gone while disabled */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN),
             LAPIC_MSR_OK);
    CHECK(!irr_bit(0x39));      /* disabling reset the state */
    teardown();
}

static void test_x2apic_msrs(void)
{
    uint64_t v;

    setup();
    CHECK_EQ(lapic_msr_read(&apic, 0x802, &v), LAPIC_GP); /* xAPIC mode */
    CHECK_EQ(lapic_msr_read(&apic, 0x10, &v), LAPIC_NOT_MINE);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EXTD), LAPIC_GP);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN | 1), LAPIC_GP);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
                             0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD), LAPIC_MSR_OK);
    CHECK(lapic_x2apic_mode(&apic));
    CHECK_EQ(msr_rd(MSR_IA32_APIC_BASE), 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP);
    CHECK_EQ(msr_rd(0x802), 3);            /* full 32-bit ID */
    CHECK_EQ(msr_rd(0x803), 0x00050014);
    CHECK_EQ(msr_rd(0x80d), (0u << 16) | (1u << 3)); /* logical ID from the APIC ID */
    CHECK(unmapped(LAPIC_VER));            /* MMIO does not answer in x2APIC mode */
    CHECK_EQ(lapic_msr_write(&apic, 0x802, 5), LAPIC_GP);   /* ID read-only */
    CHECK_EQ(lapic_msr_write(&apic, 0x80d, 5), LAPIC_GP);   /* LDR read-only */
    CHECK_EQ(lapic_msr_write(&apic, 0x803, 0), LAPIC_GP);   /* version */
    CHECK_EQ(lapic_msr_read(&apic, 0x80e, &v), LAPIC_GP);   /* no DFR */
    CHECK_EQ(lapic_msr_read(&apic, 0x831, &v), LAPIC_GP);   /* no ICR2 */
    CHECK_EQ(lapic_msr_read(&apic, 0x80b, &v), LAPIC_GP);   /* EOI write-only */
    CHECK_EQ(lapic_msr_read(&apic, 0x83f, &v), LAPIC_GP);   /* SELF_IPI write-only */
    CHECK_EQ(lapic_msr_read(&apic, 0x82f, &v), LAPIC_GP);   /* no CMCI LVT */
    CHECK_EQ(lapic_msr_write(&apic, 0x80f, 0x1ff), LAPIC_MSR_OK);
    CHECK_EQ(lapic_msr_write(&apic, 0x808, 1ull << 32), LAPIC_GP); /* reserved high half */
    CHECK_EQ(lapic_msr_write(&apic, 0x83f, 0x52), LAPIC_MSR_OK);   /* self IPI */
    CHECK_EQ(lapic_has_interrupt(&apic), 0x52);
    CHECK_EQ(lapic_msr_write(&apic, 0x830, (3ull << 32) | 0x53), LAPIC_MSR_OK);
    CHECK_EQ(msr_rd(0x830), (3ull << 32) | 0x53);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x53);
    CHECK_EQ(lapic_msr_write(&apic, 0x830, (4ull << 32) | 0x54), LAPIC_MSR_OK);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x53); /* not for us */
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x53);
    CHECK_EQ(msr_rd(0x810 + 2), 1u << (0x53 - 64)); /* ISR word 2 */
    CHECK_EQ(lapic_msr_write(&apic, 0x80b, 1), LAPIC_GP); /* EOI must be 0 */
    CHECK_EQ(lapic_msr_write(&apic, 0x80b, 0), LAPIC_MSR_OK);
    CHECK_EQ(msr_rd(0x812), 0);
    CHECK_EQ(lapic_msr_write(&apic, 0x828, 1), LAPIC_GP); /* ESR: write 0 only */
    /* x2APIC -> xAPIC directly is refused; disable first */
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN), LAPIC_GP);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull), LAPIC_MSR_OK);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
                             0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD), LAPIC_GP);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN), LAPIC_MSR_OK);
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    teardown();
}

static void test_timer_oneshot(void)
{
    setup();
    enable();
    wr(LAPIC_TDCR, 0x3);            /* divide by 16 */
    wr(LAPIC_LVT_TIMER, 0x50);      /* one-shot */
    t_now = 1000;
    wr(LAPIC_TMICT, 1000);          /* 16000 bus ticks = 160 us at 1 GHz TSC */
    CHECK_EQ(rd(LAPIC_TMICT), 1000);
    CHECK_EQ(lapic_next_deadline(&apic), 1000 + 160000);
    t_now = 1000 + 80000;
    CHECK_EQ(rd(LAPIC_TMCCT), 500);
    lapic_advance(&apic, 1000 + 159999);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    lapic_advance(&apic, 1000 + 160000);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x50);
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    t_now = 1000 + 200000;
    CHECK_EQ(rd(LAPIC_TMCCT), 0);
    lapic_advance(&apic, t_now + 1000000);
    CHECK_EQ(apic.timer_fires, 1);  /* one-shot: once */
    wr(LAPIC_TMICT, 10);
    wr(LAPIC_TMICT, 0);             /* zero stops it */
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    teardown();
}

static void test_timer_divider(void)
{
    static const struct { uint32_t tdcr, div; } t[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    size_t i;

    setup();
    enable();
    wr(LAPIC_LVT_TIMER, 0x50);
    for (i = 0; i < ARRAY_SIZE(t); i++) {
        wr(LAPIC_TDCR, t[i].tdcr);
        CHECK_EQ(rd(LAPIC_TDCR), t[i].tdcr);
        wr(LAPIC_TMICT, 100);
        CHECK_EQ(lapic_next_deadline(&apic), 100ull * t[i].div * 10); /* 10 TSC ticks per bus tick */
    }
    wr(LAPIC_TDCR, 0xff);
    CHECK_EQ(rd(LAPIC_TDCR), 0xb);
    teardown();
}

static void test_timer_periodic(void)
{
    setup();
    enable();
    wr(LAPIC_TDCR, 0x3);
    wr(LAPIC_LVT_TIMER, 0x51 | APIC_LVT_TIMER_PERIODIC);
    wr(LAPIC_TMICT, 1000);          /* period 160000 */
    lapic_advance(&apic, 160000);
    CHECK_EQ(lapic_ack_interrupt(&apic), 0x51);
    wr(LAPIC_EOI, 0);
    CHECK_EQ(lapic_next_deadline(&apic), 320000);
    lapic_advance(&apic, 500000);   /* three periods late: one interrupt */
    CHECK_EQ(apic.timer_fires, 2);
    CHECK_EQ(lapic_next_deadline(&apic), 640000);
    t_now = 480000 + 40000;
    CHECK_EQ(rd(LAPIC_TMCCT), 750);
    t_now = 480000 + 160000 + 40000; /* without advance: still reloads */
    CHECK_EQ(rd(LAPIC_TMCCT), 750);
    /* periodic -> one-shot keeps counting, stops at 0 */
    wr(LAPIC_LVT_TIMER, 0x51);
    CHECK_EQ(apic.timer_fires, 3);  /* the write caught up with 640000 first */
    CHECK_EQ(lapic_next_deadline(&apic), 800000);
    lapic_advance(&apic, 800000);
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    teardown();
}

static void test_timer_masked(void)
{
    setup();
    enable();
    wr(LAPIC_TDCR, 0xb);
    wr(LAPIC_LVT_TIMER, 0x52 | APIC_LVT_MASKED);
    wr(LAPIC_TMICT, 100);               /* 1000 TSC ticks */
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    t_now = 500;
    CHECK_EQ(rd(LAPIC_TMCCT), 50);      /* counts while masked */
    t_now = 2000;
    wr(LAPIC_LVT_TIMER, 0x52);          /* unmask after expiry: no interrupt */
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    CHECK_EQ(apic.timer_fires, 1);
    teardown();
}

static void test_timer_tsc_deadline(void)
{
    setup();
    enable();
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 5000), LAPIC_MSR_OK);
    CHECK_EQ(msr_rd(MSR_IA32_TSC_DEADLINE), 0); /* not in deadline mode: ignored */
    wr(LAPIC_LVT_TIMER, 0x60 | APIC_LVT_TIMER_TSCDEADLINE);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 5000), LAPIC_MSR_OK);
    CHECK_EQ(msr_rd(MSR_IA32_TSC_DEADLINE), 5000);
    CHECK_EQ(lapic_next_deadline(&apic), 5000);
    wr(LAPIC_TMICT, 77);                /* ignored in this mode */
    CHECK_EQ(rd(LAPIC_TMICT), 0);
    CHECK_EQ(rd(LAPIC_TMCCT), 0);
    lapic_advance(&apic, 4999);
    CHECK_EQ(lapic_has_interrupt(&apic), -1);
    lapic_advance(&apic, 5000);
    CHECK_EQ(lapic_has_interrupt(&apic), 0x60);
    CHECK_EQ(msr_rd(MSR_IA32_TSC_DEADLINE), 0); /* cleared when it fires */
    CHECK_EQ(lapic_next_deadline(&apic), VCLOCK_NEVER);
    lapic_ack_interrupt(&apic);
    wr(LAPIC_EOI, 0);
    t_now = 9000;
    lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 8000); /* in the past: at once */
    CHECK_EQ(lapic_has_interrupt(&apic), 0x60);
    lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 20000);
    wr(LAPIC_LVT_TIMER, 0x60);          /* leaving deadline mode disarms */
    wr(LAPIC_LVT_TIMER, 0x60 | APIC_LVT_TIMER_TSCDEADLINE);
    CHECK_EQ(msr_rd(MSR_IA32_TSC_DEADLINE), 0);
    teardown();
}

static void test_illegal_register(void)
{
    setup();
    enable();
    CHECK_EQ(rd(0x3c0), 0);         /* reserved */
    wr(LAPIC_ESR, 0);
    CHECK_EQ(rd(LAPIC_ESR), APIC_ESR_ILLEGAL_REG);
    wr(LAPIC_VER, 0x1234);          /* read-only: ignored in xAPIC mode */
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    wr(LAPIC_ID, 9u << 24);         /* xAPIC ID is writable */
    CHECK_EQ(rd(LAPIC_ID), 9u << 24);
    teardown();
}

/* The xAPIC page is decoded only while the APIC is globally enabled in
 * xAPIC mode, at the base IA32_APIC_BASE names (SDM Vol. 3A 10.4.3-5):
 * disabled or in x2APIC mode the addresses are unassigned (reads all ones,
 * writes dropped); a new base moves the page. */
static void test_apic_base_mapping(void)
{
    uint32_t v = 0, ones = 0xffffffff;

    setup();
    enable();
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_BSP),
             LAPIC_MSR_OK);
    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + LAPIC_VER, &v, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(address_space_write(&as, LAPIC_DEFAULT_BASE + LAPIC_TPR, &ones, 4),
             MEMTX_DECODE_ERROR);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN),
             LAPIC_MSR_OK);
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    CHECK_EQ(rd(LAPIC_TPR), 0);        /* the dropped write reached nothing */
    /* x2APIC: the page goes away */
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
                             0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD), LAPIC_MSR_OK);
    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + LAPIC_VER, &v, 4), MEMTX_DECODE_ERROR);
    /* back to xAPIC (through disabled) at another base */
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull), LAPIC_MSR_OK);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfed40000ull | APIC_BASE_EN),
             LAPIC_MSR_OK);
    CHECK_EQ(address_space_read(&as, 0xfed40000ull + LAPIC_VER, &v, 4), MEMTX_OK);
    CHECK_EQ(v, 0x00050014);
    CHECK_EQ(address_space_read(&as, LAPIC_DEFAULT_BASE + LAPIC_VER, &v, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN),
             LAPIC_MSR_OK);
    CHECK_EQ(rd(LAPIC_VER), 0x00050014);
    /* an address bit at or above MAXPHYADDR is reserved */
    lapic_set_phys_bits(&apic, 39);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
                             0xfee00000ull | APIC_BASE_EN | (1ull << 39)), LAPIC_GP);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
                             0xfee00000ull | APIC_BASE_EN | (1ull << 38)), LAPIC_MSR_OK);
    CHECK_EQ(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_EN),
             LAPIC_MSR_OK);
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_reset_values);
    RUN(test_sub_dword_access);
    RUN(test_software_enable);
    RUN(test_priority_and_ack);
    RUN(test_eoi_level_callback);
    RUN(test_self_ipi);
    RUN(test_deliver_destinations);
    RUN(test_lint_pins);
    RUN(test_x2apic_msrs);
    RUN(test_timer_oneshot);
    RUN(test_timer_divider);
    RUN(test_timer_periodic);
    RUN(test_timer_masked);
    RUN(test_timer_tsc_deadline);
    RUN(test_illegal_register);
    RUN(test_apic_base_mapping);
    return test_summary("test_dev_lapic");
}
