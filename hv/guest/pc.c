/*
 * The `pc` machine (map and wiring in hv/guest/pc.h, docs/machines.md).
 * Building is one transaction, teardown two phases (unmap in one commit,
 * then destroy), as for the test machine.
 */
#include "hv/guest/pc.h"

#include "hv/guest/multiboot.h"

#include "hv/guest/teardown.h"
#include "hv/lib/platform.h"

/* Interrupt source overrides every PC firmware reports: the PIT on IRQ 0
 * is I/O APIC pin 2; the SCI (IRQ 9) is level, active high. */
#define ISO_PIT_GSI 2
#define ACPI_SCI_IRQ 9

static uint64_t still_clock(void *ctx)
{
    (void)ctx;
    return 0;
}

static void power_off(void *ctx) { ((struct pc_machine *)ctx)->powered_off = true; }
static void reset(void *ctx) { ((struct pc_machine *)ctx)->reset_requested = true; }

/* The PCI configuration ports (a machine without PCI devices): a dword at
 * 0xcf8 is CONFIG_ADDRESS, 0xcfc-0xcff CONFIG_DATA (every function absent:
 * all-ones); a byte at 0xcf9 is the reset control register, which shares
 * the port with CONFIG_ADDRESS's second byte on every PC chipset. */
#define PCI_HOST_PORT 0xcf8

static uint64_t pci_host_read(void *opaque, hwaddr addr, unsigned size)
{
    struct pc_machine *m = opaque;
    uint64_t v = 0;

    if (addr == 0 && size == 4)
        return m->pci_address;
    if (addr == 1 && size == 1) {
        memory_region_dispatch_read(&m->pm.reset_mr, 0, &v, 1);
        return v;
    }
    return ~0ull;
}

static void pci_host_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    struct pc_machine *m = opaque;

    if (addr == 0 && size == 4)
        m->pci_address = (uint32_t)data;
    else if (addr == 1 && size == 1)
        memory_region_dispatch_write(&m->pm.reset_mr, 0, data, 1);
}

static const MemoryRegionOps pci_host_ops = {
    .read = pci_host_read,
    .write = pci_host_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = false},
    .impl = {.min_access_size = 1, .max_access_size = 4, .unaligned = false},
};

static void com1_irq(void *ctx, bool level)
{
    struct pc_machine *m = ctx;

    irq_split_handler(&m->isa[PC_COM1_IRQ], PC_COM1_IRQ, level);
}

IrqLine pc_isa_irq(struct pc_machine *m, unsigned n)
{
    return irq_line(irq_split_handler, &m->isa[n % PC_ISA_IRQS], (int)(n % PC_ISA_IRQS));
}

/* ISA line n: 8259 input n, and I/O APIC pin n (line 0 on pin 2). */
static void wire_irqs(struct pc_machine *m)
{
    for (int n = 0; n < PC_ISA_IRQS; n++) {
        m->isa[n].a = irq_line(i8259_set_irq, &m->pic, n);
        m->isa[n].b = irq_line(ioapic_set_irq, &m->ioapic, n == 0 ? ISO_PIT_GSI : n);
    }
    i8259_set_intr(&m->pic, irq_line(lapic_set_lint, &m->lapic, 0));
    ioapic_connect_lapic(&m->ioapic, &m->lapic);
    i8254_set_irq(&m->pit, pc_isa_irq(m, 0));
    rtc_set_irq(&m->rtc, pc_isa_irq(m, 8));
    acpi_pm_set_sci(&m->pm, pc_isa_irq(m, ACPI_SCI_IRQ));
    for (unsigned n = 0; n < PC_ISA_IRQS; n++)
        pc_testdev_set_irq(&m->testdev, n, pc_isa_irq(m, n));
    m->com1.irq = com1_irq;
    m->com1.irq_ctx = m;
    m->pm.poweroff = power_off;
    m->pm.reset = reset;
    m->pm.ctx = m;
}

static int init_memory(struct pc_machine *m, void *ram)
{
    uint64_t below = MIN(m->ram_size, PC_HOLE_START);
    int err;

    if ((err = memory_region_init(&m->system, "system", MR_SIZE_2_64)) ||
        (err = memory_region_init_ram_ptr(&m->ram, "ram", m->ram_size, ram)) ||
        (err = memory_region_init_alias(&m->ram_low, "ram-low", &m->ram, 0, PC_LOW_RAM_END)) ||
        (err = memory_region_init_alias(&m->ram_high, "ram-high", &m->ram, PC_HIGH_RAM,
                                        below - PC_HIGH_RAM)) ||
        (err = memory_region_init_rom(&m->bios_area, "bios-area", PC_BIOS_AREA_SIZE)) ||
        (err = memory_region_init_rom(&m->bios, "bios", PC_BIOS_SIZE)) ||
        (err = memory_region_init(&m->io, "io", 0x10000)) ||
        (err = memory_region_init_io(&m->pci_host, &pci_host_ops, m, "pci-host", 8)))
        return err;
    if (m->ram_size > PC_HOLE_START &&
        (err = memory_region_init_alias(&m->ram_above, "ram-above", &m->ram, PC_HOLE_START,
                                        m->ram_size - PC_HOLE_START)))
        return err;
    return MR_OK;
}

static int init_devices(struct pc_machine *m)
{
    int err;

    /* the APIC timer runs at the core crystal clock, which CPUID 0x15
     * reports as the TSC's own rate (ratio 1/1): one tick per TSC tick */
    if ((err = lapic_init(&m->lapic, "lapic", 0, true, &m->clock, m->clock.hz)) ||
        (err = ioapic_init(&m->ioapic, "ioapic", 0)) ||
        (err = i8259_init(&m->pic, "pic")) ||
        (err = i8254_init(&m->pit, &m->clock)) ||
        (err = rtc_init(&m->rtc, &m->clock, 0)) ||
        (err = fb_init(&m->fb, "fb", PC_FB_WIDTH, PC_FB_HEIGHT)) ||
        (err = uart_init_io(&m->com1, "com1", "guest: ", NULL, NULL)) ||
        (err = uart_init_mmio(&m->uart_mmio, "uart-mmio", 1, "guest-mmio: ", NULL, NULL)) ||
        (err = debug_exit_init(&m->dx, "debug-exit", NULL, NULL)) ||
        (err = pc_testdev_init(&m->testdev, "pc-testdev")) ||
        (err = fw_cfg_init(&m->fw_cfg, "fw-cfg", 1, 1, m->ram_size)) ||
        (err = acpi_pm_init(&m->pm, &m->clock, 5, true)))
        return err;
    rtc_set_memory(&m->rtc, MIN(m->ram_size, PC_HOLE_START),
                   m->ram_size > PC_HOLE_START ? m->ram_size - PC_HOLE_START : 0);
    return MR_OK;
}

/* The ACPI tables, generated from the machine, in the ROM at 0xe0000
 * (the RSDP within the area firmware searches). */
static int build_acpi(struct pc_machine *m)
{
    AcpiConfig c;
    long n;

    acpi_config_default(&c);
    c.lapic_addr = (uint32_t)LAPIC_DEFAULT_BASE;
    c.ioapic_addr = (uint32_t)IOAPIC_DEFAULT_BASE;
    c.pm1a_evt_port = ACPI_PM_BASE;
    c.pm1a_cnt_port = ACPI_PM_BASE + 4;
    c.pm_tmr_port = ACPI_PM_BASE + 8;
    c.pm_tmr_32bit = true;
    c.reset_port = ACPI_RESET_PORT;
    c.sci_irq = ACPI_SCI_IRQ;
    /* the last 256 bytes of the area hold firmware_ivt's handlers */
    n = acpi_build(&c, memory_region_get_ram_ptr(&m->bios_area), PC_BIOS_AREA_SIZE - 0x100,
                   PC_BIOS_AREA, &m->acpi);
    if (n < 0) {
        plat_log(LOG_ERR, "pc: ACPI tables do not fit in the BIOS area");
        return MR_ENOMEM;
    }
    return MR_OK;
}

static int map(struct pc_machine *m)
{
    MemoryRegion *s = &m->system, *io = &m->io;
    int err;

    if ((err = memory_region_add_subregion(s, 0, &m->ram_low)) ||
        (err = memory_region_add_subregion(s, PC_HIGH_RAM, &m->ram_high)) ||
        (err = memory_region_add_subregion(s, PC_BIOS_AREA, &m->bios_area)) ||
        (err = memory_region_add_subregion(s, IOAPIC_DEFAULT_BASE, &m->ioapic.mr)) ||
        (err = memory_region_add_subregion(s, LAPIC_DEFAULT_BASE, &m->lapic.mr)) ||
        (err = memory_region_add_subregion(s, PC_TESTDEV_MMIO_BASE, &m->testdev.mmio_mr)) ||
        (err = memory_region_add_subregion(s, PC_FB_BASE, &m->fb.mr)) ||
        (err = memory_region_add_subregion(s, PC_UART_MMIO_BASE, &m->uart_mmio.mr)) ||
        (err = memory_region_add_subregion(s, PC_BIOS_BASE, &m->bios)))
        return err;
    if (m->ram_above.initialized &&
        (err = memory_region_add_subregion(s, PC_4G, &m->ram_above)))
        return err;
    if ((err = memory_region_add_subregion(io, I8259_MASTER_PORT, &m->pic.master_mr)) ||
        (err = memory_region_add_subregion(io, I8259_SLAVE_PORT, &m->pic.slave_mr)) ||
        (err = memory_region_add_subregion(io, I8259_ELCR_PORT, &m->pic.elcr_mr)) ||
        (err = memory_region_add_subregion(io, I8254_PORT, &m->pit.mr)) ||
        (err = memory_region_add_subregion(io, I8254_PORT61, &m->pit.port61_mr)) ||
        (err = memory_region_add_subregion(io, RTC_PORT, &m->rtc.mr)) ||
        (err = memory_region_add_subregion(io, UART_COM1_PORT, &m->com1.mr)) ||
        (err = memory_region_add_subregion(io, DEBUG_EXIT_PORT, &m->dx.mr)) ||
        (err = memory_region_add_subregion(io, PC_TESTDEV_PORT, &m->testdev.ports)) ||
        (err = memory_region_add_subregion(io, PC_TESTDEV_IRQ_PORT, &m->testdev.irq_mr)) ||
        (err = memory_region_add_subregion(io, FW_CFG_PORT, &m->fw_cfg.mr)) ||
        (err = memory_region_add_subregion(io, ACPI_PM_BASE, &m->pm.mr)) ||
        (err = memory_region_add_subregion(io, PCI_HOST_PORT, &m->pci_host)))
        return err;
    return MR_OK;
}

/* ------------------------------------------------ as firmware leaves it */

static void io_out8(struct pc_machine *m, uint16_t port, uint8_t v)
{
    uint64_t x = v;

    address_space_write(&m->as_io, port, &x, 1);
}

/* Both 8259s initialised (vectors 0x08 and 0x70, cascade on IRQ 2) with
 * every input masked but the timer and the cascade. */
static void firmware_pic(struct pc_machine *m)
{
    static const uint8_t master[] = {0x11, 0x08, 0x04, 0x01, 0xfa};
    static const uint8_t slave[] = {0x11, 0x70, 0x02, 0x01, 0xff};

    for (unsigned i = 0; i < sizeof(master); i++) {
        io_out8(m, I8259_MASTER_PORT + (i ? 1 : 0), master[i]);
        io_out8(m, I8259_SLAVE_PORT + (i ? 1 : 0), slave[i]);
    }
}

/* PIT channel 0 in mode 3 with the largest count (65536): the 18.2 Hz
 * tick every PC BIOS starts, which ends a real-mode `sti; hlt`. */
static void firmware_pit(struct pc_machine *m)
{
    io_out8(m, I8254_PORT + 3, 0x36); /* channel 0, lobyte/hibyte, mode 3 */
    io_out8(m, I8254_PORT, 0);
    io_out8(m, I8254_PORT, 0);
}

/* The real-mode interrupt handlers, at F000:FF00 in the BIOS area (ROM):
 * the tick counts in the BIOS data area's dword at 0x46c (as every BIOS
 * does) and sends the master an EOI; an unexpected IRQ is acknowledged
 * to its 8259s; every other vector is a bare IRET. */
#define FW_SEG 0xf000u
#define FW_STUBS 0xff00u
#define FW_TICK (FW_STUBS + 0x00)
#define FW_EOI_SLAVE (FW_STUBS + 0x17)
#define FW_EOI_MASTER (FW_STUBS + 0x20)
#define FW_IRET (FW_STUBS + 0x26)
static const uint8_t fw_stubs[] = {
    0x50, 0x1e,             /* tick: push ax; push ds */
    0x31, 0xc0, 0x8e, 0xd8, /* xor ax, ax; mov ds, ax */
    0xff, 0x06, 0x6c, 0x04, /* inc word [0x46c] */
    0x75, 0x04,             /* jnz +4 */
    0xff, 0x06, 0x6e, 0x04, /* inc word [0x46e] */
    0xb0, 0x20, 0xe6, 0x20, /* mov al, 0x20; out 0x20, al */
    0x1f, 0x58, 0xcf,       /* pop ds; pop ax; iret */
    0x50, 0xb0, 0x20,       /* slave: push ax; mov al, 0x20 */
    0xe6, 0xa0, 0xe6, 0x20, /* out 0xa0, al; out 0x20, al */
    0x58, 0xcf,             /* pop ax; iret */
    0x50, 0xb0, 0x20,       /* master: push ax; mov al, 0x20 */
    0xe6, 0x20, 0x58, 0xcf, /* out 0x20, al; pop ax; iret (the bare IRET) */
};

static void firmware_ivt(struct pc_machine *m, uint8_t *ram)
{
    uint8_t *area = memory_region_get_ram_ptr(&m->bios_area);
    uint64_t stubs = ((uint64_t)FW_SEG << 4) + FW_STUBS - PC_BIOS_AREA;

    _Static_assert(((uint64_t)FW_SEG << 4) + FW_STUBS == PC_BIOS_AREA + PC_BIOS_AREA_SIZE - 0x100,
                   "the handlers are the BIOS area's last 256 bytes, outside the ACPI tables");

    memcpy(area + stubs, fw_stubs, sizeof(fw_stubs));
    for (unsigned v = 0; v < 256; v++) {
        uint16_t off = FW_IRET;

        if (v == 0x08)
            off = FW_TICK;
        else if (v > 0x08 && v < 0x10)
            off = FW_EOI_MASTER;
        else if (v >= 0x70 && v < 0x78)
            off = FW_EOI_SLAVE;
        ram[v * 4] = (uint8_t)off;
        ram[v * 4 + 1] = (uint8_t)(off >> 8);
        ram[v * 4 + 2] = (uint8_t)FW_SEG;
        ram[v * 4 + 3] = (uint8_t)(FW_SEG >> 8);
    }
}

/* What PC firmware leaves behind when it hands over (docs/machines.md). */
static void firmware_state(struct pc_machine *m, uint8_t *ram)
{
    firmware_pic(m);
    firmware_pit(m);
    firmware_ivt(m, ram);
}

int pc_build(struct pc_machine *m, void *ram, uint64_t ram_size, const VClock *clock)
{
    int err, cerr;

    memset(m, 0, sizeof(*m));
    m->ram_size = ram_size;
    if (!ram || ram_size < 2 * PC_HIGH_RAM || (ram_size & 0xfff)) {
        plat_log(LOG_ERR, "pc: no usable guest RAM (%llu bytes)", (unsigned long long)ram_size);
        return MR_EINVAL;
    }
    memset(ram, 0, ram_size);
    m->clock = clock ? *clock : (VClock){still_clock, NULL, PC_TSC_HZ};
    m->built = true;
    memory_region_transaction_begin();
    err = init_memory(m, ram);
    if (!err)
        err = init_devices(m);
    if (!err) {
        wire_irqs(m);
        err = build_acpi(m);
    }
    if (!err)
        err = map(m);
    if (!err)
        err = address_space_init(&m->as_mem, &m->system, "memory");
    if (!err)
        err = address_space_init(&m->as_io, &m->io, "io");
    m->bus.mem = &m->as_mem;
    m->bus.io = &m->as_io;
    cerr = memory_region_transaction_commit();
    if (!err)
        err = cerr;
    if (err) {
        plat_log(LOG_ERR, "pc: build failed: %s", memory_strerror(err));
        pc_destroy(m);
        return err;
    }
    firmware_state(m, ram);
    return MR_OK;
}

void pc_destroy(struct pc_machine *m)
{
    MemoryRegion *mapped[] = {
        &m->ram_low, &m->ram_high, &m->ram_above, &m->bios_area, &m->ioapic.mr, &m->lapic.mr,
        &m->testdev.mmio_mr, &m->fb.mr, &m->uart_mmio.mr, &m->bios, &m->pic.master_mr,
        &m->pic.slave_mr, &m->pic.elcr_mr,
        &m->pit.mr, &m->pit.port61_mr, &m->rtc.mr, &m->com1.mr, &m->dx.mr, &m->testdev.ports,
        &m->testdev.irq_mr, &m->fw_cfg.mr, &m->pm.mr, &m->pci_host,
    };
    MemoryRegion *own[] = {&m->ram_low, &m->ram_high, &m->ram_above, &m->ram,
                           &m->bios_area, &m->bios, &m->pci_host, &m->io, &m->system};
    if (!m->built)
        return;
    machine_unmap(&m->as_mem, &m->as_io, mapped, ARRAY_SIZE(mapped));
    if (m->lapic.mr.initialized)
        lapic_destroy(&m->lapic);
    if (m->ioapic.mr.initialized)
        ioapic_destroy(&m->ioapic);
    if (m->pic.master_mr.initialized)
        i8259_destroy(&m->pic);
    if (m->pit.mr.initialized)
        i8254_destroy(&m->pit);
    if (m->rtc.mr.initialized)
        rtc_destroy(&m->rtc);
    if (m->com1.mr.initialized)
        uart_destroy(&m->com1);
    if (m->uart_mmio.mr.initialized)
        uart_destroy(&m->uart_mmio);
    if (m->dx.mr.initialized)
        debug_exit_destroy(&m->dx);
    if (m->testdev.ports.initialized)
        pc_testdev_destroy(&m->testdev);
    if (m->fw_cfg.mr.initialized)
        fw_cfg_destroy(&m->fw_cfg);
    if (m->pm.mr.initialized)
        acpi_pm_destroy(&m->pm);
    if (m->fb.mr.initialized && fb_destroy(&m->fb))
        plat_log(LOG_ERR, "pc: fb could not be destroyed");
    machine_destroy_regions(own, ARRAY_SIZE(own), "pc");
    m->built = false;
}

/* ------------------------------------------------ interrupts and time */

static bool pic_pending(const struct pc_machine *m)
{
    return lapic_accepts_pic_intr(&m->lapic) && i8259_intr(&m->pic);
}

enum intr_action pc_intr_next(struct pc_machine *m, const struct intr_cpu *c, uint8_t *vector)
{
    int v;

    if (lapic_has_interrupt(&m->lapic) < 0 && !pic_pending(m))
        return INTR_NONE;
    if (!c->if_flag || c->blocked || c->event_queued)
        return INTR_WINDOW;
    v = lapic_ack_interrupt(&m->lapic);
    if (v < 0)
        v = i8259_ack(&m->pic);
    *vector = (uint8_t)v;
    return INTR_INJECT;
}

bool pc_nmi(struct pc_machine *m, bool take)
{
    bool p = m->lapic.nmi_pending;

    if (p && take)
        m->lapic.nmi_pending = false;
    return p;
}

uint64_t pc_next_deadline(const struct pc_machine *m)
{
    uint64_t d = lapic_next_deadline(&m->lapic);

    d = MIN(d, i8254_next_deadline(&m->pit));
    d = MIN(d, rtc_next_deadline(&m->rtc));
    return MIN(d, acpi_pm_next_deadline(&m->pm));
}

void pc_advance(struct pc_machine *m, uint64_t now)
{
    lapic_advance(&m->lapic, now);
    i8254_advance(&m->pit, now);
    rtc_advance(&m->rtc, now);
    acpi_pm_advance(&m->pm, now);
}

unsigned pc_memory_map(struct pc_machine *m, struct mb_mmap_entry *out, unsigned max)
{
    const FlatView *v = address_space_flatview(&m->as_mem);
    unsigned n = 0;

    for (size_t i = 0; i < v->nr && n < max; i++) {
        const FlatRange *fr = &v->ranges[i];
        uint32_t type = fr->mr == &m->ram ? MB_MEM_AVAILABLE
                        : fr->mr == &m->bios_area ? MB_MEM_ACPI : MB_MEM_RESERVED;

        /* adjacent ranges of one type are one entry */
        if (n && out[n - 1].type == type && out[n - 1].base + out[n - 1].length == fr->start) {
            out[n - 1].length += fr->last - fr->start + 1;
            continue;
        }
        out[n++] = (struct mb_mmap_entry){fr->start, fr->last - fr->start + 1, type};
    }
    return n;
}
