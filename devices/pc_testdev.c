/* pc-testdev (see pc_testdev.h). */
#include "devices/pc_testdev.h"
#include "hv/lib/platform.h"

static uint64_t bytes_read(const uint8_t *buf, size_t len, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size && addr + i < len; i++)
        v |= (uint64_t)buf[addr + i] << (8 * i);
    return v;
}

static void bytes_write(uint8_t *buf, size_t len, hwaddr addr, uint64_t v, unsigned size)
{
    unsigned i;

    for (i = 0; i < size && addr + i < len; i++)
        buf[addr + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t scratch_read(void *opaque, hwaddr addr, unsigned size)
{
    PcTestdev *d = opaque;

    return bytes_read(d->scratch, sizeof(d->scratch), addr, size);
}
static void scratch_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    PcTestdev *d = opaque;

    bytes_write(d->scratch, sizeof(d->scratch), addr, data, size);
}
static uint64_t byte_read(void *opaque, hwaddr addr, unsigned size)
{
    PcTestdev *d = opaque;

    return bytes_read(d->byte_reg, sizeof(d->byte_reg), addr, size);
}
static void byte_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    PcTestdev *d = opaque;

    bytes_write(d->byte_reg, sizeof(d->byte_reg), addr, data, size);
}
static uint64_t zero_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}
static void flush_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    PcTestdev *d = opaque;

    (void)addr;
    (void)size;
    d->flush_count++;
    d->flush_last = (uint32_t)data;
}
static void irq_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    PcTestdev *d = opaque;

    (void)size;
    if (addr < PC_TESTDEV_NR_IRQS)
        irq_set(&d->irq[addr], data != 0);
}
static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    PcTestdev *d = opaque;

    return bytes_read(d->mmio, PC_TESTDEV_MMIO_SIZE, addr, size);
}
static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    PcTestdev *d = opaque;

    bytes_write(d->mmio, PC_TESTDEV_MMIO_SIZE, addr, data, size);
}

static const MemoryRegionOps scratch_ops = {
    .read = scratch_read, .write = scratch_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};
static const MemoryRegionOps flush_ops = {
    .read = zero_read, .write = flush_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};
static const MemoryRegionOps byte_ops = {
    .read = byte_read, .write = byte_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};
static const MemoryRegionOps irq_ops = {
    .read = zero_read, .write = irq_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};
static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

int pc_testdev_destroy(PcTestdev *d)
{
    if (memory_region_is_mapped(&d->ports) || memory_region_is_mapped(&d->irq_mr) ||
        memory_region_is_mapped(&d->mmio_mr))
        return MR_EBUSY;
    if (d->ports.initialized) {
        if (d->scratch_mr.initialized) {
            memory_region_del_subregion(&d->ports, &d->scratch_mr);
            memory_region_destroy(&d->scratch_mr);
        }
        if (d->flush_mr.initialized) {
            memory_region_del_subregion(&d->ports, &d->flush_mr);
            memory_region_destroy(&d->flush_mr);
        }
        if (d->byte_mr.initialized) {
            memory_region_del_subregion(&d->ports, &d->byte_mr);
            memory_region_destroy(&d->byte_mr);
        }
        memory_region_destroy(&d->ports);
    }
    if (d->irq_mr.initialized)
        memory_region_destroy(&d->irq_mr);
    if (d->mmio_mr.initialized)
        memory_region_destroy(&d->mmio_mr);
    plat_free(d->mmio);
    memset(d, 0, sizeof(*d));
    return MR_OK;
}

static int add_port(PcTestdev *d, MemoryRegion *mr, const MemoryRegionOps *ops,
                    const char *name, hwaddr off)
{
    int err = memory_region_init_io(mr, ops, d, name, 4);

    if (!err)
        err = memory_region_add_subregion(&d->ports, off, mr);
    return err;
}

int pc_testdev_init(PcTestdev *d, const char *name)
{
    int err;

    if (!d)
        return MR_EINVAL;
    memset(d, 0, sizeof(*d));
    d->mmio = plat_alloc(PC_TESTDEV_MMIO_SIZE);
    if (!d->mmio)
        return MR_ENOMEM;
    err = memory_region_init(&d->ports, name ? name : "pc-testdev", PC_TESTDEV_PORTS_SIZE);
    if (!err)
        err = add_port(d, &d->scratch_mr, &scratch_ops, "pc-testdev.ioport", 0);
    if (!err)
        err = add_port(d, &d->flush_mr, &flush_ops, "pc-testdev.flush", 4);
    if (!err)
        err = add_port(d, &d->byte_mr, &byte_ops, "pc-testdev.ioport-byte", 8);
    if (!err)
        err = memory_region_init_io(&d->irq_mr, &irq_ops, d, "pc-testdev.irq",
                                    PC_TESTDEV_NR_IRQS);
    if (!err)
        err = memory_region_init_io(&d->mmio_mr, &mmio_ops, d, "pc-testdev.mmio",
                                    PC_TESTDEV_MMIO_SIZE);
    if (err)
        pc_testdev_destroy(d);
    return err;
}

void pc_testdev_set_irq(PcTestdev *d, unsigned n, IrqLine line)
{
    if (n < PC_TESTDEV_NR_IRQS)
        d->irq[n] = line;
}
