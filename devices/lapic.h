/*
 * Local APIC of one virtual CPU: xAPIC registers by MMIO (a 4 KiB region,
 * map it at LAPIC_DEFAULT_BASE) and x2APIC registers by MSR
 * (lapic_msr_read / lapic_msr_write, which also cover IA32_APIC_BASE and
 * IA32_TSC_DEADLINE).  Register layouts follow the Intel SDM Vol. 3A,
 * "Advanced Programmable Interrupt Controller (APIC)".
 *
 * What the VT-x layer does with it:
 *  - before each VM entry: v = lapic_has_interrupt(); if v >= 0 and the guest
 *    can take interrupts (RFLAGS.IF, no blocking), lapic_ack_interrupt() and
 *    inject v; otherwise request an interrupt-window exit.  Also check
 *    lapic->nmi_pending (clear it when the NMI is injected) and, when the PIC
 *    raises INTR and lapic_accepts_pic_intr(), take the vector from the PIC.
 *  - MSR exits for 0x1b, 0x6e0 and 0x800-0x8ff go to lapic_msr_*; LAPIC_GP
 *    means inject #GP(0).
 *  - time: lapic_next_deadline() / lapic_advance(now) (see devices/irq.h).
 *  - notify (optional) is called whenever a new interrupt became pending in
 *    IRR (wake a halted vCPU).
 */
#ifndef DEVICES_LAPIC_H
#define DEVICES_LAPIC_H

#include "hv/x86/arch.h"
#include "devices/irq.h"
#include "memory/memory.h"

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_MMIO_SIZE 0x1000
#define LAPIC_VERSION 0x00050014u /* version 0x14, 6 LVT entries (max 5) */
#define LAPIC_DEFAULT_BUS_HZ 1000000000ull /* timer input before divide */

/* Register offsets (xAPIC MMIO; the x2APIC MSR is 0x800 + offset / 16). */
enum {
    LAPIC_ID = 0x020, LAPIC_VER = 0x030, LAPIC_TPR = 0x080, LAPIC_APR = 0x090,
    LAPIC_PPR = 0x0a0, LAPIC_EOI = 0x0b0, LAPIC_RRD = 0x0c0, LAPIC_LDR = 0x0d0,
    LAPIC_DFR = 0x0e0, LAPIC_SVR = 0x0f0, LAPIC_ISR = 0x100, LAPIC_TMR = 0x180,
    LAPIC_IRR = 0x200, LAPIC_ESR = 0x280, LAPIC_LVT_CMCI = 0x2f0,
    LAPIC_ICR = 0x300, LAPIC_ICR2 = 0x310, LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_THERMAL = 0x330, LAPIC_LVT_PERF = 0x340, LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370, LAPIC_TMICT = 0x380,
    LAPIC_TMCCT = 0x390, LAPIC_TDCR = 0x3e0, LAPIC_SELF_IPI = 0x3f0,
};

/* MSR numbers: hv/x86/arch.h (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC). */

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* global enable */

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_LEVEL (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
#define APIC_LVT_TIMER_MODE_MASK (3u << 17)

/* Delivery modes (ICR, LVT, I/O APIC redirection entries: bits 10:8). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7,
};

/* ESR bits */
#define APIC_ESR_SEND_ILLEGAL (1u << 5)
#define APIC_ESR_RECV_ILLEGAL (1u << 6)
#define APIC_ESR_ILLEGAL_REG (1u << 7)

/* lapic_msr_* results */
#define LAPIC_MSR_OK 0
#define LAPIC_GP (-1)        /* inject #GP(0) */
#define LAPIC_NOT_MINE (-2)  /* not a local APIC MSR: caller handles it */

typedef struct Lapic {
    MemoryRegion mr;        /* xAPIC registers: map at the APIC base */
    const VClock *clock;
    uint64_t bus_hz;        /* timer input frequency before the divider */

    uint64_t apic_base;     /* IA32_APIC_BASE */
    uint64_t base_addr_mask;/* its address bits: below MAXPHYADDR (lapic_set_phys_bits) */
    uint32_t id;            /* APIC ID (xAPIC: 8 bits; x2APIC: 32 bits) */
    uint32_t tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi;
    uint32_t lvt_timer, lvt_thermal, lvt_perf, lvt_lint0, lvt_lint1, lvt_error;
    uint32_t irr[8], isr[8], tmr[8];

    /* timer */
    uint32_t tmict, tdcr;
    uint64_t timer_start;   /* guest TSC when the current count was loaded */
    uint64_t tsc_deadline;  /* IA32_TSC_DEADLINE (0: disarmed) */
    bool timer_running;     /* one-shot/periodic count in progress */

    bool lint_level[2];
    bool nmi_pending;       /* an NMI was delivered: the VT-x layer injects it */
    bool init_pending, sipi_pending;
    uint8_t sipi_vector;

    /* Level-triggered EOI: broadcast to the I/O APIC (may be NULL). */
    void (*eoi_cb)(void *ctx, uint8_t vector);
    void *eoi_ctx;
    /* A new interrupt reached IRR, an NMI arrived, ... (may be NULL). */
    void (*notify)(void *ctx);
    void *notify_ctx;

    uint64_t timer_fires, ipis_other; /* statistics */
} Lapic;

/*
 * bsp: this is the bootstrap processor (IA32_APIC_BASE.BSP); its LINT0 comes
 * out of reset unmasked in ExtINT mode and LINT1 in NMI mode (what PC
 * firmware programs: the 8259 then reaches the CPU without guest setup).
 * clock: guest time (devices/irq.h); bus_hz 0 means LAPIC_DEFAULT_BUS_HZ.
 */
int lapic_init(Lapic *s, const char *name, uint32_t apic_id, bool bsp,
               const VClock *clock, uint64_t bus_hz);
int lapic_destroy(Lapic *s);
/* Power-on / INIT state (keeps the wiring and, unless reset_base, the base MSR). */
void lapic_reset(Lapic *s, bool reset_base);

/* Interrupt acceptance. */
int lapic_has_interrupt(const Lapic *s);  /* vector, or -1 */
int lapic_ack_interrupt(Lapic *s);        /* vector moved IRR -> ISR, or -1 */
uint32_t lapic_ppr(const Lapic *s);

/* Whether the 8259's INTR reaches the CPU: APIC globally disabled, or LINT0
 * unmasked in ExtINT mode. */
bool lapic_accepts_pic_intr(const Lapic *s);

/* A fixed interrupt arriving from the bus (I/O APIC): sets IRR (and TMR for
 * level).  Ignored while the APIC is disabled; vectors below 16 set
 * "received illegal vector" instead.  Returns whether it was accepted. */
bool lapic_set_irr(Lapic *s, uint8_t vector, bool level);

/* An interrupt message (from the I/O APIC or an MSI): destination matching
 * for this one CPU (physical ID, broadcast 0xff/0xffffffff, logical
 * flat/cluster, x2APIC logical), then delivery by mode: fixed/lowest set
 * IRR, NMI sets nmi_pending, INIT/SIPI set init/sipi_pending, ExtINT is
 * left to the PIC path.  Returns whether this CPU took it. */
bool lapic_deliver(Lapic *s, uint32_t dest, bool logical, unsigned mode,
                   uint8_t vector, bool level);

/* LINT0/LINT1 input pins (IrqLine-compatible handler: opaque = Lapic,
 * n = 0 or 1).  Fixed mode: IRR on the rising edge (or while high for
 * level); NMI mode: nmi_pending on the rising edge. */
void lapic_set_lint(void *opaque, int n, int level);

/* MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff.  Returns
 * LAPIC_MSR_OK, LAPIC_GP or LAPIC_NOT_MINE. */
int lapic_msr_read(Lapic *s, uint32_t msr, uint64_t *value);
/* The CPU's physical-address width: IA32_APIC_BASE bits at or above it
 * are reserved (#GP).  52 until told. */
void lapic_set_phys_bits(Lapic *s, unsigned bits);
int lapic_msr_write(Lapic *s, uint32_t msr, uint64_t value);

bool lapic_x2apic_mode(const Lapic *s);
bool lapic_enabled(const Lapic *s); /* globally and software enabled */

/* Timer (see devices/irq.h). */
uint64_t lapic_next_deadline(const Lapic *s);
void lapic_advance(Lapic *s, uint64_t now);
uint32_t lapic_timer_current_count(const Lapic *s);

#endif
