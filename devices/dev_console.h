/*
 * Where device output goes: whole lines handed to a sink callback.
 *
 * Devices never print characters one at a time; they assemble lines and
 * hand each finished line to a dev_line_fn (one call per line, no trailing
 * newline).  With no sink set, lines go to plat_log at LOG_INFO.  The
 * hypervisor passes its serial console writer; host tests pass a capture.
 */
#ifndef DEVICES_DEV_CONSOLE_H
#define DEVICES_DEV_CONSOLE_H

#include "hv/lib/base.h"

typedef void (*dev_line_fn)(void *ctx, const char *line);

/* Longest line body before a forced break (the prefix comes on top). */
#define DEVLINE_MAX 200
#define DEVLINE_PREFIX_MAX 16

/*
 * A line assembler: bytes in, prefixed lines out.  '\n' ends a line, '\r'
 * is dropped, other control bytes and bytes >= 0x7f are shown as \xNN so a
 * guest cannot corrupt the log's line structure; a line longer than
 * DEVLINE_MAX is broken there (the rest continues on the next line).
 */
typedef struct DevLineBuf {
    dev_line_fn out;
    void *ctx;
    char prefix[DEVLINE_PREFIX_MAX + 1];
    size_t plen;     /* strlen(prefix) */
    char buf[DEVLINE_PREFIX_MAX + DEVLINE_MAX + 1];
    size_t len;      /* body bytes in buf after the prefix */
    uint64_t lines;  /* lines emitted */
    uint64_t bytes;  /* bytes received */
} DevLineBuf;

/* prefix: e.g. "guest: " (truncated to DEVLINE_PREFIX_MAX); out may be NULL. */
void devline_init(DevLineBuf *lb, const char *prefix, dev_line_fn out, void *ctx);
void devline_putc(DevLineBuf *lb, uint8_t c);
/* Emits a pending partial line, if any (end of run). */
void devline_flush(DevLineBuf *lb);

/* One line to out, or to plat_log when out is NULL. */
void dev_emit_line(dev_line_fn out, void *ctx, const char *line);

/* The format of every console line a device prints (a guest's own
 * output): the log's rate limit knows it by this address and lets it by. */
extern const char dev_console_line_fmt[];

#endif
