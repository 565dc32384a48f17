/*
 * Interrupt injection on the pc machine (pc_intr_next, pc_nmi,
 * pc_next_deadline/pc_advance in hv/guest/pc.c) against a fake vCPU: the
 * CPU state (IF, STI/MOV SS blocking, an event already queued) decides
 * between injecting now and asking for an interrupt window; the local
 * APIC's priority rules (TPR, ISR, EOI) and the 8259 path through LINT0
 * pick the vector; the APIC timer fires through the guest's clock.
 */
#include "hv/guest/pc.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define MEM (16ull << 20)

static struct pc_machine m;
static uint8_t *ram;
static uint64_t now;

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return now;
}

static const VClock clock = {clock_now, NULL, PC_TSC_HZ};

/* The fake vCPU: what the VT-x layer would read from the VMCS. */
static struct intr_cpu cpu;

static void apic_write(unsigned reg, uint32_t v)
{
    address_space_write(&m.as_mem, LAPIC_DEFAULT_BASE + reg, &v, 4);
}

static void ioapic_route(unsigned pin, uint8_t vector)
{
    uint32_t v = 0x10 + 2 * pin;

    address_space_write(&m.as_mem, IOAPIC_DEFAULT_BASE, &v, 4);
    v = vector;
    address_space_write(&m.as_mem, IOAPIC_DEFAULT_BASE + 0x10, &v, 4);
}

static void line(unsigned n, int level)
{
    uint64_t v = (uint64_t)level;

    address_space_write(&m.as_io, PC_TESTDEV_IRQ_PORT + n, &v, 1);
}

static void fresh(void)
{
    if (m.built)
        pc_destroy(&m);
    now = 0;
    CHECK_EQ(pc_build(&m, ram, MEM, &clock), MR_OK);
    apic_write(0xf0, 0x1ff); /* software enable */
    cpu = (struct intr_cpu){.if_flag = true};
}

static void test_nothing_pending(void)
{
    uint8_t v = 0;

    fresh();
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE);
    cpu.if_flag = false;
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE); /* no window without a reason */
}

/* Pending but not takeable: a window, and the vector stays pending. */
static void test_window(void)
{
    uint8_t v = 0;

    fresh();
    ioapic_route(5, 0x55);
    line(5, 1);
    cpu.if_flag = false;
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_WINDOW);
    cpu = (struct intr_cpu){.if_flag = true, .blocked = true};
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_WINDOW);
    cpu = (struct intr_cpu){.if_flag = true, .event_queued = true};
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_WINDOW);
    CHECK_EQ(lapic_has_interrupt(&m.lapic), 0x55);   /* not acknowledged */
    cpu = (struct intr_cpu){.if_flag = true};
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_INJECT);
    CHECK_EQ(v, 0x55);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE); /* in service now */
}

/* Priority: the higher class first; the TPR holds back what is at or
 * below it; EOI lets the next one through. */
static void test_priority_tpr_eoi(void)
{
    uint8_t v = 0;

    fresh();
    ioapic_route(3, 0x33);
    ioapic_route(6, 0x66);
    line(3, 1);
    line(6, 1);
    apic_write(0x80, 0x60); /* TPR: class 6 */
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE);
    apic_write(0x80, 0x50);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_INJECT);
    CHECK_EQ(v, 0x66);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE); /* 0x33 is below the ISR's class */
    apic_write(0x80, 0);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE);
    apic_write(0xb0, 0); /* EOI of 0x66 */
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_INJECT);
    CHECK_EQ(v, 0x33);
}

/* The 8259 reaches the CPU through LINT0 in ExtINT mode (the BSP's reset
 * state): its vector is what gets injected. */
static void test_pic_path(void)
{
    uint64_t b;
    uint8_t v = 0;

    fresh();
    b = 0x11, address_space_write(&m.as_io, 0x20, &b, 1);
    b = 0x30, address_space_write(&m.as_io, 0x21, &b, 1);
    b = 0x04, address_space_write(&m.as_io, 0x21, &b, 1);
    b = 0x01, address_space_write(&m.as_io, 0x21, &b, 1);
    b = 0xef, address_space_write(&m.as_io, 0x21, &b, 1); /* only IRQ 4 */
    line(4, 1);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_INJECT);
    CHECK_EQ(v, 0x34);
    /* LINT0 masked: the 8259 no longer reaches the CPU */
    apic_write(0x350, 0x10000);
    line(4, 0);
    b = 0x20, address_space_write(&m.as_io, 0x20, &b, 1); /* EOI */
    line(4, 1);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE);
}

/* The APIC timer (one-shot, divide by 1) fires at its deadline. */
static void test_timer_deadline(void)
{
    uint8_t v = 0, b;
    uint64_t d;

    fresh();
    /* the BIOS tick is the only deadline until channel 0 is reprogrammed:
     * a control word without a count stops it */
    CHECK(pc_next_deadline(&m) <= PC_TSC_HZ * 55 / 1000);
    b = 0x30, address_space_write(&m.as_io, 0x43, &b, 1);
    CHECK_EQ(pc_next_deadline(&m), VCLOCK_NEVER);
    apic_write(0x3e0, 0xb);    /* divide by 1 */
    apic_write(0x320, 0x40);   /* one-shot, vector 0x40 */
    apic_write(0x380, 1000);   /* initial count */
    d = pc_next_deadline(&m);
    CHECK(d != VCLOCK_NEVER && d > now);
    now = d - 1;
    pc_advance(&m, now);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_NONE);
    now = d;
    pc_advance(&m, now);
    CHECK_EQ(pc_intr_next(&m, &cpu, &v), INTR_INJECT);
    CHECK_EQ(v, 0x40);
    CHECK_EQ(pc_next_deadline(&m), VCLOCK_NEVER); /* one-shot */
}

static void test_nmi(void)
{
    fresh();
    CHECK(!pc_nmi(&m, false));
    /* self-IPI with NMI delivery mode through the ICR */
    apic_write(0x310, 0);
    apic_write(0x300, 0x40400); /* self shorthand, NMI */
    CHECK(pc_nmi(&m, false));
    CHECK(pc_nmi(&m, true));
    CHECK(!pc_nmi(&m, false));
}

int main(void)
{
    plat_host_set_verbosity(-1);
    ram = aligned_alloc(4096, MEM);
    RUN(test_nothing_pending);
    RUN(test_window);
    RUN(test_priority_tpr_eoi);
    RUN(test_pic_path);
    RUN(test_timer_deadline);
    RUN(test_nmi);
    pc_destroy(&m);
    free(ram);
    return test_summary("test_pc_intr");
}
