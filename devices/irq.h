/*
 * Interrupt lines and guest time for the `pc` machine's devices.
 *
 * IrqLine: one wire from a device to an interrupt controller.  The device
 * holds the struct (filled by the machine when it wires things up) and calls
 * irq_set / irq_pulse; the controller's handler receives (opaque, n, level).
 * An unwired line (set == NULL) is a no-op, so devices work unconnected.
 *
 * IrqSplit: one ISA line feeding two controllers (the 8259 pair and the
 * I/O APIC), as on a PC: wire the device's line to irq_split_handler with
 * the IrqSplit as opaque.
 */
#ifndef DEVICES_IRQ_H
#define DEVICES_IRQ_H

#include "hv/lib/base.h"

/* The receiving end: pin n of some controller goes to `level` (0 or 1). */
typedef void (*irq_handler_fn)(void *opaque, int n, int level);

typedef struct IrqLine {
    irq_handler_fn set;
    void *opaque;
    int n;
} IrqLine;

static inline IrqLine irq_line(irq_handler_fn set, void *opaque, int n)
{
    IrqLine l = { set, opaque, n };
    return l;
}

static inline void irq_set(const IrqLine *l, int level)
{
    if (l && l->set)
        l->set(l->opaque, l->n, level ? 1 : 0);
}
static inline void irq_raise(const IrqLine *l) { irq_set(l, 1); }
static inline void irq_lower(const IrqLine *l) { irq_set(l, 0); }
/* An edge: high then low (edge-triggered inputs latch it). */
static inline void irq_pulse(const IrqLine *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

typedef struct IrqSplit {
    IrqLine a, b;
} IrqSplit;

/* opaque: an IrqSplit; n is ignored; forwards the level to both lines. */
void irq_split_handler(void *opaque, int n, int level);

/*
 * Guest time.  The time base is the guest's TSC: `now` returns the current
 * guest TSC value and `hz` is its frequency (VCLOCK_DEFAULT_HZ unless the
 * machine says otherwise).  In hv the machine fills it with RDTSC + the
 * VMCS TSC offset; tests use a variable they move by hand.
 *
 * Timer devices never wait: each exposes
 *     uint64_t xxx_next_deadline(dev);   guest TSC of its next event, or
 *                                        VCLOCK_NEVER
 *     void     xxx_advance(dev, now);    run every event due at or before now
 * The VT-x layer takes the minimum deadline over all timers, programs the
 * VMX-preemption timer (or a host timer) for it, and on every exit (or at
 * least when the deadline has passed) calls advance() on each device, which
 * raises the IRQ lines for what expired.  Register reads (current counts)
 * use clock->now directly, so they are exact without advance().
 */
#define VCLOCK_NEVER UINT64_MAX
#define VCLOCK_DEFAULT_HZ 1000000000ull /* 1 GHz: one tick per nanosecond */

typedef struct VClock {
    uint64_t (*now)(void *ctx);
    void *ctx;
    uint64_t hz; /* ticks per second, below 2^63 */
} VClock;

static inline uint64_t vclock_now(const VClock *c) { return c->now(c->ctx); }

/* a * mul / div without overflow (floor); div must not be 0.  Saturates at
 * UINT64_MAX when the quotient does not fit. */
uint64_t vclock_muldiv(uint64_t a, uint64_t mul, uint64_t div);
/* Round up instead of down. */
uint64_t vclock_muldiv_up(uint64_t a, uint64_t mul, uint64_t div);

#endif
