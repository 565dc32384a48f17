/*
 * ACPI power-management registers of the `pc` machine (fixed hardware, as
 * the FADT built by devices/acpi.c describes them):
 *
 *   io ACPI_PM_BASE + 0  PM1a_STS (16 bits, write 1 to clear):
 *                        TMR_STS 0, GBL_STS 5, PWRBTN_STS 8, WAK_STS 15
 *                   + 2  PM1a_EN (16 bits): TMR_EN 0, GBL_EN 5, PWRBTN_EN 8
 *                   + 4  PM1a_CNT (16 bits): SCI_EN 0 (set: no SMI_CMD, ACPI
 *                        mode is always on), SLP_TYP 12:10, SLP_EN 13
 *                        (write-only).  SLP_EN with SLP_TYP = s5_typ calls
 *                        poweroff; another type calls sleep (if set)
 *                   + 8  PM_TMR: 3.579545 MHz, 24 or 32 bits, read-only
 *   io 0xcf9             reset control: a write with bit 2 set calls reset
 *                        (value 0x06, as the FADT's reset register says)
 *
 * The SCI (an IrqLine, level: ISA IRQ 9 on a PC) is high while
 * PM1a_STS & PM1a_EN has a bit set and SCI_EN is on.  TMR_STS sets each
 * time the timer's top bit changes; acpi_pm_next_deadline/advance
 * (devices/irq.h) deliver it while TMR_EN is set.
 */
#ifndef DEVICES_ACPI_PM_H
#define DEVICES_ACPI_PM_H

#include "devices/irq.h"
#include "memory/memory.h"

#define ACPI_PM_BASE 0x600
#define ACPI_PM_SIZE 12
#define ACPI_PM1_EVT_OFF 0
#define ACPI_PM1_CNT_OFF 4
#define ACPI_PM_TMR_OFF 8
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06
#define ACPI_PM_DEFAULT_S5_TYP 5
#define ACPI_PM_TIMER_HZ 3579545ull

#define ACPI_PM1_TMR_STS (1u << 0)
#define ACPI_PM1_GBL_STS (1u << 5)
#define ACPI_PM1_PWRBTN_STS (1u << 8)
#define ACPI_PM1_WAK_STS (1u << 15)
#define ACPI_PM1_SCI_EN (1u << 0)
#define ACPI_PM1_SLP_EN (1u << 13)

typedef struct AcpiPm {
    MemoryRegion mr;        /* ACPI_PM_SIZE ports at ACPI_PM_BASE */
    MemoryRegion reset_mr;  /* 1 port at ACPI_RESET_PORT */
    const VClock *clock;
    uint16_t sts, en, cnt;
    uint8_t s5_typ;
    bool tmr_32bit;
    uint8_t reset_reg;
    uint64_t tmr_epoch;     /* timer value >> (top bit) when last looked at */
    IrqLine sci;
    bool sci_level;

    void (*poweroff)(void *ctx);
    void (*reset)(void *ctx);
    void (*sleep)(void *ctx, unsigned slp_typ);
    void *ctx;
    unsigned poweroffs, resets; /* statistics */
} AcpiPm;

int acpi_pm_init(AcpiPm *pm, const VClock *clock, uint8_t s5_typ, bool tmr_32bit);
int acpi_pm_destroy(AcpiPm *pm);
void acpi_pm_set_sci(AcpiPm *pm, IrqLine sci);

uint32_t acpi_pm_timer(const AcpiPm *pm); /* the PM_TMR value now */
/* The power button: PWRBTN_STS (an SCI when PWRBTN_EN). */
void acpi_pm_power_button(AcpiPm *pm);

uint64_t acpi_pm_next_deadline(const AcpiPm *pm);
void acpi_pm_advance(AcpiPm *pm, uint64_t now);

#endif
