/*
 * Multiboot version 1 loading (hv/guest/multiboot.h, docs/guest-abi.md
 * "Multiboot kernels").  Like guest_load, it writes a fresh machine's RAM
 * through its host pointer.  Every size and address is checked before it is
 * used; a refusal logs one line starting "multiboot: " and returns false
 * (the caller discards the machine, so RAM written before it is no harm).
 */
#include "hv/guest/multiboot.h"

#include "hv/lib/platform.h"

#define HOLE_LO 0xa0000ull
#define HOLE_HI 0x100000ull         /* exclusive */
#define PAGE 0x1000ull
#define FOUR_G 0x100000000ull

/* ELF (System V gABI): the fields used here, little-endian. */
#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA_LE 1
#define ELF_EM_386 3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1

/* ------------------------------------------------------------- byte access */

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = (v << 8) | p[n];
    return v;
}

static void wr(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* strlen that stops looking at max: returns max when there is no NUL before. */
static uint64_t bounded_len(const char *s, uint64_t max)
{
    uint64_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

/* ----------------------------------------------------------------- header */

bool multiboot_detect(const void *img, uint64_t size, struct mb_header *out)
{
    const uint8_t *p = img;
    uint64_t lim = MIN(size, (uint64_t)MB_SEARCH_BYTES);

    for (uint64_t off = 0; off + 12 <= lim; off += 4) {
        uint32_t magic = (uint32_t)rd(p + off, 4);
        uint32_t flags = (uint32_t)rd(p + off + 4, 4);
        uint32_t sum = (uint32_t)rd(p + off + 8, 4);
        struct mb_header h;

        if (magic != MB_HEADER_MAGIC || (uint32_t)(magic + flags + sum) != 0)
            continue;
        memset(&h, 0, sizeof(h));
        h.offset = (uint32_t)off;
        h.flags = flags;
        h.checksum = sum;
        h.has_addr_fields = off + 32 <= lim;
        if (h.has_addr_fields) {
            h.header_addr = (uint32_t)rd(p + off + 12, 4);
            h.load_addr = (uint32_t)rd(p + off + 16, 4);
            h.load_end_addr = (uint32_t)rd(p + off + 20, 4);
            h.bss_end_addr = (uint32_t)rd(p + off + 24, 4);
            h.entry_addr = (uint32_t)rd(p + off + 28, 4);
        }
        if (out)
            *out = h;
        return true;
    }
    return false;
}

/* Why detection failed, for the log line. */
static void log_no_header(const uint8_t *p, uint64_t size)
{
    uint64_t lim = MIN(size, (uint64_t)MB_SEARCH_BYTES);

    for (uint64_t off = 0; off + 4 <= lim; off += 4) {
        if (rd(p + off, 4) != MB_HEADER_MAGIC)
            continue;
        if (off + 12 > lim)
            plat_log(LOG_ERR, "multiboot: header at offset %#llx is cut off (image %llu bytes)",
                     (unsigned long long)off, (unsigned long long)size);
        else
            plat_log(LOG_ERR, "multiboot: header at offset %#llx has a bad checksum "
                     "(flags %#llx, checksum %#llx)", (unsigned long long)off,
                     (unsigned long long)rd(p + off + 4, 4),
                     (unsigned long long)rd(p + off + 8, 4));
        return;
    }
    plat_log(LOG_ERR, "multiboot: no multiboot header (magic 0x1badb002) in the first %u bytes",
             MB_SEARCH_BYTES);
}

/* ------------------------------------------------ the boot information area */

/* Where each piece of the information area goes (guest-physical). */
struct layout {
    uint64_t info, mmap, mods, name, cmdline, modstr[MB_MAX_MODULES], end;
    uint64_t cmdlen, modlen[MB_MAX_MODULES];
};

static uint64_t take(uint64_t *next, uint64_t len, uint64_t align)
{
    uint64_t at = align_up(*next, align);

    *next = at + len;
    return at;
}

/* Checks the arguments' counts and strings and lays out the area. */
static bool plan_area(const struct mb_load_args *a, struct layout *l)
{
    uint64_t next = 0; /* offsets from the area's start until place_area */

    if (a->nmodules > MB_MAX_MODULES || (a->nmodules && !a->modules)) {
        plat_log(LOG_ERR, "multiboot: %u modules: at most %u", a->nmodules, MB_MAX_MODULES);
        return false;
    }
    if (a->nmmap > MB_MAX_MMAP || (a->nmmap && !a->mmap)) {
        plat_log(LOG_ERR, "multiboot: memory map of %u entries: at most %u", a->nmmap,
                 MB_MAX_MMAP);
        return false;
    }
    l->cmdlen = a->cmdline ? bounded_len(a->cmdline, MB_CMDLINE_MAX) : 0;
    if (l->cmdlen >= MB_CMDLINE_MAX) {
        plat_log(LOG_ERR, "multiboot: kernel command line too long (at most %u bytes)",
                 MB_CMDLINE_MAX - 1);
        return false;
    }
    for (unsigned i = 0; i < a->nmodules; i++) {
        const char *s = a->modules[i].cmdline;

        l->modlen[i] = s ? bounded_len(s, MB_CMDLINE_MAX) : 0;
        if (l->modlen[i] >= MB_CMDLINE_MAX) {
            plat_log(LOG_ERR, "multiboot: module %u: command line too long (at most %u bytes)",
                     i, MB_CMDLINE_MAX - 1);
            return false;
        }
    }
    l->info = take(&next, MB_INFO_SIZE, 8);
    l->mmap = take(&next, (uint64_t)a->nmmap * MB_MMAP_ENTRY_SIZE, 8);
    l->mods = take(&next, (uint64_t)a->nmodules * MB_MOD_SIZE, 8);
    l->name = take(&next, sizeof(MB_LOADER_NAME), 1);
    l->cmdline = take(&next, l->cmdlen + 1, 1);
    for (unsigned i = 0; i < a->nmodules; i++)
        l->modstr[i] = take(&next, l->modlen[i] + 1, 1);
    l->end = next;
    return true;
}

/* Moves the planned area (offsets from 0) to guest-physical base. */
static void move_area(struct layout *l, uint64_t base)
{
    l->info += base;
    l->mmap += base;
    l->mods += base;
    l->name += base;
    l->cmdline += base;
    for (unsigned i = 0; i < MB_MAX_MODULES; i++)
        l->modstr[i] += base;
    l->end += base;
}

/* --------------------------------------------------------------- the kernel */

struct kernel {
    uint64_t ram_size;
    uint64_t lo, hi;             /* first and last byte loaded (valid when loaded) */
    bool loaded;
};

/* [gpa, gpa+len) may hold kernel bytes; else one log line naming what is in the way. */
static bool kernel_range(const struct kernel *k, uint64_t gpa, uint64_t len, const char *what)
{
    uint64_t end = gpa + len, last = end - 1;
    const char *why = NULL;

    if (len == 0)
        return true;
    if (end < gpa || end > k->ram_size || end > FOUR_G)
        why = "ends past guest RAM";
    else if (gpa < GUEST_RESERVED_END)
        why = "overlaps the reserved low pages 0x0-0x7fff";
    else if (gpa < HOLE_HI && end > HOLE_LO)
        why = "overlaps the hole 0xa0000-0xfffff";
    if (!why)
        return true;
    if (end < gpa)
        last = ~0ull;
    plat_log(LOG_ERR, "multiboot: %s at %#llx-%#llx %s (RAM 0x8000-0x9ffff, 0x100000-%#llx)",
             what, (unsigned long long)gpa, (unsigned long long)last, why,
             (unsigned long long)(k->ram_size - 1));
    return false;
}

/* Where the information area (len bytes) goes: MB_INFO_ADDR when the
 * kernel leaves it free; else the first page after the kernel when that
 * still ends below 640 KiB; else the first page at or above `high` (past
 * the kernel and its modules, at least 1 MiB).  0: nowhere in RAM. */
static uint64_t place_area(const struct kernel *k, uint64_t len, uint64_t high)
{
    uint64_t after = k->loaded ? align_up(k->hi + 1, PAGE) : 0;

    if (!k->loaded || k->hi < MB_INFO_ADDR || k->lo >= MB_INFO_ADDR + len)
        return MB_INFO_ADDR;
    if (after + len <= HOLE_LO)
        return after;
    high = align_up(MAX(high, HOLE_HI), PAGE);
    if (high < k->ram_size && len <= k->ram_size - high && high + len <= FOUR_G)
        return high;
    return 0;
}

static void note(struct kernel *k, uint64_t gpa, uint64_t len)
{
    if (!len)
        return;
    if (!k->loaded || gpa < k->lo)
        k->lo = gpa;
    if (!k->loaded || gpa + len - 1 > k->hi)
        k->hi = gpa + len - 1;
    k->loaded = true;
}

/* The a.out kludge: file bytes from the one matching load_addr up to
 * load_end_addr (0: the end of the file), zeros up to bss_end_addr (0: none). */
static bool load_aout(uint8_t *ram, const uint8_t *img, uint64_t size, const struct mb_header *h,
                      struct kernel *k, uint64_t *entry)
{
    uint64_t before, off, len, memsz;

    if (!h->has_addr_fields) {
        plat_log(LOG_ERR, "multiboot: truncated image: header at offset %#llx has flag 16 but "
                 "its address fields lie past the end (%llu bytes)",
                 (unsigned long long)h->offset, (unsigned long long)size);
        return false;
    }
    before = (uint64_t)h->header_addr - h->load_addr;
    if (h->load_addr > h->header_addr || before > h->offset) {
        plat_log(LOG_ERR, "multiboot: load_addr %#x and header_addr %#x put the load start "
                 "before the file's first byte (header at offset %#x)", h->load_addr,
                 h->header_addr, h->offset);
        return false;
    }
    off = h->offset - before;
    if (h->load_end_addr) {
        if (h->load_end_addr < h->load_addr) {
            plat_log(LOG_ERR, "multiboot: load_end_addr %#x is below load_addr %#x",
                     h->load_end_addr, h->load_addr);
            return false;
        }
        len = (uint64_t)h->load_end_addr - h->load_addr;
        if (len > size - off) {
            plat_log(LOG_ERR, "multiboot: truncated image: load_addr %#x-load_end_addr %#x "
                     "needs %llu bytes from file offset %#llx, the image has %llu", h->load_addr,
                     h->load_end_addr, (unsigned long long)len, (unsigned long long)off,
                     (unsigned long long)size);
            return false;
        }
    } else {
        len = size - off;
    }
    memsz = len;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + len) {
            plat_log(LOG_ERR, "multiboot: bss_end_addr %#x is below the loaded end %#llx",
                     h->bss_end_addr, (unsigned long long)(h->load_addr + len));
            return false;
        }
        memsz = (uint64_t)h->bss_end_addr - h->load_addr;
    }
    if (!kernel_range(k, h->load_addr, memsz, "kernel image"))
        return false;
    memcpy(ram + h->load_addr, img + off, len);
    memset(ram + h->load_addr + len, 0, memsz - len);
    note(k, h->load_addr, memsz);
    *entry = h->entry_addr;
    return true;
}

/* ELF32 (i386) or ELF64 (x86-64): every PT_LOAD segment at its p_paddr. */
static bool load_elf(uint8_t *ram, const uint8_t *img, uint64_t size, struct kernel *k,
                     uint64_t *entry, bool *b64)
{
    unsigned eh, ph, machine, phentsize, phnum, loads = 0;
    uint64_t phoff;

    if (size < 20 || (img[4] != ELF_CLASS32 && img[4] != ELF_CLASS64) || img[5] != ELF_DATA_LE) {
        plat_log(LOG_ERR, "multiboot: not an ELF32/ELF64 little-endian image and no address "
                 "fields (header flag 16 clear)");
        return false;
    }
    *b64 = img[4] == ELF_CLASS64;
    eh = *b64 ? 64 : 52;
    ph = *b64 ? 56 : 32;
    if (size < eh) {
        plat_log(LOG_ERR, "multiboot: truncated image: ELF header cut off (%llu bytes)",
                 (unsigned long long)size);
        return false;
    }
    machine = (unsigned)rd(img + 18, 2);
    *entry = *b64 ? rd(img + 24, 8) : rd(img + 24, 4);
    phoff = *b64 ? rd(img + 32, 8) : rd(img + 28, 4);
    phentsize = (unsigned)rd(img + (*b64 ? 54 : 42), 2);
    phnum = (unsigned)rd(img + (*b64 ? 56 : 44), 2);
    if (machine != (*b64 ? ELF_EM_X86_64 : ELF_EM_386) || phentsize != ph) {
        plat_log(LOG_ERR, "multiboot: ELF%u machine %u, phentsize %u: not an %s image",
                 *b64 ? 64 : 32, machine, phentsize, *b64 ? "x86-64" : "i386");
        return false;
    }
    if (phoff > size || (uint64_t)phnum * ph > size - phoff) {
        plat_log(LOG_ERR, "multiboot: truncated image: %u program headers at %#llx past the "
                 "end (%llu bytes)", phnum, (unsigned long long)phoff, (unsigned long long)size);
        return false;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *p = img + phoff + (uint64_t)i * ph;
        uint64_t off, paddr, filesz, memsz;

        if (rd(p, 4) != ELF_PT_LOAD)
            continue;
        off = *b64 ? rd(p + 8, 8) : rd(p + 4, 4);
        paddr = *b64 ? rd(p + 24, 8) : rd(p + 12, 4);
        filesz = *b64 ? rd(p + 32, 8) : rd(p + 16, 4);
        memsz = *b64 ? rd(p + 40, 8) : rd(p + 20, 4);
        if (filesz > memsz) {
            plat_log(LOG_ERR, "multiboot: ELF segment at %#llx: p_filesz %#llx > p_memsz %#llx",
                     (unsigned long long)paddr, (unsigned long long)filesz,
                     (unsigned long long)memsz);
            return false;
        }
        if (off > size || filesz > size - off) {
            plat_log(LOG_ERR, "multiboot: truncated image: ELF segment at %#llx needs file "
                     "bytes %#llx+%#llx, the image has %llu", (unsigned long long)paddr,
                     (unsigned long long)off, (unsigned long long)filesz,
                     (unsigned long long)size);
            return false;
        }
        if (!kernel_range(k, paddr, memsz, "ELF segment"))
            return false;
        memcpy(ram + paddr, img + off, filesz);
        memset(ram + paddr + filesz, 0, memsz - filesz);
        note(k, paddr, memsz);
        loads++;
    }
    if (!loads) {
        plat_log(LOG_ERR, "multiboot: ELF image without a PT_LOAD segment");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------- boot information */

/* KiB of type-1 RAM contiguous from `from` in the map (entries in any order),
 * ending at `cap` at most. */
static uint64_t run_kib(const struct mb_load_args *a, uint64_t from, uint64_t cap)
{
    uint64_t cur = from;
    bool grew = true;

    while (grew && cur < cap) {
        grew = false;
        for (unsigned i = 0; i < a->nmmap; i++) {
            const struct mb_mmap_entry *m = &a->mmap[i];
            uint64_t end = m->base + m->length;

            if (end < m->base)
                end = ~0ull;
            if (m->type == MB_MEM_AVAILABLE && m->base <= cur && end > cur) {
                cur = end;
                grew = true;
            }
        }
    }
    return (MIN(cur, cap) - from) / 1024;
}

static void write_info(uint8_t *ram, uint64_t ram_size, const struct mb_load_args *a,
                       const struct layout *l, const uint64_t *mod_at)
{
    uint8_t *info = ram + l->info;
    uint64_t lower, upper;
    uint32_t flags = MB_IF_MEM | MB_IF_CMDLINE | MB_IF_MODS | MB_IF_LOADER_NAME;

    if (a->nmmap) {
        lower = run_kib(a, 0, HOLE_LO);
        upper = run_kib(a, HOLE_HI, ~0ull);
        flags |= MB_IF_MMAP;
    } else {
        lower = MIN(ram_size, HOLE_LO) / 1024;
        upper = ram_size > HOLE_HI ? (ram_size - HOLE_HI) / 1024 : 0;
    }
    memset(info, 0, MB_INFO_SIZE);
    wr(info + MB_INFO_FLAGS, flags, 4);
    wr(info + MB_INFO_MEM_LOWER, lower, 4);
    wr(info + MB_INFO_MEM_UPPER, MIN(upper, 0xffffffffull), 4);
    wr(info + MB_INFO_CMDLINE, l->cmdline, 4);
    wr(info + MB_INFO_MODS_COUNT, a->nmodules, 4);
    wr(info + MB_INFO_MODS_ADDR, a->nmodules ? l->mods : 0, 4);
    if (a->nmmap) {
        wr(info + MB_INFO_MMAP_LENGTH, (uint64_t)a->nmmap * MB_MMAP_ENTRY_SIZE, 4);
        wr(info + MB_INFO_MMAP_ADDR, l->mmap, 4);
    }
    wr(info + MB_INFO_LOADER_NAME, l->name, 4);

    for (unsigned i = 0; i < a->nmmap; i++) {
        uint8_t *m = ram + l->mmap + (uint64_t)i * MB_MMAP_ENTRY_SIZE;

        wr(m, MB_MMAP_ENTRY_SIZE - 4, 4);
        wr(m + 4, a->mmap[i].base, 8);
        wr(m + 12, a->mmap[i].length, 8);
        wr(m + 20, a->mmap[i].type, 4);
    }
    for (unsigned i = 0; i < a->nmodules; i++) {
        uint8_t *m = ram + l->mods + (uint64_t)i * MB_MOD_SIZE;

        wr(m, mod_at[i], 4);
        wr(m + 4, mod_at[i] + a->modules[i].size, 4);
        wr(m + 8, l->modstr[i], 4);
        wr(m + 12, 0, 4);
        memcpy(ram + l->modstr[i], a->modules[i].cmdline ? a->modules[i].cmdline : "",
               l->modlen[i]);
        ram[l->modstr[i] + l->modlen[i]] = 0;
    }
    memcpy(ram + l->name, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
    memcpy(ram + l->cmdline, a->cmdline ? a->cmdline : "", l->cmdlen);
    ram[l->cmdline + l->cmdlen] = 0;
}

/* Null, 0x08 flat 32-bit code, 0x10 flat data: what the 32-bit entry's
 * selectors name (the same descriptors guest_load writes). */
static void write_gdt(uint8_t *ram)
{
    memset(ram + GUEST_GDT, 0, 0x100);
    wr(ram + GUEST_GDT + GUEST_SEL_CODE, 0x00cf9b000000ffffull, 8);
    wr(ram + GUEST_GDT + GUEST_SEL_DATA, 0x00cf93000000ffffull, 8);
}

/* ------------------------------------------------------------------- load */

bool multiboot_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t size,
                    const struct mb_load_args *args, struct guest_entry *e)
{
    static const struct mb_load_args none;
    const struct mb_load_args *a = args ? args : &none;
    const uint8_t *p = img;
    struct mb_header h;
    struct layout l;
    struct kernel k;
    uint64_t entry = 0, next, area, mod_at[MB_MAX_MODULES];
    bool b64 = false, aout;
    uint32_t required;

    memset(e, 0, sizeof(*e));
    if (!multiboot_detect(img, size, &h)) {
        log_no_header(p, size);
        return false;
    }
    required = h.flags & 0xffff;
    if (required & MB_HF_VIDEO) {
        plat_log(LOG_ERR, "multiboot: header flags %#x ask for a video mode (bit 2): hv sets "
                 "none", h.flags);
        return false;
    }
    if (required & ~MB_HF_KNOWN_REQUIRED) {
        plat_log(LOG_ERR, "multiboot: header flags %#x require bits %#x that hv does not know",
                 h.flags, required & ~MB_HF_KNOWN_REQUIRED);
        return false;
    }
    if (!plan_area(a, &l))
        return false;

    memset(&k, 0, sizeof(k));
    k.ram_size = ram_size;
    aout = (h.flags & MB_HF_ADDRESS) != 0;
    if (aout ? !load_aout(ram, p, size, &h, &k, &entry) : !load_elf(ram, p, size, &k, &entry, &b64))
        return false;
    if (entry >= FOUR_G) {
        plat_log(LOG_ERR, "multiboot: entry %#llx is above 4 GiB (the entry runs in 32-bit "
                 "protected mode)", (unsigned long long)entry);
        return false;
    }
    if (!kernel_range(&k, entry, 1, "entry point"))
        return false;

    /* Modules: from the first page above the kernel (at least 1 MiB) on. */
    next = MAX(k.loaded ? align_up(k.hi + 1, PAGE) : 0, HOLE_HI);
    for (unsigned i = 0; i < a->nmodules; i++) {
        uint64_t msize = a->modules[i].size;
        uint64_t at = align_up(next, i == 0 || (h.flags & MB_HF_PAGE_ALIGN) ? PAGE : 8);

        if (at >= ram_size || msize > ram_size - at || at + msize > FOUR_G ||
            (msize && !a->modules[i].data)) {
            plat_log(LOG_ERR, "multiboot: module %u (%llu bytes) does not fit: it would start "
                     "at %#llx, RAM ends at %#llx", i, (unsigned long long)msize,
                     (unsigned long long)at, (unsigned long long)(ram_size - 1));
            return false;
        }
        if (msize)
            memcpy(ram + at, a->modules[i].data, msize);
        mod_at[i] = at;
        next = at + msize;
    }
    if (!(area = place_area(&k, l.end, next))) {
        plat_log(LOG_ERR, "multiboot: no room for the %llu bytes of boot information: not at "
                 "%#llx, after the kernel or above it in RAM", (unsigned long long)l.end,
                 (unsigned long long)MB_INFO_ADDR);
        return false;
    }
    move_area(&l, area);
    if (entry >= l.info && entry < l.end) {
        plat_log(LOG_ERR, "multiboot: entry point at %#llx is in the boot information at "
                 "%#llx-%#llx", (unsigned long long)entry, (unsigned long long)l.info,
                 (unsigned long long)(l.end - 1));
        return false;
    }

    write_info(ram, ram_size, a, &l, mod_at);
    write_gdt(ram);

    e->mode = 32;
    e->rip = entry;
    e->rsp = GUEST_STACK;
    e->ram_size = ram_size;
    e->format = aout ? "multiboot-aout" : b64 ? "multiboot-ELF64" : "multiboot-ELF32";
    e->load_lo = k.loaded ? k.lo : 0;
    e->load_hi = k.loaded ? k.hi : 0;
    e->has_regs = true;
    e->rax = MB_BOOT_MAGIC;
    e->rbx = l.info;
    return true;
}
