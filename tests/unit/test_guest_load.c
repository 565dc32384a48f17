/*
 * Payload loading (hv/guest/load.c, docs/guest-abi.md "Payload format"):
 * flat binaries in each mode, ELF32 and ELF64 images built here byte by
 * byte, the reserved low pages, and every refusal.
 */
#include "hv/guest/load.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "elf_image.h"

#define RAM (4ull << 20)
static uint8_t *ram;
static struct guest_entry e;

static bool load(unsigned mode, const void *img, uint64_t size)
{
    memset(ram, 0, RAM);
    return guest_load(ram, RAM, mode, img, size, &e);
}

static uint8_t img[64 << 10];

/* ----------------------------------------------------------------- tests */

static void test_flat_modes(void)
{
    static const uint8_t code[] = {0xf4, 0xeb, 0xfe};

    CHECK(load(32, code, sizeof(code)));
    CHECK_EQ(e.rip, GUEST_FLAT_LOAD);
    CHECK_EQ(e.rsp, GUEST_STACK);
    CHECK(memcmp(ram + GUEST_FLAT_LOAD, code, sizeof(code)) == 0);
    CHECK_STR(e.format, "flat");
    CHECK_EQ(e.load_lo, GUEST_FLAT_LOAD);
    CHECK_EQ(e.load_hi, GUEST_FLAT_LOAD + sizeof(code) - 1);
    /* GDT: 32-bit code at 0x08, flat data at 0x10; no page tables */
    CHECK_EQ(((uint64_t *)(ram + GUEST_GDT))[1], 0x00cf9b000000ffffull);
    CHECK_EQ(((uint64_t *)(ram + GUEST_GDT))[2], 0x00cf93000000ffffull);
    CHECK_EQ(((uint64_t *)(ram + GUEST_PML4))[0], 0);

    CHECK(load(16, code, sizeof(code)));
    CHECK(memcmp(ram + GUEST_FLAT16_LOAD, code, sizeof(code)) == 0);
    CHECK_EQ(e.sel16, 0x1000);
    CHECK_EQ(e.rip, 0);
    CHECK_EQ(e.rsp, GUEST_STACK16);

    CHECK(load(64, code, sizeof(code)));
    CHECK_EQ(e.rip, GUEST_FLAT_LOAD);
    /* 64-bit code segment, identity page tables 0-4 GiB with 2 MiB pages */
    CHECK_EQ(((uint64_t *)(ram + GUEST_GDT))[1], 0x00af9b000000ffffull);
    /* accessed (and dirty in the leaves) preset: the CPU never writes them */
    CHECK_EQ(((uint64_t *)(ram + GUEST_PML4))[0], GUEST_PDPT | 0x23);
    CHECK_EQ(((uint64_t *)(ram + GUEST_PDPT))[3], (GUEST_PD + 0x3000) | 0x23);
    CHECK_EQ(((uint64_t *)(ram + GUEST_PD))[2047], (2047ull << 21) | 0xe3);
}

static void test_flat_refused(void)
{
    static uint8_t big[RAM];

    /* The whole of RAM from 1 MiB on fits; one byte more does not. */
    CHECK(load(32, big, RAM - GUEST_FLAT_LOAD));
    CHECK(!load(32, big, RAM - GUEST_FLAT_LOAD + 1));
    CHECK(strstr(plat_host_last_log(), "outside guest RAM") != NULL);
    /* 16-bit payloads load at 0x10000 and may not reach the hole */
    CHECK(load(16, big, 0xa0000 - GUEST_FLAT16_LOAD));
    CHECK(!load(16, big, 0xa0000 - GUEST_FLAT16_LOAD + 1));
}

static void test_elf32(void)
{
    const struct elf_seg s[] = {
        {0x200000, 0x100, 0x1000, 1},
        {0x300000, 0x10, 0x10, 4}, /* PT_NOTE: ignored */
        {0x9000, 0x20, 0x20, 1},
    };
    size_t n = elf_image(img, 32, 0x200010, s, 3);

    CHECK(load(32, img, n));
    CHECK_STR(e.format, "ELF32");
    CHECK_EQ(e.rip, 0x200010);
    CHECK_EQ(ram[0x200000], 0x11);
    CHECK_EQ(ram[0x2000ff], 0x11);
    CHECK_EQ(ram[0x200100], 0);       /* bss zero-filled */
    CHECK_EQ(ram[0x300000], 0);       /* not loaded */
    CHECK_EQ(ram[0x9000], 0x33);
    CHECK_EQ(e.load_lo, 0x9000);
    CHECK_EQ(e.load_hi, 0x200fff);
    /* ELF32 in 16-bit mode: CS from the entry's 64 KiB segment */
    n = elf_image(img, 32, 0x9010, &s[2], 1);
    CHECK(load(16, img, n));
    CHECK_EQ(e.sel16, 0);
    CHECK_EQ(e.rip, 0x9010);
}

static void test_elf64(void)
{
    const struct elf_seg s[] = {{0x180000, 0x40, 0x80, 1}};
    size_t n = elf_image(img, 64, 0x180000, s, 1);

    CHECK(load(64, img, n));
    CHECK_STR(e.format, "ELF64");
    CHECK_EQ(e.rip, 0x180000);
    CHECK_EQ(ram[0x18003f], 0x11);
    CHECK_EQ(ram[0x180040], 0);
    /* the class must match the mode */
    CHECK(!load(32, img, n));
    CHECK(strstr(plat_host_last_log(), "ELF32") != NULL);
    n = elf_image(img, 32, 0x180000, s, 1);
    CHECK(!load(64, img, n));
}

/* One refused ELF and the words its log line must hold. */
static void elf_refused(unsigned bits, uint64_t entry, const struct elf_seg *s, unsigned nseg,
                        const char *want)
{
    size_t n = elf_image(img, bits, entry, s, nseg);

    CHECK(!load(bits, img, n));
    if (!strstr(plat_host_last_log(), want)) {
        fprintf(stderr, "  log: %s\n  want: %s\n", plat_host_last_log(), want);
        CHECK(0);
    }
}

static void test_elf_refused(void)
{
    const struct elf_seg ok = {0x200000, 0x10, 0x10, 1};
    const struct elf_seg low = {0x7000, 0x10, 0x10, 1};      /* the GDT page */
    const struct elf_seg hole = {0x9f000, 0x2000, 0x2000, 1}; /* into 0xa0000 */
    const struct elf_seg high = {RAM - 8, 0x10, 0x10, 1};     /* past RAM */
    const struct elf_seg wrap = {~0ull - 4, 0x10, 0x10, 1};
    const struct elf_seg fat = {0x200000, 0x20, 0x10, 1};     /* filesz > memsz */
    const struct elf_seg note = {0x200000, 0x10, 0x10, 4};

    elf_refused(32, 0x200000, &low, 1, "outside guest RAM");
    elf_refused(32, 0x9f000, &hole, 1, "outside guest RAM");
    elf_refused(64, 0x200000, &high, 1, "outside guest RAM");
    elf_refused(64, 0x200000, &wrap, 1, "outside guest RAM");
    elf_refused(64, 0x200000, &fat, 1, "larger than memsz");
    elf_refused(32, 0x200000, &note, 1, "no loadable segment");
    /* the entry point must be in RAM the payload can run from, and canonical */
    elf_refused(32, 0xfffffff0, &ok, 1, "entry");
    elf_refused(64, RAM, &ok, 1, "entry");
    elf_refused(64, 0xa0000, &ok, 1, "entry");
    elf_refused(64, 0x0000800000000000ull, &ok, 1, "entry");
    elf_refused(64, 0x100, &ok, 1, "entry");
    elf_refused(32, 0xb0000, &(struct elf_seg){0x100000, 0x10, 0x10, 1}, 1, "entry");
    {
        struct elf_seg hi = {0x200000, 0x10, 0x10, 1};
        elf_refused(16, 0x200000, &hi, 1, "above 1 MiB");
    }
}

/* Headers that lie about the file: truncated, bad phoff/phnum/phentsize,
 * a segment whose file bytes lie past the end. */
static void test_elf_malformed(void)
{
    const struct elf_seg s = {0x200000, 0x10, 0x10, 1};
    size_t n = elf_image(img, 64, 0x200000, &s, 1);

    CHECK(!load(64, img, 20));              /* truncated header */
    put_le(img + 32, 0xfffffffffffffff0ull, 8); /* phoff far away */
    CHECK(!load(64, img, n));
    n = elf_image(img, 64, 0x200000, &s, 1);
    put_le(img + 56, 0xffff, 2);                /* phnum */
    CHECK(!load(64, img, n));
    n = elf_image(img, 64, 0x200000, &s, 1);
    put_le(img + 54, 55, 2);                    /* phentsize */
    CHECK(!load(64, img, n));
    n = elf_image(img, 64, 0x200000, &s, 1);
    put_le(img + 64 + 8, n, 8);                 /* segment file offset at the end */
    CHECK(!load(64, img, n));
    n = elf_image(img, 64, 0x200000, &s, 1);
    put_le(img + 18, 3, 2);                     /* machine i386 in an ELF64 */
    CHECK(!load(64, img, n));
    n = elf_image(img, 32, 0x200000, &s, 1);
    put_le(img + 28, 0xfffffff0u, 4);           /* ELF32 phoff */
    CHECK(!load(32, img, n));
}

int main(void)
{
    plat_host_set_verbosity(-1);
    ram = aligned_alloc(4096, RAM);
    RUN(test_flat_modes);
    RUN(test_flat_refused);
    RUN(test_elf32);
    RUN(test_elf64);
    RUN(test_elf_refused);
    RUN(test_elf_malformed);
    free(ram);
    return test_summary("test_guest_load");
}
