/*
 * Decoder unit tests: hand-checked encodings (from the SDM's tables) in
 * 16-, 32- and 64-bit code, with the exact fields expected, and the error
 * statuses (#UD forms, truncation, the 15-byte limit).  The randomized
 * comparison with a real decoder is in test_decode_oracle.c.
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "tests/unit/test.h"
#include "hv/x86/decode.h"

#define N X86_REG_NONE

struct dcase {
    unsigned mode;
    const char *hex;
    int status;
    unsigned len, op, opsize, addrsize, memsize;
    unsigned seg, base, index, scale;
    int64_t disp;
    uint64_t imm;
    unsigned reg;
};

static const struct dcase cases[] = {
    /* 64-bit */
    { 2, "8b4308", 0, 3, X86_OP_MOV, 4, 8, 4, X86_DS, X86_RBX, N, 1, 8, 0, X86_RAX },
    { 2, "8907", 0, 2, X86_OP_MOV, 4, 8, 4, X86_DS, X86_RDI, N, 1, 0, 0, X86_RAX },
    { 2, "0fb706", 0, 3, X86_OP_MOVZX, 4, 8, 2, X86_DS, X86_RSI, N, 1, 0, 0, X86_RAX },
    { 2, "4c8b4500", 0, 4, X86_OP_MOV, 8, 8, 8, X86_SS, X86_RBP, N, 1, 0, 0, X86_R8 },
    { 2, "418b4500", 0, 4, X86_OP_MOV, 4, 8, 4, X86_DS, X86_R13, N, 1, 0, 0, X86_RAX },
    { 2, "8b0424", 0, 3, X86_OP_MOV, 4, 8, 4, X86_SS, X86_RSP, N, 1, 0, 0, X86_RAX },
    { 2, "428b0424", 0, 4, X86_OP_MOV, 4, 8, 4, X86_SS, X86_RSP, X86_R12, 1, 0, 0, X86_RAX },
    { 2, "8b04e500100000", 0, 7, X86_OP_MOV, 4, 8, 4, X86_DS, N, N, 1, 0x1000, 0, 0 },
    { 2, "8b0d78563412", 0, 6, X86_OP_MOV, 4, 8, 4, X86_DS, X86_RIP, N, 1, 0x12345678, 0, X86_RCX },
    { 2, "678b0d78563412", 0, 7, X86_OP_MOV, 4, 4, 4, X86_DS, X86_RIP, N, 1, 0x12345678, 0, X86_RCX },
    { 2, "48a10807060504030201", 0, 10, X86_OP_MOV, 8, 8, 8, X86_DS, N, N, 1, 0x0102030405060708, 0, 0 },
    { 2, "67a178563412", 0, 6, X86_OP_MOV, 4, 4, 4, X86_DS, N, N, 1, 0x12345678, 0, 0 },
    { 2, "65488b0425f0ffffff", 0, 9, X86_OP_MOV, 8, 8, 8, X86_GS, N, N, 1, -16, 0, 0 },
    { 2, "2e8b06", 0, 3, X86_OP_MOV, 4, 8, 4, X86_DS, X86_RSI, N, 1, 0, 0, 0 }, /* CS ignored */
    { 2, "642e8b06", 0, 4, X86_OP_MOV, 4, 8, 4, X86_FS, X86_RSI, N, 1, 0, 0, 0 }, /* FS stays */
    { 2, "48c70600000080", 0, 7, X86_OP_MOV, 8, 8, 8, X86_DS, X86_RSI, N, 1, 0, 0xffffffff80000000, 0 },
    { 2, "66c7063412", 0, 5, X86_OP_MOV, 2, 8, 2, X86_DS, X86_RSI, N, 1, 0, 0x1234, 0 },
    { 2, "8306ff", 0, 3, X86_OP_ADD, 4, 8, 4, X86_DS, X86_RSI, N, 1, 0, ~0ull, 0 },
    { 2, "f7461000010000", 0, 7, X86_OP_TEST, 4, 8, 4, X86_DS, X86_RSI, N, 1, 0x10, 0x100, 0 },
    { 2, "ff36", 0, 2, X86_OP_PUSH, 8, 8, 8, X86_DS, X86_RSI, N, 1, 0, 0, 6 },
    { 2, "66ff36", 0, 3, X86_OP_PUSH, 2, 8, 2, X86_DS, X86_RSI, N, 1, 0, 0, 6 },
    { 2, "8f4608", 0, 3, X86_OP_POP, 8, 8, 8, X86_DS, X86_RSI, N, 1, 8, 0, 0 },
    { 2, "0fba2e05", 0, 4, X86_OP_BTS, 4, 8, 4, X86_DS, X86_RSI, N, 1, 0, 5, 5 },
    { 2, "4863c1", 0, 3, X86_OP_MOVSX, 8, 8, 4, 0, N, N, 1, 0, 0, X86_RAX },
    { 2, "f3ab", 0, 2, X86_OP_STOS, 4, 8, 4, X86_ES, X86_RDI, N, 1, 0, 0, X86_RAX },
    { 2, "64a4", 0, 2, X86_OP_MOVS, 1, 8, 1, X86_FS, X86_RSI, N, 1, 0, 0, X86_RAX },
    { 2, "66480f6e06", 0, 5, X86_OP_SSE_LOAD, 8, 8, 8, X86_DS, X86_RSI, N, 1, 0, 0, 0 },
    { 2, "f3440f7e3e", 0, 5, X86_OP_SSE_LOAD, 8, 8, 8, X86_DS, X86_RSI, N, 1, 0, 0, 15 },
    { 2, "660fd607", 0, 4, X86_OP_SSE_STORE, 8, 8, 8, X86_DS, X86_RDI, N, 1, 0, 0, 0 },
    { 2, "0f2906", 0, 3, X86_OP_SSE_STORE, 16, 8, 16, X86_DS, X86_RSI, N, 1, 0, 0, 0 },
    { 2, "f2660f6f06", X86_DEC_UNSUPPORTED }, /* F2 picks the (absent) F2 form */
    { 2, "0f6e06", X86_DEC_UNSUPPORTED },   /* MMX movd */
    { 2, "f0390e", X86_DEC_INVALID },       /* lock cmp */
    { 2, "f00fa30e", X86_DEC_INVALID },     /* lock bt */
    { 2, "f0870e", 0, 3, X86_OP_XCHG, 4, 8, 4, X86_DS, X86_RSI, N, 1, 0, 0, X86_RCX },
    { 2, "0fc3c0", X86_DEC_INVALID },       /* movnti reg,reg */
    { 2, "63", X86_DEC_TRUNCATED },
    { 2, "8b", X86_DEC_TRUNCATED },
    { 2, "8b8000", X86_DEC_TRUNCATED },
    { 2, "48", X86_DEC_TRUNCATED },
    { 2, "666666666666666666666666666666", X86_DEC_TOO_LONG },
    { 2, "666666666666666666666666668b4308", X86_DEC_TOO_LONG }, /* 16 bytes */
    { 2, "66666666666666666666668b4308", 0, 14, X86_OP_MOV, 2, 8, 2, X86_DS, X86_RBX, N, 1, 8, 0, 0 },
    { 2, "c4e1796e06", X86_DEC_UNSUPPORTED }, /* VEX */
    /* 32-bit */
    { 1, "8b4308", 0, 3, X86_OP_MOV, 4, 4, 4, X86_DS, X86_RBX, N, 1, 8, 0, 0 },
    { 1, "8b0578563412", 0, 6, X86_OP_MOV, 4, 4, 4, X86_DS, N, N, 1, 0x12345678, 0, 0 },
    { 1, "268b448d10", 0, 5, X86_OP_MOV, 4, 4, 4, X86_ES, X86_RBP, X86_RCX, 4, 0x10, 0, 0 },
    { 1, "8b448d10", 0, 4, X86_OP_MOV, 4, 4, 4, X86_SS, X86_RBP, X86_RCX, 4, 0x10, 0, 0 },
    { 1, "678b07", 0, 3, X86_OP_MOV, 4, 2, 4, X86_DS, X86_RBX, N, 1, 0, 0, 0 },
    { 1, "a178563412", 0, 5, X86_OP_MOV, 4, 4, 4, X86_DS, N, N, 1, 0x12345678, 0, 0 },
    { 1, "66a13412", X86_DEC_TRUNCATED },
    { 1, "66a134127856", 0, 6, X86_OP_MOV, 2, 4, 2, X86_DS, N, N, 1, 0x56781234, 0, 0 },
    { 1, "6306", X86_DEC_UNSUPPORTED },     /* ARPL */
    { 1, "408b06", X86_DEC_UNSUPPORTED },   /* 40 is INC eax here */
    { 1, "ff36", 0, 2, X86_OP_PUSH, 4, 4, 4, X86_DS, X86_RSI, N, 1, 0, 0, 6 },
    /* 16-bit */
    { 0, "8b4308", 0, 3, X86_OP_MOV, 2, 2, 2, X86_SS, X86_RBP, X86_RDI, 1, 8, 0, 0 },
    { 0, "8b063412", 0, 4, X86_OP_MOV, 2, 2, 2, X86_DS, N, N, 1, 0x1234, 0, 0 },
    { 0, "8b4600", 0, 3, X86_OP_MOV, 2, 2, 2, X86_SS, X86_RBP, N, 1, 0, 0, 0 },
    { 0, "8b80fe7f", 0, 4, X86_OP_MOV, 2, 2, 2, X86_DS, X86_RBX, X86_RSI, 1, 0x7ffe, 0, 0 },
    { 0, "8b80fe8f", 0, 4, X86_OP_MOV, 2, 2, 2, X86_DS, X86_RBX, X86_RSI, 1, -0x7002, 0, 0 },
    { 0, "668b07", 0, 3, X86_OP_MOV, 4, 2, 4, X86_DS, X86_RBX, N, 1, 0, 0, 0 },
    { 0, "67668b0424", 0, 5, X86_OP_MOV, 4, 4, 4, X86_SS, X86_RSP, N, 1, 0, 0, 0 },
    { 0, "c7073412", 0, 4, X86_OP_MOV, 2, 2, 2, X86_DS, X86_RBX, N, 1, 0, 0x1234, 0 },
    { 0, "f3a5", 0, 2, X86_OP_MOVS, 2, 2, 2, X86_DS, X86_RSI, N, 1, 0, 0, 0 },
};

static size_t unhex(uint8_t *out, const char *s)
{
    size_t n = 0;

    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void test_table(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct dcase *c = &cases[i];
        uint8_t b[32];
        size_t n = unhex(b, c->hex);
        struct x86_insn d;
        int st;

        st = x86_decode(&d, b, (unsigned)n, (enum x86_mode)c->mode);
        if (st != c->status) {
            fprintf(stderr, "FAIL %s (mode %u): status %d, expected %d\n", c->hex, c->mode, st,
                    c->status);
            test_failed_checks++;
            continue;
        }
        if (st)
            continue;
        if (d.len != c->len || d.op != c->op || d.opsize != c->opsize ||
            d.addrsize != c->addrsize || d.memsize != c->memsize ||
            (d.has_mem && (d.seg != c->seg || d.base != c->base || d.index != c->index ||
                           (d.index != N && d.scale != c->scale) || d.disp != c->disp)) ||
            (d.imm_size && d.imm != c->imm) || (c->reg && d.reg != c->reg)) {
            fprintf(stderr, "FAIL %s (mode %u): len %u op %s opsize %u asz %u msz %u seg %u "
                    "base %u index %u scale %u disp %lld imm %#llx reg %u\n",
                    c->hex, c->mode, d.len, x86_op_name(d.op), d.opsize, d.addrsize,
                    d.memsize, d.seg, d.base, d.index, d.scale, (long long)d.disp,
                    (unsigned long long)d.imm, d.reg);
            test_failed_checks++;
        }
    }
}

/* Register forms decode (no memory operand) with the register in rm. */
static void test_register_forms(void)
{
    struct x86_insn d;
    const uint8_t addrr[] = { 0x41, 0x01, 0xc8 }; /* add r8d,ecx */
    const uint8_t movd[] = { 0x66, 0x41, 0x0f, 0x7e, 0xc1 }; /* movd r9d,xmm0 */

    CHECK_EQ(x86_decode(&d, addrr, sizeof(addrr), X86_MODE_64), X86_DEC_OK);
    CHECK(!d.has_mem);
    CHECK_EQ(d.rm, X86_R8);
    CHECK_EQ(d.reg, X86_RCX);
    CHECK_EQ(x86_decode(&d, movd, sizeof(movd), X86_MODE_64), X86_DEC_OK);
    CHECK(!d.has_mem);
    CHECK_EQ(d.rm, X86_R9);
    CHECK_EQ(d.op, X86_OP_SSE_STORE);
}

/* The decoder never reads past `avail` (ASan checks the heap copy). */
static void test_bounds(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t tmp[32];
        size_t n = unhex(tmp, cases[i].hex);
        for (size_t k = 0; k <= n; k++) {
            uint8_t *b = malloc(k ? k : 1);
            struct x86_insn d;
            memcpy(b, tmp, k);
            (void)x86_decode(&d, b, (unsigned)k, (enum x86_mode)cases[i].mode);
            free(b);
        }
    }
    CHECK(1);
}

int main(void)
{
    RUN(test_table);
    RUN(test_register_forms);
    RUN(test_bounds);
    printf("test_decode: %zu encodings\n", ARRAY_SIZE(cases));
    return test_summary("test_decode");
}
