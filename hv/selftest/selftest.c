#include "hv/selftest/selftest.h"
#include "hv/guest/machine.h"

#include "hv/lib/platform.h"
#include "hv/lib/pool.h"

bool selftest_fail(const char *file, int line, const char *what)
{
    plat_log(LOG_ERR, "selftest: %s:%d: check failed: %s", file, line, what);
    return false;
}

bool selftest_fail_u64(const char *file, int line, const char *what, uint64_t got,
                       uint64_t want)
{
    plat_log(LOG_ERR, "selftest: %s:%d: check failed: %s: got %#llx, want %#llx", file, line,
             what, (unsigned long long)got, (unsigned long long)want);
    return false;
}

/* A test must give back what it took.  Slab pages (carved into small
 * blocks and kept for reuse) are not leaks; every other page and every
 * live block is. */
static bool leak_free(const struct pool_stats *before, const char *group, const char *name)
{
    struct pool_stats after;
    int64_t blocks, pages;

    pool_get_stats(&after);
    blocks = (int64_t)(after.live_allocs - before->live_allocs);
    pages = (int64_t)((after.used_pages - after.slab_pages) -
                      (before->used_pages - before->slab_pages));
    if (blocks == 0 && pages == 0)
        return true;
    plat_log(LOG_ERR, "selftest: %s.%s leaked %lld blocks, %lld pages", group, name,
             (long long)blocks, (long long)pages);
    return false;
}

struct selftest_result selftest_run_all(void)
{
    struct selftest_result r = {0, 0};
    size_t g, i;

    for (g = 0; selftest_groups[g]; g++) {
        const struct selftest_group *grp = selftest_groups[g];

        for (i = 0; i < grp->count; i++) {
            const struct selftest *t = &grp->tests[i];
            struct pool_stats before;
            bool ok;

            pool_get_stats(&before);
            ok = t->fn();
            ok = leak_free(&before, grp->name, t->name) && ok;
            if (ok) {
                r.passed++;
                plat_log(LOG_INFO, "selftest: pass %s.%s", grp->name, t->name);
            } else {
                r.failed++;
                plat_log(LOG_ERR, "selftest: FAIL %s.%s", grp->name, t->name);
            }
        }
    }
    plat_log(r.failed ? LOG_ERR : LOG_INFO, "selftest: %u passed, %u failed", r.passed,
             r.failed);
    return r;
}

static void *machine_ram;

bool selftest_machine_build(struct guest_machine *m)
{
    machine_ram = plat_alloc_pages(SELFTEST_RAM_SIZE / PLAT_PAGE_SIZE);
    if (!machine_ram)
        return selftest_fail(__FILE__, __LINE__, "no pages for the machine's RAM");
    if (machine_build(m, machine_ram, SELFTEST_RAM_SIZE) != MR_OK) {
        plat_free_pages(machine_ram, SELFTEST_RAM_SIZE / PLAT_PAGE_SIZE);
        machine_ram = NULL;
        return selftest_fail(__FILE__, __LINE__, "machine_build");
    }
    return true;
}

void selftest_machine_destroy(struct guest_machine *m)
{
    machine_destroy(m);
    plat_free_pages(machine_ram, SELFTEST_RAM_SIZE / PLAT_PAGE_SIZE);
    machine_ram = NULL;
}
