/*
 * The hypervisor's memory budget: one AllocatePages call made while boot
 * services still run.  After ExitBootServices every allocation comes from
 * these pages (hv/lib/pool.c), so nothing hv/ does can disturb the firmware's
 * view of memory, and the final memory map already shows the pool as
 * loader data.
 */
#include "boot/boot.h"

#include "hv/lib/platform.h"
#include "hv/lib/pool.h"

EFI_STATUS boot_take_pool(EFI_BOOT_SERVICES *bs, struct boot_info *bi)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    uint64_t pages = BOOT_POOL_PAGES;
    EFI_STATUS s = EFI_OUT_OF_RESOURCES;

    /* A smaller machine gets a smaller pool rather than no hypervisor. */
    for (; pages >= BOOT_POOL_MIN_PAGES; pages /= 2) {
        s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
        if (!EFI_ERROR(s))
            break;
    }
    if (EFI_ERROR(s))
        return s;
    if (!pool_init((void *)(uintptr_t)addr, pages)) {
        bs->FreePages(addr, pages);
        return EFI_OUT_OF_RESOURCES;
    }
    bi->pool_base = addr;
    bi->pool_pages = pages;
    plat_log(LOG_INFO, "boot: page pool %#llx-%#llx (%llu pages, %llu MiB)",
             (unsigned long long)addr, (unsigned long long)(addr + pages * 4096 - 1),
             (unsigned long long)pages, (unsigned long long)(pages / 256));
    return EFI_SUCCESS;
}
