/*
 * The pc machine (hv/guest/pc.c) against docs/machines.md: the memory map
 * and I/O port tables, read from the document, must be what the built
 * machine holds; the ACPI tables are where firmware looks; fw_cfg, CMOS
 * and the interrupt wiring (pc-testdev line -> I/O APIC -> local APIC,
 * and -> 8259) answer as a PC's; ACPI S5 powers off; build and teardown
 * leak nothing, even when an allocation fails half way.
 */
#include "hv/guest/pc.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define MEM (64ull << 20)

static struct pc_machine m;
static uint8_t *ram;
static uint64_t now;

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return now;
}

static const VClock clock = {clock_now, NULL, PC_TSC_HZ};

/* ------------------------------------------------ the document's tables */

struct row {
    uint64_t lo, hi;
    char kind[200];
};

static struct row mem_rows[32], io_rows[32];
static unsigned n_mem, n_io;

static bool parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
    char *end;

    if (strncmp(s, "| 0x", 4))
        return false;
    *lo = strtoull(s + 2, &end, 16);
    *hi = *lo;
    if (*end == '-')
        *hi = strtoull(end + 1, &end, 16);
    else if (!strncmp(end, " (", 2))
        *hi = *lo + strtoull(end + 2, NULL, 10) - 1;
    return true;
}

static void read_doc(void)
{
    FILE *f = fopen("docs/machines.md", "r");
    char line[512];
    int section = 0;

    CHECK(f != NULL);
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        struct row r;
        char *last;

        if (!strncmp(line, "### ", 4))
            section = strstr(line, "Memory map") ? 1 : strstr(line, "I/O ports") ? 2 : 0;
        if (!section || !parse_range(line, &r.lo, &r.hi))
            continue;
        last = strrchr(line, '|');
        *last = '\0';
        last = strrchr(line, '|');
        snprintf(r.kind, sizeof(r.kind), "%s", last + 2);
        for (size_t k = strlen(r.kind); k && r.kind[k - 1] == ' '; k--)
            r.kind[k - 1] = '\0';
        if (section == 1 && n_mem < 32)
            mem_rows[n_mem++] = r;
        else if (section == 2 && n_io < 32)
            io_rows[n_io++] = r;
    }
    fclose(f);
}

static const char *kind_at(AddressSpace *as, uint64_t a)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(as), a);

    if (!fr)
        return "unassigned";
    switch (fr->mr->kind) {
    case MR_KIND_RAM: return "RAM";
    case MR_KIND_ROM: return "ROM";
    case MR_KIND_IO: return "MMIO";
    default: return "?";
    }
}

static void test_memory_map(void)
{
    CHECK(n_mem >= 7);
    for (unsigned i = 0; i < n_mem; i++) {
        const struct row *r = &mem_rows[i];
        const char *want = strstr(r->kind, "all-ones") ? "unassigned" : r->kind;
        uint64_t hi = r->hi;

        if (!strcmp(want, "RAM") && r->lo == PC_HIGH_RAM)
            hi = MEM - 1; /* "up to mem=" */
        if (strcmp(kind_at(&m.as_mem, r->lo), want) || strcmp(kind_at(&m.as_mem, hi), want)) {
            fprintf(stderr, "  docs: %#llx-%#llx is %s, machine has %s/%s\n",
                    (unsigned long long)r->lo, (unsigned long long)hi, want,
                    kind_at(&m.as_mem, r->lo), kind_at(&m.as_mem, hi));
            CHECK(0);
        }
    }
    CHECK_STR(kind_at(&m.as_mem, MEM), "unassigned");
    /* nothing mapped that the table does not list */
    const FlatView *v = address_space_flatview(&m.as_mem);
    for (size_t i = 0; i < v->nr; i++) {
        bool ok = false;

        for (unsigned j = 0; j < n_mem; j++)
            ok |= mem_rows[j].lo <= v->ranges[i].start &&
                  (v->ranges[i].last <= mem_rows[j].hi || mem_rows[j].lo == PC_HIGH_RAM);
        if (!ok) {
            fprintf(stderr, "  undocumented: %#llx %s\n", (unsigned long long)v->ranges[i].start,
                    memory_region_name(v->ranges[i].mr));
            CHECK(0);
        }
    }
}

static void test_io_ports(void)
{
    const FlatView *v = address_space_flatview(&m.as_io);

    CHECK(n_io >= 12);
    for (unsigned i = 0; i < n_io; i++)
        for (uint64_t p = io_rows[i].lo; p <= io_rows[i].hi; p++)
            if (!flatview_lookup(v, p)) {
                fprintf(stderr, "  docs: port %#llx is not assigned\n", (unsigned long long)p);
                CHECK(0);
            }
    for (size_t i = 0; i < v->nr; i++) {
        bool ok = false;

        for (unsigned j = 0; j < n_io; j++)
            ok |= io_rows[j].lo <= v->ranges[i].start && v->ranges[i].last <= io_rows[j].hi;
        if (!ok) {
            fprintf(stderr, "  undocumented port %#llx %s\n",
                    (unsigned long long)v->ranges[i].start, memory_region_name(v->ranges[i].mr));
            CHECK(0);
        }
    }
}

/* ------------------------------------------------ devices through the bus */

static uint64_t io_read(uint16_t port, unsigned size)
{
    uint64_t v = 0;

    address_space_read(&m.as_io, port, &v, size);
    return v;
}

static void io_write(uint16_t port, uint64_t v, unsigned size)
{
    address_space_write(&m.as_io, port, &v, size);
}

/* The RSDP on a 16-byte boundary of 0xe0000-0xfffff, checksummed. */
static void test_acpi_rsdp(void)
{
    uint8_t buf[36];
    uint64_t a, found = 0;

    for (a = PC_BIOS_AREA; a < PC_BIOS_AREA + PC_BIOS_AREA_SIZE && !found; a += 16) {
        address_space_read(&m.as_mem, a, buf, 8);
        if (!memcmp(buf, "RSD PTR ", 8))
            found = a;
    }
    CHECK(found != 0);
    address_space_read(&m.as_mem, found, buf, 36);
    CHECK_EQ(acpi_sum(buf, 20), 0);
    CHECK_EQ(acpi_sum(buf, 36), 0);
    CHECK_EQ(buf[15], 2); /* ACPI 2.0+ */
    /* read-only: a write changes nothing */
    uint32_t junk = 0;
    address_space_write(&m.as_mem, found, &junk, 4);
    address_space_read(&m.as_mem, found, buf, 8);
    CHECK(!memcmp(buf, "RSD PTR ", 8));
}

static void test_fw_cfg_cmos(void)
{
    char sig[5] = {0};
    uint64_t ramsz = 0;

    io_write(FW_CFG_PORT, 0x0000, 2);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)io_read(FW_CFG_PORT + 1, 1);
    CHECK_STR(sig, "QEMU");
    io_write(FW_CFG_PORT, 0x0003, 2);
    for (int i = 0; i < 8; i++)
        ramsz |= io_read(FW_CFG_PORT + 1, 1) << (8 * i);
    CHECK_EQ(ramsz, MEM);
    /* CMOS 0x34/0x35: RAM above 16 MiB in 64 KiB units */
    io_write(RTC_PORT, 0x34, 1);
    uint64_t lo = io_read(RTC_PORT + 1, 1);
    io_write(RTC_PORT, 0x35, 1);
    uint64_t hi = io_read(RTC_PORT + 1, 1);
    CHECK_EQ(lo | hi << 8, (MEM - (16ull << 20)) >> 16);
}

/* As a BIOS leaves the machine: the real-mode IVT points into the BIOS
 * area's ROM (the tick handler at vector 8, a bare IRET for vectors no
 * device uses), the PIT ticks at 18.2 Hz on IRQ 0, the only 8259 input
 * unmasked besides the cascade. */
static void test_firmware_state(void)
{
    uint32_t ivt[256];
    uint8_t code = 0;

    memcpy(ivt, ram, sizeof(ivt));
    for (unsigned v = 0; v < 256; v++)
        CHECK_EQ(ivt[v] >> 16, 0xf000); /* segment F000: the ROM */
    address_space_read(&m.as_mem, 0xf0000 + (ivt[8] & 0xffff), &code, 1);
    CHECK_EQ(code, 0x50);               /* the tick handler's push ax */
    address_space_read(&m.as_mem, 0xf0000 + (ivt[0x40] & 0xffff), &code, 1);
    CHECK_EQ(code, 0xcf);               /* IRET */
    code = 0;
    address_space_write(&m.as_mem, 0xf0000 + (ivt[8] & 0xffff), &code, 1);
    address_space_read(&m.as_mem, 0xf0000 + (ivt[8] & 0xffff), &code, 1);
    CHECK_EQ(code, 0x50);               /* read-only */

    io_write(PC_TESTDEV_IRQ_PORT + 3, 1, 1);
    io_write(PC_TESTDEV_IRQ_PORT + 3, 0, 1);
    CHECK(!i8259_intr(&m.pic));         /* IRQ 3 masked */
    now = PC_TSC_HZ / 1000;
    pc_advance(&m, now);
    CHECK(!i8259_intr(&m.pic));
    CHECK(pc_next_deadline(&m) <= PC_TSC_HZ * 55 / 1000);
    now = PC_TSC_HZ * 56 / 1000;        /* one period: 65536 / 1193182 s */
    pc_advance(&m, now);
    CHECK(i8259_intr(&m.pic));
    CHECK_EQ(i8259_ack(&m.pic), 0x08);
    io_write(0x20, 0x20, 1);            /* EOI */
}

/* The MMIO 16550 as Linux's earlycon drives it (uart8250,mmio): poll LSR
 * for THRE at +5, write THR at +0; a line comes out as guest-mmio. */
static void test_uart_mmio(void)
{
    const char *msg = "early\n";
    uint8_t lsr = 0;

    for (const char *p = msg; *p; p++) {
        address_space_read(&m.as_mem, PC_UART_MMIO_BASE + 5, &lsr, 1);
        CHECK(lsr & 0x20);
        address_space_write(&m.as_mem, PC_UART_MMIO_BASE, p, 1);
    }
    CHECK(strstr(plat_host_last_log(), "guest-mmio: early") != NULL);
}

/* pc-testdev's line 10 -> I/O APIC pin 10 -> the local APIC's IRR; and
 * ISA line 3 -> the 8259 master, acknowledged as its vector. */
static void test_interrupt_wiring(void)
{
    uint32_t v;

    /* the local APIC software-enabled (SVR bit 8), TPR 0 */
    v = 0x1ff;
    address_space_write(&m.as_mem, LAPIC_DEFAULT_BASE + 0xf0, &v, 4);
    /* I/O APIC redirection entry of pin 10: vector 0x4a, fixed, edge */
    v = 0x10 + 2 * 10;
    address_space_write(&m.as_mem, IOAPIC_DEFAULT_BASE, &v, 4);
    v = 0x4a;
    address_space_write(&m.as_mem, IOAPIC_DEFAULT_BASE + 0x10, &v, 4);
    CHECK_EQ(lapic_has_interrupt(&m.lapic), -1);
    io_write(PC_TESTDEV_IRQ_PORT + 10, 1, 1);
    CHECK_EQ(lapic_has_interrupt(&m.lapic), 0x4a);
    io_write(PC_TESTDEV_IRQ_PORT + 10, 0, 1);
    CHECK_EQ(lapic_ack_interrupt(&m.lapic), 0x4a);

    /* 8259: ICW1-4 (vectors 0x20.., cascade on 2), everything but IRQ 3 masked */
    io_write(0x20, 0x11, 1);
    io_write(0x21, 0x20, 1);
    io_write(0x21, 0x04, 1);
    io_write(0x21, 0x01, 1);
    io_write(0x21, 0xf7, 1);
    CHECK(!i8259_intr(&m.pic));
    io_write(PC_TESTDEV_IRQ_PORT + 3, 1, 1);
    CHECK(i8259_intr(&m.pic));
    CHECK_EQ(i8259_ack(&m.pic), 0x23);
}

#include "hv/guest/multiboot.h"

/* The map a kernel is told: RAM available, the ACPI area, the rest
 * reserved, in order, adjacent ranges of a type merged. */
static void test_memory_map_for_kernels(void)
{
    struct mb_mmap_entry e[16];
    unsigned n = pc_memory_map(&m, e, 16);

    CHECK(n >= 5);
    CHECK_EQ(e[0].base, 0);
    CHECK_EQ(e[0].length, PC_LOW_RAM_END);
    CHECK_EQ(e[0].type, MB_MEM_AVAILABLE);
    CHECK_EQ(e[1].base, PC_BIOS_AREA);
    CHECK_EQ(e[1].type, MB_MEM_ACPI);
    CHECK_EQ(e[2].base, PC_HIGH_RAM);
    CHECK_EQ(e[2].length, MEM - PC_HIGH_RAM);
    CHECK_EQ(e[2].type, MB_MEM_AVAILABLE);
    for (unsigned i = 3; i < n; i++)
        CHECK_EQ(e[i].type, MB_MEM_RESERVED);
    CHECK_EQ(e[n - 1].base + e[n - 1].length, PC_4G); /* the BIOS ROM last */
}

/* A dword at 0xcf8 is PCI's CONFIG_ADDRESS, not a reset; a byte with
 * bit 2 at 0xcf9 is.  No PCI devices: CONFIG_DATA reads all-ones. */
static void test_pci_ports_and_reset(void)
{
    io_write(0xcf8, 0x80000000, 4);
    CHECK(!m.reset_requested);
    CHECK_EQ(io_read(0xcf8, 4), 0x80000000);
    CHECK_EQ(io_read(0xcfc, 4), 0xffffffff);
    io_write(0xcf9, 0x06, 1);
    CHECK(m.reset_requested);
    m.reset_requested = false;
}

static void test_power_off(void)
{
    CHECK(!m.powered_off);
    io_write(ACPI_PM_BASE + 4, (5u << 10) | (1u << 13), 2); /* SLP_TYP 5, SLP_EN */
    CHECK(m.powered_off);
}

static void test_build_teardown(void)
{
    static struct pc_machine m2;
    long live = plat_host_live_allocs(), pages = plat_host_live_pages();

    CHECK_EQ(pc_build(&m2, ram, MEM, &clock), MR_OK);
    pc_destroy(&m2);
    CHECK_EQ(plat_host_live_allocs(), live);
    CHECK_EQ(plat_host_live_pages(), pages);
    CHECK(pc_build(&m2, ram, 1ull << 20, &clock) != MR_OK);
    for (long n = 0; n < 600; n++) {
        int err;

        plat_host_fail_alloc_after(n);
        err = pc_build(&m2, ram, MEM, &clock);
        plat_host_fail_alloc_after(-1);
        if (err == MR_OK) {
            pc_destroy(&m2);
            break;
        }
        CHECK_EQ(plat_host_live_allocs(), live);
        CHECK_EQ(plat_host_live_pages(), pages);
    }
}

int main(void)
{
    plat_host_set_verbosity(-1);
    read_doc();
    ram = aligned_alloc(4096, MEM);
    if (!ram || pc_build(&m, ram, MEM, &clock) != MR_OK) {
        fprintf(stderr, "pc_build failed\n");
        return 1;
    }
    RUN(test_memory_map);
    RUN(test_io_ports);
    RUN(test_acpi_rsdp);
    RUN(test_fw_cfg_cmos);
    RUN(test_uart_mmio);
    RUN(test_firmware_state);
    RUN(test_interrupt_wiring);
    RUN(test_memory_map_for_kernels);
    RUN(test_pci_ports_and_reset);
    RUN(test_power_off);
    pc_destroy(&m);
    RUN(test_build_teardown);
    free(ram);
    return test_summary("test_pc");
}
