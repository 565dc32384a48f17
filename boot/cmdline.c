/*
 * hv.efi's load options.  From the UEFI shell they are the command line
 * ("hv.efi payload=\EFI\hv\x.bin"); from the boot manager they may be
 * binary boot-option data, which is ignored unless it is printable text.
 *
 * Options that start with "guest " are a guest list in hv.cfg syntax
 * (boot/payload.c); payload=PATH names a payload for the banner only.
 * The whole string is kept in bi->cmdline for hv/ to read more options.
 */
#include "boot/boot.h"

#include "hv/lib/platform.h"

/* UCS-2 to ASCII; false when it is not printable text. */
static bool to_ascii(const CHAR16 *w, size_t nchars, char *out, size_t size)
{
    size_t i, n = 0;

    for (i = 0; i < nchars && w[i]; i++) {
        if (w[i] < 0x20 || w[i] > 0x7e)
            return false;
        if (n + 1 < size)
            out[n++] = (char)w[i];
    }
    out[n] = '\0';
    return true;
}

/* Copies the value of key=VALUE from the space-separated words of s. */
static bool find_word(const char *s, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);

    while (*s) {
        const char *end;
        size_t n;

        while (*s == ' ')
            s++;
        end = s;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - s) > klen && memcmp(s, key, klen) == 0 && s[klen] == '=') {
            n = MIN((size_t)(end - s) - klen - 1, size - 1);
            memcpy(out, s + klen + 1, n);
            out[n] = '\0';
            return true;
        }
        s = end;
    }
    return false;
}

void boot_read_cmdline(const EFI_LOADED_IMAGE_PROTOCOL *li, struct boot_info *bi)
{
    bi->cmdline[0] = '\0';
    if (li->LoadOptions && li->LoadOptionsSize >= sizeof(CHAR16) &&
        !to_ascii(li->LoadOptions, li->LoadOptionsSize / sizeof(CHAR16), bi->cmdline,
                  sizeof(bi->cmdline))) {
        plat_log(LOG_INFO, "boot: load options are not text (%u bytes); ignored",
                 li->LoadOptionsSize);
        bi->cmdline[0] = '\0';
    }
    if (bi->cmdline[0])
        plat_log(LOG_INFO, "boot: options: %s", bi->cmdline);
    if (!find_word(bi->cmdline, "payload", bi->payload_path, sizeof(bi->payload_path))) {
        memcpy(bi->payload_path, BOOT_DEFAULT_PAYLOAD, sizeof(BOOT_DEFAULT_PAYLOAD));
    }
}
