#include "hv/vmx.h"

#include "hv/cpu.h"
#include "hv/host_desc.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vmx_invept.h"

#define CR4_VMXE (1ull << 13)

int vmx_enter(struct guest_regs *regs, int resume);

static void *vmxon_region;
static bool vmx_is_on;

/* Firmware normally locks IA32_FEATURE_CONTROL; OVMF under Bochs leaves
 * it 0 and unlocked, and VMXON then #GPs until we set and lock it. */
static bool feature_control(const struct vmx_caps *c)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

    if (fc & FEATURE_CONTROL_LOCK) {
        if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
            return true;
        plat_log(LOG_ERR, "vmx: IA32_FEATURE_CONTROL locked with VMX off (%#llx)",
                 (unsigned long long)fc);
        return false;
    }
    wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    plat_log(LOG_INFO, "vmx: IA32_FEATURE_CONTROL was unlocked (%#llx): now %#llx (VMX outside "
             "SMX, locked)", (unsigned long long)fc,
             (unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
    (void)c;
    return true;
}

/* CR0/CR4 must honour the VMX fixed bits (SDM Vol. 3D A.7, A.8). */
static bool fixed_bits(const struct vmx_caps *c)
{
    uint64_t cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;
    uint64_t want0 = (cr0 | c->cr0_fixed0) & c->cr0_fixed1;
    uint64_t want4 = (cr4 | c->cr4_fixed0) & c->cr4_fixed1;

    if (want0 != cr0) {
        plat_log(LOG_INFO, "vmx: CR0 %#llx -> %#llx for the VMX fixed bits",
                 (unsigned long long)cr0, (unsigned long long)want0);
        write_cr0(want0);
    }
    write_cr4(want4);
    return (read_cr4() & CR4_VMXE) != 0;
}

bool vmx_on(const struct vmx_caps *c)
{
    uint64_t pa;
    uint8_t fail;

    if (vmx_is_on)
        return true;
    if (!feature_control(c) || !fixed_bits(c))
        return false;
    vmxon_region = plat_alloc_pages(1);
    if (!vmxon_region) {
        plat_log(LOG_ERR, "vmx: no memory for the VMXON region");
        return false;
    }
    *(uint32_t *)vmxon_region = c->vmcs_revision;
    pa = plat_virt_to_phys(vmxon_region);
    __asm__ volatile("vmxon %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (fail) {
        plat_log(LOG_ERR, "vmx: VMXON failed (region %#llx, revision %#x)",
                 (unsigned long long)pa, c->vmcs_revision);
        plat_free_pages(vmxon_region, 1);
        vmxon_region = NULL;
        return false;
    }
    vmx_is_on = true;
    vmx_invept_enable(true, c->invept_single);
    plat_log(LOG_INFO, "vmx: VMXON ok (region %#llx)", (unsigned long long)pa);
    return true;
}

void vmx_off(void)
{
    if (!vmx_is_on)
        return;
    __asm__ volatile("vmxoff" ::: "cc", "memory");
    write_cr4(read_cr4() & ~CR4_VMXE);
    vmx_invept_enable(false, false);
    plat_free_pages(vmxon_region, 1);
    vmxon_region = NULL;
    vmx_is_on = false;
}

static const char *const insn_errors[] = {
    [1] = "VMCALL in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint64_t err)
{
    if (err < ARRAY_SIZE(insn_errors) && insn_errors[err])
        return insn_errors[err];
    return "unknown";
}

/* The built-in guest (hv/guest_builtin.asm): 16-bit code run at 0:1000. */
extern const uint8_t guest_builtin_start[], guest_builtin_end[];
#define GUEST_LOAD_ADDR 0x1000
#define GUEST_STACK_TOP 0x8000

static bool load_guest(struct machine *m)
{
    size_t len = (size_t)(guest_builtin_end - guest_builtin_start);

    if (address_space_write(&m->as_mem, GUEST_LOAD_ADDR, guest_builtin_start, len) != MEMTX_OK) {
        plat_log(LOG_ERR, "vmx: could not load the built-in guest");
        return false;
    }
    plat_log(LOG_INFO, "vmx: built-in guest: %zu bytes at %#x, 16-bit real mode",
             len, GUEST_LOAD_ADDR);
    return true;
}

static bool vmcs_load(struct vcpu *v)
{
    uint64_t pa;
    uint8_t fail;

    v->vmcs = plat_alloc_pages(1);
    if (!v->vmcs)
        return false;
    *(uint32_t *)v->vmcs = v->caps->vmcs_revision;
    pa = plat_virt_to_phys(v->vmcs);
    __asm__ volatile("vmclear %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (!fail)
        __asm__ volatile("vmptrld %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (fail)
        plat_log(LOG_ERR, "vmx: VMCLEAR/VMPTRLD of %#llx failed", (unsigned long long)pa);
    return !fail;
}

static void run_loop(struct vcpu *v)
{
    while (v->stop == VCPU_RUNNING) {
        int r = vmx_enter(&v->regs, v->launched);

        if (r) {
            uint64_t err = r == 2 ? vmread(VMCS_INSN_ERROR) : 0;

            plat_log(LOG_ERR, "vmx: %s failed: %s (VM-instruction error %llu: %s)",
                     v->launched ? "VMRESUME" : "VMLAUNCH",
                     r == 1 ? "VMfailInvalid" : "VMfailValid", (unsigned long long)err,
                     vmx_insn_error_name(err));
            vmx_report_guest(v, "failed VM entry");
            v->stop = VCPU_ERROR;
            v->error = "VM entry failed";
            return;
        }
        v->launched = true;
        vmx_handle_exit(v);
    }
}

bool vmx_run_guest(const struct vmx_caps *caps, struct machine *m)
{
    static struct vcpu vcpu;
    struct vcpu *v = &vcpu;
    bool ok = false;
    uint64_t t0;

    memset(v, 0, sizeof(*v));
    v->caps = caps;
    v->machine = m;
    host_desc_install();
    if (!vmx_on(caps))
        return false;
    if (!load_guest(m) || hv_ept_build(&v->ept, &m->as_mem, caps->ept_ad) != MR_OK)
        goto out;
    plat_log(LOG_INFO, "ept: eptp %#llx: %llu pages mapped, %llu table pages%s",
             (unsigned long long)v->ept.eptp, (unsigned long long)v->ept.mapped_pages,
             (unsigned long long)v->ept.table_pages, caps->ept_ad ? ", A/D on" : "");
    if (!vmcs_load(v) || !vmcs_setup_realmode(v, GUEST_LOAD_ADDR, GUEST_STACK_TOP))
        goto out;
    plat_log(LOG_INFO, "vmx: launching the guest");
    t0 = rdtsc();
    run_loop(v);
    plat_log(LOG_INFO, "vmx: guest stopped after %llu exits, %llu TSC ticks",
             (unsigned long long)v->exits_total, (unsigned long long)(rdtsc() - t0));
    vmx_exit_summary(v);
    plat_log(LOG_INFO, "machine: vga-lowmem saw %llu reads, %llu writes (last: %u bytes at +%#llx); "
             "%llu MMIO exits emulated", (unsigned long long)m->vga_regs.reads,
             (unsigned long long)m->vga_regs.writes, m->vga_regs.last_size,
             (unsigned long long)m->vga_regs.last_addr, (unsigned long long)v->mmio_exits);
    if (v->stop == VCPU_GUEST_EXIT) {
        plat_log(v->guest_status ? LOG_ERR : LOG_INFO, "guest: exited with status %llu (%s)",
                 (unsigned long long)v->guest_status, v->guest_status ? "fail" : "pass");
        ok = v->guest_status == 0;
    } else {
        plat_log(LOG_ERR, "guest: stopped by hv: %s", v->error ? v->error : "?");
    }
out:
    if (v->vmcs) {
        uint64_t pa = plat_virt_to_phys(v->vmcs);
        __asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
        plat_free_pages(v->vmcs, 1);
    }
    hv_ept_destroy(&v->ept);
    vmx_off();
    return ok;
}
