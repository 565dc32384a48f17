/*
 * Self-tests of ept/ inside hv.efi, on the guest machine (hv/guest/machine.h):
 * the EPT the flat-view listener builds must agree with the view (the
 * checker), the walker must find RAM at its host address with the right
 * permissions and page size and leave MMIO unmapped, and a run-time change
 * (an MMIO region moved over RAM) must be followed, then undone.  The
 * capabilities are a fixed full set: on QEMU (no VMX) there are no
 * capability MSRs to read, and the tables are only built, never used by a
 * CPU.
 */
#include "ept/ept_listener.h"
#include "hv/guest/machine.h"
#include "hv/lib/platform.h"
#include "hv/selftest/selftest.h"

static struct guest_machine m;
static EptListener el;

/* 4-level walk, WB, 2M and 1G pages, A/D bits (SDM A.10); EPT and PML
 * allowed in the secondary controls. */
static bool full_caps(EptCaps *caps)
{
    uint64_t ept_vpid_cap = (1ull << 6) | (1ull << 14) | (1ull << 16) | (1ull << 17) |
                            (1ull << 21);
    uint64_t procbased2 = ((1ull << 1) | (1ull << 17)) << 32; /* EPT, PML */

    return ept_caps_from_msrs(caps, ept_vpid_cap, procbased2, 39);
}

static bool setup(void)
{
    EptCaps caps;

    ST_CHECK(full_caps(&caps));
    ST_CHECK(selftest_machine_build(&m));
    if (ept_listener_init(&el, &caps, 64, &m.as_mem) != MR_OK) {
        selftest_machine_destroy(&m);
        return selftest_fail(__FILE__, __LINE__, "ept_listener_init");
    }
    return true;
}

static void teardown(void)
{
    ept_listener_destroy(&el);
    selftest_machine_destroy(&m);
}

static bool walk_is(uint64_t gpa, const void *host, unsigned perms, uint64_t page_size)
{
    EptWalk w;

    ST_CHECK(ept_walk(&el.ept, gpa, &w));
    ST_CHECK_EQ(w.hpa, plat_virt_to_phys(host));
    ST_CHECK_EQ(w.perms, perms);
    ST_CHECK_EQ(w.page_size, page_size);
    return true;
}

/* Like walk_is, whatever page size the host memory's alignment allowed. */
static bool walk_maps(uint64_t gpa, const void *host, unsigned perms)
{
    EptWalk w;

    ST_CHECK(ept_walk(&el.ept, gpa, &w));
    ST_CHECK_EQ(w.hpa, plat_virt_to_phys(host));
    ST_CHECK_EQ(w.perms, perms);
    return true;
}

static bool walk_absent(uint64_t gpa)
{
    EptWalk w;

    ST_CHECK(!ept_walk(&el.ept, gpa, &w));
    ST_CHECK(!w.present);
    return true;
}

static bool test_sample_map(void)
{
    uint8_t *ram, *bios;
    bool ok;

    if (!setup())
        return false;
    ram = memory_region_get_ram_ptr(&m.ram);
    bios = memory_region_get_ram_ptr(&m.bios);
    ok = ept_listener_check(&el, NULL, NULL) == 0 &&
         /* RAM above 2 MiB: large pages when the host block allows it */
         walk_is(0x200123, ram + 0x200123, EPT_PERM_RWX,
                 ((plat_virt_to_phys(ram) & 0x1fffff) ? 0x1000 : 0x200000)) &&
         walk_is(0x9ffff, ram + 0x9ffff, EPT_PERM_RWX, 0x1000) &&
         walk_absent(GM_HOLE_START) && walk_absent(GM_TESTDEV_BASE + 8) &&
         walk_absent(0x20000000) &&
         /* ROM and its alias: read and execute only */
         walk_is(GM_BIOS_BASE + 0x10, bios + 0x10, EPT_PERM_R | EPT_PERM_X, 0x1000) &&
         walk_is(GM_ISA_BIOS_BASE + 0x10, bios + 0x10, EPT_PERM_R | EPT_PERM_X, 0x1000);
    teardown();
    return ok;
}

/* Moves the test device to `at` (overlapping RAM when it is there). */
static bool move_testdev(hwaddr at)
{
    memory_region_transaction_begin();
    memory_region_del_subregion(&m.system, &m.td.container);
    memory_region_add_subregion_overlap(&m.system, at, &m.td.container, 2);
    ST_CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    ST_CHECK_EQ(ept_listener_check(&el, NULL, NULL), 0);
    return true;
}

/* Moving the test device into RAM and back: the hole opens and closes,
 * the checker passes after each commit, one INVEPT for the commit that
 * took a RAM mapping away. */
static bool moves(uint8_t *ram)
{
    uint64_t inv = el.ept.stats.invalidations;

    ST_CHECK(move_testdev(0x300000));
    ST_CHECK(walk_absent(0x300000));
    ST_CHECK(walk_is(0x301000, ram + 0x301000, EPT_PERM_RWX, 0x1000));
    ST_CHECK(walk_absent(GM_TESTDEV_BASE));
    ST_CHECK_EQ(el.ept.stats.invalidations, inv + 1);
    ST_CHECK(move_testdev(GM_TESTDEV_BASE));
    ST_CHECK(walk_maps(0x300000, ram + 0x300000, EPT_PERM_RWX));
    ST_CHECK(walk_absent(GM_TESTDEV_BASE));
    return true;
}

static bool test_move_over_ram(void)
{
    bool ok;

    if (!setup())
        return false;
    ok = moves(memory_region_get_ram_ptr(&m.ram));
    teardown();
    return ok;
}

static const struct selftest tests[] = {
    {"sample_map", test_sample_map},
    {"move_over_ram", test_move_over_ram},
};

SELFTEST_GROUP(selftest_group_ept, "ept", tests);
