/*
 * What this CPU's VT-x can do, read from CPUID and the IA32_VMX_* MSRs
 * (SDM Vol. 3D, Appendix A), and the hypervisor's decision about each gap:
 * refuse to run guests, or fall back to something slower.
 */
#ifndef HV_VMX_CAPS_H
#define HV_VMX_CAPS_H

#include "hv/lib/base.h"
#include "hv/x86/arch.h"

struct vmx_caps {
    char vendor[13];
    unsigned family, model, stepping;
    bool hypervisor;          /* CPUID.1:ECX[31]: we are nested */
    bool vmx;                 /* CPUID.1:ECX[5] */
    uint64_t feature_control; /* IA32_FEATURE_CONTROL as found */
    bool vmx_locked_off;      /* locked by firmware with VMX disabled */

    /* Raw capability MSRs (valid when vmx). */
    uint64_t basic, misc, ept_vpid;
    uint64_t pinbased, procbased, procbased2, exit, entry; /* TRUE_ where present */
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;

    /* Decoded features. */
    bool true_ctls, secondary, ept, vpid, unrestricted, pml;
    bool ept_wb, ept_4level, ept_2m, ept_1g, ept_ad;
    bool invept, invept_single, invept_all, invvpid;
    uint32_t vmcs_revision, vmxon_size;

    /* The verdict: can guests run at all, and if not, why. */
    bool usable;
    const char *refusal;
};

/* Reads CPUID and, when VMX exists, the capability MSRs.  Changes nothing. */
void vmx_caps_probe(struct vmx_caps *c);
/* One line for the CPU, one per missing feature with the consequence, and
 * a verdict line (docs/serial-log.md). */
void vmx_caps_report(const struct vmx_caps *c);

/* Whether a control may be 1 / must be 1 in a capability MSR value
 * (allowed-1 settings in bits 63:32, allowed-0 in bits 31:0). */
static inline bool vmx_ctl_may_set(uint64_t cap, uint32_t bit) { return (cap >> 32) & bit; }
static inline bool vmx_ctl_must_set(uint64_t cap, uint32_t bit) { return (uint32_t)cap & bit; }

#endif
