/*
 * String instructions (MOVS, STOS, LODS) with and without REP: counts and
 * pointer updates by address size, the direction flag, RAM<->MMIO copies,
 * and the batching rule: many iterations per exit, stopping at a page
 * boundary, with results identical to one iteration per exit.
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/lib/host/platform_host.h"


static void test_single(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RAX] = 0x1122334455667788ull;
    f->full.gpr[X86_RDI] = DEV + 0x10;
    f->full.gpr[X86_RCX] = 5; /* no REP: untouched */
    CHECK_EQ(run(CODE(0xab)), EMU_OK); /* stosd */
    ex.regs.gpr[X86_RDI] = DEV + 0x14;
    put(ex.dev + 0x10, 0x55667788, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0x48, 0xab)), EMU_OK); /* stosq */
    ex.regs.gpr[X86_RDI] = DEV + 0x1c;
    put(ex.dev + 0x14, 0x1122334455667788ull, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* lodsw with DF=1 */
    f->full.rflags |= X86_FL_DF;
    f->full.gpr[X86_RSI] = DEV + 0x14;
    CHECK_EQ(run(CODE(0x66, 0xad)), EMU_OK);
    ex.regs.gpr[X86_RSI] = DEV + 0x12;
    ex.regs.gpr[X86_RAX] = 0x1122334455667788ull;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x14, 2, false, 0x7788));
    /* movsb from the device to RAM, fs: override on the source */
    f->full.rflags &= ~(uint64_t)X86_FL_DF;
    f->full.seg[X86_FS].base = 0x10;
    f->full.gpr[X86_RSI] = DEV + 0x04;
    f->full.gpr[X86_RDI] = 0x9000;
    f->dev[0x14] = 0xee;
    CHECK_EQ(run(CODE(0x64, 0xa4)), EMU_OK);
    ex.regs.gpr[X86_RSI] = DEV + 0x05;
    ex.regs.gpr[X86_RDI] = 0x9001;
    ex.ram[0x9000] = 0xee;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x14, 1, false, 0xee));
    CHECK_EQ(f->nlog, 1);
}

/* The benchmark's rep stosd: 1024 dwords = one page in one exit. */
static void test_rep_stosd_page(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RAX] = 0xa5a5a5a5;
    f->full.gpr[X86_RDI] = DEV + 0x4000;
    f->full.gpr[X86_RCX] = 1024;
    CHECK_EQ(run(CODE(0xf3, 0xab)), EMU_OK);
    ex.regs.gpr[X86_RDI] = DEV + 0x5000;
    ex.regs.gpr[X86_RCX] = 0;
    for (unsigned i = 0; i < 1024; i++)
        put(ex.dev + 0x4000 + 4 * i, 0xa5a5a5a5, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1024);
    CHECK(fake_log_at(f, 1023, DEV + 0x4ffc, 4, true, 0xa5a5a5a5));
    /* 1025: stops at the page boundary with one left, RIP unchanged */
    f->full.gpr[X86_RDI] = DEV + 0x4000;
    f->full.gpr[X86_RCX] = 1025;
    CHECK_EQ(run(CODE(0xf3, 0xab)), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RCX], 1);
    CHECK_EQ(f->full.rip, ex.regs.rip - 2);
    CHECK_EQ(fake_step(f), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RCX], 0);
    CHECK_EQ(f->full.rip, ex.regs.rip);
}

static void test_rep_zero_and_sizes(void)
{
    /* rcx = 0: nothing, but RIP moves on */
    start(FAKE_LONG4);
    f->full.gpr[X86_RDI] = DEV;
    CHECK_EQ(run(CODE(0xf3, 0xaa)), EMU_OK);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 0);
    /* 67 in long mode: ECX/EDI count; the upper halves are cleared */
    f->full.gpr[X86_RCX] = 0xffffffff00000003ull;
    f->full.gpr[X86_RDI] = 0xffffffff00000000ull | DEV;
    f->full.gpr[X86_RAX] = 0x41;
    CHECK_EQ(run(CODE(0x67, 0xf3, 0xaa)), EMU_OK);
    ex.regs.gpr[X86_RCX] = 0;
    ex.regs.gpr[X86_RDI] = DEV + 3;
    memset(ex.dev, 0x41, 3);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* real mode: CX/DI only; DI wraps at 64 KiB, upper bits kept */
    start(FAKE_REAL);
    f->full.seg[X86_ES].base = DEV;
    f->full.gpr[X86_RCX] = 0xabcd0000 | 3;
    f->full.gpr[X86_RDI] = 0x12340000 | 0xffff;
    f->full.gpr[X86_RAX] = 0x42;
    f->full.seg[X86_ES].limit = 0xffff;
    /* DEV + 0xffff is past the 64 KiB device window: use RAM below it */
    f->full.seg[X86_ES].base = 0x30000;
    CHECK_EQ(run(CODE(0xf3, 0xaa)), EMU_OK);
    /* the wrap moves to another page: the next exit finishes the job */
    CHECK_EQ(f->full.gpr[X86_RCX], 0xabcd0002);
    CHECK_EQ(fake_step(f), EMU_OK);
    ex.regs.gpr[X86_RCX] = 0xabcd0000;
    ex.regs.gpr[X86_RDI] = 0x12340002;
    ex.ram[0x3ffff] = 0x42;
    ex.ram[0x30000] = 0x42;
    ex.ram[0x30001] = 0x42;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* CMPS and SCAS: flags of the subtraction, REPE stopping at the first
 * difference and REPNE at the first match, with rSI/rDI/rCX as far as
 * they went; no write anywhere. */
static void test_compare_strings(void)
{
    start(FAKE_LONG4);
    memcpy(f->dev + 0x100, "abcdXf", 6);
    memcpy(f->ram + 0x9000, "abcdYf", 6);
    memcpy(ex.dev + 0x100, "abcdXf", 6);
    memcpy(ex.ram + 0x9000, "abcdYf", 6);
    f->full.gpr[X86_RSI] = DEV + 0x100;
    f->full.gpr[X86_RDI] = 0x9000;
    f->full.gpr[X86_RCX] = 6;
    CHECK_EQ(run(CODE(0xf3, 0xa6)), EMU_OK); /* repe cmpsb */
    /* stopped after 'X' vs 'Y' (the 5th): 'X' - 'Y' borrows */
    ex.regs.gpr[X86_RSI] = DEV + 0x105;
    ex.regs.gpr[X86_RDI] = 0x9005;
    ex.regs.gpr[X86_RCX] = 1;
    ex.regs.rflags = (ex.regs.rflags & ~(uint64_t)X86_FL_ARITH) | X86_FL_CF | X86_FL_SF |
                     X86_FL_AF | X86_FL_PF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 5); /* five reads of the device, no write */
    /* repne scasb: AL = 'd' is found at the 4th byte */
    start(FAKE_LONG4);
    memcpy(f->dev + 0x200, "abcdef", 6);
    memcpy(ex.dev + 0x200, "abcdef", 6);
    f->full.gpr[X86_RAX] = 'd';
    f->full.gpr[X86_RDI] = DEV + 0x200;
    f->full.gpr[X86_RCX] = 100;
    CHECK_EQ(run(CODE(0xf2, 0xae)), EMU_OK);
    ex.regs.gpr[X86_RDI] = DEV + 0x204;
    ex.regs.gpr[X86_RCX] = 96;
    ex.regs.rflags = (ex.regs.rflags & ~(uint64_t)X86_FL_ARITH) | X86_FL_ZF | X86_FL_PF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* cmpsd without REP, DF=1: one element, both pointers down by 4 */
    start(FAKE_LONG4);
    put(f->dev + 0x300, 7, 4);
    put(ex.dev + 0x300, 7, 4);
    put(f->ram + 0x9100, 9, 4);
    put(ex.ram + 0x9100, 9, 4);
    f->full.rflags |= X86_FL_DF;
    f->full.gpr[X86_RSI] = 0x9100;
    f->full.gpr[X86_RDI] = DEV + 0x300;
    f->full.gpr[X86_RCX] = 3;
    CHECK_EQ(run(CODE(0xa7)), EMU_OK);
    ex.regs.gpr[X86_RSI] = 0x90fc;
    ex.regs.gpr[X86_RDI] = DEV + 0x2fc;
    ex.regs.rflags = (ex.regs.rflags & ~(uint64_t)X86_FL_ARITH) | X86_FL_DF; /* 9 - 7 = 2 */
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* ----------------------------------------------- batching equivalence */

static uint64_t rng = 0x12345678abcdefull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct str_case {
    enum fake_mode mode;
    uint8_t code[4];
    unsigned len;
    uint64_t rsi, rdi, rcx, rax;
    bool df;
    uint64_t hole; /* a linear page made not-present, 0 for none */
};

/* Runs exits until the instruction completes or faults; returns the
 * last result and counts exits. */
static enum emu_result run_to_end(struct fake_vcpu *v, const struct str_case *c, unsigned limit,
                                  unsigned *exits)
{
    enum emu_result rc = EMU_OK;
    uint64_t start_rip = v->full.rip;

    v->ctx.rep_limit = limit;
    for (*exits = 0; *exits < 100000 && v->full.rip == start_rip; (*exits)++) {
        rc = fake_step(v);
        if (rc)
            break;
    }
    (void)c;
    return rc;
}

static struct fake_vcpu *prepare(const struct str_case *c)
{
    struct fake_vcpu *v = fake_new(c->mode);

    for (unsigned i = 0; i < FAKE_DEV_SIZE; i++)
        v->dev[i] = (uint8_t)(i * 7 + 1);
    for (unsigned i = 0x20000; i < 0x40000; i++)
        v->ram[i] = (uint8_t)(i * 13 + 5);
    v->full.gpr[X86_RSI] = c->rsi;
    v->full.gpr[X86_RDI] = c->rdi;
    v->full.gpr[X86_RCX] = c->rcx;
    v->full.gpr[X86_RAX] = c->rax;
    if (c->df)
        v->full.rflags |= X86_FL_DF;
    if (c->hole)
        put(v->ram + fake_leaf(v, c->hole), 0, 8);
    fake_code(v, c->code, c->len);
    return v;
}

static void test_rep_batching_equivalence(void)
{
    static const uint8_t ops[][3] = {
        { 0xf3, 0xa4 }, { 0xf3, 0xa5 }, { 0xf3, 0xaa }, { 0xf3, 0xab },
        { 0xf3, 0xac }, { 0xf3, 0xad }, { 0xf2, 0xa5 }, /* F2 acts as REP here */
    };
    static const uint64_t places[] = { DEV, DEV + 0x8000, 0x20000, 0x30000 };
    unsigned total_a = 0, total_b = 0, cases = 0;

    for (unsigned k = 0; k < 120; k++) {
        struct str_case c = { 0 };
        struct fake_vcpu *a, *b;
        struct fake_state sa = { 0 };
        enum emu_result ra, rb;
        unsigned ea, eb, o = (unsigned)(rnd() % ARRAY_SIZE(ops));
        unsigned n = 0;

        c.mode = k % 3 == 0 ? FAKE_PAE : FAKE_LONG4;
        if (k % 3 != 0 && rnd() % 2)
            c.code[n++] = 0x48; /* qword elements */
        else if (rnd() % 3 == 0)
            c.code[n++] = 0x66;
        c.code[n++] = ops[o][0];
        c.code[n++] = ops[o][1];
        c.len = n;
        c.rsi = places[rnd() % 4] + 0x800 + rnd() % 0x3000;
        c.rdi = places[rnd() % 4] + 0x800 + rnd() % 0x3000;
        c.rcx = rnd() % 1500;
        c.rax = rnd();
        c.df = rnd() % 4 == 0;
        if (rnd() % 5 == 0)
            c.hole = (c.rdi & ~0xfffull) + 0x2000;
        a = prepare(&c);
        b = prepare(&c);
        ra = run_to_end(a, &c, 0, &ea);
        rb = run_to_end(b, &c, 1, &eb);
        fake_save(b, &sa);
        CHECK_EQ(ra, rb);
        if (ra == EMU_INJECT_PF)
            CHECK_EQ(a->ctx.fault.cr2, b->ctx.fault.cr2);
        if (fake_diff(a, &sa)) {
            fprintf(stderr, "FAIL batching case %u differs (above)\n", k);
            test_failed_checks++;
        }
        CHECK_EQ(a->nlog, b->nlog);
        CHECK(memcmp(a->log, b->log, sizeof(struct fake_access) * MIN(a->nlog, (unsigned)FAKE_LOG_MAX)) == 0);
        /* batched: one exit per page touched (at most 3 per pointer here) */
        if (!ra)
            CHECK(ea <= 2 * (c.rcx * 8 / 4096 + 2) + 1);
        total_a += ea;
        total_b += eb;
        cases++;
        fake_state_free(&sa);
        fake_free(a);
        fake_free(b);
    }
    CHECK(total_a * 20 < total_b);
    printf("test_emulate_string: %u REP cases, %u exits batched vs %u one-per-exit\n",
           cases, total_a, total_b);
}

/* The per-exit bound holds even with a huge count. */
static void test_rep_bounded(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RDI] = DEV + 0x8000;
    f->full.gpr[X86_RCX] = ~0ull;
    f->ctx.rep_limit = 100;
    CHECK_EQ(run(CODE(0xf3, 0xaa)), EMU_OK);
    CHECK_EQ(f->nlog, 100);
    CHECK_EQ(f->full.gpr[X86_RCX], ~0ull - 100);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP);
    f->ctx.rep_limit = 0; /* default: stops at the page end */
    CHECK_EQ(run(CODE(0xf3, 0xaa)), EMU_OK);
    CHECK_EQ(f->nlog, 4096 - 100);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_single);
    RUN(test_rep_stosd_page);
    RUN(test_rep_zero_and_sizes);
    RUN(test_compare_strings);
    RUN(test_rep_batching_equivalence);
    RUN(test_rep_bounded);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    return test_summary("test_emulate_string");
}
