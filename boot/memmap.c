/*
 * The UEFI memory map and ExitBootServices.  The map buffer comes from the
 * pool (already allocated), so fetching the map allocates nothing from the
 * firmware and cannot itself change the map key.  ExitBootServices can
 * still fail with EFI_INVALID_PARAMETER when some firmware event changed
 * the map in between; the UEFI spec's answer is to fetch the map again and
 * retry, which we do a bounded number of times.
 */
#include "boot/boot.h"

#include "hv/lib/platform.h"
#include "hv/lib/pool.h"

#define EXIT_ATTEMPTS 8
#define MAP_PAGES_START 4  /* 16 KiB: ~340 descriptors */

static EFI_STATUS fetch_map(EFI_BOOT_SERVICES *bs, void **buf, size_t *buf_pages,
                            UINTN *size, UINTN *key, UINTN *desc_size, UINT32 *desc_ver)
{
    EFI_STATUS s;

    for (;;) {
        *size = *buf_pages * 4096;
        s = bs->GetMemoryMap(size, *buf, key, desc_size, desc_ver);
        if (s != EFI_BUFFER_TOO_SMALL)
            return s;
        /* *size now says what it needs; leave room for it to grow. */
        plat_free_pages(*buf, *buf_pages);
        *buf_pages = (*size + 4 * 4096) / 4096 + 1;
        *buf = plat_alloc_pages(*buf_pages);
        if (!*buf)
            return EFI_OUT_OF_RESOURCES;
    }
}

EFI_STATUS boot_exit_services(EFI_HANDLE image, EFI_BOOT_SERVICES *bs, struct boot_info *bi)
{
    size_t buf_pages = MAP_PAGES_START;
    void *buf = plat_alloc_pages(buf_pages);
    UINTN size = 0, key = 0, desc_size = 0;
    UINT32 desc_ver = 0;
    EFI_STATUS s = EFI_OUT_OF_RESOURCES;
    unsigned attempt;

    if (!buf)
        return EFI_OUT_OF_RESOURCES;
    for (attempt = 1; attempt <= EXIT_ATTEMPTS; attempt++) {
        s = fetch_map(bs, &buf, &buf_pages, &size, &key, &desc_size, &desc_ver);
        if (EFI_ERROR(s))
            return s;
        /* No firmware calls between GetMemoryMap and ExitBootServices:
         * anything that allocates would invalidate the key. */
        s = bs->ExitBootServices(image, key);
        bi->exit_attempts = attempt;
        if (!EFI_ERROR(s))
            break;
        if (s != EFI_INVALID_PARAMETER)
            return s;
    }
    if (EFI_ERROR(s))
        return s;
    bi->boot_services_exited = true;
    bi->memmap = buf;
    bi->memmap_size = size;
    bi->memmap_desc_size = desc_size;
    bi->memmap_entries = desc_size ? size / desc_size : 0;
    return EFI_SUCCESS;
}

/* Memory the OS may use as RAM once boot services are gone. */
static bool is_ram(UINT32 type)
{
    switch (type) {
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiRuntimeServicesCode:
    case EfiRuntimeServicesData:
    case EfiConventionalMemory:
    case EfiACPIReclaimMemory:
    case EfiACPIMemoryNVS:
        return true;
    default:
        return false;
    }
}

void boot_summarize_memmap(struct boot_info *bi)
{
    const uint8_t *p = bi->memmap;
    uint64_t i;

    bi->ram_bytes = bi->conventional_bytes = bi->highest_ram_addr = 0;
    for (i = 0; i < bi->memmap_entries; i++) {
        const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + i * bi->memmap_desc_size);
        uint64_t bytes = d->NumberOfPages * 4096;

        plat_log(LOG_DEBUG, "boot: map %016llx-%016llx type %u attr %#llx",
                 (unsigned long long)d->PhysicalStart,
                 (unsigned long long)(d->PhysicalStart + bytes - 1), d->Type,
                 (unsigned long long)d->Attribute);
        if (!is_ram(d->Type))
            continue;
        bi->ram_bytes += bytes;
        if (d->Type == EfiConventionalMemory || d->Type == EfiBootServicesCode ||
            d->Type == EfiBootServicesData)
            bi->conventional_bytes += bytes;
        if (bytes && d->PhysicalStart + bytes - 1 > bi->highest_ram_addr)
            bi->highest_ram_addr = d->PhysicalStart + bytes - 1;
    }
    plat_log(LOG_INFO, "boot: memory map: %llu entries, %llu MiB RAM, %llu MiB free, "
             "top %#llx",
             (unsigned long long)bi->memmap_entries, (unsigned long long)(bi->ram_bytes >> 20),
             (unsigned long long)(bi->conventional_bytes >> 20),
             (unsigned long long)bi->highest_ram_addr);
}
