/*
 * libFuzzer target: random instruction bytes, CPU/paging mode, privilege,
 * flags, register values and page-table damage, run through decode and
 * emulate against the fake vCPU (tests/unit/fake_vcpu.h).
 *
 * Input layout (missing bytes read as 0):
 *   [0]      mode (FAKE_* modulo the count)
 *   [1]      knobs: CPL 3, DF, EFLAGS.AC, CR0.WP off, SMAP, hint, eager regs
 *   [2]      page-table damage: which code/data PTE bits to clear or set
 *   [3]      rep_limit selector (bits 0-1); bit 2: go through the memory
 *            API and hv/guest/bus.c instead of the fake's direct callbacks;
 *            bit 3: keep the walk cache (map_gen 1; it then spans inputs)
 *   [4..83]  16 registers x 5 bytes (selector + 32-bit value)
 *   [84..]   instruction bytes (up to 15) at CS:RIP
 *
 * Besides the sanitizers, it checks invariants a correct emulator keeps:
 * faults leave RIP alone, success moves RIP by the decoded length (or not
 * at all for an unfinished REP), the decoder is prefix-consistent, and the
 * fake device only ever sees 1/2/4/8-byte accesses (it aborts otherwise).
 * And it is differential: a second vCPU with the same state runs the same
 * exit through emu_run_general(EMU_RUN_REFERENCE), which never takes the
 * fast path (hv/x86/fast.h); result, fault, registers, device memory and
 * the device's access sequence must be identical (direct backend only).
 * Both vCPUs keep their caches across inputs, as a real vCPU would.
 */
#include "tests/unit/fake_vcpu.h"
#include "hv/lib/host/platform_host.h"
#include "hv/x86/emu_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t in_byte(const uint8_t *d, size_t n, size_t i)
{
    return i < n ? d[i] : 0;
}

static uint32_t in_u32(const uint8_t *d, size_t n, size_t i)
{
    return (uint32_t)in_byte(d, n, i) | (uint32_t)in_byte(d, n, i + 1) << 8 |
           (uint32_t)in_byte(d, n, i + 2) << 16 | (uint32_t)in_byte(d, n, i + 3) << 24;
}

/* Register values that land somewhere interesting most of the time. */
static uint64_t reg_value(uint8_t sel, uint32_t v)
{
    switch (sel & 7) {
    case 0: case 1: return FAKE_DEV_BASE + (v & 0xffff);
    case 2: return v & (FAKE_RAM_SIZE - 1);
    case 3: return (uint64_t)(int64_t)(int32_t)v;
    case 4: return (uint64_t)v << 32 | v;
    case 5: return v & 0xff;
    default: return v;
    }
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_emulate: invariant broken: %s\n", what);
        abort();
    }
}

/* The vCPU state an input describes. */
static void setup(struct fake_vcpu *f, const uint8_t *d, size_t n)
{
    enum fake_mode mode = (enum fake_mode)(in_byte(d, n, 0) % FAKE_NR_MODES);
    uint8_t knobs = in_byte(d, n, 1), dmg = in_byte(d, n, 2);
    uint8_t code[X86_MAX_INSN_LEN] = { 0 };

    memset(f->ram, 0, FAKE_RAM_SIZE);
    memset(f->dev, 0, sizeof(f->dev));
    for (unsigned i = 0; i < sizeof(f->xmm); i++)
        f->xmm[i / 16][i % 16] = (uint8_t)(i * 37 + 11);
    f->mode = mode;
    f->nlog = 0;
    f->lazy = !(knobs & 0x40);
    f->map_gen = (in_byte(d, n, 3) & 8) ? 1 : 0;
    fake_setup_regs(f);
    if (fake_paged(mode))
        fake_identity_map(f);
    for (unsigned r = 0; r < 16; r++)
        f->full.gpr[r] = reg_value(in_byte(d, n, 4 + 5 * r), in_u32(d, n, 5 + 5 * r));
    if (knobs & 1)
        f->full.cpl = 3;
    if (knobs & 2)
        f->full.rflags |= X86_FL_DF;
    if (knobs & 4)
        f->full.rflags |= X86_FL_AC;
    if (knobs & 8)
        f->full.cr0 &= ~X86_CR0_WP;
    if (knobs & 0x10)
        f->full.cr4 |= X86_CR4_SMAP | X86_CR4_SMEP;
    /* damage: flip bits of the code page's and one data page's entries */
    if (fake_paged(mode) && dmg) {
        unsigned esz = mode == FAKE_PAGED32 ? 4 : 8;
        uint64_t la = (dmg & 0x80) ? FAKE_CODE_IP : FAKE_DEV_BASE + ((uint64_t)(dmg & 0xf) << 12);
        uint64_t e = fake_rd(f, fake_leaf(f, la), esz);
        static const uint64_t bits[] = { 1, 2, 4, 0x20, 0x40, 0x80, 1ull << 63, 1ull << 20 };
        e ^= bits[(dmg >> 4) & 7];
        fake_wr(f, fake_leaf(f, la), e, esz);
    }
    for (unsigned i = 0; i < X86_MAX_INSN_LEN; i++)
        code[i] = in_byte(d, n, 84 + i);
    fake_code(f, code, sizeof(code));
    f->ctx.rep_limit = (in_byte(d, n, 3) & 3) == 0 ? 1 : (in_byte(d, n, 3) & 3) * 100;
}

/* The reference vCPU ran the same exit without the fast path. */
static void compare(const struct fake_vcpu *f, const struct fake_vcpu *g, enum emu_result rf,
                    enum emu_result rg)
{
    check(rf == rg, "fast and general paths: different results");
    check(rf == EMU_OK || (f->ctx.fault.vector == g->ctx.fault.vector &&
                           f->ctx.fault.error_code == g->ctx.fault.error_code &&
                           f->ctx.fault.cr2 == g->ctx.fault.cr2),
          "fast and general paths: different faults");
    check(f->ctx.dirty == g->ctx.dirty, "fast and general paths: different dirty sets");
    check(!memcmp(&f->full, &g->full, sizeof(f->full)),
          "fast and general paths: different registers");
    check(f->nlog == g->nlog &&
              !memcmp(f->log, g->log, MIN(f->nlog, (unsigned)FAKE_LOG_MAX) * sizeof(f->log[0])),
          "fast and general paths: different device accesses");
    check(!memcmp(f->dev, g->dev, FAKE_DEV_SIZE), "fast and general paths: different device memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static struct fake_vcpu *f, *g;
    static const struct emu_ops *memapi_ops;
    enum fake_mode mode = (enum fake_mode)(in_byte(d, n, 0) % FAKE_NR_MODES);
    uint8_t knobs = in_byte(d, n, 1);
    uint64_t rip0;
    struct emu_hint hint;
    enum emu_result rc, rc_ref = EMU_OK;

    if (!f) {
        plat_host_set_verbosity(-1);
        f = fake_new(FAKE_LONG4);
        g = fake_new(FAKE_LONG4);
        /* Half the inputs go through the real memory API (dispatch,
         * access rules); HV_FUZZ_NO_MEMAPI=1 keeps them all on the fake. */
        if (!getenv("HV_FUZZ_NO_MEMAPI")) {
            if (fake_use_memory_api(f, 4))
                abort();
            memapi_ops = f->ops;
        }
    }
    f->ops = (in_byte(d, n, 3) & 4) ? memapi_ops : NULL;
    setup(f, d, n);
    if (!f->ops)
        setup(g, d, n);

    rip0 = f->full.rip;
    fake_begin(f);
    hint.gla = f->full.gpr[X86_RSI];
    hint.gpa = hint.gla & 0xffffffffull;
    hint.gla_valid = (knobs & 0x20) && hint.gpa < FAKE_RAM_SIZE + FAKE_DEV_SIZE;
    hint.is_write = knobs & 0x80;
    rc = emu_run(&f->ctx, (knobs & 0x20) ? &hint : NULL);
    fake_end(f);
    if (!f->ops) {
        fake_begin(g);
        rc_ref = emu_run_general(&g->ctx, (knobs & 0x20) ? &hint : NULL, EMU_RUN_REFERENCE);
        fake_end(g);
        compare(f, g, rc, rc_ref);
    }

    if (rc != EMU_OK) {
        check(!(f->ctx.dirty & EMU_D_RIP), "fault moved RIP");
        check(f->full.rip == rip0, "fault changed RIP");
        check(f->ctx.fault.vector == 6 || f->ctx.fault.vector == 7 ||
              f->ctx.fault.vector == 12 || f->ctx.fault.vector == 13 ||
              f->ctx.fault.vector == 14, "unknown vector");
    } else {
        uint64_t len = f->ctx.insn.len;
        bool str = f->ctx.insn.flags & X86_F_STRING;
        check(len >= 1 && len <= 15, "length");
        check(f->full.rip != rip0 || str, "RIP not moved");
        if (f->full.rip != rip0) {
            uint64_t want = rip0 + len;
            if (!fake_is64(mode))
                want &= fake_width(mode) == 2 ? 0xffff : 0xffffffff;
            check(f->full.rip == want, "RIP moved by the wrong amount");
        }
        /* the decoder needs exactly `len` bytes */
        {
            struct x86_insn a;
            check(x86_decode(&a, f->ctx.bytes, (unsigned)len, (enum x86_mode)f->ctx.insn.mode) ==
                      X86_DEC_OK && a.len == len, "decode not prefix-consistent");
        }
    }
    return 0;
}
