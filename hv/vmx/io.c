/*
 * I/O-instruction exits (qualification: SDM Vol. 3C table 28-5), through
 * the guest machine's "io" address space.  String forms (INS/OUTS, with or
 * without REP) move each element between the port and guest memory at
 * seg:rSI / ES:rDI, translated through the guest's paging and accessed
 * through the memory address space, so RAM and MMIO both work.
 */
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"
#include "hv/guest/bus.h"

#define QUAL_IN (1u << 3)
#define QUAL_STRING (1u << 4)
#define QUAL_REP (1u << 5)
#define FL_DF (1ull << 10)
/* REP elements done per exit; the rest resume with RIP unchanged. */
#define IO_REP_CHUNK 4096

static uint64_t port_in(struct vcpu *v, uint16_t port, unsigned size)
{
    uint64_t data = 0;

    if (address_space_read(&v->machine->as_io, port, &data, size) != MEMTX_OK)
        data = ~0ull;
    return data;
}

static void port_out(struct vcpu *v, uint16_t port, unsigned size, uint64_t data)
{
    address_space_write(&v->machine->as_io, port, &data, size);
}

static void simple_io(struct vcpu *v, bool in, uint16_t port, unsigned size)
{
    uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

    if (in) {
        uint64_t data = port_in(v, port, size);
        /* 32-bit results zero-extend; narrower ones merge into RAX. */
        v->regs.rax = size == 4 ? (data & mask) : ((v->regs.rax & ~mask) | (data & mask));
    } else {
        port_out(v, port, size, v->regs.rax & mask);
    }
}

/* Returns false when a fault was injected (the instruction is not done). */
static bool string_io(struct vcpu *v, bool in, bool rep, uint16_t port, unsigned size)
{
    static struct emu_ctx ctx;
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INSN_INFO);
    unsigned asz = (info >> 7) & 7;   /* 0: 16-bit, 1: 32-bit, 2: 64-bit */
    unsigned seg = in ? X86_ES : (info >> 15) & 7;
    uint64_t amask = asz == 0 ? 0xffff : asz == 1 ? 0xffffffffull : ~0ull;
    uint64_t *idx = in ? &v->regs.rdi : &v->regs.rsi;
    int64_t step = (vmread(VMCS_GUEST_RFLAGS) & FL_DF) ? -(int64_t)size : (int64_t)size;
    uint64_t count = rep ? (v->regs.rcx & amask) : 1, done = 0;

    vmx_emu_fill(v, &ctx);
    v->string_io++;
    while (done < count && done < IO_REP_CHUNK) {
        uint64_t la = ctx.regs.seg[seg].base + (*idx & amask), gpa, data = 0;
        enum emu_result r;

        if (ctx.regs.efer & (1ull << 10) && seg < X86_FS)
            la = *idx & amask; /* long mode: ES/DS bases are 0 */
        r = emu_translate(&ctx, la, in ? EMU_WRITE : EMU_READ, &gpa);
        /* An element straddling a page: hv takes the first page's
         * translation for the whole element (guests align their buffers). */
        if (r != EMU_OK) {
            vmx_inject_fault(v, &ctx.fault);
            break;
        }
        if (in) {
            data = port_in(v, port, size);
            mmio_as_access(&v->machine->as_mem, gpa, size, true, &data);
        } else {
            mmio_as_access(&v->machine->as_mem, gpa, size, false, &data);
            port_out(v, port, size, data);
        }
        *idx = (*idx & ~amask) | ((*idx + (uint64_t)step) & amask);
        done++;
    }
    if (rep)
        v->regs.rcx = (v->regs.rcx & ~amask) | ((v->regs.rcx - done) & amask);
    return done == count;
}

/* True when the instruction completed (the caller skips it). */
bool vmx_io_exit(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned size = (unsigned)(q & 7) + 1;
    bool in = q & QUAL_IN;
    uint16_t port = (uint16_t)(q >> 16);

    if (!(q & QUAL_STRING)) {
        simple_io(v, in, port, size);
        return true;
    }
    return string_io(v, in, q & QUAL_REP, port, size);
}
