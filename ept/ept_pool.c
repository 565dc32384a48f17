/*
 * Page-table pool: a budget counter over plat_alloc_pages, with a small
 * free-page cache so commits that split and merge do not churn the
 * platform allocator.
 */
#include "ept/ept_pool.h"
#include "hv/lib/platform.h"

void ept_pool_init(EptPool *p, size_t budget)
{
    memset(p, 0, sizeof(*p));
    p->budget = budget;
}

static void push(void **list, size_t *count, void *page)
{
    *(void **)page = *list;
    *list = page;
    (*count)++;
}

static void *pop(void **list, size_t *count)
{
    void *page = *list;

    if (page) {
        *list = *(void **)page;
        (*count)--;
    }
    return page;
}

bool ept_pool_reserve(EptPool *p, size_t n)
{
    if (n > p->budget - p->in_use) {
        plat_log(LOG_ERR, "ept: page-table pool exhausted: need %zu pages, "
                 "%zu of %zu left", n, p->budget - p->in_use, p->budget);
        return false;
    }
    while (p->free_count < n) {
        void *page = plat_alloc_pages(1);
        if (!page) {
            plat_log(LOG_ERR, "ept: platform out of pages for %zu EPT tables", n);
            return false;
        }
        push(&p->free_list, &p->free_count, page);
    }
    p->reserved = n;
    return true;
}

void *ept_pool_get(EptPool *p)
{
    void *page;

    if (!p->reserved || !(page = pop(&p->free_list, &p->free_count)))
        plat_panic("ept: table page taken beyond the reservation");
    p->reserved--;
    p->in_use++;
    memset(page, 0, 4096);
    return page;
}

void ept_pool_put(EptPool *p, void *page)
{
    push(&p->deferred, &p->deferred_count, page);
}

void ept_pool_settle(EptPool *p)
{
    void *page;

    while ((page = pop(&p->deferred, &p->deferred_count))) {
        p->in_use--;
        push(&p->free_list, &p->free_count, page);
    }
    p->reserved = 0;
    while (p->free_count > EPT_POOL_CACHE)
        plat_free_pages(pop(&p->free_list, &p->free_count), 1);
}

size_t ept_pool_available(const EptPool *p)
{
    return p->budget - p->in_use;
}

void ept_pool_destroy(EptPool *p)
{
    ept_pool_settle(p);
    while (p->free_count)
        plat_free_pages(pop(&p->free_list, &p->free_count), 1);
}
