/*
 * A per-source rate limit for log lines a guest can cause: each source (a
 * call site, known by its format string's address) may print `burst` lines
 * per window -- hv.efi's window is one guest run -- and the rest are only
 * counted, then reported once per source when the window closes.  That
 * keeps a guest from flooding the serial console with emulation faults,
 * device warnings, refused MSRs and the like, while nothing goes unsaid.
 */
#ifndef HV_LIB_RATELIMIT_H
#define HV_LIB_RATELIMIT_H

#include "hv/lib/base.h"

#define RATELIMIT_SLOTS 64
#define RATELIMIT_BURST 10

struct ratelimit_slot {
    const char *key;    /* NULL: free */
    uint64_t seen;
};

struct ratelimit {
    struct ratelimit_slot slot[RATELIMIT_SLOTS];
    uint64_t overflow_seen;   /* sources beyond the table, counted together */
    uint32_t burst;
    bool active;
};

enum ratelimit_verdict {
    RATELIMIT_PRINT,        /* print the line */
    RATELIMIT_PRINT_LAST,   /* print it and say the source is now quiet */
    RATELIMIT_DROP,         /* count it only */
};

/* Opens a window: every count back to 0, limiting on (burst 0: default). */
void ratelimit_begin(struct ratelimit *r, uint32_t burst);
/* One line from source key.  Outside a window every line prints. */
enum ratelimit_verdict ratelimit_check(struct ratelimit *r, const char *key);
/* Closes the window: out() once per source that dropped lines, with how
 * many (key NULL: the sources that did not fit in the table). */
typedef void (*ratelimit_report_fn)(void *ctx, const char *key, uint64_t dropped);
void ratelimit_end(struct ratelimit *r, ratelimit_report_fn out, void *ctx);

#endif
