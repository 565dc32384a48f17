/*
 * The sample machine: a small PC-like guest-physical map built with the
 * memory API, the one hv.efi prints at start and its self-tests check.
 *
 *   system (container, whole 64-bit space)
 *     0000000000000000-0000000000ffffff  pc.ram      RAM, 16 MiB
 *     00000000000a0000-00000000000bffff  vga-lowmem  MMIO, prio 1 over RAM
 *     00000000000e0000-00000000000fffff  isa-bios    alias of pc.bios, prio 1 over RAM
 *     00000000fed00000-00000000fed00fff  testdev     MMIO (a register file)
 *     00000000fffe0000-00000000ffffffff  pc.bios     ROM, 128 KiB
 *   io (container, 64 KiB of ports)
 *     0000000000000080-0000000000000080  post        port 0x80 (register file)
 *
 * The MMIO devices here are simple register files that count what they
 * see, enough to prove dispatch; the real devices live in devices/.
 */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

#include "memory/memory.h"

#define MACHINE_RAM_SIZE (16ull << 20)
#define MACHINE_VGA_BASE 0xa0000ull
#define MACHINE_VGA_SIZE 0x20000ull
#define MACHINE_BIOS_SIZE 0x20000ull
#define MACHINE_BIOS_BASE (0x100000000ull - MACHINE_BIOS_SIZE)
#define MACHINE_ISA_BIOS_BASE 0xe0000ull
#define MACHINE_TESTDEV_BASE 0xfed00000ull
#define MACHINE_TESTDEV_SIZE 0x1000ull
#define MACHINE_POST_PORT 0x80

/* A register file that records every access the dispatcher hands it. */
struct regfile {
    uint8_t regs[256];      /* offset & 0xff */
    uint64_t reads, writes;
    hwaddr last_addr;
    uint64_t last_data;
    unsigned last_size;
};

struct machine {
    MemoryRegion system, ram, vga, isa_bios, bios, testdev;
    MemoryRegion io, post;
    AddressSpace as_mem, as_io;
    struct regfile vga_regs, testdev_regs, post_regs;
    bool built;
};

/* The byte pc.bios holds at offset off (a recognisable pattern), so tests
 * can check reads through the ROM and through its alias. */
uint8_t machine_bios_byte(uint64_t off);

/* Builds the map and both address spaces in one transaction.  On failure
 * everything built so far is torn down and the error (MR_E*) returned. */
int machine_build(struct machine *m);
/* Undoes machine_build; all memory it took goes back to the platform. */
void machine_destroy(struct machine *m);

#endif
