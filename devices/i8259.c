/* 8259A pair (see i8259.h), from the Intel 8259A data sheet. */
#include "devices/i8259.h"
#include "hv/lib/platform.h"

#define CASCADE_IR 2

static uint8_t level_mask(const PicChip *c)
{
    return (c->icw1 & 0x08) ? 0xff : c->elcr; /* ICW1.LTIM: all level */
}

/* The set bit of highest priority in mask, or -1. */
static int highest(const PicChip *c, uint8_t mask)
{
    int p;

    for (p = 0; p < 8; p++) {
        int ir = (c->prio_base + p) & 7;

        if (mask & (1u << ir))
            return ir;
    }
    return -1;
}

static int prio(const PicChip *c, int ir) { return (ir - c->prio_base) & 7; }

/* The IR this chip would signal, or -1. */
static int chip_pending(const PicChip *c, bool master)
{
    uint8_t in_service = c->isr;
    int ir = highest(c, c->irr & ~c->imr), cur;

    if (ir < 0)
        return -1;
    if (c->special_mask)
        in_service &= ~c->imr;
    if (master && c->sfnm)
        in_service &= ~(1u << CASCADE_IR); /* the slave sorts its own priorities */
    cur = highest(c, in_service);
    if (cur >= 0 && prio(c, ir) >= prio(c, cur))
        return -1;
    return ir;
}

static void update(I8259 *p)
{
    PicChip *m = &p->chip[0];
    bool level;

    /* The slave's INT is the master's IR2, followed as a level. */
    if (chip_pending(&p->chip[1], false) >= 0)
        m->irr |= 1u << CASCADE_IR;
    else
        m->irr &= ~(1u << CASCADE_IR);
    level = chip_pending(m, true) >= 0;
    if (level != p->intr_level) {
        p->intr_level = level;
        irq_set(&p->intr, level);
    }
}

void i8259_set_irq(void *opaque, int n, int level)
{
    I8259 *p = opaque;
    PicChip *c;
    uint8_t b;

    if (n < 0 || n > 15)
        return;
    c = &p->chip[n >> 3];
    b = (uint8_t)(1u << (n & 7));
    if (level_mask(c) & b) {
        if (level)
            c->irr |= b;
        else
            c->irr &= ~b;
    } else if (level && !(c->lines & b)) {
        c->irr |= b; /* edge latched until acknowledged */
    }
    if (level)
        c->lines |= b;
    else
        c->lines &= ~b;
    update(p);
}

bool i8259_intr(const I8259 *p) { return p->intr_level; }

/* Takes IR ir into service (INTA or poll). */
static void chip_ack(PicChip *c, int ir)
{
    uint8_t b = (uint8_t)(1u << ir);

    if (!(level_mask(c) & b))
        c->irr &= ~b;
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->prio_base = (uint8_t)((ir + 1) & 7);
    } else {
        c->isr |= b;
    }
}

uint8_t i8259_ack(I8259 *p)
{
    PicChip *m = &p->chip[0], *s = &p->chip[1];
    int ir = chip_pending(m, true), sir;
    uint8_t vector;

    if (ir < 0) {
        p->spurious++;
        return m->base | 7;
    }
    chip_ack(m, ir);
    if (ir == CASCADE_IR) {
        sir = chip_pending(s, false);
        if (sir < 0) {
            p->spurious++;
            vector = s->base | 7;
        } else {
            chip_ack(s, sir);
            vector = s->base | (uint8_t)sir;
        }
    } else {
        vector = m->base | (uint8_t)ir;
    }
    update(p);
    return vector;
}

static uint8_t poll_read(I8259 *p, PicChip *c, bool master)
{
    int ir = chip_pending(c, master);

    c->poll = false;
    if (ir < 0)
        return 0;
    chip_ack(c, ir);
    update(p);
    return 0x80 | (uint8_t)ir;
}

static void ocw2(PicChip *c, uint8_t v)
{
    int ir, level = v & 7;

    switch (v >> 5) {
    case 0: c->rotate_aeoi = false; break;
    case 4: c->rotate_aeoi = true; break;
    case 1: /* non-specific EOI */
    case 5: /* ... and rotate */
        ir = highest(c, c->isr);
        if (ir >= 0) {
            c->isr &= ~(1u << ir);
            if (v >> 5 == 5)
                c->prio_base = (uint8_t)((ir + 1) & 7);
        }
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7: /* specific EOI and rotate */
        c->isr &= ~(1u << level);
        c->prio_base = (uint8_t)((level + 1) & 7);
        break;
    case 6: /* set priority: `level` becomes the lowest */
        c->prio_base = (uint8_t)((level + 1) & 7);
        break;
    default: /* 2: no operation */
        break;
    }
}

static void chip_write(I8259 *p, PicChip *c, unsigned port, uint8_t v)
{
    if (port == 0) {
        if (v & 0x10) { /* ICW1 */
            c->icw1 = v;
            c->icw_step = 2;
            c->imr = c->isr = 0;
            c->irr = c->lines & level_mask(c); /* edge latches cleared */
            c->prio_base = 0;
            c->special_mask = c->read_isr = c->poll = false;
            c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
        } else if (v & 0x08) { /* OCW3 */
            if (v & 0x04)
                c->poll = true;
            if (v & 0x02)
                c->read_isr = v & 0x01;
            if (v & 0x40)
                c->special_mask = v & 0x20;
        } else {
            ocw2(c, v);
        }
    } else {
        switch (c->icw_step) {
        case 2:
            c->base = v & 0xf8;
            c->icw_step = (c->icw1 & 0x02) ? ((c->icw1 & 0x01) ? 4 : 0) : 3;
            break;
        case 3: /* cascade wiring is fixed: IR2 */
            c->icw_step = (c->icw1 & 0x01) ? 4 : 0;
            break;
        case 4:
            c->auto_eoi = v & 0x02;
            c->sfnm = v & 0x10;
            c->icw_step = 0;
            break;
        default: /* OCW1 */
            c->imr = v;
            break;
        }
    }
    update(p);
}

static uint8_t chip_read(I8259 *p, PicChip *c, bool master, unsigned port)
{
    if (port == 1)
        return c->imr;
    if (c->poll)
        return poll_read(p, c, master);
    return c->read_isr ? c->isr : c->irr;
}

static uint64_t master_read(void *opaque, hwaddr addr, unsigned size)
{
    I8259 *p = opaque;

    (void)size;
    return chip_read(p, &p->chip[0], true, (unsigned)addr);
}
static void master_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    I8259 *p = opaque;

    (void)size;
    chip_write(p, &p->chip[0], (unsigned)addr, (uint8_t)data);
}
static uint64_t slave_read(void *opaque, hwaddr addr, unsigned size)
{
    I8259 *p = opaque;

    (void)size;
    return chip_read(p, &p->chip[1], false, (unsigned)addr);
}
static void slave_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    I8259 *p = opaque;

    (void)size;
    chip_write(p, &p->chip[1], (unsigned)addr, (uint8_t)data);
}
static uint64_t elcr_read(void *opaque, hwaddr addr, unsigned size)
{
    I8259 *p = opaque;

    (void)size;
    return p->chip[addr & 1].elcr;
}
static void elcr_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    I8259 *p = opaque;
    PicChip *c = &p->chip[addr & 1];

    (void)size;
    c->elcr = (uint8_t)data & c->elcr_mask;
    /* lines that became level-sensitive show their level now */
    c->irr = (uint8_t)((c->irr & ~level_mask(c)) | (c->lines & level_mask(c)));
    update(p);
}

#define PIC_OPS(r, w) {                                                   \
        .read = r, .write = w, .endianness = DEVICE_LITTLE_ENDIAN,        \
        .valid = { .min_access_size = 1, .max_access_size = 4 },          \
        .impl = { .min_access_size = 1, .max_access_size = 1 },           \
    }
static const MemoryRegionOps master_ops = PIC_OPS(master_read, master_write);
static const MemoryRegionOps slave_ops = PIC_OPS(slave_read, slave_write);
static const MemoryRegionOps elcr_ops = PIC_OPS(elcr_read, elcr_write);

void i8259_reset(I8259 *p)
{
    int i;

    for (i = 0; i < 2; i++) {
        PicChip *c = &p->chip[i];

        memset(c, 0, sizeof(*c));
        c->elcr_mask = i ? 0xde : 0xf8; /* IRQ 0, 1, 2, 8, 13 are always edge */
    }
    update(p);
}

void i8259_set_intr(I8259 *p, IrqLine intr)
{
    p->intr = intr;
    irq_set(&p->intr, p->intr_level);
}

int i8259_init(I8259 *p, const char *name)
{
    int err;

    (void)name;
    if (!p)
        return MR_EINVAL;
    memset(p, 0, sizeof(*p));
    i8259_reset(p);
    err = memory_region_init_io(&p->master_mr, &master_ops, p, "pic-master", 2);
    if (err)
        return err;
    err = memory_region_init_io(&p->slave_mr, &slave_ops, p, "pic-slave", 2);
    if (err) {
        memory_region_destroy(&p->master_mr);
        return err;
    }
    err = memory_region_init_io(&p->elcr_mr, &elcr_ops, p, "pic-elcr", 2);
    if (err) {
        memory_region_destroy(&p->slave_mr);
        memory_region_destroy(&p->master_mr);
    }
    return err;
}

int i8259_destroy(I8259 *p)
{
    if (memory_region_is_mapped(&p->master_mr) || memory_region_is_mapped(&p->slave_mr) ||
        memory_region_is_mapped(&p->elcr_mr))
        return MR_EBUSY;
    memory_region_destroy(&p->elcr_mr);
    memory_region_destroy(&p->slave_mr);
    return memory_region_destroy(&p->master_mr);
}
