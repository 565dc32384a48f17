#include "hv/vmx/ept.h"

#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"


int hv_ept_init(struct hv_ept *e, const struct vmx_caps *c, AddressSpace *as,
                size_t budget_pages)
{
    EptCaps caps;
    int err;

    memset(e, 0, sizeof(*e));
    if (!ept_caps_from_msrs(&caps, c->ept_vpid, c->procbased2, cpu_phys_bits()))
        return MR_EINVAL;
    err = ept_listener_init(&e->el, &caps, budget_pages, as);
    if (err)
        return err;
    e->live = true;
    if (e->el.ept.mode == EPT_DIRTY_PML) {
        err = ept_pml_init(&e->pml);
        if (err) {
            hv_ept_destroy(e);
            return err;
        }
        ept_pml_attach(&e->el, &e->pml);
        e->pml_on = true;
    }
    e->eptp = ept_listener_eptp(&e->el);
    return MR_OK;
}

void hv_ept_destroy(struct hv_ept *e)
{
    if (!e->live)
        return;
    if (e->pml_on) {
        ept_pml_detach(&e->el, &e->pml);
        ept_pml_destroy(&e->pml);
    }
    ept_listener_destroy(&e->el);
    memset(e, 0, sizeof(*e));
}

void hv_ept_report(const struct hv_ept *e)
{
    EptCounts n;

    ept_count(&e->el.ept, &n);
    plat_log(LOG_INFO, "ept: eptp %#llx: %zu 4K + %zu 2M + %zu 1G leaves, %zu table pages, "
             "dirty logging by %s%s", (unsigned long long)e->eptp, n.leaves[1], n.leaves[2],
             n.leaves[3], n.tables[1] + n.tables[2] + n.tables[3] + n.tables[4],
             ept_dirty_mode_name(e->el.ept.mode), e->el.ept.caps.ad ? ", A/D on" : "");
}
