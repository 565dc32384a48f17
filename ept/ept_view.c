/*
 * The listener's picture of the flat view: a sorted list of sections that
 * region_add/del and log_start/stop edit, the page-aligned runs the EPT
 * should map for it, and the difference between two run lists as pieces
 * for ept_apply.
 */
#include "ept/ept_listener.h"
#include "hv/lib/vec.h"

/* ------------------------------------------------------------ sections */
size_t ept_sections_lower_bound(const EptSectionList *l, uint64_t gpa)
{
    size_t lo = 0, hi = l->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].last < gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int insert_at(EptSectionList *l, size_t i, const EptSection *s)
{
    if (!vec_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), l->n))
        return MR_ENOMEM;
    memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
    l->v[i] = *s;
    l->n++;
    return MR_OK;
}

/* Makes `at` the first address of a section if a section spans it. */
static int split_at(EptSectionList *l, uint64_t at)
{
    size_t i = ept_sections_lower_bound(l, at);
    EptSection tail;

    if (i == l->n || l->v[i].start >= at)
        return MR_OK;
    tail = l->v[i];
    tail.offset += at - tail.start;
    tail.start = at;
    l->v[i].last = at - 1;
    return insert_at(l, i + 1, &tail);
}

/* Cuts [start, last] out.  Splits first, so a failure changes nothing
 * that matters (a split section still describes the same mapping). */
int ept_sections_carve(EptSectionList *l, uint64_t start, uint64_t last)
{
    size_t i, j;

    if (split_at(l, start) || (last != UINT64_MAX && split_at(l, last + 1)))
        return MR_ENOMEM;
    i = ept_sections_lower_bound(l, start);
    for (j = i; j < l->n && l->v[j].last <= last; j++)
        ;
    if (j > i && j < l->n)
        memmove(&l->v[i], &l->v[j], (l->n - j) * sizeof(*l->v));
    l->n -= j - i;
    return MR_OK;
}

int ept_sections_insert(EptSectionList *l, const EptSection *s)
{
    if (ept_sections_carve(l, s->start, s->last))
        return MR_ENOMEM;
    return insert_at(l, ept_sections_lower_bound(l, s->start), s);
}

int ept_sections_set_log(EptSectionList *l, uint64_t start, uint64_t last, uint8_t log)
{
    if (split_at(l, start) || (last != UINT64_MAX && split_at(l, last + 1)))
        return MR_ENOMEM;
    for (size_t i = ept_sections_lower_bound(l, start); i < l->n && l->v[i].start <= last; i++)
        l->v[i].log = log;
    return MR_OK;
}

int ept_sections_copy(EptSectionList *dst, const EptSectionList *src)
{
    dst->n = 0;
    if (src->n > dst->cap) {
        EptSection *v = plat_alloc(src->n * sizeof(*v));
        if (!v)
            return MR_ENOMEM;
        plat_free(dst->v);
        dst->v = v;
        dst->cap = src->n;
    }
    if (src->n)
        memcpy(dst->v, src->v, src->n * sizeof(*src->v));
    dst->n = src->n;
    return MR_OK;
}

void ept_sections_free(EptSectionList *l)
{
    plat_free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------- runs */
/* What a section asks of the EPT; false when it maps nothing. */
static bool section_run(const EptSection *s, const EptContext *c, EptRun *r)
{
    uint8_t *ram;

    if (!(s->flags & FR_DIRECT_READ) || !(ram = memory_region_get_ram_ptr(s->mr)))
        return false;
    r->start = s->start;
    r->last = s->last;
    r->hpa = plat_virt_to_phys(ram + s->offset);
    r->perms = EPT_PERM_R | EPT_PERM_X;
    r->soft = s->log ? EPT_SOFT_LOG : 0;
    if (s->flags & FR_DIRECT_WRITE) {
        if (s->log && c->mode == EPT_DIRTY_WP)
            r->soft |= EPT_SOFT_WANT_W;
        else
            r->perms |= EPT_PERM_W;
    }
    return true;
}

static bool continues(const EptRun *a, const EptRun *b)
{
    return a->last + 1 == b->start && a->perms == b->perms && a->soft == b->soft &&
           a->hpa + (b->start - a->start) == b->hpa;
}

/* Trims a run to whole pages within the width; false if nothing is left
 * (or the host address is not page aligned relative to the guest's). */
static bool trim(EptRun *r, const EptContext *c)
{
    uint64_t last, s, e;

    if (r->start > c->max_gpa)
        return false;
    last = MIN(r->last, c->max_gpa);
    s = (r->start + EPT_PAGE_SIZE - 1) & ~(EPT_PAGE_SIZE - 1); /* < 2^48: no wrap */
    e = (last + 1) & ~(EPT_PAGE_SIZE - 1);                     /* exclusive end */
    if (s >= e)
        return false;
    r->hpa += s - r->start;
    r->start = s;
    r->last = e - 1;
    return (r->hpa & (EPT_PAGE_SIZE - 1)) == 0;
}

int ept_runs_build(EptRunList *out, const EptSectionList *secs, const EptContext *c)
{
    EptRun cur, r;
    bool open = false;

    out->n = 0;
    for (size_t i = 0; i <= secs->n; i++) {
        bool have = i < secs->n && section_run(&secs->v[i], c, &r);
        if (have && open && continues(&cur, &r)) {
            cur.last = r.last;
            continue;
        }
        if (open && trim(&cur, c)) {
            if (!vec_reserve((void **)&out->v, &out->cap, out->n + 1, sizeof(*out->v), out->n))
                return MR_ENOMEM;
            out->v[out->n++] = cur;
        }
        open = have;
        cur = r;
    }
    return MR_OK;
}

void ept_runs_free(EptRunList *l)
{
    plat_free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------- diff */
struct pieces {
    EptPiece *v;
    size_t n, cap;
};

static bool same_desc(const EptDesc *a, const EptDesc *b, uint64_t at)
{
    if (a->present != b->present)
        return false;
    return !a->present || (a->perms == b->perms && a->soft == b->soft &&
                           a->hpa + (at - a->gpa) == b->hpa + (at - b->gpa));
}

static int emit(struct pieces *p, uint64_t s, uint64_t l, const EptDesc *d)
{
    EptPiece *last = p->n ? &p->v[p->n - 1] : NULL;

    if (last && last->last + 1 == s && same_desc(&last->d, d, s)) {
        last->last = l;
        return MR_OK;
    }
    if (!vec_reserve((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v), p->n))
        return MR_ENOMEM;
    p->v[p->n++] = (EptPiece){ s, l, *d };
    return MR_OK;
}

static EptDesc run_desc(const EptRun *r)
{
    return (EptDesc){ true, r->hpa, r->start, r->perms, r->soft };
}

/*
 * Sweeps both sorted lists.  At each position `pos` the old and new
 * mappings are each a run or a hole; the segment lasts until either
 * changes.  Runs live below 2^48, so pos never wraps.
 */
int ept_runs_diff(const EptRunList *from, const EptRunList *to, EptPiece **out, size_t *n)
{
    struct pieces p = { 0 };
    size_t i = 0, j = 0;
    uint64_t pos = 0;
    const EptDesc hole = { .present = false };

    while (i < from->n || j < to->n) {
        const EptRun *a = i < from->n ? &from->v[i] : NULL;
        const EptRun *b = j < to->n ? &to->v[j] : NULL;
        bool in_a = a && a->start <= pos, in_b = b && b->start <= pos;
        uint64_t end = UINT64_MAX;

        if (!in_a && !in_b) {
            pos = MIN(a ? a->start : UINT64_MAX, b ? b->start : UINT64_MAX);
            continue;
        }
        end = MIN(in_a ? a->last : a ? a->start - 1 : end, end);
        end = MIN(in_b ? b->last : b ? b->start - 1 : end, end);
        EptDesc da = in_a ? run_desc(a) : hole, db = in_b ? run_desc(b) : hole;
        if (!same_desc(&da, &db, pos) && emit(&p, pos, end, &db)) {
            plat_free(p.v);
            return MR_ENOMEM;
        }
        if (in_a && end == a->last)
            i++;
        if (in_b && end == b->last)
            j++;
        pos = end + 1;
    }
    *out = p.v;
    *n = p.n;
    return MR_OK;
}
