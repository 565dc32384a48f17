/*
 * boot/: the UEFI side of hv.efi.  efi_main takes the machine step by step
 * (serial, pool, payload, memory map, ExitBootServices) and fills one
 * struct boot_info for hv_main.  Only boot/ calls UEFI boot services.
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#include <efi.h>

#include "hv/boot_info.h"

/* Page pool budget: tried first, then halved down to the minimum. */
#define BOOT_POOL_PAGES (96ull * 1024 * 1024 / 4096)
#define BOOT_POOL_MIN_PAGES (8ull * 1024 * 1024 / 4096)
/* Largest guest payload boot/ will read. */
#define BOOT_PAYLOAD_MAX (16ull * 1024 * 1024)

/* boot/pool_take.c: AllocatePages a budget and hand it to hv/lib/pool.c. */
EFI_STATUS boot_take_pool(EFI_BOOT_SERVICES *bs, struct boot_info *bi);

/* boot/cmdline.c: load options (UCS-2) to ASCII, and the payload path. */
void boot_read_cmdline(const EFI_LOADED_IMAGE_PROTOCOL *li, struct boot_info *bi);

/* boot/payload.c: the guest list (load options or \EFI\hv\hv.cfg), each
 * guest's payload read into the pool (a missing one is logged and that
 * guest fails later), and one block of guest RAM outside the pool. */
EFI_STATUS boot_load_payload(EFI_BOOT_SERVICES *bs,
                             const EFI_LOADED_IMAGE_PROTOCOL *li,
                             struct boot_info *bi);

/* boot/memmap.c: the final memory map and ExitBootServices with the
 * map-key retry; on success bi->memmap holds the map it exited with. */
EFI_STATUS boot_exit_services(EFI_HANDLE image, EFI_BOOT_SERVICES *bs,
                              struct boot_info *bi);
/* Totals of bi->memmap into bi's summary fields, and a log line. */
void boot_summarize_memmap(struct boot_info *bi);

#endif
