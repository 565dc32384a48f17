/*
 * The flat-view listener: EPT == flat view after every commit (checker and
 * walker), permissions per region kind, partial pages, the width limit,
 * one INVEPT per commit that narrowed something and none otherwise,
 * incremental updates (a BAR move in a 4 GiB guest touches a bounded number
 * of entries), pool exhaustion keeping the last good view, teardown.
 */
#include "ept/ept_listener.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "ept_sim.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

static const EptCaps caps_all = { .page_2m = true, .page_1g = true, .ad = true, .pml = true };

/* A fake host range for big guests: the EPT never touches guest RAM. */
#define FAKE_HOST ((void *)(uintptr_t)0x100000000000ull)

static uint64_t io_read(void *o, hwaddr a, unsigned s)
{
    (void)o, (void)a, (void)s;
    return 0;
}

static void io_write(void *o, hwaddr a, uint64_t d, unsigned s)
{
    (void)o, (void)a, (void)d, (void)s;
}

static const MemoryRegionOps io_ops = { .read = io_read, .write = io_write };

static void print_line(void *opaque, const char *line)
{
    (void)opaque;
    fprintf(stderr, "  %s\n", line);
}

struct capture {
    char text[4096];
    size_t n;
};

static void capture_line(void *opaque, const char *line)
{
    struct capture *c = opaque;

    c->n += (size_t)snprintf(c->text + c->n, sizeof(c->text) - c->n, "%s\n", line);
    if (c->n >= sizeof(c->text))
        c->n = sizeof(c->text) - 1;
}

static size_t check(EptListener *el)
{
    return ept_listener_check(el, print_line, NULL);
}

static uint64_t host(const void *p)
{
    return plat_virt_to_phys(p);
}

/* The whole mapping state, for "nothing changed" comparisons. */
struct snap {
    uint64_t v[3 * 4096];
    size_t n;
};

static void snap_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct snap *s = opaque;

    if (s->n + 3 <= ARRAY_SIZE(s->v)) {
        s->v[s->n++] = gpa;
        s->v[s->n++] = (uint64_t)level;
        s->v[s->n++] = *pe & ~EPT_E_AD;
    }
}

static void take_snap(const EptContext *c, struct snap *s)
{
    s->n = 0;
    ept_for_each_leaf(c, 0, c->max_gpa, snap_leaf, s);
}

static void test_kinds(void)
{
    MemoryRegion root, ram, rom, io, romd, ro;
    AddressSpace as;
    EptListener el;
    EptWalk w;
    uint8_t *ram_buf = aligned_alloc(2 * MiB, 16 * MiB);
    long pages0 = plat_host_live_pages();
    unsigned long inv0;

    CHECK_EQ(memory_region_init(&root, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(address_space_init(&as, &root, "memory"), MR_OK);
    CHECK_EQ(ept_listener_init(&el, &caps_all, 256, &as), MR_OK);
    CHECK_EQ(el.ept.mode, EPT_DIRTY_PML);
    CHECK_EQ(memory_region_init_ram_ptr(&ram, "ram", 16 * MiB, ram_buf), MR_OK);
    CHECK_EQ(memory_region_init_rom(&rom, "bios", 64 * KiB), MR_OK);
    CHECK_EQ(memory_region_init_io(&io, &io_ops, NULL, "mmio", 0x100), MR_OK);
    CHECK_EQ(memory_region_init_rom_device(&romd, &io_ops, NULL, "flash", 8 * KiB), MR_OK);
    CHECK_EQ(memory_region_init_ram(&ro, "ro", 8 * KiB), MR_OK);
    memory_region_set_readonly(&ro, true);

    inv0 = plat_host_invept_count();
    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0xfff00000, &rom);
    memory_region_add_subregion_overlap(&root, 0x200080, &io, 1); /* inside RAM, unaligned */
    memory_region_add_subregion(&root, 0xe0000000, &romd);
    memory_region_add_subregion(&root, 0xd0000000, &ro);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(plat_host_invept_count(), inv0); /* only holes filled */
    CHECK_EQ(check(&el), 0);

    CHECK(ept_walk(&el.ept, 0x100000, &w));
    CHECK_EQ(w.perms, 7);
    CHECK_EQ(w.hpa, host(ram_buf) + 0x100000);
    CHECK_EQ(w.page_size, 2 * MiB);
    CHECK(ept_walk(&el.ept, 0x300000, &w));
    CHECK_EQ(w.page_size, 4 * KiB); /* this 2 MiB page holds the MMIO page */
    CHECK(ept_walk(&el.ept, 0x800000, &w));
    CHECK_EQ(w.page_size, 2 * MiB);
    CHECK(!ept_walk(&el.ept, 0x200000, &w)); /* page shared with MMIO: traps */
    CHECK(ept_walk(&el.ept, 0x1ff000, &w));
    CHECK(ept_walk(&el.ept, 0x201000, &w));
    CHECK(ept_walk(&el.ept, 0xfff00000, &w));
    CHECK_EQ(w.perms, EPT_PERM_R | EPT_PERM_X); /* ROM: writes trap */
    CHECK(ept_walk(&el.ept, 0xd0000000, &w));
    CHECK_EQ(w.perms, EPT_PERM_R | EPT_PERM_X); /* read-only RAM */
    CHECK(ept_walk(&el.ept, 0xe0000000, &w));   /* ROM device, romd mode */
    CHECK_EQ(w.perms, EPT_PERM_R | EPT_PERM_X);
    CHECK(!ept_walk(&el.ept, 0x40000000, &w));  /* unassigned */

    /* ROM device to ops mode: unmapped, one INVEPT; back: none. */
    inv0 = plat_host_invept_count();
    CHECK_EQ(memory_region_rom_device_set_romd(&romd, false), MR_OK);
    CHECK(!ept_walk(&el.ept, 0xe0000000, &w));
    CHECK_EQ(plat_host_invept_count(), inv0 + 1);
    CHECK_EQ(memory_region_rom_device_set_romd(&romd, true), MR_OK);
    CHECK_EQ(plat_host_invept_count(), inv0 + 1);
    CHECK_EQ(check(&el), 0);

    /* Read-only RAM made writable gains W without INVEPT. */
    memory_region_set_readonly(&ro, false);
    CHECK(ept_walk(&el.ept, 0xd0001000, &w));
    CHECK_EQ(w.perms, 7);
    CHECK_EQ(plat_host_invept_count(), inv0 + 1);

    /* Several removals in one transaction: exactly one INVEPT. */
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &rom);
    memory_region_del_subregion(&root, &ro);
    memory_region_del_subregion(&root, &io);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(plat_host_invept_count(), inv0 + 2);
    CHECK(ept_walk(&el.ept, 0x200000, &w)); /* the MMIO page is RAM again... */
    CHECK_EQ(w.page_size, 2 * MiB);         /* ...and merged back */
    CHECK_EQ(check(&el), 0);

    /* The checker notices a tampered entry. */
    CHECK(ept_walk(&el.ept, 0x800000, &w));
    *w.leaf &= ~EPT_E_W;
    CHECK_EQ(ept_listener_check(&el, NULL, NULL), 1);
    *w.leaf |= EPT_E_W;
    CHECK(ept_walk(&el.ept, 0x40000000, &w) == false);

    ept_listener_destroy(&el);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &romd);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
    memory_region_destroy(&rom);
    memory_region_destroy(&io);
    memory_region_destroy(&romd);
    memory_region_destroy(&ro);
    memory_region_destroy(&root);
    CHECK_EQ(plat_host_live_pages(), pages0);
    free(ram_buf);
}

static void test_alias_and_width(void)
{
    MemoryRegion root, ram, alias, far;
    AddressSpace as;
    EptListener el;
    EptCaps caps = caps_all;
    EptWalk w;

    caps.gpa_width = 39;
    memory_region_init(&root, "system", MR_SIZE_2_64);
    address_space_init(&as, &root, "memory");
    CHECK_EQ(ept_listener_init(&el, &caps, 64, &as), MR_OK);
    memory_region_init_ram_ptr(&ram, "ram", GiB, FAKE_HOST);
    memory_region_init_alias(&alias, "ram-hi", &ram, 512 * MiB, 512 * MiB);
    memory_region_init_ram_ptr(&far, "far", 2 * GiB, (uint8_t *)FAKE_HOST + 4 * GiB);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 4 * GiB, &alias);
    CHECK(ept_walk(&el.ept, 4 * GiB + 0x1234, &w));
    CHECK_EQ(w.hpa, 0x100000000000ull + 512 * MiB + 0x1234);
    CHECK_EQ(w.page_size, 2 * MiB);
    /* Straddling the 2^39 limit: the part below is mapped, the rest not. */
    memory_region_add_subregion(&root, (1ull << 39) - GiB, &far);
    CHECK(strstr(plat_host_last_log(), "beyond the 39-bit") != NULL);
    CHECK(ept_walk(&el.ept, (1ull << 39) - 4 * KiB, &w));
    CHECK(!ept_walk(&el.ept, 1ull << 39, &w));
    CHECK_EQ(check(&el), 0);
    ept_listener_destroy(&el);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &alias);
    memory_region_del_subregion(&root, &far);
    address_space_destroy(&as);
    memory_region_destroy(&alias);
    memory_region_destroy(&ram);
    memory_region_destroy(&far);
    memory_region_destroy(&root);
}

/* A BAR-style move of a 4 KiB MMIO region inside a 4 GiB guest. */
static void test_bar_move_is_incremental(void)
{
    MemoryRegion root, ram, bar;
    AddressSpace as;
    EptListener el;
    EptWalk w;
    uint64_t written, allocated, root_hpa;
    unsigned long inv0;

    memory_region_init(&root, "system", MR_SIZE_2_64);
    address_space_init(&as, &root, "memory");
    CHECK_EQ(ept_listener_init(&el, &caps_all, 64, &as), MR_OK);
    memory_region_init_ram_ptr(&ram, "ram", 4 * GiB, FAKE_HOST);
    memory_region_init_io(&bar, &io_ops, NULL, "bar0", 4 * KiB);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion_overlap(&root, 0x80000000, &bar, 1);
    CHECK_EQ(check(&el), 0);
    root_hpa = el.ept.root_hpa;
    written = el.ept.stats.entries_written;
    allocated = el.ept.stats.tables_allocated;
    inv0 = plat_host_invept_count();

    CHECK_EQ(memory_region_set_address(&bar, 0xc0123000), MR_OK);
    CHECK_EQ(check(&el), 0);
    /* Old place: its PTE, then merged back to 2M and to 1G (3 stores);
     * new place split 1G -> 2M -> 4K (512 + 512 derived, 2 table
     * pointers, 1 hole).  A rebuild would rewrite everything. */
    CHECK_EQ(el.ept.stats.entries_written - written, 3 + 512 + 512 + 2 + 1);
    CHECK_EQ(el.ept.stats.tables_allocated - allocated, 2);
    CHECK_EQ(el.ept.root_hpa, root_hpa);
    CHECK_EQ(plat_host_invept_count(), inv0 + 1);
    CHECK(ept_walk(&el.ept, 0x80000000, &w));
    CHECK_EQ(w.page_size, GiB);
    CHECK(!ept_walk(&el.ept, 0xc0123000, &w));
    CHECK_EQ(el.ept.pool.in_use, 4);

    /* A second move within the same 2 MiB page only rewrites two PTEs. */
    written = el.ept.stats.entries_written;
    CHECK_EQ(memory_region_set_address(&bar, 0xc0124000), MR_OK);
    CHECK_EQ(el.ept.stats.entries_written - written, 2);
    CHECK_EQ(check(&el), 0);

    ept_listener_destroy(&el);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &bar);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
    memory_region_destroy(&bar);
    memory_region_destroy(&root);
}

static void test_pool_exhaustion_keeps_last_view(void)
{
    static struct snap before, after;
    MemoryRegion root, ram, holes[4];
    AddressSpace as;
    EptListener el;
    EptWalk w;
    long pages0 = plat_host_live_pages();

    memory_region_init(&root, "system", MR_SIZE_2_64);
    address_space_init(&as, &root, "memory");
    /* root + PDPT + one PD + one PT, and room for one more hole. */
    CHECK_EQ(ept_listener_init(&el, &caps_all, 6, &as), MR_OK);
    memory_region_init_ram_ptr(&ram, "ram", 4 * GiB, FAKE_HOST);
    memory_region_add_subregion(&root, 0, &ram);
    for (int i = 0; i < 4; i++)
        memory_region_init_io(&holes[i], &io_ops, NULL, "hole", 4 * KiB);
    memory_region_add_subregion_overlap(&root, 0x1000, &holes[0], 1);
    CHECK_EQ(check(&el), 0);
    take_snap(&el.ept, &before);

    /* Two holes elsewhere need 4 more tables: the commit fails whole. */
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(&root, GiB + 0x1000, &holes[1], 1);
    memory_region_add_subregion_overlap(&root, 2 * GiB + 0x1000, &holes[2], 1);
    CHECK_EQ(memory_region_transaction_commit(), MR_ENOMEM);
    take_snap(&el.ept, &after);
    CHECK_EQ(before.n, after.n);
    CHECK(memcmp(before.v, after.v, before.n * sizeof(uint64_t)) == 0);
    CHECK(ept_walk(&el.ept, GiB + 0x1000, &w)); /* still the old view */
    CHECK(ept_listener_check(&el, NULL, NULL) > 0); /* which now differs */
    CHECK_EQ(el.failed_commits, 1);

    /* Removing one of them lets the next commit catch up completely.
     * (Pages a commit frees count only after its INVEPT, so the budget
     * must cover the new tables next to the old ones.) */
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &holes[0]);
    memory_region_del_subregion(&root, &holes[2]);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(check(&el), 0);
    CHECK(!ept_walk(&el.ept, GiB + 0x1000, &w));
    CHECK(ept_walk(&el.ept, 0x1000, &w));

    ept_listener_destroy(&el);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &holes[1]);
    address_space_destroy(&as);
    for (int i = 0; i < 4; i++)
        memory_region_destroy(&holes[i]);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
    CHECK_EQ(plat_host_live_pages(), pages0);
}

static void test_teardown_and_dump(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    EptListener el;
    long pages0 = plat_host_live_pages(), allocs0 = plat_host_live_allocs();
    struct capture cap = { { 0 }, 0 };

    memory_region_init(&root, "system", MR_SIZE_2_64);
    address_space_init(&as, &root, "memory");
    CHECK_EQ(ept_listener_init(&el, &caps_all, 64, &as), MR_OK);
    memory_region_init_ram_ptr(&ram, "ram", 3 * GiB + 6 * MiB, FAKE_HOST);
    memory_region_add_subregion(&root, 0, &ram);
    CHECK(el.ept.pool.in_use > 1);
    ept_dump(&el.ept, capture_line, &cap);
    CHECK(strncmp(cap.text, "ept eptp ", 9) == 0);
    CHECK(strstr(cap.text, ": 3 x 1G, 3 x 2M, 0 x 4K, 3 tables\n") != NULL);
    CHECK(strstr(cap.text, "ept 0000000000000000-00000000bfffffff -> 0000100000000000 rwx 1G x3\n"
                           "ept 00000000c0000000-00000000c05fffff -> 00001000c0000000 rwx 2M x3\n") != NULL);
    /* Removing everything gives every table back but the root. */
    memory_region_del_subregion(&root, &ram);
    CHECK_EQ(el.ept.pool.in_use, 1);
    CHECK_EQ(ept_count_leaves(&el.ept), 0);
    memory_region_add_subregion(&root, 0, &ram);
    ept_listener_destroy(&el);
    CHECK_EQ(el.ept.pool.in_use, 0);
    memory_region_del_subregion(&root, &ram);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
    CHECK_EQ(plat_host_live_pages(), pages0);
    CHECK_EQ(plat_host_live_allocs(), allocs0);
}

int main(void)
{
    RUN(test_kinds);
    RUN(test_alias_and_width);
    RUN(test_bar_move_is_incremental);
    RUN(test_pool_exhaustion_keeps_last_view);
    RUN(test_teardown_and_dump);
    return test_summary("test_ept_listener");
}
