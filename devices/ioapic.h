/*
 * I/O APIC (82093AA-style, version 0x20): 24 pins, MMIO window at
 * IOAPIC_DEFAULT_BASE with IOREGSEL (+0x00), IOWIN (+0x10) and the EOI
 * register (+0x40).  Indirect registers: 0x00 ID (bits 27:24), 0x01 version
 * (0x20, max redirection entry 23 in bits 23:16), 0x02 arbitration ID, and
 * 0x10 + 2n / 0x11 + 2n the low / high halves of redirection entry n.
 *
 * Wiring:
 *  - inputs: pin n is an IrqLine handler (ioapic_set_irq, opaque = Ioapic).
 *    The level is the electrical level of the pin; an entry with polarity
 *    bit 13 (active low) treats 0 as asserted.  On a PC, ISA IRQ n goes to
 *    pin n except IRQ 0 (the PIT), which goes to pin 2 (the MADT says so).
 *  - output: `deliver` receives each interrupt message; ioapic_connect_lapic
 *    points it at lapic_deliver and the local APIC's eoi_cb at ioapic_eoi.
 */
#ifndef DEVICES_IOAPIC_H
#define DEVICES_IOAPIC_H

#include "devices/lapic.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_NUM_PINS 24
#define IOAPIC_VERSION 0x20u

enum { IOAPIC_REGSEL = 0x00, IOAPIC_IOWIN = 0x10, IOAPIC_EOIR = 0x40 };
enum { IOAPIC_REG_ID = 0x00, IOAPIC_REG_VER = 0x01, IOAPIC_REG_ARB = 0x02,
       IOAPIC_REG_REDTBL = 0x10 };

/* Redirection entry bits (low dword; destination in bits 63:56). */
#define IOAPIC_RTE_DEST_LOGICAL (1u << 11)
#define IOAPIC_RTE_DELIVS (1u << 12)
#define IOAPIC_RTE_ACTIVE_LOW (1u << 13)
#define IOAPIC_RTE_REMOTE_IRR (1u << 14)
#define IOAPIC_RTE_LEVEL (1u << 15)
#define IOAPIC_RTE_MASKED (1u << 16)

typedef bool (*ioapic_deliver_fn)(void *ctx, uint32_t dest, bool logical,
                                  unsigned mode, uint8_t vector, bool level);

typedef struct Ioapic {
    MemoryRegion mr;
    uint32_t id;          /* bits 27:24 of register 0 */
    uint32_t regsel;
    uint64_t rte[IOAPIC_NUM_PINS];
    uint32_t pin_level;   /* electrical level of each pin */
    ioapic_deliver_fn deliver;
    void *deliver_ctx;
    uint64_t messages;    /* statistics: messages sent */
} Ioapic;

int ioapic_init(Ioapic *s, const char *name, uint8_t id);
int ioapic_destroy(Ioapic *s);
void ioapic_reset(Ioapic *s);

/* IrqLine handler: opaque = Ioapic, n = pin (0..23). */
void ioapic_set_irq(void *opaque, int n, int level);
/* A level-triggered vector was EOIed at a local APIC. */
void ioapic_eoi(Ioapic *s, uint8_t vector);
/* Connects output and EOI to a single local APIC. */
void ioapic_connect_lapic(Ioapic *s, Lapic *lapic);

#endif
