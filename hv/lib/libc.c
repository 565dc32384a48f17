/*
 * The handful of libc string functions hv.efi needs.  GCC emits calls to
 * memcpy/memset/memmove/memcmp even in freestanding code (struct copies,
 * zero-initialisers), and hv/lib/base.h promises them to the core.  Built only
 * into hv.efi; the host uses its libc.  memset/memcpy are REP STOS/MOVS
 * (guest RAM is zeroed for every run); the rest are byte loops (hv.efi is
 * built -mgeneral-regs-only, and they are on no hot path).
 */
#include "hv/lib/base.h"

/* Stop GCC from turning these loops back into calls to themselves. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* REP MOVSB: forward copy (memcpy never overlaps). */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (d == s || n == 0)
        return dst;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

/* REP STOSQ for the bulk, REP STOSB for the tail: guest RAM (up to 3 GiB)
 * is zeroed for every run, and every REP iteration costs (Bochs counts
 * each one as an instruction), so 8 bytes per iteration. */
void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint64_t pattern = 0x0101010101010101ull * (uint8_t)c;
    size_t q = n / 8, r = n % 8;

    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(pattern) : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
