/*
 * RDMSR/WRMSR exits.  The MSR bitmap (hv/vmx/vmcs.c) lets the guest reach
 * the MSRs the VMCS switches itself (SYSENTER_*, FS/GS base); everything
 * else exits here.  A small allow-list is emulated; any other MSR raises
 * #GP(0) in the guest, as a CPU without that MSR would.
 */
#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"
#include "hv/x86/emulate.h"

#define PAT_RESET 0x0007040600070406ull

static uint64_t guest_pat = PAT_RESET;

static bool msr_read(uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_IA32_TSC: *val = rdtsc(); return true;
    case MSR_IA32_APIC_BASE: *val = 0xfee00000ull | (1u << 8); return true; /* BSP, disabled */
    case MSR_IA32_MTRRCAP: *val = 0; return true;
    case MSR_IA32_MISC_ENABLE: *val = 1; return true; /* fast strings */
    case MSR_IA32_PAT: *val = guest_pat; return true;
    case MSR_IA32_MTRR_DEF_TYPE: *val = 0; return true;
    case MSR_IA32_EFER: *val = vmread(VMCS_GUEST_EFER); return true;
    default: return false;
    }
}

static bool msr_write(uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_IA32_PAT:
        guest_pat = val; /* kept, not loaded: guest memory types stay WB */
        return true;
    case MSR_IA32_MTRR_DEF_TYPE:
        return val == 0 || val == 0xc06 || val == 0x806;
    case MSR_IA32_EFER:
        if (val & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE))
            return false;
        /* LMA is the CPU's: it follows LME and paging. */
        vmwrite(VMCS_GUEST_EFER, (val & ~X86_EFER_LMA) | (vmread(VMCS_GUEST_EFER) & X86_EFER_LMA));
        return true;
    default:
        return false;
    }
}

void vmx_msr_exit(struct vcpu *v, bool write)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
    bool ok = write ? msr_write(msr, val) : msr_read(msr, &val);

    if (!ok) {
        struct emu_fault gp = {.vector = 13, .has_error_code = true, .error_code = 0};

        plat_log(LOG_WARN, "msr: guest %s of MSR %#x: not allowed, #GP injected",
                 write ? "write" : "read", msr);
        vmx_inject_fault(v, &gp);
        return;
    }
    if (!write) {
        v->regs.rax = (uint32_t)val;
        v->regs.rdx = val >> 32;
    }
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
}
