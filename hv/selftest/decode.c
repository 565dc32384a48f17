/*
 * Self-tests of the x86 decoder and MMIO emulator inside hv.efi: decoding
 * known encodings in 16-, 32- and 64-bit mode, and emulating MMIO reads,
 * writes, a zero-extending load, REP STOSD and an unsupported instruction
 * against a recording device, in 32-bit protected mode without paging.
 * The emulator sees the same interface as in a real exit (emu_ops), so
 * this is the exit path short of VMX itself.
 */
#include "hv/lib/platform.h"
#include "hv/selftest/selftest.h"
#include "hv/x86/emulate.h"

/* ------------------------------------------------------------- decoding */
struct want_insn {
    uint8_t bytes[15], n;
    enum x86_mode mode;
    uint8_t len, op, opsize, base, index, scale;
    int64_t disp;
};

static const struct want_insn insns[] = {
    /* 8B /r  MOV r32, r/m32: mov eax,[rbx+8] */
    {{0x8b, 0x43, 0x08}, 3, X86_MODE_64, 3, X86_OP_MOV, 4, X86_RBX, X86_REG_NONE, 1, 8},
    /* REX.W 8B /r: mov rax,[rsi+rcx*8-0x10] */
    {{0x48, 0x8b, 0x44, 0xce, 0xf0}, 5, X86_MODE_64, 5, X86_OP_MOV, 8, X86_RSI, X86_RCX, 8, -16},
    /* 0F B7 /r  MOVZX r32, r/m16: movzx eax,word [esi] */
    {{0x0f, 0xb7, 0x06}, 3, X86_MODE_32, 3, X86_OP_MOVZX, 4, X86_RSI, X86_REG_NONE, 1, 0},
    /* 89 /r in 16-bit code: mov [bx+si+0x1234],ax */
    {{0x89, 0x80, 0x34, 0x12}, 4, X86_MODE_16, 4, X86_OP_MOV, 2, X86_RBX, X86_RSI, 1, 0x1234},
    /* C7 /0 id with 66: mov word [edi],0x5678 */
    {{0x66, 0xc7, 0x07, 0x78, 0x56}, 5, X86_MODE_32, 5, X86_OP_MOV, 2, X86_RDI, X86_REG_NONE, 1, 0},
};

static bool decode_one(const struct want_insn *w)
{
    struct x86_insn d;

    ST_CHECK_EQ(x86_decode(&d, w->bytes, w->n, w->mode), X86_DEC_OK);
    ST_CHECK_EQ(d.len, w->len);
    ST_CHECK_EQ(d.op, w->op);
    ST_CHECK_EQ(d.opsize, w->opsize);
    ST_CHECK(d.has_mem);
    ST_CHECK_EQ(d.base, w->base);
    ST_CHECK_EQ(d.index, w->index);
    ST_CHECK_EQ(d.scale, w->scale);
    ST_CHECK_EQ(d.disp, w->disp);
    return true;
}

static bool test_decode(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(insns); i++)
        if (!decode_one(&insns[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------ emulation */
#define CODE_GPA 0x1000ull
#define DEV_GPA 0xfed00000ull

struct dev_access {
    uint64_t gpa, val;
    unsigned size;
    bool write;
};

static uint8_t code_page[4096];
static struct dev_access seen[32];
static unsigned nseen;
static struct emu_ctx ctx;

static uint8_t *st_ram_ptr(void *opaque, uint64_t gpa)
{
    (void)opaque;
    return (gpa & ~0xfffull) == CODE_GPA ? code_page + (gpa & 0xfff) : NULL;
}

/* The device: reads return a pattern of the address, all accesses kept. */
static int st_access(void *opaque, uint64_t gpa, unsigned size, bool is_write, uint64_t *val)
{
    (void)opaque;
    if (!is_write)
        *val = (0x1122334455667788ull ^ gpa) & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
    if (nseen < ARRAY_SIZE(seen))
        seen[nseen] = (struct dev_access){gpa, *val, size, is_write};
    nseen++;
    return 0;
}

static const struct emu_ops st_ops = {.ram_ptr = st_ram_ptr, .access = st_access};

/* A flat 32-bit protected-mode guest about to run `code` at CODE_GPA. */
static void guest32(const uint8_t *code, size_t n)
{
    struct emu_regs *r = &ctx.regs;

    memset(&ctx, 0, sizeof(ctx));
    memset(code_page, 0x90, sizeof(code_page));
    memcpy(code_page, code, n);
    nseen = 0;
    ctx.ops = &st_ops;
    ctx.valid = EMU_V_ALL;
    r->cr0 = X86_CR0_PE | 0x10;
    r->rip = CODE_GPA;
    r->rflags = 0x2;
    for (unsigned s = 0; s < X86_NR_SEGS; s++)
        r->seg[s] = (struct emu_seg){.base = 0, .limit = 0xffffffff,
                                     .attr = EMU_SEG_S | EMU_SEG_P | EMU_SEG_DB | EMU_SEG_G |
                                             EMU_SEG_TYPE_RW | 1u};
    r->seg[X86_CS].attr |= EMU_SEG_TYPE_CODE;
}

static bool test_mmio_read(void)
{
    static const uint8_t code[] = {0x8b, 0x43, 0x08}; /* mov eax,[ebx+8] */

    guest32(code, sizeof(code));
    ctx.regs.gpr[X86_RAX] = 0xffffffff00000000ull;
    ctx.regs.gpr[X86_RBX] = DEV_GPA;
    ST_CHECK_EQ(emu_run(&ctx, NULL), EMU_OK);
    ST_CHECK_EQ(nseen, 1);
    ST_CHECK(!seen[0].write);
    ST_CHECK_EQ(seen[0].gpa, DEV_GPA + 8);
    ST_CHECK_EQ(seen[0].size, 4);
    /* a 32-bit load clears bits 63:32 */
    ST_CHECK_EQ(ctx.regs.gpr[X86_RAX], (0x1122334455667788ull ^ (DEV_GPA + 8)) & 0xffffffff);
    ST_CHECK_EQ(ctx.regs.rip, CODE_GPA + 3);
    ST_CHECK(ctx.dirty & EMU_D_RIP);
    return true;
}

static bool test_mmio_write_movzx(void)
{
    static const uint8_t wr[] = {0x89, 0x07};       /* mov [edi],eax */
    static const uint8_t mz[] = {0x0f, 0xb7, 0x06}; /* movzx eax,word [esi] */

    guest32(wr, sizeof(wr));
    ctx.regs.gpr[X86_RAX] = 0xcafef00d;
    ctx.regs.gpr[X86_RDI] = DEV_GPA + 0x10;
    ST_CHECK_EQ(emu_run(&ctx, NULL), EMU_OK);
    ST_CHECK_EQ(nseen, 1);
    ST_CHECK(seen[0].write);
    ST_CHECK_EQ(seen[0].gpa, DEV_GPA + 0x10);
    ST_CHECK_EQ(seen[0].val, 0xcafef00d);
    guest32(mz, sizeof(mz));
    ctx.regs.gpr[X86_RAX] = 0xdeadbeef;
    ctx.regs.gpr[X86_RSI] = DEV_GPA + 0x20;
    ST_CHECK_EQ(emu_run(&ctx, NULL), EMU_OK);
    ST_CHECK_EQ(seen[0].size, 2);
    ST_CHECK_EQ(ctx.regs.gpr[X86_RAX], (0x1122334455667788ull ^ (DEV_GPA + 0x20)) & 0xffff);
    return true;
}

static bool test_rep_stosd(void)
{
    static const uint8_t code[] = {0xf3, 0xab}; /* rep stosd */

    guest32(code, sizeof(code));
    ctx.regs.gpr[X86_RAX] = 0x5a5a5a5a;
    ctx.regs.gpr[X86_RCX] = 16;
    ctx.regs.gpr[X86_RDI] = DEV_GPA + 0x100;
    ST_CHECK_EQ(emu_run(&ctx, NULL), EMU_OK);
    ST_CHECK_EQ(nseen, 16);
    ST_CHECK_EQ(seen[15].gpa, DEV_GPA + 0x100 + 15 * 4);
    ST_CHECK_EQ(seen[15].val, 0x5a5a5a5a);
    ST_CHECK_EQ(ctx.regs.gpr[X86_RCX], 0);
    ST_CHECK_EQ(ctx.regs.gpr[X86_RDI], DEV_GPA + 0x140);
    ST_CHECK_EQ(ctx.regs.rip, CODE_GPA + 2);
    return true;
}

static bool test_unsupported_is_ud(void)
{
    static const uint8_t code[] = {0x0f, 0x0b}; /* UD2 */

    plat_log(LOG_INFO, "selftest: the next x86 #UD line is expected");
    guest32(code, sizeof(code));
    ST_CHECK_EQ(emu_run(&ctx, NULL), EMU_INJECT_UD);
    ST_CHECK_EQ(ctx.fault.vector, 6);
    ST_CHECK_EQ(nseen, 0);
    ST_CHECK_EQ(ctx.regs.rip, CODE_GPA); /* a fault leaves RIP */
    return true;
}

static const struct selftest tests[] = {
    {"known_encodings", test_decode},
    {"mmio_read", test_mmio_read},
    {"mmio_write_movzx", test_mmio_write_movzx},
    {"rep_stosd", test_rep_stosd},
    {"unsupported_is_ud", test_unsupported_is_ud},
};

SELFTEST_GROUP(selftest_group_decode, "x86", tests);
