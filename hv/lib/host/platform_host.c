/*
 * Default host platform for libhvcore.a: malloc for memory, stderr for the
 * log.  An outside program may provide its own platform instead by defining
 * every plat_* function of hv/lib/platform.h itself; the linker then never pulls
 * this object out of the archive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/lib/host/platform_host.h"
#include "hv/lib/fmt.h"

static int verbosity = -2; /* -2: not set yet; -1: silent */
static char last_line[512];
static unsigned long log_count;
static long fail_after = -1;
static long live_allocs, live_pages;
static unsigned long invept_count;

void plat_host_set_verbosity(int level) { verbosity = level; }
const char *plat_host_last_log(void) { return last_line; }
unsigned long plat_host_log_count(void) { return log_count; }
void plat_host_fail_alloc_after(long n) { fail_after = n; }
long plat_host_live_allocs(void) { return live_allocs; }
long plat_host_live_pages(void) { return live_pages; }
unsigned long plat_host_invept_count(void) { return invept_count; }

/* True when the injected failure is due now. */
static bool injected_failure(void)
{
    if (fail_after < 0)
        return false;
    if (fail_after == 0) {
        fail_after = -1;
        return true;
    }
    fail_after--;
    return false;
}

void *plat_alloc(size_t bytes)
{
    void *p;

    if (injected_failure())
        return NULL;
    p = calloc(1, bytes ? bytes : 1);
    if (p)
        live_allocs++;
    return p;
}

void plat_free(void *p)
{
    if (!p)
        return;
    live_allocs--;
    free(p);
}

void *plat_alloc_pages(size_t npages)
{
    void *p;

    if (injected_failure() || npages == 0)
        return NULL;
    p = aligned_alloc(PLAT_PAGE_SIZE, npages * PLAT_PAGE_SIZE);
    if (!p)
        return NULL;
    memset(p, 0, npages * PLAT_PAGE_SIZE);
    live_pages += (long)npages;
    return p;
}

void plat_free_pages(void *p, size_t npages)
{
    if (!p)
        return;
    live_pages -= (long)npages;
    free(p);
}

uint64_t plat_virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
void *plat_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

static int current_verbosity(void)
{
    const char *env;

    if (verbosity == -2) {
        env = getenv("HV_LOG");
        verbosity = (env && *env >= '0' && *env <= '3') ? *env - '0' : LOG_WARN;
    }
    return verbosity;
}

void plat_log(enum log_level level, const char *fmt, ...)
{
    static const char tag[] = "EWID";
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(last_line, sizeof(last_line), fmt, ap);
    va_end(ap);
    log_count++;
    if ((int)level <= current_verbosity())
        fprintf(stderr, "hv %c %s\n", tag[level & 3], last_line);
}

void plat_panic(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "hv PANIC %s\n", line);
    abort();
}

void plat_ept_invalidate(uint64_t eptp)
{
    (void)eptp;
    invept_count++;
}
