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

/* Whole pages behind a RAM-like region of `size` bytes. */
static size_t ram_pages(msize_t size)
{
    return (size_t)((size + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_SHIFT);
}

/* Whether *mr is a region initialised here and not destroyed since.  Init
 * is handed uninitialised memory too: only the self pointer (which nothing
 * but a live region holds at its own address) is read before it matches. */
static bool is_region(const MemoryRegion *mr)
{
    return mr->self == mr && mr->initialized;
}

/* Why a region cannot be destroyed or made afresh, or NULL. */
static const char *in_use(const MemoryRegion *mr)
{
    if (mr->parent)
        return "in a parent";
    if (mr->subregions)
        return "has subregions";
    if (mr->users)
        return "aliases or address spaces use it";
    if (mr->view_refs)
        return "still in the view in force (commit the transaction first)";
    if (mr->busy)
        return "an access is under way inside it";
    return NULL;
}

/* What destroy gives back; mr must not be in use. */
static void release(MemoryRegion *mr)
{
    memory_region_forget_change(mr);
    if (mr->kind == MR_KIND_ALIAS)
        mr->alias->users--;
    if (mr->ram_owned)
        plat_free_pages(mr->ram, ram_pages(mr->size));
    memory_region_free_dirty(mr);
    memory_region_free_coalesced(mr);
    plat_free((char *)mr->name);
    *mr = (MemoryRegion){ 0 };
}

/* A failed init: a region stays as it was; other memory is marked
 * uninitialised (what callers test before tearing down). */
static int init_failed(MemoryRegion *mr, int err)
{
    if (mr && !is_region(mr))
        mr->initialized = false;
    return err;
}

/*
 * Every init: checks, then builds the new region aside (name, pages) and
 * only then replaces *mr, so a refused or failed init leaves a region
 * untouched.  `fresh` holds the kind-specific fields; own_ram asks for
 * pages of our own.
 */
static int init_region(MemoryRegion *mr, const char *name, uint64_t size,
                       MemoryRegion fresh, bool own_ram, const char *what)
{
    const char *why;

    if (!mr || !name)
        return init_failed(mr, memory_refuse(MR_EINVAL, "%s: NULL region or name", what));
    if (size == 0)
        return init_failed(mr, memory_refuse(MR_EINVAL, "%s %s: zero size", what, name));
    if (is_region(mr) && (why = in_use(mr)))
        return memory_refuse(MR_EBUSY, "%s %s: region %s is in use: %s", what,
                             name, mr->name, why);
    fresh.name = copy_name(name);
    if (!fresh.name)
        return init_failed(mr, memory_refuse(MR_ENOMEM, "%s %s: name", what, name));
    fresh.size = msize_from_arg(size);
    if (own_ram) {
        fresh.ram = plat_alloc_pages(ram_pages(fresh.size));
        if (!fresh.ram) {
            plat_free((char *)fresh.name);
            return init_failed(mr, memory_refuse(MR_ENOMEM, "%s %s: %llu bytes",
                                                 what, name, (unsigned long long)size));
        }
        fresh.ram_owned = true;
    }
    if (is_region(mr))
        release(mr);
    fresh.enabled = true;
    fresh.initialized = true;
    fresh.live.size = fresh.size;
    fresh.live.alias_offset = fresh.alias_offset;
    fresh.live.romd_mode = fresh.romd_mode;
    *mr = fresh;
    mr->self = mr;
    if (mr->kind == MR_KIND_ALIAS)
        mr->alias->users++;
    if (mr->ops)
        memory_region_compute_direct(mr);
    return MR_OK;
}

int memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    return init_region(mr, name, size, (MemoryRegion){ .kind = MR_KIND_CONTAINER },
                       false, "init");
}

int memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                          void *opaque, const char *name, uint64_t size)
{
    if (!ops)
        return init_failed(mr, memory_refuse(MR_EINVAL, "init_io %s: NULL ops",
                                             name ? name : "?"));
    return init_region(mr, name, size,
                       (MemoryRegion){ .kind = MR_KIND_IO, .ops = ops, .opaque = opaque },
                       false, "init_io");
}

/* RAM of our own (RAM, ROM, ROMD): pages from the platform. */
static int init_owned_ram(MemoryRegion *mr, const char *name, uint64_t size,
                          MemoryRegion fresh, const char *what)
{
    if (size > ((uint64_t)1 << 48))
        return init_failed(mr, memory_refuse(MR_EINVAL, "%s %s: size %llx too large",
                                             what, name ? name : "?",
                                             (unsigned long long)size));
    return init_region(mr, name, size, fresh, true, what);
}

int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    return init_owned_ram(mr, name, size, (MemoryRegion){ .kind = MR_KIND_RAM },
                          "init_ram");
}

int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    return init_owned_ram(mr, name, size, (MemoryRegion){ .kind = MR_KIND_ROM },
                          "init_rom");
}

int memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                               uint64_t size, void *ptr)
{
    if (!ptr || size == MR_SIZE_2_64)
        return init_failed(mr, memory_refuse(MR_EINVAL, "init_ram_ptr %s: %s",
                                             name ? name : "?",
                                             ptr ? "size 2^64" : "NULL pointer"));
    return init_region(mr, name, size, (MemoryRegion){ .kind = MR_KIND_RAM, .ram = ptr },
                       false, "init_ram_ptr");
}

int memory_region_init_rom_device(MemoryRegion *mr, const MemoryRegionOps *ops,
                                  void *opaque, const char *name, uint64_t size)
{
    if (!ops)
        return init_failed(mr, memory_refuse(MR_EINVAL, "init_rom_device %s: NULL ops",
                                             name ? name : "?"));
    return init_owned_ram(mr, name, size,
                          (MemoryRegion){ .kind = MR_KIND_ROMD, .ops = ops,
                                          .opaque = opaque, .romd_mode = true },
                          "init_rom_device");
}

int memory_region_init_alias(MemoryRegion *mr, const char *name,
                             MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    if (!orig || !orig->initialized)
        return init_failed(mr, memory_refuse(MR_EINVAL, "init_alias %s: no target",
                                             name ? name : "?"));
    if (orig == mr)
        return init_failed(mr, memory_refuse(MR_ELOOP, "init_alias %s: an alias "
                                             "of itself", name ? name : "?"));
    if ((msize_t)offset + msize_from_arg(size) > MSIZE_2_64)
        return init_failed(mr, memory_refuse(MR_EINVAL, "init_alias %s: offset %llx "
                                             "+ size overflows", name ? name : "?",
                                             (unsigned long long)offset));
    return init_region(mr, name, size,
                       (MemoryRegion){ .kind = MR_KIND_ALIAS, .alias = orig,
                                       .alias_offset = offset },
                       false, "init_alias");
}

int memory_region_destroy(MemoryRegion *mr)
{
    const char *why;

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
    if ((why = in_use(mr)))
        return memory_refuse(MR_EBUSY, "destroy %s: %s", mr->name, why);
    release(mr);
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
