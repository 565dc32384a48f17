/*
 * VMX on this CPU: enabling it (IA32_FEATURE_CONTROL, CR0/CR4 fixed bits,
 * VMXON) and running the guest.  Everything vendor-specific stays behind
 * vmx_run_guest so an SVM backend can sit beside it later.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include "hv/machine.h"
#include "hv/vmx_caps.h"

/* Turns VMX on; false (with log lines saying why) when it cannot. */
bool vmx_on(const struct vmx_caps *caps);
void vmx_off(void);

/* Runs the built-in guest in m until it ends.  Returns true when the guest
 * ran and reported success. */
bool vmx_run_guest(const struct vmx_caps *caps, struct machine *m);

/* VM-instruction error numbers to text (SDM Vol. 3C 30.4). */
const char *vmx_insn_error_name(uint64_t err);

#endif
