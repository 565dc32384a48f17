/*
 * Canaries for the isolation guarantee: the 16 bytes "hv-canary-7f3a9c"
 * (docs/guest-abi.md) kept in hypervisor memory only — in hv.efi's image,
 * in a page of the pool, and in the host memory right after each guest's
 * RAM.  A guest that scans its whole guest-physical space must never find
 * them (tests/guests/isolation.c); finding one means hv memory leaked into
 * the guest's map.
 */
#ifndef HV_CANARY_H
#define HV_CANARY_H

#include "hv/lib/base.h"

#define HV_CANARY "hv-canary-7f3a9c"
#define HV_CANARY_LEN 16

/* Plants the image and pool copies; once per boot.  False if the pool
 * page could not be had (the image copy is there regardless). */
bool canary_plant_boot(void);

/* Fills [ram + mem, ram + mem + len) with canaries: host memory next to a
 * guest's RAM that the guest must not see. */
void canary_plant_after(void *ram, uint64_t mem, uint64_t len);

/* Checks every canary planted (image, pool page, after guest RAM, every
 * free pool page): the number found changed, each with an error line.
 * hv runs it after every guest: a write into hv memory fails the run. */
unsigned canary_check(void);

#endif
