/*
 * Freestanding base: the few headers and libc-compatible declarations that
 * every host-buildable file (memory/, ept/, devices/, the decoder) may use.
 * In hv.efi these functions come from hv/lib/; on the host from libc.  The
 * prototypes match the C standard so both builds see the same declarations.
 */
#ifndef HV_BASE_H
#define HV_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

#endif
