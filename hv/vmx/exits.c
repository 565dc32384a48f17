/*
 * VM-exit handlers: every exit is counted by reason; the ones a guest may
 * cause on purpose are emulated and the guest resumed after the
 * instruction; anything else stops the run with a report, never a hang.
 */
#include "hv/runtime/cpu.h"
#include "hv/guest/hypercall.h"
#include "hv/lib/fmt.h"
#include "hv/lib/log.h"
#include "hv/lib/platform.h"
#include "hv/guest/machine.h"
#include "hv/vmx/vcpu.h"

#define APIC_BASE_X2APIC (1ull << 10) /* IA32_APIC_BASE bit 10 (Vol. 3A 11.12.1) */

static const char *const exit_names[] = {
    [EXIT_EXCEPTION_NMI] = "exception", [EXIT_EXTERNAL_INTERRUPT] = "extint",
    [EXIT_TRIPLE_FAULT] = "triple-fault", [EXIT_INIT] = "init", [EXIT_SIPI] = "sipi",
    [EXIT_CPUID] = "cpuid", [EXIT_HLT] = "hlt", [EXIT_INVLPG] = "invlpg",
    [EXIT_RDTSC] = "rdtsc", [EXIT_VMCALL] = "vmcall", [EXIT_CR_ACCESS] = "cr",
    [EXIT_IO] = "io", [EXIT_RDMSR] = "rdmsr", [EXIT_WRMSR] = "wrmsr",
    [EXIT_INVALID_GUEST_STATE] = "invalid-guest-state", [EXIT_MSR_LOADING] = "msr-loading",
    [EXIT_MACHINE_CHECK] = "machine-check", [EXIT_EPT_VIOLATION] = "ept-violation",
    [EXIT_EPT_MISCONFIG] = "ept-misconfig", [EXIT_XSETBV] = "xsetbv",
    [EXIT_PML_FULL] = "pml-full",
};

const char *vmx_exit_name(unsigned reason)
{
    if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
        return exit_names[reason];
    return "other";
}

static void skip_insn(void)
{
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
}

static void stop(struct vcpu *v, const char *why)
{
    vmx_report_guest(v, why);
    v->stop = VCPU_ERROR;
    v->error = why;
}

static void handle_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_regs r = cpuid(leaf, sub);

    if (leaf == 1) {
        r.ecx &= ~(1u << 5);  /* no nested VMX for the guest */
        r.ecx |= 1u << 31;    /* "running under a hypervisor" */
    } else if (leaf == 0x40000000) {
        r.eax = 0x40000000;   /* hypervisor leaf: signature "hvhvhvhvhvhv" */
        r.ebx = r.ecx = r.edx = 0x76687668;
    }
    v->regs.rax = r.eax;
    v->regs.rbx = r.ebx;
    v->regs.rcx = r.ecx;
    v->regs.rdx = r.edx;
    skip_insn();
}

/* HLT with interrupts off and no virtual interrupt source would never
 * wake: hv says so and ends the run rather than hang.  With IF=1 there is
 * still nothing to deliver, so it resumes after the HLT. */
static void handle_hlt(struct vcpu *v)
{
    if (!(vmread(VMCS_GUEST_RFLAGS) & X86_FL_IF)) {
        plat_log(LOG_ERR, "guest: HLT with interrupts disabled: the guest can never wake");
        stop(v, "guest halted with interrupts off");
        return;
    }
    skip_insn();
}

static void handle_io(struct vcpu *v)
{
    vmx_io_exit(v);
    if (debug_exit_requested(&v->machine->dx)) {
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = debug_exit_status(&v->machine->dx);
    }
}

/* Acknowledge-on-exit took the vector from the APIC; finish it with EOI. */
static void handle_extint(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

    if (base & APIC_BASE_X2APIC)
        wrmsr(MSR_X2APIC_EOI, 0);
    else
        *(volatile uint32_t *)(uintptr_t)((base & ~0xfffull) + 0xb0) = 0;
}

/* RAM and ROM are mapped, so a violation is a write-protect dirty fault
 * (ept/ gives W back), an MMIO access (emulated), a write to ROM, or an
 * access to unassigned space (both through the same dispatch: ROM writes
 * and unassigned writes are dropped, unassigned reads return all-ones). */
static void handle_ept_violation(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);

    if ((q & EPT_QUAL_WRITE) && ept_wp_fault(&v->ept.el, gpa)) {
        v->wp_faults++;
        return;
    }
    plat_log(LOG_DEBUG, "ept: violation at gpa %#llx (%s%s%s)", (unsigned long long)gpa,
             (q & EPT_QUAL_READ) ? "r" : "", (q & EPT_QUAL_WRITE) ? "w" : "",
             (q & EPT_QUAL_FETCH) ? "x" : "");
    vmx_mmio_exit(v, q, gpa);
}

/* An EPT entry the CPU found malformed: hv's bug, never the guest's.
 * Dump the walk for the address and stop. */
static void handle_ept_misconfig(struct vcpu *v)
{
    uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);
    EptWalk w;

    ept_walk(&v->ept.el.ept, gpa, &w);
    plat_log(LOG_ERR, "ept: misconfiguration at gpa %#llx: leaf level %d entry %#llx "
             "(perms %u), eptp %#llx", (unsigned long long)gpa, w.level,
             (unsigned long long)w.entry, w.perms, (unsigned long long)v->ept.eptp);
    ept_dump(&v->ept.el.ept, log_print_line, "ept");
    stop(v, "EPT misconfiguration");
}

static void handle_pml_full(struct vcpu *v)
{
    v->pml_drains++;
    ept_pml_drain(&v->ept.el, &v->ept.pml);
}

/* Why a VM entry failed or the guest died, in words. */
static const char *failure_name(unsigned reason)
{
    switch (reason) {
    case EXIT_INVALID_GUEST_STATE: return "VM entry failed: invalid guest state";
    case EXIT_MSR_LOADING: return "VM entry failed: MSR loading";
    case EXIT_MACHINE_CHECK: return "VM entry failed: machine check";
    default: return "VM entry failed";
    }
}

void vmx_handle_exit(struct vcpu *v)
{
    uint32_t raw = (uint32_t)vmread(VMCS_EXIT_REASON);
    unsigned reason = raw & 0xffff;

    v->exits_total++;
    v->exits[reason < EXIT_REASON_MAX ? reason : EXIT_REASON_MAX]++;
    if (v->ept.pml_on)
        v->ept.pml.index = (uint16_t)vmread(VMCS_GUEST_PML_INDEX);
    if (raw & EXIT_REASON_FAILED_ENTRY) {
        stop(v, failure_name(reason));
        return;
    }
    plat_log(LOG_DEBUG, "exit: %s (%u) at rip %#llx", vmx_exit_name(reason), reason,
             (unsigned long long)vmread(VMCS_GUEST_RIP));
    /* Queued coalesced writes land before anything else is seen. */
    if (reason != EXIT_EPT_VIOLATION)
        bus_flush(&v->machine->bus);
    switch (reason) {
    case EXIT_CPUID:
        handle_cpuid(v);
        break;
    case EXIT_HLT:
        handle_hlt(v);
        break;
    case EXIT_VMCALL:
        vmx_hypercall(v);
        skip_insn();
        break;
    case EXIT_IO:
        handle_io(v);
        break;
    case EXIT_RDMSR:
    case EXIT_WRMSR:
        vmx_msr_exit(v, reason == EXIT_WRMSR);
        break;
    case EXIT_EXTERNAL_INTERRUPT:
        handle_extint();
        break;
    case EXIT_EPT_VIOLATION:
        handle_ept_violation(v);
        break;
    case EXIT_EPT_MISCONFIG:
        handle_ept_misconfig(v);
        break;
    case EXIT_PML_FULL:
        handle_pml_full(v);
        break;
    case EXIT_TRIPLE_FAULT:
        plat_log(LOG_ERR, "guest: triple fault");
        stop(v, "guest triple fault");
        break;
    case EXIT_EXCEPTION_NMI:
        stop(v, "guest exception or NMI");
        break;
    default:
        stop(v, "unhandled VM exit");
        break;
    }
    if (v->ept.pml_on)
        vmwrite(VMCS_GUEST_PML_INDEX, v->ept.pml.index);
}

void vmx_exit_summary(const struct vcpu *v)
{
    char buf[400];
    size_t n = 0;
    unsigned r;

    for (r = 0; r <= EXIT_REASON_MAX && n < sizeof(buf) - 40; r++) {
        if (v->exits[r])
            n += (size_t)hv_snprintf(buf + n, sizeof(buf) - n, "%s%s %llu", n ? ", " : "",
                                     r == EXIT_REASON_MAX ? "other" : vmx_exit_name(r),
                                     (unsigned long long)v->exits[r]);
    }
    buf[n] = '\0';
    plat_log(LOG_INFO, "exits: %llu total: %s", (unsigned long long)v->exits_total,
             n ? buf : "none");
    plat_log(LOG_INFO, "exits: emulated %llu MMIO (%llu fetched from the caches, %llu on the "
             "fast path), %llu string I/O; %llu hypercalls, %llu write-protect faults, "
             "%llu PML drains", (unsigned long long)v->mmio_exits,
             (unsigned long long)v->emu.fast_fetches, (unsigned long long)v->emu.fast_execs,
             (unsigned long long)v->string_io, (unsigned long long)v->hypercalls,
             (unsigned long long)v->wp_faults, (unsigned long long)v->pml_drains);
    if (v->ticks_guest + v->ticks_hv)
        plat_log(LOG_INFO, "time: %llu TSC ticks in the guest, %llu in hv (%llu%% in hv)",
                 (unsigned long long)v->ticks_guest, (unsigned long long)v->ticks_hv,
                 (unsigned long long)(v->ticks_hv * 100 / (v->ticks_guest + v->ticks_hv)));
}
