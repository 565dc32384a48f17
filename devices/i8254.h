/*
 * The 8254 programmable interval timer (three channels at 1.193182 MHz,
 * ports 0x40-0x43) and the PC's port 0x61 (system control port B).
 * Behaviour from the Intel 8254 data sheet.
 *
 *  - modes 0-5 (2 and 3 periodic); counts are binary (the BCD bit is kept
 *    in the status but counting stays binary); lobyte, hibyte and lo/hi
 *    access; the counter latch command and the read-back command (count
 *    and/or status of any channels).  A new count takes effect at once.
 *  - gates: channels 0 and 1 are always enabled; channel 2's gate is port
 *    0x61 bit 0.  Gate low pauses modes 0 and 4 and holds OUT high in modes
 *    2 and 3; a rising gate restarts modes 1, 2, 3 and 5.
 *  - port 0x61: bit 0 gate 2 (rw), bit 1 speaker data enable (rw), bit 4
 *    refresh toggle (flips every 18 PIT ticks, ~15 us), bit 5 channel 2 OUT.
 *  - channel 0's OUT drives `irq0` (ISA IRQ 0: PIC IRQ 0, I/O APIC pin 2):
 *    a pulse at each rising edge in modes 2, 3, 4, 5; in mode 0 the line
 *    goes high at terminal count and low when a new count or mode is written.
 *    Edges are found by i8254_next_deadline / i8254_advance (devices/irq.h);
 *    several periods missed between two advance calls give one pulse.
 */
#ifndef DEVICES_I8254_H
#define DEVICES_I8254_H

#include "devices/irq.h"
#include "memory/memory.h"

#define I8254_PORT 0x40
#define I8254_PORT61 0x61
#define I8254_HZ 1193182ull

typedef struct PitChannel {
    uint8_t mode, rw, bcd;
    uint32_t count;          /* 1..65536 */
    bool loaded;             /* a count was written since the mode was set */
    bool null_count;
    bool gate, paused, triggered;
    uint64_t start;          /* PIT tick when counting (re)started */
    uint64_t paused_elapsed; /* ticks counted before the gate dropped */
    bool write_hi, read_hi;  /* lo/hi access: next byte is the high one */
    uint8_t write_lo;
    bool latched, status_latched, latch_hi;
    uint16_t latch;
    uint8_t status;
    uint64_t next_edge;      /* channel 0: elapsed tick of the next IRQ edge, 0: none */
} PitChannel;

typedef struct I8254 {
    MemoryRegion mr;         /* 4 ports at I8254_PORT */
    MemoryRegion port61_mr;  /* 1 port at I8254_PORT61 */
    const VClock *clock;
    PitChannel ch[3];
    bool speaker;
    IrqLine irq0;
    uint64_t irq_pulses;
} I8254;

int i8254_init(I8254 *p, const VClock *clock);
int i8254_destroy(I8254 *p);
void i8254_set_irq(I8254 *p, IrqLine irq0);

uint16_t i8254_count(const I8254 *p, unsigned channel); /* current count now */
bool i8254_out(const I8254 *p, unsigned channel);       /* OUT pin now */

uint64_t i8254_next_deadline(const I8254 *p);
void i8254_advance(I8254 *p, uint64_t now);

#endif
