/*
 * The memory API: a guest's physical address space as a tree of regions.
 *
 * A MemoryRegion is a range of guest-physical space with a meaning: RAM,
 * ROM, device registers (ops), a window onto another region (alias), or a
 * container that arranges subregions at offsets and priorities.  An
 * AddressSpace has a root region; committing a transaction flattens the
 * tree into a FlatView (sorted, disjoint ranges) and tells the listeners
 * (the EPT, for one) what changed.  docs/memory.md explains the model with
 * a worked example.
 *
 * Names and meanings follow QEMU's memory API.  Differences worth knowing:
 *  - misuse returns an error code (MR_E*) and logs why, instead of asserting,
 *    and a rejected call leaves the tree exactly as it was;
 *  - a change made outside a transaction is committed by the call itself,
 *    which returns the commit's error (and then undoes the change);
 *  - sizes are uint64_t; MR_SIZE_2_64 (UINT64_MAX) means the whole 2^64 range;
 *  - equal priorities: the subregion added later wins.
 *
 * Not thread-safe: the hypervisor's single control thread owns the tree.
 */
#ifndef MEMORY_MEMORY_H
#define MEMORY_MEMORY_H

#include "hv/lib/base.h"

typedef uint64_t hwaddr;
typedef unsigned __int128 msize_t; /* sizes up to and including 2^64 */

/* As a size argument: the whole 64-bit space (2^64 bytes). */
#define MR_SIZE_2_64 UINT64_MAX

#define MEMORY_PAGE_SIZE 4096u
#define MEMORY_PAGE_SHIFT 12

/* Error codes: every call that can be refused returns one of these. */
enum {
    MR_OK = 0,
    MR_EINVAL = -1,   /* bad argument: zero/overflowing size, NULL, ... */
    MR_EBUSY = -2,    /* region in use: has a parent, is a root or target,
                       * is in the view in force, an access is under way */
    MR_ENOMEM = -3,   /* the platform allocator said no */
    MR_ELOOP = -4,    /* the change would make an alias/containment cycle */
    MR_EOVERLAP = -5, /* two non-overlapping siblings would overlap */
    MR_ENOENT = -6,   /* not a subregion of that parent */
    MR_ETYPE = -7,    /* operation does not apply to this kind of region */
};
const char *memory_strerror(int err);

/* Result of one access through the dispatch path. */
typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,        /* the region refused the access (size, alignment) */
    MEMTX_DECODE_ERROR = 2, /* nothing there: unassigned address */
} MemTxResult;

enum device_endian {
    DEVICE_NATIVE_ENDIAN = 0, /* the guest's: little-endian on x86 */
    DEVICE_LITTLE_ENDIAN = 1,
    DEVICE_BIG_ENDIAN = 2,
};

/*
 * Dirty-log clients.  The calls that take a client (set_log, get_dirty,
 * reset_dirty) take ONE of these names per call, never an OR of them.
 * Client n is bit n of a log mask (VGA 0, CODE 1, MIGRATION 2: the masks
 * listeners see).  Each name carries a check pattern above its number, so
 * an OR of two or more names matches no client and is refused (MR_EINVAL)
 * instead of naming another client.  The bare numbers 0..DIRTY_MEMORY_NUM-1
 * name the clients too (loops over all clients use them).
 */
#define DIRTY_MEMORY_NAME(n) ((0x10u << (n)) | (n))
enum {
    DIRTY_MEMORY_VGA = DIRTY_MEMORY_NAME(0),       /* client 0 */
    DIRTY_MEMORY_CODE = DIRTY_MEMORY_NAME(1),      /* client 1 */
    DIRTY_MEMORY_MIGRATION = DIRTY_MEMORY_NAME(2), /* client 2 */
    DIRTY_MEMORY_NUM = 3,
};

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct FlatRange FlatRange;
typedef struct MemoryListener MemoryListener;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct CoalescedRange CoalescedRange;

/*
 * Device callbacks.  addr is the offset inside the region; size is 1, 2, 4
 * or 8; the value is in the device's endianness (see `endianness`).
 *
 * valid: what the guest may do.  An access outside these rules is refused
 *   (MEMTX_ERROR).  max_access_size 0 means any size 1..8 is valid.
 * impl: what the callbacks can take.  The dispatcher splits larger
 *   accesses, widens smaller ones (reads masked; writes read-modify-write),
 *   and, unless impl.unaligned, turns unaligned ones into aligned ones.
 *   min 0 means 1; max 0 means 4.
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    enum device_endian endianness;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
        /* Optional final say; false refuses the access. */
        bool (*accepts)(void *opaque, hwaddr addr, unsigned size, bool is_write);
    } valid;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

typedef enum {
    MR_KIND_CONTAINER,
    MR_KIND_RAM,     /* backed by platform pages, or a caller's pointer */
    MR_KIND_ROM,     /* RAM the guest can only read and execute */
    MR_KIND_ROMD,    /* ROM device: reads from RAM (or ops), writes to ops */
    MR_KIND_IO,      /* ops only */
    MR_KIND_ALIAS,
} MemoryRegionKind;

struct CoalescedRange {
    hwaddr offset; /* inside the region */
    uint64_t size;
    CoalescedRange *next;
};

/*
 * Treat the fields as private: use the functions below.  The struct is
 * public so devices can embed regions without allocating.
 *
 * The attributes below are the tree as edited: what the next commit puts
 * in force.  Accesses go by `live`, the attributes as of the last commit
 * (the commit that rendered the flat views in force).
 */
struct MemoryRegion {
    const char *name;
    MemoryRegionKind kind;
    msize_t size;
    hwaddr addr;     /* offset in the parent */
    int priority;
    bool may_overlap;
    bool enabled;
    bool readonly;   /* RAM made read-only: writes dropped */
    bool romd_mode;  /* ROMD: reads served from RAM (true) or ops (false) */
    bool ram_owned;  /* ram pages allocated by us, freed on destroy */
    bool initialized;
    uint8_t dirty_log_mask; /* bit n: client n logs (see DIRTY_MEMORY_*) */

    const MemoryRegionOps *ops;
    void *opaque;
    /* [is_write]: bit `size` set when an aligned access of that size goes
     * to the callback as it is (valid, impl and endianness allow it). */
    uint8_t direct_sizes[2];
    uint8_t *ram;                    /* host memory of RAM/ROM/ROMD */
    MemoryRegion *alias;             /* target, for MR_KIND_ALIAS */
    hwaddr alias_offset;

    /* In force: what dispatch decides by.  Copied from the fields above
     * by the commit that puts their changes in force. */
    struct {
        msize_t size;
        hwaddr alias_offset;
        bool readonly, romd_mode;
        uint8_t dirty_log_mask;
    } live;
    bool changed;                    /* on the list of regions whose */
    MemoryRegion *changed_next;      /* `live` the next commit updates */
    unsigned busy;                   /* accesses under way inside it */
    const MemoryRegion *self;        /* == the region while initialised */

    MemoryRegion *parent;
    MemoryRegion *subregions;        /* sorted: highest priority first */
    MemoryRegion *next_sibling, *prev_sibling;
    uint64_t add_seq;                /* tie-break: later added wins */

    unsigned users;                  /* aliases and address spaces using it */
    unsigned long view_refs;         /* flat ranges naming it, in all views */
    unsigned long *dirty[DIRTY_MEMORY_NUM]; /* bitmaps, one bit per page */
    CoalescedRange *coalesced;
    bool coalesced_changed;
    uint64_t visit_epoch;            /* scratch mark for graph walks */
};

/* ------------------------------------------------------------ construction
 * `mr` may be uninitialised memory.  If it is a region already (initialised
 * and not destroyed) that is in use -- in a parent, holding subregions, an
 * alias target or address space root, still in the view in force (removed
 * inside an open transaction), or with an access under way inside it --
 * init refuses (MR_EBUSY) and leaves it untouched; one not in use is
 * destroyed first (its name, pages, bitmaps and alias target released).
 * A failed init leaves `mr` as it was. */
int memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
int memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                          void *opaque, const char *name, uint64_t size);
int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
int memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                               uint64_t size, void *ptr);
int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
int memory_region_init_rom_device(MemoryRegion *mr, const MemoryRegionOps *ops,
                                  void *opaque, const char *name, uint64_t size);
int memory_region_init_alias(MemoryRegion *mr, const char *name,
                             MemoryRegion *orig, hwaddr offset, uint64_t size);
/* Refused (MR_EBUSY) while the region has a parent, subregions, aliases
 * onto it, is an address space's root, is still in the view in force, or
 * an access is under way inside it (a callback destroying its own region). */
int memory_region_destroy(MemoryRegion *mr);

/* --------------------------------------------------------------- hierarchy
 * These and the attribute setters below take effect at the outermost
 * transaction commit: until then nothing acts on them, accesses included
 * (they go by the flat views and `live` attributes in force).  Outside a
 * transaction the call commits at once and returns the commit's result:
 * MR_OK, or its error (MR_ENOMEM from rendering, or the first error a
 * listener's commit returned) -- and then the change is undone: the tree,
 * the flat views and what the listeners were told are as before the call.
 * del_subregion: MR_EINVAL if either region is NULL or uninitialised,
 * MR_ENOENT if subregion is not in mr. */
int memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                MemoryRegion *subregion);
int memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                        MemoryRegion *subregion, int priority);
int memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);

/* ------------------------------------------------ attributes (take effect at
 * the outermost transaction commit; outside a transaction, at once: see
 * above for what they return then) */
int memory_region_set_address(MemoryRegion *mr, hwaddr addr);
int memory_region_set_size(MemoryRegion *mr, uint64_t size);
int memory_region_set_enabled(MemoryRegion *mr, bool enabled);
int memory_region_set_readonly(MemoryRegion *mr, bool readonly);
int memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
int memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd_mode);

/* ---------------------------------------------------------------- queries
 * These describe the tree as edited (changes made inside an open
 * transaction included). */
msize_t memory_region_size(const MemoryRegion *mr);
const char *memory_region_name(const MemoryRegion *mr);
bool memory_region_is_ram(const MemoryRegion *mr); /* RAM, ROM or ROMD */
bool memory_region_is_romd(const MemoryRegion *mr);
bool memory_region_is_mapped(const MemoryRegion *mr); /* has a parent */
/* Host pointer to the RAM behind a RAM/ROM/ROMD region (or an alias of one),
 * NULL for any other kind. */
void *memory_region_get_ram_ptr(MemoryRegion *mr);

/* ------------------------------------------------------------ transactions */
void memory_region_transaction_begin(void);
/* The outermost commit puts every change since the outermost begin in
 * force.  Returns MR_OK; MR_ENOMEM when rendering failed (the old views
 * stay in force, nothing changes, the next commit tries again); or the
 * first error a listener's commit reported (the new views are in force
 * then: a transaction's changes cannot be undone, and the listener is
 * expected to catch up at the next commit, as ept/ does). */
int memory_region_transaction_commit(void);
/* How many times address spaces were re-rendered (for tests). */
uint64_t memory_render_count(void);

/* ------------------------------------------------------------- dirty log
 * Logging is per client on RAM regions, one bit per 4 KiB page of the
 * region.  addr/size are offsets inside the region.  `client` is ONE
 * client: DIRTY_MEMORY_VGA, _CODE or _MIGRATION (or its number); anything
 * else, an OR of names included, is refused (set_log: MR_EINVAL; get_dirty:
 * false; reset_dirty: nothing cleared), with a log line.  Start or stop
 * logging one call per client.  Like any change, set_log takes effect at
 * the commit: a client started inside a transaction records nothing
 * before it, one stopped keeps recording (and its bitmap) until it. */
int memory_region_set_log(MemoryRegion *mr, bool log, unsigned client);
bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client);
/* Marks pages dirty for every client whose logging is in force. */
void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size);
void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                               unsigned client);
/* Asks every listener to harvest what the CPU recorded (log_sync). */
void memory_region_sync_dirty_bitmap(MemoryRegion *mr);

/* ------------------------------------------------------------- coalescing */
int memory_region_set_coalescing(MemoryRegion *mr);
int memory_region_add_coalescing(MemoryRegion *mr, hwaddr offset, uint64_t size);
void memory_region_clear_coalescing(MemoryRegion *mr);

/* --------------------------------------------------------------- dispatch
 * One access of 1, 2, 4 or 8 bytes at an offset inside mr, honouring the
 * region's valid/impl rules and endianness.  *data is little-endian-valued
 * (as the guest sees it).  It goes by the attributes in force (mr->live):
 * size, ROM-device mode, read-only, an alias's window.  MEMTX_ERROR for an
 * access not wholly inside the region (or the alias's window).
 * Writes to ROM, and to RAM made read-only, are dropped and return
 * MEMTX_OK (as a bus ignores them); so does address_space_write.  A
 * callback may change the tree and commit; the rest of the access (more
 * callbacks, when impl splits it) still goes to the same region, which
 * cannot be destroyed meanwhile (MR_EBUSY). */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size);

/* The exit path's common case without a call chain: an aligned access of
 * a size the region's callbacks take as they are (mr->direct_sizes).
 * Returns false, having done nothing, when the general dispatch is needed. */
static inline bool memory_region_dispatch_direct(MemoryRegion *mr, hwaddr addr,
                                                 uint64_t *data, unsigned size,
                                                 bool is_write)
{
    static const uint64_t size_mask[9] = {
        [1] = 0xff, [2] = 0xffff, [4] = 0xffffffff, [8] = ~0ull,
    };
    uint64_t mask;

    /* direct_sizes holds only the bits 1, 2, 4 and 8: a set bit for a
     * power of two (size & (size - 1) == 0) is one of those sizes, which
     * also makes addr & (size - 1) the alignment test: one test for both.
     * Aligned, addr + size - 1 cannot wrap: the access ends inside the
     * region when its last byte is below its size in force. */
    if (mr->kind != MR_KIND_IO || !(mr->direct_sizes[is_write] & size) ||
        ((addr | size) & (size - 1)) || (msize_t)(addr + (size - 1)) >= mr->live.size)
        return false;
    mask = size_mask[size]; /* size is 1, 2, 4 or 8 here */
    if (is_write)
        mr->ops->write(mr->opaque, addr, *data & mask, size);
    else
        *data = mr->ops->read(mr->opaque, addr, size) & mask;
    return true;
}

/* ------------------------------------------------------------ flat views */
/* Flags of a flat range: how the CPU may touch it without an exit. */
enum {
    FR_DIRECT_READ = 1u << 0,  /* reads and fetches go to RAM */
    FR_DIRECT_WRITE = 1u << 1, /* writes go to RAM */
};

struct FlatRange {
    hwaddr start;             /* guest-physical, inclusive */
    hwaddr last;              /* guest-physical, inclusive: no 2^64 overflow */
    MemoryRegion *mr;         /* the leaf region that owns it */
    hwaddr offset_in_region;  /* offset of `start` inside mr */
    unsigned flags;           /* FR_* */
    uint8_t dirty_log_mask;
};

struct FlatView {
    FlatRange *ranges;
    size_t nr;
    size_t cap;
    unsigned refs; /* address spaces sharing it (same root), and accesses
                    * under way through it (they keep it alive) */
};

/* The range containing addr, or NULL (unassigned).  O(log n). */
const FlatRange *flatview_lookup(const FlatView *view, hwaddr addr);
/* Index of the first range with last >= addr (== nr when none). */
size_t flatview_lower_bound(const FlatView *view, hwaddr addr);
/* Host pointer to the byte at addr inside a direct-read range. */
void *flatrange_ram_ptr(const FlatRange *fr, hwaddr addr);

/* --------------------------------------------------------- address spaces */
struct AddressSpace {
    const char *name;
    MemoryRegion *root;
    FlatView *current;
    uint64_t view_gen; /* a new, never reused value whenever `current` is replaced */
    AddressSpace *next;
    uint64_t unassigned_reads, unassigned_writes;
    uint64_t unassigned_logged;
};

int address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
const FlatView *address_space_flatview(const AddressSpace *as);

/* Copies len bytes at guest-physical addr, splitting at region boundaries.
 * RAM is copied directly.  MMIO is dispatched: a part of exactly 1, 2, 4 or
 * 8 bytes inside one region is one access (a guest access: the region's
 * `valid` rules may refuse it); other lengths are cut into the largest
 * aligned pieces the region's valid.max_access_size allows.  Unassigned
 * bytes read as 0xff and writes to them are dropped (counted, with a log
 * line at the 1st, 2nd, 4th, 8th, ... occurrence).  Writes to ROM are
 * dropped (MEMTX_OK).  An access that would run past 2^64 (addr + len
 * wraps) is refused whole: nothing is written or dispatched, a read gives
 * all 0xff, the result is MEMTX_DECODE_ERROR.  Returns the results of all
 * parts OR-ed together (MEMTX_OK when all went through).
 *
 * Everything goes by the flat view in force.  A device callback may change
 * the tree and commit (a flash switching its ROM-device mode, a device
 * moving its window): the access keeps the view it was using alive while
 * it uses it (it is never freed under the access), and after each
 * dispatched piece it looks the rest of the access up again in the view
 * now in force: the bytes after a callback go where the map after that
 * callback sends them (unassigned, if the region moved away). */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               size_t len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf,
                                size_t len);

/* -------------------------------------------------------------- listeners */
/*
 * What a listener is told about one flat range.  For region_del it is the
 * range as it was (from the old view); for region_add/nop as it is now.
 *
 * Order at a commit: begin (ascending priority); region_del for ranges that
 * went away or changed (descending priority); region_add for new or changed
 * ranges and region_nop for unchanged ones (ascending), each followed by its
 * coalesced_add calls; commit (ascending).  A range is unchanged when its
 * extent, region, offset and FR_* flags are the same.  region_add carries
 * the range's dirty_log_mask itself; log_start/log_stop come only for
 * unchanged ranges whose mask changed (after their region_nop).  A listener
 * registered late is replayed the current view as adds; unregistering
 * replays it as dels; address_space_destroy tells its listeners dels.
 */
struct MemoryRegionSection {
    MemoryRegion *mr;
    AddressSpace *as;
    hwaddr offset_within_region;
    hwaddr start; /* inclusive */
    hwaddr last;  /* inclusive */
    unsigned flags; /* FR_* */
    uint8_t dirty_log_mask;
};

struct MemoryListener {
    /* Every callback is optional. */
    void (*begin)(MemoryListener *l);
    /* Returns non-zero to report a failure to the committer. */
    int (*commit)(MemoryListener *l);
    void (*region_add)(MemoryListener *l, const MemoryRegionSection *s);
    void (*region_del)(MemoryListener *l, const MemoryRegionSection *s);
    void (*region_nop)(MemoryListener *l, const MemoryRegionSection *s);
    /* old/new: the log masks before and after for this range. */
    void (*log_start)(MemoryListener *l, const MemoryRegionSection *s,
                      unsigned old_mask, unsigned new_mask);
    void (*log_stop)(MemoryListener *l, const MemoryRegionSection *s,
                     unsigned old_mask, unsigned new_mask);
    /* Harvest the CPU's record of writes into memory_region_set_dirty. */
    void (*log_sync)(MemoryListener *l, const MemoryRegionSection *s);
    /* start/size: guest-physical intersection of a coalesced range. */
    void (*coalesced_add)(MemoryListener *l, const MemoryRegionSection *s,
                          hwaddr start, uint64_t size);
    void (*coalesced_del)(MemoryListener *l, const MemoryRegionSection *s,
                          hwaddr start, uint64_t size);

    int priority; /* lower first for add/begin/commit; dels in reverse */
    AddressSpace *as; /* the space it listens to; NULL: all of them */

    /* private */
    MemoryListener *next;
    bool registered;
};

/* The listener is replayed the current view of its space(s) at once. */
int memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

/* ----------------------------------------------------------------- dumps */
/* Writes lines through `out` (one call per line, no trailing newline). */
typedef void (*memory_print_fn)(void *ctx, const char *line);
/* The region tree as QEMU's `info mtree`:
 *   0000000000000000-ffffffffffffffff (prio 0, i/o): system
 *     0000000000000000-0000000007ffffff (prio 0, ram): pc.ram
 *     00000000000c0000-00000000000dffff (prio 1, rom): alias isa-bios @pc.bios 0000000000020000-000000000003ffff */
void memory_mtree_print(AddressSpace *as, memory_print_fn out, void *ctx);
/* The flat view, one line per range. */
void memory_flatview_print(AddressSpace *as, memory_print_fn out, void *ctx);

#endif
