/*
 * ACPI tables for the `pc` machine, built into a caller's buffer that the
 * guest will see at guest-physical address `gpa`:
 *
 *   RSDP (revision 2: RSDT and XSDT, checksum + extended checksum)
 *   RSDT, XSDT -> FADT ("FACP"), MADT ("APIC")
 *   FADT (revision 3, 244 bytes) -> FACS, DSDT; PM1a event/control and PM
 *        timer blocks (32-bit fields and X_ GAS), reset register, SCI IRQ
 *   FACS (64-byte aligned)
 *   DSDT: AML defining only \_S5_ = Package { typ, typ, 0, 0 }
 *   MADT: local APIC address, PCAT_COMPAT, one processor local APIC entry per
 *        CPU (APIC IDs 0..nr_cpus-1), the I/O APIC, the interrupt source
 *        overrides, a local APIC NMI entry (LINT1, all processors)
 *
 * The RSDP is at the start of the buffer.  Legacy guests (and
 * kvm-unit-tests) look for it on a 16-byte boundary in 0xE0000-0xFFFFF, so
 * a buffer placed there is found by the standard search.
 */
#ifndef DEVICES_ACPI_H
#define DEVICES_ACPI_H

#include "hv/lib/base.h"

#define ACPI_OEM_ID "HVPC  "      /* 6 bytes */
#define ACPI_OEM_TABLE_ID "HVPCMACH" /* 8 bytes */

/* MPS INTI flags of an interrupt source override. */
#define ACPI_ISO_POLARITY_HIGH 0x1
#define ACPI_ISO_POLARITY_LOW 0x3
#define ACPI_ISO_TRIGGER_EDGE 0x4
#define ACPI_ISO_TRIGGER_LEVEL 0xc

typedef struct AcpiIso {
    uint8_t source;  /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;  /* ACPI_ISO_*; 0 = conforms to the bus */
} AcpiIso;

#define ACPI_MAX_ISOS 16

typedef struct AcpiConfig {
    unsigned nr_cpus;            /* 1..255 */
    uint32_t lapic_addr;
    uint32_t ioapic_addr;
    uint8_t ioapic_id;
    uint32_t ioapic_gsi_base;
    AcpiIso isos[ACPI_MAX_ISOS];
    unsigned nr_isos;
    uint16_t sci_irq;
    uint16_t pm1a_evt_port;      /* 4 bytes: status, enable */
    uint16_t pm1a_cnt_port;      /* 2 bytes */
    uint16_t pm_tmr_port;        /* 4 bytes */
    bool pm_tmr_32bit;
    uint16_t reset_port;
    uint8_t reset_value;
    uint8_t s5_typ;              /* SLP_TYP for S5 (soft off) */
    uint8_t rtc_century;         /* CMOS index of the century, 0: none */
} AcpiConfig;

typedef struct AcpiLayout {
    uint64_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt; /* guest-physical */
    size_t size;                                        /* bytes used */
} AcpiLayout;

/* The PC defaults: one CPU, LAPIC 0xfee00000, I/O APIC 0xfec00000 ID 0 GSI
 * base 0, IRQ0 -> GSI2 and SCI IRQ 9 level/active-high overrides, PM ports
 * from devices/acpi_pm.h, reset 0x06 to port 0xcf9, S5 type 5, century 0x32. */
void acpi_config_default(AcpiConfig *c);

/* Builds the tables.  Returns the bytes used, MR-style -1 (bad config) or
 * -2 (buffer too small: nothing usable written).  gpa must be 16-byte
 * aligned and below 4 GiB - size (the 32-bit pointers must reach). */
long acpi_build(const AcpiConfig *c, void *buf, size_t len, uint64_t gpa,
                AcpiLayout *out);

/* The byte that makes the sum of len bytes zero, given the sum of the rest
 * (0 when the area already sums to 0 with its checksum in place). */
uint8_t acpi_sum(const void *p, size_t len);

#endif
