/*
 * Guest memory accesses of the emulator: segmentation (base, limit, type,
 * canonical checks), translation per page, and the split of one operand
 * into bus accesses of 1, 2, 4 or 8 bytes.
 *
 * Every page an operand touches is translated (and permission-checked)
 * before the first byte moves, so a fault leaves memory untouched, as on a
 * CPU.  Read-modify-write operands are translated for writing up front for
 * the same reason: a read with side effects must not happen when the write
 * would fault.
 */
#include "hv/x86/emu_internal.h"

static enum emu_result seg_fault(struct emu_ctx *ctx, unsigned seg)
{
    return emu_raise(ctx, seg == X86_SS ? EMU_INJECT_SS : EMU_INJECT_GP, 0, 0);
}

/* Protected-mode segment checks (SDM 5.3, 5.4) and the linear address. */
static enum emu_result legacy_linear(struct emu_ctx *ctx, unsigned seg,
                                     uint64_t off, unsigned size, bool write,
                                     uint64_t *la)
{
    const struct emu_regs *r = &ctx->regs;
    const struct emu_seg *s = &r->seg[seg];
    uint64_t last = off + size - 1;
    bool prot = (r->cr0 & X86_CR0_PE) && !(r->rflags & X86_FL_VM);
    unsigned type = s->attr & EMU_SEG_TYPE_MASK;

    if (prot) {
        if (s->attr & EMU_SEG_UNUSABLE)
            return seg_fault(ctx, seg);
        if ((type & EMU_SEG_TYPE_CODE) ? (write || !(type & EMU_SEG_TYPE_RW))
                                       : (write && !(type & EMU_SEG_TYPE_RW)))
            return seg_fault(ctx, seg);
    }
    if (prot && !(type & EMU_SEG_TYPE_CODE) && (type & EMU_SEG_TYPE_DOWN)) {
        uint64_t upper = (s->attr & EMU_SEG_DB) ? 0xffffffffull : 0xffffull;

        if (off <= s->limit || last > upper)
            return seg_fault(ctx, seg);
    } else if (last > s->limit) {
        return seg_fault(ctx, seg);
    }
    *la = (s->base + off) & 0xffffffffull;
    return EMU_OK;
}

enum emu_result emu_linear(struct emu_ctx *ctx, unsigned mode, unsigned seg,
                           uint64_t off, unsigned size, bool write,
                           uint64_t *la)
{
    if (mode == X86_MODE_64) {
        uint64_t a = off;

        if (seg >= X86_FS) {
            emu_need(ctx, EMU_V_SEG(seg));
            a += ctx->regs.seg[seg].base;
        }
        if (!emu_canonical(&ctx->regs, a) || !emu_canonical(&ctx->regs, a + size - 1))
            return seg_fault(ctx, seg);
        *la = a;
        return EMU_OK;
    }
    emu_need(ctx, EMU_V_SEG(seg));
    return legacy_linear(ctx, seg, off, size, write, la);
}

/* Moves one page's piece (n <= 16 bytes) over the bus, 8 bytes at most at
 * a time, in the largest power-of-two chunks. */
static void bus(struct emu_ctx *ctx, uint64_t gpa, unsigned n, bool write,
                uint8_t *buf)
{
    while (n) {
        unsigned c = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
        uint64_t v = 0;

        if (write)
            memcpy(&v, buf, c);
        if (ctx->ops->access(ctx->opaque, gpa, c, write, &v) && !write)
            v = ~0ull; /* nothing answered: the bus floats high */
        if (!write)
            memcpy(buf, &v, c);
        gpa += c;
        buf += c;
        n -= c;
    }
}

enum emu_result emu_xfer(struct emu_ctx *ctx, unsigned mode, uint64_t la,
                         unsigned size, enum emu_access acc, bool write,
                         uint8_t *buf)
{
    unsigned first = 4096 - (unsigned)(la & 0xfff);
    uint64_t gpa0, gpa1 = 0;
    enum emu_result rc;

    rc = emu_translate(ctx, la, acc, &gpa0);
    if (rc)
        return rc;
    if (first >= size)
        emu_watch(ctx, write ? X86_DR_DATA_WRITE : X86_DR_DATA_READ, la, size);
    if (first < size) {
        uint64_t la1 = la + first;

        if (mode != X86_MODE_64)
            la1 &= 0xffffffffull;
        rc = emu_translate(ctx, la1, acc, &gpa1);
        if (rc)
            return rc;
        emu_watch(ctx, write ? X86_DR_DATA_WRITE : X86_DR_DATA_READ, la, first);
        emu_watch(ctx, write ? X86_DR_DATA_WRITE : X86_DR_DATA_READ, la1, size - first);
        bus(ctx, gpa0, first, write, buf);
        bus(ctx, gpa1, size - first, write, buf + first);
        return EMU_OK;
    }
    bus(ctx, gpa0, size, write, buf);
    return EMU_OK;
}

/* Same-page access of 1, 2, 4 or 8 bytes: the common case, one bus call. */
static enum emu_result access_page(struct emu_ctx *ctx, uint64_t la, unsigned size,
                                   enum emu_access acc, bool write, uint64_t *val)
{
    uint64_t gpa, v = write ? *val : 0;
    enum emu_result rc = emu_translate_fast(ctx, la, acc, &gpa);

    if (rc)
        return rc;
    emu_watch(ctx, write ? X86_DR_DATA_WRITE : X86_DR_DATA_READ, la, size);
    if (ctx->ops->access(ctx->opaque, gpa, size, write, &v) && !write)
        v = ~0ull; /* nothing answered: the bus floats high */
    if (!write)
        *val = v & emu_size_mask(size);
    return EMU_OK;
}

enum emu_result emu_mem(struct emu_ctx *ctx, unsigned mode, unsigned seg,
                        uint64_t off, unsigned size, enum emu_access acc,
                        bool write, uint64_t *val)
{
    uint64_t la;
    enum emu_result rc;

    /* Long mode, no FS/GS, inside one page: no segment work, and one
     * canonical check covers every byte. */
    if (mode == X86_MODE_64 && seg < X86_FS && (off & 0xfff) + size <= 4096) {
        if (!emu_canonical(&ctx->regs, off))
            return seg_fault(ctx, seg);
        return access_page(ctx, off, size, acc, write, val);
    }
    rc = emu_linear(ctx, mode, seg, off, size, write || acc == EMU_WRITE, &la);
    if (rc)
        return rc;
    if ((la & 0xfff) + size <= 4096)
        return access_page(ctx, la, size, acc, write, val);
    if (!write)
        *val = 0;
    return emu_xfer(ctx, mode, la, size, acc, write, (uint8_t *)val);
}
