/*
 * Shared between the files of ept/; not part of the API.
 */
#ifndef EPT_EPT_INTERNAL_H
#define EPT_EPT_INTERNAL_H

#include "ept/ept.h"
#include "hv/lib/platform.h"

static inline uint64_t *ept_table_of(uint64_t e)
{
    return plat_phys_to_virt(e & EPT_E_ADDR);
}

/* Ends a batch of entry stores made outside ept_apply (harvests, faults):
 * one INVEPT if any of them narrowed a translation, then the pool settles. */
void ept_end_batch(EptContext *c);

#endif
