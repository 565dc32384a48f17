/* Coalesced MMIO layer: see coalesced.h. */
#include "devices/coalesced.h"
#include "hv/lib/platform.h"

#define CM_OF(l) ((CoalescedMmio *)((char *)(l) - offsetof(CoalescedMmio, listener)))

/* ------------------------------------------------------------- delivery */
static void flush(CoalescedMmio *c, enum coalesced_flush_reason why)
{
    if (!c->count)
        return;
    c->batches++;
    c->flushes[why]++;
    while (c->count) {
        CoalescedEntry *e = &c->ring[c->head];

        c->head = (c->head + 1) % c->ring_size;
        c->count--;
        c->delivered++;
        if (memory_region_dispatch_write(e->mr, e->offset, e->data, e->size) != MEMTX_OK) {
            c->errors++;
            plat_log(LOG_WARN, "coalesced: write of %u bytes at 0x%llx refused by %s",
                     e->size, (unsigned long long)e->addr, memory_region_name(e->mr));
        }
    }
    c->head = 0;
}

void coalesced_mmio_flush(CoalescedMmio *c)
{
    flush(c, COALESCED_FLUSH_EXPLICIT);
}

/* ---------------------------------------------------------------- zones */
static const CoalescedZone *zone_of(const CoalescedMmio *c, hwaddr addr, unsigned size)
{
    hwaddr last = addr + size - 1;
    size_t i;

    if (last < addr)
        return NULL;
    for (i = 0; i < c->nr_zones; i++)
        if (addr >= c->zones[i].start && last <= c->zones[i].last)
            return &c->zones[i];
    return NULL;
}

bool coalesced_mmio_covers(const CoalescedMmio *c, hwaddr addr, unsigned size)
{
    return zone_of(c, addr, size) != NULL;
}

static void cm_coalesced_add(MemoryListener *l, const MemoryRegionSection *s,
                             hwaddr start, uint64_t size)
{
    CoalescedMmio *c = CM_OF(l);
    CoalescedZone *z;

    if (c->nr_zones == c->cap_zones) {
        size_t cap = c->cap_zones ? c->cap_zones * 2 : 8;
        CoalescedZone *nz = plat_alloc(cap * sizeof(*nz));

        if (!nz) {
            /* Safe to miss: writes there are then delivered at once. */
            plat_log(LOG_ERR, "coalesced: no memory for zone 0x%llx, not coalescing",
                     (unsigned long long)start);
            return;
        }
        if (c->nr_zones)
            memcpy(nz, c->zones, c->nr_zones * sizeof(*nz));
        plat_free(c->zones);
        c->zones = nz;
        c->cap_zones = cap;
    }
    z = &c->zones[c->nr_zones++];
    z->start = start;
    z->last = start + size - 1; /* size 0: the whole 2^64 space */
    z->mr = s->mr;
    z->mr_offset = s->offset_within_region + (start - s->start);
}

/* Drops every zone inside [start, start+size): called per whole section. */
static void cm_coalesced_del(MemoryListener *l, const MemoryRegionSection *s,
                             hwaddr start, uint64_t size)
{
    CoalescedMmio *c = CM_OF(l);
    hwaddr last = start + size - 1;
    size_t i = 0;

    (void)s;
    flush(c, COALESCED_FLUSH_TOPOLOGY);
    while (i < c->nr_zones) {
        if (c->zones[i].start >= start && c->zones[i].last <= last)
            c->zones[i] = c->zones[--c->nr_zones];
        else
            i++;
    }
}

/* The map is about to change: deliver under the map the guest wrote to. */
static void cm_begin(MemoryListener *l)
{
    flush(CM_OF(l), COALESCED_FLUSH_TOPOLOGY);
}

/* --------------------------------------------------------------- access */
static void put_le(uint8_t *buf, uint64_t v, unsigned size)
{
    unsigned i;

    for (i = 0; i < size; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *buf, unsigned size)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

MemTxResult coalesced_mmio_write(CoalescedMmio *c, hwaddr addr, uint64_t data,
                                 unsigned size)
{
    const CoalescedZone *z;
    CoalescedEntry *e;
    uint8_t buf[8];

    if (!size_ok(size))
        return MEMTX_ERROR;
    z = zone_of(c, addr, size);
    if (!z) {
        flush(c, COALESCED_FLUSH_ACCESS);
        put_le(buf, data, size);
        return address_space_write(c->as, addr, buf, size);
    }
    if (c->count == c->ring_size)
        flush(c, COALESCED_FLUSH_FULL);
    e = &c->ring[(c->head + c->count++) % c->ring_size];
    e->mr = z->mr;
    e->offset = z->mr_offset + (addr - z->start);
    e->addr = addr;
    e->data = data;
    e->size = size;
    c->queued++;
    return MEMTX_OK;
}

MemTxResult coalesced_mmio_read(CoalescedMmio *c, hwaddr addr, uint64_t *data,
                                unsigned size)
{
    uint8_t buf[8];
    MemTxResult r;

    if (!size_ok(size))
        return MEMTX_ERROR;
    flush(c, COALESCED_FLUSH_ACCESS);
    r = address_space_read(c->as, addr, buf, size);
    *data = get_le(buf, size);
    return r;
}

uint64_t coalesced_mmio_exits_saved(const CoalescedMmio *c)
{
    return c->delivered - c->batches;
}

/* ----------------------------------------------------------- life cycle */
int coalesced_mmio_init(CoalescedMmio *c, AddressSpace *as, unsigned ring_entries)
{
    int err;

    if (!c || !as)
        return MR_EINVAL;
    memset(c, 0, sizeof(*c));
    c->as = as;
    c->ring_size = ring_entries ? ring_entries : COALESCED_RING_DEFAULT;
    c->ring = plat_alloc(c->ring_size * sizeof(*c->ring));
    if (!c->ring) {
        plat_log(LOG_ERR, "coalesced: no memory for a %u-entry ring", c->ring_size);
        return MR_ENOMEM;
    }
    c->listener.begin = cm_begin;
    c->listener.coalesced_add = cm_coalesced_add;
    c->listener.coalesced_del = cm_coalesced_del;
    err = memory_listener_register(&c->listener, as);
    if (err) {
        plat_free(c->ring);
        c->ring = NULL;
    }
    return err;
}

void coalesced_mmio_destroy(CoalescedMmio *c)
{
    flush(c, COALESCED_FLUSH_EXPLICIT);
    memory_listener_unregister(&c->listener);
    plat_free(c->zones);
    plat_free(c->ring);
    c->zones = NULL;
    c->ring = NULL;
    c->nr_zones = c->cap_zones = 0;
}
