/*
 * cpu_clean: runs right after cpu_taint (tests/guests/guests.list) and
 * checks that every piece of CPU state the VMCS does not switch is at the
 * entry state of docs/guest-abi.md, not at what cpu_taint left.
 */
#include "lib/cpu_state.h"

const char g_name[] = "cpu_clean";

static u8 fxarea[512] __attribute__((aligned(16)));

static u64 fx16(unsigned off) { return fxarea[off] | (u64)fxarea[off + 1] << 8; }
static u64 fx32(unsigned off) { return fx16(off) | fx16(off + 2) << 16; }
static u64 fx64(unsigned off) { return fx32(off) | fx32(off + 4) << 32; }

void guest_main(void)
{
    u64 kgs;

    /* Before anything changes them. */
    g_check("CR2 is 0", 0, read_cr2());
    g_check("CR8 (TPR) is 0", 0, read_cr8());
    g_check("DR0 is 0", 0, read_dr0());
    g_check("DR1 is 0", 0, read_dr1());
    g_check("DR2 is 0", 0, read_dr2());
    g_check("DR3 is 0", 0, read_dr3());
    g_check("DR6 is 0xffff0ff0", 0xffff0ff0, read_dr6());
    g_check("DR7 is 0x400", 0x400, read_dr7());
    g_check("EFER is 0x500 (LME, LMA)", 0x500, rdmsr(MSR_EFER));
    g_check("PAT is the power-on value", 0x0007040600070406ull, rdmsr(MSR_PAT));
    g_check("STAR is 0", 0, rdmsr(MSR_STAR));
    g_check("LSTAR is 0", 0, rdmsr(MSR_LSTAR));
    g_check("CSTAR is 0", 0, rdmsr(MSR_CSTAR));
    g_check("FMASK is 0", 0, rdmsr(MSR_FMASK));
    g_check("TSC_AUX is 0", 0, rdmsr(MSR_TSC_AUX));
    g_check("SYSENTER_CS is 0", 0, rdmsr(MSR_SYSENTER_CS));
    g_check("SYSENTER_ESP is 0", 0, rdmsr(MSR_SYSENTER_ESP));
    g_check("SYSENTER_EIP is 0", 0, rdmsr(MSR_SYSENTER_EIP));
    g_check("KERNEL_GS_BASE is 0 (read by RDMSR)", 0, rdmsr(MSR_KERNEL_GS_BASE));
    __asm__ volatile("swapgs");
    kgs = rdmsr(MSR_GS_BASE);
    __asm__ volatile("swapgs");
    g_check("KERNEL_GS_BASE is 0 (read by SWAPGS)", 0, kgs);

    enable_sse_xsave();
    if (has_xsave())
        g_check("XCR0 is 1 (x87 only)", 1, xgetbv0());
    __asm__ volatile("fxsave %0" : "=m"(fxarea));
    g_check("x87 control word is 0x37f (FNINIT)", 0x37f, fx16(0));
    g_check("x87 status word is 0", 0, fx16(2));
    g_check("x87 tag word: every register empty", 0, fxarea[4]);
    g_check("MXCSR is 0x1f80", 0x1f80, fx32(24));
    g_check("XMM0 is 0 (low)", 0, fx64(160));
    g_check("XMM0 is 0 (high)", 0, fx64(168));
    g_check("XMM15 is 0", 0, fx64(160 + 15 * 16) | fx64(168 + 15 * 16));
    if (has_xsave() && YMM_OK(xcr0_supported())) {
        static u64 y[4];

        xsetbv0(7);
        __asm__ volatile("vmovdqu %%ymm1, %0" : "=m"(y) :: "memory");
        g_check("YMM1 upper half is 0", 0, y[2] | y[3]);
        xsetbv0(1);
    }
    g_exit();
}
