/*
 * hv_main: the hypervisor proper, entered from boot/ after ExitBootServices
 * with the machine's description in one boot_info.  It reports what it
 * found, builds the sample machine's address spaces, checks VT-x, runs the
 * self-tests, and (where VT-x is usable) will run the guest.  Every run ends
 * in hv_shutdown with a verdict line.
 */
#include "hv/boot_info.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/platform.h"
#include "hv/pool.h"
#include "hv/selftest.h"
#include "hv/shutdown.h"
#include "hv/vmx.h"
#include "hv/vmx_caps.h"

#define HV_VERSION "0.1"

static struct machine machine;

static void banner(const struct boot_info *bi)
{
    plat_log(LOG_INFO, "==== hv " HV_VERSION ": VT-x/EPT hypervisor on a hierarchical "
             "memory API ====");
    plat_log(LOG_INFO, "boot: pool %llu pages at %#llx, payload %s, boot services %s",
             (unsigned long long)bi->pool_pages, (unsigned long long)bi->pool_base,
             bi->payload ? bi->payload_path : "(built-in)",
             bi->boot_services_exited ? "exited" : "still running");
}

static void print_machine(struct machine *m)
{
    plat_log(LOG_INFO, "machine: sample PC-like map (hv/machine.h)");
    memory_mtree_print(&m->as_mem, log_print_line, "mtree");
    memory_mtree_print(&m->as_io, log_print_line, "mtree");
    memory_flatview_print(&m->as_mem, log_print_line, "flatview");
    memory_flatview_print(&m->as_io, log_print_line, "flatview");
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
    struct selftest_result st;
    struct vmx_caps caps;
    int err;

    if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
        plat_panic("hv_main: bad boot_info (magic %#llx, version %u)",
                   (unsigned long long)bi->magic, bi->version);
    banner(bi);

    err = machine_build(&machine);
    if (err)
        hv_shutdown(HV_EXIT_FAIL, "sample machine");
    print_machine(&machine);

    vmx_caps_probe(&caps);
    vmx_caps_report(&caps);

    st = selftest_run_all();
    pool_summary();
    if (st.failed)
        hv_shutdown(HV_EXIT_FAIL, "self-tests failed");
    if (!caps.usable) {
        plat_log(LOG_INFO, "main: no guest run (%s); self-tests decide the result",
                 caps.refusal);
        hv_shutdown(HV_EXIT_PASS, NULL);
    }
    if (!vmx_run_guest(&caps, &machine))
        hv_shutdown(HV_EXIT_FAIL, "guest run");
    pool_summary();
    hv_shutdown(HV_EXIT_PASS, NULL);
}
