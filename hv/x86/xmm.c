/*
 * The CPU's own XMM registers, for a backend's ops->get_xmm/set_xmm.
 *
 * hv.efi is built -mgeneral-regs-only and never saves, restores or uses
 * SSE state, so during a VM exit the XMM registers still hold the guest's
 * values: reading and writing them directly is reading and writing the
 * guest's registers.  (A backend that switches FPU state must use its save
 * area instead.)  The register number is part of the instruction, hence
 * one case per register.  The MMX registers likewise (the x87 state is
 * the guest's too; a MOVQ here changes the tag word and TOP exactly as the
 * guest's own MOVQ would).
 */
#include "hv/x86/emulate.h"

#define XMM_CASE(n)                                                          \
    case n:                                                                  \
        if (write)                                                           \
            __asm__ volatile("movdqu (%0), %%xmm" #n : : "r"(buf) : "memory"); \
        else                                                                 \
            __asm__ volatile("movdqu %%xmm" #n ", (%0)" : : "r"(buf) : "memory"); \
        break;

static void xmm_move(unsigned reg, uint8_t *buf, bool write)
{
    switch (reg & 15) {
        XMM_CASE(0) XMM_CASE(1) XMM_CASE(2) XMM_CASE(3)
        XMM_CASE(4) XMM_CASE(5) XMM_CASE(6) XMM_CASE(7)
        XMM_CASE(8) XMM_CASE(9) XMM_CASE(10) XMM_CASE(11)
        XMM_CASE(12) XMM_CASE(13) XMM_CASE(14) XMM_CASE(15)
    }
}

void x86_live_xmm_get(unsigned reg, uint8_t val[16])
{
    xmm_move(reg, val, false);
}

void x86_live_xmm_set(unsigned reg, const uint8_t val[16])
{
    xmm_move(reg, (uint8_t *)val, true);
}

#define MMX_CASE(n)                                                          \
    case n:                                                                  \
        if (write)                                                           \
            __asm__ volatile("movq (%0), %%mm" #n : : "r"(buf) : "memory");  \
        else                                                                 \
            __asm__ volatile("movq %%mm" #n ", (%0)" : : "r"(buf) : "memory"); \
        break;

static void mmx_move(unsigned reg, uint64_t *buf, bool write)
{
    switch (reg & 7) {
        MMX_CASE(0) MMX_CASE(1) MMX_CASE(2) MMX_CASE(3)
        MMX_CASE(4) MMX_CASE(5) MMX_CASE(6) MMX_CASE(7)
    }
}

uint64_t x86_live_mmx_get(unsigned reg)
{
    uint64_t v;

    mmx_move(reg, &v, false);
    return v;
}

void x86_live_mmx_set(unsigned reg, uint64_t val)
{
    mmx_move(reg, &val, true);
}
