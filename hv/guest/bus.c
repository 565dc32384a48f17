/*
 * EPT violation -> emulator -> address_space_read/write.  See mmio.h.
 */
#include "hv/guest/bus.h"
#include "hv/lib/platform.h"
#include "hv/x86/emu_internal.h"

int mmio_as_access(AddressSpace *as, uint64_t gpa, unsigned size,
                   bool is_write, uint64_t *val)
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

/* Everything the inline hot test (mmio.h) does not take: a lookup
 * (refilling the cache), RAM and ROM ranges (dirty logging), other sizes,
 * an access that leaves the range, and devices the direct dispatch
 * declines. */
int mmio_as_access_cached_slow(struct mmio_as_cache *c, AddressSpace *as, uint64_t gpa,
                               unsigned size, bool is_write, uint64_t *val)
{
    const FlatRange *fr = c->fr;
    uint64_t off, mask, v;
    MemTxResult r;

    if (!fr || c->as != as || c->view_gen != as->view_gen ||
        gpa < fr->start || gpa > fr->last) {
        fr = flatview_lookup(as->current, gpa);
        if (!fr)
            return mmio_as_access(as, gpa, size, is_write, val);
        c->as = as;
        c->view_gen = as->view_gen;
        c->fr = fr;
    }
    /* RAM, ROM reads and other sizes: the general path (dirty logging,
     * splitting); so is an access that leaves the range */
    if ((fr->flags & (is_write ? FR_DIRECT_WRITE : FR_DIRECT_READ)) ||
        (size != 1 && size != 2 && size != 4 && size != 8) || fr->last - gpa < size - 1)
        return mmio_as_access(as, gpa, size, is_write, val);
    off = fr->offset_in_region + (gpa - fr->start);
    if (memory_region_dispatch_direct(fr->mr, off, val, size, is_write))
        return 0;
    mask = emu_size_mask(size);
    if (is_write) {
        r = memory_region_dispatch_write(fr->mr, off, *val & mask, size);
    } else {
        r = memory_region_dispatch_read(fr->mr, off, &v, size);
        *val = v & mask;
    }
    /* Device refusals (MEMTX_ERROR) behave like the bus: no exception. */
    return r == MEMTX_DECODE_ERROR;
}

uint8_t *mmio_as_ram_ptr(AddressSpace *as, uint64_t gpa)
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

/* A fetch from MMIO: refused with #UD and a log line (kept out of the
 * exit path's frame). */
static __attribute__((noinline, cold)) enum emu_result fetch_from_mmio(struct emu_ctx *ctx,
                                                                       uint64_t gpa)
{
    plat_log(LOG_WARN, "x86: #UD: execution from MMIO gpa=%#llx rip=%#llx",
             (unsigned long long)gpa, (unsigned long long)ctx->regs.rip);
    ctx->dirty = 0;
    return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
}

enum emu_result mmio_ept_violation(struct emu_ctx *ctx, uint64_t qual,
                                   uint64_t gpa, uint64_t gla)
{
    struct emu_hint hint = {
        .gla = gla,
        .gpa = gpa,
        .gla_valid = (qual & EPT_QUAL_GLA_VALID) && (qual & EPT_QUAL_GLA_TRANSLATED),
        .is_write = qual & EPT_QUAL_WRITE,
    };

    if (qual & EPT_QUAL_FETCH)
        return fetch_from_mmio(ctx, gpa);
    return emu_run(ctx, &hint);
}
