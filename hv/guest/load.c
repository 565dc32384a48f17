/*
 * Payload loading and the reserved low pages (docs/guest-abi.md).  RAM is
 * written through its host pointer: the machine is fresh and the guest has
 * not run, so no dirty log or device can care.  The ISA hole
 * (0xa0000-0xfffff) is not RAM the guest can see, so nothing may land there.
 */
#include "hv/guest/load.h"

#include "hv/lib/platform.h"

/* ELF header fields (System V gABI). */
#define EI_CLASS 4
#define ELFCLASS32 1
#define ELFCLASS64 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* [gpa, gpa+len) is guest RAM outside the reserved pages and the hole. */
static bool in_payload_ram(uint64_t gpa, uint64_t len, uint64_t ram_size)
{
    uint64_t end = gpa + len;

    return end >= gpa && gpa >= GUEST_RESERVED_END && end <= ram_size &&
           !(gpa < 0x100000 && end > 0xa0000);
}

static bool placeable(uint64_t gpa, uint64_t len, uint64_t ram_size, const char *what)
{
    uint64_t end = gpa + len;

    if (len == 0)
        return true;
    if (!in_payload_ram(gpa, len, ram_size)) {
        plat_log(LOG_ERR, "load: %s at %#llx-%#llx is outside guest RAM (0x8000-0x9ffff, "
                 "0x100000-%#llx)", what, (unsigned long long)gpa,
                 (unsigned long long)(end - 1), (unsigned long long)(ram_size - 1));
        return false;
    }
    return true;
}

static void note_range(struct guest_entry *e, uint64_t gpa, uint64_t len)
{
    if (!len)
        return;
    if (!e->load_hi || gpa < e->load_lo)
        e->load_lo = gpa;
    if (gpa + len - 1 > e->load_hi)
        e->load_hi = gpa + len - 1;
}

/* One PT_LOAD: file bytes, then zeros up to memsz. */
static bool load_segment(uint8_t *ram, uint64_t ram_size, const uint8_t *img, uint64_t size,
                         uint64_t off, uint64_t paddr, uint64_t filesz, uint64_t memsz,
                         struct guest_entry *e)
{
    if (filesz > memsz || off > size || filesz > size - off) {
        plat_log(LOG_ERR, "load: ELF segment at %#llx: file range %#llx+%#llx outside the "
                 "%llu-byte file or larger than memsz", (unsigned long long)paddr,
                 (unsigned long long)off, (unsigned long long)filesz, (unsigned long long)size);
        return false;
    }
    if (!placeable(paddr, memsz, ram_size, "ELF segment"))
        return false;
    memcpy(ram + paddr, img + off, filesz);
    memset(ram + paddr + filesz, 0, memsz - filesz);
    note_range(e, paddr, memsz);
    return true;
}

static bool no_segment(void)
{
    plat_log(LOG_ERR, "load: not a valid ELF payload (no loadable segment)");
    return false;
}

/* The fields the loader uses, read from either ELF class. */
struct elf_hdr {
    uint64_t entry, phoff;
    unsigned machine, phentsize, phnum;
};
struct elf_seg {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

static void read_hdr(const uint8_t *img, bool b64, struct elf_hdr *h)
{
    if (b64) {
        struct elf64_ehdr x;

        memcpy(&x, img, sizeof(x));
        *h = (struct elf_hdr){x.entry, x.phoff, x.machine, x.phentsize, x.phnum};
    } else {
        struct elf32_ehdr x;

        memcpy(&x, img, sizeof(x));
        *h = (struct elf_hdr){x.entry, x.phoff, x.machine, x.phentsize, x.phnum};
    }
}

static void read_seg(const uint8_t *p, bool b64, struct elf_seg *s)
{
    if (b64) {
        struct elf64_phdr x;

        memcpy(&x, p, sizeof(x));
        *s = (struct elf_seg){x.type, x.offset, x.paddr, x.filesz, x.memsz};
    } else {
        struct elf32_phdr x;

        memcpy(&x, p, sizeof(x));
        *s = (struct elf_seg){x.type, x.offset, x.paddr, x.filesz, x.memsz};
    }
}

/* An ELF32 (i386) or ELF64 (x86-64) image: every PT_LOAD segment. */
static bool load_elf_class(uint8_t *ram, uint64_t ram_size, const uint8_t *img, uint64_t size,
                           bool b64, struct guest_entry *e)
{
    size_t hsize = b64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
    size_t psize = b64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
    struct elf_hdr h;
    unsigned i, loads = 0;

    if (size < hsize) {
        plat_log(LOG_ERR, "load: ELF header truncated (%llu bytes)", (unsigned long long)size);
        return false;
    }
    read_hdr(img, b64, &h);
    if (h.machine != (b64 ? EM_X86_64 : EM_386) || h.phentsize != psize || h.phoff > size ||
        (uint64_t)h.phnum * psize > size - h.phoff) {
        plat_log(LOG_ERR, "load: ELF%u: machine %u, phentsize %u, %u headers at %#llx: not a "
                 "loadable %s image", b64 ? 64 : 32, h.machine, h.phentsize, h.phnum,
                 (unsigned long long)h.phoff, b64 ? "x86-64" : "i386");
        return false;
    }
    for (i = 0; i < h.phnum; i++) {
        struct elf_seg p;

        read_seg(img + h.phoff + i * psize, b64, &p);
        if (p.type != PT_LOAD)
            continue;
        if (!load_segment(ram, ram_size, img, size, p.offset, p.paddr, p.filesz, p.memsz, e))
            return false;
        loads++;
    }
    e->rip = h.entry;
    e->format = b64 ? "ELF64" : "ELF32";
    return loads > 0 || no_segment();
}

static bool load_elf(uint8_t *ram, uint64_t ram_size, unsigned mode, const uint8_t *img,
                     uint64_t size, struct guest_entry *e)
{
    unsigned want = mode == 64 ? ELFCLASS64 : ELFCLASS32;
    bool ok;

    if (size < 16 || img[EI_CLASS] != want) {
        plat_log(LOG_ERR, "load: ELF class %u for mode=%u: want %s", size < 16 ? 0 : img[EI_CLASS],
                 mode, mode == 64 ? "ELF64" : "ELF32");
        return false;
    }
    ok = load_elf_class(ram, ram_size, img, size, want == ELFCLASS64, e);
    if (!ok)
        return false; /* logged where it was found */
    if (mode == 16 && e->rip >= 0x100000) {
        plat_log(LOG_ERR, "load: 16-bit entry %#llx is above 1 MiB", (unsigned long long)e->rip);
        return false;
    }
    /* The first instruction must be in RAM the payload can own (a 64-bit
     * entry there is canonical too): anywhere else the guest would start
     * in the hole, a device or the reserved pages. */
    if (!in_payload_ram(e->rip, 1, e->ram_size)) {
        plat_log(LOG_ERR, "load: ELF entry %#llx is outside guest RAM (0x8000-0x9ffff, "
                 "0x100000-%#llx)", (unsigned long long)e->rip,
                 (unsigned long long)(e->ram_size - 1));
        return false;
    }
    return true;
}

/* PML4 -> one PDPT -> four PDs of 2 MiB pages: 0-4 GiB identity, WB. */
void guest_identity_tables(uint8_t *ram)
{
    uint64_t *pml4 = (uint64_t *)(ram + GUEST_PML4);
    uint64_t *pdpt = (uint64_t *)(ram + GUEST_PDPT);
    uint64_t *pd = (uint64_t *)(ram + GUEST_PD);
    unsigned i;

    /* Accessed (and, in the leaves, dirty) set up front: the CPU never
     * writes these tables itself, so no write of its own bypasses
     * dirty logging (Bochs' EPT, without A/D bits, lets the page walk's
     * A/D updates through a write-protected entry: docs/linux.md). */
    memset(ram + GUEST_PML4, 0, GUEST_GDT - GUEST_PML4);
    pml4[0] = GUEST_PDPT | 0x23;                      /* P, RW, A */
    for (i = 0; i < 4; i++)
        pdpt[i] = (GUEST_PD + i * 0x1000ull) | 0x23;  /* P, RW, A */
    for (i = 0; i < 4 * 512; i++)
        pd[i] = ((uint64_t)i << 21) | 0xe3;           /* P, RW, A, D, PS */
}

/* Null, 0x08 code (64-bit for mode 64, else 32-bit), 0x10 flat data. */
static void gdt(uint8_t *ram, unsigned mode)
{
    uint64_t *g = (uint64_t *)(ram + GUEST_GDT);

    memset(g, 0, 0x100);
    g[1] = mode == 64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull;
    g[2] = 0x00cf93000000ffffull;
}

bool guest_load(uint8_t *ram, uint64_t ram_size, unsigned mode, const void *payload,
                uint64_t size, struct guest_entry *e)
{
    const uint8_t *img = payload;

    memset(e, 0, sizeof(*e));
    e->mode = mode;
    e->ram_size = ram_size;
    if (size >= 4 && img[0] == 0x7f && img[1] == 'E' && img[2] == 'L' && img[3] == 'F') {
        if (!load_elf(ram, ram_size, mode, img, size, e))
            return false;
    } else {
        uint64_t at = mode == 16 ? GUEST_FLAT16_LOAD : GUEST_FLAT_LOAD;

        if (!placeable(at, size, ram_size, "flat payload"))
            return false;
        memcpy(ram + at, img, size);
        note_range(e, at, size);
        e->rip = at;
        e->format = "flat";
    }
    if (mode == 16) {
        e->sel16 = (uint16_t)((e->rip & 0xf0000) >> 4);
        e->rip &= 0xffff;
        e->rsp = GUEST_STACK16;
    } else {
        e->rsp = GUEST_STACK;
    }
    if (mode == 64)
        guest_identity_tables(ram);
    gdt(ram, mode);
    return true;
}
