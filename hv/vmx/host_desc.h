/*
 * hv's own descriptor tables: a GDT with a 64-bit code segment, a data
 * segment and a TSS (VM exits need a non-null host TR, which OVMF does not
 * provide), and an IDT whose exception handlers report and shut down.
 */
#ifndef HV_HOST_DESC_H
#define HV_HOST_DESC_H

#include "hv/lib/base.h"

#define HOST_CS_SEL 0x08
#define HOST_DS_SEL 0x10
#define HOST_TR_SEL 0x18

struct host_desc_state {
    uint64_t gdt_base, idt_base, tss_base;
    uint16_t gdt_limit, idt_limit;
};

/* Loads hv's GDT, TR and IDT on this CPU (after ExitBootServices only). */
void host_desc_install(void);
const struct host_desc_state *host_desc_state(void);

/* What the exception stubs push (hv/vmx/host_cpu.asm). */
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

__attribute__((noreturn)) void hv_exception(struct exc_frame *f);

#endif
