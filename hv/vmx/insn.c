/*
 * Exits for instructions the guest runs that VT-x hands to hv: CPUID,
 * MOV to/from control registers (CR8 always; CR0/CR4 when a bit hv owns
 * would change), XSETBV, INVD, GETSEC and the VMX instructions.  Each gets
 * the architectural result: the instruction's effect and RIP past it, or
 * the exception a CPU without the refused feature would raise (SDM Vol. 2
 * per instruction; Vol. 3C 25.1.3 lists which of these always exit).
 */
#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"
#include "hv/runtime/tsc.h"
#include "hv/vmx/vcpu.h"

/* CPUID bits hv edits (SDM Vol. 2A CPUID). */
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_PDCM (1u << 15)   /* IA32_PERF_CAPABILITIES */
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CPUID7_ECX_WAITPKG (1u << 5)
#define CPUID6_EAX_ARAT (1u << 2)    /* APIC timer always running */
#define CPUID7_ECX_RDPID (1u << 22)
#define CPUID_D1_EAX_XSAVES (1u << 3)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)

/* CR-access exit qualification (SDM Vol. 3C table 28-3). */
#define CRQ_CR(q) ((unsigned)(q) & 0xf)
#define CRQ_TYPE(q) (((unsigned)(q) >> 4) & 3)
#define CRQ_GPR(q) (((unsigned)(q) >> 8) & 0xf)
#define CRQ_LMSW_SRC(q) (((q) >> 16) & 0xffff)
enum { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };

static void inject(struct vcpu *v, uint8_t vector, bool has_code)
{
    struct emu_fault f = {.vector = vector, .has_error_code = has_code, .error_code = 0};

    vmx_inject_fault(v, &f);
}

static bool long_mode_code(void)
{
    return (vmread(VMCS_GUEST_EFER) & X86_EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & EMU_SEG_L);
}

static unsigned guest_cpl(void)
{
    if (!(vmread(VMCS_GUEST_CR0) & X86_CR0_PE))
        return 0;
    return (unsigned)(vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

/* General register n in the encoding order (0 RAX .. 15 R15). */
static uint64_t *gpr_slot(struct vcpu *v, unsigned n)
{
    struct guest_regs *g = &v->regs;
    uint64_t *slot[16] = {&g->rax, &g->rcx, &g->rdx, &g->rbx, NULL,    &g->rbp, &g->rsi, &g->rdi,
                          &g->r8,  &g->r9,  &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15};

    return slot[n & 15];
}

static uint64_t gpr_get(struct vcpu *v, unsigned n)
{
    uint64_t *p = gpr_slot(v, n);

    return p ? *p : vmread(VMCS_GUEST_RSP);
}

static void gpr_set(struct vcpu *v, unsigned n, uint64_t val)
{
    uint64_t *p = gpr_slot(v, n);

    if (p)
        *p = val;
    else
        vmwrite(VMCS_GUEST_RSP, val);
}

/* ------------------------------------------------------------ CPUID */

void vmx_cpuid_exit(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_regs r = cpuid(leaf, sub);

    switch (leaf) {
    case 1:
        /* No VMX or SMX for the guest; OSXSAVE mirrors the guest's CR4
         * (the CPU would report hv's own). */
        r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_OSXSAVE | CPUID1_ECX_PDCM);
        r.ecx |= CPUID1_ECX_HYPERVISOR;
        if (vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE)
            r.ecx |= CPUID1_ECX_OSXSAVE;
        if (v->pc) /* the local APIC: x2APIC and the TSC-deadline timer */
            r.ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
        else
            r.ecx &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
        r.ebx &= 0x00ffffff; /* initial APIC ID 0 */
        /* APIC present: follows IA32_APIC_BASE's global enable */
        if (v->pc && !(v->pc->lapic.apic_base & APIC_BASE_EN))
            r.edx &= ~CPUID1_EDX_APIC;
        break;
    case 6:
        /* Thermal and power management (SDM Vol. 2A CPUID leaf 06H): hv
         * offers none of their MSRs (APERF/MPERF, HWP, thermal status, the
         * energy bias), which read #GP here; only ARAT (EAX bit 2) holds:
         * the APIC timer runs whatever the guest's idle state. */
        r.eax &= CPUID6_EAX_ARAT;
        r.ebx = r.ecx = r.edx = 0;
        break;
    case 7:
        if (sub == 0) {
            if (!(v->proc2 & PROC2_ENABLE_INVPCID))
                r.ebx &= ~CPUID7_EBX_INVPCID;
            if (!(v->proc2 & PROC2_ENABLE_RDTSCP))
                r.ecx &= ~CPUID7_ECX_RDPID;
            r.ecx &= ~CPUID7_ECX_WAITPKG; /* TPAUSE/UMWAIT are #UD here */
        }
        break;
    case 0xa:
        /* no performance-monitoring counters are offered */
        r.eax = r.ebx = r.ecx = r.edx = 0;
        break;
    case 0xd:
        if (sub == 1)
            r.eax &= ~CPUID_D1_EAX_XSAVES; /* IA32_XSS is not offered */
        break;
    case 0x15:
        /* The guest's TSC frequency: a "crystal" at the TSC's rate,
         * ratio 1 (docs/machines.md). */
        if (v->pc) {
            r.eax = 1;
            r.ebx = 1;
            r.ecx = (uint32_t)MIN(tsc_hz(), 0xffffffffull);
        }
        break;
    case 0x40000000:
        r.eax = 0x40000000; /* hypervisor leaf: signature "hvhvhvhvhvhv" */
        r.ebx = r.ecx = r.edx = 0x76687668;
        break;
    case 0x80000001:
        if (!(v->proc2 & PROC2_ENABLE_RDTSCP))
            r.edx &= ~CPUID_80000001_EDX_RDTSCP;
        break;
    default:
        break;
    }
    v->regs.rax = r.eax;
    v->regs.rbx = r.ebx;
    v->regs.rcx = r.ecx;
    v->regs.rdx = r.edx;
    vmx_skip_insn();
}

/* ------------------------------------------------------------ control registers */

/* The guest's view of CR0/CR4: its own bits, and the shadow's where hv
 * owns the bit (SDM Vol. 3C 25.3). */
static uint64_t guest_view(uint64_t real, uint64_t mask, uint64_t shadow)
{
    return (real & ~mask) | (shadow & mask);
}

/* MOV to CR0 (also CLTS and LMSW): the checks of SDM Vol. 2A "MOV--Move
 * to/from Control Registers", then the new value with VMX's fixed bits
 * kept underneath the shadow.  False: #GP(0) injected. */
static bool guest_write_cr0(struct vcpu *v, uint64_t val)
{
    uint64_t mask = vmread(VMCS_CR0_MASK);
    uint64_t old = guest_view(vmread(VMCS_GUEST_CR0), mask, vmread(VMCS_CR0_SHADOW));
    uint64_t efer = vmread(VMCS_GUEST_EFER);
    uint64_t cr4 = guest_view(vmread(VMCS_GUEST_CR4), vmread(VMCS_CR4_MASK),
                              vmread(VMCS_CR4_SHADOW));

    if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
        ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
        ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & X86_EFER_LME) &&
         !(cr4 & X86_CR4_PAE)) ||
        (!(val & X86_CR0_PG) && (old & X86_CR0_PG) && long_mode_code()))
        return false;
    vmwrite(VMCS_CR0_SHADOW, val);
    v->cr0_shadow = val;
    vmwrite(VMCS_GUEST_CR0, ((val & ~mask) | (vmread(VMCS_GUEST_CR0) & mask)));
    if ((val ^ old) & X86_CR0_PG) {
        /* Paging on with LME set activates IA-32e mode, off leaves it. */
        efer &= ~X86_EFER_LMA;
        if ((val & X86_CR0_PG) && (efer & X86_EFER_LME))
            efer |= X86_EFER_LMA;
        vmwrite(VMCS_GUEST_EFER, efer);
    }
    return true;
}

static bool guest_write_cr4(struct vcpu *v, uint64_t val)
{
    uint64_t mask = vmread(VMCS_CR4_MASK);
    uint64_t old = guest_view(vmread(VMCS_GUEST_CR4), mask, vmread(VMCS_CR4_SHADOW));
    bool lma = vmread(VMCS_GUEST_EFER) & X86_EFER_LMA;
    /* Bits this CPU has, less the ones hv does not offer (VMX, SMX). */
    uint64_t allowed = v->caps->cr4_fixed1 & ~(X86_CR4_VMXE | X86_CR4_SMXE);

    if ((val & ~allowed) || (lma && !(val & X86_CR4_PAE)) ||
        (lma && ((val ^ old) & X86_CR4_LA57)) ||
        ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
         (!lma || (vmread(VMCS_GUEST_CR3) & 0xfff))))
        return false;
    vmwrite(VMCS_CR4_SHADOW, val);
    vmwrite(VMCS_GUEST_CR4, (val & ~mask) | (vmread(VMCS_GUEST_CR4) & mask));
    return true;
}

/* CR8 is the guest's own TPR (no local APIC of the host's involved):
 * bits 63:4 are reserved (SDM Vol. 3A 10.8.6.1). */
static bool cr8_access(struct vcpu *v, unsigned type, unsigned gpr)
{
    if (type == CR_MOV_FROM) {
        gpr_set(v, gpr, v->pc ? v->pc->lapic.tpr >> 4 : v->cr8);
        return true;
    }
    if (gpr_get(v, gpr) >> 4)
        return false;
    v->cr8 = gpr_get(v, gpr);
    if (v->pc)
        vmx_pc_cr8(v, v->cr8);
    return true;
}

void vmx_cr_exit(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned cr = CRQ_CR(q), type = CRQ_TYPE(q), gpr = CRQ_GPR(q);
    uint64_t shadow0 = vmread(VMCS_CR0_SHADOW), val;
    bool ok;

    switch (type) {
    case CR_MOV_TO:
        val = gpr_get(v, gpr);
        if (!long_mode_code())
            val &= 0xffffffffull; /* 32-bit operand outside 64-bit code */
        ok = cr == 0 ? guest_write_cr0(v, val) : cr == 4 ? guest_write_cr4(v, val)
             : cr == 8 ? cr8_access(v, type, gpr) : false;
        break;
    case CR_MOV_FROM:
        ok = cr == 8 && cr8_access(v, type, gpr);
        break;
    case CR_CLTS:
        ok = guest_write_cr0(v, shadow0 & ~X86_CR0_TS);
        break;
    default: /* LMSW: bits 3:0 of the source; it can set PE, never clear it */
        val = (shadow0 & ~0xeull) | (CRQ_LMSW_SRC(q) & 0xf) | (shadow0 & X86_CR0_PE);
        ok = guest_write_cr0(v, val);
        break;
    }
    if (!ok) {
        plat_log(LOG_DEBUG, "cr: refused access (qualification %#llx): #GP",
                 (unsigned long long)q);
        inject(v, X86_VEC_GP, true);
        return;
    }
    vmx_skip_insn();
}

/* ------------------------------------------------------------ XSETBV */

/* XCR0 rules (SDM Vol. 1 13.3): x87 always set, AVX needs SSE, the three
 * AVX-512 components together and with AVX, the two AMX ones together. */
static bool xcr0_valid(uint64_t val, uint64_t supported)
{
    uint64_t avx512 = 0xe0, amx = 3ull << 17;

    if (!(val & 1) || (val & ~supported) || ((val & 4) && !(val & 2)))
        return false;
    if ((val & avx512) && ((val & avx512) != avx512 || !(val & 4)))
        return false;
    return !(val & amx) || (val & amx) == amx;
}

void vmx_xsetbv_exit(struct vcpu *v)
{
    uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
    uint64_t supported = guest_cpu_xcr0_supported();

    /* CR4.OSXSAVE = 0 is a #UD the CPU raised before any exit. */
    if (guest_cpl() || (uint32_t)v->regs.rcx != 0 || !xcr0_valid(val, supported)) {
        plat_log(LOG_DEBUG, "xsetbv: XCR%u = %#llx refused: #GP", (uint32_t)v->regs.rcx,
                 (unsigned long long)val);
        inject(v, X86_VEC_GP, true);
        return;
    }
    /* hv never uses extended state: the guest's XCR0 stays loaded. */
    __asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    v->xcr0 = val;
    vmx_skip_insn();
}

/* ------------------------------------------------------------ the rest */

/* INVD: guest memory is write-back and coherent, and dropping caches
 * without writing them back could lose hv's own data; WBINVD's effect
 * (none visible to a guest) is what it gets. */
void vmx_invd_exit(struct vcpu *v)
{
    (void)v;
    vmx_skip_insn();
}

/* GETSEC and the VMX instructions: hv offers neither SMX nor VMX (CPUID
 * says so and CR4.SMXE/VMXE cannot be set), so each raises #UD as on a
 * CPU without them. */
void vmx_ud_exit(struct vcpu *v)
{
    inject(v, X86_VEC_UD, false);
}
