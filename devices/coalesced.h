/*
 * Coalesced MMIO: deferred delivery of writes to regions the machine model
 * marked with memory_region_set_coalescing/_add_coalescing.
 *
 * The layer is a MemoryListener on one address space.  The memory API tells
 * it (coalesced_add/del) which guest-physical ranges are coalesced; the MMIO
 * exit path sends every decoded access through coalesced_mmio_read/_write
 * instead of address_space_read/_write:
 *
 *   write inside a coalesced range  -> queued in the ring, MEMTX_OK at once
 *   any other access                -> ring flushed first, then dispatched
 *   ring full                       -> ring flushed, then the write queued
 *   listener begin (map changing)   -> ring flushed under the old map
 *   coalesced_mmio_flush()          -> ring flushed (the hypervisor calls it
 *                                      on every exit that is not an MMIO
 *                                      access: port I/O, HLT, end of run)
 *
 * Queued entries hold the target region and offset, so each is delivered
 * with memory_region_dispatch_write exactly as an immediate write would
 * have been, in the order the guest made them.  Because every other access
 * (and every other exit) flushes first, no device, and so no guest, can see
 * a different sequence of accesses than immediate delivery would give: only
 * the number of trips into device code changes.  That is stronger than
 * "flush before a read of the same device", which would let a write to one
 * device overtake a queued write to another.
 *
 * exits saved: a queued write costs no trip into device code at exit time;
 * a flush delivers its batch in one trip.  saved = delivered - batches.
 */
#ifndef DEVICES_COALESCED_H
#define DEVICES_COALESCED_H

#include "memory/memory.h"

#define COALESCED_RING_DEFAULT 64

typedef struct CoalescedZone {
    hwaddr start;      /* guest-physical */
    hwaddr last;       /* inclusive */
    MemoryRegion *mr;  /* the leaf region behind it */
    hwaddr mr_offset;  /* offset of `start` in mr */
} CoalescedZone;

typedef struct CoalescedEntry {
    MemoryRegion *mr;
    hwaddr offset;     /* in mr */
    hwaddr addr;       /* guest-physical, for diagnostics */
    uint64_t data;
    unsigned size;
} CoalescedEntry;

enum coalesced_flush_reason {
    COALESCED_FLUSH_ACCESS,   /* another access came through the layer */
    COALESCED_FLUSH_FULL,     /* the ring was full */
    COALESCED_FLUSH_EXPLICIT, /* coalesced_mmio_flush() */
    COALESCED_FLUSH_TOPOLOGY, /* the memory map is changing */
    COALESCED_FLUSH_NR,
};

typedef struct CoalescedMmio {
    MemoryListener listener;
    AddressSpace *as;

    CoalescedZone *zones;
    size_t nr_zones, cap_zones;

    CoalescedEntry *ring;
    unsigned ring_size, head, count;

    uint64_t queued, delivered, batches, errors;
    uint64_t flushes[COALESCED_FLUSH_NR]; /* batches by reason */
} CoalescedMmio;

/* ring_entries 0 means COALESCED_RING_DEFAULT.  Registers the listener, so
 * the ranges already mapped in `as` are known at once. */
int coalesced_mmio_init(CoalescedMmio *c, AddressSpace *as, unsigned ring_entries);
/* Flushes, unregisters and frees. */
void coalesced_mmio_destroy(CoalescedMmio *c);

/* The exit path's entry points; data is the value as the guest sees it. */
MemTxResult coalesced_mmio_write(CoalescedMmio *c, hwaddr addr, uint64_t data,
                                 unsigned size);
MemTxResult coalesced_mmio_read(CoalescedMmio *c, hwaddr addr, uint64_t *data,
                                unsigned size);
/* A flush point: delivers everything queued, in order. */
void coalesced_mmio_flush(CoalescedMmio *c);

bool coalesced_mmio_covers(const CoalescedMmio *c, hwaddr addr, unsigned size);
uint64_t coalesced_mmio_exits_saved(const CoalescedMmio *c);

#endif
