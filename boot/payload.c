/*
 * The guest payload: a file on the volume hv.efi was loaded from, read
 * whole into pool pages.  Where it goes in guest memory and how it starts
 * is hv/'s business (docs/guest-abi.md); boot/ only fetches the bytes.
 */
#include "boot/boot.h"

#include "hv/platform.h"
#include "hv/pool.h"

static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

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

static EFI_STATUS read_file(EFI_FILE_PROTOCOL *root, const CHAR16 *path, struct boot_info *bi)
{
    EFI_FILE_PROTOCOL *f = NULL;
    uint64_t size = 0;
    UINTN len;
    void *buf;
    EFI_STATUS s;

    s = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(s))
        return s;
    s = file_size(f, &size);
    if (!EFI_ERROR(s) && (size == 0 || size > BOOT_PAYLOAD_MAX)) {
        plat_log(LOG_ERR, "boot: payload %s: size %llu outside 1..%llu", bi->payload_path,
                 (unsigned long long)size, (unsigned long long)BOOT_PAYLOAD_MAX);
        s = EFI_BAD_BUFFER_SIZE;
    }
    buf = EFI_ERROR(s) ? NULL : plat_alloc_pages((size + 4095) / 4096);
    if (!EFI_ERROR(s) && !buf)
        s = EFI_OUT_OF_RESOURCES;
    len = size;
    if (!EFI_ERROR(s))
        s = f->Read(f, &len, buf);
    if (!EFI_ERROR(s) && len != size)
        s = EFI_END_OF_FILE;
    f->Close(f);
    if (EFI_ERROR(s)) {
        plat_free_pages(buf, (size + 4095) / 4096);
        return s;
    }
    bi->payload = buf;
    bi->payload_size = size;
    return EFI_SUCCESS;
}

EFI_STATUS boot_load_payload(EFI_BOOT_SERVICES *bs, const EFI_LOADED_IMAGE_PROTOCOL *li,
                             struct boot_info *bi)
{
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
    EFI_FILE_PROTOCOL *root = NULL;
    CHAR16 path[sizeof(bi->payload_path)];
    EFI_STATUS s;
    size_t i;

    for (i = 0; i + 1 < ARRAY_SIZE(path) && bi->payload_path[i]; i++)
        path[i] = bi->payload_path[i] == '/' ? '\\' : (CHAR16)bi->payload_path[i];
    path[i] = 0;

    s = bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs);
    if (!EFI_ERROR(s))
        s = fs->OpenVolume(fs, &root);
    if (EFI_ERROR(s)) {
        plat_log(LOG_WARN, "boot: no file system on the boot device (%#llx): no payload",
                 (unsigned long long)s);
        return EFI_SUCCESS;
    }
    s = read_file(root, path, bi);
    root->Close(root);
    if (s == EFI_NOT_FOUND) {
        plat_log(LOG_INFO, "boot: payload %s not found: hv uses its built-in guest",
                 bi->payload_path);
        return EFI_SUCCESS;
    }
    if (EFI_ERROR(s))
        return s;
    plat_log(LOG_INFO, "boot: payload %s: %llu bytes at %p", bi->payload_path,
             (unsigned long long)bi->payload_size, bi->payload);
    return EFI_SUCCESS;
}
