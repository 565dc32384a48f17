/*
 * ALU results and the six arithmetic flags (CF PF AF ZF SF OF) for every
 * operand size, as the SDM defines them per instruction.  Where the SDM
 * says a flag is "undefined" we pick a fixed value and document it in
 * docs/decoder.md: AF is cleared by AND/OR/XOR/TEST.
 */
#include "hv/x86/emu_internal.h"

/* PF: set when the low byte has an even number of ones. */
static uint64_t parity_flag(uint64_t res)
{
    unsigned b = (unsigned)res & 0xff;

    b ^= b >> 4;
    return ((0x6996u >> (b & 0xf)) & 1) ? 0 : X86_FL_PF;
}

/* ZF, SF and PF of a result. */
static uint64_t szp(uint64_t res, uint64_t mask, uint64_t sign)
{
    uint64_t f = parity_flag(res);

    if ((res & mask) == 0)
        f |= X86_FL_ZF;
    if (res & sign)
        f |= X86_FL_SF;
    return f;
}

uint64_t emu_alu(unsigned op, unsigned size, uint64_t a, uint64_t b,
                 uint64_t *rflags)
{
    uint64_t mask = emu_size_mask(size), sign = 1ull << (size * 8 - 1);
    uint64_t cin = *rflags & X86_FL_CF, res, f = 0;
    uint64_t keep = X86_FL_ARITH;

    a &= mask;
    b &= mask;
    switch (op) {
    case X86_OP_ADD:
    case X86_OP_ADC:
    case X86_OP_INC:
        if (op == X86_OP_INC) {
            b = 1;
            cin = 0;
            keep &= ~(uint64_t)X86_FL_CF; /* INC keeps CF */
        } else if (op == X86_OP_ADD) {
            cin = 0;
        }
        res = (a + b + cin) & mask;
        if (res < a || (cin && res == a))
            f |= X86_FL_CF;
        if (~(a ^ b) & (a ^ res) & sign)
            f |= X86_FL_OF;
        f |= (a ^ b ^ res) & X86_FL_AF;
        break;
    case X86_OP_SUB:
    case X86_OP_SBB:
    case X86_OP_CMP:
    case X86_OP_DEC:
    case X86_OP_NEG:
        if (op == X86_OP_DEC) {
            b = 1;
            cin = 0;
            keep &= ~(uint64_t)X86_FL_CF; /* DEC keeps CF */
        } else if (op == X86_OP_NEG) {
            b = a;
            a = 0;
            cin = 0;
        } else if (op != X86_OP_SBB) {
            cin = 0;
        }
        res = (a - b - cin) & mask;
        if (a < b || (cin && a == b))
            f |= X86_FL_CF;
        if ((a ^ b) & (a ^ res) & sign)
            f |= X86_FL_OF;
        f |= (a ^ b ^ res) & X86_FL_AF;
        break;
    case X86_OP_AND:
    case X86_OP_TEST:
        res = a & b;
        break;
    case X86_OP_OR:
        res = a | b;
        break;
    case X86_OP_XOR:
        res = a ^ b;
        break;
    default:
        return a;
    }
    f |= szp(res, mask, sign);
    *rflags = (*rflags & ~keep) | (f & keep);
    return res;
}
