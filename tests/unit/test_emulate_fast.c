/*
 * The fast path (hv/x86/fast.h) against the general path.
 *
 * Two fake vCPUs get identical states and identical exits: one runs
 * emu_run (fast fetch from the caches, fast MOV execution where it
 * applies), the other emu_run_general(EMU_RUN_REFERENCE), which never uses
 * the fast path.  After every exit the result, the injected fault, every
 * register, RIP, RFLAGS, the dirty set, RAM, device memory and the
 * device's access sequence must be identical.  Between the exits of a case
 * the guest changes what the caches depend on -- the code bytes, the code
 * page's mapping and accessed bit, CR3, CPL, SMEP, the map generation -- as
 * it can without an exit.  The tests also check that the fast path really
 * ran (fast_fetches / fast_execs), and a few directed cases pin what it
 * must notice.
 */
#include "tests/unit/test.h"
#include "tests/unit/fake_vcpu.h"
#include "hv/lib/host/platform_host.h"
#include "hv/x86/emu_internal.h"

#define DEV FAKE_DEV_BASE
#define CASES 5000
#define EXITS 4 /* per case */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned rnd_below(unsigned n) { return (unsigned)(rnd() % n); }

/* One exit on each vCPU; returns the number of differences.  whole_ram:
 * compare all of RAM too (2 MiB: once per case is enough, a difference
 * stays). */
static int exit_both(struct fake_vcpu *a, struct fake_vcpu *b, const struct emu_hint *hint,
                     bool whole_ram, const char *what)
{
    enum emu_result ra, rb;
    int n = 0;

    a->nlog = b->nlog = 0;
    fake_begin(a);
    ra = emu_run(&a->ctx, hint);
    fake_end(a);
    fake_begin(b);
    rb = emu_run_general(&b->ctx, hint, EMU_RUN_REFERENCE);
    fake_end(b);

    if (ra != rb)
        n++, fprintf(stderr, "  result %s vs %s\n", emu_result_name(ra), emu_result_name(rb));
    if (ra != EMU_OK && rb == ra &&
        (a->ctx.fault.vector != b->ctx.fault.vector ||
         a->ctx.fault.error_code != b->ctx.fault.error_code ||
         a->ctx.fault.cr2 != b->ctx.fault.cr2))
        n++, fprintf(stderr, "  fault differs\n");
    if (a->ctx.dirty != b->ctx.dirty)
        n++, fprintf(stderr, "  dirty %#x vs %#x\n", a->ctx.dirty, b->ctx.dirty);
    if (memcmp(&a->full, &b->full, sizeof(a->full))) {
        for (unsigned i = 0; i < 16; i++)
            if (a->full.gpr[i] != b->full.gpr[i])
                fprintf(stderr, "  gpr[%u] %#llx vs %#llx\n", i,
                        (unsigned long long)a->full.gpr[i], (unsigned long long)b->full.gpr[i]);
        fprintf(stderr, "  rip %#llx vs %#llx, rflags %#llx vs %#llx\n",
                (unsigned long long)a->full.rip, (unsigned long long)b->full.rip,
                (unsigned long long)a->full.rflags, (unsigned long long)b->full.rflags);
        n++;
    }
    if (a->nlog != b->nlog ||
        memcmp(a->log, b->log, MIN(a->nlog, (unsigned)FAKE_LOG_MAX) * sizeof(a->log[0])))
        n++, fprintf(stderr, "  device access sequences differ (%u vs %u)\n", a->nlog, b->nlog);
    if (memcmp(a->dev, b->dev, FAKE_DEV_SIZE))
        n++, fprintf(stderr, "  device memory differs\n");
    if (whole_ram && memcmp(a->ram, b->ram, FAKE_RAM_SIZE))
        n++, fprintf(stderr, "  RAM differs\n");
    if (n) {
        unsigned len = a->ctx.nbytes;
        fprintf(stderr, "  (%s) bytes:", what);
        for (unsigned i = 0; i < len; i++)
            fprintf(stderr, " %02x", a->ctx.bytes[i]);
        fprintf(stderr, "\n");
    }
    return n;
}

/* Register values: mostly in the device window, some in RAM, near page
 * ends, huge or non-canonical. */
static uint64_t rnd_reg(void)
{
    switch (rnd_below(8)) {
    case 0: case 1: case 2: return DEV + (rnd() & 0xffff);
    case 3: return DEV + 0x1000 * rnd_below(16) + 0xff8 + rnd_below(8);
    case 4: return rnd() & (FAKE_RAM_SIZE - 1);
    case 5: return 0x0000800000000000ull - rnd_below(16); /* canonical edge */
    case 6: return (uint64_t)(int64_t)(int32_t)rnd();
    default: return rnd();
    }
}

/* An instruction: mostly forms the fast path takes, with random prefixes,
 * REX, ModRM, SIB, displacement and immediate; some forms it must leave
 * to the general path. */
static unsigned rnd_insn(uint8_t *p)
{
    static const uint8_t pfx[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf3, 0xf2, 0xf0 };
    static const uint8_t one[] = { 0x88, 0x89, 0x8a, 0x8b, 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7,
                                   0xa0, 0xa1, 0xa2, 0xa3, 0x63, 0x01, 0x87, 0x85, 0xab };
    static const uint8_t two[] = { 0xb6, 0xb7, 0xbe, 0xbf, 0xc3, 0xb1, 0xa3 };
    unsigned n = 0;

    for (unsigned k = rnd_below(4) == 0 ? 1 + rnd_below(2) : 0; k; k--)
        p[n++] = pfx[rnd_below(sizeof(pfx))];
    if (rnd_below(2))
        p[n++] = (uint8_t)(0x40 | rnd_below(16));
    if (rnd_below(4)) {
        p[n++] = one[rnd_below(sizeof(one))];
    } else {
        p[n++] = 0x0f;
        p[n++] = two[rnd_below(sizeof(two))];
    }
    /* ModRM: mostly memory forms; then SIB/disp/imm material */
    p[n++] = (uint8_t)(rnd_below(8) ? (rnd() & 0xff) % 0xc0 : rnd() & 0xff);
    while (n < X86_MAX_INSN_LEN)
        p[n++] = (uint8_t)(rnd_below(3) ? rnd() & 0xff : 0);
    return n;
}

/* The same change on both vCPUs. */
typedef void (*mutation)(struct fake_vcpu *f, uint64_t arg);

static void mut_code_byte(struct fake_vcpu *f, uint64_t arg)
{
    f->ram[fake_code_la(f) + arg % X86_MAX_INSN_LEN] ^= (uint8_t)(1u << (arg >> 8) % 8);
}

/* The code page maps another physical page holding other bytes. */
static void mut_remap_code(struct fake_vcpu *f, uint64_t arg)
{
    uint64_t la = fake_code_la(f), other = 0x40000 + (arg % 16) * 0x1000;

    memcpy(f->ram + other, f->ram + (la & ~0xfffull), 4096);
    f->ram[other + (la & 0xfff) + arg % 4] ^= 0x08;
    fake_map(f, la, other, FAKE_PTE_DEFAULT);
}

static void mut_clear_accessed(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->ram[fake_leaf(f, fake_code_la(f))] &= (uint8_t)~FAKE_PTE_A;
}

static void mut_supervisor_code(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->ram[fake_leaf(f, fake_code_la(f))] &= (uint8_t)~FAKE_PTE_U;
}

static void mut_cpl(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->full.cpl ^= 3;
}

static void mut_smep(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->full.cr4 ^= X86_CR4_SMEP;
}

/* Another CR3 value: a copy of the top-level table elsewhere, plus
 * PWT/PCD bits; the translation is the same, the fetch cache must miss. */
static void mut_cr3(struct fake_vcpu *f, uint64_t arg)
{
    uint64_t top = f->full.cr3 & ~0xfffull, copy = 0x60000;

    memcpy(f->ram + copy, f->ram + top, 4096);
    f->full.cr3 = copy | (arg & 0x18); /* PWT/PCD bits change CR3 too */
}

static void mut_map_gen(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->map_gen++;
}

static void mut_rf(struct fake_vcpu *f, uint64_t arg)
{
    (void)arg;
    f->full.rflags ^= X86_FL_RF;
}

static void mut_nothing(struct fake_vcpu *f, uint64_t arg)
{
    (void)f;
    (void)arg;
}

/* Mostly nothing (the caches must then hold), sometimes each change. */
static const mutation mutations[] = {
    mut_nothing, mut_nothing, mut_nothing, mut_nothing, mut_nothing, mut_nothing,
    mut_nothing, mut_nothing, mut_rf, mut_code_byte, mut_remap_code,
    mut_clear_accessed, mut_supervisor_code, mut_cpl, mut_smep, mut_cr3, mut_map_gen, mut_rf,
};

/* A hint for the exit: none, one for the operand (read or write, as the
 * decoder sees it, or the wrong kind), or a random one. */
static bool rnd_hint(struct fake_vcpu *f, struct emu_hint *h)
{
    struct x86_insn d;
    uint64_t la;

    if (rnd_below(4) == 0)
        return false;
    if (x86_decode(&d, f->ram + fake_code_la(f), X86_MAX_INSN_LEN, X86_MODE_64) ||
        !d.has_mem || rnd_below(8) == 0) {
        h->gla = rnd_reg();
    } else {
        la = (uint64_t)d.disp;
        if (d.base == X86_RIP)
            la += f->full.rip + d.len;
        else if (d.base != X86_REG_NONE)
            la += f->full.gpr[d.base];
        if (d.index != X86_REG_NONE)
            la += f->full.gpr[d.index] * d.scale;
        if (d.addrsize == 4)
            la = (uint32_t)la;
        h->gla = la;
    }
    h->gpa = h->gla & 0x3fffff; /* identity map, or a wrong page on purpose */
    h->gla_valid = rnd_below(8) != 0;
    h->is_write = rnd_below(2);
    return true;
}

static void setup_case(struct fake_vcpu *f, enum fake_mode m, uint64_t seed)
{
    uint64_t saved = rng_state;

    rng_state = seed;
    f->mode = m;
    fake_setup_regs(f);
    fake_identity_map(f);
    memset(f->dev, 0, FAKE_DEV_SIZE);
    for (unsigned i = 0; i < FAKE_DEV_SIZE; i += 8) {
        uint64_t v = rnd();
        memcpy(f->dev + i, &v, 8);
    }
    for (unsigned r = 0; r < 16; r++)
        f->full.gpr[r] = rnd_reg();
    f->full.rflags = 0x2 | (rnd_below(4) == 0 ? X86_FL_RF : 0) | (rnd() & X86_FL_ARITH);
    f->full.cpl = rnd_below(6) == 0 ? 3 : 0;
    if (rnd_below(4) == 0)
        f->full.cr4 |= X86_CR4_SMAP | X86_CR4_SMEP;
    /* RIP: the usual place, or close to the end of its page */
    f->full.rip = rnd_below(3) ? FAKE_CODE_IP : FAKE_CODE_IP + 0xfe0 + rnd_below(32);
    f->map_gen = rnd_below(8) ? 1 : 0;
    f->lazy = rnd_below(2);
    f->poison = f->lazy;
    rng_state = saved;
}

static void test_fast_agrees_with_general(void)
{
    static const enum fake_mode modes[] = { FAKE_LONG4, FAKE_LONG4, FAKE_LONG5, FAKE_COMPAT };
    struct fake_vcpu *a = fake_new(FAKE_LONG4), *b = fake_new(FAKE_LONG4);
    uint64_t exits = 0, fast_fetches = 0, fast_execs = 0;
    int bad = 0;

    for (unsigned c = 0; c < CASES && bad < 5; c++) {
        enum fake_mode m = modes[rnd_below(ARRAY_SIZE(modes))];
        uint64_t seed = rnd() | 1;
        uint8_t code[X86_MAX_INSN_LEN];
        struct emu_hint h;
        bool has_hint;
        uint64_t rip;

        /* a fresh vCPU now and then: caches from the previous case are
         * kept otherwise (as for a real vCPU) */
        setup_case(a, m, seed);
        setup_case(b, m, seed);
        rnd_insn(code);
        fake_code(a, code, sizeof(code));
        fake_code(b, code, sizeof(code));
        has_hint = rnd_hint(a, &h);
        rip = a->full.rip;
        for (unsigned e = 0; e < EXITS; e++) {
            char what[64];

            if (e) {
                unsigned k = rnd_below(ARRAY_SIZE(mutations));
                uint64_t arg = rnd();

                mutations[k](a, arg);
                mutations[k](b, arg);
                /* the same instruction again (a driver's polling loop) */
                a->full.rip = b->full.rip = rip;
            }
            snprintf(what, sizeof(what), "case %u exit %u mode %s", c, e, fake_mode_names[m]);
            uint64_t ff = a->ctx.fast_fetches, fe = a->ctx.fast_execs;
            if (exit_both(a, b, has_hint ? &h : NULL, e == EXITS - 1, what))
                bad++;
            exits++;
            fast_fetches += a->ctx.fast_fetches - ff;
            fast_execs += a->ctx.fast_execs - fe;
        }
    }
    CHECK_EQ(bad, 0);
    /* the fast path must really have been exercised, both halves */
    CHECK(fast_fetches > exits / 8);
    CHECK(fast_execs > exits / 10);
    CHECK_EQ(b->ctx.fast_fetches + b->ctx.fast_execs, 0);
    printf("  fast path: %llu exits, %llu fetched from the caches, %llu executed fast\n",
           (unsigned long long)exits, (unsigned long long)fast_fetches,
           (unsigned long long)fast_execs);
    fake_free(a);
    fake_free(b);
}

/* ---------------------------------------------------- directed cases */

static struct fake_vcpu *f;

static enum emu_result step(const struct emu_hint *h)
{
    enum emu_result rc;

    f->full.rip = FAKE_CODE_IP;
    f->nlog = 0;
    fake_begin(f);
    rc = emu_run(&f->ctx, h);
    fake_end(f);
    return rc;
}

#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Places code at FAKE_CODE_IP, where step() runs it. */
static void code(const uint8_t *bytes, size_t n)
{
    f->full.rip = FAKE_CODE_IP;
    fake_code(f, bytes, n);
}

/* What the fast fetch must notice: new bytes at RIP, a new mapping of
 * RIP's page, a new CR3, a new map generation. */
static void test_fast_fetch_revalidates(void)
{
    struct emu_hint h = { .gla = DEV + 0x28, .gpa = DEV + 0x28, .gla_valid = true };
    uint64_t pte, other = 0x30000;

    f = fake_new(FAKE_LONG4);
    f->full.gpr[X86_RBX] = DEV + 0x20;
    memcpy(f->dev + 0x28, "\x11\x11\x11\x11\x22\x22\x22\x22", 8);
    code(CODE(0x8b, 0x43, 0x08)); /* mov eax,[rbx+8] */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 0); /* cold */
    CHECK_EQ(f->ctx.fast_execs, 1);   /* after a full fetch, executed fast */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 1);
    CHECK_EQ(f->ctx.fast_execs, 2);
    CHECK_EQ(f->full.gpr[X86_RAX], 0x11111111);
    CHECK(fake_log_at(f, 0, DEV + 0x28, 4, false, 0x11111111));

    /* the code changes in place (no exit tells us): mov rcx,[rbx+8] */
    code(CODE(0x48, 0x8b, 0x4b, 0x08));
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 1);
    CHECK_EQ(f->full.gpr[X86_RCX], 0x2222222211111111ull);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP + 4);

    /* the code page is remapped to a copy holding mov dl,[rbx+8] */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 2);
    memcpy(f->ram + other, f->ram + (FAKE_CODE_IP & ~0xfffull), 4096);
    memcpy(f->ram + other + (FAKE_CODE_IP & 0xfff), "\x8a\x53\x08", 3);
    pte = fake_leaf(f, FAKE_CODE_IP);
    fake_map(f, FAKE_CODE_IP, other, FAKE_PTE_DEFAULT);
    f->full.gpr[X86_RDX] = 0xaaaaaaaaaaaaaaaaull;
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 2);
    CHECK_EQ(f->full.gpr[X86_RDX], 0xaaaaaaaaaaaaaa11ull);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP + 3);

    /* the page goes away without an exit: #PF, not the cached bytes */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 3);
    memset(f->ram + pte, 0, 8);
    CHECK_EQ(step(&h), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.cr2, FAKE_CODE_IP);
    CHECK_EQ(f->full.rip, FAKE_CODE_IP);
    /* the same entry back: the cached walk holds again (it compares
     * values, not history) */
    fake_map(f, FAKE_CODE_IP, other, FAKE_PTE_DEFAULT);
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 4);

    /* a new map generation or CR3: full fetch, then cached again */
    f->map_gen++;
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 4);
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 5);
    f->full.cr3 |= 0x8; /* PWT: another CR3 value, same tables */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 5);
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 6);
    /* the accessed bit of the code page's entry cleared: a full walk,
     * which sets it again */
    f->ram[fake_leaf(f, FAKE_CODE_IP)] &= (uint8_t)~FAKE_PTE_A;
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 6);
    CHECK(f->ram[fake_leaf(f, FAKE_CODE_IP)] & FAKE_PTE_A);
    /* CPL 3 on a supervisor code page: #PF from the full walk */
    f->ram[fake_leaf(f, FAKE_CODE_IP)] &= (uint8_t)~FAKE_PTE_U;
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 6); /* the entry changed */
    CHECK_EQ(step(&h), EMU_OK);
    CHECK_EQ(f->ctx.fast_fetches, 7);
    f->full.cpl = 3;
    CHECK_EQ(step(&h), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.error_code, PF_P | PF_U | PF_I);
    CHECK_EQ(f->ctx.fast_fetches, 7);
    fake_free(f);
}

/* Fast execution: the register rules, RF, and what it must decline. */
static void test_fast_exec_forms(void)
{
    struct emu_hint rd = { .gla = DEV + 0x100, .gpa = DEV + 0x100, .gla_valid = true };
    struct emu_hint wr = rd;
    uint64_t execs;

    wr.is_write = true;
    f = fake_new(FAKE_LONG4);
    memcpy(f->dev + 0x100, "\x81\x82\x83\x84\x85\x86\x87\x88", 8);
    f->full.gpr[X86_RSI] = DEV + 0x100;
    f->full.gpr[X86_RAX] = 0x1111111111111111ull;
    f->full.gpr[X86_RDX] = 0x2222222222222222ull;
    /* mov ah,[rsi]: AH without REX */
    code(CODE(0x8a, 0x26));
    CHECK_EQ(step(&rd), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RAX], 0x1111111111118111ull);
    /* rex mov spl,[rsi]: SPL with REX */
    code(CODE(0x40, 0x8a, 0x26));
    f->full.gpr[X86_RSP] = 0x3333333333333333ull;
    CHECK_EQ(step(&rd), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RSP], 0x3333333333333381ull);
    /* movsx edx,word [rsi]: 32-bit result clears 63:32 */
    code(CODE(0x0f, 0xbf, 0x16));
    CHECK_EQ(step(&rd), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RDX], 0xffff8281ull);
    /* movsxd rdx,[rsi] */
    code(CODE(0x48, 0x63, 0x16));
    CHECK_EQ(step(&rd), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RDX], 0xffffffff84838281ull);
    /* mov [rsi],bh (no REX) with RF set: RF is cleared and reported */
    code(CODE(0x88, 0x3e));
    f->full.gpr[X86_RBX] = 0x5a00;
    f->full.rflags |= X86_FL_RF;
    CHECK_EQ(step(&wr), EMU_OK);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 1, true, 0x5a));
    CHECK_EQ(f->full.rflags, 0x2);
    CHECK(f->ctx.dirty & EMU_D_RFLAGS);
    /* mov qword [rsi],imm32: sign-extended */
    code(CODE(0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x80));
    CHECK_EQ(step(&wr), EMU_OK);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 8, true, 0xffffffff80000000ull));
    execs = f->ctx.fast_execs;
    CHECK_EQ(execs, 6);

    /* declined: an operand across a page boundary (two bus accesses) */
    f->full.gpr[X86_RSI] = DEV + 0xffe;
    code(CODE(0x8b, 0x06));
    CHECK_EQ(step(NULL), EMU_OK);
    CHECK_EQ(f->nlog, 2);
    CHECK_EQ(f->ctx.fast_execs, execs);
    /* declined: FS base */
    f->full.seg[X86_FS].base = 0x100;
    f->full.gpr[X86_RSI] = DEV;
    code(CODE(0x64, 0x8b, 0x06));
    CHECK_EQ(step(NULL), EMU_OK);
    CHECK(fake_log_at(f, 0, DEV + 0x100, 4, false, 0x80000000)); /* the imm store above */
    CHECK_EQ(f->ctx.fast_execs, execs);
    /* declined: non-canonical -> #GP(0) from the general path */
    f->full.gpr[X86_RSI] = 0x0000800000000000ull;
    code(CODE(0x8b, 0x06));
    CHECK_EQ(step(NULL), EMU_INJECT_GP);
    CHECK_EQ(f->ctx.fast_execs, execs);
    /* a write with only a read hint: walks the tables (unmapped: #PF W) */
    f->full.gpr[X86_RSI] = 0x50000000;
    rd.gla = rd.gpa = 0x50000000;
    code(CODE(0x89, 0x06));
    CHECK_EQ(step(&rd), EMU_INJECT_PF);
    CHECK_EQ(f->ctx.fault.error_code, PF_W);
    CHECK_EQ(f->ctx.fault.cr2, 0x50000000);
    /* ... and a read through that hint uses the exit's GPA page */
    rd.gpa = DEV + 0x3000;
    f->dev[0x3000] = 0x77;
    code(CODE(0x8a, 0x06));
    CHECK_EQ(step(&rd), EMU_OK);
    CHECK_EQ(f->full.gpr[X86_RAX] & 0xff, 0x77);
    CHECK_EQ(f->ctx.fast_execs, execs + 1);
    fake_free(f);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_fast_exec_forms);
    RUN(test_fast_fetch_revalidates);
    RUN(test_fast_agrees_with_general);
    return test_summary("test_emulate_fast");
}
