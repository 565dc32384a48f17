/*
 * The handoff from boot/ (UEFI) to hv_main: everything the hypervisor needs
 * to know about the machine it took, in one structure.  After
 * ExitBootServices only the runtime services and the memory the pool owns
 * remain usable; pointers here point into the pool or into hv.efi's image.
 */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include "hv/lib/base.h"
#include "hv/guest/config.h"

#define BOOT_INFO_MAGIC 0x4f464e49544f4f42ull /* "BOOTINFO" */
#define BOOT_INFO_VERSION 2

/* Default guest payload on the boot volume, when the load options name none. */
#define BOOT_DEFAULT_PAYLOAD "\\EFI\\hv\\guest.bin"

struct boot_info {
    uint64_t magic;
    uint32_t version;

    /* UEFI */
    void *image_handle;
    void *runtime_services;       /* EFI_RUNTIME_SERVICES *, for ResetSystem */
    bool boot_services_exited;    /* ExitBootServices succeeded */
    unsigned exit_attempts;       /* ExitBootServices calls it took */
    uint64_t image_base, image_size; /* where the firmware loaded hv.efi */

    /* The UEFI memory map as it was at ExitBootServices (a copy in the
     * pool), and a summary of it. */
    const void *memmap;           /* EFI_MEMORY_DESCRIPTOR array */
    uint64_t memmap_size;         /* bytes */
    uint64_t memmap_desc_size;    /* stride between descriptors */
    uint64_t memmap_entries;
    uint64_t ram_bytes;           /* every RAM-backed type */
    uint64_t conventional_bytes;  /* free for the OS after exit */
    uint64_t highest_ram_addr;    /* last byte of RAM, inclusive */

    /* The hypervisor's page pool, already handed to hv/lib/pool.c. */
    uint64_t pool_base;
    uint64_t pool_pages;

    /* Guest payload read from the boot volume (NULL when none). */
    const void *payload;
    uint64_t payload_size;
    char payload_path[128];       /* ASCII, as looked up */

    /* The guests to run, in order (hv.cfg or the load options), each with
     * its payload read into the pool; n == 0: the built-in demo guest. */
    struct guest_list guests;
    char guests_source[64];       /* where the list came from */

    /* Guest RAM: one block outside the pool, big enough for the largest
     * guest, reused by each guest in turn (2 MiB aligned; 0 when none). */
    uint64_t guest_ram_base;
    uint64_t guest_ram_size;

    /* hv.efi's load options, converted to ASCII (empty when none). */
    char cmdline[256];

    uint64_t tsc_at_entry;        /* rdtsc at efi_main, for boot timings */
};

/* The hypervisor proper; boot/ calls it once and it never returns. */
__attribute__((noreturn)) void hv_main(struct boot_info *bi);

#endif
