/*
 * Linux boot protocol loading (hv/guest/linux.c): a bzImage built here
 * byte by byte, its protected-mode part at the preferred address (or
 * relocated), boot_params read back field by field (the copied setup
 * header, loader type, command line, initrd, e820 map, RSDP), the 64-bit
 * entry state, and every refusal with the words of its line.  RAM is
 * filled with 0xcc first, so a field the loader forgets shows.
 */
#include "hv/guest/linux.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "elf_image.h"

#define RAM (64ull << 20)
static uint8_t *ram;
static uint8_t img[64 << 10];
static struct guest_entry e;

static const struct mb_mmap_entry map[] = {
    {0x0, 0x9fc00, MB_MEM_AVAILABLE},
    {0x9fc00, 0x400, MB_MEM_RESERVED},
    {0xe0000, 0x20000, MB_MEM_ACPI},
    {0x100000, RAM - 0x100000, MB_MEM_AVAILABLE},
    {0xfffe0000, 0x20000, MB_MEM_RESERVED},
};

static uint64_t get(uint64_t gpa, unsigned n)
{
    uint64_t v = 0;

    memcpy(&v, ram + gpa, n);
    return v;
}

/* A bzImage: one setup sector after the boot sector, then `kbytes` of
 * kernel (byte i = i * 3 + 1); protocol `version`. */
static size_t bzimage(unsigned version, uint64_t pref, uint32_t init_size, unsigned kbytes,
                      bool relocatable)
{
    size_t n = 2 * 512 + kbytes;

    memset(img, 0, 2 * 512);
    img[0x1f1] = 1;                        /* setup_sects */
    put_le(img + 0x1fe, 0xaa55, 2);
    img[0x200] = 0xeb;
    img[0x201] = 0x66;                     /* the header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    put_le(img + 0x206, version, 2);
    img[0x211] = 0x01;                     /* LOADED_HIGH */
    put_le(img + 0x22c, 0x37ffffff, 4);    /* initrd_addr_max */
    put_le(img + 0x230, 0x200000, 4);      /* kernel_alignment */
    img[0x234] = relocatable;
    put_le(img + 0x236, 0x1, 2);           /* XLF_KERNEL_64 */
    put_le(img + 0x238, 2047, 4);          /* cmdline_size */
    put_le(img + 0x258, pref, 8);
    put_le(img + 0x260, init_size, 4);
    for (unsigned i = 0; i < kbytes; i++)
        img[1024 + i] = (uint8_t)(i * 3 + 1);
    return n;
}

static bool load(size_t n, const char *cmdline, const void *initrd, uint64_t isize)
{
    const struct linux_load_args a = {cmdline, initrd, isize, map, ARRAY_SIZE(map), 0xe0000,
                                      0xfd000000, 800, 600, 3200};

    memset(ram, 0xcc, RAM);
    return linux_load(ram, RAM, img, n, &a, &e);
}

#define REFUSED(n, ...)                                                        \
    do {                                                                       \
        const char *const want_[] = { __VA_ARGS__ };                           \
        CHECK(!load((n), "", NULL, 0));                                        \
        for (size_t i_ = 0; i_ < ARRAY_SIZE(want_); i_++)                      \
            if (!strstr(plat_host_last_log(), want_[i_])) {                    \
                fprintf(stderr, "  log: %s\n  lacks: %s\n", plat_host_last_log(), want_[i_]); \
                CHECK(0);                                                      \
            }                                                                  \
    } while (0)

static void test_load(void)
{
    static uint8_t initrd[10000];
    size_t n = bzimage(0x020f, 0x1000000, 0x400000, 3000, true);

    memset(initrd, 0x5a, sizeof(initrd));
    CHECK(load(n, "console=ttyS0 quiet", initrd, sizeof(initrd)));
    /* the kernel at its preferred address, the setup part not loaded */
    CHECK_EQ(ram[0x1000000], 1);
    CHECK_EQ(ram[0x1000000 + 2999], (uint8_t)(2999 * 3 + 1));
    CHECK_EQ(ram[0x1000000 + 3000], 0xcc);
    /* boot_params: the header copied, loader 0xff, the command line */
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x202, 4), 0x53726448);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x206, 2), 0x020f);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x258, 8), 0x1000000);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x210, 1), 0xff);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x268, 1), 0);   /* past the header: zero */
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x228, 4), LINUX_CMDLINE);
    CHECK(!strcmp((char *)ram + LINUX_CMDLINE, "console=ttyS0 quiet"));
    /* the initrd: page aligned, as high as possible below 64 MiB */
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x218, 4), (RAM - sizeof(initrd)) & ~0xfffull);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x21c, 4), sizeof(initrd));
    CHECK_EQ(ram[get(LINUX_BOOT_PARAMS + 0x218, 4)], 0x5a);
    /* e820: the machine's map as given; the RSDP (protocol 2.14+) */
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x1e8, 1), ARRAY_SIZE(map));
    for (unsigned i = 0; i < ARRAY_SIZE(map); i++) {
        CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x2d0 + i * 20, 8), map[i].base);
        CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x2d0 + i * 20 + 8, 8), map[i].length);
        CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x2d0 + i * 20 + 16, 4), map[i].type);
    }
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x70, 8), 0xe0000);
    /* screen_info: the framebuffer as a 32-bpp EFI one */
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x0f, 1), 0x70);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x12, 2), 800);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x14, 2), 600);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x16, 2), 32);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x18, 4), 0xfd000000);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x1c, 4), 3200 * 600);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x24, 2), 3200);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x26, 8), 0x1808000808081008ull); /* sizes, positions */
    /* the 64-bit entry */
    CHECK_EQ(e.mode, 64);
    CHECK_EQ(e.rip, 0x1000200);
    CHECK(e.has_regs);
    CHECK_EQ(e.rsi, LINUX_BOOT_PARAMS);
    CHECK_EQ(e.sel_code, 0x10);
    CHECK_EQ(e.sel_data, 0x18);
    CHECK_EQ(get(GUEST_GDT + 0x10, 8), 0x00af9b000000ffffull); /* __BOOT_CS: 64-bit code */
    CHECK_EQ(get(GUEST_GDT + 0x18, 8), 0x00cf93000000ffffull);
    CHECK_EQ(get(GUEST_PML4, 8) & ~0xfffull, GUEST_PDPT);      /* identity tables */
    /* protocol 2.12: no RSDP field */
    n = bzimage(0x020c, 0x1000000, 0x400000, 100, true);
    CHECK(load(n, NULL, NULL, 0));
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x70, 8), 0);
    CHECK_EQ(get(LINUX_BOOT_PARAMS + 0x218, 4), 0);
    CHECK_EQ(ram[LINUX_CMDLINE], 0);
}

static void test_relocated(void)
{
    /* preferred address past RAM: relocatable goes to the first aligned
     * place above 1 MiB */
    size_t n = bzimage(0x020f, 0x10000000, 0x400000, 100, true);

    CHECK(load(n, "", NULL, 0));
    CHECK_EQ(e.rip, 0x200000 + 0x200);
    CHECK_EQ(ram[0x200000], 1);
}

static void test_refused(void)
{
    static uint8_t big[60 << 20];
    size_t n;

    memset(img, 0, 0x300);
    REFUSED(0x300, "not a bzImage");
    n = bzimage(0x020b, 0x1000000, 0x400000, 100, true);
    REFUSED(n, "older than 2.12");
    n = bzimage(0x020f, 0x1000000, 0x400000, 100, true);
    put_le(img + 0x236, 0, 2);
    REFUSED(n, "no 64-bit entry");
    n = bzimage(0x020f, 0x10000000, 0x400000, 100, false);
    REFUSED(n, "not relocatable");
    n = bzimage(0x020f, 0x1000000, 0x8000000, 100, true); /* init_size 128 MiB */
    REFUSED(n, "does not fit");
    n = bzimage(0x020f, 0x1000000, 0x400000, 100, true);
    REFUSED(700, "truncated");
    {
        static char cmd[3000];
        memset(cmd, 'x', sizeof(cmd) - 1);
        CHECK(!load(n, cmd, NULL, 0));
        CHECK(strstr(plat_host_last_log(), "command line too long") != NULL);
    }
    CHECK(!load(n, "", big, sizeof(big)));
    CHECK(strstr(plat_host_last_log(), "initrd does not fit") != NULL);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    ram = malloc(RAM);
    RUN(test_load);
    RUN(test_relocated);
    RUN(test_refused);
    free(ram);
    return test_summary("test_linux_load");
}
