/* Interrupt line helpers and guest-time arithmetic (see irq.h). */
#include "devices/irq.h"

void irq_split_handler(void *opaque, int n, int level)
{
    IrqSplit *s = opaque;

    (void)n;
    irq_set(&s->a, level);
    irq_set(&s->b, level);
}

/* 128-bit product divided by 64 bits: schoolbook long division (no
 * compiler-runtime helpers, so the file links into hv.efi). */
static uint64_t div128(unsigned __int128 p, uint64_t div, uint64_t *rem)
{
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p, q = 0, r;
    int i;

    if (hi >= div) { /* quotient does not fit in 64 bits */
        *rem = 0;
        return UINT64_MAX;
    }
    if (!hi) {
        *rem = lo % div;
        return lo / div;
    }
    r = hi;
    for (i = 63; i >= 0; i--) {
        bool carry = r >> 63;

        r = (r << 1) | ((lo >> i) & 1);
        if (carry || r >= div) {
            r -= div;
            q |= 1ull << i;
        }
    }
    *rem = r;
    return q;
}

uint64_t vclock_muldiv(uint64_t a, uint64_t mul, uint64_t div)
{
    uint64_t rem;

    return div128((unsigned __int128)a * mul, div, &rem);
}

uint64_t vclock_muldiv_up(uint64_t a, uint64_t mul, uint64_t div)
{
    uint64_t rem, q = div128((unsigned __int128)a * mul, div, &rem);

    return (rem && q != UINT64_MAX) ? q + 1 : q;
}
