/*
 * A linear framebuffer and its display model.
 *
 * The framebuffer is guest RAM (32 bpp, XRGB8888: pixel = R<<16 | G<<8 | B,
 * little-endian in memory, top byte ignored) with VGA dirty logging on, so
 * the EPT maps it directly and guest writes cost no exit.  The display
 * model asks the memory API to harvest the CPU's dirty record
 * (memory_region_sync_dirty_bitmap), turns dirty pages into candidate
 * scanlines, compares those with a shadow copy of what it last reported,
 * and so knows exactly which scanlines (and which span of each) changed.
 *
 * fb_dump() reports the changed area as text lines, a compact run-length
 * form that tools/fb2png turns back into a PNG (docs/devices.md):
 *   fb: frame SEQ WxH lines N
 *   fb: px Y X RUN RUN ...      RUN = RRGGBB or RRGGBB*COUNT (decimal)
 *   fb: end SEQ crc XXXXXXXX    CRC-32 of the whole screen as RGB bytes
 */
#ifndef DEVICES_FRAMEBUFFER_H
#define DEVICES_FRAMEBUFFER_H

#include "devices/dev_console.h"
#include "memory/memory.h"

#define FB_MAX_DIM 4096
#define FB_BPP 4
/* Longest "fb: px" line (characters before the terminating NUL). */
#define FB_DUMP_LINE_MAX 160

typedef struct Framebuffer {
    MemoryRegion mr;    /* map this; width * height * 4 bytes, page-rounded */
    uint32_t width, height, stride; /* stride in bytes */
    uint8_t *vram;      /* the region's RAM */
    uint8_t *shadow;    /* the screen as last dumped */
    uint8_t *changed;   /* per scanline: differs from shadow */
    uint32_t nr_changed;
    uint64_t frames;    /* dumps that emitted a frame */
    uint64_t lines_dumped, dump_lines_out;
} Framebuffer;

int fb_init(Framebuffer *fb, const char *name, uint32_t width, uint32_t height);
/* Refused (MR_EBUSY) while mapped. */
int fb_destroy(Framebuffer *fb);

/*
 * Harvests the dirty log and updates the set of changed scanlines (lines
 * stay changed until a dump reports them).  Returns how many are changed.
 */
uint32_t fb_update(Framebuffer *fb);
bool fb_line_changed(const Framebuffer *fb, uint32_t y);

/*
 * fb_update, then one frame of the changed scanlines through out (NULL:
 * plat_log), then they count as reported.  Emits nothing and returns 0
 * when nothing changed; otherwise returns the number of scanlines dumped.
 */
uint32_t fb_dump(Framebuffer *fb, dev_line_fn out, void *ctx);

/* CRC-32 (IEEE 802.3, as zlib's crc32) for the dump trailer; exported for tests. */
uint32_t fb_crc32(uint32_t crc, const uint8_t *p, size_t len);

#endif
