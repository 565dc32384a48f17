/*
 * Tearing a machine down, the same for every machine model: the memory
 * API requires two phases -- every region out of its parent (and the
 * address spaces gone) in one commit, then regions destroyed once no flat
 * view names them.
 */
#ifndef HV_GUEST_TEARDOWN_H
#define HV_GUEST_TEARDOWN_H

#include "memory/memory.h"

/* Phase one: the address spaces that exist destroyed and every
 * initialised region of mapped[] removed from its parent, in one commit. */
void machine_unmap(AddressSpace *mem, AddressSpace *io, MemoryRegion *const *mapped, size_t n);
/* Phase two: every initialised region of own[] destroyed in order
 * (aliases before their targets, containers last); failures logged with
 * `who`. */
void machine_destroy_regions(MemoryRegion *const *own, size_t n, const char *who);

#endif
