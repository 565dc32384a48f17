/*
 * The guest machine of docs/guest-abi.md (map in hv/guest/machine.h).
 * Building is one transaction; teardown is two phases, as the memory API
 * requires: unmap everything in one commit, then destroy regions and
 * devices once no flat view names them.
 */
#include "hv/guest/machine.h"

#include "hv/guest/teardown.h"
#include "hv/lib/platform.h"

uint8_t machine_bios_byte(uint64_t off) { return (uint8_t)((off * 7 + 3) & 0xff); }

/* The overlay: a 4 KiB scratch page of MMIO (reads return what was
 * written), so a guest can tell it from the RAM it covers. */
static uint64_t overlay_read(void *opaque, hwaddr addr, unsigned size)
{
    struct guest_machine *m = opaque;
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size && addr + i < GM_OVERLAY_SIZE; i++)
        v |= (uint64_t)m->overlay_data[addr + i] << (8 * i);
    return v;
}

static void overlay_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    struct guest_machine *m = opaque;
    unsigned i;

    for (i = 0; i < size && addr + i < GM_OVERLAY_SIZE; i++)
        m->overlay_data[addr + i] = (uint8_t)(data >> (8 * i));
}

static const MemoryRegionOps overlay_ops = {
    .read = overlay_read,
    .write = overlay_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
};

/* Port 0x80: every write is logged; a read returns the last write. */
static uint64_t post_read(void *opaque, hwaddr addr, unsigned size)
{
    struct guest_machine *m = opaque;

    (void)addr;
    (void)size;
    return m->post_last;
}

static void post_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    struct guest_machine *m = opaque;

    (void)addr;
    (void)size;
    m->post_last = (uint8_t)data;
    m->post_writes++;
    plat_log(LOG_INFO, "post: %#04x", (unsigned)(uint8_t)data);
}

static const MemoryRegionOps post_ops = {
    .read = post_read,
    .write = post_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 1},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static int init_regions(struct guest_machine *m, void *ram)
{
    uint8_t *bios;
    uint64_t i;
    int err;

    if ((err = memory_region_init(&m->system, "system", MR_SIZE_2_64)) ||
        (err = memory_region_init_ram_ptr(&m->ram, "ram", m->ram_size, ram)) ||
        (err = memory_region_init_alias(&m->ram_low, "ram-low", &m->ram, 0, GM_HOLE_START)) ||
        (err = memory_region_init_alias(&m->ram_high, "ram-high", &m->ram, GM_HOLE_END,
                                        m->ram_size - GM_HOLE_END)) ||
        (err = memory_region_init_rom(&m->bios, "bios", GM_BIOS_SIZE)) ||
        (err = memory_region_init_alias(&m->isa_bios, "isa-bios", &m->bios, 0, GM_BIOS_SIZE)) ||
        (err = memory_region_init_io(&m->overlay, &overlay_ops, m, "overlay", GM_OVERLAY_SIZE)) ||
        (err = memory_region_init_alias(&m->overlay_window, "overlay-window", &m->overlay, 0,
                                        GM_OVERLAY_SIZE)) ||
        (err = memory_region_init(&m->io, "io", 0x10000)) ||
        (err = memory_region_init_io(&m->post, &post_ops, m, "post", 1)))
        return err;
    bios = memory_region_get_ram_ptr(&m->bios);
    for (i = 0; i < GM_BIOS_SIZE; i++)
        bios[i] = machine_bios_byte(i);
    if ((err = testdev_init(&m->td, "testdev")) ||
        (err = uart_init_io(&m->com1, "com1", "guest: ", NULL, NULL)) ||
        (err = uart_init_mmio(&m->uart_mmio, "uart-mmio", 1, "guest: ", NULL, NULL)) ||
        (err = debug_exit_init(&m->dx, "debug-exit", NULL, NULL)) ||
        (err = flash_init(&m->flash, "flash", GM_FLASH_SIZE, GM_FLASH_BLOCK)) ||
        (err = fb_init(&m->fb, "fb", GM_FB_WIDTH, GM_FB_HEIGHT)))
        return err;
    return MR_OK;
}

static int map_regions(struct guest_machine *m)
{
    MemoryRegion *s = &m->system;
    int err;

    /* RAM goes in as two aliases so 0xa0000-0xbffff is truly unassigned. */
    if ((err = memory_region_add_subregion(s, 0, &m->ram_low)) ||
        (err = memory_region_add_subregion(s, GM_HOLE_END, &m->ram_high)) ||
        (err = memory_region_add_subregion_overlap(s, GM_ISA_BIOS_BASE, &m->isa_bios, 1)) ||
        (err = memory_region_add_subregion_overlap(s, GM_OVERLAY_WINDOW, &m->overlay_window, 1)) ||
        (err = memory_region_set_enabled(&m->overlay_window, false)) ||
        (err = memory_region_add_subregion(s, GM_FB_BASE, &m->fb.mr)) ||
        (err = memory_region_add_subregion(s, GM_UART_MMIO_BASE, &m->uart_mmio.mr)) ||
        (err = memory_region_add_subregion(s, GM_TESTDEV_BASE, &m->td.container)) ||
        (err = memory_region_add_subregion(s, GM_OVERLAY_BASE, &m->overlay)) ||
        (err = memory_region_add_subregion(s, GM_FLASH_BASE, &m->flash.mr)) ||
        (err = memory_region_add_subregion(s, GM_BIOS_BASE, &m->bios)))
        return err;
    if ((err = memory_region_add_subregion(&m->io, GM_POST_PORT, &m->post)) ||
        (err = memory_region_add_subregion(&m->io, DEBUG_EXIT_PORT, &m->dx.mr)) ||
        (err = memory_region_add_subregion(&m->io, UART_COM1_PORT, &m->com1.mr)))
        return err;
    return MR_OK;
}

int machine_build(struct guest_machine *m, void *ram, uint64_t ram_size)
{
    int err, cerr;

    memset(m, 0, sizeof(*m));
    m->ram_size = ram_size;
    if (!ram || ram_size < 2 * GM_HOLE_END) {
        plat_log(LOG_ERR, "machine: no guest RAM (%llu bytes)", (unsigned long long)ram_size);
        return MR_EINVAL;
    }
    memset(ram, 0, ram_size);
    m->built = true;
    memory_region_transaction_begin();
    err = init_regions(m, ram);
    if (!err)
        err = map_regions(m);
    if (!err)
        err = address_space_init(&m->as_mem, &m->system, "memory");
    if (!err)
        err = address_space_init(&m->as_io, &m->io, "io");
    cerr = memory_region_transaction_commit();
    if (!err)
        err = cerr;
    m->bus.mem = &m->as_mem;
    m->bus.io = &m->as_io;
    if (!err && !(err = coalesced_mmio_init(&m->cm, &m->as_mem, 0)))
        m->bus.cm = &m->cm;
    if (err) {
        plat_log(LOG_ERR, "machine: build failed: %s", memory_strerror(err));
        machine_destroy(m);
    }
    return err;
}

MemoryRegion *machine_region(struct guest_machine *m, uint64_t id)
{
    switch (id) {
    case GM_ID_TESTDEV: return &m->td.container;
    case GM_ID_OVERLAY: return &m->overlay_window;
    case GM_ID_FB: return &m->fb.mr;
    case GM_ID_FLASH: return &m->flash.mr;
    case GM_ID_ISA_BIOS: return &m->isa_bios;
    default: return NULL;
    }
}

static void destroy_devices(struct guest_machine *m)
{
    if (m->td.container.initialized && testdev_destroy(&m->td))
        plat_log(LOG_ERR, "machine: testdev could not be destroyed");
    if (m->com1.mr.initialized && uart_destroy(&m->com1))
        plat_log(LOG_ERR, "machine: com1 could not be destroyed");
    if (m->uart_mmio.mr.initialized && uart_destroy(&m->uart_mmio))
        plat_log(LOG_ERR, "machine: uart-mmio could not be destroyed");
    if (m->dx.mr.initialized && debug_exit_destroy(&m->dx))
        plat_log(LOG_ERR, "machine: debug-exit could not be destroyed");
    if (m->flash.mr.initialized && flash_destroy(&m->flash))
        plat_log(LOG_ERR, "machine: flash could not be destroyed");
    if (m->fb.mr.initialized && fb_destroy(&m->fb))
        plat_log(LOG_ERR, "machine: fb could not be destroyed");
}

void machine_destroy(struct guest_machine *m)
{
    MemoryRegion *mapped[] = {&m->ram_low, &m->ram_high, &m->isa_bios, &m->overlay_window,
                              &m->fb.mr, &m->uart_mmio.mr, &m->td.container, &m->overlay,
                              &m->flash.mr, &m->bios, &m->post, &m->dx.mr, &m->com1.mr};
    /* Aliases before their targets, containers last. */
    MemoryRegion *own[] = {&m->ram_low, &m->ram_high, &m->isa_bios, &m->overlay_window,
                           &m->ram, &m->bios, &m->overlay, &m->post, &m->io, &m->system};
    if (!m->built)
        return;
    if (m->bus.cm) {
        coalesced_mmio_destroy(&m->cm); /* delivers what is queued */
        m->bus.cm = NULL;
    }
    machine_unmap(&m->as_mem, &m->as_io, mapped, ARRAY_SIZE(mapped));
    destroy_devices(m);
    machine_destroy_regions(own, ARRAY_SIZE(own), "machine");
    m->built = false;
}
