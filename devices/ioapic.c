/*
 * I/O APIC (see ioapic.h).  Register layout from the Intel 82093AA I/O APIC
 * data sheet; EOI register as in version 0x20 parts.
 */
#include "devices/ioapic.h"
#include "hv/lib/platform.h"

#define RTE_LO_BITS (0xffu | 0x700u | IOAPIC_RTE_DEST_LOGICAL | \
                     IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED)
#define RTE_HI_BITS 0xff000000u

static bool asserted(const Ioapic *s, unsigned pin)
{
    bool level = (s->pin_level >> pin) & 1;

    return (s->rte[pin] & IOAPIC_RTE_ACTIVE_LOW) ? !level : level;
}

static bool send(Ioapic *s, unsigned pin)
{
    uint64_t e = s->rte[pin];

    s->messages++;
    if (!s->deliver)
        return false;
    return s->deliver(s->deliver_ctx, (uint32_t)(e >> 56),
                      e & IOAPIC_RTE_DEST_LOGICAL, (e >> 8) & 7, (uint8_t)e,
                      e & IOAPIC_RTE_LEVEL);
}

/* A level-triggered pin: send while asserted, unmasked and not in service. */
static void service_level(Ioapic *s, unsigned pin)
{
    uint64_t e = s->rte[pin];

    if (!(e & IOAPIC_RTE_LEVEL) || (e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) ||
        !asserted(s, pin))
        return;
    if (send(s, pin))
        s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

void ioapic_set_irq(void *opaque, int n, int level)
{
    Ioapic *s = opaque;
    unsigned pin = (unsigned)n;
    bool was;

    if (pin >= IOAPIC_NUM_PINS)
        return;
    was = asserted(s, pin);
    if (level)
        s->pin_level |= 1u << pin;
    else
        s->pin_level &= ~(1u << pin);
    if (s->rte[pin] & IOAPIC_RTE_LEVEL)
        service_level(s, pin);
    else if (!was && asserted(s, pin) && !(s->rte[pin] & IOAPIC_RTE_MASKED))
        send(s, pin); /* edge: masked edges are lost */
}

void ioapic_eoi(Ioapic *s, uint8_t vector)
{
    unsigned pin;

    for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->rte[pin];

        if ((uint8_t)e != vector || !(e & IOAPIC_RTE_LEVEL) ||
            !(e & IOAPIC_RTE_REMOTE_IRR))
            continue;
        s->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
        service_level(s, pin); /* still asserted: again */
    }
}

static uint32_t reg_read(Ioapic *s, uint32_t idx)
{
    switch (idx) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return s->id;
    case IOAPIC_REG_VER:
        return ((IOAPIC_NUM_PINS - 1u) << 16) | IOAPIC_VERSION;
    default:
        if (idx >= IOAPIC_REG_REDTBL && idx < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
            uint64_t e = s->rte[(idx - IOAPIC_REG_REDTBL) / 2];

            return (idx & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0;
    }
}

static void reg_write(Ioapic *s, uint32_t idx, uint32_t v)
{
    unsigned pin;
    uint64_t e;

    if (idx == IOAPIC_REG_ID) {
        s->id = v & 0x0f000000u;
        return;
    }
    if (idx < IOAPIC_REG_REDTBL || idx >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS)
        return; /* version, arbitration: read-only */
    pin = (idx - IOAPIC_REG_REDTBL) / 2;
    e = s->rte[pin];
    if (idx & 1) {
        e = (e & 0xffffffffull) | (uint64_t)(v & RTE_HI_BITS) << 32;
    } else {
        e = (e & ~0xffffffffull) | (v & RTE_LO_BITS) | (e & IOAPIC_RTE_REMOTE_IRR);
        if (!(e & IOAPIC_RTE_LEVEL))
            e &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR; /* edge has no remote IRR */
    }
    s->rte[pin] = e;
    service_level(s, pin); /* e.g. unmasked while the line is asserted */
}

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Ioapic *s = opaque;

    (void)size;
    switch (addr) {
    case IOAPIC_REGSEL: return s->regsel;
    case IOAPIC_IOWIN: return reg_read(s, s->regsel);
    default: return 0;
    }
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Ioapic *s = opaque;

    (void)size;
    switch (addr) {
    case IOAPIC_REGSEL: s->regsel = (uint32_t)data & 0xff; break;
    case IOAPIC_IOWIN: reg_write(s, s->regsel, (uint32_t)data); break;
    case IOAPIC_EOIR: ioapic_eoi(s, (uint8_t)data); break;
    default: break;
    }
}

static const MemoryRegionOps ioapic_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

void ioapic_reset(Ioapic *s)
{
    unsigned i;

    s->regsel = 0;
    for (i = 0; i < IOAPIC_NUM_PINS; i++)
        s->rte[i] = IOAPIC_RTE_MASKED;
}

int ioapic_init(Ioapic *s, const char *name, uint8_t id)
{
    if (!s)
        return MR_EINVAL;
    memset(s, 0, sizeof(*s));
    s->id = (uint32_t)(id & 0xf) << 24;
    ioapic_reset(s);
    return memory_region_init_io(&s->mr, &ioapic_ops, s, name ? name : "ioapic",
                                 IOAPIC_MMIO_SIZE);
}

int ioapic_destroy(Ioapic *s)
{
    return memory_region_destroy(&s->mr);
}

static bool deliver_to_lapic(void *ctx, uint32_t dest, bool logical,
                             unsigned mode, uint8_t vector, bool level)
{
    /* One CPU: lowest priority goes to it when it is in the destination. */
    return lapic_deliver(ctx, dest, logical, mode, vector, level);
}

static void eoi_from_lapic(void *ctx, uint8_t vector)
{
    ioapic_eoi(ctx, vector);
}

void ioapic_connect_lapic(Ioapic *s, Lapic *lapic)
{
    s->deliver = deliver_to_lapic;
    s->deliver_ctx = lapic;
    lapic->eoi_cb = eoi_from_lapic;
    lapic->eoi_ctx = s;
}
