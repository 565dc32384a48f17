/*
 * The machine every guest runs on: the guest-physical map and I/O ports
 * of docs/guest-abi.md, built from the memory API and the devices in
 * devices/.  One is built fresh for each guest run and torn down after it,
 * so every run starts from the same state and the pool ends where it began.
 *
 *   memory                                  io
 *     ram-low   0-0x9ffff     alias of RAM    0x80   post (writes logged)
 *     ram-high  0xc0000-mem-1 alias of RAM    0xf4   debug exit
 *     isa-bios  0xe0000       alias of bios (prio 1)  0x3f8  com1 (16550)
 *     overlay-window 0x200000 alias of overlay (prio 1, off at start)
 *     fb        0xfd000000    640x480x32 RAM, VGA dirty logging
 *     uart-mmio 0xfec00000    16550, stride 1
 *     testdev   0xfed00000
 *     overlay   0xfed10000    4 KiB MMIO scratch page
 *     flash     0xff800000    256 KiB, 64 KiB blocks
 *     bios      0xfffe0000    128 KiB ROM, bytes (offset * 7 + 3) & 0xff
 */
#ifndef HV_GUEST_MACHINE_H
#define HV_GUEST_MACHINE_H

#include "devices/debug_exit.h"
#include "devices/flash.h"
#include "devices/framebuffer.h"
#include "devices/coalesced.h"
#include "devices/testdev.h"
#include "devices/uart16550.h"
#include "hv/guest/bus.h"
#include "memory/memory.h"

#define GM_HOLE_START 0xa0000ull
#define GM_HOLE_END 0xc0000ull       /* exclusive: RAM resumes here */
#define GM_ISA_BIOS_BASE 0xe0000ull
#define GM_FB_BASE 0xfd000000ull
#define GM_FB_WIDTH 640
#define GM_FB_HEIGHT 480
#define GM_UART_MMIO_BASE 0xfec00000ull
#define GM_TESTDEV_BASE 0xfed00000ull
#define GM_OVERLAY_BASE 0xfed10000ull
#define GM_OVERLAY_WINDOW 0x200000ull
#define GM_OVERLAY_SIZE 0x1000ull
#define GM_FLASH_BASE 0xff800000ull
#define GM_FLASH_SIZE (256ull << 10)
#define GM_FLASH_BLOCK (64u << 10)
#define GM_BIOS_SIZE 0x20000ull
#define GM_BIOS_BASE (0x100000000ull - GM_BIOS_SIZE)
#define GM_POST_PORT 0x80

/* HC_REGION ids (docs/guest-abi.md). */
enum gm_region_id {
    GM_ID_TESTDEV = 1,
    GM_ID_OVERLAY = 2,
    GM_ID_FB = 3,
    GM_ID_FLASH = 4,
    GM_ID_ISA_BIOS = 5,
};

struct guest_machine {
    uint64_t ram_size;
    MemoryRegion system, ram, ram_low, ram_high, bios, isa_bios;
    MemoryRegion overlay, overlay_window;
    MemoryRegion io, post;
    TestDev td;
    Uart16550 com1, uart_mmio;
    DebugExit dx;
    Flash flash;
    Framebuffer fb;
    AddressSpace as_mem, as_io;
    CoalescedMmio cm;
    struct guest_bus bus; /* what emulated accesses go through (bus.h) */
    uint8_t overlay_data[GM_OVERLAY_SIZE];
    uint8_t post_last;
    uint64_t post_writes;
    bool built;
};

uint8_t machine_bios_byte(uint64_t off);

/* Builds the machine with `ram_size` bytes of guest RAM at host memory
 * `ram` (caller-owned, zeroed here).  MR_* error, logged; on failure
 * whatever was built is torn down. */
int machine_build(struct guest_machine *m, void *ram, uint64_t ram_size);
void machine_destroy(struct guest_machine *m);

/* The region HC_REGION id names (NULL for an unknown id). */
MemoryRegion *machine_region(struct guest_machine *m, uint64_t id);

#endif
