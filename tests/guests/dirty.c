/*
 * dirty.c: dirty logging of guest RAM through HC_DIRTY (docs/guest-abi.md).
 * The guest writes a known set of pages per round and checks that the
 * harvest reports exactly that set, once: reads never count, a write
 * straddling two pages reports both, a page written many times is one
 * page, a round without writes reports nothing, start clears the log.
 * Pages that leave the flat view after being written are reported too:
 * the overlay window (HC_REGION id 2, MMIO at a higher priority than RAM)
 * is moved into the logged range and enabled over a written page, moved
 * onto another written page, and disabled again.
 * tests/e2e/guests.sh runs it on corei7_skylake_x (PML),
 * corei7_haswell_4770 (EPT A/D bits) and corei7_sandy_bridge_2600k (write
 * protection).  64-bit ELF.
 */
#include "lib/guest.h"

const char g_name[] = "dirty";

#define PAGE 4096u
#define BASE 0x1000000ull /* 16 MiB: away from the payload, stack, tables */
#define NPAGES 256u       /* 1 MiB logged */

static u8 bitmap[NPAGES / 8];
static u8 want[NPAGES / 8];

static volatile u8 *page(unsigned i)
{
    return (volatile u8 *)(uptr)(BASE + (u64)i * PAGE);
}

static sptr dirty(uptr op)
{
    return hv_call(HC_DIRTY, op, BASE, NPAGES * PAGE, (uptr)bitmap);
}

static void mark(unsigned i)
{
    want[i / 8] |= (u8)(1u << (i % 8));
}

static unsigned count_want(void)
{
    unsigned i, n = 0;

    for (i = 0; i < NPAGES; i++)
        n += (want[i / 8] >> (i % 8)) & 1;
    return n;
}

/* Harvests and compares with `want`; one PASS/FAIL line. */
static void harvest_check(const char *what)
{
    unsigned i, expect = count_want();
    sptr n;

    memset(bitmap, 0xee, sizeof(bitmap));
    n = dirty(HC_DIRTY_HARVEST);
    for (i = 0; i < NPAGES; i++) {
        unsigned w = (want[i / 8] >> (i % 8)) & 1, g = (bitmap[i / 8] >> (i % 8)) & 1;

        if (w != g) {
            g_fail(what);
            g_str(": page ");
            g_dec(i);
            g_str(" (gpa ");
            g_hex(BASE + (u64)i * PAGE);
            g_str(w ? ") written but not reported" : ") reported but not written");
            g_str(" (expected ");
            g_dec(expect);
            g_str(" pages got ");
            g_dec((u64)n);
            g_str(")");
            g_emit();
            memset(want, 0, sizeof(want));
            return;
        }
    }
    if ((sptr)expect != n) {
        g_fail(what);
        g_str(": bitmap right but the returned count differs (expected ");
        g_dec(expect);
        g_str(" got ");
        g_hex((u64)n);
        g_str(")");
    } else {
        g_pass(what);
        g_str(": exactly ");
        g_dec(expect);
        g_str(" pages reported");
    }
    g_emit();
    memset(want, 0, sizeof(want));
}

#define WINDOW_ID 2                /* HC_REGION: the overlay window */
#define WINDOW_HOME 0x200000ull    /* where it starts, disabled */
enum { REGION_DISABLE = 0, REGION_ENABLE = 1, REGION_MOVE = 2 };

static sptr window(uptr op, u64 arg)
{
    return hv_call(HC_REGION, WINDOW_ID, op, arg, 0);
}

/* Written pages covered by the overlay window, then uncovered. */
static void leaving_the_view(void)
{
    g_check("window: move to page 30 (disabled) returns 0", 0,
            (u64)window(REGION_MOVE, BASE + 30 * PAGE));
    page(30)[5] = 0x30;
    mark(30);
    page(31)[5] = 0x31; /* stays RAM beside the window */
    mark(31);
    g_check("window: enable over written page 30 returns 0", 0, (u64)window(REGION_ENABLE, 0));
    harvest_check("round 11 (page 30 written, then covered by the MMIO window; 31 beside it)");

    page(40)[9] = 0x40;
    mark(40);
    g_check("window: move from page 30 onto written page 40 returns 0", 0,
            (u64)window(REGION_MOVE, BASE + 40 * PAGE));
    harvest_check("round 12 (page 40 written, then covered by the moving window)");
    g_check("window: page 30 is RAM again with what was written before", 0x30, page(30)[5]);

    g_check("window: disable returns 0", 0, (u64)window(REGION_DISABLE, 0));
    g_check("window: page 40 is RAM again with what was written before", 0x40, page(40)[9]);
    harvest_check("round 13 (window disabled, nothing written)");
    page(40)[10] = 1;
    mark(40);
    harvest_check("round 14 (page 40 logged again after the window left)");
    g_check("window: move home returns 0", 0, (u64)window(REGION_MOVE, WINDOW_HOME));
}

static u64 read_all(void)
{
    u64 sum = 0;
    unsigned i;

    for (i = 0; i < NPAGES; i++)
        sum += *(volatile u64 *)page(i) + page(i)[PAGE - 1];
    return sum;
}

void guest_main(void)
{
    static const unsigned set1[] = {0, 1, 5, 63, 64, 127, 200, 255};
    unsigned i, r;
    volatile u64 sink;

    /* Pages written before logging starts must not be reported. */
    for (i = 0; i < NPAGES; i += 2)
        page(i)[7] = 1;
    g_check("start: HC_DIRTY start returns 0", 0, (u64)dirty(HC_DIRTY_START));
    harvest_check("round 0 (writes before start only)");

    for (i = 0; i < sizeof(set1) / sizeof(set1[0]); i++) {
        *(volatile u64 *)(page(set1[i]) + 8 * i) = 0x1111111111111111ull * (i + 1);
        mark(set1[i]);
    }
    sink = read_all();
    harvest_check("round 1 (8 scattered pages written, all 256 read)");

    sink = read_all();
    harvest_check("round 2 (reads only)");

    /* Straddling writes: an 8-byte store across pages 9|10, a rep stosb
     * across 20|21, a 4-byte store across 99|100. */
    *(volatile u64 *)(uptr)(BASE + 10 * PAGE - 4) = ~0ull;
    mark(9), mark(10);
    {
        void *d = (void *)(uptr)(BASE + 21 * PAGE - 100);
        uptr n = 300;

        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x5a) : "memory");
    }
    mark(20), mark(21);
    *(volatile u32 *)(uptr)(BASE + 100 * PAGE - 2) = 0xabcdef01u;
    mark(99), mark(100);
    harvest_check("round 3 (writes straddling two pages report both)");

    for (r = 0; r < 3; r++) {
        for (i = 0; i < NPAGES; i++) {
            if (i % 7 == r + 2) {
                page(i)[(i * 13 + r) % PAGE] = (u8)(i + r);
                mark(i);
            }
        }
        sink = read_all();
        harvest_check(r == 0 ? "round 4 (pages i%7==2)" : r == 1 ? "round 5 (pages i%7==3)"
                                                               : "round 6 (pages i%7==4)");
    }

    for (i = 0; i < 1000; i++)
        page(42)[i] = (u8)i;
    mark(42);
    harvest_check("round 7 (one page written 1000 times is one page)");

    harvest_check("round 8 (nothing written since the last harvest)");

    g_check("stop: HC_DIRTY stop returns 0", 0, (u64)dirty(HC_DIRTY_STOP));
    for (i = 0; i < 16; i++)
        page(i)[100] = 7;
    g_check("restart: HC_DIRTY start returns 0", 0, (u64)dirty(HC_DIRTY_START));
    harvest_check("round 9 (writes while stopped are not reported after a restart)");
    page(3)[0] = 3;
    mark(3);
    harvest_check("round 10 (logging works again after a restart)");
    leaving_the_view();
    dirty(HC_DIRTY_STOP);

    {
        sptr rc = hv_call(HC_DIRTY, HC_DIRTY_START, BASE + 8, PAGE, (uptr)bitmap);

        if (rc < 0) {
            g_pass("refusal: a start on an unaligned range is refused (");
            g_hex((u64)rc);
            g_str(")");
        } else {
            g_fail("refusal: a start on an unaligned range was accepted (expected a negative value got ");
            g_hex((u64)rc);
            g_str(")");
            dirty(HC_DIRTY_STOP);
        }
        g_emit();
    }
    (void)sink;
}
