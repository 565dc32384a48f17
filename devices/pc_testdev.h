/*
 * pc-testdev: the test device kvm-unit-tests drives on x86 (the interface
 * QEMU's pc-testdev defines; this is an independent implementation).
 *
 *   io 0xe0-0xe3   a 4-byte scratch register, any access size/offset
 *   io 0xe4-0xe7   "flush page": writes are accepted and counted; reads 0
 *   io 0xe8-0xeb   a 4-byte scratch register the device takes one byte at a
 *                  time (wider accesses are split by the memory API)
 *   io 0x2000-0x2017  a write of v to 0x2000 + n sets ISA IRQ line n to
 *                  level v (v != 0: high); reads 0
 *   mem 0xff000000-0xff00ffff  64 KiB MMIO storage: reads return what was
 *                  written, any size 1-8, unaligned too (every access exits)
 *
 * Wiring: pc_testdev_set_irq(dev, n, line) for each of the 24 lines (on a
 * PC line n is GSI n: I/O APIC pin n, and PIC IRQ n for n < 16).
 */
#ifndef DEVICES_PC_TESTDEV_H
#define DEVICES_PC_TESTDEV_H

#include "devices/irq.h"
#include "memory/memory.h"

#define PC_TESTDEV_PORT 0xe0        /* ports container: 0xe0-0xeb */
#define PC_TESTDEV_PORTS_SIZE 12
#define PC_TESTDEV_IRQ_PORT 0x2000
#define PC_TESTDEV_NR_IRQS 24
#define PC_TESTDEV_MMIO_BASE 0xff000000ull
#define PC_TESTDEV_MMIO_SIZE 0x10000

typedef struct PcTestdev {
    MemoryRegion ports;    /* container: map at PC_TESTDEV_PORT in `io` */
    MemoryRegion scratch_mr, flush_mr, byte_mr;
    MemoryRegion irq_mr;   /* map at PC_TESTDEV_IRQ_PORT in `io` */
    MemoryRegion mmio_mr;  /* map at PC_TESTDEV_MMIO_BASE in memory */
    uint8_t scratch[4], byte_reg[4];
    uint8_t *mmio;         /* PC_TESTDEV_MMIO_SIZE bytes */
    IrqLine irq[PC_TESTDEV_NR_IRQS];
    uint32_t flush_count, flush_last;
} PcTestdev;

int pc_testdev_init(PcTestdev *d, const char *name);
/* Refused (MR_EBUSY) while a region is mapped. */
int pc_testdev_destroy(PcTestdev *d);
void pc_testdev_set_irq(PcTestdev *d, unsigned n, IrqLine line);

#endif
