/*
 * Differential test of hv/x86/decode.c against Zydis 4 (a real decoder,
 * used only here).  For every supported form in 16-, 32- and 64-bit code,
 * with random prefixes, REX, ModRM, SIB, displacement and immediate bytes,
 * and for fully random byte strings:
 *  - when we accept, Zydis must accept too, with the same length, operand
 *    size, memory operand (segment, base, index, scale, displacement, size)
 *    and immediate;
 *  - when we reject, Zydis must reject too, or the instruction it sees must
 *    be outside our supported list (oracle_supported below).
 * Bounded by a case count and a time budget, so it runs in a few seconds.
 */
#include <time.h>
#include <Zydis/Zydis.h>

#include "tests/unit/test.h"
#include "hv/x86/decode.h"

static ZydisDecoder zdec[3];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned long cases, accepted, rejected_ok, zydis_quirks;
static int reported;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

/* ------------------------------------------------ our supported list, as
 * the oracle describes instructions */
static bool mn_in(ZydisMnemonic m, const ZydisMnemonic *list, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (list[i] == m)
            return true;
    return false;
}

#define MN(...) ((const ZydisMnemonic[]){ __VA_ARGS__ }), \
    sizeof((const ZydisMnemonic[]){ __VA_ARGS__ }) / sizeof(ZydisMnemonic)

static bool has_mmx(const ZydisDecodedOperand *ops, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
            ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_MMX)
            return true;
    return false;
}

/* True when the instruction Zydis decoded is one of the forms we claim. */
static bool oracle_supported(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
    unsigned op = in->opcode, reg = in->raw.modrm.reg;
    ZydisMnemonic m = in->mnemonic;

    if (in->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
        return false;
    if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
        if (op < 0x40 && (op & 7) < 4)
            return mn_in(m, MN(ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC,
                               ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB,
                               ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP));
        /* near branches with 66 in long mode: vendors differ, not emulated */
        bool near66 = in->machine_mode == ZYDIS_MACHINE_MODE_LONG_64 &&
                      (in->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE);
        if (op >= 0x50 && op <= 0x5f)
            return mn_in(m, MN(ZYDIS_MNEMONIC_PUSH, ZYDIS_MNEMONIC_POP));
        switch (op) {
        case 0x68: case 0x6a: return m == ZYDIS_MNEMONIC_PUSH;
        case 0x8e: return m == ZYDIS_MNEMONIC_MOV && reg != 1 && reg < 6;
        case 0x8c: return m == ZYDIS_MNEMONIC_MOV && reg < 6;
        case 0xc2: case 0xc3: return m == ZYDIS_MNEMONIC_RET && !near66;
        case 0xc8: return m == ZYDIS_MNEMONIC_ENTER;
        case 0xc9: return m == ZYDIS_MNEMONIC_LEAVE;
        case 0x63: return m == ZYDIS_MNEMONIC_MOVSXD;
        case 0x80: case 0x81: case 0x83: return true;
        case 0x84: case 0x85: return m == ZYDIS_MNEMONIC_TEST;
        case 0x86: case 0x87: return m == ZYDIS_MNEMONIC_XCHG;
        case 0x88: case 0x89: case 0x8a: case 0x8b: return m == ZYDIS_MNEMONIC_MOV;
        case 0x8f: return reg == 0 && m == ZYDIS_MNEMONIC_POP;
        case 0xa0: case 0xa1: case 0xa2: case 0xa3: return m == ZYDIS_MNEMONIC_MOV;
        case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad: return true;
        case 0x6c: case 0x6d: case 0x6e: case 0x6f: return true; /* INS, OUTS */
        case 0xa6: case 0xa7: case 0xae: case 0xaf: return true; /* CMPS, SCAS */
        case 0xc6: case 0xc7: return reg == 0 && m == ZYDIS_MNEMONIC_MOV;
        case 0xf6: case 0xf7: return reg != 1;
        case 0x69: case 0x6b: return m == ZYDIS_MNEMONIC_IMUL;
        case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: return reg != 6;
        case 0xfe: return reg <= 1;
        case 0xff: return reg <= 1 || reg == 6 || (reg == 4 && !near66) ||
                          (reg == 5 && in->raw.modrm.mod != 3);
        }
        return false;
    }
    if (in->opcode_map != ZYDIS_OPCODE_MAP_0F)
        return false;
    if (op >= 0x40 && op <= 0x4f)
        return in->meta.category == ZYDIS_CATEGORY_CMOV;
    switch (op) {
    case 0x00: return in->raw.modrm.mod != 3 && reg == 3 && m == ZYDIS_MNEMONIC_LTR;
    case 0x01: return in->raw.modrm.mod != 3 && reg == 4 && m == ZYDIS_MNEMONIC_SMSW;
    case 0xc0: case 0xc1: return m == ZYDIS_MNEMONIC_XADD;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba:
        return mn_in(m, MN(ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
                           ZYDIS_MNEMONIC_BTC));
    case 0xb0: case 0xb1: return m == ZYDIS_MNEMONIC_CMPXCHG;
    case 0xb6: case 0xb7: return m == ZYDIS_MNEMONIC_MOVZX;
    case 0xbc: return m == ZYDIS_MNEMONIC_BSF;
    case 0xaf: return m == ZYDIS_MNEMONIC_IMUL;
    case 0xa4: case 0xa5: return m == ZYDIS_MNEMONIC_SHLD;
    case 0xac: case 0xad: return m == ZYDIS_MNEMONIC_SHRD;
    case 0xbd: return m == ZYDIS_MNEMONIC_BSR;
    case 0xbe: case 0xbf: return m == ZYDIS_MNEMONIC_MOVSX;
    case 0xc3: return m == ZYDIS_MNEMONIC_MOVNTI;
    case 0x10: case 0x11:
        return mn_in(m, MN(ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD));
    case 0x28: case 0x29:
        return mn_in(m, MN(ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD));
    case 0x6f: case 0x7f:
        return mn_in(m, MN(ZYDIS_MNEMONIC_MOVDQA, ZYDIS_MNEMONIC_MOVDQU)) ||
               (m == ZYDIS_MNEMONIC_MOVQ && has_mmx(ops, in->operand_count) &&
                in->raw.modrm.mod != 3);
    case 0x6e: case 0x7e: case 0xd6:
        return mn_in(m, MN(ZYDIS_MNEMONIC_MOVD, ZYDIS_MNEMONIC_MOVQ)) &&
               !has_mmx(ops, in->operand_count);
    }
    return false;
}

/* ------------------------------------------------------- comparison */

static ZydisRegister zreg(unsigned r, unsigned asz)
{
    if (r == X86_REG_NONE)
        return ZYDIS_REGISTER_NONE;
    if (r == X86_RIP)
        return asz == 8 ? ZYDIS_REGISTER_RIP : ZYDIS_REGISTER_EIP;
    return ZydisRegisterEncode(asz == 8 ? ZYDIS_REGCLASS_GPR64
                               : asz == 4 ? ZYDIS_REGCLASS_GPR32 : ZYDIS_REGCLASS_GPR16,
                               (ZyanU8)r);
}

static const ZydisRegister zseg[6] = {
    ZYDIS_REGISTER_ES, ZYDIS_REGISTER_CS, ZYDIS_REGISTER_SS,
    ZYDIS_REGISTER_DS, ZYDIS_REGISTER_FS, ZYDIS_REGISTER_GS,
};

/* In long mode ES/CS/SS/DS all mean "base 0": compare them as one. */
static ZydisRegister norm_seg(ZydisRegister s, unsigned mode)
{
    if (mode == X86_MODE_64 && s != ZYDIS_REGISTER_FS && s != ZYDIS_REGISTER_GS)
        return ZYDIS_REGISTER_DS;
    return s;
}

static void dump(const char *why, const uint8_t *b, unsigned n, unsigned mode,
                 const struct x86_insn *d, const ZydisDecodedInstruction *zi)
{
    if (reported++ > 30)
        return;
    fprintf(stderr, "FAIL oracle (%s) mode %u:", why, 16u << mode);
    for (unsigned i = 0; i < n; i++)
        fprintf(stderr, " %02x", b[i]);
    fprintf(stderr, "\n  ours: len %u op %s opsize %u memsize %u seg %u base %u index %u scale %u disp %#llx imm %#llx\n",
            d->len, x86_op_name(d->op), d->opsize, d->memsize, d->seg, d->base, d->index,
            d->scale, (unsigned long long)d->disp, (unsigned long long)d->imm);
    if (zi)
        fprintf(stderr, "  zydis: len %u %s opwidth %u\n", zi->length,
                ZydisMnemonicGetString(zi->mnemonic), zi->operand_width);
    test_failed_checks++;
}

/* The oracle's memory operand that corresponds to ours. */
static const ZydisDecodedOperand *pick_mem(const struct x86_insn *d, const ZydisDecodedOperand *ops,
                                           unsigned n)
{
    const ZydisDecodedOperand *any = NULL;

    for (unsigned i = 0; i < n; i++) {
        const ZydisDecodedOperand *o = &ops[i];
        if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
            continue;
        if (d->flags & X86_F_STRING) {
            if (o->mem.base == zreg(d->base, d->addrsize))
                return o;
            continue;
        }
        if (o->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
            return o;
        if (!any)
            any = o;
    }
    return (d->flags & X86_F_STRING) ? NULL : any;
}

static bool compare(const struct x86_insn *d, const ZydisDecodedInstruction *zi,
                    const ZydisDecodedOperand *ops, const char **why)
{
    uint64_t amask = d->addrsize == 8 ? ~0ull : (1ull << (d->addrsize * 8)) - 1;

    *why = "length";
    if (d->len != zi->length)
        return false;
    *why = "operand size";
    /* SSE moves and MOVNTI have fixed sizes, and INS/OUTS ignore REX.W
     * (Zydis still reports a 64-bit operand-size attribute for them): their
     * memory operand's size is compared below instead. */
    if (d->op != X86_OP_SSE_LOAD && d->op != X86_OP_SSE_STORE && d->op != X86_OP_MOVNTI &&
        d->op != X86_OP_SMSW && /* its memory form is 16 bits whatever the prefixes */
        d->op != X86_OP_MOV_SREG && d->op != X86_OP_LTR && /* likewise */
        !(d->op == X86_OP_STORE_SREG && d->has_mem) &&
        !(d->flags & X86_F_MMX) &&
        !((d->op == X86_OP_INS || d->op == X86_OP_OUTS) && (d->rex & 8)) &&
        d->opsize * 8u != zi->operand_width)
        return false;
    *why = "address size";
    if (d->addrsize * 8u != zi->address_width)
        return false;
    if (d->has_mem) {
        const ZydisDecodedOperand *m = pick_mem(d, ops, zi->operand_count);

        *why = "no memory operand";
        if (!m)
            return false;
        /* Zydis reads 3E on an indirect JMP as CET's NOTRACK only and keeps
         * the default segment; it is still the DS override for the
         * operand (SDM Vol. 2A 2.1.1), which we keep. */
        bool notrack = d->op == X86_OP_JMP && (zi->attributes & ZYDIS_ATTRIB_HAS_NOTRACK);
        zydis_quirks += notrack;
        *why = "segment";
        if (!notrack && norm_seg(zseg[d->seg], d->mode) != norm_seg(m->mem.segment, d->mode))
            return false;
        /* Zydis 4.0 quirk: with 67 and REX.B in long mode, SIB base 101
         * under mod 00 comes back as base r13d with no displacement,
         * though it counts the disp32 in the length.  The SDM (Table 2-3)
         * says no base, disp32, whatever REX.B: we keep the SDM. */
        bool quirk = d->mode == X86_MODE_64 && d->addrsize == 4 && (d->rex & 1) &&
                     d->base == X86_REG_NONE && m->mem.base == ZYDIS_REGISTER_R13D;
        zydis_quirks += quirk;
        *why = "base";
        if (!quirk && zreg(d->base, d->addrsize) != m->mem.base)
            return false;
        *why = "index";
        if (zreg(d->index, d->addrsize) != m->mem.index)
            return false;
        *why = "scale";
        if (d->index != X86_REG_NONE && d->scale != m->mem.scale)
            return false;
        *why = "displacement";
        if (!quirk && ((uint64_t)d->disp & amask) !=
                          ((uint64_t)(m->mem.disp.has_displacement ? m->mem.disp.value : 0) & amask))
            return false;
        *why = "memory size";
        if (d->memsize * 8u != m->size)
            return false;
    } else {
        for (unsigned i = 0; i < zi->operand_count_visible; i++) {
            *why = "unexpected memory operand";
            if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
                return false;
        }
    }
    if (d->op == X86_OP_ENTER) {
        /* two immediates: the frame size (iw) and the nesting level (ib) */
        *why = "enter immediates";
        return zi->operand_count >= 2 && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
               ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
               (ops[0].imm.value.u & 0xffff) == (d->imm & 0xffff) &&
               (ops[1].imm.value.u & 0xff) == (d->imm >> 16);
    }
    if (d->imm_size) {
        /* bit offsets and shift counts are unsigned 8-bit immediates */
        bool count8 = (d->op >= X86_OP_BT && d->op <= X86_OP_BTC) ||
                      (d->op >= X86_OP_ROL && d->op <= X86_OP_SHRD);
        bool u16 = d->op == X86_OP_RET; /* bytes to release: unsigned 16-bit */
        uint64_t mask = count8 ? 0xff : u16 ? 0xffff
                      : d->opsize == 8 ? ~0ull : (1ull << (d->opsize * 8)) - 1;
        bool found = false;

        for (unsigned i = 0; i < zi->operand_count; i++) {
            if (ops[i].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
                continue;
            found = true;
            *why = "immediate";
            if ((d->imm & mask) != (ops[i].imm.value.u & mask))
                return false;
        }
        *why = "no immediate";
        if (!found)
            return false;
    }
    return true;
}

/* Decodes with both; returns false on a disagreement (already reported). */
static void check_bytes(const uint8_t *b, unsigned n, unsigned mode)
{
    struct x86_insn d;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    int st = x86_decode(&d, b, n, (enum x86_mode)mode);
    bool zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zdec[mode], b, n, &zi, ops));
    const char *why;

    cases++;
    if (st == X86_DEC_OK) {
        accepted++;
        if (!zok) {
            dump("we accept, zydis rejects", b, n, mode, &d, NULL);
            return;
        }
        if (!compare(&d, &zi, ops, &why))
            dump(why, b, n, mode, &d, &zi);
        return;
    }
    if (zok && oracle_supported(&zi, ops) && zi.length <= n) {
        dump("we reject a supported form", b, n, mode, &d, &zi);
        return;
    }
    rejected_ok++;
}

/* ------------------------------------------------------- generators */

/* Opcode byte strings of every supported form (ModRM follows). */
static const struct { uint8_t b[2]; uint8_t n; int reg; } templates[] = {
#define A(op) { { op }, 1, -1 }, { { op + 1 }, 1, -1 }, { { op + 2 }, 1, -1 }, { { op + 3 }, 1, -1 }
    A(0x00), A(0x08), A(0x10), A(0x18), A(0x20), A(0x28), A(0x30), A(0x38),
#undef A
    { { 0x63 }, 1, -1 }, { { 0x80 }, 1, -1 }, { { 0x81 }, 1, -1 }, { { 0x83 }, 1, -1 },
    { { 0x84 }, 1, -1 }, { { 0x85 }, 1, -1 }, { { 0x86 }, 1, -1 }, { { 0x87 }, 1, -1 },
    { { 0x88 }, 1, -1 }, { { 0x89 }, 1, -1 }, { { 0x8a }, 1, -1 }, { { 0x8b }, 1, -1 },
    { { 0x8f }, 1, 0 }, { { 0xa0 }, 1, -1 }, { { 0xa1 }, 1, -1 }, { { 0xa2 }, 1, -1 },
    { { 0xa3 }, 1, -1 }, { { 0xa4 }, 1, -1 }, { { 0xa5 }, 1, -1 }, { { 0xaa }, 1, -1 },
    { { 0xab }, 1, -1 }, { { 0xac }, 1, -1 }, { { 0xad }, 1, -1 }, { { 0xc6 }, 1, 0 },
    { { 0x6c }, 1, -1 }, { { 0x6d }, 1, -1 }, { { 0x6e }, 1, -1 }, { { 0x6f }, 1, -1 },
    { { 0xa6 }, 1, -1 }, { { 0xa7 }, 1, -1 }, { { 0xae }, 1, -1 }, { { 0xaf }, 1, -1 },
    { { 0xc7 }, 1, 0 }, { { 0xf6 }, 1, 0 }, { { 0xf6 }, 1, 2 }, { { 0xf6 }, 1, 3 },
    { { 0xf7 }, 1, 0 }, { { 0xf7 }, 1, 2 }, { { 0xf7 }, 1, 3 }, { { 0xfe }, 1, 0 },
    { { 0xfe }, 1, 1 }, { { 0xff }, 1, 0 }, { { 0xff }, 1, 1 }, { { 0xff }, 1, 6 },
    { { 0x0f, 0x01 }, 2, 4 }, { { 0x0f, 0xbc }, 2, -1 }, { { 0x0f, 0xbd }, 2, -1 },
    { { 0x0f, 0xaf }, 2, -1 }, { { 0x69 }, 1, -1 }, { { 0x6b }, 1, -1 },
    { { 0x0f, 0xa4 }, 2, -1 }, { { 0x0f, 0xa5 }, 2, -1 }, { { 0x0f, 0xac }, 2, -1 },
    { { 0x0f, 0xad }, 2, -1 }, { { 0xc0 }, 1, -1 }, { { 0xc1 }, 1, -1 }, { { 0xd0 }, 1, -1 },
    { { 0xd1 }, 1, -1 }, { { 0xd2 }, 1, -1 }, { { 0xd3 }, 1, -1 },
    { { 0xf6 }, 1, 4 }, { { 0xf6 }, 1, 5 }, { { 0xf6 }, 1, 6 }, { { 0xf6 }, 1, 7 },
    { { 0xf7 }, 1, 4 }, { { 0xf7 }, 1, 5 }, { { 0xf7 }, 1, 6 }, { { 0xf7 }, 1, 7 },
    { { 0x0f, 0xa3 }, 2, -1 }, { { 0x0f, 0xab }, 2, -1 }, { { 0x0f, 0xb3 }, 2, -1 },
    { { 0x0f, 0xbb }, 2, -1 }, { { 0x0f, 0xba }, 2, 4 }, { { 0x0f, 0xba }, 2, 5 },
    { { 0x0f, 0xba }, 2, 6 }, { { 0x0f, 0xba }, 2, 7 }, { { 0x0f, 0xb0 }, 2, -1 },
    { { 0x0f, 0xb1 }, 2, -1 }, { { 0x0f, 0xb6 }, 2, -1 }, { { 0x0f, 0xb7 }, 2, -1 },
    { { 0x0f, 0xbe }, 2, -1 }, { { 0x0f, 0xbf }, 2, -1 }, { { 0x0f, 0xc3 }, 2, -1 },
    { { 0x0f, 0x10 }, 2, -1 }, { { 0x0f, 0x11 }, 2, -1 }, { { 0x0f, 0x28 }, 2, -1 },
    { { 0x0f, 0x29 }, 2, -1 }, { { 0x0f, 0x6e }, 2, -1 }, { { 0x0f, 0x7e }, 2, -1 },
    { { 0x0f, 0x6f }, 2, -1 }, { { 0x0f, 0x7f }, 2, -1 }, { { 0x0f, 0xd6 }, 2, -1 },
    { { 0x50 }, 1, -1 }, { { 0x55 }, 1, -1 }, { { 0x58 }, 1, -1 }, { { 0x5c }, 1, -1 },
    { { 0x68 }, 1, -1 }, { { 0x6a }, 1, -1 }, { { 0x8e }, 1, 0 }, { { 0x8e }, 1, 2 },
    { { 0x8e }, 1, 3 }, { { 0x8e }, 1, 5 }, { { 0x8c }, 1, 1 }, { { 0x8c }, 1, 4 }, { { 0xc2 }, 1, -1 }, { { 0xc3 }, 1, -1 },
    { { 0xc8 }, 1, -1 }, { { 0xc9 }, 1, -1 }, { { 0xff }, 1, 4 }, { { 0xff }, 1, 5 },
    { { 0x0f, 0x00 }, 2, 3 }, { { 0x0f, 0xc0 }, 2, -1 }, { { 0x0f, 0xc1 }, 2, -1 },
    { { 0x0f, 0x40 }, 2, -1 }, { { 0x0f, 0x45 }, 2, -1 }, { { 0x0f, 0x4f }, 2, -1 },
};

static const uint8_t legacy_prefixes[] = {
    0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
};

/* One instruction from a template: random prefixes, REX, ModRM, rest. */
static unsigned gen_form(uint8_t *b, unsigned t, unsigned mode)
{
    unsigned n = 0, np = rndn(4);
    bool want_mandatory = templates[t].b[0] == 0x0f && rndn(2);

    if (want_mandatory)
        b[n++] = (const uint8_t[]){ 0x66, 0xf3, 0x66, 0xf2 }[rndn(4)];
    for (unsigned i = 0; i < np && rndn(3); i++)
        b[n++] = legacy_prefixes[rndn(sizeof(legacy_prefixes))];
    if (mode == X86_MODE_64 && rndn(2))
        b[n++] = (uint8_t)(0x40 | rndn(16));
    for (unsigned i = 0; i < templates[t].n; i++)
        b[n++] = templates[t].b[i];
    {
        uint8_t modrm = (uint8_t)rnd();
        if (templates[t].reg >= 0)
            modrm = (uint8_t)((modrm & 0xc7) | templates[t].reg << 3);
        if (rndn(4) == 0)
            modrm |= 0xc0; /* register forms too */
        else if ((modrm >> 6) == 3)
            modrm &= 0x3f;
        b[n++] = modrm;
    }
    while (n < X86_MAX_INSN_LEN)
        b[n++] = (uint8_t)rnd();
    return n;
}

static void test_every_form(void)
{
    uint8_t b[X86_MAX_INSN_LEN];

    for (unsigned mode = 0; mode < 3; mode++)
        for (unsigned t = 0; t < ARRAY_SIZE(templates); t++)
            for (unsigned k = 0; k < 1500; k++)
                check_bytes(b, gen_form(b, t, mode), mode);
}

/* Random bytes, with a bias towards prefix and 0F starts. */
static void test_random_bytes(void)
{
    uint8_t b[X86_MAX_INSN_LEN];
    clock_t end = clock() + CLOCKS_PER_SEC * 2;

    for (unsigned k = 0; k < 600000 && clock() < end; k++) {
        unsigned mode = rndn(3);
        for (unsigned i = 0; i < sizeof(b); i++)
            b[i] = (uint8_t)rnd();
        if (rndn(2))
            b[rndn(3)] = 0x0f;
        check_bytes(b, sizeof(b), mode);
    }
}

/* Truncated input: we must say TRUNCATED (never read past `avail`). */
static void test_truncation(void)
{
    uint8_t b[X86_MAX_INSN_LEN];

    for (unsigned k = 0; k < 20000; k++) {
        unsigned mode = rndn(3), t = rndn(ARRAY_SIZE(templates));
        struct x86_insn d;

        gen_form(b, t, mode);
        if (x86_decode(&d, b, sizeof(b), (enum x86_mode)mode) != X86_DEC_OK)
            continue;
        for (unsigned n = 0; n < d.len; n++) {
            struct x86_insn e;
            CHECK_EQ(x86_decode(&e, b, n, (enum x86_mode)mode), X86_DEC_TRUNCATED);
        }
    }
}

int main(void)
{
    ZydisDecoderInit(&zdec[X86_MODE_16], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&zdec[X86_MODE_32], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecoderInit(&zdec[X86_MODE_64], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    RUN(test_every_form);
    RUN(test_random_bytes);
    RUN(test_truncation);
    printf("test_decode_oracle: %lu cases, %lu accepted, %lu rejected (invalid or unsupported), "
           "%lu hit a Zydis quirk (67+REX.B SIB base, 3E as NOTRACK only)\n", cases, accepted, rejected_ok, zydis_quirks);
    return test_summary("test_decode_oracle");
}
