/*
 * VMX on this CPU: enabling it (IA32_FEATURE_CONTROL, CR0/CR4 fixed bits,
 * VMXON) and running the guest.  Everything vendor-specific stays behind
 * vmx_run_guest so an SVM backend can sit beside it later.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include "hv/boot_info.h"
#include "hv/vmx/caps.h"

/* Turns VMX on; false (with log lines saying why) when it cannot. */
bool vmx_on(const struct vmx_caps *caps);
void vmx_off(void);

/* Runs each guest of bi->guests in order (the built-in demo guest when
 * there are none), each on a fresh machine.  Returns how many failed. */
unsigned vmx_run_guests(const struct vmx_caps *caps, const struct boot_info *bi);

/* VM-instruction error numbers to text (SDM Vol. 3C 30.4). */
const char *vmx_insn_error_name(uint64_t err);

#endif
