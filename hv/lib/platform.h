/*
 * The platform interface: everything the freestanding core (memory/, ept/,
 * devices/, the x86 decoder) needs from the world around it.  hv.efi
 * implements it over its page pool and serial console (hv/runtime/platform_hv.c);
 * the host library brings a default over malloc and stderr
 * (hv/lib/host/platform_host.c).  Nothing else in the core touches the platform.
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "hv/lib/base.h"

#define PLAT_PAGE_SIZE 4096u

enum log_level {
    LOG_ERR = 0,   /* something was refused or went wrong */
    LOG_WARN = 1,  /* suspicious but handled */
    LOG_INFO = 2,  /* normal progress worth a serial line */
    LOG_DEBUG = 3, /* chatty detail, off by default */
};

/* Zeroed bytes, 16-byte aligned; NULL when out of memory. */
void *plat_alloc(size_t bytes);
/* Frees plat_alloc memory; NULL is ignored. */
void plat_free(void *p);

/* Zeroed 4 KiB pages, page aligned; NULL when out of memory. */
void *plat_alloc_pages(size_t npages);
void plat_free_pages(void *p, size_t npages);

/* Host-physical address of hypervisor memory, and back (identity in UEFI). */
uint64_t plat_virt_to_phys(const void *p);
void *plat_phys_to_virt(uint64_t pa);

/* One log line (no trailing newline needed); printf-style format. */
void plat_log(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Unrecoverable internal error: report and stop.  Never for bad input. */
__attribute__((noreturn)) void plat_panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Invalidate cached EPT translations for this EPT pointer (INVEPT). */
void plat_ept_invalidate(uint64_t eptp);

#endif
