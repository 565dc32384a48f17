/*
 * ACPI table builder (see acpi.h).  Table layouts from the ACPI
 * specification (RSDP, SDT header, FADT revision 3, FACS, MADT entry types
 * 0, 1, 2 and 4, Generic Address Structure) and AML encoding of a Name with
 * a Package.
 */
#include "devices/acpi.h"
#include "devices/acpi_pm.h"
#include "devices/ioapic.h"

#define HDR_LEN 36
#define FADT_LEN 244
#define FACS_LEN 64

uint8_t acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    while (len--)
        s = (uint8_t)(s + *b++);
    return s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(p, sig, 4);
    put32(p + 4, len);
    p[8] = rev;
    memcpy(p + 10, ACPI_OEM_ID, 6);
    memcpy(p + 16, ACPI_OEM_TABLE_ID, 8);
    put32(p + 24, 1);          /* OEM revision */
    memcpy(p + 28, "HVAC", 4); /* creator ID */
    put32(p + 32, 1);          /* creator revision */
}

static void finish(uint8_t *p, uint32_t len)
{
    p[9] = 0;
    p[9] = (uint8_t)-acpi_sum(p, len);
}

/* Generic Address Structure in system I/O space. */
static void gas_io(uint8_t *p, uint8_t bits, uint8_t access, uint64_t addr)
{
    p[0] = 1; /* SystemIO */
    p[1] = bits;
    p[2] = 0;
    p[3] = access; /* 1 byte, 2 word, 3 dword */
    put64(p + 4, addr);
}

void acpi_config_default(AcpiConfig *c)
{
    memset(c, 0, sizeof(*c));
    c->nr_cpus = 1;
    c->lapic_addr = 0xfee00000u;
    c->ioapic_addr = (uint32_t)IOAPIC_DEFAULT_BASE;
    c->ioapic_id = 0;
    c->ioapic_gsi_base = 0;
    c->isos[0] = (AcpiIso){ 0, 2, 0 };
    c->isos[1] = (AcpiIso){ 9, 9, ACPI_ISO_POLARITY_HIGH | ACPI_ISO_TRIGGER_LEVEL };
    c->nr_isos = 2;
    c->sci_irq = 9;
    c->pm1a_evt_port = ACPI_PM_BASE + ACPI_PM1_EVT_OFF;
    c->pm1a_cnt_port = ACPI_PM_BASE + ACPI_PM1_CNT_OFF;
    c->pm_tmr_port = ACPI_PM_BASE + ACPI_PM_TMR_OFF;
    c->pm_tmr_32bit = true;
    c->reset_port = ACPI_RESET_PORT;
    c->reset_value = ACPI_RESET_VALUE;
    c->s5_typ = ACPI_PM_DEFAULT_S5_TYP;
    c->rtc_century = 0x32;
}

static uint32_t build_madt(const AcpiConfig *c, uint8_t *p)
{
    uint32_t off = HDR_LEN + 8;
    unsigned i;

    put32(p + HDR_LEN, c->lapic_addr);
    put32(p + HDR_LEN + 4, 1); /* PCAT_COMPAT: 8259s present */
    for (i = 0; i < c->nr_cpus; i++) {
        p[off] = 0;       /* processor local APIC */
        p[off + 1] = 8;
        p[off + 2] = (uint8_t)i; /* ACPI processor UID */
        p[off + 3] = (uint8_t)i; /* APIC ID */
        put32(p + off + 4, 1);   /* enabled */
        off += 8;
    }
    p[off] = 1;           /* I/O APIC */
    p[off + 1] = 12;
    p[off + 2] = c->ioapic_id;
    p[off + 3] = 0;
    put32(p + off + 4, c->ioapic_addr);
    put32(p + off + 8, c->ioapic_gsi_base);
    off += 12;
    for (i = 0; i < c->nr_isos; i++) {
        p[off] = 2;       /* interrupt source override */
        p[off + 1] = 10;
        p[off + 2] = 0;   /* ISA */
        p[off + 3] = c->isos[i].source;
        put32(p + off + 4, c->isos[i].gsi);
        put16(p + off + 8, c->isos[i].flags);
        off += 10;
    }
    p[off] = 4;           /* local APIC NMI */
    p[off + 1] = 6;
    p[off + 2] = 0xff;    /* all processors */
    put16(p + off + 3, 0);
    p[off + 5] = 1;       /* LINT1 */
    off += 6;
    return off;
}

static uint32_t madt_len(const AcpiConfig *c)
{
    return HDR_LEN + 8 + 8 * c->nr_cpus + 12 + 10 * c->nr_isos + 6;
}

/* DefinitionBlock body: Name (\_S5_, Package (4) { typ, typ, 0, 0 }) */
static uint32_t build_dsdt_aml(const AcpiConfig *c, uint8_t *p)
{
    static const uint8_t name[] = { 0x08, '\\', '_', 'S', '5', '_' };
    uint32_t n = 0;

    memcpy(p, name, sizeof(name));
    n += sizeof(name);
    p[n++] = 0x12;  /* PackageOp */
    p[n++] = 8;     /* PkgLength: itself + NumElements + 6 bytes of data */
    p[n++] = 4;     /* NumElements */
    p[n++] = 0x0a;  /* BytePrefix */
    p[n++] = c->s5_typ;
    p[n++] = 0x0a;
    p[n++] = c->s5_typ;
    p[n++] = 0x00;  /* ZeroOp */
    p[n++] = 0x00;
    return n;
}
#define DSDT_AML_LEN 15

static void build_fadt(const AcpiConfig *c, uint8_t *p, uint64_t facs, uint64_t dsdt)
{
    uint32_t flags = (1u << 0)    /* WBINVD */
                   | (1u << 2)    /* PROC_C1 */
                   | (1u << 4)    /* PWR_BUTTON: no fixed power button */
                   | (1u << 5)    /* SLP_BUTTON: no fixed sleep button */
                   | (1u << 6)    /* FIXED_RTC: no RTC_STS/RTC_EN in PM1 (acpi_pm.c) */
                   | (1u << 10);  /* RESET_REG_SUP */

    if (c->pm_tmr_32bit)
        flags |= 1u << 8;         /* TMR_VAL_EXT */
    put32(p + 36, (uint32_t)facs);
    put32(p + 40, (uint32_t)dsdt);
    p[45] = 0;                    /* preferred PM profile: unspecified */
    put16(p + 46, c->sci_irq);
    put32(p + 48, 0);             /* SMI_CMD: none, ACPI mode is always on */
    put32(p + 56, c->pm1a_evt_port);
    put32(p + 64, c->pm1a_cnt_port);
    put32(p + 76, c->pm_tmr_port);
    p[88] = 4;                    /* PM1_EVT_LEN */
    p[89] = 2;                    /* PM1_CNT_LEN */
    p[91] = 4;                    /* PM_TMR_LEN */
    put16(p + 96, 101);           /* P_LVL2_LAT > 100: C2 unsupported */
    put16(p + 98, 1001);          /* P_LVL3_LAT > 1000: C3 unsupported */
    p[108] = c->rtc_century;
    put16(p + 109, 1u << 0);      /* IAPC_BOOT_ARCH: LEGACY_DEVICES */
    put32(p + 112, flags);
    gas_io(p + 116, 8, 1, c->reset_port);
    p[128] = c->reset_value;
    put64(p + 132, facs);         /* X_FIRMWARE_CTRL */
    put64(p + 140, dsdt);         /* X_DSDT */
    gas_io(p + 148, 32, 0, c->pm1a_evt_port);
    gas_io(p + 172, 16, 0, c->pm1a_cnt_port);
    gas_io(p + 208, 32, 0, c->pm_tmr_port);
}

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

long acpi_build(const AcpiConfig *c, void *buf, size_t len, uint64_t gpa,
                AcpiLayout *out)
{
    uint8_t *b = buf;
    size_t rsdt, xsdt, fadt, facs, dsdt, madt, end;
    uint32_t mlen = 0, n;

    if (!c || !buf || !out || !c->nr_cpus || c->nr_cpus > 255 ||
        c->nr_isos > ACPI_MAX_ISOS || (gpa & 15))
        return -1;
    rsdt = align_up(36, 16);
    xsdt = align_up(rsdt + HDR_LEN + 2 * 4, 16);
    fadt = align_up(xsdt + HDR_LEN + 2 * 8, 16);
    facs = align_up(fadt + FADT_LEN, 64);
    dsdt = align_up(facs + FACS_LEN, 16);
    madt = align_up(dsdt + HDR_LEN + DSDT_AML_LEN, 16);
    mlen = madt_len(c);
    end = madt + mlen;
    if (end > len)
        return -2;
    if (gpa + end > 0x100000000ull)
        return -1;
    memset(b, 0, end);

    /* RSDP */
    memcpy(b, "RSD PTR ", 8);
    memcpy(b + 9, ACPI_OEM_ID, 6);
    b[15] = 2;
    put32(b + 16, (uint32_t)(gpa + rsdt));
    put32(b + 20, 36);
    put64(b + 24, gpa + xsdt);
    b[8] = (uint8_t)-acpi_sum(b, 20);
    b[32] = (uint8_t)-acpi_sum(b, 36);

    /* RSDT / XSDT */
    header(b + rsdt, "RSDT", HDR_LEN + 8, 1);
    put32(b + rsdt + HDR_LEN, (uint32_t)(gpa + fadt));
    put32(b + rsdt + HDR_LEN + 4, (uint32_t)(gpa + madt));
    finish(b + rsdt, HDR_LEN + 8);
    header(b + xsdt, "XSDT", HDR_LEN + 16, 1);
    put64(b + xsdt + HDR_LEN, gpa + fadt);
    put64(b + xsdt + HDR_LEN + 8, gpa + madt);
    finish(b + xsdt, HDR_LEN + 16);

    /* FADT */
    header(b + fadt, "FACP", FADT_LEN, 3);
    build_fadt(c, b + fadt, gpa + facs, gpa + dsdt);
    finish(b + fadt, FADT_LEN);

    /* FACS: no checksum */
    memcpy(b + facs, "FACS", 4);
    put32(b + facs + 4, FACS_LEN);
    b[facs + 32] = 2; /* version */

    /* DSDT */
    n = build_dsdt_aml(c, b + dsdt + HDR_LEN);
    header(b + dsdt, "DSDT", HDR_LEN + n, 2);
    finish(b + dsdt, HDR_LEN + n);

    /* MADT */
    header(b + madt, "APIC", mlen, 3);
    build_madt(c, b + madt);
    finish(b + madt, mlen);

    out->rsdp = gpa;
    out->rsdt = gpa + rsdt;
    out->xsdt = gpa + xsdt;
    out->fadt = gpa + fadt;
    out->facs = gpa + facs;
    out->dsdt = gpa + dsdt;
    out->madt = gpa + madt;
    out->size = end;
    return (long)end;
}
