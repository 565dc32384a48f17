/*
 * Per-source log rate limit (ratelimit.h): a small open-addressing table
 * keyed by the source's format-string address.
 */
#include "hv/lib/ratelimit.h"

void ratelimit_begin(struct ratelimit *r, uint32_t burst)
{
    memset(r, 0, sizeof(*r));
    r->burst = burst ? burst : RATELIMIT_BURST;
    r->active = true;
}

static struct ratelimit_slot *find(struct ratelimit *r, const char *key)
{
    size_t h = ((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15ull >> 58; /* 6 bits */

    for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
        struct ratelimit_slot *s = &r->slot[(h + i) % RATELIMIT_SLOTS];

        if (!s->key)
            s->key = key;
        if (s->key == key)
            return s;
    }
    return NULL;
}

enum ratelimit_verdict ratelimit_check(struct ratelimit *r, const char *key)
{
    struct ratelimit_slot *s;
    uint64_t n;

    if (!r->active)
        return RATELIMIT_PRINT;
    s = find(r, key);
    n = s ? ++s->seen : ++r->overflow_seen;
    if (n < r->burst)
        return RATELIMIT_PRINT;
    return n == r->burst ? RATELIMIT_PRINT_LAST : RATELIMIT_DROP;
}

void ratelimit_end(struct ratelimit *r, ratelimit_report_fn out, void *ctx)
{
    if (!r->active)
        return;
    r->active = false;
    for (size_t i = 0; i < RATELIMIT_SLOTS; i++)
        if (r->slot[i].key && r->slot[i].seen > r->burst)
            out(ctx, r->slot[i].key, r->slot[i].seen - r->burst);
    if (r->overflow_seen > r->burst)
        out(ctx, NULL, r->overflow_seen - r->burst);
}
