/* 8254 PIT and port 0x61 (see i8254.h), from the Intel 8254 data sheet. */
#include "devices/i8254.h"
#include "hv/lib/platform.h"

static uint64_t tick_at(const I8254 *p, uint64_t t)
{
    return vclock_muldiv(t, I8254_HZ, p->clock->hz);
}
static uint64_t now_tick(const I8254 *p) { return tick_at(p, vclock_now(p->clock)); }

/* Ticks counted since the count was loaded (or the gate restarted it). */
static uint64_t elapsed(const PitChannel *c, uint64_t nt)
{
    if (!c->loaded)
        return 0;
    if (c->paused || ((c->mode == 1 || c->mode == 5) && !c->triggered))
        return c->paused_elapsed;
    return nt > c->start ? nt - c->start : 0;
}

static uint16_t count_at(const PitChannel *c, uint64_t nt)
{
    uint64_t d = elapsed(c, nt), n = c->count, h;

    if (!c->loaded)
        return (uint16_t)c->count;
    switch (c->mode) {
    case 2:
        return (uint16_t)(n - d % n);
    case 3:
        h = (n + 1) / 2;
        d %= n;
        return (uint16_t)(d < h ? n - 2 * d : n - 2 * (d - h));
    default: /* 0, 1, 4, 5: down through 0 and wrapping */
        return (uint16_t)(n - d);
    }
}

static bool out_at(const PitChannel *c, uint64_t nt)
{
    uint64_t d = elapsed(c, nt), n = c->count;

    switch (c->mode) {
    case 0:
        return c->loaded && d >= n;
    case 1:
        return !c->loaded || !c->triggered || d >= n;
    case 2:
        return !c->loaded || !c->gate || d % n != n - 1;
    case 3:
        return !c->loaded || !c->gate || d % n < (n + 1) / 2;
    default: /* 4, 5: a one-tick low pulse at terminal count */
        return !c->loaded || d != n;
    }
}

uint16_t i8254_count(const I8254 *p, unsigned ch) { return count_at(&p->ch[ch % 3], now_tick(p)); }
bool i8254_out(const I8254 *p, unsigned ch) { return out_at(&p->ch[ch % 3], now_tick(p)); }

/* Channel 0: the elapsed tick of the first IRQ edge after `d`, 0 for none. */
static uint64_t edge_after(const PitChannel *c, uint64_t d)
{
    uint64_t n = c->count;

    if (!c->loaded || c->paused || !c->gate)
        return 0;
    switch (c->mode) {
    case 2:
    case 3:
        return (d / n + 1) * n;
    case 0:
    case 4:
        return d < n ? n : 0;
    default: /* 1, 5: once after the trigger */
        return c->triggered && d < n ? n : 0;
    }
}

static void rearm(I8254 *p, uint64_t nt)
{
    PitChannel *c = &p->ch[0];

    c->next_edge = edge_after(c, elapsed(c, nt));
}

uint64_t i8254_next_deadline(const I8254 *p)
{
    const PitChannel *c = &p->ch[0];

    if (!c->next_edge)
        return VCLOCK_NEVER;
    return vclock_muldiv_up(c->start + c->next_edge, p->clock->hz, I8254_HZ);
}

void i8254_advance(I8254 *p, uint64_t t)
{
    PitChannel *c = &p->ch[0];
    uint64_t nt = tick_at(p, t);

    if (!c->next_edge || elapsed(c, nt) < c->next_edge)
        return;
    p->irq_pulses++;
    if (c->mode == 0)
        irq_raise(&p->irq0); /* stays high until reprogrammed */
    else
        irq_pulse(&p->irq0);
    rearm(p, nt);
}

static void load_count(I8254 *p, unsigned i, uint32_t v)
{
    PitChannel *c = &p->ch[i];
    uint64_t nt = now_tick(p);

    c->count = v ? v : 0x10000;
    c->loaded = true;
    c->null_count = false;
    c->start = nt;
    c->paused_elapsed = 0;
    c->triggered = false;
    c->paused = !c->gate && (c->mode == 0 || c->mode == 4 || c->mode == 2 || c->mode == 3);
    if (i == 0) {
        if (c->mode == 0)
            irq_lower(&p->irq0);
        rearm(p, nt);
    }
}

static void set_gate(I8254 *p, unsigned i, bool gate)
{
    PitChannel *c = &p->ch[i];
    uint64_t nt = now_tick(p);

    if (gate == c->gate)
        return;
    if (!gate) {
        c->paused_elapsed = elapsed(c, nt);
        c->paused = true;
    } else if (c->mode == 0 || c->mode == 4) {
        c->start = nt - c->paused_elapsed; /* resume */
        c->paused = false;
    } else { /* 1, 2, 3, 5: the rising edge (re)starts the count */
        c->start = nt;
        c->paused = false;
        c->paused_elapsed = 0;
        c->triggered = true;
    }
    c->gate = gate;
    if (i == 0)
        rearm(p, nt);
}

static void latch_count(I8254 *p, unsigned i)
{
    PitChannel *c = &p->ch[i];

    if (c->latched)
        return; /* the first latch holds until read */
    c->latch = count_at(c, now_tick(p));
    c->latched = true;
    c->latch_hi = c->rw == 2;
}

static void latch_status(I8254 *p, unsigned i)
{
    PitChannel *c = &p->ch[i];

    if (c->status_latched)
        return;
    c->status = (uint8_t)((out_at(c, now_tick(p)) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
                          (c->rw << 4) | (c->mode << 1) | c->bcd);
    c->status_latched = true;
}

static void control(I8254 *p, uint8_t v)
{
    unsigned sc = v >> 6, rw = (v >> 4) & 3, i;
    PitChannel *c;

    if (sc == 3) { /* read-back */
        for (i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            if (!(v & 0x20))
                latch_count(p, i);
            if (!(v & 0x10))
                latch_status(p, i);
        }
        return;
    }
    if (rw == 0) {
        latch_count(p, sc);
        return;
    }
    c = &p->ch[sc];
    c->rw = (uint8_t)rw;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* 6 and 7 are 2 and 3 */
    c->bcd = v & 1;
    c->loaded = false;
    c->null_count = true;
    c->write_hi = c->read_hi = false;
    c->latched = c->status_latched = false;
    c->paused = false;
    if (sc == 0) {
        irq_lower(&p->irq0);
        c->next_edge = 0;
    }
}

static void counter_write(I8254 *p, unsigned i, uint8_t v)
{
    PitChannel *c = &p->ch[i];

    switch (c->rw) {
    case 1: load_count(p, i, v); break;
    case 2: load_count(p, i, (uint32_t)v << 8); break;
    default:
        if (!c->write_hi) {
            c->write_lo = v;
            c->write_hi = true;
            if (i == 0 && c->mode == 0)
                irq_lower(&p->irq0); /* mode 0: writing the first byte stops */
        } else {
            c->write_hi = false;
            load_count(p, i, c->write_lo | (uint32_t)v << 8);
        }
        break;
    }
}

static uint8_t counter_read(I8254 *p, unsigned i)
{
    PitChannel *c = &p->ch[i];
    uint16_t v;
    uint8_t b;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latched) {
        b = c->latch_hi ? (uint8_t)(c->latch >> 8) : (uint8_t)c->latch;
        if (c->rw == 3 && !c->latch_hi)
            c->latch_hi = true;
        else
            c->latched = false;
        return b;
    }
    v = count_at(c, now_tick(p));
    switch (c->rw) {
    case 1: return (uint8_t)v;
    case 2: return (uint8_t)(v >> 8);
    default:
        b = c->read_hi ? (uint8_t)(v >> 8) : (uint8_t)v;
        c->read_hi = !c->read_hi;
        return b;
    }
}

static uint64_t pit_read(void *opaque, hwaddr addr, unsigned size)
{
    I8254 *p = opaque;

    (void)size;
    return addr < 3 ? counter_read(p, (unsigned)addr) : 0xff;
}

static void pit_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    I8254 *p = opaque;

    (void)size;
    if (addr == 3)
        control(p, (uint8_t)data);
    else
        counter_write(p, (unsigned)addr, (uint8_t)data);
}

static uint64_t p61_read(void *opaque, hwaddr addr, unsigned size)
{
    I8254 *p = opaque;
    uint64_t nt = now_tick(p);

    (void)addr;
    (void)size;
    return (p->ch[2].gate ? 0x01 : 0) | (p->speaker ? 0x02 : 0) |
           ((nt / 18) & 1 ? 0x10 : 0) | (out_at(&p->ch[2], nt) ? 0x20 : 0);
}

static void p61_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    I8254 *p = opaque;

    (void)addr;
    (void)size;
    p->speaker = data & 0x02;
    set_gate(p, 2, data & 0x01);
}

static const MemoryRegionOps pit_ops = {
    .read = pit_read, .write = pit_write, .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};
static const MemoryRegionOps p61_ops = {
    .read = p61_read, .write = p61_write, .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

int i8254_init(I8254 *p, const VClock *clock)
{
    unsigned i;
    int err;

    if (!p || !clock || !clock->now || !clock->hz)
        return MR_EINVAL;
    memset(p, 0, sizeof(*p));
    p->clock = clock;
    for (i = 0; i < 3; i++) {
        p->ch[i].gate = i != 2;
        p->ch[i].count = 0x10000;
        p->ch[i].rw = 3;
    }
    err = memory_region_init_io(&p->mr, &pit_ops, p, "pit", 4);
    if (err)
        return err;
    err = memory_region_init_io(&p->port61_mr, &p61_ops, p, "port61", 1);
    if (err)
        memory_region_destroy(&p->mr);
    return err;
}

int i8254_destroy(I8254 *p)
{
    if (memory_region_is_mapped(&p->mr) || memory_region_is_mapped(&p->port61_mr))
        return MR_EBUSY;
    memory_region_destroy(&p->port61_mr);
    return memory_region_destroy(&p->mr);
}

void i8254_set_irq(I8254 *p, IrqLine irq0)
{
    p->irq0 = irq0;
}
