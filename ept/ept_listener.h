/*
 * The memory listener that keeps an EPT equal to one address space's flat
 * view, and the dirty logging built on it.
 *
 * Between begin and commit the listener only records what the memory core
 * tells it (region_add/del/nop, log_start/stop) in a copy of its section
 * list; commit turns the old and new lists into the guest-physical ranges
 * whose mapping really changed and applies those as one batch
 * (ept_apply: all or nothing, at most one INVEPT).  Mapping rules:
 *   FR_DIRECT_READ                 read + execute (writes trap)
 *   FR_DIRECT_READ|FR_DIRECT_WRITE read + write + execute
 *   anything else, unassigned      not present
 * Only whole 4 KiB pages are mapped: a page shared with MMIO (or with RAM
 * mapped differently) stays not present and is emulated.  Ranges beyond the
 * guest-physical width are logged and left unmapped.
 *
 * Dirty logging: ranges whose log mask is non-zero are mapped with 4 KiB
 * leaves and tracked by the strategy of ept.mode (ept_dirty.c):
 *   EPT_DIRTY_PML  the CPU logs pages to each vCPU's EptPml page; the
 *                  PML-full exit calls ept_pml_drain; log_sync drains
 *                  too and clears the logged pages' dirty flags, then
 *                  INVEPT;
 *   EPT_DIRTY_AD   log_sync reports and clears dirty flags, then INVEPT;
 *   EPT_DIRTY_WP   logged pages are mapped without W; the EPT-violation
 *                  handler calls ept_wp_fault, which reports the page and
 *                  gives W back; log_sync takes W away again, then INVEPT.
 * Reports go to memory_region_set_dirty of the region (through aliases to
 * the RAM itself).
 */
#ifndef EPT_EPT_LISTENER_H
#define EPT_EPT_LISTENER_H

#include "ept/ept.h"
#include "hv/lib/platform.h"
#include "memory/memory.h"

/* One piece of the flat view as the listener keeps it. */
typedef struct EptSection {
    uint64_t start, last; /* inclusive */
    MemoryRegion *mr;
    uint64_t offset;      /* of start inside mr */
    unsigned flags;       /* FR_* */
    uint8_t log;          /* dirty-log client mask */
} EptSection;

typedef struct EptSectionList {
    EptSection *v;
    size_t n, cap;
} EptSectionList;

/* A guest-physical run the EPT should map one way (page aligned). */
typedef struct EptRun {
    uint64_t start, last;
    uint64_t hpa;   /* of start */
    unsigned perms;
    uint64_t soft;
} EptRun;

typedef struct EptRunList {
    EptRun *v;
    size_t n, cap;
} EptRunList;

/*
 * A vCPU's page-modification log: a 4 KiB page of 512 guest-physical
 * addresses, filled from index 511 downwards.  The VMX code puts
 * ept_pml_address() in the VMCS "PML address" field (0x200E), copies the
 * VMCS "guest PML index" (0x0812) into `index` on every VM exit and back
 * on every VM entry.
 */
typedef struct EptPml {
    uint64_t *log;
    uint16_t index;
    struct EptPml *next;
} EptPml;

typedef struct EptListener {
    MemoryListener ml;      /* first: the callbacks get this pointer */
    EptContext ept;
    AddressSpace *as;
    EptSectionList applied; /* what the EPT holds */
    EptRunList applied_runs;
    EptSectionList pending; /* inside begin..commit */
    bool in_txn;
    bool pending_failed;    /* an allocation failed while recording */
    bool resync;            /* rebuild from the flat view at next commit */
    bool closing;           /* being destroyed: commits change nothing */
    EptPml *pml;            /* attached vCPU logs */
    uint64_t *pml_clear;    /* drained pages whose dirty flag must clear */
    size_t pml_clear_n, pml_clear_cap;
    bool pml_clear_overflow;
    uint64_t commits, failed_commits;
} EptListener;

/* Creates the EPT (caps and budget as ept_init) and registers for `as`,
 * which is replayed into the EPT at once.  MR_* error on failure. */
int ept_listener_init(EptListener *el, const EptCaps *caps, size_t budget_pages,
                      AddressSpace *as);
/* As ept_listener_init with a chosen dirty strategy (tests, or a CPU whose
 * A/D flags are not to be trusted).  PML and AD need caps->ad. */
int ept_listener_init_mode(EptListener *el, const EptCaps *caps, size_t budget_pages,
                           AddressSpace *as, EptDirtyMode mode);
/* Unregisters and frees everything; the pool ends where it started. */
void ept_listener_destroy(EptListener *el);

static inline uint64_t ept_listener_eptp(const EptListener *el)
{
    return ept_eptp(&el->ept);
}

/* Proves the EPT equal to the address space's flat view (ept_check.c);
 * returns the number of mismatches, each printed through out (may be NULL). */
size_t ept_listener_check(EptListener *el, ept_print_fn out, void *opaque);
size_t ept_check_view(const EptContext *ctx, const FlatView *view,
                      ept_print_fn out, void *opaque);

/* --------------------------------------------------------- dirty logging */
int ept_pml_init(EptPml *pml);
void ept_pml_destroy(EptPml *pml);
static inline uint64_t ept_pml_address(const EptPml *pml)
{
    return plat_virt_to_phys(pml->log);
}
void ept_pml_attach(EptListener *el, EptPml *pml);
void ept_pml_detach(EptListener *el, EptPml *pml);
/* PML-full exit (and log_sync): reports the logged pages, resets index to
 * 511.  Returns how many entries it took. */
unsigned ept_pml_drain(EptListener *el, EptPml *pml);
/* Slots the CPU has not written (index and below) hold EPT_PML_UNUSED,
 * which no logged GPA equals (bits 11:0 set); init and every drain put it
 * back.  ept_pml_check counts the unwritten slots that do not hold it:
 * writes into the buffer by anyone but the CPU; *first_bad is the first. */
#define EPT_PML_UNUSED 0x6876706d6c000fffull /* "hvpml" */
unsigned ept_pml_check(const EptPml *pml, unsigned *first_bad /* may be NULL */);

/* EPT violation on a write: true when it was the write-protect logger's
 * (the page is reported dirty and writable again: resume the guest),
 * false when the violation is real (MMIO, ROM, unmapped: emulate). */
bool ept_wp_fault(EptListener *el, uint64_t gpa);

/* Harvests what the CPU recorded for [start, last] into the dirty bitmaps
 * and re-arms tracking (what log_sync does per section). */
void ept_dirty_sync_range(EptListener *el, uint64_t start, uint64_t last);
/* Harvests [start, last] before its EPT leaves are dropped or replaced
 * (the listener's region_del of a logged range): PML logs drained first,
 * dirty flags reported and cleared (A/D); write protection has nothing to
 * take, its faults reported already.  Reports go to the committed sections,
 * i.e. the view the writes were made in. */
void ept_dirty_harvest_leaving(EptListener *el, uint64_t start, uint64_t last);

/* ---------------------------------------- internal, shared by ept/ files */
int ept_sections_carve(EptSectionList *l, uint64_t start, uint64_t last);
int ept_sections_insert(EptSectionList *l, const EptSection *s);
int ept_sections_set_log(EptSectionList *l, uint64_t start, uint64_t last, uint8_t log);
int ept_sections_copy(EptSectionList *dst, const EptSectionList *src);
void ept_sections_free(EptSectionList *l);
/* Index of the first section with last >= gpa. */
size_t ept_sections_lower_bound(const EptSectionList *l, uint64_t gpa);
/* The mapping the sections ask for, whole pages, within max_gpa. */
int ept_runs_build(EptRunList *out, const EptSectionList *secs, const EptContext *ctx);
void ept_runs_free(EptRunList *l);
/* Pieces that turn `from` into `to` (only where they differ); *out is
 * plat_alloc'ed (NULL when n is 0). */
int ept_runs_diff(const EptRunList *from, const EptRunList *to, EptPiece **out, size_t *n);

#endif
