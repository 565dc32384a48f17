/*
 * Guest payloads: the guest list comes from the load options (when they
 * hold "guest ..." lines) or from \EFI\hv\hv.cfg on the volume hv.efi was
 * loaded from (docs/guest-abi.md); each payload file is read whole into
 * pool pages.  Guest RAM is one AllocatePages block outside the pool, big
 * enough for the largest guest, so hv's own memory never appears in a
 * guest's physical space.  Where payloads go in guest memory and how they
 * start is hv/'s business; boot/ only fetches bytes.
 */
#include "boot/boot.h"

#include "hv/lib/platform.h"
#include "hv/lib/pool.h"

static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

#define CFG_MAX (64u * 1024)
#define RAM_ALIGN (2ull << 20)

/* The file's size from EFI_FILE_INFO (which ends with a variable name). */
static EFI_STATUS file_size(EFI_FILE_PROTOCOL *f, uint64_t *size)
{
    union {
        EFI_FILE_INFO info;
        uint8_t bytes[sizeof(EFI_FILE_INFO) + 512];
    } buf;
    UINTN len = sizeof(buf);
    EFI_STATUS s = f->GetInfo(f, &file_info_guid, &len, &buf);

    if (!EFI_ERROR(s))
        *size = buf.info.FileSize;
    return s;
}

/* Reads path (ASCII, '/' or '\') whole into pool pages. */
static EFI_STATUS read_file(EFI_FILE_PROTOCOL *root, const char *apath, uint64_t max,
                            void **out, uint64_t *out_size)
{
    CHAR16 path[GUEST_PATH_MAX];
    EFI_FILE_PROTOCOL *f = NULL;
    uint64_t size = 0;
    UINTN len;
    void *buf = NULL;
    EFI_STATUS s;
    size_t i;

    for (i = 0; i + 1 < ARRAY_SIZE(path) && apath[i]; i++)
        path[i] = apath[i] == '/' ? '\\' : (CHAR16)apath[i];
    path[i] = 0;
    s = root->Open(root, &f, path, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(s))
        return s;
    s = file_size(f, &size);
    if (!EFI_ERROR(s) && (size == 0 || size > max)) {
        plat_log(LOG_ERR, "boot: %s: size %llu outside 1..%llu", apath,
                 (unsigned long long)size, (unsigned long long)max);
        s = EFI_BAD_BUFFER_SIZE;
    }
    if (!EFI_ERROR(s)) {
        buf = plat_alloc_pages((size + 4095) / 4096);
        if (!buf)
            s = EFI_OUT_OF_RESOURCES;
    }
    len = size;
    if (!EFI_ERROR(s))
        s = f->Read(f, &len, buf);
    if (!EFI_ERROR(s) && len != size)
        s = EFI_END_OF_FILE;
    f->Close(f);
    if (EFI_ERROR(s)) {
        if (buf)
            plat_free_pages(buf, (size + 4095) / 4096);
        return s;
    }
    *out = buf;
    *out_size = size;
    return EFI_SUCCESS;
}

/* The guest list: load options first ("guest ..." lines, ';' between
 * them), else hv.cfg; neither means the built-in demo guest. */
static void read_guest_list(EFI_FILE_PROTOCOL *root, struct boot_info *bi)
{
    void *cfg = NULL;
    uint64_t size = 0;
    EFI_STATUS s;

    if (memcmp(bi->cmdline, "guest ", 6) == 0) {
        memcpy(bi->guests_source, "load options", sizeof("load options"));
        guest_cfg_parse(bi->cmdline, strlen(bi->cmdline), &bi->guests, "load options");
        return;
    }
    if (!root)
        return;
    s = read_file(root, GUEST_CFG_PATH, CFG_MAX, &cfg, &size);
    if (s == EFI_NOT_FOUND) {
        plat_log(LOG_INFO, "boot: no %s: hv runs its built-in guest", GUEST_CFG_PATH);
        return;
    }
    if (EFI_ERROR(s)) {
        plat_log(LOG_ERR, "boot: %s could not be read (%#llx)", GUEST_CFG_PATH,
                 (unsigned long long)s);
        bi->guests.errors++;
        return;
    }
    memcpy(bi->guests_source, GUEST_CFG_PATH, sizeof(GUEST_CFG_PATH));
    guest_cfg_parse(cfg, size, &bi->guests, "hv.cfg");
    plat_log(LOG_INFO, "boot: %s: %u guest(s), %u bad line(s)", GUEST_CFG_PATH, bi->guests.n,
             bi->guests.errors);
    plat_free_pages(cfg, (size + 4095) / 4096);
}

/* A guest's multiboot modules (module= in hv.cfg) and its initrd
 * (initrd=); one that cannot be read leaves its data NULL, and the run is
 * refused with its name. */
static void read_modules(EFI_FILE_PROTOCOL *root, struct guest_spec *g)
{
    for (unsigned i = 0; i <= g->nmodules; i++) {
        struct guest_module *m = i < g->nmodules ? &g->module[i] : &g->initrd;

        if (!m->path[0])
            continue; /* no initrd= */
        void *buf = NULL;
        uint64_t size = 0;
        EFI_STATUS s = read_file(root, m->path, BOOT_PAYLOAD_MAX, &buf, &size);

        if (EFI_ERROR(s)) {
            plat_log(LOG_ERR, "boot: %s %s for guest %s: %s (%#llx)",
                     m == &g->initrd ? "initrd" : "module", m->path, g->name,
                     s == EFI_NOT_FOUND ? "not found" : "unreadable", (unsigned long long)s);
            continue;
        }
        m->data = buf;
        m->size = size;
        plat_log(LOG_INFO, "boot: %s %s: %llu bytes at %p",
                 m == &g->initrd ? "initrd" : "module", m->path, (unsigned long long)size, buf);
    }
}

static void read_payloads(EFI_FILE_PROTOCOL *root, struct boot_info *bi)
{
    unsigned i;

    for (i = 0; i < bi->guests.n; i++) {
        struct guest_spec *g = &bi->guests.g[i];
        void *buf = NULL;
        uint64_t size = 0;
        EFI_STATUS s = root ? read_file(root, g->path, BOOT_PAYLOAD_MAX, &buf, &size)
                            : EFI_NOT_FOUND;

        if (EFI_ERROR(s)) {
            plat_log(LOG_ERR, "boot: payload %s for guest %s: %s (%#llx)", g->path, g->name,
                     s == EFI_NOT_FOUND ? "not found" : "unreadable", (unsigned long long)s);
            continue;
        }
        g->payload = buf;
        g->payload_size = size;
        plat_log(LOG_INFO, "boot: payload %s: %llu bytes at %p", g->path,
                 (unsigned long long)size, buf);
        read_modules(root, g);
    }
}

/* One block for the largest guest, 2 MiB aligned so the EPT can use
 * 2 MiB pages.  Outside the pool: the pool is hv's own memory. */
static void take_guest_ram(EFI_BOOT_SERVICES *bs, struct boot_info *bi)
{
    uint64_t need = GUEST_MEM_DEFAULT, pages;
    EFI_PHYSICAL_ADDRESS addr = 0;
    EFI_STATUS s;
    unsigned i;

    for (i = 0; i < bi->guests.n; i++)
        need = i == 0 ? bi->guests.g[i].mem : MAX(need, bi->guests.g[i].mem);
    pages = (need + RAM_ALIGN) / 4096;
    s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
    if (EFI_ERROR(s)) {
        plat_log(LOG_ERR, "boot: no %llu MiB block for guest RAM (%#llx): guests cannot run",
                 (unsigned long long)(need >> 20), (unsigned long long)s);
        return;
    }
    bi->guest_ram_base = (addr + RAM_ALIGN - 1) & ~(RAM_ALIGN - 1);
    bi->guest_ram_size = need;
    plat_log(LOG_INFO, "boot: guest RAM %#llx-%#llx (%llu MiB, outside the pool)",
             (unsigned long long)bi->guest_ram_base,
             (unsigned long long)(bi->guest_ram_base + need - 1), (unsigned long long)(need >> 20));
}

EFI_STATUS boot_load_payload(EFI_BOOT_SERVICES *bs, const EFI_LOADED_IMAGE_PROTOCOL *li,
                             struct boot_info *bi)
{
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
    EFI_FILE_PROTOCOL *root = NULL;
    EFI_STATUS s;

    s = bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs);
    if (!EFI_ERROR(s))
        s = fs->OpenVolume(fs, &root);
    if (EFI_ERROR(s)) {
        plat_log(LOG_WARN, "boot: no file system on the boot device (%#llx): no payload",
                 (unsigned long long)s);
        root = NULL;
    }
    read_guest_list(root, bi);
    read_payloads(root, bi);
    if (root)
        root->Close(root);
    take_guest_ram(bs, bi);
    return EFI_SUCCESS;
}
