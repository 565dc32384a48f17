/*
 * The emulator proper: fetch, decode, execute, write back.
 *
 * Ordering rule for every instruction: all memory accesses first, register
 * and flag updates last, so an exception raised by an access leaves the
 * guest's registers as they were (REP string instructions: as they were
 * after the last completed iteration, as on a CPU).
 */
#include "hv/x86/emu_internal.h"
#include "hv/x86/fast.h"
#include "hv/lib/platform.h"
#include "hv/lib/fmt.h"

/* One instruction being executed. */
struct exec {
    struct emu_ctx *ctx;
    const struct x86_insn *d;
    unsigned mode;
    uint64_t off;      /* effective address of the memory operand */
    uint64_t rflags;   /* working copy, committed at the end */
};

static const uint8_t fault_vector[] = {
    [EMU_INJECT_UD] = X86_VEC_UD, [EMU_INJECT_NM] = X86_VEC_NM,
    [EMU_INJECT_SS] = X86_VEC_SS, [EMU_INJECT_GP] = X86_VEC_GP,
    [EMU_INJECT_PF] = X86_VEC_PF, [EMU_INJECT_DE] = X86_VEC_DE,
    [EMU_INJECT_NP] = X86_VEC_NP,
};

enum emu_result emu_raise(struct emu_ctx *ctx, enum emu_result r,
                          uint32_t error_code, uint64_t cr2)
{
    ctx->fault.vector = fault_vector[r];
    ctx->fault.has_error_code = r == EMU_INJECT_SS || r == EMU_INJECT_GP ||
                                r == EMU_INJECT_PF || r == EMU_INJECT_NP;
    ctx->fault.error_code = error_code;
    ctx->fault.cr2 = cr2;
    return r;
}

const char *emu_result_name(enum emu_result r)
{
    static const char *const names[] = {
        [EMU_OK] = "ok", [EMU_INJECT_UD] = "#UD", [EMU_INJECT_NM] = "#NM",
        [EMU_INJECT_SS] = "#SS", [EMU_INJECT_GP] = "#GP", [EMU_INJECT_PF] = "#PF",
        [EMU_INJECT_DE] = "#DE", [EMU_INJECT_NP] = "#NP",
    };
    return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

/* ---------------------------------------------------------------- registers */

static uint64_t reg_get(const struct exec *x, unsigned reg, unsigned size)
{
    return emu_reg_get(x->ctx->regs.gpr, x->d->rex, reg, size);
}

static void reg_set(struct exec *x, unsigned reg, unsigned size, uint64_t v)
{
    emu_reg_set(x->ctx, x->d->rex, reg, size, v);
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    return emu_sign_extend(v, size);
}

/* Effective address of the memory operand; rsp: the value to use for RSP
 * (POP computes its destination after incrementing it). */
static uint64_t eff_addr(const struct exec *x, uint64_t rsp)
{
    const struct x86_insn *d = x->d;
    const uint64_t *g = x->ctx->regs.gpr;
    uint64_t a = (uint64_t)d->disp;

    if (d->base == X86_RIP)
        a += x->ctx->regs.rip + d->len;
    else if (d->base != X86_REG_NONE)
        a += d->base == X86_RSP ? rsp : g[d->base];
    if (d->index != X86_REG_NONE)
        a += (d->index == X86_RSP ? rsp : g[d->index]) * d->scale;
    return a & emu_size_mask(d->addrsize);
}

/* ------------------------------------------------------- r/m operand access */

static enum emu_result rm_read(struct exec *x, unsigned size, enum emu_access acc,
                               uint64_t *v)
{
    const struct x86_insn *d = x->d;

    if (!d->has_mem) {
        *v = reg_get(x, d->rm, size);
        return EMU_OK;
    }
    return emu_mem(x->ctx, x->mode, d->seg, x->off, size, acc, false, v);
}

static enum emu_result rm_write(struct exec *x, unsigned size, uint64_t v)
{
    const struct x86_insn *d = x->d;

    if (!d->has_mem) {
        reg_set(x, d->rm, size, v);
        return EMU_OK;
    }
    return emu_mem(x->ctx, x->mode, d->seg, x->off, size, EMU_WRITE, true, &v);
}

/* ------------------------------------------------------------ instructions */

static enum emu_result do_mov(struct exec *x)
{
    const struct x86_insn *d = x->d;
    uint64_t v;
    enum emu_result rc;

    if (d->flags & X86_F_TOREG) {
        rc = rm_read(x, d->memsize, EMU_READ, &v);
        if (rc)
            return rc;
        if (d->op == X86_OP_MOVSX)
            v = sign_extend(v, d->memsize);
        reg_set(x, d->reg, d->opsize, v);
        return EMU_OK;
    }
    v = d->imm_size ? d->imm : reg_get(x, d->reg, d->opsize);
    return rm_write(x, d->opsize, v);
}

/* ADD..CMP, TEST, NOT, NEG, INC, DEC. */
static enum emu_result do_alu(struct exec *x)
{
    const struct x86_insn *d = x->d;
    bool writes = d->op != X86_OP_CMP && d->op != X86_OP_TEST;
    unsigned sz = d->opsize;
    uint64_t a, b, res;
    enum emu_result rc;

    if (d->flags & X86_F_TOREG) {
        rc = rm_read(x, sz, EMU_READ, &b);
        if (rc)
            return rc;
        res = emu_alu(d->op, sz, reg_get(x, d->reg, sz), b, &x->rflags);
        if (writes)
            reg_set(x, d->reg, sz, res);
        return EMU_OK;
    }
    rc = rm_read(x, sz, writes ? EMU_WRITE : EMU_READ, &a);
    if (rc)
        return rc;
    b = d->imm_size ? d->imm : reg_get(x, d->reg, sz);
    if (d->op == X86_OP_NOT)
        res = ~a; /* NOT changes no flags */
    else
        res = emu_alu(d->op, sz, a, b, &x->rflags);
    return writes ? rm_write(x, sz, res) : EMU_OK;
}

static enum emu_result do_xchg(struct exec *x)
{
    const struct x86_insn *d = x->d;
    uint64_t old;
    enum emu_result rc = rm_read(x, d->opsize, EMU_WRITE, &old);

    if (rc)
        return rc;
    rc = rm_write(x, d->opsize, reg_get(x, d->reg, d->opsize));
    if (rc)
        return rc;
    reg_set(x, d->reg, d->opsize, old);
    return EMU_OK;
}

/* The destination is always written (the old value when unequal), as the
 * SDM describes for the processor's bus cycle. */
static enum emu_result do_cmpxchg(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize;
    uint64_t dst, acc = reg_get(x, X86_RAX, sz);
    enum emu_result rc = rm_read(x, sz, EMU_WRITE, &dst);

    if (rc)
        return rc;
    emu_alu(X86_OP_CMP, sz, acc, dst, &x->rflags);
    if (x->rflags & X86_FL_ZF)
        return rm_write(x, sz, reg_get(x, d->reg, sz));
    rc = rm_write(x, sz, dst);
    if (rc)
        return rc;
    reg_set(x, X86_RAX, sz, dst);
    return EMU_OK;
}

/* BT/BTS/BTR/BTC: a register bit offset may reach outside the operand
 * (signed, in operand-size units); an immediate one wraps. */
static enum emu_result do_bt(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize, bits = sz * 8;
    int64_t off = d->imm_size ? (int64_t)(d->imm & (bits - 1))
                              : (int64_t)sign_extend(reg_get(x, d->reg, sz), sz);
    uint64_t v, bit;
    enum emu_result rc;

    if (d->has_mem && !d->imm_size) {
        int64_t units = off >> (sz == 2 ? 4 : sz == 4 ? 5 : 6);

        x->off = (x->off + (uint64_t)units * sz) & emu_size_mask(d->addrsize);
    }
    bit = 1ull << ((uint64_t)off & (bits - 1));
    rc = rm_read(x, sz, d->op == X86_OP_BT ? EMU_READ : EMU_WRITE, &v);
    if (rc)
        return rc;
    x->rflags = (x->rflags & ~(uint64_t)X86_FL_CF) | ((v & bit) ? X86_FL_CF : 0);
    if (d->op == X86_OP_BT)
        return EMU_OK;
    v = d->op == X86_OP_BTS ? v | bit : d->op == X86_OP_BTR ? v & ~bit : v ^ bit;
    return rm_write(x, sz, v);
}

/* Stack-pointer width: 64 in long mode, else SS.B. */
static unsigned stack_size(struct exec *x)
{
    if (x->mode == X86_MODE_64)
        return 8;
    emu_need(x->ctx, EMU_V_SEG(X86_SS));
    return (x->ctx->regs.seg[X86_SS].attr & EMU_SEG_DB) ? 4 : 2;
}

static enum emu_result do_push(struct exec *x)
{
    unsigned sz = x->d->opsize, ss = stack_size(x);
    uint64_t v = x->d->imm & emu_size_mask(sz), sp = (x->ctx->regs.gpr[X86_RSP] - sz) &
                                                     emu_size_mask(ss);
    enum emu_result rc = x->d->imm_size ? EMU_OK : rm_read(x, sz, EMU_READ, &v);

    if (rc)
        return rc;
    rc = emu_mem(x->ctx, x->mode, X86_SS, sp, sz, EMU_WRITE, true, &v);
    if (rc)
        return rc;
    reg_set(x, X86_RSP, ss, sp);
    return EMU_OK;
}

static enum emu_result do_pop(struct exec *x)
{
    unsigned sz = x->d->opsize, ss = stack_size(x);
    uint64_t v = 0, sp = x->ctx->regs.gpr[X86_RSP] & emu_size_mask(ss);
    uint64_t new_sp = (sp + sz) & emu_size_mask(ss);
    uint64_t full_sp = ss == 8 ? new_sp : ss == 4 ? (uint32_t)new_sp
                     : (x->ctx->regs.gpr[X86_RSP] & ~0xffffull) | new_sp;
    enum emu_result rc = emu_mem(x->ctx, x->mode, X86_SS, sp, sz, EMU_READ, false, &v);

    if (rc)
        return rc;
    if (x->d->has_mem)
        x->off = eff_addr(x, full_sp);
    rc = x->d->has_mem ? rm_write(x, sz, v) : EMU_OK;
    if (rc)
        return rc;
    reg_set(x, X86_RSP, ss, new_sp);
    if (!x->d->has_mem)
        reg_set(x, x->d->rm, sz, v);
    return EMU_OK;
}

/* rSP after releasing n bytes (16-bit stacks keep the upper bits). */
static uint64_t sp_plus(struct exec *x, unsigned ss, uint64_t sp, uint64_t n)
{
    uint64_t v = (sp + n) & emu_size_mask(ss);

    return ss == 2 ? (x->ctx->regs.gpr[X86_RSP] & ~0xffffull) | v : v;
}

/* A new rIP for a near branch: canonical in 64-bit mode, within CS's limit
 * elsewhere, or #GP(0) (SDM JMP, RET). */
static enum emu_result branch_to(struct exec *x, uint64_t ip)
{
    struct emu_regs *r = &x->ctx->regs;

    if (x->mode == X86_MODE_64 ? !emu_canonical(r, ip) : ip > r->seg[X86_CS].limit)
        return emu_raise(x->ctx, EMU_INJECT_GP, 0, 0);
    r->rip = ip;
    x->ctx->dirty |= EMU_D_RIP;
    return EMU_OK;
}

/* JMP r/m: the target is absolute, of operand size. */
static enum emu_result do_jmp(struct exec *x)
{
    uint64_t ip;
    enum emu_result rc = rm_read(x, x->d->opsize, EMU_READ, &ip);

    return rc ? rc : branch_to(x, ip);
}

/* RET [imm16]: pop rIP, then release imm16 more bytes. */
static enum emu_result do_ret(struct exec *x)
{
    unsigned sz = x->d->opsize, ss = stack_size(x);
    uint64_t ip = 0, sp = x->ctx->regs.gpr[X86_RSP] & emu_size_mask(ss);
    enum emu_result rc = emu_mem(x->ctx, x->mode, X86_SS, sp, sz, EMU_READ, false, &ip);

    if (!rc)
        rc = branch_to(x, ip);
    if (rc)
        return rc;
    x->ctx->regs.gpr[X86_RSP] = sp_plus(x, ss, sp, sz + (x->d->imm & 0xffff));
    x->ctx->dirty |= EMU_D_GPR(X86_RSP);
    return EMU_OK;
}

/* LEAVE: rSP <- rBP, then pop rBP (of operand size). */
static enum emu_result do_leave(struct exec *x)
{
    unsigned sz = x->d->opsize, ss = stack_size(x);
    uint64_t v = 0, sp = x->ctx->regs.gpr[X86_RBP] & emu_size_mask(ss);
    enum emu_result rc = emu_mem(x->ctx, x->mode, X86_SS, sp, sz, EMU_READ, false, &v);

    if (rc)
        return rc;
    x->ctx->regs.gpr[X86_RSP] = sp_plus(x, ss, sp, sz);
    x->ctx->dirty |= EMU_D_GPR(X86_RSP);
    reg_set(x, X86_RBP, sz, v);
    return EMU_OK;
}

/* ENTER size, level (SDM ENTER): push rBP, copy level-1 frame pointers
 * from the enclosing frame, push the new frame pointer, then rBP = the
 * frame and rSP = frame - size.  Every store is checked before rBP/rSP
 * change. */
static enum emu_result do_enter(struct exec *x)
{
    struct emu_ctx *ctx = x->ctx;
    unsigned sz = x->d->opsize, ss = stack_size(x), level = (x->d->imm >> 16) & 31;
    uint64_t mask = emu_size_mask(ss), size = x->d->imm & 0xffff;
    uint64_t bp = ctx->regs.gpr[X86_RBP], sp = ctx->regs.gpr[X86_RSP] & mask;
    uint64_t v = bp & emu_size_mask(sz), frame;
    enum emu_result rc;

    sp = (sp - sz) & mask;
    rc = emu_mem(ctx, x->mode, X86_SS, sp, sz, EMU_WRITE, true, &v);
    frame = sp;
    for (unsigned i = 1; !rc && i < level; i++) {
        bp = (bp - sz) & mask;
        rc = emu_mem(ctx, x->mode, X86_SS, bp, sz, EMU_READ, false, &v);
        sp = (sp - sz) & mask;
        if (!rc)
            rc = emu_mem(ctx, x->mode, X86_SS, sp, sz, EMU_WRITE, true, &v);
    }
    if (!rc && level > 0) {
        v = frame;
        sp = (sp - sz) & mask;
        rc = emu_mem(ctx, x->mode, X86_SS, sp, sz, EMU_WRITE, true, &v);
    }
    if (!rc && size) {
        /* the new stack top must be within SS (canonical in 64-bit mode):
         * a check, not an access (SDM ENTER) */
        uint64_t la;
        rc = emu_linear(ctx, x->mode, X86_SS, (sp - size) & mask, 1, true, &la);
    }
    if (rc)
        return rc;
    reg_set(x, X86_RBP, sz, frame);
    sp = (sp - size) & mask;
    ctx->regs.gpr[X86_RSP] = ss == 2 ? (ctx->regs.gpr[X86_RSP] & ~0xffffull) | sp : sp;
    ctx->dirty |= EMU_D_GPR(X86_RSP);
    return EMU_OK;
}

/* XADD: the destination gets the sum, the register its old value. */
static enum emu_result do_xadd(struct exec *x)
{
    const struct x86_insn *d = x->d;
    uint64_t dst, src = reg_get(x, d->reg, d->opsize), sum;
    enum emu_result rc = rm_read(x, d->opsize, EMU_WRITE, &dst);

    if (rc)
        return rc;
    sum = emu_alu(X86_OP_ADD, d->opsize, dst, src, &x->rflags);
    rc = rm_write(x, d->opsize, sum);
    if (rc)
        return rc;
    reg_set(x, d->reg, d->opsize, dst);
    return EMU_OK;
}

/* Condition cc (the low nibble of Jcc/SETcc/CMOVcc) of RFLAGS. */
static bool cond_holds(uint64_t fl, unsigned cc)
{
    bool cf = fl & X86_FL_CF, zf = fl & X86_FL_ZF, sf = fl & X86_FL_SF, of = fl & X86_FL_OF;
    bool pf = fl & X86_FL_PF, r;

    switch (cc >> 1) {
    case 0: r = of; break;              /* O */
    case 1: r = cf; break;              /* B */
    case 2: r = zf; break;              /* E */
    case 3: r = cf || zf; break;        /* BE */
    case 4: r = sf; break;              /* S */
    case 5: r = pf; break;              /* P */
    case 6: r = sf != of; break;        /* L */
    default: r = zf || sf != of; break; /* LE */
    }
    return (cc & 1) ? !r : r;
}

/* CMOVcc: the source is read whatever the condition; a 32-bit destination
 * is zero-extended in 64-bit mode even when nothing moves (SDM CMOVcc). */
static enum emu_result do_cmov(struct exec *x)
{
    const struct x86_insn *d = x->d;
    uint64_t v;
    enum emu_result rc = rm_read(x, d->opsize, EMU_READ, &v);

    if (rc)
        return rc;
    if (!cond_holds(x->rflags, d->opcode & 0xf))
        v = reg_get(x, d->reg, d->opsize);
    reg_set(x, d->reg, d->opsize, v);
    return EMU_OK;
}

/* MOV Sreg, r/m16 and LTR m16: the selector, then segment.c. */
static enum emu_result do_seg_load(struct exec *x)
{
    uint64_t sel;
    enum emu_result rc = rm_read(x, 2, EMU_READ, &sel);

    if (rc)
        return rc;
    if (x->d->op == X86_OP_LTR)
        return emu_ltr(x->ctx, x->mode, (uint16_t)sel);
    return emu_load_sreg(x->ctx, x->mode, (x->d->modrm >> 3) & 7, (uint16_t)sel);
}

/* MOV r/m, Sreg: 16 bits to memory; a register gets it zero-extended to
 * the operand size (16: the upper bits kept). */
static enum emu_result do_store_sreg(struct exec *x)
{
    unsigned s = (x->d->modrm >> 3) & 7;

    emu_need(x->ctx, EMU_V_SEG(s));
    return rm_write(x, x->d->has_mem ? 2 : x->d->opsize, x->ctx->regs.seg[s].sel);
}

/* JMP m16:16/32/64 to a code segment (gates are not emulated). */
static enum emu_result do_jmpf(struct exec *x)
{
    struct emu_ctx *ctx = x->ctx;
    struct emu_regs *r = &ctx->regs;
    unsigned sz = x->d->opsize;
    uint64_t ip, sel;
    struct emu_seg cs;
    enum emu_result rc = rm_read(x, sz, EMU_READ, &ip);

    if (!rc)
        rc = emu_mem(ctx, x->mode, x->d->seg, (x->off + sz) & emu_size_mask(x->d->addrsize), 2,
                     EMU_READ, false, &sel);
    if (rc)
        return rc;
    if (!(r->cr0 & X86_CR0_PE) || (r->rflags & X86_FL_VM)) {
        cs = r->seg[X86_CS];
        cs.sel = (uint16_t)sel;
        cs.base = sel << 4;
    } else {
        rc = emu_load_cs(ctx, x->mode, (uint16_t)sel, &cs);
        if (rc)
            return rc;
    }
    /* the new rIP is checked against the new CS: canonical when it is a
     * 64-bit code segment in long mode, else within its limit */
    if ((r->efer & X86_EFER_LMA) && (cs.attr & EMU_SEG_L) ? !emu_canonical(r, ip)
                                                          : ip > cs.limit)
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    r->seg[X86_CS] = cs;
    r->rip = ip;
    ctx->dirty |= EMU_D_SEG(X86_CS) | EMU_D_RIP;
    return EMU_OK;
}

/* ------------------------------------------------------------------- SSE */

static enum emu_result sse_check(struct exec *x)
{
    const struct emu_regs *r = &x->ctx->regs;

    if ((r->cr0 & X86_CR0_EM) || !(r->cr4 & X86_CR4_OSFXSR))
        return emu_raise(x->ctx, EMU_INJECT_UD, 0, 0);
    if (r->cr0 & X86_CR0_TS)
        return emu_raise(x->ctx, EMU_INJECT_NM, 0, 0);
    return EMU_OK;
}

/* Linear address of the memory operand, with the 16-byte alignment rule of
 * MOVAPS/MOVAPD/MOVDQA. */
static enum emu_result sse_linear(struct exec *x, bool write, uint64_t *la)
{
    const struct x86_insn *d = x->d;
    enum emu_result rc = emu_linear(x->ctx, x->mode, d->seg, x->off,
                                    d->memsize, write, la);

    if (rc)
        return rc;
    if ((d->flags & X86_F_ALIGN16) && (*la & 15))
        return emu_raise(x->ctx, EMU_INJECT_GP, 0, 0);
    return EMU_OK;
}

/* MOVQ between an MMX register and memory: #UD with CR0.EM (or no MMX
 * access in the backend), #NM with CR0.TS (SDM MOVQ).  A pending x87
 * exception (#MF) is not checked. */
static enum emu_result do_mmx(struct exec *x)
{
    const struct x86_insn *d = x->d;
    struct emu_ctx *ctx = x->ctx;
    uint64_t v, la;
    enum emu_result rc;

    if ((ctx->regs.cr0 & X86_CR0_EM) || !ctx->ops->get_mmx || !ctx->ops->set_mmx)
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    if (ctx->regs.cr0 & X86_CR0_TS)
        return emu_raise(ctx, EMU_INJECT_NM, 0, 0);
    rc = sse_linear(x, d->op == X86_OP_SSE_STORE, &la);
    if (rc)
        return rc;
    if (d->op == X86_OP_SSE_LOAD) {
        rc = emu_xfer(ctx, x->mode, la, 8, EMU_READ, false, (uint8_t *)&v);
        if (!rc)
            ctx->ops->set_mmx(ctx->opaque, d->reg & 7, v);
        return rc;
    }
    v = ctx->ops->get_mmx(ctx->opaque, d->reg & 7);
    return emu_xfer(ctx, x->mode, la, 8, EMU_WRITE, true, (uint8_t *)&v);
}

static enum emu_result do_sse(struct exec *x)
{
    const struct x86_insn *d = x->d;
    struct emu_ctx *ctx = x->ctx;
    unsigned n = d->memsize;
    uint8_t v[16] = { 0 };
    uint64_t la;
    enum emu_result rc;

    if (d->flags & X86_F_MMX)
        return do_mmx(x);
    rc = sse_check(x);
    if (rc)
        return rc;
    if (d->op == X86_OP_SSE_LOAD) {
        if (d->has_mem) {
            rc = sse_linear(x, false, &la);
            if (!rc)
                rc = emu_xfer(ctx, x->mode, la, n, EMU_READ, false, v);
            if (rc)
                return rc;
        } else if (d->flags & X86_F_XMMRM) {
            ctx->ops->get_xmm(ctx->opaque, d->rm, v);
        } else {
            uint64_t g = reg_get(x, d->rm, n);
            memcpy(v, &g, n);
        }
        memset(v + n, 0, 16 - n); /* MOVD/MOVQ zero the rest */
        ctx->ops->set_xmm(ctx->opaque, d->reg, v);
        return EMU_OK;
    }
    ctx->ops->get_xmm(ctx->opaque, d->reg, v);
    if (d->has_mem) {
        rc = sse_linear(x, true, &la);
        return rc ? rc : emu_xfer(ctx, x->mode, la, n, EMU_WRITE, true, v);
    }
    if (d->flags & X86_F_XMMRM) {
        memset(v + n, 0, 16 - n); /* MOVQ xmm2, xmm1 zeroes 127:64 */
        ctx->ops->set_xmm(ctx->opaque, d->rm, v);
    } else {
        uint64_t g = 0;
        memcpy(&g, v, n);
        reg_set(x, d->rm, n, g);
    }
    return EMU_OK;
}

/* BSF/BSR: a zero source sets ZF and leaves the destination as it was
 * (what CPUs do; the SDM calls it undefined); otherwise ZF clear and the
 * index.  The other arithmetic flags are undefined: kept (docs/decoder.md). */
static enum emu_result do_bitscan(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize, i;
    uint64_t v;
    enum emu_result rc = rm_read(x, sz, EMU_READ, &v);

    if (rc)
        return rc;
    v &= emu_size_mask(sz);
    if (!v) {
        x->rflags |= X86_FL_ZF;
        return EMU_OK;
    }
    x->rflags &= ~(uint64_t)X86_FL_ZF;
    if (d->op == X86_OP_BSF)
        for (i = 0; !(v >> i & 1); i++)
            ;
    else
        for (i = 8 * sz - 1; !(v >> i & 1); i--)
            ;
    reg_set(x, d->reg, sz, i);
    return EMU_OK;
}

/* Shifts and rotates of r/m: the count from imm8 (C0, C1, 0F A4/AC), 1
 * (D0, D1) or CL (D2, D3, 0F A5/AD).  A masked count of 0 leaves the
 * operand unwritten and the flags as they were. */
static enum emu_result do_shift(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize, count, o = d->opcode;
    uint64_t a, r, src = 0;
    enum emu_result rc;

    if (d->imm_size)
        count = (unsigned)d->imm & 0xff;
    else if (d->map == 0 && (o == 0xd0 || o == 0xd1))
        count = 1;
    else
        count = (unsigned)x->ctx->regs.gpr[X86_RCX] & 0xff;
    if (d->op == X86_OP_SHLD || d->op == X86_OP_SHRD)
        src = reg_get(x, d->reg, sz);
    rc = rm_read(x, sz, EMU_WRITE, &a);
    if (rc)
        return rc;
    if (!(count & (sz == 8 ? 63 : 31)))
        return EMU_OK;
    r = emu_shift(d->op, sz, a, src, count, &x->rflags);
    return rm_write(x, sz, r);
}

/* ------------------------------------------------ multiply and divide
 * SDM MUL, IMUL, DIV, IDIV.  CF and OF say whether the product needed its
 * high half; SF, ZF, AF and PF (and every flag of DIV/IDIV) are undefined
 * and kept as they were (docs/decoder.md). */

typedef unsigned __int128 u128;
typedef __int128 s128;

static int64_t sext(uint64_t v, unsigned sz)
{
    unsigned s = 64 - 8 * sz;

    return (int64_t)(v << s) >> s;
}

static void set_cf_of(struct exec *x, bool overflow)
{
    x->rflags &= ~(uint64_t)(X86_FL_CF | X86_FL_OF);
    if (overflow)
        x->rflags |= X86_FL_CF | X86_FL_OF;
}

/* IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B): the low half. */
static enum emu_result do_imul2(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize;
    uint64_t m;
    s128 p;
    enum emu_result rc = rm_read(x, sz, EMU_READ, &m);

    if (rc)
        return rc;
    p = (s128)sext(m, sz) * (d->imm_size ? (s128)(int64_t)d->imm
                                         : (s128)sext(reg_get(x, d->reg, sz), sz));
    set_cf_of(x, p != (s128)sext((uint64_t)p, sz));
    reg_set(x, d->reg, sz, (uint64_t)p);
    return EMU_OK;
}

/* The accumulator pair of a size: AL/AH as AX for bytes, else rAX/rDX. */
static void acc_set(struct exec *x, unsigned sz, uint64_t lo, uint64_t hi)
{
    if (sz == 1) {
        reg_set(x, X86_RAX, 2, (lo & 0xff) | (hi & 0xff) << 8);
        return;
    }
    reg_set(x, X86_RAX, sz, lo);
    reg_set(x, X86_RDX, sz, hi);
}

/* MUL, IMUL with one operand (F6/F7 /4, /5): rDX:rAX (AX) = rAX * r/m. */
static enum emu_result do_mul1(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize, bits = 8 * sz;
    uint64_t m, a = reg_get(x, X86_RAX, sz), lo, hi;
    enum emu_result rc = rm_read(x, sz, EMU_READ, &m);

    if (rc)
        return rc;
    if (d->op == X86_OP_MUL1) {
        u128 p = (u128)(m & emu_size_mask(sz)) * (a & emu_size_mask(sz));

        lo = (uint64_t)p & emu_size_mask(sz);
        hi = (uint64_t)(p >> bits) & emu_size_mask(sz);
        set_cf_of(x, hi != 0);
    } else {
        s128 p = (s128)sext(m, sz) * sext(a, sz);

        lo = (uint64_t)p & emu_size_mask(sz);
        hi = (uint64_t)((u128)p >> bits) & emu_size_mask(sz);
        set_cf_of(x, p != (s128)sext(lo, sz));
    }
    acc_set(x, sz, lo, hi);
    return EMU_OK;
}

/* n / d for a 128-bit n and a 64-bit d, bit by bit (no runtime helper in
 * hv.efi); the caller has checked that the quotient fits 64 bits. */
static uint64_t udiv128(u128 n, uint64_t dv, uint64_t *rem)
{
    u128 r = 0;
    uint64_t q = 0;

    for (int i = 127; i >= 0; i--) {
        r = r << 1 | (uint64_t)(n >> i & 1);
        if (r >= dv) {
            r -= dv;
            if (i < 64)
                q |= 1ull << i;
        }
    }
    *rem = (uint64_t)r;
    return q;
}

/* DIV, IDIV (F6/F7 /6, /7): rDX:rAX (AX) / r/m; #DE for a zero divisor or
 * a quotient that does not fit. */
static enum emu_result do_div(struct exec *x)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize, bits = 8 * sz;
    uint64_t m, mask = emu_size_mask(sz), q, r;
    u128 n;
    enum emu_result rc = rm_read(x, sz, EMU_READ, &m);

    if (rc)
        return rc;
    m &= mask;
    if (sz == 1)
        n = reg_get(x, X86_RAX, 2);
    else
        n = (u128)(reg_get(x, X86_RDX, sz) & mask) << bits | (reg_get(x, X86_RAX, sz) & mask);
    if (!m)
        return emu_raise(x->ctx, EMU_INJECT_DE, 0, 0);
    if (d->op == X86_OP_DIV) {
        if ((n >> bits) >= m)
            return emu_raise(x->ctx, EMU_INJECT_DE, 0, 0);
        q = udiv128(n, m, &r);
    } else {
        /* the 2*bits-wide dividend and the divisor, signed */
        bool nneg = (uint64_t)(n >> (2 * bits - 1)) & 1, dneg = m >> (bits - 1) & 1;
        u128 un = nneg ? (~n + 1) & (bits == 64 ? ~(u128)0 : ((u128)1 << 2 * bits) - 1) : n;
        uint64_t ud = dneg ? (~m + 1) & mask : m;
        uint64_t limit = (1ull << (bits - 1)) - (nneg == dneg); /* |q| at most */

        if ((un >> bits) >= ud)
            return emu_raise(x->ctx, EMU_INJECT_DE, 0, 0);
        q = udiv128(un, ud, &r);
        if (q > limit + (nneg != dneg))
            return emu_raise(x->ctx, EMU_INJECT_DE, 0, 0);
        if (nneg != dneg)
            q = ~q + 1;
        if (nneg)
            r = ~r + 1;
    }
    if (sz == 1)
        reg_set(x, X86_RAX, 2, (q & 0xff) | (r & 0xff) << 8);
    else
        acc_set(x, sz, q, r);
    return EMU_OK;
}

/* --------------------------------------------------------------- strings */

static uint64_t seg_base(struct exec *x, unsigned seg)
{
    if (x->mode == X86_MODE_64 && seg < X86_FS)
        return 0;
    emu_need(x->ctx, EMU_V_SEG(seg));
    return x->ctx->regs.seg[seg].base;
}

/* The port of INS/OUTS (DX), one element in or out.  Reads nothing
 * answers give all-ones, like the bus. */
static void port_io(struct exec *x, bool out, uint64_t *v)
{
    struct emu_ctx *ctx = x->ctx;
    unsigned sz = x->d->opsize;
    uint16_t port = (uint16_t)ctx->regs.gpr[X86_RDX];

    if (!out)
        *v = 0;
    emu_watch(ctx, X86_DR_IO, port, sz);
    if (ctx->ops->port(ctx->opaque, port, sz, out, v) && !out)
        *v = ~0ull;
    *v &= emu_size_mask(sz);
}

/* After the source element of a string instruction was read: LODS and
 * OUTS are done with it (true); MOVS goes on to write it. */
static bool source_consumed(struct exec *x, uint64_t *v)
{
    if (x->d->op == X86_OP_LODS) {
        reg_set(x, X86_RAX, x->d->opsize, *v);
        return true;
    }
    if (x->d->op == X86_OP_OUTS) {
        port_io(x, true, v);
        return true;
    }
    return false;
}

/* INS: the destination is checked (segment, both pages' translations)
 * before the port is read, so a fault leaves the device untouched. */
static enum emu_result ins_step(struct exec *x, uint64_t di)
{
    struct emu_ctx *ctx = x->ctx;
    unsigned sz = x->d->opsize;
    uint64_t la, gpa, v;
    enum emu_result rc;

    rc = emu_linear(ctx, x->mode, X86_ES, di, sz, true, &la);
    if (!rc)
        rc = emu_translate(ctx, la, EMU_WRITE, &gpa);
    if (!rc && (la & 0xfff) + sz > 4096)
        rc = emu_translate(ctx, (la | 0xfff) + 1, EMU_WRITE, &gpa);
    if (rc)
        return rc;
    port_io(x, false, &v);
    return emu_mem(ctx, x->mode, X86_ES, di, sz, EMU_WRITE, true, &v);
}

/* One CMPS/SCAS element: both operands read (CMPS: seg:rSI first), the
 * flags of their subtraction as CMP sets them (SDM CMPS, SCAS). */
static enum emu_result compare_step(struct exec *x, uint64_t si, uint64_t di)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize;
    uint64_t a = 0, b = 0;
    enum emu_result rc;

    if (d->op == X86_OP_CMPS) {
        rc = emu_mem(x->ctx, x->mode, d->seg, si, sz, EMU_READ, false, &a);
        if (rc)
            return rc;
    } else {
        a = x->ctx->regs.gpr[X86_RAX];
    }
    rc = emu_mem(x->ctx, x->mode, X86_ES, di, sz, EMU_READ, false, &b);
    if (rc)
        return rc;
    emu_alu(X86_OP_CMP, sz, a & emu_size_mask(sz), b, &x->rflags);
    return EMU_OK;
}

/* One MOVS/STOS/LODS/INS/OUTS/CMPS/SCAS element at rSI/rDI (offsets si, di). */
static enum emu_result string_step(struct exec *x, uint64_t si, uint64_t di)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize;
    uint64_t v = 0;
    enum emu_result rc;

    if (d->op == X86_OP_CMPS || d->op == X86_OP_SCAS)
        return compare_step(x, si, di);

    if (d->op == X86_OP_INS)
        return ins_step(x, di);
    if (d->op == X86_OP_STOS) {
        v = x->ctx->regs.gpr[X86_RAX];
        return emu_mem(x->ctx, x->mode, X86_ES, di, sz, EMU_WRITE, true, &v);
    }
    rc = emu_mem(x->ctx, x->mode, d->seg, si, sz, EMU_READ, false, &v);
    if (rc)
        return rc;
    if (source_consumed(x, &v))
        return EMU_OK;
    return emu_mem(x->ctx, x->mode, X86_ES, di, sz, EMU_WRITE, true, &v);
}

/* The guest-physical page of one string element's linear address, from
 * *page when already translated (!= ~0), else translated now for `acc`. */
static enum emu_result page_translate(struct exec *x, unsigned seg, uint64_t la,
                                      uint64_t *page, enum emu_access acc)
{
    struct emu_ctx *ctx = x->ctx;
    uint64_t gpa;
    enum emu_result rc;

    if (*page != ~0ull)
        return EMU_OK;
    if (!emu_canonical(&ctx->regs, la))
        return emu_raise(ctx, seg == X86_SS ? EMU_INJECT_SS : EMU_INJECT_GP, 0, 0);
    rc = emu_translate(ctx, la, acc, &gpa);
    if (rc)
        return rc;
    *page = gpa & ~0xfffull;
    return EMU_OK;
}

/* The bus access of one string element whose page is already translated
 * (*page != ~0) or is translated now for `acc`. */
static enum emu_result page_access(struct exec *x, unsigned seg, uint64_t la, uint64_t *page,
                                   enum emu_access acc, unsigned sz, uint64_t *v)
{
    struct emu_ctx *ctx = x->ctx;
    bool write = acc == EMU_WRITE;
    enum emu_result rc = page_translate(x, seg, la, page, acc);

    if (rc)
        return rc;
    emu_watch(ctx, write ? X86_DR_DATA_WRITE : X86_DR_DATA_READ, la, sz);
    if (!write)
        *v = 0;
    if (ctx->ops->access(ctx->opaque, *page | (la & 0xfff), sz, write, v) && !write)
        *v = ~0ull;
    *v &= emu_size_mask(sz);
    return EMU_OK;
}

/* One element in long mode when neither operand crosses a page: each
 * pointer's page is translated once per exit (the loop stops at page
 * boundaries anyway). */
static enum emu_result string_step_page(struct exec *x, uint64_t sla, uint64_t dla,
                                        uint64_t *spage, uint64_t *dpage)
{
    const struct x86_insn *d = x->d;
    unsigned sz = d->opsize;
    uint64_t v = x->ctx->regs.gpr[X86_RAX];
    enum emu_result rc;

    if (d->op == X86_OP_INS) {
        rc = page_translate(x, X86_ES, dla, dpage, EMU_WRITE);
        if (rc)
            return rc;
        port_io(x, false, &v);
    } else if (d->op != X86_OP_STOS) {
        rc = page_access(x, d->seg, sla, spage, EMU_READ, sz, &v);
        if (rc)
            return rc;
        if (source_consumed(x, &v))
            return EMU_OK;
    }
    return page_access(x, X86_ES, dla, dpage, EMU_WRITE, sz, &v);
}

/* Which index registers a string instruction walks. */
static bool string_uses_si(unsigned op)
{
    return op == X86_OP_MOVS || op == X86_OP_LODS || op == X86_OP_OUTS || op == X86_OP_CMPS;
}

static bool string_uses_di(unsigned op)
{
    return op == X86_OP_MOVS || op == X86_OP_STOS || op == X86_OP_INS || op == X86_OP_CMPS ||
           op == X86_OP_SCAS;
}

/* The bus side of one string pass, kept while it stays on its pages. */
struct string_pages {
    uint64_t sbase, dbase;   /* segment bases */
    uint64_t slpage, dlpage; /* linear pages of rSI / rDI's last element */
    uint64_t spage, dpage;   /* their guest-physical pages */
    uint64_t delta, am;
};

/* After an element of a long-mode string instruction that went through
 * string_step_page(): the following elements while they stay inside the
 * same pages, up to max of them, as exactly the bus accesses
 * string_step_page() would make, without its per-element work.  Returns
 * how many it did, and advances *psi and *pdi.  It stops where the loop
 * would do something else: an element on another page (the loop stops at
 * page boundaries) or one that straddles a page (string_step). */
static uint64_t string_batch(struct exec *x, const struct string_pages *sp, uint64_t *psi,
                             uint64_t *pdi, uint64_t max)
{
    const struct x86_insn *d = x->d;
    struct emu_ctx *ctx = x->ctx;
    const struct emu_ops *ops = ctx->ops;
    unsigned sz = d->opsize;
    /* MOVS, STOS or LODS: INS/OUTS never batch */
    bool uses_si = d->op != X86_OP_STOS, uses_di = d->op != X86_OP_LODS;
    uint64_t si = *psi, di = *pdi, k, mask = emu_size_mask(sz);

    for (k = 0; k < max; k++) {
        uint64_t sla = sp->sbase + si, dla = sp->dbase + di, v;

        if ((uses_si && ((sla & ~0xfffull) != sp->slpage || (sla & 0xfff) + sz > 4096)) ||
            (uses_di && ((dla & ~0xfffull) != sp->dlpage || (dla & 0xfff) + sz > 4096)))
            break;
        if (uses_si) {
            v = 0;
            if (ops->access(ctx->opaque, sp->spage | (sla & 0xfff), sz, false, &v))
                v = ~0ull; /* nothing answered: the bus floats high */
            v &= mask;
            if (!uses_di)
                reg_set(x, X86_RAX, sz, v);
        } else {
            v = ctx->regs.gpr[X86_RAX];
        }
        if (uses_di)
            ops->access(ctx->opaque, sp->dpage | (dla & 0xfff), sz, true, &v);
        si = (si + sp->delta) & sp->am;
        di = (di + sp->delta) & sp->am;
    }
    *psi = si;
    *pdi = di;
    return k;
}

/* Runs up to rep_limit iterations, stopping early when rSI or rDI is about
 * to enter another page; *done tells whether the instruction completed.
 * The pointers and the count are committed after the loop, and also when
 * an iteration faults, so the guest sees every completed iteration. */
static enum emu_result do_string(struct exec *x, bool *done)
{
    const struct x86_insn *d = x->d;
    struct emu_ctx *ctx = x->ctx;
    const uint64_t *g = ctx->regs.gpr;
    uint64_t am = emu_size_mask(d->addrsize);
    bool rep = d->prefixes & (X86_P_REP | X86_P_REPNE);
    uint64_t count = rep ? g[X86_RCX] & am : 1;
    uint64_t delta = (x->rflags & X86_FL_DF) ? -(uint64_t)d->opsize : d->opsize;
    /* Breakpoints watched or TF set: one iteration, as a trap-class #DB
     * (a data breakpoint, a single step) follows each iteration that
     * raises it, not the whole instruction (SDM Vol. 3B 17.3.1.1). */
    unsigned limit = ctx->watch.on || (x->rflags & X86_FL_TF) ? 1
                     : ctx->rep_limit ? ctx->rep_limit : EMU_REP_LIMIT_DEFAULT;
    uint64_t sbase = seg_base(x, d->seg), dbase = seg_base(x, X86_ES);
    bool uses_si = string_uses_si(d->op), uses_di = string_uses_di(d->op);
    /* INS/OUTS go element by element (each is a device access anyway). */
    bool port = d->op == X86_OP_INS || d->op == X86_OP_OUTS;
    /* CMPS/SCAS too: REPE/REPNE look at ZF after every element. */
    bool compare = d->op == X86_OP_CMPS || d->op == X86_OP_SCAS;
    bool ended = false;
    uint64_t si = g[X86_RSI] & am, di = g[X86_RDI] & am;
    uint64_t spage = ~0ull, dpage = ~0ull;
    unsigned sz = d->opsize;
    enum emu_result rc = EMU_OK;
    bool paged;
    unsigned n;

    *done = false;
    if (port && !ctx->ops->port)
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    for (n = 0; count && n < limit; n++) {
        uint64_t sla = sbase + si, dla = dbase + di;

        if (n && ((uses_si && (sla ^ (sla - delta)) >> 12) ||
                  (uses_di && (dla ^ (dla - delta)) >> 12)))
            break; /* page boundary: resume on the next exit */
        if (!compare && x->mode == X86_MODE_64 && (sla & 0xfff) + sz <= 4096 &&
            (dla & 0xfff) + sz <= 4096) {
            rc = string_step_page(x, sla, dla, &spage, &dpage);
            paged = true;
        } else {
            rc = string_step(x, si, di);
            paged = false;
        }
        if (rc)
            break;
        si = (si + delta) & am;
        di = (di + delta) & am;
        count--;
        /* REPE ends on a difference, REPNE on equality */
        if (compare && rep &&
            !!(x->rflags & X86_FL_ZF) != !!(d->prefixes & X86_P_REP)) {
            ended = true;
            n++;
            break;
        }
        if (paged && count && n + 1 < limit && !port) {
            /* the rest of this page in a tight loop */
            struct string_pages sp = {
                .sbase = sbase, .dbase = dbase, .slpage = sla & ~0xfffull,
                .dlpage = dla & ~0xfffull, .spage = spage, .dpage = dpage,
                .delta = delta, .am = am,
            };
            uint64_t k = string_batch(x, &sp, &si, &di, MIN(count, (uint64_t)(limit - n - 1)));

            count -= k;
            n += (unsigned)k;
        }
    }
    if (n) {
        if (uses_si)
            reg_set(x, X86_RSI, d->addrsize, si);
        if (uses_di)
            reg_set(x, X86_RDI, d->addrsize, di);
        if (rep)
            reg_set(x, X86_RCX, d->addrsize, count);
    }
    *done = !rc && (!count || ended);
    return rc;
}

/* ---------------------------------------------------------------- driver */

static enum emu_result execute(struct exec *x, bool *done)
{
    const struct x86_insn *d = x->d;

    *done = true;
    if (d->has_mem && !(d->flags & X86_F_STRING))
        x->off = eff_addr(x, x->ctx->regs.gpr[X86_RSP]);
    switch (d->op) {
    case X86_OP_MOV:
    case X86_OP_MOVZX:
    case X86_OP_MOVSX:
    case X86_OP_MOVNTI:
        return do_mov(x);
    case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB:
    case X86_OP_AND: case X86_OP_SUB: case X86_OP_XOR: case X86_OP_CMP:
    case X86_OP_TEST: case X86_OP_NOT: case X86_OP_NEG:
    case X86_OP_INC: case X86_OP_DEC:
        return do_alu(x);
    case X86_OP_XCHG:
        return do_xchg(x);
    case X86_OP_CMPXCHG:
        return do_cmpxchg(x);
    case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
        return do_bt(x);
    case X86_OP_PUSH:
        return do_push(x);
    case X86_OP_POP:
        return do_pop(x);
    case X86_OP_MOVS: case X86_OP_STOS: case X86_OP_LODS:
    case X86_OP_INS: case X86_OP_OUTS: case X86_OP_CMPS: case X86_OP_SCAS:
        return do_string(x, done);
    case X86_OP_SSE_LOAD: case X86_OP_SSE_STORE:
        return do_sse(x);
    case X86_OP_BSF: case X86_OP_BSR:
        return do_bitscan(x);
    case X86_OP_IMUL2:
        return do_imul2(x);
    case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR:
    case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR: case X86_OP_SHLD: case X86_OP_SHRD:
        return do_shift(x);
    case X86_OP_MUL1: case X86_OP_IMUL1:
        return do_mul1(x);
    case X86_OP_DIV: case X86_OP_IDIV:
        return do_div(x);
    case X86_OP_XADD:
        return do_xadd(x);
    case X86_OP_CMOV:
        return do_cmov(x);
    case X86_OP_MOV_SREG: case X86_OP_LTR:
        return do_seg_load(x);
    case X86_OP_STORE_SREG:
        return do_store_sreg(x);
    case X86_OP_LEAVE:
        return do_leave(x);
    case X86_OP_ENTER:
        return do_enter(x);
    case X86_OP_JMP:
        *done = false;
        return do_jmp(x);
    case X86_OP_JMPF:
        *done = false;
        return do_jmpf(x);
    case X86_OP_RET:
        *done = false;
        return do_ret(x);
    case X86_OP_SMSW:
        /* UMIP: outside ring 0 it is #GP(0) (SDM SMSW) */
        if ((x->ctx->regs.cr4 & X86_CR4_UMIP) && x->ctx->regs.cpl > 0)
            return emu_raise(x->ctx, EMU_INJECT_GP, 0, 0);
        return rm_write(x, 2, x->ctx->regs.cr0 & 0xffff);
    default:
        return emu_raise(x->ctx, EMU_INJECT_UD, 0, 0);
    }
}

/* Copies n (<= 15) bytes; the whole-instruction case with a constant size
 * so the compiler inlines it. */
static void copy_bytes(uint8_t *dst, const uint8_t *src, unsigned n)
{
    if (n == X86_MAX_INSN_LEN)
        memcpy(dst, src, X86_MAX_INSN_LEN);
    else
        memcpy(dst, src, n);
}

/* After a fetch through the walk cache (or a walk that refilled it) for
 * the page of la: remember ram_ptr's answer for that page, so the next
 * exit at the same RIP can compare the bytes in place (fast.h). */
static void remember_code_page(struct emu_ctx *ctx, uint64_t la, uint64_t gpa, uint8_t *p)
{
    struct emu_walk_cache *c = &ctx->wcache[0];

    if ((ctx->regs.cr0 & X86_CR0_PG) && ctx->map_gen && c->valid && c->lpage == la >> 12 &&
        c->gen == ctx->map_gen && c->page == (gpa & ~0xfffull))
        c->host = p - (gpa & 0xfff);
}

/* Reads up to 15 instruction bytes at CS:RIP, page by page.  A fault on
 * the second page is kept in *late and only raised if the decoder needs
 * those bytes. */
static enum emu_result fetch(struct emu_ctx *ctx, unsigned mode,
                             enum emu_result *late, struct emu_fault *late_fault)
{
    const struct emu_regs *r = &ctx->regs;
    unsigned want = X86_MAX_INSN_LEN, got = 0;
    uint64_t la;
    enum emu_result rc;

    ctx->nbytes = 0;
    if (mode == X86_MODE_64) {
        la = r->rip;
        if (!emu_canonical(r, la))
            return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    } else {
        const struct emu_seg *cs = &r->seg[X86_CS];
        uint64_t ip = mode == X86_MODE_32 ? (uint32_t)r->rip : r->rip & 0xffff;

        if (ip > cs->limit)
            return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
        if (cs->limit - ip + 1 < want)
            want = (unsigned)(cs->limit - ip + 1);
        la = (cs->base + ip) & 0xffffffffull;
    }
    while (got < want) {
        unsigned chunk = MIN(want - got, 4096 - (unsigned)(la & 0xfff));
        uint64_t gpa;
        uint8_t *p;

        rc = emu_translate(ctx, la, EMU_FETCH, &gpa);
        if (rc) {
            if (!got)
                return rc;
            *late = rc;
            *late_fault = ctx->fault;
            break;
        }
        p = ctx->ops->ram_ptr(ctx->opaque, gpa);
        if (!p) {
            if (!got) {
                plat_log(LOG_WARN, "x86: instruction fetch from non-RAM gpa %#llx",
                         (unsigned long long)gpa);
                return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
            }
            *late = emu_raise(ctx, EMU_INJECT_UD, 0, 0);
            *late_fault = ctx->fault;
            break;
        }
        if (!got)
            remember_code_page(ctx, la, gpa, p);
        copy_bytes(ctx->bytes + got, p, chunk);
        got += chunk;
        la = mode == X86_MODE_64 ? la + chunk : (la + chunk) & 0xffffffffull;
    }
    ctx->nbytes = (uint8_t)got;
    return EMU_OK;
}

void emu_log_fault(struct emu_ctx *ctx, enum emu_result rc)
{
    char hex[3 * X86_MAX_INSN_LEN + 1];
    unsigned n = ctx->insn.len ? ctx->insn.len : ctx->nbytes, pos = 0;

    hex[0] = 0;
    for (unsigned i = 0; i < n && i < X86_MAX_INSN_LEN; i++)
        pos += (unsigned)hv_snprintf(hex + pos, sizeof(hex) - pos, i ? " %02x" : "%02x",
                                     ctx->bytes[i]);
    plat_log(rc == EMU_INJECT_PF ? LOG_INFO : LOG_WARN,
             "x86: %s(%#x) at rip=%#llx cr2=%#llx bytes=[%s] op=%s",
             emu_result_name(rc), ctx->fault.error_code,
             (unsigned long long)ctx->regs.rip,
             (unsigned long long)ctx->fault.cr2, hex, x86_op_name(ctx->insn.op));
}

/* Whether the first n (1..15) bytes of two 16-byte buffers are equal. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, unsigned n)
{
    uint64_t a0, a1, b0, b1;

    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    if (n <= 8)
        return !((a0 ^ b0) & emu_size_mask(n));
    memcpy(&a1, a + 8, 8);
    memcpy(&b1, b + 8, 8);
    return a0 == b0 && !((a1 ^ b1) & emu_size_mask(n - 8));
}

static enum emu_result decode_fetched(struct emu_ctx *ctx, unsigned mode,
                                      enum emu_result late,
                                      const struct emu_fault *late_fault)
{
    const struct x86_insn *c = &ctx->dcache.insn;
    int st;

    if (ctx->dcache.valid && c->mode == mode && ctx->nbytes >= c->len &&
        same_bytes(ctx->bytes, ctx->dcache.bytes, c->len)) {
        ctx->insn = *c;
        return EMU_OK;
    }
    st = x86_decode(&ctx->insn, ctx->bytes, ctx->nbytes, (enum x86_mode)mode);
    switch (st) {
    case X86_DEC_OK:
        ctx->dcache.insn = ctx->insn;
        memcpy(ctx->dcache.bytes, ctx->bytes, sizeof(ctx->bytes));
        ctx->dcache.valid = true;
        ctx->dcache.valid64 = mode == X86_MODE_64;
        ctx->dcache.fast = emu_fast_kind(&ctx->insn);
        ctx->dcache.mask[0] = emu_size_mask(MIN(ctx->insn.len, 8u));
        ctx->dcache.mask[1] = ctx->insn.len > 8 ? emu_size_mask(ctx->insn.len - 8u) : 0;
        return EMU_OK;
    case X86_DEC_TRUNCATED:
        if (late) {
            ctx->fault = *late_fault;
            return late;
        }
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0); /* past the CS limit */
    case X86_DEC_TOO_LONG:
        return emu_raise(ctx, EMU_INJECT_GP, 0, 0);
    default:
        return emu_raise(ctx, EMU_INJECT_UD, 0, 0);
    }
}

/* The general path of emu_run: fetch (unless the fast path already did),
 * decode, execute, write back. */
enum emu_result emu_run_general(struct emu_ctx *ctx, const struct emu_hint *hint, unsigned how)
{
    struct emu_regs *r = &ctx->regs;
    unsigned mode = emu_cpu_mode(r);
    enum emu_result late = EMU_OK, rc;
    struct emu_fault late_fault;
    struct exec x;
    bool done;
    int frc;

    ctx->dirty = 0;
    if (!(how & EMU_RUN_CACHED)) {
        ctx->insn.len = 0;
        ctx->insn.op = X86_OP_NONE;
        emu_tlb_seed(ctx, hint);
        rc = fetch(ctx, mode, &late, &late_fault);
        if (!rc)
            rc = decode_fetched(ctx, mode, late, &late_fault);
        if (rc) {
            emu_log_fault(ctx, rc);
            return rc;
        }
        if (ctx->dcache.fast && mode == X86_MODE_64 && !(how & EMU_RUN_REFERENCE)) {
            frc = emu_exec_fast(ctx, hint, true);
            if (frc != EMU_FAST_DECLINED) {
                if (frc)
                    emu_log_fault(ctx, (enum emu_result)frc);
                return (enum emu_result)frc;
            }
        }
    } else {
        /* the general code expects the TLB as a full fetch leaves it */
        emu_tlb_seed(ctx, hint);
        emu_tlb_fill_from_fetch_cache(ctx, r->rip);
    }
    x = (struct exec){ .ctx = ctx, .d = &ctx->insn, .mode = mode, .rflags = r->rflags };
    rc = execute(&x, &done);
    if (rc) {
        emu_log_fault(ctx, rc);
        return rc;
    }
    /* RF is cleared when an instruction completes; a REP string
     * instruction stopped between iterations is not complete, and an event
     * taken there pushes RF=1, so its instruction breakpoint does not fire
     * again when it resumes (SDM Vol. 3B 17.3.1.1). */
    if ((ctx->insn.flags & X86_F_STRING) && !done)
        x.rflags |= X86_FL_RF;
    else
        x.rflags &= ~(uint64_t)X86_FL_RF;
    if (x.rflags != r->rflags) {
        r->rflags = x.rflags;
        ctx->dirty |= EMU_D_RFLAGS;
    }
    if (done) {
        uint64_t ip = r->rip + ctx->insn.len;

        r->rip = mode == X86_MODE_64 ? ip : mode == X86_MODE_32 ? (uint32_t)ip
                                                                 : ip & 0xffff;
        ctx->dirty |= EMU_D_RIP;
    }
    return EMU_OK;
}

/* The entry of an exit: the fast path first (fast.h), the general path
 * for everything it does not take.  Inlined into both entry points, so an
 * EPT violation reaches the fast path without a call in between. */
static inline __attribute__((always_inline)) enum emu_result run(struct emu_ctx *ctx,
                                                                  const struct emu_hint *hint)
{
    int rc;

    ctx->dirty = 0;
    ctx->db_hits = 0;
    /* the fast path does not match breakpoints: the general one does */
    if (__builtin_expect(ctx->watch.on, 0))
        return emu_run_general(ctx, hint, EMU_RUN_REFERENCE);
    rc = emu_fast_run(ctx, hint);
    if (__builtin_expect(rc < 0, 0))
        return emu_run_general(ctx, hint, rc == EMU_FAST_FETCHED ? EMU_RUN_CACHED : 0);
    return (enum emu_result)rc;
}

enum emu_result emu_run(struct emu_ctx *ctx, const struct emu_hint *hint)
{
    return run(ctx, hint);
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

enum emu_result emu_ept_violation(struct emu_ctx *ctx, uint64_t qual, uint64_t gpa,
                                  uint64_t gla)
{
    struct emu_hint hint = {
        .gla = gla,
        .gpa = gpa,
        .gla_valid = (qual & EPT_QUAL_GLA_VALID) && (qual & EPT_QUAL_GLA_TRANSLATED),
        .is_write = qual & EPT_QUAL_WRITE,
    };

    if (qual & EPT_QUAL_FETCH)
        return fetch_from_mmio(ctx, gpa);
    return run(ctx, &hint);
}
