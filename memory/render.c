/*
 * Flattening: region tree -> sorted list of disjoint ranges.
 *
 * The seed rendered each region into the gaps of a sorted array, shifting
 * the array on every insert: O(n^2) for n regions.  Here, a depth-first walk
 * in priority order lists every leaf piece with its clipped extent; the walk
 * order is the precedence (children before their parent's own content,
 * higher-priority siblings first).  A sweep over the sorted piece endpoints
 * with a min-heap of active pieces then gives, for every point, the piece
 * with the best precedence: O(n log n), with radix-sorted endpoints.
 */
#include "memory/internal.h"
#include "hv/lib/vec.h"

typedef __int128 i128;

struct piece {
    uint64_t start;
    msize_t end;           /* exclusive, at most 2^64 */
    MemoryRegion *mr;
    hwaddr offset;         /* of start inside mr */
    unsigned flags;        /* copied from mr now: the sweep stays in cache */
    uint8_t dirty_log_mask;
};

struct event {
    uint64_t pos;
    uint32_t piece;
    uint32_t is_start;
};

/* Scratch arrays, kept between renders so a commit rarely allocates. */
struct scratch {
    struct piece *pieces;
    size_t npieces, cap_pieces;
    struct event *ev, *ev_tmp;
    size_t cap_ev;
    uint32_t *heap;
    uint8_t *active;
    size_t cap_n;
    bool failed;
};
static struct scratch sc;

static void add_piece(uint64_t start, msize_t end, MemoryRegion *mr, hwaddr offset)
{
    if (!vec_reserve((void **)&sc.pieces, &sc.cap_pieces, sc.npieces + 1,
              sizeof(*sc.pieces), sc.npieces)) {
        sc.failed = true;
        return;
    }
    sc.pieces[sc.npieces++] = (struct piece){
        start, end, mr, offset, memory_region_access_flags(mr), mr->dirty_log_mask,
    };
}

/* Lists the pieces of mr, whose offset 0 sits at absolute `base` (negative
 * through an alias whose offset exceeds its address), inside [cs, ce). */
static void collect(MemoryRegion *mr, i128 base, i128 cs, i128 ce)
{
    MemoryRegion *c;
    i128 s, e;

    if (!mr->enabled || sc.failed)
        return;
    s = MAX(base, cs);
    e = MIN(base + (i128)mr->size, ce);
    if (s >= e)
        return;
    if (mr->kind == MR_KIND_ALIAS) {
        collect(mr->alias, base - (i128)mr->alias_offset, s, e);
        return;
    }
    for (c = mr->subregions; c; c = c->next_sibling)
        collect(c, base + (i128)c->addr, s, e);
    if (mr->kind != MR_KIND_CONTAINER)
        add_piece((uint64_t)s, (msize_t)e, mr, (hwaddr)(s - base));
}

/* Stable LSD radix sort of events by pos, a byte a pass; passes whose
 * byte is the same for every key (the high ones, usually) are skipped. */
static struct event *sort_events(struct event *a, struct event *tmp, size_t n)
{
    uint32_t count[256];
    struct event *t;
    unsigned shift;
    size_t i, sum;

    for (shift = 0; shift < 64; shift += 8) {
        memset(count, 0, sizeof(count));
        for (i = 0; i < n; i++)
            count[(a[i].pos >> shift) & 0xff]++;
        if (count[(a[0].pos >> shift) & 0xff] == n)
            continue;
        sum = 0;
        for (i = 0; i < 256; i++) {
            size_t c = count[i];
            count[i] = (uint32_t)sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            tmp[count[(a[i].pos >> shift) & 0xff]++] = a[i];
        t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

static void insertion_sort(struct event *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct event e = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].pos > e.pos) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = e;
    }
}

/* ---- min-heap of piece indices (lower index = higher precedence) ---- */
static size_t heap_n;

static void heap_push(uint32_t v)
{
    size_t i = heap_n++;

    while (i > 0 && sc.heap[(i - 1) / 2] > v) {
        sc.heap[i] = sc.heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    sc.heap[i] = v;
}

static void heap_pop(void)
{
    uint32_t v = sc.heap[--heap_n];
    size_t i = 0, c;

    while ((c = 2 * i + 1) < heap_n) {
        if (c + 1 < heap_n && sc.heap[c + 1] < sc.heap[c])
            c++;
        if (sc.heap[c] >= v)
            break;
        sc.heap[i] = sc.heap[c];
        i = c;
    }
    sc.heap[i] = v;
}

/* The active piece with the best precedence, or -1; drops ended ones. */
static long heap_top(void)
{
    while (heap_n && !sc.active[sc.heap[0]])
        heap_pop();
    return heap_n ? (long)sc.heap[0] : -1;
}

/* Appends [start, last] owned by piece p, merging with the previous range
 * when it continues the same region seamlessly. */
static bool emit(FlatView *v, uint64_t start, uint64_t last, const struct piece *p)
{
    hwaddr off = p->offset + (start - p->start);
    FlatRange *prev = v->nr ? &v->ranges[v->nr - 1] : NULL;

    if (prev && prev->mr == p->mr && prev->last + 1 == start &&
        prev->offset_in_region + (prev->last - prev->start) + 1 == off) {
        prev->last = last;
        return true;
    }
    if (!vec_reserve((void **)&v->ranges, &v->cap, v->nr + 1, sizeof(*v->ranges), v->nr))
        return false;
    v->ranges[v->nr++] = (FlatRange){
        .start = start, .last = last, .mr = p->mr, .offset_in_region = off,
        .flags = p->flags, .dirty_log_mask = p->dirty_log_mask,
    };
    return true;
}

static bool prepare_events(size_t *nev)
{
    size_t n = sc.npieces, k = 0;

    if (!vec_reserve((void **)&sc.ev, &sc.cap_ev, 2 * n, sizeof(*sc.ev), 0))
        return false;
    plat_free(sc.ev_tmp);
    sc.ev_tmp = plat_alloc(sc.cap_ev * sizeof(*sc.ev));
    if (!sc.ev_tmp)
        return false;
    if (!vec_reserve((void **)&sc.heap, &sc.cap_n, n, sizeof(*sc.heap), 0))
        return false;
    plat_free(sc.active);
    sc.active = plat_alloc(sc.cap_n);
    if (!sc.active)
        return false;
    for (size_t i = 0; i < n; i++) {
        sc.ev[k++] = (struct event){ sc.pieces[i].start, (uint32_t)i, 1 };
        /* A piece ending at 2^64 never ends inside the sweep. */
        if (sc.pieces[i].end < MSIZE_2_64)
            sc.ev[k++] = (struct event){ (uint64_t)sc.pieces[i].end, (uint32_t)i, 0 };
    }
    *nev = k;
    return true;
}

static bool sweep(FlatView *v)
{
    struct event *ev;
    size_t nev, i = 0;
    uint64_t pos = 0;
    long top;

    if (!prepare_events(&nev))
        return false;
    /* n pieces cut each other into at most 2n - 1 ranges: size once. */
    if (!vec_reserve((void **)&v->ranges, &v->cap, 2 * sc.npieces, sizeof(*v->ranges), 0))
        return false;
    if (nev < 64) {
        insertion_sort(sc.ev, nev);
        ev = sc.ev;
    } else {
        ev = sort_events(sc.ev, sc.ev_tmp, nev);
    }
    heap_n = 0;
    while (i < nev) {
        uint64_t x = ev[i].pos;
        if (x > pos && (top = heap_top()) >= 0 &&
            !emit(v, pos, x - 1, &sc.pieces[top]))
            return false;
        for (; i < nev && ev[i].pos == x; i++) {
            sc.active[ev[i].piece] = (uint8_t)ev[i].is_start;
            if (ev[i].is_start)
                heap_push(ev[i].piece);
        }
        pos = x;
    }
    top = heap_top();
    return top < 0 || emit(v, pos, UINT64_MAX, &sc.pieces[top]);
}

FlatView *flatview_render(MemoryRegion *root)
{
    FlatView *v = plat_alloc(sizeof(*v));

    if (!v)
        return NULL;
    v->refs = 1;
    sc.npieces = 0;
    sc.failed = false;
    if (root)
        collect(root, 0, 0, (i128)MSIZE_2_64);
    if (sc.failed || (sc.npieces && !sweep(v))) {
        plat_free(v->ranges);
        plat_free(v);
        return NULL;
    }
    for (size_t i = 0; i < v->nr; i++)
        v->ranges[i].mr->view_refs++;
    return v;
}

void flatview_unref(FlatView *v)
{
    if (!v || --v->refs)
        return;
    for (size_t i = 0; i < v->nr; i++)
        v->ranges[i].mr->view_refs--;
    plat_free(v->ranges);
    plat_free(v);
}

void memory_scratch_release(void)
{
    plat_free(sc.pieces);
    plat_free(sc.ev);
    plat_free(sc.ev_tmp);
    plat_free(sc.heap);
    plat_free(sc.active);
    sc = (struct scratch){ 0 };
}
