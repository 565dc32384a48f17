/*
 * Multiboot version 1 kernels (docs/guest-abi.md "Multiboot kernels"):
 * finding the header, loading the image (a.out-kludge address fields or
 * ELF32/ELF64 PT_LOAD segments), copying the modules, writing the boot
 * information structure, and the entry state (32-bit protected mode,
 * EAX = 0x2BADB002, EBX = the information's address).
 *
 * Where things go in guest RAM:
 *   0x7000-0x70ff   the GDT of the 32-bit entry (as guest_load writes it)
 *   kernel          where its header or ELF program headers say (RAM from
 *                   0x8000 on, outside 0xa0000-0xfffff)
 *   modules         from the first page boundary above the kernel's last
 *                   byte (and at least 1 MiB) on, in order; each one page
 *                   aligned when the header asks (flag bit 0), else 8-byte
 *                   aligned (the first is always page aligned)
 *   information     one packed area: the information structure
 *                   (MB_INFO_SIZE bytes), the memory map, the module list,
 *                   the boot loader name, the kernel's command line, each
 *                   module's string.  At MB_INFO_ADDR (0x8000) unless the
 *                   kernel is there; then from the first page after the
 *                   kernel if it ends below 640 KiB; else from the first
 *                   page after the kernel and its modules above 1 MiB.
 */
#ifndef HV_GUEST_MULTIBOOT_H
#define HV_GUEST_MULTIBOOT_H

#include "hv/guest/load.h"
#include "hv/lib/base.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u   /* in EAX at entry */
#define MB_SEARCH_BYTES 8192u       /* the header lies in the image's first 8 KiB */

/* Header flags: bits 0-15 are requirements, 16-31 optional. */
#define MB_HF_PAGE_ALIGN (1u << 0)  /* modules page aligned */
#define MB_HF_MEMINFO (1u << 1)     /* mem_lower/mem_upper (and the map) wanted */
#define MB_HF_VIDEO (1u << 2)       /* a video mode: refused */
#define MB_HF_ADDRESS (1u << 16)    /* the a.out-kludge address fields are valid */
#define MB_HF_KNOWN_REQUIRED (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)

/* Boot information flags that multiboot_load sets. */
#define MB_IF_MEM (1u << 0)
#define MB_IF_CMDLINE (1u << 2)
#define MB_IF_MODS (1u << 3)
#define MB_IF_MMAP (1u << 6)
#define MB_IF_LOADER_NAME (1u << 9)

/* Offsets in the boot information structure (all fields 32-bit). */
#define MB_INFO_FLAGS 0
#define MB_INFO_MEM_LOWER 4
#define MB_INFO_MEM_UPPER 8
#define MB_INFO_BOOT_DEVICE 12
#define MB_INFO_CMDLINE 16
#define MB_INFO_MODS_COUNT 20
#define MB_INFO_MODS_ADDR 24
#define MB_INFO_MMAP_LENGTH 44
#define MB_INFO_MMAP_ADDR 48
#define MB_INFO_LOADER_NAME 64
#define MB_INFO_SIZE 128            /* bytes written (zero past the last field used) */
#define MB_MOD_SIZE 16              /* start, end (exclusive), string, reserved */
#define MB_MMAP_ENTRY_SIZE 24       /* size (= 20), base, length, type */

#define MB_INFO_ADDR 0x8000ull      /* EBX at entry, unless the kernel is there */
#define MB_MAX_MODULES 16
#define MB_MAX_MMAP 64
#define MB_CMDLINE_MAX 4096         /* bytes with the NUL: kernel's and each module's */
#define MB_LOADER_NAME "hv"

/* The header as found in the image. */
struct mb_header {
    uint32_t offset;                /* file offset of the magic */
    uint32_t flags, checksum;
    /* Valid when flags has MB_HF_ADDRESS and the image holds them (else 0). */
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
    bool has_addr_fields;           /* the image is long enough to hold them */
};

struct mb_module {
    const void *data;
    uint64_t size;
    const char *cmdline;            /* NULL: the empty string */
};

/* Memory map types as the machine describes its address space. */
#define MB_MEM_AVAILABLE 1
#define MB_MEM_RESERVED 2
#define MB_MEM_ACPI 3

struct mb_mmap_entry {
    uint64_t base, length;
    uint32_t type;
};

struct mb_load_args {
    const char *cmdline;            /* the kernel's; NULL: the empty string */
    const struct mb_module *modules;
    unsigned nmodules;              /* at most MB_MAX_MODULES */
    const struct mb_mmap_entry *mmap; /* copied as given, in order */
    unsigned nmmap;                 /* at most MB_MAX_MMAP; 0: mem_lower/upper from ram_size
                                     * (RAM 0-0x9ffff and 1 MiB-ram_size), no map */
};

/* A valid Multiboot 1 header (magic, flags and checksum summing to 0) at a
 * 4-byte aligned offset in the first MB_SEARCH_BYTES bytes of img.  out may
 * be NULL.  No log line: not being a multiboot image is not an error. */
bool multiboot_detect(const void *img, uint64_t size, struct mb_header *out);

/* Loads a multiboot kernel into a fresh guest's RAM (host pointer ram,
 * ram_size bytes, zeroed), its modules and the boot information, and fills
 * e: mode 32, rip = entry, rsp = GUEST_STACK, has_regs with rax =
 * MB_BOOT_MAGIC and rbx = MB_INFO_ADDR, format "multiboot-aout",
 * "multiboot-ELF32" or "multiboot-ELF64", load_lo/load_hi the kernel's first
 * and last byte.  False, with one log line, when anything cannot be done. */
bool multiboot_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t size,
                    const struct mb_load_args *args, struct guest_entry *e);

#endif
