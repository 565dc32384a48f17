/*
 * Multiboot version 1 loading (hv/guest/multiboot.c, docs/guest-abi.md
 * "Multiboot kernels"): header search, a.out-kludge, ELF32 and ELF64
 * kernels built here byte by byte, the boot information structure read
 * back field by field from guest RAM, module placement, the entry state,
 * and every refusal with the words of its log line.
 *
 * RAM is filled with 0xcc before each load, so a field or a bss byte the
 * loader forgets to write shows up.
 */
#include "hv/guest/multiboot.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "elf_image.h"

#define RAM (8ull << 20)
static uint8_t *ram;
static struct guest_entry e;
static uint8_t img[64 << 10];

static bool load(const void *image, uint64_t size, const struct mb_load_args *a)
{
    memset(ram, 0xcc, RAM);
    return multiboot_load(ram, RAM, image, size, a, &e);
}


static uint64_t get(uint64_t gpa, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = (v << 8) | ram[gpa + n];
    return v;
}

static uint32_t info32(unsigned off)
{
    return (uint32_t)get(e.rbx + off, 4); /* EBX: where the loader put it */
}

/* The string at guest-physical gpa (the test fails, not crashes, on garbage). */
static const char *gstr(uint64_t gpa)
{
    if (gpa == 0 || gpa >= RAM || !memchr(ram + gpa, 0, RAM - gpa))
        return "<bad address>";
    return (const char *)ram + gpa;
}

/* --------------------------------------------------------- image builders */

/* A multiboot header at p; the address fields when flags has bit 16. */
static void mb_header(uint8_t *p, uint32_t flags, uint32_t header_addr, uint32_t load_addr,
                      uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    put_le(p, MB_HEADER_MAGIC, 4);
    put_le(p + 4, flags, 4);
    put_le(p + 8, (uint32_t)(0u - MB_HEADER_MAGIC - flags), 4);
    if (flags & MB_HF_ADDRESS) {
        put_le(p + 12, header_addr, 4);
        put_le(p + 16, load_addr, 4);
        put_le(p + 20, load_end, 4);
        put_le(p + 24, bss_end, 4);
        put_le(p + 28, entry, 4);
    }
}

/* An a.out-kludge image of `size` bytes (byte i = i * 7 + 1), the header at
 * file offset hoff describing itself at header_addr. */
static size_t aout(size_t size, size_t hoff, uint32_t flags, uint32_t header_addr,
                   uint32_t load_addr, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 7 + 1);
    mb_header(img + hoff, flags | MB_HF_ADDRESS, header_addr, load_addr, load_end, bss_end,
              entry);
    return size;
}

/* The usual a.out kernel: 0x100 file bytes at 0x200000 (header at offset
 * 32), bss to 0x203000, entry 0x200040. */
static size_t aout_std(uint32_t flags)
{
    return aout(0x100, 32, flags, 0x200020, 0x200000, 0x200100, 0x203000, 0x200040);
}


/* An ELF image; segment i's file bytes are (i + 1) * 0x11 repeated, except
 * that the first segment's start with a multiboot header (flags mbflags). */
static size_t elf(unsigned bits, uint64_t entry, const struct elf_seg *s, unsigned n,
                  uint32_t mbflags)
{
    size_t size = elf_image(img, bits, entry, s, n);
    size_t first = (bits == 64 ? 64 : 52) + (size_t)n * (bits == 64 ? 56 : 32);

    mb_header(img + first, mbflags, 0, 0, 0, 0, 0);
    return size;
}

/* The machine's map as the caller would give it (RAM = 8 MiB). */
static const struct mb_mmap_entry std_map[] = {
    {0x0, 0x9fc00, MB_MEM_AVAILABLE},
    {0x9fc00, 0x400, MB_MEM_RESERVED},
    {0xe0000, 0x20000, MB_MEM_RESERVED},
    {0x100000, RAM - 0x110000, MB_MEM_AVAILABLE},
    {RAM - 0x10000, 0x10000, MB_MEM_ACPI},
    {0xfffe0000, 0x20000, MB_MEM_RESERVED},
};

/* One refused load and the words its log line must hold. */
static void refused(const void *image, size_t size, const struct mb_load_args *a,
                    const char *want, int line)
{
    plat_log(LOG_INFO, "test: no log line yet");
    if (load(image, size, a)) {
        fprintf(stderr, "FAIL %s: line %d: loaded, want refusal \"%s\"\n", test_current, line,
                want);
        test_failed_checks++;
        return;
    }
    if (!strstr(plat_host_last_log(), want) || strncmp(plat_host_last_log(), "multiboot: ", 11)) {
        fprintf(stderr, "FAIL %s: line %d:\n  log:  %s\n  want: multiboot: ...%s\n",
                test_current, line, plat_host_last_log(), want);
        test_failed_checks++;
    }
    if (e.has_regs || e.rip) {
        fprintf(stderr, "FAIL %s: line %d: entry state left after a refusal\n", test_current,
                line);
        test_failed_checks++;
    }
}
#define REFUSED(image, size, a, want) refused(image, size, a, want, __LINE__)

/* ------------------------------------------------------------------ tests */

static void test_detect(void)
{
    struct mb_header h;

    memset(img, 0, sizeof(img));
    CHECK(!multiboot_detect(img, sizeof(img), &h));
    mb_header(img + 0, MB_HF_ADDRESS | MB_HF_PAGE_ALIGN, 0x101000, 0x100000, 0x102000, 0x103000,
              0x100010);
    CHECK(multiboot_detect(img, sizeof(img), &h));
    CHECK_EQ(h.offset, 0);
    CHECK_EQ(h.flags, 0x10001);
    CHECK_EQ(h.checksum, (uint32_t)(0u - 0x1badb002u - 0x10001u));
    CHECK(h.has_addr_fields);
    CHECK_EQ(h.header_addr, 0x101000);
    CHECK_EQ(h.load_addr, 0x100000);
    CHECK_EQ(h.load_end_addr, 0x102000);
    CHECK_EQ(h.bss_end_addr, 0x103000);
    CHECK_EQ(h.entry_addr, 0x100010);
    CHECK(multiboot_detect(img, 12, NULL));   /* the three words are enough... */
    CHECK(multiboot_detect(img, 12, &h));
    CHECK(!h.has_addr_fields);                /* ...but the address fields are not there */
    CHECK_EQ(h.entry_addr, 0);
    CHECK(!multiboot_detect(img, 11, &h));    /* cut off */

    /* a bad checksum is not a header; a later good one is */
    memset(img, 0, sizeof(img));
    mb_header(img, 0, 0, 0, 0, 0, 0);
    put_le(img + 8, 0, 4);
    CHECK(!multiboot_detect(img, sizeof(img), &h));
    mb_header(img + 16, 0, 0, 0, 0, 0, 0);
    CHECK(multiboot_detect(img, sizeof(img), &h));
    CHECK_EQ(h.offset, 16);
    CHECK_EQ(h.flags, 0);

    /* 4-byte aligned only */
    memset(img, 0, sizeof(img));
    mb_header(img + 6, 0, 0, 0, 0, 0, 0);
    CHECK(!multiboot_detect(img, sizeof(img), &h));

    /* wholly in the first 8192 bytes: 8180 is the last place that fits */
    memset(img, 0, sizeof(img));
    mb_header(img + 8180, 0, 0, 0, 0, 0, 0);
    CHECK(multiboot_detect(img, sizeof(img), &h));
    CHECK_EQ(h.offset, 8180);
    memset(img, 0, sizeof(img));
    mb_header(img + 8184, 0, 0, 0, 0, 0, 0);
    CHECK(!multiboot_detect(img, sizeof(img), &h));
    memset(img, 0, sizeof(img));
    mb_header(img + 8192, 0, 0, 0, 0, 0, 0);
    CHECK(!multiboot_detect(img, sizeof(img), &h));
}

static void check_gdt32(void)
{
    CHECK_EQ(get(GUEST_GDT, 8), 0);
    CHECK_EQ(get(GUEST_GDT + 8, 8), 0x00cf9b000000ffffull);
    CHECK_EQ(get(GUEST_GDT + 16, 8), 0x00cf93000000ffffull);
}

static void test_aout_kernel(void)
{
    size_t n = aout_std(0);

    CHECK(load(img, n, NULL));
    CHECK_STR(e.format, "multiboot-aout");
    CHECK_EQ(e.mode, 32);
    CHECK_EQ(e.rip, 0x200040);
    CHECK_EQ(e.rsp, GUEST_STACK);
    CHECK(e.has_regs);
    CHECK_EQ(e.rax, 0x2badb002);
    CHECK_EQ(e.rbx, 0x8000);
    CHECK_EQ(e.ram_size, RAM);
    CHECK_EQ(e.load_lo, 0x200000);
    CHECK_EQ(e.load_hi, 0x202fff);
    check_gdt32();
    CHECK(memcmp(ram + 0x200000, img, 0x100) == 0);
    CHECK_EQ(ram[0x200100], 0);               /* bss zeroed ... */
    CHECK_EQ(ram[0x202fff], 0);
    CHECK_EQ(ram[0x203000], 0xcc);            /* ... up to bss_end_addr */
    CHECK_EQ(ram[0x1fffff], 0xcc);

    /* the header later in the file: load_addr names an earlier file byte */
    n = aout(0x200, 64, 0, 0x300020, 0x300000, 0x300100, 0, 0x300000);
    CHECK(load(img, n, NULL));
    CHECK(memcmp(ram + 0x300000, img + 32, 0x100) == 0);
    CHECK_EQ(ram[0x300100], 0xcc);            /* load_end_addr respected, no bss */
    CHECK_EQ(e.load_hi, 0x3000ff);

    /* load_end_addr 0: to the end of the file; bss_end_addr 0: no bss */
    n = aout(0x180, 0, 0, 0x180000, 0x180000, 0, 0, 0x180000);
    CHECK(load(img, n, NULL));
    CHECK(memcmp(ram + 0x180000, img, 0x180) == 0);
    CHECK_EQ(ram[0x180180], 0xcc);
    CHECK_EQ(e.load_lo, 0x180000);
    CHECK_EQ(e.load_hi, 0x18017f);

    /* a kernel in low memory, above the information area */
    n = aout(0x100, 0, 0, 0x10000, 0x10000, 0, 0x11000, 0x10000);
    CHECK(load(img, n, NULL));
    CHECK_EQ(ram[0x10000], img[0]);
    CHECK_EQ(e.load_hi, 0x10fff);
}

/* Every byte of the information structure and what it points at. */
static void test_info_structure(void)
{
    static const char cmd[] = "console=ttyS0 foo";
    static uint8_t m0[100], m1[5000];
    const struct mb_module mods[] = {
        {m0, sizeof(m0), "mod0 a=1"},
        {m1, sizeof(m1), NULL},
        {NULL, 0, "third"},
    };
    const struct mb_load_args a = {cmd, mods, 3, std_map, ARRAY_SIZE(std_map)};
    size_t n = aout_std(0);
    uint64_t at, end;

    for (unsigned i = 0; i < sizeof(m0); i++)
        m0[i] = (uint8_t)(i + 3);
    for (unsigned i = 0; i < sizeof(m1); i++)
        m1[i] = (uint8_t)(i * 13);
    CHECK(load(img, n, &a));
    CHECK_EQ(e.rbx, 0x8000);
    CHECK_EQ(info32(MB_INFO_FLAGS), 0x24d);   /* mem, cmdline, mods, mmap, loader name */
    CHECK_EQ(info32(MB_INFO_MEM_LOWER), 639); /* 0x9fc00 bytes */
    CHECK_EQ(info32(MB_INFO_MEM_UPPER), (RAM - 0x110000) / 1024);
    CHECK_EQ(info32(MB_INFO_BOOT_DEVICE), 0);
    CHECK_STR(gstr(info32(MB_INFO_CMDLINE)), cmd);
    CHECK_STR(gstr(info32(MB_INFO_LOADER_NAME)), "hv");
    /* fields hv does not fill are 0: syms, drives, config, APM, VBE, fb */
    for (unsigned off = 28; off < 44; off++)
        CHECK_EQ(ram[MB_INFO_ADDR + off], 0);
    for (unsigned off = 52; off < 64; off++)
        CHECK_EQ(ram[MB_INFO_ADDR + off], 0);
    for (unsigned off = 68; off < MB_INFO_SIZE; off++)
        CHECK_EQ(ram[MB_INFO_ADDR + off], 0);

    /* the memory map: packed after the structure, each entry's size = 20 */
    CHECK_EQ(info32(MB_INFO_MMAP_LENGTH), 6 * 24);
    CHECK_EQ(info32(MB_INFO_MMAP_ADDR), 0x8080);
    at = info32(MB_INFO_MMAP_ADDR);
    for (unsigned i = 0; i < ARRAY_SIZE(std_map); i++, at += 24) {
        CHECK_EQ(get(at, 4), 20);
        CHECK_EQ(get(at + 4, 8), std_map[i].base);
        CHECK_EQ(get(at + 12, 8), std_map[i].length);
        CHECK_EQ(get(at + 20, 4), std_map[i].type);
    }

    /* modules: the first on the page above the kernel's bss, then 8-byte aligned */
    CHECK_EQ(info32(MB_INFO_MODS_COUNT), 3);
    CHECK_EQ(info32(MB_INFO_MODS_ADDR), 0x8110);
    at = info32(MB_INFO_MODS_ADDR);
    CHECK_EQ(get(at, 4), 0x203000);
    CHECK_EQ(get(at + 4, 4), 0x203000 + 100);
    CHECK_STR(gstr(get(at + 8, 4)), "mod0 a=1");
    CHECK_EQ(get(at + 12, 4), 0);
    CHECK(memcmp(ram + 0x203000, m0, sizeof(m0)) == 0);
    CHECK_EQ(get(at + 16, 4), 0x203068);
    CHECK_EQ(get(at + 20, 4), 0x203068 + 5000);
    CHECK_STR(gstr(get(at + 24, 4)), "");
    CHECK(memcmp(ram + 0x203068, m1, sizeof(m1)) == 0);
    CHECK_EQ(get(at + 32, 4), 0x2043f0);
    CHECK_EQ(get(at + 36, 4), 0x2043f0);      /* empty: end = start */
    CHECK_STR(gstr(get(at + 40, 4)), "third");
    CHECK_EQ(ram[0x2043f0], 0xcc);

    /* all of it inside the area, which ends right after the last string */
    end = get(at + 40, 4) + sizeof("third");
    CHECK_EQ(end, 0x8165);
    CHECK_EQ(ram[end], 0xcc);
    CHECK(info32(MB_INFO_CMDLINE) >= 0x8000 && info32(MB_INFO_CMDLINE) < end);
    CHECK(info32(MB_INFO_LOADER_NAME) >= 0x8000 && info32(MB_INFO_LOADER_NAME) < end);
    CHECK_EQ(ram[MB_INFO_ADDR - 1], 0xcc);
    /* the kernel is untouched by all that */
    CHECK(memcmp(ram + 0x200000, img, 0x100) == 0);
}

static void test_page_aligned_modules(void)
{
    static uint8_t m[3][5000];
    const struct mb_module mods[] = {{m[0], 100, "a"}, {m[1], 5000, "b"}, {m[2], 1, "c"}};
    const struct mb_load_args a = {"", mods, 3, std_map, ARRAY_SIZE(std_map)};
    size_t n = aout_std(MB_HF_PAGE_ALIGN);
    uint64_t at = 0x8110;

    memset(m, 0x5a, sizeof(m));
    CHECK(load(img, n, &a));
    CHECK_EQ(info32(MB_INFO_MODS_ADDR), at);
    CHECK_EQ(get(at, 4), 0x203000);
    CHECK_EQ(get(at + 4, 4), 0x203064);
    CHECK_EQ(get(at + 16, 4), 0x204000);
    CHECK_EQ(get(at + 20, 4), 0x204000 + 5000);
    CHECK_EQ(get(at + 32, 4), 0x206000);
    CHECK_EQ(get(at + 36, 4), 0x206001);
    CHECK_EQ(ram[0x205fff], 0xcc);
    CHECK_EQ(ram[0x206000], 0x5a);
    CHECK_STR(gstr(get(at + 40, 4)), "c");
    CHECK_STR(gstr(info32(MB_INFO_CMDLINE)), "");

    /* a module may end exactly at the end of RAM */
    {
        static uint8_t big[RAM - 0x204000];
        const struct mb_module one[] = {{m[0], 1, NULL}, {big, sizeof(big), NULL}};
        const struct mb_load_args b = {NULL, one, 2, NULL, 0};

        CHECK(load(img, n, &b));
        CHECK_EQ(get(0x8080 + 16, 4), 0x204000); /* no map: the module list right after */
        CHECK_EQ(get(0x8080 + 20, 4), RAM);
    }
}

/* kvm-unit-tests style: an ELF32 image, header flags 0, entry = e_entry. */
static void test_elf32_kernel(void)
{
    const struct elf_seg s[] = {
        {0x400000, 0x200, 0x200, 1},
        {0x500000, 0x10, 0x10, 4},            /* PT_NOTE: not loaded */
        {0x401000, 0x10, 0x2000, 1},
    };
    static uint8_t m[16] = "initrd bytes";
    const struct mb_module mods[] = {{m, sizeof(m), "env"}};
    const struct mb_load_args a = {"-smp 1 test", mods, 1, std_map, ARRAY_SIZE(std_map)};
    size_t n = elf(32, 0x40000c, s, 3, 0);

    CHECK(load(img, n, &a));
    CHECK_STR(e.format, "multiboot-ELF32");
    CHECK_EQ(e.mode, 32);
    CHECK_EQ(e.rip, 0x40000c);
    CHECK_EQ(e.rax, 0x2badb002);
    CHECK_EQ(e.rbx, 0x8000);
    CHECK_EQ(e.load_lo, 0x400000);
    CHECK_EQ(e.load_hi, 0x402fff);
    check_gdt32();
    CHECK_EQ(get(0x400000, 4), MB_HEADER_MAGIC); /* the header is the segment's start */
    CHECK_EQ(ram[0x40000c], 0x11);
    CHECK_EQ(ram[0x4001ff], 0x11);
    CHECK_EQ(ram[0x400200], 0xcc);            /* memsz = filesz: nothing more */
    CHECK_EQ(ram[0x401000], 0x33);
    CHECK_EQ(ram[0x401010], 0);               /* bss zeroed */
    CHECK_EQ(ram[0x402fff], 0);
    CHECK_EQ(ram[0x500000], 0xcc);
    CHECK_EQ(info32(MB_INFO_MODS_COUNT), 1);
    CHECK_EQ(get(info32(MB_INFO_MODS_ADDR), 4), 0x403000);
    CHECK_EQ(get(info32(MB_INFO_MODS_ADDR) + 4, 4), 0x403010);
    CHECK(memcmp(ram + 0x403000, m, sizeof(m)) == 0);
    CHECK_STR(gstr(info32(MB_INFO_CMDLINE)), "-smp 1 test");

    /* flag 16 on an ELF: the address fields win over the program headers */
    n = elf(32, 0x40000c, s, 3, 0);
    mb_header(img + 52 + 3 * 32, MB_HF_ADDRESS, 0x600000 + 52 + 3 * 32, 0x600000, 0, 0x601000,
              0x600100);
    CHECK(load(img, n, NULL));
    CHECK_STR(e.format, "multiboot-aout");
    CHECK_EQ(e.rip, 0x600100);
    CHECK(memcmp(ram + 0x600000, img, n) == 0);
    CHECK_EQ(ram[0x600000 + n], 0);
    CHECK_EQ(ram[0x400000], 0xcc);
}

/* kvm-unit-tests' 64-bit .flat: ELF64, entered at e_entry in 32-bit mode. */
static void test_elf64_kernel(void)
{
    const struct elf_seg s[] = {{0x400000, 0x100, 0x1800, 1}};
    size_t n = elf(64, 0x400010, s, 1, MB_HF_MEMINFO);

    CHECK(load(img, n, NULL));
    CHECK_STR(e.format, "multiboot-ELF64");
    CHECK_EQ(e.mode, 32);
    CHECK_EQ(e.rip, 0x400010);
    CHECK_EQ(e.rsp, GUEST_STACK);
    CHECK(e.has_regs);
    CHECK_EQ(e.rax, 0x2badb002);
    CHECK_EQ(e.rbx, 0x8000);
    CHECK_EQ(e.load_hi, 0x4017ff);
    check_gdt32();                            /* a 32-bit code segment, not 64 */
    CHECK_EQ(get(GUEST_PML4, 8), 0xccccccccccccccccull); /* no page tables */
    CHECK_EQ(ram[0x4000ff], 0x11);
    CHECK_EQ(ram[0x400100], 0);
    /* no map given: mem from the RAM size, no mmap flag, no modules */
    CHECK_EQ(info32(MB_INFO_FLAGS), 0x20d);
    CHECK_EQ(info32(MB_INFO_MEM_LOWER), 640);
    CHECK_EQ(info32(MB_INFO_MEM_UPPER), (RAM - 0x100000) / 1024);
    CHECK_EQ(info32(MB_INFO_MMAP_LENGTH), 0);
    CHECK_EQ(info32(MB_INFO_MMAP_ADDR), 0);
    CHECK_EQ(info32(MB_INFO_MODS_COUNT), 0);
    CHECK_EQ(info32(MB_INFO_MODS_ADDR), 0);
    CHECK_STR(gstr(info32(MB_INFO_CMDLINE)), "");
    CHECK_STR(gstr(info32(MB_INFO_LOADER_NAME)), "hv");
}

/* mem_lower/mem_upper: only type-1 RAM contiguous from 0 / from 1 MiB. */
static void test_mem_fields(void)
{
    const struct mb_mmap_entry map[] = {
        {0x300000, 0x100000, MB_MEM_AVAILABLE}, /* joins the run, listed first */
        {0x0, 0x80000, MB_MEM_AVAILABLE},
        {0x80000, 0x40000, MB_MEM_AVAILABLE},   /* past 640 KiB: counted to 0x9ffff only */
        {0x100000, 0x200000, MB_MEM_AVAILABLE},
        {0x400000, 0x1000, MB_MEM_ACPI},        /* ends the run */
        {0x401000, 0x100000, MB_MEM_AVAILABLE},
    };
    const struct mb_mmap_entry nolow[] = {
        {0x1000, 0x9e000, MB_MEM_AVAILABLE},    /* page 0 missing: no low run */
        {0x100000, 0x1000, MB_MEM_RESERVED},    /* nothing at 1 MiB */
        {0x101000, 0x100000, MB_MEM_AVAILABLE},
    };
    const struct mb_load_args a = {NULL, NULL, 0, map, ARRAY_SIZE(map)};
    const struct mb_load_args b = {NULL, NULL, 0, nolow, ARRAY_SIZE(nolow)};
    size_t n = aout_std(0);

    CHECK(load(img, n, &a));
    CHECK_EQ(info32(MB_INFO_MEM_LOWER), 640);
    CHECK_EQ(info32(MB_INFO_MEM_UPPER), 0x300000 / 1024);
    CHECK_EQ(info32(MB_INFO_MMAP_LENGTH), 6 * 24);
    CHECK_EQ(get(0x8080 + 5 * 24 + 4, 8), 0x401000); /* last entry as given */
    CHECK(load(img, n, &b));
    CHECK_EQ(info32(MB_INFO_MEM_LOWER), 0);
    CHECK_EQ(info32(MB_INFO_MEM_UPPER), 0);
    CHECK_EQ(info32(MB_INFO_FLAGS), 0x24d);
}

static void test_header_flags(void)
{
    size_t n;

    /* bit 1 (memory information) and optional bits other than 16 are fine */
    n = aout_std(MB_HF_MEMINFO | (1u << 17) | (1u << 31));
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rip, 0x200040);
    n = aout_std(MB_HF_VIDEO);
    REFUSED(img, n, NULL, "video mode");
    n = aout_std(1u << 5);
    REFUSED(img, n, NULL, "require bits 0x20 that hv does not know");
    n = aout_std(1u << 15);
    REFUSED(img, n, NULL, "require bits 0x8000");
}

static void test_refused_header(void)
{
    size_t n;

    memset(img, 0x90, 0x4000);
    REFUSED(img, 0x4000, NULL, "no multiboot header");
    mb_header(img + 0x2000, 0, 0, 0, 0, 0, 0); /* past the first 8192 bytes */
    REFUSED(img, 0x4000, NULL, "no multiboot header");
    n = aout_std(0);
    put_le(img + 32 + 8, 0x12345678, 4);
    REFUSED(img, n, NULL, "bad checksum");
    REFUSED(img, 0, NULL, "no multiboot header");
    /* flag 16 but the image ends inside the address fields */
    n = aout_std(0);
    REFUSED(img, 32 + 20, NULL, "truncated image");
}

static void test_refused_aout(void)
{
    size_t n;

    /* load_end_addr past the end of the file */
    n = aout(0x100, 32, 0, 0x200020, 0x200000, 0x200101, 0, 0x200000);
    REFUSED(img, n, NULL, "truncated image");
    n = aout(0x100, 32, 0, 0x200020, 0x200000, 0x200100, 0, 0x200000);
    CHECK(load(img, n, NULL));                /* one byte less fits */
    /* load_addr above header_addr; load start before the file */
    n = aout(0x100, 32, 0, 0x200020, 0x200021, 0, 0, 0x200021);
    REFUSED(img, n, NULL, "before the file");
    n = aout(0x100, 32, 0, 0x200020, 0x1fffff, 0, 0, 0x200000);
    REFUSED(img, n, NULL, "before the file");
    n = aout(0x100, 32, 0, 0x200020, 0x200000, 0x1fffff, 0, 0x200000);
    REFUSED(img, n, NULL, "below load_addr");
    n = aout(0x100, 32, 0, 0x200020, 0x200000, 0x200100, 0x2000ff, 0x200000);
    REFUSED(img, n, NULL, "bss_end_addr");
    /* where the kernel may not go */
    n = aout(0x100, 0, 0, 0x7f00, 0x7f00, 0, 0, 0x8f00);
    REFUSED(img, n, NULL, "reserved low pages");
    n = aout(0x100, 0, 0, 0x9ff80, 0x9ff80, 0, 0, 0x9ff80);
    REFUSED(img, n, NULL, "hole 0xa0000-0xfffff");
    n = aout(0x100, 0, 0, 0xc0000, 0xc0000, 0, 0, 0xc0000);
    REFUSED(img, n, NULL, "hole 0xa0000-0xfffff");
    n = aout(0x100, 0, 0, 0xfff00, 0xfff00, 0, 0x100100, 0x100000); /* bss into 1 MiB */
    REFUSED(img, n, NULL, "hole");
    n = aout(0x100, 0, 0, RAM - 0x80, RAM - 0x80, 0, 0, RAM - 0x80);
    REFUSED(img, n, NULL, "past guest RAM");
    n = aout(0x100, 0, 0, RAM - 0x1000, RAM - 0x1000, 0, RAM + 1, RAM - 0x1000);
    REFUSED(img, n, NULL, "past guest RAM");
    n = aout(0x100, 0, 0, 0xffffff00, 0xffffff00, 0, 0, 0xffffff00);
    REFUSED(img, n, NULL, "past guest RAM");
    /* A kernel where the information area would go moves the area: to
     * the first page after the kernel below 640 KiB, else above 1 MiB
     * after the kernel and its modules; the kernel's bytes stay intact. */
    n = aout(0x100, 0, 0, 0x8000, 0x8000, 0, 0, 0x8000);
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rbx, 0x9000);
    CHECK_EQ(get(0x9000 + MB_INFO_FLAGS, 4) & MB_IF_LOADER_NAME, MB_IF_LOADER_NAME);
    CHECK_EQ(ram[0x8000 + 0xff], (uint8_t)(0xff * 7 + 1)); /* the kernel's last byte */
    CHECK_EQ(ram[0x8000 + 0x40], (uint8_t)(0x40 * 7 + 1));
    n = aout(0x100, 0, 0, 0x8080, 0x8080, 0, 0, 0x8080); /* the bare structure's end */
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rbx, 0x9000);
    n = aout(0x100, 0, 0, 0x8088, 0x8088, 0, 0, 0x8088); /* past name and empty cmdline */
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rbx, 0x8000);
    /* the area grows with the arguments: a kernel at 0x9000 fits a small one */
    n = aout(0x100, 0, 0, 0x9000, 0x9000, 0, 0, 0x9000);
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rbx, 0x8000);
    {
        static char s[4001]; /* 4000 characters: the area passes 0x9000 */
        const struct mb_load_args a = {s, NULL, 0, NULL, 0};

        memset(s, 'x', sizeof(s) - 1);
        CHECK(load(img, n, &a));
        CHECK_EQ(e.rbx, 0xa000);
        CHECK_EQ(strlen(gstr(info32(MB_INFO_CMDLINE))), 4000);
        CHECK(info32(MB_INFO_CMDLINE) > 0xa000);
    }
    /* low memory full (bss to 640 KiB): above 1 MiB, after the modules */
    n = aout(0x100, 0, 0, 0x8000, 0x8000, 0, 0xa0000, 0x8000);
    {
        static const uint8_t mod[3] = {1, 2, 3};
        const struct mb_module m = {mod, sizeof(mod), "m"};
        const struct mb_load_args a = {"c", &m, 1, NULL, 0};

        CHECK(load(img, n, &a));
        CHECK_EQ(get(e.rbx + MB_INFO_MODS_ADDR, 4) != 0, 1);
        CHECK_EQ(e.rbx, 0x101000);   /* the module's page, then the area's */
        CHECK_EQ(get(get(e.rbx + MB_INFO_MODS_ADDR, 4), 4), 0x100000);
        CHECK_EQ(ram[0x100000 + 2], 3);
    }
    /* the entry point */
    n = aout(0x100, 0, 0, 0x200000, 0x200000, 0, 0, 0xb0000);
    REFUSED(img, n, NULL, "entry point at 0xb0000");
    n = aout(0x100, 0, 0, 0x200000, 0x200000, 0, 0, 0x8010);
    REFUSED(img, n, NULL, "entry point at 0x8010");
    n = aout(0x100, 0, 0, 0x200000, 0x200000, 0, 0, 0x100);
    REFUSED(img, n, NULL, "entry point");
    n = aout(0x100, 0, 0, 0x200000, 0x200000, 0, 0, (uint32_t)RAM);
    REFUSED(img, n, NULL, "entry point");
    n = aout(0x100, 0, 0, 0x200000, 0x200000, 0, 0, 0x7ff000); /* outside the image: fine */
    CHECK(load(img, n, NULL));
}

static void test_refused_elf(void)
{
    const struct elf_seg ok = {0x400000, 0x100, 0x100, 1};
    size_t n;

    /* neither flag 16 nor ELF */
    memset(img, 0, 0x100);
    mb_header(img + 16, 0, 0, 0, 0, 0, 0);
    REFUSED(img, 0x100, NULL, "not an ELF32/ELF64");
    n = elf(32, 0x400000, &ok, 1, 0);
    img[4] = 3;                               /* no such class */
    REFUSED(img, n, NULL, "not an ELF32/ELF64");
    n = elf(32, 0x400000, &ok, 1, 0);
    img[5] = 2;                               /* big-endian */
    REFUSED(img, n, NULL, "little-endian");
    n = elf(64, 0x400000, &ok, 1, 0);
    put_le(img + 18, 3, 2);                      /* i386 in an ELF64 */
    REFUSED(img, n, NULL, "machine 3");
    n = elf(32, 0x400000, &ok, 1, 0);
    put_le(img + 42, 33, 2);                     /* phentsize */
    REFUSED(img, n, NULL, "phentsize 33");
    /* truncated: the ELF header, the program headers, a segment's bytes */
    memset(img, 0, 0x40);
    memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);
    mb_header(img + 36, 0, 0, 0, 0, 0, 0);
    REFUSED(img, 48, NULL, "ELF header cut off");
    n = elf(64, 0x400000, &ok, 1, 0);
    put_le(img + 56, 40, 2);                     /* phnum */
    REFUSED(img, n, NULL, "truncated image");
    n = elf(32, 0x400000, &ok, 1, 0);
    put_le(img + 28, 0xfffffff0u, 4);            /* phoff */
    REFUSED(img, n, NULL, "truncated image");
    n = elf(32, 0x400000, &ok, 1, 0);
    REFUSED(img, n - 1, NULL, "truncated image");
    CHECK(load(img, n, NULL));
    n = elf(64, 0x400000, &(struct elf_seg){0x400000, 0x100, 0xff, 1}, 1, 0);
    REFUSED(img, n, NULL, "p_filesz");
    {
        const struct elf_seg two[] = {ok, {0x400000, 0x10, 0x10, 4}};

        n = elf(32, 0x400000, two, 2, 0);
        put_le(img + 52, 4, 4);                  /* the only PT_LOAD becomes a note */
        REFUSED(img, n, NULL, "PT_LOAD");
    }
    /* segments and entry where they may not be */
    n = elf(32, 0x400000, (const struct elf_seg[]){ok, {0x7000, 0x10, 0x10, 1}}, 2, 0);
    REFUSED(img, n, NULL, "ELF segment at 0x7000-0x700f overlaps the reserved low pages");
    n = elf(64, 0x400000, (const struct elf_seg[]){ok, {0xa0000, 0x10, 0x10, 1}}, 2, 0);
    REFUSED(img, n, NULL, "hole");
    n = elf(64, 0x400000, (const struct elf_seg[]){ok, {0x100000000ull, 0x10, 0x10, 1}}, 2, 0);
    REFUSED(img, n, NULL, "past guest RAM");
    n = elf(64, 0x400000, (const struct elf_seg[]){ok, {~0ull - 8, 0x10, 0x10, 1}}, 2, 0);
    REFUSED(img, n, NULL, "past guest RAM");
    n = elf(32, 0x8000, (const struct elf_seg[]){{0x8000, 0x100, 0x100, 1}}, 1, 0);
    CHECK(load(img, n, NULL));
    CHECK_EQ(e.rbx, 0x9000);
    n = elf(64, 0x100400000ull, &ok, 1, 0);
    REFUSED(img, n, NULL, "above 4 GiB");
    n = elf(32, 0xa0000, &ok, 1, 0);
    REFUSED(img, n, NULL, "entry point");
}

static void test_refused_args(void)
{
    static char longcmd[MB_CMDLINE_MAX + 1];
    static uint8_t big[RAM];
    static struct mb_module many[MB_MAX_MODULES + 1];
    static struct mb_mmap_entry map[MB_MAX_MMAP + 1];
    size_t n = aout_std(0);
    struct mb_load_args a;

    /* command lines: 4095 characters fit, 4096 do not */
    memset(longcmd, 'c', MB_CMDLINE_MAX);
    a = (struct mb_load_args){longcmd, NULL, 0, NULL, 0};
    REFUSED(img, n, &a, "kernel command line too long");
    longcmd[MB_CMDLINE_MAX - 1] = 0;
    CHECK(load(img, n, &a));
    CHECK_EQ(strlen(gstr(info32(MB_INFO_CMDLINE))), MB_CMDLINE_MAX - 1);
    longcmd[MB_CMDLINE_MAX - 1] = 'c';
    {
        const struct mb_module m[] = {{big, 1, "x"}, {big, 1, longcmd}};

        a = (struct mb_load_args){"", m, 2, NULL, 0};
        REFUSED(img, n, &a, "module 1: command line too long");
    }
    /* counts */
    for (unsigned i = 0; i <= MB_MAX_MODULES; i++)
        many[i] = (struct mb_module){big, 16, "m"};
    a = (struct mb_load_args){"", many, MB_MAX_MODULES + 1, NULL, 0};
    REFUSED(img, n, &a, "17 modules: at most 16");
    a.nmodules = MB_MAX_MODULES;
    CHECK(load(img, n, &a));
    CHECK_EQ(info32(MB_INFO_MODS_COUNT), 16);
    for (unsigned i = 0; i <= MB_MAX_MMAP; i++)
        map[i] = (struct mb_mmap_entry){i * 0x1000ull, 0x1000, 1};
    a = (struct mb_load_args){"", NULL, 0, map, MB_MAX_MMAP + 1};
    REFUSED(img, n, &a, "memory map of 65 entries: at most 64");
    a.nmmap = MB_MAX_MMAP;
    CHECK(load(img, n, &a));
    CHECK_EQ(info32(MB_INFO_MMAP_LENGTH), 64 * 24);
    CHECK_EQ(info32(MB_INFO_MEM_LOWER), 256); /* 64 pages from 0 */
    /* modules that do not fit in RAM */
    {
        const struct mb_module one[] = {{big, RAM - 0x203000 + 1, "big"}};
        const struct mb_module two[] = {{big, 0x100000, NULL}, {big, RAM - 0x303000 + 1, NULL}};
        const struct mb_module fits[] = {{big, RAM - 0x203000, "big"}};

        a = (struct mb_load_args){"", one, 1, NULL, 0};
        REFUSED(img, n, &a, "module 0 (6279169 bytes) does not fit");
        a = (struct mb_load_args){"", fits, 1, NULL, 0};
        CHECK(load(img, n, &a));
        a = (struct mb_load_args){"", two, 2, NULL, 0};
        REFUSED(img, n, &a, "module 1");
        a = (struct mb_load_args){"", (const struct mb_module[]){{big, ~0ull, NULL}}, 1, NULL, 0};
        REFUSED(img, n, &a, "does not fit");
    }
}

int main(void)
{
    plat_host_set_verbosity(-1);
    ram = aligned_alloc(4096, RAM);
    RUN(test_detect);
    RUN(test_aout_kernel);
    RUN(test_info_structure);
    RUN(test_page_aligned_modules);
    RUN(test_elf32_kernel);
    RUN(test_elf64_kernel);
    RUN(test_mem_fields);
    RUN(test_header_flags);
    RUN(test_refused_header);
    RUN(test_refused_aout);
    RUN(test_refused_elf);
    RUN(test_refused_args);
    free(ram);
    return test_summary("test_multiboot");
}
