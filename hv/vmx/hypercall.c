/*
 * VMCALL: the hypercalls of docs/guest-abi.md.  Region changes go through
 * the memory API outside any transaction, so each one commits at once and
 * the EPT listener has updated the EPT (and done its INVEPT) before the
 * guest resumes.  Dirty logging uses the memory API's MIGRATION client on
 * the guest's RAM region; the EPT listener harvests it with the CPU's
 * strategy (PML, A/D flags or write protection).
 */
#include "hv/guest/hypercall.h"
#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"
#include "hv/guest/bus.h"

#define PAGE 4096ull

/* Guest RAM as host memory, or NULL when [gpa, gpa+len) is not all RAM. */
static uint8_t *guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len)
{
    uint64_t mem = v->machine->ram_size;

    if (len == 0 || gpa + len < gpa || gpa + len > mem ||
        (gpa < GM_HOLE_END && gpa + len > GM_HOLE_START))
        return NULL;
    return (uint8_t *)memory_region_get_ram_ptr(&v->machine->ram) + gpa;
}

static void console_putc(struct vcpu *v, uint8_t c)
{
    devline_putc(&v->machine->com1.line, c);
}

static int64_t hc_print(struct vcpu *v, uint64_t gpa)
{
    unsigned i;

    for (i = 0; i < 160; i++) {
        const uint8_t *p = guest_ram(v, gpa + i, 1);

        if (!p)
            return HC_EFAULT;
        if (!*p)
            break;
        console_putc(v, *p);
    }
    devline_flush(&v->machine->com1.line);
    return HC_OK;
}

static int64_t hc_region(struct vcpu *v, uint64_t id, uint64_t op, uint64_t arg)
{
    MemoryRegion *mr = machine_region(v->machine, id);
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
    plat_log(err ? LOG_WARN : LOG_INFO, "hypercall: region %s %s%s: %s", memory_region_name(mr),
             op == HC_REGION_MOVE ? "move" : op == HC_REGION_ENABLE ? "enable" : "disable",
             "", err ? memory_strerror(err) : "done");
    if (op == HC_REGION_MOVE)
        plat_log(LOG_DEBUG, "hypercall: region %s now at %#llx", memory_region_name(mr),
                 (unsigned long long)arg);
    return err;
}

static int64_t dirty_harvest(struct vcpu *v, uint64_t start, uint64_t len, uint64_t bitmap)
{
    MemoryRegion *ram = &v->machine->ram;
    uint64_t pages = len / PAGE, i, n = 0;
    uint8_t *out = guest_ram(v, bitmap, (pages + 7) / 8);

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

static int64_t hc_dirty(struct vcpu *v, uint64_t op, uint64_t start, uint64_t len, uint64_t bm)
{
    MemoryRegion *ram = &v->machine->ram;
    int err;

    if ((start | len) & (PAGE - 1) || !guest_ram(v, start, len))
        return HC_EINVAL;
    switch (op) {
    case HC_DIRTY_START:
        err = memory_region_set_log(ram, true, DIRTY_MEMORY_MIGRATION);
        if (err)
            return err;
        memory_region_sync_dirty_bitmap(ram);
        memory_region_reset_dirty(ram, start, len, DIRTY_MEMORY_MIGRATION);
        plat_log(LOG_INFO, "hypercall: dirty logging of %#llx-%#llx by %s",
                 (unsigned long long)start, (unsigned long long)(start + len - 1),
                 ept_dirty_mode_name(v->ept.el.ept.mode));
        return HC_OK;
    case HC_DIRTY_HARVEST:
        return dirty_harvest(v, start, len, bm);
    case HC_DIRTY_STOP:
        return memory_region_set_log(ram, false, DIRTY_MEMORY_MIGRATION);
    default:
        return HC_EINVAL;
    }
}

/* Outside 64-bit code the upper halves of the registers are not the
 * guest's to set (the SDM leaves them undefined across mode switches):
 * a 16- or 32-bit guest's arguments are their low 32 bits. */
static bool guest_in_64bit_code(void)
{
    return (vmread(VMCS_GUEST_EFER) & (1ull << 10)) &&   /* EFER.LMA */
           (vmread(VMCS_GUEST_CS_AR) & (1ull << 13));    /* CS.L */
}

void vmx_hypercall(struct vcpu *v)
{
    struct guest_regs *g = &v->regs;
    uint64_t mask = guest_in_64bit_code() ? ~0ull : 0xffffffffull;
    uint64_t fn = g->rax & mask, b = g->rbx & mask, c = g->rcx & mask;
    uint64_t d = g->rdx & mask, si = g->rsi & mask;
    int64_t r;

    v->hypercalls++;
    switch (fn) {
    case HC_PRINT:
        r = hc_print(v, b);
        break;
    case HC_EXIT:
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = b;
        r = HC_OK;
        break;
    case HC_PUTC:
        console_putc(v, (uint8_t)b);
        r = HC_OK;
        break;
    case HC_REGION:
        r = hc_region(v, b, c, d);
        break;
    case HC_DIRTY:
        r = hc_dirty(v, b, c, d, si);
        break;
    default:
        plat_log(LOG_WARN, "hypercall: unknown function %#llx", (unsigned long long)fn);
        r = HC_ENOSYS;
        break;
    }
    g->rax = (uint64_t)r;
}
