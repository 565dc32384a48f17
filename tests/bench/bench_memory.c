/*
 * Memory API benchmarks, each against a baseline measured in the same run:
 *  - flattening trees of 1k, 10k and 100k regions (nested containers,
 *    overlapping MMIO at higher priority, aliases) vs the seed's method:
 *    render each region into the gaps of a sorted array, scanning from the
 *    start and shifting the array on every insert;
 *  - looking up addresses in a 10k-range flat view vs a linear scan.
 * Both methods' views are compared range by range before timing counts.
 * As in every benchmark here, "xR vs BASELINE" means VALUE = R * BASELINE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memory/internal.h"
#include "hv/lib/host/platform_host.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rd(void *o, hwaddr a, unsigned s) { (void)o; (void)s; return a; }
static void wr(void *o, hwaddr a, uint64_t d, unsigned s) { (void)o; (void)a; (void)d; (void)s; }
static const MemoryRegionOps ops = { .read = rd, .write = wr };

/* ------------------------------------------------------------ the tree */
struct tree {
    MemoryRegion root;
    MemoryRegion *regions;
    size_t n;
    uint8_t *backing; /* one page shared by every RAM region (ram_ptr) */
};

/* Each container holds 64 RAM/MMIO leaves of 4 KiB side by side, 8 MMIO
 * windows over them at priority 1, 4 aliases of leaves of the previous
 * container at priority 2, and sits in the root (or, every fourth one,
 * inside the previous container's last 64 KiB hole, one level deeper). */
#define LEAVES 64
#define OVERS 8
#define ALIASES 4
#define PER_BOX (1 + LEAVES + OVERS + ALIASES)
#define BOX_SPAN 0x80000ull

static void build(struct tree *t, size_t want)
{
    size_t boxes = (want + PER_BOX - 1) / PER_BOX, k = 0;
    char name[32];

    t->n = boxes * PER_BOX;
    t->regions = calloc(t->n, sizeof(MemoryRegion));
    t->backing = aligned_alloc(4096, 0x1000);
    memory_region_init(&t->root, "root", MR_SIZE_2_64);
    memory_region_transaction_begin();
    for (size_t b = 0; b < boxes; b++) {
        MemoryRegion *box = &t->regions[k++];
        MemoryRegion *first_leaf = box + 1;
        snprintf(name, sizeof(name), "box%zu", b);
        memory_region_init(box, name, BOX_SPAN);
        for (int i = 0; i < LEAVES; i++) {
            MemoryRegion *r = &t->regions[k++];
            snprintf(name, sizeof(name), "leaf%zu.%d", b, i);
            if (i % 3)
                memory_region_init_ram_ptr(r, name, 0x1000, t->backing);
            else
                memory_region_init_io(r, &ops, NULL, name, 0x1000);
            memory_region_add_subregion(box, (hwaddr)i * 0x1000, r);
        }
        for (int i = 0; i < OVERS; i++) {
            MemoryRegion *r = &t->regions[k++];
            snprintf(name, sizeof(name), "over%zu.%d", b, i);
            memory_region_init_io(r, &ops, NULL, name, 0x1800);
            memory_region_add_subregion_overlap(box, (hwaddr)i * 0x7000 + 0x800, r, 1);
        }
        for (int i = 0; i < ALIASES; i++) {
            MemoryRegion *r = &t->regions[k++];
            MemoryRegion *target = b ? first_leaf - PER_BOX + i * 5 : first_leaf + i;
            snprintf(name, sizeof(name), "alias%zu.%d", b, i);
            memory_region_init_alias(r, name, target, 0x400, 0x800);
            memory_region_add_subregion_overlap(box, 0x41000 + (hwaddr)i * 0x1000, r, 2);
        }
        if (b % 4 == 3)
            memory_region_add_subregion(box - PER_BOX, 0x70000, box);
        else
            memory_region_add_subregion(&t->root, b * BOX_SPAN, box);
    }
    memory_region_transaction_commit();
}

/* Regions reference each other in any order: destroy whatever is free
 * until all are gone. */
static void destroy_tree(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->regions[i].parent)
            memory_region_del_subregion(t->regions[i].parent, &t->regions[i]);
    for (size_t left = t->n; left;) {
        for (size_t i = t->n; i-- > 0;)
            if (t->regions[i].initialized && !t->regions[i].users &&
                memory_region_destroy(&t->regions[i]) == MR_OK)
                left--;
    }
    memory_region_destroy(&t->root);
    free(t->regions);
    free(t->backing);
}

/* ------------------------------------------------ the seed-style baseline */
struct base_view {
    FlatRange *r;
    size_t n, cap;
};

static void base_insert(struct base_view *v, size_t pos, FlatRange fr)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->r = realloc(v->r, v->cap * sizeof(*v->r));
    }
    memmove(v->r + pos + 1, v->r + pos, (v->n - pos) * sizeof(*v->r));
    v->r[pos] = fr;
    v->n++;
}

/* Fills the gaps of v inside [s, e) with region mr (offset of s: off). */
static void base_fill(struct base_view *v, MemoryRegion *mr, uint64_t s,
                      uint64_t e, uint64_t off)
{
    size_t i = 0;

    while (s < e) {
        while (i < v->n && v->r[i].last < s)
            i++;
        uint64_t stop = (i < v->n && v->r[i].start < e) ? v->r[i].start : e;
        if (s < stop) {
            base_insert(v, i, (FlatRange){ .start = s, .last = stop - 1, .mr = mr,
                                           .offset_in_region = off });
            off += stop - s;
            s = stop;
            i++;
        }
        if (i < v->n && v->r[i].start <= s && s < e) {
            uint64_t skip = MIN(e, v->r[i].last + 1) - s;
            off += skip;
            s += skip;
        }
    }
}

static void base_render(struct base_view *v, MemoryRegion *mr, __int128 base,
                        __int128 cs, __int128 ce)
{
    __int128 s = MAX(base, cs), e = MIN(base + (__int128)mr->size, ce);

    if (!mr->enabled || s >= e)
        return;
    if (mr->kind == MR_KIND_ALIAS) {
        base_render(v, mr->alias, base - (__int128)mr->alias_offset, s, e);
        return;
    }
    for (MemoryRegion *c = mr->subregions; c; c = c->next_sibling)
        base_render(v, c, base + (__int128)c->addr, s, e);
    /* The bench's trees end below 2^64, so e fits 64 bits here. */
    if (mr->kind != MR_KIND_CONTAINER)
        base_fill(v, mr, (uint64_t)s, (uint64_t)e, (uint64_t)(s - base));
}

/* The baseline's ranges, merged as ours are, for the equality check. */
static void base_merge(struct base_view *v)
{
    size_t o = 0;
    for (size_t i = 0; i < v->n; i++) {
        FlatRange *p = o ? &v->r[o - 1] : NULL, *c = &v->r[i];
        if (p && p->mr == c->mr && p->last + 1 == c->start &&
            p->offset_in_region + (p->last - p->start) + 1 == c->offset_in_region)
            p->last = c->last;
        else
            v->r[o++] = *c;
    }
    v->n = o;
}

static bool same_views(const FlatView *a, const struct base_view *b)
{
    if (a->nr != b->n)
        return false;
    for (size_t i = 0; i < a->nr; i++)
        if (a->ranges[i].start != b->r[i].start || a->ranges[i].last != b->r[i].last ||
            a->ranges[i].mr != b->r[i].mr ||
            a->ranges[i].offset_in_region != b->r[i].offset_in_region)
            return false;
    return true;
}

/* ----------------------------------------------------------------- timing */
/* Best of `reps` runs of fn, each looped until it takes >= min_secs. */
#define TIME_BEST(result, reps, min_secs, body)                  \
    do {                                                          \
        result = 1e30;                                            \
        for (int rep_ = 0; rep_ < (reps); rep_++) {               \
            long iters_ = 0;                                      \
            double t0_ = now(), t1_;                              \
            do {                                                  \
                body;                                             \
                iters_++;                                         \
            } while ((t1_ = now()) - t0_ < (min_secs));           \
            result = MIN(result, (t1_ - t0_) / (double)iters_);   \
        }                                                         \
    } while (0)

static double flatten_case(size_t want, double *per_region)
{
    struct tree t;
    struct base_view bv = { 0 };
    FlatView *fv = NULL;
    double ours, base;

    build(&t, want);
    TIME_BEST(ours, 5, 0.2, {
        flatview_unref(fv);
        fv = flatview_render(&t.root);
    });
    bv.n = 0;
    base_render(&bv, &t.root, 0, 0, (__int128)1 << 64);
    base_merge(&bv);
    if (!same_views(fv, &bv)) {
        printf("bench: flatten: views differ at %zu regions (%zu vs %zu ranges)\n",
               t.n, fv->nr, bv.n);
        exit(1);
    }
    TIME_BEST(base, want >= 100000 ? 1 : 3, 0.0, {
        bv.n = 0;
        base_render(&bv, &t.root, 0, 0, (__int128)1 << 64);
        base_merge(&bv);
    });
    *per_region = ours / (double)t.n;
    printf("bench: flatten_%zuk: %.3f ms for %zu regions, %zu ranges (x%.4f vs seed-style sorted-array insertion, %.3f ms: %.1f times faster)\n",
           want / 1000, ours * 1e3, t.n, fv->nr, ours / base, base * 1e3, base / ours);
    flatview_unref(fv);
    free(bv.r);
    destroy_tree(&t);
    return base / ours;
}

static void lookup_case(void)
{
    struct tree t;
    FlatView *fv;
    enum { QUERIES = 4096 };
    hwaddr q[QUERIES];
    double ours, lin;
    volatile uintptr_t sink = 0;
    uint64_t x = 88172645463325252ull;

    build(&t, 13900); /* about 10k flat ranges */
    fv = flatview_render(&t.root);
    hwaddr span = fv->ranges[fv->nr - 1].last + 1;
    for (int i = 0; i < QUERIES; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        q[i] = x % span;
    }
    /* Both must agree before timing means anything. */
    for (int i = 0; i < QUERIES; i++) {
        const FlatRange *a = flatview_lookup(fv, q[i]), *b = NULL;
        for (size_t k = 0; k < fv->nr; k++)
            if (fv->ranges[k].start <= q[i] && q[i] <= fv->ranges[k].last)
                b = &fv->ranges[k];
        if (a != b) {
            printf("bench: lookup: disagreement at %llx\n", (unsigned long long)q[i]);
            exit(1);
        }
    }
    TIME_BEST(ours, 5, 0.1, {
        for (int i = 0; i < QUERIES; i++)
            sink += (uintptr_t)flatview_lookup(fv, q[i]);
    });
    TIME_BEST(lin, 3, 0.1, {
        for (int i = 0; i < QUERIES; i++) {
            const FlatRange *hit = NULL;
            for (size_t k = 0; k < fv->nr; k++)
                if (fv->ranges[k].start <= q[i] && q[i] <= fv->ranges[k].last) {
                    hit = &fv->ranges[k];
                    break;
                }
            sink += (uintptr_t)hit;
        }
    });
    printf("bench: lookup_%zu_ranges: %.1f ns (x%.4f vs linear scan, %.1f ns: %.1f times faster)\n",
           fv->nr, ours / QUERIES * 1e9, ours / lin, lin / QUERIES * 1e9, lin / ours);
    flatview_unref(fv);
    destroy_tree(&t);
}

int main(void)
{
    double pr1, pr10, pr100;

    plat_host_set_verbosity(LOG_ERR);
    flatten_case(1000, &pr1);
    flatten_case(10000, &pr10);
    flatten_case(100000, &pr100);
    printf("bench: flatten_time_per_region_100k_vs_1k: %.2f ratio (x%.2f vs 1k per-region time, target <= 3)\n",
           pr100 / pr1, pr100 / pr1);
    lookup_case();
    return 0;
}
