/*
 * A small printf: the same formatter for the serial console in hv.efi and
 * for log lines on the host, so both print identical text.
 * Supports %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#', a width
 * and precision (also '*'), and the length modifiers hh h l ll z j t.
 */
#ifndef HV_LIB_FMT_H
#define HV_LIB_FMT_H

#include "hv/lib/base.h"

/* Like vsnprintf: returns the length the full output would have. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
