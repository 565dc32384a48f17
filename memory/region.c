/*
 * Regions: construction, destruction and queries.
 */
#include "memory/internal.h"
#include "hv/lib/fmt.h"

struct memory_state memory_state;

static const char *const errors[] = {
    [0] = "ok",
    [1] = "invalid argument",
    [2] = "region in use",
    [3] = "out of memory",
    [4] = "would create a cycle",
    [5] = "overlaps a sibling",
    [6] = "not a subregion of that parent",
    [7] = "wrong kind of region",
};

const char *memory_strerror(int err)
{
    unsigned i = (unsigned)-err;

    return (err <= 0 && i < ARRAY_SIZE(errors)) ? errors[i] : "unknown error";
}

int memory_refuse(int err, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    plat_log(LOG_ERR, "memory: %s: %s", msg, memory_strerror(err));
    return err;
}

static char *copy_name(const char *name)
{
    size_t n = strlen(name) + 1;
    char *p = plat_alloc(n);

    if (p)
        memcpy(p, name, n);
    return p;
}

int memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    char *copy;

    if (!mr || !name)
        return memory_refuse(MR_EINVAL, "init: NULL region or name");
    if (size == 0)
        return memory_refuse(MR_EINVAL, "init %s: zero size", name);
    copy = copy_name(name);
    if (!copy)
        return memory_refuse(MR_ENOMEM, "init %s: name", name);
    *mr = (MemoryRegion){
        .name = copy,
        .kind = MR_KIND_CONTAINER,
        .size = msize_from_arg(size),
        .enabled = true,
        .initialized = true,
    };
    return MR_OK;
}

int memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                          void *opaque, const char *name, uint64_t size)
{
    int err;

    if (!ops)
        return memory_refuse(MR_EINVAL, "init_io %s: NULL ops", name ? name : "?");
    err = memory_region_init(mr, name, size);
    if (err)
        return err;
    mr->kind = MR_KIND_IO;
    mr->ops = ops;
    mr->opaque = opaque;
    memory_region_compute_direct(mr);
    return MR_OK;
}

/* Whole pages behind a RAM-like region of `size` bytes. */
static size_t ram_pages(msize_t size)
{
    return (size_t)((size + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_SHIFT);
}

/* RAM of our own (RAM, ROM, ROMD): pages from the platform. */
static int init_owned_ram(MemoryRegion *mr, const char *name, uint64_t size,
                          MemoryRegionKind kind)
{
    int err;

    if (size > ((uint64_t)1 << 48))
        return memory_refuse(MR_EINVAL, "init_ram %s: size %llx too large",
                             name ? name : "?", (unsigned long long)size);
    err = memory_region_init(mr, name, size);
    if (err)
        return err;
    mr->ram = plat_alloc_pages(ram_pages(mr->size));
    if (!mr->ram) {
        plat_free((char *)mr->name);
        mr->initialized = false;
        return memory_refuse(MR_ENOMEM, "init_ram %s: %llu bytes", name,
                             (unsigned long long)size);
    }
    mr->kind = kind;
    mr->ram_owned = true;
    return MR_OK;
}

int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    return init_owned_ram(mr, name, size, MR_KIND_RAM);
}

int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    return init_owned_ram(mr, name, size, MR_KIND_ROM);
}

int memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                               uint64_t size, void *ptr)
{
    int err;

    if (!ptr)
        return memory_refuse(MR_EINVAL, "init_ram_ptr %s: NULL pointer",
                             name ? name : "?");
    if (size == MR_SIZE_2_64)
        return memory_refuse(MR_EINVAL, "init_ram_ptr %s: size", name ? name : "?");
    err = memory_region_init(mr, name, size);
    if (err)
        return err;
    mr->kind = MR_KIND_RAM;
    mr->ram = ptr;
    return MR_OK;
}

int memory_region_init_rom_device(MemoryRegion *mr, const MemoryRegionOps *ops,
                                  void *opaque, const char *name, uint64_t size)
{
    int err;

    if (!ops)
        return memory_refuse(MR_EINVAL, "init_rom_device %s: NULL ops",
                             name ? name : "?");
    err = init_owned_ram(mr, name, size, MR_KIND_ROMD);
    if (err)
        return err;
    mr->ops = ops;
    mr->opaque = opaque;
    mr->romd_mode = true;
    memory_region_compute_direct(mr);
    return MR_OK;
}

int memory_region_init_alias(MemoryRegion *mr, const char *name,
                             MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    int err;

    if (!orig || !orig->initialized)
        return memory_refuse(MR_EINVAL, "init_alias %s: no target",
                             name ? name : "?");
    if ((msize_t)offset + msize_from_arg(size) > MSIZE_2_64)
        return memory_refuse(MR_EINVAL, "init_alias %s: offset %llx + size "
                             "overflows", name ? name : "?",
                             (unsigned long long)offset);
    err = memory_region_init(mr, name, size);
    if (err)
        return err;
    mr->kind = MR_KIND_ALIAS;
    mr->alias = orig;
    mr->alias_offset = offset;
    orig->users++;
    return MR_OK;
}

int memory_region_destroy(MemoryRegion *mr)
{
    if (!mr || !mr->initialized)
        return memory_refuse(MR_EINVAL, "destroy: not an initialised region");
    if (mr->parent)
        return memory_refuse(MR_EBUSY, "destroy %s: still in %s", mr->name,
                             mr->parent->name);
    if (mr->subregions)
        return memory_refuse(MR_EBUSY, "destroy %s: has subregion %s",
                             mr->name, mr->subregions->name);
    if (mr->users)
        return memory_refuse(MR_EBUSY, "destroy %s: %u alias(es) or address "
                             "space(s) use it", mr->name, mr->users);
    if (mr->view_refs)
        return memory_refuse(MR_EBUSY, "destroy %s: still in a flat view "
                             "(commit the transaction first)", mr->name);
    if (mr->kind == MR_KIND_ALIAS)
        mr->alias->users--;
    if (mr->ram_owned)
        plat_free_pages(mr->ram, ram_pages(mr->size));
    memory_region_free_dirty(mr);
    memory_region_free_coalesced(mr);
    plat_free((char *)mr->name);
    *mr = (MemoryRegion){ 0 };
    return MR_OK;
}

msize_t memory_region_size(const MemoryRegion *mr) { return mr->size; }
const char *memory_region_name(const MemoryRegion *mr) { return mr->name; }
bool memory_region_is_mapped(const MemoryRegion *mr) { return mr->parent != NULL; }

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_ROM ||
           mr->kind == MR_KIND_ROMD;
}

bool memory_region_is_romd(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_ROMD && mr->romd_mode;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    while (mr->kind == MR_KIND_ALIAS) {
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    if (!memory_region_is_ram(mr) || (msize_t)offset >= mr->size)
        return NULL;
    return mr->ram + offset;
}

unsigned memory_region_access_flags(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_KIND_RAM:
        return mr->readonly ? FR_DIRECT_READ : FR_DIRECT_READ | FR_DIRECT_WRITE;
    case MR_KIND_ROM:
        return FR_DIRECT_READ;
    case MR_KIND_ROMD:
        return mr->romd_mode ? FR_DIRECT_READ : 0;
    default:
        return 0;
    }
}
