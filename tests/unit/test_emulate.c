/*
 * Emulator tests, one instruction form at a time, in 64-bit mode under the
 * fake vCPU.  Each case runs one exit and compares the whole state after
 * it (registers, flags, RIP, RAM, device memory, XMM) with the expected
 * one, and the device's recorded access sequence.
 */
/* Table rows leave trailing fields (log offset) at zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/lib/host/platform_host.h"

#define MEMOFF 0x100ull /* device offset the cases' [rsi] points at */

/* ------------------------------------------------------ table of forms */

struct form_case {
    const char *name;
    uint8_t code[15];
    uint8_t len;
    uint64_t rax, rcx, mem, fl;       /* inputs: RAX, RCX, qword at [rsi], flags */
    uint64_t x_rax, x_rcx, x_mem, x_fl; /* expected */
    const char *log;                   /* device accesses at [rsi]: "r4 w4" */
    int log_off;                       /* byte offset of those accesses */
};

#define CF X86_FL_CF
#define PF X86_FL_PF
#define AF X86_FL_AF
#define ZF X86_FL_ZF
#define SF X86_FL_SF
#define OF X86_FL_OF
#define ALL1 0xffffffffffffffffull
#define M8 0x8877665544332211ull

static const struct form_case forms[] = {
    { "mov eax,[rsi]", { 0x8b, 0x06 }, 2, ALL1, 0, M8, 0, 0x44332211, 0, M8, 0, "r4" },
    { "mov [rsi],eax", { 0x89, 0x06 }, 2, 0x1122334455667788, 0, 0xaaaaaaaaaaaaaaaa, 0,
      0x1122334455667788, 0, 0xaaaaaaaa55667788, 0, "w4" },
    { "mov rax,[rsi]", { 0x48, 0x8b, 0x06 }, 3, 0, 0, M8, 0, M8, 0, M8, 0, "r8" },
    { "mov ax,[rsi]", { 0x66, 0x8b, 0x06 }, 3, ALL1, 0, M8, 0, 0xffffffffffff2211, 0, M8, 0, "r2" },
    { "mov al,[rsi]", { 0x8a, 0x06 }, 2, ALL1, 0, M8, 0, 0xffffffffffffff11, 0, M8, 0, "r1" },
    { "mov ah,[rsi]", { 0x8a, 0x26 }, 2, ALL1, 0, M8, 0, 0xffffffffffff11ff, 0, M8, 0, "r1" },
    { "mov [rsi],ah", { 0x88, 0x26 }, 2, 0x1234, 0, 0, 0, 0x1234, 0, 0x12, 0, "w1" },
    { "mov [rsi],ch", { 0x88, 0x2e }, 2, 0, 0x5600, 0, 0, 0, 0x5600, 0x56, 0, "w1" },
    { "movzx eax,word [rsi]", { 0x0f, 0xb7, 0x06 }, 3, ALL1, 0, M8, 0, 0x2211, 0, M8, 0, "r2" },
    { "movzx ax,byte [rsi]", { 0x66, 0x0f, 0xb6, 0x06 }, 4, ALL1, 0, M8, 0, 0xffffffffffff0011, 0, M8, 0, "r1" },
    { "movzx rax,byte [rsi]", { 0x48, 0x0f, 0xb6, 0x06 }, 4, ALL1, 0, 0xf0, 0, 0xf0, 0, 0xf0, 0, "r1" },
    { "movsx rax,byte [rsi]", { 0x48, 0x0f, 0xbe, 0x06 }, 4, 0, 0, 0x80, 0, 0xffffffffffffff80, 0, 0x80, 0, "r1" },
    { "movsx eax,word [rsi]", { 0x0f, 0xbf, 0x06 }, 3, ALL1, 0, 0x8000, 0, 0xffff8000, 0, 0x8000, 0, "r2" },
    { "movsx ax,byte [rsi]", { 0x66, 0x0f, 0xbe, 0x06 }, 4, 0x1111111111111111, 0, 0xfe, 0,
      0x111111111111fffe, 0, 0xfe, 0, "r1" },
    { "movsxd rax,[rsi]", { 0x48, 0x63, 0x06 }, 3, 0, 0, 0x80000000, 0, 0xffffffff80000000, 0, 0x80000000, 0, "r4" },
    { "movsxd eax,[rsi]", { 0x63, 0x06 }, 2, ALL1, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, "r4" },
    { "mov dword [rsi],imm32", { 0xc7, 0x06, 0x78, 0x56, 0x34, 0x12 }, 6, 0, 0, ALL1, 0, 0, 0,
      0xffffffff12345678, 0, "w4" },
    { "mov qword [rsi],simm32", { 0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x80 }, 7, 0, 0, 0, 0, 0, 0,
      0xffffffff80000000, 0, "w8" },
    { "mov byte [rsi],imm8", { 0xc6, 0x06, 0xab }, 3, 0, 0, 0, 0, 0, 0, 0xab, 0, "w1" },
    { "mov word [rsi],imm16", { 0x66, 0xc7, 0x06, 0x34, 0x12 }, 5, 0, 0, 0, 0, 0, 0, 0x1234, 0, "w2" },
    { "add [rsi],eax", { 0x01, 0x06 }, 2, 1, 0, 0x7fffffff, 0, 1, 0, 0x80000000, OF | SF | AF | PF, "r4 w4" },
    { "add eax,[rsi]", { 0x03, 0x06 }, 2, 0xffffffff00000001, 0, 0xffffffff, 0, 0, 0, 0xffffffff,
      CF | ZF | PF | AF, "r4" },
    { "add byte [rsi],1", { 0x80, 0x06, 0x01 }, 3, 0, 0, 0xff, 0, 0, 0, 0, CF | ZF | PF | AF, "r1 w1" },
    { "sub dword [rsi],1", { 0x83, 0x2e, 0x01 }, 3, 0, 0, 0, 0, 0, 0, 0xffffffff, CF | SF | AF | PF, "r4 w4" },
    { "add qword [rsi],-1", { 0x48, 0x83, 0x06, 0xff }, 4, 0, 0, 1, 0, 0, 0, 0, CF | ZF | PF | AF, "r8 w8" },
    { "add word [rsi],imm16", { 0x66, 0x81, 0x06, 0x00, 0x80 }, 5, 0, 0, 0x8000, 0, 0, 0, 0, CF | ZF | PF | OF, "r2 w2" },
    { "cmp dword [rsi],imm32", { 0x81, 0x3e, 0x78, 0x56, 0x34, 0x12 }, 6, 0, 0, 0x12345678, CF, 0, 0,
      0x12345678, ZF | PF, "r4" },
    { "adc [rsi],eax", { 0x11, 0x06 }, 2, 1, 0, 1, CF, 1, 0, 3, PF, "r4 w4" },
    { "adc byte [rsi],imm8 carry chain", { 0x80, 0x16, 0xff }, 3, 0, 0, 0, CF, 0, 0, 0, CF | ZF | PF | AF, "r1 w1" },
    { "sbb [rsi],eax", { 0x19, 0x06 }, 2, 2, 0, 5, CF, 2, 0, 2, 0, "r4 w4" },
    { "sbb byte [rsi],0 borrow", { 0x80, 0x1e, 0x00 }, 3, 0, 0, 0, CF, 0, 0, 0xff, CF | SF | AF | PF, "r1 w1" },
    { "and [rsi],eax", { 0x21, 0x06 }, 2, 0xff00, 0, 0xf0f0, CF | OF, 0xff00, 0, 0xf000, PF, "r4 w4" },
    { "or [rsi],eax", { 0x09, 0x06 }, 2, 0x80000000, 0, 1, 0, 0x80000000, 0, 0x80000001, SF, "r4 w4" },
    { "xor [rsi],eax", { 0x31, 0x06 }, 2, 5, 0, 5, 0, 5, 0, 0, ZF | PF, "r4 w4" },
    { "xor al,[rsi]", { 0x32, 0x06 }, 2, 0x1234, 0, 0x34, 0, 0x1200, 0, 0x34, ZF | PF, "r1" },
    { "or rax,[rsi]", { 0x48, 0x0b, 0x06 }, 3, 1, 0, 0x8000000000000000, 0, 0x8000000000000001, 0,
      0x8000000000000000, SF, "r8" },
    { "sub ax,[rsi]", { 0x66, 0x2b, 0x06 }, 3, 0xffff000000008000, 0, 1, 0, 0xffff000000007fff, 0, 1,
      OF | AF | PF, "r2" },
    { "and cl,[rsi]", { 0x22, 0x0e }, 2, 0, 0xf3, 0x3f, 0, 0, 0x33, 0x3f, PF, "r1" },
    { "cmp [rsi],eax", { 0x39, 0x06 }, 2, 2, 0, 1, 0, 2, 0, 1, CF | SF | AF | PF, "r4" },
    { "cmp al,[rsi]", { 0x3a, 0x06 }, 2, 0x80, 0, 1, 0, 0x80, 0, 1, OF | AF, "r1" },
    { "test [rsi],eax", { 0x85, 0x06 }, 2, 0x80, 0, 0x80, CF | OF, 0x80, 0, 0x80, 0, "r4" },
    { "test byte [rsi],ah", { 0x84, 0x26 }, 2, 0x8000, 0, 0x80, 0, 0x8000, 0, 0x80, SF, "r1" },
    { "test dword [rsi],imm32", { 0xf7, 0x06, 0, 0, 0, 0 }, 6, 0, 0, 5, 0, 0, 0, 5, ZF | PF, "r4" },
    { "test byte [rsi],imm8", { 0xf6, 0x06, 0x81 }, 3, 0, 0, 0x80, 0, 0, 0, 0x80, SF, "r1" },
    { "not byte [rsi]", { 0xf6, 0x16 }, 2, 0, 0, 0x0f, CF | ZF, 0, 0, 0xf0, CF | ZF, "r1 w1" },
    { "not qword [rsi]", { 0x48, 0xf7, 0x16 }, 3, 0, 0, 0, 0, 0, 0, ALL1, 0, "r8 w8" },
    { "neg dword [rsi]", { 0xf7, 0x1e }, 2, 0, 0, 1, 0, 0, 0, 0xffffffff, CF | SF | AF | PF, "r4 w4" },
    { "neg byte [rsi] 0", { 0xf6, 0x1e }, 2, 0, 0, 0, CF, 0, 0, 0, ZF | PF, "r1 w1" },
    { "neg word [rsi] min", { 0x66, 0xf7, 0x1e }, 3, 0, 0, 0x8000, 0, 0, 0, 0x8000, CF | OF | SF | PF, "r2 w2" },
    { "inc byte [rsi]", { 0xfe, 0x06 }, 2, 0, 0, 0x7f, CF, 0, 0, 0x80, CF | OF | SF | AF, "r1 w1" },
    { "dec dword [rsi]", { 0xff, 0x0e }, 2, 0, 0, 1, CF, 0, 0, 0, CF | ZF | PF, "r4 w4" },
    { "inc qword [rsi]", { 0x48, 0xff, 0x06 }, 3, 0, 0, ALL1, 0, 0, 0, 0, ZF | PF | AF, "r8 w8" },
    { "dec word [rsi]", { 0x66, 0xff, 0x0e }, 3, 0, 0, 0x8000, 0, 0, 0, 0x7fff, OF | AF | PF, "r2 w2" },
    { "xchg [rsi],eax", { 0x87, 0x06 }, 2, 0xaaaaaaaa11111111, 0, 0x22222222, 0, 0x22222222, 0,
      0x11111111, 0, "r4 w4" },
    { "xchg [rsi],ah", { 0x86, 0x26 }, 2, 0x1100, 0, 0x22, 0, 0x2200, 0, 0x11, 0, "r1 w1" },
    { "xchg [rsi],rcx", { 0x48, 0x87, 0x0e }, 3, 0, 1, 2, 0, 0, 2, 1, 0, "r8 w8" },
    { "lock xchg [rsi],ax", { 0xf0, 0x66, 0x87, 0x06 }, 4, 0xffff, 0, 0x1234, 0, 0x1234, 0, 0xffff, 0, "r2 w2" },
    { "cmpxchg [rsi],ecx equal", { 0x0f, 0xb1, 0x0e }, 3, 5, 9, 5, 0, 5, 9, 9, ZF | PF, "r4 w4" },
    { "cmpxchg [rsi],ecx unequal", { 0x0f, 0xb1, 0x0e }, 3, 0xffffffff00000005, 9, 7, 0, 7, 9, 7,
      CF | SF | AF, "r4 w4" },
    { "lock cmpxchg [rsi],cl", { 0xf0, 0x0f, 0xb0, 0x0e }, 4, 0x1233, 0x77, 0x33, 0, 0x1233, 0x77, 0x77,
      ZF | PF, "r1 w1" },
    { "cmpxchg [rsi],rcx unequal", { 0x48, 0x0f, 0xb1, 0x0e }, 4, 1, 2, 3, 0, 3, 2, 3, CF | SF | AF, "r8 w8" },
    { "bt [rsi],eax (33: next dword)", { 0x0f, 0xa3, 0x06 }, 3, 33, 0, 0x0000000200000000, 0, 33, 0,
      0x0000000200000000, CF, "r4", 4 },
    { "bts [rsi],eax", { 0x0f, 0xab, 0x06 }, 3, 3, 0, 0, CF, 3, 0, 8, 0, "r4 w4" },
    { "btr [rsi],eax", { 0x0f, 0xb3, 0x06 }, 3, 3, 0, 0xf, 0, 3, 0, 7, CF, "r4 w4" },
    { "btc [rsi],eax", { 0x0f, 0xbb, 0x06 }, 3, 0, 0, 1, ZF, 0, 0, 0, CF | ZF, "r4 w4" },
    { "bt dword [rsi],33 (wraps)", { 0x0f, 0xba, 0x26, 33 }, 4, 0, 0, 2, 0, 0, 0, 2, CF, "r4" },
    { "bts dword [rsi],5", { 0x0f, 0xba, 0x2e, 5 }, 4, 0, 0, 0, 0, 0, 0, 0x20, 0, "r4 w4" },
    { "btr word [rsi],15", { 0x66, 0x0f, 0xba, 0x36, 15 }, 5, 0, 0, 0x8001, 0, 0, 0, 1, CF, "r2 w2" },
    { "btc qword [rsi],63", { 0x48, 0x0f, 0xba, 0x3e, 63 }, 5, 0, 0, 0, 0, 0, 0, 0x8000000000000000, 0, "r8 w8" },
    { "movnti [rsi],eax", { 0x0f, 0xc3, 0x06 }, 3, 0x1234, 0, ALL1, 0, 0x1234, 0, 0xffffffff00001234, 0, "w4" },
    { "movnti [rsi],rax", { 0x48, 0x0f, 0xc3, 0x06 }, 4, 0x1234, 0, ALL1, 0, 0x1234, 0, 0x1234, 0, "w8" },
    { "mov eax,fs-less [rsi] with ds override", { 0x3e, 0x8b, 0x06 }, 3, 0, 0, 7, 0, 7, 0, 7, 0, "r4" },
    { "rex before 66 is ignored: mov ax,[rsi]", { 0x48, 0x66, 0x8b, 0x06 }, 4, ALL1, 0, M8, 0,
      0xffffffffffff2211, 0, M8, 0, "r2" },
};

/* Runs one table row in `mode` with `code`; in legacy modes DS.base points
 * at the device and RSI holds the offset, so [esi]/[rsi] is the same byte. */
static void check_form_code(const struct form_case *c, enum fake_mode mode, const uint8_t *code,
                            unsigned len)
{
    enum emu_result rc;
    uint64_t base = DEV + MEMOFF;
    unsigned i = 0;

    start(mode);
    f->full.gpr[X86_RAX] = c->rax;
    f->full.gpr[X86_RCX] = c->rcx;
    f->full.gpr[X86_RSI] = base;
    if (!fake_is64(mode)) {
        f->full.seg[X86_DS].base = DEV;
        f->full.gpr[X86_RSI] = MEMOFF;
    }
    f->full.rflags = 0x2 | c->fl;
    put(f->dev + MEMOFF, c->mem, 8);
    put(f->dev + MEMOFF + 8, 0, 8);
    rc = run(code, len);
    if (rc != EMU_OK) {
        fprintf(stderr, "FAIL %s (%s): %s\n", c->name, fake_mode_names[mode], emu_result_name(rc));
        test_failed_checks++;
        return;
    }
    ex.regs.gpr[X86_RAX] = c->x_rax;
    ex.regs.gpr[X86_RCX] = c->x_rcx;
    ex.regs.rflags = 0x2 | c->x_fl;
    put(ex.dev + MEMOFF, c->x_mem, 8);
    if (fake_diff(f, &ex)) {
        fprintf(stderr, "FAIL %s (%s): state differs (above)\n", c->name, fake_mode_names[mode]);
        test_failed_checks++;
    }
    for (const char *p = c->log; *p; p++) {
        unsigned size;
        bool w;
        uint64_t mask, val;

        if (*p == ' ')
            continue;
        w = *p == 'w';
        size = (unsigned)(p[1] - '0');
        mask = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
        val = c->log_off ? (w ? c->x_mem : c->mem) >> (8 * c->log_off) : (w ? c->x_mem : c->mem);
        if (!fake_log_at(f, i, base + (uint64_t)c->log_off, size, w, val & mask)) {
            fprintf(stderr, "FAIL %s (%s): device log\n", c->name, fake_mode_names[mode]);
            test_failed_checks++;
        }
        i++;
        p++;
    }
    if (f->nlog != i) {
        fprintf(stderr, "FAIL %s (%s): %u device accesses, expected %u\n", c->name,
                fake_mode_names[mode], f->nlog, i);
        test_failed_checks++;
    }
}

static void check_form(const struct form_case *c)
{
    check_form_code(c, FAKE_LONG4, c->code, c->len);
}

/* The same rows in every other mode.  Rows with REX (64-bit only) and
 * MOVSXD (ARPL outside long mode) are skipped; in 32-bit code the bytes
 * mean the same; in 16-bit code 67 selects [esi] and 66 is toggled so the
 * operand size stays what the row expects. */
static unsigned forms_in_mode(enum fake_mode mode)
{
    unsigned ran = 0;

    for (unsigned k = 0; k < ARRAY_SIZE(forms); k++) {
        const struct form_case *c = &forms[k];
        uint8_t code[16];
        unsigned n = 0, i = 0;
        bool rex = false, has66 = false;

        for (unsigned j = 0; j < c->len; j++) {
            if ((c->code[j] & 0xf0) == 0x40)
                rex = true;
            if (c->code[j] == 0x66)
                has66 = true;
            if (c->code[j] != 0x66 && c->code[j] != 0xf0 && c->code[j] != 0x3e &&
                (c->code[j] & 0xf0) != 0x40)
                break;
        }
        if (rex || c->code[0] == 0x63)
            continue;
        if (fake_width(mode) == 2) {
            /* MOVNTI is 32-bit whatever the mode, and takes no 66 */
            bool fixed = c->code[0] == 0x0f && c->code[1] == 0xc3;

            code[n++] = 0x67;
            if (!has66 && !fixed)
                code[n++] = 0x66;
            for (i = 0; i < c->len; i++)
                if (c->code[i] != 0x66 || !has66)
                    code[n++] = c->code[i];
                else
                    has66 = false; /* drop the first 66 only */
        } else {
            memcpy(code, c->code, c->len);
            n = c->len;
        }
        check_form_code(c, mode, code, n);
        ran++;
    }
    return ran;
}

static void test_forms_every_mode(void)
{
    unsigned ran = 0;

    for (unsigned m = 0; m < FAKE_NR_MODES; m++)
        if (m != FAKE_LONG4)
            ran += forms_in_mode((enum fake_mode)m);
    printf("test_emulate: %u form x mode cases\n", ran);
}

static void test_forms_long_mode(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(forms); i++)
        check_form(&forms[i]);
}

/* ---------------------------------------------------- individual forms */

/* The benchmark's instructions, with their exact device traffic. */
static void test_mov_rbx_disp8(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x20;
    f->full.gpr[X86_RAX] = ALL1;
    put(f->dev + 0x28, 0xcafef00d, 4);
    CHECK_EQ(run(CODE(0x8b, 0x43, 0x08)), EMU_OK); /* mov eax,[rbx+8] */
    ex.regs.gpr[X86_RAX] = 0xcafef00d;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV + 0x28, 4, false, 0xcafef00d));
    CHECK_EQ(f->ctx.dirty, EMU_D_GPR(X86_RAX) | EMU_D_RIP);
}

/* SMSW m16 on MMIO: CR0's low 16 bits, a 16-bit store whatever the
 * prefixes; with CR4.UMIP outside ring 0, #GP(0) and nothing stored. */
static void test_smsw(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x40;
    put(f->dev + 0x40, 0xeeeeeeee, 4);
    CHECK_EQ(run(CODE(0x48, 0x0f, 0x01, 0x23)), EMU_OK); /* smsw [rbx] (REX.W) */
    put(ex.dev + 0x40, 0xeeee0000 | (f->full.cr0 & 0xffff), 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 1);
    CHECK(fake_log_at(f, 0, DEV + 0x40, 2, true, f->full.cr0 & 0xffff));
    f->full.cr4 |= X86_CR4_UMIP;
    f->full.cpl = 3;
    CHECK_EQ(run(CODE(0x0f, 0x01, 0x23)), EMU_INJECT_GP);
    CHECK_EQ(f->nlog, 0);
}

/* BSF/BSR from MMIO: the index and ZF clear; a zero source sets ZF and
 * leaves the destination; 16-bit forms merge into the register. */
static void test_bitscan(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x50;
    f->full.gpr[X86_RAX] = ALL1;
    put(f->dev + 0x50, 0x00f00100, 4);
    CHECK_EQ(run(CODE(0x0f, 0xbc, 0x03)), EMU_OK); /* bsf eax,[rbx] */
    ex.regs.gpr[X86_RAX] = 8;
    ex.regs.rflags &= ~(uint64_t)X86_FL_ZF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0x48, 0x0f, 0xbd, 0x03)), EMU_OK); /* bsr rax,[rbx] (64-bit read) */
    ex.regs.gpr[X86_RAX] = 23;
    CHECK_EQ(fake_diff(f, &ex), 0);
    f->full.gpr[X86_RCX] = 0x1234567890abcdefull;
    put(f->dev + 0x50, 0, 8);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0xbc, 0x0b)), EMU_OK); /* bsf cx,[rbx]: zero */
    ex.regs.rflags |= X86_FL_ZF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    put(f->dev + 0x50, 0x8000, 2);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0xbd, 0x0b)), EMU_OK); /* bsr cx,[rbx] */
    ex.regs.gpr[X86_RCX] = 0x1234567890ab000full;
    ex.regs.rflags &= ~(uint64_t)X86_FL_ZF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0xf3, 0x0f, 0xbc, 0x0b)), EMU_INJECT_UD); /* tzcnt: not emulated */
}

static void test_rip_relative_and_moffs(void)
{
    uint64_t target = DEV + 0x40;

    start(FAKE_LONG4);
    /* mov ecx,[rip+disp32]: next rip = 0x1006 */
    {
        int32_t disp = (int32_t)(target - (FAKE_CODE_IP + 6));
        uint8_t code[6] = { 0x8b, 0x0d };
        memcpy(code + 2, &disp, 4);
        put(f->dev + 0x40, 0x55aa, 4);
        CHECK_EQ(run(code, 6), EMU_OK);
        ex.regs.gpr[X86_RCX] = 0x55aa;
        CHECK_EQ(fake_diff(f, &ex), 0);
        CHECK(fake_log_at(f, 0, target, 4, false, 0x55aa));
    }
    /* mov [moffs64],rax */
    {
        uint8_t code[10] = { 0x48, 0xa3 };
        memcpy(code + 2, &target, 8);
        f->full.gpr[X86_RAX] = 0x0123456789abcdef;
        CHECK_EQ(run(code, 10), EMU_OK);
        put(ex.dev + 0x40, 0x0123456789abcdef, 8);
        CHECK_EQ(fake_diff(f, &ex), 0);
        CHECK(fake_log_at(f, 0, target, 8, true, 0x0123456789abcdef));
    }
    /* mov al,[moffs64] */
    {
        uint8_t code[9] = { 0xa0 };
        memcpy(code + 1, &target, 8);
        f->full.gpr[X86_RAX] = 0;
        CHECK_EQ(run(code, 9), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0xef;
        CHECK_EQ(fake_diff(f, &ex), 0);
    }
    /* mov eax,[moffs32] with 67 in long mode: the offset is 4 bytes */
    {
        uint8_t code[6] = { 0x67, 0xa1 };
        uint32_t t32 = (uint32_t)target;
        memcpy(code + 2, &t32, 4);
        CHECK_EQ(run(code, 6), EMU_OK);
        ex.regs.gpr[X86_RAX] = 0x89abcdef;
        CHECK_EQ(fake_diff(f, &ex), 0);
    }
}

/* SIB with index*scale, and r12/r13 bases that need SIB/disp forms. */
static void test_sib_forms(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_R12] = DEV;
    f->full.gpr[X86_R13] = 3;
    put(f->dev + 0x18 + 0x10, 0xfeed, 2);
    /* mov dx,[r12+r13*8+0x10]: 66 43 8B 54 EC 10 */
    CHECK_EQ(run(CODE(0x66, 0x43, 0x8b, 0x54, 0xec, 0x10)), EMU_OK);
    ex.regs.gpr[X86_RDX] = 0xfeed;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x28, 2, false, 0xfeed));
    /* mov [r13*4+disp32],r9b: 46 88 0C AD disp32 (no base) */
    f->full.gpr[X86_R9] = 0x77;
    {
        uint32_t disp = (uint32_t)DEV + 4;
        uint8_t code[8] = { 0x46, 0x88, 0x0c, 0xad };
        memcpy(code + 4, &disp, 4);
        CHECK_EQ(run(code, 8), EMU_OK);
        ex.dev[4 + 12] = 0x77;
        CHECK_EQ(fake_diff(f, &ex), 0);
    }
    /* mov [r13+0],sil: 41 88 75 00 -> base r13 with disp8 (mod 01) */
    f->full.gpr[X86_R13] = DEV + 0x50;
    f->full.gpr[X86_RSI] = 0x99;
    CHECK_EQ(run(CODE(0x41, 0x88, 0x75, 0x00)), EMU_OK);
    ex.dev[0x50] = 0x99;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

static void test_fs_gs_base(void)
{
    start(FAKE_LONG4);
    f->full.seg[X86_GS].base = DEV + 0x300;
    f->full.seg[X86_FS].base = 0x7000;
    f->full.gpr[X86_RDI] = 0x10;
    f->full.gpr[X86_RAX] = 0xabcd;
    /* mov gs:[rdi],eax: 65 89 07 */
    CHECK_EQ(run(CODE(0x65, 0x89, 0x07)), EMU_OK);
    put(ex.dev + 0x310, 0xabcd, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x310, 4, true, 0xabcd));
    /* es: override is ignored in long mode: 26 89 07 writes [rdi] itself */
    f->full.gpr[X86_RDI] = DEV + 0x20;
    f->full.seg[X86_ES].base = 0x5000; /* would move it if used */
    CHECK_EQ(run(CODE(0x26, 0x89, 0x07)), EMU_OK);
    put(ex.dev + 0x20, 0xabcd, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
}

static void test_push_pop(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RSP] = 0x8000;
    f->full.gpr[X86_RSI] = DEV + 0x100;
    put(f->dev + 0x100, 0x1122334455667788, 8);
    /* push qword [rsi] */
    CHECK_EQ(run(CODE(0xff, 0x36)), EMU_OK);
    ex.regs.gpr[X86_RSP] = 0x7ff8;
    put(ex.ram + 0x7ff8, 0x1122334455667788, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 8, false, 0x1122334455667788));
    /* push word [rsi] (66): 2 bytes */
    CHECK_EQ(run(CODE(0x66, 0xff, 0x36)), EMU_OK);
    ex.regs.gpr[X86_RSP] = 0x7ff6;
    put(ex.ram + 0x7ff6, 0x7788, 2);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* pop qword [rsi+8] from 0x7ff6 */
    CHECK_EQ(run(CODE(0x8f, 0x46, 0x08)), EMU_OK);
    ex.regs.gpr[X86_RSP] = 0x7ffe;
    put(ex.dev + 0x108, 0x3344556677887788ull, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x108, 8, true, 0x3344556677887788ull));
    /* pop [rsp+8]: the address uses RSP after the pop */
    f->full.gpr[X86_RSP] = 0x7000;
    put(f->ram + 0x7000, 0xdeadbeef, 8);
    CHECK_EQ(run(CODE(0x8f, 0x44, 0x24, 0x08)), EMU_OK);
    ex.regs.gpr[X86_RSP] = 0x7008;
    put(ex.ram + 0x7010, 0xdeadbeef, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
}

static void test_sse_moves(void)
{
    static const uint8_t pat[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = DEV + 0x100;
    memcpy(f->dev + 0x100, pat, 16);
    memset(f->xmm[0], 0xee, 16);
    /* movd xmm0,[rsi]: 4 bytes, rest zeroed */
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x6e, 0x06)), EMU_OK);
    memset(ex.xmm[0], 0, 16);
    memcpy(ex.xmm[0], pat, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 4, false, 0x04030201));
    /* movq xmm1,[rsi] (66 REX.W 0F 6E) */
    memset(f->xmm[1], 0xee, 16);
    CHECK_EQ(run(CODE(0x66, 0x48, 0x0f, 0x6e, 0x0e)), EMU_OK);
    memset(ex.xmm[1], 0, 16);
    memcpy(ex.xmm[1], pat, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* movq xmm9,[rsi] (F3 REX.R 0F 7E) */
    memset(f->xmm[9], 0xee, 16);
    CHECK_EQ(run(CODE(0xf3, 0x44, 0x0f, 0x7e, 0x0e)), EMU_OK);
    memset(ex.xmm[9], 0, 16);
    memcpy(ex.xmm[9], pat, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* movdqa xmm2,[rsi]: 16 bytes as two 8-byte accesses */
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x6f, 0x16)), EMU_OK);
    memcpy(ex.xmm[2], pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 2);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 8, false, 0x0807060504030201ull));
    CHECK(fake_log_at(f, 1, DEV + 0x108, 8, false, 0x100f0e0d0c0b0a09ull));
    /* movups [rsi+0x20],xmm2 ; movaps [rsi+0x30],xmm2 ; movdqu ; movdqa */
    CHECK_EQ(run(CODE(0x0f, 0x11, 0x56, 0x20)), EMU_OK);
    memcpy(ex.dev + 0x120, pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0x0f, 0x29, 0x56, 0x30)), EMU_OK);
    memcpy(ex.dev + 0x130, pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0xf3, 0x0f, 0x7f, 0x56, 0x41)), EMU_OK); /* movdqu: unaligned ok */
    memcpy(ex.dev + 0x141, pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x7f, 0x56, 0x60)), EMU_OK);
    memcpy(ex.dev + 0x160, pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* movd [rsi+0x70],xmm2 ; movq [rsi+0x78],xmm2 (66 0F D6) */
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x7e, 0x56, 0x70)), EMU_OK);
    memcpy(ex.dev + 0x170, pat, 4);
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0xd6, 0x56, 0x78)), EMU_OK);
    memcpy(ex.dev + 0x178, pat, 8);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* movups xmm3,[rsi] and movaps/movapd, movdqu loads */
    CHECK_EQ(run(CODE(0x0f, 0x10, 0x1e)), EMU_OK);
    memcpy(ex.xmm[3], pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    memset(f->xmm[4], 0, 16);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x28, 0x26)), EMU_OK);
    memcpy(ex.xmm[4], pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    memset(f->xmm[5], 0, 16);
    CHECK_EQ(run(CODE(0xf3, 0x0f, 0x6f, 0x2e)), EMU_OK);
    memcpy(ex.xmm[5], pat, 16);
    CHECK_EQ(fake_diff(f, &ex), 0);
    /* movd eax,xmm2 (register form) zero-extends into RAX */
    f->full.gpr[X86_RAX] = ALL1;
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x7e, 0xd0)), EMU_OK);
    ex.regs.gpr[X86_RAX] = 0x04030201;
    CHECK_EQ(fake_diff(f, &ex), 0);
}

static void test_sse_faults(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = DEV + 0x108; /* not 16-byte aligned */
    CHECK_EQ(run(CODE(0x0f, 0x28, 0x06)), EMU_INJECT_GP); /* movaps */
    CHECK_EQ(f->ctx.fault.vector, 13);
    CHECK_EQ(f->nlog, 0);
    CHECK_EQ(run(CODE(0x66, 0x0f, 0x7f, 0x06)), EMU_INJECT_GP); /* movdqa store */
    f->full.cr0 |= X86_CR0_TS;
    CHECK_EQ(run(CODE(0x0f, 0x10, 0x06)), EMU_INJECT_NM);
    CHECK_EQ(f->ctx.fault.vector, 7);
    f->full.cr0 &= ~X86_CR0_TS;
    f->full.cr4 &= ~X86_CR4_OSFXSR;
    CHECK_EQ(run(CODE(0x0f, 0x10, 0x06)), EMU_INJECT_UD);
    /* nothing changed: RIP stays, no device access */
    ex.regs.rip -= 3;
    CHECK_EQ(fake_diff(f, &ex), 0);
    CHECK_EQ(f->nlog, 0);
}

/* #UD for what we do not emulate or the SDM forbids; one log line with
 * RIP and the raw bytes. */
static void test_undefined(void)
{
    static const struct { uint8_t b[6]; uint8_t n; } bad[] = {
        { { 0x0f, 0x0b }, 2 },             /* ud2 */
        { { 0xf0, 0x39, 0x06 }, 3 },       /* lock cmp */
        { { 0xf0, 0x01, 0xc0 }, 3 },       /* lock add eax,eax (register) */
        { { 0xf0, 0x03, 0x06 }, 3 },       /* lock add eax,[rsi] */
        { { 0x0f, 0xc3, 0xc0 }, 3 },       /* movnti eax,eax */
        { { 0xd9, 0x06 }, 2 },             /* fld dword [rsi]: x87, not emulated */
        { { 0xc4, 0xe1, 0x79, 0x6e, 0x06 }, 5 }, /* vmovd: VEX */
        { { 0xf4 }, 1 },                   /* hlt */
    };

    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = DEV;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        unsigned long before = plat_host_log_count();
        CHECK_EQ(run(bad[i].b, bad[i].n), EMU_INJECT_UD);
        CHECK_EQ(f->ctx.fault.vector, 6);
        CHECK(!f->ctx.fault.has_error_code);
        ex.regs.rip -= bad[i].n;
        CHECK_EQ(fake_diff(f, &ex), 0);
        CHECK_EQ(f->nlog, 0);
        CHECK_EQ(plat_host_log_count(), before + 1);
    }
    CHECK(strstr(plat_host_last_log(), "rip=0x1000") != NULL);
    CHECK(strstr(plat_host_last_log(), "bytes=[f4") != NULL);
    /* 15 prefixes + opcode: too long, #GP(0) */
    {
        uint8_t code[16];
        memset(code, 0x66, 15);
        code[15] = 0x90;
        CHECK_EQ(run(code, 16), EMU_INJECT_GP);
        CHECK_EQ(f->ctx.fault.error_code, 0);
    }
}

static void test_noncanonical(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = 0x0000800000000000ull;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_GP);
    f->full.gpr[X86_RBP] = 0x0000800000000000ull;
    CHECK_EQ(run(CODE(0x8b, 0x45, 0x00)), EMU_INJECT_SS); /* [rbp]: SS */
    CHECK_EQ(f->ctx.fault.vector, 12);
    /* the last byte crosses into non-canonical space */
    f->full.gpr[X86_RSI] = 0x00007ffffffffffeull;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_INJECT_GP);
}

/* Lazy register loading: nothing beyond what the instruction needs. */
static void test_lazy_loads(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = DEV;
    f->full.cr0 &= ~X86_CR0_PG; /* a flat guest without paging needs no CR3 */
    f->full.efer &= ~X86_EFER_LMA;
    f->full.seg[X86_CS].attr = 0xc09b;
    f->loads = 0;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
    CHECK_EQ(f->loads, 1); /* DS only */
    start(FAKE_LONG4);
    f->full.gpr[X86_RSI] = DEV;
    f->loads = 0;
    CHECK_EQ(run(CODE(0x8b, 0x06)), EMU_OK);
    CHECK_EQ(f->loads, 1); /* CR3 only: long mode ignores DS */
}

/* x86_live_xmm_*: a round trip through the CPU's own xmm15 (nothing
 * between the two calls uses SSE). */
static void test_live_xmm(void)
{
    static const uint8_t v[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    uint8_t out[16];

    x86_live_xmm_set(15, v);
    x86_live_xmm_get(15, out);
    CHECK(memcmp(v, out, 16) == 0);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_forms_long_mode);
    RUN(test_forms_every_mode);
    RUN(test_mov_rbx_disp8);
    RUN(test_smsw);
    RUN(test_bitscan);
    RUN(test_rip_relative_and_moffs);
    RUN(test_sib_forms);
    RUN(test_fs_gs_base);
    RUN(test_push_pop);
    RUN(test_sse_moves);
    RUN(test_sse_faults);
    RUN(test_undefined);
    RUN(test_noncanonical);
    RUN(test_lazy_loads);
    RUN(test_live_xmm);
    if (f)
        fake_free(f);
    fake_state_free(&ex);
    printf("test_emulate: %zu form cases\n", ARRAY_SIZE(forms));
    return test_summary("test_emulate");
}
