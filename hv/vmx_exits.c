/*
 * VM-exit handlers: every exit is counted by reason; the ones a guest may
 * cause on purpose are emulated and the guest resumed after the
 * instruction; anything else stops the run with a report, never a hang.
 */
#include "hv/cpu.h"
#include "hv/hypercall.h"
#include "hv/lib/fmt.h"
#include "hv/platform.h"
#include "hv/vcpu.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_X2APIC_EOI 0x80b

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

static void guest_line_flush(struct vcpu *v)
{
    v->line[v->line_len] = '\0';
    plat_log(LOG_INFO, "guest: %s", v->line);
    v->line_len = 0;
}

static void guest_putc(struct vcpu *v, uint8_t c)
{
    if (c == '\n') {
        guest_line_flush(v);
        return;
    }
    /* Keep the log's line structure: control bytes become '.' */
    v->line[v->line_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    if (v->line_len == sizeof(v->line) - 1)
        guest_line_flush(v);
}

static uint64_t hc_print(struct vcpu *v, uint64_t gpa)
{
    char s[161];
    size_t i;

    if (address_space_read(&v->machine->as_mem, gpa, s, sizeof(s) - 1) != MEMTX_OK)
        return HC_REFUSED;
    s[sizeof(s) - 1] = '\0';
    for (i = 0; s[i]; i++)
        guest_putc(v, (uint8_t)s[i]);
    if (v->line_len)
        guest_line_flush(v);
    return HC_OK;
}

static void handle_vmcall(struct vcpu *v)
{
    uint64_t fn = v->regs.rax, arg = v->regs.rbx;

    switch (fn) {
    case HC_PRINT:
        v->regs.rax = hc_print(v, arg);
        break;
    case HC_PUTC:
        guest_putc(v, (uint8_t)arg);
        v->regs.rax = HC_OK;
        break;
    case HC_EXIT:
        if (v->line_len)
            guest_line_flush(v);
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = arg;
        break;
    default:
        plat_log(LOG_WARN, "vmcall: unknown function %#llx", (unsigned long long)fn);
        v->regs.rax = HC_REFUSED;
        break;
    }
    skip_insn();
}

/* I/O instruction exit (qualification: SDM Vol. 3C table 28-5), through
 * the machine's I/O address space. */
static void handle_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned size = (unsigned)(q & 7) + 1;
    bool in = q & (1u << 3), string = q & (1u << 4);
    uint16_t port = (uint16_t)(q >> 16);
    uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
    uint64_t data = 0;

    if (string) {
        stop(v, "string I/O is not emulated yet");
        return;
    }
    if (in) {
        address_space_read(&v->machine->as_io, port, &data, size);
        /* 32-bit results zero-extend; narrower ones merge into RAX. */
        v->regs.rax = size == 4 ? (data & mask) : ((v->regs.rax & ~mask) | (data & mask));
    } else {
        data = v->regs.rax & mask;
        address_space_write(&v->machine->as_io, port, &data, size);
    }
    plat_log(LOG_DEBUG, "io: %s port %#x size %u data %#llx", in ? "in" : "out", port, size,
             (unsigned long long)(data & mask));
    skip_insn();
}

/* No MSR bitmap: every RDMSR/WRMSR exits.  The built-in guests touch
 * none; a read returns 0 and a write is dropped, each with a log line. */
static void handle_msr(struct vcpu *v, bool write)
{
    uint32_t msr = (uint32_t)v->regs.rcx;

    plat_log(LOG_WARN, "msr: guest %s of MSR %#x %s", write ? "write" : "read", msr,
             write ? "dropped" : "reads 0");
    if (!write)
        v->regs.rax = v->regs.rdx = 0;
    skip_insn();
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

/* RAM and ROM are mapped, so a violation is an MMIO access (emulated), a
 * write to ROM, or an access to unassigned space (both through the same
 * dispatch: ROM writes and unassigned writes are dropped, reads of
 * unassigned space return all-ones).  Fetches from non-RAM stop the run. */
static void handle_ept_violation(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);
    const FlatRange *fr = flatview_lookup(address_space_flatview(&v->machine->as_mem), gpa);

    plat_log(LOG_DEBUG, "ept: violation at gpa %#llx (%s%s%s), region %s",
             (unsigned long long)gpa, (q & 1) ? "r" : "", (q & 2) ? "w" : "", (q & 4) ? "x" : "",
             fr ? memory_region_name(fr->mr) : "(unassigned)");
    if (q & 4) {
        plat_log(LOG_ERR, "ept: guest fetch from gpa %#llx (%s): not RAM", (unsigned long long)gpa,
                 fr ? memory_region_name(fr->mr) : "unassigned");
        stop(v, "instruction fetch from MMIO or unassigned space");
        return;
    }
    if (!vmx_mmio_exit(v, q, gpa))
        stop(v, "EPT violation the emulator could not handle");
}

void vmx_handle_exit(struct vcpu *v)
{
    uint32_t raw = (uint32_t)vmread(VMCS_EXIT_REASON);
    unsigned reason = raw & 0xffff;

    v->exits_total++;
    v->exits[reason < EXIT_REASON_MAX ? reason : EXIT_REASON_MAX]++;
    if (raw & EXIT_REASON_FAILED_ENTRY) {
        stop(v, reason == EXIT_INVALID_GUEST_STATE ? "VM entry failed: invalid guest state"
                : reason == EXIT_MSR_LOADING       ? "VM entry failed: MSR loading"
                                                   : "VM entry failed: machine check");
        return;
    }
    plat_log(LOG_DEBUG, "exit: %s (%u) at rip %#llx", vmx_exit_name(reason), reason,
             (unsigned long long)vmread(VMCS_GUEST_RIP));
    switch (reason) {
    case EXIT_CPUID:
        handle_cpuid(v);
        break;
    case EXIT_HLT:
        skip_insn(); /* nothing to wait for: no virtual interrupts yet */
        break;
    case EXIT_VMCALL:
        handle_vmcall(v);
        break;
    case EXIT_IO:
        handle_io(v);
        break;
    case EXIT_RDMSR:
    case EXIT_WRMSR:
        handle_msr(v, reason == EXIT_WRMSR);
        break;
    case EXIT_EXTERNAL_INTERRUPT:
        handle_extint();
        break;
    case EXIT_EPT_VIOLATION:
        handle_ept_violation(v);
        break;
    case EXIT_TRIPLE_FAULT:
        stop(v, "guest triple fault");
        break;
    case EXIT_EPT_MISCONFIG:
        stop(v, "EPT misconfiguration");
        break;
    case EXIT_EXCEPTION_NMI:
        stop(v, "guest exception or NMI");
        break;
    default:
        stop(v, "unhandled VM exit");
        break;
    }
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
}
