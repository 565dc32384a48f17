/*
 * The PC's 8259A programmable interrupt controller pair: master at ports
 * 0x20/0x21, slave at 0xa0/0xa1 cascaded on the master's IR2, and the
 * edge/level control registers (ELCR) at 0x4d0/0x4d1.  Behaviour from the
 * Intel 8259A data sheet (ICW1-4, OCW1-3, priority rotation, special mask,
 * special fully nested mode, auto-EOI, poll) and the PIIX/ICH ELCR.
 *
 * Wiring:
 *  - inputs: ISA IRQ n (0..15) is an IrqLine handler: i8259_set_irq with
 *    opaque = I8259, n = IRQ.  Edge inputs latch a rising edge into IRR
 *    until it is acknowledged (a pulse is enough); level inputs (ELCR bit,
 *    or ICW1.LTIM) make IRR follow the line.
 *  - output: `intr` (an IrqLine set with i8259_set_intr) follows the
 *    master's INT pin; on a PC it goes to the local APIC's LINT0 and, when
 *    the APIC accepts it (lapic_accepts_pic_intr), the VT-x layer injects
 *    the vector returned by i8259_ack() (the INTA cycle).
 */
#ifndef DEVICES_I8259_H
#define DEVICES_I8259_H

#include "devices/irq.h"
#include "memory/memory.h"

#define I8259_MASTER_PORT 0x20
#define I8259_SLAVE_PORT 0xa0
#define I8259_ELCR_PORT 0x4d0

typedef struct PicChip {
    uint8_t irr, isr, imr;
    uint8_t lines;        /* input levels */
    uint8_t elcr, elcr_mask;
    uint8_t base;         /* vector base (ICW2 bits 7:3) */
    uint8_t prio_base;    /* IR with the highest priority */
    uint8_t icw1, icw_step; /* step: 0 ready, 2..4 expecting ICW2..4 */
    bool read_isr, poll, special_mask, auto_eoi, rotate_aeoi, sfnm;
} PicChip;

typedef struct I8259 {
    MemoryRegion master_mr; /* 2 ports: map at I8259_MASTER_PORT */
    MemoryRegion slave_mr;  /* 2 ports: map at I8259_SLAVE_PORT */
    MemoryRegion elcr_mr;   /* 2 ports: map at I8259_ELCR_PORT */
    PicChip chip[2];        /* [0] master, [1] slave */
    IrqLine intr;
    bool intr_level;
    uint64_t spurious;
} I8259;

int i8259_init(I8259 *p, const char *name);
int i8259_destroy(I8259 *p);
void i8259_reset(I8259 *p);
void i8259_set_intr(I8259 *p, IrqLine intr);

/* IrqLine handler: opaque = I8259, n = ISA IRQ 0..15. */
void i8259_set_irq(void *opaque, int n, int level);
/* The INT output (also what intr was last told). */
bool i8259_intr(const I8259 *p);
/* Interrupt acknowledge: the vector the CPU receives.  With nothing pending
 * it is the spurious IRQ 7 (or IRQ 15 through the slave) vector. */
uint8_t i8259_ack(I8259 *p);

#endif
