/* Debug exit port: see debug_exit.h. */
#include "devices/debug_exit.h"
#include "hv/lib/platform.h"

static uint64_t dx_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    /* impl.unaligned is false: addr is size-aligned inside the 4 bytes. */
    return (DEBUG_EXIT_MAGIC >> (addr * 8)) &
           (size >= 4 ? 0xffffffffu : ((1u << (size * 8)) - 1));
}

static void dx_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    DebugExit *d = opaque;

    d->writes++;
    if (d->requested)
        return;
    /* A status is a write at the port itself; the other bytes are slack. */
    if (addr != 0) {
        plat_log(LOG_WARN, "debug-exit: write at port+%u ignored",
                 (unsigned)addr);
        return;
    }
    d->requested = true;
    d->status = (uint32_t)data;
    d->width = size;
    plat_log(LOG_INFO, "debug-exit: status 0x%x (%u bytes)", d->status, size);
    if (d->on_exit)
        d->on_exit(d->ctx, d->status);
}

static const MemoryRegionOps dx_ops = {
    .read = dx_read,
    .write = dx_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

int debug_exit_init(DebugExit *d, const char *name,
                    void (*on_exit)(void *ctx, uint32_t status), void *ctx)
{
    if (!d)
        return MR_EINVAL;
    memset(d, 0, sizeof(*d));
    d->on_exit = on_exit;
    d->ctx = ctx;
    return memory_region_init_io(&d->mr, &dx_ops, d,
                                 name ? name : "debug-exit", DEBUG_EXIT_SIZE);
}

int debug_exit_destroy(DebugExit *d)
{
    return memory_region_destroy(&d->mr);
}

bool debug_exit_requested(const DebugExit *d) { return d->requested; }
uint32_t debug_exit_status(const DebugExit *d) { return d->status; }

void debug_exit_rearm(DebugExit *d)
{
    d->requested = false;
    d->status = 0;
    d->width = 0;
}
