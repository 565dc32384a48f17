/*
 * hv_main: the hypervisor proper, entered from boot/ after ExitBootServices
 * with the machine's description in one boot_info.  It reports what it
 * found, builds the sample machine's address spaces, checks VT-x, runs the
 * self-tests, and (where VT-x is usable) will run the guest.  Every run ends
 * in hv_shutdown with a verdict line.
 */
#include "hv/boot_info.h"
#include "hv/runtime/log.h"
#include "hv/guest/machine.h"
#include "hv/lib/fmt.h"
#include "hv/runtime/log.h"
#include "hv/lib/platform.h"
#include "hv/lib/pool.h"
#include "hv/runtime/canary.h"
#include "hv/selftest/selftest.h"
#include "hv/runtime/shutdown.h"
#include "hv/vmx/vmx.h"
#include "hv/vmx/caps.h"

#define HV_VERSION "0.1"

static void banner(const struct boot_info *bi)
{
    plat_log(LOG_INFO, "==== hv " HV_VERSION ": VT-x/EPT hypervisor on a hierarchical "
             "memory API ====");
    plat_log(LOG_INFO, "boot: TSC at hv.efi entry %llu", (unsigned long long)bi->tsc_at_entry);
    plat_log(LOG_INFO, "boot: pool %llu pages at %#llx, %u guest(s) from %s, boot services %s",
             (unsigned long long)bi->pool_pages, (unsigned long long)bi->pool_base,
             bi->guests.n, bi->guests.n ? bi->guests_source : "(built-in)",
             bi->boot_services_exited ? "exited" : "still running");
}

/* Without VT-x no guest runs, but the guest machine of docs/guest-abi.md is
 * still built, printed and torn down once, so its map is checked here too. */
static void show_guest_machine(const struct boot_info *bi)
{
    static struct guest_machine m;
    uint64_t mem = MIN(bi->guest_ram_size, GUEST_MEM_DEFAULT);

    plat_log(LOG_INFO, "machine: the guest machine (docs/guest-abi.md) with mem=%lluM",
             (unsigned long long)(mem >> 20));
    if (machine_build(&m, (void *)(uintptr_t)bi->guest_ram_base, mem) != MR_OK)
        return;
    memory_mtree_print(&m.as_mem, log_print_line, "mtree");
    memory_mtree_print(&m.as_io, log_print_line, "mtree");
    memory_flatview_print(&m.as_mem, log_print_line, "flatview");
    memory_flatview_print(&m.as_io, log_print_line, "flatview");
    machine_destroy(&m);
}

static void pool_summary(void)
{
    struct pool_stats s;

    pool_get_stats(&s);
    plat_log(LOG_INFO, "pool: %llu/%llu pages used (peak %llu), %llu blocks live, "
             "%llu failed, %llu bad frees",
             (unsigned long long)s.used_pages, (unsigned long long)s.total_pages,
             (unsigned long long)s.peak_pages, (unsigned long long)s.live_allocs,
             (unsigned long long)s.failed, (unsigned long long)s.bad_frees);
}

__attribute__((noreturn)) void hv_main(struct boot_info *bi)
{
    static char why[64];
    struct selftest_result st;
    struct vmx_caps caps;
    unsigned failed;

    if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
        plat_panic("hv_main: bad boot_info (magic %#llx, version %u)",
                   (unsigned long long)bi->magic, bi->version);
    banner(bi);

    vmx_caps_probe(&caps);
    vmx_caps_report(&caps);

    st = selftest_run_all();
    pool_summary();
    if (st.failed)
        hv_shutdown(HV_EXIT_FAIL, "self-tests failed");
    if (!caps.usable) {
        show_guest_machine(bi);
        if (bi->guests.n || bi->guests.errors) {
            plat_log(LOG_ERR, "main: %u guest(s) configured but VT-x is not usable (%s)",
                     bi->guests.n, caps.refusal);
            hv_shutdown(HV_EXIT_FAIL, "no VT-x: guests not run");
        }
        plat_log(LOG_INFO, "main: no guest run (%s); self-tests decide the result",
                 caps.refusal);
        hv_shutdown(HV_EXIT_PASS, NULL);
    }
    canary_plant_boot();
    failed = vmx_run_guests(&caps, bi);
    pool_summary();
    if (bi->guests.errors) {
        hv_snprintf(why, sizeof(why), "%u bad guest line(s)", bi->guests.errors);
        hv_shutdown(HV_EXIT_FAIL, why);
    }
    if (failed) {
        hv_snprintf(why, sizeof(why), "%u of %u guest(s) failed", failed,
                    bi->guests.n ? bi->guests.n : 1);
        hv_shutdown(HV_EXIT_FAIL, why);
    }
    hv_shutdown(HV_EXIT_PASS, NULL);
}
