/*
 * Capabilities: which EPT features the CPU offers, decoded from the VMX
 * capability MSRs (SDM vol. 3D, A.3.3 and A.10), and the dirty-logging
 * strategy they allow.
 */
#include "ept/ept.h"
#include "hv/lib/platform.h"

/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10). */
#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)
#define CAP_PDE_2M (1ull << 16)
#define CAP_PDPTE_1G (1ull << 17)
#define CAP_AD (1ull << 21)
/* IA32_VMX_PROCBASED_CTLS2: allowed-1 settings are bits 63:32 (SDM A.3.3). */
#define CTLS2_ENABLE_EPT (1ull << (32 + 1))
#define CTLS2_ENABLE_PML (1ull << (32 + 17))

bool ept_caps_from_msrs(EptCaps *caps, uint64_t ept_vpid_cap,
                        uint64_t procbased_ctls2, unsigned phys_bits)
{
    bool usable = (ept_vpid_cap & CAP_WALK4) && (ept_vpid_cap & CAP_WB) &&
                  (procbased_ctls2 & CTLS2_ENABLE_EPT);

    caps->page_2m = ept_vpid_cap & CAP_PDE_2M;
    caps->page_1g = ept_vpid_cap & CAP_PDPTE_1G;
    caps->ad = ept_vpid_cap & CAP_AD;
    /* PML logs on dirty-flag updates, so it is useless without A/D. */
    caps->pml = caps->ad && (procbased_ctls2 & CTLS2_ENABLE_PML);
    caps->gpa_width = phys_bits < 32 ? 32 : phys_bits > 48 ? 48 : phys_bits;
    if (!usable)
        plat_log(LOG_ERR, "ept: CPU lacks %s%s%s",
                 (ept_vpid_cap & CAP_WALK4) ? "" : "4-level walk ",
                 (ept_vpid_cap & CAP_WB) ? "" : "WB type ",
                 (procbased_ctls2 & CTLS2_ENABLE_EPT) ? "" : "EPT control");
    return usable;
}

EptDirtyMode ept_dirty_mode_for(const EptCaps *caps)
{
    if (caps->ad && caps->pml)
        return EPT_DIRTY_PML;
    return caps->ad ? EPT_DIRTY_AD : EPT_DIRTY_WP;
}

const char *ept_dirty_mode_name(EptDirtyMode mode)
{
    switch (mode) {
    case EPT_DIRTY_WP:
        return "write-protect";
    case EPT_DIRTY_AD:
        return "dirty-flags";
    case EPT_DIRTY_PML:
        return "pml";
    }
    return "?";
}
