/*
 * Address spaces: a root region, its current flat view, and byte-level
 * access that splits at region boundaries.
 */
#include "memory/internal.h"

/* An address space whose first commit failed goes away again. */
static void undo_init(void *ctx)
{
    AddressSpace *as = ctx, **pp = &memory_state.spaces;

    while (*pp && *pp != as)
        pp = &(*pp)->next;
    if (*pp)
        *pp = as->next;
    as->next = NULL;
    as->root->users--;
}

int address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    AddressSpace **pp = &memory_state.spaces;
    int err;

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
    err = memory_change(NULL, undo_init, as);
    if (err && !memory_state.spaces)
        memory_scratch_release();
    return err;
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

/*
 * Dispatches [addr, addr+len) inside one flat range of view v through its
 * region, piece by piece.  A callback may change the map: then it stops
 * after that piece (the caller looks the rest up in the view now in
 * force).  whole: the bytes are this range's whole part of the access (not
 * the rest of a part cut short by a map change), so 1, 2, 4 or 8 of them
 * are one guest access.  Returns the bytes done; *r collects the results.
 */
static uint64_t dispatch_chunk(AddressSpace *as, const FlatView *v, const FlatRange *fr,
                               hwaddr addr, uint8_t *buf, uint64_t len, bool is_write,
                               bool whole, MemTxResult *r)
{
    hwaddr off = fr->offset_in_region + (addr - fr->start);
    MemoryRegion *mr = fr->mr;
    uint64_t v64, done = 0;

    while (done < len) {
        unsigned p = piece_size(mr, off, len - done, whole);
        if (is_write) {
            *r |= memory_region_dispatch_write(mr, off, load_bytes(buf, p, false), p);
        } else {
            *r |= memory_region_dispatch_read(mr, off, &v64, p);
            store_bytes(buf, v64, p, false);
        }
        off += p;
        buf += p;
        done += p;
        whole = false;
        if (as->current != v)
            break;
    }
    return done;
}

/* [addr, addr+len) inside one flat range: RAM copied, the rest dispatched.
 * Returns the bytes done (fewer when a callback changed the map). */
static uint64_t access_range(AddressSpace *as, const FlatView *v, const FlatRange *fr,
                             hwaddr addr, uint8_t *buf, uint64_t len, bool is_write,
                             bool whole, MemTxResult *r)
{
    hwaddr off = fr->offset_in_region + (addr - fr->start);

    /* Only direct ranges have RAM behind them (I/O regions have none). */
    if (!is_write && (fr->flags & FR_DIRECT_READ)) {
        memcpy(buf, fr->mr->ram + off, len);
        return len;
    }
    if (is_write && (fr->flags & FR_DIRECT_WRITE)) {
        memcpy(fr->mr->ram + off, buf, len);
        if (fr->dirty_log_mask)
            memory_region_set_dirty(fr->mr, off, len);
        return len;
    }
    return dispatch_chunk(as, v, fr, addr, buf, len, is_write, whole, r);
}

/* An access running past 2^64: refused whole, counted as unassigned. */
static MemTxResult refuse_wrap(AddressSpace *as, hwaddr addr, uint8_t *buf,
                               size_t len, bool is_write)
{
    note_unassigned(as, addr, len, is_write);
    if (!is_write)
        memset(buf, 0xff, len);
    return MEMTX_DECODE_ERROR;
}

/*
 * The general path.  The view in use is referenced for as long as the
 * access uses it, so a callback's commit cannot free it underneath; after
 * a callback changed the map, the rest is looked up in the new view.
 */
static MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, uint8_t *buf,
                                    size_t len, bool is_write)
{
    FlatView *v = as->current;
    MemTxResult r = MEMTX_OK;
    bool resumed = false; /* the last part was cut short by a map change */

    if (len && addr + (len - 1) < addr)
        return refuse_wrap(as, addr, buf, len, is_write);
    if (v)
        v->refs++;
    while (len) {
        if (as->current != v) {
            flatview_unref(v);
            v = as->current;
            if (v)
                v->refs++;
        }
        size_t i = flatview_lower_bound(v, addr);
        const FlatRange *fr = (v && i < v->nr) ? &v->ranges[i] : NULL;
        uint64_t n;

        if (fr && fr->start <= addr) {
            msize_t room = (msize_t)fr->last - addr + 1; /* may be 2^64 */
            uint64_t want = room < len ? (uint64_t)room : len;
            n = access_range(as, v, fr, addr, buf, want, is_write, !resumed, &r);
            resumed = n < want;
        } else {
            /* Up to the next range, or to the end (no wrap: checked). */
            n = fr ? MIN((uint64_t)len, fr->start - addr) : len;
            note_unassigned(as, addr, n, is_write);
            if (!is_write)
                memset(buf, 0xff, n);
            r |= MEMTX_DECODE_ERROR;
            resumed = false;
        }
        addr += n;
        buf += n;
        len -= n;
    }
    flatview_unref(v);
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
        hwaddr off = fr->offset_in_region + (addr - fr->start);
        if (is_write) {
            memcpy(fr->mr->ram + off, buf, len);
            if (fr->dirty_log_mask)
                memory_region_set_dirty(fr->mr, off, len);
        } else {
            memcpy(buf, fr->mr->ram + off, len);
        }
        *r = MEMTX_OK;
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
