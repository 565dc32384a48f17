/*
 * tests/guests/lib/cpu_state.h: the CPU state a guest can read that the
 * VMCS does not switch by itself (docs/guest-abi.md "Entry state": x87,
 * MXCSR, XMM/YMM, debug registers, CR2, CR8, XCR0 and the MSRs), for the
 * cpu_taint/cpu_clean pair: the first guest sets all of it, the second
 * (the next run, on a fresh machine) checks it is back to the entry state.
 * 64-bit guests only.
 */
#ifndef CPU_STATE_H
#define CPU_STATE_H

#include "lib/guest.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#define READ_CR(n)                                                   \
    static inline u64 read_cr##n(void)                               \
    {                                                                \
        u64 v;                                                       \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));            \
        return v;                                                    \
    }                                                                \
    static inline void write_cr##n(u64 v)                            \
    {                                                                \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");     \
    }
READ_CR(2)
READ_CR(4)
READ_CR(8)

#define DR(n)                                                        \
    static inline u64 read_dr##n(void)                               \
    {                                                                \
        u64 v;                                                       \
        __asm__ volatile("mov %%db" #n ", %0" : "=r"(v));            \
        return v;                                                    \
    }                                                                \
    static inline void write_dr##n(u64 v)                            \
    {                                                                \
        __asm__ volatile("mov %0, %%db" #n ::"r"(v));                \
    }
DR(0)
DR(1)
DR(2)
DR(3)
DR(6)
DR(7)

static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static inline int has_xsave(void)
{
    u32 r[4];

    cpuid(1, 0, r);
    return r[2] & (1u << 26);
}

/* XCR0 bits this CPU supports (CPUID.(EAX=0DH,ECX=0):EAX). */
static inline u64 xcr0_supported(void)
{
    u32 r[4];

    cpuid(0xd, 0, r);
    return r[0] | (u64)r[3] << 32;
}

static inline u64 xgetbv0(void)
{
    u32 lo, hi;

    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (u64)hi << 32 | lo;
}

static inline void xsetbv0(u64 v)
{
    __asm__ volatile("xsetbv" ::"c"(0), "a"((u32)v), "d"((u32)(v >> 32)));
}

/* SSE and XSAVE usable by this guest (entry CR4 has neither). */
static inline void enable_sse_xsave(void)
{
    u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

    if (has_xsave())
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
}

#define YMM_OK(s) ((s) & 4) /* XCR0 bit 2: AVX state */

#endif
