/* ACPI PM1 registers, PM timer and reset control (see acpi_pm.h). */
#include "devices/acpi_pm.h"
#include "hv/lib/platform.h"

#define STS_BITS (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_WAK_STS)
#define EN_BITS (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS)
#define CNT_BITS (ACPI_PM1_SCI_EN | 0x2 | 0x4 | (7u << 10)) /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */

static unsigned top_bit(const AcpiPm *pm) { return pm->tmr_32bit ? 31 : 23; }

static uint64_t ticks_at(const AcpiPm *pm, uint64_t t)
{
    return vclock_muldiv(t, ACPI_PM_TIMER_HZ, pm->clock->hz);
}

uint32_t acpi_pm_timer(const AcpiPm *pm)
{
    uint64_t v = ticks_at(pm, vclock_now(pm->clock));

    return pm->tmr_32bit ? (uint32_t)v : (uint32_t)(v & 0xffffff);
}

static void update_sci(AcpiPm *pm)
{
    bool level = (pm->cnt & ACPI_PM1_SCI_EN) && (pm->sts & pm->en & EN_BITS);

    if (level != pm->sci_level) {
        pm->sci_level = level;
        irq_set(&pm->sci, level);
    }
}

/* TMR_STS when the timer's top bit has changed since last looked at. */
static void timer_catch_up(AcpiPm *pm, uint64_t t)
{
    uint64_t epoch = ticks_at(pm, t) >> top_bit(pm);

    if (epoch > pm->tmr_epoch) { /* time only moves forward */
        pm->tmr_epoch = epoch;
        pm->sts |= ACPI_PM1_TMR_STS;
    }
}

uint64_t acpi_pm_next_deadline(const AcpiPm *pm)
{
    uint64_t next_tick = (pm->tmr_epoch + 1) << top_bit(pm);

    if (!(pm->en & ACPI_PM1_TMR_STS))
        return VCLOCK_NEVER;
    return vclock_muldiv_up(next_tick, pm->clock->hz, ACPI_PM_TIMER_HZ);
}

void acpi_pm_advance(AcpiPm *pm, uint64_t t)
{
    timer_catch_up(pm, t);
    update_sci(pm);
}

void acpi_pm_power_button(AcpiPm *pm)
{
    pm->sts |= ACPI_PM1_PWRBTN_STS;
    update_sci(pm);
}

static uint64_t pm_read(void *opaque, hwaddr addr, unsigned size)
{
    AcpiPm *pm = opaque;
    uint8_t img[ACPI_PM_SIZE] = { 0 };
    uint32_t tmr;
    uint64_t v = 0;
    unsigned i;

    timer_catch_up(pm, vclock_now(pm->clock));
    update_sci(pm);
    tmr = acpi_pm_timer(pm);
    img[0] = (uint8_t)pm->sts;
    img[1] = (uint8_t)(pm->sts >> 8);
    img[2] = (uint8_t)pm->en;
    img[3] = (uint8_t)(pm->en >> 8);
    img[4] = (uint8_t)pm->cnt;
    img[5] = (uint8_t)(pm->cnt >> 8);
    for (i = 0; i < 4; i++)
        img[8 + i] = (uint8_t)(tmr >> (8 * i));
    for (i = 0; i < size && addr + i < ACPI_PM_SIZE; i++)
        v |= (uint64_t)img[addr + i] << (8 * i);
    return v;
}

static void pm_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    AcpiPm *pm = opaque;
    uint16_t mask[3] = { 0 }, val[3] = { 0 }; /* sts, en, cnt */
    unsigned i;
    uint16_t cnt;

    for (i = 0; i < size; i++) {
        unsigned off = (unsigned)addr + i, reg = off / 2;
        uint8_t byte = (uint8_t)(data >> (8 * i));

        if (off >= 6)
            continue; /* reserved bytes and the read-only timer */
        mask[reg] |= (uint16_t)(0xffu << (8 * (off & 1)));
        val[reg] |= (uint16_t)(byte << (8 * (off & 1)));
    }
    timer_catch_up(pm, vclock_now(pm->clock));
    pm->sts &= ~(val[0] & mask[0] & STS_BITS);
    pm->en = (uint16_t)((pm->en & ~mask[1]) | (val[1] & mask[1] & EN_BITS));
    if (mask[2]) {
        cnt = (uint16_t)((pm->cnt & ~mask[2]) | (val[2] & mask[2]));
        pm->cnt = cnt & CNT_BITS & ~0x4u; /* GBL_RLS is write-only */
        pm->cnt |= ACPI_PM1_SCI_EN;       /* no SMI_CMD: always in ACPI mode */
        if (cnt & ACPI_PM1_SLP_EN) {
            unsigned typ = (cnt >> 10) & 7;

            if (typ == pm->s5_typ) {
                pm->poweroffs++;
                plat_log(LOG_INFO, "acpi: power off (S5)");
                if (pm->poweroff)
                    pm->poweroff(pm->ctx);
            } else {
                pm->sts |= ACPI_PM1_WAK_STS; /* woken at once */
                if (pm->sleep)
                    pm->sleep(pm->ctx, typ);
            }
        }
    }
    update_sci(pm);
}

static uint64_t reset_read(void *opaque, hwaddr addr, unsigned size)
{
    AcpiPm *pm = opaque;

    (void)addr;
    (void)size;
    return pm->reset_reg;
}

static void reset_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    AcpiPm *pm = opaque;

    (void)addr;
    (void)size;
    pm->reset_reg = (uint8_t)data & 0x0a; /* bit 1 hard reset, bit 3 full reset */
    if (data & 0x04) {
        pm->resets++;
        plat_log(LOG_INFO, "acpi: reset (0x%x to port 0xcf9)", (unsigned)(data & 0xff));
        if (pm->reset)
            pm->reset(pm->ctx);
    }
}

static const MemoryRegionOps pm_ops = {
    .read = pm_read,
    .write = pm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static const MemoryRegionOps reset_ops = {
    .read = reset_read,
    .write = reset_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

int acpi_pm_init(AcpiPm *pm, const VClock *clock, uint8_t s5_typ, bool tmr_32bit)
{
    int err;

    if (!pm || !clock || !clock->now || !clock->hz || s5_typ > 7)
        return MR_EINVAL;
    memset(pm, 0, sizeof(*pm));
    pm->clock = clock;
    pm->s5_typ = s5_typ;
    pm->tmr_32bit = tmr_32bit;
    pm->cnt = ACPI_PM1_SCI_EN;
    pm->tmr_epoch = ticks_at(pm, vclock_now(clock)) >> top_bit(pm);
    err = memory_region_init_io(&pm->mr, &pm_ops, pm, "acpi-pm", ACPI_PM_SIZE);
    if (err)
        return err;
    err = memory_region_init_io(&pm->reset_mr, &reset_ops, pm, "acpi-reset", 1);
    if (err)
        memory_region_destroy(&pm->mr);
    return err;
}

int acpi_pm_destroy(AcpiPm *pm)
{
    if (memory_region_is_mapped(&pm->mr) || memory_region_is_mapped(&pm->reset_mr))
        return MR_EBUSY;
    memory_region_destroy(&pm->reset_mr);
    return memory_region_destroy(&pm->mr);
}

void acpi_pm_set_sci(AcpiPm *pm, IrqLine sci)
{
    pm->sci = sci;
    irq_set(&pm->sci, pm->sci_level);
}
