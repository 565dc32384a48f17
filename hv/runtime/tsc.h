/*
 * The TSC's frequency, measured once against the 8254 PIT (channel 2, its
 * gate on port 0x61): what turns a guest's time budget in seconds into
 * TSC ticks for the VMX-preemption timer.  Under Bochs with clock sync=none
 * both the PIT and the TSC follow emulated instructions, so the figure is
 * in emulated time there, as the budget should be.
 */
#ifndef HV_RUNTIME_TSC_H
#define HV_RUNTIME_TSC_H

#include "hv/lib/base.h"

/* TSC ticks per second (measured on first use, then cached). */
uint64_t tsc_hz(void);

#endif
