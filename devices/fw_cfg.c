/* fw_cfg, traditional port interface (see fw_cfg.h). */
#include "devices/fw_cfg.h"
#include "hv/lib/platform.h"

static FwCfgItem *find(FwCfg *f, uint16_t key)
{
    unsigned i;

    for (i = 0; i < f->nr; i++)
        if (f->items[i].key == key)
            return &f->items[i];
    return NULL;
}

static FwCfgItem *slot(FwCfg *f, uint16_t key)
{
    FwCfgItem *it = find(f, key), *n;

    if (it)
        return it;
    if (f->nr == f->cap) {
        unsigned cap = f->cap ? f->cap * 2 : 16;

        n = plat_alloc(cap * sizeof(*n));
        if (!n)
            return NULL;
        if (f->items)
            memcpy(n, f->items, f->nr * sizeof(*n));
        plat_free(f->items);
        f->items = n;
        f->cap = cap;
    }
    it = &f->items[f->nr++];
    memset(it, 0, sizeof(*it));
    it->key = key;
    return it;
}

int fw_cfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len)
{
    uint8_t *copy = NULL;
    FwCfgItem *it;

    if (!f || (len && !data))
        return MR_EINVAL;
    if (len) {
        copy = plat_alloc(len);
        if (!copy)
            return MR_ENOMEM;
        memcpy(copy, data, len);
    }
    it = slot(f, key);
    if (!it) {
        plat_free(copy);
        return MR_ENOMEM;
    }
    plat_free(it->data);
    it->data = copy;
    it->len = len;
    return MR_OK;
}

int fw_cfg_add_u16(FwCfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_u32(FwCfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    int i;

    for (i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_u64(FwCfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    int i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Rebuilds FILE_DIR from the named items. */
static int rebuild_dir(FwCfg *f)
{
    unsigned i, count = 0;
    uint32_t len;
    uint8_t *dir, *p;
    int err;

    for (i = 0; i < f->nr; i++)
        count += f->items[i].name[0] != '\0';
    len = 4 + count * (8 + FW_CFG_MAX_FILE_NAME);
    dir = plat_alloc(len);
    if (!dir)
        return MR_ENOMEM;
    put_be(dir, count, 4);
    p = dir + 4;
    for (i = 0; i < f->nr; i++) {
        const FwCfgItem *it = &f->items[i];

        if (!it->name[0])
            continue;
        put_be(p, it->len, 4);
        put_be(p + 4, it->key, 2);
        memcpy(p + 8, it->name, FW_CFG_MAX_FILE_NAME);
        p += 8 + FW_CFG_MAX_FILE_NAME;
    }
    err = fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, dir, len);
    plat_free(dir);
    return err;
}

int fw_cfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len)
{
    size_t n;
    unsigned i;
    uint16_t key;
    int err;

    if (!f || !name)
        return MR_EINVAL;
    n = strlen(name);
    if (!n || n >= FW_CFG_MAX_FILE_NAME || f->next_file_key >= 0x4000)
        return MR_EINVAL;
    for (i = 0; i < f->nr; i++)
        if (!strcmp(f->items[i].name, name))
            return MR_EINVAL;
    key = f->next_file_key;
    err = fw_cfg_add_bytes(f, key, data, len);
    if (err)
        return err;
    memcpy(find(f, key)->name, name, n + 1);
    err = rebuild_dir(f);
    if (err) { /* undo: the item stays out of the directory and the map */
        FwCfgItem *it = find(f, key);

        plat_free(it->data);
        *it = f->items[--f->nr];
        return err;
    }
    f->next_file_key++;
    return key;
}

static uint64_t fw_read(void *opaque, hwaddr addr, unsigned size)
{
    FwCfg *f = opaque;
    const FwCfgItem *it;

    if (addr != 1 || size != 1)
        return 0;
    it = find(f, f->selector);
    if (!it || f->offset >= it->len)
        return 0;
    return it->data[f->offset++];
}

static void fw_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    FwCfg *f = opaque;

    (void)size;
    if (addr != 0)
        return; /* writes through the data port are not supported */
    f->selector = (uint16_t)data;
    f->offset = 0;
}

static const MemoryRegionOps fw_ops = {
    .read = fw_read,
    .write = fw_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 2 },
};

int fw_cfg_destroy(FwCfg *f)
{
    unsigned i;
    int err;

    if (memory_region_is_mapped(&f->mr))
        return MR_EBUSY;
    err = f->mr.initialized ? memory_region_destroy(&f->mr) : MR_OK;
    if (err)
        return err;
    for (i = 0; i < f->nr; i++)
        plat_free(f->items[i].data);
    plat_free(f->items);
    memset(f, 0, sizeof(*f));
    return MR_OK;
}

int fw_cfg_init(FwCfg *f, const char *name, uint16_t nb_cpus, uint16_t max_cpus,
                uint64_t ram_size)
{
    int err;

    if (!f)
        return MR_EINVAL;
    memset(f, 0, sizeof(*f));
    f->next_file_key = FW_CFG_FILE_FIRST;
    err = fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    if (!err)
        err = fw_cfg_add_u32(f, FW_CFG_ID, 1);
    if (!err)
        err = fw_cfg_add_u64(f, FW_CFG_RAM_SIZE, ram_size);
    if (!err)
        err = fw_cfg_add_u16(f, FW_CFG_NB_CPUS, nb_cpus);
    if (!err)
        err = fw_cfg_add_u16(f, FW_CFG_MAX_CPUS, max_cpus);
    if (!err)
        err = rebuild_dir(f);
    if (!err)
        err = memory_region_init_io(&f->mr, &fw_ops, f, name ? name : "fw_cfg", 2);
    if (err)
        fw_cfg_destroy(f);
    return err;
}
