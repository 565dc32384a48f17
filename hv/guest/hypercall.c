/*
 * The hypercalls of docs/guest-abi.md on the guest machine.  Region
 * changes go through the memory API outside any transaction, so each one
 * commits at once (the EPT listener has updated the EPT and done its
 * INVEPT before the guest resumes) and a failed commit comes back to the
 * guest as its error.  Dirty logging uses the memory API's MIGRATION
 * client on the guest's RAM region; the EPT listener harvests it with the
 * CPU's strategy (PML, A/D flags or write protection).
 */
#include "hv/guest/hypercall.h"

#include "hv/guest/machine.h"
#include "hv/lib/platform.h"

#define PAGE 4096ull

/* [gpa, gpa+len) as host memory when all of it is guest RAM that the
 * guest reaches directly in the flat view in force -- not RAM hidden
 * under ROM, a device or an overlay -- and writable when `write`; else
 * NULL (docs/guest-abi.md "Hypercalls": address arguments). */
static uint8_t *guest_ram(struct guest_machine *m, uint64_t gpa, uint64_t len, bool write)
{
    const FlatRange *fr;

    if (len == 0 || gpa + (len - 1) < gpa)
        return NULL;
    fr = flatview_lookup(address_space_flatview(&m->as_mem), gpa);
    if (!fr || fr->mr != &m->ram || gpa + (len - 1) > fr->last ||
        !(fr->flags & (write ? FR_DIRECT_WRITE : FR_DIRECT_READ)))
        return NULL;
    return flatrange_ram_ptr(fr, gpa);
}

/* All or nothing: the string is read whole (up to its NUL or
 * HC_PRINT_MAX bytes) before a byte of it is printed. */
static int64_t hc_print(struct guest_machine *m, uint64_t gpa)
{
    char buf[HC_PRINT_MAX];
    unsigned i, n;

    for (n = 0; n < HC_PRINT_MAX; n++) {
        const uint8_t *p = guest_ram(m, gpa + n, 1, false);

        if (!p)
            return HC_EFAULT;
        if (!*p)
            break;
        buf[n] = (char)*p;
    }
    for (i = 0; i < n; i++)
        devline_putc(&m->com1.line, (uint8_t)buf[i]);
    devline_flush(&m->com1.line);
    return HC_OK;
}

static const char *region_op_name(uint64_t op)
{
    return op == HC_REGION_MOVE ? "move" : op == HC_REGION_ENABLE ? "enable" : "disable";
}

static int64_t hc_region(struct guest_machine *m, uint64_t id, uint64_t op, uint64_t arg)
{
    MemoryRegion *mr = machine_region(m, id);
    int err;

    if (!mr)
        return HC_EINVAL;
    switch (op) {
    case HC_REGION_DISABLE:
    case HC_REGION_ENABLE:
        err = memory_region_set_enabled(mr, op == HC_REGION_ENABLE);
        break;
    case HC_REGION_MOVE:
        err = memory_region_set_address(mr, arg);
        break;
    default:
        return HC_EINVAL;
    }
    if (err) {
        plat_log(LOG_WARN, "hypercall: region %s %s: %s", memory_region_name(mr),
                 region_op_name(op), memory_strerror(err));
        return HC_EMEM(err);
    }
    plat_log(LOG_INFO, "hypercall: region %s %s: done", memory_region_name(mr),
             region_op_name(op));
    if (op == HC_REGION_MOVE)
        plat_log(LOG_DEBUG, "hypercall: region %s now at %#llx", memory_region_name(mr),
                 (unsigned long long)arg);
    return HC_OK;
}

static int64_t dirty_harvest(struct guest_machine *m, uint64_t start, uint64_t len,
                             uint64_t bitmap)
{
    MemoryRegion *ram = &m->ram;
    uint64_t pages = len / PAGE, i, n = 0;
    uint8_t *out = guest_ram(m, bitmap, (pages + 7) / 8, true);

    if (!out)
        return HC_EFAULT;
    memory_region_sync_dirty_bitmap(ram);
    memset(out, 0, (pages + 7) / 8);
    for (i = 0; i < pages; i++) {
        if (memory_region_get_dirty(ram, start + i * PAGE, PAGE, DIRTY_MEMORY_MIGRATION)) {
            out[i / 8] |= (uint8_t)(1u << (i % 8));
            n++;
        }
    }
    /* After writing the bitmap: hv's own write to it must not count. */
    memory_region_reset_dirty(ram, start, len, DIRTY_MEMORY_MIGRATION);
    return (int64_t)n;
}

/* HC_DIRTY's range: page aligned, inside the RAM region (logging is of
 * the region, whatever covers parts of it at the moment). */
static bool logged_range_ok(struct guest_machine *m, uint64_t start, uint64_t len)
{
    return len && start + len > start && start + len <= m->ram_size;
}

static int64_t hc_dirty(struct guest_machine *m, const struct hc_call *c, const char *mode)
{
    MemoryRegion *ram = &m->ram;
    uint64_t op = c->b, start = c->c, len = c->d;
    int err;

    if ((start | len) & (PAGE - 1) || !logged_range_ok(m, start, len))
        return HC_EINVAL;
    switch (op) {
    case HC_DIRTY_START:
        err = memory_region_set_log(ram, true, DIRTY_MEMORY_MIGRATION);
        if (err)
            return HC_EMEM(err);
        memory_region_sync_dirty_bitmap(ram);
        memory_region_reset_dirty(ram, start, len, DIRTY_MEMORY_MIGRATION);
        plat_log(LOG_INFO, "hypercall: dirty logging of %#llx-%#llx by %s",
                 (unsigned long long)start, (unsigned long long)(start + len - 1), mode);
        return HC_OK;
    case HC_DIRTY_HARVEST:
        return dirty_harvest(m, start, len, c->si);
    case HC_DIRTY_STOP:
        err = memory_region_set_log(ram, false, DIRTY_MEMORY_MIGRATION);
        return err ? HC_EMEM(err) : HC_OK;
    default:
        return HC_EINVAL;
    }
}

int64_t hypercall(struct guest_machine *m, struct hc_call *c, const char *dirty_mode)
{
    switch (c->fn) {
    case HC_PRINT:
        return hc_print(m, c->b);
    case HC_EXIT:
        c->exit = true;
        c->status = c->b;
        return HC_OK;
    case HC_PUTC:
        devline_putc(&m->com1.line, (uint8_t)c->b);
        return HC_OK;
    case HC_REGION:
        return hc_region(m, c->b, c->c, c->d);
    case HC_DIRTY:
        return hc_dirty(m, c, dirty_mode);
    default:
        plat_log(LOG_WARN, "hypercall: unknown function %#llx", (unsigned long long)c->fn);
        return HC_ENOSYS;
    }
}
