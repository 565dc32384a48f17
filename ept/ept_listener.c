/*
 * The flat-view listener: records the memory core's changes between begin
 * and commit, and at commit applies to the EPT only the guest-physical
 * ranges whose mapping differs (ept_runs_diff), as one all-or-nothing
 * batch.  When recording or applying fails, the EPT stays at the last good
 * view and the next commit rebuilds from the address space's current flat
 * view, so one failure never leaves the EPT drifting from the tree.
 */
#include "ept/ept_listener.h"

static EptListener *of(MemoryListener *l)
{
    return (EptListener *)l; /* ml is the first member */
}

static EptSection section_of(const MemoryRegionSection *s)
{
    return (EptSection){ s->start, s->last, s->mr, s->offset_within_region, s->flags,
                         s->dirty_log_mask };
}

static void el_begin(MemoryListener *l)
{
    EptListener *el = of(l);

    if (el->in_txn)
        return;
    el->in_txn = true;
    el->pending_failed = ept_sections_copy(&el->pending, &el->applied) != MR_OK;
}

/* An ept/ error as the memory API's code of the same meaning (out of
 * table pages stays out of memory; a refused range stays invalid). */
static int ept_to_mr(int e)
{
    return e == EPT_OK ? MR_OK : e == EPT_ENOMEM ? MR_ENOMEM : MR_EINVAL;
}

static int el_commit(MemoryListener *l);

/* Callbacks outside begin..commit still work: each is its own commit. */
static bool enter(EptListener *el)
{
    if (el->in_txn)
        return false;
    el_begin(&el->ml);
    return true;
}

static void leave(EptListener *el, bool own)
{
    if (own)
        (void)el_commit(&el->ml);
}

static void report_placement(EptListener *el, const MemoryRegionSection *s)
{
    uint8_t *ram;

    if (!(s->flags & FR_DIRECT_READ))
        return;
    if (s->last > el->ept.max_gpa)
        plat_log(LOG_WARN, "ept: %s at %#llx-%#llx lies beyond the %u-bit guest-physical "
                 "width: not mapped there", memory_region_name(s->mr),
                 (unsigned long long)s->start, (unsigned long long)s->last,
                 el->ept.caps.gpa_width);
    ram = memory_region_get_ram_ptr(s->mr);
    if (ram && ((plat_virt_to_phys(ram + s->offset_within_region) - s->start) &
                (EPT_PAGE_SIZE - 1)))
        plat_log(LOG_WARN, "ept: %s at %#llx: host memory not page aligned with the "
                 "guest address: every access traps", memory_region_name(s->mr),
                 (unsigned long long)s->start);
}

static void el_region_add(MemoryListener *l, const MemoryRegionSection *s)
{
    EptListener *el = of(l);
    bool own = enter(el);
    EptSection sec = section_of(s);

    report_placement(el, s);
    if (ept_sections_insert(&el->pending, &sec))
        el->pending_failed = true;
    leave(el, own);
}

/* Whether the EPT as committed logs anything in [start, last]. */
static bool logged_in(const EptListener *el, uint64_t start, uint64_t last)
{
    for (size_t i = ept_sections_lower_bound(&el->applied, start);
         i < el->applied.n && el->applied.v[i].start <= last; i++)
        if (el->applied.v[i].log)
            return true;
    return false;
}

static void el_region_del(MemoryListener *l, const MemoryRegionSection *s)
{
    EptListener *el = of(l);
    bool own = enter(el);

    /* A logged range leaving (disabled, moved, covered, remapped): what
     * the CPU recorded for it is taken now, while the EPT and the
     * committed sections still describe it; at commit its leaves go or
     * change, and later PML entries for these addresses would be reported
     * to whatever is there by then. */
    if (!el->closing && logged_in(el, s->start, s->last))
        ept_dirty_harvest_leaving(el, s->start, s->last);
    if (ept_sections_carve(&el->pending, s->start, s->last))
        el->pending_failed = true;
    leave(el, own);
}

/* An unchanged range: only its log mask may have moved. */
static void el_region_nop(MemoryListener *l, const MemoryRegionSection *s)
{
    EptListener *el = of(l);
    bool own = enter(el);

    if (ept_sections_set_log(&el->pending, s->start, s->last, s->dirty_log_mask))
        el->pending_failed = true;
    leave(el, own);
}

static void el_log_change(MemoryListener *l, const MemoryRegionSection *s,
                          unsigned old_mask, unsigned new_mask)
{
    EptListener *el = of(l);
    bool own = enter(el);

    /* PML entries logged before this change belong to the old masks (the
     * committed sections still have them): take them now, so a write from
     * before logging started is not reported to the new client. */
    if (el->ept.mode == EPT_DIRTY_PML && (new_mask & ~old_mask))
        for (EptPml *p = el->pml; p; p = p->next)
            ept_pml_drain(el, p);
    if (ept_sections_set_log(&el->pending, s->start, s->last, (uint8_t)new_mask))
        el->pending_failed = true;
    leave(el, own);
}

static void el_log_sync(MemoryListener *l, const MemoryRegionSection *s)
{
    ept_dirty_sync_range(of(l), s->start, s->last);
}

/* The pending list from the space's current flat view (after a failure). */
static int rebuild_pending(EptListener *el)
{
    const FlatView *v = address_space_flatview(el->as);

    el->pending.n = 0;
    for (size_t i = 0; v && i < v->nr; i++) {
        const FlatRange *fr = &v->ranges[i];
        EptSection s = { fr->start, fr->last, fr->mr, fr->offset_in_region, fr->flags,
                         fr->dirty_log_mask };
        if (ept_sections_insert(&el->pending, &s))
            return MR_ENOMEM;
    }
    return MR_OK;
}

static int el_commit(MemoryListener *l)
{
    EptListener *el = of(l);
    EptRunList runs = { 0 };
    EptPiece *pieces = NULL;
    size_t n = 0;
    int err;

    if (!el->in_txn)
        return MR_OK;
    el->in_txn = false;
    if (el->closing)
        return MR_OK; /* the tables are about to go as a whole */
    el->commits++;
    err = (el->pending_failed || el->resync) ? rebuild_pending(el) : MR_OK;
    if (!err)
        err = ept_runs_build(&runs, &el->pending, &el->ept);
    if (!err)
        err = ept_runs_diff(&el->applied_runs, &runs, &pieces, &n);
    if (!err && n)
        err = ept_to_mr(ept_apply(&el->ept, pieces, n));
    plat_free(pieces);
    if (err) {
        el->failed_commits++;
        el->resync = true;
        ept_runs_free(&runs);
        plat_log(LOG_ERR, "ept: commit failed (%s): the EPT keeps the previous view",
                 memory_strerror(err));
        return err;
    }
    /* The pending picture is now what the EPT holds. */
    EptSectionList t = el->applied;
    el->applied = el->pending;
    el->pending = t;
    ept_runs_free(&el->applied_runs);
    el->applied_runs = runs;
    el->resync = false;
    return MR_OK;
}

int ept_listener_init_mode(EptListener *el, const EptCaps *caps, size_t budget_pages,
                           AddressSpace *as, EptDirtyMode mode)
{
    int err;

    memset(el, 0, sizeof(*el));
    if (!as || (mode != EPT_DIRTY_WP && !caps->ad) || (mode == EPT_DIRTY_PML && !caps->pml)) {
        plat_log(LOG_ERR, "ept: listener: no address space, or %s logging without "
                 "the CPU support", ept_dirty_mode_name(mode));
        return MR_EINVAL;
    }
    if ((err = ept_init(&el->ept, caps, budget_pages)) != EPT_OK)
        return ept_to_mr(err);
    el->ept.mode = mode;
    el->as = as;
    el->ml.begin = el_begin;
    el->ml.commit = el_commit;
    el->ml.region_add = el_region_add;
    el->ml.region_del = el_region_del;
    el->ml.region_nop = el_region_nop;
    el->ml.log_start = el_log_change;
    el->ml.log_stop = el_log_change;
    el->ml.log_sync = el_log_sync;
    el->ml.priority = 10; /* after the memory core's own bookkeeping */
    err = memory_listener_register(&el->ml, as);
    if (err) {
        ept_listener_destroy(el);
        return err;
    }
    plat_log(LOG_INFO, "ept: listening to %s: eptp %#llx, %u-bit, pages 4K%s%s, "
             "dirty logging by %s", as->name ? as->name : "?",
             (unsigned long long)ept_eptp(&el->ept), el->ept.caps.gpa_width,
             caps->page_2m ? "/2M" : "", caps->page_1g ? "/1G" : "",
             ept_dirty_mode_name(mode));
    return MR_OK;
}

int ept_listener_init(EptListener *el, const EptCaps *caps, size_t budget_pages,
                      AddressSpace *as)
{
    return ept_listener_init_mode(el, caps, budget_pages, as, ept_dirty_mode_for(caps));
}

void ept_listener_destroy(EptListener *el)
{
    el->closing = true;
    if (el->ml.registered)
        memory_listener_unregister(&el->ml);
    ept_destroy(&el->ept);
    ept_sections_free(&el->applied);
    ept_sections_free(&el->pending);
    ept_runs_free(&el->applied_runs);
    plat_free(el->pml_clear);
    el->pml_clear = NULL;
    el->pml = NULL;
}

size_t ept_listener_check(EptListener *el, ept_print_fn out, void *opaque)
{
    return ept_check_view(&el->ept, address_space_flatview(el->as), out, opaque);
}
