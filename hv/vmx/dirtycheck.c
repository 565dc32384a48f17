/*
 * The dirty-log check (hv.cfg dirty-log=on, docs/linux.md): hv logs all of
 * the guest's RAM while it runs, harvests the log about once a second of
 * guest time, and proves at each harvest that every page whose contents
 * changed since the previous harvest was reported dirty.  It keeps a 64-bit
 * fingerprint of every page (not a copy: a changed page whose fingerprint
 * happens to stay equal goes unnoticed, never the other way round); a
 * changed page not reported is a "missed" page and fails the run.  One
 * line per harvest with the dirty-page rate, one summary at the end.
 */
#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"
#include "hv/runtime/tsc.h"
#include "hv/vmx/vcpu.h"

#define PAGE 4096u
#define CLIENT DIRTY_MEMORY_MIGRATION
#define MISSED_LINES 8

static uint64_t fingerprint(const uint64_t *w)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;

    for (unsigned i = 0; i < PAGE / 8; i += 4)
        h = ((h << 7) | (h >> 57)) ^ w[i] ^ (w[i + 1] << 1) ^ (w[i + 2] << 2) ^ (w[i + 3] << 3);
    return h;
}

void vmx_dirty_check_start(struct vcpu *v)
{
    struct dirty_check *d = &v->dirty;
    MemoryRegion *ram = vcpu_ram(v);
    const uint8_t *p = memory_region_get_ram_ptr(ram);
    int err;

    d->npages = memory_region_size(ram) / PAGE;
    d->fp = plat_alloc_pages((d->npages * 8 + PAGE - 1) / PAGE);
    if (!d->fp) {
        plat_log(LOG_ERR, "dirty: no memory for %llu page fingerprints: no check",
                 (unsigned long long)d->npages);
        return;
    }
    err = memory_region_set_log(ram, true, CLIENT);
    if (err) {
        plat_log(LOG_ERR, "dirty: logging the guest's RAM refused (%d): no check", err);
        plat_free_pages(d->fp, (d->npages * 8 + PAGE - 1) / PAGE);
        d->fp = NULL;
        return;
    }
    memory_region_sync_dirty_bitmap(ram);
    memory_region_reset_dirty(ram, 0, d->npages * PAGE, CLIENT);
    for (uint64_t i = 0; i < d->npages; i++)
        d->fp[i] = fingerprint((const uint64_t *)(p + i * PAGE));
    d->period = tsc_hz();
    d->last = rdtsc();
    d->next = d->last + d->period;
    d->on = true;
    plat_log(LOG_INFO, "dirty: checking the log of all %llu pages of guest RAM by %s, "
             "a harvest a second", (unsigned long long)d->npages,
             ept_dirty_mode_name(v->ept.el.ept.mode));
}

void vmx_dirty_check_harvest(struct vcpu *v)
{
    struct dirty_check *d = &v->dirty;
    MemoryRegion *ram = vcpu_ram(v);
    const uint8_t *p = memory_region_get_ram_ptr(ram);
    uint64_t now = rdtsc(), dirty = 0, changed = 0, missed = 0;

    if (!d->on)
        return;
    memory_region_sync_dirty_bitmap(ram);
    for (uint64_t i = 0; i < d->npages; i++) {
        uint64_t f = fingerprint((const uint64_t *)(p + i * PAGE));
        bool reported = memory_region_get_dirty(ram, i * PAGE, PAGE, CLIENT);

        dirty += reported;
        if (f == d->fp[i])
            continue;
        changed++;
        d->fp[i] = f;
        if (!reported && missed++ < MISSED_LINES)
            plat_log(LOG_ERR, "dirty: page %#llx changed but was not reported dirty",
                     (unsigned long long)(i * PAGE));
    }
    memory_region_reset_dirty(ram, 0, d->npages * PAGE, CLIENT);
    d->harvests++;
    d->dirty += dirty;
    d->changed += changed;
    d->missed += missed;
    plat_log(missed ? LOG_ERR : LOG_INFO, "dirty: harvest %u: %llu pages dirty (%llu pages/s), "
             "%llu changed, %llu missed", d->harvests, (unsigned long long)dirty,
             (unsigned long long)(now > d->last ? dirty * tsc_hz() / (now - d->last) : 0),
             (unsigned long long)changed, (unsigned long long)missed);
    d->last = now;
    d->next = rdtsc() + d->period; /* a second of guest time after this one */
}

void vmx_dirty_check_finish(struct vcpu *v)
{
    struct dirty_check *d = &v->dirty;

    if (!d->on)
        return;
    vmx_dirty_check_harvest(v);
    memory_region_set_log(vcpu_ram(v), false, CLIENT);
    plat_log(d->missed ? LOG_ERR : LOG_INFO, "dirty: %u harvests by %s: %llu pages reported "
             "dirty, %llu changed, %llu missed", d->harvests,
             ept_dirty_mode_name(v->ept.el.ept.mode), (unsigned long long)d->dirty,
             (unsigned long long)d->changed, (unsigned long long)d->missed);
    plat_free_pages(d->fp, (d->npages * 8 + PAGE - 1) / PAGE);
    d->fp = NULL;
    d->on = false;
}
