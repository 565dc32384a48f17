/*
 * Dirty logging through the EPT, for each strategy (PML, A/D flags,
 * write protection), driven by the simulated CPU with its TLB:
 *  - logging splits the region to 4 KiB logged leaves; stopping merges back;
 *  - a page written since the last harvest is reported exactly once;
 *  - a page only read is never reported;
 *  - writes straddling two pages report both; writes through an alias
 *    report the aliased RAM's page;
 *  - a write in the window between a harvest and its INVEPT is reported in
 *    that harvest or the next, never lost;
 *  - a PML-full exit in the middle of many writes loses nothing;
 *  - harvesting with nothing written asks for no INVEPT;
 *  - a logged range that leaves the flat view (disabled, moved, covered by
 *    an MMIO overlay, replaced in the same commit by another logged view of
 *    the RAM) loses nothing: the pages written before the change are
 *    reported, to the region they were written in, exactly once.
 */
#include "ept/ept_listener.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "ept_sim.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define RAM_GPA 0x100000000ull  /* 4 GiB */
#define ALIAS_GPA 0x200000000ull
#define RAM_SIZE (8 * MiB)
#define PAGES (RAM_SIZE / 4096)

struct env {
    MemoryRegion root, ram, alias;
    AddressSpace as;
    EptListener el;
    EptPml pml;
    EptSim sim;
    uint8_t *buf;
    EptDirtyMode mode;
};

static EptCaps caps_for(EptDirtyMode mode)
{
    EptCaps c = { .page_2m = true, .page_1g = true };

    c.ad = mode != EPT_DIRTY_WP;
    c.pml = mode == EPT_DIRTY_PML;
    return c;
}

static void env_init(struct env *e, EptDirtyMode mode)
{
    EptCaps caps = caps_for(mode);

    memset(e, 0, sizeof(*e));
    e->mode = mode;
    e->buf = aligned_alloc(2 * MiB, RAM_SIZE);
    memory_region_init(&e->root, "system", MR_SIZE_2_64);
    address_space_init(&e->as, &e->root, "memory");
    memory_region_init_ram_ptr(&e->ram, "ram", RAM_SIZE, e->buf);
    memory_region_init_alias(&e->alias, "ram-alias", &e->ram, 1 * MiB, 2 * MiB);
    memory_region_add_subregion(&e->root, RAM_GPA, &e->ram);
    memory_region_add_subregion(&e->root, ALIAS_GPA, &e->alias);
    CHECK_EQ(ept_listener_init(&e->el, &caps, 64, &e->as), MR_OK);
    CHECK_EQ(e->el.ept.mode, mode);
    ept_sim_attach(&e->sim, &e->el.ept);
    if (mode == EPT_DIRTY_PML) {
        CHECK_EQ(ept_pml_init(&e->pml), MR_OK);
        ept_pml_attach(&e->el, &e->pml);
        ept_sim_set_pml(&e->sim, e->pml.log, &e->pml.index);
    }
}

static void env_fini(struct env *e)
{
    if (e->mode == EPT_DIRTY_PML) {
        ept_pml_detach(&e->el, &e->pml);
        ept_pml_destroy(&e->pml);
    }
    ept_listener_destroy(&e->el);
    memory_region_set_log(&e->ram, false, DIRTY_MEMORY_MIGRATION);
    memory_region_del_subregion(&e->root, &e->ram);
    memory_region_del_subregion(&e->root, &e->alias);
    address_space_destroy(&e->as);
    memory_region_destroy(&e->alias);
    memory_region_destroy(&e->ram);
    memory_region_destroy(&e->root);
    free(e->buf);
}

/* The exit handler: PML-full drains, write-protect faults are resolved. */
static EptSimResult guest_access(struct env *e, uint64_t gpa, void *p, size_t len, bool write)
{
    for (int tries = 0; tries < 8; tries++) {
        EptSimResult r = ept_sim_access(&e->sim, gpa, p, len, write);
        if (r == SIM_PML_FULL) {
            ept_pml_drain(&e->el, &e->pml);
            continue;
        }
        if (r == SIM_VIOLATION && e->sim.fault_write && ept_wp_fault(&e->el, e->sim.fault_gpa))
            continue;
        return r;
    }
    return SIM_MISCONFIG;
}

static void gwrite(struct env *e, uint64_t gpa, size_t len)
{
    uint8_t data[64];

    memset(data, 0xa5, sizeof(data));
    CHECK_EQ(guest_access(e, gpa, data, len, true), SIM_OK);
}

static void gread(struct env *e, uint64_t gpa, size_t len)
{
    uint8_t data[64];

    CHECK_EQ(guest_access(e, gpa, data, len, false), SIM_OK);
}

/* Harvests, returns the dirty pages (RAM page indices) as a bitmap string
 * "3,5,100" and resets the client's bitmap. */
static const char *harvest(struct env *e)
{
    static char out[4096];
    size_t n = 0;

    memory_region_sync_dirty_bitmap(&e->ram);
    out[0] = 0;
    for (uint64_t p = 0; p < PAGES; p++)
        if (memory_region_get_dirty(&e->ram, p * 4096, 4096, DIRTY_MEMORY_MIGRATION) &&
            n < sizeof(out) - 16)
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%" PRIu64, n ? "," : "", p);
    memory_region_reset_dirty(&e->ram, 0, RAM_SIZE, DIRTY_MEMORY_MIGRATION);
    return out;
}

static void check_ept(struct env *e)
{
    CHECK_EQ(ept_listener_check(&e->el, NULL, NULL), 0);
    CHECK_EQ(e->sim.misconfigs, 0);
}

static void start_logging(struct env *e)
{
    EptWalk w;

    CHECK(ept_walk(&e->el.ept, RAM_GPA, &w));
    CHECK_EQ(w.page_size, 2 * MiB);
    gwrite(e, RAM_GPA + 3 * 4096, 8); /* before logging: not reported */
    CHECK_EQ(memory_region_set_log(&e->ram, true, DIRTY_MEMORY_MIGRATION), MR_OK);
    CHECK(ept_walk(&e->el.ept, RAM_GPA, &w));
    CHECK_EQ(w.page_size, 4096);
    CHECK(w.soft & EPT_SOFT_LOG);
    CHECK_EQ(w.perms, e->mode == EPT_DIRTY_WP ? 5u : 7u);
    check_ept(e);
    CHECK_STR(harvest(e), "");
}

static void run_semantics(EptDirtyMode mode)
{
    struct env e;
    EptWalk w;
    unsigned long flushes;

    env_init(&e, mode);
    start_logging(&e);

    /* Written pages exactly once; read pages never. */
    gwrite(&e, RAM_GPA + 0, 1);
    gwrite(&e, RAM_GPA + 5 * 4096 + 100, 4);
    gwrite(&e, RAM_GPA + 5 * 4096 + 200, 4);
    gwrite(&e, RAM_GPA + 100 * 4096, 8);
    gread(&e, RAM_GPA + 7 * 4096, 8);
    gread(&e, RAM_GPA + 8 * 4096, 64);
    CHECK_EQ(e.buf[5 * 4096 + 100], 0xa5);
    CHECK_STR(harvest(&e), "0,5,100");
    CHECK_STR(harvest(&e), "");
    /* Written again after the harvest: reported again. */
    gwrite(&e, RAM_GPA + 5 * 4096, 1);
    gread(&e, RAM_GPA + 100 * 4096, 8);
    CHECK_STR(harvest(&e), "5");

    /* Straddling two pages; through the alias (RAM offset 1 MiB). */
    gwrite(&e, RAM_GPA + 10 * 4096 - 4, 8);
    gwrite(&e, ALIAS_GPA + 3 * 4096 + 16, 8);
    CHECK_EQ(e.buf[1 * MiB + 3 * 4096 + 16], 0xa5);
    CHECK_STR(harvest(&e), "9,10,259");
    check_ept(&e);

    /* Nothing written: no INVEPT for the harvest. */
    flushes = e.sim.flushes;
    CHECK_STR(harvest(&e), "");
    CHECK_EQ(e.sim.flushes, flushes);
    /* Something written: exactly one per harvest of the region's sections. */
    gwrite(&e, RAM_GPA + 42 * 4096, 1);
    CHECK_STR(harvest(&e), "42");
    CHECK(e.sim.flushes >= flushes + 1);

    /* Many writes, across a PML-full exit in PML mode. */
    for (uint64_t p = 1000; p < 1600; p++)
        gwrite(&e, RAM_GPA + p * 4096 + 8, 1);
    if (mode == EPT_DIRTY_PML)
        CHECK(e.sim.pml_full >= 1);
    const char *h = harvest(&e);
    CHECK(strncmp(h, "1000,1001,", 10) == 0);
    CHECK(strstr(h, ",1599") != NULL && strlen(h) == 600 * 5 - 1);
    CHECK_STR(harvest(&e), "");

    /* Stopping merges back to large pages. */
    CHECK_EQ(memory_region_set_log(&e.ram, false, DIRTY_MEMORY_MIGRATION), MR_OK);
    CHECK(ept_walk(&e.el.ept, RAM_GPA + 5 * 4096, &w));
    CHECK_EQ(w.page_size, 2 * MiB);
    CHECK_EQ(w.perms, 7);
    CHECK(!(w.soft & EPT_SOFT_LOG));
    check_ept(&e);
    gwrite(&e, RAM_GPA + 5 * 4096, 1);
    env_fini(&e);
}

/* A second vCPU writing in the window between harvest and INVEPT. */
struct race {
    struct env *e;
};

static void racing_writes(EptSim *sim, void *opaque)
{
    struct race *r = opaque;

    (void)sim;
    gwrite(r->e, RAM_GPA + 20 * 4096 + 1, 1); /* cached dirty/writable */
    gwrite(r->e, RAM_GPA + 21 * 4096 + 1, 1); /* clean, not cached */
}

static void run_race(EptDirtyMode mode)
{
    struct env e;
    struct race r = { &e };
    const char *h1, *h2;
    char first[64];

    env_init(&e, mode);
    start_logging(&e);
    gwrite(&e, RAM_GPA + 20 * 4096, 1);
    e.sim.before_flush = racing_writes;
    e.sim.before_flush_opaque = &r;
    h1 = harvest(&e);
    snprintf(first, sizeof(first), "%s", h1);
    CHECK(e.sim.before_flush == NULL); /* the window was played */
    h2 = harvest(&e);
    /* 20 was written before and during: in the first harvest.  21 only in
     * the window: the first or the second, and in exactly one of them. */
    CHECK(strstr(first, "20") == first);
    CHECK((strcmp(first, "20,21") == 0) != (strcmp(h2, "21") == 0));
    CHECK_STR(harvest(&e), "");
    CHECK_EQ(e.buf[21 * 4096 + 1], 0xa5);
    env_fini(&e);
}

static void test_pml(void)
{
    run_semantics(EPT_DIRTY_PML);
    run_race(EPT_DIRTY_PML);
}

static void test_ad(void)
{
    run_semantics(EPT_DIRTY_AD);
    run_race(EPT_DIRTY_AD);
}

static void test_wp(void)
{
    run_semantics(EPT_DIRTY_WP);
    run_race(EPT_DIRTY_WP);
}

/* Write-protect faults that are not the logger's stay violations. */
static void test_wp_fault_filter(void)
{
    struct env e;
    uint8_t b = 1;

    env_init(&e, EPT_DIRTY_WP);
    CHECK(!ept_wp_fault(&e.el, RAM_GPA));      /* not logging: W is there */
    CHECK(!ept_wp_fault(&e.el, 0x300000000ull)); /* unmapped */
    memory_region_set_readonly(&e.ram, true);
    memory_region_set_log(&e.ram, true, DIRTY_MEMORY_VGA);
    CHECK_EQ(ept_sim_write(&e.sim, RAM_GPA, &b, 1), SIM_VIOLATION);
    CHECK(!ept_wp_fault(&e.el, RAM_GPA));      /* read-only RAM: a real trap */
    memory_region_set_readonly(&e.ram, false);
    CHECK_EQ(ept_sim_write(&e.sim, RAM_GPA, &b, 1), SIM_VIOLATION);
    CHECK(ept_wp_fault(&e.el, RAM_GPA));
    CHECK_EQ(ept_sim_write(&e.sim, RAM_GPA, &b, 1), SIM_OK);
    CHECK(memory_region_get_dirty(&e.ram, 0, 4096, DIRTY_MEMORY_VGA));
    memory_region_set_log(&e.ram, false, DIRTY_MEMORY_VGA);
    env_fini(&e);
}

/* A PML index the VMX code corrupted is reported, not trusted. */
static void test_pml_bad_index(void)
{
    struct env e;

    env_init(&e, EPT_DIRTY_PML);
    e.pml.index = 700;
    CHECK_EQ(ept_pml_drain(&e.el, &e.pml), 512);
    CHECK(strstr(plat_host_last_log(), "PML index 700") != NULL);
    CHECK_EQ(e.pml.index, 511);
    CHECK_EQ(ept_pml_drain(&e.el, &e.pml), 0);
    env_fini(&e);
}

/* The slots the CPU has not reached yet hold a value it never logs (low
 * bits set): a write into the PML buffer by anyone but the CPU is found,
 * and what the CPU logged passes, before and after drains. */
static void test_pml_canary(void)
{
    struct env e;
    uint8_t b = 1;

    env_init(&e, EPT_DIRTY_PML);
    CHECK_EQ(ept_pml_check(&e.pml, NULL), 0);
    memory_region_set_log(&e.ram, true, DIRTY_MEMORY_VGA);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(ept_sim_write(&e.sim, RAM_GPA + i * 4096, &b, 1), SIM_OK);
    CHECK_EQ(e.pml.index, 508);
    CHECK_EQ(ept_pml_check(&e.pml, NULL), 0);      /* 3 logged, 509 unused */
    e.pml.log[0] = 0;                        /* unused slots written */
    e.pml.log[508] = RAM_GPA;                /* (the next the CPU fills) */
    {
        unsigned first = 9999;
        CHECK_EQ(ept_pml_check(&e.pml, &first), 2);
        CHECK_EQ(first, 0);
    }
    e.pml.log[508] = EPT_PML_UNUSED;
    e.pml.log[0] = EPT_PML_UNUSED;
    ept_pml_drain(&e.el, &e.pml);
    CHECK_EQ(ept_pml_check(&e.pml, NULL), 0);      /* a drain refills every slot */
    e.pml.index = 0xffff;                    /* all 512 logged: none unused */
    CHECK_EQ(ept_pml_check(&e.pml, NULL), 0);
    e.pml.index = 700;                       /* a bad index: nothing trusted */
    CHECK_EQ(ept_pml_check(&e.pml, NULL), 0);
    e.pml.index = 511;
    memory_region_set_log(&e.ram, false, DIRTY_MEMORY_VGA);
    env_fini(&e);
}

/* ------------------------------------------ logged ranges leaving the view */

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque, (void)addr, (void)size;
    return 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (void)opaque, (void)addr, (void)v, (void)size;
}

static const MemoryRegionOps mmio_ops = { .read = mmio_read, .write = mmio_write };

#define MOVED_GPA (RAM_GPA + 64 * MiB)

/* Pages written, then the region disabled: reported although the region
 * has no range left for memory_region_sync_dirty_bitmap to ask about. */
static void leave_disabled(struct env *e)
{
    gwrite(e, RAM_GPA + 3 * 4096, 8);
    gwrite(e, RAM_GPA + 7 * 4096 + 4092, 8); /* straddles 7|8 */
    gwrite(e, ALIAS_GPA + 2 * 4096, 1);      /* RAM page 258, through the alias */
    CHECK_EQ(memory_region_set_enabled(&e->ram, false), MR_OK);
    CHECK_EQ(memory_region_set_enabled(&e->alias, false), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "3,7,8,258");
    CHECK_STR(harvest(e), "");
    CHECK_EQ(memory_region_set_enabled(&e->ram, true), MR_OK);
    CHECK_EQ(memory_region_set_enabled(&e->alias, true), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "");
    gwrite(e, RAM_GPA + 9 * 4096, 1); /* logged again where it came back */
    CHECK_STR(harvest(e), "9");
}

/* Pages written, then the region moved; in the same commit the alias
 * (another logged view of the same RAM, 1 MiB further in) takes the old
 * place: the writes belong to the pages they were made to, not to what
 * is there after the move. */
static void leave_moved(struct env *e)
{
    gwrite(e, RAM_GPA + 4 * 4096, 8);
    gwrite(e, RAM_GPA + 200 * 4096, 8);
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_address(&e->ram, MOVED_GPA), MR_OK);
    CHECK_EQ(memory_region_set_address(&e->alias, RAM_GPA), MR_OK);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "4,200");
    gwrite(e, MOVED_GPA + 5 * 4096, 1);
    gwrite(e, RAM_GPA + 6 * 4096, 1); /* the alias now: RAM page 262 */
    CHECK_STR(harvest(e), "5,262");
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_address(&e->alias, ALIAS_GPA), MR_OK);
    CHECK_EQ(memory_region_set_address(&e->ram, RAM_GPA), MR_OK);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "");
}

/* Pages written, then an MMIO region laid over one of them at a higher
 * priority: the covered page is reported, and so is its neighbour that
 * stays mapped, once. */
static void leave_covered(struct env *e)
{
    MemoryRegion mmio;

    CHECK_EQ(memory_region_init_io(&mmio, &mmio_ops, NULL, "overlay", 4096), MR_OK);
    gwrite(e, RAM_GPA + 10 * 4096, 8);
    gwrite(e, RAM_GPA + 11 * 4096, 8);
    CHECK_EQ(memory_region_add_subregion_overlap(&e->root, RAM_GPA + 10 * 4096, &mmio, 1),
             MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "10,11");
    CHECK_STR(harvest(e), "");
    gwrite(e, RAM_GPA + 11 * 4096, 8); /* still logged beside the overlay */
    CHECK_STR(harvest(e), "11");
    /* the overlay moves onto a written page */
    gwrite(e, RAM_GPA + 30 * 4096 + 8, 8);
    CHECK_EQ(memory_region_set_address(&mmio, RAM_GPA + 30 * 4096), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "30");
    CHECK_EQ(memory_region_del_subregion(&e->root, &mmio), MR_OK);
    CHECK_EQ(memory_region_destroy(&mmio), MR_OK);
    check_ept(e);
    CHECK_STR(harvest(e), "");
    gwrite(e, RAM_GPA + 30 * 4096, 1);
    CHECK_STR(harvest(e), "30");
}

static void run_leaves(EptDirtyMode mode)
{
    struct env e;

    env_init(&e, mode);
    start_logging(&e);
    leave_disabled(&e);
    leave_moved(&e);
    leave_covered(&e);
    check_ept(&e);
    env_fini(&e);
}

static void test_leave_view_pml(void)
{
    run_leaves(EPT_DIRTY_PML);
}

static void test_leave_view_ad(void)
{
    run_leaves(EPT_DIRTY_AD);
}

static void test_leave_view_wp(void)
{
    run_leaves(EPT_DIRTY_WP);
}

int main(void)
{
    RUN(test_pml);
    RUN(test_ad);
    RUN(test_wp);
    RUN(test_wp_fault_filter);
    RUN(test_pml_bad_index);
    RUN(test_pml_canary);
    RUN(test_leave_view_pml);
    RUN(test_leave_view_ad);
    RUN(test_leave_view_wp);
    return test_summary("test_ept_dirty");
}
