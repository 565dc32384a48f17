/*
 * Serial log helpers beyond plat_log (hv/lib/platform.h).  Every line hv.efi
 * prints starts with "hv: " and a level letter (E, W, I, D) so scripts can
 * pick its lines out of whatever else the firmware prints on COM1; see
 * docs/serial-log.md for the stable prefixes.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include "hv/lib/platform.h"

/* Lines above this level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
/* Whether LOG_DEBUG lines print: the per-exit debug lines test it first,
 * so an exit pays nothing for them when they are off. */
extern bool log_debug_on;
void log_vline(enum log_level level, const char *fmt, va_list ap);

/* The window of the log's rate limit: opened when a guest starts running,
 * closed (with a line per source that was cut short) when it stops. */
void log_guest_window_open(void);
void log_guest_window_close(void);

/* memory_print_fn-compatible sink: ctx is a const char * tag, printed as
 * "hv: I <tag>: <line>" with the line's own indentation kept. */
void log_print_line(void *ctx, const char *line);

/* Rendered once at shutdown: what the verdict reporter adds on panic. */
typedef void (*log_panic_hook)(void);
void log_set_panic_hook(log_panic_hook hook);

#endif
