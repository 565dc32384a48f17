/*
 * isolation.c: the guest scans its guest-physical space for a canary that
 * exists only in the hypervisor's own memory: the 16 bytes
 * "hv-canary-7f3a9c" (docs/guest-abi.md, "Isolation").  Never found.
 *
 * What is scanned (byte-exact, at every alignment):
 *   - all of RAM (0 .. RAM size, except the unassigned low hole),
 *   - every mapped non-RAM region: BIOS ROM, its alias, the flash array,
 *     the framebuffer;
 * and sampled (one dword per page / per MiB, each read an exit):
 *   - the 2 MiB past the end of RAM and the low hole, page by page,
 *   - the rest of the 4 GiB, one dword per MiB outside the known regions:
 *     anything there must read all-ones (unassigned).
 * The guest itself never holds the canary: it keeps it XORed with 0x5a
 * and compares on the fly.  A self-check first plants the canary in a
 * buffer and makes sure the scanner finds it there, then wipes it.
 * Built as isolation32.elf (ELF32, mode 32) and isolation64.elf (ELF64, mode 64).
 */
#include "lib/guest.h"

#ifdef __x86_64__
const char g_name[] = "isolation64";
#else
const char g_name[] = "isolation32";
#endif

#define K(c) ((u8)((c) ^ 0x5a))
static const volatile u8 key[16] = {
    K('h'), K('v'), K('-'), K('c'), K('a'), K('n'), K('a'), K('r'),
    K('y'), K('-'), K('7'), K('f'), K('3'), K('a'), K('9'), K('c'),
};

static volatile u8 plant[64];

/* Is the canary at p (all 16 bytes readable)? */
static int canary_at(const volatile u8 *p)
{
    unsigned i;

    for (i = 0; i < 16; i++)
        if ((u8)(p[i] ^ 0x5a) != key[i])
            return 0;
    return 1;
}

/* First address in [start, end) where the canary starts, or 0.  Every
 * occurrence contains whole the aligned dword at ceil4(p) + 4, so look at
 * aligned dwords and test the 4 start offsets that could hold it. */
static uptr scan(uptr start, uptr end)
{
    u32 k0 = 0, win[8];
    uptr a;
    unsigned s, i;

    (void)k0;
    /* win[s]: the dword of the canary starting at byte s (s = 4..7 fit
     * every alignment: p + s is 4-aligned for one s in 4..7). */
    for (s = 0; s < 8; s++) {
        u32 w = 0;

        for (i = 0; i < 4; i++)
            w |= (u32)(u8)(key[s + i] ^ 0x5a) << (8 * i);
        win[s] = w;
    }
    start = (start + 3) & ~(uptr)3;
    for (a = start + 4; a + 4 <= end; a += 4) {
        u32 v = *(volatile u32 *)a;

        if (v != win[4] && v != win[5] && v != win[6] && v != win[7])
            continue;
        for (s = 4; s < 8; s++) {
            uptr p = a - s;

            if (v == win[s] && p >= start && p + 16 <= end && canary_at((volatile u8 *)p))
                return p;
        }
    }
    return 0;
}

static void report_scan(const char *what, uptr start, uptr end)
{
    uptr at = scan(start, end);

    if (at) {
        g_fail(what);
        g_str(": the hypervisor's canary is visible to the guest at ");
        g_hex(at);
    } else {
        g_pass(what);
        g_str(": ");
        g_hex(start);
        g_str("-");
        g_hex(end - 1);
        g_str(" scanned byte-exact, no canary");
    }
    g_emit();
}

struct known {
    u64 start, end;
};

/* Regions that may legitimately hold data (docs/guest-abi.md map). */
static const struct known known[] = {
    {0xfd000000ull, 0xfd12c000ull}, /* framebuffer */
    {0xfec00000ull, 0xfec01000ull}, /* MMIO UART */
    {0xfed00000ull, 0xfed01000ull}, /* test device */
    {0xfed10000ull, 0xfed11000ull}, /* overlay scratch page */
    {0xff800000ull, 0xff840000ull}, /* flash */
    {0xfffe0000ull, 0x100000000ull}, /* BIOS ROM */
};

static int is_known(u64 a)
{
    unsigned i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (a >= known[i].start && a < known[i].end)
            return 1;
    return a < g_ram_size;
}

/* Samples every `step` bytes in [start, end) outside known regions: each
 * must read all-ones.  Returns the first address that does not, or 0. */
static u64 sample(u64 start, u64 end, u64 step, u32 *got)
{
    u64 a;

    for (a = start; a < end; a += step) {
        u32 v;

        if (is_known(a))
            continue;
        v = *(volatile u32 *)(uptr)a;
        if (v != 0xffffffffu) {
            *got = v;
            return a;
        }
    }
    return 0;
}

static void report_sample(const char *what, u64 start, u64 end, u64 step)
{
    u32 got = 0;
    u64 at = sample(start, end, step, &got);

    if (at) {
        g_fail(what);
        g_str(": unexpected data at ");
        g_hex(at);
        g_str(" (expected 0xffffffff got ");
        g_hex(got);
        g_str(")");
        g_emit();
        report_scan("sampled page holding data", (uptr)(at & ~0xfffull), (uptr)((at | 0xfff) + 1));
        return;
    }
    g_pass(what);
    g_str(": ");
    g_hex(start);
    g_str("-");
    g_hex(end - 1);
    g_str(" every ");
    g_hex(step);
    g_str(" bytes outside the map reads all-ones");
    g_emit();
}

#ifdef __x86_64__
/* Above 4 GiB, up to the guest-physical width (CPUID.80000008H:EAX[7:0],
 * what the EPT covers; at most 46 bits here): the entry page tables map 4
 * GiB only, so map the rest with 1 GiB pages of our own, then read one
 * dword per GiB -- all of it must be unassigned. */
#define MAX_PML4 128 /* 46 bits */
static u64 pdpts[MAX_PML4][512] __attribute__((aligned(4096)));

static unsigned phys_bits(void)
{
    u32 a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000008u)
        return 36;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
    return a & 0xff;
}

static int has_1g_pages(void)
{
    u32 a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    return (d >> 26) & 1;
}

static void report_above_4g(void)
{
    volatile u64 *pml4 = (volatile u64 *)0x1000, *pdpt0 = (volatile u64 *)0x2000;
    unsigned bits = phys_bits(), n;
    u64 top, gb;

    if (bits > 46)
        bits = 46;
    if (!has_1g_pages()) {
        g_pass("above 4 GiB: not scanned (no 1 GiB pages for the guest's own map)");
        g_emit();
        return;
    }
    top = 1ull << bits;
    for (gb = 4; gb < 512 && (gb << 30) < top; gb++)
        pdpt0[gb] = (gb << 30) | 0x83;            /* P, RW, PS */
    for (n = 1; n < MAX_PML4 && ((u64)n << 39) < top; n++) {
        for (gb = 0; gb < 512; gb++)
            pdpts[n][gb] = (((u64)n << 39) + (gb << 30)) | 0x83;
        pml4[n] = (u64)(uptr)pdpts[n] | 3;
    }
    __asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
    report_sample("above 4 GiB, one dword per GiB up to the guest-physical width",
                  0x100000000ull, top, 1ull << 30);
}
#endif

/* The regions HC_REGION can change (docs/guest-abi.md): id, where, size. */
struct movable {
    unsigned id;
    u64 base, size;
    const char *name;
};

static const struct movable movable[] = {
    {1, 0xfed00000ull, 0x1000, "test device"},
    {3, 0xfd000000ull, 0x12c000, "framebuffer"},
    {4, 0xff800000ull, 0x40000, "flash"},
    {5, 0xe0000ull, 0x20000, "BIOS alias"},
};

/* Somewhere in the unassigned hole at 0xe0000000 (docs/guest-abi.md). */
#define PARK 0xe8000000ull

static void region(unsigned id, unsigned op, u64 arg, const char *what)
{
    sptr r = hv_call(HC_REGION, id, op, arg, 0);

    if (r) {
        g_fail(what);
        g_str(": HC_REGION returned ");
        g_hex((u64)r);
        g_emit();
    }
}

/* Disabling a region leaves unassigned space (or, for the BIOS alias, the
 * RAM under it) and no canary; moving it away shows it at its new place,
 * with no canary in it, and nothing at the old one; then back. */
static void shake(const struct movable *m)
{
    u64 step = m->size < 0x10000 ? 0x1000 : 0x10000;

    region(m->id, 0, 0, m->name);
    if (m->id != 5)
        report_sample(m->name, m->base, m->base + m->size, step);
    else
        report_scan("RAM under the disabled BIOS alias", (uptr)m->base,
                    (uptr)(m->base + m->size));
    region(m->id, 1, 0, m->name);
    region(m->id, 2, PARK, m->name);
    report_scan(m->name, (uptr)PARK, (uptr)(PARK + m->size));
    if (m->id != 5)
        report_sample(m->name, m->base, m->base + m->size, step);
    region(m->id, 2, m->base, m->name);
}

void guest_main(void)
{
    uptr at;
    unsigned i;
    u64 ram = g_ram_size, top;

    /* Self-check: plant the canary at an odd offset, find it, wipe it. */
    for (i = 0; i < 16; i++)
        plant[5 + i] = (u8)(key[i] ^ 0x5a);
    at = scan((uptr)plant, (uptr)plant + sizeof(plant));
    g_check("self-check: the scanner finds a canary planted at an odd offset",
            (u64)(uptr)&plant[5], (u64)at);
    for (i = 0; i < sizeof(plant); i++)
        plant[i] = 0;

    report_scan("ram below the low hole", 0, 0xa0000);
    report_scan("ram above the low hole", 0xc0000, (uptr)ram);
    report_scan("bios rom", 0xfffe0000u, (uptr)0xfffffff0u);
    report_scan("flash array", 0xff800000u, 0xff840000u);
    report_scan("framebuffer", 0xfd000000u, 0xfd12c000u);
    report_sample("low hole", 0xa0000, 0xc0000, 0x1000);
    top = ram + 0x200000;
    report_sample("2 MiB past the end of RAM", ram, top, 0x1000);
    report_sample("the rest of the 4 GiB", (top + 0xfffff) & ~0xfffffull, 0x100000000ull, 0x100000);
#ifdef __x86_64__
    report_above_4g();
#endif
    for (i = 0; i < sizeof(movable) / sizeof(movable[0]); i++)
        shake(&movable[i]);
    /* everything back where it was: the whole scan once more */
    report_scan("ram, after every region moved and came back", 0xc0000, (uptr)ram);
    report_sample("the 4 GiB, after every region moved and came back",
                  (top + 0xfffff) & ~0xfffffull, 0x100000000ull, 0x100000);
#ifdef __x86_64__
    report_above_4g();
#endif
}
