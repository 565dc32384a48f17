/*
 * Breakpoint matching for accesses hv performs on the guest's behalf
 * (hv/x86/debugreg.h; SDM Vol. 3B 17.2.4-17.2.5).
 */
#include "hv/x86/debugreg.h"

unsigned x86_dr_len_bytes(unsigned len)
{
    static const uint8_t bytes[4] = {1, 2, 8, 4};

    return bytes[len & 3];
}

/* Whether breakpoint n's R/W condition covers this kind of access.
 * Execute breakpoints are faults the CPU checks itself before the
 * instruction: they never match an access hv makes. */
static bool takes(uint64_t dr7, unsigned n, bool cr4_de, enum x86_dr_access kind)
{
    switch (X86_DR7_RW(dr7, n)) {
    case X86_DR_RW_WRITE: return kind == X86_DR_DATA_WRITE;
    case X86_DR_RW_RW: return kind == X86_DR_DATA_READ || kind == X86_DR_DATA_WRITE;
    case X86_DR_RW_IO: return cr4_de && kind == X86_DR_IO;
    default: return false;
    }
}

static bool enabled(uint64_t dr7, unsigned n)
{
    return dr7 & (X86_DR7_L(n) | X86_DR7_G(n));
}

bool x86_dr_armed(uint64_t dr7, bool cr4_de, enum x86_dr_access kind)
{
    for (unsigned n = 0; n < 4; n++)
        if (enabled(dr7, n) && takes(dr7, n, cr4_de, kind))
            return true;
    return false;
}

unsigned x86_dr_match(uint64_t dr7, const uint64_t dr[4], bool cr4_de,
                      enum x86_dr_access kind, uint64_t addr, unsigned size)
{
    unsigned hits = 0;

    if (!size)
        return 0;
    for (unsigned n = 0; n < 4; n++) {
        uint64_t len, lo, first, last;

        if (!enabled(dr7, n) || !takes(dr7, n, cr4_de, kind))
            continue;
        len = x86_dr_len_bytes(X86_DR7_LEN(dr7, n));
        lo = dr[n] & ~(len - 1);
        if (kind == X86_DR_IO) {
            /* ports are 16-bit: compare within the I/O space */
            lo &= 0xffff;
            addr &= 0xffff;
        }
        /* inclusive ranges; the breakpoint's cannot wrap (it is aligned
         * to its length), an access that wraps is two pieces */
        first = addr;
        last = addr + size - 1;
        if (last < first ? (lo + len - 1 >= first || lo <= last)
                         : (first <= lo + len - 1 && lo <= last))
            hits |= X86_DR6_B(n);
    }
    return hits;
}
