/*
 * Hypercalls on the guest machine (hv/guest/hypercall.c, docs/guest-abi.md
 * "Hypercalls"): address arguments go through the flat view in force (RAM
 * the guest reaches directly, nothing hidden under ROM or an overlay),
 * HC_PRINT is all or nothing, HC_REGION returns the memory API's error --
 * a failed commit included, with the map unchanged -- and the error codes
 * cannot be mistaken for each other.
 */
#include "hv/guest/hypercall.h"
#include "hv/guest/machine.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define MEM (16ull << 20)

static struct guest_machine m;
static uint8_t *ram;

static int64_t call(uint64_t fn, uint64_t b, uint64_t c, uint64_t d, uint64_t si)
{
    struct hc_call hc = {.fn = fn, .b = b, .c = c, .d = d, .si = si};

    return hypercall(&m, &hc, "test");
}

static void put_str(uint64_t gpa, const char *s)
{
    memcpy(ram + gpa, s, strlen(s) + 1);
}

static const char *region_at(uint64_t gpa)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(&m.as_mem), gpa);

    return fr ? memory_region_name(fr->mr) : "unassigned";
}

static void test_print(void)
{
    unsigned long before;

    put_str(0x300000, "hello from RAM");
    CHECK_EQ(call(HC_PRINT, 0x300000, 0, 0, 0), HC_OK);
    CHECK_STR(plat_host_last_log(), "guest: hello from RAM");

    /* RAM under the enabled overlay window is not the guest's to name */
    put_str(GM_OVERLAY_WINDOW, "hidden under the overlay");
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, true), MR_OK);
    before = plat_host_log_count();
    CHECK_EQ(call(HC_PRINT, GM_OVERLAY_WINDOW, 0, 0, 0), HC_EFAULT);
    CHECK_EQ(plat_host_log_count(), before);
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, false), MR_OK);
    CHECK_EQ(call(HC_PRINT, GM_OVERLAY_WINDOW, 0, 0, 0), HC_OK);
    CHECK_STR(plat_host_last_log(), "guest: hidden under the overlay");

    /* nor is the RAM under the BIOS alias at 0xe0000 */
    put_str(GM_ISA_BIOS_BASE, "under the BIOS alias");
    before = plat_host_log_count();
    CHECK_EQ(call(HC_PRINT, GM_ISA_BIOS_BASE, 0, 0, 0), HC_EFAULT);
    CHECK_EQ(plat_host_log_count(), before);

    /* a string that runs into the hole: refused whole, nothing printed */
    memset(ram + 0x9fff0, 'x', 16);
    before = plat_host_log_count();
    CHECK_EQ(call(HC_PRINT, 0x9fff0, 0, 0, 0), HC_EFAULT);
    CHECK_EQ(plat_host_log_count(), before);
    /* past the end of RAM, and an address that wraps */
    CHECK_EQ(call(HC_PRINT, MEM, 0, 0, 0), HC_EFAULT);
    CHECK_EQ(call(HC_PRINT, ~0ull, 0, 0, 0), HC_EFAULT);
    /* without a NUL: HC_PRINT_MAX bytes, one line */
    memset(ram + 0x310000, 'y', 400);
    CHECK_EQ(call(HC_PRINT, 0x310000, 0, 0, 0), HC_OK);
    CHECK_EQ(strlen(plat_host_last_log()), strlen("guest: ") + HC_PRINT_MAX);
}

static void test_region_errors(void)
{
    /* a move onto RAM overlaps a sibling: the memory API's code, offset */
    CHECK_EQ(call(HC_REGION, GM_ID_TESTDEV, HC_REGION_MOVE, 0x400000, 0),
             HC_EMEM(MR_EOVERLAP));
    CHECK_STR(region_at(GM_TESTDEV_BASE), "testdev.ctrl");
    CHECK_EQ(call(HC_REGION, 99, HC_REGION_ENABLE, 0, 0), HC_EINVAL);
    CHECK_EQ(call(HC_REGION, GM_ID_TESTDEV, 7, 0, 0), HC_EINVAL);

    /* the commit fails (no memory for the new view): the guest is told,
     * and the map is the one it had */
    for (long n = 0; n < 8; n++) {
        int64_t r;

        plat_host_fail_alloc_after(n);
        r = call(HC_REGION, GM_ID_TESTDEV, HC_REGION_MOVE, 0xfe000000, 0);
        plat_host_fail_alloc_after(-1);
        if (r == HC_OK) {
            CHECK_STR(region_at(0xfe000000), "testdev.ctrl");
            CHECK_EQ(call(HC_REGION, GM_ID_TESTDEV, HC_REGION_MOVE, GM_TESTDEV_BASE, 0), HC_OK);
            break;
        }
        CHECK_EQ(r, HC_EMEM(MR_ENOMEM));
        CHECK_STR(region_at(GM_TESTDEV_BASE), "testdev.ctrl");
        CHECK_STR(region_at(0xfe000000), "unassigned");
    }
    CHECK_STR(region_at(GM_TESTDEV_BASE), "testdev.ctrl");
}

static void test_codes_apart(void)
{
    int64_t codes[] = {HC_ENOSYS, HC_EFAULT, HC_EINVAL, HC_EMEM(MR_EINVAL), HC_EMEM(MR_EBUSY),
                       HC_EMEM(MR_ENOMEM), HC_EMEM(MR_ELOOP), HC_EMEM(MR_EOVERLAP),
                       HC_EMEM(MR_ENOENT), HC_EMEM(MR_ETYPE)};

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CHECK(codes[i] < 0);
        for (size_t j = 0; j < i; j++)
            CHECK(codes[i] != codes[j]);
    }
    CHECK_EQ(call(0x7777, 0, 0, 0, 0), HC_ENOSYS);
}

static void test_exit_and_dirty(void)
{
    struct hc_call hc = {.fn = HC_EXIT, .b = 3};

    CHECK_EQ(hypercall(&m, &hc, "test"), HC_OK);
    CHECK(hc.exit);
    CHECK_EQ(hc.status, 3);
    /* the harvest bitmap must be RAM the guest reaches: not under the
     * overlay window */
    CHECK_EQ(call(HC_DIRTY, HC_DIRTY_START, 0x400000, 0x10000, 0), HC_OK);
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, true), MR_OK);
    CHECK_EQ(call(HC_DIRTY, HC_DIRTY_HARVEST, 0x400000, 0x10000, GM_OVERLAY_WINDOW), HC_EFAULT);
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, false), MR_OK);
    ram[0x401000] = 1;
    memory_region_set_dirty(&m.ram, 0x401000, 1);
    CHECK_EQ(call(HC_DIRTY, HC_DIRTY_HARVEST, 0x400000, 0x10000, 0x500000), 1);
    CHECK_EQ(ram[0x500000], 2); /* bit 1: page 0x401000 */
    CHECK_EQ(call(HC_DIRTY, HC_DIRTY_STOP, 0x400000, 0x10000, 0), HC_OK);
    CHECK_EQ(call(HC_DIRTY, HC_DIRTY_START, 0x400001, 0x10000, 0), HC_EINVAL);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    ram = aligned_alloc(4096, MEM);
    if (!ram || machine_build(&m, ram, MEM) != MR_OK)
        return 1;
    RUN(test_print);
    RUN(test_region_errors);
    RUN(test_codes_apart);
    RUN(test_exit_and_dirty);
    machine_destroy(&m);
    free(ram);
    return test_summary("test_hypercall");
}
