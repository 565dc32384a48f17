/*
 * cpu_taint: sets every piece of CPU state a guest can read that the VMCS
 * does not switch (tests/guests/lib/cpu_state.h) to a value no entry state
 * has.  The next guest, cpu_clean, must not see any of it.
 */
#include "lib/cpu_state.h"

const char g_name[] = "cpu_taint";

static u8 fxarea[512] __attribute__((aligned(16)));

void guest_main(void)
{
    static const u32 mxcsr = 0x1fc0 | 0x6000; /* DAZ, round toward zero */
    static const u16 fcw = 0x27f;             /* 53-bit precision */
    static const u64 ones[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    u64 s = 0;

    enable_sse_xsave();
    /* x87: a non-default control word and two values on the stack */
    __asm__ volatile("fldcw %0; fld1; fldpi" ::"m"(fcw));
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
    __asm__ volatile("movdqu %0, %%xmm0; movdqu %0, %%xmm15" ::"m"(ones[0]));
    __asm__ volatile("fxsave %0" : "=m"(fxarea));
    write_dr0(0x1000);
    write_dr1(0x2000);
    write_dr2(0x3000);
    write_dr3(0x4000);
    write_dr6(0xffff4ff1);
    write_dr7(0x401);      /* L0: a breakpoint at 0x1000 (never executed) */
    __asm__ volatile("mov %0, %%cr2" ::"r"(0xdead0000ull));
    write_cr8(9);
    wrmsr(MSR_PAT, 0x0606060606060606ull);
    wrmsr(MSR_GS_BASE, 0x1234000ull);
    __asm__ volatile("swapgs");  /* KERNEL_GS_BASE = 0x1234000 */
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_STAR, 0x0023001000000000ull);
    wrmsr(MSR_LSTAR, 0xffffffff81000000ull);
    wrmsr(MSR_CSTAR, 0xffffffff81000100ull);
    wrmsr(MSR_FMASK, 0x47700);
    wrmsr(MSR_TSC_AUX, 7);
    wrmsr(MSR_SYSENTER_CS, 0x10);
    wrmsr(MSR_SYSENTER_ESP, 0x9000);
    wrmsr(MSR_SYSENTER_EIP, 0x100000);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1 | (1u << 11)); /* SCE, NXE */
    /* XCR0 and the AVX state last: a hypervisor without XSETBV support
     * stops the guest here, after everything else was set. */
    if (has_xsave()) {
        s = xcr0_supported() & 7;
        xsetbv0(s);
        if (YMM_OK(s))
            __asm__ volatile("vmovdqu %0, %%ymm1" ::"m"(ones[0]));
    }
    g_check("every piece of CPU state set (x87, MXCSR, XMM/YMM, DR0-7, CR2, CR8, PAT, "
            "syscall MSRs, KERNEL_GS_BASE, TSC_AUX, SYSENTER, EFER, XCR0)", 9, read_cr8());
    g_exit();
}
