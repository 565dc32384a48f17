/* NOR flash, Intel command set: see flash.h. */
#include "devices/flash.h"
#include "hv/lib/platform.h"

/* Reads come from RAM only in read-array mode. */
static void set_mode(Flash *f, enum flash_mode mode)
{
    bool romd = mode == FLASH_MODE_ARRAY;

    f->mode = mode;
    if (memory_region_is_romd(&f->mr) != romd)
        memory_region_rom_device_set_romd(&f->mr, romd);
}

static unsigned log2u(uint64_t v)
{
    unsigned n = 0;

    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

/* One byte of the CFI query table (x8 addressing). */
static uint8_t cfi_byte(const Flash *f, hwaddr off)
{
    uint32_t nblocks = (uint32_t)(f->size / f->block_size) - 1;
    uint32_t blk256 = f->block_size / 256;

    switch (off) {
    case 0x10: return 'Q';
    case 0x11: return 'R';
    case 0x12: return 'Y';
    case 0x13: return 0x01; /* primary command set 0x0001: Intel/Sharp */
    case 0x1b: return 0x27; /* Vcc min 2.7 V (BCD volts.tenths) */
    case 0x1c: return 0x36; /* Vcc max 3.6 V */
    case 0x1f: return 0x04; /* typical byte program 2^4 us */
    case 0x21: return 0x0a; /* typical block erase 2^10 ms */
    case 0x23: return 0x04; /* max program: 2^4 times typical */
    case 0x25: return 0x04; /* max erase: 2^4 times typical */
    case 0x27: return (uint8_t)log2u(f->size);
    case 0x28: return 0x00; /* interface: x8 only */
    case 0x2c: return 0x01; /* one erase block region */
    case 0x2d: return (uint8_t)nblocks;
    case 0x2e: return (uint8_t)(nblocks >> 8);
    case 0x2f: return (uint8_t)blk256;
    case 0x30: return (uint8_t)(blk256 >> 8);
    default: return 0;
    }
}

static uint8_t read_byte(const Flash *f, hwaddr off)
{
    switch (f->mode) {
    case FLASH_MODE_ARRAY:
        return f->array[off];
    case FLASH_MODE_ID:
        if (off == 0)
            return FLASH_MANUFACTURER_ID;
        if (off == 1)
            return FLASH_DEVICE_ID;
        return 0; /* block lock status (offset 2 of a block): unlocked */
    case FLASH_MODE_CFI:
        return cfi_byte(f, off);
    default: /* status, and while a program/erase waits for its data */
        return f->status;
    }
}

static uint64_t flash_read(void *opaque, hwaddr addr, unsigned size)
{
    Flash *f = opaque;
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size && addr + i < f->size; i++)
        v |= (uint64_t)read_byte(f, addr + i) << (8 * i);
    return v;
}

static void program(Flash *f, hwaddr addr, uint64_t data, unsigned size)
{
    unsigned i;

    for (i = 0; i < size && addr + i < f->size; i++)
        f->array[addr + i] &= (uint8_t)(data >> (8 * i));
    f->programs++;
    set_mode(f, FLASH_MODE_STATUS);
}

static void erase(Flash *f, hwaddr addr, uint8_t cmd)
{
    if (cmd != FLASH_CMD_CONFIRM) {
        plat_log(LOG_WARN, "flash %s: erase not confirmed (0x%02x)",
                 memory_region_name(&f->mr), cmd);
        f->status |= FLASH_SR_ERASE_ERR | FLASH_SR_PROG_ERR;
    } else {
        memset(f->array + (addr & ~(hwaddr)(f->block_size - 1)), 0xff,
               f->block_size);
        f->erases++;
    }
    set_mode(f, FLASH_MODE_STATUS);
}

static void command(Flash *f, uint8_t cmd)
{
    switch (cmd) {
    case FLASH_CMD_READ_ARRAY: set_mode(f, FLASH_MODE_ARRAY); break;
    case FLASH_CMD_READ_ID: set_mode(f, FLASH_MODE_ID); break;
    case FLASH_CMD_CFI_QUERY: set_mode(f, FLASH_MODE_CFI); break;
    case FLASH_CMD_READ_STATUS: set_mode(f, FLASH_MODE_STATUS); break;
    case FLASH_CMD_CLEAR_STATUS: f->status = FLASH_SR_READY; break;
    case FLASH_CMD_PROGRAM:
    case FLASH_CMD_PROGRAM_ALT: set_mode(f, FLASH_MODE_PROGRAM); break;
    case FLASH_CMD_BLOCK_ERASE: set_mode(f, FLASH_MODE_ERASE); break;
    default:
        f->bad_commands++;
        plat_log(LOG_WARN, "flash %s: unknown command 0x%02x, back to read array",
                 memory_region_name(&f->mr), cmd);
        set_mode(f, FLASH_MODE_ARRAY);
        break;
    }
}

static void flash_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Flash *f = opaque;

    if (f->mode == FLASH_MODE_PROGRAM)
        program(f, addr, data, size);
    else if (f->mode == FLASH_MODE_ERASE)
        erase(f, addr, (uint8_t)data);
    else
        command(f, (uint8_t)data);
}

static const MemoryRegionOps flash_ops = {
    .read = flash_read,
    .write = flash_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

int flash_init(Flash *f, const char *name, uint64_t size, uint32_t block_size)
{
    int err;

    if (!f)
        return MR_EINVAL;
    if (!is_pow2(size) || !is_pow2(block_size) || block_size < 256 ||
        block_size > size || size / block_size > 65536) {
        plat_log(LOG_ERR, "flash: bad geometry (size 0x%llx, block 0x%x)",
                 (unsigned long long)size, block_size);
        return MR_EINVAL;
    }
    memset(f, 0, sizeof(*f));
    f->size = size;
    f->block_size = block_size;
    f->status = FLASH_SR_READY;
    err = memory_region_init_rom_device(&f->mr, &flash_ops, f,
                                        name ? name : "flash", size);
    if (err)
        return err;
    f->array = memory_region_get_ram_ptr(&f->mr);
    if (!f->array) {
        memory_region_destroy(&f->mr);
        return MR_ENOMEM;
    }
    memset(f->array, 0xff, size);
    f->mode = FLASH_MODE_ARRAY;
    if (!memory_region_is_romd(&f->mr))
        memory_region_rom_device_set_romd(&f->mr, true);
    return MR_OK;
}

int flash_destroy(Flash *f)
{
    int err = memory_region_destroy(&f->mr);

    if (err == MR_OK)
        f->array = NULL;
    return err;
}

int flash_load(Flash *f, uint64_t offset, const void *data, size_t len)
{
    if (offset > f->size || len > f->size - offset) {
        plat_log(LOG_ERR, "flash %s: image of %zu bytes at 0x%llx does not fit",
                 memory_region_name(&f->mr), len, (unsigned long long)offset);
        return MR_EINVAL;
    }
    memcpy(f->array + offset, data, len);
    return MR_OK;
}
