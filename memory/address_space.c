/*
 * Address spaces: a root region, its current flat view, and byte-level
 * access that splits at region boundaries.
 */
#include "memory/internal.h"

int address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    AddressSpace **pp = &memory_state.spaces;

    if (!as || !root || !root->initialized)
        return memory_refuse(MR_EINVAL, "address_space_init %s: no root",
                             name ? name : "?");
    for (AddressSpace *s = memory_state.spaces; s; s = s->next)
        if (s == as)
            return memory_refuse(MR_EBUSY, "address_space_init %s: already "
                                 "initialised", name ? name : "?");
    *as = (AddressSpace){ .name = name ? name : "?", .root = root };
    while (*pp)
        pp = &(*pp)->next;
    *pp = as;
    root->users++;
    memory_region_transaction_begin();
    memory_state.topology_changed = true;
    return memory_region_transaction_commit();
}

void address_space_destroy(AddressSpace *as)
{
    AddressSpace **pp = &memory_state.spaces;

    while (*pp && *pp != as)
        pp = &(*pp)->next;
    if (!*pp) {
        plat_log(LOG_ERR, "memory: address_space_destroy: not initialised");
        return;
    }
    memory_listeners_begin();
    for (MemoryListener *l = memory_state.listeners; l; l = l->next)
        if (!l->as || l->as == as)
            memory_listeners_replay(l, as, false);
    memory_listeners_commit();
    *pp = as->next;
    as->root->users--;
    flatview_unref(as->current);
    as->current = NULL;
    if (!memory_state.spaces)
        memory_scratch_release();
}

const FlatView *address_space_flatview(const AddressSpace *as)
{
    return as->current;
}

/* Reads/writes of unassigned space: counted; logged at 1, 2, 4, 8, ... */
static void note_unassigned(AddressSpace *as, hwaddr addr, size_t len,
                            bool is_write)
{
    uint64_t *count = is_write ? &as->unassigned_writes : &as->unassigned_reads;
    uint64_t n = ++*count;

    if ((n & (n - 1)) == 0)
        plat_log(LOG_WARN, "memory: as %s: unassigned %s at %llx (%zu bytes), "
                 "%llu so far", as->name, is_write ? "write" : "read",
                 (unsigned long long)addr, len, (unsigned long long)n);
}

/* Size of the next dispatched piece of len bytes at region offset off:
 * exactly len when it is 1, 2, 4 or 8 (one guest access, which the region
 * may refuse); otherwise the largest aligned size the region takes. */
static unsigned piece_size(const MemoryRegion *mr, hwaddr off, uint64_t len,
                           bool whole)
{
    unsigned p = 8;

    if (whole && (len == 1 || len == 2 || len == 4 || len == 8))
        return (unsigned)len;
    if (mr->ops && mr->ops->valid.max_access_size)
        p = MIN(8u, mr->ops->valid.max_access_size);
    while (p > len || (off & (p - 1)))
        p >>= 1;
    return p;
}

/* Dispatches [addr, addr+len) inside one flat range through its region. */
static MemTxResult dispatch_chunk(const FlatRange *fr, hwaddr addr, uint8_t *buf,
                                  uint64_t len, bool is_write)
{
    hwaddr off = fr->offset_in_region + (addr - fr->start);
    MemTxResult r = MEMTX_OK;
    bool whole = true;
    uint64_t v;

    for (; len; whole = false) {
        unsigned p = piece_size(fr->mr, off, len, whole);
        if (is_write) {
            r |= memory_region_dispatch_write(fr->mr, off, load_bytes(buf, p, false), p);
        } else {
            r |= memory_region_dispatch_read(fr->mr, off, &v, p);
            store_bytes(buf, v, p, false);
        }
        off += p;
        buf += p;
        len -= p;
    }
    return r;
}

static MemTxResult access_range(const FlatRange *fr, hwaddr addr, uint8_t *buf,
                                uint64_t len, bool is_write)
{
    hwaddr off = fr->offset_in_region + (addr - fr->start);

    /* Only direct ranges have RAM behind them (I/O regions have none). */
    if (!is_write && (fr->flags & FR_DIRECT_READ)) {
        memcpy(buf, fr->mr->ram + off, len);
        return MEMTX_OK;
    }
    if (is_write && (fr->flags & FR_DIRECT_WRITE)) {
        memcpy(fr->mr->ram + off, buf, len);
        if (fr->mr->dirty_log_mask)
            memory_region_set_dirty(fr->mr, off, len);
        return MEMTX_OK;
    }
    return dispatch_chunk(fr, addr, buf, len, is_write);
}

static MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, uint8_t *buf,
                                    size_t len, bool is_write)
{
    const FlatView *v = as->current;
    MemTxResult r = MEMTX_OK;

    while (len) {
        size_t i = flatview_lower_bound(v, addr);
        const FlatRange *fr = (v && i < v->nr) ? &v->ranges[i] : NULL;
        /* Bytes up to the end of this range, or up to the next one. */
        msize_t room = fr ? (fr->start <= addr ? (msize_t)fr->last - addr + 1
                                               : (msize_t)fr->start - addr)
                          : MSIZE_2_64 - addr;
        uint64_t n = room < len ? (uint64_t)room : len;

        if (fr && fr->start <= addr) {
            r |= access_range(fr, addr, buf, n, is_write);
        } else {
            note_unassigned(as, addr, n, is_write);
            if (!is_write)
                memset(buf, 0xff, n);
            r |= MEMTX_DECODE_ERROR;
        }
        addr += n;
        buf += n;
        len -= n;
    }
    return r;
}

/* One guest access of 1, 2, 4 or 8 bytes inside one flat range: the exit
 * path's case, without the general loop.  False: take the general path. */
static bool single_access(AddressSpace *as, hwaddr addr, uint8_t *buf, size_t len,
                          bool is_write, MemTxResult *r)
{
    const FlatRange *fr;
    uint64_t v = 0;

    if ((len != 1 && len != 2 && len != 4 && len != 8) ||
        !(fr = flatview_lookup(as->current, addr)) || fr->last - addr < len - 1)
        return false;
    if (fr->flags & (is_write ? FR_DIRECT_WRITE : FR_DIRECT_READ)) {
        *r = access_range(fr, addr, buf, len, is_write);
        return true;
    }
    hwaddr off = fr->offset_in_region + (addr - fr->start);
    if (is_write) {
        memcpy(&v, buf, len); /* x86: little-endian */
        *r = memory_region_dispatch_write(fr->mr, off, v, (unsigned)len);
    } else {
        *r = memory_region_dispatch_read(fr->mr, off, &v, (unsigned)len);
        memcpy(buf, &v, len);
    }
    return true;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, size_t len)
{
    MemTxResult r;

    if (single_access(as, addr, buf, len, false, &r))
        return r;
    return address_space_rw(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf,
                                size_t len)
{
    MemTxResult r;

    if (single_access(as, addr, (uint8_t *)buf, len, true, &r))
        return r;
    return address_space_rw(as, addr, (uint8_t *)buf, len, true);
}
