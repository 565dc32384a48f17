/*
 * Putting a payload into a fresh guest machine and computing its entry
 * state (docs/guest-abi.md "Payload format" and "Entry state"): flat
 * binaries and ELF, the 64-bit identity page tables at 0x1000-0x6fff and
 * the GDT at 0x7000.
 */
#ifndef HV_GUEST_LOAD_H
#define HV_GUEST_LOAD_H

#include "hv/lib/base.h"

#define GUEST_FLAT16_LOAD 0x10000ull
#define GUEST_FLAT_LOAD 0x100000ull
#define GUEST_STACK16 0xfff0ull
#define GUEST_STACK 0x9f000ull
#define GUEST_PML4 0x1000ull
#define GUEST_PDPT 0x2000ull
#define GUEST_PD 0x3000ull          /* four of them: 0x3000-0x6fff */
#define GUEST_GDT 0x7000ull
#define GUEST_GDT_LIMIT 0x17
#define GUEST_RESERVED_END 0x8000ull
#define GUEST_MAGIC 0x68760001ull   /* "hv" 0001, in RAX at entry */
#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10

/* Where and how a guest starts. */
struct guest_entry {
    unsigned mode;      /* 16, 32, 64 */
    uint64_t rip;       /* 16-bit: IP, with cs_sel16 */
    uint64_t rsp;
    uint16_t sel16;     /* 16-bit: CS = DS = ES = SS = FS = GS */
    uint64_t ram_size;
    const char *format; /* "flat" or "ELF32"/"ELF64" */
    uint64_t load_lo, load_hi; /* lowest and last byte written */
    /* Initial RAX/RBX overrides: when has_regs is set, RAX and RBX at entry
     * are rax and rbx instead of GUEST_MAGIC and the RAM size (RCX is still
     * the mode).  guest_load leaves it clear; multiboot_load sets it
     * (EAX = 0x2BADB002, EBX = the boot information's address). */
    bool has_regs;
    uint64_t rax, rbx;
    uint64_t rsi;       /* with has_regs: RSI at entry (Linux: boot_params) */
    /* Non-zero: the code and data selectors and the GDT limit the loader's
     * own GDT at GUEST_GDT needs (Linux: 0x10, 0x18); 0: the defaults. */
    uint16_t sel_code, sel_data, gdt_limit;
};

/* The identity page tables of the 64-bit entry at GUEST_PML4: 0-4 GiB in
 * 2 MiB pages. */
void guest_identity_tables(uint8_t *ram);

/* Copies payload into guest RAM (host pointer ram, ram_size bytes, already
 * zeroed) and prepares the reserved low pages.  False (with a log line)
 * when the payload does not fit or is not a valid ELF. */
bool guest_load(uint8_t *ram, uint64_t ram_size, unsigned mode, const void *payload,
                uint64_t size, struct guest_entry *e);

#endif
