/*
 * The forms kvm-unit-tests' emulator test runs on MMIO beyond plain data
 * moves: XADD, CMOVcc, the stack on MMIO (PUSH imm/reg, POP reg, RET,
 * LEAVE, ENTER), JMP through MMIO (near and far), MOV Sreg and LTR with
 * their selector on MMIO (descriptors from a GDT in RAM, every check that
 * faults), and MMX MOVQ.  Each case states the whole expected state and
 * compares everything (fake_diff), so a stray register or byte fails it.
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"

#define GDT 0x3000ull       /* the guest's GDT, in RAM */
#define STK (DEV + 0x800)   /* a stack on the device */

static void expect_same(void)
{
    if (fake_diff(f, &ex)) {
        for (unsigned i = 0; i < X86_NR_SEGS; i++)
            if (memcmp(&f->full.seg[i], &ex.regs.seg[i], sizeof(struct emu_seg)))
                fprintf(stderr, "  seg %u: %#x %#llx %#x %#x, expected %#x %#llx %#x %#x\n", i,
                        f->full.seg[i].sel, (unsigned long long)f->full.seg[i].base,
                        f->full.seg[i].limit, f->full.seg[i].attr, ex.regs.seg[i].sel,
                        (unsigned long long)ex.regs.seg[i].base, ex.regs.seg[i].limit,
                        ex.regs.seg[i].attr);
        CHECK(0);
    }
}

/* A descriptor: base, limit (20 bits), access byte, flags nibble. */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
           (uint64_t)(limit >> 16 & 0xf) << 48 | (uint64_t)flags << 52 |
           (uint64_t)(base >> 24) << 56;
}

/* A segment register value with its padding zeroed (states compare whole). */
static struct emu_seg seg(uint16_t sel, uint64_t base, uint32_t limit, uint32_t attr)
{
    struct emu_seg s;

    memset(&s, 0, sizeof(s));
    s.sel = sel;
    s.base = base;
    s.limit = limit;
    s.attr = attr;
    return s;
}

static void gdt_set(unsigned index, uint64_t d)
{
    put(f->ram + GDT + index * 8, d, 8);
}

/* Long mode, a GDT of 16 entries at GDT. */
static void start64(void)
{
    start(FAKE_LONG4);
    f->full.gdt_base = GDT;
    f->full.gdt_limit = 16 * 8 - 1;
    memset(f->ram + GDT, 0, 16 * 8);
}

static void test_xadd(void)
{
    static const struct { uint64_t dst, src; unsigned sz; } c[] = {
        {0x0123456789abcdefull, 0xfedcba9876543210ull, 1},
        {0x0123456789abcdefull, 0xfedcba9876543210ull, 2},
        {0x0123456789abcdefull, 0xfedcba9876543210ull, 4},
        {0x0123456789abcdefull, 0xfedcba9876543210ull, 8},
        {0xff, 1, 1}, /* carry and zero */
    };

    for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
        unsigned sz = c[i].sz;
        uint64_t m = sz == 8 ? ~0ull : (1ull << 8 * sz) - 1, sum = (c[i].dst + c[i].src) & m;
        uint8_t code[4];
        unsigned n = 0;

        start64();
        f->full.gpr[X86_RBX] = DEV + 0x40;
        f->full.gpr[X86_RAX] = c[i].src;
        put(f->dev + 0x40, c[i].dst, 8);
        if (sz == 2)
            code[n++] = 0x66;
        if (sz == 8)
            code[n++] = 0x48;
        code[n++] = 0x0f;
        code[n++] = sz == 1 ? 0xc0 : 0xc1;
        code[n++] = 0x03; /* [rbx], eax */
        CHECK_EQ(run(code, n), EMU_OK);
        put(ex.dev + 0x40, sum, sz);
        ex.regs.gpr[X86_RAX] = sz == 4 ? (c[i].dst & m)
                                       : (c[i].src & ~m) | (c[i].dst & m);
        ex.regs.rflags = f->full.rflags; /* flags: checked below */
        expect_same();
        CHECK_EQ(!!(f->full.rflags & X86_FL_CF),
                 sz == 8 ? c[i].dst + c[i].src < c[i].dst : (c[i].dst & m) + (c[i].src & m) > m);
        CHECK_EQ(!!(f->full.rflags & X86_FL_ZF), sum == 0);
    }
}

static void test_cmov(void)
{
    /* cmp eax, eax (ZF=1); cmovne eax, [rbx]: nothing moves, but the
     * device is read and RAX's upper half is cleared */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x10;
    f->full.gpr[X86_RAX] = 0x1234567812345678ull;
    f->full.rflags |= X86_FL_ZF;
    put(f->dev + 0x10, 0xabcdef12, 4);
    CHECK_EQ(run(CODE(0x0f, 0x45, 0x03)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x12345678;
    expect_same();
    CHECK(f->nlog == 1 && fake_log_at(f, 0, DEV + 0x10, 4, false, 0xabcdef12));
    /* cmove rcx, [rbx]: taken */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x10;
    f->full.rflags |= X86_FL_ZF;
    put(f->dev + 0x10, 0x1122334455667788ull, 8);
    CHECK_EQ(run(CODE(0x48, 0x0f, 0x44, 0x0b)), EMU_OK);
    ex.regs.gpr[X86_RCX] = 0x1122334455667788ull;
    expect_same();
    /* cmovl (SF != OF) not taken with SF = OF = 1 */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x10;
    f->full.gpr[X86_RCX] = 5;
    f->full.rflags |= X86_FL_SF | X86_FL_OF;
    CHECK_EQ(run(CODE(0x48, 0x0f, 0x4c, 0x0b)), EMU_OK);
    expect_same();
}

static void test_stack_on_mmio(void)
{
    /* push $-7 (6a f9), push $-7070707 (68 imm32), push r12 (41 54) */
    start64();
    f->full.gpr[X86_RSP] = STK;
    CHECK_EQ(run(CODE(0x6a, 0xf9)), EMU_OK);
    put(ex.dev + 0x7f8, (uint64_t)-7, 8);
    ex.regs.gpr[X86_RSP] = STK - 8;
    expect_same();
    start64();
    f->full.gpr[X86_RSP] = STK;
    CHECK_EQ(run(CODE(0x68, 0x0d, 0x1c, 0x94, 0xff)), EMU_OK);
    put(ex.dev + 0x7f8, (uint64_t)-7070707, 8);
    ex.regs.gpr[X86_RSP] = STK - 8;
    expect_same();
    start64();
    f->full.gpr[X86_RSP] = STK;
    f->full.gpr[12] = 0xa5a5a5a5c3c3c3c3ull;
    CHECK_EQ(run(CODE(0x41, 0x54)), EMU_OK);
    put(ex.dev + 0x7f8, 0xa5a5a5a5c3c3c3c3ull, 8);
    ex.regs.gpr[X86_RSP] = STK - 8;
    expect_same();
    /* pushw $imm16 (66 6a 80): two bytes, sign-extended imm8 */
    start64();
    f->full.gpr[X86_RSP] = STK;
    CHECK_EQ(run(CODE(0x66, 0x6a, 0x80)), EMU_OK);
    put(ex.dev + 0x7fe, 0xff80, 2);
    ex.regs.gpr[X86_RSP] = STK - 2;
    expect_same();
    /* pop rdx (5a); pop rsp (5c) takes the popped value */
    start64();
    f->full.gpr[X86_RSP] = STK - 8;
    put(f->dev + 0x7f8, 0x778899, 8);
    CHECK_EQ(run(CODE(0x5a)), EMU_OK);
    ex.regs.gpr[X86_RDX] = 0x778899;
    ex.regs.gpr[X86_RSP] = STK;
    expect_same();
    start64();
    f->full.gpr[X86_RSP] = STK - 8;
    put(f->dev + 0x7f8, 0x4000, 8);
    CHECK_EQ(run(CODE(0x5c)), EMU_OK);
    ex.regs.gpr[X86_RSP] = 0x4000;
    expect_same();
    /* ret; ret $16 */
    start64();
    f->full.gpr[X86_RSP] = STK - 8;
    put(f->dev + 0x7f8, 0x2345, 8);
    CHECK_EQ(run(CODE(0xc3)), EMU_OK);
    ex.regs.rip = 0x2345;
    ex.regs.gpr[X86_RSP] = STK;
    expect_same();
    start64();
    f->full.gpr[X86_RSP] = STK - 8;
    put(f->dev + 0x7f8, 0x2345, 8);
    CHECK_EQ(run(CODE(0xc2, 0x10, 0x00)), EMU_OK);
    ex.regs.rip = 0x2345;
    ex.regs.gpr[X86_RSP] = STK + 16;
    expect_same();
    /* ret to a non-canonical address: #GP(0), nothing changes */
    start64();
    f->full.gpr[X86_RSP] = STK - 8;
    put(f->dev + 0x7f8, 0x8000000000000000ull, 8);
    CHECK_EQ(run(CODE(0xc3)), EMU_INJECT_GP);
    ex.regs.rip -= 1;
    expect_same();
    /* leave: rsp <- rbp, pop rbp */
    start64();
    f->full.gpr[X86_RSP] = 0x5000;
    f->full.gpr[X86_RBP] = STK - 8;
    put(f->dev + 0x7f8, 0x778899, 8);
    CHECK_EQ(run(CODE(0xc9)), EMU_OK);
    ex.regs.gpr[X86_RBP] = 0x778899;
    ex.regs.gpr[X86_RSP] = STK;
    expect_same();
    /* enter $0x1238, $0 */
    start64();
    f->full.gpr[X86_RSP] = STK;
    f->full.gpr[X86_RBP] = 0xaa55aa55bb66bb66ull;
    CHECK_EQ(run(CODE(0xc8, 0x38, 0x12, 0x00)), EMU_OK);
    put(ex.dev + 0x7f8, 0xaa55aa55bb66bb66ull, 8);
    ex.regs.gpr[X86_RBP] = STK - 8;
    ex.regs.gpr[X86_RSP] = STK - 8 - 0x1238;
    expect_same();
    /* enter $16, $2: push rbp, copy one frame pointer, push the frame */
    start64();
    f->full.gpr[X86_RSP] = STK;
    f->full.gpr[X86_RBP] = DEV + 0x900;
    put(f->dev + 0x8f8, 0x1111, 8); /* the enclosing frame's saved pointer */
    CHECK_EQ(run(CODE(0xc8, 0x10, 0x00, 0x02)), EMU_OK);
    put(ex.dev + 0x7f8, DEV + 0x900, 8);
    put(ex.dev + 0x7f0, 0x1111, 8);
    put(ex.dev + 0x7e8, STK - 8, 8);
    ex.regs.gpr[X86_RBP] = STK - 8;
    ex.regs.gpr[X86_RSP] = STK - 24 - 16;
    expect_same();
}

static void test_jmp_indirect(void)
{
    start64();
    f->full.gpr[X86_RAX] = DEV + 0x20;
    put(f->dev + 0x20, 0x1800, 8);
    CHECK_EQ(run(CODE(0xff, 0x20)), EMU_OK); /* jmp *(%rax) */
    ex.regs.rip = 0x1800;
    expect_same();
    start64();
    f->full.gpr[X86_RAX] = DEV + 0x20;
    put(f->dev + 0x20, 0x0000800000000000ull, 8); /* non-canonical */
    CHECK_EQ(run(CODE(0xff, 0x20)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0);
    ex.regs.rip -= 2;
    expect_same();
    /* 66 on a near branch in long mode: vendors differ, not emulated */
    start64();
    f->full.gpr[X86_RAX] = DEV + 0x20;
    CHECK_EQ(run(CODE(0x66, 0xff, 0x20)), EMU_INJECT_UD);
}

static void test_jmp_far(void)
{
    /* rex64 ljmp *(%rax): m16:64, to a 64-bit code segment at index 3 */
    start64();
    gdt_set(3, desc(0, 0xfffff, 0x9a, 0xa)); /* code, not accessed yet; L, G */
    f->full.gpr[X86_RAX] = DEV + 0x30;
    put(f->dev + 0x30, 0x1a00, 8);
    put(f->dev + 0x38, 0x18, 2);
    CHECK_EQ(run(CODE(0x48, 0xff, 0x28)), EMU_OK);
    ex.regs.rip = 0x1a00;
    ex.regs.seg[X86_CS] = seg(0x18, 0, 0xffffffff, 0xa09b);
    ex.ram[GDT + 3 * 8 + 5] = 0x9b; /* accessed */
    expect_same();
    /* to a data segment: #GP(selector) */
    start64();
    gdt_set(4, desc(0, 0xfffff, 0x92, 0xc));
    f->full.gpr[X86_RAX] = DEV + 0x30;
    put(f->dev + 0x30, 0x1a00, 8);
    put(f->dev + 0x38, 0x20, 2);
    CHECK_EQ(run(CODE(0x48, 0xff, 0x28)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0x20);
}

static void test_mov_sreg(void)
{
    /* null SS in 64-bit mode at CPL 0 */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x50;
    CHECK_EQ(run(CODE(0x8e, 0x13)), EMU_OK); /* mov (%rbx), %ss */
    ex.regs.seg[X86_SS] = seg(0, 0, 0, EMU_SEG_UNUSABLE);
    expect_same();
    CHECK(f->ctx.dirty & EMU_D_MOV_SS);
    /* null SS with RPL 3 != CPL 0: #GP(0) */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 3, 2);
    CHECK_EQ(run(CODE(0x8e, 0x13)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0);
    ex.regs.rip -= 2;
    expect_same();
    /* non-null SS with RPL 3 != CPL 0: #GP(selector) */
    start64();
    gdt_set(2, desc(0, 0xfffff, 0x93, 0xc));
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0x13, 2);
    CHECK_EQ(run(CODE(0x8e, 0x13)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0x10);
    /* DS from a data descriptor: base, limit (G), attributes, accessed */
    start64();
    gdt_set(5, desc(0x12345678, 0x0000f, 0x92, 0xc));
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0x28, 2);
    CHECK_EQ(run(CODE(0x8e, 0x1b)), EMU_OK); /* mov (%rbx), %ds */
    ex.regs.seg[X86_DS] = seg(0x28, 0x12345678, 0xffff, 0xc093);
    ex.ram[GDT + 5 * 8 + 5] = 0x93;
    expect_same();
    /* not present: #NP(selector); beyond the GDT limit: #GP(selector) */
    start64();
    gdt_set(6, desc(0, 0xfffff, 0x12, 0xc));
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0x30, 2);
    CHECK_EQ(run(CODE(0x8e, 0x1b)), EMU_INJECT_NP);
    CHECK_EQ(f->ctx.fault.error_code, 0x30);
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0x80, 2);
    CHECK_EQ(run(CODE(0x8e, 0x1b)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0x80);
    /* DPL 0 data segment from CPL 3: #GP(selector) */
    start64();
    gdt_set(5, desc(0, 0xfffff, 0x92, 0xc));
    f->full.cpl = 3;
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0x2b, 2);
    CHECK_EQ(run(CODE(0x8e, 0x23)), EMU_INJECT_GP); /* mov (%rbx), %fs */
    CHECK_EQ(f->ctx.fault.error_code, 0x28);
    /* mov %cs, (%rbx) with 66 and REX.W alike: 16 bits; mov %gs, %eax
     * zero-extends */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x50;
    put(f->dev + 0x50, 0xffffffffffffffffull, 8);
    CHECK_EQ(run(CODE(0x48, 0x8c, 0x0b)), EMU_OK);
    put(ex.dev + 0x50, 0x08, 2);
    expect_same();
    start64();
    f->full.gpr[X86_RAX] = ~0ull;
    f->full.seg[X86_GS].sel = 0x2b;
    CHECK_EQ(run(CODE(0x8c, 0xe8)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x2b;
    expect_same();
    /* MOV CS is #UD */
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x50;
    CHECK_EQ(run(CODE(0x8e, 0x0b)), EMU_INJECT_UD);
    /* real mode: base = selector * 16, limit and attributes kept */
    start(FAKE_REAL);
    f->full.gpr[X86_RBX] = 0x40;
    f->full.seg[X86_DS].base = 0;
    memcpy(f->ram + 0x40, "\x34\x12", 2);
    CHECK_EQ(run(CODE(0x8e, 0x07)), EMU_OK); /* mov (%bx), %es */
    ex.regs.seg[X86_ES].sel = 0x1234;
    ex.regs.seg[X86_ES].base = 0x12340;
    expect_same();
}

static void test_ltr(void)
{
    /* a 64-bit available TSS at index 8 (16 bytes), base above 4 GiB */
    start64();
    gdt_set(8, desc(0x00abc000, 0x67, 0x89, 0));
    gdt_set(9, 0x1);
    f->full.gpr[X86_RBX] = DEV + 0x60;
    put(f->dev + 0x60, 0x40, 2);
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1b)), EMU_OK); /* ltr (%rbx) */
    ex.regs.tr = seg(0x40, 0x100abc000ull, 0x67, 0x8b);
    ex.ram[GDT + 8 * 8 + 5] = 0x8b; /* busy */
    expect_same();
    /* the same, already busy: #GP(selector) */
    start64();
    gdt_set(8, desc(0x00abc000, 0x67, 0x8b, 0));
    f->full.gpr[X86_RBX] = DEV + 0x60;
    put(f->dev + 0x60, 0x40, 2);
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1b)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0x40);
    /* outside ring 0: #GP(0); a null selector: #GP(0) */
    start64();
    f->full.cpl = 3;
    f->full.gpr[X86_RBX] = DEV + 0x60;
    put(f->dev + 0x60, 0x40, 2);
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1b)), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fault.error_code, 0);
    start64();
    f->full.gpr[X86_RBX] = DEV + 0x60;
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1b)), EMU_INJECT_GP);
    /* not present: #NP(selector) */
    start64();
    gdt_set(8, desc(0x1000, 0x67, 0x09, 0));
    f->full.gpr[X86_RBX] = DEV + 0x60;
    put(f->dev + 0x60, 0x40, 2);
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1b)), EMU_INJECT_NP);
    /* real mode: #UD */
    start(FAKE_REAL);
    CHECK_EQ(run(CODE(0x0f, 0x00, 0x1f)), EMU_INJECT_UD);
}

static void test_mmx(void)
{
    start64();
    f->full.gpr[X86_RAX] = DEV + 0x70;
    f->mmx[3] = 0x0102030405060708ull;
    CHECK_EQ(run(CODE(0x0f, 0x7f, 0x18)), EMU_OK); /* movq %mm3, (%rax) */
    put(ex.dev + 0x70, 0x0102030405060708ull, 8);
    expect_same();
    put(f->dev + 0x70, 0x8070605040302010ull, 8);
    fake_code(f, CODE(0x0f, 0x6f, 0x38)); /* movq (%rax), %mm7 */
    fake_save(f, &ex);
    ex.regs.rip = f->full.rip + 3;
    CHECK_EQ(fake_step(f), EMU_OK);
    CHECK_EQ(f->mmx[7], 0x8070605040302010ull);
    expect_same();
    /* CR0.TS: #NM; CR0.EM: #UD */
    f->full.cr0 |= X86_CR0_TS;
    CHECK_EQ(run(CODE(0x0f, 0x6f, 0x38)), EMU_INJECT_NM);
    f->full.cr0 = (f->full.cr0 & ~X86_CR0_TS) | X86_CR0_EM;
    CHECK_EQ(run(CODE(0x0f, 0x6f, 0x38)), EMU_INJECT_UD);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_xadd);
    RUN(test_cmov);
    RUN(test_stack_on_mmio);
    RUN(test_jmp_indirect);
    RUN(test_jmp_far);
    RUN(test_mov_sreg);
    RUN(test_ltr);
    RUN(test_mmx);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    return test_summary("test_emulate_control");
}
