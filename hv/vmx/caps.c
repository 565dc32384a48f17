#include "hv/vmx/caps.h"

#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"

/* Secondary processor-based controls (SDM Vol. 3C 24.6.2, table 24-7). */
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_PML (1u << 17)
#define PROC_SECONDARY (1u << 31)

static void probe_cpuid(struct vmx_caps *c)
{
    struct cpuid_regs r = cpuid(0, 0);
    unsigned fam, model;

    memcpy(c->vendor + 0, &r.ebx, 4);
    memcpy(c->vendor + 4, &r.edx, 4);
    memcpy(c->vendor + 8, &r.ecx, 4);
    c->vendor[12] = '\0';
    r = cpuid(1, 0);
    fam = (r.eax >> 8) & 0xf;
    model = (r.eax >> 4) & 0xf;
    if (fam == 0xf)
        fam += (r.eax >> 20) & 0xff;
    if (fam == 6 || fam >= 0xf)
        model |= ((r.eax >> 16) & 0xf) << 4;
    c->family = fam;
    c->model = model;
    c->stepping = r.eax & 0xf;
    c->vmx = r.ecx & (1u << 5);
    c->hypervisor = r.ecx & (1u << 31);
}

static void probe_msrs(struct vmx_caps *c)
{
    c->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
    c->vmx_locked_off = (c->feature_control & FEATURE_CONTROL_LOCK) &&
                        !(c->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    c->basic = rdmsr(MSR_IA32_VMX_BASIC);
    c->vmcs_revision = (uint32_t)c->basic & 0x7fffffff;
    c->vmxon_size = (uint32_t)(c->basic >> 32) & 0x1fff;
    c->true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
    /* The TRUE_ MSRs report which default-1 controls may really be 0. */
    c->pinbased = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
    c->procbased = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
                                      : MSR_IA32_VMX_PROCBASED_CTLS);
    c->exit = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
    c->entry = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
    c->misc = rdmsr(MSR_IA32_VMX_MISC);
    c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    c->secondary = vmx_ctl_may_set(c->procbased, PROC_SECONDARY);
    if (c->secondary)
        c->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
    c->ept = vmx_ctl_may_set(c->procbased2, PROC2_EPT);
    c->vpid = vmx_ctl_may_set(c->procbased2, PROC2_VPID);
    c->unrestricted = vmx_ctl_may_set(c->procbased2, PROC2_UNRESTRICTED);
    c->pml = vmx_ctl_may_set(c->procbased2, PROC2_PML);
    if (c->ept || c->vpid)
        c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    /* IA32_VMX_EPT_VPID_CAP bits (SDM Vol. 3D A.10). */
    c->ept_4level = c->ept_vpid & (1ull << 6);
    c->ept_wb = c->ept_vpid & (1ull << 14);
    c->ept_2m = c->ept_vpid & (1ull << 16);
    c->ept_1g = c->ept_vpid & (1ull << 17);
    c->invept = c->ept_vpid & (1ull << 20);
    c->ept_ad = c->ept_vpid & (1ull << 21);
    c->invept_single = c->ept_vpid & (1ull << 25);
    c->invept_all = c->ept_vpid & (1ull << 26);
    c->invvpid = c->ept_vpid & (1ull << 32);
}

static void decide(struct vmx_caps *c)
{
    c->usable = false;
    if (!c->vmx)
        c->refusal = "no VT-x";
    else if (c->vmx_locked_off)
        c->refusal = "VMX disabled by firmware";
    else if (!c->secondary || !c->ept)
        c->refusal = "no EPT";
    else if (!c->ept_4level || !c->ept_wb)
        c->refusal = "EPT lacks 4-level walks or write-back";
    else if (!c->invept || !(c->invept_single || c->invept_all))
        c->refusal = "no INVEPT";
    else {
        c->usable = true;
        c->refusal = NULL;
    }
}

void vmx_caps_probe(struct vmx_caps *c)
{
    memset(c, 0, sizeof(*c));
    probe_cpuid(c);
    if (c->vmx)
        probe_msrs(c);
    decide(c);
}

/* One line per missing feature: what it is and what hv does about it. */
static void missing(bool have, const char *what, const char *consequence)
{
    if (!have)
        plat_log(LOG_WARN, "vmx: missing: %s: %s", what, consequence);
}

void vmx_caps_report(const struct vmx_caps *c)
{
    plat_log(LOG_INFO, "cpu: %s family %#x model %#x stepping %u%s", c->vendor, c->family,
             c->model, c->stepping, c->hypervisor ? ", under a hypervisor" : "");
    if (!c->vmx) {
        plat_log(LOG_WARN, "vmx: no VT-x: CPUID.1:ECX.VMX[bit 5] is 0 "
                 "(QEMU TCG never offers it); guests cannot run, self-tests only");
        return;
    }
    plat_log(LOG_INFO, "vmx: basic %#llx (VMCS revision %#x, %s controls), "
             "feature control %#llx%s",
             (unsigned long long)c->basic, c->vmcs_revision, c->true_ctls ? "TRUE_" : "legacy",
             (unsigned long long)c->feature_control,
             (c->feature_control & FEATURE_CONTROL_LOCK) ? " (locked)" : " (unlocked)");
    plat_log(LOG_INFO, "vmx: procbased %#llx procbased2 %#llx ept/vpid %#llx",
             (unsigned long long)c->procbased, (unsigned long long)c->procbased2,
             (unsigned long long)c->ept_vpid);
    if (c->vmx_locked_off)
        plat_log(LOG_WARN, "vmx: missing: VMX outside SMX: firmware locked "
                 "IA32_FEATURE_CONTROL with VMX off: refuse (enable VT-x in setup)");
    missing(c->secondary, "secondary controls", "no EPT possible: refuse");
    missing(c->ept, "EPT", "refuse");
    missing(c->ept_4level && c->ept_wb, "EPT 4-level write-back", "refuse");
    missing(c->invept, "INVEPT", "refuse");
    missing(c->unrestricted, "unrestricted guest",
            "real-mode guests refused; protected/long-mode guests only");
    missing(c->vpid, "VPID", "fall back: TLB flushed on every VM entry and exit");
    missing(c->ept_ad, "EPT A/D bits",
            "fall back: dirty logging by write-protecting EPT entries");
    missing(c->pml, "PML", c->ept_ad ? "fall back: dirty logging by scanning EPT D bits"
                                     : "fall back: dirty logging by write protection");
    missing(c->ept_2m, "EPT 2 MiB pages", "fall back: 4 KiB mappings only");
    missing(c->ept_1g, "EPT 1 GiB pages", "fall back: 2 MiB mappings at most");
    if (c->usable)
        plat_log(LOG_INFO, "vmx: usable: EPT%s%s%s%s%s", c->ept_ad ? " A/D" : "",
                 c->pml ? " PML" : "", c->vpid ? " VPID" : "",
                 c->unrestricted ? " unrestricted-guest" : "", c->ept_1g ? " 1G-pages" : "");
    else
        plat_log(LOG_ERR, "vmx: unusable: %s: guests cannot run, self-tests only", c->refusal);
}
