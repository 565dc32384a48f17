/*
 * A minimal EPT built straight from a flat view: 4 KiB mappings of every
 * RAM/ROM range (write-back; ROM read+execute only), MMIO and unassigned
 * space not present.  This is hv's stand-in until the ept/ listener takes
 * over: the VMX code only sees hv_ept_build/hv_ept_destroy, so swapping in
 * ept/ changes these two functions and nothing else.
 */
#ifndef HV_EPT_SIMPLE_H
#define HV_EPT_SIMPLE_H

#include "memory/memory.h"

struct hv_ept {
    uint64_t eptp;      /* what goes into the VMCS */
    uint64_t *pml4;
    uint64_t mapped_pages, table_pages;
};

/* Builds the EPT for as's current flat view; ad: set the EPTP's
 * accessed/dirty enable bit.  Returns MR_OK or MR_ENOMEM. */
int hv_ept_build(struct hv_ept *ept, AddressSpace *as, bool ad);
void hv_ept_destroy(struct hv_ept *ept);

#endif
