/*
 * EPT paging structures for one guest-physical address space.
 *
 * An EptContext owns a 4-level EPT (48-bit guest-physical) built from a
 * page-table pool with a fixed budget.  Changes are applied in batches
 * (ept_apply): the pages a batch may need are reserved first, so a batch is
 * applied completely or not at all; each range gets the largest page the
 * alignment of guest and host address allows (1 GiB when the CPU has it,
 * 2 MiB, 4 KiB); tables that become empty or uniform are freed or merged
 * back into a large page; and one INVEPT is asked for per batch that took
 * away or narrowed a present translation, none otherwise.
 *
 * The flat-view listener (ept_listener.h) drives this from the memory API;
 * docs/ept.md explains the whole with an example.
 */
#ifndef EPT_EPT_H
#define EPT_EPT_H

#include "hv/lib/base.h"
#include "ept/ept_entry.h"
#include "ept/ept_pool.h"

/* What the CPU offers, from the VMX capability MSRs (ept_caps_from_msrs). */
typedef struct EptCaps {
    bool page_2m;       /* IA32_VMX_EPT_VPID_CAP bit 16 */
    bool page_1g;       /* IA32_VMX_EPT_VPID_CAP bit 17 */
    bool ad;            /* bit 21: accessed/dirty flags */
    bool pml;           /* IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 17 */
    unsigned gpa_width; /* guest-physical bits mapped: 32..48 (0 = 48) */
} EptCaps;

/* Decodes IA32_VMX_EPT_VPID_CAP and IA32_VMX_PROCBASED_CTLS2 (allowed-1
 * settings in the high half); phys_bits is CPUID.80000008H:EAX[7:0].
 * Returns false when the CPU cannot run this EPT at all (no 4-level walk
 * or no write-back type); *caps is filled either way. */
bool ept_caps_from_msrs(EptCaps *caps, uint64_t ept_vpid_cap,
                        uint64_t procbased_ctls2, unsigned phys_bits);

/* How guest writes to logged pages are recorded (ept_dirty.c). */
typedef enum {
    EPT_DIRTY_WP = 0,  /* write-protect; the write fault marks the page */
    EPT_DIRTY_AD = 1,  /* EPT dirty flags, harvested and cleared */
    EPT_DIRTY_PML = 2, /* page-modification log per vCPU, plus dirty flags */
} EptDirtyMode;

/* The best strategy the capabilities allow (PML needs the A/D flags). */
EptDirtyMode ept_dirty_mode_for(const EptCaps *caps);
const char *ept_dirty_mode_name(EptDirtyMode mode);

typedef struct EptStats {
    uint64_t entries_written; /* every store into a table entry */
    uint64_t tables_allocated;
    uint64_t tables_freed;
    uint64_t invalidations;   /* INVEPT requests */
    uint64_t batches;         /* ept_apply calls that succeeded */
} EptStats;

/* Called once per batch that needs it, with the EPTP; NULL uses
 * plat_ept_invalidate.  Tests put a simulated TLB flush here. */
typedef void (*ept_invalidate_fn)(void *opaque, uint64_t eptp);

typedef struct EptContext {
    EptCaps caps;
    EptDirtyMode mode;
    EptPool pool;
    uint64_t *root;      /* the PML4 */
    uint64_t root_hpa;
    uint64_t max_gpa;    /* last mappable guest-physical address */
    ept_invalidate_fn invalidate;
    void *invalidate_opaque;
    bool need_invalidate; /* this batch narrowed something */
    EptStats stats;
} EptContext;

/* ept_init errors. */
enum {
    EPT_OK = 0,
    EPT_EINVAL = -1,
    EPT_ENOMEM = -3, /* same value as MR_ENOMEM */
};

/* budget_pages: most table pages the EPT may use, root included. */
int ept_init(EptContext *ctx, const EptCaps *caps, size_t budget_pages);
/* Frees every table; the pool ends where it started. */
void ept_destroy(EptContext *ctx);
/* The value for the VMCS EPT-pointer field (0x201A). */
uint64_t ept_eptp(const EptContext *ctx);
void ept_set_invalidate_hook(EptContext *ctx, ept_invalidate_fn fn, void *opaque);

/* What one guest-physical range should become. */
typedef struct EptDesc {
    bool present;
    uint64_t hpa;   /* host-physical address of `gpa` */
    uint64_t gpa;   /* the address hpa belongs to (any point of the range) */
    unsigned perms; /* EPT_PERM_* */
    uint64_t soft;  /* EPT_SOFT_* */
} EptDesc;

typedef struct EptPiece {
    uint64_t start, last; /* page aligned, inclusive */
    EptDesc d;
} EptPiece;

/* Applies the pieces (disjoint, each within max_gpa) as one batch.  All or
 * nothing: EPT_ENOMEM when the pool cannot cover the worst case, with the
 * tables untouched. */
int ept_apply(EptContext *ctx, const EptPiece *pieces, size_t n);

/* Convenience single-range batches (page-aligned gpa/size). */
int ept_map(EptContext *ctx, uint64_t gpa, uint64_t size, uint64_t hpa,
            unsigned perms);
int ept_unmap(EptContext *ctx, uint64_t gpa, uint64_t size);
/* New permissions for whatever is mapped in the range (holes stay holes). */
int ept_protect(EptContext *ctx, uint64_t gpa, uint64_t size, unsigned perms);

/* ------------------------------------------------------------ walker */
typedef struct EptWalk {
    bool present;
    uint64_t hpa;       /* of the byte at gpa */
    unsigned perms;     /* EPT_PERM_* */
    int level;          /* of the leaf: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
    uint64_t page_size;
    uint64_t page_gpa;  /* first guest-physical address of the page */
    bool accessed, dirty;
    uint64_t soft;
    uint64_t entry;     /* raw leaf (or 0) */
    uint64_t *leaf;     /* where it lives (NULL when not present) */
} EptWalk;

/* Translates gpa; false (w->present false) when not mapped. */
bool ept_walk(const EptContext *ctx, uint64_t gpa, EptWalk *w);

/* Calls fn for each present leaf overlapping [start, last], in order. */
typedef void (*ept_leaf_fn)(void *opaque, uint64_t gpa, int level, uint64_t *entry);
void ept_for_each_leaf(const EptContext *ctx, uint64_t start, uint64_t last,
                       ept_leaf_fn fn, void *opaque);

typedef struct EptCounts {
    size_t leaves[EPT_LEVELS + 1]; /* by level: [1] 4 KiB, [2] 2 MiB, [3] 1 GiB */
    size_t tables[EPT_LEVELS + 1]; /* table pages by level (root at [4]) */
    size_t empty_tables;           /* tables with no present entry (root aside) */
} EptCounts;
void ept_count(const EptContext *ctx, EptCounts *out);
size_t ept_count_leaves(const EptContext *ctx);

/* One line per run of contiguous, equally mapped leaves. */
typedef void (*ept_print_fn)(void *opaque, const char *line);
void ept_dump(const EptContext *ctx, ept_print_fn out, void *opaque);

#endif
