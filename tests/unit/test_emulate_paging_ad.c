/*
 * The emulator's page walker and the memory a paging structure lives in
 * (hv/x86/paging.c, docs/decoder.md "Semantics worth knowing"), through the
 * real memory API (fake_use_memory_api):
 *  - entries in RAM: accessed/dirty bits are set in place and the page is
 *    marked dirty for every client logging the RAM region (the emulator's
 *    store is a write the EPT never sees);
 *  - entries in ROM, read-only RAM or a ROM device in romd mode: read as
 *    they are; a walk that needs to set A or D there fails (#UD, one log
 *    line) and changes nothing -- not the ROM, not the flash's storage,
 *    not the RAM entries above it, and the ROM device's callbacks are not
 *    called;
 *  - entries in MMIO (an I/O region, a ROM device in ops mode): the walk
 *    fails without touching the device;
 *  - the walk cache: a table page cached while it was RAM is walked again
 *    once the map changes, and a ROM now covering it is not written.
 */
#include "tests/unit/emu_case.h"
#include "test.h"

#define LA 0x40000000ull        /* the linear page the tests translate */
#define DATA (DEV + 0x4000)     /* what it maps: a page of the recording device */
#define PT_RAM 0x1f0000ull      /* a RAM page for the page table */
#define PT_ROM 0x300000ull
#define PT_ROMD 0x310000ull
#define PT_MMIO 0x320000ull
#define PTE_AD (FAKE_PTE_A | FAKE_PTE_D)

static MemoryRegion rom, romd, mmio;
static unsigned romd_reads, romd_writes, mmio_reads, mmio_writes;

static uint64_t romd_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque, (void)addr, (void)size;
    romd_reads++;
    return 0;
}

static void romd_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (void)opaque, (void)addr, (void)v, (void)size;
    romd_writes++;
}

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque, (void)addr, (void)size;
    mmio_reads++;
    return (DATA | FAKE_PTE_DEFAULT) >> (8 * (addr & 7)); /* a plausible entry */
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (void)opaque, (void)addr, (void)v, (void)size;
    mmio_writes++;
}

static const MemoryRegionOps romd_ops = { .read = romd_read, .write = romd_write };
static const MemoryRegionOps mmio_ops = { .read = mmio_read, .write = mmio_write };

/* A 4-level vCPU on the memory API with a ROM, a ROM device and an MMIO
 * page beside RAM and the recording device. */
static void setup(void)
{
    start(FAKE_LONG4);
    CHECK_EQ(fake_use_memory_api(f, 8), 0);
    CHECK_EQ(memory_region_init_rom(&rom, "pt-rom", 0x1000), MR_OK);
    CHECK_EQ(memory_region_init_rom_device(&romd, &romd_ops, NULL, "pt-flash", 0x1000), MR_OK);
    CHECK_EQ(memory_region_init_io(&mmio, &mmio_ops, NULL, "pt-mmio", 0x1000), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&f->sys, PT_ROM, &rom), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&f->sys, PT_ROMD, &romd), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&f->sys, PT_MMIO, &mmio), MR_OK);
    romd_reads = romd_writes = mmio_reads = mmio_writes = 0;
    f->full.gpr[X86_RSI] = LA + 0x10;
    put(f->dev + 0x4010, 0x600dcafe, 4);
}

static void teardown(void)
{
    memory_region_del_subregion(&f->sys, &rom);
    memory_region_del_subregion(&f->sys, &romd);
    memory_region_del_subregion(&f->sys, &mmio);
    memory_region_destroy(&rom);
    memory_region_destroy(&romd);
    memory_region_destroy(&mmio);
    fake_free(f);
    f = NULL;
}

/* The PDE of LA (in RAM) points at the page table at pt_gpa, whose entry 0
 * (stored at pt, the table's host bytes) maps LA to DATA. */
static uint64_t map_through(uint64_t pt_gpa, uint8_t *pt, uint64_t pde_flags,
                            uint64_t pte_flags)
{
    uint64_t pde = fake_pte_addr(f, LA, 2);

    put(f->ram + pde, pt_gpa | pde_flags, 8);
    if (pt)
        put(pt, DATA | pte_flags, 8);
    return pde;
}

/* One exit with the backend's map generation, as hv.efi computes it. */
static enum emu_result step(const uint8_t *code, size_t n)
{
    f->map_gen = memory_render_count() + 1;
    f->full.rip = FAKE_CODE_IP;
    return run(code, n);
}

#define LOAD CODE(0x8b, 0x06)  /* mov eax, [rsi] */
#define STORE CODE(0x89, 0x06) /* mov [rsi], eax */

static uint64_t rd8(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

/* Entries in a ROM region (and in read-only RAM): readable, never written. */
static void check_rom_like(uint64_t pt_gpa, uint8_t *pt, const char *what)
{
    uint64_t pde, before;
    unsigned long logs;

    /* A clear in the leaf: the walk would have to store into the ROM */
    pde = map_through(pt_gpa, pt, FAKE_PTE_DEFAULT, FAKE_PTE_DEFAULT & ~PTE_AD);
    before = rd8(pt);
    logs = plat_host_log_count();
    CHECK_EQ(step(LOAD), EMU_INJECT_UD);
    CHECK_EQ(rd8(pt), before);
    CHECK_EQ(plat_host_log_count() - logs, 2); /* the entry's line, the #UD's */
    CHECK_EQ(f->nlog, 0); /* the device page was not accessed */
    /* and the RAM PDE above it, A clear too, is not half-updated */
    put(f->ram + pde, pt_gpa | (FAKE_PTE_DEFAULT & ~PTE_AD), 8);
    CHECK_EQ(step(LOAD), EMU_INJECT_UD);
    CHECK_EQ(rd8(pt), before);
    CHECK_EQ(rd8(f->ram + pde), pt_gpa | (FAKE_PTE_DEFAULT & ~PTE_AD));
    put(f->ram + pde, pt_gpa | FAKE_PTE_DEFAULT, 8);

    /* A and D preset: nothing to store, loads and stores go through */
    put(pt, DATA | FAKE_PTE_DEFAULT, 8);
    CHECK_EQ(step(LOAD), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RAX], 0x600dcafe);
    f->full.gpr[X86_RAX] = 0x12345678;
    CHECK_EQ(step(STORE), EMU_OK);
    CHECK(fake_log_at(f, 0, DATA + 0x10, 4, true, 0x12345678));
    CHECK_EQ(rd8(pt), DATA | FAKE_PTE_DEFAULT);

    /* A set, D clear: loads go through, a store would need D */
    put(pt, DATA | (FAKE_PTE_DEFAULT & ~FAKE_PTE_D), 8);
    CHECK_EQ(step(LOAD), EMU_OK);
    CHECK_EQ(step(STORE), EMU_INJECT_UD);
    CHECK_EQ(f->nlog, 0);
    CHECK_EQ(rd8(pt), DATA | (FAKE_PTE_DEFAULT & ~FAKE_PTE_D));
    if (test_failed_checks)
        fprintf(stderr, "  (page table in %s)\n", what);
}

static void test_pt_in_rom(void)
{
    setup();
    check_rom_like(PT_ROM, memory_region_get_ram_ptr(&rom), "ROM");
    teardown();
}

static void test_pt_in_readonly_ram(void)
{
    setup();
    CHECK_EQ(memory_region_set_readonly(&f->ram_mr, true), MR_OK);
    check_rom_like(PT_RAM, f->ram + PT_RAM, "read-only RAM");
    CHECK_EQ(memory_region_set_readonly(&f->ram_mr, false), MR_OK);
    teardown();
}

/* A ROM device (flash): in romd mode like ROM, and its callbacks (a
 * write is a flash command) are never called by a walk; in ops mode it
 * is MMIO. */
static void test_pt_in_rom_device(void)
{
    uint8_t *pt;

    setup();
    pt = memory_region_get_ram_ptr(&romd);
    check_rom_like(PT_ROMD, pt, "ROM device, romd mode");
    CHECK_EQ(romd_writes, 0);
    CHECK_EQ(romd_reads, 0);

    CHECK_EQ(memory_region_rom_device_set_romd(&romd, false), MR_OK);
    map_through(PT_ROMD, pt, FAKE_PTE_DEFAULT, FAKE_PTE_DEFAULT);
    CHECK_EQ(step(LOAD), EMU_INJECT_UD);
    CHECK_EQ(f->nlog, 0);
    CHECK_EQ(romd_writes, 0);
    CHECK_EQ(rd8(pt), DATA | FAKE_PTE_DEFAULT);
    teardown();
}

/* Entries in MMIO: the walk fails without an access to the device. */
static void test_pt_in_mmio(void)
{
    setup();
    map_through(PT_MMIO, NULL, FAKE_PTE_DEFAULT, 0);
    CHECK_EQ(step(LOAD), EMU_INJECT_UD);
    CHECK_EQ(step(STORE), EMU_INJECT_UD);
    CHECK_EQ(mmio_reads, 0);
    CHECK_EQ(mmio_writes, 0);
    CHECK_EQ(f->nlog, 0);
    teardown();
}

static bool ram_dirty(uint64_t gpa)
{
    return memory_region_get_dirty(&f->ram_mr, gpa, 1, DIRTY_MEMORY_MIGRATION);
}

static void ram_clean(void)
{
    memory_region_reset_dirty(&f->ram_mr, 0, FAKE_RAM_SIZE, DIRTY_MEMORY_MIGRATION);
}

/* Entries in logged RAM: set in place, and the page is in the dirty log. */
static void test_pt_in_logged_ram(void)
{
    uint64_t pde;

    setup();
    CHECK_EQ(memory_region_set_log(&f->ram_mr, true, DIRTY_MEMORY_MIGRATION), MR_OK);
    pde = map_through(PT_RAM, f->ram + PT_RAM, FAKE_PTE_DEFAULT & ~PTE_AD,
                      FAKE_PTE_DEFAULT & ~PTE_AD);
    ram_clean();
    CHECK_EQ(step(LOAD), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RAX], 0x600dcafe);
    CHECK_EQ(rd8(f->ram + PT_RAM), DATA | (FAKE_PTE_DEFAULT & ~FAKE_PTE_D));
    CHECK_EQ(rd8(f->ram + pde) & PTE_AD, FAKE_PTE_A);
    CHECK(ram_dirty(PT_RAM));
    CHECK(ram_dirty(pde));
    CHECK(!ram_dirty(PT_RAM + 0x1000));
    CHECK(!ram_dirty(FAKE_CODE_IP)); /* fetched only */
    /* nothing left to set: nothing dirty */
    ram_clean();
    CHECK_EQ(step(LOAD), EMU_OK);
    CHECK(!ram_dirty(PT_RAM));
    CHECK(!ram_dirty(pde));
    /* a store sets D in the leaf only */
    CHECK_EQ(step(STORE), EMU_OK);
    CHECK_EQ(rd8(f->ram + PT_RAM), DATA | FAKE_PTE_DEFAULT);
    CHECK(ram_dirty(PT_RAM));
    CHECK(!ram_dirty(pde));
    CHECK_EQ(memory_region_set_log(&f->ram_mr, false, DIRTY_MEMORY_MIGRATION), MR_OK);
    teardown();
}

/* 32-bit paging: 4-byte entries, the same rules. */
static void test_pt_in_logged_ram_paged32(void)
{
    uint64_t pte;

    start(FAKE_PAGED32);
    CHECK_EQ(fake_use_memory_api(f, 8), 0);
    CHECK_EQ(memory_region_set_log(&f->ram_mr, true, DIRTY_MEMORY_MIGRATION), MR_OK);
    pte = fake_leaf(f, DATA);
    put(f->ram + pte, DATA | (FAKE_PTE_DEFAULT & ~PTE_AD), 4);
    f->full.gpr[X86_RSI] = DATA + 0x10;
    ram_clean();
    CHECK_EQ(step(STORE), EMU_OK);
    CHECK_EQ(fake_rd(f, pte, 4), DATA | FAKE_PTE_DEFAULT);
    CHECK(ram_dirty(pte));
    CHECK_EQ(memory_region_set_log(&f->ram_mr, false, DIRTY_MEMORY_MIGRATION), MR_OK);
    fake_free(f);
    f = NULL;
}

/* A table page the walk cache knows as RAM, then covered by a ROM: the
 * new map generation forces a walk, which reads the ROM's entry and
 * cannot set its D bit; neither copy changes. */
static void test_walk_cache_sees_rom_overlay(void)
{
    MemoryRegion cover;
    uint8_t *c;

    setup();
    map_through(PT_RAM, f->ram + PT_RAM, FAKE_PTE_DEFAULT, FAKE_PTE_DEFAULT);
    CHECK_EQ(step(STORE), EMU_OK);
    CHECK_EQ(step(STORE), EMU_OK); /* from the walk cache */
    CHECK_EQ(memory_region_init_rom(&cover, "cover", 0x1000), MR_OK);
    c = memory_region_get_ram_ptr(&cover);
    put(c, DATA | (FAKE_PTE_DEFAULT & ~FAKE_PTE_D), 8);
    CHECK_EQ(memory_region_add_subregion_overlap(&f->sys, PT_RAM, &cover, 1), MR_OK);
    CHECK_EQ(step(STORE), EMU_INJECT_UD);
    CHECK_EQ(rd8(c), DATA | (FAKE_PTE_DEFAULT & ~FAKE_PTE_D));
    CHECK_EQ(rd8(f->ram + PT_RAM), DATA | FAKE_PTE_DEFAULT);
    CHECK_EQ(step(LOAD), EMU_OK); /* reading through the ROM's entry is fine */
    CHECK_EQ(memory_region_del_subregion(&f->sys, &cover), MR_OK);
    CHECK_EQ(memory_region_destroy(&cover), MR_OK);
    CHECK_EQ(step(STORE), EMU_OK);
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_pt_in_rom);
    RUN(test_pt_in_readonly_ram);
    RUN(test_pt_in_rom_device);
    RUN(test_pt_in_mmio);
    RUN(test_pt_in_logged_ram);
    RUN(test_pt_in_logged_ram_paged32);
    RUN(test_walk_cache_sees_rom_overlay);
    fake_state_free(&ex);
    return test_summary("test_emulate_paging_ad");
}
