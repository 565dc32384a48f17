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

/* Shifts and rotates (SDM SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD):
 * the result and the flags, with count already read from imm8/CL/1.  The
 * count is masked to 5 bits (6 for 64-bit operands); a masked count of 0
 * changes nothing, flags included.  Where the SDM leaves a flag undefined
 * (OF for counts above 1, AF for the shifts) the old value is kept. */
uint64_t emu_shift(unsigned op, unsigned size, uint64_t a, uint64_t src, unsigned count,
                   uint64_t *rflags)
{
    unsigned bits = 8 * size;
    uint64_t mask = size >= 8 ? ~0ull : (1ull << bits) - 1, sign = 1ull << (bits - 1);
    uint64_t f = *rflags, r = a & mask, cf = 0;
    unsigned n = count & (size == 8 ? 63 : 31);

    a &= mask;
    src &= mask;
    if (!n)
        return a;
    switch (op) {
    case X86_OP_ROL:
        n %= bits;
        r = n ? ((a << n) | (a >> (bits - n))) & mask : a;
        cf = r & 1;
        break;
    case X86_OP_ROR:
        n %= bits;
        r = n ? ((a >> n) | (a << (bits - n))) & mask : a;
        cf = (r & sign) != 0;
        break;
    case X86_OP_RCL:
    case X86_OP_RCR: {
        /* rotate the bits+1 wide value CF:a, one step at a time */
        unsigned steps = n % (bits + 1);

        cf = (f & X86_FL_CF) != 0;
        r = a;
        for (unsigned i = 0; i < steps; i++) {
            uint64_t out;

            if (op == X86_OP_RCL) {
                out = (r & sign) != 0;
                r = ((r << 1) | cf) & mask;
            } else {
                out = r & 1;
                r = (r >> 1) | (cf ? sign : 0);
            }
            cf = out;
        }
        break;
    }
    case X86_OP_SHL:
        cf = n <= bits ? (a >> (bits - n)) & 1 : 0;
        r = n < bits ? (a << n) & mask : 0;
        break;
    case X86_OP_SHR:
        cf = n <= bits ? (a >> (n - 1)) & 1 : 0;
        r = n < bits ? a >> n : 0;
        break;
    case X86_OP_SAR: {
        int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);

        cf = (uint64_t)(s >> (n - 1 < bits ? n - 1 : bits - 1)) & 1;
        r = (uint64_t)(s >> (n < bits ? n : bits - 1)) & mask;
        break;
    }
    case X86_OP_SHLD:
        if (n > bits)
            return a; /* undefined (16-bit operands only): unchanged */
        cf = (a >> (bits - n)) & 1;
        r = n == bits ? src : ((a << n) | (src >> (bits - n))) & mask;
        break;
    case X86_OP_SHRD:
        if (n > bits)
            return a;
        cf = (a >> (n - 1)) & 1;
        r = n == bits ? src : ((a >> n) | (src << (bits - n))) & mask;
        break;
    default:
        return a;
    }
    f &= ~(uint64_t)X86_FL_CF;
    f |= cf ? X86_FL_CF : 0;
    if (op != X86_OP_ROL && op != X86_OP_ROR && op != X86_OP_RCL && op != X86_OP_RCR)
        f = (f & ~(uint64_t)(X86_FL_ZF | X86_FL_SF | X86_FL_PF)) | szp(r, mask, sign);
    if (n == 1) {
        bool of;

        switch (op) {
        case X86_OP_SHL: case X86_OP_ROL: case X86_OP_RCL: case X86_OP_SHLD:
            of = ((r & sign) != 0) != (cf != 0);
            break;
        case X86_OP_SHR: case X86_OP_SHRD:
            of = ((a ^ r) & sign) != 0; /* the sign changed */
            break;
        case X86_OP_SAR:
            of = false;
            break;
        default: /* ROR, RCR: the two top bits of the result differ */
            of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
            break;
        }
        f = (f & ~(uint64_t)X86_FL_OF) | (of ? X86_FL_OF : 0);
    }
    *rflags = f;
    return r;
}
