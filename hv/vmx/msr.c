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

static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_IA32_TSC: *val = vcpu_tsc(v, rdtsc()); return true;
    case MSR_IA32_TSC_ADJUST: *val = v->tsc_adjust; return true;
    case MSR_IA32_APIC_BASE: *val = 0xfee00000ull | (1u << 8); return true; /* BSP, disabled */
    case MSR_IA32_MTRRCAP: *val = 0; return true;
    case MSR_IA32_BIOS_SIGN_ID: *val = 0; return true; /* no microcode update loaded */
    case MSR_IA32_MCG_CAP: *val = 0; return true;    /* no machine-check banks */
    case MSR_IA32_MCG_STATUS: *val = 0; return true;
    case MSR_IA32_MISC_ENABLE: *val = v->misc_enable; return true;
    case MSR_IA32_PAT: *val = v->pat; return true;
    case MSR_IA32_MTRR_DEF_TYPE: *val = 0; return true;
    case MSR_IA32_EFER: *val = vmread(VMCS_GUEST_EFER); return true;
    case MSR_IA32_DEBUGCTL: *val = vmread(VMCS_GUEST_DEBUGCTL); return true;
    default: return false;
    }
}

/* Each PAT entry must name a memory type (0, 1, 4, 5, 6 or 7). */
static bool pat_valid(uint64_t val)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (unsigned)(val >> (8 * i)) & 0xff;

        if (t > 7 || t == 2 || t == 3)
            return false;
    }
    return true;
}

/* EFER (SDM Vol. 3A 2.2.1, Vol. 4 table 2-2): SCE, LME, NXE writable
 * where the CPU has them (LMA is the CPU's: it follows LME and paging);
 * LME cannot change while paging is on. */
static bool efer_write(uint64_t val)
{
    uint64_t old = vmread(VMCS_GUEST_EFER);
    uint64_t ok = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
    bool paging = vmread(VMCS_GUEST_CR0) & X86_CR0_PG; /* PG is the guest's own */

    if (cpuid(0x80000000, 0).eax < 0x80000001 ||
        !(cpuid(0x80000001, 0).edx & (1u << 20))) /* NX */
        ok &= ~X86_EFER_NXE;
    if ((val & ~ok) || (paging && ((val ^ old) & X86_EFER_LME)))
        return false;
    vmwrite(VMCS_GUEST_EFER, (val & ~X86_EFER_LMA) | (old & X86_EFER_LMA));
    return true;
}

static void set_tsc_offset(struct vcpu *v, uint64_t offset)
{
    v->tsc_adjust += offset - v->tsc_offset;
    v->tsc_offset = offset;
    vmwrite(VMCS_TSC_OFFSET, offset);
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_IA32_PAT:
        if (!pat_valid(val))
            return false;
        v->pat = val; /* kept, not loaded: guest memory types stay WB */
        return true;
    case MSR_IA32_MTRR_DEF_TYPE:
        return val == 0 || val == 0xc06 || val == 0x806;
    case MSR_IA32_MCG_STATUS:
        return val == 0;
    case MSR_IA32_BIOS_SIGN_ID:
        return true; /* written (with 0) before a CPUID 1 to latch the signature */
    case MSR_IA32_TSC:
        /* the guest's TSC becomes val; TSC_ADJUST moves by as much (SDM
         * Vol. 3B 17.17.3) */
        set_tsc_offset(v, val - rdtsc());
        return true;
    case MSR_IA32_TSC_ADJUST:
        set_tsc_offset(v, v->tsc_offset + (val - v->tsc_adjust));
        return true;
    case MSR_IA32_MISC_ENABLE:
        /* kept: fast strings and the rest change nothing hv emulates */
        v->misc_enable = val;
        return true;
    case MSR_IA32_EFER:
        return efer_write(val);
    case MSR_IA32_DEBUGCTL:
        /* The guest's own is in the VMCS ("load/save debug controls").
         * hv offers none of its features: LBR and branch trace need the
         * CPU's LBR stack, and BTF would make TF trap on branches only,
         * which hv's single steps after the instructions it completes
         * (hv/vmx/exits.c) do not follow.  So 0 only, and #GP otherwise,
         * as for reserved bits (SDM Vol. 3B 17.4.1). */
        if (val)
            return false;
        vmwrite(VMCS_GUEST_DEBUGCTL, 0);
        return true;
    default:
        return false;
    }
}

void vmx_msr_exit(struct vcpu *v, bool write)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
    int apic = v->pc ? vmx_pc_msr(v, msr, write, &val) : LAPIC_NOT_MINE;
    bool ok = apic == LAPIC_NOT_MINE ? (write ? msr_write(v, msr, val) : msr_read(v, msr, &val))
                                     : apic == LAPIC_MSR_OK;

    if (!ok) {
        struct emu_fault gp = {.vector = X86_VEC_GP, .has_error_code = true, .error_code = 0};

        plat_log(LOG_WARN, "msr: guest %s of MSR %#x: not allowed, #GP injected",
                 write ? "write" : "read", msr);
        vmx_inject_fault(v, &gp);
        return;
    }
    if (!write) {
        v->regs.rax = (uint32_t)val;
        v->regs.rdx = val >> 32;
    }
    vmx_skip_insn();
}
