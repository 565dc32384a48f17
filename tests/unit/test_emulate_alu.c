/*
 * The emulator's ALU (hv/x86/alu.c) against the host CPU itself: every
 * operation and operand size, edge and random operands, random incoming
 * flags; the result and all six arithmetic flags must match what the
 * processor computes (AF of AND/OR/XOR/TEST is undefined in the SDM and is
 * not compared).
 */
#include "tests/unit/test.h"
#include "hv/x86/emu_internal.h"

/* The asm pushes below RSP: step over the red zone first. */
#define PRE "sub $128,%%rsp\n\tpush %[fin]\n\tpopf\n\t"
#define POST "\n\tpushf\n\tpop %[fout]\n\tadd $128,%%rsp"
#define BIN(insn, mod) \
    __asm__ volatile(PRE insn " %" mod "[b], %" mod "[a]" POST \
                     : [a] "+r"(a), [fout] "=&r"(fo) : [b] "r"(b), [fin] "r"(fin) : "cc", "memory")
#define UN(insn, mod) \
    __asm__ volatile(PRE insn " %" mod "[a]" POST \
                     : [a] "+r"(a), [fout] "=&r"(fo) : [fin] "r"(fin) : "cc", "memory")
#define K(op, sz) ((op) * 16 + (sz))
#define SIZE_CASES(sz, s, mod)                                 \
    case K(X86_OP_ADD, sz): BIN("add" s, mod); break;          \
    case K(X86_OP_OR, sz): BIN("or" s, mod); break;            \
    case K(X86_OP_ADC, sz): BIN("adc" s, mod); break;          \
    case K(X86_OP_SBB, sz): BIN("sbb" s, mod); break;          \
    case K(X86_OP_AND, sz): BIN("and" s, mod); break;          \
    case K(X86_OP_SUB, sz): BIN("sub" s, mod); break;          \
    case K(X86_OP_XOR, sz): BIN("xor" s, mod); break;          \
    case K(X86_OP_CMP, sz): BIN("cmp" s, mod); break;          \
    case K(X86_OP_TEST, sz): BIN("test" s, mod); break;        \
    case K(X86_OP_INC, sz): UN("inc" s, mod); break;           \
    case K(X86_OP_DEC, sz): UN("dec" s, mod); break;           \
    case K(X86_OP_NEG, sz): UN("neg" s, mod); break;

/* Runs op on the host CPU; returns the destination, *fout the flags. */
static uint64_t native(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t fin,
                       uint64_t *fout)
{
    uint64_t fo = 0;

    switch (K(op, size)) {
        SIZE_CASES(1, "b", "b")
        SIZE_CASES(2, "w", "w")
        SIZE_CASES(4, "l", "k")
        SIZE_CASES(8, "q", "q")
    default:
        abort();
    }
    *fout = fo;
    return a;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const uint64_t edges[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x0f, 0x10,
};

static uint64_t operand(void)
{
    return rnd() & 1 ? edges[rnd() % ARRAY_SIZE(edges)] : rnd();
}

static void test_alu_vs_cpu(void)
{
    static const unsigned ops[] = {
        X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB,
        X86_OP_XOR, X86_OP_CMP, X86_OP_TEST, X86_OP_INC, X86_OP_DEC, X86_OP_NEG,
    };
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    unsigned bad = 0;

    for (unsigned n = 0; n < 200000; n++) {
        unsigned op = ops[rnd() % ARRAY_SIZE(ops)], sz = sizes[rnd() % 4];
        uint64_t a = operand(), b = operand(), mask = emu_size_mask(sz);
        uint64_t fin = (rnd() & X86_FL_ARITH) | 0x202, fcpu, femu = fin;
        uint64_t rcpu = native(op, sz, a, b, fin, &fcpu);
        uint64_t remu = emu_alu(op, sz, a, b, &femu);
        uint64_t cmpmask = X86_FL_ARITH;

        if (op == X86_OP_AND || op == X86_OP_OR || op == X86_OP_XOR || op == X86_OP_TEST)
            cmpmask &= ~(uint64_t)X86_FL_AF;
        if (op == X86_OP_CMP || op == X86_OP_TEST)
            rcpu = remu; /* no destination written */
        if (((rcpu ^ remu) & mask) || ((fcpu ^ femu) & cmpmask)) {
            if (bad++ < 10)
                fprintf(stderr, "FAIL alu %s/%u a=%#llx b=%#llx fin=%#llx: cpu %#llx fl %#llx, emu %#llx fl %#llx\n",
                        x86_op_name(op), sz, (unsigned long long)a, (unsigned long long)b,
                        (unsigned long long)fin, (unsigned long long)(rcpu & mask),
                        (unsigned long long)(fcpu & cmpmask), (unsigned long long)(remu & mask),
                        (unsigned long long)(femu & cmpmask));
        }
        /* Flags outside the six are never touched. */
        CHECK_EQ(femu & ~(uint64_t)X86_FL_ARITH, fin & ~(uint64_t)X86_FL_ARITH);
    }
    CHECK_EQ(bad, 0);
}

int main(void)
{
    RUN(test_alu_vs_cpu);
    return test_summary("test_emulate_alu");
}
