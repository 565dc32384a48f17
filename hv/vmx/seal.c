#include "hv/vmx/seal.h"

#include "hv/lib/platform.h"
#include "hv/vmx/vcpu.h"

/* VMCS fields hv writes once, before the first entry, and never again:
 * the host state the CPU loads at every exit (SDM Vol. 3C 24.5; HOST_RSP
 * and HOST_RIP are rewritten before every entry) and the addresses of the
 * structures the CPU reads or writes on the guest's behalf. */
static const uint32_t sealed_fields[] = {
    VMCS_HOST_CR0, VMCS_HOST_CR3, VMCS_HOST_CR4,
    VMCS_HOST_CS_SEL, VMCS_HOST_SS_SEL, VMCS_HOST_DS_SEL, VMCS_HOST_ES_SEL,
    VMCS_HOST_FS_SEL, VMCS_HOST_GS_SEL, VMCS_HOST_TR_SEL,
    VMCS_HOST_TR_BASE, VMCS_HOST_GDTR_BASE, VMCS_HOST_IDTR_BASE, VMCS_HOST_EFER,
    VMCS_IO_BITMAP_A, VMCS_IO_BITMAP_B, VMCS_MSR_BITMAP, VMCS_EPT_POINTER,
    VMCS_PML_ADDRESS, VMCS_VPID,
};
_Static_assert(ARRAY_SIZE(sealed_fields) == SEAL_FIELDS, "one slot per field");

static uint64_t hash(const void *p, size_t len)
{
    const uint64_t *q = p;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis, a word at a time */

    for (size_t i = 0; i < len / 8; i++)
        h = (h ^ q[i]) * 0x100000001b3ull;
    return h;
}

/* PML address and VPID read 0 when their controls are off; fine, they
 * must stay 0 too. */
static uint64_t read_field(const struct vcpu *v, uint32_t f)
{
    if ((f == VMCS_PML_ADDRESS && !v->ept.pml_on) || (f == VMCS_VPID && !v->caps->vpid))
        return 0;
    return vmread(f);
}

void vcpu_seal(struct vcpu *v)
{
    struct vcpu_seal *s = &v->seal;

    s->msr_sum = hash(v->msr_bitmap, PLAT_PAGE_SIZE);
    s->io_sum = hash(v->io_bitmaps, 2 * PLAT_PAGE_SIZE);
    for (size_t i = 0; i < SEAL_FIELDS; i++)
        s->field[i] = read_field(v, sealed_fields[i]);
    s->on = true;
}

static void ept_line(void *opaque, const char *line)
{
    (void)opaque;
    plat_log(LOG_ERR, "canary: %s", line);
}

static unsigned revision_changed(const char *what, const void *region, uint32_t revision)
{
    uint32_t r = *(const volatile uint32_t *)region & 0x7fffffff;

    if (r == revision)
        return 0;
    plat_log(LOG_ERR, "canary: the %s region's revision identifier is %#x, not %#x", what, r,
             revision);
    return 1;
}

unsigned vcpu_seal_check(struct vcpu *v, const void *vmxon_region)
{
    struct vcpu_seal *s = &v->seal;
    unsigned bad = 0, n, slot = 0;

    if (!s->on)
        return 0;
    if (hash(v->msr_bitmap, PLAT_PAGE_SIZE) != s->msr_sum) {
        plat_log(LOG_ERR, "canary: the MSR bitmap changed while the guest ran");
        bad++;
    }
    if (hash(v->io_bitmaps, 2 * PLAT_PAGE_SIZE) != s->io_sum) {
        plat_log(LOG_ERR, "canary: the I/O bitmaps changed while the guest ran");
        bad++;
    }
    for (size_t i = 0; i < SEAL_FIELDS; i++) {
        uint64_t now = read_field(v, sealed_fields[i]);

        if (now != s->field[i]) {
            plat_log(LOG_ERR, "canary: VMCS field %#x is %#llx, was %#llx", sealed_fields[i],
                     (unsigned long long)now, (unsigned long long)s->field[i]);
            bad++;
        }
    }
    bad += revision_changed("VMCS", v->vmcs, v->caps->vmcs_revision);
    if (vmxon_region)
        bad += revision_changed("VMXON", vmxon_region, v->caps->vmcs_revision);
    if (v->ept.pml_on && (n = ept_pml_check(&v->ept.pml, &slot))) {
        plat_log(LOG_ERR, "canary: %u PML buffer slot(s) hold what the CPU never logs "
                 "(first: slot %u = %#llx, index %u)", n, slot,
                 (unsigned long long)v->ept.pml.log[slot], v->ept.pml.index);
        bad += n;
    }
    bad += (unsigned)ept_listener_check(&v->ept.el, ept_line, NULL);
    return bad;
}
