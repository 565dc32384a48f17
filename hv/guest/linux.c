#include "hv/guest/linux.h"

#include "hv/lib/platform.h"

#define PAGE 0x1000ull
#define FOUR_G 0x100000000ull

/* Setup header fields, as offsets into the image and into boot_params
 * (the header sits at the same offset in both; boot protocol 2.12+). */
#define H_SETUP_SECTS 0x1f1
#define H_BOOT_FLAG 0x1fe
#define H_JUMP 0x200              /* a short jump: the header ends at 0x202 + byte 0x201 */
#define H_MAGIC 0x202             /* "HdrS" */
#define H_VERSION 0x206
#define H_TYPE_OF_LOADER 0x210
#define H_LOADFLAGS 0x211
#define H_RAMDISK_IMAGE 0x218
#define H_RAMDISK_SIZE 0x21c
#define H_CMD_LINE_PTR 0x228
#define H_INITRD_ADDR_MAX 0x22c
#define H_KERNEL_ALIGNMENT 0x230
#define H_RELOCATABLE 0x234
#define H_XLOADFLAGS 0x236
#define H_CMDLINE_SIZE 0x238
#define H_PREF_ADDRESS 0x258
#define H_INIT_SIZE 0x260
#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01

/* screen_info, at the start of boot_params (struct screen_info). */
#define SI_ISVGA 0x0f             /* orig_video_isVGA: 0x70 VIDEO_TYPE_EFI */
#define SI_LFB_WIDTH 0x12
#define SI_LFB_HEIGHT 0x14
#define SI_LFB_DEPTH 0x16
#define SI_LFB_BASE 0x18
#define SI_LFB_SIZE 0x1c
#define SI_LFB_LINELENGTH 0x24
#define SI_COLORS 0x26            /* red, green, blue, reserved: size then position */
#define VIDEO_TYPE_EFI 0x70

/* boot_params fields outside the setup header (struct boot_params). */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0       /* 128 entries: u64 addr, u64 size, u32 type */

static uint64_t get(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | p[n];
    return v;
}

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

bool linux_detect(const void *img, uint64_t size)
{
    const uint8_t *p = img;

    return p && size >= 0x264 && get(p + H_BOOT_FLAG, 2) == 0xaa55 &&
           get(p + H_MAGIC, 4) == 0x53726448; /* "HdrS" */
}

/* [base, base + len) lies in one available range of the map, below 4 GiB. */
static bool in_ram(const struct linux_load_args *a, uint64_t base, uint64_t len)
{
    for (unsigned i = 0; i < a->nmap; i++) {
        const struct mb_mmap_entry *m = &a->map[i];

        if (m->type == MB_MEM_AVAILABLE && base >= m->base && len <= m->length &&
            base - m->base <= m->length - len && base + len <= FOUR_G)
            return true;
    }
    return false;
}

/* The highest page-aligned place for the initrd: in available RAM, above
 * the kernel's reserved end, below initrd_addr_max and 4 GiB.  0: none. */
static uint64_t place_initrd(const struct linux_load_args *a, uint64_t size, uint64_t floor,
                             uint64_t max)
{
    uint64_t best = 0;

    for (unsigned i = 0; i < a->nmap; i++) {
        const struct mb_mmap_entry *m = &a->map[i];
        uint64_t top = MIN(MIN(m->base + m->length, max + 1), FOUR_G), at;

        if (m->type != MB_MEM_AVAILABLE || top < size || top - size < MAX(m->base, floor))
            continue;
        at = (top - size) & ~(PAGE - 1);
        if (at >= MAX(m->base, floor) && at > best)
            best = at;
    }
    return best;
}

static void write_e820(uint8_t *bp, const struct linux_load_args *a)
{
    unsigned n = MIN(a->nmap, LINUX_E820_MAX);

    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + i * 20;

        put(e, a->map[i].base, 8);
        put(e + 8, a->map[i].length, 8);
        put(e + 16, a->map[i].type, 4);
    }
    bp[BP_E820_ENTRIES] = (uint8_t)n;
}

/* The 64-bit entry's GDT: __BOOT_CS (0x10) flat 64-bit code and
 * __BOOT_DS (0x18) flat data. */
static void write_gdt(uint8_t *ram)
{
    uint64_t *g = (uint64_t *)(ram + GUEST_GDT);

    memset(g, 0, 0x100);
    g[2] = 0x00af9b000000ffffull;
    g[3] = 0x00cf93000000ffffull;
}

/* The framebuffer as a linear EFI one: 32 bpp, pixel = R<<16 | G<<8 | B. */
static void write_screen_info(uint8_t *bp, const struct linux_load_args *a)
{
    static const uint8_t colors[8] = {8, 16, 8, 8, 8, 0, 8, 24};

    if (!a->fb_base || a->fb_base >= FOUR_G)
        return;
    bp[SI_ISVGA] = VIDEO_TYPE_EFI;
    put(bp + SI_LFB_WIDTH, a->fb_width, 2);
    put(bp + SI_LFB_HEIGHT, a->fb_height, 2);
    put(bp + SI_LFB_DEPTH, 32, 2);
    put(bp + SI_LFB_BASE, a->fb_base, 4);
    put(bp + SI_LFB_SIZE, (uint64_t)a->fb_stride * a->fb_height, 4);
    put(bp + SI_LFB_LINELENGTH, a->fb_stride, 2);
    memcpy(bp + SI_COLORS, colors, sizeof(colors));
}

static bool refuse(const char *why, unsigned long long v)
{
    plat_log(LOG_ERR, "linux: %s (%#llx)", why, v);
    return false;
}

bool linux_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t size,
                const struct linux_load_args *a, struct guest_entry *e)
{
    const uint8_t *p = img;
    uint8_t *bp = ram + LINUX_BOOT_PARAMS;
    unsigned version, sects, hdr_end;
    uint64_t setup_bytes, kernel_bytes, init_size, align, load, cmdlen = 0, max;

    if (!linux_detect(img, size))
        return refuse("not a bzImage (no 0xAA55 at 0x1fe and \"HdrS\" at 0x202)", size);
    version = (unsigned)get(p + H_VERSION, 2);
    if (version < LINUX_MIN_PROTOCOL)
        return refuse("boot protocol older than 2.12", version);
    if (!(get(p + H_XLOADFLAGS, 2) & XLF_KERNEL_64) || !(p[H_LOADFLAGS] & LOADED_HIGH))
        return refuse("no 64-bit entry point (xloadflags)", get(p + H_XLOADFLAGS, 2));
    sects = p[H_SETUP_SECTS] ? p[H_SETUP_SECTS] : 4;
    setup_bytes = (uint64_t)(sects + 1) * 512;
    hdr_end = 0x202 + p[H_JUMP + 1];
    if (setup_bytes >= size || hdr_end > setup_bytes || hdr_end > 0x1000)
        return refuse("truncated image: setup sectors past its end", size);
    kernel_bytes = size - setup_bytes;
    init_size = MAX(get(p + H_INIT_SIZE, 4), kernel_bytes);
    align = get(p + H_KERNEL_ALIGNMENT, 4);
    if (!align || (align & (align - 1)))
        align = 0x200000;
    /* where the header prefers it; else, relocatable, the first aligned
     * place from 1 MiB on */
    load = get(p + H_PREF_ADDRESS, 8);
    if (!in_ram(a, load, init_size)) {
        if (!p[H_RELOCATABLE])
            return refuse("does not fit at its preferred address and is not relocatable",
                          load);
        load = align_up(0x100000, align);
        if (!in_ram(a, load, init_size))
            return refuse("does not fit in guest RAM below 4 GiB (init_size)", init_size);
    }
    if (a->cmdline)
        while (a->cmdline[cmdlen] && cmdlen < LINUX_CMDLINE_MAX)
            cmdlen++;
    if (cmdlen >= LINUX_CMDLINE_MAX || cmdlen >= get(p + H_CMDLINE_SIZE, 4))
        return refuse("command line too long for the kernel", cmdlen);
    if (ram_size < LINUX_CMDLINE + LINUX_CMDLINE_MAX)
        return refuse("guest RAM too small", ram_size);

    memset(e, 0, sizeof(*e));
    memcpy(ram + load, p + setup_bytes, kernel_bytes);
    memset(bp, 0, PAGE);
    memcpy(bp + H_SETUP_SECTS, p + H_SETUP_SECTS, hdr_end - H_SETUP_SECTS);
    bp[H_TYPE_OF_LOADER] = 0xff; /* "undefined" loader */
    memcpy(ram + LINUX_CMDLINE, a->cmdline ? a->cmdline : "", cmdlen);
    ram[LINUX_CMDLINE + cmdlen] = 0;
    put(bp + H_CMD_LINE_PTR, LINUX_CMDLINE, 4);
    if (a->initrd && a->initrd_size) {
        uint64_t at;

        max = get(p + H_INITRD_ADDR_MAX, 4);
        at = place_initrd(a, a->initrd_size, align_up(load + init_size, PAGE),
                          max ? max : 0x37ffffff);
        if (!at)
            return refuse("initrd does not fit in RAM above the kernel", a->initrd_size);
        memcpy(ram + at, a->initrd, a->initrd_size);
        put(bp + H_RAMDISK_IMAGE, at, 4);
        put(bp + H_RAMDISK_SIZE, a->initrd_size, 4);
        e->load_hi = at + a->initrd_size - 1;
    }
    if (a->rsdp && version >= 0x020e)
        put(bp + BP_ACPI_RSDP, a->rsdp, 8);
    write_e820(bp, a);
    write_screen_info(bp, a);
    guest_identity_tables(ram);
    write_gdt(ram);

    e->mode = 64;
    e->rip = load + 0x200; /* the 64-bit entry: startup_64 */
    e->rsp = GUEST_STACK;
    e->ram_size = ram_size;
    e->format = "linux-bzImage";
    e->load_lo = load;
    e->load_hi = MAX(e->load_hi, load + kernel_bytes - 1);
    e->has_regs = true;
    e->rsi = LINUX_BOOT_PARAMS;
    e->sel_code = LINUX_SEL_CODE;
    e->sel_data = LINUX_SEL_DATA;
    e->gdt_limit = 0x1f;
    plat_log(LOG_INFO, "linux: boot protocol %u.%02u, kernel %llu bytes at %#llx (init_size %#llx), "
             "command line \"%s\"", version >> 8, version & 0xff,
             (unsigned long long)kernel_bytes, (unsigned long long)load,
             (unsigned long long)init_size, (const char *)(ram + LINUX_CMDLINE));
    return true;
}
