/*
 * An outside program that provides the platform interface itself: every
 * plat_* function of hv/lib/platform.h is defined here, so the linker never
 * pulls the library's host default.  Its log collects what the memory API
 * says about a refused call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/memory.h"
#include "hv/lib/platform.h"
#include "hv/lib/fmt.h"

static char last[256];

void *plat_alloc(size_t n) { return calloc(1, n ? n : 1); }
void plat_free(void *p) { free(p); }
void *plat_alloc_pages(size_t n) { return aligned_alloc(4096, n * 4096); }
void plat_free_pages(void *p, size_t n) { (void)n; free(p); }
uint64_t plat_virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
void *plat_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
void plat_ept_invalidate(uint64_t eptp) { (void)eptp; }

void plat_log(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hv_vsnprintf(last, sizeof(last), fmt, ap);
    va_end(ap);
    printf("own-log %d: %s\n", (int)level, last);
}

void plat_panic(const char *fmt, ...)
{
    (void)fmt;
    abort();
}

int main(void)
{
    MemoryRegion a, b;

    memory_region_init(&a, "a", 0x1000);
    memory_region_init(&b, "b", 0x1000);
    memory_region_add_subregion(&a, 0, &b);
    int err = memory_region_add_subregion(&a, 0, &b);
    printf("refused: %d (%s)\n", err, memory_strerror(err));
    return err == MR_EBUSY && strstr(last, "already in a") ? 0 : 1;
}
