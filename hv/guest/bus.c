/*
 * The guest machine's bus (bus.h): coalescing, the range cache, and the
 * address spaces, in that order.
 */
#include "hv/guest/bus.h"

#include "hv/lib/platform.h"

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

int bus_as_access(AddressSpace *as, uint64_t gpa, unsigned size, bool is_write, uint64_t *val)
{
    MemTxResult r;

    if (is_write) {
        r = address_space_write(as, gpa, val, size);
    } else {
        *val = 0;
        r = address_space_read(as, gpa, val, size);
    }
    /* Device refusals (MEMTX_ERROR) behave like the bus: no exception. */
    return r == MEMTX_DECODE_ERROR;
}

/* Everything the inline hot test (bus.h) does not take: a lookup
 * (refilling the cache), RAM and ROM ranges (dirty logging), other sizes,
 * an access that leaves the range, and devices the direct dispatch
 * declines. */
int bus_as_access_cached_slow(struct bus_cache *c, AddressSpace *as, uint64_t gpa,
                              unsigned size, bool is_write, uint64_t *val)
{
    const FlatRange *fr = c->fr;
    uint64_t off, v;
    MemTxResult r;

    if (!fr || c->as != as || c->view_gen != as->view_gen ||
        gpa < fr->start || gpa > fr->last) {
        fr = flatview_lookup(as->current, gpa);
        if (!fr)
            return bus_as_access(as, gpa, size, is_write, val);
        c->as = as;
        c->view_gen = as->view_gen;
        c->fr = fr;
    }
    /* RAM, ROM reads and other sizes: the general path (dirty logging,
     * splitting); so is an access that leaves the range */
    if ((fr->flags & (is_write ? FR_DIRECT_WRITE : FR_DIRECT_READ)) ||
        (size != 1 && size != 2 && size != 4 && size != 8) || fr->last - gpa < size - 1)
        return bus_as_access(as, gpa, size, is_write, val);
    off = fr->offset_in_region + (gpa - fr->start);
    if (memory_region_dispatch_direct(fr->mr, off, val, size, is_write))
        return 0;
    if (is_write) {
        r = memory_region_dispatch_write(fr->mr, off, *val & size_mask(size), size);
    } else {
        r = memory_region_dispatch_read(fr->mr, off, &v, size);
        *val = v & size_mask(size);
    }
    /* Device refusals (MEMTX_ERROR) behave like the bus: no exception. */
    return r == MEMTX_DECODE_ERROR;
}

uint8_t *bus_as_ram_ptr(AddressSpace *as, uint64_t gpa)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(as), gpa);

    if (!fr || !(fr->flags & FR_DIRECT_READ))
        return NULL;
    /* The emulator reads up to the end of gpa's page: the range must
     * cover it, or a neighbouring range could be skipped. */
    if (fr->last < (gpa | 0xfff))
        return NULL;
    return flatrange_ram_ptr(fr, gpa);
}

uint8_t *bus_as_ram_ptr_write(AddressSpace *as, uint64_t gpa)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(as), gpa);
    hwaddr off;

    if (!fr || !(fr->flags & FR_DIRECT_WRITE) || !(fr->flags & FR_DIRECT_READ) ||
        fr->last < (gpa | 0xfff))
        return NULL;
    off = fr->offset_in_region + (gpa - fr->start);
    if (fr->dirty_log_mask)
        memory_region_set_dirty(fr->mr, off, 1);
    return flatrange_ram_ptr(fr, gpa);
}

/* Through the coalescing layer: writes to a coalesced window queue up,
 * anything else delivers the queue first. */
int bus_mem_access_slow(struct guest_bus *b, uint64_t gpa, unsigned size, bool is_write,
                        uint64_t *val)
{
    MemTxResult r;

    if (is_write) {
        r = coalesced_mmio_write(b->cm, gpa, *val, size);
    } else {
        *val = 0;
        r = coalesced_mmio_read(b->cm, gpa, val, size);
    }
    return r == MEMTX_DECODE_ERROR;
}

int bus_port_access(struct guest_bus *b, uint16_t port, unsigned size, bool is_write,
                    uint64_t *val)
{
    MemTxResult r;

    if (b->cm && b->cm->count)
        coalesced_mmio_flush(b->cm); /* device order: queued MMIO first */
    if (is_write)
        return address_space_write(b->io, port, val, size) == MEMTX_DECODE_ERROR;
    *val = 0;
    r = address_space_read(b->io, port, val, size);
    if (r != MEMTX_OK)
        *val = size_mask(size);
    return r == MEMTX_DECODE_ERROR;
}
