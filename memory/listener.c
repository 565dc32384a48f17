/*
 * Listeners: what changed between two flat views, told in a fixed order.
 * begin (ascending priority), region_del (descending), then region_add /
 * region_nop with log_start / log_stop (ascending), commit (ascending).
 * A range counts as the same in both views when its extent, region, offset
 * and access flags agree; a change of dirty-log mask alone is a nop with
 * log_start/log_stop.  region_add carries the range's log mask itself.
 */
#include "memory/internal.h"

MemoryRegionSection memory_section(AddressSpace *as, const FlatRange *fr)
{
    return (MemoryRegionSection){
        .mr = fr->mr, .as = as, .offset_within_region = fr->offset_in_region,
        .start = fr->start, .last = fr->last, .flags = fr->flags,
        .dirty_log_mask = fr->dirty_log_mask,
    };
}

static bool listens_to(const MemoryListener *l, const AddressSpace *as)
{
    return !l->as || l->as == as;
}

void memory_listeners_begin(void)
{
    for (MemoryListener *l = memory_state.listeners; l; l = l->next)
        if (l->begin)
            l->begin(l);
}

int memory_listeners_commit(void)
{
    int first = 0, err;

    for (MemoryListener *l = memory_state.listeners; l; l = l->next) {
        if (l->commit && (err = l->commit(l)) != 0 && !first)
            first = err;
    }
    return first;
}

/* Coalesced ranges of fr's region, as guest-physical intersections. */
static void announce_coalesced(MemoryListener *l, const MemoryRegionSection *s)
{
    for (CoalescedRange *c = s->mr->coalesced; c; c = c->next) {
        msize_t cs = c->offset, ce = (msize_t)c->offset + c->size;
        msize_t rs = s->offset_within_region;
        msize_t re = rs + ((msize_t)s->last - s->start) + 1;
        msize_t lo = MAX(cs, rs), hi = MIN(ce, re);
        if (lo < hi)
            l->coalesced_add(l, s, s->start + (hwaddr)(lo - rs), (uint64_t)(hi - lo));
    }
}

static uint64_t section_size(const MemoryRegionSection *s)
{
    return s->last - s->start + 1; /* 0 for the whole 2^64 */
}

static void tell_del(MemoryListener *l, const MemoryRegionSection *s)
{
    if (l->coalesced_del && (s->mr->coalesced || s->mr->coalesced_changed))
        l->coalesced_del(l, s, s->start, section_size(s));
    if (l->region_del)
        l->region_del(l, s);
}

static void tell_add(MemoryListener *l, const MemoryRegionSection *s)
{
    if (l->region_add)
        l->region_add(l, s);
    if (l->coalesced_add)
        announce_coalesced(l, s);
}

static void tell_nop(MemoryListener *l, const MemoryRegionSection *s,
                     unsigned old_mask)
{
    unsigned new_mask = s->dirty_log_mask;

    if (l->region_nop)
        l->region_nop(l, s);
    if ((new_mask & ~old_mask) && l->log_start)
        l->log_start(l, s, old_mask, new_mask);
    if ((old_mask & ~new_mask) && l->log_stop)
        l->log_stop(l, s, old_mask, new_mask);
    if (s->mr->coalesced_changed) {
        if (l->coalesced_del)
            l->coalesced_del(l, s, s->start, section_size(s));
        if (l->coalesced_add)
            announce_coalesced(l, s);
    }
}

static bool same_range(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->last == b->last && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region && a->flags == b->flags;
}

/* Walks both sorted views; `dels` selects the pass. */
static void diff_pass(MemoryListener *l, AddressSpace *as, const FlatView *o,
                      const FlatView *n, bool dels)
{
    size_t i = 0, j = 0, no = o ? o->nr : 0, nn = n ? n->nr : 0;
    MemoryRegionSection s;

    while (i < no || j < nn) {
        const FlatRange *a = i < no ? &o->ranges[i] : NULL;
        const FlatRange *b = j < nn ? &n->ranges[j] : NULL;
        if (a && b && same_range(a, b)) {
            s = memory_section(as, b);
            if (!dels)
                tell_nop(l, &s, a->dirty_log_mask);
            i++, j++;
        } else if (a && (!b || a->start <= b->start)) {
            s = memory_section(as, a);
            if (dels)
                tell_del(l, &s);
            i++;
        } else {
            s = memory_section(as, b);
            if (!dels)
                tell_add(l, &s);
            j++;
        }
    }
}

static MemoryListener *last_listener(void)
{
    MemoryListener *l = memory_state.listeners;

    while (l && l->next)
        l = l->next;
    return l;
}

static MemoryListener *prev_listener(MemoryListener *x)
{
    MemoryListener *l = memory_state.listeners;

    while (l && l->next != x)
        l = l->next;
    return l;
}

static void clear_coalesced_changed(const FlatView *v)
{
    for (size_t i = 0; v && i < v->nr; i++)
        v->ranges[i].mr->coalesced_changed = false;
}

void memory_listeners_diff(AddressSpace *as, const FlatView *old_view,
                           const FlatView *new_view)
{
    MemoryListener *l;

    for (l = last_listener(); l; l = prev_listener(l))
        if (listens_to(l, as))
            diff_pass(l, as, old_view, new_view, true);
    for (l = memory_state.listeners; l; l = l->next)
        if (listens_to(l, as))
            diff_pass(l, as, old_view, new_view, false);
    clear_coalesced_changed(old_view);
    clear_coalesced_changed(new_view);
}

/* Tells one listener the whole current view of as, as adds or as dels. */
void memory_listeners_replay(MemoryListener *l, AddressSpace *as, bool add)
{
    const FlatView *v = as->current;
    size_t n = v ? v->nr : 0;

    for (size_t k = 0; k < n; k++) {
        size_t idx = add ? k : n - 1 - k;
        MemoryRegionSection s = memory_section(as, &v->ranges[idx]);
        if (add)
            tell_add(l, &s);
        else
            tell_del(l, &s);
    }
}

int memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    MemoryListener **pp = &memory_state.listeners;
    int err = MR_OK;

    if (!l || l->registered)
        return memory_refuse(MR_EBUSY, "listener_register: NULL or registered");
    l->as = as;
    while (*pp && (*pp)->priority <= l->priority)
        pp = &(*pp)->next;
    l->next = *pp;
    *pp = l;
    l->registered = true;
    if (l->begin)
        l->begin(l);
    for (AddressSpace *s = memory_state.spaces; s; s = s->next)
        if (listens_to(l, s))
            memory_listeners_replay(l, s, true);
    if (l->commit)
        err = l->commit(l);
    return err;
}

void memory_listener_unregister(MemoryListener *l)
{
    MemoryListener **pp = &memory_state.listeners;

    if (!l || !l->registered)
        return;
    if (l->begin)
        l->begin(l);
    for (AddressSpace *s = memory_state.spaces; s; s = s->next)
        if (listens_to(l, s))
            memory_listeners_replay(l, s, false);
    if (l->commit)
        l->commit(l);
    while (*pp && *pp != l)
        pp = &(*pp)->next;
    if (*pp)
        *pp = l->next;
    l->next = NULL;
    l->registered = false;
}
