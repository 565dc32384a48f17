/*
 * Local APIC (see lapic.h).  Register layouts and behaviour from the Intel
 * SDM Vol. 3A, "Advanced Programmable Interrupt Controller (APIC)".
 */
#include "devices/lapic.h"
#include "hv/lib/platform.h"

/* Writable bits of each LVT register. */
#define LVT_TIMER_BITS (0xffu | APIC_LVT_MASKED | APIC_LVT_TIMER_MODE_MASK)
#define LVT_LINT_BITS (0xffu | 0x700u | (1u << 13) | APIC_LVT_LEVEL | APIC_LVT_MASKED)
#define LVT_ERROR_BITS (0xffu | APIC_LVT_MASKED)
#define LVT_DM_BITS (0xffu | 0x700u | APIC_LVT_MASKED) /* thermal, perf */
#define ICR_LO_BITS 0x000cdfffu  /* vector, mode, dest mode, level, trigger, shorthand */
#define SVR_BITS 0x3ffu          /* vector, APIC enable, focus checking */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSCDEADLINE = 2 };

/* ------------------------------------------------------------- vector bits */
static void vec_set(uint32_t *r, unsigned v) { r[v >> 5] |= 1u << (v & 31); }
static void vec_clear(uint32_t *r, unsigned v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool vec_test(const uint32_t *r, unsigned v) { return r[v >> 5] >> (v & 31) & 1; }

static int vec_highest(const uint32_t *r)
{
    int i;

    for (i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

/* --------------------------------------------------------------- queries */
static bool hw_enabled(const Lapic *s) { return s->apic_base & APIC_BASE_EN; }
bool lapic_x2apic_mode(const Lapic *s)
{
    return hw_enabled(s) && (s->apic_base & APIC_BASE_EXTD);
}
bool lapic_enabled(const Lapic *s) { return hw_enabled(s) && (s->svr & APIC_SVR_ENABLE); }

static uint64_t now(const Lapic *s) { return vclock_now(s->clock); }
static void notify(Lapic *s)
{
    if (s->notify)
        s->notify(s->notify_ctx);
}

uint32_t lapic_ppr(const Lapic *s)
{
    int isrv = vec_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (s->tpr & 0xf0) >= isr_class ? (s->tpr & 0xff) : isr_class;
}

int lapic_has_interrupt(const Lapic *s)
{
    int v;

    if (!lapic_enabled(s))
        return -1;
    v = vec_highest(s->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(s) & 0xf0))
        return -1;
    return v;
}

int lapic_ack_interrupt(Lapic *s)
{
    int v = lapic_has_interrupt(s);

    if (v < 0)
        return -1;
    vec_clear(s->irr, (unsigned)v);
    vec_set(s->isr, (unsigned)v);
    return v;
}

bool lapic_accepts_pic_intr(const Lapic *s)
{
    return !hw_enabled(s) ||
           (!(s->lvt_lint0 & APIC_LVT_MASKED) &&
            ((s->lvt_lint0 >> 8) & 7) == APIC_DM_EXTINT);
}

/* ------------------------------------------------------- accepting vectors */
static bool accept(Lapic *s, uint8_t vector, bool level);

static void raise_error(Lapic *s, uint32_t bits)
{
    s->esr_pending |= bits;
    /* The error LVT never re-enters with an illegal vector of its own. */
    if (!(s->lvt_error & APIC_LVT_MASKED) && (s->lvt_error & 0xff) >= 16)
        accept(s, (uint8_t)s->lvt_error, false);
}

static bool accept(Lapic *s, uint8_t vector, bool level)
{
    if (!lapic_enabled(s))
        return false;
    if (vector < 16) {
        raise_error(s, APIC_ESR_RECV_ILLEGAL);
        return false;
    }
    vec_set(s->irr, vector);
    if (level)
        vec_set(s->tmr, vector);
    else
        vec_clear(s->tmr, vector);
    notify(s);
    return true;
}

bool lapic_set_irr(Lapic *s, uint8_t vector, bool level)
{
    return accept(s, vector, level);
}

static void eoi(Lapic *s)
{
    int v = vec_highest(s->isr);

    if (v < 0)
        return;
    vec_clear(s->isr, (unsigned)v);
    if (vec_test(s->tmr, (unsigned)v) && s->eoi_cb)
        s->eoi_cb(s->eoi_ctx, (uint8_t)v);
    if (lapic_has_interrupt(s) >= 0)
        notify(s);
}

static bool match_dest(const Lapic *s, uint32_t dest, bool logical)
{
    if (lapic_x2apic_mode(s)) {
        if (dest == 0xffffffffu)
            return true;
        if (!logical)
            return dest == s->id;
        return (dest >> 16) == (s->ldr >> 16) && (dest & s->ldr & 0xffff);
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == (s->id & 0xff);
    if ((s->dfr >> 28) == 0xf) /* flat model: one bit per CPU */
        return (dest & (s->ldr >> 24)) != 0;
    /* cluster model: cluster in 7:4, member bits in 3:0 */
    return (dest >> 4) == (s->ldr >> 28) && (dest & (s->ldr >> 24) & 0xf);
}

static bool deliver_local(Lapic *s, unsigned mode, uint8_t vector, bool level)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        return accept(s, vector, level);
    case APIC_DM_NMI:
        s->nmi_pending = true;
        notify(s);
        return true;
    case APIC_DM_INIT:
        s->init_pending = true;
        notify(s);
        return true;
    case APIC_DM_STARTUP:
        s->sipi_pending = true;
        s->sipi_vector = vector;
        notify(s);
        return true;
    default: /* SMI (no SMM here), ExtINT (the PIC path) */
        return true;
    }
}

bool lapic_deliver(Lapic *s, uint32_t dest, bool logical, unsigned mode,
                   uint8_t vector, bool level)
{
    if (!hw_enabled(s) || !match_dest(s, dest, logical))
        return false;
    return deliver_local(s, mode & 7, vector, level);
}

/* ------------------------------------------------------------------- IPIs */
static void send_ipi(Lapic *s)
{
    uint32_t lo = s->icr_lo;
    unsigned mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    uint8_t vector = (uint8_t)lo;
    bool logical = lo & (1u << 11), level = lo & (1u << 15);
    uint32_t dest = lapic_x2apic_mode(s) ? s->icr_hi : s->icr_hi >> 24;
    bool to_self;

    if (mode == APIC_DM_INIT && !(lo & (1u << 14)))
        return; /* INIT level de-assert: no effect */
    switch (shorthand) {
    case 1: to_self = true; break;                 /* self */
    case 2: to_self = true; s->ipis_other++; break; /* all including self */
    case 3: to_self = false; s->ipis_other++; break;/* all excluding self */
    default:
        to_self = match_dest(s, dest, logical);
        if (!to_self || dest == 0xff || dest == 0xffffffffu || logical)
            s->ipis_other++;
        break;
    }
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        raise_error(s, APIC_ESR_SEND_ILLEGAL);
        return;
    }
    if (to_self)
        deliver_local(s, mode, vector, level);
}

/* ------------------------------------------------------------------ timer */
static unsigned timer_mode(const Lapic *s)
{
    unsigned m = (s->lvt_timer >> 17) & 3;

    return m == 3 ? TIMER_ONESHOT : m;
}

static uint64_t divisor(const Lapic *s)
{
    unsigned v = ((s->tdcr >> 1) & 4) | (s->tdcr & 3);

    return v == 7 ? 1 : 2u << v;
}

/* Guest TSC ticks for `count` timer ticks (at least one). */
static uint64_t count_to_tsc(const Lapic *s, uint64_t count)
{
    uint64_t t = vclock_muldiv_up(count * divisor(s), s->clock->hz, s->bus_hz);

    return t ? t : 1;
}

/* Timer ticks elapsed since the count was loaded. */
static uint64_t ticks_since_start(const Lapic *s, uint64_t t)
{
    if (t <= s->timer_start)
        return 0;
    return vclock_muldiv(t - s->timer_start, s->bus_hz, s->clock->hz) / divisor(s);
}

uint32_t lapic_timer_current_count(const Lapic *s)
{
    uint64_t n;

    if (!s->timer_running || timer_mode(s) == TIMER_TSCDEADLINE || !s->tmict)
        return 0;
    n = ticks_since_start(s, now(s));
    if (timer_mode(s) == TIMER_PERIODIC)
        return s->tmict - (uint32_t)(n % s->tmict);
    return n >= s->tmict ? 0 : s->tmict - (uint32_t)n;
}

uint64_t lapic_next_deadline(const Lapic *s)
{
    if (!hw_enabled(s) || (s->lvt_timer & APIC_LVT_MASKED))
        return VCLOCK_NEVER;
    if (timer_mode(s) == TIMER_TSCDEADLINE)
        return s->tsc_deadline ? s->tsc_deadline : VCLOCK_NEVER;
    if (!s->timer_running)
        return VCLOCK_NEVER;
    return s->timer_start + count_to_tsc(s, s->tmict);
}

static void timer_fire(Lapic *s)
{
    s->timer_fires++;
    if (!(s->lvt_timer & APIC_LVT_MASKED))
        accept(s, (uint8_t)s->lvt_timer, false);
}

void lapic_advance(Lapic *s, uint64_t t)
{
    uint64_t period, exp;

    if (timer_mode(s) == TIMER_TSCDEADLINE) {
        if (s->tsc_deadline && t >= s->tsc_deadline) {
            s->tsc_deadline = 0;
            timer_fire(s);
        }
        return;
    }
    if (!s->timer_running)
        return;
    period = count_to_tsc(s, s->tmict);
    exp = s->timer_start + period;
    if (t < exp)
        return;
    if (timer_mode(s) == TIMER_PERIODIC)
        s->timer_start += (t - s->timer_start) / period * period; /* missed periods: one interrupt */
    else
        s->timer_running = false;
    timer_fire(s);
}

static void write_lvt_timer(Lapic *s, uint32_t v)
{
    unsigned old_mode = timer_mode(s), new_mode;

    lapic_advance(s, now(s)); /* what expired did so under the old setting */
    if (!(s->svr & APIC_SVR_ENABLE))
        v |= APIC_LVT_MASKED;
    s->lvt_timer = v & LVT_TIMER_BITS;
    new_mode = timer_mode(s);
    if ((old_mode == TIMER_TSCDEADLINE) != (new_mode == TIMER_TSCDEADLINE)) {
        s->timer_running = false; /* switching to/from TSC-deadline disarms */
        s->tmict = 0;
        s->tsc_deadline = 0;
    }
}

static void write_tmict(Lapic *s, uint32_t v)
{
    if (timer_mode(s) == TIMER_TSCDEADLINE)
        return;
    s->tmict = v;
    s->timer_start = now(s);
    s->timer_running = v != 0;
}

/* ------------------------------------------------------------- registers */
static void mask_all_lvts(Lapic *s)
{
    s->lvt_timer |= APIC_LVT_MASKED;
    s->lvt_thermal |= APIC_LVT_MASKED;
    s->lvt_perf |= APIC_LVT_MASKED;
    s->lvt_lint0 |= APIC_LVT_MASKED;
    s->lvt_lint1 |= APIC_LVT_MASKED;
    s->lvt_error |= APIC_LVT_MASKED;
}

static uint32_t x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* Register read by offset.  false: no such register (for this mode). */
static bool reg_read(Lapic *s, unsigned off, uint32_t *out)
{
    bool x2 = lapic_x2apic_mode(s);
    uint32_t v;

    switch (off) {
    case LAPIC_ID: v = x2 ? s->id : s->id << 24; break;
    case LAPIC_VER: v = LAPIC_VERSION; break;
    case LAPIC_TPR: v = s->tpr; break;
    case LAPIC_APR: if (x2) return false; v = 0; break;
    case LAPIC_PPR: v = lapic_ppr(s); break;
    case LAPIC_EOI: if (x2) return false; v = 0; break;
    case LAPIC_RRD: if (x2) return false; v = 0; break;
    case LAPIC_LDR: v = s->ldr; break;
    case LAPIC_DFR: if (x2) return false; v = s->dfr; break;
    case LAPIC_SVR: v = s->svr; break;
    case LAPIC_ESR: v = s->esr; break;
    case LAPIC_ICR: v = s->icr_lo; break;
    case LAPIC_ICR2: if (x2) return false; v = s->icr_hi; break;
    case LAPIC_LVT_TIMER: v = s->lvt_timer; break;
    case LAPIC_LVT_THERMAL: v = s->lvt_thermal; break;
    case LAPIC_LVT_PERF: v = s->lvt_perf; break;
    case LAPIC_LVT_LINT0: v = s->lvt_lint0; break;
    case LAPIC_LVT_LINT1: v = s->lvt_lint1; break;
    case LAPIC_LVT_ERROR: v = s->lvt_error; break;
    case LAPIC_TMICT: v = s->tmict; break;
    case LAPIC_TMCCT: v = lapic_timer_current_count(s); break;
    case LAPIC_TDCR: v = s->tdcr; break;
    default:
        if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
            v = s->isr[(off - LAPIC_ISR) >> 4];
        else if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
            v = s->tmr[(off - LAPIC_TMR) >> 4];
        else if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
            v = s->irr[(off - LAPIC_IRR) >> 4];
        else
            return false; /* includes SELF_IPI (write-only) and CMCI (absent) */
        break;
    }
    *out = v;
    return true;
}

/* Register write by offset.  false: #GP in x2APIC mode / illegal address
 * in xAPIC mode. */
static bool reg_write(Lapic *s, unsigned off, uint32_t v)
{
    bool x2 = lapic_x2apic_mode(s);

    switch (off) {
    case LAPIC_ID:
        if (x2)
            return false;
        s->id = v >> 24;
        return true;
    case LAPIC_TPR:
        s->tpr = v & 0xff;
        if (lapic_has_interrupt(s) >= 0)
            notify(s);
        return true;
    case LAPIC_EOI:
        if (x2 && v)
            return false;
        eoi(s);
        return true;
    case LAPIC_LDR:
        if (x2)
            return false;
        s->ldr = v & 0xff000000u;
        return true;
    case LAPIC_DFR:
        if (x2)
            return false;
        s->dfr = v | 0x0fffffffu;
        return true;
    case LAPIC_SVR:
        s->svr = v & SVR_BITS;
        if (!(s->svr & APIC_SVR_ENABLE))
            mask_all_lvts(s);
        else if (lapic_has_interrupt(s) >= 0)
            notify(s);
        return true;
    case LAPIC_ESR:
        if (x2 && v)
            return false;
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        return true;
    case LAPIC_ICR:
        s->icr_lo = v & ICR_LO_BITS;
        send_ipi(s);
        return true;
    case LAPIC_ICR2:
        if (x2)
            return false;
        s->icr_hi = v & 0xff000000u;
        return true;
    case LAPIC_LVT_TIMER:
        write_lvt_timer(s, v);
        return true;
    case LAPIC_LVT_THERMAL:
    case LAPIC_LVT_PERF:
    case LAPIC_LVT_LINT0:
    case LAPIC_LVT_LINT1:
    case LAPIC_LVT_ERROR: {
        uint32_t bits = off == LAPIC_LVT_ERROR ? LVT_ERROR_BITS
                      : (off == LAPIC_LVT_LINT0 || off == LAPIC_LVT_LINT1)
                            ? LVT_LINT_BITS : LVT_DM_BITS;
        uint32_t *r = off == LAPIC_LVT_THERMAL ? &s->lvt_thermal
                    : off == LAPIC_LVT_PERF ? &s->lvt_perf
                    : off == LAPIC_LVT_LINT0 ? &s->lvt_lint0
                    : off == LAPIC_LVT_LINT1 ? &s->lvt_lint1 : &s->lvt_error;

        if (!(s->svr & APIC_SVR_ENABLE))
            v |= APIC_LVT_MASKED;
        *r = (v & bits) | (*r & APIC_LVT_REMOTE_IRR & bits);
        return true;
    }
    case LAPIC_TMICT:
        write_tmict(s, v);
        return true;
    case LAPIC_TDCR:
        s->tdcr = v & 0xb;
        return true;
    case LAPIC_SELF_IPI:
        if (!x2)
            return false;
        if ((v & 0xff) < 16)
            raise_error(s, APIC_ESR_SEND_ILLEGAL);
        else
            accept(s, (uint8_t)v, false);
        return true;
    default:
        /* read-only registers: ignored in xAPIC mode, #GP in x2APIC mode */
        if (off == LAPIC_VER || off == LAPIC_PPR || off == LAPIC_TMCCT ||
            off == LAPIC_APR || off == LAPIC_RRD ||
            (off >= LAPIC_ISR && off < LAPIC_IRR + 0x80))
            return !x2;
        return false;
    }
}

/* ------------------------------------------------------------------ MMIO */
static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Lapic *s = opaque;
    uint32_t v = 0;

    (void)size;
    if (!hw_enabled(s) || lapic_x2apic_mode(s) || (addr & 0xf))
        return 0;
    if (!reg_read(s, (unsigned)addr, &v) && addr != LAPIC_LVT_CMCI)
        raise_error(s, APIC_ESR_ILLEGAL_REG);
    return v;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Lapic *s = opaque;

    (void)size;
    if (!hw_enabled(s) || lapic_x2apic_mode(s) || (addr & 0xf))
        return;
    if (!reg_write(s, (unsigned)addr, (uint32_t)data))
        raise_error(s, APIC_ESR_ILLEGAL_REG);
}

static const MemoryRegionOps lapic_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ------------------------------------------------------------------- MSRs */
void lapic_set_phys_bits(Lapic *s, unsigned bits)
{
    s->base_addr_mask = bits >= 52 ? APIC_BASE_ADDR_MASK
                                   : APIC_BASE_ADDR_MASK & ((1ull << bits) - 1);
}

/* The xAPIC page is decoded only while the APIC is globally enabled in
 * xAPIC mode, at the base IA32_APIC_BASE names (SDM Vol. 3A 10.4.3-5);
 * otherwise its addresses reach whatever lies under it.  A base the map
 * cannot take (it would overlap a region of the same priority) leaves the
 * page where it was, with a log line. */
static void update_mapping(Lapic *s)
{
    bool on = hw_enabled(s) && !(s->apic_base & APIC_BASE_EXTD);
    hwaddr base = s->apic_base & APIC_BASE_ADDR_MASK;

    memory_region_transaction_begin();
    if (on && memory_region_set_address(&s->mr, base) != MR_OK)
        plat_log(LOG_WARN, "lapic: cannot move the xAPIC page to %#llx: it stays at %#llx",
                 (unsigned long long)base, (unsigned long long)s->mr.addr);
    memory_region_set_enabled(&s->mr, on);
    memory_region_transaction_commit();
}

static int write_apic_base(Lapic *s, uint64_t v)
{
    uint64_t old = s->apic_base;
    bool was_en = old & APIC_BASE_EN, was_x2 = was_en && (old & APIC_BASE_EXTD);
    bool en = v & APIC_BASE_EN, x2 = v & APIC_BASE_EXTD;

    if (v & ~(s->base_addr_mask | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP))
        return LAPIC_GP;
    if (x2 && !en)
        return LAPIC_GP; /* invalid state */
    if (was_x2 && en && !x2)
        return LAPIC_GP; /* x2APIC -> xAPIC needs a disable first */
    if (!was_en && en && x2)
        return LAPIC_GP; /* disabled -> x2APIC needs xAPIC first */
    s->apic_base = (v & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    if (was_en && !en) {
        lapic_reset(s, false); /* disabling resets the APIC state */
        s->apic_base = (v & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    }
    if (x2 && !was_x2)
        s->ldr = x2apic_ldr(s->id);
    if (v != old)
        update_mapping(s);
    return LAPIC_MSR_OK;
}

int lapic_msr_read(Lapic *s, uint32_t msr, uint64_t *value)
{
    uint32_t v;

    if (msr == MSR_IA32_APIC_BASE) {
        *value = s->apic_base;
        return LAPIC_MSR_OK;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        *value = timer_mode(s) == TIMER_TSCDEADLINE ? s->tsc_deadline : 0;
        return LAPIC_MSR_OK;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
        return LAPIC_NOT_MINE;
    if (!lapic_x2apic_mode(s))
        return LAPIC_GP;
    if (msr == MSR_X2APIC_FIRST + (LAPIC_ICR >> 4)) {
        *value = (uint64_t)s->icr_hi << 32 | s->icr_lo;
        return LAPIC_MSR_OK;
    }
    if (!reg_read(s, (msr - MSR_X2APIC_FIRST) << 4, &v))
        return LAPIC_GP;
    *value = v;
    return LAPIC_MSR_OK;
}

int lapic_msr_write(Lapic *s, uint32_t msr, uint64_t value)
{
    unsigned off;

    if (msr == MSR_IA32_APIC_BASE)
        return write_apic_base(s, value);
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (timer_mode(s) == TIMER_TSCDEADLINE) {
            s->tsc_deadline = value;
            lapic_advance(s, now(s)); /* a past deadline fires at once */
        }
        return LAPIC_MSR_OK;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
        return LAPIC_NOT_MINE;
    if (!lapic_x2apic_mode(s))
        return LAPIC_GP;
    off = (msr - MSR_X2APIC_FIRST) << 4;
    if (off == LAPIC_ICR) {
        if (value & 0x00000000fff32000ull)
            return LAPIC_GP; /* reserved bits of the x2APIC ICR */
        s->icr_hi = (uint32_t)(value >> 32);
        s->icr_lo = (uint32_t)value & ICR_LO_BITS;
        send_ipi(s);
        return LAPIC_MSR_OK;
    }
    if (value >> 32)
        return LAPIC_GP;
    if (off == LAPIC_SELF_IPI && (value & ~0xffull))
        return LAPIC_GP;
    return reg_write(s, off, (uint32_t)value) ? LAPIC_MSR_OK : LAPIC_GP;
}

/* ------------------------------------------------------------------- pins */
void lapic_set_lint(void *opaque, int n, int level)
{
    Lapic *s = opaque;
    bool rising = level && !s->lint_level[n & 1];
    uint32_t lvt = (n & 1) ? s->lvt_lint1 : s->lvt_lint0;

    s->lint_level[n & 1] = level;
    if (!hw_enabled(s)) { /* APIC off: LINT0 is INTR, LINT1 is NMI */
        if ((n & 1) && rising) {
            s->nmi_pending = true;
            notify(s);
        }
        return;
    }
    if ((lvt & APIC_LVT_MASKED) || !rising)
        return;
    switch ((lvt >> 8) & 7) {
    case APIC_DM_FIXED:
        accept(s, (uint8_t)lvt, lvt & APIC_LVT_LEVEL);
        break;
    case APIC_DM_NMI:
        s->nmi_pending = true;
        notify(s);
        break;
    default: /* ExtINT: lapic_accepts_pic_intr() */
        break;
    }
}

/* ------------------------------------------------------------- life cycle */
void lapic_reset(Lapic *s, bool reset_base)
{
    bool bsp = s->apic_base & APIC_BASE_BSP;

    if (reset_base)
        s->apic_base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->lvt_timer = s->lvt_thermal = s->lvt_perf = s->lvt_error = APIC_LVT_MASKED;
    /* Firmware's virtual-wire setup on the BSP: 8259 through LINT0, NMI on LINT1. */
    s->lvt_lint0 = bsp ? (APIC_DM_EXTINT << 8) : APIC_LVT_MASKED;
    s->lvt_lint1 = bsp ? (APIC_DM_NMI << 8) : APIC_LVT_MASKED;
    s->tmict = s->tdcr = 0;
    s->timer_running = false;
    s->timer_start = 0;
    s->tsc_deadline = 0;
    s->nmi_pending = s->init_pending = s->sipi_pending = false;
    s->sipi_vector = 0;
}

int lapic_init(Lapic *s, const char *name, uint32_t apic_id, bool bsp,
               const VClock *clock, uint64_t bus_hz)
{
    if (!s || !clock || !clock->now || !clock->hz)
        return MR_EINVAL;
    memset(s, 0, sizeof(*s));
    s->clock = clock;
    s->bus_hz = bus_hz ? bus_hz : LAPIC_DEFAULT_BUS_HZ;
    s->id = apic_id;
    s->apic_base = bsp ? APIC_BASE_BSP : 0;
    s->base_addr_mask = APIC_BASE_ADDR_MASK;
    lapic_reset(s, true);
    return memory_region_init_io(&s->mr, &lapic_ops, s, name ? name : "lapic",
                                 LAPIC_MMIO_SIZE);
}

int lapic_destroy(Lapic *s)
{
    return memory_region_destroy(&s->mr);
}
