/*
 * Helpers for memory API tests: a compact text form of a flat view, an
 * mtree capture, and a listener that records every call it gets.
 */
#ifndef TESTS_UNIT_MEM_HELPERS_H
#define TESTS_UNIT_MEM_HELPERS_H

#include "memory/memory.h"
#include "hv/lib/host/platform_host.h"
#include "tests/unit/test.h"

/* "start-last:name@offset" for each range, space separated. */
static inline const char *view_str(const AddressSpace *as)
{
    static char buf[8192];
    const FlatView *v = address_space_flatview(as);
    size_t n = 0;

    buf[0] = 0;
    for (size_t i = 0; v && i < v->nr; i++) {
        const FlatRange *r = &v->ranges[i];
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%" PRIx64 "-%" PRIx64 ":%s@%" PRIx64,
                              i ? " " : "", r->start, r->last, r->mr->name,
                              r->offset_in_region);
        if (n >= sizeof(buf))
            break;
    }
    return buf;
}

struct capture {
    char text[16384];
    size_t n;
};

static inline void capture_line(void *ctx, const char *line)
{
    struct capture *c = ctx;
    c->n += (size_t)snprintf(c->text + c->n, sizeof(c->text) - c->n, "%s\n", line);
    if (c->n >= sizeof(c->text))
        c->n = sizeof(c->text) - 1;
}

/* A listener that logs each callback as a line of text. */
struct rec_listener {
    MemoryListener l;
    char log[16384];
    size_t n;
    int begins, commits, adds, dels, nops, log_starts, log_stops, syncs;
    int coal_adds, coal_dels;
};

static inline void rec_printf(struct rec_listener *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void rec_printf(struct rec_listener *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->n += (size_t)vsnprintf(r->log + r->n, sizeof(r->log) - r->n, fmt, ap);
    va_end(ap);
    if (r->n >= sizeof(r->log))
        r->n = sizeof(r->log) - 1;
}

#define REC(l) ((struct rec_listener *)(l))
static inline void rec_begin(MemoryListener *l) { REC(l)->begins++; rec_printf(REC(l), "begin\n"); }
static inline int rec_commit(MemoryListener *l) { REC(l)->commits++; rec_printf(REC(l), "commit\n"); return 0; }
static inline void rec_add(MemoryListener *l, const MemoryRegionSection *s)
{ REC(l)->adds++; rec_printf(REC(l), "add %s %" PRIx64 "-%" PRIx64 "\n", s->mr->name, s->start, s->last); }
static inline void rec_del(MemoryListener *l, const MemoryRegionSection *s)
{ REC(l)->dels++; rec_printf(REC(l), "del %s %" PRIx64 "-%" PRIx64 "\n", s->mr->name, s->start, s->last); }
static inline void rec_nop(MemoryListener *l, const MemoryRegionSection *s)
{ REC(l)->nops++; (void)s; }
static inline void rec_log_start(MemoryListener *l, const MemoryRegionSection *s, unsigned o, unsigned n)
{ REC(l)->log_starts++; rec_printf(REC(l), "log_start %s %u->%u\n", s->mr->name, o, n); }
static inline void rec_log_stop(MemoryListener *l, const MemoryRegionSection *s, unsigned o, unsigned n)
{ REC(l)->log_stops++; rec_printf(REC(l), "log_stop %s %u->%u\n", s->mr->name, o, n); }
static inline void rec_sync(MemoryListener *l, const MemoryRegionSection *s)
{ REC(l)->syncs++; rec_printf(REC(l), "sync %s %" PRIx64 "-%" PRIx64 "\n", s->mr->name, s->start, s->last); }
static inline void rec_coal_add(MemoryListener *l, const MemoryRegionSection *s, hwaddr a, uint64_t n)
{ REC(l)->coal_adds++; rec_printf(REC(l), "coal_add %s %" PRIx64 "+%" PRIx64 "\n", s->mr->name, a, n); }
static inline void rec_coal_del(MemoryListener *l, const MemoryRegionSection *s, hwaddr a, uint64_t n)
{ REC(l)->coal_dels++; rec_printf(REC(l), "coal_del %s %" PRIx64 "+%" PRIx64 "\n", s->mr->name, a, n); }

static inline void rec_init(struct rec_listener *r, int priority)
{
    memset(r, 0, sizeof(*r));
    r->l.begin = rec_begin;
    r->l.commit = rec_commit;
    r->l.region_add = rec_add;
    r->l.region_del = rec_del;
    r->l.region_nop = rec_nop;
    r->l.log_start = rec_log_start;
    r->l.log_stop = rec_log_stop;
    r->l.log_sync = rec_sync;
    r->l.coalesced_add = rec_coal_add;
    r->l.coalesced_del = rec_coal_del;
    r->l.priority = priority;
}

static inline void rec_clear(struct rec_listener *r)
{
    MemoryListener keep = r->l;
    memset(r, 0, sizeof(*r));
    r->l = keep;
}

#endif
