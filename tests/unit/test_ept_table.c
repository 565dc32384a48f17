/*
 * EPT format layer, tables, pool and walker, without the memory API:
 * entry bits per the SDM, page-size choice, split and merge, invalidation
 * rules, pool exhaustion leaving the tables untouched, teardown, the
 * simulated CPU walking our tables, and a random differential run against
 * a page-array model with the minimal entry count as oracle.
 */
#include "ept/ept.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"
#include "ept_sim.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

static const EptCaps caps_all = { .page_2m = true, .page_1g = true, .ad = true, .pml = true };
static const EptCaps caps_2m = { .page_2m = true, .ad = true };
static const EptCaps caps_4k = { 0 };

/* A fake host-physical window: the EPT never touches guest RAM. */
#define HPA 0x40000000000ull

static void test_entry_format(void)
{
    uint64_t e = ept_e_make_leaf(0x123456789000ull, EPT_PERM_R | EPT_PERM_X, 1, 0);

    CHECK_EQ(e & 7, 5);                  /* R=bit0, X=bit2 */
    CHECK_EQ((e >> 3) & 7, 6);           /* WB */
    CHECK_EQ(e & (1ull << 6), 0);        /* IPAT clear */
    CHECK_EQ(e & (1ull << 7), 0);        /* a PTE has no large bit */
    CHECK_EQ(e & 0x000ffffffffff000ull, 0x123456789000ull);
    e = ept_e_make_leaf(0x40000000ull, EPT_PERM_RWX, 3, EPT_SOFT_LOG);
    CHECK_EQ(e & (1ull << 7), 1ull << 7);
    CHECK(ept_e_is_leaf(e, 3));
    CHECK_EQ(ept_e_addr(e, 3), 0x40000000ull);
    CHECK_EQ(e & EPT_SOFT_LOG, 1ull << 52);
    CHECK(!ept_e_is_leaf(ept_e_make_table(0x5000), 2));
    CHECK_EQ(ept_e_make_table(0x5000), 0x5007);
    /* Deriving the parts of a 2 MiB leaf. */
    e = ept_e_make_leaf(0x200000, EPT_PERM_RWX, 2, 0) | EPT_E_D;
    CHECK_EQ(ept_e_derive(e, 2, 3), 0x203000 | 7 | (6 << 3) | EPT_E_D);
    CHECK_EQ(ept_e_derive(ept_e_make_leaf(0x40000000ull, 7, 3, 0), 3, 1),
             0x40200000ull | 7 | (6 << 3) | (1 << 7));
    /* EPTP: WB, walk length 4 (3 in bits 5:3), A/D in bit 6. */
    CHECK_EQ(ept_make_eptp(0x1000, true), 0x1000 | 6 | (3 << 3) | (1 << 6));
    CHECK_EQ(ept_make_eptp(0x1000, false), 0x1000 | 6 | (3 << 3));
    /* Level geometry. */
    CHECK_EQ(ept_level_size(3), GiB);
    CHECK_EQ(ept_index(0x0000ff8040201000ull, 4), 0x1ff);
    CHECK_EQ(ept_index(0x0000ff8040201000ull, 1), 1);
}

static void test_reduces(void)
{
    uint64_t rw = ept_e_make_leaf(0x1000, EPT_PERM_R | EPT_PERM_W, 1, 0);
    uint64_t r = ept_e_make_leaf(0x1000, EPT_PERM_R, 1, 0);

    CHECK(!ept_e_reduces(0, rw, 1));                 /* filling a hole */
    CHECK(!ept_e_reduces(r, rw, 1));                 /* growing perms */
    CHECK(ept_e_reduces(rw, r, 1));                  /* taking W away */
    CHECK(ept_e_reduces(rw, 0, 1));                  /* unmapping */
    CHECK(ept_e_reduces(rw, ept_e_make_leaf(0x2000, 3, 1, 0), 1)); /* moving */
    CHECK(ept_e_reduces(rw | EPT_E_D, rw, 1));       /* clearing dirty */
    CHECK(!ept_e_reduces(rw, rw | EPT_E_D, 1));
    CHECK(ept_e_reduces(ept_e_make_leaf(0, 7, 2, 0), ept_e_make_table(0x9000), 2)); /* split */
}

static void test_caps_from_msrs(void)
{
    EptCaps c;
    uint64_t cap = (1ull << 6) | (1ull << 14) | (1ull << 16) | (1ull << 17) | (1ull << 21);
    uint64_t ctls2 = (1ull << 33) | (1ull << 49);

    CHECK(ept_caps_from_msrs(&c, cap, ctls2, 39));
    CHECK(c.page_2m && c.page_1g && c.ad && c.pml);
    CHECK_EQ(c.gpa_width, 39);
    CHECK_EQ(ept_dirty_mode_for(&c), EPT_DIRTY_PML);
    CHECK(ept_caps_from_msrs(&c, cap & ~(1ull << 21), ctls2, 52));
    CHECK(!c.ad && !c.pml);            /* PML is useless without A/D */
    CHECK_EQ(c.gpa_width, 48);
    CHECK_EQ(ept_dirty_mode_for(&c), EPT_DIRTY_WP);
    CHECK(ept_caps_from_msrs(&c, cap, 1ull << 33, 46));
    CHECK_EQ(ept_dirty_mode_for(&c), EPT_DIRTY_AD);
    CHECK(!ept_caps_from_msrs(&c, cap & ~(1ull << 6), ctls2, 46)); /* no 4-level walk */
    CHECK(!ept_caps_from_msrs(&c, cap, 1ull << 49, 46));           /* no EPT control */
}

static void test_page_sizes(void)
{
    EptContext c;
    EptWalk w;
    EptCounts n;

    CHECK_EQ(ept_init(&c, &caps_all, 64), EPT_OK);
    CHECK_EQ(ept_map(&c, 4 * GiB, 2 * GiB, HPA, EPT_PERM_RWX), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[3], 2);
    CHECK_EQ(n.leaves[2] + n.leaves[1], 0);
    CHECK(ept_walk(&c, 5 * GiB + 0x1234, &w));
    CHECK_EQ(w.page_size, GiB);
    CHECK_EQ(w.hpa, HPA + GiB + 0x1234);
    CHECK_EQ(w.perms, 7);
    CHECK(!ept_walk(&c, 6 * GiB, &w));
    CHECK(!ept_walk(&c, 4 * GiB - 1, &w));
    /* Host offset only 2 MiB aligned: 2 MiB pages. */
    CHECK_EQ(ept_map(&c, 8 * GiB, GiB, HPA + 2 * MiB, EPT_PERM_R), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[2], 512);
    /* Host offset only 4 KiB aligned: 4 KiB pages. */
    CHECK_EQ(ept_map(&c, 16 * GiB, 4 * MiB, HPA + 4 * KiB, EPT_PERM_R), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[1], 1024);
    /* Unaligned ends: 4K pages up to the first 2M boundary, then large. */
    CHECK_EQ(ept_map(&c, 32 * GiB - 8 * KiB, 4 * MiB + 12 * KiB, HPA - 8 * KiB, EPT_PERM_R), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[1], 1024 + 2 + 1);
    CHECK_EQ(n.leaves[2], 512 + 2);
    CHECK(ept_walk(&c, 32 * GiB + 2 * MiB, &w));
    CHECK_EQ(w.page_size, 2 * MiB);
    CHECK_EQ(w.hpa, HPA + 2 * MiB);
    CHECK_EQ(n.empty_tables, 0);
    ept_destroy(&c);

    /* Without 1G pages the same map takes 2 MiB leaves; with neither, 4K. */
    CHECK_EQ(ept_init(&c, &caps_2m, 64), EPT_OK);
    CHECK_EQ(ept_map(&c, 4 * GiB, 2 * GiB, HPA, EPT_PERM_RWX), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[2], 1024);
    CHECK_EQ(n.leaves[3], 0);
    ept_destroy(&c);
    CHECK_EQ(ept_init(&c, &caps_4k, 64), EPT_OK);
    CHECK_EQ(ept_map(&c, 0, 8 * MiB, HPA, EPT_PERM_RWX), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[1], 2048);
    CHECK_EQ(n.tables[1], 4);
    ept_destroy(&c);
}

static void test_split_merge_invalidate(void)
{
    EptContext c;
    EptCounts n;
    EptWalk w;
    unsigned long inv0 = plat_host_invept_count();
    uint64_t written;

    CHECK_EQ(ept_init(&c, &caps_all, 64), EPT_OK);
    CHECK_EQ(ept_map(&c, 0, 4 * GiB, HPA, EPT_PERM_RWX), EPT_OK);
    CHECK_EQ(plat_host_invept_count(), inv0); /* only holes filled */
    CHECK_EQ(c.pool.in_use, 2);               /* PML4 + PDPT */
    /* A 4 KiB hole in the middle of a 1 GiB page: split twice. */
    written = c.stats.entries_written;
    CHECK_EQ(ept_unmap(&c, GiB + 6 * MiB + 4 * KiB, 4 * KiB), EPT_OK);
    CHECK_EQ(plat_host_invept_count(), inv0 + 1);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[3], 3);
    CHECK_EQ(n.leaves[2], 511);
    CHECK_EQ(n.leaves[1], 511);
    CHECK_EQ(c.pool.in_use, 4);
    /* 2 splits of 512 derived entries, 2 table pointers, 1 hole. */
    CHECK_EQ(c.stats.entries_written - written, 512 + 512 + 2 + 1);
    CHECK(!ept_walk(&c, GiB + 6 * MiB + 4 * KiB, &w));
    CHECK(ept_walk(&c, GiB + 6 * MiB + 8 * KiB, &w));
    CHECK_EQ(w.hpa, HPA + GiB + 6 * MiB + 8 * KiB);
    CHECK_EQ(w.page_size, 4 * KiB);
    /* Filling it again merges back to one 1 GiB leaf. */
    CHECK_EQ(ept_map(&c, GiB + 6 * MiB + 4 * KiB, 4 * KiB, HPA + GiB + 6 * MiB + 4 * KiB,
                     EPT_PERM_RWX), EPT_OK);
    ept_count(&c, &n);
    CHECK_EQ(n.leaves[3], 4);
    CHECK_EQ(n.leaves[2] + n.leaves[1], 0);
    CHECK_EQ(c.pool.in_use, 2);
    /* The merge freed tables: that needs an INVEPT (stale table pointers). */
    CHECK_EQ(plat_host_invept_count(), inv0 + 2);
    /* Growing permissions: no INVEPT; narrowing: one. */
    CHECK_EQ(ept_protect(&c, 0, 4 * GiB, EPT_PERM_R), EPT_OK);
    CHECK_EQ(plat_host_invept_count(), inv0 + 3);
    CHECK_EQ(ept_protect(&c, 0, 4 * GiB, EPT_PERM_R | EPT_PERM_W), EPT_OK);
    CHECK_EQ(plat_host_invept_count(), inv0 + 3);
    /* protect leaves holes alone and splits at its ends. */
    CHECK_EQ(ept_protect(&c, 2 * MiB, 2 * MiB, EPT_PERM_R), EPT_OK);
    CHECK(ept_walk(&c, 3 * MiB, &w));
    CHECK_EQ(w.perms, EPT_PERM_R);
    CHECK_EQ(w.page_size, 2 * MiB);
    CHECK(ept_walk(&c, 5 * MiB, &w));
    CHECK_EQ(w.perms, EPT_PERM_R | EPT_PERM_W);
    CHECK_EQ(ept_protect(&c, 8 * GiB, 2 * MiB, EPT_PERM_R), EPT_OK);
    CHECK(!ept_walk(&c, 8 * GiB, &w));
    /* Re-mapping what is already there writes nothing. */
    written = c.stats.entries_written;
    CHECK_EQ(ept_map(&c, GiB, GiB, HPA + GiB, EPT_PERM_R | EPT_PERM_W), EPT_OK);
    CHECK_EQ(c.stats.entries_written, written);
    /* Unmapping everything returns every table but the root. */
    CHECK_EQ(ept_unmap(&c, 0, 256 * GiB), EPT_OK);
    CHECK_EQ(c.pool.in_use, 1);
    CHECK_EQ(ept_count_leaves(&c), 0);
    ept_destroy(&c);
}

/* Every table entry, for "nothing changed" comparisons. */
struct snap {
    uint64_t v[8192];
    size_t n;
};

static void snap_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct snap *s = opaque;

    if (s->n + 3 <= ARRAY_SIZE(s->v)) {
        s->v[s->n++] = gpa;
        s->v[s->n++] = (uint64_t)level;
        s->v[s->n++] = *pe;
    }
}

static void take_snap(const EptContext *c, struct snap *s)
{
    s->n = 0;
    ept_for_each_leaf(c, 0, c->max_gpa, snap_leaf, s);
}

static void test_pool_exhaustion(void)
{
    static struct snap before, after;
    EptContext c;
    uint64_t written;
    long pages0 = plat_host_live_pages();

    /* Root + PDPT + PD + PT is all 4 pages allow. */
    CHECK_EQ(ept_init(&c, &caps_all, 4), EPT_OK);
    CHECK_EQ(ept_map(&c, 0, GiB + 4 * KiB, HPA, EPT_PERM_RWX), EPT_OK);
    CHECK_EQ(c.pool.in_use, 4);
    take_snap(&c, &before);
    written = c.stats.entries_written;
    /* A second split would need two more pages. */
    CHECK_EQ(ept_unmap(&c, 4 * KiB, 4 * KiB), EPT_ENOMEM);
    CHECK(strstr(plat_host_last_log(), "pool exhausted") != NULL);
    take_snap(&c, &after);
    CHECK_EQ(c.stats.entries_written, written);
    CHECK_EQ(before.n, after.n);
    CHECK(memcmp(before.v, after.v, before.n * sizeof(uint64_t)) == 0);
    CHECK_EQ(c.pool.in_use, 4);
    /* Work that frees pages still goes through. */
    CHECK_EQ(ept_unmap(&c, GiB, 4 * KiB), EPT_OK);
    CHECK_EQ(c.pool.in_use, 2);
    CHECK_EQ(ept_unmap(&c, 4 * KiB, 4 * KiB), EPT_OK);
    ept_destroy(&c);

    /* The platform saying no mid-reservation is the same kind of failure. */
    CHECK_EQ(ept_init(&c, &caps_all, 100), EPT_OK);
    CHECK_EQ(ept_map(&c, 0, 2 * GiB, HPA, EPT_PERM_RWX), EPT_OK);
    take_snap(&c, &before);
    plat_host_fail_alloc_after(1);
    CHECK_EQ(ept_map(&c, 0, 6 * MiB, HPA + 4 * KiB, EPT_PERM_R), EPT_ENOMEM);
    plat_host_fail_alloc_after(-1);
    take_snap(&c, &after);
    CHECK_EQ(before.n, after.n);
    CHECK(memcmp(before.v, after.v, before.n * sizeof(uint64_t)) == 0);
    CHECK_EQ(ept_map(&c, 0, 6 * MiB, HPA + 4 * KiB, EPT_PERM_R), EPT_OK);
    ept_destroy(&c);
    CHECK_EQ(c.pool.in_use, 0);
    CHECK_EQ(plat_host_live_pages(), pages0);
    /* A budget of 0 cannot even hold the root. */
    CHECK_EQ(ept_init(&c, &caps_all, 0), EPT_ENOMEM);
    ept_destroy(&c);
}

static void test_bad_input(void)
{
    EptContext c;
    EptCaps narrow = caps_all;

    narrow.gpa_width = 39;
    CHECK_EQ(ept_init(&c, &narrow, 16), EPT_OK);
    CHECK_EQ(c.max_gpa, (1ull << 39) - 1);
    CHECK_EQ(ept_map(&c, 1ull << 39, 4 * KiB, HPA, EPT_PERM_R), EPT_EINVAL);
    CHECK(strstr(plat_host_last_log(), "refused") != NULL);
    CHECK_EQ(ept_map(&c, 0x800, 4 * KiB, HPA, EPT_PERM_R), EPT_EINVAL);
    CHECK_EQ(ept_map(&c, 0, 4 * KiB, HPA + 0x10, EPT_PERM_R), EPT_EINVAL);
    CHECK_EQ(ept_map(&c, 0, 4 * KiB, HPA, EPT_PERM_W), EPT_EINVAL); /* W without R */
    CHECK_EQ(ept_map(&c, 0, 0, HPA, EPT_PERM_R), EPT_EINVAL);
    CHECK_EQ(ept_count_leaves(&c), 0);
    ept_destroy(&c);
    narrow.gpa_width = 52;
    CHECK_EQ(ept_init(&c, &narrow, 16), EPT_EINVAL);
}

static void test_sim_cpu_walks(void)
{
    EptContext c;
    EptSim sim;
    EptWalk w;
    uint8_t *ram = plat_alloc_pages(1024); /* 4 MiB */
    uint64_t hpa = plat_virt_to_phys(ram), v = 0x1122334455667788ull, r = 0;

    CHECK_EQ(ept_init(&c, &caps_all, 32), EPT_OK);
    ept_sim_attach(&sim, &c);
    CHECK_EQ(ept_map(&c, 0x100000000ull, 4 * MiB, hpa, EPT_PERM_RWX), EPT_OK);
    CHECK_EQ(ept_map(&c, 0x200000000ull, 4 * MiB, hpa, EPT_PERM_R | EPT_PERM_X), EPT_OK);
    /* A write that straddles two pages lands in both. */
    CHECK_EQ(ept_sim_write(&sim, 0x100000ffcull, &v, 8), SIM_OK);
    CHECK_EQ(memcmp(ram + 0xffc, &v, 8), 0);
    CHECK_EQ(ept_sim_read(&sim, 0x200000ffcull, &r, 8), SIM_OK); /* alias, read-only */
    CHECK_EQ(r, v);
    CHECK_EQ(ept_sim_write(&sim, 0x200000000ull, &v, 8), SIM_VIOLATION);
    CHECK_EQ(sim.fault_gpa, 0x200000000ull);
    CHECK_EQ(ept_sim_read(&sim, 0x300000000ull, &r, 1), SIM_VIOLATION);
    /* A/D flags as the walker reports them. */
    CHECK(ept_walk(&c, 0x100000000ull, &w));
    CHECK(w.accessed && w.dirty);
    CHECK(ept_walk(&c, 0x200000000ull, &w));
    CHECK(w.accessed && !w.dirty);
    CHECK_EQ(sim.misconfigs, 0);
    /* Every split layout the table code makes is valid for the CPU. */
    CHECK_EQ(ept_unmap(&c, 0x100001000ull, 4 * KiB), EPT_OK);
    CHECK(sim.flushes >= 1);
    CHECK_EQ(ept_sim_read(&sim, 0x100001000ull, &r, 1), SIM_VIOLATION);
    CHECK_EQ(ept_sim_read(&sim, 0x100002000ull, &r, 8), SIM_OK);
    CHECK_EQ(sim.misconfigs, 0);
    ept_destroy(&c);
    plat_free_pages(ram, 1024);
}

/* ------------------------------------------------ random differential run */
#define WIN (2 * GiB)
#define WPAGES (WIN / (4 * KiB))

struct model {
    uint64_t hpa[WPAGES]; /* 0: not mapped */
    uint8_t perms[WPAGES];
};

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random page-aligned boundary, biased to 2M and 1G alignment. */
static uint64_t rnd_addr(void)
{
    switch (rnd() % 3) {
    case 0:
        return (rnd() % (WIN / GiB + 1)) * GiB;
    case 1:
        return (rnd() % (WIN / (2 * MiB) + 1)) * 2 * MiB;
    default:
        return (rnd() % (WPAGES + 1)) * 4 * KiB;
    }
}

struct verify {
    const struct model *m;
    uint8_t *seen;
    int bad;
};

static void verify_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct verify *v = opaque;
    uint64_t pages = ept_level_size(level) / (4 * KiB);

    for (uint64_t i = 0; i < pages; i++) {
        uint64_t p = gpa / (4 * KiB) + i;
        if (p >= WPAGES || v->m->hpa[p] != ept_e_addr(*pe, level) + i * 4 * KiB ||
            v->m->perms[p] != ept_e_perms(*pe)) {
            v->bad++;
            return;
        }
        v->seen[p] = 1;
    }
}

/* The fewest aligned leaves that can express the model's block. */
static size_t min_leaves(const struct model *m, uint64_t first, int level)
{
    uint64_t pages = ept_level_size(level) / (4 * KiB), h0 = m->hpa[first];
    bool uniform = h0 && (h0 % ept_level_size(level)) == 0;
    size_t sum = 0;

    for (uint64_t i = 1; uniform && i < pages; i++)
        uniform = m->hpa[first + i] == h0 + i * 4 * KiB && m->perms[first + i] == m->perms[first];
    if (uniform)
        return 1;
    if (level == 1)
        return h0 != 0;
    for (uint64_t i = 0; i < 512; i++)
        sum += min_leaves(m, first + i * pages / 512, level - 1);
    return sum;
}

static void test_random_vs_model(void)
{
    static struct model m;
    static uint8_t seen[WPAGES];
    EptContext c;
    EptSim sim;
    EptCounts n;
    int bad_steps = 0, min_bad = 0;

    memset(&m, 0, sizeof(m));
    CHECK_EQ(ept_init(&c, &caps_all, 4096), EPT_OK);
    ept_sim_attach(&sim, &c);
    for (int step = 0; step < 300; step++) {
        uint64_t a = rnd_addr(), b = rnd_addr(), lo = MIN(a, b), hi = MAX(a, b);
        unsigned op = (unsigned)(rnd() % 3), perms = (rnd() & 1) ? 7 : 5;
        uint64_t hbase = HPA + (rnd() % 4) * GiB + (rnd() % 2 ? 0 : (rnd() % 512) * 4 * KiB);
        if (lo == hi)
            continue;
        if (op == 0) {
            CHECK_EQ(ept_map(&c, lo, hi - lo, hbase, perms), EPT_OK);
            for (uint64_t p = lo / 4096; p < hi / 4096; p++) {
                m.hpa[p] = hbase + p * 4096 - lo;
                m.perms[p] = (uint8_t)perms;
            }
        } else if (op == 1) {
            CHECK_EQ(ept_unmap(&c, lo, hi - lo), EPT_OK);
            for (uint64_t p = lo / 4096; p < hi / 4096; p++)
                m.hpa[p] = 0;
        } else {
            CHECK_EQ(ept_protect(&c, lo, hi - lo, perms), EPT_OK);
            for (uint64_t p = lo / 4096; p < hi / 4096; p++)
                m.perms[p] = (uint8_t)perms;
        }
        if (step % 10 != 9)
            continue;
        struct verify v = { &m, seen, 0 };
        memset(seen, 0, sizeof(seen));
        ept_for_each_leaf(&c, 0, c.max_gpa, verify_leaf, &v);
        for (uint64_t p = 0; p < WPAGES; p++)
            if (!seen[p] && m.hpa[p])
                v.bad++;
        size_t want = min_leaves(&m, 0, 3) + min_leaves(&m, GiB / 4096, 3);
        ept_count(&c, &n);
        if (v.bad)
            bad_steps++;
        if (want != ept_count_leaves(&c) || n.empty_tables)
            min_bad++;
        /* Spot checks through the simulated CPU. */
        for (int k = 0; k < 8; k++) {
            uint64_t g = (rnd() % WPAGES) * 4096, hpa = 0;
            sim.tlb[0].valid = false;
            EptSimResult r = ept_sim_walk(&sim, g, false, &hpa);
            if (m.hpa[g / 4096] ? (r != SIM_OK || hpa != m.hpa[g / 4096]) : r != SIM_VIOLATION)
                bad_steps++;
        }
    }
    CHECK_EQ(bad_steps, 0);
    CHECK_EQ(min_bad, 0);
    CHECK_EQ(sim.misconfigs, 0);
    ept_destroy(&c);
}

int main(void)
{
    RUN(test_entry_format);
    RUN(test_reduces);
    RUN(test_caps_from_msrs);
    RUN(test_page_sizes);
    RUN(test_split_merge_invalidate);
    RUN(test_pool_exhaustion);
    RUN(test_bad_input);
    RUN(test_sim_cpu_walks);
    RUN(test_random_vs_model);
    return test_summary("test_ept_table");
}
