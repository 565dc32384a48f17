/*
 * I/O-instruction exits (qualification: SDM Vol. 3C table 28-5), through
 * the machine's bus (hv/guest/bus.h).  IN/OUT move RAX's low bytes; the
 * string forms (INS/OUTS, with or without REP) run through the emulator
 * like an MMIO access, so they get its segmentation, paging, page-split
 * and REP handling (hv/vmx/emulate.c).
 */
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"

static void simple_io(struct vcpu *v, bool in, uint16_t port, unsigned size)
{
    uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
    uint64_t data = v->regs.rax & mask;

    bus_port_access(vcpu_bus(v), port, size, !in, &data);
    /* IN of 32 bits zero-extends into RAX; narrower ones merge (SDM IN). */
    if (in)
        v->regs.rax = size == 4 ? (data & mask) : ((v->regs.rax & ~mask) | (data & mask));
}

/* The CPU matches an I/O instruction's port against the I/O breakpoints
 * (R/Wn = 10b with CR4.DE = 1) and raises a trap-class #DB after it (SDM
 * Vol. 3B 17.2.4, 17.3.1.2); an I/O instruction that exits never got
 * that far, so hv, having completed it, matches instead.  Out of line:
 * the common case, no breakpoint enabled, costs one VMREAD and a test. */
static __attribute__((noinline, cold)) void io_breakpoints(uint64_t dr7, uint16_t port,
                                                          unsigned size)
{
    bool de = vmread(VMCS_GUEST_CR4) & X86_CR4_DE;
    uint64_t dr[4];

    if (!x86_dr_armed(dr7, de, X86_DR_IO))
        return;
    vmx_guest_drs(dr);
    vmx_breakpoints_hit(x86_dr_match(dr7, dr, de, X86_DR_IO, port, size));
}

void vmx_io_exit(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION), dr7;

    if (q & IO_QUAL_STRING) {
        vmx_string_io_exit(v);
        return;
    }
    simple_io(v, q & IO_QUAL_IN, IO_QUAL_PORT(q), IO_QUAL_SIZE(q));
    dr7 = vmread(VMCS_GUEST_DR7);
    if (__builtin_expect(dr7 & 0xff, 0)) /* a breakpoint enabled (L0-G3) */
        io_breakpoints(dr7, IO_QUAL_PORT(q), IO_QUAL_SIZE(q));
    vmx_skip_insn();
}
