#include "hv/runtime/canary.h"
#include "hv/lib/platform.h"

/* In hv.efi's own data: `used` keeps it in the image. */
__attribute__((used)) static char image_copy[4 * HV_CANARY_LEN + 1] =
    HV_CANARY HV_CANARY HV_CANARY HV_CANARY;

static void fill(uint8_t *p, uint64_t len)
{
    for (uint64_t i = 0; i + HV_CANARY_LEN <= len; i += HV_CANARY_LEN)
        memcpy(p + i, HV_CANARY, HV_CANARY_LEN);
}

bool canary_plant_boot(void)
{
    uint8_t *page = plat_alloc_pages(1); /* kept for the whole boot */

    if (!page) {
        plat_log(LOG_WARN, "canary: no pool page; only the image copy at %p", image_copy);
        return false;
    }
    fill(page, PLAT_PAGE_SIZE);
    plat_log(LOG_INFO, "canary: \"%s\" planted in hv's image at %p and a pool page at %#llx",
             HV_CANARY, image_copy, (unsigned long long)plat_virt_to_phys(page));
    return true;
}

void canary_plant_after(void *ram, uint64_t mem, uint64_t len)
{
    fill((uint8_t *)ram + mem, len);
}
