/*
 * Linux kernels by the x86 boot protocol (Documentation/x86/boot.rst in
 * the kernel's tree; docs/guest-abi.md "Linux kernels"): a bzImage of
 * protocol 2.12 or later with a 64-bit entry point, its protected-mode
 * part loaded where the header prefers (or relocated), a boot_params page
 * built from the machine (the e820 map from the flat view, the command
 * line, the initrd, the ACPI RSDP, screen_info describing the machine's
 * framebuffer as an EFI one), entered in 64-bit mode:
 *
 *   0x1000-0x6fff   identity page tables for 0-4 GiB (as guest_load's)
 *   0x7000          a GDT with __BOOT_CS = 0x10 and __BOOT_DS = 0x18
 *   0x8000          boot_params (the "zero page"), RSI at entry
 *   0x9000          the command line (at most LINUX_CMDLINE_MAX bytes)
 *   pref_address    the kernel (init_size bytes reserved from there)
 *   high            the initrd, page aligned, as high as the header and
 *                   RAM below 4 GiB allow
 */
#ifndef HV_GUEST_LINUX_H
#define HV_GUEST_LINUX_H

#include "hv/guest/load.h"
#include "hv/guest/multiboot.h"

#define LINUX_BOOT_PARAMS 0x8000ull
#define LINUX_CMDLINE 0x9000ull
#define LINUX_CMDLINE_MAX 2048u
#define LINUX_SEL_CODE 0x10         /* __BOOT_CS */
#define LINUX_SEL_DATA 0x18         /* __BOOT_DS */
#define LINUX_MIN_PROTOCOL 0x020c   /* 2.12: XLF_KERNEL_64, 64-bit entry */
#define LINUX_E820_MAX 128

struct linux_load_args {
    const char *cmdline;                 /* NULL: empty */
    const void *initrd;                  /* NULL: none */
    uint64_t initrd_size;
    const struct mb_mmap_entry *map;     /* the machine's map (e820 types 1, 2, 3) */
    unsigned nmap;
    uint64_t rsdp;                       /* the ACPI RSDP's address, 0: none */
    /* A linear XRGB8888 framebuffer for screen_info (efifb); base 0: none */
    uint64_t fb_base;
    uint32_t fb_width, fb_height, fb_stride;
};

/* True when img starts like a bzImage ("HdrS" at 0x202, 0xAA55 at 0x1fe). */
bool linux_detect(const void *img, uint64_t size);

/* Loads a bzImage into ram and fills *e for its 64-bit entry (RSI =
 * boot_params).  False, with one "linux: ..." line saying why, for an
 * image that is not a bzImage, too old a protocol, no 64-bit entry, or
 * that does not fit. */
bool linux_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t size,
                const struct linux_load_args *a, struct guest_entry *e);

#endif
