/*
 * Emulator tests across CPU modes and paging modes: operand and address
 * sizes per mode, segment bases/limits/types, address-size wrap, guest page
 * walks (32-bit, PAE, 4-level, 5-level, large pages, A/D bits, permission
 * faults with CR2 and error code), accesses and instructions that straddle
 * pages, and fetch from MMIO.  Each case compares the whole state after it.
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/lib/host/platform_host.h"


/* For faults: nothing may change at all. */
static void expect_unchanged(size_t n)
{
    ex.regs.rip -= n;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* mov (e)ax,[..+8] (8B 43 08) and mov [..],(e)ax (89 07) in every mode:
 * [bp+di+8]/[bx] in 16-bit code (SS and DS), [ebx+8]/[edi], [rbx+8]/[rdi]. */
static void test_mov_every_mode(void)
{
    for (unsigned m = 0; m < FAKE_NR_MODES; m++) {
        unsigned w = fake_width(m), sz = w == 8 ? 4 : w;
        uint64_t rd_gpa = DEV + 0x28, wr_gpa = DEV + 0x80;

        start((enum fake_mode)m);
        f->full.gpr[X86_RAX] = 0xa1a2a3a4a5a6a7a8ull;
        if (w == 2) {
            f->full.seg[X86_SS].base = DEV;       /* [bp+di+8] uses SS */
            f->full.seg[X86_DS].base = DEV + 0x40; /* [bx] uses DS */
            f->full.gpr[X86_RBP] = 0xffff000000000010ull; /* upper bits ignored */
            f->full.gpr[X86_RDI] = 0x10;
            f->full.gpr[X86_RBX] = 0x40;
        } else {
            f->full.gpr[X86_RBX] = DEV + 0x20;
            f->full.gpr[X86_RDI] = DEV + 0x80;
        }
        put(f->dev + 0x28, 0x1122334455667788ull, 8);
        CHECK_EQ(run(CODE(0x8b, 0x43, 0x08)), EMU_OK);
        ex.regs.gpr[X86_RAX] = w == 2 ? 0xa1a2a3a4a5a67788ull : 0x55667788ull;
        if (fake_diff(f, &ex))
            fprintf(stderr, "FAIL mode %s: read\n", fake_mode_names[m]), test_failed_checks++;
        CHECK(fake_log_at(f, 0, rd_gpa, sz, false, sz == 2 ? 0x7788 : 0x55667788));
        CHECK_EQ(run(CODE(0x89, 0x07)), EMU_OK);
        put(ex.dev + 0x80, sz == 2 ? 0x7788 : 0x55667788, sz);
        if (fake_diff(f, &ex))
            fprintf(stderr, "FAIL mode %s: write\n", fake_mode_names[m]), test_failed_checks++;
        CHECK(fake_log_at(f, 0, wr_gpa, sz, true, sz == 2 ? 0x7788 : 0x55667788));
        CHECK_EQ(f->nlog, 1);
    }
}

/* Operand- and address-size prefixes flip the mode's defaults. */
static void test_size_overrides(void)
{
    /* 32-bit code: 67 8B 07 is mov eax,[bx] */
    start(FAKE_PROT32);
    f->full.seg[X86_DS].base = DEV;
    f->full.gpr[X86_RBX] = 0xffff0010; /* only BX counts */
    put(f->dev + 0x10, 0xdeadbeef, 4);
    CHECK_EQ(run(CODE(0x67, 0x8b, 0x07)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xdeadbeef;
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* 16-bit code: 66 67 8B 04 24 is mov eax,[esp] (SS) */
    start(FAKE_REAL);
    f->full.seg[X86_SS].base = DEV;
    f->full.gpr[X86_RSP] = 0x30;
    put(f->dev + 0x30, 0xcafebabe, 4);
    CHECK_EQ(run(CODE(0x66, 0x67, 0x8b, 0x04, 0x24)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xcafebabe;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x30, 4, false, 0xcafebabe));
    /* 16-bit code: 66 C7 07 imm32: mov dword [bx],imm32 */
    f->full.seg[X86_DS].base = DEV;
    f->full.gpr[X86_RBX] = 0x50;
    CHECK_EQ(run(CODE(0x66, 0xc7, 0x07, 0x04, 0x03, 0x02, 0x01)), EMU_OK);
    put(ex.dev + 0x50, 0x01020304, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* 16-bit: 8B 06 disp16 is mov ax,[disp16] */
    put(f->dev + 0x1234, 0xbeef, 2);
    CHECK_EQ(run(CODE(0x8b, 0x06, 0x34, 0x12)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xcafebeef;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* Effective addresses wrap at the address size. */
static void test_address_wrap(void)
{
    start(FAKE_REAL);
    f->full.seg[X86_DS].base = DEV;
    f->full.gpr[X86_RBX] = 0xffff;
    f->full.gpr[X86_RSI] = 0x0003;
    put(f->dev + 2, 0x4242, 2);
    CHECK_EQ(run(CODE(0x8b, 0x00)), EMU_OK); /* mov ax,[bx+si] = [2] */
    ex.regs.gpr[X86_RAX] = 0x4242;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 2, 2, false, 0x4242));
    /* 32-bit: ebx + disp32 wraps at 4 GiB */
    start(FAKE_PROT32);
    f->full.gpr[X86_RBX] = 0xfffffff0;
    put(f->ram + 0x2010, 0x77, 1);
    CHECK_EQ(run(CODE(0x8a, 0x83, 0x20, 0x20, 0x00, 0x00)), EMU_OK); /* mov al,[ebx+0x2020] */
    ex.regs.gpr[X86_RAX] = 0x77;
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* long mode with 67: [esi] uses only ESI */
    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = 0xffffffff00000000ull | (DEV + 8);
    put(f->dev + 8, 0x99, 1);
    CHECK_EQ(run(CODE(0x67, 0x8a, 0x06)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x99;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

static void test_segment_checks(void)
{
    start(FAKE_PROT32);
    f->full.seg[X86_DS].limit = 0xfff;
    f->full.gpr[X86_RBX] = 0xffe;
    CHECK_EQ(run(CODE(0x8b, 0x03)), EMU_INJECT_GP); /* mov eax,[ebx]: 0xffe..0x1001 */
    CHECK_EQ(f->ctx.fault.vector, 13);
    CHECK(f->ctx.fault.has_error_code);
    CHECK_EQ(f->ctx.fault.error_code, 0);
    expect_unchanged(2);
    f->full.gpr[X86_RBX] = 0xffc; /* last byte at the limit: fine */
    CHECK_EQ(run(CODE(0x8b, 0x03)), EMU_OK);
    /* SS-relative: #SS */
    f->full.seg[X86_SS].limit = 0xff;
    f->full.gpr[X86_RBP] = 0x100;
    CHECK_EQ(run(CODE(0x8b, 0x45, 0x00)), EMU_INJECT_SS);
    CHECK_EQ(f->ctx.fault.vector, 12);
    /* expand-down: offsets above the limit are the valid ones */
    f->full.seg[X86_ES].attr = 0xc097; /* data, RW, expand-down, D/B */
    f->full.seg[X86_ES].limit = 0xfff;
    f->full.gpr[X86_RBX] = 0x800;
    CHECK_EQ(run(CODE(0x26, 0x8b, 0x03)), EMU_INJECT_GP);
    f->full.gpr[X86_RBX] = DEV;
    put(f->dev, 0x12345678, 4);
    CHECK_EQ(run(CODE(0x26, 0x8b, 0x03)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x12345678;
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* read-only data segment: write is #GP, read fine */
    f->full.seg[X86_FS].attr = 0xc091;
    f->full.gpr[X86_RBX] = DEV;
    CHECK_EQ(run(CODE(0x64, 0x89, 0x03)), EMU_INJECT_GP);
    CHECK_EQ(f->nlog, 0);
    CHECK_EQ(run(CODE(0x64, 0x8b, 0x03)), EMU_OK);
    /* code segment override: readable code can be read, never written */
    CHECK_EQ(run(CODE(0x2e, 0x8b, 0x03)), EMU_OK);
    CHECK_EQ(run(CODE(0x2e, 0x89, 0x03)), EMU_INJECT_GP);
    /* unusable segment */
    f->full.seg[X86_GS].attr = EMU_SEG_UNUSABLE;
    CHECK_EQ(run(CODE(0x65, 0x8b, 0x03)), EMU_INJECT_GP);
    /* real mode: the 64 KiB limit */
    start(FAKE_REAL);
    f->full.gpr[X86_RBX] = 0xffff;
    CHECK_EQ(run(CODE(0x8b, 0x07)), EMU_INJECT_GP);
    /* CS limit on fetch */
    start(FAKE_PROT32);
    f->full.seg[X86_CS].limit = 0x1001; /* 2 bytes of code allowed */
    CHECK_EQ(run(CODE(0x8b, 0x43, 0x08)), EMU_INJECT_GP);
    f->full.gpr[X86_RDI] = DEV;
    CHECK_EQ(run(CODE(0x89, 0x07)), EMU_OK);
}

/* Not-present, write-protect, user/supervisor, NX, SMAP, reserved bits. */
static void test_page_faults(void)
{
    for (unsigned m = FAKE_PAGED32; m < FAKE_NR_MODES; m++) {
        bool nx = m != FAKE_PAGED32;
        uint64_t pte, la = DEV + 0x3000;
        unsigned esz = m == FAKE_PAGED32 ? 4 : 8;
        unsigned pfi = nx ? 0x10 : 0;

        start((enum fake_mode)m);
        pte = fake_leaf(f, la);
        f->full.gpr[X86_RSI] = la + 0x10;
        f->full.gpr[X86_RDI] = la + 0x10;
        /* not present: read, then write */
        put(f->ram + pte, 0, esz);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.vector, 14);
        CHECK_EQ(f->ctx.fault.cr2, la + 0x10);
        CHECK_EQ(f->ctx.fault.error_code, 0);
        expect_unchanged(2);
        CHECK_EQ(run(CODE(0x89, 0x07)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 2);
        /* read-only page: reads fine, writes fault with CR0.WP */
        put(f->ram + pte, (la & ~0xfffull) | (FAKE_PTE_DEFAULT & ~FAKE_PTE_W), esz);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        CHECK_EQ(run(CODE(0x89, 0x07)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 3);
        CHECK_EQ(f->nlog, 0);
        /* an RMW instruction faults before its read reaches the device */
        CHECK_EQ(run(CODE(0x01, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 3);
        CHECK_EQ(f->nlog, 0);
        f->full.cr0 &= ~X86_CR0_WP; /* supervisor ignores R/W without WP */
        CHECK_EQ(run(CODE(0x89, 0x07)), EMU_OK);
        CHECK_EQ(f->nlog, 1);
        /* user mode: write to read-only faults even without WP */
        f->full.cpl = 3;
        CHECK_EQ(run(CODE(0x89, 0x07)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 7);
        /* user mode on a supervisor page */
        put(f->ram + pte, (la & ~0xfffull) | (FAKE_PTE_DEFAULT & ~FAKE_PTE_U), esz);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 5);
        /* SMAP: supervisor data access to a user page, unless EFLAGS.AC */
        f->full.cpl = 0;
        f->full.cr4 |= X86_CR4_SMAP;
        put(f->ram + pte, (la & ~0xfffull) | FAKE_PTE_DEFAULT, esz);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 1);
        f->full.rflags |= X86_FL_AC;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        f->full.rflags &= ~(uint64_t)X86_FL_AC;
        f->full.cr4 &= ~X86_CR4_SMAP;
        /* instruction fetch from an NX page (PAE and up); the fetch of a
         * code page without U at CPL 3 faults too */
        {
            uint64_t cpte = fake_leaf(f, FAKE_CODE_IP);
            uint64_t old = fake_rd(f, cpte, esz);
            if (nx) {
                put(f->ram + cpte, old | FAKE_PTE_XD, esz);
                CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
                CHECK_EQ(f->ctx.fault.cr2, f->full.rip);
                CHECK_EQ(f->ctx.fault.error_code, 0x11);
                /* XD set while EFER.NXE is clear: reserved-bit fault */
                f->full.efer &= ~X86_EFER_NXE;
                CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
                CHECK_EQ(f->ctx.fault.error_code, 0x09);
                f->full.efer |= X86_EFER_NXE;
            }
            put(f->ram + cpte, old & ~FAKE_PTE_U, esz);
            f->full.cpl = 3;
            CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
            CHECK_EQ(f->ctx.fault.error_code, 0x05 | pfi);
            f->full.cpl = 0;
            put(f->ram + cpte, old, esz);
        }
        if (test_failed_checks)
            fprintf(stderr, "  (in mode %s)\n", fake_mode_names[m]);
    }
}

/* Accessed and dirty bits are set in the guest's tables. */
static void test_accessed_dirty(void)
{
    for (unsigned m = FAKE_PAGED32; m < FAKE_NR_MODES; m++) {
        uint64_t la = DEV + 0x5000, pte;
        unsigned esz = m == FAKE_PAGED32 ? 4 : 8;

        start((enum fake_mode)m);
        pte = fake_leaf(f, la);
        put(f->ram + pte, la | (FAKE_PTE_DEFAULT & ~(FAKE_PTE_A | FAKE_PTE_D)), esz);
        f->full.gpr[X86_RSI] = la;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        CHECK_EQ(fake_rd(f, pte, esz) & (FAKE_PTE_A | FAKE_PTE_D), FAKE_PTE_A);
        CHECK_EQ(run(CODE(0x89, 0x06)), EMU_OK);
        CHECK_EQ(fake_rd(f, pte, esz) & (FAKE_PTE_A | FAKE_PTE_D), FAKE_PTE_A | FAKE_PTE_D);
    }
}

/* 2 MiB, 1 GiB (4-level) and 4 MiB (32-bit PSE) pages. */
static void test_large_pages(void)
{
    /* long mode: a 2 MiB page at linear 0x40000000 -> gpa 0 (RAM) */
    start(FAKE_LONG4);
    {
        uint64_t pde = fake_pte_addr(f, 0x40000000, 2);
        put(f->ram + pde, 0 | FAKE_PTE_DEFAULT | FAKE_PTE_PS, 8);
        f->full.gpr[X86_RSI] = 0x40000000 + 0x7123;
        put(f->ram + 0x7123, 0x5a5a5a5a, 4);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0x5a5a5a5a;
        CHECK_EQ(fake_diff(f, &ex), 0);
        /* reserved bits 20:13 set in the 2 MiB PDE */
        put(f->ram + pde, (1ull << 13) | FAKE_PTE_DEFAULT | FAKE_PTE_PS, 8);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 0x09);
    }
    /* 1 GiB page at linear 0x80000000 -> gpa 0 */
    {
        uint64_t pdpte = fake_pte_addr(f, 0x80000000, 3);
        put(f->ram + pdpte, FAKE_PTE_DEFAULT | FAKE_PTE_PS, 8);
        f->full.gpr[X86_RSI] = 0x80000000 + 0x7123;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0x5a5a5a5a;
        CHECK_EQ(fake_diff(f, &ex), 0);
    }
    /* 32-bit paging, 4 MiB page at 0x80000000 -> gpa 0 */
    start(FAKE_PAGED32);
    {
        uint64_t pde = fake_pte_addr(f, 0x80000000, 2);
        put(f->ram + pde, FAKE_PTE_DEFAULT | FAKE_PTE_PS, 4);
        f->full.gpr[X86_RSI] = 0x80000000 + 0x7123;
        put(f->ram + 0x7123, 0x6b6b6b6b, 4);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0x6b6b6b6b;
        CHECK_EQ(fake_diff(f, &ex), 0);
        /* without CR4.PSE the PS bit is ignored: the PDE points at a table */
        f->full.cr4 &= ~X86_CR4_PSE;
        put(f->ram + 7 * 4, 0, 4); /* the "page table" at gpa 0: entry 7 */
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 0);
    }
    /* 5-level: a linear address only LA57 makes canonical */
    start(FAKE_LONG5);
    {
        uint64_t la = 0x00ff800000000000ull;
        fake_map(f, la, DEV + 0x6000, FAKE_PTE_DEFAULT);
        f->full.gpr[X86_RSI] = la + 4;
        put(f->dev + 0x6004, 0xabcdef01, 4);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0xabcdef01;
        CHECK_EQ(fake_diff(f, &ex), 0);
        CHECK(fake_log_at(f, 0, DEV + 0x6004, 4, false, 0xabcdef01));
        start(FAKE_LONG4);
        f->full.gpr[X86_RSI] = la + 4;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_GP);
    }
}

/* One operand over two pages mapped to unrelated physical pages. */
static void test_access_straddles_pages(void)
{
    uint64_t la = 0x40000000;

    start(FAKE_LONG4);
    fake_map(f, la, DEV + 0x3000, FAKE_PTE_DEFAULT);
    fake_map(f, la + 0x1000, DEV + 0x1000, FAKE_PTE_DEFAULT);
    put(f->dev + 0x3ffe, 0x2211, 2);
    put(f->dev + 0x1000, 0x4433, 2);
    f->full.gpr[X86_RSI] = la + 0xffe;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x44332211;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 2);
    CHECK(fake_log_at(f, 0, DEV + 0x3ffe, 2, false, 0x2211));
    CHECK(fake_log_at(f, 1, DEV + 0x1000, 2, false, 0x4433));
    /* 8 bytes split 3 + 5: 2+1 then 4+1 */
    f->full.gpr[X86_RSI] = la + 0xffd;
    f->full.gpr[X86_RAX] = 0x0807060504030201ull;
    CHECK_EQ(run(CODE(0x48, 0x89, 0x06)), EMU_OK);
    put(ex.dev + 0x3ffd, 0x030201, 3);
    put(ex.dev + 0x1000, 0x0807060504ull, 5);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 4);
    CHECK(fake_log_at(f, 0, DEV + 0x3ffd, 2, true, 0x0201));
    CHECK(fake_log_at(f, 1, DEV + 0x3fff, 1, true, 0x03));
    CHECK(fake_log_at(f, 2, DEV + 0x1000, 4, true, 0x07060504));
    CHECK(fake_log_at(f, 3, DEV + 0x1004, 1, true, 0x08));
    /* second page not present: #PF on it, and the first half untouched */
    put(f->ram + fake_leaf(f, la + 0x1000), 0, 8);
    CHECK_EQ(run(CODE(0x48, 0x89, 0x06)), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.cr2, la + 0x1000);
    CHECK_EQ(f->ctx.fault.error_code, 2);
    CHECK_EQ(f->nlog, 0);
    expect_unchanged(3);
}

/* The RAM/device boundary at gpa 2 MiB: each side gets its own access. */
static void test_access_spans_regions(void)
{
    start(FAKE_PROT32);
    f->full.gpr[X86_RSI] = DEV - 2;
    put(f->ram + DEV - 2, 0xbbaa, 2);
    put(f->dev, 0xddcc, 2);
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xddccbbaa;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV, 2, false, 0xddcc));
    /* unassigned space reads as all ones */
    f->full.gpr[X86_RSI] = 0x10000000;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0xffffffff;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

/* An instruction over two pages; the second page's fault only matters when
 * the instruction really extends into it. */
static void test_fetch_straddles_pages(void)
{
    start(FAKE_LONG4);
    fake_map(f, 0x3000, 0x5000, FAKE_PTE_DEFAULT);
    fake_map(f, 0x4000, 0x9000, FAKE_PTE_DEFAULT);
    f->full.rip = 0x3ffe;
    f->ram[0x5ffe] = 0x8b;
    f->ram[0x5fff] = 0x43;
    f->ram[0x9000] = 0x08;
    f->full.gpr[X86_RBX] = DEV;
    put(f->dev + 8, 0x31323334, 4);
    fake_save(f, &ex);
    CHECK_EQ(fake_step(f), EMU_OK);
    ex.regs.rip = 0x4001;
    ex.regs.gpr[X86_RAX] = 0x31323334;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->ctx.insn.len, 3);
    /* second page gone: #PF for the fetch at 0x4000 */
    put(f->ram + fake_leaf(f, 0x4000), 0, 8);
    f->full.rip = 0x3ffe;
    fake_save(f, &ex);
    f->nlog = 0;
    CHECK_EQ(fake_step(f), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.cr2, 0x4000);
    CHECK_EQ(f->ctx.fault.error_code, 0x10);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 0);
    /* a 2-byte instruction that ends on the first page is fine */
    f->ram[0x5ffe] = 0x89;
    f->ram[0x5fff] = 0x03; /* mov [rbx],eax */
    f->full.gpr[X86_RAX] = 0x77;
    CHECK_EQ(fake_step(f), EMU_OK);
    CHECK_EQ(f->full.rip, 0x4000);
    CHECK(fake_log_at(f, 0, DEV, 4, true, 0x77));
}

static void test_fetch_from_mmio(void)
{
    start(FAKE_LONG4);
    fake_map(f, 0x3000, DEV + 0x8000, FAKE_PTE_DEFAULT);
    f->full.rip = 0x3000;
    fake_save(f, &ex);
    CHECK_EQ(fake_step(f), EMU_INJECT_UD);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 0);
    CHECK(strstr(plat_host_last_log(), "rip=0x3000") != NULL);
    /* unpaged 32-bit guest running in the device window */
    start(FAKE_PROT32);
    f->full.rip = DEV;
    CHECK_EQ(fake_step(f), EMU_INJECT_UD);
}

/* The exit's (linear, physical) pair saves a walk and is trusted for the
 * access kind it reports. */
static void test_hint(void)
{
    struct emu_hint hint = { .gla = 0x50000000, .gpa = DEV + 0x2000, .gla_valid = true };

    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = 0x50000010;
    put(f->dev + 0x2010, 0x600d, 4);
    fake_code(f, CODE(0x8b, 0x06));
    fake_begin(f);
    CHECK_EQ(emu_run(&f->ctx, &hint), EMU_OK);
    fake_end(f);
    CHECK_EQ(f->full.gpr[X86_RAX], 0x600d);
    CHECK(fake_log_at(f, 0, DEV + 0x2010, 4, false, 0x600d));
    /* a write through a read-only hint walks the tables: unmapped, #PF */
    fake_code(f, CODE(0x89, 0x06));
    fake_begin(f);
    CHECK_EQ(emu_run(&f->ctx, &hint), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.cr2, 0x50000010);
    /* no hint: the walk finds nothing */
    f->full.rip = FAKE_CODE_IP;
    fake_code(f, CODE(0x8b, 0x06));
    CHECK_EQ(fake_step(f), EMU_INJECT_PF);
}

/* The walk cache: a repeated instruction needs no ram_ptr lookups, yet
 * every change to an entry it used, or to the memory map, is seen. */
static void test_walk_cache(void)
{
    for (unsigned m = FAKE_PAGED32; m < FAKE_NR_MODES; m++) {
        unsigned esz = m == FAKE_PAGED32 ? 4 : 8;
        uint64_t la = 0x40000000, pte;

        start((enum fake_mode)m);
        fake_map(f, la, DEV + 0x3000, FAKE_PTE_DEFAULT);
        pte = fake_leaf(f, la);
        f->full.gpr[X86_RSI] = la + 8;
        put(f->dev + 0x3008, 0x1111, 4);
        put(f->dev + 0x5008, 0x2222, 4);
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        CHECK_EQ(f->full.gpr[X86_RAX], 0x1111);
        f->ram_ptrs = 0;
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        CHECK_EQ(f->full.gpr[X86_RAX], 0x1111);
        /* the instruction bytes only; in 64-bit code not even those: the
         * fetch cache compares them in place (hv/x86/fast.h) */
        CHECK_EQ(f->ram_ptrs, fake_is64((enum fake_mode)m) ? 0u : 1u);
        /* remap the data page: the next run must see it */
        put(f->ram + pte, (DEV + 0x5000) | FAKE_PTE_DEFAULT, esz);
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
        CHECK_EQ(f->full.gpr[X86_RAX], 0x2222);
        /* the code page goes away: #PF, not the cached translation */
        put(f->ram + fake_leaf(f, FAKE_CODE_IP), 0, esz);
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(fake_step(f), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.cr2, FAKE_CODE_IP);
        put(f->ram + fake_leaf(f, FAKE_CODE_IP), FAKE_CODE_IP | FAKE_PTE_DEFAULT, esz);
        /* a new map generation: full walks again */
        CHECK_EQ(fake_step(f), EMU_OK);
        f->map_gen++;
        f->ram_ptrs = 0;
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(fake_step(f), EMU_OK);
        CHECK(f->ram_ptrs > 2);
        /* the cache is keyed by privilege too: CPL 3 on a supervisor page */
        put(f->ram + pte, (DEV + 0x5000) | (FAKE_PTE_DEFAULT & ~FAKE_PTE_U), esz);
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(fake_step(f), EMU_OK);
        f->full.cpl = 3;
        f->full.rip = FAKE_CODE_IP;
        CHECK_EQ(fake_step(f), EMU_INJECT_PF);
        CHECK_EQ(f->ctx.fault.error_code, 5);
        if (test_failed_checks)
            fprintf(stderr, "  (in mode %s)\n", fake_mode_names[m]);
    }
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_mov_every_mode);
    RUN(test_size_overrides);
    RUN(test_address_wrap);
    RUN(test_segment_checks);
    RUN(test_page_faults);
    RUN(test_accessed_dirty);
    RUN(test_large_pages);
    RUN(test_access_straddles_pages);
    RUN(test_access_spans_regions);
    RUN(test_fetch_straddles_pages);
    RUN(test_fetch_from_mmio);
    RUN(test_hint);
    RUN(test_walk_cache);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    return test_summary("test_emulate_modes");
}
