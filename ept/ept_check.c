/*
 * The checker: proves an EPT equal to a flat view, byte range for byte
 * range, in two passes that do not share code with the listener:
 *  1. every present leaf lies wholly on RAM/ROM the view maps directly,
 *     with the host address, permissions and logging state the view asks
 *     for (so nothing is mapped that should trap);
 *  2. every whole page the view maps directly (including a page made of
 *     several ranges that continue one another) has a leaf (so nothing
 *     traps that should not).
 * Mismatches go to `out`, one line each ("ept check: ..."), the first 16
 * of them; the count is returned.  Also flags empty tables left behind.
 */
#include "ept/ept_internal.h"
#include "ept/ept_listener.h"
#include "hv/lib/fmt.h"

#define MAX_LINES 16

struct chk {
    const EptContext *c;
    const FlatView *v;
    ept_print_fn out;
    void *opaque;
    size_t bad;
};

static void PRINTF_LIKE(2, 3) bad(struct chk *k, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    int n;

    if (k->out && k->bad < MAX_LINES) {
        n = hv_snprintf(line, sizeof(line), "ept check: ");
        va_start(ap, fmt);
        hv_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        k->out(k->opaque, line);
    }
    k->bad++;
}

static uint64_t fr_hpa(const FlatRange *fr, uint64_t gpa)
{
    return plat_virt_to_phys(flatrange_ram_ptr(fr, gpa));
}

static unsigned want_perms(const FlatRange *fr)
{
    return EPT_PERM_R | EPT_PERM_X | ((fr->flags & FR_DIRECT_WRITE) ? EPT_PERM_W : 0);
}

/* The leaf's permissions and soft bits agree with the range's flags. */
static void check_attrs(struct chk *k, const FlatRange *fr, uint64_t gpa, int level, uint64_t e)
{
    unsigned want = want_perms(fr), got = ept_e_perms(e);
    bool logged = fr->dirty_log_mask != 0;
    bool wp = logged && k->c->mode == EPT_DIRTY_WP && (fr->flags & FR_DIRECT_WRITE);

    if (logged && (level != 1 || !(e & EPT_SOFT_LOG)))
        bad(k, "%llx: logged %s not a 4K logged leaf", (unsigned long long)gpa,
            memory_region_name(fr->mr));
    if (!logged && (e & EPT_SOFT_LOG))
        bad(k, "%llx: leaf logged, %s is not", (unsigned long long)gpa,
            memory_region_name(fr->mr));
    if (wp ? !(e & EPT_SOFT_WANT_W) || (got != want && got != (want & ~EPT_PERM_W))
           : (e & EPT_SOFT_WANT_W) || got != want)
        bad(k, "%llx: perms %x%s, %s wants %x%s", (unsigned long long)gpa, got,
            (e & EPT_SOFT_WANT_W) ? "+wp" : "", memory_region_name(fr->mr), want,
            wp ? "+wp" : "");
    if (((e & EPT_E_MT_MASK) >> EPT_E_MT_SHIFT) != EPT_MT_WB)
        bad(k, "%llx: memory type not WB", (unsigned long long)gpa);
}

/* Pass 1: the leaf at gpa, range by range. */
static void check_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct chk *k = opaque;
    uint64_t e = *pe, last = gpa + ept_level_size(level) - 1, pos = gpa;
    size_t i = flatview_lower_bound(k->v, gpa);

    while (pos <= last) {
        const FlatRange *fr = k->v && i < k->v->nr ? &k->v->ranges[i] : NULL;
        if (!fr || fr->start > pos) {
            bad(k, "%llx: mapped, the view has nothing there", (unsigned long long)pos);
            return;
        }
        if (!(fr->flags & FR_DIRECT_READ)) {
            bad(k, "%llx: mapped over %s, which must trap", (unsigned long long)pos,
                memory_region_name(fr->mr));
            return;
        }
        if (fr_hpa(fr, pos) != ept_e_addr(e, level) + (pos - gpa)) {
            bad(k, "%llx: host %llx, %s has %llx", (unsigned long long)pos,
                (unsigned long long)(ept_e_addr(e, level) + (pos - gpa)),
                memory_region_name(fr->mr), (unsigned long long)fr_hpa(fr, pos));
            return;
        }
        check_attrs(k, fr, pos, level, e);
        if (fr->last >= last)
            break;
        pos = fr->last + 1;
        i++;
    }
}

/* Could the page at p be mapped: wholly direct, one continuous mapping? */
static bool mappable(const FlatView *v, uint64_t p)
{
    size_t i = flatview_lower_bound(v, p);
    const FlatRange *f0 = i < v->nr ? &v->ranges[i] : NULL;
    uint64_t pos = p, h0;

    if (!f0 || f0->start > p || !(f0->flags & FR_DIRECT_READ))
        return false;
    h0 = fr_hpa(f0, p);
    if (h0 & (EPT_PAGE_SIZE - 1))
        return false;
    for (; i < v->nr; i++) {
        const FlatRange *fr = &v->ranges[i];
        if (fr->start != pos || fr->flags != f0->flags ||
            !fr->dirty_log_mask != !f0->dirty_log_mask || fr_hpa(fr, pos) != h0 + (pos - p))
            return false;
        if (fr->last >= p + EPT_PAGE_SIZE - 1)
            return true;
        pos = fr->last + 1;
    }
    return false;
}

static void check_edge(struct chk *k, const FlatRange *fr, uint64_t p)
{
    EptWalk w;
    bool want = mappable(k->v, p), have = ept_walk(k->c, p, &w);

    if (want && !have)
        bad(k, "%llx: page of %s (shared with its neighbour) not mapped",
            (unsigned long long)p, memory_region_name(fr->mr));
    /* (have && !want is pass 1's finding.) */
}

/* Pass 2: the whole pages of one direct range are all mapped. */
static void check_range(struct chk *k, const FlatRange *fr)
{
    uint64_t max = k->c->max_gpa, s, e, pos;
    EptWalk w;

    if (!(fr->flags & FR_DIRECT_READ) || fr->start > max)
        return;
    s = (fr->start + EPT_PAGE_SIZE - 1) & ~(EPT_PAGE_SIZE - 1);
    e = (MIN(fr->last, max) + 1) & ~(EPT_PAGE_SIZE - 1); /* exclusive */
    if (s != fr->start)
        check_edge(k, fr, fr->start & ~(EPT_PAGE_SIZE - 1));
    if (fr->last <= max && ((fr->last + 1) & (EPT_PAGE_SIZE - 1)) && fr->last >= s)
        check_edge(k, fr, fr->last & ~(EPT_PAGE_SIZE - 1));
    if (s >= e || (fr_hpa(fr, s) & (EPT_PAGE_SIZE - 1)))
        return; /* no whole page, or host memory not page aligned: all traps */
    for (pos = s; pos < e; pos = w.page_gpa + w.page_size) {
        if (!ept_walk(k->c, pos, &w)) {
            bad(k, "%llx: %s not mapped", (unsigned long long)pos, memory_region_name(fr->mr));
            return;
        }
    }
}

size_t ept_check_view(const EptContext *c, const FlatView *v, ept_print_fn out, void *opaque)
{
    struct chk k = { c, v, out, opaque, 0 };
    EptCounts n;

    ept_for_each_leaf(c, 0, c->max_gpa, check_leaf, &k);
    for (size_t i = 0; v && i < v->nr; i++)
        check_range(&k, &v->ranges[i]);
    ept_count(c, &n);
    if (n.empty_tables)
        bad(&k, "%zu empty tables not returned to the pool", n.empty_tables);
    return k.bad;
}
