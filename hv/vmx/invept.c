#include "hv/vmx/invept.h"

#include "hv/lib/platform.h"

static bool enabled, single_ok;
static uint64_t count;

void vmx_invept_enable(bool vmx_on, bool single_context_supported)
{
    enabled = vmx_on;
    single_ok = single_context_supported;
}

uint64_t vmx_invept_count(void) { return count; }

void vmx_invept_single(uint64_t eptp)
{
    /* INVEPT descriptor: EPTP, then 64 reserved bits (SDM Vol. 3C 30.3). */
    struct {
        uint64_t eptp, reserved;
    } desc = {eptp, 0};
    uint64_t type = single_ok ? 1 : 2; /* 1: single-context, 2: global */
    uint8_t fail;

    if (!enabled)
        return;
    count++;
    __asm__ volatile("invept %1, %2; setna %0"
                     : "=r"(fail)
                     : "m"(desc), "r"(type)
                     : "cc", "memory");
    if (fail)
        plat_log(LOG_ERR, "vmx: invept type %llu of eptp %#llx failed",
                 (unsigned long long)type, (unsigned long long)eptp);
}

/* INVVPID (SDM Vol. 3C 30.3): type 1 drops the linear and combined
 * translations tagged with one VPID, type 2 those of every VPID. */
void vmx_invvpid(uint16_t vpid, bool all)
{
    struct {
        uint64_t vpid, linear;
    } desc = {vpid, 0};
    uint64_t type = all ? 2 : 1;
    uint8_t fail;

    if (!enabled)
        return;
    __asm__ volatile("invvpid %1, %2; setna %0"
                     : "=r"(fail)
                     : "m"(desc), "r"(type)
                     : "cc", "memory");
    if (fail)
        plat_log(LOG_ERR, "vmx: invvpid type %llu of vpid %u failed", (unsigned long long)type,
                 vpid);
}
