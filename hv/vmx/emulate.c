/*
 * The VT-x side of the emulator contract in hv/x86/emulate.h, for MMIO
 * (EPT violations) and string port I/O (INS/OUTS exits): the guest's
 * registers go from the VMCS and the saved GPRs into the vCPU's emu_ctx,
 * the emulator runs the instruction with its accesses going to the
 * machine's bus (hv/guest/bus.h), and what it changed goes back into the
 * VMCS; a fault it reports is injected.  Nothing here decides anything
 * about the access itself.
 */
#include "hv/lib/fmt.h"
#include "hv/lib/platform.h"
#include "hv/guest/machine.h"
#include "hv/vmx/vcpu.h"


/* Memory and ports: straight to the machine's bus (hv/guest/bus.h). */
static int op_access(void *opaque, uint64_t gpa, unsigned size, bool is_write, uint64_t *val)
{
    return bus_mem_access(vcpu_bus(opaque), gpa, size, is_write, val);
}

static uint8_t *op_ram_ptr(void *opaque, uint64_t gpa)
{
    return bus_ram_ptr(vcpu_bus(opaque), gpa);
}

/* Paging-structure A/D updates: writable RAM only, logged dirty. */
static uint8_t *op_ram_write_ptr(void *opaque, uint64_t gpa)
{
    return bus_as_ram_ptr_write(vcpu_bus(opaque)->mem, gpa);
}

static int op_port(void *opaque, uint16_t port, unsigned size, bool is_write, uint64_t *val)
{
    return bus_port_access(vcpu_bus(opaque), port, size, is_write, val);
}

/* hv never touches FPU/SSE state (-mgeneral-regs-only) and VM exits do
 * not switch it, so during an exit the CPU's XMM registers hold the
 * guest's values: SSE moves to MMIO read and write them in place. */
static void op_get_xmm(void *opaque, unsigned reg, uint8_t val[16])
{
    (void)opaque;
    x86_live_xmm_get(reg, val);
}

static void op_set_xmm(void *opaque, unsigned reg, const uint8_t val[16])
{
    (void)opaque;
    x86_live_xmm_set(reg, val);
}

static uint64_t op_get_mmx(void *opaque, unsigned reg)
{
    (void)opaque;
    return x86_live_mmx_get(reg);
}

static void op_set_mmx(void *opaque, unsigned reg, uint64_t val)
{
    (void)opaque;
    x86_live_mmx_set(reg, val);
}

static void load_seg(struct emu_seg *sg, unsigned s);
static void load_sys(struct emu_regs *regs);

/* What an exit did not read up front, read when the emulator asks (most
 * MMIO exits in 64-bit code need neither CR3 nor a data segment). */
static void op_load(void *opaque, struct emu_regs *regs, unsigned want)
{
    (void)opaque;
    if (want & EMU_V_CR3)
        regs->cr3 = vmread(VMCS_GUEST_CR3);
    for (unsigned s = 0; s < X86_NR_SEGS; s++)
        if (want & EMU_V_SEG(s))
            load_seg(&regs->seg[s], s);
    if (want & EMU_V_SYS)
        load_sys(regs);
}

static const struct emu_ops vmx_emu_ops = {
    .load = op_load,
    .get_xmm = op_get_xmm,
    .set_xmm = op_set_xmm,
    .ram_ptr = op_ram_ptr,
    .access = op_access,
    .port = op_port,
    .ram_write_ptr = op_ram_write_ptr,
    .get_mmx = op_get_mmx,
    .set_mmx = op_set_mmx,
};

static const uint64_t seg_fields[X86_NR_SEGS][4] = {
    [X86_ES] = {VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR},
    [X86_CS] = {VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR},
    [X86_SS] = {VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR},
    [X86_DS] = {VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR},
    [X86_FS] = {VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR},
    [X86_GS] = {VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR},
};

static const uint64_t ldtr_fields[4] = {VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE,
                                        VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR};
static const uint64_t tr_fields[4] = {VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE,
                                      VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR};

static void read_seg(struct emu_seg *sg, const uint64_t f[4])
{
    sg->sel = (uint16_t)vmread(f[0]);
    sg->base = vmread(f[1]);
    sg->limit = (uint32_t)vmread(f[2]);
    sg->attr = (uint32_t)vmread(f[3]);
}

static void write_seg(const struct emu_seg *sg, const uint64_t f[4])
{
    vmwrite(f[0], sg->sel);
    vmwrite(f[1], sg->base);
    vmwrite(f[2], sg->limit);
    vmwrite(f[3], sg->attr);
}

static void load_seg(struct emu_seg *sg, unsigned s)
{
    read_seg(sg, seg_fields[s]);
}

static void load_sys(struct emu_regs *regs)
{
    regs->gdt_base = vmread(VMCS_GUEST_GDTR_BASE);
    regs->gdt_limit = (uint32_t)vmread(VMCS_GUEST_GDTR_LIMIT);
    read_seg(&regs->ldtr, ldtr_fields);
    read_seg(&regs->tr, tr_fields);
}

/* The guest's data and I/O breakpoints, for the emulator to match the
 * accesses it makes for the guest (hv/x86/emulate.h).  DR7 is in the VMCS
 * ("save debug controls"); DR0-DR3 are read only when one is enabled. */
static void fill_watch(struct emu_ctx *ctx)
{
    uint64_t dr7 = vmread(VMCS_GUEST_DR7);
    bool de = ctx->regs.cr4 & X86_CR4_DE;

    ctx->watch.on = __builtin_expect(dr7 & 0xff, 0) &&
                    (x86_dr_armed(dr7, de, X86_DR_DATA_READ) ||
                     x86_dr_armed(dr7, de, X86_DR_DATA_WRITE) || x86_dr_armed(dr7, de, X86_DR_IO));
    if (!ctx->watch.on)
        return;
    ctx->watch.dr7 = dr7;
    ctx->watch.cr4_de = de;
    vmx_guest_drs(ctx->watch.dr);
}

/* The registers every exit needs: GPRs, RIP, RFLAGS, CR0/CR4/EFER, CS and
 * the CPL (SS.DPL); the rest comes through op_load on demand. */
static void fill_common(struct vcpu *v, struct emu_ctx *ctx)
{
    const struct guest_regs *g = &v->regs;
    struct emu_regs *r = &ctx->regs;

    /* Not zeroed: the emulator keeps its decode and page-walk caches in
     * ctx between exits; map_gen tells it when the guest-physical map
     * changed (any commit re-renders), which drops the walk cache. */
    ctx->ops = &vmx_emu_ops;
    ctx->opaque = v;
    ctx->map_gen = memory_render_count() + 1;
    r->gpr[X86_RAX] = g->rax;
    r->gpr[X86_RCX] = g->rcx;
    r->gpr[X86_RDX] = g->rdx;
    r->gpr[X86_RBX] = g->rbx;
    r->gpr[X86_RSP] = vmread(VMCS_GUEST_RSP);
    r->gpr[X86_RBP] = g->rbp;
    r->gpr[X86_RSI] = g->rsi;
    r->gpr[X86_RDI] = g->rdi;
    r->gpr[8] = g->r8;
    r->gpr[9] = g->r9;
    r->gpr[10] = g->r10;
    r->gpr[11] = g->r11;
    r->gpr[12] = g->r12;
    r->gpr[13] = g->r13;
    r->gpr[14] = g->r14;
    r->gpr[15] = g->r15;
    r->rip = vmread(VMCS_GUEST_RIP);
    r->rflags = vmread(VMCS_GUEST_RFLAGS);
    /* The guest's view of CR0/CR4: VMX-forced bits show as the shadow. */
    r->cr0 = (vmread(VMCS_GUEST_CR0) & ~v->cr0_mask) | (v->cr0_shadow & v->cr0_mask);
    r->cr4 = vmread(VMCS_GUEST_CR4);
    r->efer = vmread(VMCS_GUEST_EFER);
    load_seg(&r->seg[X86_CS], X86_CS);
    r->cpl = (r->cr0 & X86_CR0_PE) ? (uint8_t)((vmread(VMCS_GUEST_SS_AR) >> 5) & 3) : 0;
    ctx->valid = EMU_V_SEG(X86_CS);
    fill_watch(ctx);
}

/* Segment registers and TR a segment load changed (rare: MOV Sreg, LTR,
 * far JMP). */
static __attribute__((noinline)) void write_segs(const struct emu_ctx *ctx)
{
    for (unsigned i = 0; i < X86_NR_SEGS; i++)
        if (ctx->dirty & EMU_D_SEG(i))
            write_seg(&ctx->regs.seg[i], seg_fields[i]);
    if (ctx->dirty & EMU_D_TR)
        write_seg(&ctx->regs.tr, tr_fields);
}

static void write_back(struct vcpu *v, const struct emu_ctx *ctx)
{
    struct guest_regs *g = &v->regs;
    const uint64_t *gpr = ctx->regs.gpr;
    uint64_t *dst[16] = {&g->rax, &g->rcx, &g->rdx, &g->rbx, NULL,    &g->rbp, &g->rsi, &g->rdi,
                         &g->r8,  &g->r9,  &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15};
    /* only the registers the instruction wrote: most write one or none */
    for (unsigned d = ctx->dirty & EMU_D_GPRS; d; d &= d - 1) {
        unsigned i = (unsigned)__builtin_ctz(d);

        if (i == X86_RSP)
            vmwrite(VMCS_GUEST_RSP, gpr[i]);
        else
            *dst[i] = gpr[i];
    }
    if (ctx->dirty & EMU_D_RIP) {
        /* the instruction is done: an STI/MOV SS shadow over it ends, and
         * a MOV SS starts one (SDM Vol. 3A 6.8.3) */
        uint32_t intr = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
        uint32_t now = (intr & ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) |
                       (ctx->dirty & EMU_D_MOV_SS ? INTR_BLOCK_MOV_SS : 0);

        vmwrite(VMCS_GUEST_RIP, ctx->regs.rip);
        if (now != intr)
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY, now);
    }
    if (__builtin_expect(ctx->dirty & (EMU_D_SEGS | EMU_D_TR), 0))
        write_segs(ctx);
    if (ctx->dirty & EMU_D_RFLAGS)
        vmwrite(VMCS_GUEST_RFLAGS, ctx->regs.rflags);
}

/* Hardware exception into the guest at the next entry (SDM Vol. 3C 24.8.3). */
void vmx_inject_fault(struct vcpu *v, const struct emu_fault *f)
{
    /* Real mode (unrestricted guest, CR0.PE=0) takes no error codes. */
    bool ec = f->has_error_code && (vmread(VMCS_GUEST_CR0) & X86_CR0_PE);
    uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT |
                    f->vector | (ec ? INTR_INFO_ERROR_CODE : 0);

    if (f->vector == X86_VEC_PF)
        v->regs.cr2 = f->cr2;
    if (ec)
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, f->error_code);
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
    /* A fault pushes RFLAGS with RF set, so the return re-executes the
     * instruction without its breakpoint firing again (SDM Vol. 3A 6.6,
     * 17.3.1.1); injection pushes the guest's RFLAGS as it is, so set it. */
    if (f->vector < 32 && ((1u << f->vector) & X86_FAULT_VECTORS))
        vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) | X86_FL_RF);
}

/* One line with what the guest will see, where, and the raw bytes. */
static void log_fault(const struct emu_ctx *ctx, enum emu_result r, uint64_t gpa)
{
    char hex[3 * X86_MAX_INSN_LEN + 1];
    unsigned i, n = 0;

    for (i = 0; i < ctx->nbytes && i < X86_MAX_INSN_LEN; i++)
        n += (unsigned)hv_snprintf(hex + n, sizeof(hex) - n, "%s%02x", i ? " " : "",
                                   ctx->bytes[i]);
    hex[n] = '\0';
    plat_log(LOG_WARN, "mmio: %s at rip %#llx (gpa %#llx), bytes: %s: vector %u injected%s",
             emu_result_name(r), (unsigned long long)ctx->regs.rip, (unsigned long long)gpa,
             n ? hex : "(none fetched)", ctx->fault.vector,
             ctx->fault.vector == X86_VEC_PF ? " with CR2" : "");
}

/* After emu_run: registers back, a fault injected. */
static void finish(struct vcpu *v, struct emu_ctx *ctx, enum emu_result r, uint64_t gpa)
{
    write_back(v, ctx);
    if (r == EMU_OK) {
        /* EMU_OK is progress: the instruction done, or (TF set: one) REP
         * iteration, each followed by its single step (the emulator never
         * changes TF itself) */
        if (__builtin_expect(ctx->regs.rflags & X86_FL_TF, 0))
            vmx_single_step_done(ctx->regs.rflags);
        /* data/I/O breakpoints its accesses matched: a #DB after it (or
         * after the REP iteration that matched: RIP still on it) */
        if (__builtin_expect(ctx->db_hits != 0, 0))
            vmx_breakpoints_hit(ctx->db_hits);
        return;
    }
    log_fault(ctx, r, gpa);
    vmx_inject_fault(v, &ctx->fault);
}

/* A new guest starts with empty emulator caches and zeroed XMM registers:
 * nothing of the previous guest's state reaches it. */
void vmx_emu_reset(struct vcpu *v)
{
    static const uint8_t zero[16];

    memset(&v->emu, 0, sizeof(v->emu));
    for (unsigned i = 0; i < 16; i++)
        x86_live_xmm_set(i, zero);
}

void vmx_mmio_exit(struct vcpu *v, uint64_t qual, uint64_t gpa)
{
    struct emu_ctx *ctx = &v->emu;

    fill_common(v, ctx);
    v->mmio_exits++;
    finish(v, ctx, emu_ept_violation(ctx, qual, gpa, vmread(VMCS_GUEST_LINEAR_ADDR)), gpa);
}

void vmx_string_io_exit(struct vcpu *v)
{
    struct emu_ctx *ctx = &v->emu;

    fill_common(v, ctx);
    v->string_io++;
    finish(v, ctx, emu_run(ctx, NULL), 0);
}
