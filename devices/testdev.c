/* The test device: see testdev.h and docs/devices.md. */
#include "devices/testdev.h"
#include "hv/lib/platform.h"

/* ------------------------------------------------------------ access log */
static void log_access(TestDev *td, hwaddr offset, unsigned size, bool write,
                       uint64_t value)
{
    if (td->log_count < TESTDEV_LOG_CAP) {
        TestDevLogEntry *e = &td->log[td->log_count];

        e->offset = (uint16_t)offset;
        e->size = (uint8_t)size;
        e->write = write;
        e->value = value;
    }
    if (td->log_count < UINT32_MAX)
        td->log_count++;
}

uint64_t testdev_log_count(const TestDev *td) { return td->log_count; }

const TestDevLogEntry *testdev_log_entry(const TestDev *td, uint64_t i)
{
    return i < td->log_count && i < TESTDEV_LOG_CAP ? &td->log[i] : NULL;
}

void testdev_log_clear(TestDev *td)
{
    td->log_count = 0;
    td->log_select = 0;
    memset(td->log, 0, sizeof(td->log));
}

static uint32_t log_info(const TestDev *td)
{
    const TestDevLogEntry *e = testdev_log_entry(td, td->log_select);

    if (!e)
        return 0;
    return TD_INFO_VALID | (e->write ? TD_INFO_WRITE : 0) |
           ((uint32_t)e->size << TD_INFO_SIZE_SHIFT) |
           (e->offset & TD_INFO_OFFSET_MASK);
}

static uint64_t log_value(const TestDev *td)
{
    const TestDevLogEntry *e = testdev_log_entry(td, td->log_select);

    return e ? e->value : 0;
}

/* ------------------------------------------------------- control window */
struct ctrl_reg {
    uint8_t offset, size;
};

/* Every valid (offset, size) pair of the control window. */
static const struct ctrl_reg ctrl_regs[] = {
    { TD_ID, 4 },          { TD_VERSION, 4 },      { TD_SCRATCH8, 1 },
    { TD_SCRATCH16, 2 },   { TD_SCRATCH32, 4 },    { TD_SCRATCH64, 8 },
    { TD_LOG_COUNT, 4 },   { TD_LOG_CAPACITY, 4 }, { TD_LOG_SELECT, 4 },
    { TD_LOG_INFO, 4 },    { TD_LOG_VALUE, 8 },    { TD_LOG_VALUE, 4 },
    { TD_LOG_VALUE + 4, 4 }, { TD_LOG_CLEAR, 4 },
};

/* valid.accepts: each register only at its own offset and width. */
static bool ctrl_accepts(void *opaque, hwaddr addr, unsigned size, bool is_write)
{
    size_t i;

    (void)opaque;
    (void)is_write;
    for (i = 0; i < ARRAY_SIZE(ctrl_regs); i++)
        if (ctrl_regs[i].offset == addr && ctrl_regs[i].size == size)
            return true;
    return false;
}

static bool is_log_reg(hwaddr addr)
{
    return addr >= TD_LOG_REGS_START && addr < TD_LOG_REGS_END;
}

static uint64_t ctrl_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *td = opaque;
    uint64_t v;

    switch (addr) {
    case TD_ID: v = TESTDEV_ID; break;
    case TD_VERSION: v = TESTDEV_VERSION; break;
    case TD_SCRATCH8: v = td->scratch8; break;
    case TD_SCRATCH16: v = td->scratch16; break;
    case TD_SCRATCH32: v = td->scratch32; break;
    case TD_SCRATCH64: v = td->scratch64; break;
    case TD_LOG_COUNT: v = td->log_count; break;
    case TD_LOG_CAPACITY: v = TESTDEV_LOG_CAP; break;
    case TD_LOG_SELECT: v = td->log_select; break;
    case TD_LOG_INFO: v = log_info(td); break;
    case TD_LOG_VALUE: v = log_value(td); break;
    case TD_LOG_VALUE + 4: v = log_value(td) >> 32; break;
    default: v = 0; break; /* LOG_CLEAR is write-only */
    }
    if (size < 8)
        v &= (1ull << (size * 8)) - 1;
    if (!is_log_reg(addr))
        log_access(td, addr, size, false, v);
    return v;
}

static void ctrl_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    TestDev *td = opaque;

    if (!is_log_reg(addr))
        log_access(td, addr, size, true, data);
    switch (addr) {
    case TD_SCRATCH8: td->scratch8 = (uint8_t)data; break;
    case TD_SCRATCH16: td->scratch16 = (uint16_t)data; break;
    case TD_SCRATCH32: td->scratch32 = (uint32_t)data; break;
    case TD_SCRATCH64: td->scratch64 = data; break;
    case TD_LOG_SELECT: td->log_select = (uint32_t)data; break;
    case TD_LOG_CLEAR: testdev_log_clear(td); break;
    default: break; /* read-only registers ignore writes */
    }
}

static const MemoryRegionOps ctrl_ops = {
    .read = ctrl_read,
    .write = ctrl_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8,
               .accepts = ctrl_accepts },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ------------------------------------------------------------- windows */
/* Window storage holds device-side values least significant byte first. */
static uint64_t win_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDevWindow *w = opaque;
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size && addr + i < TESTDEV_WIN_SIZE; i++)
        v |= (uint64_t)w->data[addr + i] << (8 * i);
    log_access(w->td, w->base + addr, size, false, v);
    return v;
}

static void win_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    TestDevWindow *w = opaque;
    unsigned i;

    log_access(w->td, w->base + addr, size, true, data);
    for (i = 0; i < size && addr + i < TESTDEV_WIN_SIZE; i++)
        w->data[addr + i] = (uint8_t)(data >> (8 * i));
}

static const MemoryRegionOps win_ops[TESTDEV_NR_WINDOWS] = {
    [0] = { /* any: the device sees exactly the guest's access */
        .read = win_read, .write = win_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
        .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    },
    [1] = { /* only4: other sizes and misaligned accesses are refused */
        .read = win_read, .write = win_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    },
    [2] = { /* impl1: the memory API splits every access into bytes */
        .read = win_read, .write = win_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
        .impl = { .min_access_size = 1, .max_access_size = 1 },
    },
    [3] = { /* be: values reach the device byte-swapped */
        .read = win_read, .write = win_write,
        .endianness = DEVICE_BIG_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 1, .max_access_size = 8 },
    },
    [4] = { /* coal: like "any"; the region is marked coalesced */
        .read = win_read, .write = win_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
        .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    },
};

static const char *const win_names[TESTDEV_NR_WINDOWS] = {
    "testdev.any", "testdev.only4", "testdev.impl1", "testdev.be", "testdev.coal",
};

/* ---------------------------------------------------------- life cycle */
/* Undoes init: children out of the container, then every region. */
static int teardown(TestDev *td, int nr_windows, bool ctrl)
{
    int i, err;

    if (memory_region_is_mapped(&td->container))
        return MR_EBUSY;
    for (i = nr_windows - 1; i >= 0; i--) {
        memory_region_del_subregion(&td->container, &td->win[i].mr);
        memory_region_destroy(&td->win[i].mr);
    }
    if (ctrl) {
        memory_region_del_subregion(&td->container, &td->ctrl);
        memory_region_destroy(&td->ctrl);
    }
    err = memory_region_destroy(&td->container);
    return err;
}

static int add_window(TestDev *td, int i)
{
    TestDevWindow *w = &td->win[i];
    int err;

    w->td = td;
    w->base = TD_WIN_ANY + (hwaddr)i * TESTDEV_WIN_SIZE;
    err = memory_region_init_io(&w->mr, &win_ops[i], w, win_names[i],
                                TESTDEV_WIN_SIZE);
    if (err)
        return err;
    if (w->base == TD_WIN_COAL)
        err = memory_region_set_coalescing(&w->mr);
    if (!err)
        err = memory_region_add_subregion(&td->container, w->base, &w->mr);
    if (err)
        memory_region_destroy(&w->mr);
    return err;
}

int testdev_init(TestDev *td, const char *name)
{
    int err, i;

    if (!td)
        return MR_EINVAL;
    memset(td, 0, sizeof(*td));
    err = memory_region_init(&td->container, name ? name : "testdev",
                             TESTDEV_SIZE);
    if (err)
        return err;
    err = memory_region_init_io(&td->ctrl, &ctrl_ops, td, "testdev.ctrl",
                                TESTDEV_WIN_SIZE);
    if (err) {
        teardown(td, 0, false);
        return err;
    }
    err = memory_region_add_subregion(&td->container, 0, &td->ctrl);
    if (err) {
        memory_region_destroy(&td->ctrl);
        teardown(td, 0, false);
        return err;
    }
    for (i = 0; i < TESTDEV_NR_WINDOWS; i++) {
        err = add_window(td, i);
        if (err) {
            plat_log(LOG_ERR, "testdev: window %s: %s", win_names[i],
                     memory_strerror(err));
            teardown(td, i, true);
            return err;
        }
    }
    return MR_OK;
}

int testdev_destroy(TestDev *td)
{
    return teardown(td, TESTDEV_NR_WINDOWS, true);
}
