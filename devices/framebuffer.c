/* Framebuffer display model and its serial dump: see framebuffer.h. */
#include "devices/framebuffer.h"
#include "hv/lib/fmt.h"
#include "hv/lib/platform.h"

static uint64_t fb_bytes(uint32_t width, uint32_t height)
{
    return (uint64_t)width * height * FB_BPP;
}

static uint64_t page_round(uint64_t n)
{
    return (n + MEMORY_PAGE_SIZE - 1) & ~(uint64_t)(MEMORY_PAGE_SIZE - 1);
}

int fb_init(Framebuffer *fb, const char *name, uint32_t width, uint32_t height)
{
    uint64_t bytes;
    int err;

    if (!fb)
        return MR_EINVAL;
    if (!width || !height || width > FB_MAX_DIM || height > FB_MAX_DIM) {
        plat_log(LOG_ERR, "fb: bad mode %ux%u", width, height);
        return MR_EINVAL;
    }
    memset(fb, 0, sizeof(*fb));
    fb->width = width;
    fb->height = height;
    fb->stride = width * FB_BPP;
    bytes = fb_bytes(width, height);
    fb->shadow = plat_alloc(bytes);
    fb->changed = plat_alloc(height);
    if (!fb->shadow || !fb->changed) {
        err = MR_ENOMEM;
        goto fail;
    }
    err = memory_region_init_ram(&fb->mr, name ? name : "fb", page_round(bytes));
    if (err)
        goto fail;
    fb->vram = memory_region_get_ram_ptr(&fb->mr);
    err = memory_region_set_log(&fb->mr, true, DIRTY_MEMORY_VGA);
    if (err) {
        memory_region_destroy(&fb->mr);
        goto fail;
    }
    return MR_OK;
fail:
    plat_log(LOG_ERR, "fb: init failed: %s", memory_strerror(err));
    plat_free(fb->shadow);
    plat_free(fb->changed);
    fb->shadow = fb->changed = NULL;
    return err;
}

int fb_destroy(Framebuffer *fb)
{
    int err = memory_region_destroy(&fb->mr);

    if (err)
        return err;
    plat_free(fb->shadow);
    plat_free(fb->changed);
    fb->shadow = fb->changed = NULL;
    fb->vram = NULL;
    return MR_OK;
}

static uint32_t pixel(const uint8_t *line, uint32_t x)
{
    const uint8_t *p = line + (size_t)x * FB_BPP;

    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* Whether two scanlines show different pictures (the X byte is not shown). */
static bool line_differs(const Framebuffer *fb, const uint8_t *a, const uint8_t *b)
{
    uint32_t x;

    if (!memcmp(a, b, fb->stride))
        return false;
    for (x = 0; x < fb->width; x++)
        if (pixel(a, x) != pixel(b, x))
            return true;
    return false;
}

uint32_t fb_update(Framebuffer *fb)
{
    uint32_t y;

    memory_region_sync_dirty_bitmap(&fb->mr);
    for (y = 0; y < fb->height; y++) {
        hwaddr off = (hwaddr)y * fb->stride;

        /* Pages are coarse: a dirty page only nominates its scanlines. */
        if (!memory_region_get_dirty(&fb->mr, off, fb->stride, DIRTY_MEMORY_VGA))
            continue;
        fb->changed[y] = line_differs(fb, fb->vram + off, fb->shadow + off);
    }
    memory_region_reset_dirty(&fb->mr, 0, page_round(fb_bytes(fb->width, fb->height)),
                              DIRTY_MEMORY_VGA);
    fb->nr_changed = 0;
    for (y = 0; y < fb->height; y++)
        fb->nr_changed += fb->changed[y];
    return fb->nr_changed;
}

bool fb_line_changed(const Framebuffer *fb, uint32_t y)
{
    return y < fb->height && fb->changed[y];
}

/* ------------------------------------------------------------------ crc */
uint32_t fb_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
    /* Reflected polynomial 0xEDB88320, four bits at a time. */
    static const uint32_t nib[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };

    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ nib[crc & 15];
        crc = (crc >> 4) ^ nib[crc & 15];
    }
    return ~crc;
}

/* CRC of the screen as R,G,B bytes, row by row (what fb2png rebuilds). */
static uint32_t screen_crc(const Framebuffer *fb, const uint8_t *screen)
{
    uint32_t crc = 0, x, y, px;
    uint8_t rgb[3];

    for (y = 0; y < fb->height; y++) {
        for (x = 0; x < fb->width; x++) {
            px = pixel(screen + (size_t)y * fb->stride, x);
            rgb[0] = (uint8_t)(px >> 16);
            rgb[1] = (uint8_t)(px >> 8);
            rgb[2] = (uint8_t)px;
            crc = fb_crc32(crc, rgb, 3);
        }
    }
    return crc;
}

/* --------------------------------------------------------------- dump */
struct dump_line {
    Framebuffer *fb;
    dev_line_fn out;
    void *ctx;
    char buf[FB_DUMP_LINE_MAX + 1];
    int len;
    int header; /* length of "fb: px Y X" when only that is in buf */
};

static void dl_emit(struct dump_line *d)
{
    dev_emit_line(d->out, d->ctx, d->buf);
    d->fb->dump_lines_out++;
    d->len = 0;
}

static void dl_start(struct dump_line *d, uint32_t y, uint32_t x)
{
    d->len = hv_snprintf(d->buf, sizeof(d->buf), "fb: px %u %u", y, x);
    d->header = d->len;
}

/* Appends one run; starts a new line (at pixel x) when it would not fit. */
static void dl_run(struct dump_line *d, uint32_t y, uint32_t x, uint32_t rgb,
                   uint32_t count)
{
    char tok[24];
    int n;

    if (count > 1)
        n = hv_snprintf(tok, sizeof(tok), " %06x*%u", rgb, count);
    else
        n = hv_snprintf(tok, sizeof(tok), " %06x", rgb);
    if (d->len + n > FB_DUMP_LINE_MAX && d->len > d->header) {
        dl_emit(d);
        dl_start(d, y, x);
    }
    memcpy(d->buf + d->len, tok, (size_t)n + 1);
    d->len += n;
}

/* Dumps the span of scanline y that differs from the shadow. */
static void dump_scanline(struct dump_line *d, uint32_t y)
{
    Framebuffer *fb = d->fb;
    const uint8_t *now = fb->vram + (size_t)y * fb->stride;
    const uint8_t *old = fb->shadow + (size_t)y * fb->stride;
    uint32_t x0 = 0, x1 = fb->width - 1, x, run_x, rgb;

    while (x0 < x1 && pixel(now, x0) == pixel(old, x0))
        x0++;
    while (x1 > x0 && pixel(now, x1) == pixel(old, x1))
        x1--;
    dl_start(d, y, x0);
    for (x = x0; x <= x1;) {
        run_x = x;
        rgb = pixel(now, x);
        while (x <= x1 && pixel(now, x) == rgb)
            x++;
        dl_run(d, y, run_x, rgb, x - run_x);
    }
    dl_emit(d);
    memcpy(fb->shadow + (size_t)y * fb->stride, now, fb->stride);
}

uint32_t fb_dump(Framebuffer *fb, dev_line_fn out, void *ctx)
{
    struct dump_line d = { .fb = fb, .out = out, .ctx = ctx };
    char line[96];
    uint32_t y, n = fb_update(fb);

    if (!n)
        return 0;
    fb->frames++;
    hv_snprintf(line, sizeof(line), "fb: frame %llu %ux%u lines %u",
                (unsigned long long)fb->frames, fb->width, fb->height, n);
    dev_emit_line(out, ctx, line);
    for (y = 0; y < fb->height; y++) {
        if (!fb->changed[y])
            continue;
        dump_scanline(&d, y);
        fb->changed[y] = 0;
    }
    fb->nr_changed = 0;
    fb->lines_dumped += n;
    hv_snprintf(line, sizeof(line), "fb: end %llu crc %08x",
                (unsigned long long)fb->frames, screen_crc(fb, fb->shadow));
    dev_emit_line(out, ctx, line);
    return n;
}
