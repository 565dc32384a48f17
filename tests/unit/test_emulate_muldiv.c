/*
 * MUL, IMUL (one, two and three operands), DIV and IDIV with their memory
 * operand on MMIO, every size, against a reference computed here with the
 * host compiler's 128-bit arithmetic: results in the accumulator pair (or
 * the register), CF/OF, and #DE for a zero divisor or a quotient that does
 * not fit -- random operands plus the edges (the most negative dividend by
 * -1, quotients one past the limit).
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/lib/host/platform_host.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t mask(unsigned sz) { return sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1; }
static int64_t sx(uint64_t v, unsigned sz) { return (int64_t)(v << (64 - 8 * sz)) >> (64 - 8 * sz); }

/* The encoding of OP r/m at [rbx] for a size: F6/F7 /reg, prefixes. */
static unsigned enc(uint8_t *b, unsigned sz, unsigned reg)
{
    unsigned n = 0;

    if (sz == 2)
        b[n++] = 0x66;
    if (sz == 8)
        b[n++] = 0x48;
    b[n++] = sz == 1 ? 0xf6 : 0xf7;
    b[n++] = (uint8_t)(reg << 3 | 3); /* [rbx] */
    return n;
}

static unsigned checked;

/* One F6/F7 /reg case: a in rAX (and d in rDX), m on the device. */
static void one(unsigned sz, unsigned reg, uint64_t a, uint64_t d, uint64_t m)
{
    uint8_t code[8];
    unsigned n = enc(code, sz, reg), bits = 8 * sz;
    uint64_t wlo = 0, whi = 0;
    bool de = false, ovf = false;
    enum emu_result rc;

    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x60;
    f->full.gpr[X86_RAX] = a;
    f->full.gpr[X86_RDX] = d;
    put(f->dev + 0x60, m, 8);
    a &= mask(sz), m &= mask(sz), d &= mask(sz);
    if (sz == 1)
        d = (f->full.gpr[X86_RAX] >> 8) & 0xff;
    if (reg == 4) {
        u128 p = (u128)a * m;
        wlo = (uint64_t)p & mask(sz);
        whi = (uint64_t)(p >> bits) & mask(sz);
        ovf = whi != 0;
    } else if (reg == 5) {
        s128 p = (s128)sx(a, sz) * sx(m, sz);
        wlo = (uint64_t)p & mask(sz);
        whi = (uint64_t)((u128)p >> bits) & mask(sz);
        ovf = p != sx(wlo, sz);
    } else {
        u128 un = (u128)d << bits | a;
        if (reg == 6) {
            de = !m || (un / m) > mask(sz);
            if (!de)
                wlo = (uint64_t)(un / m), whi = (uint64_t)(un % m);
        } else {
            s128 sn = sz == 8 ? (s128)un : (s128)(un << (128 - 2 * bits)) >> (128 - 2 * bits);
            s128 q;
            de = !m || (sn == (s128)((u128)1 << (2 * bits - 1)) && sx(m, sz) == -1 && sz == 8);
            if (!de) {
                q = sn / sx(m, sz);
                de = q > (s128)(mask(sz) >> 1) || q < -(s128)(mask(sz) >> 1) - 1;
                if (!de)
                    wlo = (uint64_t)q & mask(sz), whi = (uint64_t)(sn % sx(m, sz)) & mask(sz);
            }
        }
    }
    rc = run(code, n);
    if (de) {
        CHECK_EQ(rc, EMU_INJECT_DE);
        CHECK_EQ(f->full.rip, ex.regs.rip - n); /* not done */
        checked++;
        return;
    }
    CHECK_EQ(rc, EMU_OK);
    if (sz == 1) {
        ex.regs.gpr[X86_RAX] = (ex.regs.gpr[X86_RAX] & ~0xffffull) | wlo | whi << 8;
    } else {
        uint64_t keep = sz == 2 ? ~0xffffull : 0; /* 32-bit results zero-extend */
        ex.regs.gpr[X86_RAX] = (ex.regs.gpr[X86_RAX] & keep) | wlo;
        ex.regs.gpr[X86_RDX] = (ex.regs.gpr[X86_RDX] & keep) | whi;
    }
    if (reg <= 5) {
        ex.regs.rflags &= ~(uint64_t)(X86_FL_CF | X86_FL_OF);
        if (ovf)
            ex.regs.rflags |= X86_FL_CF | X86_FL_OF;
    }
    if (fake_diff(f, &ex)) {
        fprintf(stderr, "  sz %u /%u a %#llx d %#llx m %#llx\n", sz, reg, (unsigned long long)a,
                (unsigned long long)d, (unsigned long long)m);
        CHECK(0);
    }
    checked++;
}

static void test_one_operand_random(void)
{
    static const unsigned sizes[] = {1, 2, 4, 8};

    for (unsigned k = 0; k < 400; k++) {
        unsigned sz = sizes[k % 4], reg = 4 + (k / 4) % 4;
        uint64_t m = rnd(), d = rnd() & (rnd() % 3 ? mask(sz) >> (8 * sz / 2) : ~0ull);

        if (k % 7 == 0)
            m &= 0xff; /* small divisors: big quotients */
        one(sz, reg, rnd(), d, m);
    }
}

static void test_edges(void)
{
    for (unsigned sz = 1; sz <= 8; sz *= 2) {
        uint64_t min = 1ull << (8 * sz - 1);

        one(sz, 6, 5, 0, 0);                       /* divide by zero */
        one(sz, 7, 5, 0, 0);
        one(sz, 6, 0, 1, 1);                       /* quotient 2^bits: too large */
        one(sz, 6, mask(sz), 0, 1);                /* the largest that fits */
        one(sz, 7, sz == 1 ? 0xff80 : min, sz == 1 ? 0 : ~0ull, mask(sz)); /* MIN / -1 */
        one(sz, 7, 7, 0, mask(sz));                /* 7 / -1 */
        one(sz, 7, (uint64_t)-7, ~0ull, 2);        /* -7 / 2: -3 rem -1 */
        one(sz, 5, min, 0, mask(sz));              /* MIN * -1 overflows */
        one(sz, 4, mask(sz), 0, mask(sz));
    }
}

/* IMUL r, r/m and IMUL r, r/m, imm8/imm32. */
static void test_imul2(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x70;
    f->full.gpr[X86_RCX] = 7;
    put(f->dev + 0x70, (uint64_t)-3, 8);
    CHECK_EQ(run(CODE(0x48, 0x0f, 0xaf, 0x0b)), EMU_OK); /* imul rcx,[rbx] */
    ex.regs.gpr[X86_RCX] = (uint64_t)-21;
    ex.regs.rflags &= ~(uint64_t)(X86_FL_CF | X86_FL_OF);
    CHECK_EQ(fake_diff(f, &ex), 0);
    put(f->dev + 0x70, 0x40000000, 4);
    CHECK_EQ(run(CODE(0x6b, 0x0b, 0x04)), EMU_OK); /* imul ecx,[rbx],4: overflows 32 bits */
    ex.regs.gpr[X86_RCX] = 0;
    ex.regs.rflags |= X86_FL_CF | X86_FL_OF;
    CHECK_EQ(fake_diff(f, &ex), 0);
    put(f->dev + 0x70, 1000, 2);
    CHECK_EQ(run(CODE(0x66, 0x69, 0x0b, 0xf6, 0xff)), EMU_OK); /* imul cx,[rbx],-10 */
    ex.regs.gpr[X86_RCX] = (ex.regs.gpr[X86_RCX] & ~0xffffull) | (uint16_t)-10000;
    ex.regs.rflags &= ~(uint64_t)(X86_FL_CF | X86_FL_OF);
    CHECK_EQ(fake_diff(f, &ex), 0);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_one_operand_random);
    RUN(test_edges);
    RUN(test_imul2);
    printf("test_emulate_muldiv: %u cases against the reference\n", checked);
    return test_summary("test_emulate_muldiv");
}
