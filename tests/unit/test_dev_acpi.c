/*
 * ACPI table tests: build at a guest-physical address, then parse the
 * result back the way a guest does (RSDP search, checksums, RSDT/XSDT
 * entries, FADT fields and pointers, FACS, the DSDT's \_S5_ AML, MADT
 * entries), plus refusal of bad configs and small buffers.
 */
#include "devices/acpi.h"
#include "devices/acpi_pm.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define GPA 0xf0000ull
static uint8_t buf[4096];

static uint32_t le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static const uint8_t *at(uint64_t gpa)
{
    CHECK(gpa >= GPA && gpa < GPA + sizeof(buf));
    return buf + (gpa - GPA);
}

/* A table at gpa: signature, length inside the buffer, checksum 0. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
    const uint8_t *t = at(gpa);

    CHECK(memcmp(t, sig, 4) == 0);
    CHECK(le32(t + 4) >= 36 && gpa - GPA + le32(t + 4) <= sizeof(buf));
    CHECK_EQ(acpi_sum(t, le32(t + 4)), 0);
    CHECK(memcmp(t + 10, ACPI_OEM_ID, 6) == 0);
    return t;
}

/* The guest's search: 16-byte steps for "RSD PTR " with a valid checksum. */
static const uint8_t *find_rsdp(void)
{
    size_t off;

    for (off = 0; off + 36 <= sizeof(buf); off += 16)
        if (!memcmp(buf + off, "RSD PTR ", 8) && acpi_sum(buf + off, 20) == 0)
            return buf + off;
    return NULL;
}

static void test_build_and_parse(void)
{
    AcpiConfig c;
    AcpiLayout l;
    const uint8_t *rsdp, *rsdt, *xsdt, *fadt, *facs, *dsdt, *madt, *e;
    long n;
    unsigned cpus = 0, ioapics = 0, isos = 0, nmis = 0;
    bool iso0 = false, iso9 = false;
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                  0x0a, 5, 0x0a, 5, 0x00, 0x00 };

    acpi_config_default(&c);
    c.nr_cpus = 2;
    memset(buf, 0xcc, sizeof(buf));
    n = acpi_build(&c, buf, sizeof(buf), GPA, &l);
    CHECK(n > 0 && (size_t)n == l.size);
    rsdp = find_rsdp();
    CHECK(rsdp == buf);
    if (!rsdp)
        return;
    CHECK_EQ(rsdp[15], 2);                  /* revision: ACPI 2.0+ */
    CHECK_EQ(le32(rsdp + 20), 36);
    CHECK_EQ(acpi_sum(rsdp, 36), 0);        /* extended checksum */
    CHECK_EQ(le32(rsdp + 16), l.rsdt);
    CHECK_EQ(le64(rsdp + 24), l.xsdt);

    rsdt = table(l.rsdt, "RSDT");
    xsdt = table(l.xsdt, "XSDT");
    CHECK_EQ(le32(rsdt + 4), 36 + 8);
    CHECK_EQ(le32(xsdt + 4), 36 + 16);
    CHECK_EQ(le32(rsdt + 36), l.fadt);
    CHECK_EQ(le32(rsdt + 40), l.madt);
    CHECK_EQ(le64(xsdt + 36), l.fadt);
    CHECK_EQ(le64(xsdt + 44), l.madt);

    fadt = table(l.fadt, "FACP");
    CHECK_EQ(le32(fadt + 4), 244);
    CHECK_EQ(fadt[8], 3);
    CHECK_EQ(le32(fadt + 36), l.facs);
    CHECK_EQ(le32(fadt + 40), l.dsdt);
    CHECK_EQ(le64(fadt + 132), l.facs);
    CHECK_EQ(le64(fadt + 140), l.dsdt);
    CHECK_EQ(le16(fadt + 46), 9);           /* SCI */
    CHECK_EQ(le32(fadt + 48), 0);           /* no SMI_CMD */
    CHECK_EQ(le32(fadt + 56), 0x600);
    CHECK_EQ(le32(fadt + 64), 0x604);
    CHECK_EQ(le32(fadt + 76), 0x608);
    CHECK_EQ(fadt[88], 4);
    CHECK_EQ(fadt[89], 2);
    CHECK_EQ(fadt[91], 4);
    CHECK(le32(fadt + 112) & (1u << 8));    /* 32-bit timer */
    CHECK(le32(fadt + 112) & (1u << 10));   /* reset register supported */
    CHECK(le32(fadt + 112) & (1u << 6));    /* FIXED_RTC: PM1 has no RTC_STS/RTC_EN */
    CHECK_EQ(fadt[116], 1);                 /* reset: SystemIO */
    CHECK_EQ(fadt[117], 8);
    CHECK_EQ(le64(fadt + 120), 0xcf9);
    CHECK_EQ(fadt[128], 0x06);
    CHECK_EQ(fadt[148], 1);                 /* X_PM1a_EVT_BLK */
    CHECK_EQ(fadt[149], 32);
    CHECK_EQ(le64(fadt + 152), 0x600);
    CHECK_EQ(fadt[173], 16);                /* X_PM1a_CNT_BLK */
    CHECK_EQ(le64(fadt + 176), 0x604);
    CHECK_EQ(le64(fadt + 212), 0x608);      /* X_PM_TMR_BLK */
    CHECK_EQ(fadt[108], 0x32);              /* century */

    facs = at(l.facs);
    CHECK(memcmp(facs, "FACS", 4) == 0);
    CHECK_EQ(le32(facs + 4), 64);
    CHECK_EQ(l.facs % 64, 0);

    dsdt = table(l.dsdt, "DSDT");
    CHECK_EQ(le32(dsdt + 4), 36 + sizeof(s5));
    CHECK(memcmp(dsdt + 36, s5, sizeof(s5)) == 0);

    madt = table(l.madt, "APIC");
    CHECK_EQ(le32(madt + 36), 0xfee00000);
    CHECK_EQ(le32(madt + 40), 1);           /* PCAT_COMPAT */
    for (e = madt + 44; e < madt + le32(madt + 4); e += e[1]) {
        CHECK(e[1] >= 2);
        if (e[1] < 2)
            break;
        switch (e[0]) {
        case 0:
            CHECK_EQ(e[1], 8);
            CHECK_EQ(e[3], cpus);           /* APIC IDs 0, 1 */
            CHECK_EQ(le32(e + 4), 1);
            cpus++;
            break;
        case 1:
            CHECK_EQ(e[1], 12);
            CHECK_EQ(e[2], 0);
            CHECK_EQ(le32(e + 4), 0xfec00000);
            CHECK_EQ(le32(e + 8), 0);
            ioapics++;
            break;
        case 2:
            CHECK_EQ(e[1], 10);
            if (e[3] == 0 && le32(e + 4) == 2 && le16(e + 8) == 0)
                iso0 = true;
            if (e[3] == 9 && le32(e + 4) == 9 && le16(e + 8) == 0xd)
                iso9 = true;
            isos++;
            break;
        case 4:
            CHECK_EQ(e[1], 6);
            CHECK_EQ(e[2], 0xff);
            CHECK_EQ(e[5], 1);
            nmis++;
            break;
        default:
            CHECK(0);
        }
    }
    CHECK(e == madt + le32(madt + 4));      /* entries fill the table exactly */
    CHECK_EQ(cpus, 2);
    CHECK_EQ(ioapics, 1);
    CHECK_EQ(isos, 2);
    CHECK_EQ(nmis, 1);
    CHECK(iso0);
    CHECK(iso9);
    /* tables do not overlap and stay inside the reported size */
    CHECK(l.rsdt >= GPA + 36 && l.xsdt >= l.rsdt + 44 && l.fadt >= l.xsdt + 52);
    CHECK(l.facs >= l.fadt + 244 && l.dsdt >= l.facs + 64 && l.madt >= l.dsdt + 51);
    CHECK_EQ(l.madt + le32(madt + 4), GPA + l.size);
    CHECK_EQ(buf[l.size], 0xcc);            /* nothing written past the end */
}

static void test_checksum_catches_damage(void)
{
    AcpiConfig c;
    AcpiLayout l;

    acpi_config_default(&c);
    CHECK(acpi_build(&c, buf, sizeof(buf), GPA, &l) > 0);
    buf[l.madt - GPA + 40] ^= 1;
    CHECK(acpi_sum(at(l.madt), le32(at(l.madt) + 4)) != 0);
    buf[30] ^= 0x80;                        /* XSDT address in the RSDP */
    CHECK(acpi_sum(buf, 36) != 0);
    CHECK_EQ(acpi_sum(buf, 20), 0);         /* the 1.0 part is unaffected */
}

static void test_options_and_refusals(void)
{
    AcpiConfig c;
    AcpiLayout l;
    long n;

    acpi_config_default(&c);
    c.pm_tmr_32bit = false;
    c.s5_typ = 7;
    c.nr_isos = 0;
    c.ioapic_id = 4;
    n = acpi_build(&c, buf, sizeof(buf), GPA, &l);
    CHECK(n > 0);
    CHECK_EQ(le32(at(l.fadt) + 112) & (1u << 8), 0);
    CHECK_EQ(at(l.dsdt)[36 + 10], 7);
    CHECK_EQ(le32(at(l.madt) + 4), 36 + 8 + 8 + 12 + 6);
    CHECK_EQ(at(l.madt)[44 + 8 + 2], 4);
    CHECK_EQ(acpi_build(&c, buf, (size_t)n - 1, GPA, &l), -2);
    CHECK_EQ(acpi_build(&c, buf, sizeof(buf), GPA + 8, &l), -1);   /* misaligned */
    CHECK_EQ(acpi_build(&c, buf, sizeof(buf), 0xffffff00ull, &l), -1); /* beyond 4 GiB */
    c.nr_cpus = 0;
    CHECK_EQ(acpi_build(&c, buf, sizeof(buf), GPA, &l), -1);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_build_and_parse);
    RUN(test_checksum_catches_damage);
    RUN(test_options_and_refusals);
    return test_summary("test_dev_acpi");
}
