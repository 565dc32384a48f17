#include "hv/machine.h"

#include "hv/lib/platform.h"

static uint64_t regfile_read(void *opaque, hwaddr addr, unsigned size)
{
    struct regfile *rf = opaque;
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size; i++)
        v |= (uint64_t)rf->regs[(addr + i) & 0xff] << (8 * i);
    rf->reads++;
    rf->last_addr = addr;
    rf->last_data = v;
    rf->last_size = size;
    return v;
}

static void regfile_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    struct regfile *rf = opaque;
    unsigned i;

    for (i = 0; i < size; i++)
        rf->regs[(addr + i) & 0xff] = (uint8_t)(data >> (8 * i));
    rf->writes++;
    rf->last_addr = addr;
    rf->last_data = data;
    rf->last_size = size;
}

/* Guests may use 1..4 byte accesses, unaligned; the device takes them whole. */
static const MemoryRegionOps regfile_ops = {
    .read = regfile_read,
    .write = regfile_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
};

uint8_t machine_bios_byte(uint64_t off)
{
    /* Distinct per offset within any 256-byte window, and not all-ones. */
    return (uint8_t)((off * 7 + (off >> 8)) ^ 0x5a);
}

static void fill_bios(MemoryRegion *bios)
{
    uint8_t *p = memory_region_get_ram_ptr(bios);
    uint64_t i;

    for (i = 0; i < MACHINE_BIOS_SIZE; i++)
        p[i] = machine_bios_byte(i);
}

/* Each step's region, for tearing down what a failed build made. */
static int init_regions(struct machine *m)
{
    int err;

    if ((err = memory_region_init(&m->system, "system", MR_SIZE_2_64)))
        return err;
    if ((err = memory_region_init_ram(&m->ram, "pc.ram", MACHINE_RAM_SIZE)))
        return err;
    if ((err = memory_region_init_io(&m->vga, &regfile_ops, &m->vga_regs, "vga-lowmem",
                                     MACHINE_VGA_SIZE)))
        return err;
    if ((err = memory_region_init_rom(&m->bios, "pc.bios", MACHINE_BIOS_SIZE)))
        return err;
    fill_bios(&m->bios);
    if ((err = memory_region_init_alias(&m->isa_bios, "isa-bios", &m->bios, 0,
                                        MACHINE_BIOS_SIZE)))
        return err;
    if ((err = memory_region_init_io(&m->testdev, &regfile_ops, &m->testdev_regs, "testdev",
                                     MACHINE_TESTDEV_SIZE)))
        return err;
    if ((err = memory_region_init(&m->io, "io", 0x10000)))
        return err;
    return memory_region_init_io(&m->post, &regfile_ops, &m->post_regs, "post", 1);
}

static int map_regions(struct machine *m)
{
    int err;

    if ((err = memory_region_add_subregion(&m->system, 0, &m->ram)))
        return err;
    /* Legacy windows punch through RAM: they win by priority, as on a PC. */
    if ((err = memory_region_add_subregion_overlap(&m->system, MACHINE_VGA_BASE, &m->vga, 1)))
        return err;
    if ((err = memory_region_add_subregion_overlap(&m->system, MACHINE_ISA_BIOS_BASE,
                                                   &m->isa_bios, 1)))
        return err;
    if ((err = memory_region_add_subregion(&m->system, MACHINE_TESTDEV_BASE, &m->testdev)))
        return err;
    if ((err = memory_region_add_subregion(&m->system, MACHINE_BIOS_BASE, &m->bios)))
        return err;
    return memory_region_add_subregion(&m->io, MACHINE_POST_PORT, &m->post);
}

int machine_build(struct machine *m)
{
    int err, cerr;

    memset(m, 0, sizeof(*m));
    memory_region_transaction_begin();
    err = init_regions(m);
    if (!err)
        err = map_regions(m);
    if (!err)
        err = address_space_init(&m->as_mem, &m->system, "memory");
    if (!err)
        err = address_space_init(&m->as_io, &m->io, "io");
    cerr = memory_region_transaction_commit();
    if (!err)
        err = cerr;
    m->built = true;
    if (err) {
        plat_log(LOG_ERR, "machine: build failed: %s", memory_strerror(err));
        machine_destroy(m);
    }
    return err;
}

/* Takes a region out of its parent (phase 1, inside a transaction). */
static void unmap(MemoryRegion *mr)
{
    if (mr->initialized && mr->parent)
        memory_region_del_subregion(mr->parent, mr);
}

/* Destroys a region (phase 2, after the commit dropped the flat views that
 * still named it).  Aliases go before their targets. */
static void destroy(MemoryRegion *mr)
{
    if (mr->initialized && memory_region_destroy(mr))
        plat_log(LOG_ERR, "machine: %s could not be destroyed", memory_region_name(mr));
}

void machine_destroy(struct machine *m)
{
    MemoryRegion *order[] = {&m->isa_bios, &m->bios, &m->vga, &m->testdev,
                             &m->ram,      &m->post, &m->io,  &m->system};
    size_t i;

    if (!m->built)
        return;
    memory_region_transaction_begin();
    if (m->as_mem.root)
        address_space_destroy(&m->as_mem);
    if (m->as_io.root)
        address_space_destroy(&m->as_io);
    for (i = 0; i < ARRAY_SIZE(order); i++)
        unmap(order[i]);
    memory_region_transaction_commit();
    for (i = 0; i < ARRAY_SIZE(order); i++)
        destroy(order[i]);
    m->built = false;
}
