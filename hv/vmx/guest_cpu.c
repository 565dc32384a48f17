/*
 * CPU state a guest can read that the VMCS does not switch: x87/SSE/AVX
 * registers, XCR0, DR0-DR3 and DR6, and the SYSCALL/SWAPGS/RDTSCP MSRs
 * (which pass through the MSR bitmap).  hv itself never uses any of them
 * (-mgeneral-regs-only, no SYSCALL, no SWAPGS), so the guest keeps them in
 * the hardware while it runs; before each guest they are put back to the
 * entry state of docs/guest-abi.md, so nothing of one guest reaches the
 * next.  PAT and CR8 are virtual (struct vcpu), reset with the vCPU.
 */
#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"
#include "hv/vmx/vcpu.h"

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)
#define CPUID7_ECX_RDPID (1u << 22)
#define XCR0_X87 1ull
#define MXCSR_RESET 0x1f80u
#define DR6_RESET 0xffff0ff0ull

static struct {
    bool ready, xsave, tsc_aux;
    uint64_t xcr0_all;     /* every state component the CPU supports */
    uint8_t *area;         /* XRSTOR image: every component in its init state */
    size_t area_pages;
} host;

static void xsetbv(uint32_t idx, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Once: turn on CR4.OSXSAVE in hv (XSETBV on the guest's behalf needs it)
 * and build the XRSTOR image that initialises every component. */
bool guest_cpu_host_setup(void)
{
    struct cpuid_regs r;

    if (host.ready)
        return true;
    r = cpuid(1, 0);
    host.xsave = r.ecx & CPUID1_ECX_XSAVE;
    r = cpuid(0x80000000, 0);
    if (r.eax >= 0x80000001)
        host.tsc_aux = cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_RDTSCP;
    if (cpuid(0, 0).eax >= 7)
        host.tsc_aux |= (cpuid(7, 0).ecx & CPUID7_ECX_RDPID) != 0;
    if (host.xsave) {
        write_cr4(read_cr4() | X86_CR4_OSXSAVE);
        r = cpuid(0xd, 0);
        host.xcr0_all = r.eax | (uint64_t)r.edx << 32;
        /* ECX: the XSAVE area size for every supported component. */
        host.area_pages = (r.ecx + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE;
        host.area = plat_alloc_pages(host.area_pages); /* zeroed: XSTATE_BV = 0 */
        if (!host.area) {
            plat_log(LOG_ERR, "vmx: no memory for the XSAVE reset image");
            return false;
        }
        /* The legacy region's MXCSR is loaded whenever SSE or AVX is
         * restored, even in its init state (SDM Vol. 1 13.8.1). */
        memcpy(host.area + 24, &(uint32_t){MXCSR_RESET}, 4);
    }
    host.ready = true;
    return true;
}

static void fpu_reset(void)
{
    uint32_t mxcsr = MXCSR_RESET;

    if (host.xsave) {
        /* XRSTOR with XSTATE_BV = 0 puts every component requested in
         * its initial state: x87 as after FNINIT, XMM/YMM/ZMM zero, ... */
        xsetbv(0, host.xcr0_all);
        __asm__ volatile("xrstor %0" ::"m"(*host.area), "a"((uint32_t)host.xcr0_all),
                         "d"((uint32_t)(host.xcr0_all >> 32)) : "memory");
        xsetbv(0, XCR0_X87);
        return;
    }
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
    /* XMM registers: zeroed by vmx_emu_reset. */
}

void guest_cpu_reset(struct vcpu *v)
{
    fpu_reset();
    __asm__ volatile("mov %0, %%db0; mov %0, %%db1; mov %0, %%db2; mov %0, %%db3"
                     ::"r"(0ull));
    __asm__ volatile("mov %0, %%db6" ::"r"(DR6_RESET));
    wrmsr(MSR_IA32_STAR, 0);
    wrmsr(MSR_IA32_LSTAR, 0);
    wrmsr(MSR_IA32_CSTAR, 0);
    wrmsr(MSR_IA32_FMASK, 0);
    wrmsr(MSR_IA32_KERNEL_GS_BASE, 0);
    if (host.tsc_aux)
        wrmsr(MSR_IA32_TSC_AUX, 0);
    v->pat = X86_PAT_RESET;
    v->misc_enable = 1; /* fast strings */
    v->cr8 = 0;
    v->xcr0 = XCR0_X87;
}

uint64_t guest_cpu_xcr0_supported(void)
{
    return host.xsave ? host.xcr0_all : 0;
}

bool guest_cpu_has_tsc_aux(void)
{
    return host.tsc_aux;
}
