/*
 * The EPT entry format (Intel SDM vol. 3C, 29.3.2 "EPT Translation
 * Mechanism", tables 29-1..29-6, and 25.6.11 for the EPT pointer).
 *
 * This is the only file that knows the bit layout.  The table code above it
 * speaks in levels (4 = PML4 ... 1 = PT), generic permissions (EPT_PERM_*)
 * and a few "soft" bits of our own; an AMD NPT format would provide the
 * same set of inline functions under another prefix.
 *
 * Layout used (leaf = PTE, or PDE/PDPTE with bit 7):
 *   bit 0 R, bit 1 W, bit 2 X          any of them set = present
 *   bits 5:3 memory type (leaf only)   6 = WB
 *   bit 6 ignore PAT (leaf only)
 *   bit 7 large page (PDE: 2 MiB, PDPTE: 1 GiB; must be 0 in a PML4E)
 *   bit 8 accessed, bit 9 dirty (leaf) when the EPTP enables A/D flags
 *   bits 51:12 physical address (of the next table or the page)
 *   bits 62:52 ignored by the CPU: our soft bits live there
 */
#ifndef EPT_EPT_ENTRY_H
#define EPT_EPT_ENTRY_H

#include "hv/lib/base.h"

#define EPT_LEVELS 4
#define EPT_ENTRIES 512u
#define EPT_PAGE_SHIFT 12
#define EPT_PAGE_SIZE 4096ull

/* Generic permissions (equal to the EPT bits, so conversions are free). */
#define EPT_PERM_R 1u
#define EPT_PERM_W 2u
#define EPT_PERM_X 4u
#define EPT_PERM_RWX 7u

#define EPT_E_R (1ull << 0)
#define EPT_E_W (1ull << 1)
#define EPT_E_X (1ull << 2)
#define EPT_E_PERMS 7ull
#define EPT_E_MT_SHIFT 3
#define EPT_E_MT_MASK (7ull << EPT_E_MT_SHIFT)
#define EPT_MT_UC 0ull
#define EPT_MT_WB 6ull
#define EPT_E_IPAT (1ull << 6)
#define EPT_E_LARGE (1ull << 7)
#define EPT_E_A (1ull << 8)
#define EPT_E_D (1ull << 9)
#define EPT_E_AD (EPT_E_A | EPT_E_D)
#define EPT_E_ADDR 0x000ffffffffff000ull /* bits 51:12 */

/*
 * Soft bits (ignored by the CPU, SDM table 29-6 bits 62:52):
 *  LOG    the page is dirty-logged: it stays a 4 KiB leaf and is never merged.
 *  WANT_W the write-protect strategy took W away for logging; the page is
 *         really writable and the first write fault gives W back.
 */
#define EPT_SOFT_LOG (1ull << 52)
#define EPT_SOFT_WANT_W (1ull << 53)
#define EPT_SOFT_MASK (EPT_SOFT_LOG | EPT_SOFT_WANT_W)

/* EPT pointer (SDM 25.6.11): type bits 2:0, walk length - 1 in 5:3, A/D bit 6. */
#define EPTP_MT_WB 6ull
#define EPTP_WALK_SHIFT 3
#define EPTP_AD (1ull << 6)

/* log2 of the bytes one entry at this level maps: 12, 21, 30, 39. */
static inline unsigned ept_level_shift(int level)
{
    return EPT_PAGE_SHIFT + 9u * (unsigned)(level - 1);
}

static inline uint64_t ept_level_size(int level)
{
    return 1ull << ept_level_shift(level);
}

static inline unsigned ept_index(uint64_t gpa, int level)
{
    return (unsigned)(gpa >> ept_level_shift(level)) & (EPT_ENTRIES - 1);
}

static inline bool ept_e_present(uint64_t e)
{
    return (e & EPT_E_PERMS) != 0;
}

/* A leaf maps memory; otherwise a present entry points at a table. */
static inline bool ept_e_is_leaf(uint64_t e, int level)
{
    return level == 1 || (e & EPT_E_LARGE);
}

static inline uint64_t ept_e_addr(uint64_t e, int level)
{
    return e & EPT_E_ADDR & ~(ept_level_size(level) - 1);
}

static inline unsigned ept_e_perms(uint64_t e)
{
    return (unsigned)(e & EPT_E_PERMS);
}

/* Everything but the address and the CPU-owned A/D flags. */
static inline uint64_t ept_e_attrs(uint64_t e)
{
    return e & ~(EPT_E_ADDR | EPT_E_AD);
}

/* A leaf: write-back RAM (the guest PAT still applies: IPAT clear). */
static inline uint64_t ept_e_make_leaf(uint64_t hpa, unsigned perms, int level,
                                       uint64_t soft)
{
    return (hpa & EPT_E_ADDR) | (perms & EPT_E_PERMS) |
           (EPT_MT_WB << EPT_E_MT_SHIFT) | (level > 1 ? EPT_E_LARGE : 0) |
           (soft & EPT_SOFT_MASK);
}

/* A leaf at level-1 that maps the i-th part of a large leaf at level. */
static inline uint64_t ept_e_derive(uint64_t large, int level, unsigned i)
{
    uint64_t hpa = ept_e_addr(large, level) + (uint64_t)i * ept_level_size(level - 1);
    uint64_t e = (large & ~(EPT_E_ADDR | EPT_E_LARGE)) | hpa;

    return level - 1 > 1 ? e | EPT_E_LARGE : e;
}

/* A non-leaf entry: permissions of the table below are not narrowed here. */
static inline uint64_t ept_e_make_table(uint64_t table_hpa)
{
    return (table_hpa & EPT_E_ADDR) | EPT_E_PERMS;
}

/* Does replacing old by new need an INVEPT?  Only growing permissions on
 * the same leaf, or filling a hole, is free: an EPT violation already
 * drops the stale translation for the faulting address (SDM 29.4.3.1). */
static inline bool ept_e_reduces(uint64_t old, uint64_t new_e, int level)
{
    if (!ept_e_present(old) || old == new_e)
        return false;
    if (!ept_e_present(new_e) || !ept_e_is_leaf(old, level) ||
        !ept_e_is_leaf(new_e, level))
        return true;
    if (ept_e_addr(old, level) != ept_e_addr(new_e, level) ||
        (old & EPT_E_MT_MASK) != (new_e & EPT_E_MT_MASK))
        return true;
    if (ept_e_perms(old) & ~ept_e_perms(new_e))
        return true;
    /* A TLB entry may remember "dirty" and skip setting D again. */
    return (old & EPT_E_D) && !(new_e & EPT_E_D);
}

static inline uint64_t ept_make_eptp(uint64_t root_hpa, bool ad)
{
    return (root_hpa & EPT_E_ADDR) | EPTP_MT_WB |
           ((uint64_t)(EPT_LEVELS - 1) << EPTP_WALK_SHIFT) | (ad ? EPTP_AD : 0);
}

#endif
