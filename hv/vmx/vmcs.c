/*
 * Filling the VMCS: controls derived from the (TRUE_) capability MSRs,
 * host state from hv's own GDT/TSS/IDT, the I/O and MSR bitmaps, and
 * guest state for each entry mode of docs/guest-abi.md.  SDM Vol. 3C chapters 24 and 26
 * say what each field must hold.
 */
#include "hv/runtime/cpu.h"
#include "hv/vmx/host_desc.h"
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"


/* Access rights (SDM 24.4.1): type | S<<4 | DPL<<5 | P<<7 | ... */
#define AR_CODE16 0x9b      /* execute/read, accessed, S, P */
#define AR_DATA16 0x93      /* read/write, accessed, S, P */
#define AR_CODE32 0xc09b    /* + D/B, G */
#define AR_DATA32 0xc093
#define AR_CODE64 0xa09b    /* + L, G */
#define AR_TSS_BUSY 0x8b    /* busy TSS (type 11), P */
#define AR_LDTR_UNUSABLE 0x10000

static bool ok = true;

static void w(uint64_t field, uint64_t value)
{
    if (!vmwrite(field, value)) {
        plat_log(LOG_ERR, "vmx: VMWRITE %#llx = %#llx failed (error %llu)",
                 (unsigned long long)field, (unsigned long long)value,
                 (unsigned long long)vmread(VMCS_INSN_ERROR));
        ok = false;
    }
}

/* want | must-be-1, and refuse when a wanted bit may not be 1. */
static bool control(uint64_t cap, uint32_t want, uint64_t field, const char *name)
{
    uint32_t v = (want | (uint32_t)cap) & (uint32_t)(cap >> 32);

    if ((v & want) != want) {
        plat_log(LOG_ERR, "vmx: %s controls: wanted %#x, allowed-1 %#x: missing %#x", name, want,
                 (uint32_t)(cap >> 32), want & ~v);
        return false;
    }
    w(field, v);
    return true;
}

static bool controls(struct vcpu *v)
{
    const struct vmx_caps *c = v->caps;
    uint32_t proc2 = PROC2_ENABLE_EPT | (c->unrestricted ? PROC2_UNRESTRICTED_GUEST : 0) |
                     (c->vpid ? PROC2_ENABLE_VPID : 0) | (v->ept.pml_on ? PROC2_ENABLE_PML : 0);

    /* RDTSCP/RDPID and INVPCID work in the guest where the CPU lets them
     * (CPUID hides them otherwise: hv/vmx/insn.c). */
    if (vmx_ctl_may_set(c->procbased2, PROC2_ENABLE_RDTSCP) && guest_cpu_has_tsc_aux())
        proc2 |= PROC2_ENABLE_RDTSCP;
    if (vmx_ctl_may_set(c->procbased2, PROC2_ENABLE_INVPCID))
        proc2 |= PROC2_ENABLE_INVPCID;
    v->proc2 = proc2;

    uint32_t pin = PIN_EXT_INT_EXITING | PIN_NMI_EXITING;
    /* The guest's DR7 and IA32_DEBUGCTL live in the VMCS: a VM exit sets
     * DR7 to 400H and clears IA32_DEBUGCTL (SDM Vol. 3C 27.5.1), so
     * without "save debug controls" (24.7.1) and "load debug controls"
     * (24.8.1, 26.3.2.1) the guest's breakpoints would be disabled by
     * the first exit after it set them. */
    uint32_t exit = EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_EFER |
                    EXIT_LOAD_EFER | EXIT_SAVE_DEBUG_CONTROLS;

    /* The preemption timer bounds the guest's time; saving its value at
     * exits makes it count the guest's time across them. */
    v->timer_on = vmx_ctl_may_set(c->pinbased, PIN_PREEMPTION_TIMER);
    if (v->timer_on) {
        pin |= PIN_PREEMPTION_TIMER;
        if (vmx_ctl_may_set(c->exit, EXIT_SAVE_PREEMPTION_TIMER))
            exit |= EXIT_SAVE_PREEMPTION_TIMER;
    }
    /* Virtual NMIs: the CPU tracks the guest's NMI blocking (an injected
     * NMI sets it, the guest's IRET clears it), and NMI-window exiting
     * tells hv when a pending NMI can go in (SDM Vol. 3C 25.3, 26.7.6). */
    v->vnmi = vmx_ctl_may_set(c->pinbased, PIN_VIRTUAL_NMIS) &&
              vmx_ctl_may_set(c->procbased, PROC_NMI_WINDOW_EXITING);
    if (v->vnmi)
        pin |= PIN_VIRTUAL_NMIS;
    v->entry_ctls = ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG_CONTROLS |
                    (v->entry.mode == 64 ? ENTRY_IA32E_MODE_GUEST : 0);
    return control(c->pinbased, pin, VMCS_PIN_CONTROLS, "pin") &&
           control(c->procbased, PROC_HLT_EXITING | PROC_TSC_OFFSETTING | PROC_CR8_LOAD_EXITING |
                   PROC_CR8_STORE_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
                   PROC_SECONDARY_CONTROLS, VMCS_PROC_CONTROLS, "processor") &&
           control(c->procbased2, proc2, VMCS_PROC2_CONTROLS, "secondary") &&
           control(c->exit, exit, VMCS_EXIT_CONTROLS, "exit") &&
           control(c->entry, v->entry_ctls, VMCS_ENTRY_CONTROLS, "entry");
}

static void host_state(void)
{
    const struct host_desc_state *d = host_desc_state();

    w(VMCS_HOST_CR0, read_cr0());
    w(VMCS_HOST_CR3, read_cr3());
    w(VMCS_HOST_CR4, read_cr4());
    w(VMCS_HOST_CS_SEL, HOST_CS_SEL);
    w(VMCS_HOST_SS_SEL, HOST_DS_SEL);
    w(VMCS_HOST_DS_SEL, HOST_DS_SEL);
    w(VMCS_HOST_ES_SEL, HOST_DS_SEL);
    w(VMCS_HOST_FS_SEL, HOST_DS_SEL);
    w(VMCS_HOST_GS_SEL, HOST_DS_SEL);
    w(VMCS_HOST_TR_SEL, HOST_TR_SEL);
    w(VMCS_HOST_FS_BASE, 0);
    w(VMCS_HOST_GS_BASE, 0);
    w(VMCS_HOST_TR_BASE, d->tss_base);
    w(VMCS_HOST_GDTR_BASE, d->gdt_base);
    w(VMCS_HOST_IDTR_BASE, d->idt_base);
    w(VMCS_HOST_SYSENTER_CS, 0);
    w(VMCS_HOST_SYSENTER_ESP, 0);
    w(VMCS_HOST_SYSENTER_EIP, 0);
    w(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
    /* HOST_RSP and HOST_RIP are written by vmx_enter on every entry. */
}

static void segment(uint64_t sel_f, uint64_t base_f, uint64_t limit_f, uint64_t ar_f,
                    uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    w(sel_f, sel);
    w(base_f, base);
    w(limit_f, limit);
    w(ar_f, ar);
}

/* The six segment registers of one mode: CS from code, the rest data. */
static void segments(uint16_t cs, uint16_t ds, uint64_t base, uint32_t limit, uint32_t code_ar,
                     uint32_t data_ar)
{
    segment(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, cs, base,
            limit, code_ar);
    segment(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, ds, base,
            limit, data_ar);
    segment(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, ds, base,
            limit, data_ar);
    segment(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, ds, base,
            limit, data_ar);
    segment(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, ds, base,
            limit, data_ar);
    segment(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, ds, base,
            limit, data_ar);
}

/* CR0 as the guest sees it per mode (docs/guest-abi.md), and the value
 * the CPU really runs with: VMX's fixed bits added (NE), which the mask
 * keeps the guest from seeing or changing. */
static void control_regs(struct vcpu *v, uint64_t cr0_guest, uint64_t cr4_guest)
{
    const struct vmx_caps *c = v->caps;
    uint64_t fixed0 = c->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG); /* unrestricted guest */
    uint64_t cr0 = (cr0_guest | fixed0) & c->cr0_fixed1;
    uint64_t cr4 = (cr4_guest | c->cr4_fixed0 | X86_CR4_VMXE) & c->cr4_fixed1;

    w(VMCS_GUEST_CR0, cr0);
    w(VMCS_GUEST_CR4, cr4);
    w(VMCS_CR0_MASK, fixed0);
    w(VMCS_CR0_SHADOW, cr0_guest);
    v->cr0_mask = fixed0;
    v->cr0_shadow = cr0_guest;
    /* SMXE too: hv offers no SMX, so setting it must reach write_cr4. */
    w(VMCS_CR4_MASK, c->cr4_fixed0 | X86_CR4_VMXE | X86_CR4_SMXE);
    w(VMCS_CR4_SHADOW, cr4_guest);
}

static void guest_state(struct vcpu *v)
{
    const struct guest_entry *e = &v->entry;
    struct guest_regs *g = &v->regs;

    switch (e->mode) {
    case 16:
        control_regs(v, X86_CR0_ET, 0);
        w(VMCS_GUEST_CR3, 0);
        w(VMCS_GUEST_EFER, 0);
        segments(e->sel16, e->sel16, (uint64_t)e->sel16 << 4, 0xffff, AR_CODE16, AR_DATA16);
        break;
    case 32:
        control_regs(v, X86_CR0_ET | X86_CR0_PE, 0);
        w(VMCS_GUEST_CR3, 0);
        w(VMCS_GUEST_EFER, 0);
        segments(GUEST_SEL_CODE, GUEST_SEL_DATA, 0, 0xffffffff, AR_CODE32, AR_DATA32);
        break;
    default:
        control_regs(v, X86_CR0_ET | X86_CR0_PE | X86_CR0_PG, X86_CR4_PAE);
        w(VMCS_GUEST_CR3, GUEST_PML4);
        w(VMCS_GUEST_EFER, X86_EFER_LME | X86_EFER_LMA);
        segments(e->sel_code ? e->sel_code : GUEST_SEL_CODE,
                 e->sel_data ? e->sel_data : GUEST_SEL_DATA, 0, 0xffffffff, AR_CODE64, AR_DATA32);
        break;
    }
    segment(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, 0, 0,
            0x67, AR_TSS_BUSY);
    w(VMCS_GUEST_LDTR_SEL, 0);
    w(VMCS_GUEST_LDTR_BASE, 0);
    w(VMCS_GUEST_LDTR_LIMIT, 0);
    w(VMCS_GUEST_LDTR_AR, AR_LDTR_UNUSABLE);
    w(VMCS_GUEST_GDTR_BASE, GUEST_GDT);
    w(VMCS_GUEST_GDTR_LIMIT, e->gdt_limit ? e->gdt_limit : GUEST_GDT_LIMIT);
    w(VMCS_GUEST_IDTR_BASE, 0);
    w(VMCS_GUEST_IDTR_LIMIT, 0); /* no handlers until the guest loads an IDT */

    w(VMCS_GUEST_RIP, e->rip);
    w(VMCS_GUEST_RSP, e->rsp);
    w(VMCS_GUEST_RFLAGS, 0x2);
    w(VMCS_GUEST_DR7, 0x400);
    w(VMCS_GUEST_DEBUGCTL, 0);
    w(VMCS_GUEST_SYSENTER_CS, 0);
    w(VMCS_GUEST_SYSENTER_ESP, 0);
    w(VMCS_GUEST_SYSENTER_EIP, 0);
    w(VMCS_GUEST_INTERRUPTIBILITY, 0);
    w(VMCS_GUEST_ACTIVITY, 0);
    w(VMCS_GUEST_PENDING_DBG, 0);
    w(VMCS_LINK_POINTER, ~0ull);

    memset(g, 0, sizeof(*g));
    g->rax = GUEST_MAGIC;
    g->rbx = e->ram_size;
    g->rcx = e->mode;
    if (e->has_regs) { /* multiboot: EAX magic, EBX the info; Linux: RSI */
        g->rax = e->rax;
        g->rbx = e->rbx;
        g->rcx = 0;
        g->rsi = e->rsi;
    }
}

/* Bitmaps (SDM 24.6.4, 24.6.9): every port exits (each one is emulated
 * or reads all-ones).  MSRs pass through when the VMCS switches them
 * (SYSENTER, FS/GS base) or when hv never uses them and resets them before
 * each guest (hv/vmx/guest_cpu.c: the SYSCALL MSRs, KERNEL_GS_BASE,
 * TSC_AUX); every other MSR exits to hv/vmx/msr.c. */
static bool bitmaps(struct vcpu *v)
{
    static const uint32_t pass[] = {
        MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_FS_BASE,
        MSR_IA32_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK,
        MSR_IA32_KERNEL_GS_BASE, MSR_IA32_TSC_AUX,
    };
    uint8_t *msr;
    size_t i;

    v->io_bitmaps = plat_alloc_pages(2);
    v->msr_bitmap = plat_alloc_pages(1);
    if (!v->io_bitmaps || !v->msr_bitmap) {
        plat_log(LOG_ERR, "vmx: no memory for the I/O and MSR bitmaps");
        return false;
    }
    memset(v->io_bitmaps, 0xff, 2 * 4096);
    msr = v->msr_bitmap;
    memset(msr, 0xff, 4096);
    for (i = 0; i < ARRAY_SIZE(pass); i++) {
        uint32_t m = pass[i], lo = m & 0x1fff;
        size_t base = m >= 0xc0000000 ? 1024 : 0; /* read low, read high */

        msr[base + lo / 8] &= (uint8_t)~(1u << (lo % 8));        /* read */
        msr[base + 2048 + lo / 8] &= (uint8_t)~(1u << (lo % 8)); /* write */
    }
    w(VMCS_IO_BITMAP_A, plat_virt_to_phys(v->io_bitmaps));
    w(VMCS_IO_BITMAP_B, plat_virt_to_phys((uint8_t *)v->io_bitmaps + 4096));
    w(VMCS_MSR_BITMAP, plat_virt_to_phys(v->msr_bitmap));
    return true;
}

bool vmcs_setup_guest(struct vcpu *v)
{
    bool r;

    ok = true;
    if (v->entry.mode != 64 && !v->caps->unrestricted) {
        plat_log(LOG_ERR, "vmx: a %u-bit guest needs unrestricted guest", v->entry.mode);
        return false;
    }
    if (!controls(v) || !bitmaps(v))
        return false;
    w(VMCS_EXCEPTION_BITMAP, 0);
    w(VMCS_CR3_TARGET_COUNT, 0);
    w(VMCS_EXIT_MSR_STORE_COUNT, 0);
    w(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    w(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    w(VMCS_ENTRY_INTR_INFO, 0);
    w(VMCS_EPT_POINTER, v->ept.eptp);
    w(VMCS_TSC_OFFSET, v->tsc_offset);
    if (v->ept.pml_on) {
        w(VMCS_PML_ADDRESS, ept_pml_address(&v->ept.pml));
        w(VMCS_GUEST_PML_INDEX, v->ept.pml.index);
    }
    if (v->caps->vpid)
        w(VMCS_VPID, v->vpid);
    host_state();
    guest_state(v);
    r = ok;
    v->proc_ctls = (uint32_t)vmread(VMCS_PROC_CONTROLS);
    return r;
}
