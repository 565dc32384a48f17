/*
 * Canaries in the pages hv hands to the CPU for one guest: the VMCS, the
 * MSR and I/O bitmaps, the PML buffer and the EPT tables.  Their contents
 * are either fixed once the VMCS is ready (bitmaps, the VMCS's revision
 * identifier and host-state and pointer fields) or have a shape hv can
 * prove (the PML's unused slots, the EPT against the flat view).  Sealed
 * before the first VM entry, checked when the guest has ended and before
 * any of these pages goes back to the pool (docs/guest-abi.md "Isolation").
 */
#ifndef HV_VMX_SEAL_H
#define HV_VMX_SEAL_H

#include "hv/lib/base.h"

struct vcpu;

#define SEAL_FIELDS 20

struct vcpu_seal {
    bool on;
    uint64_t msr_sum, io_sum;          /* hashes of the bitmaps' contents */
    uint64_t field[SEAL_FIELDS];       /* VMREAD values, in seal.c's order */
};

/* Takes the seal: the VMCS must be current and fully set up. */
void vcpu_seal(struct vcpu *v);
/* Checks it (the VMCS still current) and the VMXON region's revision
 * identifier; one "canary:" line per damage; returns how many. */
unsigned vcpu_seal_check(struct vcpu *v, const void *vmxon_region);

#endif
