/*
 * Extras of the host default platform (hv/lib/host/platform_host.c) that tests,
 * benchmarks and fuzzers use: log capture, allocation failure injection and
 * counters.  Not part of the platform interface; hv.efi has none of this.
 */
#ifndef HV_HOST_PLATFORM_HOST_H
#define HV_HOST_PLATFORM_HOST_H

#include "hv/lib/platform.h"

/* Lines at or below this level go to stderr (-1: none; default LOG_WARN, or the
 * HV_LOG environment variable: 0..3). */
void plat_host_set_verbosity(int level);

/* The most recent log line of any level, and how many were logged. */
const char *plat_host_last_log(void);
unsigned long plat_host_log_count(void);

/* Make the n-th allocation from now (bytes or pages) fail; -1 disables. */
void plat_host_fail_alloc_after(long n);

/* Outstanding allocations: byte blocks and pages. */
long plat_host_live_allocs(void);
long plat_host_live_pages(void);

/* Number of plat_ept_invalidate calls so far. */
unsigned long plat_host_invept_count(void);

#endif
