/*
 * The pc machine (hv/guest/pc.h) under VT-x: its interrupts and time.
 *
 * Time is the guest's TSC, which is the host's (no offset): devices count
 * from it.  Before every entry hv moves every device to now, then gives
 * the guest the most urgent event it can take -- an NMI, else an external
 * interrupt from the local APIC or the 8259 (SDM Vol. 3C 26.6: injection
 * through the VM-entry interruption information) -- or, when one is
 * pending that the guest cannot take yet (IF clear, STI/MOV SS blocking),
 * turns on interrupt-window exiting so the CPU exits as soon as it can.
 * The VMX-preemption timer is set for the earlier of the next device
 * deadline and the time budget, so timers fire on time.
 */
#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"
#include "hv/vmx/vcpu.h"


/* Turns a window-exiting control (interrupt or NMI) on or off. */
static void set_window(struct vcpu *v, uint32_t ctl, bool on)
{
    uint32_t ctls = on ? v->proc_ctls | ctl : v->proc_ctls & ~ctl;

    if (ctls != v->proc_ctls) {
        v->proc_ctls = ctls;
        vmwrite(VMCS_PROC_CONTROLS, ctls);
    }
}

static void inject(unsigned type, uint8_t vector)
{
    vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | type << INTR_INFO_TYPE_SHIFT | vector);
}

/* The preemption timer for whichever comes first: the next device
 * deadline or the end of the time budget. */
static void arm_timer(struct vcpu *v, uint64_t now, uint64_t host)
{
    unsigned rate = (unsigned)(v->caps->misc & 0x1f);
    uint64_t dev = pc_next_deadline(v->pc);
    uint64_t dev_left = dev > now ? dev - now : 0;               /* guest time */
    uint64_t budget_left = v->deadline > host ? v->deadline - host : 0; /* host time */
    uint64_t left = MIN(dev_left, budget_left);

    if (v->timer_on)
        vmwrite(VMCS_PREEMPTION_TIMER, MIN(left >> rate, 0xffffffffull));
}

void vmx_pc_before_entry(struct vcpu *v)
{
    uint32_t intr = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
    /* A #DB pending from the last instruction goes before an NMI or an
     * interrupt, which would discard it if injected (hv/vmx/exits.c): they
     * wait for their window, which opens after its delivery. */
    bool queued = (vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) || vmx_debug_trap_pending();
    uint64_t host = rdtsc(), now = vcpu_tsc(v, host);
    struct intr_cpu cpu;
    uint8_t vector;

    pc_advance(v->pc, now);
    if (!queued && !(intr & (INTR_BLOCK_NMI | INTR_BLOCK_MOV_SS)) &&
        pc_nmi(v->pc, true)) {
        inject(INTR_TYPE_NMI, X86_VEC_NMI);
        queued = true;
    }
    /* an NMI that must wait (the guest is in its NMI handler, or another
     * event goes first): exit as soon as it can go in */
    if (v->vnmi)
        set_window(v, PROC_NMI_WINDOW_EXITING, pc_nmi(v->pc, false));
    cpu = (struct intr_cpu){
        .if_flag = vmread(VMCS_GUEST_RFLAGS) & X86_FL_IF,
        .blocked = intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS),
        .event_queued = queued,
    };
    switch (pc_intr_next(v->pc, &cpu, &vector)) {
    case INTR_INJECT:
        inject(INTR_TYPE_EXT_INTR, vector);
        set_window(v, PROC_INTR_WINDOW_EXITING, false);
        break;
    case INTR_WINDOW:
        set_window(v, PROC_INTR_WINDOW_EXITING, true);
        break;
    default:
        set_window(v, PROC_INTR_WINDOW_EXITING, false);
        break;
    }
    arm_timer(v, now, host);
}

/* HLT with interrupts on: wait until something is pending (the next
 * device deadline, or the end of the budget, which the run loop then
 * reports).  Waiting is spinning on the TSC: hv has nothing else to do. */
void vmx_pc_hlt(struct vcpu *v)
{
    struct intr_cpu probe = {.if_flag = false};
    uint8_t unused;

    for (;;) {
        uint64_t host = rdtsc(), now = vcpu_tsc(v, host), until;

        pc_advance(v->pc, now);
        if (pc_nmi(v->pc, false) || pc_intr_next(v->pc, &probe, &unused) != INTR_NONE)
            return;
        if (host >= v->deadline)
            return;
        /* in host time: the device deadline less the guest's offset */
        until = pc_next_deadline(v->pc);
        until = until == VCLOCK_NEVER ? v->deadline : MIN(until - v->tsc_offset, v->deadline);
        while (rdtsc() < until)
            cpu_pause();
    }
}

int vmx_pc_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
    return write ? lapic_msr_write(&v->pc->lapic, msr, *val)
                 : lapic_msr_read(&v->pc->lapic, msr, val);
}

/* CR8 is TPR[7:4] (SDM Vol. 3A 10.8.6.1). */
void vmx_pc_cr8(struct vcpu *v, uint64_t cr8)
{
    v->pc->lapic.tpr = (uint32_t)(cr8 & 0xf) << 4;
}
