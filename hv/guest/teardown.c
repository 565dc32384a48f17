/* Machine teardown in the memory API's two phases (teardown.h). */
#include "hv/guest/teardown.h"

#include "hv/lib/platform.h"

void machine_unmap(AddressSpace *mem, AddressSpace *io, MemoryRegion *const *mapped, size_t n)
{
    memory_region_transaction_begin();
    if (mem->root)
        address_space_destroy(mem);
    if (io->root)
        address_space_destroy(io);
    for (size_t i = 0; i < n; i++)
        if (mapped[i]->initialized && mapped[i]->parent)
            memory_region_del_subregion(mapped[i]->parent, mapped[i]);
    memory_region_transaction_commit();
}

void machine_destroy_regions(MemoryRegion *const *own, size_t n, const char *who)
{
    for (size_t i = 0; i < n; i++)
        if (own[i]->initialized && memory_region_destroy(own[i]))
            plat_log(LOG_ERR, "%s: %s could not be destroyed", who, memory_region_name(own[i]));
}
