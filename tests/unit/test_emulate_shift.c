/*
 * Shifts and rotates (emu_shift, hv/x86/alu.c) with the host CPU as the
 * oracle: every op, every operand size, random values, counts 0..70 and
 * random incoming flags, run on the real instruction here and compared in
 * the result and every flag the SDM defines for that case (CF whenever the
 * masked count is not 0 and, for SHL/SHR/SHLD/SHRD, not past the operand;
 * OF for a count of 1; SF, ZF, PF for the shifts).  Then the instructions
 * through the emulator on MMIO, with the count from imm8, 1 and CL.
 */
#include "tests/unit/test.h"
#include "tests/unit/emu_case.h"
#include "hv/x86/emu_internal.h"
#include "hv/lib/host/platform_host.h"

static uint64_t rng = 0x5deece66dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define FLAGS (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF | X86_FL_OF)

/* One instruction on the host: v op= cl (with s for SHLD/SHRD). */
#define HOST(insn, sfx, T)                                                          \
    static uint64_t host_##insn##sfx(uint64_t v, uint64_t s, unsigned cl, uint64_t *fl) \
    {                                                                               \
        T x = (T)v, y = (T)s;                                                       \
        uint64_t fv = *fl;                                                           \
        (void)y;                                                                    \
        __asm__ volatile("push %[f]; popfq; " #insn #sfx " %%cl, %[x]; pushfq; pop %[f]" \
                         : [x] "+r"(x), [f] "+r"(fv) : "c"(cl) : "cc");               \
        *fl = fv;                                                                    \
        return (uint64_t)x;                                                         \
    }
#define HOST_D(insn, sfx, T)                                                        \
    static uint64_t host_##insn##sfx(uint64_t v, uint64_t s, unsigned cl, uint64_t *fl) \
    {                                                                               \
        T x = (T)v, y = (T)s;                                                       \
        uint64_t fv = *fl;                                                           \
        __asm__ volatile("push %[f]; popfq; " #insn #sfx " %%cl, %[y], %[x]; pushfq; pop %[f]" \
                         : [x] "+r"(x), [f] "+r"(fv) : [y] "r"(y), "c"(cl) : "cc");   \
        *fl = fv;                                                                    \
        return (uint64_t)x;                                                         \
    }
#define ALL_SIZES(insn) HOST(insn, b, uint8_t) HOST(insn, w, uint16_t) HOST(insn, l, uint32_t) \
                        HOST(insn, q, uint64_t)
ALL_SIZES(rol) ALL_SIZES(ror) ALL_SIZES(rcl) ALL_SIZES(rcr) ALL_SIZES(shl) ALL_SIZES(shr)
ALL_SIZES(sar)
HOST_D(shld, w, uint16_t) HOST_D(shld, l, uint32_t) HOST_D(shld, q, uint64_t)
HOST_D(shrd, w, uint16_t) HOST_D(shrd, l, uint32_t) HOST_D(shrd, q, uint64_t)

typedef uint64_t (*host_fn)(uint64_t, uint64_t, unsigned, uint64_t *);
static const struct {
    unsigned op;
    host_fn fn[4]; /* sizes 1, 2, 4, 8 */
} ops[] = {
    {X86_OP_ROL, {host_rolb, host_rolw, host_roll, host_rolq}},
    {X86_OP_ROR, {host_rorb, host_rorw, host_rorl, host_rorq}},
    {X86_OP_RCL, {host_rclb, host_rclw, host_rcll, host_rclq}},
    {X86_OP_RCR, {host_rcrb, host_rcrw, host_rcrl, host_rcrq}},
    {X86_OP_SHL, {host_shlb, host_shlw, host_shll, host_shlq}},
    {X86_OP_SHR, {host_shrb, host_shrw, host_shrl, host_shrq}},
    {X86_OP_SAR, {host_sarb, host_sarw, host_sarl, host_sarq}},
    {X86_OP_SHLD, {NULL, host_shldw, host_shldl, host_shldq}},
    {X86_OP_SHRD, {NULL, host_shrdw, host_shrdl, host_shrdq}},
};

static void test_against_the_cpu(void)
{
    unsigned cases = 0;

    for (unsigned k = 0; k < 40000; k++) {
        unsigned oi = k % 9, si = (k / 9) % 4, size = 1u << si, bits = 8 * size;
        unsigned count = (unsigned)(rnd() % 71), n = count & (size == 8 ? 63 : 31);
        unsigned op = ops[oi].op;
        uint64_t v = rnd(), s = rnd(), in = (rnd() & FLAGS) | 2, want_f = in, got_f = in;
        uint64_t mask = size == 8 ? ~0ull : (1ull << bits) - 1, want, got, defined;
        bool shift = op == X86_OP_SHL || op == X86_OP_SHR || op == X86_OP_SAR ||
                     op == X86_OP_SHLD || op == X86_OP_SHRD;

        if (!ops[oi].fn[si])
            continue;
        if ((op == X86_OP_SHLD || op == X86_OP_SHRD) && n > bits)
            continue; /* result undefined */
        want = ops[oi].fn[si](v, s, count, &want_f) & mask;
        got = emu_shift(op, size, v, s, count, &got_f);
        defined = 0;
        if (n) {
            if (!shift || n <= bits)
                defined |= X86_FL_CF;
            if (n == 1)
                defined |= X86_FL_OF;
            if (shift)
                defined |= X86_FL_SF | X86_FL_ZF | X86_FL_PF;
        } else {
            defined = FLAGS; /* nothing changes */
        }
        if (got != want || ((got_f ^ want_f) & defined)) {
            fprintf(stderr, "  op %u size %u v %#llx s %#llx count %u flags in %#llx: got %#llx "
                    "fl %#llx, cpu %#llx fl %#llx\n", op, size, (unsigned long long)v,
                    (unsigned long long)s, count, (unsigned long long)in,
                    (unsigned long long)got, (unsigned long long)got_f,
                    (unsigned long long)want, (unsigned long long)want_f);
            CHECK(0);
            return;
        }
        cases++;
    }
    printf("test_emulate_shift: %u cases agree with the CPU\n", cases);
}

/* Through the emulator on MMIO: the count's three sources. */
static void test_on_mmio(void)
{
    start(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x80;
    put(f->dev + 0x80, 0x81, 1);
    CHECK_EQ(run(CODE(0xd0, 0x03)), EMU_OK); /* rol byte [rbx],1 */
    put(ex.dev + 0x80, 0x03, 1);
    ex.regs.rflags |= X86_FL_CF | X86_FL_OF; /* CF = 1, OF = MSB ^ CF = 1 */
    CHECK_EQ(fake_diff(f, &ex), 0);
    put(f->dev + 0x80, 0x12345678, 4);
    CHECK_EQ(run(CODE(0xc1, 0x23, 0x04)), EMU_OK); /* shl dword [rbx],4 */
    put(ex.dev + 0x80, 0x23456780, 4);
    ex.regs.rflags &= ~(uint64_t)(X86_FL_CF | X86_FL_ZF | X86_FL_SF | X86_FL_PF);
    ex.regs.rflags |= X86_FL_CF; /* the last bit out: 1 (from 0x1) */
    CHECK_EQ(fake_diff(f, &ex) & ~0u, 0);
    f->full.gpr[X86_RCX] = 8;
    f->full.gpr[X86_RDX] = 0xab000000; /* its top 8 bits come in */
    CHECK_EQ(run(CODE(0x0f, 0xa5, 0x13)), EMU_OK); /* shld [rbx],edx,cl */
    CHECK_EQ(f->dev[0x80], 0xab); /* 0x23456780 << 8 | 0xab */
    CHECK_EQ(f->dev[0x83], 0x45);
    f->full.gpr[X86_RCX] = 32; /* masked to 0: nothing written */
    CHECK_EQ(run(CODE(0xd3, 0x3b)), EMU_OK); /* sar dword [rbx],cl */
    CHECK_EQ(f->nlog, 1); /* the read only */
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_against_the_cpu);
    RUN(test_on_mmio);
    return test_summary("test_emulate_shift");
}
