/*
 * Random region trees -> commit -> the EPT equals the flat view (checker)
 * and holds the fewest leaves the page sizes allow.
 *
 * A pool of regions (RAM at host addresses with different alignments,
 * ROM, MMIO, a ROM device, aliases, containers) is edited at random inside
 * an 8 GiB window: add with priorities, delete, move, enable, read-only,
 * ROMD mode, alias offset, dirty logging; one to three edits per
 * transaction.  The minimal-count oracle reads only the flat view: a block
 * of 1 GiB / 2 MiB counts one leaf when direct ranges cover it with one
 * continuous, aligned, unlogged mapping, otherwise its parts are counted;
 * a 4 KiB page counts one when it can be mapped at all.
 */
#include "ept/ept_listener.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define WINDOW (8 * GiB)
#define FAKE_HOST 0x100000000000ull

enum { NRAM = 4, NIO = 3, NALIAS = 2, NCONT = 2 };

struct tree {
    MemoryRegion root;
    MemoryRegion ram[NRAM], rom, io[NIO], romd, alias[NALIAS], cont[NCONT];
    MemoryRegion *all[NRAM + 1 + NIO + 1 + NALIAS + NCONT];
    size_t n;
    AddressSpace as;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

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

static void tree_init(struct tree *t)
{
    static const uint64_t ram_size[NRAM] = { GiB + 2 * MiB, 256 * MiB, 6 * MiB + 12 * KiB, 64 * KiB };
    /* Host placement: 1G aligned, 2M aligned, 4K aligned, 4K aligned. */
    static const uint64_t ram_host[NRAM] = { 0, 4 * GiB + 2 * MiB, 8 * GiB + 4 * KiB,
                                             12 * GiB + 36 * KiB };
    static const uint64_t io_size[NIO] = { 0x100, 4 * KiB, MiB };
    static const char *const ram_name[NRAM] = { "ram0", "ram1", "ram2", "ram3" };

    memset(t, 0, sizeof(*t));
    memory_region_init(&t->root, "system", MR_SIZE_2_64);
    for (int i = 0; i < NRAM; i++) {
        memory_region_init_ram_ptr(&t->ram[i], ram_name[i], ram_size[i],
                                   (void *)(uintptr_t)(FAKE_HOST + ram_host[i]));
        t->all[t->n++] = &t->ram[i];
    }
    memory_region_init_rom(&t->rom, "rom", 128 * KiB);
    t->all[t->n++] = &t->rom;
    for (int i = 0; i < NIO; i++) {
        memory_region_init_io(&t->io[i], &io_ops, NULL, "io", io_size[i]);
        t->all[t->n++] = &t->io[i];
    }
    memory_region_init_rom_device(&t->romd, &io_ops, NULL, "romd", 64 * KiB);
    t->all[t->n++] = &t->romd;
    memory_region_init_alias(&t->alias[0], "alias0", &t->ram[0], 2 * MiB, 512 * MiB);
    memory_region_init_alias(&t->alias[1], "alias1", &t->ram[1], 4 * KiB, 8 * MiB);
    t->all[t->n++] = &t->alias[0];
    t->all[t->n++] = &t->alias[1];
    for (int i = 0; i < NCONT; i++) {
        memory_region_init(&t->cont[i], "cont", 2 * GiB);
        t->all[t->n++] = &t->cont[i];
    }
    address_space_init(&t->as, &t->root, "memory");
}

static void tree_fini(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->all[i]->parent)
            memory_region_del_subregion(t->all[i]->parent, t->all[i]);
    address_space_destroy(&t->as);
    for (int i = 0; i < NRAM; i++)
        for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++)
            memory_region_set_log(&t->ram[i], false, c);
    /* Aliases first: they hold their targets. */
    for (size_t i = t->n; i-- > 0;)
        if (t->all[i]->kind == MR_KIND_ALIAS)
            memory_region_destroy(t->all[i]);
    for (size_t i = 0; i < t->n; i++)
        if (t->all[i]->kind != MR_KIND_ALIAS)
            memory_region_destroy(t->all[i]);
    memory_region_destroy(&t->root);
}

/* An address in [0, limit), biased to 1G, 2M and 4K boundaries. */
static uint64_t rnd_addr(uint64_t limit)
{
    switch (rnd() % 10) {
    case 0:
    case 1:
    case 2:
        return (rnd() % (limit / GiB)) * GiB;
    case 3:
    case 4:
    case 5:
        return (rnd() % (limit / (2 * MiB))) * 2 * MiB;
    case 6:
    case 7:
    case 8:
        return (rnd() % (limit / (4 * KiB))) * 4 * KiB;
    default:
        return (rnd() % limit) & ~0xfull;
    }
}

static void random_edit(struct tree *t)
{
    MemoryRegion *mr = t->all[rnd() % t->n];
    MemoryRegion *parent;

    switch (rnd() % 11) {
    case 0:
    case 9:
    case 10:
    case 1: /* add */
        if (mr->parent)
            return;
        parent = (rnd() % 3 == 0) ? &t->cont[rnd() % NCONT] : &t->root;
        if (parent == mr || (mr->kind == MR_KIND_CONTAINER && parent != &t->root))
            parent = &t->root;
        memory_region_add_subregion_overlap(parent, rnd_addr(parent == &t->root ? WINDOW : 2 * GiB),
                                            mr, (int)(rnd() % 5) - 2);
        return;
    case 2: /* delete */
        if (mr->parent)
            memory_region_del_subregion(mr->parent, mr);
        return;
    case 3: /* move */
        if (mr->parent)
            memory_region_set_address(mr, rnd_addr(mr->parent == &t->root ? WINDOW : 2 * GiB));
        return;
    case 4: /* disabling is rarer, or most of the pool ends up off */
        if (!mr->enabled || rnd() % 4 == 0)
            memory_region_set_enabled(mr, !mr->enabled);
        return;
    case 5:
        if (mr->kind == MR_KIND_RAM)
            memory_region_set_readonly(mr, !mr->readonly);
        else if (mr->kind == MR_KIND_ROMD)
            memory_region_rom_device_set_romd(mr, !mr->romd_mode);
        return;
    case 6:
        if (mr->kind == MR_KIND_ALIAS)
            memory_region_set_alias_offset(mr, (rnd() % 64) * 4 * KiB * ((rnd() & 1) ? 1 : 512));
        return;
    default: { /* logging, not on the 1 GiB RAM (keeps the run quick) */
        MemoryRegion *r = &t->ram[1 + rnd() % (NRAM - 1)];
        unsigned c = (unsigned)(rnd() % DIRTY_MEMORY_NUM);
        memory_region_set_log(r, !(r->dirty_log_mask & (1u << c)), c);
        return;
    }
    }
}

/* --------------------------------------------------------------- oracle */
static uint64_t hpa_at(const FlatRange *fr, uint64_t gpa)
{
    return plat_virt_to_phys(flatrange_ram_ptr(fr, gpa));
}

/* Is [s, s+size) one continuous mapping of direct ranges, and, for a
 * block (size > 4K), aligned and unlogged?  *any: a direct range meets it. */
static bool uniform(const FlatView *v, uint64_t s, uint64_t size, bool *any)
{
    size_t i = flatview_lower_bound(v, s);
    uint64_t pos = s, e = s + size - 1, h0 = 0;
    const FlatRange *f0 = NULL;
    bool ok = true;

    *any = false;
    for (; i < v->nr && v->ranges[i].start <= e; i++) {
        const FlatRange *fr = &v->ranges[i];
        if (fr->flags & FR_DIRECT_READ)
            *any = true;
        if (!ok)
            continue;
        if (!f0) {
            f0 = fr;
            h0 = (fr->flags & FR_DIRECT_READ) ? hpa_at(fr, MAX(s, fr->start)) - (MAX(s, fr->start) - s) : 0;
        }
        if (fr->start > pos || !(fr->flags & FR_DIRECT_READ) || fr->flags != f0->flags ||
            !fr->dirty_log_mask != !f0->dirty_log_mask ||
            hpa_at(fr, MAX(pos, fr->start)) != h0 + (MAX(pos, fr->start) - s))
            ok = false;
        pos = fr->last + 1;
        if (fr->last >= e)
            break;
    }
    if (!ok || !f0 || pos <= e || (h0 & (size - 1)))
        return false;
    return size == 4 * KiB || !f0->dirty_log_mask;
}

static size_t min_leaves(const FlatView *v, uint64_t s, int level)
{
    uint64_t size = ept_level_size(level), part = size / 512;
    bool any;
    size_t n = 0;

    if (uniform(v, s, size, &any))
        return 1;
    if (!any || level == 1)
        return 0;
    for (int i = 0; i < 512; i++)
        n += min_leaves(v, s + i * part, level - 1);
    return n;
}

static void print_line(void *opaque, const char *line)
{
    (void)opaque;
    fprintf(stderr, "  %s\n", line);
}

static void run(const EptCaps *caps, int steps)
{
    static struct tree t;
    EptListener el;
    size_t bad = 0, count_bad = 0;
    long pages0 = plat_host_live_pages();

    tree_init(&t);
    CHECK_EQ(ept_listener_init(&el, caps, 1u << 16, &t.as), MR_OK);
    for (int step = 0; step < steps; step++) {
        int edits = 1 + (int)(rnd() % 3);
        memory_region_transaction_begin();
        for (int k = 0; k < edits; k++)
            random_edit(&t);
        CHECK_EQ(memory_region_transaction_commit(), MR_OK);
        const FlatView *v = address_space_flatview(&t.as);
        size_t b = ept_listener_check(&el, bad ? NULL : print_line, NULL);
        size_t want = 0;
        for (uint64_t g = 0; g < 16 * GiB; g += GiB)
            want += caps->page_1g ? min_leaves(v, g, 3) : 0;
        if (!caps->page_1g)
            for (uint64_t g = 0; g < 16 * GiB; g += 2 * MiB)
                want += min_leaves(v, g, 2);
        if (want != ept_count_leaves(&el.ept)) {
            if (!count_bad)
                fprintf(stderr, "step %d: %zu leaves, minimum %zu\n", step,
                        ept_count_leaves(&el.ept), want);
            count_bad++;
        }
        bad += b;
        if (getenv("EPT_MODEL_VERBOSE")) {
            EptCounts n;
            ept_count(&el.ept, &n);
            fprintf(stderr, "step %d: ranges %zu leaves 1G %zu 2M %zu 4K %zu\n", step,
                    v ? v->nr : 0, n.leaves[3], n.leaves[2], n.leaves[1]);
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(count_bad, 0);
    ept_listener_destroy(&el);
    tree_fini(&t);
    CHECK_EQ(plat_host_live_pages(), pages0);
}

static void test_model_1g(void)
{
    EptCaps caps = { .page_2m = true, .page_1g = true, .ad = true, .pml = true };

    run(&caps, 300);
}

static void test_model_2m_wp(void)
{
    EptCaps caps = { .page_2m = true };

    run(&caps, 200);
}

int main(void)
{
    RUN(test_model_1g);
    RUN(test_model_2m_wp);
    return test_summary("test_ept_model");
}
