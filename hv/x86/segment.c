/*
 * Segment-register loads for the emulator: MOV Sreg, LTR and far JMP
 * (SDM Vol. 2 MOV, LTR, JMP; Vol. 3A 3.4-3.5, 5.5-5.8, 7.2).  The
 * descriptor comes from the GDT or LDT through the guest's paging (an
 * implicit supervisor access), passes the protection checks, gets its
 * accessed (or TSS busy) bit written back, and becomes the register in
 * the VMCS access-rights form.  Gates and task switches are not emulated.
 */
#include "hv/x86/emu_internal.h"

/* Descriptor fields (Vol. 3A 3.4.5, 7.2.2). */
#define D_TYPE(d) ((unsigned)((d) >> 40) & 0xfu)
#define D_S (1ull << 44)
#define D_DPL(d) ((unsigned)((d) >> 45) & 3u)
#define D_P (1ull << 47)
#define D_ACCESSED (1ull << 40)
#define D_TSS_BUSY (1ull << 41)
#define TYPE_TSS_AVAIL16 1u
#define TYPE_TSS_AVAIL 9u

static enum emu_result fault_sel(struct emu_ctx *ctx, enum emu_result r, uint16_t sel)
{
    return emu_raise(ctx, r, sel & 0xfffcu, 0);
}

/* An implicit supervisor access to a descriptor table (Vol. 3A 4.6.1):
 * the CPL does not apply. */
static enum emu_result table_xfer(struct emu_ctx *ctx, unsigned mode, uint64_t la,
                                  unsigned size, bool write, uint8_t *buf)
{
    uint8_t cpl = ctx->regs.cpl;
    enum emu_result rc;

    ctx->regs.cpl = 0;
    rc = emu_xfer(ctx, mode, la, size, write ? EMU_WRITE : EMU_READ, write, buf);
    ctx->regs.cpl = cpl;
    return rc;
}

/* sel's descriptor (8 bytes, or 16 for a long-mode system descriptor:
 * the upper half in *hi) and its linear address; #GP(sel) outside its
 * table or through an LDTR that holds none. */
static enum emu_result read_desc(struct emu_ctx *ctx, unsigned mode, uint16_t sel, bool wide,
                                 uint64_t *lo, uint64_t *hi, uint64_t *la)
{
    const struct emu_regs *r = &ctx->regs;
    uint64_t base = r->gdt_base, end = (sel & ~7u) + (wide ? 15u : 7u);
    uint32_t limit = r->gdt_limit;
    uint8_t b[16];
    enum emu_result rc;

    if (sel & 4) {
        if ((r->ldtr.attr & EMU_SEG_UNUSABLE) || !(r->ldtr.sel & ~3u))
            return fault_sel(ctx, EMU_INJECT_GP, sel);
        base = r->ldtr.base;
        limit = r->ldtr.limit;
    }
    if (end > limit)
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    *la = base + (sel & ~7u);
    if (!(r->efer & X86_EFER_LMA))
        *la &= 0xffffffffull;
    rc = table_xfer(ctx, mode, *la, wide ? 16 : 8, false, b);
    if (rc)
        return rc;
    memcpy(lo, b, 8);
    *hi = 0;
    if (wide)
        memcpy(hi, b + 8, 8);
    return EMU_OK;
}

/* Sets bits in the descriptor's access byte (accessed, TSS busy) when
 * they are not set yet, as the CPU's locked update does. */
static enum emu_result mark_desc(struct emu_ctx *ctx, unsigned mode, uint64_t la, uint64_t lo,
                                 uint64_t bits)
{
    uint8_t access = (uint8_t)((lo | bits) >> 40);

    if ((lo & bits) == bits)
        return EMU_OK;
    return table_xfer(ctx, mode, la + 5, 1, true, &access);
}

/* The register the descriptor makes (VMCS access rights: Vol. 3C 24.4.1). */
static struct emu_seg make_seg(uint16_t sel, uint64_t lo, uint64_t hi, bool wide)
{
    struct emu_seg s;
    uint32_t limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));

    memset(&s, 0, sizeof(s)); /* padding too: register files are compared whole */
    s.sel = sel;
    s.base = ((lo >> 16) & 0xffffff) | ((lo >> 32) & 0xff000000ull);
    if (wide)
        s.base |= (hi & 0xffffffffull) << 32;
    s.attr = (uint32_t)((lo >> 40) & 0xff) | (uint32_t)((lo >> 40) & 0xf000);
    s.limit = (s.attr & EMU_SEG_G) ? limit << 12 | 0xfff : limit;
    return s;
}

/* The last steps of every load: present (else `np`(sel)), the accessed
 * bit written back, the register made with selector `as`. */
static enum emu_result accept_desc(struct emu_ctx *ctx, unsigned mode, uint64_t la, uint64_t lo,
                                   uint16_t sel, enum emu_result np, uint16_t as,
                                   struct emu_seg *out)
{
    enum emu_result rc;

    if (!(lo & D_P))
        return fault_sel(ctx, np, sel);
    rc = mark_desc(ctx, mode, la, lo, D_ACCESSED);
    if (rc)
        return rc;
    *out = make_seg(as, lo | D_ACCESSED, 0, false);
    return EMU_OK;
}

/* A null selector in a data segment register: unusable, DPL kept at the
 * CPL so SS still names it (Vol. 3C 24.4.1 and 27.5.2). */
static struct emu_seg null_seg(uint16_t sel, unsigned cpl)
{
    struct emu_seg s;

    memset(&s, 0, sizeof(s));
    s.attr = EMU_SEG_UNUSABLE | cpl << 5;
    s.sel = sel;
    return s;
}

/* MOV Sreg (ES, SS, DS, FS, GS) in protected mode: the checks of SDM
 * Vol. 2B MOV "Operation". */
static enum emu_result load_data_seg(struct emu_ctx *ctx, unsigned mode, unsigned seg,
                                     uint16_t sel, struct emu_seg *out)
{
    unsigned cpl = ctx->regs.cpl, rpl = sel & 3u, type, dpl;
    uint64_t lo, hi, la;
    enum emu_result rc;

    if (!(sel & ~3u)) {
        /* SS may be null only in 64-bit mode below ring 3, with RPL = CPL */
        if (seg == X86_SS && (mode != X86_MODE_64 || cpl == 3 || rpl != cpl))
            return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
        *out = null_seg(sel, seg == X86_SS ? cpl : 0);
        return EMU_OK;
    }
    rc = read_desc(ctx, mode, sel, false, &lo, &hi, &la);
    if (rc)
        return rc;
    type = D_TYPE(lo);
    dpl = D_DPL(lo);
    if (!(lo & D_S))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    if (seg == X86_SS) {
        /* a writable data segment at exactly the CPL */
        if (rpl != cpl || dpl != cpl || (type & EMU_SEG_TYPE_CODE) || !(type & EMU_SEG_TYPE_RW))
            return fault_sel(ctx, EMU_INJECT_GP, sel);
        return accept_desc(ctx, mode, la, lo, sel, EMU_INJECT_SS, sel, out);
    }
    /* data, or readable code; privilege checked unless conforming code */
    bool code = type & EMU_SEG_TYPE_CODE, conforming = code && (type & 4u);

    if (code && !(type & EMU_SEG_TYPE_RW))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    if (!conforming && (rpl > dpl || cpl > dpl))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    return accept_desc(ctx, mode, la, lo, sel, EMU_INJECT_NP, sel, out);
}

enum emu_result emu_load_sreg(struct emu_ctx *ctx, unsigned mode, unsigned seg, uint16_t sel)
{
    struct emu_regs *r = &ctx->regs;
    struct emu_seg s;
    enum emu_result rc;

    emu_need(ctx, EMU_V_SYS | EMU_V_SEG(seg));
    if (!(r->cr0 & X86_CR0_PE) || (r->rflags & X86_FL_VM)) {
        /* real and virtual-8086 mode: base = selector * 16, the rest stays
         * (a real-mode load keeps limit and attributes: "big real mode") */
        s = r->seg[seg];
        s.sel = sel;
        s.base = (uint64_t)sel << 4;
        if (r->rflags & X86_FL_VM) {
            s.limit = 0xffff;
            s.attr = 0xf3; /* present, DPL 3, read/write data, accessed */
        }
    } else {
        rc = load_data_seg(ctx, mode, seg, sel, &s);
        if (rc)
            return rc;
    }
    r->seg[seg] = s;
    ctx->dirty |= EMU_D_SEG(seg) | (seg == X86_SS ? EMU_D_MOV_SS : 0);
    return EMU_OK;
}

enum emu_result emu_ltr(struct emu_ctx *ctx, unsigned mode, uint16_t sel)
{
    struct emu_regs *r = &ctx->regs;
    bool wide = r->efer & X86_EFER_LMA;
    uint64_t lo, hi, la;
    unsigned type;
    enum emu_result rc;

    if (!(r->cr0 & X86_CR0_PE) || (r->rflags & X86_FL_VM))
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    if (r->cpl)
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    emu_need(ctx, EMU_V_SYS);
    if (!(sel & ~3u))
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    if (sel & 4) /* the TSS descriptor must be in the GDT */
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    rc = read_desc(ctx, mode, sel, wide, &lo, &hi, &la);
    if (rc)
        return rc;
    type = D_TYPE(lo);
    /* an available TSS: 32/64-bit (type 9), or 16-bit outside long mode;
     * in long mode the upper half's type field must be 0 (Vol. 3A 7.2.3) */
    if ((lo & D_S) || !(type == TYPE_TSS_AVAIL || (type == TYPE_TSS_AVAIL16 && !wide)) ||
        (wide && ((hi >> 40) & 0x1f)))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    if (!(lo & D_P))
        return fault_sel(ctx, EMU_INJECT_NP, sel);
    if (wide && !emu_canonical(r, make_seg(sel, lo, hi, true).base))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    rc = mark_desc(ctx, mode, la, lo, D_TSS_BUSY);
    if (rc)
        return rc;
    r->tr = make_seg(sel, lo | D_TSS_BUSY, hi, wide);
    ctx->dirty |= EMU_D_TR;
    return EMU_OK;
}

enum emu_result emu_load_cs(struct emu_ctx *ctx, unsigned mode, uint16_t sel, struct emu_seg *cs)
{
    struct emu_regs *r = &ctx->regs;
    unsigned cpl = r->cpl, type, dpl;
    uint64_t lo, hi, la;
    enum emu_result rc;

    emu_need(ctx, EMU_V_SYS);
    if (!(sel & ~3u))
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    rc = read_desc(ctx, mode, sel, false, &lo, &hi, &la);
    if (rc)
        return rc;
    type = D_TYPE(lo);
    dpl = D_DPL(lo);
    if (!(lo & D_S)) /* a call gate, task gate or TSS: not emulated */
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    if (!(type & EMU_SEG_TYPE_CODE))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    /* conforming: DPL <= CPL; non-conforming: RPL <= CPL and DPL = CPL */
    if ((type & 4u) ? dpl > cpl : ((sel & 3u) > cpl || dpl != cpl))
        return fault_sel(ctx, EMU_INJECT_GP, sel);
    return accept_desc(ctx, mode, la, lo, sel, EMU_INJECT_NP, (uint16_t)((sel & ~3u) | cpl), cs);
}
