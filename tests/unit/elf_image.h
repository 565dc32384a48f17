/*
 * ELF executables built byte by byte for the loader tests (ELF32 for
 * EM_386 and ELF64 for EM_X86_64, program headers right after the ELF
 * header, segment data after them in order).
 */
#ifndef TEST_ELF_IMAGE_H
#define TEST_ELF_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct elf_seg {
    uint64_t paddr, filesz, memsz;
    uint32_t type;
};

/* n bytes of v, little-endian. */
static inline void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The image for `bits` (32 or 64) with the given segments; segment i's
 * file bytes are (i + 1) * 0x11 repeated.  Returns its size. */
static inline size_t elf_image(uint8_t *out, unsigned bits, uint64_t entry,
                               const struct elf_seg *s, unsigned n)
{
    bool b64 = bits == 64;
    unsigned eh = b64 ? 64 : 52, ph = b64 ? 56 : 32;
    size_t off = eh + (size_t)n * ph;
    /* e_entry, e_phoff, e_phentsize: where the two classes keep them */
    unsigned entry_at = 24, phoff_at = b64 ? 32 : 28, phent_at = b64 ? 54 : 42;

    memset(out, 0, off);
    memcpy(out, "\x7f" "ELF", 4);
    out[4] = b64 ? 2 : 1;                 /* ELFCLASS64 / ELFCLASS32 */
    out[5] = 1;                           /* little-endian */
    out[6] = 1;                           /* EV_CURRENT */
    put_le(out + 16, 2, 2);               /* ET_EXEC */
    put_le(out + 18, b64 ? 62 : 3, 2);    /* EM_X86_64 / EM_386 */
    put_le(out + 20, 1, 4);
    put_le(out + entry_at, entry, b64 ? 8 : 4);
    put_le(out + phoff_at, eh, b64 ? 8 : 4);
    put_le(out + phent_at - 2, eh, 2);    /* e_ehsize */
    put_le(out + phent_at, ph, 2);
    put_le(out + phent_at + 2, n, 2);     /* e_phnum */
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = out + eh + i * ph;
        unsigned w = b64 ? 8 : 4;         /* p_offset .. p_memsz width */
        uint8_t *f = p + (b64 ? 8 : 4);   /* p_offset */

        put_le(p, s[i].type, 4);
        put_le(f, off, w);
        put_le(f + w, s[i].paddr, w);     /* p_vaddr */
        put_le(f + 2 * w, s[i].paddr, w); /* p_paddr */
        put_le(f + 3 * w, s[i].filesz, w);
        put_le(f + 4 * w, s[i].memsz, w);
        memset(out + off, (int)((i + 1) * 0x11), s[i].filesz);
        off += s[i].filesz;
    }
    return off;
}

#endif
