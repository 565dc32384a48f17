/*
 * Reading the EPT in software: translate one address (what the hypervisor
 * uses to reach guest RAM when it fetches or emulates an instruction),
 * visit the leaves of a range, count entries, dump runs for the log.
 */
#include "ept/ept_internal.h"
#include "hv/lib/fmt.h"

bool ept_walk(const EptContext *c, uint64_t gpa, EptWalk *w)
{
    uint64_t *t = c->root;

    memset(w, 0, sizeof(*w));
    if (!t || gpa > c->max_gpa)
        return false;
    for (int level = EPT_LEVELS; level >= 1; level--) {
        uint64_t *pe = &t[ept_index(gpa, level)];
        uint64_t e = __atomic_load_n(pe, __ATOMIC_RELAXED);
        if (!ept_e_present(e))
            return false;
        if (ept_e_is_leaf(e, level)) {
            w->present = true;
            w->level = level;
            w->page_size = ept_level_size(level);
            w->page_gpa = gpa & ~(w->page_size - 1);
            w->hpa = ept_e_addr(e, level) + (gpa - w->page_gpa);
            w->perms = ept_e_perms(e);
            w->accessed = e & EPT_E_A;
            w->dirty = e & EPT_E_D;
            w->soft = e & EPT_SOFT_MASK;
            w->entry = e;
            w->leaf = pe;
            return true;
        }
        t = ept_table_of(e);
    }
    return false;
}

static void leaves(uint64_t *t, int level, uint64_t base, uint64_t start,
                   uint64_t last, ept_leaf_fn fn, void *opaque)
{
    unsigned shift = ept_level_shift(level);
    uint64_t s = MAX(start, base), l = MIN(last, base + (1ull << (shift + 9)) - 1);

    for (unsigned i = (unsigned)((s - base) >> shift); i <= (unsigned)((l - base) >> shift); i++) {
        uint64_t e = t[i], es = base + ((uint64_t)i << shift);
        if (!ept_e_present(e))
            continue;
        if (ept_e_is_leaf(e, level))
            fn(opaque, es, level, &t[i]);
        else
            leaves(ept_table_of(e), level - 1, es, start, last, fn, opaque);
    }
}

void ept_for_each_leaf(const EptContext *c, uint64_t start, uint64_t last,
                       ept_leaf_fn fn, void *opaque)
{
    if (!c->root || start > last || start > c->max_gpa)
        return;
    leaves(c->root, EPT_LEVELS, 0, start, MIN(last, c->max_gpa), fn, opaque);
}

static void count_table(const uint64_t *t, int level, EptCounts *out, bool root)
{
    bool any = false;

    out->tables[level]++;
    for (unsigned i = 0; i < EPT_ENTRIES; i++) {
        if (!ept_e_present(t[i]))
            continue;
        any = true;
        if (ept_e_is_leaf(t[i], level))
            out->leaves[level]++;
        else
            count_table(ept_table_of(t[i]), level - 1, out, false);
    }
    if (!any && !root)
        out->empty_tables++;
}

void ept_count(const EptContext *c, EptCounts *out)
{
    memset(out, 0, sizeof(*out));
    if (c->root)
        count_table(c->root, EPT_LEVELS, out, true);
}

size_t ept_count_leaves(const EptContext *c)
{
    EptCounts n;

    ept_count(c, &n);
    return n.leaves[1] + n.leaves[2] + n.leaves[3];
}

/* A run of leaves of one size whose gpa, hpa and attributes all follow on. */
struct dump {
    ept_print_fn out;
    void *opaque;
    bool open;
    uint64_t start, next_gpa, hpa, next_hpa, attrs;
    int level;
    size_t n;
};

static void dump_flush(struct dump *d)
{
    static const char *const size_name[] = { "?", "4K", "2M", "1G", "512G" };
    uint64_t a = d->attrs;
    char line[160];

    if (!d->open)
        return;
    hv_snprintf(line, sizeof(line), "ept %016llx-%016llx -> %016llx %c%c%c %s x%zu%s%s",
                (unsigned long long)d->start, (unsigned long long)(d->next_gpa - 1),
                (unsigned long long)d->hpa, (a & EPT_E_R) ? 'r' : '-',
                (a & EPT_E_W) ? 'w' : '-', (a & EPT_E_X) ? 'x' : '-',
                size_name[d->level], d->n, (a & EPT_SOFT_LOG) ? " log" : "",
                (a & EPT_SOFT_WANT_W) ? " wp" : "");
    d->out(d->opaque, line);
    d->open = false;
}

static void dump_leaf(void *opaque, uint64_t gpa, int level, uint64_t *pe)
{
    struct dump *d = opaque;
    uint64_t e = *pe, attrs = ept_e_attrs(e);

    if (d->open && d->level == level && d->next_gpa == gpa &&
        d->next_hpa == ept_e_addr(e, level) && d->attrs == attrs) {
        d->n++;
    } else {
        dump_flush(d);
        d->open = true;
        d->start = gpa;
        d->hpa = ept_e_addr(e, level);
        d->attrs = attrs;
        d->level = level;
        d->n = 1;
    }
    d->next_gpa = gpa + ept_level_size(level);
    d->next_hpa = ept_e_addr(e, level) + ept_level_size(level);
}

void ept_dump(const EptContext *c, ept_print_fn out, void *opaque)
{
    struct dump d = { .out = out, .opaque = opaque };
    char line[96];
    EptCounts n;

    ept_count(c, &n);
    hv_snprintf(line, sizeof(line), "ept eptp %016llx: %zu x 1G, %zu x 2M, %zu x 4K, "
                "%zu tables", (unsigned long long)ept_eptp(c), n.leaves[3], n.leaves[2],
                n.leaves[1], n.tables[1] + n.tables[2] + n.tables[3] + n.tables[4]);
    out(opaque, line);
    ept_for_each_leaf(c, 0, c->max_gpa, dump_leaf, &d);
    dump_flush(&d);
}
