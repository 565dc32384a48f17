/*
 * VM-exit handlers: every exit is counted by reason; the ones a guest may
 * cause on purpose are emulated and the guest resumed after the
 * instruction; anything else stops the run with a report, never a hang.
 */
#include "hv/runtime/cpu.h"
#include "hv/guest/hypercall.h"
#include "hv/lib/fmt.h"
#include "hv/runtime/log.h"
#include "hv/lib/platform.h"
#include "hv/guest/machine.h"
#include "hv/vmx/vcpu.h"

#define APIC_BASE_X2APIC (1ull << 10) /* IA32_APIC_BASE bit 10 (Vol. 3A 11.12.1) */

static const char *const exit_names[] = {
    [EXIT_EXCEPTION_NMI] = "exception", [EXIT_EXTERNAL_INTERRUPT] = "extint",
    [EXIT_TRIPLE_FAULT] = "triple-fault", [EXIT_INIT] = "init", [EXIT_SIPI] = "sipi",
    [EXIT_INTERRUPT_WINDOW] = "interrupt-window", [EXIT_TASK_SWITCH] = "task-switch", [EXIT_GETSEC] = "getsec", [EXIT_INVD] = "invd",
    [EXIT_VMCLEAR] = "vmclear", [EXIT_VMLAUNCH] = "vmlaunch", [EXIT_VMPTRLD] = "vmptrld",
    [EXIT_VMPTRST] = "vmptrst", [EXIT_VMREAD] = "vmread", [EXIT_VMRESUME] = "vmresume",
    [EXIT_VMWRITE] = "vmwrite", [EXIT_VMXOFF] = "vmxoff", [EXIT_VMXON] = "vmxon",
    [EXIT_INVEPT] = "invept", [EXIT_PREEMPTION_TIMER] = "preemption-timer",
    [EXIT_INVVPID] = "invvpid", [EXIT_WBINVD] = "wbinvd", [EXIT_VMFUNC] = "vmfunc",
    [EXIT_CPUID] = "cpuid", [EXIT_HLT] = "hlt", [EXIT_INVLPG] = "invlpg",
    [EXIT_RDTSC] = "rdtsc", [EXIT_VMCALL] = "vmcall", [EXIT_CR_ACCESS] = "cr",
    [EXIT_IO] = "io", [EXIT_RDMSR] = "rdmsr", [EXIT_WRMSR] = "wrmsr",
    [EXIT_INVALID_GUEST_STATE] = "invalid-guest-state", [EXIT_MSR_LOADING] = "msr-loading",
    [EXIT_MACHINE_CHECK] = "machine-check", [EXIT_EPT_VIOLATION] = "ept-violation",
    [EXIT_EPT_MISCONFIG] = "ept-misconfig", [EXIT_XSETBV] = "xsetbv",
    [EXIT_PML_FULL] = "pml-full",
    [EXIT_NMI_WINDOW] = "nmi-window",
};

const char *vmx_exit_name(unsigned reason)
{
    if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
        return exit_names[reason];
    return "other";
}

/* Past the instruction that exited.  Blocking by STI or MOV SS lasts one
 * instruction (SDM Vol. 3A 6.8.3): that one is now done, and debug
 * exceptions MOV SS held back (the pending debug exceptions field keeps
 * them) are delivered after the entry.  RF is cleared when an instruction
 * completes (Vol. 3B 17.3.1.1); an exit saves it as it was before the
 * instruction, so a guest that returned with RF=1 to an instruction hv
 * completes would otherwise skip the next instruction's breakpoint. */
void vmx_skip_insn(void)
{
    uint32_t intr = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);

    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
    if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
    if (__builtin_expect(rflags & (X86_FL_RF | X86_FL_TF), 0)) {
        if (rflags & X86_FL_RF)
            vmwrite(VMCS_GUEST_RFLAGS, rflags & ~(uint64_t)X86_FL_RF);
        vmx_single_step_done(rflags);
    }
}

/* hv completed an instruction the guest ran with RFLAGS.TF set: the CPU
 * would have raised a single-step #DB after it, so leave one pending
 * (DR6.BS in the pending debug exceptions: SDM Vol. 3C 24.4.2). */
void vmx_single_step_done(uint64_t rflags)
{
    if (rflags & X86_FL_TF)
        vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | PENDING_DBG_BS);
}

/* Data or I/O breakpoints (B0-B3) the instruction hv completed matched:
 * a trap-class #DB after it, as the CPU raises for its own accesses
 * (Vol. 3B 17.3.1.2).  In the pending debug exceptions field the matched
 * Bn and "enabled breakpoint" (bit 12) make the entry deliver it with
 * those DR6 bits, or hold it while MOV SS blocking lasts (Vol. 3C
 * 24.4.2, 26.7.3). */
void vmx_breakpoints_hit(unsigned hits)
{
    if (hits & X86_DR6_BMASK)
        vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) |
                (hits & X86_DR6_BMASK) | PENDING_DBG_ENABLED_BP);
}

/* A #DB the next entry will deliver from the pending debug exceptions
 * field: a single step or an enabled breakpoint.  It has the priority of
 * a trap on the previous instruction, above NMIs and external interrupts
 * (Vol. 3A 6.9), and an entry that injects one of those delivers no
 * pending debug exception at all (Vol. 3C 26.7.3): such an event waits. */
bool vmx_debug_trap_pending(void)
{
    return vmread(VMCS_GUEST_PENDING_DBG) & (PENDING_DBG_BS | PENDING_DBG_ENABLED_BP);
}

/* The guest's DR0-DR3: the hardware holds them during an exit (hv never
 * writes them while a guest runs: hv/vmx/guest_cpu.c). */
void vmx_guest_drs(uint64_t dr[4])
{
    __asm__ volatile("mov %%db0, %0" : "=r"(dr[0]));
    __asm__ volatile("mov %%db1, %0" : "=r"(dr[1]));
    __asm__ volatile("mov %%db2, %0" : "=r"(dr[2]));
    __asm__ volatile("mov %%db3, %0" : "=r"(dr[3]));
}

static void stop(struct vcpu *v, const char *why)
{
    vmx_report_guest(v, why);
    v->stop = VCPU_ERROR;
    v->error = why;
}

/* HLT with interrupts off and no virtual interrupt source would never
 * wake: hv says so and ends the run rather than hang.  With IF=1 there is
 * still nothing to deliver, so it resumes after the HLT. */
static void handle_hlt(struct vcpu *v)
{
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);

    /* HLT run with TF set (or under a pending breakpoint) is followed by
     * a #DB (SDM Vol. 3B 17.3.1.4): an event that ends the halt at once,
     * with RIP past the HLT -- whatever IF says. */
    if (rflags & X86_FL_TF || vmx_debug_trap_pending()) {
        vmx_skip_insn();
        return;
    }
    if (v->pc && (rflags & X86_FL_IF)) {
        vmx_skip_insn();
        vmx_pc_hlt(v); /* until the next event */
        return;
    }
    if (!(rflags & X86_FL_IF)) {
        plat_log(LOG_ERR, "guest: HLT with interrupts disabled: the guest can never wake");
        stop(v, "guest halted with interrupts off");
        return;
    }
    vmx_skip_insn();
}

static void handle_io(struct vcpu *v)
{
    vmx_io_exit(v);
    if (debug_exit_requested(vcpu_debug_exit(v))) {
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = debug_exit_status(vcpu_debug_exit(v));
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

/* ------------------------------------------------ event delivery
 * An exit that interrupted the delivery of an event (SDM Vol. 3C 27.2.4)
 * must deliver it again at the next entry, exactly as it was: same type,
 * vector and error code, and for software interrupts and exceptions the
 * instruction length the exit reported. */
static void redeliver(uint32_t vectoring)
{
    unsigned type = INTR_INFO_TYPE(vectoring);

    if (vectoring & INTR_INFO_ERROR_CODE)
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
    if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
        type == INTR_TYPE_SW_EXCEPTION)
        vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
    /* bit 12 is "undefined" in the vectoring field and reserved on entry */
    vmwrite(VMCS_ENTRY_INTR_INFO, vectoring & ~INTR_INFO_NMI_UNBLOCKED);
}

/* The delivery of `vectoring` touched gpa, which hv cannot access for the
 * CPU: escalate as a CPU whose delivery faults does -- #DF, and a
 * shutdown (the end of the run) when #DF itself could not be delivered. */
static void delivery_failed(struct vcpu *v, uint32_t vectoring, uint64_t gpa)
{
    struct emu_fault df = {.vector = X86_VEC_DF, .has_error_code = true, .error_code = 0};
    bool was_df = INTR_INFO_TYPE(vectoring) == INTR_TYPE_HW_EXCEPTION &&
                  INTR_INFO_VECTOR(vectoring) == X86_VEC_DF;

    plat_log(LOG_WARN, "vmx: delivering vector %u touched gpa %#llx "
                "(not RAM): %s", INTR_INFO_VECTOR(vectoring), (unsigned long long)gpa,
                was_df ? "shutdown" : "#DF");
    if (was_df) {
        plat_log(LOG_ERR, "guest: triple fault (the #DF could not be delivered)");
        stop(v, "guest triple fault");
        return;
    }
    vmx_inject_fault(v, &df);
}

/* RAM and ROM are mapped, so a violation is a write-protect dirty fault
 * (ept/ gives W back), an MMIO access (emulated), a write to ROM, or an
 * access to unassigned space (both through the same dispatch: ROM writes
 * and unassigned writes are dropped, unassigned reads return all-ones).
 *
 * During event delivery (IDT-vectoring information valid) the access is
 * the CPU's own -- pushing the frame, reading the IDT -- not the
 * instruction at RIP, so nothing is emulated: a write-protect fault is
 * resolved and the event re-delivered; an access to MMIO or ROM, which
 * hv cannot perform for the CPU, fails the delivery (SDM Vol. 3A 6.15:
 * #DF, and a fault while delivering #DF shuts down). */
static void handle_ept_violation(struct vcpu *v, uint32_t vectoring)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);

    if ((q & EPT_QUAL_WRITE) && ept_wp_fault(&v->ept.el, gpa)) {
        v->wp_faults++;
        return;
    }
    if (log_debug_on)
        plat_log(LOG_DEBUG, "ept: violation at gpa %#llx (%s%s%s)", (unsigned long long)gpa,
                 (q & EPT_QUAL_READ) ? "r" : "", (q & EPT_QUAL_WRITE) ? "w" : "",
                 (q & EPT_QUAL_FETCH) ? "x" : "");
    if (vectoring & INTR_INFO_VALID) {
        delivery_failed(v, vectoring, gpa);
        return;
    }
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

/* NMI-exiting is on so that an NMI meant for hv is not delivered to the
 * guest: the exit is the NMI's delivery, and there is nothing to do. */
static void handle_exception_nmi(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);

    if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
        plat_log(LOG_WARN, "vmx: host NMI while the guest ran: ignored");
        return;
    }
    stop(v, "guest exception hv did not ask for");
}

/* The VMX-preemption timer (SDM Vol. 3C 26.5.1) ran out: the guest used
 * its time budget, or an earlier deadline hv set is due. */
static void timeout(struct vcpu *v)
{
    plat_log(LOG_ERR, "guest: timeout: still running after its budget of %u s", v->timeout_s);
    stop(v, "timeout");
}

static void handle_preemption_timer(struct vcpu *v)
{
    if (!vmx_budget_left(v))
        timeout(v);
}

void vmx_budget_spent(struct vcpu *v)
{
    if (v->stop == VCPU_RUNNING)
        timeout(v);
}

/* The exit's work; false when the reason is not one hv expects. */
static void dispatch(struct vcpu *v, unsigned reason, uint32_t vectoring)
{
    switch (reason) {
    case EXIT_CPUID: vmx_cpuid_exit(v); break;
    case EXIT_HLT: handle_hlt(v); break;
    case EXIT_VMCALL:
        vmx_hypercall(v);
        vmx_skip_insn();
        break;
    case EXIT_IO: handle_io(v); break;
    case EXIT_RDMSR:
    case EXIT_WRMSR: vmx_msr_exit(v, reason == EXIT_WRMSR); break;
    case EXIT_CR_ACCESS: vmx_cr_exit(v); break;
    case EXIT_XSETBV: vmx_xsetbv_exit(v); break;
    case EXIT_INVD:
    case EXIT_WBINVD: vmx_invd_exit(v); break;
    case EXIT_GETSEC:
    case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST:
    case EXIT_VMREAD: case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF:
    case EXIT_VMXON: case EXIT_INVEPT: case EXIT_INVVPID: case EXIT_VMFUNC:
        vmx_ud_exit(v);
        break;
    case EXIT_EXTERNAL_INTERRUPT: handle_extint(); break;
    case EXIT_EPT_VIOLATION: handle_ept_violation(v, vectoring); break;
    case EXIT_EPT_MISCONFIG: handle_ept_misconfig(v); break;
    case EXIT_PML_FULL: handle_pml_full(v); break;
    case EXIT_PREEMPTION_TIMER: handle_preemption_timer(v); break;
    case EXIT_INTERRUPT_WINDOW: break; /* the next entry delivers it */
    case EXIT_NMI_WINDOW: break;       /* likewise, the NMI */
    case EXIT_TRIPLE_FAULT:
        plat_log(LOG_ERR, "guest: triple fault");
        stop(v, "guest triple fault");
        break;
    case EXIT_EXCEPTION_NMI: handle_exception_nmi(v); break;
    case EXIT_TASK_SWITCH:
        /* Hardware task switches are not emulated (docs/guest-abi.md). */
        stop(v, "task switch (not emulated)");
        break;
    default:
        stop(v, "unhandled VM exit");
        break;
    }
}

void vmx_handle_exit(struct vcpu *v)
{
    uint32_t raw = (uint32_t)vmread(VMCS_EXIT_REASON);
    unsigned reason = raw & 0xffff;
    uint32_t vectoring;

    v->exits_total++;
    v->last_exit = reason < EXIT_REASON_MAX ? reason : EXIT_REASON_MAX;
    v->exits[v->last_exit]++;
    if (v->ept.pml_on)
        v->ept.pml.index = (uint16_t)vmread(VMCS_GUEST_PML_INDEX);
    if (raw & EXIT_REASON_FAILED_ENTRY) {
        stop(v, failure_name(reason));
        return;
    }
    if (log_debug_on)
        plat_log(LOG_DEBUG, "exit: %s (%u) at rip %#llx", vmx_exit_name(reason), reason,
                 (unsigned long long)vmread(VMCS_GUEST_RIP));
    /* Queued coalesced writes land before anything else is seen. */
    if (reason != EXIT_EPT_VIOLATION)
        bus_flush(vcpu_bus(v));
    vectoring = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
    dispatch(v, reason, vectoring);
    /* An event cut short by this exit goes again, unless the handler
     * already chose what the next entry delivers (#DF) or the run ends. */
    if ((vectoring & INTR_INFO_VALID) && v->stop == VCPU_RUNNING &&
        !(vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID))
        redeliver(vectoring);
    if (v->ept.pml_on)
        vmwrite(VMCS_GUEST_PML_INDEX, v->ept.pml.index);
}

/* The name of an exits[] slot: the last one counts out-of-range reasons. */
static const char *slot_name(unsigned r)
{
    return r == EXIT_REASON_MAX ? "other" : vmx_exit_name(r);
}

/* hv's ticks by exit reason, as exits x ticks per exit: where an
 * exit-heavy guest's time in hv goes. */
static void exit_time_summary(const struct vcpu *v)
{
    char buf[400];
    size_t n = 0;

    for (unsigned r = 0; r <= EXIT_REASON_MAX && n < sizeof(buf) - 48; r++) {
        if (!v->exits[r] || !v->exit_ticks[r])
            continue;
        n += (size_t)hv_snprintf(buf + n, sizeof(buf) - n, "%s%s %llux%llu", n ? ", " : "",
                                 slot_name(r),
                                 (unsigned long long)v->exits[r],
                                 (unsigned long long)(v->exit_ticks[r] / v->exits[r]));
    }
    if (n)
        plat_log(LOG_INFO, "time: in hv by exit reason (exits x ticks each): %s", buf);
}

void vmx_exit_summary(const struct vcpu *v)
{
    char buf[400];
    size_t n = 0;
    unsigned r;

    for (r = 0; r <= EXIT_REASON_MAX && n < sizeof(buf) - 40; r++) {
        if (v->exits[r])
            n += (size_t)hv_snprintf(buf + n, sizeof(buf) - n, "%s%s %llu", n ? ", " : "",
                                     slot_name(r),
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
    exit_time_summary(v);
}
