/*
 * Breakpoint matching for accesses hv performs on the guest's behalf.
 *
 * When hv completes an instruction itself (an I/O instruction, an MMIO
 * access it emulates), the CPU never saw that instruction's accesses, so
 * it cannot have matched them against the guest's DR0-DR3.  hv matches
 * them here, as the CPU would have (SDM Vol. 3B 17.2.4-17.2.5, 17.3.1.2),
 * and the VT-x layer reports the matches as pending debug exceptions.
 * Pure functions of the register values: no VMCS, no hardware access.
 */
#ifndef HV_X86_DEBUGREG_H
#define HV_X86_DEBUGREG_H

#include "hv/lib/base.h"

/* DR7 (Vol. 3B 17.2.4, figure 17-2). */
#define X86_DR7_L(n) (1u << (2 * (n)))
#define X86_DR7_G(n) (2u << (2 * (n)))
#define X86_DR7_GD (1u << 13)
#define X86_DR7_RW(dr7, n) ((unsigned)((dr7) >> (16 + 4 * (n))) & 3u)
#define X86_DR7_LEN(dr7, n) ((unsigned)((dr7) >> (18 + 4 * (n))) & 3u)

/* R/Wn encodings (Vol. 3B 17.2.4). */
enum x86_dr_rw {
    X86_DR_RW_EXEC = 0,  /* instruction fetch */
    X86_DR_RW_WRITE = 1, /* data writes */
    X86_DR_RW_IO = 2,    /* I/O reads and writes (CR4.DE = 1; undefined otherwise) */
    X86_DR_RW_RW = 3,    /* data reads and writes, not instruction fetches */
};

/* DR6 (Vol. 3B 17.2.3): B0-B3 report which breakpoint conditions were met. */
#define X86_DR6_B(n) (1u << (n))
#define X86_DR6_BMASK 0xfu

/* What an access is, for matching. */
enum x86_dr_access {
    X86_DR_DATA_READ,
    X86_DR_DATA_WRITE,
    X86_DR_IO, /* a port access, read or write alike */
};

/* Bytes a breakpoint covers for LENn: 00 1, 01 2, 11 4, 10 8 (the
 * 8-byte encoding exists on every Intel 64 processor: Vol. 3B 17.2.5). */
unsigned x86_dr_len_bytes(unsigned len);

/* The B0-B3 bits of the breakpoints that are enabled in dr7 (Ln or Gn),
 * whose R/Wn condition takes this kind of access, and whose range meets
 * [addr, addr + size).  A breakpoint's range is DRn with its low bits
 * ignored to the natural alignment of LENn (Vol. 3B 17.2.5: the CPU
 * matches whole aligned units, so an access that touches any byte of the
 * unit hits).  I/O breakpoints need CR4.DE (cr4_de); addresses are
 * linear addresses for data and port numbers for I/O.  size is 1..16. */
unsigned x86_dr_match(uint64_t dr7, const uint64_t dr[4], bool cr4_de,
                      enum x86_dr_access kind, uint64_t addr, unsigned size);

/* Any breakpoint enabled in dr7 that an access of this kind could hit: a
 * cheap test before reading DR0-DR3. */
bool x86_dr_armed(uint64_t dr7, bool cr4_de, enum x86_dr_access kind);

#endif
