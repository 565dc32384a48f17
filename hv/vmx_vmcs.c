/*
 * Filling the VMCS: controls derived from the (TRUE_) capability MSRs,
 * host state from hv's own GDT/TSS/IDT, and guest state for a 16-bit
 * real-mode guest (unrestricted guest).  SDM Vol. 3C chapters 24 and 26
 * say what each field must hold.
 */
#include "hv/cpu.h"
#include "hv/host_desc.h"
#include "hv/platform.h"
#include "hv/vcpu.h"

#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_PAT 0x277
#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)

/* Access rights (SDM 24.4.1): type | S<<4 | DPL<<5 | P<<7 | ... */
#define AR_CODE16 0x9b      /* execute/read, accessed, S, P */
#define AR_DATA16 0x93      /* read/write, accessed, S, P */
#define AR_TSS16_BUSY 0x8b  /* busy TSS (type 11), P */
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
    uint32_t proc2 = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST | (c->vpid ? PROC2_ENABLE_VPID : 0);

    return control(c->pinbased, PIN_EXT_INT_EXITING | PIN_NMI_EXITING, VMCS_PIN_CONTROLS, "pin") &&
           /* Every port exits; every MSR exits (no MSR bitmap). */
           control(c->procbased, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_SECONDARY_CONTROLS,
                   VMCS_PROC_CONTROLS, "processor") &&
           control(c->procbased2, proc2, VMCS_PROC2_CONTROLS, "secondary") &&
           control(c->exit, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_EFER |
                   EXIT_LOAD_EFER, VMCS_EXIT_CONTROLS, "exit") &&
           control(c->entry, ENTRY_LOAD_EFER, VMCS_ENTRY_CONTROLS, "entry");
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
                    uint16_t sel, uint32_t ar)
{
    w(sel_f, sel);
    w(base_f, (uint64_t)sel << 4);
    w(limit_f, 0xffff);
    w(ar_f, ar);
}

static void guest_state(struct vcpu *v, uint64_t entry, uint64_t sp)
{
    const struct vmx_caps *c = v->caps;
    /* PE and PG may be 0 with unrestricted guest; the rest are fixed. */
    uint64_t cr0 = ((CR0_ET | CR0_NE | c->cr0_fixed0) & c->cr0_fixed1) & ~(CR0_PE | CR0_PG);
    uint64_t cr4 = (c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1;

    w(VMCS_GUEST_CR0, cr0);
    w(VMCS_GUEST_CR3, 0);
    w(VMCS_GUEST_CR4, cr4);
    /* The guest owns CR0/CR4 except the bits VMX forces; those read back
     * as the guest would expect from a reset CPU. */
    w(VMCS_CR0_MASK, CR0_NE);
    w(VMCS_CR0_SHADOW, CR0_ET);
    w(VMCS_CR4_MASK, CR4_VMXE);
    w(VMCS_CR4_SHADOW, 0);

    segment(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, 0, AR_CODE16);
    segment(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, 0, AR_DATA16);
    segment(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, 0, AR_DATA16);
    segment(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, 0, AR_DATA16);
    segment(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, 0, AR_DATA16);
    segment(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, 0, AR_DATA16);
    segment(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, 0,
            AR_TSS16_BUSY);
    w(VMCS_GUEST_LDTR_SEL, 0);
    w(VMCS_GUEST_LDTR_BASE, 0);
    w(VMCS_GUEST_LDTR_LIMIT, 0);
    w(VMCS_GUEST_LDTR_AR, AR_LDTR_UNUSABLE);
    w(VMCS_GUEST_GDTR_BASE, 0);
    w(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    w(VMCS_GUEST_IDTR_BASE, 0);
    w(VMCS_GUEST_IDTR_LIMIT, 0x3ff); /* the real-mode IVT */

    w(VMCS_GUEST_RIP, entry);
    w(VMCS_GUEST_RSP, sp);
    w(VMCS_GUEST_RFLAGS, 0x2);
    w(VMCS_GUEST_DR7, 0x400);
    w(VMCS_GUEST_DEBUGCTL, 0);
    w(VMCS_GUEST_EFER, 0);
    w(VMCS_GUEST_SYSENTER_CS, 0);
    w(VMCS_GUEST_SYSENTER_ESP, 0);
    w(VMCS_GUEST_SYSENTER_EIP, 0);
    w(VMCS_GUEST_INTERRUPTIBILITY, 0);
    w(VMCS_GUEST_ACTIVITY, 0);
    w(VMCS_GUEST_PENDING_DBG, 0);
    w(VMCS_LINK_POINTER, ~0ull);
}

bool vmcs_setup_realmode(struct vcpu *v, uint64_t entry, uint64_t sp)
{
    ok = true;
    if (!v->caps->unrestricted) {
        plat_log(LOG_ERR, "vmx: the built-in guest is 16-bit and needs unrestricted guest");
        return false;
    }
    if (!controls(v))
        return false;
    w(VMCS_EXCEPTION_BITMAP, 0);
    w(VMCS_CR3_TARGET_COUNT, 0);
    w(VMCS_EXIT_MSR_STORE_COUNT, 0);
    w(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    w(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    w(VMCS_ENTRY_INTR_INFO, 0);
    w(VMCS_EPT_POINTER, v->ept.eptp);
    if (v->caps->vpid)
        w(VMCS_VPID, 1);
    host_state();
    guest_state(v, entry, sp);
    return ok;
}
