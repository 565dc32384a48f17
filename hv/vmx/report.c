/*
 * What hv prints when a guest run goes wrong: the exit, the guest state
 * that decides most failures, and the bytes at the guest's RIP.
 */
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"


void vmx_report_guest(struct vcpu *v, const char *why)
{
    uint32_t raw = (uint32_t)vmread(VMCS_EXIT_REASON);
    uint64_t cr0 = vmread(VMCS_GUEST_CR0), rip = vmread(VMCS_GUEST_RIP);
    uint64_t cs_base = vmread(VMCS_GUEST_CS_BASE);
    uint8_t b[16];

    plat_log(LOG_ERR, "report: %s", why);
    plat_log(LOG_ERR, "report: exit reason %#x (%s), qualification %#llx, insn error %llu, "
             "intr info %#llx", raw, vmx_exit_name(raw & 0xffff),
             (unsigned long long)vmread(VMCS_EXIT_QUALIFICATION),
             (unsigned long long)vmread(VMCS_INSN_ERROR),
             (unsigned long long)vmread(VMCS_EXIT_INTR_INFO));
    plat_log(LOG_ERR, "report: cs %#llx:%#llx (base %#llx ar %#llx) rsp %#llx rflags %#llx",
             (unsigned long long)vmread(VMCS_GUEST_CS_SEL), (unsigned long long)rip,
             (unsigned long long)cs_base, (unsigned long long)vmread(VMCS_GUEST_CS_AR),
             (unsigned long long)vmread(VMCS_GUEST_RSP),
             (unsigned long long)vmread(VMCS_GUEST_RFLAGS));
    plat_log(LOG_ERR, "report: cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx activity %llu "
             "interruptibility %#llx",
             (unsigned long long)cr0, (unsigned long long)vmread(VMCS_GUEST_CR3),
             (unsigned long long)vmread(VMCS_GUEST_CR4),
             (unsigned long long)vmread(VMCS_GUEST_EFER),
             (unsigned long long)vmread(VMCS_GUEST_ACTIVITY),
             (unsigned long long)vmread(VMCS_GUEST_INTERRUPTIBILITY));
    plat_log(LOG_ERR, "report: rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx",
             (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
             (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx,
             (unsigned long long)v->regs.rsi, (unsigned long long)v->regs.rdi);
    /* Without paging the linear address is the guest-physical one. */
    if (!(cr0 & X86_CR0_PG) &&
        address_space_read(vcpu_as(v), cs_base + rip, b, sizeof(b)) == MEMTX_OK)
        plat_log(LOG_ERR, "report: bytes at rip: %02x %02x %02x %02x %02x %02x %02x %02x "
                 "%02x %02x %02x %02x %02x %02x %02x %02x", b[0], b[1], b[2], b[3], b[4], b[5],
                 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}
