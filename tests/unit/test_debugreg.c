/*
 * Breakpoint matching for the accesses hv makes for the guest
 * (hv/x86/debugreg.c, SDM Vol. 3B 17.2.4-17.2.5), and the emulator
 * reporting the breakpoints its data accesses hit (ctx->watch/db_hits):
 * one access, page-split accesses, REP strings one iteration per run (with
 * breakpoints armed or TF set) and RF set between iterations.
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/x86/debugreg.h"

/* DR7 with breakpoint n enabled (global), R/W rw, LEN len. */
static uint64_t bp(unsigned n, unsigned rw, unsigned len)
{
    return X86_DR7_G(n) | (uint64_t)rw << (16 + 4 * n) | (uint64_t)len << (18 + 4 * n);
}

#define LEN1 0u
#define LEN2 1u
#define LEN8 2u
#define LEN4 3u

static void test_len_encoding(void)
{
    CHECK_EQ(x86_dr_len_bytes(LEN1), 1);
    CHECK_EQ(x86_dr_len_bytes(LEN2), 2);
    CHECK_EQ(x86_dr_len_bytes(LEN4), 4);
    CHECK_EQ(x86_dr_len_bytes(LEN8), 8);
}

static void test_data_match(void)
{
    uint64_t dr[4] = {0x1000, 0x2002, 0x3000, 0x4000};
    uint64_t dr7 = bp(0, X86_DR_RW_WRITE, LEN4) | bp(1, X86_DR_RW_RW, LEN2);

    /* write breakpoints ignore reads; read/write ones take both */
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0x1000, 4), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x1000, 4), 0);
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x2002, 1), X86_DR6_B(1));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0x2003, 1), X86_DR6_B(1));
    /* any overlapping byte hits; adjacent bytes do not */
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0xffe, 4), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0x1003, 8), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0xffc, 4), 0);
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0x1004, 4), 0);
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x2004, 2), 0);
    /* both at once */
    dr[1] = 0x1002;
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_WRITE, 0x1000, 8),
             X86_DR6_B(0) | X86_DR6_B(1));
    /* disabled (no Ln/Gn) breakpoints never match; Ln alone enables */
    CHECK_EQ(x86_dr_match(dr7 & ~(uint64_t)X86_DR7_G(0), dr, false, X86_DR_DATA_WRITE,
                          0x1000, 1), 0);
    CHECK_EQ(x86_dr_match((dr7 & ~(uint64_t)X86_DR7_G(0)) | X86_DR7_L(0), dr, false,
                          X86_DR_DATA_WRITE, 0x1000, 1), X86_DR6_B(0));
    /* execute breakpoints are the CPU's own: never a data match */
    CHECK_EQ(x86_dr_match(bp(2, X86_DR_RW_EXEC, LEN1), dr, false, X86_DR_DATA_READ,
                          0x3000, 1), 0);
}

/* The CPU ignores DRn's low bits below LENn's alignment (17.2.5). */
static void test_alignment(void)
{
    uint64_t dr[4] = {0x1006, 0, 0, 0};
    uint64_t dr7 = bp(0, X86_DR_RW_RW, LEN8);

    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x1000, 1), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x1007, 1), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, 0x1008, 1), 0);
    /* a breakpoint at the top of the address space, an access wrapping */
    dr[0] = ~0ull;
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, ~0ull - 1, 1), X86_DR6_B(0));
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, ~0ull - 8, 1), 0);
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, ~0ull, 4), X86_DR6_B(0));
    dr[0] = 0;
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_DATA_READ, ~0ull - 1, 4), X86_DR6_B(0));
}

static void test_io_match(void)
{
    uint64_t dr[4] = {0, 0x3f8, 0, 0x70};
    uint64_t dr7 = bp(1, X86_DR_RW_IO, LEN1) | bp(3, X86_DR_RW_IO, LEN2);

    /* I/O breakpoints only with CR4.DE */
    CHECK_EQ(x86_dr_match(dr7, dr, false, X86_DR_IO, 0x3f8, 1), 0);
    CHECK(!x86_dr_armed(dr7, false, X86_DR_IO));
    CHECK(x86_dr_armed(dr7, true, X86_DR_IO));
    CHECK_EQ(x86_dr_match(dr7, dr, true, X86_DR_IO, 0x3f8, 1), X86_DR6_B(1));
    CHECK_EQ(x86_dr_match(dr7, dr, true, X86_DR_IO, 0x3f9, 1), 0);
    CHECK_EQ(x86_dr_match(dr7, dr, true, X86_DR_IO, 0x3f6, 4), X86_DR6_B(1));
    CHECK_EQ(x86_dr_match(dr7, dr, true, X86_DR_IO, 0x71, 1), X86_DR6_B(3));
    /* an I/O breakpoint is not a data breakpoint, nor the reverse */
    CHECK_EQ(x86_dr_match(dr7, dr, true, X86_DR_DATA_WRITE, 0x3f8, 1), 0);
    CHECK(!x86_dr_armed(dr7, true, X86_DR_DATA_READ));
    CHECK_EQ(x86_dr_match(bp(1, X86_DR_RW_RW, LEN1), dr, true, X86_DR_IO, 0x3f8, 1), 0);
}

/* The guest's breakpoints as a backend passes them to the emulator. */
static void watch(uint64_t dr7, uint64_t dr0, uint64_t dr1)
{
    f->ctx.watch.on = true;
    f->ctx.watch.cr4_de = true;
    f->ctx.watch.dr7 = dr7;
    f->ctx.watch.dr[0] = dr0;
    f->ctx.watch.dr[1] = dr1;
    f->ctx.watch.dr[2] = f->ctx.watch.dr[3] = 0;
}

static void test_emulator_mov(void)
{
    start(FAKE_LONG4);
    watch(bp(0, X86_DR_RW_WRITE, LEN4) | bp(1, X86_DR_RW_RW, LEN1), DEV + 0x10, DEV + 0x23);
    f->full.gpr[X86_RBX] = DEV + 0x10;
    f->full.gpr[X86_RAX] = 0x12345678;
    CHECK_EQ(run(CODE(0x89, 0x03)), EMU_OK); /* mov [rbx], eax: DR0 */
    CHECK_EQ(f->ctx.db_hits, X86_DR6_B(0));
    CHECK_EQ(run(CODE(0x8b, 0x03)), EMU_OK); /* mov eax, [rbx]: a read */
    CHECK_EQ(f->ctx.db_hits, 0);
    f->full.gpr[X86_RBX] = DEV + 0x20;
    CHECK_EQ(run(CODE(0x8b, 0x03)), EMU_OK); /* reads 0x20..0x23: DR1 */
    CHECK_EQ(f->ctx.db_hits, X86_DR6_B(1));
    CHECK_EQ(f->full.rip, ex.regs.rip);
    f->full.gpr[X86_RBX] = DEV + 0x24;
    CHECK_EQ(run(CODE(0x8b, 0x03)), EMU_OK);
    CHECK_EQ(f->ctx.db_hits, 0);
    /* a fault reports nothing: the #DB is a trap after a completed access */
    f->full.gpr[X86_RBX] = 0x8000000000000000ull; /* non-canonical */
    CHECK(run(CODE(0x89, 0x03)) != EMU_OK);
    CHECK_EQ(f->ctx.db_hits, 0);
    /* nothing armed: no hits, whatever the registers hold */
    f->ctx.watch.on = false;
    f->full.gpr[X86_RBX] = DEV + 0x10;
    CHECK_EQ(run(CODE(0x89, 0x03)), EMU_OK);
    CHECK_EQ(f->ctx.db_hits, 0);
}

/* An access split across two pages hits in either piece. */
static void test_emulator_split(void)
{
    start(FAKE_LONG4);
    watch(bp(0, X86_DR_RW_WRITE, LEN1), DEV + 0x1001, 0);
    f->full.gpr[X86_RBX] = DEV + 0xffe;
    f->full.gpr[X86_RAX] = ~0ull;
    CHECK_EQ(run(CODE(0x48, 0x89, 0x03)), EMU_OK); /* mov [rbx], rax: 0xffe..0x1005 */
    CHECK_EQ(f->ctx.db_hits, X86_DR6_B(0));
    f->ctx.watch.dr[0] = DEV + 0xfff;
    CHECK_EQ(run(CODE(0x48, 0x89, 0x03)), EMU_OK);
    CHECK_EQ(f->ctx.db_hits, X86_DR6_B(0));
    f->ctx.watch.dr[0] = DEV + 0x1006;
    CHECK_EQ(run(CODE(0x48, 0x89, 0x03)), EMU_OK);
    CHECK_EQ(f->ctx.db_hits, 0);
}

/* REP STOS under a watch: one iteration per run, so the #DB can follow
 * the iteration that hit, with RIP still on the instruction. */
static void test_emulator_rep(void)
{
    unsigned runs = 0;

    start(FAKE_LONG4);
    watch(bp(0, X86_DR_RW_WRITE, LEN4), DEV + 0x48, 0);
    f->full.gpr[X86_RDI] = DEV + 0x40;
    f->full.gpr[X86_RCX] = 4;
    f->full.gpr[X86_RAX] = 0xabcd;
    fake_code(f, CODE(0xf3, 0xab)); /* rep stosd */
    fake_save(f, &ex);
    for (;;) {
        f->nlog = 0;
        CHECK_EQ(fake_step(f), EMU_OK);
        CHECK_EQ(f->nlog, 1);
        runs++;
        /* the third store (DEV+0x48) is the one that hits */
        CHECK_EQ(f->ctx.db_hits, runs == 3 ? X86_DR6_B(0) : 0);
        if (f->full.rip != FAKE_CODE_IP || runs > 8)
            break;
    }
    CHECK_EQ(runs, 4);
    CHECK_EQ(f->full.gpr[X86_RCX], 0);
    CHECK_EQ(f->full.gpr[X86_RDI], DEV + 0x50);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP + 2);
}

/* TF set: one REP iteration per run (a single step follows each, SDM
 * Vol. 3B 17.3.1.1); between iterations RF is set, so an event taken
 * there does not fire the instruction's breakpoint again, and the last
 * iteration clears it. */
static void test_emulator_rep_tf(void)
{
    unsigned runs = 0;

    start(FAKE_LONG4);
    f->full.rflags |= X86_FL_TF;
    f->full.gpr[X86_RDI] = DEV + 0x40;
    f->full.gpr[X86_RCX] = 3;
    fake_code(f, CODE(0xf3, 0xaa)); /* rep stosb */
    for (;;) {
        f->nlog = 0;
        CHECK_EQ(fake_step(f), EMU_OK);
        CHECK_EQ(f->nlog, 1);
        runs++;
        if (f->full.rip != FAKE_CODE_IP || runs > 8)
            break;
        CHECK(f->full.rflags & X86_FL_RF);
        CHECK(f->full.rflags & X86_FL_TF);
    }
    CHECK_EQ(runs, 3);
    CHECK(!(f->full.rflags & X86_FL_RF));
    CHECK(f->full.rflags & X86_FL_TF);
    /* without TF or breakpoints a REP stopped by the per-run bound is
     * between iterations too: RF set */
    f->full.rflags &= ~(uint64_t)X86_FL_TF;
    f->full.rip = FAKE_CODE_IP;
    f->full.gpr[X86_RCX] = 10;
    f->ctx.rep_limit = 4;
    f->nlog = 0;
    CHECK_EQ(fake_step(f), EMU_OK);
    CHECK_EQ(f->nlog, 4);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP);
    CHECK(f->full.rflags & X86_FL_RF);
    f->ctx.rep_limit = 0;
    CHECK_EQ(fake_step(f), EMU_OK);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP + 2);
    CHECK(!(f->full.rflags & X86_FL_RF));
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_len_encoding);
    RUN(test_data_match);
    RUN(test_alignment);
    RUN(test_io_match);
    RUN(test_emulator_mov);
    RUN(test_emulator_split);
    RUN(test_emulator_rep);
    RUN(test_emulator_rep_tf);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    return test_summary("test_debugreg");
}
