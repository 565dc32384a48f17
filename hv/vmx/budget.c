/*
 * The guest's time budget (docs/guest-abi.md "Time budget"): `timeout=`
 * seconds of TSC time from the guest's first instruction.  hv checks it at
 * every exit, and the VMX-preemption timer (SDM Vol. 3C 25.5.1) makes sure
 * there is an exit in time even for a guest that never causes one
 * (`jmp $`, an exception storm handled inside the guest).
 */
#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"
#include "hv/runtime/tsc.h"
#include "hv/vmx/vcpu.h"

#define TIMER_MAX 0xffffffffull

/* The timer counts down once every 2^rate TSC ticks (IA32_VMX_MISC[4:0]). */
static void arm(struct vcpu *v, uint64_t now)
{
    unsigned rate = (unsigned)(v->caps->misc & 0x1f);
    uint64_t left = v->deadline > now ? v->deadline - now : 0;

    vmwrite(VMCS_PREEMPTION_TIMER, MIN(left >> rate, TIMER_MAX));
}

void vmx_budget_start(struct vcpu *v, unsigned seconds)
{
    uint64_t now = rdtsc(), hz = tsc_hz();

    v->timeout_s = seconds;
    v->deadline = now + MIN((uint64_t)seconds, UINT64_MAX / hz) * hz;
    if (v->deadline < now)
        v->deadline = UINT64_MAX;
    if (v->timer_on)
        arm(v, now);
    else
        plat_log(LOG_WARN, "vmx: no VMX-preemption timer: a guest that never exits is not "
                 "bounded by its timeout");
}

bool vmx_budget_left(struct vcpu *v)
{
    uint64_t now = rdtsc();

    if (now >= v->deadline)
        return false;
    if (v->timer_on)
        arm(v, now); /* the timer's range ran out before the budget did */
    return true;
}
