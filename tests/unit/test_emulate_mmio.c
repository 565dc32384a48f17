/*
 * The glue (hv/guest/bus.c) between EPT-violation exits, the emulator and
 * the memory API: the same fake vCPU, but RAM and the device now sit in an
 * AddressSpace and every access goes through address_space_read/write and
 * the region's dispatch rules.
 */
#include "tests/unit/test.h"
#include "tests/unit/fake_vcpu.h"
#include "hv/lib/host/platform_host.h"

#define DEV FAKE_DEV_BASE
#define QUAL_READ (EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATED)
#define QUAL_WRITE (EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATED)

static struct fake_vcpu *f;
static struct fake_state ex;

static void start(enum fake_mode m, unsigned impl_max)
{
    if (f)
        fake_free(f);
    f = fake_new(m);
    CHECK_EQ(fake_use_memory_api(f, impl_max), 0);
}

#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

/* One EPT-violation exit for an access at gpa (identity-mapped gla). */
static enum emu_result exit_at(const uint8_t *code, size_t n, uint64_t qual, uint64_t gpa)
{
    enum emu_result rc;

    fake_code(f, code, n);
    fake_save(f, &ex);
    ex.regs.rip += n;
    f->nlog = 0;
    fake_begin(f);
    rc = emu_ept_violation(&f->ctx, qual, gpa, gpa);
    fake_end(f);
    return rc;
}

static void put(uint8_t *p, uint64_t v, unsigned n) { memcpy(p, &v, n); }

static void test_read_write_dispatch(void)
{
    start(FAKE_LONG4, 8);
    f->full.gpr[X86_RBX] = DEV + 0x20;
    put(f->dev + 0x28, 0x11223344, 4);
    CHECK_EQ(exit_at(CODE(0x8b, 0x43, 0x08), QUAL_READ, DEV + 0x28), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x11223344;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV + 0x28, 4, false, 0x11223344));
    /* a qword store is one 8-byte callback */
    f->full.gpr[X86_RDI] = DEV + 0x40;
    f->full.gpr[X86_RAX] = 0x0102030405060708ull;
    CHECK_EQ(exit_at(CODE(0x48, 0x89, 0x07), QUAL_WRITE, DEV + 0x40), EMU_OK);
    put(ex.dev + 0x40, 0x0102030405060708ull, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV + 0x40, 8, true, 0x0102030405060708ull));
}

/* The region's impl rules apply: a device that takes 4 bytes at most sees
 * an 8-byte store as two calls, and a 16-byte SSE store as four. */
static void test_region_rules_apply(void)
{
    start(FAKE_LONG4, 4);
    f->full.gpr[X86_RDI] = DEV + 0x40;
    f->full.gpr[X86_RAX] = 0x0102030405060708ull;
    CHECK_EQ(exit_at(CODE(0x48, 0x89, 0x07), QUAL_WRITE, DEV + 0x40), EMU_OK);
    CHECK_EQ(f->nlog, 2);
    CHECK(fake_log_at(f, 0, DEV + 0x40, 4, true, 0x05060708));
    CHECK(fake_log_at(f, 1, DEV + 0x44, 4, true, 0x01020304));
    memset(f->xmm[1], 0x5c, 16);
    CHECK_EQ(exit_at(CODE(0x0f, 0x11, 0x0f), QUAL_WRITE, DEV + 0x40), EMU_OK); /* movups [rdi],xmm1 */
    CHECK_EQ(f->nlog, 4);
    memset(ex.dev + 0x40, 0x5c, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* REP MOVS from RAM to the device: RAM through the address space, device
 * writes dispatched one element at a time. */
static void test_movs_ram_to_mmio(void)
{
    start(FAKE_LONG4, 8);
    f->full.gpr[X86_RSI] = 0x9000;
    f->full.gpr[X86_RDI] = DEV + 0x100;
    f->full.gpr[X86_RCX] = 3;
    put(f->ram + 0x9000, 0x333322221111ull, 6);
    CHECK_EQ(exit_at(CODE(0xf3, 0x66, 0xa5), QUAL_WRITE, DEV + 0x100), EMU_OK);
    ex.regs.gpr[X86_RSI] = 0x9006;
    ex.regs.gpr[X86_RDI] = DEV + 0x106;
    ex.regs.gpr[X86_RCX] = 0;
    put(ex.dev + 0x100, 0x333322221111ull, 6);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 3);
    CHECK(fake_log_at(f, 2, DEV + 0x104, 2, true, 0x3333));
}

static void test_fetch_and_unassigned(void)
{
    unsigned long before;

    start(FAKE_LONG4, 8);
    before = plat_host_log_count();
    CHECK_EQ(exit_at(CODE(0x90), EPT_QUAL_FETCH | EPT_QUAL_READ, DEV), EMU_INJECT_UD);
    CHECK_EQ(f->ctx.fault.vector, 6);
    ex.regs.rip -= 1;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(plat_host_log_count() > before);
    CHECK(strstr(plat_host_last_log(), "execution from MMIO") != NULL);
    /* unassigned: reads float to all ones, writes vanish */
    f->full.gpr[X86_RSI] = 0x10000000;
    fake_map(f, 0x10000000, 0x10000000, FAKE_PTE_DEFAULT);
    CHECK_EQ(exit_at(CODE(0x8b, 0x06), QUAL_READ, 0x10000000), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xffffffff;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(exit_at(CODE(0x89, 0x06), QUAL_WRITE, 0x10000000), EMU_OK);
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* The one-range cache of bus_as_access_cached: a hit dispatches like
 * address_space_read/write; after the map changes (a re-render) the old
 * range is never used again. */
static void test_range_cache(void)
{
    struct bus_cache c = { 0 };
    uint64_t v = 0;

    start(FAKE_LONG4, 8);
    put(f->dev + 0x28, 0x55667788, 4);
    CHECK_EQ(bus_as_access_cached(&c, &f->as, DEV + 0x28, 4, false, &v), 0);
    CHECK_EQ(v, 0x55667788);
    CHECK(c.fr != NULL);
    f->nlog = 0;
    v = 0x1234;
    CHECK_EQ(bus_as_access_cached(&c, &f->as, DEV + 0x30, 2, true, &v), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV + 0x30, 2, true, 0x1234));
    /* RAM goes the general way (and is read directly) */
    put(f->ram + 0x5000, 0xabcd, 2);
    CHECK_EQ(bus_as_access_cached(&c, &f->as, 0x5000, 2, false, &v), 0);
    CHECK_EQ(v, 0xabcd);
    /* move the device: its old place is unassigned, the cache must see it */
    CHECK_EQ(bus_as_access_cached(&c, &f->as, DEV + 0x28, 4, false, &v), 0);
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_address(&f->dev_mr, 0x40000000), 0);
    CHECK_EQ(memory_region_transaction_commit(), 0);
    f->nlog = 0;
    CHECK_EQ(bus_as_access_cached(&c, &f->as, DEV + 0x28, 4, false, &v), 1);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(f->nlog, 0);
    CHECK_EQ(bus_as_access_cached(&c, &f->as, 0x40000028, 4, false, &v), 0);
    CHECK_EQ(v, 0x55667788);
    CHECK_EQ(f->nlog, 1);
    /* an access that leaves the range: split as address_space_read does */
    CHECK_EQ(bus_as_access_cached(&c, &f->as, 0x40000000 + FAKE_DEV_SIZE - 2, 4, false, &v), 1);
    CHECK_EQ(v >> 16, 0xffff);
}

static void test_ram_ptr(void)
{
    start(FAKE_PROT32, 8);
    CHECK(bus_as_ram_ptr(&f->as, 0x1234) == f->ram + 0x1234);
    CHECK(bus_as_ram_ptr(&f->as, DEV) == NULL);
    CHECK(bus_as_ram_ptr(&f->as, 0x40000000) == NULL);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_read_write_dispatch);
    RUN(test_region_rules_apply);
    RUN(test_movs_ram_to_mmio);
    RUN(test_fetch_and_unassigned);
    RUN(test_range_cache);
    RUN(test_ram_ptr);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    return test_summary("test_emulate_mmio");
}
