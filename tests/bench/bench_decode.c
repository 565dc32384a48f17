/*
 * Decoder and MMIO-exit benchmarks.
 *
 *   bench_decode            decode throughput of ours vs Zydis's full decode
 *                           (ZydisDecoderDecodeFull) over the same byte
 *                           stream (the exit-path instruction counts come
 *                           from tests/bench/callgrind-exit.sh, which
 *                           tests/run-bench runs after this binary)
 *   bench_decode --exit NAME BACKEND
 *                           runs one exit scenario twice (warm-up, then
 *                           measured_exit()) for callgrind to count;
 *                           NAME: read write movzx repstosd;
 *                           BACKEND: fake (direct callbacks) or memapi
 *                           (memory/ dispatch through hv/guest/bus.c)
 * Knobs for experiments: BENCH_NO_WALK_CACHE=1 (ctx.map_gen 0),
 * BENCH_NO_WARMUP=1 (count a cold first exit).
 */
#include <time.h>
#include <Zydis/Zydis.h>

#include "tests/unit/fake_vcpu.h"
#include "hv/lib/host/platform_host.h"

#define STREAM_INSNS 4096
#define ROUNDS 400

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The supported forms, in a typical MMIO-driver mix (64-bit code). */
static const char *const forms[] = {
    "8b4308", "8907", "0fb706", "f3ab", "488b4610", "c7471000000080", "8b8600100000",
    "66894702", "0fb64601", "4c8b4500", "418b5424f8", "8b0d00000100", "48a30000200000000000",
    "f0830601", "870e", "0fb10f", "0fba2e05", "0fa30e", "ff36", "8f4608", "0fc307",
    "660f6e06", "660f7e07", "f30f6f06", "660f7f07", "0f2906", "660fd607", "f30f7e0e",
    "2b06", "23470c", "0b4704", "81260000ffff", "f7460400000100", "fe06", "ff0e", "f71e",
    "480fbe06", "4863470c", "a4", "ad",
};

static size_t hex(uint8_t *out, const char *s)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void bench_throughput(void)
{
    static uint8_t stream[STREAM_INSNS * 16];
    size_t len = 0, count = 0;
    ZydisDecoder zd;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    struct x86_insn d;
    unsigned long sink = 0;
    double t0, t_ours, t_zydis;

    for (size_t i = 0; i < STREAM_INSNS; i++)
        len += hex(stream + len, forms[(i * 7 + i / 3) % ARRAY_SIZE(forms)]);
    ZydisDecoderInit(&zd, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    /* both decoders must walk the same stream the same way */
    for (size_t off = 0; off < len; count++) {
        if (x86_decode(&d, stream + off, (unsigned)(len - off), X86_MODE_64) ||
            !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zd, stream + off, len - off, &zi, ops)) ||
            zi.length != d.len) {
            fprintf(stderr, "bench_decode: stream disagrees at %zu\n", off);
            exit(1);
        }
        off += d.len;
    }
    t0 = now();
    for (int r = 0; r < ROUNDS; r++)
        for (size_t off = 0; off < len;) {
            x86_decode(&d, stream + off, (unsigned)(len - off), X86_MODE_64);
            off += d.len;
            sink += d.op;
        }
    t_ours = now() - t0;
    t0 = now();
    for (int r = 0; r < ROUNDS; r++)
        for (size_t off = 0; off < len;) {
            ZydisDecoderDecodeFull(&zd, stream + off, len - off, &zi, ops);
            off += zi.length;
            sink += zi.mnemonic;
        }
    t_zydis = now() - t0;
    /* As in every benchmark here, "xR vs BASELINE" means VALUE = R * BASELINE. */
    printf("bench: decode_throughput: %.1f Minsn/s (x%.2f vs zydis_decode_full, %.1f Minsn/s: %.1f times faster)\n",
           (double)count * ROUNDS / t_ours / 1e6, t_zydis / t_ours,
           (double)count * ROUNDS / t_zydis / 1e6, t_zydis / t_ours);
    printf("bench: decode_latency: %.1f ns/insn (x%.3f vs zydis_decode_full, %.1f ns/insn)\n",
           t_ours / ((double)count * ROUNDS) * 1e9, t_ours / t_zydis,
           t_zydis / ((double)count * ROUNDS) * 1e9);
    if (sink == 42)
        puts("");
}

/* ---------------------------------------------------- exit scenarios */

struct scenario {
    const char *name;
    const char *code;
    uint64_t qual, gpa; /* what the exit reports */
};

static const struct scenario scenarios[] = {
    { "read", "8b4308", EPT_QUAL_READ, FAKE_DEV_BASE + 0x28 },        /* mov eax,[rbx+8] */
    { "write", "8907", EPT_QUAL_WRITE, FAKE_DEV_BASE + 0x40 },        /* mov [rdi],eax */
    { "movzx", "0fb706", EPT_QUAL_READ, FAKE_DEV_BASE + 0x80 },       /* movzx eax,word [rsi] */
    { "repstosd", "f3ab", EPT_QUAL_WRITE, FAKE_DEV_BASE + 0x1000 },   /* rep stosd, 1024 dwords */
};

static struct fake_vcpu *vcpu;
static const struct scenario *sc;
static struct emu_regs initial_regs;

static void arm(void)
{
    struct emu_regs *r = &vcpu->full;

    *r = initial_regs;
    r->gpr[X86_RBX] = FAKE_DEV_BASE + 0x20;
    r->gpr[X86_RDI] = sc->name[0] == 'r' && sc->name[1] == 'e' ? FAKE_DEV_BASE + 0x1000
                                                                : FAKE_DEV_BASE + 0x40;
    r->gpr[X86_RSI] = FAKE_DEV_BASE + 0x80;
    r->gpr[X86_RCX] = 1024;
    r->gpr[X86_RAX] = 0x12345678;
    vcpu->nlog = 0;
}

/* What the VMX exit handler does for an EPT violation, from reading the
 * qualification to the register write-back. */
static __attribute__((noinline)) enum emu_result one_exit(void)
{
    enum emu_result rc;

    fake_begin(vcpu);
    rc = emu_ept_violation(&vcpu->ctx, sc->qual | EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATED,
                            sc->gpa, sc->gpa);
    fake_end(vcpu);
    return rc;
}

/* callgrind --toggle-collect=measured_exit counts this call only. */
__attribute__((noinline)) enum emu_result measured_exit(void);
__attribute__((noinline)) enum emu_result measured_exit(void)
{
    enum emu_result rc = one_exit();

    __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
    return rc;
}

static int run_exit(const char *name, const char *backend)
{
    uint8_t code[16];
    size_t n;
    enum emu_result rc;

    for (sc = scenarios; sc < scenarios + ARRAY_SIZE(scenarios) && strcmp(sc->name, name); sc++)
        ;
    if (sc == scenarios + ARRAY_SIZE(scenarios))
        return 2;
    vcpu = fake_new(FAKE_LONG4);
    vcpu->lazy = true;
    vcpu->poison = false;
    vcpu->map_gen = getenv("BENCH_NO_WALK_CACHE") ? 0 : 1;
    if (!strcmp(backend, "memapi") && fake_use_memory_api(vcpu, 8))
        return 2;
    n = hex(code, sc->code);
    initial_regs = vcpu->full;
    arm();
    fake_code(vcpu, code, n);
    rc = getenv("BENCH_NO_WARMUP") ? EMU_OK : one_exit(); /* warm-up: lazy binding, caches */
    arm();
    if (rc == EMU_OK)
        rc = measured_exit();
    if (rc != EMU_OK || vcpu->full.rip != FAKE_CODE_IP + n ||
        vcpu->nlog != (strcmp(name, "repstosd") ? 1u : 1024u)) {
        fprintf(stderr, "bench_decode: exit %s/%s: %s, rip %#llx, %u device accesses\n", name,
                backend, emu_result_name(rc), (unsigned long long)vcpu->full.rip, vcpu->nlog);
        return 1;
    }
    fake_free(vcpu);
    return 0;
}

int main(int argc, char **argv)
{
    plat_host_set_verbosity(0);
    if (argc == 4 && !strcmp(argv[1], "--exit"))
        return run_exit(argv[2], argv[3]);
    bench_throughput();
    return 0;
}
