/*
 * One virtual CPU under VT-x: its saved registers, its VMCS, and the
 * machine it runs in.  hv/vmx_*.c drive it; the layout of guest_regs is
 * shared with hv/vmx/entry.asm.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "hv/vmx/ept.h"
#include "hv/guest/load.h"
#include "hv/guest/machine.h"
#include "hv/guest/pc.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/caps.h"
#include "hv/vmx/seal.h"
#include "hv/x86/debugreg.h"
#include "hv/x86/emulate.h"

/* exit_ticks' slot for the time before the first exit (never printed). */
#define EXIT_SLOT_NONE (EXIT_REASON_MAX + 1)

/* Offsets are fixed: hv/vmx/entry.asm uses them. */
struct guest_regs {
    uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t cr2;
};
_Static_assert(__builtin_offsetof(struct guest_regs, r15) == 112, "asm offsets");
_Static_assert(__builtin_offsetof(struct guest_regs, cr2) == 120, "asm offsets");

/* How a run ended. */
enum vcpu_stop {
    VCPU_RUNNING = 0,
    VCPU_GUEST_EXIT,    /* the guest asked to end (VMCALL), with a status */
    VCPU_ERROR,         /* hv stopped it: triple fault, bad exit, ... */
};

/* hv/vmx/dirtycheck.c: the dirty-log check of dirty-log=on. */
struct dirty_check {
    bool on;
    uint64_t *fp;               /* a fingerprint per page of guest RAM */
    uint64_t npages;
    uint64_t period, next, last; /* host TSC */
    unsigned harvests;
    uint64_t dirty, changed, missed;
};

struct vcpu {
    struct guest_regs regs;
    void *vmcs;
    bool launched;
    const struct vmx_caps *caps;
    struct guest_machine *machine; /* the test machine, or NULL ... */
    struct pc_machine *pc;         /* ... for the pc machine */
    struct guest_bus *bus;         /* the bus of whichever it is (set with it) */
    uint32_t proc_ctls;            /* primary controls as written */
    struct hv_ept ept;
    struct guest_entry entry;
    const char *name;
    uint32_t entry_ctls;        /* as written; IA32E follows EFER.LMA */
    uint32_t proc2;             /* secondary controls as written */
    uint16_t vpid;              /* fresh for every run: no stale translations */
    /* Virtual state the guest reads and writes through exits. */
    uint64_t pat, cr8, xcr0;
    /* CR0 bits VMX owns (the guest/host mask) and what the guest wrote
     * there (the read shadow): kept here so an exit needs no VMREAD. */
    uint64_t cr0_mask, cr0_shadow;
    /* The guest's TSC is the host's plus tsc_offset (VMCS TSC offsetting);
     * IA32_TSC_ADJUST counts what the guest's own writes moved it by. */
    uint64_t tsc_offset, tsc_adjust;
    uint64_t misc_enable;
    /* Time budget (hv/vmx/budget.c): the TSC deadline, and whether the
     * VMX-preemption timer enforces it (and saves its value at exits). */
    uint64_t deadline;
    unsigned timeout_s;
    bool timer_on;
    bool vnmi;                  /* virtual NMIs and NMI-window exiting */
    void *msr_bitmap, *io_bitmaps; /* 1 and 2 pages */
    struct vcpu_seal seal;         /* hv/vmx/seal.c */

    enum vcpu_stop stop;
    uint64_t guest_status;      /* VCPU_GUEST_EXIT: what the guest reported */
    const char *error;          /* VCPU_ERROR: why */

    uint64_t exits_total;
    uint64_t mmio_exits;        /* EPT violations emulated as MMIO */
    uint64_t exits[EXIT_REASON_MAX + 1]; /* last slot: out-of-range reasons */
    uint64_t hypercalls, wp_faults, pml_drains, string_io;
    /* TSC ticks from VM entry to VM exit, and from exit to the next entry
     * (including the entry instruction itself, which hv pays for). */
    uint64_t ticks_guest, ticks_hv;
    /* hv's ticks per exit reason (exit to the next entry, the work before
     * that entry included), and the slot of the last exit */
    uint64_t exit_ticks[EXIT_REASON_MAX + 2];
    unsigned last_exit; /* EXIT_SLOT_NONE before the first exit */
    struct dirty_check dirty;
    /* The emulator's state, caches included (zeroed per guest). */
    struct emu_ctx emu;
};

/* The machine's parts the VT-x layer reaches, whichever machine it is. */
static inline uint64_t vcpu_tsc(const struct vcpu *v, uint64_t host_tsc)
{
    return host_tsc + v->tsc_offset;
}

static inline struct guest_bus *vcpu_bus(struct vcpu *v)
{
    return v->bus;
}
static inline AddressSpace *vcpu_as(struct vcpu *v)
{
    return v->pc ? &v->pc->as_mem : &v->machine->as_mem;
}
static inline MemoryRegion *vcpu_ram(struct vcpu *v)
{
    return v->pc ? &v->pc->ram : &v->machine->ram;
}
static inline DebugExit *vcpu_debug_exit(struct vcpu *v)
{
    return v->pc ? &v->pc->dx : &v->machine->dx;
}
static inline Uart16550 *vcpu_console(struct vcpu *v)
{
    return v->pc ? &v->pc->com1 : &v->machine->com1;
}

/* hv/vmx/pc.c: the pc machine's interrupts and time.  Before each entry:
 * devices moved to now, an NMI or interrupt injected or a window asked
 * for, the preemption timer set for the next device deadline; HLT waits
 * for the next event; MSRs of the local APIC; CR8 is its TPR. */
void vmx_pc_before_entry(struct vcpu *v);
void vmx_pc_hlt(struct vcpu *v);
int vmx_pc_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val); /* LAPIC_* */
void vmx_pc_cr8(struct vcpu *v, uint64_t cr8);

/* hv/vmx/dirtycheck.c: start logging all guest RAM with a fingerprint of
 * every page; harvest and check (when v->dirty.next is due); last harvest,
 * summary, logging off. */
void vmx_dirty_check_start(struct vcpu *v);
void vmx_dirty_check_harvest(struct vcpu *v);
void vmx_dirty_check_finish(struct vcpu *v);

/* hv/vmx/vmcs.c: fills the current VMCS for v->entry (16-bit real mode,
 * 32-bit protected or 64-bit long mode, docs/guest-abi.md).  Returns false
 * (with a log line) when a control hv needs is not allowed. */
bool vmcs_setup_guest(struct vcpu *v);

/* hv/vmx/exits.c: handles the exit the VMCS describes. */
void vmx_handle_exit(struct vcpu *v);
/* The exit-count summary line(s). */
void vmx_exit_summary(const struct vcpu *v);
const char *vmx_exit_name(unsigned reason);

/* hv/vmx/emulate.c: the instruction at RIP through the emulator, for an
 * EPT violation on MMIO or a string I/O exit (INS/OUTS): registers from
 * the VMCS, accesses through the machine's bus, registers back (RIP only
 * when the instruction completed), a fault injected. */
void vmx_mmio_exit(struct vcpu *v, uint64_t qual, uint64_t gpa);
void vmx_string_io_exit(struct vcpu *v);
/* Before each guest: fresh emulator caches, XMM registers zeroed. */
void vmx_emu_reset(struct vcpu *v);
/* A hardware exception for the next VM entry (with CR2, error code). */
void vmx_inject_fault(struct vcpu *v, const struct emu_fault *f);

/* hv/vmx/exits.c: RIP past the instruction that exited (and the STI/MOV
 * SS blocking it was under lifted). */
void vmx_skip_insn(void);
/* A single-step #DB after an instruction hv completed, when TF was set
 * in the RFLAGS it ran with. */
void vmx_single_step_done(uint64_t rflags);
/* A #DB for the data/I/O breakpoints (DR6 B0-B3 bits) an instruction hv
 * completed matched (hv/x86/debugreg.h). */
void vmx_breakpoints_hit(unsigned hits);
/* Whether the next entry delivers a #DB from the pending debug exceptions. */
bool vmx_debug_trap_pending(void);
/* The guest's DR0-DR3 (live in the hardware during an exit). */
void vmx_guest_drs(uint64_t dr[4]);

/* hv/vmx/insn.c: CPUID, MOV to/from CR (CR0/CR4 fixed bits, CR8),
 * XSETBV, INVD, and #UD for GETSEC and the VMX instructions. */
void vmx_cpuid_exit(struct vcpu *v);
void vmx_cr_exit(struct vcpu *v);
void vmx_xsetbv_exit(struct vcpu *v);
void vmx_invd_exit(struct vcpu *v);
void vmx_ud_exit(struct vcpu *v);

/* hv/vmx/guest_cpu.c: the CPU state the VMCS does not switch.  Host setup
 * once (false: no memory); reset before each guest. */
bool guest_cpu_host_setup(void);
void guest_cpu_reset(struct vcpu *v);
uint64_t guest_cpu_xcr0_supported(void);
bool guest_cpu_has_tsc_aux(void);

/* hv/vmx/budget.c: the guest's time budget from now; on a preemption-
 * timer exit, false when it is used up (else the timer is re-armed). */
void vmx_budget_start(struct vcpu *v, unsigned seconds);
bool vmx_budget_left(struct vcpu *v);
/* hv/vmx/exits.c: stops the run with a timeout report (the run loop
 * found the TSC past v->deadline after an exit). */
void vmx_budget_spent(struct vcpu *v);

/* hv/vmx/io.c: an I/O-instruction exit, finished (RIP advanced unless a
 * REP string instruction is to resume or a fault was injected). */
void vmx_io_exit(struct vcpu *v);
/* hv/vmx/msr.c: RDMSR/WRMSR through the allow-list, #GP otherwise. */
void vmx_msr_exit(struct vcpu *v, bool write);
/* hv/vmx/hypercall.c: VMCALL (docs/guest-abi.md). */
void vmx_hypercall(struct vcpu *v);

/* hv/vmx/report.c: a report of the guest state that matters, for failed
 * entries and fatal exits. */
void vmx_report_guest(struct vcpu *v, const char *why);

#endif
