/*
 * VMCALL: the registers of the call in, the result out to RAX; the call
 * itself is hv/guest/hypercall.c.
 */
#include "hv/guest/hypercall.h"
#include "hv/vmx/vcpu.h"

/* Outside 64-bit code the upper halves of the registers are not the
 * guest's to set (the SDM leaves them undefined across mode switches):
 * a 16- or 32-bit guest's arguments are their low 32 bits. */
static bool guest_in_64bit_code(void)
{
    return (vmread(VMCS_GUEST_EFER) & X86_EFER_LMA) &&
           (vmread(VMCS_GUEST_CS_AR) & EMU_SEG_L);
}

void vmx_hypercall(struct vcpu *v)
{
    struct guest_regs *g = &v->regs;
    uint64_t mask = guest_in_64bit_code() ? ~0ull : 0xffffffffull;
    struct hc_call call = {
        .fn = g->rax & mask, .b = g->rbx & mask, .c = g->rcx & mask,
        .d = g->rdx & mask, .si = g->rsi & mask,
    };

    v->hypercalls++;
    if (!v->machine) { /* the pc machine has no hypercalls: KVM's answer */
        g->rax = (uint64_t)HC_ENOSYS;
        return;
    }
    g->rax = (uint64_t)hypercall(v->machine, &call, ept_dirty_mode_name(v->ept.el.ept.mode));
    if (call.exit) {
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = call.status;
    }
}
