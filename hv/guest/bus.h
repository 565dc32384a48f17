/*
 * The guest machine's bus: where an emulated access goes after the
 * emulator and before a device.  One access of 1, 2, 4 or 8 bytes at a
 * guest-physical address passes, in order:
 *
 *   coalescing  a write to a coalesced window is queued; anything else
 *               delivers the queue first (devices/coalesced.h);
 *   range cache the last flat range an access used, so a driver hammering
 *               one register skips the lookup (never stale: see below);
 *   address space  address_space_read/write (memory/memory.h): RAM copied,
 *               MMIO dispatched to the region's ops.
 *
 * Port I/O has no cache or coalescing: it goes straight to the "io" space.
 * The VT-x layer plugs bus_mem_access/bus_ram_ptr/bus_port_access into the
 * emulator's ops (hv/x86/emulate.h); it makes no decision of its own.
 *
 * The bus_as_* functions are the layers below, usable on any AddressSpace
 * (the host tests and benchmarks drive them directly).
 */
#ifndef HV_GUEST_BUS_H
#define HV_GUEST_BUS_H

#include "devices/coalesced.h"
#include "memory/memory.h"

/* ---------------------------------------------------------- one address space */

/* One access through address_space_read/write (RAM copied, MMIO dispatched
 * as one access when inside one region).  Returns 0, or 1 when nothing was
 * mapped there (reads then give all-ones).  Device refusals (MEMTX_ERROR)
 * behave like the bus: no exception, 0. */
int bus_as_access(AddressSpace *as, uint64_t gpa, unsigned size, bool is_write, uint64_t *val);

/* The one-range cache: the last flat range an MMIO access went to.  It is
 * used only while the address space still has the view it was looked up in
 * (as->view_gen, unique across address spaces and renders), so it is never
 * stale; an access inside that range goes straight to the region's
 * dispatch -- exactly what address_space_read/write do for one access of
 * 1, 2, 4 or 8 bytes inside one non-direct range.  Zero-initialise it. */
struct bus_cache {
    const AddressSpace *as;
    uint64_t view_gen; /* as->view_gen when fr was looked up */
    const FlatRange *fr;
};

int bus_as_access_cached_slow(struct bus_cache *c, AddressSpace *as, uint64_t gpa,
                              unsigned size, bool is_write, uint64_t *val);

/* Inline, so the emulator's ops->access wrapper and this hot test are one
 * frame; everything else is bus_as_access_cached_slow (bus.c). */
static inline int bus_as_access_cached(struct bus_cache *c, AddressSpace *as, uint64_t gpa,
                                       unsigned size, bool is_write, uint64_t *val)
{
    const FlatRange *fr = c->fr;

    /* The hot test: the cached range is from the current view and holds
     * the whole access.  Its flags need no test: only RAM, ROM and ROMD
     * ranges have FR_DIRECT_* set (memory_region_access_flags), and the
     * direct dispatch takes I/O regions only.  It also refuses sizes other
     * than 1, 2, 4, 8 and unaligned offsets, and writes *val only when it
     * took the access (then as memory_region_dispatch_read/write would:
     * one callback, the value masked to size). */
    if (fr && c->as == as && c->view_gen == as->view_gen &&
        gpa - fr->start <= fr->last - fr->start && fr->last - gpa >= size - 1 &&
        memory_region_dispatch_direct(fr->mr, fr->offset_in_region + (gpa - fr->start), val,
                                      size, is_write))
        return 0;
    return bus_as_access_cached_slow(c, as, gpa, size, is_write, val);
}

/* Host pointer to RAM/ROM at gpa (valid to the end of the 4 KiB page and
 * of the flat range), or NULL for MMIO and unassigned space. */
uint8_t *bus_as_ram_ptr(AddressSpace *as, uint64_t gpa);
/* The same for a store the caller makes itself (the emulator's
 * accessed/dirty updates): RAM the guest may write only -- NULL for ROM,
 * read-only RAM, a ROM device, MMIO and unassigned space -- and the page
 * is marked dirty for the region's logging clients first, as
 * address_space_write does for RAM. */
uint8_t *bus_as_ram_ptr_write(AddressSpace *as, uint64_t gpa);

/* ---------------------------------------------------------- the machine's bus */

struct guest_bus {
    AddressSpace *mem, *io;
    CoalescedMmio *cm; /* NULL: no coalescing */
    struct bus_cache cache;
};

int bus_mem_access_slow(struct guest_bus *b, uint64_t gpa, unsigned size, bool is_write,
                        uint64_t *val);

/* A guest memory access, as bus_as_access returns. */
static inline int bus_mem_access(struct guest_bus *b, uint64_t gpa, unsigned size,
                                 bool is_write, uint64_t *val)
{
    /* Nothing queued and not a coalesced window: straight to the cache. */
    if (!b->cm || (!b->cm->count && !coalesced_mmio_covers(b->cm, gpa, size)))
        return bus_as_access_cached(&b->cache, b->mem, gpa, size, is_write, val);
    return bus_mem_access_slow(b, gpa, size, is_write, val);
}

static inline uint8_t *bus_ram_ptr(struct guest_bus *b, uint64_t gpa)
{
    return bus_as_ram_ptr(b->mem, gpa);
}

/* A port access of 1, 2 or 4 bytes: reads of unassigned ports (or ports
 * whose device refuses) give all-ones; returns as bus_as_access. */
int bus_port_access(struct guest_bus *b, uint16_t port, unsigned size, bool is_write,
                    uint64_t *val);

/* Delivers the coalesced queue (every exit other than an MMIO one, and at
 * the end of a run).  Inline: most machines have no coalesced window, and
 * this runs on nearly every exit. */
static inline void bus_flush(struct guest_bus *b)
{
    if (b->cm)
        coalesced_mmio_flush(b->cm);
}

#endif
