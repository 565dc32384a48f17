/*
 * UEFI entry of hv.efi.  The serial console comes first so every later step
 * can report; then the steps that need boot services, then
 * ExitBootServices, then hv_main with everything in one boot_info.
 */
#include "boot/boot.h"

#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"
#include "hv/runtime/serial.h"
#include "hv/runtime/shutdown.h"

/* In .data: the image stays ours after ExitBootServices. */
static struct boot_info boot_info;

/* GUIDs defined here rather than taken from libefi: pulling libefi's
 * objects would also pull its memset/memcpy, which hv/lib/libc.c owns. */
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

static const char *efi_status_str(EFI_STATUS st)
{
    switch (st) {
    case EFI_SUCCESS: return "success";
    case EFI_INVALID_PARAMETER: return "invalid parameter";
    case EFI_OUT_OF_RESOURCES: return "out of resources";
    case EFI_NOT_FOUND: return "not found";
    case EFI_BUFFER_TOO_SMALL: return "buffer too small";
    case EFI_UNSUPPORTED: return "unsupported";
    default: return "error";
    }
}

/* Boot failed before hv_main: say why and power off with a failing status. */
static __attribute__((noreturn)) void boot_fail(const char *step, EFI_STATUS st)
{
    plat_log(LOG_ERR, "boot: %s failed: %s (status %#llx)", step, efi_status_str(st),
             (unsigned long long)st);
    hv_shutdown(HV_EXIT_FAIL, step);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    struct boot_info *bi = &boot_info;
    EFI_BOOT_SERVICES *bs = st->BootServices;
    EFI_LOADED_IMAGE_PROTOCOL *li = NULL;
    EFI_STATUS s;

    bi->tsc_at_entry = rdtsc();
    serial_init(SERIAL_COM1);
    plat_log(LOG_INFO, "boot: hv.efi started (UEFI %u.%u)", st->Hdr.Revision >> 16,
             st->Hdr.Revision & 0xffff);
    bi->magic = BOOT_INFO_MAGIC;
    bi->version = BOOT_INFO_VERSION;
    bi->image_handle = image;
    bi->runtime_services = st->RuntimeServices;
    hv_shutdown_set_runtime(st->RuntimeServices);

    /* The boot manager arms a 5-minute watchdog; emulators are slow. */
    bs->SetWatchdogTimer(0, 0, 0, NULL);

    s = bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
    if (EFI_ERROR(s))
        boot_fail("LoadedImage protocol", s);
    bi->image_base = (uint64_t)(uintptr_t)li->ImageBase;
    bi->image_size = li->ImageSize;
    plat_log(LOG_INFO, "boot: image at %#llx, %llu KiB", (unsigned long long)bi->image_base,
             (unsigned long long)(bi->image_size / 1024));
    boot_read_cmdline(li, bi);

    s = boot_take_pool(bs, bi);
    if (EFI_ERROR(s))
        boot_fail("page pool", s);

    s = boot_load_payload(bs, li, bi);
    if (EFI_ERROR(s))
        boot_fail("payload", s);

    s = boot_exit_services(image, bs, bi);
    if (EFI_ERROR(s))
        boot_fail("ExitBootServices", s);
    /* From here on: no boot services, interrupts off, the pool is ours. */
    cpu_cli();
    plat_log(LOG_INFO, "boot: ExitBootServices done after %u attempt(s)", bi->exit_attempts);
    boot_summarize_memmap(bi);
    hv_main(bi);
}
