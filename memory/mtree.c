/*
 * `info mtree`-style dumps, in QEMU's line format:
 *   START-END (prio P, KIND): NAME
 *   START-END (prio P, KIND): alias NAME @TARGET TSTART-TEND
 * with addresses as 16 hex digits, ends inclusive, two spaces of indent per
 * level, and " [disabled]" on disabled regions.  KIND is i/o (containers
 * and MMIO), ram, rom (ROM and read-only RAM) or romd (a ROM device).
 */
#include "memory/internal.h"
#include "hv/lib/fmt.h"

struct printer {
    memory_print_fn out;
    void *ctx;
    uint64_t epoch;
    MemoryRegion *targets[16]; /* alias targets still to print */
    unsigned ntargets;
};

static const char *kind_name(const MemoryRegion *mr)
{
    while (mr->kind == MR_KIND_ALIAS)
        mr = mr->alias;
    switch (mr->kind) {
    case MR_KIND_RAM: return mr->readonly ? "rom" : "ram";
    case MR_KIND_ROM: return "rom";
    case MR_KIND_ROMD: return "romd";
    default: return "i/o";
    }
}

static uint64_t last_of(msize_t start, msize_t size)
{
    return (uint64_t)(start + size - 1);
}

static void line(struct printer *p, unsigned depth, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
static void line(struct printer *p, unsigned depth, const char *fmt, ...)
{
    char buf[320];
    unsigned n = MIN(depth * 2, 64u);
    va_list ap;

    memset(buf, ' ', n);
    va_start(ap, fmt);
    hv_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    va_end(ap);
    p->out(p->ctx, buf);
}

static void note_target(struct printer *p, MemoryRegion *t)
{
    for (unsigned i = 0; i < p->ntargets; i++)
        if (p->targets[i] == t)
            return;
    if (p->ntargets < ARRAY_SIZE(p->targets))
        p->targets[p->ntargets++] = t;
}

/* Children in address order, then priority order (stable). */
static size_t sorted_children(MemoryRegion *mr, MemoryRegion ***out)
{
    size_t n = 0, i, j;
    MemoryRegion *c, **a;

    for (c = mr->subregions; c; c = c->next_sibling)
        n++;
    *out = a = n ? plat_alloc(n * sizeof(*a)) : NULL;
    if (!a)
        return 0;
    for (i = 0, c = mr->subregions; c; c = c->next_sibling, i++) {
        for (j = i; j > 0 && a[j - 1]->addr > c->addr; j--)
            a[j] = a[j - 1];
        a[j] = c;
    }
    return n;
}

static void print_tree(struct printer *p, MemoryRegion *mr, msize_t base,
                       unsigned depth)
{
    msize_t start = base + mr->addr;
    const char *off = mr->enabled ? "" : " [disabled]";
    MemoryRegion **kids;
    size_t n;

    mr->visit_epoch = p->epoch;
    if (mr->kind == MR_KIND_ALIAS) {
        line(p, depth, "%016llx-%016llx (prio %d, %s): alias %s @%s "
             "%016llx-%016llx%s", (unsigned long long)start,
             (unsigned long long)last_of(start, mr->size), mr->priority,
             kind_name(mr), mr->name, mr->alias->name,
             (unsigned long long)mr->alias_offset,
             (unsigned long long)last_of(mr->alias_offset, mr->size), off);
        note_target(p, mr->alias);
        return;
    }
    line(p, depth, "%016llx-%016llx (prio %d, %s): %s%s",
         (unsigned long long)start, (unsigned long long)last_of(start, mr->size),
         mr->priority, kind_name(mr), mr->name, off);
    n = sorted_children(mr, &kids);
    for (size_t i = 0; i < n; i++)
        print_tree(p, kids[i], start, depth + 1);
    plat_free(kids);
}

void memory_mtree_print(AddressSpace *as, memory_print_fn out, void *ctx)
{
    struct printer p = { .out = out, .ctx = ctx, .epoch = ++memory_state.epoch };

    line(&p, 0, "address-space: %s", as->name);
    /* The root is shown at 0 whatever its own addr says. */
    print_tree(&p, as->root, -(msize_t)as->root->addr, 1);
    for (unsigned i = 0; i < p.ntargets; i++) {
        MemoryRegion *t = p.targets[i];
        if (t->visit_epoch == p.epoch)
            continue;
        line(&p, 0, "%s", "");
        line(&p, 0, "memory-region: %s", t->name);
        print_tree(&p, t, -(msize_t)t->addr, 1);
    }
}

void memory_flatview_print(AddressSpace *as, memory_print_fn out, void *ctx)
{
    struct printer p = { .out = out, .ctx = ctx };
    const FlatView *v = as->current;
    size_t n = v ? v->nr : 0;

    line(&p, 0, "flat view of address-space: %s (%zu ranges)", as->name, n);
    for (size_t i = 0; i < n; i++) {
        const FlatRange *fr = &v->ranges[i];
        char at[32] = "";
        if (fr->offset_in_region)
            hv_snprintf(at, sizeof(at), " @%016llx",
                        (unsigned long long)fr->offset_in_region);
        line(&p, 1, "%016llx-%016llx (prio %d, %s): %s%s",
             (unsigned long long)fr->start, (unsigned long long)fr->last,
             fr->mr->priority, kind_name(fr->mr), fr->mr->name, at);
    }
}
