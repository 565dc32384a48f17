/*
 * Dispatch: one guest access of 1, 2, 4 or 8 bytes to a region.
 *
 * The access is handled as the bytes it covers, in address order (what
 * the guest stores little-endian).  `valid` decides whether the guest may
 * make it at all.  `impl` decides how the callbacks see it: the bytes are
 * cut into pieces the callbacks can take (aligned, unless impl.unaligned),
 * each piece's value read or written in the device's endianness.  A piece
 * smaller than impl.min_access_size is widened: reads take the whole unit
 * and keep the wanted bytes; writes read the unit, merge and write it back.
 */
#include "memory/internal.h"

static uint64_t refused_count;

static MemTxResult refuse_access(MemoryRegion *mr, hwaddr addr, unsigned size,
                                 bool is_write, const char *why)
{
    uint64_t n = ++refused_count;

    if ((n & (n - 1)) == 0)
        plat_log(LOG_WARN, "memory: %s: refused %u-byte %s at +%llx: %s "
                 "(%llu refused so far)", mr->name, size,
                 is_write ? "write" : "read", (unsigned long long)addr, why,
                 (unsigned long long)n);
    return MEMTX_ERROR;
}

static bool is_pow2_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static const char *check_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                               bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned vmin = ops->valid.min_access_size ? ops->valid.min_access_size : 1;

    if (ops->valid.max_access_size &&
        (size < vmin || size > ops->valid.max_access_size))
        return "size not valid for this device";
    if (!ops->valid.unaligned && (addr & (size - 1)))
        return "unaligned";
    if (ops->valid.accepts && !ops->valid.accepts(mr->opaque, addr, size, is_write))
        return "device does not accept it";
    if (is_write ? !ops->write : !ops->read)
        return "device has no callback for it";
    return NULL;
}

struct access {
    MemoryRegion *mr;
    uint8_t bytes[8];
    hwaddr addr;
    unsigned size, imin, imax;
    bool big, unaligned;
};

/* One callback access of w bytes at a (inside or widening the access). */
static uint64_t cb_read(struct access *a, hwaddr at, unsigned w)
{
    return a->mr->ops->read(a->mr->opaque, at, w);
}

/* Handles the bytes [pos, pos+w) of the access with one callback of w
 * bytes at unit_at (unit_at <= pos), which may be wider than the bytes. */
static void piece(struct access *a, hwaddr unit_at, unsigned w, hwaddr pos,
                  unsigned nbytes, bool is_write)
{
    uint8_t unit[8];
    unsigned skip = (unsigned)(pos - unit_at);
    uint8_t *mine = a->bytes + (pos - a->addr);

    if (!is_write || nbytes < w) {
        if (a->mr->ops->read)
            store_bytes(unit, cb_read(a, unit_at, w), w, a->big);
        else
            memset(unit, 0, sizeof(unit));
    }
    if (!is_write) {
        memcpy(mine, unit + skip, nbytes);
        return;
    }
    memcpy(unit + skip, mine, nbytes);
    a->mr->ops->write(a->mr->opaque, unit_at, load_bytes(unit, w, a->big), w);
}

/* Largest aligned power of two <= max that fits at pos before end. */
static unsigned fit(hwaddr pos, hwaddr end, unsigned max)
{
    unsigned w = max;

    while (w > 1 && ((pos & (w - 1)) || pos + w > end))
        w >>= 1;
    return w;
}

static void split_aligned(struct access *a, bool is_write)
{
    hwaddr pos = a->addr, end = a->addr + a->size;

    while (pos < end) {
        unsigned w = fit(pos, end, a->imax);
        if (w >= a->imin) {
            piece(a, pos, w, pos, w, is_write);
            pos += w;
        } else {
            hwaddr base = pos & ~(hwaddr)(a->imin - 1);
            hwaddr stop = MIN(end, base + a->imin);
            piece(a, base, a->imin, pos, (unsigned)(stop - pos), is_write);
            pos = stop;
        }
    }
}

/* Byte-reverses the low `size` bytes of v. */
static uint64_t swap_bytes(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    case 8: return __builtin_bswap64(v);
    default: return v & 0xff;
    }
}

/* The common case: the callbacks take the access as it is, in one call.
 * Same result as split_aligned with one piece, without the byte buffer. */
static MemTxResult direct_access(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                                 unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    bool big = ops->endianness == DEVICE_BIG_ENDIAN;
    uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    uint64_t v;

    if (is_write) {
        v = *data & mask;
        ops->write(mr->opaque, addr, big ? swap_bytes(v, size) : v, size);
    } else {
        v = ops->read(mr->opaque, addr, size) & mask;
        *data = big ? swap_bytes(v, size) : v;
    }
    return MEMTX_OK;
}

/* impl.unaligned: pieces in order from the access's own address. */
static void split_unaligned(struct access *a, bool is_write)
{
    unsigned w = MIN(a->size, a->imax);

    if (a->size < a->imin) {
        piece(a, a->addr, a->imin, a->addr, a->size, is_write);
        return;
    }
    for (unsigned off = 0; off < a->size; off += w)
        piece(a, a->addr + off, w, a->addr + off, w, is_write);
}

/* An access the callbacks take in several pieces, or widened. */
static MemTxResult split_access(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                                unsigned size, bool is_write, unsigned imin,
                                unsigned imax)
{
    struct access a = {
        .mr = mr, .addr = addr, .size = size, .imin = imin, .imax = imax,
        .big = mr->ops->endianness == DEVICE_BIG_ENDIAN,
        .unaligned = mr->ops->impl.unaligned,
    };

    if (is_write)
        store_bytes(a.bytes, *data, size, false);
    if (a.unaligned)
        split_unaligned(&a, is_write);
    else
        split_aligned(&a, is_write);
    if (!is_write)
        *data = load_bytes(a.bytes, size, false);
    return MEMTX_OK;
}

/* The access as the callbacks take it.  mr is busy meanwhile: a callback
 * (or `accepts`) that takes it out of the tree cannot destroy it under the
 * rest of the access. */
static MemTxResult ops_access(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                              unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned imin = ops->impl.min_access_size ? ops->impl.min_access_size : 1;
    unsigned imax = ops->impl.max_access_size ? ops->impl.max_access_size : 4;
    const char *why;
    MemTxResult r;

    mr->busy++;
    why = check_valid(mr, addr, size, is_write);
    imax = MAX(imax, imin);
    if (why)
        r = refuse_access(mr, addr, size, is_write, why);
    else if (size >= imin && size <= imax && (ops->impl.unaligned || !(addr & (size - 1))))
        r = direct_access(mr, addr, data, size, is_write);
    else
        r = split_access(mr, addr, data, size, is_write, imin, imax);
    mr->busy--;
    return r;
}

static MemTxResult ram_access(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                              unsigned size, bool is_write)
{
    uint8_t *p = mr->ram + addr;

    if (!is_write) {
        *data = load_bytes(p, size, false);
        return MEMTX_OK;
    }
    if (mr->kind == MR_KIND_RAM && !mr->live.readonly) {
        store_bytes(p, *data, size, false);
        if (mr->live.dirty_log_mask)
            memory_region_set_dirty(mr, addr, size);
    }
    return MEMTX_OK; /* writes to ROM are dropped, and succeed */
}

/* Whether the region's rules let an aligned access of `size` go to the
 * callback untouched: check_valid would accept it and ops_access would
 * take its one-call path. */
static bool takes_directly(const MemoryRegionOps *ops, unsigned size, bool is_write)
{
    unsigned vmin = ops->valid.min_access_size ? ops->valid.min_access_size : 1;
    unsigned imin = ops->impl.min_access_size ? ops->impl.min_access_size : 1;
    unsigned imax = ops->impl.max_access_size ? ops->impl.max_access_size : 4;

    if ((is_write ? !ops->write : !ops->read) || ops->valid.accepts ||
        ops->endianness == DEVICE_BIG_ENDIAN)
        return false;
    if (ops->valid.max_access_size && (size < vmin || size > ops->valid.max_access_size))
        return false;
    return size >= imin && size <= MAX(imax, imin);
}

void memory_region_compute_direct(MemoryRegion *mr)
{
    for (unsigned w = 0; w < 2; w++) {
        mr->direct_sizes[w] = 0;
        for (unsigned size = 1; size <= 8; size <<= 1)
            if (takes_directly(mr->ops, size, w))
                mr->direct_sizes[w] |= (uint8_t)size;
    }
}

static MemTxResult dispatch(MemoryRegion *mr, hwaddr addr, uint64_t *data,
                            unsigned size, bool is_write)
{
    if (!mr || !is_pow2_size(size))
        return MEMTX_ERROR;
    /* Everything by the attributes in force (mr->live).  Inside the alias's
     * window, addr + alias_offset cannot pass 2^64: offset + size cannot. */
    while (mr->kind == MR_KIND_ALIAS) {
        if ((msize_t)addr + size > mr->live.size)
            return refuse_access(mr, addr, size, is_write, "outside the alias");
        addr += mr->live.alias_offset;
        mr = mr->alias;
    }
    /* The exit path's common case, decided at init: one callback. */
    if (memory_region_dispatch_direct(mr, addr, data, size, is_write))
        return MEMTX_OK;
    if ((msize_t)addr + size > mr->live.size)
        return refuse_access(mr, addr, size, is_write, "outside the region");
    switch (mr->kind) {
    case MR_KIND_RAM:
    case MR_KIND_ROM:
        return ram_access(mr, addr, data, size, is_write);
    case MR_KIND_ROMD:
        if (!is_write && mr->live.romd_mode)
            return ram_access(mr, addr, data, size, false);
        return ops_access(mr, addr, data, size, is_write);
    case MR_KIND_IO:
        return ops_access(mr, addr, data, size, is_write);
    default:
        return MEMTX_DECODE_ERROR;
    }
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size)
{
    MemTxResult r;

    *data = 0;
    r = dispatch(mr, addr, data, size, false);
    if (r != MEMTX_OK)
        *data = (size == 1 || size == 2 || size == 4) ? (1ull << (8 * size)) - 1
                                                      : ~0ull;
    return r;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size)
{
    return dispatch(mr, addr, &data, size, true);
}
