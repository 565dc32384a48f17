#include "hv/ept_simple.h"

#include "hv/platform.h"

/* EPT entry bits (SDM Vol. 3C 29.3.2). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_WB (6ull << 3)
#define EPT_ADDR_MASK 0x000ffffffffff000ull
/* EPTP (SDM 24.6.11): memory type WB, 4-level walk, A/D enable. */
#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)
#define EPTP_AD (1ull << 6)

static uint64_t *table_of(uint64_t entry)
{
    return plat_phys_to_virt(entry & EPT_ADDR_MASK);
}

/* The entry for gpa at the leaf level, making tables on the way. */
static uint64_t *leaf_entry(struct hv_ept *ept, uint64_t gpa)
{
    uint64_t *t = ept->pml4;
    int level;

    for (level = 3; level > 0; level--) {
        uint64_t *e = &t[(gpa >> (12 + 9 * level)) & 511];

        if (!(*e & (EPT_R | EPT_W | EPT_X))) {
            uint64_t *next = plat_alloc_pages(1);

            if (!next)
                return NULL;
            ept->table_pages++;
            *e = plat_virt_to_phys(next) | EPT_R | EPT_W | EPT_X;
        }
        t = table_of(*e);
    }
    return &t[(gpa >> 12) & 511];
}

static int map_range(struct hv_ept *ept, const FlatRange *fr)
{
    uint64_t perm = EPT_R | EPT_X | ((fr->flags & FR_DIRECT_WRITE) ? EPT_W : 0);
    uint64_t gpa = (fr->start + 4095) & ~4095ull;

    /* Partial pages at either end stay unmapped and exit to hv. */
    for (; gpa + 4095 <= fr->last && gpa >= fr->start; gpa += 4096) {
        uint64_t *e = leaf_entry(ept, gpa);

        if (!e)
            return MR_ENOMEM;
        *e = (plat_virt_to_phys(flatrange_ram_ptr(fr, gpa)) & EPT_ADDR_MASK) | perm | EPT_MT_WB;
        ept->mapped_pages++;
        if (gpa + 4096 == 0)
            break;
    }
    return MR_OK;
}

int hv_ept_build(struct hv_ept *ept, AddressSpace *as, bool ad)
{
    const FlatView *v = address_space_flatview(as);
    size_t i;

    memset(ept, 0, sizeof(*ept));
    ept->pml4 = plat_alloc_pages(1);
    if (!ept->pml4)
        return MR_ENOMEM;
    ept->table_pages = 1;
    for (i = 0; v && i < v->nr; i++) {
        if (!(v->ranges[i].flags & FR_DIRECT_READ))
            continue; /* MMIO: not present, every access exits */
        if (map_range(ept, &v->ranges[i])) {
            hv_ept_destroy(ept);
            return MR_ENOMEM;
        }
    }
    ept->eptp = plat_virt_to_phys(ept->pml4) | EPTP_WB | EPTP_WALK4 | (ad ? EPTP_AD : 0);
    return MR_OK;
}

static void free_level(uint64_t *t, int level)
{
    unsigned i;

    if (level > 0) {
        for (i = 0; i < 512; i++)
            if (t[i] & (EPT_R | EPT_W | EPT_X))
                free_level(table_of(t[i]), level - 1);
    }
    plat_free_pages(t, 1);
}

void hv_ept_destroy(struct hv_ept *ept)
{
    if (ept->pml4)
        free_level(ept->pml4, 3);
    memset(ept, 0, sizeof(*ept));
}
