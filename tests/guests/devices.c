/*
 * devices.c: the coalesced MMIO window and the framebuffer, from a guest
 * (docs/guest-abi.md memory map, docs/devices.md registers).  64-bit ELF.
 *
 * Coalesced: writes to the test device's "coal" window are queued by hv
 * and delivered later; the guest must not be able to tell.  It writes a
 * known sequence, then reads the device's access log (a read elsewhere on
 * the device delivers the queue first) and checks every entry in order,
 * and reads each written location back.
 *
 * Framebuffer: the guest draws three rectangles; at the end of the run hv
 * dumps the changed area ("fb:" lines) and tests/e2e/guests.sh rebuilds
 * the screen with tools/fb2png and checks the pixels.
 */
#include "lib/guest.h"

const char g_name[] = "devices";

#define TESTDEV 0xfed00000ull
#define TD_LOG_COUNT 0x18
#define TD_LOG_SELECT 0x20
#define TD_LOG_INFO 0x24
#define TD_LOG_VALUE 0x28
#define TD_LOG_CLEAR 0x30
#define TD_WIN_COAL 0x500
#define INFO_WRITE (1u << 24)
#define INFO_VALID (1u << 31)

#define FB 0xfd000000ull
#define FB_W 640u

static volatile u32 *td32(u64 off) { return (volatile u32 *)(uptr)(TESTDEV + off); }

static void coal_write(unsigned off, unsigned size, u64 v)
{
    uptr a = (uptr)(TESTDEV + TD_WIN_COAL + off);

    switch (size) {
    case 1: *(volatile u8 *)a = (u8)v; break;
    case 2: *(volatile u16 *)a = (u16)v; break;
    case 4: *(volatile u32 *)a = (u32)v; break;
    default: *(volatile u64 *)a = v; break;
    }
}

static u64 coal_read(unsigned off, unsigned size)
{
    uptr a = (uptr)(TESTDEV + TD_WIN_COAL + off);

    switch (size) {
    case 1: return *(volatile u8 *)a;
    case 2: return *(volatile u16 *)a;
    case 4: return *(volatile u32 *)a;
    default: return *(volatile u64 *)a;
    }
}

#define NWRITES 40

/* The i-th write of the sequence: size, offset (aligned), value. */
static unsigned w_size(unsigned i) { return 1u << (i % 4); }
static unsigned w_off(unsigned i) { return (i * 24) % 0xc0 & ~(w_size(i) - 1); }
static u64 w_val(unsigned i)
{
    u64 v = 0x0123456789abcdefull * (i + 1) ^ ((u64)i << 56);
    return w_size(i) == 8 ? v : v & ((1ull << (8 * w_size(i))) - 1);
}

static void check_coalesced(void)
{
    unsigned i, bad = 0;

    *td32(TD_LOG_CLEAR) = 1;
    for (i = 0; i < NWRITES; i++)
        coal_write(w_off(i), w_size(i), w_val(i));
    /* Reading the log is an access elsewhere: the queue lands first. */
    g_check("devices coalesced: all queued writes reached the device before a read",
            NWRITES, *td32(TD_LOG_COUNT));
    for (i = 0; i < NWRITES && !bad; i++) {
        u32 info, want = INFO_VALID | INFO_WRITE | (w_size(i) << 16) | (TD_WIN_COAL + w_off(i));
        u64 val;

        *td32(TD_LOG_SELECT) = i;
        info = *td32(TD_LOG_INFO);
        val = *(volatile u64 *)(uptr)(TESTDEV + TD_LOG_VALUE);
        if (info != want || val != w_val(i)) {
            g_fail("devices coalesced: access log entry ");
            g_dec(i);
            g_str(" expected info ");
            g_hex(want);
            g_str(" value ");
            g_hex(w_val(i));
            g_str(" got ");
            g_hex(info);
            g_str(" ");
            g_hex(val);
            g_emit();
            bad = 1;
        }
    }
    if (!bad)
        g_pass("devices coalesced: 40 writes of 1/2/4/8 bytes delivered in order with their values");
    if (!bad)
        g_emit();
    /* A write then an immediate read of the same place: the read sees it. */
    bad = 0;
    for (i = 0; i < 16; i++) {
        u64 v = 0xa5a5a5a5a5a5a5a5ull ^ ((u64)i * 0x1111);
        coal_write(0x80 + 8 * (i % 4), 8, v);
        if (coal_read(0x80 + 8 * (i % 4), 8) != v)
            bad++;
    }
    g_check("devices coalesced: a read right after a queued write sees the write (16 pairs)",
            0, bad);
}

static void rect(unsigned x0, unsigned y0, unsigned w, unsigned h, u32 xrgb)
{
    for (unsigned y = y0; y < y0 + h; y++)
        for (unsigned x = x0; x < x0 + w; x++)
            ((volatile u32 *)(uptr)FB)[y * FB_W + x] = xrgb;
}

static void draw_framebuffer(void)
{
    rect(10, 20, 100, 50, 0x00ff0000);   /* red */
    rect(200, 100, 64, 64, 0x0000ff00);  /* green */
    rect(300, 400, 300, 30, 0x000000ff); /* blue */
    rect(620, 470, 20, 10, 0x00ffffff);  /* white, bottom-right corner */
    g_check("devices framebuffer: pixels read back from the framebuffer",
            0x0000ff00, ((volatile u32 *)(uptr)FB)[120 * FB_W + 230]);
}

void guest_main(void)
{
    check_coalesced();
    draw_framebuffer();
    g_exit();
}
