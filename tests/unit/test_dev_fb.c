/*
 * Framebuffer display model: dirty-log driven scanline tracking, the dump
 * format, and tools/fb2png rebuilding the screen from a dump (the PNG it
 * writes is decoded here with zlib and compared pixel by pixel).
 */
#include <unistd.h>
#include <zlib.h>

#include "devices/framebuffer.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define BASE 0xe0000000ull

static MemoryRegion sys;
static AddressSpace as;
static Framebuffer fb;
static const char *fb2png_path = "tools/fb2png";

static void setup(uint32_t w, uint32_t h)
{
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(fb_init(&fb, "vga.fb", w, h), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, BASE, &fb.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&as);
    CHECK_EQ(fb_destroy(&fb), MR_EBUSY);
    CHECK_EQ(memory_region_del_subregion(&sys, &fb.mr), MR_OK);
    CHECK_EQ(fb_destroy(&fb), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
    CHECK_EQ(plat_host_live_pages(), 0);
}

/* A guest store of one pixel through the memory API. */
static void put_px(uint32_t x, uint32_t y, uint32_t xrgb)
{
    CHECK_EQ(address_space_write(&as, BASE + (uint64_t)y * fb.stride + x * 4, &xrgb, 4),
             MEMTX_OK);
}

/* ------------------------------------------------------------- capture */
#define MAX_LINES 4096
static char *lines[MAX_LINES];
static int nr_lines;

static void capture(void *ctx, const char *line)
{
    (void)ctx;
    if (nr_lines < MAX_LINES)
        lines[nr_lines] = strdup(line);
    nr_lines++;
}

static void capture_reset(void)
{
    for (int i = 0; i < nr_lines && i < MAX_LINES; i++)
        free(lines[i]);
    nr_lines = 0;
}

/* ------------------------------------------------- a fake CPU dirty log */
static MemoryRegion *cpu_dirty_mr;
static hwaddr cpu_dirty_off[16];
static int cpu_dirty_n, log_syncs;

/* What the EPT listener does: hand the CPU's record to the memory API. */
static void fake_log_sync(MemoryListener *l, const MemoryRegionSection *s)
{
    (void)l;
    log_syncs++;
    if (s->mr != cpu_dirty_mr)
        return;
    for (int i = 0; i < cpu_dirty_n; i++)
        memory_region_set_dirty(s->mr, cpu_dirty_off[i], 1);
    cpu_dirty_n = 0;
}

/* ---------------------------------------------------------------- tests */
static void test_changed_scanlines(void)
{
    setup(640, 480);
    CHECK_EQ(fb_update(&fb), 0);
    put_px(10, 3, 0x123456);
    /* Line 3 shares its page with lines 2 and 4: only 3 really changed. */
    CHECK_EQ(fb_update(&fb), 1);
    CHECK(fb_line_changed(&fb, 3));
    CHECK(!fb_line_changed(&fb, 2));
    CHECK(!fb_line_changed(&fb, 4));
    /* Stays changed until dumped, even though the dirty bits were reset. */
    CHECK_EQ(fb_update(&fb), 1);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 1);
    CHECK_EQ(nr_lines, 3);
    CHECK_STR(lines[1], "fb: px 3 10 123456");
    CHECK_EQ(fb_update(&fb), 0);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 0);
    CHECK_EQ(nr_lines, 3); /* nothing changed: nothing printed */
    /* Rewriting the same value dirties the page but changes nothing. */
    put_px(10, 3, 0x123456);
    CHECK_EQ(fb_update(&fb), 0);
    /* Top byte (X) is not part of the picture. */
    put_px(10, 3, 0xff123456);
    CHECK_EQ(fb_update(&fb), 0);
    put_px(0, 479, 1);
    put_px(639, 0, 2);
    CHECK_EQ(fb_update(&fb), 2);
    CHECK(fb_line_changed(&fb, 479) && fb_line_changed(&fb, 0));
    CHECK(!fb_line_changed(&fb, 480));
    capture_reset();
    teardown();
}

static void test_cpu_writes_need_sync(void)
{
    MemoryListener l = { .log_sync = fake_log_sync };
    uint32_t *p;

    setup(640, 480);
    /* The guest writes through the EPT mapping: no exit, no dispatch. */
    p = (uint32_t *)(fb.vram + 100 * fb.stride);
    p[7] = 0xabcdef;
    CHECK_EQ(fb_update(&fb), 0); /* nobody has reported the write yet */
    CHECK_EQ(memory_listener_register(&l, &as), MR_OK);
    cpu_dirty_mr = &fb.mr;
    cpu_dirty_off[0] = 100 * fb.stride + 7 * 4;
    cpu_dirty_n = 1;
    log_syncs = 0;
    CHECK_EQ(fb_update(&fb), 1);
    CHECK(log_syncs > 0);
    CHECK(fb_line_changed(&fb, 100));
    memory_listener_unregister(&l);
    cpu_dirty_mr = NULL;
    teardown();
}

static void rgb_of(const Framebuffer *f, const uint8_t *screen, uint8_t *rgb)
{
    for (uint32_t i = 0; i < f->width * f->height; i++) {
        rgb[3 * i] = screen[4 * i + 2];
        rgb[3 * i + 1] = screen[4 * i + 1];
        rgb[3 * i + 2] = screen[4 * i];
    }
}

static void test_dump_format(void)
{
    uint8_t rgb[8 * 4 * 3];
    char want[64];

    setup(8, 4);
    for (uint32_t x = 2; x <= 4; x++)
        put_px(x, 1, 0xaaff0000);
    put_px(5, 1, 0x00ff00);
    put_px(0, 3, 0x0000ff);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 2);
    CHECK_EQ(nr_lines, 4);
    CHECK_STR(lines[0], "fb: frame 1 8x4 lines 2");
    CHECK_STR(lines[1], "fb: px 1 2 ff0000*3 00ff00");
    CHECK_STR(lines[2], "fb: px 3 0 0000ff");
    rgb_of(&fb, fb.vram, rgb);
    snprintf(want, sizeof(want), "fb: end 1 crc %08lx", crc32(0, rgb, sizeof(rgb)));
    CHECK_STR(lines[3], want);
    /* Second frame: only the changed span of the line. */
    put_px(6, 1, 0x010203);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 1);
    CHECK_EQ(nr_lines, 7);
    CHECK_STR(lines[4], "fb: frame 2 8x4 lines 1");
    CHECK_STR(lines[5], "fb: px 1 6 010203");
    capture_reset();
    teardown();
}

static void test_crc_matches_zlib(void)
{
    uint8_t buf[1000];

    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 31 + (i >> 3));
    CHECK_EQ(fb_crc32(0, buf, sizeof(buf)), crc32(0, buf, sizeof(buf)));
    CHECK_EQ(fb_crc32(fb_crc32(0, buf, 300), buf + 300, 700), crc32(0, buf, sizeof(buf)));
    CHECK_EQ(fb_crc32(0, (const uint8_t *)"123456789", 9), 0xcbf43926); /* check value */
}

static void test_long_lines_split(void)
{
    uint32_t next_x = 0, x, y, i, runs = 0;

    setup(640, 4);
    for (x = 0; x < 640; x++)
        put_px(x, 2, (x & 1) ? 0xffffff : x + 1);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 1);
    CHECK(nr_lines > 3);
    /* Each px line starts where the previous one stopped. */
    for (int n = 1; n < nr_lines - 1; n++) {
        char *tok, *save, *copy = strdup(lines[n]);

        CHECK(strlen(lines[n]) <= FB_DUMP_LINE_MAX);
        CHECK_EQ(sscanf(lines[n], "fb: px %u %u", &y, &x), 2);
        CHECK_EQ(y, 2);
        CHECK_EQ(x, next_x);
        strtok_r(copy, " ", &save);
        for (i = 0; i < 3; i++)
            strtok_r(NULL, " ", &save);
        for (tok = strtok_r(NULL, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            char *star = strchr(tok, '*');
            next_x += star ? (uint32_t)atoi(star + 1) : 1;
            runs++;
        }
        free(copy);
    }
    CHECK_EQ(next_x, 640);
    CHECK_EQ(runs, 640); /* no two neighbours alike: one run each */
    capture_reset();
    teardown();
}

/* --------------------------------------------------------- fb2png trip */
static uint32_t rd32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes an 8-bit RGB PNG (filter 0 rows) into rgb; returns 0 on success. */
static int decode_png(const char *path, uint32_t w, uint32_t h, uint8_t *rgb)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    FILE *f = fopen(path, "rb");
    uint8_t *file, *idat, *raw;
    long size;
    size_t pos = 8, idat_len = 0;
    uLongf raw_len = (uLongf)h * (1 + w * 3);
    int ok = -1;

    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    file = malloc((size_t)size);
    idat = malloc((size_t)size);
    raw = malloc(raw_len);
    if (fread(file, 1, (size_t)size, f) != (size_t)size || memcmp(file, sig, 8))
        goto out;
    while (pos + 12 <= (size_t)size) {
        uint32_t len = rd32be(file + pos);
        const uint8_t *type = file + pos + 4, *data = file + pos + 8;

        if (pos + 12 + len > (size_t)size)
            goto out;
        if (crc32(0, type, len + 4) != rd32be(data + len))
            goto out;
        if (!memcmp(type, "IHDR", 4) &&
            (rd32be(data) != w || rd32be(data + 4) != h || data[8] != 8 || data[9] != 2))
            goto out;
        if (!memcmp(type, "IDAT", 4)) {
            memcpy(idat + idat_len, data, len);
            idat_len += len;
        }
        pos += 12 + len;
    }
    if (uncompress(raw, &raw_len, idat, idat_len) != Z_OK ||
        raw_len != (uLongf)h * (1 + w * 3))
        goto out;
    for (uint32_t y = 0; y < h; y++) {
        if (raw[y * (1 + w * 3)] != 0)
            goto out;
        memcpy(rgb + y * w * 3, raw + y * (1 + w * 3) + 1, w * 3);
    }
    ok = 0;
out:
    free(file);
    free(idat);
    free(raw);
    fclose(f);
    return ok;
}

static void write_log(const char *path, int skip_line)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "hv: I boot noise\n");
    /* A guest printing dump lines must not paint the screen. */
    fprintf(f, "guest: fb: px 0 0 ffffff*96\n");
    for (int i = 0; i < nr_lines && i < MAX_LINES; i++)
        if (i != skip_line)
            fprintf(f, "hv: I %s\r\n", lines[i]);
    fclose(f);
}

static int run_fb2png(const char *log, const char *png, const char *extra)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "python3 %s %s %s %s --quiet 2>/dev/null",
             fb2png_path, log, png, extra);
    return WEXITSTATUS(system(cmd));
}

static void draw_scene(uint32_t frame)
{
    for (uint32_t y = 0; y < fb.height; y++)
        for (uint32_t x = 0; x < fb.width; x++) {
            uint32_t c = 0;
            if (frame == 1)
                c = (x * 255 / fb.width) << 16 | (y * 255 / fb.height) << 8 | 0x40;
            else if (x >= 20 && x < 50 && y >= 10 && y < 30)
                c = 0x00ff7f;
            else
                continue; /* frame 2 only paints a rectangle */
            put_px(x, y, c);
        }
}

static void test_fb2png_roundtrip(void)
{
    enum { W = 96, H = 64 };
    static uint8_t want1[W * H * 3], want2[W * H * 3], got[W * H * 3];
    char log[64], png[64];
    int frame2_px;

    if (access(fb2png_path, R_OK) != 0) {
        CHECK(!"tools/fb2png not found (run from the repository root)");
        return;
    }
    snprintf(log, sizeof(log), "/tmp/test_dev_fb.%d.log", (int)getpid());
    snprintf(png, sizeof(png), "/tmp/test_dev_fb.%d.png", (int)getpid());
    setup(W, H);
    draw_scene(1);
    CHECK_EQ(fb_dump(&fb, capture, NULL), H);
    rgb_of(&fb, fb.vram, want1);
    frame2_px = nr_lines + 1;
    draw_scene(2);
    CHECK_EQ(fb_dump(&fb, capture, NULL), 20);
    rgb_of(&fb, fb.vram, want2);
    CHECK(memcmp(want1, want2, sizeof(want1)) != 0);

    write_log(log, -1);
    CHECK_EQ(run_fb2png(log, png, ""), 0);
    CHECK_EQ(decode_png(png, W, H, got), 0);
    CHECK(memcmp(got, want2, sizeof(got)) == 0);
    CHECK_EQ(run_fb2png(log, png, "--frame 1"), 0);
    CHECK_EQ(decode_png(png, W, H, got), 0);
    CHECK(memcmp(got, want1, sizeof(got)) == 0);
    CHECK_EQ(run_fb2png(log, png, "--frame 3"), 2); /* no such frame */

    /* A lost line is caught by the frame's CRC. */
    write_log(log, frame2_px);
    CHECK_EQ(run_fb2png(log, png, ""), 1);
    unlink(log);
    unlink(png);
    capture_reset();
    teardown();
}

static void test_bad_modes_and_alloc_failures(void)
{
    Framebuffer f;
    int failed = 0;

    CHECK_EQ(fb_init(&f, "x", 0, 10), MR_EINVAL);
    CHECK_EQ(fb_init(&f, "x", 10, FB_MAX_DIM + 1), MR_EINVAL);
    CHECK_EQ(fb_init(NULL, "x", 10, 10), MR_EINVAL);
    for (long n = 0; n < 8; n++) {
        plat_host_fail_alloc_after(n);
        int err = fb_init(&f, "x", 64, 64);
        plat_host_fail_alloc_after(-1);
        if (err == MR_OK)
            CHECK_EQ(fb_destroy(&f), MR_OK);
        else
            failed++;
        CHECK_EQ(plat_host_live_allocs(), 0);
        CHECK_EQ(plat_host_live_pages(), 0);
    }
    CHECK(failed >= 3); /* shadow, changed map, region pages at least */
}

int main(int argc, char **argv)
{
    static char path[4096];

    /* From the repository root as `make check` runs it; else from argv[0]. */
    (void)argc;
    if (access(fb2png_path, R_OK) != 0) {
        snprintf(path, sizeof(path), "%s", argv[0]);
        char *slash = strrchr(path, '/');
        if (slash) {
            snprintf(slash, sizeof(path) - (size_t)(slash - path), "/../../../tools/fb2png");
            fb2png_path = path;
        }
    }
    RUN(test_changed_scanlines);
    RUN(test_cpu_writes_need_sync);
    RUN(test_dump_format);
    RUN(test_crc_matches_zlib);
    RUN(test_long_lines_split);
    RUN(test_fb2png_roundtrip);
    RUN(test_bad_modes_and_alloc_failures);
    return test_summary("test_dev_fb");
}
