#include "hv/runtime/canary.h"
#include "hv/lib/platform.h"
#include "hv/lib/pool.h"

/* In hv.efi's own data: `used` keeps it in the image. */
__attribute__((used)) static char image_copy[4 * HV_CANARY_LEN + 1] =
    HV_CANARY HV_CANARY HV_CANARY HV_CANARY;

static uint8_t *pool_copy;          /* the pool page of canaries */
static uint8_t *after_ram;          /* the host memory right after guest RAM */
static uint64_t after_len;

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
    pool_copy = page;
    /* every free pool page starts with one too, and gets it back when
     * freed: a stale mapping that writes freed memory is found */
    pool_set_free_mark((const uint8_t *)HV_CANARY);
    /* ... and every run of pages taken from now on (EPT tables, VMCS,
     * PML buffer, bitmaps, device buffers) is followed by a guard page */
    pool_set_guards(true);
    plat_log(LOG_INFO, "canary: \"%s\" planted in hv's image at %p, a pool page at %#llx, "
             "every free pool page and a guard page after every run in use", HV_CANARY, image_copy,
             (unsigned long long)plat_virt_to_phys(page));
    return true;
}

void canary_plant_after(void *ram, uint64_t mem, uint64_t len)
{
    after_ram = (uint8_t *)ram + mem;
    after_len = len;
    fill(after_ram, len);
}

/* Every copy in [p, p + len) intact; one line per damaged one. */
static unsigned check_fill(const char *what, const uint8_t *p, uint64_t len)
{
    unsigned bad = 0;

    for (uint64_t i = 0; p && i + HV_CANARY_LEN <= len; i += HV_CANARY_LEN) {
        if (memcmp(p + i, HV_CANARY, HV_CANARY_LEN)) {
            plat_log(LOG_ERR, "canary: %s changed at %#llx", what,
                     (unsigned long long)plat_virt_to_phys(p + i));
            bad++;
        }
    }
    return bad;
}

static void free_page_changed(void *ctx, const void *page)
{
    (void)ctx;
    plat_log(LOG_ERR, "canary: free pool page %#llx was written while free",
             (unsigned long long)plat_virt_to_phys(page));
}

static void guard_changed(void *ctx, const void *page)
{
    (void)ctx;
    plat_log(LOG_ERR, "canary: guard page %#llx after a run in use was written",
             (unsigned long long)plat_virt_to_phys(page));
}

unsigned canary_check(void)
{
    unsigned bad = check_fill("hv's image", (const uint8_t *)image_copy, 4 * HV_CANARY_LEN) +
                   check_fill("the pool page", pool_copy, PLAT_PAGE_SIZE) +
                   check_fill("the memory after guest RAM", after_ram, after_len);

    return bad + (unsigned)pool_check_free_marks(free_page_changed, NULL) +
           (unsigned)pool_check_guards(guard_changed, NULL);
}
