/*
 * The `pc` machine (docs/machines.md): what kernels and KVM's test suite
 * expect of a PC, built from the devices in devices/ through the memory
 * API, one fresh machine per guest run like the test machine
 * (hv/guest/machine.h).  Interrupt wiring: each ISA line feeds the 8259
 * pair and the I/O APIC (pin 0 of the 8259 is pin 2 of the I/O APIC, the
 * usual override); the 8259's output is the local APIC's LINT0; the I/O
 * APIC delivers to the local APIC, whose EOIs come back to it.  Time is
 * the guest's TSC at PC_TSC_HZ (a VClock the VT-x layer fills in).
 *
 *   memory                                   io
 *     ram-low    0-0x9ffff                     0x20, 0xa0, 0x4d0  8259 pair, ELCR
 *     (0xa0000-0xbffff: VGA hole, unassigned)  0x40-0x43, 0x61   8254, port B
 *     bios-area  0xe0000-0xfffff ROM: ACPI     0x70-0x71         CMOS RTC
 *     ram-high   1 MiB - min(mem, 3 GiB)       0x3f8-0x3ff       COM1 (IRQ 4)
 *     fb         0xfd000000 (800x600x4)
 *     uart-mmio  0xfe000000-0xfe000007 (16550)
 *     ioapic     0xfec00000                    0xe0-0xeb, 0x2000  pc-testdev
 *     lapic      0xfee00000                    0xf4              debug exit
 *     testdev    0xff000000-0xff00ffff         0x510-0x511       fw_cfg
 *     bios       0xfffe0000-0xffffffff ROM     0x600-0x60b       ACPI PM
 *     ram-above  4 GiB - (the rest of mem)      0xcf8-0xcff       PCI config (no devices),
 *                                                                 0xcf9 reset control
 */
#ifndef HV_GUEST_PC_H
#define HV_GUEST_PC_H

#include "devices/acpi.h"
#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/framebuffer.h"
#include "devices/fw_cfg.h"
#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/ioapic.h"
#include "devices/irq.h"
#include "devices/lapic.h"
#include "devices/pc_testdev.h"
#include "devices/rtc.h"
#include "devices/uart16550.h"
#include "hv/guest/bus.h"
#include "memory/memory.h"

#define PC_LOW_RAM_END 0xa0000ull
#define PC_BIOS_AREA 0xe0000ull
#define PC_BIOS_AREA_SIZE 0x20000ull
#define PC_HIGH_RAM 0x100000ull
#define PC_HOLE_START 0xc0000000ull /* RAM above this goes above 4 GiB */
#define PC_4G 0x100000000ull
#define PC_BIOS_SIZE 0x20000ull
#define PC_BIOS_BASE (PC_4G - PC_BIOS_SIZE)
#define PC_TSC_HZ 1000000000ull     /* the guest's TSC: 1 GHz */
#define PC_FB_BASE 0xfd000000ull    /* the linear framebuffer, XRGB8888 */
#define PC_UART_MMIO_BASE 0xfe000000ull /* a 16550 by MMIO, registers 1 byte apart */
#define PC_FB_WIDTH 800
#define PC_FB_HEIGHT 600
#define PC_ISA_IRQS 16
#define PC_COM1_IRQ 4

struct pc_machine {
    uint64_t ram_size;
    MemoryRegion system, ram, ram_low, ram_high, ram_above, bios_area, bios;
    MemoryRegion io;
    MemoryRegion pci_host; /* 0xcf8-0xcff: PCI configuration ports, no devices */
    uint32_t pci_address;  /* CONFIG_ADDRESS as last written */
    AddressSpace as_mem, as_io;
    struct guest_bus bus; /* what emulated accesses go through (bus.h) */
    VClock clock;
    Lapic lapic;
    Ioapic ioapic;
    I8259 pic;
    I8254 pit;
    Rtc rtc;
    Uart16550 com1;
    Uart16550 uart_mmio;   /* byte registers at PC_UART_MMIO_BASE: Linux's earlycon */
    DebugExit dx;
    PcTestdev testdev;
    FwCfg fw_cfg;
    AcpiPm pm;
    AcpiLayout acpi;
    Framebuffer fb;        /* a linear framebuffer at PC_FB_BASE (Linux: efifb) */
    IrqSplit isa[PC_ISA_IRQS]; /* ISA line n -> 8259 input n and I/O APIC pin */
    bool powered_off, reset_requested;
    bool built;
};

/* Builds the machine with ram_size bytes of guest RAM at host memory ram
 * (caller-owned, zeroed here) and clock as the guest's time (NULL: a
 * clock that stands still, for tests that move none).  MR_* error, logged;
 * on failure whatever was built is torn down. */
int pc_build(struct pc_machine *m, void *ram, uint64_t ram_size, const VClock *clock);
void pc_destroy(struct pc_machine *m);

struct mb_mmap_entry;
/* The guest-physical map as firmware reports it to a kernel (the
 * multiboot map, e820): RAM available, the BIOS area's ACPI tables, the
 * rest of what is mapped reserved.  Returns the entries written (<= max). */
unsigned pc_memory_map(struct pc_machine *m, struct mb_mmap_entry *out, unsigned max);

/* The ISA interrupt line n (0..15) as devices see it. */
IrqLine pc_isa_irq(struct pc_machine *m, unsigned n);

/* ------------------------------------------------ interrupts and time
 * What the CPU state says about taking an external interrupt at the next
 * VM entry (SDM Vol. 3A 6.8.1, Vol. 3C 24.4.2). */
struct intr_cpu {
    bool if_flag;      /* RFLAGS.IF */
    bool blocked;      /* blocking by STI or by MOV SS */
    bool event_queued; /* the next entry already delivers an event */
};

enum intr_action {
    INTR_NONE,   /* nothing pending */
    INTR_INJECT, /* deliver *vector at the next entry (acknowledged) */
    INTR_WINDOW, /* pending, but the guest cannot take it yet: exit when it can */
};

/* The local APIC first (its highest request above the PPR), then the
 * 8259 when LINT0 lets it through; acknowledged only when injected. */
enum intr_action pc_intr_next(struct pc_machine *m, const struct intr_cpu *c, uint8_t *vector);
/* An NMI is pending (and is taken by this call when `take`). */
bool pc_nmi(struct pc_machine *m, bool take);
/* Every timer's next deadline (guest TSC, VCLOCK_NEVER: none), and moving
 * all of them to `now` (raising what fired). */
uint64_t pc_next_deadline(const struct pc_machine *m);
void pc_advance(struct pc_machine *m, uint64_t now);

#endif
