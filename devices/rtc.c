/* CMOS RTC (see rtc.h), after the MC146818 data sheet. */
#include "devices/rtc.h"
#include "hv/lib/platform.h"

enum { SEC = 0, SEC_A = 1, MIN = 2, MIN_A = 3, HOUR = 4, HOUR_A = 5, WDAY = 6,
       MDAY = 7, MONTH = 8, YEAR = 9, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
       REG_D = 0x0d, CENTURY = 0x32 };
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static uint8_t enc(const Rtc *r, unsigned v)
{
    return (r->cmos[REG_B] & B_DM) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}
static unsigned dec(const Rtc *r, uint8_t v)
{
    return (r->cmos[REG_B] & B_DM) ? v : (unsigned)((v >> 4) * 10 + (v & 0xf));
}

static uint64_t now(const Rtc *r) { return vclock_now(r->clock); }

int64_t rtc_time(const Rtc *r)
{
    uint64_t t = now(r), el = t > r->base_tsc ? t - r->base_tsc : 0;

    if (r->cmos[REG_B] & B_SET)
        return r->base_secs;
    return r->base_secs + (int64_t)((el + r->frac_tsc) / r->clock->hz);
}

static uint8_t enc_hour(const Rtc *r, unsigned h)
{
    unsigned h12;

    if (r->cmos[REG_B] & B_24H)
        return enc(r, h);
    h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const Rtc *r, uint8_t v)
{
    unsigned h;

    if (r->cmos[REG_B] & B_24H)
        return dec(r, v);
    h = dec(r, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* Writes the time `s` into the time/date registers. */
static void store_time(Rtc *r, int64_t s)
{
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400, y;
    unsigned secs = (unsigned)(s - days * 86400), m, d;

    civil_from_days(days, &y, &m, &d);
    r->cmos[SEC] = enc(r, secs % 60);
    r->cmos[MIN] = enc(r, secs / 60 % 60);
    r->cmos[HOUR] = enc_hour(r, secs / 3600);
    r->cmos[WDAY] = enc(r, (unsigned)(((days % 7) + 7 + 4) % 7) + 1); /* 1970-01-01: Thursday */
    r->cmos[MDAY] = enc(r, d);
    r->cmos[MONTH] = enc(r, m);
    r->cmos[YEAR] = enc(r, (unsigned)(y % 100));
    r->cmos[CENTURY] = enc(r, (unsigned)(y / 100));
}

/* The time the registers say. */
static int64_t load_time(const Rtc *r)
{
    int64_t y = (int64_t)dec(r, r->cmos[CENTURY]) * 100 + dec(r, r->cmos[YEAR]);
    unsigned m = dec(r, r->cmos[MONTH]), d = dec(r, r->cmos[MDAY]);

    if (m < 1 || m > 12)
        m = 1;
    if (d < 1 || d > 31)
        d = 1;
    return days_from_civil(y, m, d) * 86400 + dec_hour(r, r->cmos[HOUR]) * 3600 +
           dec(r, r->cmos[MIN]) * 60 + dec(r, r->cmos[SEC]);
}

static void rebase(Rtc *r, int64_t secs)
{
    r->base_secs = secs;
    r->base_tsc = now(r);
    r->frac_tsc = 0;
    r->last_sec = secs;
}

/* Periodic ticks as a count of 32768 Hz periods >> shift; 0: off. */
static unsigned periodic_shift(const Rtc *r)
{
    unsigned rs = r->cmos[REG_A] & 0xf;

    if (!rs || ((r->cmos[REG_A] >> 4) & 7) != 2)
        return 0;
    if (rs <= 2)
        rs += 7;
    return rs - 1; /* period = 2^(rs-1) / 32768 s */
}

static uint64_t ptick(const Rtc *r, uint64_t t, unsigned shift)
{
    return vclock_muldiv(t, 32768, r->clock->hz) >> shift;
}

static bool alarm_match(const Rtc *r)
{
    static const uint8_t pairs[3][2] = { { SEC, SEC_A }, { MIN, MIN_A }, { HOUR, HOUR_A } };
    unsigned i;

    for (i = 0; i < 3; i++) {
        uint8_t a = r->cmos[pairs[i][1]];

        if (a < 0xc0 && a != r->cmos[pairs[i][0]])
            return false;
    }
    return true;
}

static void update_irq(Rtc *r)
{
    uint8_t c = r->cmos[REG_C] & (C_PF | C_AF | C_UF), b = r->cmos[REG_B];
    bool level = ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
                 ((c & C_UF) && (b & B_UIE));

    r->cmos[REG_C] = (uint8_t)(c | (level ? C_IRQF : 0));
    if (level != r->irq_level) {
        r->irq_level = level;
        irq_set(&r->irq, level);
    }
}

/* Latches PF/UF/AF for what happened up to t. */
static void update_flags(Rtc *r, uint64_t t)
{
    unsigned sh = periodic_shift(r);
    int64_t s;

    if (sh) {
        uint64_t p = ptick(r, t, sh);

        if (p > r->last_ptick) {
            r->cmos[REG_C] |= C_PF;
            r->last_ptick = p;
        }
    }
    if (!(r->cmos[REG_B] & B_SET)) {
        s = rtc_time(r);
        if (s > r->last_sec) {
            r->last_sec = s;
            r->cmos[REG_C] |= C_UF;
            store_time(r, s);
            if (alarm_match(r))
                r->cmos[REG_C] |= C_AF;
        }
    }
    update_irq(r);
}

uint64_t rtc_next_deadline(const Rtc *r)
{
    uint64_t best = VCLOCK_NEVER, d;
    unsigned sh = periodic_shift(r);
    uint8_t b = r->cmos[REG_B], c = r->cmos[REG_C];

    if (sh && (b & B_PIE) && !(c & C_PF)) {
        d = vclock_muldiv_up((r->last_ptick + 1) << sh, r->clock->hz, 32768);
        best = MIN(best, d);
    }
    if (!(b & B_SET) && (((b & B_UIE) && !(c & C_UF)) || ((b & B_AIE) && !(c & C_AF)))) {
        uint64_t el = (uint64_t)(r->last_sec + 1 - r->base_secs) * r->clock->hz;

        d = r->base_tsc + (el > r->frac_tsc ? el - r->frac_tsc : 0);
        best = MIN(best, d);
    }
    return best;
}

void rtc_advance(Rtc *r, uint64_t t)
{
    update_flags(r, t);
}

static bool uip(const Rtc *r)
{
    uint64_t t = now(r), el = t > r->base_tsc ? t - r->base_tsc : 0;
    uint64_t into = (el + r->frac_tsc) % r->clock->hz;

    if ((r->cmos[REG_B] & B_SET) || ((r->cmos[REG_A] >> 4) & 7) != 2)
        return false;
    return r->clock->hz - into <= vclock_muldiv(244, r->clock->hz, 1000000);
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    Rtc *r = opaque;
    uint8_t i = r->index, v;

    (void)size;
    if (addr == 0)
        return 0xff; /* the index port is write-only */
    update_flags(r, now(r));
    switch (i) {
    case REG_A:
        return (r->cmos[REG_A] & 0x7f) | (uip(r) ? 0x80 : 0);
    case REG_C:
        v = r->cmos[REG_C];
        r->cmos[REG_C] = 0;
        update_irq(r);
        return v;
    case REG_D:
        return 0x80;
    default:
        return r->cmos[i];
    }
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Rtc *r = opaque;
    uint8_t v = (uint8_t)data, i = r->index;
    bool time_reg = i <= YEAR || i == CENTURY;

    (void)size;
    if (addr == 0) {
        r->index = v & 0x7f;
        r->nmi_masked = v & 0x80;
        return;
    }
    update_flags(r, now(r));
    switch (i) {
    case REG_A:
        r->cmos[REG_A] = v & 0x7f;
        r->last_ptick = periodic_shift(r) ? ptick(r, now(r), periodic_shift(r)) : 0;
        break;
    case REG_B: {
        bool was_set = r->cmos[REG_B] & B_SET;
        int64_t t = was_set ? load_time(r) : rtc_time(r); /* in the old format */

        r->cmos[REG_B] = (v & B_SET) ? (uint8_t)(v & ~B_UIE) : v;
        if (v & B_SET)
            r->base_secs = t;          /* frozen: the registers rule */
        else if (was_set)
            rebase(r, t);              /* runs again from what was written */
        store_time(r, t);              /* re-encoded in the new format */
        break;
    }
    case REG_C:
    case REG_D:
        break; /* read-only */
    default:
        if (time_reg && i != SEC_A && i != MIN_A && i != HOUR_A) {
            if (!(r->cmos[REG_B] & B_SET))
                store_time(r, rtc_time(r));
            r->cmos[i] = v;
            if (!(r->cmos[REG_B] & B_SET))
                rebase(r, load_time(r));
            else
                r->base_secs = load_time(r);
        } else {
            r->cmos[i] = v;
        }
        break;
    }
    update_irq(r);
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_read, .write = rtc_write, .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

int rtc_init(Rtc *r, const VClock *clock, int64_t unix_seconds)
{
    if (!r || !clock || !clock->now || !clock->hz)
        return MR_EINVAL;
    memset(r, 0, sizeof(*r));
    r->clock = clock;
    r->cmos[REG_A] = 0x26; /* 32.768 kHz divider, 1024 Hz rate */
    r->cmos[REG_B] = B_24H;
    r->cmos[REG_D] = 0x80;
    rebase(r, unix_seconds);
    store_time(r, unix_seconds);
    r->last_ptick = ptick(r, now(r), periodic_shift(r));
    return memory_region_init_io(&r->mr, &rtc_ops, r, "rtc", 2);
}

int rtc_destroy(Rtc *r) { return memory_region_destroy(&r->mr); }

void rtc_set_irq(Rtc *r, IrqLine irq)
{
    r->irq = irq;
    irq_set(&r->irq, r->irq_level);
}

bool rtc_nmi_masked(const Rtc *r) { return r->nmi_masked; }

void rtc_set_memory(Rtc *r, uint64_t below_4g, uint64_t above_4g)
{
    uint64_t ext = below_4g > (1u << 20) ? (below_4g - (1u << 20)) >> 10 : 0;
    uint64_t over16 = below_4g > (16u << 20) ? (below_4g - (16u << 20)) >> 16 : 0;
    uint64_t high = above_4g >> 16;

    ext = MIN(ext, 0xffffu);
    over16 = MIN(over16, 0xffffu);
    high = MIN(high, 0xffffffu);
    r->cmos[0x15] = 640 & 0xff;
    r->cmos[0x16] = 640 >> 8;
    r->cmos[0x17] = r->cmos[0x30] = (uint8_t)ext;
    r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(ext >> 8);
    r->cmos[0x34] = (uint8_t)over16;
    r->cmos[0x35] = (uint8_t)(over16 >> 8);
    r->cmos[0x5b] = (uint8_t)high;
    r->cmos[0x5c] = (uint8_t)(high >> 8);
    r->cmos[0x5d] = (uint8_t)(high >> 16);
}
