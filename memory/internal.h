/*
 * Shared between the files of memory/; not part of the API.
 */
#ifndef MEMORY_INTERNAL_H
#define MEMORY_INTERNAL_H

#include "memory/memory.h"
#include "hv/lib/platform.h"

/* The whole memory system's state: one per hypervisor, like QEMU's. */
struct memory_state {
    unsigned txn_depth;
    bool topology_changed;  /* something needs a re-render */
    MemoryRegion *changed;  /* regions whose `live` the next commit updates */
    AddressSpace *spaces;   /* singly linked, in init order */
    MemoryListener *listeners; /* sorted by priority, stable */
    uint64_t add_seq;       /* tie-break counter for equal priorities */
    uint64_t epoch;         /* marks for graph walks */
    uint64_t renders;       /* re-render passes (tests) */
    uint64_t view_gens;     /* source of AddressSpace.view_gen values */
};
extern struct memory_state memory_state;

/* Logs why a call was refused and returns err. */
int memory_refuse(int err, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * Every mutation calls this once its change is made (after all its checks).
 * mr: a region whose `live` attributes the change affects, or NULL.
 * Inside a transaction it returns MR_OK: the change waits for the outermost
 * commit.  Outside one it commits now and returns the commit's result; on
 * failure it first calls undo(ctx), which must put the tree back exactly as
 * it was before the change, then puts the old flat views back (telling the
 * listeners, if they had been told the new ones) -- so a failed change
 * leaves nothing behind.
 */
int memory_change(MemoryRegion *mr, void (*undo)(void *ctx), void *ctx);

/* Copies a region's edited attributes to `live` (the commit does this for
 * the regions on memory_state.changed); frees bitmaps of stopped clients. */
void memory_region_put_in_force(MemoryRegion *mr);
/* Takes mr off memory_state.changed (when it goes away). */
void memory_region_forget_change(MemoryRegion *mr);

/* render.c: builds the flat view of a root into a fresh FlatView. */
FlatView *flatview_render(MemoryRegion *root);
void flatview_unref(FlatView *view);
/* Frees render scratch space (when the last address space goes). */
void memory_scratch_release(void);

/* FR_* flags a leaf region's ranges get. */
unsigned memory_region_access_flags(const MemoryRegion *mr);

/* listener.c: tells the listeners what changed between two views. */
void memory_listeners_begin(void);
int memory_listeners_commit(void);
void memory_listeners_diff(AddressSpace *as, const FlatView *old_view,
                           const FlatView *new_view);
void memory_listeners_replay(MemoryListener *l, AddressSpace *as, bool add);
MemoryRegionSection memory_section(AddressSpace *as, const FlatRange *fr);

/* dispatch.c: fills mr->direct_sizes from mr->ops. */
void memory_region_compute_direct(MemoryRegion *mr);

/* dirty.c */
void memory_region_free_dirty(MemoryRegion *mr);
/* Frees the bitmaps of clients no longer in mr->dirty_log_mask. */
void memory_region_trim_dirty(MemoryRegion *mr);
/* coalesce.c */
void memory_region_free_coalesced(MemoryRegion *mr);

/* The value of n bytes in memory order, read little- or big-endian, and
 * the reverse: what dispatch and address_space_read/write pass around. */
static inline uint64_t load_bytes(const uint8_t *p, unsigned n, bool big)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    return v;
}

static inline void store_bytes(uint8_t *p, uint64_t v, unsigned n, bool big)
{
    for (unsigned i = 0; i < n; i++)
        p[big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Size arithmetic: sizes are msize_t so 2^64 is representable. */
#define MSIZE_2_64 ((msize_t)1 << 64)
static inline msize_t msize_from_arg(uint64_t size)
{
    return size == MR_SIZE_2_64 ? MSIZE_2_64 : (msize_t)size;
}

#endif
