/*
 * A guest's EPT: ept/'s flat-view listener on the guest's memory address
 * space, so every memory API commit (a BAR move, a region enabled, dirty
 * logging switched on) reaches the EPT as one batch with at most one
 * INVEPT, plus the vCPU's page-modification log when the CPU has PML.
 */
#ifndef HV_GUEST_EPT_H
#define HV_GUEST_EPT_H

#include "ept/ept_listener.h"
#include "hv/vmx/caps.h"


struct hv_ept {
    EptListener el;
    EptPml pml;
    bool pml_on;        /* the VMCS enables PML with pml.log */
    bool live;
    uint64_t eptp;
};

/* Creates the EPT for as with the best dirty strategy the CPU allows, at
 * most budget_pages table pages (hv.cfg ept-pages=). */
int hv_ept_init(struct hv_ept *e, const struct vmx_caps *c, AddressSpace *as,
                size_t budget_pages);
void hv_ept_destroy(struct hv_ept *e);
/* One summary line (docs/serial-log.md). */
void hv_ept_report(const struct hv_ept *e);

#endif
