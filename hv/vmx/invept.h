/*
 * INVEPT for plat_ept_invalidate: a no-op until VMX is on (the EPT is then
 * not in use by any CPU, so there is nothing cached to drop).
 */
#ifndef HV_VMX_INVEPT_H
#define HV_VMX_INVEPT_H

#include "hv/lib/base.h"

/* Set by the VMX layer after VMXON succeeds and cleared after VMXOFF. */
void vmx_invept_enable(bool vmx_on, bool single_context_supported);
/* Single-context INVEPT of eptp (all-context when single is unsupported). */
void vmx_invept_single(uint64_t eptp);
uint64_t vmx_invept_count(void);
/* INVVPID of one VPID's translations (all: of every VPID). */
void vmx_invvpid(uint16_t vpid, bool all);

#endif
